/*
 * bench_vm.c - the VM against libpcap's bpf_filter() on real tcpdump
 * filters. Each expression is compiled by libpcap (pcap_compile, optimised,
 * on pcap_open_dead(DLT_EN10MB, 65535)), loaded into a cbpf VM, and run by
 * both over the same mix of Ethernet frames (IPv4/IPv6/VLAN/ARP, TCP/UDP/
 * ICMP, multicast, fragments, truncated frames) in this process. Both must
 * agree on every packet. Each program is loaded twice: the default VM
 * (native code on x86-64, lib/vm/jit/x86_64.c) and the interpreter alone
 * (CBPF_VM_NO_JIT). Prints ns/packet for each and their ratios to libpcap,
 * the interpreter's geometric mean, then, as the last line, the geometric
 * mean of the default VM's per-expression ratios:
 *   cbpf/libpcap speedup: X.XX
 *
 * Usage: bench_vm [--rounds N]   (fixed rounds, for valgrind --tool=callgrind)
 */
#include <pcap/pcap.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <limits.h>
#include <unistd.h>

#include "cbpf/insn.h"
#include "cbpf/vm.h"
#include "peer_gvisor.h"
#include "rng.h"
#ifdef CBPF_BENCH_DPDK
#include "peer_dpdk.h"
#endif

static const char *const expressions[] = {
	"tcp port 22",
	"udp port 53",
	"host 192.168.1.1",
	"net 10.0.0.0/8",
	"src net 172.16.0.0/12 and dst port 8080",
	"tcp portrange 1000-2000",
	"ip6 and tcp dst port 443",
	"vlan 100 and tcp port 80",
	"tcp[tcpflags] & (tcp-syn|tcp-fin) != 0",
	"icmp[icmptype] == icmp-echo",
	"arp",
	"ip multicast",
	"ether host 00:11:22:33:44:55",
	"udp and (port 67 or port 68)",
	"ip and not tcp",
	"ip6 and icmp6",
	"tcp port 80 and (((ip[2:2] - ((ip[0]&0xf)<<2)) - ((tcp[12]&0xf0)>>2)) != 0)",
	"ip[8] < 64",
	"port 53 or port 123 or port 5353",
	"greater 1000",
};
#define NEXPR (sizeof(expressions) / sizeof(expressions[0]))

/* ---- the frame mix ---- */

enum { NPKTS = 256, MAXFRAME = 1514 };

struct frame {
	uint8_t b[MAXFRAME];
	size_t len;
};

static struct frame frames[NPKTS];
/* The same frames as cbpf_vm_run_batch() takes them. */
static const uint8_t *frame_ptrs[NPKTS];
static size_t frame_lens[NPKTS];
static uint32_t verdicts[NPKTS];
static struct ts_rng rng = { 0x0123456789abcdefull };

static void be16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void be32(uint8_t *p, uint32_t v) { be16(p, v >> 16); be16(p + 2, v); }

static size_t eth(uint8_t *f, const uint8_t dst[6], uint32_t type, int vlan)
{
	static const uint8_t src[6] = { 0x00, 0x16, 0x3e, 0x11, 0x22, 0x33 };
	size_t n = 12;

	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	if (vlan >= 0) {
		be16(f + 12, 0x8100);
		be16(f + 14, (uint32_t)vlan);
		n = 16;
	}
	be16(f + n, type);
	return n + 2;
}

static size_t ipv4(uint8_t *f, uint32_t src, uint32_t dst, uint8_t proto, uint32_t frag,
		   uint8_t ttl, unsigned ihl)
{
	memset(f, 0, ihl * 4);
	f[0] = (uint8_t)(0x40 | ihl);
	be16(f + 6, frag);
	f[8] = ttl;
	f[9] = proto;
	be32(f + 12, src);
	be32(f + 16, dst);
	return ihl * 4;
}

