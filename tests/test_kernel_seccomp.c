/*
 * test_kernel_seccomp.c - the seccomp oracle: verdicts measured on 6.18
 * (the seccomp.* entries of docs/linux-semantics.md), the seccomp_data the
 * filter sees, abort by a kill, the requested syscall never running, load
 * parity with the validator's seccomp profile, and agreement with the VM;
 * and what the children must not do to the caller: signals, dispositions,
 * mask, limits, children left behind, threads asking at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attach.h"
#include "cbpf/validate.h"
#include "cbpf/vm.h"
#include "check.h"
#include "randprog.h"
#include "seccomp_oracle.h"

#define S(code, k) cbpf_stmt((code), (k))
#define RET_A S(0x16, 0)
#define RET_K(k) S(0x06, (k))

static const struct kc_seccomp_input getpid_in = { SYS_getpid, { 0x1111222233334444ull, 5, 6, 7, 8, 9 } };

static struct kc_verdict run(const struct cbpf_insn *p, size_t n, int *load_err,
			     struct cbpf_seccomp_data *seen)
{
	struct kc_verdict v;
	struct kc_load l;

	memset(&v, 0, sizeof(v));
	kc_seccomp_request(p, n, &getpid_in, 1, NULL, &l, &v, seen);
	*load_err = l.errnum;
	return v;
}

#define EXPECT(want, want_abort, ...)                                           \
	do {                                                                   \
		const struct cbpf_insn p_[] = { __VA_ARGS__ };                 \
		struct cbpf_seccomp_data s_;                                   \
		int e_;                                                        \
		struct kc_verdict v_ = run(p_, sizeof(p_) / sizeof(p_[0]), &e_, &s_); \
		CHECK_EQ(e_, 0);                                               \
		CHECK_EQ(v_.error, 0);                                         \
		CHECK(v_.exact);                                               \
		CHECK_EQ(v_.verdict, (want));                                  \
		CHECK_EQ(v_.abort, (want_abort));                              \
	} while (0)

#define EXPECT_LOAD_ERR(err, ...)                                               \
	do {                                                                   \
		const struct cbpf_insn p_[] = { __VA_ARGS__ };                 \
		struct kc_load l_;                                             \
		kc_seccomp_load(p_, sizeof(p_) / sizeof(p_[0]), &l_);          \
		CHECK_EQ(l_.errnum, (err));                                    \
	} while (0)

/* linux-semantics: seccomp.opcode, seccomp.load, seccomp.len-is-64,
 * seccomp.div-zero-kills, alu.shift-x-masked, alu.tax-txa */
static void test_peers(void)
{
	EXPECT(6, false, S(0x00, 3), S(0x01, 33), S(0x6c, 0), RET_A); /* shift & 31 */
	EXPECT(7, false, S(0x00, 7), S(0x07, 0), S(0x00, 0), S(0x87, 0), RET_A);
	EXPECT(64, false, S(0x80, 0), RET_A);                          /* len is 64 */
	EXPECT(0, true, S(0x00, 7), S(0x3c, 0), RET_K(9));             /* div x, X=0: killed */
	EXPECT_LOAD_ERR(EINVAL, S(0x94, 3), RET_A);                    /* mod */
	EXPECT_LOAD_ERR(EINVAL, S(0x30, 0), RET_A);                    /* ldb [0] */
	EXPECT_LOAD_ERR(EINVAL, S(0x20, 1), RET_A);                    /* ld [1] */
	EXPECT_LOAD_ERR(EINVAL, S(0x20, 64), RET_A);                   /* ld [64] */
	EXPECT_LOAD_ERR(EINVAL, S(0x40, 0), RET_A);                    /* ld [x+0] */
	EXPECT_LOAD_ERR(EINVAL, S(0xb1, 0), RET_A);                    /* ldxb */
	EXPECT_LOAD_ERR(EINVAL, S(0x20, (uint32_t)CBPF_SKF_AD_OFF + 40), RET_A);
	EXPECT_LOAD_ERR(0, RET_K(0x7fff0000));
}

/* A seccomp filter is not charged to optmem_max: 4095 `div x` and a ret
 * expand to 20,480 eBPF instructions, too big for a socket at the default
 * optmem_max (ENOMEM there), and still install as a seccomp filter
 * (linux-semantics: attach.seccomp-not-charged). */
