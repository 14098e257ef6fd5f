/*
 * rawrate.c - the raw kernel rates the kernel-differential targets are
 * measured against (fuzz/bench.py; not a fuzz target): over the same
 * random valid programs (ts_randprog of testsupport/, <= 32 instructions,
 * 64-byte packet)
 *   attach   socketpair + SO_ATTACH_FILTER + close (kc_try_attach), what
 *            fuzz_validate_kernel does once per input;
 *   unix     attach + send + recv on one socket pair, the cost of one
 *            plain observation, what fuzz_vm_kernel builds on;
 *   seccomp  the least one seccomp verdict costs with the mechanism the
 *            oracle uses (kernel_cmp/seccomp_oracle.c), what
 *            fuzz_seccomp_kernel builds on: a child sharing the caller's
 *            memory, clone(CLONE_VM | CLONE_FS | CLONE_FILES), installs
 *            the filter and makes one syscall, and is reaped. Here it is
 *            the cheapest plain form of that: CLONE_VFORK (the parent
 *            sleeps in clone until the child is gone), no_new_privs,
 *            install, getppid, exit_group, waitpid, with the programs as
 *            they are; no timer, signal mask, death signal, core limit or
 *            SIGSYS handler (the oracle's child sets those, and its parent
 *            sleeps in waitpid only). Most of these children die of a KILL
 *            action, which the kernel audit-logs;
 *   seccomp_trap  the same on the same programs with every return made
 *            SECCOMP_RET_TRAP (`ret a` too), as the oracle's rewrites are:
 *            no audit record, the child dies of SIGSYS. The kernel work
 *            closest to the oracle's; faster than seccomp by the audit
 *            records (10-50% here);
 *   seccomp_fork  the same with fork(), for comparison (what the oracle
 *            did before it shared memory with its children);
 *   seccomp_load  kc_try_seccomp_load (vfork, install, no syscall).
 * Prints one JSON object of rates per second.
 *
 *   rawrate [SECONDS_PER_MEASURE]
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "attach.h"
#include "randprog.h"

#define NPROGS 512
#define PKT_LEN 64

static struct cbpf_insn progs[NPROGS][32];
static size_t lens[NPROGS];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double rate_attach(double secs)
{
	double t0 = now(), t;
	long i = 0;

	do {
		kc_try_attach(progs[i % NPROGS], lens[i % NPROGS]);
		i++;
	} while ((t = now() - t0) < secs);
	return (double)i / t;
}

static double rate_unix(double secs)
{
	unsigned char pkt[PKT_LEN] = { 0 }, byte;
	double t0, t;
	long i = 0;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) != 0)
		return 0;
	t0 = now();
	do {
		kc_attach(sv[1], progs[i % NPROGS], lens[i % NPROGS]);
		send(sv[0], pkt, PKT_LEN, 0);
		recv(sv[1], &byte, 1, MSG_DONTWAIT | MSG_TRUNC);
		i++;
	} while ((t = now() - t0) < secs);
	close(sv[0]);
	close(sv[1]);
	return (double)i / t;
}

/* The child: no sanitizer or coverage code (it shares the parent's memory
 * and thread-locals, on a stack of its own). The filter's action on
 * getppid (or on exit_group) ends it; an action that lets both return
 * (ERRNO, TRACE without a tracer...) meets the trap instruction. */
#if defined(__clang__)
#define CHILD_CODE __attribute__((no_sanitize("address", "undefined", "coverage")))
#else
#define CHILD_CODE __attribute__((no_sanitize("address", "undefined")))
#endif

static struct sock_fprog child_prog;
static char child_stack[64 * 1024] __attribute__((aligned(16)));

CHILD_CODE static int seccomp_child(void *arg)
{
	(void)arg;
	if (syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &child_prog) == 0)
		syscall(SYS_getppid);
	syscall(SYS_exit_group, 0);
	__builtin_trap();
}

/* One verdict the cheapest way with the oracle's mechanism. */
static void seccomp_once(const struct cbpf_insn *insns, size_t n)
{
	int status;
	pid_t pid;

	child_prog.len = (unsigned short)n;
	child_prog.filter = (struct sock_filter *)(void *)insns;
	pid = clone(seccomp_child, child_stack + sizeof(child_stack),
		    CLONE_VM | CLONE_VFORK | CLONE_FS | CLONE_FILES | SIGCHLD, NULL);
	if (pid > 0)
		waitpid(pid, &status, 0);
}

/* Every return of progs made TRAP, in place. */
static void all_trap(void)
{
	for (int i = 0; i < NPROGS; i++)
		for (size_t j = 0; j < lens[i]; j++)
			if (progs[i][j].code == (CBPF_RET | CBPF_RET_K) ||
			    progs[i][j].code == (CBPF_RET | CBPF_RET_A))
				progs[i][j] = cbpf_stmt(CBPF_RET | CBPF_RET_K,
							SECCOMP_RET_TRAP | (progs[i][j].k & 0xffff));
}

static double rate_seccomp_clone(double secs)
{
	double t0 = now(), t;
	long i = 0;

	do {
		seccomp_once(progs[i % NPROGS], lens[i % NPROGS]);
		i++;
	} while ((t = now() - t0) < secs);
	return (double)i / t;
}

/* The same with fork. */
static void seccomp_fork_once(const struct cbpf_insn *insns, size_t n)
{
	struct sock_fprog fp = { (unsigned short)n, (struct sock_filter *)(void *)insns };
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
		    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) == 0)
			syscall(SYS_getppid);
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
}

static double rate_seccomp_fork(double secs)
{
	double t0 = now(), t;
	long i = 0;

	do {
		seccomp_fork_once(progs[i % NPROGS], lens[i % NPROGS]);
		i++;
	} while ((t = now() - t0) < secs);
	return (double)i / t;
}

static double rate_seccomp(double secs)
{
	double t0 = now(), t;
	long i = 0;

	do {
		kc_try_seccomp_load(progs[i % NPROGS], lens[i % NPROGS]);
		i++;
	} while ((t = now() - t0) < secs);
	return (double)i / t;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 3.0;
	struct ts_prog_opts o = { .max_len = 32, .pkt_hint = PKT_LEN, .det = TS_DET_NO_DEVICE,
				   .valid = true, .scratch_mix = true };
	struct ts_rng r;
	double a, u, s, c, t, f;

	ts_seed(&r, 42);
	for (int i = 0; i < NPROGS; i++)
		lens[i] = ts_randprog(&r, &o, progs[i]);
	a = rate_attach(secs);
	u = rate_unix(secs);
	o.profile = CBPF_PROFILE_SECCOMP;
	for (int i = 0; i < NPROGS; i++)
		lens[i] = ts_randprog(&r, &o, progs[i]);
	s = rate_seccomp(secs);
	c = rate_seccomp_clone(secs);
	f = rate_seccomp_fork(secs);
	all_trap();
	t = rate_seccomp_clone(secs);
	printf("{\"attach\": %.0f, \"unix\": %.0f, \"seccomp\": %.0f, \"seccomp_load\": %.0f, "
	       "\"seccomp_fork\": %.0f, \"seccomp_trap\": %.0f}\n", a, u, c, s, f, t);
	return 0;
}
