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
 * Before the program is attached, each frame is sent once (the probe): the
 * witness's PACKET_AUXDATA gives the skb the program will run on (skb->len,
 * network offset, VLAN tag), and the receiver, still without a filter,
 * gives the bytes. That is the context reported (struct cbpf_ctx), and the
 * length every exact verdict is planned for (length_oracle.h); each later
 * run is checked against it.
 *
 * The program sees data at the mac header (SKF_LL_OFF works, net header at
 * 14), protocol from the EtherType, the device lo (ifindex 1, hatype 772),
 * the mark, and the pinned CPU. A frame whose EtherType is 0x8100 or
 * 0x88a8 loses that (outer) tag on receive [6.18, measured]: the kernel
 * moves it into skb->vlan_tci/vlan_proto (vlan_avail 1) before any
 * AF_PACKET socket sees the frame, so the program sees the frame without
 * bytes 12..15: len is 4 less, protocol the next EtherType (an inner tag's
 * TPID for QinQ, which stays in the data), and a verdict v delivers
 * min(v, that len) bytes of it. Such a frame needs 20 bytes; shorter ones
 * are dropped before the taps.
 *
 * Frames are 14..65550 bytes on the wire (lo's MTU plus its header; a tag
 * gets no extra 4 bytes on lo).
 */
#ifndef CBPF_KERNEL_PACKET_ORACLE_H
#define CBPF_KERNEL_PACKET_ORACLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cbpf/insn.h"
#include "oracle.h"

#define KC_PACKET_MIN_FRAME 14
#define KC_PACKET_MAX_FRAME (65536 + 14)
/* A frame with a VLAN EtherType at 12: header, tag, and the EtherType
 * after it (skb_vlan_untag pulls 6 bytes past the header). */
#define KC_PACKET_MIN_TAGGED 20
/* Where the kernel takes a tag out of the frame. */
#define KC_PACKET_TAG_OFF 12

/* A VLAN tag the oracle puts on the wire in front of the EtherType (at
 * offset 12): the kernel moves it into the skb again, so the program sees
 * the frame as given with vlan_avail 1, vlan_tci and vlan_tpid. Only
 * 0x8100 and 0x88a8 are moved. */
struct kc_vlan_tag {
	bool present;
	uint16_t tpid;
	uint16_t tci;
};

struct kc_packet_opts {
	uint32_t mark;            /* the sender's SO_MARK (the `mark` the program sees) */
	struct kc_vlan_tag tag;   /* put on every frame when present */
};

/* NULL when this process may run the packet oracle, else a one-line
 * reason ("needs root: CAP_SYS_ADMIN ... missing"). */
const char *kc_packet_unavailable(void);

/* 0 when lo can carry the frame (len bytes, as sent, tag included) to an
 * AF_PACKET socket, else EMSGSIZE with a one-line reason in why that says
 * what the limit is. */
int kc_packet_frame_check(const uint8_t *frame, size_t len, char *why, size_t whylen);

/* 0 when tag may be put on the wire (present with TPID 0x8100 or 0x88a8,
 * or absent), else EINVAL with the reason in why. */
int kc_packet_tag_check(const struct kc_vlan_tag *tag, char *why, size_t whylen);

/* One request: load the program, answer every frame (opts may be NULL:
 * mark 0, no tag). A verdict's seen_cut says which bytes of the given
 * frame the program did not see (see kc_packet_seen). Returns 0 when the
 * program loaded. */
int kc_packet_request(const struct cbpf_insn *insns, size_t n, const uint8_t *const *frames,
		      const size_t *lens, size_t nframes, const struct kc_hint *hints,
		      const struct kc_packet_opts *opts, struct kc_load *load,
		      struct kc_verdict *verdicts);

/* The bytes the program saw of a frame given to kc_packet_request: the
 * frame without v->seen_cut bytes at KC_PACKET_TAG_OFF. Writes
 * len - seen_cut bytes to out (room for len) and returns that count. */
size_t kc_packet_seen(const uint8_t *frame, size_t len, const struct kc_verdict *v, uint8_t *out);

#endif
