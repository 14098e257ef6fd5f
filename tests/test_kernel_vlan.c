/*
 * test_kernel_vlan.c - VLAN-tagged frames on AF_PACKET lo (root only;
 * skipped with a reason otherwise). First what the kernel does, measured
 * with plain sockets in a network namespace of the test's own: which tag
 * it takes out of the frame, what skb->len, offsets and vlan metadata the
 * filter then sees, what a verdict delivers, which frames never reach a
 * socket. Then the packet oracle on the same frames: exact verdicts planned
 * for the skb the program saw, the context it reports, the bytes it says
 * the program saw, the tag it puts on the wire, and random programs whose
 * VM run on that input gives the kernel's verdicts.
 * (linux-semantics: hook.packet-vlan, ret.packet-snaplen)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cbpf/vm.h"
#include "check.h"
#include "packet_oracle.h"
#include "randprog.h"

#define S(code, k) cbpf_stmt((code), (k))
#define RET_A S(0x16, 0)
#define AD(n) ((uint32_t)CBPF_SKF_AD_OFF + (n))
#define MAXF (KC_PACKET_MAX_FRAME + 8)

/* ---- frames ---- */

/* dst 02:00:00:00:00:02, src 02:00:00:00:00:01, then the 16-bit words
 * (tags and EtherType), then bytes 0xa0 + i up to len. */
static size_t frame(uint8_t *f, size_t len, const uint16_t *words, size_t nwords)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };
	size_t o = 12;

	memcpy(f, macs, 12);
	for (size_t i = 0; i < nwords; i++, o += 2) {
		f[o] = (uint8_t)(words[i] >> 8);
		f[o + 1] = (uint8_t)words[i];
	}
	for (size_t i = o; i < len; i++)
		f[i] = (uint8_t)(0xa0 + i);
	return len;
}

#define FRAME(f, len, ...) \
	frame((f), (len), (const uint16_t[]){ __VA_ARGS__ }, \
	      sizeof((const uint16_t[]){ __VA_ARGS__ }) / sizeof(uint16_t))

/* The issue's frame: 802.1Q VID 20 in front of IPv4, 60 bytes (zeros). */
static size_t issue_frame(uint8_t *f)
{
	static const char hex[] = "020000000002020000000001810000140800";

	memset(f, 0, 60);
	for (size_t i = 0; i < sizeof(hex) / 2; i++) {
		unsigned b;
		sscanf(hex + 2 * i, "%2x", &b);
		f[i] = (uint8_t)b;
	}
	return 60;
}

/* ---- the kernel, measured with plain sockets ---- */

struct raw {
	int ifindex, sender, rx;
};

/* What one frame did at a receiver with a given filter. */
struct seen {
	int frames;                 /* times the receiver got it */
	long len;                   /* bytes delivered (-1: none) */
	struct tpacket_auxdata aux; /* of the first */
	uint8_t data[MAXF];
};

static int raw_open(struct raw *r)
{
	struct ifreq ifr;
	struct sockaddr_ll sll;
	int s, one = 1, big = 4 << 20;

	if (unshare(CLONE_NEWNET) != 0)
		return -1;
	s = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) != 0)
		return -1;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0)
		return -1;
	close(s);
	r->ifindex = (int)if_nametoindex("lo");
	r->sender = socket(AF_PACKET, SOCK_RAW, 0);
	r->rx = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = r->ifindex;
	setsockopt(r->rx, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	if (r->sender < 0 || r->rx < 0 ||
	    setsockopt(r->rx, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) != 0 ||
	    setsockopt(r->rx, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) != 0 ||
	    bind(r->rx, (struct sockaddr *)&sll, sizeof(sll)) != 0)
		return -1;
	return 0;
}

static void raw_filter(struct raw *r, uint32_t ret_k)
{
	struct sock_filter f[] = { BPF_STMT(BPF_RET | BPF_K, ret_k) };
	struct sock_fprog p = { 1, f };

	CHECK_EQ(setsockopt(r->rx, SOL_SOCKET, SO_ATTACH_FILTER, &p, sizeof(p)), 0);
}

/* sendto's result (or -errno) */
static long raw_send(struct raw *r, const uint8_t *f, size_t len)
{
	struct sockaddr_ll to;
	ssize_t n;

	memset(&to, 0, sizeof(to));
	to.sll_family = AF_PACKET;
	to.sll_ifindex = r->ifindex;
	to.sll_halen = 6;
	memcpy(to.sll_addr, f, 6);
	n = sendto(r->sender, f, len, 0, (struct sockaddr *)&to, sizeof(to));
	return n < 0 ? -errno : n;
}

