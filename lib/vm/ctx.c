/*
 * vm/ctx.c - the run context's defaults (what a filter sees on an AF_UNIX
 * SOCK_DGRAM socket pair) and the names of the ways a run ends.
 */
#include "cbpf/vm.h"

#include "internal.h"

/*
 * AF_UNIX SOCK_DGRAM, measured on Linux 6.18: the filter runs in the
 * sender's unix_dgram_sendmsg() on a fresh skb. skb->dev is NULL (ifidx
 * and hatype end the program), protocol, pkt_type, mark, queue_mapping,
 * hash, vlan fields are 0, the network header is at data (offset 0), the
 * mac header is unset, and datagrams up to 16064 bytes are linear. poff is
 * computed (it dissects nothing for protocol 0, giving 0), cpu and random
 * default to 0 (linux-semantics: hook.unix-ctx).
 */
const struct cbpf_ctx cbpf_vm_default_ctx = {
	.len = CBPF_CTX_UNSET,
	.has_dev = false,
	.poff = CBPF_POFF_AUTO,
	.net_off = 0,
	.mac_off = CBPF_CTX_UNSET,
	.headlen = CBPF_CTX_UNSET,
};

void cbpf_ctx_init(struct cbpf_ctx *ctx)
{
	*ctx = cbpf_vm_default_ctx;
}

const char *cbpf_abort_name(enum cbpf_abort a)
{
	switch (a) {
	case CBPF_END_RET: return "ret";
	case CBPF_ABORT_LOAD: return "load";
	case CBPF_ABORT_DIV0: return "div0";
	case CBPF_ABORT_NODEV: return "nodev";
	}
	return "unknown";
}
