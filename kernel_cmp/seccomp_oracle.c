/*
 * seccomp_oracle.c - children running a program as their seccomp filter;
 * results come back through memory they share with the caller.
 *
 * A child is a clone(CLONE_VM | CLONE_FS | CLONE_FILES) of the calling
 * thread: its own process (no CLONE_THREAD), so the filter it installs is
 * its own, but no page table is copied, so it costs the same from a small
 * process and from a grown fuzzer. It runs on a stack of its own and makes
 * raw system calls only: it never writes the caller's errno or any other
 * thread-local, takes no lock and calls no sanitizer runtime. The caller
 * sleeps in waitpid until the child is gone (one wake-up); the child sends
 * no SIGCHLD (exit signal 0, reaped with __WCLONE). The timeout is the
 * child's own: its first act is a 5 s ITIMER_REAL, and SIGALRM's default
 * action ends it, so no child outlives 5 s and the caller never polls.
 *
 * In the child, in order: the timer, SIGALRM's default action (whatever
 * the caller's handler); block every signal but SIGSYS and SIGALRM (so a
 * fault kills it whatever handlers the caller has),
 * PR_SET_PDEATHSIG, RLIMIT_CORE 1 (no core file, no core pipe), its SIGSYS
 * handler, no_new_privs, the filter.
 * If the filter is refused and the original program was given, the
 * original is tried next, so one child also gives the original's errno.
 * A loaded filter is followed by the requested syscall (the filter traps
 * it: every rewritten return is TRAP) or, for a load-only child, by a trap
 * instruction. The SIGSYS handler records the trap and makes one more
 * syscall, which the filter traps or kills while SIGSYS is blocked: the
 * child dies of SIGSYS. No path lets a syscall run once a filter is in.
 */
#include "seccomp_oracle.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cbpf/errname.h"
#include "verdict_rewrite.h"

#define CHILD_TIMEOUT_S 5
#define RET_TRAP 0x00030000u  /* SECCOMP_RET_TRAP */
#define CHILD_STACK (256u * 1024u)
#define GUARD 4096u

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif

/* Code the child runs: no sanitizer or coverage instrumentation (it would
 * reach the caller's thread-locals and runtime state). */
#if defined(__clang__)
#define CHILD_CODE __attribute__((no_sanitize("address", "undefined", "coverage")))
#else
#define CHILD_CODE __attribute__((no_sanitize("address", "undefined")))
#endif

