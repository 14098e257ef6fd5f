/*
 * test_kernel_cmd.c - the `cbpf kernel` command end to end ($CBPF_BIN):
 * env, run over each oracle, plugin (load, results with exact/abort, the
 * env record once, rejections), --help everywhere, usage errors (one line
 * and a pointer to --help, options that do not apply to the hook), and
 * VLAN-tagged frames on --via packet (issue 16).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "packet_oracle.h"

/* A scratch program file of this process (another tree's run of this test
 * may be using /tmp at the same time). */
static const char *scratch(const char *name)
{
	static char path[4][80];
	static unsigned next;
	char *p = path[next++ % 4];

	snprintf(p, sizeof(path[0]), "/tmp/cbpf_test_kernel_%ld_%s.bpf", (long)getpid(), name);
	return p;
}

static const char *bin;

/* Run `sh -c cmd`, capture stdout (up to cap bytes); returns exit status. */
static int run(const char *cmd, char *out, size_t cap)
{
	FILE *p = popen(cmd, "r");
	size_t n = 0;
	int st;

	if (p == NULL)
		return -1;
	while (n + 1 < cap) {
		size_t got = fread(out + n, 1, cap - n - 1, p);
		if (got == 0)
			break;
		n += got;
	}
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *cmdf(const char *fmt, const char *a)
{
	static char buf[2048];
	snprintf(buf, sizeof(buf), fmt, bin, a);
	return buf;
}

static void test_help(void)
{
	static const char *const subs[] = { "", "env", "run", "plugin" };
	char out[8192], cmd[512];

	for (size_t i = 0; i < 4; i++) {
		snprintf(cmd, sizeof(cmd), "%s kernel %s --help", bin, subs[i]);
		CHECK_EQ(run(cmd, out, sizeof(out)), 0);
		CHECK(strncmp(out, "usage: cbpf kernel", 18) == 0);
	}
	snprintf(cmd, sizeof(cmd), "%s kernel bogus 2>/dev/null", bin);
	CHECK_EQ(run(cmd, out, sizeof(out)), 2);
}

static void test_env(void)
{
	char out[4096];

	CHECK_EQ(run(cmdf("%s kernel env%s", ""), out, sizeof(out)), 0);
	CHECK(strstr(out, "optmem_max") != NULL && strstr(out, "bpf_jit_enable") != NULL);
	CHECK_EQ(run(cmdf("%s kernel env --json%s", ""), out, sizeof(out)), 0);
	CHECK(strncmp(out, "{\"release\":", 11) == 0);
}

static void test_run(void)
{
	char out[4096];
	FILE *f = fopen(scratch("neg"), "w");

	CHECK(f != NULL);
	if (f == NULL)
		return;
	fputs("ld #5\nneg\nret a\n", f);
	fclose(f);
	CHECK_EQ(run(cmdf("%s kernel run %s 00 0011", scratch("neg")), out,
		     sizeof(out)), 0);
	CHECK_STR(out, "4294967291\n4294967291\n");
	CHECK_EQ(run(cmdf("%s kernel run --via seccomp %s nr=39,args=1:2", scratch("neg")),
		     out, sizeof(out)), 0);
	CHECK_STR(out, "0xfffffffb KILL_PROCESS\n");
	CHECK_EQ(run(cmdf("%s kernel run -v --via seccomp %s nr=getpid,args=1:2", scratch("neg")),
		     out, sizeof(out)), 0);
	{
		const char *want = "0xfffffffb KILL_PROCESS\n  seccomp_data: nr=39,arch=0xc000003e,ip=0x";
		CHECK(strncmp(out, want, strlen(want)) == 0);
	}
	CHECK(strstr(out, ",args=0x1:0x2:0:0:0:0 (getpid, x86_64)\n") != NULL);
	f = fopen(scratch("neg"), "w");
	if (f != NULL) {
		fputs("ldb [100]\nret #1\n", f);
		fclose(f);
	}
	CHECK_EQ(run(cmdf("%s kernel run %s 00", scratch("neg")), out, sizeof(out)), 0);
	CHECK_STR(out, "0 (abort: load)\n");
	f = fopen(scratch("neg"), "w");
	if (f != NULL) {
		fputs("lsh #32\nret a\n", f);
		fclose(f);
	}
	CHECK_EQ(run(cmdf("%s kernel run %s 00 2>&1", scratch("neg")), out,
		     sizeof(out)), 1);
	CHECK(strstr(out, "kernel: EINVAL") != NULL);
	CHECK_EQ(run(cmdf("%s kernel run %s 0 2>/dev/null", scratch("neg")), out,
		     sizeof(out)), 2);
	if (kc_packet_unavailable() == NULL) {
		f = fopen(scratch("neg"), "w");
		if (f != NULL) {
			fputs("ld ifidx\nret a\n", f);
			fclose(f);
		}
		CHECK_EQ(run(cmdf("%s kernel run --via packet %s 0000000000000000000000000800",
				  scratch("neg")), out, sizeof(out)), 0);
		CHECK_STR(out, "1\n");
		CHECK_EQ(run(cmdf("%s kernel run --via packet -v %s 0000000000000000000000000800",
				  scratch("neg")), out, sizeof(out)), 0);
		CHECK(strncmp(out, "1\n  ctx: {", 10) == 0);
		CHECK(strstr(out, "\"dev\":{\"ifindex\":1,\"type\":772}") != NULL);
	}
	unlink(scratch("neg"));
}

/* Write a program file for the diff tests. */
static void put_program(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

/* A usage error is one line naming the problem and one pointing at the
 * help, exit status 2, nothing on stdout. */
static void usage_error_is(const char *args, const char *want)
{
	char cmd[1024], out[4096];

	snprintf(cmd, sizeof(cmd), "%s %s 2>&1 >/dev/null", bin, args);
	CHECK_EQ(run(cmd, out, sizeof(out)), 2);
	CHECK_STR(out, want);
	snprintf(cmd, sizeof(cmd), "%s %s 2>/dev/null", bin, args);
	run(cmd, out, sizeof(out));
	CHECK_STR(out, "");
}

#define TRY_RUN "try 'cbpf kernel run --help'\n"

static void test_usage_errors(void)
{
	const char *path = scratch("usage");
	char args[512];

	put_program(path, "ret #1\n");
	usage_error_is("kernel run --bogus", "cbpf kernel run: unknown option '--bogus'\n" TRY_RUN);
	usage_error_is("kernel run", "cbpf kernel run: no program FILE (or -e EXPRESSION or --policy FILE) given\n" TRY_RUN);
	usage_error_is("kernel run --via", "cbpf kernel run: --via needs a value\n" TRY_RUN);
	usage_error_is("kernel run --via nope x",
		       "cbpf kernel run: unknown --via 'nope' (unix, seccomp or packet)\n" TRY_RUN);
	usage_error_is("kernel run --mark x y",
		       "cbpf kernel run: bad --mark 'x' (a number 0..4294967295)\n" TRY_RUN);
	/* options that do not apply to the hook are refused, not ignored */
	snprintf(args, sizeof(args), "kernel run --mark 3 %s 00", path);
	usage_error_is(args, "cbpf kernel run: --mark is the AF_PACKET sender's SO_MARK: it needs "
			     "--via packet (--via unix has no sender mark)\n" TRY_RUN);
	snprintf(args, sizeof(args), "kernel run --via seccomp --mark 3 %s nr=1", path);
	usage_error_is(args, "cbpf kernel run: --mark is the AF_PACKET sender's SO_MARK: it needs "
			     "--via packet (--via seccomp has no sender mark)\n" TRY_RUN);
	usage_error_is("kernel plugin --mark 3",
		       "cbpf kernel plugin: --mark is the AF_PACKET sender's SO_MARK: it needs "
		       "--via packet (--via unix has no sender mark)\n"
		       "try 'cbpf kernel plugin --help'\n");
	usage_error_is("kernel plugin extra", "cbpf kernel plugin: unexpected argument 'extra'\n"
					      "try 'cbpf kernel plugin --help'\n");
	usage_error_is("kernel env --bogus", "cbpf kernel env: unknown argument '--bogus'\n"
					     "try 'cbpf kernel env --help'\n");
	usage_error_is("kernel", "cbpf kernel: missing subcommand (env, run, plugin or fetch)\n"
				 "try 'cbpf kernel --help'\n");
	usage_error_is("kernel bogus", "cbpf kernel: unknown subcommand 'bogus' (env, run, plugin or "
				       "fetch)\ntry 'cbpf kernel --help'\n");
	usage_error_is("kernel fetch", "cbpf kernel fetch: no target given\n"
				       "try 'cbpf kernel fetch --help'\n");
	usage_error_is("kernel plugin --target", "cbpf kernel plugin --target: --target needs a "
						 "value\ntry 'cbpf kernel plugin --target --help'\n");
	snprintf(args, sizeof(args), "kernel run %s 'ff ff'", path);
	usage_error_is(args, "cbpf kernel run: packet 'ff ff': a blank at position 2 is not a hex "
			     "digit\n" TRY_RUN);
	if (kc_packet_unavailable() == NULL) {
		/* a frame lo cannot carry: the minimum, not EMSGSIZE and status 0 */
		snprintf(args, sizeof(args), "kernel run --via packet %s 0000", path);
		usage_error_is(args, "cbpf kernel run: --via packet: packet 1: a 2-byte frame is too "
				     "short: lo needs at least the 14-byte Ethernet header\n" TRY_RUN);
		snprintf(args, sizeof(args), "kernel run --via packet %s 0000000000000000000000000800 "
			 "00000000000000000000000081000014080000", path);
		usage_error_is(args, "cbpf kernel run: --via packet: packet 2: a 19-byte frame with "
				     "EtherType 0x8100 is too short: a VLAN-tagged frame needs at "
				     "least 20 bytes (header, tag, EtherType), the kernel drops it "
				     "before any AF_PACKET socket sees it\n" TRY_RUN);
		snprintf(args, sizeof(args), "kernel run --via packet --mark 3 %s "
			 "0000000000000000000000000800", path);
		CHECK_EQ(run(cmdf("%s %s", args), args, sizeof(args)), 0);
	}
	unlink(path);
}

/* The value after "KEY: " on the line starting with "  KEY: ", up to two
 * blanks or the end of the line. */
static int line_value(const char *out, const char *key, char *val, size_t cap)
{
	char pat[32];
	const char *p, *e;

	snprintf(pat, sizeof(pat), "\n  %s: ", key);
	p = strstr(out, pat);
	if (p == NULL)
		return -1;
	p += strlen(pat);
	e = strstr(p, "  ");
	if (e == NULL || strchr(p, '\n') < e)
		e = strchr(p, '\n');
	if (e == NULL || (size_t)(e - p) >= cap)
		return -1;
	memcpy(val, p, (size_t)(e - p));
	val[e - p] = '\0';
	return 0;
}

/* Issue 16: an 802.1Q frame on --via packet. The kernel moves the tag into
 * the skb, so the program sees 56 of the 60 bytes; the verdicts are exact
 * for that, -v reports that context and those bytes, and `cbpf run` on
 * them prints the same line. */
static void test_packet_vlan(void)
{
	static const char *const progs[] = {
		"ld #1000\nret a\n", "ret #1000\n", "ld len\nret a\n", "ld vlan_avail\nret a\n",
		"ld vlan_tci\nret a\n", "ld vlan_tpid\nret a\n", "ldh [12]\nret a\n",
		"ld proto\nret a\n", "ld #56\nret a\n", "ld #59\nret a\n",
	};
	static const char *const want[] = { "1000\n", "1000\n", "56\n", "1\n", "20\n", "33024\n",
					    "2048\n", "2048\n", "56\n", "59\n" };
	const char *path = scratch("vlan");
	const char *frame = "020000000002020000000001810000140800"
			    "000000000000000000000000000000000000000000000000000000000000000000000000"
			    "000000000000";
	const char *seen = "0200000000020200000000010800"
			   "000000000000000000000000000000000000000000000000000000000000000000000000"
			   "000000000000";
	char out[8192], cmd[8192], ctx[2048], got[256], fr[256];

	if (kc_packet_unavailable() != NULL)
		return;
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		put_program(path, progs[i]);
		snprintf(cmd, sizeof(cmd), "%s kernel run --via packet %s %s", bin, path, frame);
		CHECK_EQ(run(cmd, out, sizeof(out)), 0);
		CHECK_STR(out, want[i]);
		snprintf(cmd, sizeof(cmd), "%s kernel run -v --via packet %s %s", bin, path, frame);
		CHECK_EQ(run(cmd, out, sizeof(out)), 0);
		CHECK(strncmp(out, want[i], strlen(want[i])) == 0);
		CHECK_EQ(line_value(out, "ctx", ctx, sizeof(ctx)), 0);
		CHECK_EQ(line_value(out, "frame", fr, sizeof(fr)), 0);
		CHECK_STR(fr, seen);
		CHECK(strncmp(ctx, "{\"len\":56,\"protocol\":2048,", strlen("{'len':56,'protocol':2048,")) == 0);
		CHECK(strstr(ctx, "\"vlan_tci\":20,\"vlan_avail\":1,\"vlan_tpid\":33024,") != NULL);
		CHECK(strstr(ctx, "\"net_off\":14,\"mac_off\":0,") != NULL);
		CHECK(strstr(out, "(the kernel moved the VLAN tag at bytes 12..15 into the skb)\n"));
		/* the replay */
		snprintf(cmd, sizeof(cmd), "%s run --ctx-json '%s' %s %s", bin, ctx, path, fr);
		CHECK_EQ(run(cmd, got, sizeof(got)), 0);
		CHECK_STR(got, want[i]);
	}
	unlink(path);
}

/* The kernel plugin on the packet hook: a request ctx's VLAN tag goes on
 * the wire (the program sees the packet as given, with the tag), and a
 * packet that loses a tag gets "frame", the bytes the program saw. */
static void test_plugin_vlan(void)
{
	char out[16384], cmd[4096];

	if (kc_packet_unavailable() != NULL)
		return;
	snprintf(cmd, sizeof(cmd),
		 "printf '%%s\\n' "
		 "'{\"id\":1,\"profile\":\"linux\",\"program\":[[32,0,0,4294963244],[22,0,0,0]],"
		 "\"packets\":[\"0200000000020200000000010800abcd\"],"
		 "\"ctx\":{\"vlan_avail\":1,\"vlan_tci\":20,\"vlan_tpid\":34984}}' "
		 "'{\"id\":2,\"profile\":\"linux\",\"program\":[[128,0,0,0],[22,0,0,0]],"
		 "\"packets\":[\"02000000000202000000000181000014080000000000\"]}' "
		 "'{\"id\":3,\"profile\":\"linux\",\"program\":[[6,0,0,1]],"
		 "\"packets\":[\"0200000000020200000000010800abcd\"],"
		 "\"ctx\":{\"vlan_avail\":1,\"vlan_tpid\":37120}}' "
		 "| %s kernel plugin --via packet", bin);
	CHECK_EQ(run(cmd, out, sizeof(out)), 0);
	CHECK(strstr(out, "{\"id\":1,\"load\":\"ok\",\"results\":[{\"verdict\":20,"
			  "\"abort\":null,\"exact\":true,\"ctx\":{\"len\":16,") != NULL);
	CHECK(strstr(out, "\"vlan_tci\":20,\"vlan_avail\":1,\"vlan_tpid\":34984,") != NULL);
	CHECK(strstr(out, "{\"id\":2,\"load\":\"ok\",\"results\":[{\"verdict\":18,") != NULL);
	CHECK(strstr(out, "\"frame\":\"020000000002020000000001080000000000\"}") != NULL);
	CHECK(strstr(out, "{\"id\":3,\"load\":\"error\",\"reason\":\"ctx: vlan_tpid 0x9100: the "
			  "kernel moves only 802.1Q (0x8100) and 802.1ad (0x88a8) tags into the "
			  "skb\"") != NULL);
	/* only request 2 lost a tag */
	CHECK(strstr(out, "\"frame\"") == strstr(out, "\"frame\":\"0200000000020200000000010800"
							"00000000\""));
}

/* `cbpf run` and `cbpf kernel run` print the same lines when they agree,
 * so diff is empty (issue 16): the seccomp defaults (the host's arch),
 * actions, aborts of each kind, inputs given the same way. */
static void test_run_diff(void)
{
	static const struct {
		const char *prog, *run, *kernel, *want;
	} cases[] = {
		{ "ld [4]\njne #0xc000003e, kill\nret #0x7fff0000\nkill: ret #0\n",
		  "--profile seccomp %s --seccomp nr=1 --seccomp nr=write,arch=x86_64",
		  "--via seccomp %s nr=1 nr=write,arch=x86_64", "0x7fff0000 ALLOW\n0x7fff0000 ALLOW\n" },
		{ "ld [0]\njeq #39, errno\nret #0x7fff0000\nerrno: ret #0x50001\n",
		  "--profile seccomp %s --seccomp nr=getpid --seccomp nr=0",
		  "--via seccomp %s nr=getpid nr=0", "0x00050001 ERRNO(1)\n0x7fff0000 ALLOW\n" },
		{ "ld [16]\ndiv x\nret a\n", "--profile seccomp %s --seccomp args=7",
		  "--via seccomp %s args=7", "0x00000000 KILL_THREAD (abort: div0)\n" },
		{ "ldb [100]\nret #1\n", "%s 00 0000", "%s 00 0000", "0 (abort: load)\n0 (abort: load)\n" },
		{ "ld #len\ntax\nld #7\ndiv x\nret a\n", "%s '' 01", "%s '' 01",
		  "0 (abort: div0)\n7\n" },
		{ "ld #5\nneg\nret a\n", "%s 00", "%s 00", "4294967291\n" },
	};
	const char *path = scratch("diff");
	char out[4096], cmd[1024], fmt[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		put_program(path, cases[i].prog);
		snprintf(fmt, sizeof(fmt), "%%s run %s", cases[i].run);
		snprintf(cmd, sizeof(cmd), fmt, bin, path);
		CHECK_EQ(run(cmd, out, sizeof(out)), 0);
		CHECK_STR(out, cases[i].want);
		snprintf(fmt, sizeof(fmt), "%%s kernel run %s", cases[i].kernel);
		snprintf(cmd, sizeof(cmd), fmt, bin, path);
		CHECK_EQ(run(cmd, out, sizeof(out)), 0);
		CHECK_STR(out, cases[i].want);
	}
	/* a program that can abort both ways: the kernel cannot say which */
	put_program(path, "ldb [0]\ntax\nld #7\ndiv x\nret a\n");
	CHECK_EQ(run(cmdf("%s kernel run %s 00", path), out, sizeof(out)), 0);
	CHECK_STR(out, "0 (abort: load or div0)\n");
	/* what the kernel cannot be told is refused, not ignored */
	put_program(path, "ret #0x7fff0000\n");
	CHECK_EQ(run(cmdf("%s kernel run --via seccomp %s arch=i386 2>&1 | head -1", path), out,
		     sizeof(out)), 0);
	CHECK_STR(out, "cbpf kernel run: seccomp input 'arch=i386': arch cannot be chosen: the kernel "
		       "reports x86_64 (0xc000003e) for this program's syscalls\n");
	CHECK_EQ(run(cmdf("%s kernel run --via seccomp %s ip=1 2>&1 | head -1", path), out,
		     sizeof(out)), 0);
	CHECK_STR(out, "cbpf kernel run: seccomp input 'ip=1': ip cannot be chosen: the kernel reports "
		       "where the syscall instruction is (-v shows it)\n");
	CHECK_EQ(run(cmdf("%s kernel run --via seccomp %s nr=nosuch 2>&1 | head -1", path), out,
		     sizeof(out)), 0);
	CHECK_STR(out, "cbpf kernel run: seccomp input 'nr=nosuch': nr: 'nosuch' is not a syscall of x86_64\n");
	CHECK_EQ(run(cmdf("%s kernel run %s 'ff ff' 2>&1 | head -1", path), out, sizeof(out)), 0);
	CHECK_STR(out, "cbpf kernel run: packet 'ff ff': a blank at position 2 is not a hex digit\n");
	unlink(path);
}

static void test_plugin(void)
{
	char out[16384], cmd[4096];

	snprintf(cmd, sizeof(cmd),
		 "printf '%%s\\n' "
		 "'{\"id\":1,\"profile\":\"linux\",\"program\":[[0,0,0,5],[132,0,0,0],[22,0,0,0]],\"packets\":[\"00\"]}' "
		 "'{\"id\":2,\"profile\":\"linux\",\"program\":[[48,0,0,100],[6,0,0,1]],\"packets\":[\"00\",\"\"]}' "
		 "'{\"id\":3,\"profile\":\"linux\",\"program\":[[100,0,0,32],[22,0,0,0]],\"packets\":[\"00\"]}' "
		 "'{\"id\":4,\"profile\":\"seccomp\",\"program\":[[32,0,0,0],[22,0,0,0]],\"seccomp_data\":[{\"nr\":39}]}' "
		 "| %s kernel plugin", bin);
	CHECK_EQ(run(cmd, out, sizeof(out)), 0);
	CHECK(strstr(out, "{\"id\":1,\"load\":\"ok\",\"results\":[{\"verdict\":4294967291,\"abort\":null,"
			  "\"exact\":true,\"ctx\":{") != NULL);
	CHECK(strstr(out, "\"env\":{\"release\":") != NULL);
	CHECK(strstr(out, "\"env\":{\"release\":") == strstr(out, "\"env\":")); /* once */
	CHECK(strstr(strstr(out, "\"env\":") + 1, "\"env\":") == NULL);
	CHECK(strstr(out, "{\"id\":2,\"load\":\"ok\",\"results\":[{\"verdict\":0,\"abort\":\"abort\","
			  "\"exact\":true") != NULL);
	CHECK(strstr(out, "{\"id\":3,\"load\":\"rejected\",\"errno\":\"EINVAL\"") != NULL);
	CHECK(strstr(out, "{\"id\":4,\"load\":\"ok\",\"results\":[{\"verdict\":39,\"abort\":null,"
			  "\"exact\":true,\"seccomp_data\":{\"nr\":39,\"arch\":3221225534,\"ip\":") != NULL);
}

int main(void)
{
	bin = getenv("CBPF_BIN");
	if (bin == NULL || access(bin, X_OK) != 0) {
		fprintf(stderr, "skip: CBPF_BIN is not set to the built cbpf\n");
		return CHECK_SKIP;
	}
	test_help();
	test_env();
	test_run();
	test_run_diff();
	test_usage_errors();
	test_packet_vlan();
	test_plugin();
	test_plugin_vlan();
	return CHECK_DONE();
}