static void test_not_charged(void)
{
	static struct cbpf_insn p[4096];
	struct cbpf_load_prediction pr;
	struct kc_load l;
	long optmem = -1;
	FILE *f = fopen("/proc/sys/net/core/optmem_max", "r");

	if (f != NULL) {
		if (fscanf(f, "%ld", &optmem) != 1)
			optmem = -1;
		fclose(f);
	}
	for (size_t i = 0; i < 4095; i++)
		p[i] = S(0x3c, 0);
	p[4095] = RET_K(0x7fff0000);
	cbpf_predict_load(p, 4096, CBPF_PROFILE_LINUX, &pr);
	CHECK_EQ(pr.ebpf_insns, 3 + 4095 * 5 + 2);
	if (optmem > 0 && (long)pr.prog_bytes >= optmem)
		CHECK_EQ(kc_try_attach(p, 4096), ENOMEM);
	else
		fprintf(stderr, "note: optmem_max %ld fits the program: socket half skipped\n",
			optmem);
	CHECK_EQ(kc_seccomp_load(p, 4096, &l), 0);
	CHECK_EQ(l.errnum, 0);
}

/* What the filter sees: nr and args as requested (host order), the real
 * arch, and the ip of the child's syscall instruction, reported
 * (linux-semantics: seccomp.data). */
static void test_seccomp_data(void)
{
	EXPECT(SYS_getpid, false, S(0x20, 0), RET_A);
	EXPECT(AUDIT_ARCH_X86_64, false, S(0x20, 4), RET_A);
	EXPECT(0x33334444, false, S(0x20, 16), RET_A);
	EXPECT(0x11112222, false, S(0x20, 20), RET_A);
	EXPECT(9, false, S(0x20, 56), RET_A);
	{
		const struct cbpf_insn lo[] = { S(0x20, 8), RET_A }, hi[] = { S(0x20, 12), RET_A };
		struct cbpf_seccomp_data s;
		int e;
		struct kc_verdict v = run(lo, 2, &e, &s);
		CHECK(v.exact);
		CHECK(s.instruction_pointer != 0);
		CHECK_EQ(v.verdict, (uint32_t)s.instruction_pointer);
		v = run(hi, 2, &e, &s);
		CHECK_EQ(v.verdict, (uint32_t)(s.instruction_pointer >> 32));
		CHECK_EQ(s.arch, AUDIT_ARCH_X86_64);
		CHECK_EQ(s.nr, SYS_getpid);
	}
}

/* Every rewritten return is TRAP: an ALLOW verdict never lets the
 * requested write(2) through. */
static void test_syscall_never_runs(void)
{
	const struct cbpf_insn allow[] = { RET_K(0x7fff0000) };
	const struct cbpf_insn allow_a[] = { S(0x00, 0x7fff0000), RET_A };
	struct kc_seccomp_input in = { SYS_write, { 0, 0, 1, 0, 0, 0 } };
	struct kc_verdict v;
	struct kc_load l;
	int pfd[2];
	char c;

	CHECK_EQ(pipe2(pfd, O_NONBLOCK | O_CLOEXEC), 0);
	in.args[0] = (uint64_t)pfd[1];
	in.args[1] = (uint64_t)(uintptr_t)"x";
	CHECK_EQ(kc_seccomp_request(allow, 1, &in, 1, NULL, &l, &v, NULL), 0);
	CHECK_EQ(v.verdict, 0x7fff0000);
	CHECK(v.exact);
	CHECK_EQ(kc_seccomp_request(allow_a, 2, &in, 1, NULL, &l, &v, NULL), 0);
	CHECK_EQ(v.verdict, 0x7fff0000);
	CHECK(read(pfd[0], &c, 1) < 0 && errno == EAGAIN);
	close(pfd[0]);
	close(pfd[1]);
}

/* ret #0 (KILL_THREAD) is a value, not an abort; hints are checked
 * (linux-semantics: seccomp.trap-data). */
static void test_values_and_hints(void)
{
	const struct cbpf_insn p[] = { S(0x20, 16), S(0x04, 0x10000), RET_A };
	struct kc_hint good = { true, 0x33334444u + 0x10000u, false }, bad = { true, 5, false };
	struct kc_verdict v;
	struct kc_load l;

	EXPECT(0, false, RET_K(0));
	EXPECT(0xdeadbeef, false, RET_K(0xdeadbeef));
	kc_seccomp_request(p, 3, &getpid_in, 1, &good, &l, &v, NULL);
	CHECK(v.exact);
	CHECK_EQ(v.verdict, 0x33344444);
	CHECK_EQ(v.runs, 1);
	kc_seccomp_request(p, 3, &getpid_in, 1, &bad, &l, &v, NULL);
	CHECK(v.exact);
	CHECK_EQ(v.verdict, 0x33344444);
	CHECK_EQ(v.runs, 3);
}