/* Raw system calls: -errno on failure, errno untouched. */
#if defined(__x86_64__)
CHILD_CODE __attribute__((always_inline)) static inline long
raw6(long nr, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

/* x86-64 signal delivery needs SA_RESTORER (the handler never returns). */
__asm__(".pushsection .text\n"
	".globl cbpf_kc_seccomp_restorer\n"
	".hidden cbpf_kc_seccomp_restorer\n"
	".type cbpf_kc_seccomp_restorer, @function\n"
	"cbpf_kc_seccomp_restorer:\n"
	"\tmovl $15, %eax\n" /* rt_sigreturn */
	"\tsyscall\n"
	"\thlt\n"
	".size cbpf_kc_seccomp_restorer, .-cbpf_kc_seccomp_restorer\n"
	".popsection\n");
void cbpf_kc_seccomp_restorer(void);
#define RESTORER cbpf_kc_seccomp_restorer
#define RESTORER_FLAG SA_RESTORER
#elif defined(__aarch64__)
CHILD_CODE __attribute__((always_inline)) static inline long
raw6(long nr, long a, long b, long c, long d, long e, long f)
{
	register long x8 __asm__("x8") = nr;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	register long x5 __asm__("x5") = f;

	__asm__ volatile("svc #0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory", "cc");
	return x0;
}
#define RESTORER NULL /* the kernel uses the vDSO trampoline */
#define RESTORER_FLAG 0
#else
/* Other architectures (the kernel matrix's guests: armhf, i386, ppc64el,
 * s390x, mips64el): libc's syscall(). It sets errno on failure, which in a
 * CLONE_VM child without CLONE_SETTLS is the caller's: run_child saves and
 * restores the caller's errno around the child, and the caller is asleep in
 * waitpid meanwhile, so nothing reads it. These builds are not sanitized. */
CHILD_CODE static long raw6(long nr, long a, long b, long c, long d, long e, long f)
{
	long r = syscall(nr, a, b, c, d, e, f);

	return r == -1 ? -errno : r;
}
#define RESTORER NULL /* the kernel's own return trampoline (vDSO or frame) */
#define RESTORER_FLAG 0
#endif

#define raw1(nr, a) raw6((nr), (long)(a), 0, 0, 0, 0, 0)
#define raw2(nr, a, b) raw6((nr), (long)(a), (long)(b), 0, 0, 0, 0)
#define raw3(nr, a, b, c) raw6((nr), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define raw4(nr, a, b, c, d) raw6((nr), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

enum stage { ST_START = 0, ST_NO_TIMER, ST_REFUSED, ST_ORIG_LOADED, ST_LOADED, ST_TRAPPED };

/* One child's job and what it reports. The caller owns it and reads it
 * only once the child is gone. */
struct sc_job {
	struct sock_fprog first;       /* installed first */
	struct sock_fprog orig;        /* tried when first is refused (len 0: none) */
	bool run_syscall;
	long nr, args[6];
	volatile int stage;
	volatile int first_err, orig_err;
	/* si_errno: the 16 data bits (linux-semantics: seccomp.trap-data) */
	volatile int32_t data;
	volatile int32_t sys_nr;       /* si_syscall */
	volatile uint32_t arch;        /* si_arch */
	volatile uint64_t ip;          /* si_call_addr = seccomp_data ip */
};

/* The layout rt_sigaction takes (MIPS: flags first, no restorer, a
 * 128-signal mask). */
#if defined(__mips__)
struct k_sigaction {
	unsigned int flags;
	void (*handler)(int, siginfo_t *, void *);
	uint64_t mask;
	uint64_t mask_hi;
	void (*restorer)(void); /* not the kernel's: keeps the code below common */
};
#define K_SIGSET_SIZE 16
#else
struct k_sigaction {
	void (*handler)(int, siginfo_t *, void *);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};
#define K_SIGSET_SIZE 8
#endif

struct k_rlimit {
	uint64_t cur, max;
};

struct k_itimerval {
	long interval_s, interval_us, value_s, value_us;
};

/* One child at a time per process: the job, the stack and the learnt
 * ip belong to the lock holder. */
static pthread_mutex_t run_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sc_job job;
static struct sc_job *volatile job_now;
static char *child_stack;
/* arch and ip of the trapped syscall instruction: the same in every child
 * (one instruction in this process's code), learnt from the first trap. */
static bool seen_known;
static uint32_t seen_arch;
static uint64_t seen_ip;

CHILD_CODE static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	struct sc_job *j = job_now;

	(void)sig;
	(void)uc;
	j->data = si->si_errno;
	j->sys_nr = si->si_syscall;
	j->arch = si->si_arch;
	j->ip = (uint64_t)(uintptr_t)si->si_call_addr;
	__atomic_store_n(&j->stage, ST_TRAPPED, __ATOMIC_RELEASE);
	/* SIGSYS is blocked in here: the filter's trap (or kill) of this
	 * call ends the child with SIGSYS. */
	raw1(SYS_exit_group, 0);
	__builtin_trap();
}

