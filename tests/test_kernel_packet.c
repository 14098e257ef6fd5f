/*
 * test_kernel_packet.c - the AF_PACKET oracle (root only; skipped with a
 * reason otherwise): the metadata a filter sees on lo (linux-semantics:
 * hook.packet-ctx), negative offsets against a real mac header, and exact
 * verdicts of random programs against the VM run on the context the oracle
 * reports.
 */
#include <errno.h>
#include <string.h>

#include "cbpf/vm.h"
#include "check.h"
#include "packet_oracle.h"
#include "randprog.h"

#define S(code, k) cbpf_stmt((code), (k))
#define RET_A S(0x16, 0)
#define AD(n) ((uint32_t)CBPF_SKF_AD_OFF + (n))

/* Ethernet (dst given, src 0, IPv4) + IPv4 (127.0.0.1 -> 127.0.0.1, UDP)
 * + UDP (1234 -> 5678) + payload: 14 + 20 + 8 + plen bytes. */
static size_t udp_frame(uint8_t *f, const uint8_t dst[6], size_t plen)
{
	size_t ip_len = 20 + 8 + plen;

	memset(f, 0, 14 + ip_len);
	memcpy(f, dst, 6);
	f[12] = 0x08;
	f[14] = 0x45;
	f[16] = (uint8_t)(ip_len >> 8);
	f[17] = (uint8_t)ip_len;
	f[22] = 64;
	f[23] = 17;
	f[26] = 127, f[29] = 1, f[30] = 127, f[33] = 1;
	f[34] = 0x04, f[35] = 0xd2, f[36] = 0x16, f[37] = 0x2e;
	f[38] = (uint8_t)((8 + plen) >> 8);
	f[39] = (uint8_t)(8 + plen);
	for (size_t i = 0; i < plen; i++)
		f[42 + i] = (uint8_t)(i + 1);
	return 14 + ip_len;
}

static const uint8_t host_mac[6] = { 0 }, bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
		     other_mac[6] = { 2, 0, 0, 0, 0, 1 };

static struct kc_verdict one(const struct cbpf_insn *p, size_t n, const uint8_t *f, size_t len,
			     uint32_t mark)
{
	struct kc_verdict v;
	struct kc_load l;

	struct kc_packet_opts o = { mark, { false, 0, 0 } };

	memset(&v, 0, sizeof(v));
	CHECK_EQ(kc_packet_request(p, n, &f, &len, 1, NULL, &o, &l, &v), 0);
	CHECK_EQ(l.errnum, 0);
	CHECK(l.readback_ok);
	CHECK_EQ(v.error, 0);
	CHECK(v.exact);
	return v;
}

#define EXPECT(frame, len, mark, want, ...)                                    \
	do {                                                                   \
		const struct cbpf_insn p_[] = { __VA_ARGS__ };                 \
		struct kc_verdict v_ = one(p_, sizeof(p_) / sizeof(p_[0]), (frame), (len), (mark)); \
		CHECK_EQ(v_.verdict, (want));                                  \
	} while (0)

/* AF_PACKET on lo, the incoming copy of a UDP/IPv4 frame: the ext.* values
 * (linux-semantics: hook.packet-ctx, window.net, window.ll, load.len). */
