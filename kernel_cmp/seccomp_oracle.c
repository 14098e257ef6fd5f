/*
 * seccomp_oracle.c - forked children running a program as their seccomp
 * filter; results come back through a shared page.
 */
#include "seccomp_oracle.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cbpf/errname.h"
#include "verdict_rewrite.h"

#define CHILD_TIMEOUT_NS (5LL * 1000 * 1000 * 1000)
#define RET_TRAP 0x00030000u  /* SECCOMP_RET_TRAP */

enum stage { ST_START = 0, ST_REFUSED, ST_LOADED, ST_TRAPPED };

/* The page a child writes (no syscalls needed once the filter is in). */
struct sc_page {
	volatile int stage;
	volatile int load_err;
	volatile int32_t data;         /* si_errno: the 16 data bits */
	volatile int32_t nr;           /* si_syscall */
	volatile uint32_t arch;        /* si_arch */
	volatile uint64_t ip;          /* si_call_addr = seccomp_data ip */
};

static struct sc_page *child_page;

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	child_page->data = si->si_errno;
	child_page->nr = si->si_syscall;
	child_page->arch = si->si_arch;
	child_page->ip = (uint64_t)(uintptr_t)si->si_call_addr;
	child_page->stage = ST_TRAPPED;
}

static _Noreturn void spin(void)
{
	for (;;)
		__asm__ volatile("pause");
}

/* In the child: install the filter; optionally issue the syscall. */
static _Noreturn void child_main(const struct cbpf_insn *insns, size_t n,
				 const struct kc_seccomp_input *in)
{
	struct sock_fprog fp = { (unsigned short)n, (struct sock_filter *)(void *)insns };
	struct sigaction sa;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSYS, &sa, NULL);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) != 0) {
		child_page->load_err = errno;
		child_page->stage = ST_REFUSED;
		_exit(0);
	}
	child_page->stage = ST_LOADED;
	if (in != NULL)
		syscall(in->nr, in->args[0], in->args[1], in->args[2], in->args[3], in->args[4],
			in->args[5]);
	spin();
}

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

struct child_result {
	int stage;
	bool killed;        /* died of SIGSYS before trapping */
	bool timeout;
	int spawn_err;
	struct sc_page page;
};

/* Wait until the child reports what we need (or dies), with a timeout;
 * then kill it and reap it. */
static void collect(pid_t pid, bool want_trap, struct child_result *r)
{
	long long deadline = now_ns() + CHILD_TIMEOUT_NS;
	int status, spins = 0;

	for (;;) {
		int st = child_page->stage;
		pid_t w;

		if (st == ST_REFUSED || st == ST_TRAPPED || (st == ST_LOADED && !want_trap))
			break;
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid) {
			r->killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS;
			r->stage = child_page->stage;
			r->page = *(struct sc_page *)child_page;
			return;
		}
		if (now_ns() > deadline) {
			r->timeout = true;
			break;
		}
		if (++spins > 64) {
			struct timespec ts = { 0, 20000 };
			nanosleep(&ts, NULL);
		} else {
			sched_yield();
		}
	}
	r->stage = child_page->stage;
	r->page = *(struct sc_page *)child_page;
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

static void run_child(const struct cbpf_insn *insns, size_t n, const struct kc_seccomp_input *in,
		      struct child_result *r)
{
	pid_t pid;

	memset(r, 0, sizeof(*r));
	if (child_page == NULL) {
		void *p = mmap(NULL, sizeof(struct sc_page), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			r->spawn_err = errno;
			return;
		}
		child_page = p;
	}
	memset((void *)child_page, 0, sizeof(*child_page));
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		r->spawn_err = errno;
		return;
	}
	if (pid == 0)
		child_main(insns, n, in);
	collect(pid, in != NULL, r);
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
	run_child(insns, n, NULL, &r);
	if (r.spawn_err || r.timeout || r.stage == ST_START) {
		out->errnum = r.spawn_err ? r.spawn_err : ETIMEDOUT;
		out->env_limit = true;
		snprintf(out->msg, sizeof(out->msg), "%s: the seccomp child %s",
			 cbpf_errno_name(out->errnum), r.spawn_err ? "could not start" : "did not answer");
		return -1;
	}
	if (r.stage == ST_REFUSED) {
		out->errnum = r.page.load_err;
		snprintf(out->msg, sizeof(out->msg), "%s: seccomp(SECCOMP_SET_MODE_FILTER) refused "
			 "the program", cbpf_errno_name(r.page.load_err));
		return -1;
	}
	return 0;
}

/* One rewritten run: 0 and *data (16 bits), 1 = killed (abort), -1 error. */
static int trap_run(const struct cbpf_insn *insns, size_t n, const struct kc_shape *shape,
		    const struct kc_variant *v, const struct kc_seccomp_input *in,
		    uint32_t *data, struct kc_verdict *out, struct cbpf_seccomp_data *seen)
{
	struct cbpf_insn *buf = malloc((n + KC_EPILOGUE_MAX) * sizeof(*buf));
	struct child_result r;
	size_t len;

	if (buf == NULL) {
		out->error = ENOMEM;
		snprintf(out->note, sizeof(out->note), "out of memory");
		return -1;
	}
	len = kc_variant_build(v, shape, insns, buf);
	if (len == 0) {
		free(buf);
		out->error = E2BIG;
		snprintf(out->note, sizeof(out->note), "the trap rewrite needs more than 4096 "
			 "instructions");
		return -1;
	}
	run_child(buf, len, in, &r);
	free(buf);
	out->runs++;
	out->attaches++;
	if (r.stage == ST_TRAPPED) {
		*data = (uint32_t)r.page.data & 0xffffu;
		if (seen != NULL) {
			seen->nr = r.page.nr;
			seen->arch = r.page.arch;
			seen->instruction_pointer = r.page.ip;
		}
		return 0;
	}
	if (r.killed && r.stage == ST_LOADED)
		return 1;
	out->error = r.spawn_err ? r.spawn_err : r.timeout ? ETIMEDOUT
		   : r.stage == ST_REFUSED ? r.page.load_err : EIO;
	snprintf(out->note, sizeof(out->note), "seccomp child: %s",
		 r.spawn_err ? "could not start" : r.timeout ? "timed out"
		 : r.stage == ST_REFUSED ? "the trap rewrite was refused" : "died unexpectedly");
	return -1;
}

