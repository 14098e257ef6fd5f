/*
 * test_vm_kernel.c - the VM against the live kernel. Each program is
 * attached (SO_ATTACH_FILTER) to the receiving end of a fresh AF_UNIX
 * SOCK_DGRAM socket pair; the filter runs inside our send(), so a
 * recv(MSG_DONTWAIT | MSG_TRUNC) right after it sees min(verdict, len)
 * bytes, or nothing when the program returned 0 or aborted
 * (linux-semantics: hook.unix-sendmsg, ret.trim).
 *
 * Part 1: the quirk programs of docs/linux-semantics.md with the
 * values measured on 6.18: the kernel must still give them, and so must
 * the VM. Part 2: >= 20,000 random programs that cbpf_validate() accepts,
 * on random packets of 0..300 bytes and some of 17,000..70,000 (those are
 * non-linear skbs): zero mismatches allowed.
 */
#include "check.h"

#include <errno.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "attach.h"
#include "cbpf/insn.h"
#include "cbpf/validate.h"
#include "cbpf/vm.h"
#include "randinput.h"
#include "randprog.h"

/* Instruction initialisers (constant expressions, for the quirk table). */
#define STMT(c, k)    { (uint16_t)(c), 0, 0, (uint32_t)(k) }
#define EXTK(e)       ((uint32_t)CBPF_SKF_AD_OFF + 4u * (uint32_t)(e))
#define LDK(k)        STMT(CBPF_LD | CBPF_IMM, (k))
#define LDXK(k)       STMT(CBPF_LDX | CBPF_IMM, (k))
#define LDLEN         STMT(CBPF_LD | CBPF_LEN, 0)
#define LDABS(sz, k)  STMT(CBPF_LD | (sz) | CBPF_ABS, (k))
#define LDIND(sz, k)  STMT(CBPF_LD | (sz) | CBPF_IND, (k))
#define MSH(k)        STMT(CBPF_LDX | CBPF_B | CBPF_MSH, (k))
#define EXT(sz, e)    STMT(CBPF_LD | (sz) | CBPF_ABS, EXTK(e))
#define ALUK(op, k)   STMT(CBPF_ALU | (op) | CBPF_K, (k))
#define ALUX(op)      STMT(CBPF_ALU | (op) | CBPF_X, 0)
#define NEG           STMT(CBPF_ALU | CBPF_NEG, 0)
#define RETK(k)       STMT(CBPF_RET | CBPF_K, (k))
#define RETA          STMT(CBPF_RET | CBPF_RET_A, 0)
#define TAX           STMT(CBPF_MISC | CBPF_TAX, 0)
#define TXA           STMT(CBPF_MISC | CBPF_TXA, 0)

#define NET(o) ((uint32_t)CBPF_SKF_NET_OFF + (uint32_t)(o))
#define LL(o)  ((uint32_t)CBPF_SKF_LL_OFF + (uint32_t)(o))

/* Above this length AF_UNIX datagrams are non-linear (SKB_MAX_ALLOC with
 * 4 KiB pages, measured 16064 on 6.18); lengths near it are avoided. */
enum { LINEAR_MAX = 16064, BIG_MIN = 17000, BIG_MAX = 70000 };

/* What user space sees of one datagram. */
struct seen {
	bool delivered;
	size_t bytes;
};

static bool same(struct seen a, struct seen b)
{
	return a.delivered == b.delivered && (!a.delivered || a.bytes == b.bytes);
}

/* The VM's answer as AF_UNIX shows it: 0 drops, else min(v, len). */
static struct seen seen_of(struct cbpf_result r, size_t len)
{
	struct seen s = { r.verdict != 0, r.verdict < len ? r.verdict : len };
	return s;
}

/* A socket pair with the program on the receiver, or the attach errno. */
struct kpair {
	int tx, rx;
};

static int kpair_open(struct kpair *kp, const struct cbpf_insn *p, size_t n)
{
	int sv[2], err;

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) != 0)
		return errno;
	err = kc_attach(sv[1], p, n);
	/* transient optmem pressure: retry once (linux-semantics: attach.optmem-charge) */
	if (err == ENOMEM)
		err = kc_attach(sv[1], p, n);
	if (err != 0) {
		close(sv[0]);
		close(sv[1]);
		return err;
	}
	kp->tx = sv[0];
	kp->rx = sv[1];
	return 0;
}

static void kpair_close(struct kpair *kp)
{
	close(kp->tx);
	close(kp->rx);
}

