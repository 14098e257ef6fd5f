/*
 * cbpf/vm.h - the virtual machine: runs a validated program with the exact
 * run-time semantics of Linux (x86-64, JIT or interpreter), returning the
 * u32 the kernel's program would return and why it ended.
 *
 * A VM is immutable once created: run it from any number of threads at
 * once; a run allocates nothing.
 */
#ifndef CBPF_VM_H
#define CBPF_VM_H

#include "cbpf/api.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cbpf/insn.h"
#include "cbpf/validate.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CBPF_MAX_PACKET (4u << 20) /* 4 MiB */

/* Sentinel for the optional integer fields of struct cbpf_ctx. */
#define CBPF_CTX_UNSET INT64_MIN
/* poff value asking the VM to run the flow dissector on the packet. */
#define CBPF_POFF_AUTO (INT64_MIN + 1)

/*
 * What the filter sees besides the packet bytes. cbpf_ctx_init() gives
 * exactly what a filter sees on an AF_UNIX SOCK_DGRAM socket pair: len =
 * packet length, every skb field 0, no device, network header at offset
 * 0, mac header unset, the whole packet linear, poff computed (0 for
 * protocol 0).
 *
 * The u32 fields are the skb fields as the kernel's filter reads them and
 * are returned as given (the kernel's own values fit their skb fields:
 * protocol, queue, vlan_tci and vlan_tpid are 16 bits, pkttype 3 bits).
 */
struct cbpf_ctx {
	int64_t len;          /* ld #len (skb->len, truncated to u32);
	                       * CBPF_CTX_UNSET = packet length */
	uint32_t protocol;    /* SKF_AD_PROTOCOL (host order, already ntohs'ed) */
	uint32_t pkttype;
	bool has_dev;         /* false: ifidx/hatype end the program with A */
	uint32_t ifindex;
	uint32_t hatype;
	uint32_t mark;
	uint32_t queue;
	uint32_t rxhash;
	uint32_t cpu;
	uint32_t vlan_tci;
	uint32_t vlan_avail;  /* also "a VLAN tag is present" for poff auto */
	uint32_t vlan_tpid;
	int64_t poff;         /* value (truncated to u32), or CBPF_POFF_AUTO
	                       * (or CBPF_CTX_UNSET): the kernel's flow
	                       * dissector on the packet from net_off with
	                       * `protocol` as the L3 type (lib/vm/flow_dissect.c
	                       * says what it covers) */
	uint32_t random;
	int64_t net_off;      /* network header, relative to packet start
	                       * (CBPF_CTX_UNSET = 0); may be negative */
	int64_t mac_off;      /* mac header; CBPF_CTX_UNSET = unset: every
	                       * SKF_LL_OFF load fails */
	int64_t headlen;      /* linear part; CBPF_CTX_UNSET = packet length;
	                       * only nla/nlan look at it (0 when headlen < len) */
};

CBPF_API void cbpf_ctx_init(struct cbpf_ctx *ctx);

/* Why a run ended. */
enum cbpf_abort {
	CBPF_END_RET = 0,     /* a ret instruction */
	CBPF_ABORT_LOAD,      /* failed packet load: returns 0 */
	CBPF_ABORT_DIV0,      /* div/mod by X == 0: returns 0 */
	CBPF_ABORT_NODEV      /* ifidx/hatype without a device: returns A */
};

/* "ret" -> NULL in the plugin protocol; "load", "div0", "nodev". */
CBPF_API const char *cbpf_abort_name(enum cbpf_abort a);

struct cbpf_result {
	uint32_t verdict;
	enum cbpf_abort end;
};

struct cbpf_vm;

/* cbpf_vm_create() flag: interpret only (no native code). */
#define CBPF_VM_NO_JIT 0x1u

/*
 * Validate the program for the profile and build a VM; flags is 0 or
 * CBPF_VM_NO_JIT (above). Returns 0, or the errno the kernel would give
 * (d, when not NULL, is the first problem: code CBPF_ERR_REJECTED, its
 * rule and insn), or ENOMEM when allocation fails (code CBPF_ERR_NOMEM).
 */
CBPF_API int cbpf_vm_create(const struct cbpf_insn *insns, size_t n, enum cbpf_profile profile,
		   unsigned flags, struct cbpf_vm **out, struct cbpf_diag *d);
