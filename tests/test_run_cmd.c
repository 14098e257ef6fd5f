/*
 * test_run_cmd.c - `cbpf run` end to end through CBPF_BIN.
 *
 * First the documentation: every `$ command` in the console blocks of
 * README.md's "Examples people start from" (the one copy of the examples),
 * docs/plugin-protocol.md and docs/seccomp-input.md is run in a scratch
 * directory, and its output (stdout and stderr) must be
 * exactly the text that follows it, so the examples cannot rot. Then the
 * command's other behaviour: inputs in order, contexts, seccomp, pcap files,
 * and every error with its exit status.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "strbuf.h"

static char scratch[] = "/tmp/cbpf-test-run-XXXXXX";

/* Run cmd (sh syntax; `cbpf` is CBPF_BIN) in the scratch directory;
 * returns the merged output and sets *status to the exit status. */
static char *sh(const char *cmd, int *status)
{
	struct strbuf b = { 0 };
	char buf[4096];
	size_t n;
	FILE *p;

	sb_printf(&b, "cd '%s' && cbpf() { \"$CBPF_BIN\" \"$@\"; } && (\n%s\n) 2>&1", scratch, cmd);
	char *full = sb_finish(&b, NULL);
	p = popen(full, "r");
	free(full);
	if (p == NULL) {
		*status = -1;
		return strdup("popen failed");
	}
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		sb_putn(&b, buf, n);
	int st = pclose(p);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	char *out = sb_finish(&b, NULL);
	return out ? out : strdup("");
}

/* Run and compare output and status exactly. */
static void expect(const char *cmd, const char *want, int want_status)
{
	int status;
	char *got = sh(cmd, &status);

	CHECK_STR(got, want);
	CHECK_EQ(status, want_status);
	if (strcmp(got, want) != 0 || status != want_status)
		fprintf(stderr, "  command: %s\n", cmd);
	free(got);
}

/* ---- the documented examples ---- */

struct doc_command {
	char *cmd;     /* the command, continuation lines joined with '\n' */
	char *output;  /* the text shown after it */
};

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct strbuf b = { 0 };
	char buf[4096];
	size_t n;

	if (f == NULL)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sb_putn(&b, buf, n);
	fclose(f);
	return sb_finish(&b, NULL);
}

/* The commands of every ```console block in text: "$ " starts a command,
 * "> " lines continue it, the other lines up to the next command or the
 * closing fence are its output. */
static size_t parse_doc(const char *text, struct doc_command *cmds, size_t max)
{
	size_t n = 0;
	bool in_block = false;
	struct strbuf cmd = { 0 }, out = { 0 };
	bool have = false;
	const char *line = text;

	while (line != NULL && *line != '\0') {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		bool fence = len >= 3 && strncmp(line, "```", 3) == 0;
		bool close_cmd = fence || (in_block && len >= 2 && strncmp(line, "$ ", 2) == 0);
		if (in_block && have && close_cmd) {
			if (n < max) {
				cmds[n].cmd = sb_finish(&cmd, NULL);
				cmds[n].output = sb_finish(&out, NULL);
				n++;
			}
			have = false;
		}
		if (fence) {
			in_block = !in_block && strncmp(line, "```console", 10) == 0;
		} else if (in_block && len >= 2 && strncmp(line, "$ ", 2) == 0) {
			sb_putn(&cmd, line + 2, len - 2);
			have = true;
		} else if (in_block && have && len >= 2 && strncmp(line, "> ", 2) == 0 &&
			   out.len == 0) {
			sb_putc(&cmd, '\n');
			sb_putn(&cmd, line + 2, len - 2);
		} else if (in_block && have) {
			sb_putn(&out, line, len);
			sb_putc(&out, '\n');
		}
		line = nl ? nl + 1 : NULL;
	}
	free(sb_finish(&cmd, NULL));
	free(sb_finish(&out, NULL));
	return n;
}

