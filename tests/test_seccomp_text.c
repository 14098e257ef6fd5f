/*
 * test_seccomp_text.c - seccomp's words as text (cbpf/seccomp.h): the one
 * seccomp_data syntax (defaults, every field, names, errors), its
 * canonical form reading back to the same record for random records, the
 * arch and syscall tables, and action words both ways for every action.
 */
#include "check.h"

#include <linux/audit.h>
#include <linux/seccomp.h>

#include "cbpf/seccomp.h"
#include "rng.h"

static struct ts_rng rng = { 0x9e3779b97f4a7c15ull };

static bool same_sd(const struct cbpf_seccomp_data *a, const struct cbpf_seccomp_data *b)
{
	if (a->nr != b->nr || a->arch != b->arch || a->instruction_pointer != b->instruction_pointer)
		return false;
	for (int i = 0; i < 6; i++)
		if (a->args[i] != b->args[i])
			return false;
	return true;
}

/* "OK nr=..." (the canonical text) or "ERR why". */
static const char *parsed(const char *text)
{
	static char out[512];
	struct cbpf_seccomp_data sd;
	struct cbpf_diag why;

	if (cbpf_seccomp_data_parse(text, strlen(text), &sd, NULL, &why) != 0) {
		snprintf(out, sizeof(out), "ERR %s", why.msg);
		return out;
	}
	memcpy(out, "OK ", 3);
	cbpf_seccomp_data_format(&sd, out + 3, sizeof(out) - 3);
	return out;
}

static void test_host_arch(void)
{
#if defined(__x86_64__)
	CHECK_EQ(cbpf_seccomp_host_arch(), AUDIT_ARCH_X86_64);
#elif defined(__i386__)
	CHECK_EQ(cbpf_seccomp_host_arch(), AUDIT_ARCH_I386);
#elif defined(__aarch64__)
	CHECK_EQ(cbpf_seccomp_host_arch(), AUDIT_ARCH_AARCH64);
#endif
	CHECK(cbpf_seccomp_host_arch() != 0);
}

