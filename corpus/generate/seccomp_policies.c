/*
 * seccomp_policies.c - corpus generator: builds seccomp policies with
 * libseccomp, exports each with seccomp_export_bpf() and prints, as JSON
 * Lines, {"name","description","program":[[code,jt,jf,k],...],"inputs":[...]}
 * where every input is a seccomp_data description (corpus/README.md) that
 * reaches one of the policy's actions. Inputs only use x86-64 syscalls that
 * are harmless to run for real (the live seccomp oracle executes them).
 * Built and run by corpus/generate/generate.py.
 */
#include <errno.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct rule {
	uint32_t action;
	const char *syscall;
	unsigned argc;
	struct scmp_arg_cmp cmp[2];
	const char *hit; /* an input this rule matches */
};

struct policy {
	const char *name;
	const char *description;
	uint32_t def;
	const char *def_hit; /* an input no rule matches */
	int optimize;        /* SCMP_FLTATR_CTL_OPTIMIZE: 1 priority, 2 binary tree */
	struct rule rules[8];
};

#define R0(act, sc, hit) { act, sc, 0, { { 0 } }, hit }
#define R1(act, sc, c0, hit) { act, sc, 1, { c0 }, hit }
#define R2(act, sc, c0, c1, hit) { act, sc, 2, { c0, c1 }, hit }