/* Commands whose exit status is not 0. */
static int doc_status(const char *cmd)
{
	if (strstr(cmd, "cbpf seccomp data nr=nosuch") != NULL ||
	    strstr(cmd, "--policy typo.json") != NULL ||
	    strstr(cmd, "--caps SYS_BOOT,CAP_SYS_ADMN") != NULL)
		return 2;
	return strstr(cmd, "cbpf run shift.bpf") != NULL ? 1 : 0;
}

static size_t run_doc(const char *path, const char *section)
{
	struct doc_command cmds[64];
	char *text = read_file(path);
	size_t n;

	if (text == NULL)
		return 0;
	const char *from = section ? strstr(text, section) : text;
	if (from == NULL) {
		free(text);
		return 0;
	}
	/* a section ends at the next "\n## " heading */
	char *end = section ? strstr(from + 1, "\n## ") : NULL;
	if (end != NULL)
		end[1] = '\0';
	n = parse_doc(from, cmds, 64);
	for (size_t i = 0; i < n; i++) {
		expect(cmds[i].cmd, cmds[i].output, doc_status(cmds[i].cmd));
		free(cmds[i].cmd);
		free(cmds[i].output);
	}
	free(text);
	return n;
}

/* The two classic filters must stay in the examples, with these results. */
static void test_doc_has_the_classics(const char *path)
{
	char *text = read_file(path);

	CHECK(text != NULL);
	if (text == NULL)
		return;
	CHECK(strstr(text, "> ldh [12]") != NULL);
	CHECK(strstr(text, "> jne #0x806, drop") != NULL);
	CHECK(strstr(text, "> ld rand") != NULL);
	CHECK(strstr(text, "> jge #42949673, drop") != NULL);
	CHECK(strstr(text, "$ cbpf run sample.bpf --ctx random=42949672 ffffffffffff0200000000010800\n"
			   "4096\n") != NULL);
	CHECK(strstr(text, "$ cbpf run sample.bpf --ctx random=42949673 ffffffffffff0200000000010800\n"
			   "0\n") != NULL);
	CHECK(strstr(text, "$ cbpf run arp.bpf 0102\n0 (abort: load)\n") != NULL);
	free(text);
}

static void test_docs(void)
{
	const char *src = getenv("CBPF_SRC");
	char path[4096];

	snprintf(path, sizeof(path), "%s/README.md", src ? src : ".");
	test_doc_has_the_classics(path);
	/* every command of README.md's examples was found and run */
	CHECK_EQ(run_doc(path, "## Examples people start from"), 17);
	/* the protocol's examples */
	snprintf(path, sizeof(path), "%s/docs/plugin-protocol.md", src ? src : ".");
	CHECK_EQ(run_doc(path, NULL), 2);
	/* the seccomp syntax and output */
	snprintf(path, sizeof(path), "%s/docs/seccomp-input.md", src ? src : ".");
	CHECK_EQ(run_doc(path, NULL), 17);
}

/* ---- the rest of `cbpf run` ---- */