static void test_syntax(void)
{
	unsigned given = 99;
	struct cbpf_seccomp_data sd;
	struct cbpf_diag why;

	/* the defaults: the host's arch, the rest 0 */
	CHECK_EQ(cbpf_seccomp_data_parse("", 0, &sd, &given, &why), 0);
	CHECK_EQ(given, 0);
	CHECK_EQ(sd.arch, cbpf_seccomp_host_arch());
	CHECK(sd.nr == 0 && sd.instruction_pointer == 0 && sd.args[0] == 0 && sd.args[5] == 0);
	CHECK_EQ(cbpf_seccomp_data_parse(NULL, 0, &sd, NULL, &why), 0);
	CHECK_EQ(cbpf_seccomp_data_parse(" ip=1 , args = 2:3", 18, &sd, &given, &why), 0);
	CHECK_EQ(given, CBPF_SD_IP | CBPF_SD_ARGS);
	CHECK(sd.instruction_pointer == 1 && sd.args[0] == 2 && sd.args[1] == 3 && sd.args[2] == 0);
#if defined(__x86_64__)
	CHECK_STR(parsed("nr=read"), "OK nr=0,arch=0xc000003e,ip=0,args=0:0:0:0:0:0 (read, x86_64)");
	CHECK_STR(parsed("args=1:0xffffffffffffffff:3:4:5:6,nr=-1,ip=0x7fff,arch=x86_64"),
		  "OK nr=-1,arch=0xc000003e,ip=0x7fff,args=0x1:0xffffffffffffffff:0x3:0x4:0x5:0x6 (x86_64)");
	CHECK_STR(parsed("nr=execve"), "OK nr=59,arch=0xc000003e,ip=0,args=0:0:0:0:0:0 (execve, x86_64)");
	/* a name is of the record's arch, whichever field comes first */
	CHECK_STR(parsed("nr=execve,arch=i386"), "OK nr=11,arch=0x40000003,ip=0,args=0:0:0:0:0:0 (execve, i386)");
	CHECK_STR(parsed("arch=i386,nr=execve"), "OK nr=11,arch=0x40000003,ip=0,args=0:0:0:0:0:0 (execve, i386)");
	CHECK_STR(parsed("nr=4294967295"), "OK nr=-1,arch=0xc000003e,ip=0,args=0:0:0:0:0:0 (x86_64)");
	CHECK_STR(parsed("nr=-2147483648,arch=0"), "OK nr=-2147483648,arch=0,ip=0,args=0:0:0:0:0:0");
	CHECK_STR(parsed("nr=010,arch=aarch64"), "OK nr=10,arch=0xc00000b7,ip=0,args=0:0:0:0:0:0 (aarch64)");
#endif
	CHECK_STR(parsed("nr=1,"), "ERR an empty field (fields are KEY=VALUE separated by ',')");
	CHECK_STR(parsed(","), "ERR an empty field (fields are KEY=VALUE separated by ',')");
	CHECK_STR(parsed("args="), "ERR args: expected numbers 0..18446744073709551615 separated by ':', got ''");
	CHECK_STR(parsed("args=:"), "ERR args: expected numbers 0..18446744073709551615 separated by ':', got ':'");
	CHECK_STR(parsed("ip=0x"), "ERR ip: expected a number 0..18446744073709551615, got '0x'");
	CHECK_STR(parsed("ip=-1"), "ERR ip: expected a number 0..18446744073709551615, got '-1'");
	CHECK_STR(parsed("ip=1,ip=1"), "ERR 'ip' given twice");
	CHECK_STR(parsed("arch=x86"), "ERR arch: expected an arch name (x86_64, i386, aarch64, arm, "
				      "riscv64, ...) or a number 0..4294967295, got 'x86'");
	CHECK_STR(parsed("nr=Read"), "ERR nr: expected a syscall name or a number "
				     "-2147483648..4294967295, got 'Read'");
	CHECK_STR(parsed("nr=read,arch=0x1234"),
		  "ERR nr: 'read': syscall names are known for x86_64 and i386, not for arch "
		  "0x00001234; give the number");
	/* a field too long to quote whole is cut */
	CHECK_STR(parsed("ip=1111111111111111111111111111111111111111111111111111111111111111111"),
		  "ERR ip: expected a number 0..18446744073709551615, got "
		  "'111111111111111111111111111111111111111111111111111111111111...'");
	/* errors leave *out alone */
	sd.nr = 77;
	CHECK_EQ(cbpf_seccomp_data_parse("nr=1,x=2", 8, &sd, NULL, &why), -1);
	CHECK_EQ(sd.nr, 77);
	/* struct cbpf_diag: an input error, the field named in msg */
	CHECK_EQ(why.code, CBPF_ERR_INPUT);
	CHECK(why.rule == NULL && why.insn == -1 && why.line == 0 && why.offset == -1);
	CHECK_EQ(why.col, 6); /* the field "x=2" */
	CHECK_STR(why.msg, "unknown field 'x' (nr, arch, ip, args)");
	CHECK_EQ(cbpf_seccomp_data_parse("args=1, nr=nosuch", 17, &sd, NULL, &why), -1);
	CHECK_EQ(why.col, 12); /* the name, resolved last */
	CHECK_STR(why.msg, "nr: 'nosuch' is not a syscall of x86_64");
}

/* The canonical text of any record reads back to it. */
static void test_canonical_roundtrip(void)
{
	static const uint32_t arches[] = { 0, AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64,
					   0xffffffff, 0x40000028 };
	long bad = 0;

	for (int iter = 0; iter < 200000; iter++) {
		struct cbpf_seccomp_data sd, back;
		char text[512];
		struct cbpf_diag why;
		sd.nr = (int32_t)(uint32_t)ts_next(&rng);
		if (ts_below(&rng, 3))
			sd.nr = (int32_t)ts_below(&rng, 500);
		sd.arch = ts_below(&rng, 4) ? arches[ts_below(&rng, 6)] : (uint32_t)ts_next(&rng);
		sd.instruction_pointer = ts_chance(&rng, 50) ? ts_next(&rng) : ts_below(&rng, 100);
		for (int i = 0; i < 6; i++)
			sd.args[i] = ts_below(&rng, 3) == 0 ? ts_next(&rng) : ts_below(&rng, 4);
		cbpf_seccomp_data_format(&sd, text, sizeof(text));
		/* the names in parentheses are for people: the record is the rest */
		char *paren = strstr(text, " (");
		if (paren != NULL)
			*paren = '\0';
		check_count++;
		if ((cbpf_seccomp_data_parse(text, strlen(text), &back, NULL, &why) != 0 ||
		     !same_sd(&sd, &back)) && ++bad <= 5)
			CHECK_REPORT_("canonical text does not read back: %s (%s)\n", text, why.msg);
	}
	CHECK_EQ(bad, 0);
}