static size_t ipv6(uint8_t *f, uint8_t next, uint32_t src_low, uint32_t dst_low)
{
	memset(f, 0, 40);
	f[0] = 0x60;
	f[6] = next;
	f[7] = 64;
	be32(f + 8, 0x20010db8);
	be32(f + 20, src_low);
	be32(f + 24, 0x20010db8);
	be32(f + 36, dst_low);
	return 40;
}

static size_t tcp(uint8_t *f, uint32_t sport, uint32_t dport, uint8_t flags)
{
	memset(f, 0, 20);
	be16(f, sport);
	be16(f + 2, dport);
	f[12] = 5 << 4;
	f[13] = flags;
	be16(f + 14, 65535);
	return 20;
}

static size_t udp(uint8_t *f, uint32_t sport, uint32_t dport)
{
	be16(f, sport);
	be16(f + 2, dport);
	be16(f + 4, 8);
	be16(f + 6, 0);
	return 8;
}

static size_t icmp(uint8_t *f, uint8_t type)
{
	memset(f, 0, 8);
	f[0] = type;
	return 8;
}

/* Fill the IPv4 total length / IPv6 payload length and pad to len. */
static void finish(struct frame *fr, size_t l3, size_t hdrs, size_t len, int v6)
{
	if (len < hdrs)
		len = hdrs;
	if (len > MAXFRAME)
		len = MAXFRAME;
	for (size_t i = hdrs; i < len; i++)
		fr->b[i] = (uint8_t)(i * 7);
	if (l3 > 0 && !v6)
		be16(fr->b + l3 + 2, (uint32_t)(len - l3));
	if (l3 > 0 && v6)
		be16(fr->b + l3 + 4, (uint32_t)(len - l3 - 40));
	fr->len = len;
}

static const uint8_t mac_host[6] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
static const uint8_t mac_gw[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t mac_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t mac_mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };

static const uint32_t addrs[] = {
	0xc0a80101, 0x0a010203, 0x0a000005, 0x08080808, 0xac100504, 0x5db8d822,
	0xac140101, 0x0a090909, 0xc0a80002, 0x01010101,
};
static const uint32_t ports[] = { 22, 53, 80, 443, 8080, 1500, 123, 5353, 67, 68, 40000, 3306 };

static uint32_t pick_addr(void) { return addrs[ts_below(&rng, sizeof(addrs) / sizeof(addrs[0]))]; }
static uint32_t pick_port(void)
{
	if (ts_below(&rng, 4) == 0)
		return 1024 + ts_below(&rng, 60000);
	return ports[ts_below(&rng, sizeof(ports) / sizeof(ports[0]))];
}

static const uint8_t *pick_mac(void)
{
	switch (ts_below(&rng, 8)) {
	case 0: return mac_host;
	case 1: return mac_bcast;
	default: return mac_gw;
	}
}