static void test_inputs_and_ctx(void)
{
	expect("printf 'ld #len\\nret a\\n' > len.bpf && cbpf run len.bpf '' 00 0000", "0\n1\n2\n", 0);
	/* the context: len, a device, JSON, the last value wins */
	expect("cbpf run len.bpf --ctx len=1000 00", "1000\n", 0);
	expect("cbpf run --ctx-json '{\"len\":7}' len.bpf --ctx len=9 00", "9\n", 0);
	expect("cbpf run --ctx len=9 --ctx-json '{\"len\":7}' len.bpf 00", "7\n", 0);
	expect("printf 'ld #77\\nld ifidx\\nret a\\n' > ifidx.bpf && cbpf run ifidx.bpf 00", "77 (abort: nodev)\n", 0);
	expect("cbpf run ifidx.bpf --ctx dev.ifindex=2 00", "2\n", 0);
	expect("cbpf run ifidx.bpf --ctx-json '{\"dev\":{\"ifindex\":5,\"type\":1}}' --ctx=dev=null 00",
	       "77 (abort: nodev)\n", 0);
	/* div by X == 0 ends the program returning 0 */
	expect("printf 'ld #7\\ndiv x\\nret #9\\n' > div.bpf && cbpf run div.bpf 00", "0 (abort: div0)\n", 0);
	/* every format is detected: JSON and raw here */
	expect("echo '[[6,0,0,5]]' > five.json && cbpf run five.json 00", "5\n", 0);
	expect("printf '\\006\\000\\000\\000\\011\\000\\000\\000' > nine.raw && cbpf run -f raw nine.raw 00",
	       "9\n", 0);
	expect("cbpf run --format=json five.json 00", "5\n", 0);
	/* no packets: nothing to print */
	expect("cbpf run five.json", "", 0);
	/* after --, a leading dash is a file name */
	expect("cp five.json ./-x && cbpf run -- -x 00", "5\n", 0);
}