CHILD_CODE static int child_main(void *arg)
{
	struct sc_job *j = arg;
	struct k_sigaction sa, dfl = { 0 };
	uint64_t block[2] = { ~(1ull << (SIGSYS - 1) | 1ull << (SIGALRM - 1)), ~0ull };
	struct k_rlimit core = { 1, 1 }, none = { 0, 0 };
	struct k_itimerval timer = { 0, 0, CHILD_TIMEOUT_S, 0 };
	long r;

	if (raw3(SYS_setitimer, ITIMER_REAL, &timer, NULL) != 0) {
		__atomic_store_n(&j->stage, ST_NO_TIMER, __ATOMIC_RELEASE);
		raw1(SYS_exit_group, 0);
		__builtin_trap();
	}
	/* SIGALRM must end the child whatever handler the caller has (a
	 * fuzzer's own timeout, for one) */
	raw4(SYS_rt_sigaction, SIGALRM, &dfl, NULL, K_SIGSET_SIZE);
	raw4(SYS_rt_sigprocmask, SIG_SETMASK, block, NULL, K_SIGSET_SIZE);
	raw2(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL);
	if (raw4(SYS_prlimit64, 0, RLIMIT_CORE, &core, NULL) != 0)
		raw4(SYS_prlimit64, 0, RLIMIT_CORE, &none, NULL);
	sa.handler = on_sigsys;
	sa.flags = SA_SIGINFO | RESTORER_FLAG;
	sa.restorer = RESTORER;
	sa.mask = ~0ull;
#if defined(__mips__)
	sa.mask_hi = ~0ull;
#endif
	raw4(SYS_rt_sigaction, SIGSYS, &sa, NULL, K_SIGSET_SIZE);
	r = raw6(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0);
	if (r == 0)
		r = raw3(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &j->first);
	if (r != 0) {
		j->first_err = (int)-r;
		if (j->orig.len != 0) {
			r = raw3(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &j->orig);
			if (r == 0) {
				__atomic_store_n(&j->stage, ST_ORIG_LOADED, __ATOMIC_RELEASE);
				__builtin_trap();
			}
			j->orig_err = (int)-r;
		}
		__atomic_store_n(&j->stage, ST_REFUSED, __ATOMIC_RELEASE);
		raw1(SYS_exit_group, 0); /* no filter is in: a plain exit */
		__builtin_trap();
	}
	__atomic_store_n(&j->stage, ST_LOADED, __ATOMIC_RELEASE);
	if (j->run_syscall)
		raw6(j->nr, j->args[0], j->args[1], j->args[2], j->args[3], j->args[4], j->args[5]);
	__builtin_trap();
}

struct child_result {
	int stage;
	bool killed;        /* died of SIGSYS */
	bool timeout;
	int spawn_err;
	int first_err, orig_err;
	uint32_t data;
	int32_t nr;
	uint32_t arch;
	uint64_t ip;
};

/* Reap the child: it ends by itself (its timer at the latest). */
static void reap(pid_t pid, struct child_result *r)
{
	int status = 0;

	while (waitpid(pid, &status, __WCLONE) < 0 && errno == EINTR)
		;
	r->killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS;
	r->timeout = WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM;
}

/* One child: install first (then orig when first is refused and orig is
 * given); with in, make its syscall. */