/* One random frame of a random kind. */
static void build_frame(struct frame *fr)
{
	uint8_t *b = fr->b;
	size_t n, l3;
	int vlan = ts_below(&rng, 8) == 0 ? (ts_below(&rng, 2) ? 100 : 200) : -1;
	size_t len = ts_below(&rng, 4) == 0 ? 1514 : 60 + ts_below(&rng, 400);
	uint32_t tcpflags[] = { 0x02, 0x10, 0x18, 0x11, 0x04, 0x12 };

	switch (ts_below(&rng, 12)) {
	case 0: case 1: case 2: /* IPv4 TCP */
		l3 = n = eth(b, pick_mac(), 0x0800, vlan);
		n += ipv4(b + n, pick_addr(), pick_addr(), 6, 0x4000,
			  (uint8_t)(32 + ts_below(&rng, 64)), ts_below(&rng, 10) == 0 ? 6 : 5);
		n += tcp(b + n, pick_port(), pick_port(), (uint8_t)tcpflags[ts_below(&rng, 6)]);
		finish(fr, l3, n, ts_below(&rng, 3) == 0 ? n : len, 0);
		return;
	case 3: case 4: /* IPv4 UDP, sometimes multicast or broadcast */
		if (ts_below(&rng, 4) == 0) {
			l3 = n = eth(b, mac_mcast, 0x0800, vlan);
			n += ipv4(b + n, pick_addr(), 0xe00000fb, 17, 0, 255, 5);
		} else if (ts_below(&rng, 6) == 0) {
			l3 = n = eth(b, mac_bcast, 0x0800, vlan);
			n += ipv4(b + n, 0, 0xffffffff, 17, 0, 64, 5);
		} else {
			l3 = n = eth(b, pick_mac(), 0x0800, vlan);
			n += ipv4(b + n, pick_addr(), pick_addr(), 17,
				  ts_below(&rng, 10) == 0 ? 0x00b9 : 0, 64, 5);
		}
		n += udp(b + n, pick_port(), pick_port());
		finish(fr, l3, n, len, 0);
		return;
	case 5: /* ICMP echo request / reply / unreachable */
		l3 = n = eth(b, pick_mac(), 0x0800, vlan);
		n += ipv4(b + n, pick_addr(), pick_addr(), 1, 0, 64, 5);
		n += icmp(b + n, (uint8_t)(ts_below(&rng, 3) == 0 ? 3 : ts_below(&rng, 2) ? 8 : 0));
		finish(fr, l3, n, 98, 0);
		return;
	case 6: /* ARP */
		n = eth(b, mac_bcast, 0x0806, vlan);
		memset(b + n, 0, 28);
		be16(b + n, 1);
		be16(b + n + 2, 0x0800);
		b[n + 4] = 6;
		b[n + 5] = 4;
		be16(b + n + 6, 1);
		be32(b + n + 14, pick_addr());
		be32(b + n + 24, pick_addr());
		finish(fr, 0, n + 28, 60, 0);
		return;
	case 7: case 8: /* IPv6 TCP */
		l3 = n = eth(b, pick_mac(), 0x86dd, vlan);
		n += ipv6(b + n, 6, ts_below(&rng, 1000), ts_below(&rng, 1000));
		n += tcp(b + n, pick_port(), ts_below(&rng, 2) ? 443 : pick_port(),
			 (uint8_t)tcpflags[ts_below(&rng, 6)]);
		finish(fr, l3, n, len, 1);
		return;
	case 9: /* IPv6 UDP or ICMPv6 */
		l3 = n = eth(b, pick_mac(), 0x86dd, vlan);
		if (ts_below(&rng, 2)) {
			n += ipv6(b + n, 17, ts_below(&rng, 1000), ts_below(&rng, 1000));
			n += udp(b + n, pick_port(), pick_port());
		} else {
			n += ipv6(b + n, 58, ts_below(&rng, 1000), ts_below(&rng, 1000));
			n += icmp(b + n, 128);
		}
		finish(fr, l3, n, len, 1);
		return;
	case 10: /* HTTP on port 80, with and without payload */
		l3 = n = eth(b, pick_mac(), 0x0800, ts_below(&rng, 3) == 0 ? 100 : -1);
		n += ipv4(b + n, pick_addr(), pick_addr(), 6, 0x4000, 64, 5);
		n += tcp(b + n, ts_below(&rng, 2) ? 80 : 51000, ts_below(&rng, 2) ? 80 : 51000,
			 ts_below(&rng, 2) ? 0x18 : 0x10);
		finish(fr, l3, n, ts_below(&rng, 2) ? n : 60 + ts_below(&rng, 800), 0);
		return;
	default: /* truncated captures: loads past the end fail */
		l3 = n = eth(b, pick_mac(), ts_below(&rng, 2) ? 0x0800 : 0x86dd, vlan);
		n += ipv4(b + n, pick_addr(), pick_addr(), 6, 0, 64, 5);
		n += tcp(b + n, pick_port(), pick_port(), 0x02);
		fr->len = 14 + ts_below(&rng, 40);
		return;
	}
}

/* ---- timing ---- */

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static volatile uint32_t sink;

