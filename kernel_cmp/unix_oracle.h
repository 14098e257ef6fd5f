/*
 * unix_oracle.h - the socket-pair oracle (the default; unprivileged).
 *
 * A fresh AF_UNIX SOCK_DGRAM pair; the filter is attached to the receiver
 * and runs synchronously inside the sender's sendmsg(), so a
 * recv(MSG_DONTWAIT | MSG_TRUNC) right after send() sees either the
 * trimmed datagram (min(v, len) bytes) or EAGAIN (dropped or aborted).
 * Exact 32-bit verdicts come from length_oracle.h. The context is the one
 * cbpf_ctx_init() describes (no device, net header at 0, mac header
 * unset), plus the pinned CPU for programs that read `cpu` and the linear
 * length of datagrams over 16064 bytes. The first program that reads `cpu`
 * pins the calling thread to the CPU it is on until kc_unix_close (called
 * from that thread) restores its affinity; use a kc_unix from one thread.
 *
 * One kc_unix owns one socket pair; programs are loaded one after another
 * and the pair is reused (a program that leaves the kernel in doubt, an
 * ENOMEM, gets a fresh pair). Nothing outlives kc_unix_close().
 */
#ifndef CBPF_KERNEL_UNIX_ORACLE_H
#define CBPF_KERNEL_UNIX_ORACLE_H

#include <stddef.h>
#include <stdint.h>

#include "cbpf/insn.h"
#include "oracle.h"
#include "sockfilter.h"

struct kc_unix;

/* 0, or the errno (err says what failed). */
int kc_unix_open(struct kc_unix **out, struct kc_error *err);
void kc_unix_close(struct kc_unix *u);

/* Load a program (any previous one is replaced). 0 when it loaded; -1
 * when the kernel refused it (out says how). */
int kc_unix_load(struct kc_unix *u, const struct cbpf_insn *insns, size_t n, struct kc_load *out);

/* The same, planned for the first packet to be asked (and its hint, may
 * be NULL): often saves an attach (length_oracle.h). */
int kc_unix_load_for(struct kc_unix *u, const struct cbpf_insn *insns, size_t n,
		     const uint8_t *pkt, size_t len, const struct kc_hint *hint, struct kc_load *out);

/* The kernel's verdict on one packet (0..CBPF_MAX_PACKET bytes; hint may
 * be NULL). */
void kc_unix_verdict(struct kc_unix *u, const uint8_t *pkt, size_t len, const struct kc_hint *hint,
		     struct kc_verdict *out);

/* The context the kernel will run insns with on a len-byte packet: what
 * kc_unix_verdict reports in kc_verdict.ctx, known before asking, so that
 * a hint can be computed on it. For a program that reads cpu the calling
 * thread is pinned now, as kc_unix_verdict would pin it (exact when the
 * thread that asks for verdicts calls it). */
void kc_unix_ctx_for(struct kc_unix *u, const struct cbpf_insn *insns, size_t n, size_t len,
		     struct cbpf_ctx *ctx);

/* Forget the loaded program and free what the oracle kept for it (the
 * filter stays attached until the next load replaces it); verdicts are
 * refused until the next load. A fuzz target calls it at the end of each
 * input, so that every input frees what it allocated (libFuzzer's leak
 * check re-runs an input whose mallocs outnumber its frees). */
void kc_unix_unload(struct kc_unix *u);

/* Whether each load reads the filter back with SO_GET_FILTER to set
 * kc_load.readback_ok (default: yes). A caller that never looks at
 * readback_ok (a fuzz target comparing verdicts) saves one getsockopt and
 * a copy of the program per load; readback_ok is then always true. */
void kc_unix_set_readback(struct kc_unix *u, bool on);

/* The largest packet this oracle can send now, raising the send buffer
 * as far as the caller may (SO_SNDBUF up to wmem_max; SO_SNDBUFFORCE with
 * CAP_NET_ADMIN). */
size_t kc_unix_max_packet(struct kc_unix *u);

/* One request: open, load, answer every packet, close. verdicts has
 * npkts entries; hints may be NULL. Returns 0 when the program loaded. */
int kc_unix_request(const struct cbpf_insn *insns, size_t n, const uint8_t *const *pkts,
		    const size_t *lens, size_t npkts, const struct kc_hint *hints,
		    struct kc_load *load, struct kc_verdict *verdicts);

#endif
