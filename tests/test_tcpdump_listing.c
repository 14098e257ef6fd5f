/*
 * test_tcpdump_listing.c - our tcpdump printers and parsers against the
 * real tools of this machine (Debian 12: tcpdump 4.99.3, libpcap 1.10.3):
 *   - for 80+ filter expressions, `tcpdump -d`, `-dd` and `-ddd` (run with
 *     -y LINKTYPE, which compiles without opening any device) equal what
 *     our printers make of the -ddd program, ignoring only trailing blanks,
 *     and our parsers read each output back to the same bytes;
 *   - the same for `tcpdump -i lo` inside a network namespace this test
 *     creates (the Linux build then uses SKF_AD extensions: [vlanp],
 *     [vlan_tci], [type], [ifidx]);
 *   - `tcpdump -d EXPR | cbpf disasm -o ddd` equals `tcpdump -ddd EXPR`;
 *   - every line our listing printer makes equals libpcap's own
 *     bpf_image() (linked), for all codes and many fields, except the
 *     documented `ldx #pktlen` (1.10.3 prints `unimp 0x81`);
 *   - our parser reads libpcap's listing of 20,000 random programs (junk
 *     fields, unknown codes, ja anywhere, backward as protochain's) back
 *     to the program up to the fields the listing does not show, or
 *     refuses it at its first `unimp` line.
 * Skips (77) when /usr/bin/tcpdump is missing.
 */
#include "check.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef CBPF_HAVE_PCAP
#include <pcap/pcap.h>
#endif

#include "cbpf/format.h"
#include "cbpf/opcode.h"
#include "rng.h"

#define TCPDUMP "/usr/bin/tcpdump"
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- running programs ---- */

/* A fresh network namespace with its loopback up: `tcpdump -i lo` then
 * opens a packet socket only on an interface this test owns. */
static int enter_private_netns(void)
{
	struct ifreq ifr;
	int s;

	if (unshare(CLONE_NEWNET) != 0)
		return -1;
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0) {
		close(s);
		return -1;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) {
		close(s);
		return -1;
	}
	close(s);
	return 0;
}

enum { EXIT_NO_NETNS = 99 };

/* Run argv with stdin from `input` (or /dev/null), capture stdout; the
 * exit status, or -1. */