static void test_seccomp(void)
{
	/* ld [0] is nr, ld [4] is arch (host byte order); results print as
	 * the return value and the action */
	expect("printf 'ld [0]\\njeq #59, kill\\nret #0x7fff0000\\nkill: ret #0\\n' > sc.bpf && "
	       "cbpf run --profile seccomp sc.bpf --seccomp nr=59,arch=x86_64 --seccomp nr=1 "
	       "--seccomp nr=execve",
	       "0x00000000 KILL_THREAD\n0x7fff0000 ALLOW\n0x00000000 KILL_THREAD\n", 0);
	/* issue 16: arch defaults to the host's AUDIT_ARCH (as the kernel's), not 0 */
	expect("printf 'ld [4]\\njne #0xc000003e, kill\\nret #0x7fff0000\\nkill: ret #0\\n' > x86.bpf && "
	       "cbpf run --profile seccomp x86.bpf --seccomp nr=1 --seccomp '' --seccomp arch=i386",
	       "0x7fff0000 ALLOW\n0x7fff0000 ALLOW\n0x00000000 KILL_THREAD\n", 0);
	expect("printf 'ld [4]\\nret a\\n' > arch.bpf && cbpf run --profile=seccomp arch.bpf "
	       "--seccomp arch=x86_64 --seccomp arch=0x40000003 --seccomp arch=aarch64 --seccomp nr=1",
	       "0xc000003e KILL_PROCESS\n0x40000003 KILL_PROCESS\n0xc00000b7 KILL_PROCESS\n"
	       "0xc000003e KILL_PROCESS\n", 0);
	/* args, high word of args[5]; nr may be negative; fields in any order, blanks around */
	expect("printf 'ld [60]\\nret a\\n' > a5.bpf && cbpf run --profile seccomp a5.bpf "
	       "--seccomp args=0:0:0:0:0:0x0123456789abcdef --seccomp nr=-1 "
	       "--seccomp 'args=1:2:3:4:5:0x7fff000000000000 , nr=2'",
	       "0x01234567 KILL_PROCESS\n0x00000000 KILL_THREAD\n0x7fff0000 ALLOW\n", 0);
	/* nr is an int: negatives and their u32 spellings agree; no octal; names
	 * of the record's arch */
	expect("printf 'ld [0]\\nret a\\n' > nr.bpf && cbpf run --profile seccomp nr.bpf --seccomp nr=-1 "
	       "--seccomp nr=0xffffffff --seccomp nr=-2147483648 --seccomp nr=010 --seccomp nr=4294967295 "
	       "--seccomp nr=write --seccomp arch=i386,nr=write --seccomp nr=0x50001",
	       "0xffffffff KILL_PROCESS\n0xffffffff KILL_PROCESS\n0x80000000 KILL_PROCESS\n"
	       "0x0000000a KILL_THREAD\n0xffffffff KILL_PROCESS\n0x00000001 KILL_THREAD\n"
	       "0x00000004 KILL_THREAD\n0x00050001 ERRNO(1)\n", 0);
	static const char *const bad_specs[][2] = {
		{ "nr=-2147483649", "nr: expected a syscall name or a number -2147483648..4294967295, got '-2147483649'" },
		{ "nr=4294967296", "nr: expected a syscall name or a number -2147483648..4294967295, got '4294967296'" },
		{ "nr=-", "nr: expected a syscall name or a number -2147483648..4294967295, got '-'" },
		{ "nr=0x", "nr: expected a syscall name or a number -2147483648..4294967295, got '0x'" },
		{ "nr=+1", "nr: expected a syscall name or a number -2147483648..4294967295, got '+1'" },
		{ "nr=nosuch", "nr: 'nosuch' is not a syscall of x86_64" },
		{ "arch=arm,nr=read", "nr: 'read': syscall names are known for x86_64 and i386, not for arch arm = 0x40000028; give the number" },
		{ "args=1::2", "args: expected numbers 0..18446744073709551615 separated by ':', got '1::2'" },
		{ "args=1:2:3:4:5:6:7", "args: at most 6 values, got '1:2:3:4:5:6:7'" },
		{ "arch=-1", "arch: expected an arch name (x86_64, i386, aarch64, arm, riscv64, ...) or a number 0..4294967295, got '-1'" },
		{ "arch=0x100000000", "arch: expected an arch name (x86_64, i386, aarch64, arm, riscv64, ...) or a number 0..4294967295, got '0x100000000'" },
		{ "ip=18446744073709551616", "ip: expected a number 0..18446744073709551615, got '18446744073709551616'" },
		{ "nr", "expected KEY=VALUE (nr, arch, ip, args), got 'nr'" },
		{ "=1", "unknown field '' (nr, arch, ip, args)" },
		{ "sysno=1", "unknown field 'sysno' (nr, arch, ip, args)" },
		{ "nr=1,,arch=2", "an empty field (fields are KEY=VALUE separated by ',')" },
		{ "nr=1,nr=2", "'nr' given twice" },
		{ "nr=1 args=2", "nr: expected a syscall name or a number -2147483648..4294967295, got '1 args=2'" },
	};
	for (size_t i = 0; i < sizeof(bad_specs) / sizeof(bad_specs[0]); i++) {
		char cmd[256], want[512];
		snprintf(cmd, sizeof(cmd), "cbpf run --profile seccomp nr.bpf --seccomp '%s'", bad_specs[i][0]);
		snprintf(want, sizeof(want), "cbpf run: --seccomp '%s': %s\n(`cbpf run --help` for usage)\n",
			 bad_specs[i][0], bad_specs[i][1]);
		expect(cmd, want, 2);
	}
	expect("cbpf run --profile seccomp sc.bpf "
	       "3b000000000000000000000000000000000000000000000000000000000000000000000000000000"
	       "000000000000000000000000000000000000000000000000",
	       "0x00000000 KILL_THREAD\n", 0);
	/* ld #len is 64; seccomp refuses mod; a div by X = 0 is the only abort */
	expect("printf 'ld #len\\nret a\\n' > slen.bpf && cbpf run --profile seccomp slen.bpf --seccomp nr=0",
	       "0x00000040 KILL_THREAD\n", 0);
	expect("printf 'ld #5\\ndiv x\\nret a\\n' > sdiv.bpf && cbpf run --profile seccomp sdiv.bpf --seccomp nr=0",
	       "0x00000000 KILL_THREAD (abort: div0)\n", 0);
	expect("printf 'ld #9\\nmod #4\\nret a\\n' > mod.bpf && cbpf run --profile seccomp mod.bpf --seccomp nr=0",
	       "mod.bpf: insn 1: seccomp-opcode: opcode 0x94 (mod) is not allowed by seccomp (EINVAL)\n"
	       "mod.bpf: Linux would refuse this program (EINVAL)\n", 1);
	expect("cbpf run mod.bpf 00", "1\n", 0);
	/* seccomp input errors */
	expect("cbpf run --profile seccomp sc.bpf 3b000000",
	       "cbpf run: packet '3b000000': a seccomp_data record is 64 bytes (128 hex digits)\n"
	       "(`cbpf run --help` for usage)\n", 2);
	expect("cbpf run sc.bpf --seccomp nr=1",
	       "cbpf run: --seccomp 'nr=1' needs --profile seccomp\n(`cbpf run --help` for usage)\n", 2);
	expect("cbpf run --profile seccomp --ctx mark=1 sc.bpf",
	       "cbpf run: --ctx and --ctx-json are for profile linux (seccomp programs see only "
	       "seccomp_data)\n(`cbpf run --help` for usage)\n", 2);
}

