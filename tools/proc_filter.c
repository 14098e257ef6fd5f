/*
 * proc_filter.c - the seccomp filter a running process has installed,
 * read with ptrace(PTRACE_SECCOMP_GET_FILTER) (`--pid PID[:INDEX]`,
 * load.h): seize the thread, interrupt it into a ptrace stop, ask for the
 * filter INDEX (0 = the first installed; every installed filter runs),
 * detach. The
 * kernel gives the classic BPF it was given, as struct sock_filter
 * records. Needs CAP_SYS_ADMIN (the kernel's rule); the thread is only
 * stopped for the two calls, and no signal is sent to it.
 */
#include "proc_filter.h"

#include <errno.h>
#include <linux/filter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "cbpf/errname.h"
#include "cbpf/program.h"

#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER 0x420c
#endif

static int fail(const char *name, const char *what, int err)
{
	const char *hint = "";

	if (err == EINVAL && strcmp(what, "PTRACE_SECCOMP_GET_FILTER") == 0)
		hint = " (the process has no seccomp filter)";
	else if (err == ENOENT)
		hint = " (the process has fewer filters: 0 is the first installed)";
	else if (err == EPERM || err == EACCES)
		hint = " (reading a filter needs CAP_SYS_ADMIN)";
	else if (err == ESRCH)
		hint = " (no such process)";
	else if (err == EMEDIUMTYPE)
		hint = " (the filter is not classic BPF)";
	fflush(stdout);
	fprintf(stderr, "%s: %s: %s%s\n", name, what, cbpf_errno_name(err), hint);
	return -1;
}

/* The filter, with the thread in a ptrace stop. */
static int get_filter(const char *name, pid_t pid, unsigned index, struct cbpf_prog *prog)
{
	long n = ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *)(unsigned long)index, NULL);
	struct sock_filter *f;

	if (n < 0)
		return fail(name, "PTRACE_SECCOMP_GET_FILTER", errno);
	f = calloc((size_t)n + 1, sizeof(*f));
	if (f == NULL)
		return fail(name, "reading the filter", ENOMEM);
	n = ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *)(unsigned long)index, f);
	if (n < 0) {
		free(f);
		return fail(name, "PTRACE_SECCOMP_GET_FILTER", errno);
	}
	for (long i = 0; i < n; i++) {
		if (cbpf_prog_push(prog, cbpf_jump(f[i].code, f[i].k, f[i].jt, f[i].jf)) != 0) {
			free(f);
			return fail(name, "reading the filter", ENOMEM);
		}
	}
	free(f);
	return 0;
}

int proc_filter_read(const char *name, pid_t pid, unsigned index, struct cbpf_prog *prog)
{
	int status, rc;

	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) != 0)
		return fail(name, "PTRACE_SEIZE", errno);
	if (ptrace(PTRACE_INTERRUPT, pid, NULL, NULL) != 0) {
		int e = errno;
		ptrace(PTRACE_DETACH, pid, NULL, NULL);
		return fail(name, "PTRACE_INTERRUPT", e);
	}
	errno = 0;
	if (waitpid(pid, &status, __WALL) != pid || !WIFSTOPPED(status)) {
		int e = errno != 0 ? errno : ESRCH;
		ptrace(PTRACE_DETACH, pid, NULL, NULL);
		return fail(name, "waiting for the ptrace stop", e);
	}
	rc = get_filter(name, pid, index, prog);
	/* a signal-delivery stop (not our PTRACE_EVENT_STOP) gets its signal back */
	ptrace(PTRACE_DETACH, pid, NULL,
	       (void *)(long)((status >> 16) == 0 ? WSTOPSIG(status) : 0));
	return rc;
}
