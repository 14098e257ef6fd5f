/*
 * peak_mem.h - how much memory a call needs at its peak: the call runs in
 * a forked child that first resets its peak resident set to the current
 * one (writing 5 to /proc/self/clear_refs, Linux 4.0+), and its peak
 * after the call (VmHWM in /proc/self/status) is compared with its
 * resident set before (VmRSS). The child starts with the parent's pages
 * (the input the caller built), so the difference is what the call itself
 * touched, whatever allocator (ASan's included) serves it. Used to assert
 * bounds, not timings.
 */
#ifndef CBPF_TEST_PEAK_MEM_H
#define CBPF_TEST_PEAK_MEM_H

#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* A "Name:   N kB" line of /proc/self/status, or -1. */
static long proc_status_kib(const char *name)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;
	size_t n = strlen(name);

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, name, n) == 0 && line[n] == ':')
			v = strtol(line + n + 1, NULL, 10);
	if (f != NULL)
		fclose(f);
	return v;
}

static int reset_peak_rss(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");
	int ok = f != NULL && fputs("5", f) >= 0;

	if (f != NULL && fclose(f) != 0)
		ok = 0;
	return ok ? 0 : -1;
}

/* The peak growth in KiB of fn(arg), or -1 when the child could not run
 * or report. */
static long peak_growth_kib(void (*fn)(void *), void *arg)
{
	int fds[2];
	long grown = -1;
	pid_t pid;

	if (pipe(fds) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		long before, d = -1;
		close(fds[0]);
#ifdef __GLIBC__
		malloc_trim(0); /* free heap pages the parent left would hide growth */
#endif
		before = reset_peak_rss() == 0 ? proc_status_kib("VmRSS") : -1;
		fn(arg);
		if (before >= 0 && proc_status_kib("VmHWM") >= 0)
			d = proc_status_kib("VmHWM") - before;
		_exit(write(fds[1], &d, sizeof(d)) == (ssize_t)sizeof(d) ? 0 : 1);
	}
	close(fds[1]);
	if (pid > 0) {
		int st;
		if (read(fds[0], &grown, sizeof(grown)) != (ssize_t)sizeof(grown))
			grown = -1;
		waitpid(pid, &st, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			grown = -1;
	}
	close(fds[0]);
	return grown;
}

#endif