/* Send f and collect every copy the receiver got within 200 ms. */
static void raw_ask(struct raw *r, const uint8_t *f, size_t len, struct seen *s)
{
	struct pollfd pfd = { r->rx, POLLIN, 0 };

	memset(s, 0, sizeof(*s));
	s->len = -1;
	CHECK_EQ(raw_send(r, f, len), len);
	while (poll(&pfd, 1, s->frames ? 20 : 200) == 1) {
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
		} ctl;
		static uint8_t sink[MAXF];
		struct iovec iov = { s->frames ? sink : s->data, MAXF };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
				    .msg_controllen = sizeof(ctl.buf) };
		ssize_t n = recvmsg(r->rx, &m, MSG_DONTWAIT);

		if (n < 0)
			break;
		if (s->frames++ == 0) {
			s->len = n;
			for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h))
				if (h->cmsg_type == PACKET_AUXDATA)
					memcpy(&s->aux, CMSG_DATA(h), sizeof(s->aux));
		}
	}
}

/* f without bytes 12..15 */
static size_t untagged(const uint8_t *f, size_t len, uint8_t *out)
{
	memcpy(out, f, 12);
	memcpy(out + 12, f + 16, len - 16);
	return len - 4;
}

#define VLAN_OK (TP_STATUS_VLAN_VALID | TP_STATUS_VLAN_TPID_VALID)

/* [6.18, measured] __netif_receive_skb_core untags a frame whose
 * EtherType is 0x8100 or 0x88a8 (skb_vlan_untag) before the taps: the
 * outer tag goes into skb->vlan_tci/vlan_proto, bytes 12..15 leave the
 * frame, the mac header moves with it. The filter runs on that skb. */
static void test_kernel_untags(struct raw *r)
{
	static uint8_t f[MAXF], want[MAXF];
	static struct seen s;
	size_t len = issue_frame(f), wlen = untagged(f, len, want);

	raw_filter(r, 0xffffffff);
	raw_ask(r, f, len, &s);
	CHECK_EQ(s.frames, 1);                      /* the taps run once */
	CHECK_EQ(s.len, 56);
	CHECK(memcmp(s.data, want, wlen) == 0);     /* the frame without the tag */
	CHECK_EQ(s.aux.tp_len, 56);                 /* skb->len the filter saw */
	CHECK_EQ(s.aux.tp_net, 14);                 /* network header after the new EtherType */
	CHECK_EQ(s.aux.tp_status & VLAN_OK, VLAN_OK);
	CHECK_EQ(s.aux.tp_vlan_tci, 20);
	CHECK_EQ(s.aux.tp_vlan_tpid, 0x8100);
	/* a verdict v delivers min(v, skb->len) bytes of that frame; the
	 * original length (tp_len) stays the skb's */
	raw_filter(r, 1000);
	raw_ask(r, f, len, &s);
	CHECK_EQ(s.len, 56);
	raw_filter(r, 20);
	raw_ask(r, f, len, &s);
	CHECK_EQ(s.len, 20);
	CHECK(memcmp(s.data, want, 20) == 0);
	CHECK_EQ(s.aux.tp_len, 56);
	CHECK_EQ(s.aux.tp_snaplen, 20);
	/* 802.1ad alone: the same, with its TPID */
	len = FRAME(f, 60, 0x88a8, 20, 0x0800);
	raw_filter(r, 0xffffffff);
	raw_ask(r, f, len, &s);
	CHECK_EQ(s.len, 56);
	CHECK_EQ(s.aux.tp_vlan_tpid, 0x88a8);
	/* QinQ: only the outer tag is taken; the inner one stays at 12 */
	len = FRAME(f, 64, 0x88a8, 200, 0x8100, 30, 0x0800);
	raw_ask(r, f, len, &s);
	CHECK_EQ(s.frames, 1);
	CHECK_EQ(s.len, 60);
	CHECK_EQ(s.aux.tp_vlan_tci, 200);
	CHECK_EQ(s.aux.tp_vlan_tpid, 0x88a8);
	CHECK_EQ(s.data[12] << 8 | s.data[13], 0x8100);
	CHECK_EQ(s.data[14] << 8 | s.data[15], 30);
	/* a priority tag (VID 0) in front of another tag: also one tag, and
	 * the taps still run once (the second untag round comes after them) */
	len = FRAME(f, 64, 0x8100, 0xa000, 0x8100, 30, 0x0800);
	raw_ask(r, f, len, &s);
	CHECK_EQ(s.frames, 1);
	CHECK_EQ(s.len, 60);
	CHECK_EQ(s.aux.tp_vlan_tci, 0xa000);
	/* another TPID (0x9100) is not a VLAN tag for the kernel */
	len = FRAME(f, 60, 0x9100, 20, 0x0800);
	raw_ask(r, f, len, &s);
	CHECK_EQ(s.len, 60);
	CHECK_EQ(s.aux.tp_status & TP_STATUS_VLAN_VALID, 0);
}