/* Every frame through one cbpf VM, rounds times; ns per frame. */
static double time_cbpf(const struct cbpf_vm *vm, long rounds)
{
	uint32_t acc = 0;
	double t0 = now_ns();

	for (long r = 0; r < rounds; r++)
		for (int i = 0; i < NPKTS; i++)
			acc += cbpf_vm_run(vm, frames[i].b, frames[i].len, NULL).verdict;
	sink = acc;
	return (now_ns() - t0) / ((double)rounds * NPKTS);
}

/* The two cbpf sides under their own names, so that callgrind can tell
 * them apart (inclusive cost = the runs plus the loop); the store keeps
 * the compiler from folding the two into one function. */
static volatile int side;

__attribute__((noinline)) static double time_default(const struct cbpf_vm *vm, long rounds)
{
	side = 1;
	return time_cbpf(vm, rounds);
}

__attribute__((noinline)) static double time_interp(const struct cbpf_vm *vm, long rounds)
{
	side = 2;
	return time_cbpf(vm, rounds);
}

/* Every frame through one cbpf_vm_run_batch() call per round. */
__attribute__((noinline)) static double time_batch(const struct cbpf_vm *vm, long rounds)
{
	size_t acc = 0;
	double t0 = now_ns();

	for (long r = 0; r < rounds; r++)
		acc += cbpf_vm_run_batch(vm, frame_ptrs, frame_lens, NPKTS, NULL, verdicts);
	sink = (uint32_t)acc;
	return (now_ns() - t0) / ((double)rounds * NPKTS);
}

__attribute__((noinline)) static double time_pcap(const struct bpf_insn *insns, long rounds)
{
	uint32_t acc = 0;
	double t0 = now_ns();

	for (long r = 0; r < rounds; r++)
		for (int i = 0; i < NPKTS; i++)
			acc += bpf_filter(insns, frames[i].b, (u_int)frames[i].len,
					  (u_int)frames[i].len);
	sink = acc;
	return (now_ns() - t0) / ((double)rounds * NPKTS);
}

/* ns per frame of the default VM (native code where there is some), the
 * interpreter, and libpcap. */
struct timing {
	double def, interp, batch, pcap;
	double dpdk, dpdk_jit;  /* < 0: not measured */
};

/* The peers measured in this process (DPDK), when they can run. */
struct peers {
	bool dpdk;              /* EAL started */
	char dpdk_why[200];     /* why not */
#ifdef CBPF_BENCH_DPDK
	struct dpdk_prog *prog; /* this expression's program, or NULL */
	bool interp_ok, jit_ok; /* it ran every frame without crashing */
#endif
};

static void min_into(double *best, double t)
{
	if (t < *best)
		*best = t;
}

/* One round of the DPDK sides, when they run this expression. */
static void measure_dpdk(const struct peers *peers, long rounds, struct timing *t)
{
#ifdef CBPF_BENCH_DPDK
	if (peers->prog == NULL)
		return;
	if (peers->interp_ok)
		min_into(&t->dpdk, dpdk_time(peers->prog, false, rounds));
	if (peers->jit_ok)
		min_into(&t->dpdk_jit, dpdk_time(peers->prog, true, rounds));
#else
	(void)peers;
	(void)rounds;
	(void)t;
#endif
}

/* The minimum over 31 alternating runs of about 2 ms each: this machine is
 * shared and noisy, and the minimum is the least disturbed run. */
static void measure(const struct cbpf_vm *vm, const struct cbpf_vm *vm_interp,
		    const struct bpf_insn *insns, const struct peers *peers, long fixed_rounds,
		    struct timing *t)
{
	long rounds = fixed_rounds;

	if (rounds == 0) {
		double probe = time_pcap(insns, 20);
		rounds = (long)(2e6 / (probe * NPKTS)) + 1;
	}
	t->def = t->interp = t->batch = t->pcap = t->dpdk = t->dpdk_jit = 1e30;
	for (int rep = 0; rep < (fixed_rounds ? 1 : 31); rep++) {
		min_into(&t->def, time_default(vm, rounds));
		min_into(&t->interp, time_interp(vm_interp, rounds));
		min_into(&t->batch, time_batch(vm, rounds));
		min_into(&t->pcap, time_pcap(insns, rounds));
		measure_dpdk(peers, rounds, t);
	}
	if (t->dpdk == 1e30)
		t->dpdk = -1;
	if (t->dpdk_jit == 1e30)
		t->dpdk_jit = -1;
}