static const struct policy policies[] = {
	{ "allow_all_log_default", "default LOG, allow getpid", SCMP_ACT_LOG, "nr=102", 1,
	  { R0(SCMP_ACT_ALLOW, "getpid", "nr=39") } },
	{ "deny_getpid_errno", "default ALLOW, getpid fails with EPERM", SCMP_ACT_ALLOW, "nr=110", 1,
	  { R0(SCMP_ACT_ERRNO(EPERM), "getpid", "nr=39") } },
	{ "kill_default", "default KILL_THREAD, allow a few identity calls", SCMP_ACT_KILL,
	  "nr=24", 1,
	  { R0(SCMP_ACT_ALLOW, "getpid", "nr=39"), R0(SCMP_ACT_ALLOW, "getuid", "nr=102"),
	    R0(SCMP_ACT_ALLOW, "getgid", "nr=104") } },
	{ "kill_process_default", "default KILL_PROCESS, allow sched_yield",
	  SCMP_ACT_KILL_PROCESS, "nr=39", 1, { R0(SCMP_ACT_ALLOW, "sched_yield", "nr=24") } },
	{ "trap_default", "default TRAP, errno for getppid", SCMP_ACT_TRAP, "nr=39", 1,
	  { R0(SCMP_ACT_ERRNO(ENOSYS), "getppid", "nr=110"),
	    R0(SCMP_ACT_ALLOW, "getuid", "nr=102") } },
	{ "errno_values", "several errno actions, data 0, 1 and 4094", SCMP_ACT_ALLOW,
	  "nr=24", 1,
	  { R0(SCMP_ACT_ERRNO(0), "getpid", "nr=39"), R0(SCMP_ACT_ERRNO(1), "getppid", "nr=110"),
	    R0(SCMP_ACT_ERRNO(4094), "getuid", "nr=102") } },
	{ "trace_actions", "TRACE with message data (no tracer: ENOSYS)", SCMP_ACT_ALLOW, "nr=102",
	  1, { R0(SCMP_ACT_TRACE(7), "getpid", "nr=39"), R0(SCMP_ACT_TRACE(0xfffe), "getppid", "nr=110") } },
	{ "read_fd_eq", "read allowed only on fd 9999 (A0 == 9999)", SCMP_ACT_ERRNO(EACCES),
	  "nr=0,args=0", 1,
	  { R1(SCMP_ACT_ALLOW, "read", SCMP_A0(SCMP_CMP_EQ, 9999), "nr=0,args=9999:0:0") } },
	{ "write_fd_ne", "write denied unless fd != 1 (A0 != 1)", SCMP_ACT_ALLOW, "nr=39", 1,
	  { R1(SCMP_ACT_ERRNO(EBADF), "write", SCMP_A0(SCMP_CMP_NE, 1), "nr=1,args=9999"),
	    R1(SCMP_ACT_ERRNO(EIO), "write", SCMP_A0(SCMP_CMP_EQ, 1), "nr=1,args=1") } },
	{ "close_fd_lt", "close: fds below 3 are protected (A0 < 3)", SCMP_ACT_ALLOW, "nr=3,args=9999",
	  1, { R1(SCMP_ACT_ERRNO(EPERM), "close", SCMP_A0(SCMP_CMP_LT, 3), "nr=3,args=2") } },
	{ "dup_fd_le_ge", "dup: A0 <= 10 errno, A0 >= 100000 trap", SCMP_ACT_ALLOW,
	  "nr=32,args=9999", 1,
	  { R1(SCMP_ACT_ERRNO(EMFILE), "dup", SCMP_A0(SCMP_CMP_LE, 10), "nr=32,args=10"),
	    R1(SCMP_ACT_ERRNO(E2BIG), "dup", SCMP_A0(SCMP_CMP_GE, 100000), "nr=32,args=100000") } },
	{ "kill_gt", "kill with pid > 0x7ffffff0 errno", SCMP_ACT_ALLOW, "nr=39", 1,
	  { R1(SCMP_ACT_ERRNO(ESRCH), "kill", SCMP_A0(SCMP_CMP_GT, 0x7ffffff0),
	       "nr=62,args=0x7fffffff:0") } },
	{ "masked_eq_flags", "getpriority with A0 & 0xff == 0 (masked compare)", SCMP_ACT_ALLOW,
	  "nr=140,args=1:0", 1,
	  { R1(SCMP_ACT_ERRNO(EINVAL), "getpriority", SCMP_A0(SCMP_CMP_MASKED_EQ, 0xff, 0),
	       "nr=140,args=0x100:0") } },
	{ "arg64_high_bits", "A0 compared on all 64 bits (0x100000000 vs 0)", SCMP_ACT_ALLOW,
	  "nr=3,args=0", 1,
	  { R1(SCMP_ACT_ERRNO(ERANGE), "close", SCMP_A0(SCMP_CMP_EQ, 0x100000000ULL),
	       "nr=3,args=0x100000000") } },
	{ "two_args", "read with A0 == 9999 and A2 > 4096", SCMP_ACT_ALLOW, "nr=0,args=9999:0:10", 1,
	  { R2(SCMP_ACT_ERRNO(EFBIG), "read", SCMP_A0(SCMP_CMP_EQ, 9999), SCMP_A2(SCMP_CMP_GT, 4096),
	       "nr=0,args=9999:0:5000") } },
	{ "binary_tree", "many syscalls, binary-tree optimised filter", SCMP_ACT_ERRNO(EPERM),
	  "nr=62,args=0x7fffffff:0", 2,
	  { R0(SCMP_ACT_ALLOW, "read", "nr=0,args=9999"), R0(SCMP_ACT_ALLOW, "write", "nr=1,args=9999"),
	    R0(SCMP_ACT_ALLOW, "close", "nr=3,args=9999"), R0(SCMP_ACT_ALLOW, "dup", "nr=32,args=9999"),
	    R0(SCMP_ACT_ALLOW, "getpid", "nr=39"), R0(SCMP_ACT_ERRNO(EIO), "getppid", "nr=110"),
	    R0(SCMP_ACT_ALLOW, "getuid", "nr=102"), R0(SCMP_ACT_ALLOW, "getgid", "nr=104") } },
	{ "binary_tree_args", "binary tree with argument filters", SCMP_ACT_ALLOW, "nr=24", 2,
	  { R1(SCMP_ACT_ERRNO(EPERM), "close", SCMP_A0(SCMP_CMP_LT, 3), "nr=3,args=0"),
	    R1(SCMP_ACT_ERRNO(EBADF), "dup", SCMP_A0(SCMP_CMP_EQ, 9999), "nr=32,args=9999"),
	    R0(SCMP_ACT_ERRNO(ENOSYS), "getppid", "nr=110") } },
	{ "log_and_errno", "LOG some calls, ERRNO others", SCMP_ACT_ALLOW, "nr=104", 1,
	  { R0(SCMP_ACT_LOG, "getpid", "nr=39"), R0(SCMP_ACT_ERRNO(EAGAIN), "getuid", "nr=102") } },
	{ "kill_on_arg", "KILL_PROCESS when close(A0 == 0x7fffffff)", SCMP_ACT_ALLOW, "nr=3,args=9999",
	  1, { R1(SCMP_ACT_KILL_PROCESS, "close", SCMP_A0(SCMP_CMP_EQ, 0x7fffffff),
	          "nr=3,args=0x7fffffff") } },
	{ "trap_on_arg", "TRAP when dup(A0 > 50000)", SCMP_ACT_ALLOW, "nr=32,args=9999", 1,
	  { R1(SCMP_ACT_TRAP, "dup", SCMP_A0(SCMP_CMP_GT, 50000), "nr=32,args=60000") } },
	{ "arg_ne_high", "A1 != 0xffffffff00000000 (64-bit NE)", SCMP_ACT_ALLOW,
	  "nr=62,args=0x7fffffff:0xffffffff00000000", 1,
	  { R1(SCMP_ACT_ERRNO(EPERM), "kill", SCMP_A1(SCMP_CMP_NE, 0xffffffff00000000ULL),
	       "nr=62,args=0x7fffffff:0") } },
	{ "deny_list", "default ALLOW, deny a list of calls with distinct errnos", SCMP_ACT_ALLOW,
	  "nr=140,args=0:0", 1,
	  { R0(SCMP_ACT_ERRNO(1), "getpid", "nr=39"), R0(SCMP_ACT_ERRNO(2), "getppid", "nr=110"),
	    R0(SCMP_ACT_ERRNO(3), "getuid", "nr=102"), R0(SCMP_ACT_ERRNO(4), "getgid", "nr=104"),
	    R0(SCMP_ACT_ERRNO(5), "sched_yield", "nr=24"), R0(SCMP_ACT_ERRNO(6), "dup", "nr=32,args=9999") } },
	{ "masked_eq_high", "A0 & 0xffff0000ffff0000 == 0x0001000000000000", SCMP_ACT_ALLOW,
	  "nr=3,args=9999", 1,
	  { R1(SCMP_ACT_ERRNO(EXDEV), "close",
	       SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffff0000ffff0000ULL, 0x0001000000000000ULL),
	       "nr=3,args=0x0001000000009999") } },
};