static void test_names(void)
{
	int32_t nr;
	uint32_t arch;

	CHECK_STR(cbpf_syscall_name(AUDIT_ARCH_X86_64, 0), "read");
	CHECK_STR(cbpf_syscall_name(AUDIT_ARCH_X86_64, 1), "write");
	CHECK_STR(cbpf_syscall_name(AUDIT_ARCH_X86_64, 231), "exit_group");
	CHECK_STR(cbpf_syscall_name(AUDIT_ARCH_I386, 3), "read");
	CHECK(cbpf_syscall_name(AUDIT_ARCH_X86_64, -1) == NULL);
	CHECK(cbpf_syscall_name(AUDIT_ARCH_AARCH64, 63) == NULL); /* by number only */
	CHECK_EQ(cbpf_syscall_from_name(AUDIT_ARCH_X86_64, "openat", 6, &nr), 0);
	CHECK_EQ(nr, 257);
	CHECK_EQ(cbpf_syscall_from_name(AUDIT_ARCH_I386, "socketcall", 10, &nr), 0);
	CHECK_EQ(nr, 102);
	CHECK_EQ(cbpf_syscall_from_name(AUDIT_ARCH_X86_64, "socketcall", 10, &nr), -1);
	CHECK_EQ(cbpf_syscall_from_name(AUDIT_ARCH_X86_64, "rea", 3, &nr), -1);
	/* from 424 on the numbers are every arch's (the shared table) */
	CHECK_STR(cbpf_syscall_name(AUDIT_ARCH_X86_64, 425), "io_uring_setup");
	CHECK_STR(cbpf_syscall_name(AUDIT_ARCH_I386, 425), "io_uring_setup");
	CHECK_STR(cbpf_syscall_name(AUDIT_ARCH_I386, 423), "sched_rr_get_interval_time64");
	CHECK(cbpf_syscall_name(AUDIT_ARCH_X86_64, 423) == NULL);
	CHECK_EQ(cbpf_syscall_from_name(AUDIT_ARCH_I386, "clone3", 6, &nr), 0);
	CHECK_EQ(nr, 435);
	CHECK_EQ(cbpf_syscall_from_name(AUDIT_ARCH_AARCH64, "clone3", 6, &nr), -1);
	/* every number of the tables has one name, which reads back to it */
	for (int a = 0; a < 2; a++) {
		uint32_t arc = a ? AUDIT_ARCH_I386 : AUDIT_ARCH_X86_64;
		int named = 0;
		for (int32_t n = 0; n < 1024; n++) {
			const char *name = cbpf_syscall_name(arc, n);
			if (name == NULL)
				continue;
			named++;
			CHECK_EQ(cbpf_syscall_from_name(arc, name, strlen(name), &nr), 0);
			CHECK_EQ(nr, n);
		}
		CHECK_EQ(named, a ? 440 : 362); /* linux-libc-dev 6.1 uapi headers */
	}
	CHECK_STR(cbpf_audit_arch_name(AUDIT_ARCH_X86_64), "x86_64");
	CHECK_STR(cbpf_audit_arch_name(AUDIT_ARCH_RISCV64), "riscv64");
	CHECK(cbpf_audit_arch_name(0) == NULL);
	CHECK_EQ(cbpf_audit_arch_from_name("ppc64le", 7, &arch), 0);
	CHECK_EQ(arch, AUDIT_ARCH_PPC64LE);
	CHECK_EQ(cbpf_audit_arch_from_name("x86_6", 5, &arch), -1);
}

static const char *action_of(uint32_t v)
{
	static char out[64];
	cbpf_seccomp_action_format(v, out, sizeof(out));
	return out;
}