/* `cbpf seccomp`: the records the other commands take, and actions. */
static void test_seccomp_cmd(void)
{
	expect("cbpf seccomp data nr=read,args=1:0x2 'arch=i386, nr=write, ip=0x10' ''",
	       "000000003e0000c0000000000000000001000000000000000200000000000000"
	       "0000000000000000000000000000000000000000000000000000000000000000"
	       " nr=0,arch=0xc000003e,ip=0,args=0x1:0x2:0:0:0:0 (read, x86_64)\n"
	       "0400000003000040100000000000000000000000000000000000000000000000"
	       "0000000000000000000000000000000000000000000000000000000000000000"
	       " nr=4,arch=0x40000003,ip=0x10,args=0:0:0:0:0:0 (write, i386)\n"
	       "000000003e0000c0000000000000000000000000000000000000000000000000"
	       "0000000000000000000000000000000000000000000000000000000000000000"
	       " nr=0,arch=0xc000003e,ip=0,args=0:0:0:0:0:0 (read, x86_64)\n", 0);
	/* the printed text reads back to the same record */
	expect("r=$(cbpf seccomp data nr=999,arch=0x1234,ip=0xffffffffffffffff,args=5 | cut -d' ' -f2) && "
	       "cbpf seccomp data \"$r\" | cut -d' ' -f2-",
	       "nr=999,arch=0x1234,ip=0xffffffffffffffff,args=0x5:0:0:0:0:0\n", 0);
	expect("cbpf seccomp data nr=1 nr=nosuch",
	       "010000003e0000c0000000000000000000000000000000000000000000000000"
	       "0000000000000000000000000000000000000000000000000000000000000000"
	       " nr=1,arch=0xc000003e,ip=0,args=0:0:0:0:0:0 (write, x86_64)\n"
	       "cbpf seccomp data: argument 2 'nr=nosuch': nr: 'nosuch' is not a syscall of x86_64\n", 2);
	expect("cbpf seccomp action ALLOW 'ERRNO(1)' errno 'trace(7)' TRAP 'TRAP(5)' kill "
	       "KILL_PROCESS LOG USER_NOTIF SECCOMP_RET_ALLOW 0x7ffc0000 2147418112 0x12345678 0x0005ffff",
	       "0x7fff0000 ALLOW\n0x00050001 ERRNO(1)\n0x00050000 ERRNO(0)\n0x7ff00007 TRACE(7)\n"
	       "0x00030000 TRAP\n0x00030005 TRAP(5)\n0x00000000 KILL_THREAD\n0x80000000 KILL_PROCESS\n"
	       "0x7ffc0000 LOG\n0x7fc00000 USER_NOTIF\n0x7fff0000 ALLOW\n0x7ffc0000 LOG\n"
	       "0x7fff0000 ALLOW\n0x12345678 KILL_PROCESS\n0x0005ffff ERRNO(65535)\n", 0);
	expect("cbpf seccomp action 'ALLOW(1)'",
	       "cbpf seccomp action: argument 1 'ALLOW(1)': ALLOW takes no data\n", 2);
	expect("cbpf seccomp action 'ERRNO(65536)'",
	       "cbpf seccomp action: argument 1 'ERRNO(65536)': the data in (...) is a number 0..65535\n", 2);
	expect("cbpf seccomp action 'ERRNO(1' 2>&1 | cut -c1-60",
	       "cbpf seccomp action: argument 1 'ERRNO(1': the data in (...)\n", 0);
	expect("cbpf seccomp action ALOW 0x100000000 2>&1",
	       "cbpf seccomp action: argument 1 'ALOW': not a number or an action (KILL_PROCESS, "
	       "KILL_THREAD, TRAP, ERRNO(n), USER_NOTIF, TRACE(n), LOG, ALLOW)\n", 2);
	expect("cbpf seccomp --help | head -2", "usage: cbpf seccomp data SPEC...\n"
	       "       cbpf seccomp action VALUE...\n", 0);
	expect("cbpf seccomp 2>&1 | head -1", "cbpf seccomp: which subcommand? data or action\n", 0);
}