static int run(char *const argv[], bool netns, const char *input, size_t input_len, char **out,
	       size_t *out_len)
{
	int outp[2], inp[2];
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	pid_t pid;
	int st;

	if (pipe(outp) != 0 || pipe(inp) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		if (netns && enter_private_netns() != 0)
			_exit(EXIT_NO_NETNS);
		dup2(inp[0], 0);
		dup2(outp[1], 1);
		dup2(devnull, 2);
		close(inp[1]);
		close(outp[0]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(inp[0]);
	close(outp[1]);
	/* inputs are small (< pipe buffer), so writing first cannot deadlock */
	if (input != NULL && write(inp[1], input, input_len) != (ssize_t)input_len)
		fprintf(stderr, "short write to child\n");
	close(inp[1]);
	for (;;) {
		ssize_t got;
		if (n + 1 >= cap)
			buf = realloc(buf, cap *= 2);
		got = read(outp[0], buf + n, cap - n - 1);
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	close(outp[0]);
	buf[n] = '\0';
	*out = buf;
	*out_len = n;
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Drop blanks before each newline (libpcap 1.10.3 pads operand-less
 * instructions: "(005) tax      "). */
static void strip_trailing_blanks(char *s)
{
	char *w = s;

	for (char *r = s; *r != '\0'; r++) {
		if (*r == '\n')
			while (w > s && (w[-1] == ' ' || w[-1] == '\t'))
				w--;
		*w++ = *r;
	}
	while (w > s && (w[-1] == ' ' || w[-1] == '\t'))
		w--;
	*w = '\0';
}

/* ---- the expressions ---- */

struct filter_case {
	const char *linktype; /* -y value, or NULL: -i lo in a private netns */
	bool unoptimized;     /* -O */
	const char *expr;
};

static const struct filter_case cases[] = {
	{ "EN10MB", 0, "ip" },
	{ "EN10MB", 0, "ip6" },
	{ "EN10MB", 0, "arp" },
	{ "EN10MB", 0, "rarp" },
	{ "EN10MB", 0, "tcp" },
	{ "EN10MB", 0, "udp" },
	{ "EN10MB", 0, "icmp" },
	{ "EN10MB", 0, "icmp6" },
	{ "EN10MB", 0, "tcp port 22" },
	{ "EN10MB", 0, "udp port 53" },
	{ "EN10MB", 0, "port 80" },
	{ "EN10MB", 0, "tcp portrange 1000-2000" },
	{ "EN10MB", 0, "udp portrange 5000-5100" },
	{ "EN10MB", 0, "src port 1234" },
	{ "EN10MB", 0, "dst port 443" },
	{ "EN10MB", 0, "host 10.1.2.3" },
	{ "EN10MB", 0, "src host 192.168.0.1" },
	{ "EN10MB", 0, "dst host 172.16.0.1" },
	{ "EN10MB", 0, "net 10.0.0.0/8" },
	{ "EN10MB", 0, "src net 192.168.0.0/16" },
	{ "EN10MB", 0, "dst net 172.16.0.0 mask 255.240.0.0" },
	{ "EN10MB", 0, "ip6 host 2001:db8::1" },
	{ "EN10MB", 0, "ip6 net 2001:db8::/32" },
	{ "EN10MB", 0, "ether host 01:02:03:04:05:06" },
	{ "EN10MB", 0, "ether src 00:11:22:33:44:55" },
	{ "EN10MB", 0, "ether dst ff:ff:ff:ff:ff:ff" },
	{ "EN10MB", 0, "ether broadcast" },
	{ "EN10MB", 0, "ether multicast" },
	{ "EN10MB", 0, "ip multicast" },
	{ "EN10MB", 0, "ip6 multicast" },
	{ "EN10MB", 0, "vlan" },
	{ "EN10MB", 0, "vlan 100" },
	{ "EN10MB", 0, "vlan and ip" },
	{ "EN10MB", 0, "vlan 5 and tcp port 80" },
	{ "EN10MB", 0, "mpls" },
	{ "EN10MB", 0, "mpls 100" },
	{ "EN10MB", 0, "pppoes" },
	{ "EN10MB", 0, "pppoes 7" },
	{ "EN10MB", 0, "icmp[icmptype] == icmp-echo" },
	{ "EN10MB", 0, "icmp[0] = 8" },
	{ "EN10MB", 0, "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn" },
	{ "EN10MB", 0, "tcp[tcpflags] & tcp-rst != 0" },
	{ "EN10MB", 0, "tcp[13] & 2 != 0" },
	{ "EN10MB", 0, "ip[2:2] > 100" },
	{ "EN10MB", 0, "ip[8] < 64" },
	{ "EN10MB", 0, "len > 100" },
	{ "EN10MB", 0, "len <= 64" },
	{ "EN10MB", 0, "greater 1000" },
	{ "EN10MB", 0, "less 60" },
	{ "EN10MB", 0, "ip proto 47" },
	{ "EN10MB", 0, "ip6 proto 58" },
	{ "EN10MB", 0, "ip and not tcp" },
	{ "EN10MB", 0, "not arp" },
	{ "EN10MB", 0, "tcp or udp" },
	{ "EN10MB", 0, "(tcp port 80 or tcp port 443) and host 10.0.0.1" },
	{ "EN10MB", 0, "ip[6:2] & 0x1fff != 0" },
	{ "EN10MB", 0, "ip6[6] == 17" },
	{ "EN10MB", 0, "udp[8:4] = 0xdeadbeef" },
	{ "EN10MB", 0, "ether proto 0x88cc" },
	{ "EN10MB", 0, "ether[0] & 1 = 1" },
	{ "EN10MB", 0, "tcp dst portrange 8000-8080" },
	{ "EN10MB", 0, "sctp" },
	{ "EN10MB", 0, "sctp port 9" },
	{ "EN10MB", 0, "igmp" },
	{ "EN10MB", 0, "ip[0] & 0xf != 5" },
	{ "EN10MB", 0, "icmp6 and ip6[40] == 128" },
	{ "EN10MB", 0, "udp port 67 or udp port 68" },
	{ "EN10MB", 0, "tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420" },
	{ "EN10MB", 0, "ip and (ip[2:2] - ((ip[0]&0xf)<<2)) > 500" },
	{ "EN10MB", 0, "tcp[12] * 4 > 20" },
	{ "EN10MB", 0, "ip[2:2] / 4 > 10" },
	{ "EN10MB", 0, "ip[2:2] % 7 = 1" },
	{ "EN10MB", 0, "ip[1] ^ 0xff = 0" },
	{ "EN10MB", 0, "ip[2:2] | 1 = 1" },
	{ "EN10MB", 0, "len - 14 > 100" },
	{ "EN10MB", 0, "-len < 0" },
	{ "EN10MB", 0, "ip6 and tcp port 22" },
	{ "EN10MB", 0, "stp" },
	{ "EN10MB", 0, "llc" },
	{ "EN10MB", 0, "ip[2:2] + 4 >= len" },
	{ "EN10MB", 0, "tcp[0:2] > tcp[2:2]" },
	{ "EN10MB", 0, "ip host 1.2.3.4 and ip host 5.6.7.8" },
	{ "EN10MB", 0, "ether[12:2] = 0x800 and ether[23] = 6" },
	{ "EN10MB", 0, "ip[0] & 0xf0 = 0x40" },
	/* protochain: a loop, so backward ja (k = 0xfffffff1 prints "ja 4") */
	{ "EN10MB", 0, "ip6 protochain 6" },
	{ "EN10MB", 0, "ip protochain 17" },
	{ "EN10MB", 0, "protochain 6" },
	{ "EN10MB", 1, "ip6 protochain 58" },
	/* unoptimized code: st/ld M[], tax/txa, ja */
	{ "EN10MB", 1, "tcp port 22" },
	{ "EN10MB", 1, "tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420" },
	{ "EN10MB", 1, "ip and (ip[2:2] - ((ip[0]&0xf)<<2)) > 500" },
	{ "EN10MB", 1, "ip[2:2] / 4 > 10 or ip[2:2] % 7 = 1" },
	{ "EN10MB", 1, "-len < 0 and ip[1] ^ 0xff = 0" },
	{ "EN10MB", 1, "vlan 5 and tcp port 80" },
	/* other link types */
	{ "LINUX_SLL", 0, "tcp port 22" },
	{ "LINUX_SLL", 0, "ip6 and udp" },
	{ "LINUX_SLL2", 0, "udp port 53" },
	{ "RAW", 0, "ip" },
	{ "RAW", 0, "ip6 and tcp" },
	{ "NULL", 0, "ip6" },
	{ "IPV4", 0, "tcp port 80" },
	/* a live Linux handle (-i lo in our own netns): SKF_AD extensions */
	{ NULL, 0, "vlan 5" },
	{ NULL, 0, "vlan" },
	{ NULL, 0, "vlan and tcp" },
	{ NULL, 0, "vlan 10 and udp port 53" },
	{ NULL, 0, "inbound" },
	{ NULL, 0, "outbound" },
	{ NULL, 0, "ifindex 1" },
	{ NULL, 0, "tcp port 22" },
};

/* Run tcpdump with -d, -dd or -ddd on a case; its status. */
static int run_tcpdump(const struct filter_case *c, const char *dflag, char **out, size_t *len)
{
	char *argv[10];
	int n = 0;

	argv[n++] = (char *)TCPDUMP;
	if (c->linktype != NULL) {
		argv[n++] = (char *)"-y";
		argv[n++] = (char *)c->linktype;
	} else {
		argv[n++] = (char *)"-i";
		argv[n++] = (char *)"lo";
	}
	if (c->unoptimized)
		argv[n++] = (char *)"-O";
	argv[n++] = (char *)dflag;
	argv[n++] = (char *)"--";
	argv[n++] = (char *)c->expr;
	argv[n] = NULL;
	return run(argv, c->linktype == NULL, NULL, 0, out, len);
}

static bool same_prog(const struct cbpf_prog *a, const struct cbpf_prog *b)
{
	return a->len == b->len &&
	       (a->len == 0 || memcmp(a->insns, b->insns, a->len * sizeof(*a->insns)) == 0);
}

static void report(const struct filter_case *c, const char *what, const char *got,
		   const char *want)
{
	CHECK_REPORT_("[%s%s] %s: %s\n--- got:\n%s--- want:\n%s", c->linktype ? c->linktype : "lo",
		      c->unoptimized ? " -O" : "", c->expr, what, got, want);
}

/* Our printer's text for the program equals the tool's output. */
static void check_printer(const struct filter_case *c, enum cbpf_format f,
			  const struct cbpf_prog *p, const char *want)
{
	char *got = cbpf_print(f, p->insns, p->len, NULL);

	check_count++;
	if (got == NULL || strcmp(got, want) != 0)
		report(c, cbpf_format_name(f), got ? got : "(null)\n", want);
	free(got);
}

/* Our parser (named and detected) reads the tool's output back to p. */
static void check_parser(const struct filter_case *c, enum cbpf_format f, const char *text,
			 const struct cbpf_prog *p)
{
	struct cbpf_prog back = { 0 }, detected = { 0 };
	struct cbpf_diag d = { 0 };
	int r = cbpf_parse(f, text, strlen(text), &back, &d);

	check_count++;
	if (r != 0 || !same_prog(&back, p))
		report(c, cbpf_format_name(f), r ? d.msg : "(different program)\n", text);
	CHECK_EQ(cbpf_format_detect(text, strlen(text)), f);
	CHECK_EQ(cbpf_parse(CBPF_FMT_AUTO, text, strlen(text), &detected, &d), 0);
	CHECK(same_prog(&detected, p));
	cbpf_prog_free(&back);
	cbpf_prog_free(&detected);
}

/* p with the fields its opcodes ignore set to 0: all a -d listing shows.
 * (libpcap's optimizer leaves junk there: `tax` keeps k = the scratch
 * register number it came from, e.g. {7, 0, 0, 3}; see test_junk_k.) */
static void mask_unshown(struct cbpf_prog *p)
{
	for (size_t i = 0; i < p->len; i++) {
		const struct cbpf_opinfo *o = cbpf_opinfo(p->insns[i].code);
		if (o == NULL)
			continue;
		if (!(o->uses & CBPF_USES_K))
			p->insns[i].k = 0;
		if (!(o->uses & CBPF_USES_JT))
			p->insns[i].jt = 0;
		if (!(o->uses & CBPF_USES_JF))
			p->insns[i].jf = 0;
	}
}

/* `cbpf disasm -o ddd` of the -d listing on stdin gives tcpdump's -ddd
 * (up to the fields the listing does not show). */
static void check_command(const struct filter_case *c, const char *listing, const char *ddd)
{
	const char *bin = getenv("CBPF_BIN");
	char *argv[] = { (char *)bin, (char *)"disasm", (char *)"-o", (char *)"ddd", NULL };
	char *out;
	size_t len;
	int st;

	if (bin == NULL)
		return;
	st = run(argv, false, listing, strlen(listing), &out, &len);
	CHECK_EQ(st, 0);
	check_count++;
	if (strcmp(out, ddd) != 0)
		report(c, "cbpf disasm -o ddd", out, ddd);
	free(out);
}

static int netns_cases_skipped;

static void check_case(const struct filter_case *c)
{
	char *d = NULL, *dd = NULL, *ddd = NULL, *masked_ddd = NULL;
	size_t len;
	struct cbpf_prog p = { 0 };
	struct cbpf_diag diag = { 0 };
	int st[3];

	st[0] = run_tcpdump(c, "-d", &d, &len);
	st[1] = run_tcpdump(c, "-dd", &dd, &len);
	st[2] = run_tcpdump(c, "-ddd", &ddd, &len);
	if (c->linktype == NULL && st[0] == EXIT_NO_NETNS) {
		netns_cases_skipped++;
		goto out;
	}
	CHECK(st[0] == 0 && st[1] == 0 && st[2] == 0);
	if (st[0] != 0 || st[1] != 0 || st[2] != 0) {
		CHECK_REPORT_("tcpdump failed on '%s'\n", c->expr);
		goto out;
	}
	CHECK_EQ(cbpf_parse(CBPF_FMT_DDD, ddd, strlen(ddd), &p, &diag), 0);
	CHECK(p.len > 1);
	strip_trailing_blanks(d);
	check_printer(c, CBPF_FMT_TCPDUMP, &p, d);
	check_printer(c, CBPF_FMT_DD, &p, dd);
	check_printer(c, CBPF_FMT_DDD, &p, ddd);
	check_parser(c, CBPF_FMT_DD, dd, &p);
	check_parser(c, CBPF_FMT_DDD, ddd, &p);
	mask_unshown(&p);
	check_parser(c, CBPF_FMT_TCPDUMP, d, &p);
	masked_ddd = cbpf_print(CBPF_FMT_DDD, p.insns, p.len, NULL);
	check_command(c, d, masked_ddd);
out:
	free(masked_ddd);
	cbpf_prog_free(&p);
	free(d);
	free(dd);
	free(ddd);
}

/* The extension names appear where the Linux build uses them
 * (linux-semantics: pcap.extension-names, pcap.byte-extension-loads). */
static void test_extension_listing(void)
{
	const struct filter_case c = { NULL, 0, "vlan 5" };
	char *d;
	size_t len;

	if (run_tcpdump(&c, "-d", &d, &len) == EXIT_NO_NETNS) {
		free(d);
		return;
	}
	strip_trailing_blanks(d);
	CHECK_STR(d, "(000) ldb      [vlanp]\n"
		     "(001) jeq      #0x1             jt 6\tjf 2\n"
		     "(002) ldh      [12]\n"
		     "(003) jeq      #0x8100          jt 6\tjf 4\n"
		     "(004) jeq      #0x88a8          jt 6\tjf 5\n"
		     "(005) jeq      #0x9100          jt 6\tjf 14\n"
		     "(006) ldb      [vlanp]\n"
		     "(007) jeq      #0x1             jt 8\tjf 10\n"
		     "(008) ldb      [vlan_tci]\n"
		     "(009) ja       11\n"
		     "(010) ldh      [14]\n"
		     "(011) and      #0xfff\n"
		     "(012) jeq      #0x5             jt 13\tjf 14\n"
		     "(013) ret      #262144\n"
		     "(014) ret      #0\n");
	free(d);
}

/* libpcap's optimizer emits `tax` with a nonzero k (a junk field the
 * kernel ignores): -ddd shows it, -d cannot (linux-semantics: pcap.tax-junk-k). */
static void test_junk_k(void)
{
	const struct filter_case c = { "EN10MB", 0, "ip[2:2] + 4 >= len" };
	struct cbpf_prog p = { 0 };
	struct cbpf_diag d = { 0 };
	char *ddd;
	size_t len;
	int junk = 0;

	CHECK_EQ(run_tcpdump(&c, "-ddd", &ddd, &len), 0);
	CHECK_EQ(cbpf_parse(CBPF_FMT_DDD, ddd, len, &p, &d), 0);
	for (size_t i = 0; i < p.len; i++)
		if (p.insns[i].code == 0x07 && p.insns[i].k != 0)
			junk++;
	CHECK(junk > 0);
	cbpf_prog_free(&p);
	free(ddd);
}

/* ---- bpf_image() itself ---- */

#ifdef CBPF_HAVE_PCAP
static struct ts_rng rng = { 0x9e3779b97f4a7c15ull };

/* An instruction of this code with random jt, jf and k. */
static struct cbpf_insn rnd_fields(uint16_t code)
{
	struct cbpf_insn in = { code, 0, 0, 0 };

	in.jt = (uint8_t)ts_next(&rng);
	in.jf = (uint8_t)ts_next(&rng);
	in.k = (uint32_t)ts_next(&rng);
	return in;
}

static long image_mismatches, pktlen_lines, image_unread;

/* Our parser reads libpcap's own listing of p back to p up to the fields
 * the listing does not show, or refuses it at its first unimp line. */
static void read_bpf_image_back(const struct cbpf_insn *p, size_t n)
{
	struct cbpf_prog back = { 0 };
	struct cbpf_diag d = { 0 };
	char *listing = NULL;
	size_t len = 0, first_unimp = n;
	FILE *f = open_memstream(&listing, &len);
	struct cbpf_insn *want = malloc((n ? n : 1) * sizeof(*want));

	for (size_t i = 0; i < n; i++) {
		struct bpf_insn bi = { p[i].code, p[i].jt, p[i].jf, p[i].k };
		fprintf(f, "%s\n", bpf_image(&bi, (int)i));
		want[i] = p[i];
		if (first_unimp == n && cbpf_opinfo(p[i].code) == NULL)
			first_unimp = i;
	}
	fclose(f);
	struct cbpf_prog m = { want, n, n };
	mask_unshown(&m);
	int r = cbpf_parse(CBPF_FMT_TCPDUMP, listing, len, &back, &d);
	check_count++;
	if (first_unimp < n ? !(r == -1 && d.line == first_unimp + 1 &&
				strstr(d.msg, "an 'unimp' line cannot") == d.msg)
			    : !(r == 0 && same_prog(&back, &m))) {
		if (++image_unread <= 5)
			CHECK_REPORT_("libpcap's listing not read back (first unimp %zu): %s\n",
				      first_unimp, r == 0 ? "different program" : d.msg);
	}
	cbpf_prog_free(&back);
	free(want);
	free(listing);
}

/* Line i of our listing against bpf_image(&p[i], i). */
static void compare_with_bpf_image(const struct cbpf_insn *p, size_t n)
{
	char *ours = cbpf_print(CBPF_FMT_TCPDUMP, p, n, NULL);
	char *line = ours;

	CHECK(ours != NULL);
	for (size_t i = 0; ours != NULL && i < n; i++) {
		struct bpf_insn bi = { p[i].code, p[i].jt, p[i].jf, p[i].k };
		char theirs[256];
		char *nl = strchr(line, '\n');
		snprintf(theirs, sizeof(theirs), "%s", bpf_image(&bi, (int)i));
		strip_trailing_blanks(theirs);
		*nl = '\0';
		check_count++;
		if (p[i].code == 0x81) {
			/* documented deviation: libpcap 1.10.3 has no ldx #pktlen */
			char want_ours[64], old_pcap[64];
			snprintf(want_ours, sizeof(want_ours), "(%03zu) ldx      #pktlen", i);
			snprintf(old_pcap, sizeof(old_pcap), "(%03zu) unimp    0x81", i);
			pktlen_lines++;
			if (strcmp(line, want_ours) != 0 ||
			    (strcmp(theirs, old_pcap) != 0 && strcmp(theirs, want_ours) != 0))
				image_mismatches++;
		} else if (strcmp(line, theirs) != 0 && ++image_mismatches <= 10) {
			CHECK_REPORT_("bpf_image mismatch {0x%x,%u,%u,0x%x} at %zu:\n  ours:  %s\n"
				      "  libpcap: %s\n", p[i].code, p[i].jt, p[i].jf, p[i].k, i, line,
				      theirs);
		}
		line = nl + 1;
	}
	free(ours);
}

/* linux-semantics: pcap.line-format, pcap.operands, pcap.extension-names, pcap.unimp */
static void test_bpf_image(void)
{
	enum { LEN = 70000 };
	struct cbpf_insn *p = calloc(LEN, sizeof(*p));

	/* every 16-bit code, with random fields, at indices past 65535 too */
	for (uint32_t code = 0; code < 0x10000; code++)
		p[code] = rnd_fields((uint16_t)code);
	for (size_t i = 0x10000; i < LEN; i++)
		p[i] = rnd_fields((uint16_t)ts_next(&rng));
	compare_with_bpf_image(p, LEN);
	/* libpcap's own listings read back: short random programs of any
	 * instructions (junk fields, unknown codes, ja anywhere) */
	for (int round = 0; round < 20000; round++) {
		size_t n = 1 + ts_below(&rng, 12);
		for (size_t i = 0; i < n; i++) {
			const struct cbpf_opinfo *o = cbpf_opinfo_at(ts_below(&rng, CBPF_NOPCODES));
			uint16_t code = ts_below(&rng, 6) ? o->code : (uint16_t)ts_next(&rng);

			p[i] = rnd_fields(code);
			if (ts_chance(&rng, 50))
				p[i].k = ts_edge(&rng);
		}
		read_bpf_image_back(p, n);
	}
	CHECK_EQ(image_unread, 0);
	/* the known opcodes with interesting k (extensions, signed printing) */
	for (int round = 0; round < 10; round++) {
		for (size_t i = 0; i < LEN; i++) {
			const struct cbpf_opinfo *o = cbpf_opinfo_at(ts_below(&rng, CBPF_NOPCODES));
			uint32_t k = ts_chance(&rng, 50) ? ts_edge(&rng) : (uint32_t)ts_next(&rng);
			p[i] = rnd_fields(o->code);
			p[i].k = k;
		}
		compare_with_bpf_image(p, round == 0 ? LEN : 5000);
	}
	CHECK_EQ(image_mismatches, 0);
	CHECK(pktlen_lines > 0);
	free(p);
}
#endif

int main(void)
{
	if (access(TCPDUMP, X_OK) != 0) {
		fprintf(stderr, "skip: %s not found (apt-get install tcpdump)\n", TCPDUMP);
		return CHECK_SKIP;
	}
	for (size_t i = 0; i < N(cases); i++)
		check_case(&cases[i]);
	if (netns_cases_skipped)
		fprintf(stderr, "note: %d `tcpdump -i lo` cases skipped (cannot create a network "
				"namespace: not root?)\n", netns_cases_skipped);
	test_extension_listing();
	test_junk_k();
#ifdef CBPF_HAVE_PCAP
	test_bpf_image();
#else
	fprintf(stderr, "note: built without libpcap: bpf_image() comparison skipped\n");
#endif
	fprintf(stderr, "%zu tcpdump expressions\n", N(cases));
	return CHECK_DONE();
}