/* Both implementations give the same verdict on every frame, one run at a
 * time and in a batch. */
static int agree(const struct cbpf_vm *vm, const struct bpf_insn *insns, int *matches)
{
	int bad = 0;

	*matches = 0;
	cbpf_vm_run_batch(vm, frame_ptrs, frame_lens, NPKTS, NULL, verdicts);
	for (int i = 0; i < NPKTS; i++) {
		uint32_t ours = cbpf_vm_run(vm, frames[i].b, frames[i].len, NULL).verdict;
		u_int theirs = bpf_filter(insns, frames[i].b, (u_int)frames[i].len,
					  (u_int)frames[i].len);
		*matches += ours != 0;
		if (verdicts[i] != ours && bad++ < 3)
			fprintf(stderr, "  frame %d: batch %u, single run %u\n", i, verdicts[i], ours);
		if (ours != theirs && bad++ < 3)
			fprintf(stderr, "  frame %d (%zu bytes): cbpf %u, libpcap %u\n", i,
				frames[i].len, ours, theirs);
	}
	return bad;
}

/* The default VM and an interpreter-only VM for program bp. */
static int load(const char *expr, const struct bpf_program *bp, struct cbpf_vm **vm,
		struct cbpf_vm **vm_interp)
{
	/* struct bpf_insn and struct cbpf_insn share the layout */
	const struct cbpf_insn *insns = (const struct cbpf_insn *)(const void *)bp->bf_insns;
	struct cbpf_problem prob = { 0 };
	int err = cbpf_vm_create(insns, bp->bf_len, CBPF_PROFILE_LINUX, vm, &prob);

	if (err == 0)
		err = cbpf_vm_create_flags(insns, bp->bf_len, CBPF_PROFILE_LINUX, CBPF_VM_NO_JIT,
					   vm_interp, &prob);
	if (err != 0)
		fprintf(stderr, "bench_vm: %s: refused at insn %ld: %s\n", expr, prob.insn,
			prob.msg);
	return err;
}

/* What is kept of each expression for the summary and the peers. */
struct expr_result {
	struct timing t;
	unsigned n;
	uint16_t code[64];
	uint8_t jt[64], jf[64];
	uint32_t k[64];
	uint32_t verdicts[NPKTS]; /* our VM's */
	int dpdk_bad, dpdk_jit_bad; /* frames where DPDK's verdict differs */
	char dpdk_why[200];         /* why DPDK's interpreter did not run it, or "" */
	char dpdk_jit_why[200];     /* why its native code did not */
};

static struct expr_result results[NEXPR];

/* DPDK's EAL, once, when the bench has DPDK; else why not. */
static void start_peers(struct peers *peers)
{
#ifdef CBPF_BENCH_DPDK
	peers->dpdk = dpdk_start(frame_ptrs, frame_lens, NPKTS, peers->dpdk_why,
				 sizeof(peers->dpdk_why)) == 0;
#else
	peers->dpdk = false;
	snprintf(peers->dpdk_why, sizeof(peers->dpdk_why), "%s", CBPF_BENCH_DPDK_WHY);
#endif
}

/* Load bp into DPDK and count the frames where it disagrees with us; a
 * side that crashes (checked in a child) is not timed, and says why. */