/* A pcap file written with libpcap's layout by printf: 24-byte header,
 * records of 16 bytes + data (little-endian). */
static void test_pcap(void)
{
	const char *make =
		"{ printf '\\324\\303\\262\\241\\002\\000\\004\\000\\000\\000\\000\\000\\000\\000\\000\\000"
		"\\377\\377\\000\\000\\001\\000\\000\\000';"
		"  printf '\\001\\000\\000\\000\\000\\000\\000\\000\\016\\000\\000\\000\\074\\000\\000\\000';"
		"  printf '\\377\\377\\377\\377\\377\\377\\002\\000\\000\\000\\000\\001\\010\\006';"
		"  printf '\\002\\000\\000\\000\\000\\000\\000\\000\\016\\000\\000\\000\\016\\000\\000\\000';"
		"  printf '\\377\\377\\377\\377\\377\\377\\002\\000\\000\\000\\000\\001\\010\\000';"
		"  printf '\\003\\000\\000\\000\\000\\000\\000\\000\\002\\000\\000\\000\\002\\000\\000\\000\\001\\002';"
		"} > three.pcap";
	expect(make, "", 0);
	expect("printf 'ldh [12]\\njne #0x806, drop\\nret #4096\\ndrop: ret #0\\n' > arp.bpf && "
	       "cbpf run arp.bpf --pcap three.pcap",
	       "4096\n0\n0 (abort: load)\n", 0);
	/* inputs run in the order given */
	expect("cbpf run arp.bpf 0000000000000000000000000806 --pcap=three.pcap 00",
	       "4096\n4096\n0\n0 (abort: load)\n0 (abort: load)\n", 0);
	/* ld #len is the captured length (the first record has len 60) */
	expect("printf 'ld #len\\nret a\\n' > len.bpf && cbpf run len.bpf --pcap three.pcap", "14\n14\n2\n", 0);
	/* truncated: the good records print, then the error names the offset */
	expect("head -c 100 three.pcap > cut.pcap && cbpf run arp.bpf --pcap cut.pcap",
	       "4096\n0\ncbpf: cut.pcap: offset 100: truncated packet data (0 of 2 bytes)\n", 2);
	expect("head -c 90 three.pcap > cut.pcap && cbpf run arp.bpf --pcap cut.pcap",
	       "4096\n0\ncbpf: cut.pcap: offset 84: truncated record header (6 of 16 bytes)\n", 2);
	expect("printf '\\012\\015\\015\\012' > ng.pcap && cbpf run arp.bpf --pcap ng.pcap",
	       "cbpf: ng.pcap: offset 0: this is a pcapng file, which is not supported; convert it "
	       "with `editcap -F pcap IN OUT` or `tcpdump -r IN -w OUT`\n", 2);
	expect("cbpf run arp.bpf --pcap missing.pcap",
	       "cbpf: missing.pcap: No such file or directory\n", 2);
	expect("cbpf run --profile seccomp arp.bpf --pcap three.pcap",
	       "cbpf run: --pcap 'three.pcap' is for profile linux\n(`cbpf run --help` for usage)\n", 2);
}