/* [6.18, measured] the limits: a tagged frame needs 20 bytes (the untag
 * pulls 6 bytes past the header; shorter ones are freed before the taps),
 * and lo grants a tagged frame no extra 4 bytes (packet_snd allows them
 * only on ARPHRD_ETHER devices): 65550 bytes in all. */
static void test_kernel_limits(struct raw *r)
{
	static uint8_t f[MAXF];
	static struct seen s;

	raw_filter(r, 0xffffffff);
	for (size_t len = 14; len <= 19; len++) {
		FRAME(f, 20, 0x8100, 20, 0x0800);
		raw_ask(r, f, len, &s);
		CHECK_EQ(s.frames, 0);
		FRAME(f, 20, 0x88a8, 20, 0x0800);
		raw_ask(r, f, len, &s);
		CHECK_EQ(s.frames, 0);
	}
	raw_ask(r, f, 20, &s);
	CHECK_EQ(s.len, 16);
	FRAME(f, KC_PACKET_MAX_FRAME + 1, 0x8100, 20, 0x0800);
	CHECK_EQ(raw_send(r, f, KC_PACKET_MAX_FRAME + 1), -EMSGSIZE);
	CHECK_EQ(raw_send(r, f, KC_PACKET_MAX_FRAME), KC_PACKET_MAX_FRAME);
	/* the oracle states the same limits before sending */
	{
		char why[256];
		CHECK_EQ(kc_packet_frame_check(f, 19, why, sizeof(why)), EMSGSIZE);
		CHECK_STR(why, "a 19-byte frame with EtherType 0x8100 is too short: a VLAN-tagged "
			       "frame needs at least 20 bytes (header, tag, EtherType), the kernel "
			       "drops it before any AF_PACKET socket sees it");
		CHECK_EQ(kc_packet_frame_check(f, 20, why, sizeof(why)), 0);
		CHECK_EQ(kc_packet_frame_check(f, KC_PACKET_MAX_FRAME, why, sizeof(why)), 0);
		CHECK_EQ(kc_packet_frame_check(f, KC_PACKET_MAX_FRAME + 1, why, sizeof(why)),
			 EMSGSIZE);
		CHECK_EQ(kc_packet_frame_check(f, 2, why, sizeof(why)), EMSGSIZE);
		CHECK_STR(why, "a 2-byte frame is too short: lo needs at least the 14-byte "
			       "Ethernet header");
		f[12] = 0x08, f[13] = 0;
		CHECK_EQ(kc_packet_frame_check(f, 14, why, sizeof(why)), 0);
		CHECK_EQ(kc_packet_frame_check(f, 13, why, sizeof(why)), EMSGSIZE);
	}
}

/* ---- the oracle ---- */

static struct kc_verdict ask(const struct cbpf_insn *p, size_t n, const uint8_t *f, size_t len,
			     const struct kc_vlan_tag *tag)
{
	struct kc_packet_opts o = { 0, { false, 0, 0 } };
	struct kc_verdict v;
	struct kc_load l;

	if (tag != NULL)
		o.tag = *tag;
	memset(&v, 0, sizeof(v));
	CHECK_EQ(kc_packet_request(p, n, &f, &len, 1, NULL, &o, &l, &v), 0);
	CHECK_EQ(l.errnum, 0);
	CHECK_EQ(v.error, 0);
	CHECK(v.exact);
	return v;
}

#define ASK(f, len, tag, ...) ({                                               \
	const struct cbpf_insn p_[] = { __VA_ARGS__ };                          \
	ask(p_, sizeof(p_) / sizeof(p_[0]), (f), (len), (tag));                 \
})

/* The issue's frame: `ld #1000; ret a` was reported as "55 exact" with
 * ctx len 60 and no tag, because the verdict was planned for the 60 bytes
 * sent while delivery clamps to the 56 the program saw. */