static void load_dpdk(struct peers *peers, const struct bpf_program *bp, struct expr_result *r)
{
#ifdef CBPF_BENCH_DPDK
	peers->prog = NULL;
	peers->interp_ok = peers->jit_ok = false;
	if (!peers->dpdk)
		return;
	peers->prog = dpdk_load(bp, r->dpdk_why, sizeof(r->dpdk_why));
	if (peers->prog == NULL)
		return;
	peers->interp_ok = dpdk_check(peers->prog, false, r->verdicts, &r->dpdk_bad, r->dpdk_why,
				      sizeof(r->dpdk_why)) == 0;
	if (!dpdk_has_jit(peers->prog))
		snprintf(r->dpdk_jit_why, sizeof(r->dpdk_jit_why), "rte_bpf_get_jit gave no code");
	else
		peers->jit_ok = dpdk_check(peers->prog, true, r->verdicts, &r->dpdk_jit_bad,
					   r->dpdk_jit_why, sizeof(r->dpdk_jit_why)) == 0;
#else
	(void)peers;
	(void)bp;
	(void)r;
#endif
}

static void free_dpdk(struct peers *peers)
{
#ifdef CBPF_BENCH_DPDK
	dpdk_free(peers->prog);
	peers->prog = NULL;
#else
	(void)peers;
#endif
}

/* Compile, load, check and time expression e; false on a failure that
 * ends the bench. *disagree counts expressions where cbpf and libpcap
 * differ. */
static bool run_expression(pcap_t *pd, size_t e, struct peers *peers, long fixed_rounds,
			   int *native, int *disagree)
{
	struct expr_result *r = &results[e];
	struct bpf_program bp;
	struct cbpf_vm *vm, *vm_interp;
	int matches, m2;

	if (pcap_compile(pd, &bp, expressions[e], 1, PCAP_NETMASK_UNKNOWN) != 0) {
		fprintf(stderr, "bench_vm: %s: %s\n", expressions[e], pcap_geterr(pd));
		return false;
	}
	if (bp.bf_len > sizeof(r->code) / sizeof(r->code[0]) ||
	    load(expressions[e], &bp, &vm, &vm_interp) != 0) {
		fprintf(stderr, "bench_vm: %s: not loaded\n", expressions[e]);
		pcap_freecode(&bp);
		return false;
	}
	r->n = bp.bf_len;
	for (unsigned i = 0; i < bp.bf_len; i++) {
		r->code[i] = bp.bf_insns[i].code;
		r->jt[i] = bp.bf_insns[i].jt;
		r->jf[i] = bp.bf_insns[i].jf;
		r->k[i] = bp.bf_insns[i].k;
	}
	*native += cbpf_vm_is_native(vm);
	if (agree(vm, bp.bf_insns, &matches) != 0 || agree(vm_interp, bp.bf_insns, &m2) != 0) {
		fprintf(stderr, "bench_vm: %s: cbpf and libpcap disagree\n", expressions[e]);
		(*disagree)++;
	}
	cbpf_vm_run_batch(vm, frame_ptrs, frame_lens, NPKTS, NULL, r->verdicts);
	load_dpdk(peers, &bp, r);
	measure(vm, vm_interp, bp.bf_insns, peers, fixed_rounds, &r->t);
	printf("%-44.44s %5u %3d/%3d %8.2f %8.2f %8.2f %8.2f %6.2f %6.2f %6.2f\n",
	       expressions[e], bp.bf_len, matches, NPKTS, r->t.def, r->t.interp, r->t.batch,
	       r->t.pcap, r->t.pcap / r->t.def, r->t.pcap / r->t.interp, r->t.pcap / r->t.batch);
	free_dpdk(peers);
	cbpf_vm_free(vm);
	cbpf_vm_free(vm_interp);
	pcap_freecode(&bp);
	return true;
}

/* peer_gvisor next to this program, or why there is none. */
static bool gvisor_exe(char *path, size_t n, char *why, size_t wn)
{
#ifdef CBPF_BENCH_GVISOR
	ssize_t len = readlink("/proc/self/exe", path, n - 1);
	char *slash;

	if (len <= 0) {
		snprintf(why, wn, "readlink /proc/self/exe failed");
		return false;
	}
	path[len] = 0;
	slash = strrchr(path, '/');
	if (slash == NULL || (size_t)(slash - path) + sizeof("/peer_gvisor") > n) {
		snprintf(why, wn, "no directory in %.200s", path);
		return false;
	}
	strcpy(slash, "/peer_gvisor");
	if (access(path, X_OK) != 0) {
		snprintf(why, wn, "%.200s is not built (the bench_vm target builds it)", path);
		return false;
	}
	return true;
#else
	(void)path;
	(void)n;
	snprintf(why, wn, "%s", CBPF_BENCH_GVISOR_WHY);
	return false;
#endif
}