/* A syscall number below 400 that seccomp filters. On x86-64 the kernel
 * runs no filter for uretprobe (335, since 6.11) and uprobe (336): measured
 * on 6.18, a filter returning ERRNO for everything lets 335 raise SIGILL
 * and 336 fail with ENXIO, so the oracle sees no verdict for them. */
static int32_t filtered_nr(struct ts_rng *r)
{
	int32_t nr;

	do
		nr = (int32_t)ts_below(r, 400);
	while (nr == 335 || nr == 336);
	return nr;
}

/* Load parity: the kernel's seccomp answer equals the validator's, on
 * random programs (some corrupted) - and the VM agrees with every exact
 * verdict on the seccomp_data the kernel reports. */
static void test_random(void)
{
	struct cbpf_insn p[16];
	struct ts_rng rng;
	int agree = 0, refused = 0, compared = 0;

	ts_seed(&rng, 99);
	for (int i = 0; i < 120; i++) {
		enum cbpf_profile prof = i % 2 ? CBPF_PROFILE_LINUX : CBPF_PROFILE_SECCOMP;
		struct ts_prog_opts o = { .profile = prof, .max_len = 12, .pkt_hint = 64,
					   .det = TS_DET_NO_DEVICE, .valid = true,
					   .scratch_mix = true };
		size_t n = ts_randprog(&rng, &o, p);
		struct kc_seccomp_input in = { filtered_nr(&rng), { 0 } };
		struct cbpf_seccomp_data seen;
		struct kc_verdict v;
		struct kc_load l;
		int want;

		for (int a = 0; a < 6; a++)
			in.args[a] = ts_next(&rng);
		want = cbpf_validate(p, n, CBPF_PROFILE_SECCOMP, NULL, 0, NULL);
		if (kc_seccomp_request(p, n, &in, 1, NULL, &l, &v, &seen) != 0) {
			refused++;
			CHECK_EQ(l.errnum, want);
			agree += l.errnum == want;
			continue;
		}
		CHECK_EQ(want, 0);
		agree += want == 0;
		CHECK(v.exact);
		{
			struct cbpf_vm *vm;
			if (cbpf_vm_create(p, n, CBPF_PROFILE_SECCOMP, 0, &vm, NULL) == 0) {
				struct cbpf_result r = cbpf_vm_run(vm, (const uint8_t *)&seen,
								   sizeof(seen), NULL);
				CHECK_EQ(r.verdict, v.verdict);
				CHECK_EQ(r.end != CBPF_END_RET, v.abort);
				cbpf_vm_free(vm);
				compared++;
			}
		}
	}
	fprintf(stderr, "seccomp random: %d agree on load, %d refused, %d VM-compared\n", agree,
		refused, compared);
	CHECK(refused > 10);
	CHECK(compared > 10);
}


/* One request per verdict kind: trap, abort, refused, and a `ret a`
 * program checked with a hint and discovered without one. */
static void some_requests(void)
{
	const struct cbpf_insn trap[] = { S(0x20, 16), RET_A };
	const struct cbpf_insn div0[] = { S(0x00, 7), S(0x3c, 0), RET_K(9) };
	const struct cbpf_insn bad[] = { S(0x60, 0), RET_A }; /* ld M[0] unset */
	const struct cbpf_insn consts[] = { S(0x20, 0), cbpf_jump(0x15, SYS_getpid, 0, 1),
					    RET_K(0x7fff0000), RET_K(0) };
	struct kc_hint hint = { true, 0x33334444u, false };
	struct kc_verdict v;
	struct kc_load l;

	CHECK_EQ(kc_seccomp_request(consts, 4, &getpid_in, 1, NULL, &l, &v, NULL), 0);
	CHECK_EQ(v.verdict, 0x7fff0000);
	CHECK_EQ(v.runs, 1);
	CHECK_EQ(kc_seccomp_request(trap, 2, &getpid_in, 1, &hint, &l, &v, NULL), 0);
	CHECK_EQ(v.verdict, 0x33334444u);
	CHECK_EQ(kc_seccomp_request(trap, 2, &getpid_in, 1, NULL, &l, &v, NULL), 0);
	CHECK_EQ(v.verdict, 0x33334444u);
	CHECK_EQ(kc_seccomp_request(div0, 3, &getpid_in, 1, NULL, &l, &v, NULL), 0);
	CHECK(v.exact && v.abort);
	CHECK_EQ(kc_seccomp_request(bad, 2, &getpid_in, 1, NULL, &l, &v, NULL), -1);
	CHECK_EQ(l.errnum, EINVAL);
	CHECK_EQ(kc_seccomp_load(trap, 2, &l), 0);
}

static volatile sig_atomic_t sigchld_seen;

