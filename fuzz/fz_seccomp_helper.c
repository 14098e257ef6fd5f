/*
 * fz_seccomp_helper.c - the seccomp oracle served by a helper process
 * forked early (fz_seccomp_helper.h).
 */
#include "fz_seccomp_helper.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fz_input.h"

struct request {
	uint32_t n;
	bool has_hint;
	struct kc_hint hint;
	struct kc_seccomp_input in;
	struct cbpf_insn insns[FZ_MAXINSNS];
};

struct response {
	int rc;
	struct kc_load load;
	struct kc_verdict verdict;
	struct cbpf_seccomp_data seen;
};

static int helper_fd = -1;

static _Noreturn void serve(int fd)
{
	static struct request q;
	static struct response r;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (;;) {
		ssize_t got = recv(fd, &q, sizeof(q), 0);
		if (got != (ssize_t)sizeof(q))
			_exit(0);
		memset(&r, 0, sizeof(r));
		r.rc = kc_seccomp_request(q.insns, q.n, &q.in, 1, q.has_hint ? &q.hint : NULL,
					  &r.load, &r.verdict, &r.seen);
		if (send(fd, &r, sizeof(r), 0) != (ssize_t)sizeof(r))
			_exit(0);
	}
}

int fz_seccomp_helper_start(void)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		serve(sv[1]);
	}
	close(sv[1]);
	helper_fd = sv[0];
	return 0;
}

static int ask_helper(const struct request *q, struct response *r)
{
	if (send(helper_fd, q, sizeof(*q), 0) != (ssize_t)sizeof(*q))
		return -1;
	return recv(helper_fd, r, sizeof(*r), 0) == (ssize_t)sizeof(*r) ? 0 : -1;
}

int fz_seccomp_request(const struct cbpf_insn *insns, size_t n,
		       const struct kc_seccomp_input *in, const struct kc_hint *hint,
		       struct kc_load *load, struct kc_verdict *verdict,
		       struct cbpf_seccomp_data *seen)
{
	static struct request q;
	static struct response r;

	if (helper_fd < 0 || n > FZ_MAXINSNS)
		return kc_seccomp_request(insns, n, in, 1, hint, load, verdict, seen);
	memset(&q, 0, sizeof(q));
	q.n = (uint32_t)n;
	memcpy(q.insns, insns, n * sizeof(*insns));
	q.in = *in;
	q.has_hint = hint != NULL;
	if (hint)
		q.hint = *hint;
	if (ask_helper(&q, &r) != 0) {
		close(helper_fd);
		helper_fd = -1;
		return kc_seccomp_request(insns, n, in, 1, hint, load, verdict, seen);
	}
	*load = r.load;
	*verdict = r.verdict;
	*seen = r.seen;
	return r.rc;
}