/* "x.xx" ns, or "-" when not measured. */
static const char *ns_cell(double ns, char *buf, size_t n)
{
	if (ns < 0)
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%.2f", ns);
	return buf;
}

/* Sum of log(peer/cbpf), the minimum, over the expressions the peer ran. */
struct peer_sum {
	double log_sum, worst;
	int n, bad;
};

static void peer_add(struct peer_sum *s, double peer_ns, double cbpf_ns, int bad)
{
	if (peer_ns < 0)
		return;
	s->log_sum += log(peer_ns / cbpf_ns);
	if (s->n == 0 || peer_ns / cbpf_ns < s->worst)
		s->worst = peer_ns / cbpf_ns;
	s->n++;
	s->bad += bad;
}

static void peer_line(const char *name, const struct peer_sum *s, const char *why)
{
	if (s->n == 0) {
		printf("%s: not measured: %s\n", name, why);
		return;
	}
	printf("cbpf/%s speedup: %.2f (slowest %.2f, %d expressions, %d frames disagree)\n", name,
	       exp(s->log_sum / s->n), s->worst, s->n, s->bad);
}

/* The peers' table: ns per frame and how many times slower than our
 * default VM (single-packet calls) each is, then one line per peer. */
static void report_peers(const struct peers *peers)
{
	struct gvisor_prog progs[NEXPR];
	double gv_ns[NEXPR];
	int gv_bad[NEXPR];
	char exe[PATH_MAX], gv_why[300] = "", a[16], b[16], c[16];
	struct peer_sum sd = { 0 }, sj = { 0 }, sg = { 0 };
	bool gv = gvisor_exe(exe, sizeof(exe), gv_why, sizeof(gv_why));

	for (size_t e = 0; e < NEXPR; e++) {
		progs[e] = (struct gvisor_prog){ results[e].code, results[e].jt, results[e].jf,
						 results[e].k, results[e].n, results[e].verdicts };
		gv_ns[e] = -1;
	}
	fflush(stdout);
	if (gv && gvisor_measure(exe, frame_ptrs, frame_lens, NPKTS, progs, (int)NEXPR, gv_ns,
				 gv_bad, gv_why, sizeof(gv_why)) != 0)
		gv = false;
	printf("%-44s %8s %8s %8s %8s %6s %6s %6s\n", "peers (ns per frame; x = peer/cbpf)",
	       "cbpf ns", "dpdk", "dpdk-jit", "gvisor", "x dpdk", "x jit", "x gvis");
	for (size_t e = 0; e < NEXPR; e++) {
		const struct expr_result *r = &results[e];
		double cb = r->t.def;

		printf("%-44.44s %8.2f %8s %8s %8s %6.2f %6.2f %6.2f\n", expressions[e], cb,
		       ns_cell(r->t.dpdk, a, sizeof(a)), ns_cell(r->t.dpdk_jit, b, sizeof(b)),
		       ns_cell(gv ? gv_ns[e] : -1, c, sizeof(c)), r->t.dpdk < 0 ? 0 : r->t.dpdk / cb,
		       r->t.dpdk_jit < 0 ? 0 : r->t.dpdk_jit / cb,
		       !gv || gv_ns[e] < 0 ? 0 : gv_ns[e] / cb);
		peer_add(&sd, r->t.dpdk, cb, r->dpdk_bad);
		peer_add(&sj, r->t.dpdk_jit, cb, r->dpdk_jit_bad);
		if (gv)
			peer_add(&sg, gv_ns[e], cb, gv_bad[e]);
	}
	for (size_t e = 0; e < NEXPR; e++) {
		if (results[e].dpdk_why[0] != 0)
			printf("  %s: dpdk: %s\n", expressions[e], results[e].dpdk_why);
		if (results[e].dpdk_jit_why[0] != 0)
			printf("  %s: dpdk-jit: %s\n", expressions[e], results[e].dpdk_jit_why);
		if (results[e].dpdk_bad != 0 || results[e].dpdk_jit_bad != 0)
			printf("  %s: frames whose verdict differs from ours: dpdk %d, dpdk-jit %d\n",
			       expressions[e], results[e].dpdk_bad, results[e].dpdk_jit_bad);
		if (gv && gv_bad[e] != 0)
			printf("  %s: frames whose verdict differs from ours: gvisor %d\n",
			       expressions[e], gv_bad[e]);
	}
	peer_line("dpdk", &sd, peers->dpdk ? "every program failed (above)" : peers->dpdk_why);
	peer_line("dpdk-jit", &sj, peers->dpdk ? "every program failed (above)" : peers->dpdk_why);
	peer_line("gvisor", &sg, gv_why);
}

