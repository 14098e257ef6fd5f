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

#include "cbpf/insn.h"
#include "cbpf/vm.h"
#include "rng.h"

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
};

/* The minimum over 31 alternating runs of about 2 ms each: this machine is
 * shared and noisy, and the minimum is the least disturbed run. */
static void measure(const struct cbpf_vm *vm, const struct cbpf_vm *vm_interp,
		    const struct bpf_insn *insns, long fixed_rounds, struct timing *t)
{
	long rounds = fixed_rounds;

	if (rounds == 0) {
		double probe = time_pcap(insns, 20);
		rounds = (long)(2e6 / (probe * NPKTS)) + 1;
	}
	t->def = t->interp = t->batch = t->pcap = 1e30;
	for (int rep = 0; rep < (fixed_rounds ? 1 : 31); rep++) {
		double c = time_default(vm, rounds), i = time_interp(vm_interp, rounds);
		double b = time_batch(vm, rounds), p = time_pcap(insns, rounds);
		if (c < t->def)
			t->def = c;
		if (b < t->batch)
			t->batch = b;
		if (i < t->interp)
			t->interp = i;
		if (p < t->pcap)
			t->pcap = p;
	}
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

int main(int argc, char **argv)
{
	long fixed_rounds = 0;
	pcap_t *pd = pcap_open_dead(DLT_EN10MB, 65535);
	double log_def = 0, log_interp = 0, log_batch = 0, worst_def = 1e30, worst_interp = 1e30;
	double worst_batch = 1e30, pps_min = 1e30, pps_max = 0;
	int failures = 0, native = 0;

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
	printf("%-44s %5s %7s %8s %8s %8s %8s %6s %6s %6s\n", "expression", "insns", "match",
	       "cbpf ns", "intp ns", "batch ns", "pcap ns", "ratio", "intp", "batch");
	for (size_t e = 0; e < NEXPR; e++) {
		struct bpf_program bp;
		struct cbpf_vm *vm, *vm_interp;
		struct timing t;
		int matches, m2;

		if (pcap_compile(pd, &bp, expressions[e], 1, PCAP_NETMASK_UNKNOWN) != 0) {
			fprintf(stderr, "bench_vm: %s: %s\n", expressions[e], pcap_geterr(pd));
			return 1;
		}
		if (load(expressions[e], &bp, &vm, &vm_interp) != 0)
			return 1;
		native += cbpf_vm_is_native(vm);
		if (agree(vm, bp.bf_insns, &matches) != 0 ||
		    agree(vm_interp, bp.bf_insns, &m2) != 0) {
			fprintf(stderr, "bench_vm: %s: cbpf and libpcap disagree\n", expressions[e]);
			failures++;
		}
		measure(vm, vm_interp, bp.bf_insns, fixed_rounds, &t);
		printf("%-44.44s %5u %3d/%3d %8.2f %8.2f %8.2f %8.2f %6.2f %6.2f %6.2f\n",
		       expressions[e], bp.bf_len, matches, NPKTS, t.def, t.interp, t.batch, t.pcap,
		       t.pcap / t.def, t.pcap / t.interp, t.pcap / t.batch);
		log_batch += log(t.pcap / t.batch);
		if (t.pcap / t.batch < worst_batch)
			worst_batch = t.pcap / t.batch;
		if (1e9 / t.batch < pps_min)
			pps_min = 1e9 / t.batch;
		if (1e9 / t.batch > pps_max)
			pps_max = 1e9 / t.batch;
		log_def += log(t.pcap / t.def);
		log_interp += log(t.pcap / t.interp);
		if (t.pcap / t.def < worst_def)
			worst_def = t.pcap / t.def;
		if (t.pcap / t.interp < worst_interp)
			worst_interp = t.pcap / t.interp;
		cbpf_vm_free(vm);
		cbpf_vm_free(vm_interp);
		pcap_freecode(&bp);
	}
	pcap_close(pd);
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