static void test_oracle_8021q(void)
{
	static uint8_t f[64], seen[64], want[64];
	size_t len = issue_frame(f);
	struct kc_verdict v = ASK(f, len, NULL, S(0x00, 1000), RET_A);

	CHECK_EQ(v.verdict, 1000);
	CHECK_EQ(v.ctx.len, 56);
	CHECK_EQ(v.ctx.vlan_avail, 1);
	CHECK_EQ(v.ctx.vlan_tci, 20);
	CHECK_EQ(v.ctx.vlan_tpid, 0x8100);
	CHECK_EQ(v.ctx.protocol, 0x0800);
	CHECK_EQ(v.ctx.net_off, 14);
	CHECK_EQ(v.ctx.mac_off, 0);
	CHECK_EQ(v.seen_cut, 4);
	CHECK_EQ(kc_packet_seen(f, len, &v, seen), 56);
	CHECK(memcmp(seen, want, untagged(f, len, want)) == 0);
	CHECK_EQ(ASK(f, len, NULL, S(0x06, 1000)).verdict, 1000);
	CHECK_EQ(ASK(f, len, NULL, S(0x80, 0), RET_A).verdict, 56);           /* ld len */
	CHECK_EQ(ASK(f, len, NULL, S(0x20, AD(48)), RET_A).verdict, 1);       /* vlan_avail */
	CHECK_EQ(ASK(f, len, NULL, S(0x20, AD(44)), RET_A).verdict, 20);      /* vlan_tci */
	CHECK_EQ(ASK(f, len, NULL, S(0x20, AD(60)), RET_A).verdict, 0x8100);  /* vlan_tpid */
	CHECK_EQ(ASK(f, len, NULL, S(0x20, AD(0)), RET_A).verdict, 0x0800);   /* proto */
	CHECK_EQ(ASK(f, len, NULL, S(0x28, 12), RET_A).verdict, 0x0800);      /* ldh [12] */
	/* values around the 56 the program saw, and past the 60 sent */
	CHECK_EQ(ASK(f, len, NULL, S(0x00, 55), RET_A).verdict, 55);
	CHECK_EQ(ASK(f, len, NULL, S(0x00, 56), RET_A).verdict, 56);
	CHECK_EQ(ASK(f, len, NULL, S(0x00, 59), RET_A).verdict, 59);
	CHECK_EQ(ASK(f, len, NULL, S(0x00, 60), RET_A).verdict, 60);
	CHECK_EQ(ASK(f, len, NULL, S(0x00, 0xdeadbeef), RET_A).verdict, 0xdeadbeef);
	/* dst = lo's address (all zeros): the taps see pkttype host (0); the
	 * otherhost mark for a VID with no VLAN device comes after them */
	memset(f, 0, 6);
	CHECK_EQ(ASK(f, len, NULL, S(0x20, AD(4)), RET_A).verdict, 0);
}

static void test_oracle_qinq(void)
{
	static uint8_t f[64];
	size_t len = FRAME(f, 64, 0x88a8, 200, 0x8100, 30, 0x0800);
	struct kc_verdict v = ASK(f, len, NULL, S(0x28, 12), RET_A);

	CHECK_EQ(v.verdict, 0x8100);                /* the inner tag's TPID */
	CHECK_EQ(v.ctx.len, 60);
	CHECK_EQ(v.ctx.protocol, 0x8100);
	CHECK_EQ(v.ctx.vlan_tci, 200);
	CHECK_EQ(v.ctx.vlan_tpid, 0x88a8);
	CHECK_EQ(v.seen_cut, 4);
	CHECK_EQ(ASK(f, len, NULL, S(0x28, 14), RET_A).verdict, 30);
}

/* A tag asked for (the plugin's ctx vlan_avail): put on the wire, taken
 * out again by the kernel, so the program sees the frame as given. */