int main(int argc, char **argv)
{
	long fixed_rounds = 0;
	pcap_t *pd = pcap_open_dead(DLT_EN10MB, 65535);
	double log_def = 0, log_interp = 0, log_batch = 0, worst_def = 1e30, worst_interp = 1e30;
	double worst_batch = 1e30, pps_min = 1e30, pps_max = 0;
	int failures = 0, native = 0;
	struct peers peers = { 0 };

	if (argc == 3 && strcmp(argv[1], "--rounds") == 0)
		fixed_rounds = atol(argv[2]);
	if (pd == NULL) {
		fprintf(stderr, "bench_vm: pcap_open_dead failed\n");
		return 1;
	}
	for (int i = 0; i < NPKTS; i++) {
		build_frame(&frames[i]);
		frame_ptrs[i] = frames[i].b;
		frame_lens[i] = frames[i].len;
	}
	if (fixed_rounds == 0)
		start_peers(&peers);
	else
		snprintf(peers.dpdk_why, sizeof(peers.dpdk_why), "not with --rounds");
	printf("%-44s %5s %7s %8s %8s %8s %8s %6s %6s %6s\n", "expression", "insns", "match",
	       "cbpf ns", "intp ns", "batch ns", "pcap ns", "ratio", "intp", "batch");
	for (size_t e = 0; e < NEXPR; e++) {
		const struct timing *t = &results[e].t;

		if (!run_expression(pd, e, &peers, fixed_rounds, &native, &failures))
			return 1;
		log_batch += log(t->pcap / t->batch);
		log_def += log(t->pcap / t->def);
		log_interp += log(t->pcap / t->interp);
		min_into(&worst_batch, t->pcap / t->batch);
		min_into(&worst_def, t->pcap / t->def);
		min_into(&worst_interp, t->pcap / t->interp);
		min_into(&pps_min, 1e9 / t->batch);
		if (1e9 / t->batch > pps_max)
			pps_max = 1e9 / t->batch;
	}
	pcap_close(pd);
	if (fixed_rounds == 0)
		report_peers(&peers);
	printf("expressions: %zu, frames: %d, mean: geometric; default VM: %s\n", NEXPR, NPKTS,
	       native == (int)NEXPR ? "native code (JIT)" : native ? "partly native"
							     : "interpreter");
	printf("interpreter/libpcap speedup: %.2f (slowest %.2f)\n", exp(log_interp / (double)NEXPR),
	       worst_interp);
	printf("batch/libpcap speedup: %.2f (slowest %.2f); batch packets/s per core: %.0f M to "
	       "%.0f M\n", exp(log_batch / (double)NEXPR), worst_batch, pps_min / 1e6,
	       pps_max / 1e6);
	printf("slowest ratio: %.2f\n", worst_def);
	if (failures != 0) {
		printf("cbpf/libpcap DISAGREE on %d expressions\n", failures);
		return 1;
	}
	printf("cbpf/libpcap speedup: %.2f\n", exp(log_def / (double)NEXPR));
	return 0;
}