static int export_program(scmp_filter_ctx ctx, const char *name)
{
	int fd = memfd_create("seccomp-export", 0);
	if (fd < 0 || seccomp_export_bpf(ctx, fd) < 0) {
		fprintf(stderr, "seccomp_policies: %s: export failed\n", name);
		return -1;
	}
	off_t len = lseek(fd, 0, SEEK_END);
	unsigned char *buf = malloc((size_t)len + 1);
	if (!buf || pread(fd, buf, (size_t)len, 0) != len) {
		fprintf(stderr, "seccomp_policies: %s: read back failed\n", name);
		free(buf);
		close(fd);
		return -1;
	}
	printf("\"program\":[");
	for (off_t i = 0; i + 8 <= len; i += 8) {
		uint16_t code;
		uint32_t k;
		memcpy(&code, buf + i, 2);
		memcpy(&k, buf + i + 4, 4);
		printf("%s[%u,%u,%u,%u]", i ? "," : "", code, buf[i + 2], buf[i + 3], k);
	}
	printf("]");
	free(buf);
	close(fd);
	return 0;
}

int main(void)
{
	for (size_t p = 0; p < sizeof(policies) / sizeof(policies[0]); p++) {
		const struct policy *pol = &policies[p];
		scmp_filter_ctx ctx = seccomp_init(pol->def);
		if (!ctx || seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, (uint32_t)pol->optimize)) {
			fprintf(stderr, "seccomp_policies: %s: init failed\n", pol->name);
			return 1;
		}
		for (size_t r = 0; r < 8 && pol->rules[r].syscall; r++) {
			const struct rule *ru = &pol->rules[r];
			int nr = seccomp_syscall_resolve_name(ru->syscall);
			if (nr < 0 || seccomp_rule_add_array(ctx, ru->action, nr, ru->argc, ru->cmp)) {
				fprintf(stderr, "seccomp_policies: %s: rule %s failed\n", pol->name,
					ru->syscall);
				return 1;
			}
		}
		printf("{\"name\":\"%s\",\"description\":\"%s\",", pol->name, pol->description);
		if (export_program(ctx, pol->name))
			return 1;
		printf(",\"inputs\":[\"%s\"", pol->def_hit);
		for (size_t r = 0; r < 8 && pol->rules[r].syscall; r++)
			printf(",\"%s\"", pol->rules[r].hit);
		printf("]}\n");
		seccomp_release(ctx);
	}
	return 0;
}