static void test_actions(void)
{
	struct cbpf_diag why;
	uint32_t v;

	CHECK_STR(action_of(SECCOMP_RET_ALLOW), "ALLOW");
	CHECK_STR(action_of(SECCOMP_RET_ALLOW | 5), "ALLOW");
	CHECK_STR(action_of(SECCOMP_RET_LOG), "LOG");
	CHECK_STR(action_of(SECCOMP_RET_TRACE | 7), "TRACE(7)");
	CHECK_STR(action_of(SECCOMP_RET_TRACE), "TRACE(0)");
	CHECK_STR(action_of(SECCOMP_RET_USER_NOTIF), "USER_NOTIF");
	CHECK_STR(action_of(SECCOMP_RET_ERRNO | 1), "ERRNO(1)");
	CHECK_STR(action_of(SECCOMP_RET_ERRNO), "ERRNO(0)");
	CHECK_STR(action_of(SECCOMP_RET_TRAP), "TRAP");
	CHECK_STR(action_of(SECCOMP_RET_TRAP | 0xffff), "TRAP(65535)");
	CHECK_STR(action_of(SECCOMP_RET_KILL_THREAD | 3), "KILL_THREAD");
	CHECK_STR(action_of(SECCOMP_RET_KILL_PROCESS), "KILL_PROCESS");
	CHECK_STR(action_of(0x12340000), "KILL_PROCESS"); /* unknown: the kernel kills the process */
	CHECK_STR(action_of(0xffffffff), "KILL_PROCESS");
	/* every action word, with data: its printed name reads back to a value
	 * the kernel treats the same (same action, same data where it counts) */
	for (uint32_t top = 0; top < 0x10000; top++) {
		uint32_t ret = top << 16 | (uint32_t)(ts_next(&rng) & 0xffff);
		const char *name = action_of(ret);
		char copy[64];
		snprintf(copy, sizeof(copy), "%s", name);
		check_count++;
		if (cbpf_seccomp_action_parse(copy, strlen(copy), &v, &why) != 0 ||
		    strcmp(action_of(v), copy) != 0)
			CHECK_REPORT_("action 0x%08x prints '%s', which reads back as 0x%08x\n", ret,
				      copy, v);
	}
	/* input spellings */
	static const struct {
		const char *in;
		uint32_t want;
	} good[] = {
		{ "ALLOW", SECCOMP_RET_ALLOW },       { "allow", SECCOMP_RET_ALLOW },
		{ "SECCOMP_RET_ALLOW", SECCOMP_RET_ALLOW }, { "seccomp_ret_log", SECCOMP_RET_LOG },
		{ "ERRNO(1)", SECCOMP_RET_ERRNO | 1 }, { "errno(0x10)", SECCOMP_RET_ERRNO | 16 },
		{ "ERRNO", SECCOMP_RET_ERRNO },       { "TRACE(65535)", SECCOMP_RET_TRACE | 0xffff },
		{ "TRAP", SECCOMP_RET_TRAP },         { "TRAP(2)", SECCOMP_RET_TRAP | 2 },
		{ "KILL", SECCOMP_RET_KILL_THREAD },  { "SECCOMP_RET_KILL", SECCOMP_RET_KILL_THREAD },
		{ "KILL_THREAD", SECCOMP_RET_KILL_THREAD }, { "KILL_PROCESS", SECCOMP_RET_KILL_PROCESS },
		{ "USER_NOTIF", SECCOMP_RET_USER_NOTIF }, { "0", 0 }, { "4294967295", 0xffffffff },
		{ "0x7fff0000", SECCOMP_RET_ALLOW },
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = 1;
		CHECK_EQ(cbpf_seccomp_action_parse(good[i].in, strlen(good[i].in), &v, &why), 0);
		CHECK_EQ(v, good[i].want);
	}
	static const struct {
		const char *in, *why;
	} bad[] = {
		{ "", "not a number or an action (KILL_PROCESS, KILL_THREAD, TRAP, ERRNO(n), USER_NOTIF, "
		      "TRACE(n), LOG, ALLOW)" },
		{ "4294967296", "not a number or an action (KILL_PROCESS, KILL_THREAD, TRAP, ERRNO(n), "
				"USER_NOTIF, TRACE(n), LOG, ALLOW)" },
		{ "ALLOW(1)", "ALLOW takes no data" },
		{ "KILL(1)", "KILL_THREAD takes no data" },
		{ "ERRNO(65536)", "the data in (...) is a number 0..65535" },
		{ "ERRNO()", "the data in (...) is a number 0..65535" },
		{ "ERRNO(1", "the data in (...) is a number 0..65535" },
		{ "ERRNO(-1)", "the data in (...) is a number 0..65535" },
		{ "SECCOMP_RET_", "not a number or an action (KILL_PROCESS, KILL_THREAD, TRAP, ERRNO(n), "
				  "USER_NOTIF, TRACE(n), LOG, ALLOW)" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ(cbpf_seccomp_action_parse(bad[i].in, strlen(bad[i].in), &v, &why), -1);
		CHECK_EQ(why.code, CBPF_ERR_INPUT);
		CHECK_STR(why.msg, bad[i].why);
	}
}

int main(void)
{
	test_host_arch();
	test_syntax();
	test_canonical_roundtrip();
	test_names();
	test_actions();
	return CHECK_DONE();
}