/* Send one datagram through the filter; -1 when the socket calls fail. */
static int kpair_send(const struct kpair *kp, const uint8_t *pkt, size_t len, struct seen *out)
{
	char buf[8];
	ssize_t r;

	if (send(kp->tx, pkt, len, 0) != (ssize_t)len)
		return -1;
	r = recv(kp->rx, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
	if (r < 0) {
		if (errno != EAGAIN)
			return -1;
		out->delivered = false;
		out->bytes = 0;
		return 0;
	}
	out->delivered = true;
	out->bytes = (size_t)r;
	return 0;
}

static struct cbpf_ctx run_ctx; /* AF_UNIX defaults, the pinned CPU */

static struct cbpf_result vm_run(const struct cbpf_insn *p, size_t n, const uint8_t *pkt,
				 size_t len, int *err)
{
	struct cbpf_vm *vm;
	struct cbpf_result r = { 0, CBPF_END_RET };
	struct cbpf_ctx c = run_ctx;

	*err = cbpf_vm_create(p, n, CBPF_PROFILE_LINUX, 0, &vm, NULL);
	if (*err != 0)
		return r;
	if (len > LINEAR_MAX)
		c.headlen = LINEAR_MAX; /* anything below len: a non-linear skb */
	r = cbpf_vm_run(vm, pkt, len, &c);
	cbpf_vm_free(vm);
	return r;
}

/* ---- part 1: the documented quirks, measured values ---- */

static uint8_t pkt100[100];
static uint8_t nla_pkt[32];
static uint8_t *big; /* BIG_MAX bytes, big[i] = (i + 5) & 0xff */

struct quirk {
	const char *what;
	struct cbpf_insn prog[8];
	size_t n;
	const uint8_t **pkt;
	size_t len;
	bool delivered;  /* what was measured on 6.18 (docs/linux-semantics.md) */
	size_t bytes;
};

static const uint8_t *P100 = pkt100, *PNLA = nla_pkt, *PBIG;

#define Q(what, pk, len, dl, bytes, ...) \
	{ what, { __VA_ARGS__ }, sizeof((struct cbpf_insn[]){ __VA_ARGS__ }) / \
	  sizeof(struct cbpf_insn), &pk, len, dl, bytes }

static const struct quirk quirks[] = {
	/* shifts by X use X & 31 (linux-semantics: alu.shift-x-masked) */
	Q("lsh x, X=33", P100, 100, true, 6, LDK(3), LDXK(33), ALUX(CBPF_LSH), RETA),
	Q("rsh x, X=33", P100, 100, true, 3, LDK(6), LDXK(33), ALUX(CBPF_RSH), RETA),
	Q("lsh x, X=32", P100, 100, true, 3, LDK(3), LDXK(32), ALUX(CBPF_LSH), RETA),
	Q("rsh x, X=0xffffffff", P100, 100, true, 1, LDK(0x80000000), LDXK(0xffffffff),
	  ALUX(CBPF_RSH), RETA),
	/* div/mod by X = 0 drop, later rets never run (linux-semantics:
	 * alu.div-x-zero, alu.unsigned-div-mod) */
	Q("div x, X=0", P100, 100, false, 0, LDK(7), ALUX(CBPF_DIV), RETK(9)),
	Q("mod x, X=0", P100, 100, false, 0, LDK(7), ALUX(CBPF_MOD), RETK(9)),
	Q("unsigned mod", P100, 100, true, 1, LDK(0xfffffff9), ALUK(CBPF_MOD, 4), RETA),
	Q("unsigned div", P100, 100, false, 0, LDK(0x80000000), LDXK(0xffffffff),
	  ALUX(CBPF_DIV), RETA),
	/* failed loads drop (linux-semantics: load.bounds, load.failure-returns-0,
	 * ret.empty-datagram) */
	Q("ld [97] straddles", P100, 100, false, 0, LDABS(CBPF_W, 97), RETK(5)),
	Q("ld [96] last word", P100, 100, true, 0x28, LDABS(CBPF_W, 96), ALUK(CBPF_AND, 0x3f),
	  RETA),
	Q("ldb [100]", P100, 100, false, 0, LDABS(CBPF_B, 100), RETK(5)),
	Q("ldxb fails", P100, 100, false, 0, LDK(77), MSH(100), RETK(5)),
	Q("ldb [0] of empty", P100, 0, false, 0, LDABS(CBPF_B, 0), RETK(5)),
	Q("ret #5 of empty", P100, 0, true, 0, RETK(5)),
	/* ifidx/hatype without a device end with A (linux-semantics: ext.nodev) */
	Q("ifidx ends with A", P100, 100, true, 77, LDK(77), EXT(CBPF_W, CBPF_EXT_IFINDEX),
	  RETK(5)),
	Q("hatype ends with A", P100, 100, true, 78, LDK(78), EXT(CBPF_B, CBPF_EXT_HATYPE),
	  RETK(5)),
	Q("ifidx with A=0 drops", P100, 100, false, 0, EXT(CBPF_W, CBPF_EXT_IFINDEX), RETK(5)),
	/* extension sizes are ignored (linux-semantics: ext.size-ignored,
	 * ext.xor-x, window.ind-and-msh) */
	Q("ldb xor_x", P100, 100, true, 9, LDK(10), LDXK(3), EXT(CBPF_B, CBPF_EXT_ALU_XOR_X),
	  RETA),
	Q("ldb xor_x full value", PBIG, BIG_MAX, true, 0x101ff, LDK(0x10000), LDXK(0x1ff),
	  EXT(CBPF_B, CBPF_EXT_ALU_XOR_X), RETA),
	Q("ld [x+SKF_AD_OFF] is no extension", P100, 100, false, 0, LDXK(0),
	  LDIND(CBPF_W, EXTK(CBPF_EXT_PROTOCOL)), RETK(5)),
	/* IND offsets wrap at 32 bits, then are signed (linux-semantics:
	 * load.ind-offset) */
	Q("[x+1], X=0xffffffff", P100, 100, true, 5, LDXK(0xffffffff), LDIND(CBPF_B, 1), RETA),
	Q("[x+2], X=0xffffffff", P100, 100, true, 6, LDXK(0xffffffff), LDIND(CBPF_B, 2), RETA),
	Q("[x+0xfffffff0], X=0x11", P100, 100, true, 6, LDXK(0x11), LDIND(CBPF_B, 0xfffffff0),
	  RETA),
	Q("[x+0x80000001], X=0x80000000", P100, 100, true, 6, LDXK(0x80000000),
	  LDIND(CBPF_B, 0x80000001), RETA),
	Q("[x+0xfffffffe], X=1 is -1", P100, 100, false, 0, LDXK(1), LDIND(CBPF_B, 0xfffffffe),
	  RETK(5)),
	/* negative windows on AF_UNIX: net = data, mac unset (linux-semantics:
	 * window.net, window.ll, window.below-ll) */
	Q("ldb [SKF_NET_OFF]", P100, 100, true, 5, LDABS(CBPF_B, NET(0)), RETA),
	Q("ldb [SKF_NET_OFF+99]", P100, 100, true, 94, LDABS(CBPF_B, NET(99)), ALUK(CBPF_SUB, 10),
	  RETA),
	Q("ldb [SKF_NET_OFF+100]", P100, 100, false, 0, LDABS(CBPF_B, NET(100)), RETK(5)),
	Q("ldb [SKF_LL_OFF]", P100, 100, false, 0, LDABS(CBPF_B, LL(0)), RETK(5)),
	Q("ldb [SKF_LL_OFF-1]", P100, 100, false, 0, LDABS(CBPF_B, LL(0) - 1), RETK(5)),
	Q("ldxb 4*([SKF_NET_OFF]&0xf)", P100, 100, true, 20, MSH(NET(0)), TXA, RETA),
	/* registers, arithmetic, len and frags (linux-semantics: alu.tax-txa, alu.neg,
	 * load.msh, load.len, load.frags, window.frags) */
	Q("tax/txa", P100, 100, true, 7, LDK(7), TAX, LDK(0), TXA, RETA),
	Q("neg", P100, 100, true, 100, LDK(5), NEG, RETA),
	Q("neg small", P100, 100, true, 5, LDK(0xfffffffb), NEG, RETA),
	Q("ldxb keeps A", P100, 100, true, 77, LDK(77), MSH(14), RETA),
	Q("ldxb sets X", P100, 100, true, 12, LDK(77), MSH(14), TXA, RETA),
	Q("len", P100, 100, true, 99, LDLEN, ALUK(CBPF_SUB, 1), RETA),
	Q("len of a non-linear skb", PBIG, BIG_MAX, true, BIG_MAX >> 8, LDLEN, ALUK(CBPF_RSH, 8),
	  RETA),
	Q("ld [69996] of 70000 (frags)", PBIG, BIG_MAX, true, (69999 + 5) & 0xff,
	  LDABS(CBPF_W, 69996), ALUK(CBPF_AND, 0xff), RETA),
	Q("ldb [SKF_NET_OFF+69999] (frags)", PBIG, BIG_MAX, true, (69999 + 5) & 0xff,
	  LDABS(CBPF_B, NET(69999)), RETA),
	/* AF_UNIX extension values, +1 so that 0 shows as 1 byte (linux-semantics:
	 * hook.unix-ctx) */
	Q("proto", P100, 100, true, 1, EXT(CBPF_W, CBPF_EXT_PROTOCOL), ALUK(CBPF_ADD, 1), RETA),
	Q("type", P100, 100, true, 1, EXT(CBPF_W, CBPF_EXT_PKTTYPE), ALUK(CBPF_ADD, 1), RETA),
	Q("mark", P100, 100, true, 1, EXT(CBPF_W, CBPF_EXT_MARK), ALUK(CBPF_ADD, 1), RETA),
	Q("queue", P100, 100, true, 1, EXT(CBPF_W, CBPF_EXT_QUEUE), ALUK(CBPF_ADD, 1), RETA),
	Q("rxhash", P100, 100, true, 1, EXT(CBPF_W, CBPF_EXT_RXHASH), ALUK(CBPF_ADD, 1), RETA),
	Q("vlan_tci", P100, 100, true, 1, EXT(CBPF_W, CBPF_EXT_VLAN_TAG), ALUK(CBPF_ADD, 1), RETA),
	Q("vlan_avail", P100, 100, true, 1, EXT(CBPF_W, CBPF_EXT_VLAN_TAG_PRESENT),
	  ALUK(CBPF_ADD, 1), RETA),
	Q("poff", P100, 100, true, 1, EXT(CBPF_W, CBPF_EXT_PAY_OFFSET), ALUK(CBPF_ADD, 1), RETA),
	Q("vlan_tpid", P100, 100, true, 1, EXT(CBPF_W, CBPF_EXT_VLAN_TPID), ALUK(CBPF_ADD, 1),
	  RETA),
	/* nla/nlan over host-order attributes, offset + 1 (linux-semantics:
	 * ext.nla, ext.nlan, hook.unix-linear) */
	Q("nla found at 0 gives 0", PNLA, 32, true, 1, LDK(0), LDXK(1),
	  EXT(CBPF_W, CBPF_EXT_NLATTR), ALUK(CBPF_ADD, 1), RETA),
	Q("nla type 2", PNLA, 32, true, 9, LDK(0), LDXK(2), EXT(CBPF_W, CBPF_EXT_NLATTR),
	  ALUK(CBPF_ADD, 1), RETA),
	Q("nla type 3 with NLA_F_NESTED", PNLA, 32, true, 17, LDK(0), LDXK(3),
	  EXT(CBPF_B, CBPF_EXT_NLATTR), ALUK(CBPF_ADD, 1), RETA),
	Q("nla type 4 from A=8", PNLA, 32, true, 29, LDK(8), LDXK(4),
	  EXT(CBPF_W, CBPF_EXT_NLATTR), ALUK(CBPF_ADD, 1), RETA),
	Q("nla A > len - 4", PNLA, 32, true, 1, LDK(29), LDXK(4), EXT(CBPF_W, CBPF_EXT_NLATTR),
	  ALUK(CBPF_ADD, 1), RETA),
	Q("nla nested type is not top-level", PNLA, 32, true, 1, LDK(0), LDXK(5),
	  EXT(CBPF_W, CBPF_EXT_NLATTR), ALUK(CBPF_ADD, 1), RETA),
	Q("nlan type 5 in attr 16", PNLA, 32, true, 21, LDK(16), LDXK(5),
	  EXT(CBPF_W, CBPF_EXT_NLATTR_NEST), ALUK(CBPF_ADD, 1), RETA),
	Q("nlan type 9 in attr 0", PNLA, 32, true, 5, LDK(0), LDXK(9),
	  EXT(CBPF_H, CBPF_EXT_NLATTR_NEST), ALUK(CBPF_ADD, 1), RETA),
	Q("nla on a non-linear skb", PBIG, BIG_MAX, true, 1, LDK(0), LDXK(2),
	  EXT(CBPF_W, CBPF_EXT_NLATTR), ALUK(CBPF_ADD, 1), RETA),
};

static size_t put_nla(uint8_t *p, size_t at, uint16_t len, uint16_t type)
{
	memcpy(p + at, &len, 2);
	memcpy(p + at + 2, &type, 2);
	return at + ((len + 3u) & ~3u);
}

static void test_quirks(void)
{
	int kernel_diff = 0, vm_diff = 0;

	for (size_t i = 0; i < sizeof(quirks) / sizeof(quirks[0]); i++) {
		const struct quirk *q = &quirks[i];
		struct seen want = { q->delivered, q->bytes };
		struct seen k = { 0 }, v = { 0 };
		struct kpair kp;
		int err = kpair_open(&kp, q->prog, q->n);

		CHECK_EQ(err, 0);
		if (err != 0)
			continue;
		CHECK_EQ(kpair_send(&kp, *q->pkt, q->len, &k), 0);
		kpair_close(&kp);
		v = seen_of(vm_run(q->prog, q->n, *q->pkt, q->len, &err), q->len);
		CHECK_EQ(err, 0);
		check_count += 2;
		if (!same(k, want)) {
			kernel_diff++;
			CHECK_REPORT_("quirk \"%s\": the kernel now gives %s %zu, the doc says %s %zu\n",
				      q->what, k.delivered ? "delivered" : "dropped", k.bytes,
				      want.delivered ? "delivered" : "dropped", want.bytes);
		}
		if (!same(v, want)) {
			vm_diff++;
			CHECK_REPORT_("quirk \"%s\": the VM gives %s %zu, the kernel %s %zu\n", q->what,
				      v.delivered ? "delivered" : "dropped", v.bytes,
				      want.delivered ? "delivered" : "dropped", want.bytes);
		}
	}
	fprintf(stderr, "quirks: %zu programs, kernel differs from doc: %d, VM differs: %d\n",
		sizeof(quirks) / sizeof(quirks[0]), kernel_diff, vm_diff);
}

/* The cpu extension: the sender's CPU, which pinning makes known
 * (linux-semantics: ext.cpu). */
static void test_cpu(void)
{
	struct cbpf_insn p[] = { EXT(CBPF_W, CBPF_EXT_CPU), ALUK(CBPF_ADD, 1), RETA };
	struct kpair kp;
	struct seen k = { 0 }, v = { 0 };
	int err;

	if (kpair_open(&kp, p, 3) != 0) {
		CHECK(0);
		return;
	}
	CHECK_EQ(kpair_send(&kp, pkt100, 100, &k), 0);
	kpair_close(&kp);
	v = seen_of(vm_run(p, 3, pkt100, 100, &err), 100);
	CHECK(same(k, v));
	CHECK_EQ(k.bytes, run_ctx.cpu + 1);
}

/* ---- part 2: random valid programs ---- */

static size_t random_len(struct ts_rng *r)
{
	if (ts_chance(r, 4))
		return BIG_MIN + ts_below(r, BIG_MAX - BIG_MIN + 1);
	return ts_below(r, 301);
}

static void test_random(void)
{
	const struct ts_prog_opts opts = { .max_len = 40, .det = TS_DET_REPRODUCIBLE };
	struct ts_rng r;
	struct cbpf_insn prog[40];
	long programs = 0, drawn = 0, sends = 0, mismatches = 0, load_mismatch = 0;
	long dropped = 0, partial = 0, whole = 0, big_sends = 0, ends[4] = { 0 };

	ts_seed(&r, 0xc0ffee);
	while (programs < 20000) {
		size_t n = ts_randprog(&r, &opts, prog);
		struct cbpf_vm *vm;
		struct kpair kp;
		int err;

		drawn++;
		if (cbpf_validate(prog, n, CBPF_PROFILE_LINUX, NULL, 0, NULL) != 0)
			continue;
		err = kpair_open(&kp, prog, n);
		if (err != 0) {
			if (++load_mismatch <= 5)
				fprintf(stderr, "random: the kernel refused a valid program: %s\n",
					strerror(err));
			continue;
		}
		programs++;
		if (cbpf_vm_create(prog, n, CBPF_PROFILE_LINUX, 0, &vm, NULL) != 0) {
			CHECK(0);
			kpair_close(&kp);
			continue;
		}
		for (int i = 0; i < 3; i++) {
			size_t len = random_len(&r);
			uint8_t *pkt = big;
			struct cbpf_ctx c = run_ctx;
			struct seen k = { 0 }, v = { 0 };

			ts_packet(&r, pkt, len > 400 ? 400 : len);
			if (len > LINEAR_MAX)
				c.headlen = LINEAR_MAX;
			struct cbpf_result res = cbpf_vm_run(vm, pkt, len, &c);
			v = seen_of(res, len);
			ends[res.end & 3]++;
			if (kpair_send(&kp, pkt, len, &k) != 0) {
				CHECK(0);
				break;
			}
			sends++;
			big_sends += len > LINEAR_MAX;
			dropped += !k.delivered;
			partial += k.delivered && k.bytes < len;
			whole += k.delivered && k.bytes == len;
			if (!same(k, v) && ++mismatches <= 10) {
				fprintf(stderr, "mismatch: len %zu kernel %s %zu, VM %s %zu:", len,
					k.delivered ? "delivered" : "dropped", k.bytes,
					v.delivered ? "delivered" : "dropped", v.bytes);
				for (size_t j = 0; j < n; j++)
					fprintf(stderr, " {0x%02x,%u,%u,0x%x}", prog[j].code, prog[j].jt,
						prog[j].jf, prog[j].k);
				fprintf(stderr, "\n");
			}
		}
		cbpf_vm_free(vm);
		kpair_close(&kp);
		/* random_len() rewrote the start of big: restore its pattern */
		for (size_t b = 0; b < 400; b++)
			big[b] = (uint8_t)(b + 5);
	}
	fprintf(stderr,
		"random: %ld programs attached (%ld drawn), %ld datagrams (%ld non-linear): "
		"%ld dropped, %ld trimmed, %ld whole; %ld mismatches, %ld valid programs refused\n",
		programs, drawn, sends, big_sends, dropped, partial, whole, mismatches,
		load_mismatch);
	fprintf(stderr, "random: the VM ended by ret %ld, failed load %ld, div/mod by 0 %ld, "
		"no device %ld\n", ends[CBPF_END_RET], ends[CBPF_ABORT_LOAD],
		ends[CBPF_ABORT_DIV0], ends[CBPF_ABORT_NODEV]);
	CHECK_EQ(mismatches, 0);
	CHECK_EQ(load_mismatch, 0);
	/* the mix is informative: every kind of outcome occurs often */
	CHECK(dropped > sends / 20);
	CHECK(partial > sends / 20);
	CHECK(whole > sends / 50);
}

static void print_environment(void)
{
	struct utsname u;
	char jit[16] = "?";
	FILE *f = fopen("/proc/sys/net/core/bpf_jit_enable", "r");

	if (f != NULL) {
		if (fgets(jit, sizeof(jit), f) == NULL)
			strcpy(jit, "?");
		fclose(f);
		jit[strcspn(jit, "\n")] = '\0';
	}
	if (uname(&u) == 0)
		fprintf(stderr, "kernel %s %s, bpf_jit_enable=%s, sender pinned to cpu %u\n",
			u.release, u.machine, jit, run_ctx.cpu);
}

/* Pin to the CPU we run on, so that SKF_AD_CPU is known. */
static int pin_cpu(void)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	if (cpu < 0)
		return -1;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		return -1;
	return sched_getcpu();
}