CBPF_API void cbpf_vm_free(struct cbpf_vm *vm);

/*
 * Native code. On x86-64 with GCC or Clang, cbpf_vm_create() also
 * compiles a LINUX-profile program to machine code (lib/vm/jit/x86_64.c),
 * in memory that is written, then made read+execute (never both). Runs
 * then use it; operations it leaves out (the SKF_NET_OFF/SKF_LL_OFF
 * windows, extensions other than xor_x) continue in the interpreter, and
 * packets longer than INT32_MAX bytes run there when the program has an
 * IND load (or an ABS load ending past INT32_MAX). Results are the same
 * either way.
 * The interpreter runs alone when:
 *   - the platform or compiler has no code generator;
 *   - the mapping is refused (mmap or mprotect fails: SELinux execmem, a
 *     hardened kernel), or memory runs out;
 *   - the profile is SECCOMP;
 *   - the environment has CBPF_VM_NO_JIT=1 when the VM is created;
 *   - cbpf_vm_create() gets CBPF_VM_NO_JIT.
 */

/* True when runs of vm use native code. */
CBPF_API bool cbpf_vm_is_native(const struct cbpf_vm *vm);

/*
 * The entry every VM publishes: the program's native code, or the
 * interpreter when it has none. It has cbpf_vm_run()'s contract for any
 * vm but NULL.
 */
typedef struct cbpf_result (*cbpf_vm_entry)(const struct cbpf_vm *vm, const uint8_t *pkt,
					    size_t len, const struct cbpf_ctx *ctx);

/*
 * The public head of struct cbpf_vm, part of the ABI: a VM starts with
 * this struct (the rest stays private), set once by cbpf_vm_create() and
 * never changed. It lets cbpf_vm_run() below call the program's code
 * straight from the caller, without a call into the library first.
 */
struct cbpf_vm_head {
	cbpf_vm_entry run;
};

/*
 * Run on a packet (profile LINUX) or on a struct seccomp_data (profile
 * SECCOMP: pkt is the 64-byte record in host byte order; a load past len
 * fails like any load, returning 0; ld #len is always 64). ctx may be NULL
 * for the defaults. pkt may be NULL only with len 0 (a NULL pkt is read as
 * no bytes). len may exceed CBPF_MAX_PACKET; the result is still defined.
 * Bytes before the packet start do not exist: a window offset that
 * resolves below 0 fails (the kernel may read headroom there).
 * A NULL vm gives { 0, CBPF_END_RET }.
 *
 * Inline: one check, then one indirect call into the VM's entry (struct
 * cbpf_vm_head). This is the single-packet call's whole overhead.
 */
static inline struct cbpf_result cbpf_vm_run(const struct cbpf_vm *vm, const uint8_t *pkt,
					     size_t len, const struct cbpf_ctx *ctx)
{
	if (vm == NULL) {
		struct cbpf_result none = { 0, CBPF_END_RET };
		return none;
	}
	return ((const struct cbpf_vm_head *)(const void *)vm)->run(vm, pkt, len, ctx);
}

/*
 * Run vm on n packets, as n calls of cbpf_vm_run(vm, pkts[i], lens[i],
 * ctx) would: verdicts[i] <- the verdict of packet i (why each run ended
 * is not kept; call cbpf_vm_run() for that). ctx (NULL for the defaults)
 * applies to every packet. pkts[i] may be NULL (no bytes, as for
 * cbpf_vm_run). Returns how many verdicts are not 0 (the packets a
 * socket filter would keep). A NULL vm gives verdicts of 0. Like a run, a
 * batch allocates nothing and may run in several threads at once;
 * verdicts must not overlap pkts or lens. This is the capture loop's
 * entry: one call for a whole ring or buffer of packets, without the
 * per-packet call into the library.
 */
CBPF_API size_t cbpf_vm_run_batch(const struct cbpf_vm *vm, const uint8_t *const *pkts,
				  const size_t *lens, size_t n, const struct cbpf_ctx *ctx,
				  uint32_t *verdicts);

/* struct seccomp_data, host byte order (64 bytes). */
struct cbpf_seccomp_data {
	int32_t nr;
	uint32_t arch;
	uint64_t instruction_pointer;
	uint64_t args[6];
};

#ifdef __cplusplus
}
#endif

#endif