/* The ip of our syscall instruction, for runs that never trapped. */
static void probe_seen(const struct kc_seccomp_input *in, struct cbpf_seccomp_data *seen)
{
	const struct cbpf_insn trap[] = { cbpf_stmt(0x06, RET_TRAP) };
	struct child_result r;

	run_child(trap, 1, in, &r);
	if (r.stage == ST_TRAPPED) {
		seen->arch = r.page.arch;
		seen->instruction_pointer = r.page.ip;
	}
}

static void set_exact(struct kc_verdict *out, uint32_t v, bool abort)
{
	out->verdict = v;
	out->exact = true;
	out->abort_known = true;
	out->abort = abort;
}

static void verdict_with_shape(const struct cbpf_insn *insns, size_t n,
			       const struct kc_shape *shape, const struct kc_seccomp_input *in,
			       const struct kc_hint *hint, struct kc_verdict *out,
			       struct cbpf_seccomp_data *seen)
{
	struct kc_variant v = { .kind = KC_VAR_IDS, .base = RET_TRAP };
	uint32_t lo, hi;
	int rc;

	if (!shape->has_ret_a) {
		/* one run: which constant */
		rc = trap_run(insns, n, shape, &v, in, &lo, out, seen);
		if (rc == 0 && lo < shape->nconsts)
			set_exact(out, shape->consts[lo], false);
		else if (rc == 1)
			set_exact(out, 0, true);
		return;
	}
	if (hint != NULL && hint->valid && !hint->abort) {
		struct kc_variant c = { .kind = KC_VAR_VERIFY, .expect = hint->verdict,
					.match = RET_TRAP | 1, .mismatch = RET_TRAP };
		rc = trap_run(insns, n, shape, &c, in, &lo, out, seen);
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
	}
	v.kind = KC_VAR_SLICE;
	v.mask = 0xffff;
	v.add = RET_TRAP;
	v.shift = 0;
	rc = trap_run(insns, n, shape, &v, in, &lo, out, seen);
	if (rc != 0) {
		if (rc == 1)
			set_exact(out, 0, true);
		return;
	}
	v.shift = 16;
	rc = trap_run(insns, n, shape, &v, in, &hi, out, seen);
	if (rc == 0)
		set_exact(out, hi << 16 | lo, false);
	else if (rc == 1)
		snprintf(out->note, sizeof(out->note), "killed in the second run only: the program "
			 "is not deterministic");
}

void kc_seccomp_verdict(const struct cbpf_insn *insns, size_t n,
			const struct kc_seccomp_input *in, const struct kc_hint *hint,
			struct kc_verdict *out, struct cbpf_seccomp_data *seen)
{
	struct cbpf_seccomp_data local;
	struct kc_shape shape;

	memset(out, 0, sizeof(*out));
	cbpf_ctx_init(&out->ctx);
	out->ctx.len = 64; /* seccomp rewrites ld #len to 64 */
	if (seen == NULL)
		seen = &local;
	memset(seen, 0, sizeof(*seen));
	seen->nr = in->nr;
	seen->arch = AUDIT_ARCH_X86_64;
	memcpy(seen->args, in->args, sizeof(seen->args));
	if (kc_shape_init(&shape, insns, n) != 0) {
		out->error = ENOMEM;
		snprintf(out->note, sizeof(out->note), "out of memory");
		return;
	}
	verdict_with_shape(insns, n, &shape, in, hint, out, seen);
	if (seen->instruction_pointer == 0)
		probe_seen(in, seen);
	out->killed = out->exact && out->abort;
	kc_shape_free(&shape);
}

int kc_seccomp_request(const struct cbpf_insn *insns, size_t n,
		       const struct kc_seccomp_input *inputs, size_t count,
		       const struct kc_hint *hints, struct kc_load *load,
		       struct kc_verdict *verdicts, struct cbpf_seccomp_data *seen)
{
	struct kc_shape shape;
	bool orig_checked = false;

	/* Without `ret a` the first trap run loads exactly when the original
	 * does; otherwise ask about the original itself. */
	memset(load, 0, sizeof(*load));
	load->readback_ok = true;
	if (kc_shape_init(&shape, insns, n) == 0) {
		orig_checked = !shape.has_ret_a && count > 0 && n <= CBPF_MAXINSNS;
		kc_shape_free(&shape);
	}
	if (!orig_checked && kc_seccomp_load(insns, n, load) != 0)
		return -1;
	for (size_t i = 0; i < count; i++) {
		kc_seccomp_verdict(insns, n, &inputs[i], hints ? &hints[i] : NULL, &verdicts[i],
				   seen ? &seen[i] : NULL);
		/* No verdict from the first run (refused, or no trap variant
		 * could be built, as for the empty program): the load was not
		 * observed, so ask about the original itself. */
		if (i == 0 && orig_checked && verdicts[0].error != 0)
			return kc_seccomp_load(insns, n, load) != 0 ? -1 : 0;
	}
	return 0;
}
