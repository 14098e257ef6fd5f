/*
 * attach.c - SO_ATTACH_FILTER on sockets this code creates itself, what
 * such a socket delivered, and seccomp filter loads in children it forks
 * itself.
 */
#include "attach.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

_Static_assert(sizeof(struct sock_filter) == sizeof(struct cbpf_insn),
	       "struct cbpf_insn must match struct sock_filter");

int kc_attach(int fd, const struct cbpf_insn *insns, size_t n)
{
	struct sock_fprog prog;

	if (n > 65535)
		return EINVAL;
	prog.len = (unsigned short)n;
	prog.filter = (struct sock_filter *)(void *)insns;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) != 0)
		return errno;
	return 0;
}

int kc_try_attach(const struct cbpf_insn *insns, size_t n)
{
	int sv[2], err;

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) != 0)
		return errno;
	err = kc_attach(sv[1], insns, n);
	close(sv[0]);
	close(sv[1]);
	return err;
}

int kc_recv_delivered(int fd, long *got, char *note, size_t notelen)
{
	unsigned char byte;
	ssize_t r = recv(fd, &byte, sizeof(byte), MSG_DONTWAIT | MSG_TRUNC);

	if (r >= 0) {
		*got = (long)r;
		return 0;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK) {
		*got = -1; /* dropped: verdict 0 or an abort */
		return 0;
	}
	snprintf(note, notelen, "recv: %s", strerror(errno));
	return errno;
}

/*
 * Seccomp loads run in a vfork()ed child: we sleep until it is gone, and
 * it reports through a shared page without any system call (once the
 * filter is installed every one of them is filtered). It must therefore
 * end by itself whatever the filter says: exit_group works for
 * RET_ALLOW/RET_LOG; RET_KILL_* and RET_TRAP kill it with SIGSYS; for
 * anything else (RET_ERRNO, RET_TRACE without a tracer, ...) the trap
 * instruction raises SIGILL, which needs no system call. RLIMIT_CORE 1
 * stops core files and core pipes alike. The page comes from mmap so the
 * compiler cannot assume the parent's view of it is unchanged.
 */
struct seccomp_result {
	volatile int done;
	volatile int errnum;
};

__attribute__((noinline)) static _Noreturn void
seccomp_child(struct seccomp_result *res, const struct cbpf_insn *insns, size_t n)
{
	struct sock_fprog prog = { (unsigned short)n, (struct sock_filter *)(void *)insns };
	struct rlimit tiny_core = { 1, 1 };
	int err = 0;

	setrlimit(RLIMIT_CORE, &tiny_core);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		err = errno;
	else if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0)
		err = errno;
	res->errnum = err;
	res->done = 1;
	syscall(SYS_exit_group, 0);
	__builtin_trap();
}

static int seccomp_run(struct seccomp_result *res, const struct cbpf_insn *insns, size_t n)
{
	int status;
	pid_t pid = vfork();

	if (pid == 0)
		seccomp_child(res, insns, n);
	if (pid < 0)
		return -1;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!res->done) {
		errno = ECHILD;
		return -1;
	}
	return res->errnum;
}

int kc_try_seccomp_load(const struct cbpf_insn *insns, size_t n)
{
	struct seccomp_result *res;
	int ret;

	if (n > 65535) {
		errno = E2BIG;
		return -1;
	}
	res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED)
		return -1;
	res->done = 0;
	res->errnum = 0;
	ret = seccomp_run(res, insns, n);
	munmap(res, sizeof(*res));
	return ret;
}
