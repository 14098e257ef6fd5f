/*
 * vm/load.c - packet loads off the VM's fast path: the negative-offset
 * windows (SKF_NET_OFF, SKF_LL_OFF) and loads that fail, exactly as the
 * kernel's bpf_skb_load_helper_{8,16,32}() and
 * bpf_skb_load_helper_convert_offset() (net/core/filter.c, Linux >= 6.15
 * and stable backports) compute them.
 * linux-semantics: window.net, window.ll, window.below-ll, load.bounds
 */
#include <stdint.h>

#include "internal.h"

/* A ctx offset field as a signed 64-bit byte offset; false when unset. */
static bool ctx_offset(int64_t field, int64_t *out)
{
	if (field == CBPF_CTX_UNSET || field == CBPF_POFF_AUTO)
		return false;
	*out = field;
	return true;
}

/*
 * Turn the kernel's int offset into a packet offset:
 *   o >= 0                         data + o
 *   SKF_NET_OFF <= o < 0           network header + (o - SKF_NET_OFF)
 *   SKF_LL_OFF <= o < SKF_NET_OFF  mac header + (o - SKF_LL_OFF); fails
 *                                  when the mac header was never set
 *   o < SKF_LL_OFF                 fails
 * Offsets that resolve before the packet start fail too: the kernel may
 * read headroom there, but we hold no bytes before data (linux-semantics:
 * window.no-headroom).
 */
static bool resolve_offset(const struct cbpf_ctx *ctx, int32_t off, int64_t *pos)
{
	int64_t base;

	if (off >= 0) {
		*pos = off;
		return true;
	}
	if (off >= CBPF_SKF_NET_OFF) {
		if (!ctx_offset(ctx->net_off, &base))
			base = 0;
		*pos = base + ((int64_t)off - CBPF_SKF_NET_OFF);
		return *pos >= 0;
	}
	if (off >= CBPF_SKF_LL_OFF) {
		/* skb_mac_header_was_set(): an unset mac header fails. */
		if (!ctx_offset(ctx->mac_off, &base))
			return false;
		*pos = base + ((int64_t)off - CBPF_SKF_LL_OFF);
		return *pos >= 0;
	}
	return false;
}

int64_t cbpf_vm_load(const uint8_t *pkt, size_t len, const struct cbpf_ctx *ctx, int32_t off,
		     unsigned size)
{
	int64_t pos;
	uint32_t v = 0;

	if (ctx == NULL)
		ctx = &cbpf_vm_default_ctx;
	if (!resolve_offset(ctx, off, &pos))
		return -1;
	/* The whole read lies inside the packet: straddling the end fails
	 * (skb_copy_bits() refuses offset > len - size). */
	if ((uint64_t)pos > len || len - (uint64_t)pos < size)
		return -1;
	for (unsigned i = 0; i < size; i++)
		v = (v << 8) | pkt[pos + i];
	return v;
}