static void test_errors(void)
{
	expect("cbpf run", "cbpf run: no program FILE (or -e EXPRESSION or --policy FILE) given\n(`cbpf run --help` for usage)\n", 2);
	expect("cbpf run --bogus x", "cbpf run: unknown option '--bogus'\n(`cbpf run --help` for usage)\n", 2);
	expect("cbpf run --ctx", "cbpf run: --ctx needs a value\n(`cbpf run --help` for usage)\n", 2);
	expect("cbpf run -f nope x", "cbpf run: unknown format 'nope'\n(`cbpf run --help` for usage)\n", 2);
	expect("cbpf run --profile bsd x",
	       "cbpf run: unknown profile 'bsd' (linux or seccomp)\n(`cbpf run --help` for usage)\n", 2);
	expect("cbpf run nofile.bpf 00", "cbpf: nofile.bpf: No such file or directory\n", 2);
	expect("echo '[[6,0,0,5]]' > five.json && cbpf run five.json 0", 
	       "cbpf run: packet '0': odd number of hex digits (1)\n(`cbpf run --help` for usage)\n", 2);
	expect("cbpf run five.json zz",
	       "cbpf run: packet 'zz': 'z' at position 0 is not a hex digit\n(`cbpf run --help` for usage)\n", 2);
	/* a character that is not a digit is named before the count is */
	expect("cbpf run five.json 'ff ff'",
	       "cbpf run: packet 'ff ff': a blank at position 2 is not a hex digit\n"
	       "(`cbpf run --help` for usage)\n", 2);
	expect("cbpf run five.json 'fff:'",
	       "cbpf run: packet 'fff:': ':' at position 3 is not a hex digit\n"
	       "(`cbpf run --help` for usage)\n", 2);
	expect("cbpf run five.json --ctx pkttype=8 00", "cbpf run: --ctx 'pkttype=8': pkttype: 8 is out of range 0..7\n", 2);
	expect("cbpf run five.json --ctx-json '{\"x\":1}' 00", "cbpf run: --ctx-json '{\"x\":1}': unknown key \"x\"\n", 2);
	expect("cbpf run five.json --ctx-json '{' 00",
	       "cbpf run: --ctx-json '{': col 2: unexpected end of input, expected a string key\n", 2);
	/* a program that does not parse: the diagnostic names the place */
	expect("printf 'ld [12]\\nfoo\\nret a\\n' > bad.bpf && cbpf run -f bpfasm bad.bpf 00 2>&1 | cut -d: -f1,2",
	       "bad.bpf:2\n", 0);
	expect("cbpf run -f bpfasm bad.bpf 00 >/dev/null 2>&1; echo $?", "2\n", 0);
	/* rejected: every problem (in the kernel's checking order), then the errno */
	expect("printf 'ld M[3]\\nrsh #40\\n' > two.bpf && cbpf run two.bpf 00",
	       "two.bpf: insn 1: shift-range: rsh #40 shifts by 32 or more (EINVAL)\n"
	       "two.bpf: insn 1: last-ret: the last instruction (code 0x74) is not ret #k or ret a (EINVAL)\n"
	       "two.bpf: insn 0: scratch-uninit: ld M[3] may be read before it is written (EINVAL)\n"
	       "two.bpf: Linux would refuse this program (EINVAL)\n", 1);
	/* --help documents everything and succeeds */
	expect("cbpf run --help | grep -c -e '--ctx KEY=VALUE' -e '--ctx-json' -e '--pcap' -e '--seccomp' "
	       "-e '--profile' -e 'abort: KIND' -e 'Exit status' -e '--expression'", "12\n", 0);
}

