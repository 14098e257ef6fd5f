/*
 * rawrate.c - the raw kernel rates the kernel-differential targets are
 * measured against (fuzz/bench.py; not a fuzz target): over the same
 * random valid programs (kc_randprog, <= 32 instructions, 64-byte packet)
 *   attach   socketpair + SO_ATTACH_FILTER + close (kc_try_attach), what
 *            fuzz_validate_kernel does once per input;
 *   unix     attach + send + recv on one socket pair, the cost of one
 *            plain observation, what fuzz_vm_kernel builds on;
 *   seccomp  fork + install the filter + one syscall + reap: the least a
 *            seccomp verdict costs, what fuzz_seccomp_kernel builds on
 *            (the oracle forks one child per run, as here);
 *   seccomp_load  kc_try_seccomp_load (vfork, install, no syscall).
 * Prints one JSON object of rates per second.
 *
 *   rawrate [SECONDS_PER_MEASURE]
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
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

/* One verdict the cheapest way: the child installs the filter and makes
 * one syscall; the filter's action ends it or lets it exit. */
static void seccomp_once(const struct cbpf_insn *insns, size_t n)
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
		seccomp_once(progs[i % NPROGS], lens[i % NPROGS]);
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
	struct kc_randprog_opts o = { 32, PKT_LEN, false, false };
	struct kc_rng r;
	double a, u, s, f;

	kc_rng_seed(&r, 42);
	for (int i = 0; i < NPROGS; i++)
		lens[i] = kc_randprog(&r, &o, progs[i]);
	a = rate_attach(secs);
	u = rate_unix(secs);
	o.seccomp = true;
	for (int i = 0; i < NPROGS; i++)
		lens[i] = kc_randprog(&r, &o, progs[i]);
	s = rate_seccomp(secs);
	f = rate_seccomp_fork(secs);
	printf("{\"attach\": %.0f, \"unix\": %.0f, \"seccomp\": %.0f, \"seccomp_load\": %.0f}\n",
	       a, u, f, s);
	return 0;
}