static void test_metadata(void)
{
	uint8_t f[200];
	size_t len = udp_frame(f, host_mac, 16);
	struct kc_verdict v;

	EXPECT(f, len, 0x2a, 0x0800, S(0x20, AD(0)), RET_A);   /* proto */
	EXPECT(f, len, 0x2a, 0, S(0x20, AD(4)), RET_A);        /* type: host */
	EXPECT(f, len, 0x2a, 1, S(0x20, AD(8)), RET_A);        /* ifidx: lo */
	EXPECT(f, len, 0x2a, 0x2a, S(0x20, AD(20)), RET_A);    /* mark: sender's SO_MARK */
	EXPECT(f, len, 0x2a, 0, S(0x20, AD(24)), RET_A);       /* queue */
	EXPECT(f, len, 0x2a, 772, S(0x20, AD(28)), RET_A);     /* hatype: ARPHRD_LOOPBACK */
	EXPECT(f, len, 0x2a, 0, S(0x20, AD(32)), RET_A);       /* rxhash: not computed */
	EXPECT(f, len, 0x2a, 0, S(0x20, AD(44)), RET_A);       /* vlan_tci */
	EXPECT(f, len, 0x2a, 0, S(0x20, AD(48)), RET_A);       /* vlan_avail */
	EXPECT(f, len, 0x2a, 42, S(0x20, AD(52)), RET_A);      /* poff: UDP payload */
	EXPECT(f, len, 0x2a, len, S(0x80, 0), RET_A);          /* len includes L2 */
	EXPECT(f, len, 0x2a, 0x0800, S(0x28, 12), RET_A);      /* ldh [12] */
	EXPECT(f, len, 0x2a, 0x45, S(0x30, (uint32_t)CBPF_SKF_NET_OFF), RET_A);
	EXPECT(f, len, 0x2a, 0x0800, S(0x28, (uint32_t)CBPF_SKF_LL_OFF + 12), RET_A);
	v = one((const struct cbpf_insn[]){ S(0x20, AD(36)), RET_A }, 2, f, len, 0);
	CHECK_EQ(v.verdict, v.ctx.cpu);                        /* the pinned CPU */
	CHECK_EQ(v.ctx.protocol, 0x0800);
	CHECK_EQ(v.ctx.pkttype, 0);
	CHECK(v.ctx.has_dev);
	CHECK_EQ(v.ctx.ifindex, 1);
	CHECK_EQ(v.ctx.hatype, 772);
	CHECK_EQ(v.ctx.poff, 42);
	CHECK_EQ(v.ctx.net_off, 14);
	CHECK_EQ(v.ctx.mac_off, 0);
	/* pkttype follows the destination MAC: lo's address and its broadcast
	 * address are both all zeros, so ff:ff:ff:ff:ff:ff is "multicast" (2)
	 * there [6.18, measured]; a foreign unicast address is otherhost (3).
	 * linux-semantics: ext.pkttype */
	len = udp_frame(f, bcast_mac, 16);
	EXPECT(f, len, 0, 2, S(0x20, AD(4)), RET_A);
	len = udp_frame(f, other_mac, 16);
	EXPECT(f, len, 0, 3, S(0x20, AD(4)), RET_A);
	/* an ABS load past the end still aborts (returns 0) */
	v = one((const struct cbpf_insn[]){ S(0x20, 5000), RET_A }, 2, f, len, 0);
	CHECK_EQ(v.verdict, 0);
	CHECK(v.abort_known && v.abort);
}

/* nla on frames around lo's linear limit: packet_snd() keeps a frame
 * linear while 16 (LL_RESERVED_SPACE) + len is below a page, else only the
 * 14-byte header is linear, and nla/nlan give 0 on a non-linear skb. The
 * attributes (host order) sit in the UDP payload: type 1 at 42, type 2 at
 * 46; the VM run on the reported context agrees (linux-semantics:
 * hook.packet-linear, ext.nla). */
static void test_linear_limit(void)
{
	static uint8_t f[4200];
	static const size_t lens[] = { 4079, 4080 };
	const uint16_t attrs[4] = { 4, 1, 4, 2 };
	const struct cbpf_insn p[] = { S(0x00, 42), S(0x01, 2), S(0x20, AD(12)), S(0x04, 1),
				       RET_A };

	for (size_t i = 0; i < 2; i++) {
		size_t len = udp_frame(f, host_mac, lens[i] - 42);
		struct kc_verdict v;
		struct cbpf_vm *vm;

		memcpy(f + 42, attrs, sizeof(attrs));
		v = one(p, 5, f, len, 0);
		CHECK_EQ(v.verdict, lens[i] < 4080 ? 47 : 1);
		CHECK_EQ(v.ctx.headlen, lens[i] < 4080 ? CBPF_CTX_UNSET : 14);
		if (cbpf_vm_create(p, 5, CBPF_PROFILE_LINUX, 0, &vm, NULL) == 0) {
			CHECK_EQ(cbpf_vm_run(vm, f, len, &v.ctx).verdict, v.verdict);
			cbpf_vm_free(vm);
		}
	}
}