int main(void)
{
	struct cbpf_insn probe[] = { RETK(1) };
	int cpu;

	if (kc_try_attach(probe, 1) != 0) {
		fprintf(stderr, "skip: cannot attach a filter to an AF_UNIX socket\n");
		return CHECK_SKIP;
	}
	big = malloc(BIG_MAX);
	if (big == NULL)
		return 1;
	for (size_t i = 0; i < BIG_MAX; i++)
		big[i] = (uint8_t)(i + 5);
	PBIG = big;
	for (int i = 0; i < 100; i++)
		pkt100[i] = (uint8_t)(i + 5);
	put_nla(nla_pkt, 0, 8, 1);
	put_nla(nla_pkt, 4, 4, 9);
	put_nla(nla_pkt, 8, 6, 2);
	put_nla(nla_pkt, 16, 12, 0x8003);
	put_nla(nla_pkt, 20, 8, 5);
	put_nla(nla_pkt, 28, 4, 4);
	/* the nla-on-frags quirk needs attr type 2 at 8 in the big packet */
	put_nla(big, 0, 8, 1);
	put_nla(big, 8, 6, 2);

	cbpf_ctx_init(&run_ctx);
	cpu = pin_cpu();
	if (cpu < 0) {
		fprintf(stderr, "cannot pin to a CPU: %s\n", strerror(errno));
		return 1;
	}
	run_ctx.cpu = (uint32_t)cpu;
	print_environment();
	test_quirks();
	test_cpu();
	/* restore the big packet's pattern before the random part */
	for (size_t i = 0; i < 16; i++)
		big[i] = (uint8_t)(i + 5);
	test_random();
	free(big);
	return CHECK_DONE();
}