static void test_oracle_tag(void)
{
	static uint8_t f[64];
	size_t len = FRAME(f, 56, 0x0800);
	const struct kc_vlan_tag ad = { true, 0x88a8, 7 }, q = { true, 0x8100, 0xa014 };
	struct kc_verdict v = ASK(f, len, &ad, S(0x80, 0), RET_A);
	struct kc_packet_opts bad = { 0, { true, 0x9100, 1 } };
	const uint8_t *fp = f;
	struct kc_load l;

	CHECK_EQ(v.verdict, 56);
	CHECK_EQ(v.seen_cut, 0);
	CHECK_EQ(v.ctx.len, 56);
	CHECK_EQ(v.ctx.vlan_avail, 1);
	CHECK_EQ(v.ctx.vlan_tci, 7);
	CHECK_EQ(v.ctx.vlan_tpid, 0x88a8);
	CHECK_EQ(ASK(f, len, &q, S(0x20, AD(44)), RET_A).verdict, 0xa014);
	CHECK_EQ(ASK(f, len, &q, S(0x28, 12), RET_A).verdict, 0x0800);
	/* the given frame may itself be tagged: then it is the inner tag */
	len = FRAME(f, 60, 0x8100, 30, 0x0800);
	v = ASK(f, len, &ad, S(0x28, 12), RET_A);
	CHECK_EQ(v.verdict, 0x8100);
	CHECK_EQ(v.seen_cut, 0);
	CHECK_EQ(v.ctx.vlan_tci, 7);
	/* only the TPIDs the kernel moves */
	CHECK_EQ(kc_packet_request((const struct cbpf_insn[]){ S(0x06, 1) }, 1, &fp, &len, 1, NULL,
				   &bad, &l, &v), -1);
	CHECK_STR(l.msg, "vlan_tpid 0x9100: the kernel moves only 802.1Q (0x8100) and 802.1ad "
			 "(0x88a8) tags into the skb");
}

/* Random programs over tagged frames: the VM run on the bytes the oracle
 * says the program saw, with the context it reports, gives the kernel's
 * exact verdicts (4080 bytes and more: a non-linear skb). */
static void test_random_vs_vm(void)
{
	static uint8_t frames[5][4200], seen[4200];
	static const size_t lens[5] = { 60, 64, 64, 20, 4100 };
	const uint8_t *fp[5];
	struct cbpf_insn p[24];
	struct ts_rng rng;
	int compared = 0;

	issue_frame(frames[0]);
	FRAME(frames[1], 64, 0x88a8, 200, 0x8100, 30, 0x0800);
	FRAME(frames[2], 64, 0x8100, 0xa000, 0x86dd);
	FRAME(frames[3], 20, 0x8100, 5, 0x0806);
	FRAME(frames[4], 4100, 0x8100, 9, 0x0800);
	for (int i = 0; i < 5; i++)
		fp[i] = frames[i];
	ts_seed(&rng, 1616);
	for (int iter = 0; iter < 40; iter++) {
		struct ts_prog_opts o = { .max_len = 24, .pkt_hint = 70,
					   .det = TS_DET_REPRODUCIBLE, .valid = true,
					   .scratch_mix = true };
		size_t n = ts_randprog(&rng, &o, p);
		struct kc_packet_opts po = { 3, { false, 0, 0 } };
		struct kc_verdict v[5];
		struct kc_load l;
		struct cbpf_vm *vm;

		if (kc_packet_request(p, n, fp, lens, 5, NULL, &po, &l, v) != 0) {
			CHECK(l.env_limit);
			continue;
		}
		if (cbpf_vm_create(p, n, CBPF_PROFILE_LINUX, 0, &vm, NULL) != 0)
			continue;
		for (int k = 0; k < 5; k++) {
			size_t slen = kc_packet_seen(fp[k], lens[k], &v[k], seen);
			struct cbpf_result r = cbpf_vm_run(vm, seen, slen, &v[k].ctx);
			CHECK_EQ(v[k].error, 0);
			CHECK(v[k].exact);
			CHECK_EQ(v[k].seen_cut, 4);
			CHECK_EQ(r.verdict, v[k].verdict);
			CHECK_EQ(r.end != CBPF_END_RET, v[k].abort);
			compared++;
		}
		cbpf_vm_free(vm);
	}
	fprintf(stderr, "tagged frames, packet oracle vs VM: %d verdicts compared\n", compared);
	CHECK(compared > 100);
}

int main(void)
{
	const char *why = kc_packet_unavailable();
	static struct raw r;

	if (why != NULL) {
		fprintf(stderr, "skip: packet oracle %s\n", why);
		return CHECK_SKIP;
	}
	/* the oracle first: its children unshare from whatever namespace this
	 * process is in, and raw_open moves this process to a new one */
	test_oracle_8021q();
	test_oracle_qinq();
	test_oracle_tag();
	test_random_vs_vm();
	CHECK_EQ(raw_open(&r), 0);
	test_kernel_untags(&r);
	test_kernel_limits(&r);
	return CHECK_DONE();
}