static void run_child(const struct cbpf_insn *first, size_t nfirst, const struct cbpf_insn *orig,
		      size_t norig, const struct kc_seccomp_input *in, struct child_result *r)
{
	int saved_errno = errno;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	pthread_mutex_lock(&run_lock);
	if (child_stack == NULL) {
		void *p = mmap(NULL, CHILD_STACK, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
		if (p == MAP_FAILED) {
			r->spawn_err = errno;
			goto out;
		}
		mprotect(p, GUARD, PROT_NONE); /* an overflow faults */
		child_stack = p;
	}
	memset(&job, 0, sizeof(job));
	job.first.len = (unsigned short)nfirst;
	job.first.filter = (struct sock_filter *)(uintptr_t)first;
	job.orig.len = (unsigned short)norig;
	job.orig.filter = (struct sock_filter *)(uintptr_t)orig;
	if (in != NULL) {
		job.run_syscall = true;
		job.nr = in->nr;
		for (int i = 0; i < 6; i++)
			job.args[i] = (long)in->args[i];
	}
	job_now = &job;
	pid = clone(child_main, child_stack + CHILD_STACK,
		    CLONE_VM | CLONE_FS | CLONE_FILES, &job);
	if (pid < 0) {
		r->spawn_err = errno;
		goto out;
	}
	reap(pid, r);
	r->stage = __atomic_load_n(&job.stage, __ATOMIC_ACQUIRE);
	r->first_err = job.first_err;
	r->orig_err = job.orig_err;
	r->data = (uint32_t)job.data & 0xffffu;
	r->nr = job.sys_nr;
	r->arch = job.arch;
	r->ip = job.ip;
	if (r->stage == ST_TRAPPED) {
		seen_arch = r->arch;
		seen_ip = r->ip;
		seen_known = true;
	}
out:
	pthread_mutex_unlock(&run_lock);
	errno = saved_errno;
}

/* Why a child told nothing: "could not start", "timed out", ... */
static const char *child_failure(const struct child_result *r)
{
	return r->spawn_err ? "could not start" : r->timeout ? "timed out"
	     : r->stage == ST_NO_TIMER ? "could not arm its timer" : "died unexpectedly";
}

static void load_error(struct kc_load *out, const struct child_result *r)
{
	out->errnum = r->spawn_err ? r->spawn_err : r->timeout ? ETIMEDOUT : EIO;
	out->env_limit = true;
	snprintf(out->msg, sizeof(out->msg), "%s: the seccomp child %s",
		 cbpf_errno_name(out->errnum), child_failure(r));
}

static void load_refused(struct kc_load *out, int err)
{
	out->errnum = err;
	snprintf(out->msg, sizeof(out->msg), "%s: seccomp(SECCOMP_SET_MODE_FILTER) refused "
		 "the program", cbpf_errno_name(err));
}

int kc_seccomp_load(const struct cbpf_insn *insns, size_t n, struct kc_load *out)
{
	struct child_result r;

	memset(out, 0, sizeof(*out));
	out->readback_ok = true; /* seccomp has no read-back to compare */
	if (n > 65535) {
		out->errnum = EINVAL;
		snprintf(out->msg, sizeof(out->msg), "EINVAL: more than 65535 instructions");
		return -1;
	}
	run_child(insns, n, NULL, 0, NULL, &r);
	if (r.stage == ST_REFUSED) {
		load_refused(out, r.first_err);
		return -1;
	}
	if (r.stage != ST_LOADED) {
		load_error(out, &r);
		return -1;
	}
	return 0;
}

/* What the first run of a request learnt about the original's load. */
enum load_seen { LOAD_UNSEEN = 0, LOAD_OK, LOAD_REFUSED };

struct load_probe {
	const struct cbpf_insn *insns; /* the original, tried when the variant is refused */
	size_t n;
	enum load_seen seen;
	int err;
};

/* One rewritten run: 0 and *data (16 bits), 1 = killed (abort), -1 error.
 * With lp, a refused variant is followed by the original in the same
 * child, and lp learns the original's load. */
static int trap_run(const struct cbpf_insn *insns, const struct kc_shape *shape,
		    const struct kc_variant *v, const struct kc_seccomp_input *in,
		    uint32_t *data, struct kc_verdict *out, struct cbpf_seccomp_data *seen,
		    struct load_probe *lp)
{
	struct cbpf_insn small[128];
	size_t room = kc_variant_room(shape);
	struct cbpf_insn *buf = room <= 128 ? small : malloc(room * sizeof(*buf));
	struct child_result r;
	size_t len;

	if (buf == NULL) {
		out->error = ENOMEM;
		snprintf(out->note, sizeof(out->note), "out of memory");
		return -1;
	}
	len = kc_variant_build(v, shape, insns, buf);
	if (len == 0) {
		if (buf != small)
			free(buf);
		out->error = E2BIG;
		snprintf(out->note, sizeof(out->note), "the trap rewrite needs more than 4096 "
			 "instructions");
		return -1;
	}
	run_child(buf, len, lp ? lp->insns : NULL, lp ? lp->n : 0, in, &r);
	if (buf != small)
		free(buf);
	out->runs++;
	out->attaches++;
	if (lp != NULL) {
		if (r.stage == ST_LOADED || r.stage == ST_TRAPPED || r.stage == ST_ORIG_LOADED)
			lp->seen = LOAD_OK;
		else if (r.stage == ST_REFUSED && lp->n != 0) {
			lp->seen = LOAD_REFUSED;
			lp->err = r.orig_err;
		}
	}
	if (r.stage == ST_TRAPPED) {
		*data = r.data;
		if (seen != NULL) {
			seen->nr = r.nr;
			seen->arch = r.arch;
			seen->instruction_pointer = r.ip;
		}
		return 0;
	}
	if (r.killed && r.stage == ST_LOADED)
		return 1;
	out->error = r.spawn_err ? r.spawn_err : r.timeout ? ETIMEDOUT
		   : r.stage == ST_REFUSED || r.stage == ST_ORIG_LOADED ? r.first_err : EIO;
	snprintf(out->note, sizeof(out->note), "seccomp child: %s",
		 r.stage == ST_REFUSED || r.stage == ST_ORIG_LOADED ? "the trap rewrite was refused"
		 : child_failure(&r));
	return -1;
}

/* arch and ip for a run that never trapped: learnt from any earlier trap
 * (one syscall instruction serves every child), else from a probe. */
static void fill_seen(const struct kc_seccomp_input *in, struct cbpf_seccomp_data *seen)
{
	bool known;

	pthread_mutex_lock(&run_lock);
	known = seen_known;
	if (known) {
		seen->arch = seen_arch;
		seen->instruction_pointer = seen_ip;
	}
	pthread_mutex_unlock(&run_lock);
	if (!known) {
		const struct cbpf_insn trap[] = { cbpf_stmt(0x06, RET_TRAP) };
		struct child_result r;

		run_child(trap, 1, NULL, 0, in, &r);
		if (r.stage == ST_TRAPPED) {
			seen->arch = r.arch;
			seen->instruction_pointer = r.ip;
		}
	}
}

static void set_exact(struct kc_verdict *out, uint32_t v, bool abort)
{
	out->verdict = v;
	out->exact = true;
	out->abort_known = true;
	out->abort = abort;
}

static void verdict_with_shape(const struct cbpf_insn *insns, const struct kc_shape *shape,
			       const struct kc_seccomp_input *in, const struct kc_hint *hint,
			       struct kc_verdict *out, struct cbpf_seccomp_data *seen,
			       struct load_probe *lp)
{
	struct kc_variant v = { .kind = KC_VAR_IDS, .base = RET_TRAP };
	uint32_t lo, hi;
	int rc;

	if (!shape->has_ret_a) {
		/* one run: which constant */
		rc = trap_run(insns, shape, &v, in, &lo, out, seen, lp);
		if (rc == 0 && lo < shape->nconsts)
			set_exact(out, shape->consts[lo], false);
		else if (rc == 1)
			set_exact(out, 0, true);
		return;
	}
	if (hint != NULL && hint->valid && !hint->abort) {
		struct kc_variant c = { .kind = KC_VAR_VERIFY, .expect = hint->verdict,
					.match = RET_TRAP | 1, .mismatch = RET_TRAP };
		rc = trap_run(insns, shape, &c, in, &lo, out, seen, lp);
		if (rc < 0)
			return;
		if (rc == 1) {
			set_exact(out, 0, true);
			return;
		}
		if (lo == 1) {
			set_exact(out, hint->verdict, false);
			return;
		}
		lp = NULL;
	}
	v.kind = KC_VAR_SLICE;
	v.mask = 0xffff;
	v.add = RET_TRAP;
	v.shift = 0;
	rc = trap_run(insns, shape, &v, in, &lo, out, seen, lp);
	if (rc != 0) {
		if (rc == 1)
			set_exact(out, 0, true);
		return;
	}
	v.shift = 16;
	rc = trap_run(insns, shape, &v, in, &hi, out, seen, NULL);
	if (rc == 0)
		set_exact(out, hi << 16 | lo, false);
	else if (rc == 1)
		snprintf(out->note, sizeof(out->note), "killed in the second run only: the program "
			 "is not deterministic");
}

static void verdict_one(const struct cbpf_insn *insns, const struct kc_shape *shape,
			const struct kc_seccomp_input *in, const struct kc_hint *hint,
			struct kc_verdict *out, struct cbpf_seccomp_data *seen,
			struct load_probe *lp)
{
	struct cbpf_seccomp_data local;

	memset(out, 0, sizeof(*out));
	cbpf_ctx_init(&out->ctx);
	out->ctx.len = 64; /* seccomp rewrites ld #len to 64 */
	if (seen == NULL)
		seen = &local;
	memset(seen, 0, sizeof(*seen));
	seen->nr = in->nr;
	seen->arch = AUDIT_ARCH_X86_64;
	memcpy(seen->args, in->args, sizeof(seen->args));
	if (shape == NULL) {
		out->error = ENOMEM;
		snprintf(out->note, sizeof(out->note), "out of memory");
		return;
	}
	verdict_with_shape(insns, shape, in, hint, out, seen, lp);
	if (seen->instruction_pointer == 0)
		fill_seen(in, seen);
	out->killed = out->exact && out->abort;
}

/* The shape with inline rewrites allowed (NULL when out of memory). */
static struct kc_shape *shape_of(struct kc_shape *s, const struct cbpf_insn *insns, size_t n)
{
	if (kc_shape_init(s, insns, n) != 0)
		return NULL;
	if (kc_shape_allow_inline(s, insns) != 0) {
		kc_shape_free(s);
		return NULL;
	}
	return s;
}

void kc_seccomp_verdict(const struct cbpf_insn *insns, size_t n,
			const struct kc_seccomp_input *in, const struct kc_hint *hint,
			struct kc_verdict *out, struct cbpf_seccomp_data *seen)
{
	struct kc_shape s, *shape = shape_of(&s, insns, n);

	verdict_one(insns, shape, in, hint, out, seen, NULL);
	if (shape != NULL)
		kc_shape_free(shape);
}

/*
 * The load comes with the first verdict when the first run's variant
 * loads exactly when the original does: a program without `ret a` (only
 * constants change) or an inline rewrite (verdict_rewrite.c; seccomp has
 * no optmem_max). That child tries the original when the variant is
 * refused, so a refusal reports the original's own errno. Otherwise (an
 * epilogue rewrite, which can load where the original does not, or no
 * input) the original is installed on its own first.
 */
int kc_seccomp_request(const struct cbpf_insn *insns, size_t n,
		       const struct kc_seccomp_input *inputs, size_t count,
		       const struct kc_hint *hints, struct kc_load *load,
		       struct kc_verdict *verdicts, struct cbpf_seccomp_data *seen)
{
	struct kc_shape s, *shape;
	struct load_probe lp = { insns, n, LOAD_UNSEEN, 0 };
	bool load_known;
	int rc = 0;

	memset(load, 0, sizeof(*load));
	load->readback_ok = true;
	if (n > 65535)
		return kc_seccomp_load(insns, n, load);
	shape = shape_of(&s, insns, n);
	load_known = !(shape != NULL && count > 0 && (!shape->has_ret_a || shape->inline_ok));
	if (load_known && kc_seccomp_load(insns, n, load) != 0) {
		rc = -1;
		goto out;
	}
	for (size_t i = 0; i < count; i++) {
		verdict_one(insns, shape, &inputs[i], hints ? &hints[i] : NULL, &verdicts[i],
			    seen ? &seen[i] : NULL, load_known ? NULL : &lp);
		if (load_known)
			continue;
		load_known = true;
		if (lp.seen == LOAD_REFUSED) {
			load_refused(load, lp.err);
			rc = -1;
			break;
		}
		/* the first run told nothing (no variant, a child that did
		 * not start): ask about the original itself */
		if (lp.seen == LOAD_UNSEEN && kc_seccomp_load(insns, n, load) != 0) {
			rc = -1;
			break;
		}
	}
out:
	if (shape != NULL)
		kc_shape_free(shape);
	return rc;
}
