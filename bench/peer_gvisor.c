/*
 * peer_gvisor.c - bench_vm's side of the gVisor benchmark
 * (peer_gvisor.h): the programs, frames and our verdicts into a temporary
 * file, the Go program run on it (no shell), its "gvisor I NS BAD" lines
 * read back, the file removed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "peer_gvisor.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void write_input(FILE *f, const uint8_t *const *pkts, const size_t *lens, int nframes,
			const struct gvisor_prog *progs, int nprog)
{
	fprintf(f, "frames %d\n", nframes);
	for (int i = 0; i < nframes; i++) {
		for (size_t b = 0; b < lens[i]; b++)
			fprintf(f, "%02x", pkts[i][b]);
		fputc('\n', f);
	}
	for (int p = 0; p < nprog; p++) {
		fprintf(f, "prog %d %u", p, progs[p].n);
		for (unsigned i = 0; i < progs[p].n; i++)
			fprintf(f, " %u,%u,%u,%u", progs[p].code[i], progs[p].jt[i], progs[p].jf[i],
				progs[p].k[i]);
		fputs("\nverdicts", f);
		for (int i = 0; i < nframes; i++)
			fprintf(f, " %u", progs[p].verdicts[i]);
		fputc('\n', f);
	}
}

/* exe file, its stdout into out; the exit status, or -1 with why. */
static int run_child(const char *exe, const char *file, FILE **out, pid_t *pid, char *why,
		     size_t wn)
{
	int fd[2];

	if (pipe(fd) != 0) {
		snprintf(why, wn, "pipe: %s", strerror(errno));
		return -1;
	}
	*pid = fork();
	if (*pid < 0) {
		snprintf(why, wn, "fork: %s", strerror(errno));
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	if (*pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execl(exe, exe, file, (char *)NULL);
		fprintf(stderr, "bench_vm: %s: %s\n", exe, strerror(errno));
		_exit(127);
	}
	close(fd[1]);
	*out = fdopen(fd[0], "r");
	if (*out == NULL) {
		snprintf(why, wn, "fdopen: %s", strerror(errno));
		close(fd[0]);
		waitpid(*pid, NULL, 0);
		return -1;
	}
	return 0;
}

static void read_results(FILE *in, int nprog, double *ns, int *bad)
{
	char line[512];

	while (fgets(line, sizeof(line), in) != NULL) {
		int id, mism;
		double t;

		if (sscanf(line, "gvisor %d %lf %d", &id, &t, &mism) == 3 && id >= 0 && id < nprog) {
			ns[id] = t;
			bad[id] = mism;
		} else if (strncmp(line, "gvisor ", 7) == 0) {
			fprintf(stderr, "bench_vm: %s", line);
		}
	}
}

int gvisor_measure(const char *exe, const uint8_t *const *pkts, const size_t *lens, int nframes,
		   const struct gvisor_prog *progs, int nprog, double *ns, int *bad, char *why,
		   size_t wn)
{
	char file[] = "/tmp/cbpf-bench-gvisor-XXXXXX";
	int fd = mkstemp(file), status = 0;
	FILE *f, *out;
	pid_t pid;

	for (int p = 0; p < nprog; p++) {
		ns[p] = -1;
		bad[p] = 0;
	}
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		snprintf(why, wn, "temporary file: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	write_input(f, pkts, lens, nframes, progs, nprog);
	if (fclose(f) != 0) {
		snprintf(why, wn, "%s: %s", file, strerror(errno));
		unlink(file);
		return -1;
	}
	if (run_child(exe, file, &out, &pid, why, wn) != 0) {
		unlink(file);
		return -1;
	}
	read_results(out, nprog, ns, bad);
	fclose(out);
	waitpid(pid, &status, 0);
	unlink(file);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(why, wn, "%s exited with status %d", exe,
			 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		return -1;
	}
	return 0;
}
