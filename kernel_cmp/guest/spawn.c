/*
 * guest/spawn.c - child programs with captured output (spawn.h).
 */
#include "spawn.h"
#include "target.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define OUT_MAX (16u << 20) /* 16 MiB of captured stdout is plenty */

bool kg_have_program(const char *name)
{
	const char *path = getenv("PATH");
	char dir[PATH_MAX];

	if (strchr(name, '/') != NULL)
		return access(name, X_OK) == 0;
	if (path == NULL)
		path = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
	while (*path) {
		size_t n = strcspn(path, ":");
		if (n > 0 && kg_fmt(dir, sizeof(dir), "%.*s/%s", (int)n, path, name) <
				     (int)sizeof(dir) && access(dir, X_OK) == 0)
			return true;
		path += n;
		if (*path == ':')
			path++;
	}
	return false;
}

struct sink {
	char *buf;
	size_t len, cap;
};

static int sink_add(struct sink *s, const char *data, size_t n)
{
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4096;
		char *nb;
		while (cap < s->len + n + 1)
			cap *= 2;
		if (cap > OUT_MAX)
			return -1;
		nb = realloc(s->buf, cap);
		if (nb == NULL)
			return -1;
		s->buf = nb;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	s->buf[s->len] = '\0';
	return 0;
}

/* The child: redirect and exec; never returns. */
static void child(const char *const *argv, const char *cwd, int outfd, int errfd)
{
	int null = open("/dev/null", O_RDONLY);

	if (null >= 0)
		dup2(null, 0);
	dup2(outfd, 1);
	dup2(errfd, 2);
	if (cwd != NULL && chdir(cwd) != 0)
		_exit(126);
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], (char *const *)argv);
	_exit(127);
}

/* Read both pipes until both close. */
static void drain(int outp, int errp, struct sink *out, struct sink *err)
{
	struct pollfd p[2] = { { outp, POLLIN, 0 }, { errp, POLLIN, 0 } };
	char buf[8192];

	while (p[0].fd >= 0 || p[1].fd >= 0) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			ssize_t n;
			if (p[i].fd < 0 || p[i].revents == 0)
				continue;
			n = read(p[i].fd, buf, sizeof(buf));
			if (n > 0) {
				sink_add(i == 0 ? out : err, buf, (size_t)n);
				continue;
			}
			if (n < 0 && errno == EINTR)
				continue;
			close(p[i].fd);
			p[i].fd = -1;
		}
	}
}

static void last_line(const char *s, char *out, size_t len)
{
	const char *end, *start;

	out[0] = '\0';
	if (s == NULL)
		return;
	end = s + strlen(s);
	while (end > s && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		end--;
	start = end;
	while (start > s && start[-1] != '\n')
		start--;
	kg_fmt(out, len, "%.*s", (int)(end - start), start);
}

int kg_run(const char *const *argv, const char *cwd, char **out, const char *log, char *why,
	   size_t len)
{
	int op[2] = { -1, -1 }, ep[2] = { -1, -1 }, logfd = -1, st = 0;
	struct sink so = { 0 }, se = { 0 };
	char tail[200];
	pid_t pid;

	if (out != NULL)
		*out = NULL;
	if (log != NULL && (logfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) < 0) {
		kg_fmt(why, len, "%s: %s", log, strerror(errno));
		return -1;
	}
	if (pipe2(op, O_CLOEXEC) != 0 || pipe2(ep, O_CLOEXEC) != 0) {
		kg_fmt(why, len, "pipe: %s", strerror(errno));
		goto fail;
	}
	pid = fork();
	if (pid < 0) {
		kg_fmt(why, len, "fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0)
		child(argv, cwd, out == NULL && logfd >= 0 ? logfd : op[1],
		      logfd >= 0 ? logfd : ep[1]);
	close(op[1]);
	close(ep[1]);
	op[1] = ep[1] = -1;
	drain(op[0], ep[0], &so, &se);
	op[0] = ep[0] = -1;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (logfd >= 0)
		close(logfd);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		if (out != NULL)
			*out = so.buf ? so.buf : strdup("");
		else
			free(so.buf);
		free(se.buf);
		return 0;
	}
	last_line(se.buf, tail, sizeof(tail));
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		kg_fmt(why, len, "%s: not found", argv[0]);
	else if (WIFEXITED(st))
		kg_fmt(why, len, "%s exited %d%s%s", argv[0], WEXITSTATUS(st), tail[0] ? ": " : "",
			 tail);
	else
		kg_fmt(why, len, "%s killed by signal %d", argv[0], WTERMSIG(st));
	free(so.buf);
	free(se.buf);
	return -1;
fail:
	for (int i = 0; i < 2; i++) {
		if (op[i] >= 0)
			close(op[i]);
		if (ep[i] >= 0)
			close(ep[i]);
	}
	if (logfd >= 0)
		close(logfd);
	return -1;
}