/* A frame outside lo's limits is an environment error. */
static void test_limits(void)
{
	const struct cbpf_insn p[] = { S(0x06, 1) };
	static uint8_t f[KC_PACKET_MAX_FRAME + 1];
	const uint8_t *fp = f;
	size_t len = 13;
	struct kc_verdict v;
	struct kc_load l;

	CHECK_EQ(kc_packet_request(p, 1, &fp, &len, 1, NULL, 0, &l, &v), 0);
	CHECK_EQ(v.error, EMSGSIZE);
	len = KC_PACKET_MAX_FRAME;
	f[12] = 0x08;
	CHECK_EQ(kc_packet_request(p, 1, &fp, &len, 1, NULL, 0, &l, &v), 0);
	CHECK_EQ(v.error, 0);
	CHECK_EQ(v.verdict, 1);
	/* the kernel refuses: the load result, no verdicts */
	{
		const struct cbpf_insn bad[] = { S(0x0e, 0) };
		CHECK_EQ(kc_packet_request(bad, 1, &fp, &len, 1, NULL, 0, &l, &v), -1);
		CHECK_EQ(l.errnum, EINVAL);
	}
}

/* Random programs (ifidx/hatype included: there is a device): the VM run
 * on the reported context gives the kernel's exact verdicts. */
static void test_random_vs_vm(void)
{
	static uint8_t frames[3][2000];
	const uint8_t *fp[3];
	size_t lens[3];
	struct cbpf_insn p[24];
	struct ts_rng rng;
	int compared = 0;

	lens[0] = udp_frame(frames[0], host_mac, 20);
	lens[1] = udp_frame(frames[1], bcast_mac, 1000);
	lens[2] = 14;
	memset(frames[2], 0x11, 14);
	for (int i = 0; i < 3; i++)
		fp[i] = frames[i];
	ts_seed(&rng, 2024);
	for (int iter = 0; iter < 40; iter++) {
		struct ts_prog_opts o = { .max_len = 24, .pkt_hint = 70,
					   .det = TS_DET_REPRODUCIBLE, .valid = true,
					   .scratch_mix = true };
		size_t n = ts_randprog(&rng, &o, p);
		struct kc_packet_opts po = { 7, { false, 0, 0 } };
		struct kc_verdict v[3];
		struct kc_load l;
		struct cbpf_vm *vm;

		if (kc_packet_request(p, n, fp, lens, 3, NULL, &po, &l, v) != 0) {
			CHECK(l.env_limit);
			continue;
		}
		if (cbpf_vm_create(p, n, CBPF_PROFILE_LINUX, 0, &vm, NULL) != 0)
			continue;
		for (int k = 0; k < 3; k++) {
			struct cbpf_result r = cbpf_vm_run(vm, fp[k], lens[k], &v[k].ctx);
			CHECK_EQ(v[k].error, 0);
			CHECK(v[k].exact);
			CHECK_EQ(r.verdict, v[k].verdict);
			CHECK_EQ(r.end != CBPF_END_RET, v[k].abort);
			compared++;
		}
		cbpf_vm_free(vm);
	}
	fprintf(stderr, "packet oracle vs VM: %d verdicts compared\n", compared);
	CHECK(compared > 60);
}

int main(void)
{
	const char *why = kc_packet_unavailable();

	if (why != NULL) {
		fprintf(stderr, "skip: packet oracle %s\n", why);
		return CHECK_SKIP;
	}
	test_metadata();
	test_linear_limit();
	test_limits();
	test_random_vs_vm();
	return CHECK_DONE();
}
