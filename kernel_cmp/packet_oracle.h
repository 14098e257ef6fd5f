/*
 * packet_oracle.h - the AF_PACKET oracle (root only): real skb metadata.
 *
 * Each request runs in a forked child that enters a network namespace of
 * its own (unshare(CLONE_NEWNET); the namespace vanishes with the child),
 * brings up lo, pins itself to one CPU, and opens three AF_PACKET SOCK_RAW
 * sockets on lo: a sender (SO_MARK = the requested mark), a witness that
 * sees every frame (its filter `ld poff; add #1; ret a` also measures the
 * flow dissector's payload offset), and the receiver holding the program.
 * The receiver is bound after the witness, so it sits before it in lo's
 * tap list: once the witness has a frame, the program has run on it too.
 * Both ignore outgoing copies (PACKET_IGNORE_OUTGOING), so the program
 * runs once per frame, on the incoming copy (pkttype from the frame's
 * destination MAC, as eth_type_trans decides; lo's own address is zero).
 *
 * The program sees data at the mac header (SKF_LL_OFF works, net header at
 * 14), len = the frame length, protocol from the EtherType, the device lo
 * (ifindex 1, hatype 772), the mark, and the pinned CPU. Exact verdicts
 * come from length_oracle.h; every verdict carries the context (struct
 * cbpf_ctx) so a VM can be run on the same input.
 *
 * Frames are 14..65550 bytes (lo's MTU plus its header).
 */
#ifndef CBPF_KERNEL_PACKET_ORACLE_H
#define CBPF_KERNEL_PACKET_ORACLE_H

#include <stddef.h>
#include <stdint.h>

#include "cbpf/insn.h"
#include "oracle.h"

#define KC_PACKET_MIN_FRAME 14
#define KC_PACKET_MAX_FRAME (65536 + 14)

/* NULL when this process may run the packet oracle, else a one-line
 * reason ("needs root: CAP_SYS_ADMIN ... missing"). */
const char *kc_packet_unavailable(void);

/* One request: load the program, answer every frame. mark is the
 * sender's SO_MARK (the `mark` the program sees). Returns 0 when the
 * program loaded. */
int kc_packet_request(const struct cbpf_insn *insns, size_t n, const uint8_t *const *frames,
		      const size_t *lens, size_t nframes, const struct kc_hint *hints,
		      uint32_t mark, struct kc_load *load, struct kc_verdict *verdicts);

#endif