/* A classic pcap file (little-endian, microseconds, Ethernet) of nrec
 * records of 1514 bytes each. */
static int write_pcap(const char *path, long nrec)
{
	static const uint32_t hdr[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1 };
	static uint8_t rec[16 + 1514];
	FILE *f = fopen(path, "wb");
	uint32_t *rh = (uint32_t *)(void *)rec;

	if (f == NULL)
		return -1;
	fwrite(hdr, sizeof(hdr), 1, f);
	rh[2] = rh[3] = 1514;
	for (size_t i = 16; i < sizeof(rec); i++)
		rec[i] = (uint8_t)i;
	for (long i = 0; i < nrec; i++) {
		rh[0] = (uint32_t)i;
		fwrite(rec, sizeof(rec), 1, f);
	}
	return fclose(f);
}

/* `cbpf run one.bpf --pcap path > out` in the scratch directory: its peak
 * resident set in KiB (-1 when it did not exit 0) and out's size. */
static long run_pcap_peak(const char *path, long *out_bytes)
{
	char out[512];
	struct rusage ru;
	int st;
	pid_t pid;

	snprintf(out, sizeof(out), "%s/out.txt", scratch);
	pid = fork();
	if (pid == 0) {
		char prog[512];
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		snprintf(prog, sizeof(prog), "%s/one.bpf", scratch);
		if (fd < 0 || dup2(fd, 1) < 0)
			_exit(126);
		execl(getenv("CBPF_BIN"), "cbpf", "run", prog, "--pcap", path, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || wait4(pid, &st, 0, &ru) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	FILE *f = fopen(out, "rb");
	*out_bytes = -1;
	if (f != NULL && fseek(f, 0, SEEK_END) == 0)
		*out_bytes = ftell(f);
	if (f != NULL)
		fclose(f);
	return ru.ru_maxrss;
}

/*
 * `cbpf run --pcap` streams: over a 64 MiB file (44,000 records) its peak
 * resident set is within 8 MiB of the peak over a one-record file (it
 * holds one record at a time, never the file), and every record gets its
 * verdict line. (bench/README.md measures a 1 GB file.)
 */
static void test_pcap_streams(void)
{
	char small[512], big[512], prog[512];
	long nbig = 44000, small_out, big_out, small_kib, big_kib;
	FILE *f;

	snprintf(small, sizeof(small), "%s/small.pcap", scratch);
	snprintf(big, sizeof(big), "%s/big.pcap", scratch);
	snprintf(prog, sizeof(prog), "%s/one.bpf", scratch);
	f = fopen(prog, "w");
	CHECK(f != NULL && fputs("ret #1\n", f) >= 0 && fclose(f) == 0);
	CHECK_EQ(write_pcap(small, 1), 0);
	CHECK_EQ(write_pcap(big, nbig), 0);
	small_kib = run_pcap_peak(small, &small_out);
	big_kib = run_pcap_peak(big, &big_out);
	CHECK(small_kib > 0);
	CHECK(big_kib > 0);
	CHECK_EQ(small_out, 2);
	CHECK_EQ(big_out, 2 * nbig); /* "1\n" per record */
	if (big_kib - small_kib >= 8 * 1024)
		CHECK_REPORT_("--pcap over 64 MiB: peak %ld KiB, over one record %ld KiB "
			      "(bound: 8 MiB more)\n", big_kib, small_kib);
	unlink(small);
	unlink(big);
}

int main(void)
{
	if (getenv("CBPF_BIN") == NULL) {
		fprintf(stderr, "CBPF_BIN not set\n");
		return CHECK_SKIP;
	}
	if (mkdtemp(scratch) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_docs();
	test_inputs_and_ctx();
	test_seccomp();
	test_seccomp_cmd();
	test_pcap();
	test_pcap_streams();
	test_errors();
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", scratch);
	return CHECK_DONE();
}