static void on_sigchld(int sig)
{
	(void)sig;
	sigchld_seen++;
}

/* The children send no SIGCHLD, change no disposition, mask or limit of
 * the caller, and are all reaped, also when the caller ignores SIGCHLD
 * (no auto-reaping: the exit signal is 0). */
static void test_caller_untouched(void)
{
	struct sigaction sa, sys_before, sys_after, old_chld;
	struct rlimit core_before, core_after;
	sigset_t mask_before, mask_after;
	siginfo_t si;

	memset(&sa, 0, sizeof(sa));
	memset(&mask_before, 0, sizeof(mask_before));
	memset(&mask_after, 0, sizeof(mask_after));
	sa.sa_handler = on_sigchld;
	sigaction(SIGCHLD, &sa, &old_chld);
	sigaction(SIGSYS, NULL, &sys_before);
	sigprocmask(SIG_SETMASK, NULL, &mask_before);
	getrlimit(RLIMIT_CORE, &core_before);
	some_requests();
	CHECK_EQ(sigchld_seen, 0);
	sigaction(SIGSYS, NULL, &sys_after);
	CHECK(sys_after.sa_handler == sys_before.sa_handler);
	CHECK_EQ(sys_after.sa_flags, sys_before.sa_flags);
	sigprocmask(SIG_SETMASK, NULL, &mask_after);
	CHECK_EQ(memcmp(&mask_before, &mask_after, sizeof(mask_before)), 0);
	getrlimit(RLIMIT_CORE, &core_after);
	CHECK_EQ(core_after.rlim_cur, core_before.rlim_cur);
	CHECK_EQ(core_after.rlim_max, core_before.rlim_max);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGCHLD, &sa, NULL);
	some_requests();
	sigaction(SIGCHLD, &old_chld, NULL);
	memset(&si, 0, sizeof(si));
	CHECK_EQ(waitid(P_ALL, 0, &si, WEXITED | WNOHANG | __WALL), -1);
	CHECK_EQ(errno, ECHILD);
}

/* The ip of a run that never trapped is the one traps report: in a fresh
 * process, an abort first (nothing learnt yet), then `ld [8]`. */
static void test_abort_first_ip(void)
{
	pid_t pid = fork();
	int status = 0;

	CHECK(pid >= 0);
	if (pid == 0) {
		const struct cbpf_insn div0[] = { S(0x00, 7), S(0x3c, 0), RET_K(9) };
		const struct cbpf_insn ip[] = { S(0x20, 8), RET_A };
		struct cbpf_seccomp_data a, b;
		int e;
		struct kc_verdict v = run(div0, 3, &e, &a);
		bool ok = v.exact && v.abort && a.instruction_pointer != 0 &&
			  a.arch == AUDIT_ARCH_X86_64;

		v = run(ip, 2, &e, &b);
		ok = ok && v.exact && !v.abort && b.instruction_pointer == a.instruction_pointer &&
		     v.verdict == (uint32_t)a.instruction_pointer;
		_exit(ok ? 0 : 1);
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Threads asking at once each get their own answers. */
struct thread_job {
	uint64_t base;
	int wrong;
};

static void *ask_many(void *arg)
{
	struct thread_job *t = arg;
	const struct cbpf_insn p[] = { S(0x20, 16), RET_A };

	for (int i = 0; i < 40; i++) {
		struct kc_seccomp_input in = { SYS_getpid, { t->base + (uint64_t)i, 0, 0, 0, 0, 0 } };
		struct kc_hint h = { true, (uint32_t)(t->base + (uint64_t)i), false };
		struct kc_verdict v;
		struct kc_load l;

		if (kc_seccomp_request(p, 2, &in, 1, i % 2 ? &h : NULL, &l, &v, NULL) != 0 ||
		    !v.exact || v.verdict != (uint32_t)(t->base + (uint64_t)i))
			t->wrong++;
	}
	return NULL;
}

static void test_threads(void)
{
	struct thread_job jobs[3] = { { 1000, 0 }, { 0x70000000, 0 }, { 0xabcd0000, 0 } };
	pthread_t th[3];

	for (int i = 0; i < 3; i++)
		CHECK_EQ(pthread_create(&th[i], NULL, ask_many, &jobs[i]), 0);
	for (int i = 0; i < 3; i++) {
		pthread_join(th[i], NULL);
		CHECK_EQ(jobs[i].wrong, 0);
	}
}

int main(void)
{
	test_peers();
	test_not_charged();
	test_seccomp_data();
	test_syscall_never_runs();
	test_values_and_hints();
	test_random();
	test_caller_untouched();
	test_abort_first_ip();
	test_threads();
	return CHECK_DONE();
}
