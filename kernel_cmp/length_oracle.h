/*
 * length_oracle.h - exact 32-bit verdicts from a channel that only shows
 * min(verdict, len) (AF_UNIX and AF_PACKET receivers: 0 drops, anything
 * else trims the packet to that length).
 *
 * A program is attached once as the load question, then each input is
 * answered with as few kernel runs as the input allows:
 *
 *   1. the load attaches the variant the first input needs (below), so
 *      with a right hint, or a value ids settles, one attach and one send
 *      answer it; a program with `ret a` that cannot be rewritten inline
 *      or safely with an epilogue is attached as it is, and one send
 *      shows min(v, len), which already pins v when 0 < v < len;
 *   2. with a hint (an expected verdict), one `verify` variant says
 *      whether the kernel's value is exactly the hint (or an abort); this
 *      is skipped for programs without `ret a` whose constants fit the
 *      alphabet, where ids is as cheap and needs no other attach;
 *   3. otherwise an `ids` variant numbers the distinct `ret #k` constants
 *      1..m and gives `ret a` the remaining symbols (small A exactly),
 *      with EAGAIN meaning an abort; if the alphabet (len) is too small
 *      for that, a first +1 slice separates aborts (linux-semantics:
 *      hook.unix-drop);
 *   4. the rest of a large A comes in b-bit slices, b = min(16,
 *      floor(log2(len+1))), abort being ruled out by then so slice value
 *      0 may be sent as "drop".
 *
 * Programs that read SKF_AD_RANDOM (non-deterministic across runs) or,
 * without a device, ifidx/hatype (which then exit with the raw A) are only
 * observed as they are: exact only when 0 <= v < len.
 * A variant that cannot load (over 4096 instructions, an eBPF jump out of
 * s16 range as cbpf_predict_load predicts, or refused by the kernel) falls
 * back to plain observation, marked inexact, with a note.
 */
#ifndef CBPF_KERNEL_LENGTH_ORACLE_H
#define CBPF_KERNEL_LENGTH_ORACLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oracle.h"
#include "verdict_rewrite.h"

/* What the engine needs from a socket. */
struct kc_len_channel {
	void *self;
	/* Attach (replacing any filter). 0 or the errno; *env_limit set when
	 * the errno is an ENOMEM that survived a retry on a fresh socket. */
	int (*attach)(void *self, const struct cbpf_insn *insns, size_t n, bool *env_limit);
	/* Send len bytes through the filter. *got = delivered length, or -1
	 * when the filter dropped it. 0, or the errno of the failure (with a
	 * message in note). */
	int (*observe)(void *self, const uint8_t *pkt, size_t len, long *got, char *note,
		       size_t notelen);
	/* Optional: 1 when SO_GET_FILTER returns exactly insns. */
	bool (*readback)(void *self, const struct cbpf_insn *insns, size_t n);
	/* The skb has a device: ifidx/hatype load values instead of exiting. */
	bool has_device;
};

struct kc_len_engine {
	struct kc_len_channel ch;
	struct cbpf_insn *insns;   /* a copy of the program */
	struct cbpf_insn *buf;     /* room for a variant */
	struct kc_shape shape;
	struct kc_variant attached;
	bool have_attached;
	bool loaded;
	bool plain_only;
};

/* The input a load may be planned for (the first one to be asked). */
struct kc_len_input {
	const uint8_t *pkt;
	size_t len;
	const struct kc_hint *hint;   /* may be NULL */
};

/*
 * Load (attach) a program: out gets the kernel's answer. Returns 0 when
 * the program is loaded and verdicts may be asked, else -1 (out says
 * why; a failed allocation is ENOMEM with env_limit).
 *
 * With first given, the variant that input needs is attached first. For
 * a program with `ret a` that is done only when the variant provably loads
 * exactly when the original does (up to optmem_max): inline (every `ret a`
 * a block in place, jumps relocated; verdict_rewrite.c proves it), or an
 * epilogue when the original ends in a ret, all its jumps land inside it
 * (so none can reach the epilogue), and it reads no scratch cell
 * (check_load_and_stores carries the cells written before a `ret` into
 * the next instruction, a `ja` does not). A variant that fails to load
 * (ENOMEM: it is longer) is followed by the original, whose answer is
 * reported. Without first, programs with `ret a` attach the original.
 */
int kc_len_load(struct kc_len_engine *e, const struct kc_len_channel *ch,
		const struct cbpf_insn *insns, size_t n, const struct kc_len_input *first,
		struct kc_load *out);

/* The verdict for one input (hint may be NULL). The caller fills
 * out->ctx beforehand; the engine sets everything else. */
void kc_len_verdict(struct kc_len_engine *e, const uint8_t *pkt, size_t len,
		    const struct kc_hint *hint, struct kc_verdict *out);

/* Forget the program (the caller detaches it). */
void kc_len_unload(struct kc_len_engine *e);

#endif
