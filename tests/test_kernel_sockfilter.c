/*
 * test_kernel_sockfilter.c - attach / detach / lock / read-back on real
 * sockets (the attach.* entries of docs/linux-semantics.md), with errors
 * that name the kernel's errno, and the errno names themselves.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "cbpf/errname.h"
#include "sockfilter.h"

static void test_errno_names(void)
{
	CHECK_STR(cbpf_errno_name(EPERM), "EPERM");
	CHECK_STR(cbpf_errno_name(EINVAL), "EINVAL");
	CHECK_STR(cbpf_errno_name(ENOMEM), "ENOMEM");
	CHECK_STR(cbpf_errno_name(0), "OK");
	CHECK_STR(cbpf_errno_name(99999), "E99999");
}

/* SO_GET_FILTER returns the program verbatim: junk jt/jf/k in
 * instructions that do not use them included (linux-semantics:
 * attach.get-filter, validate.unchecked, attach.detach-enoent). */
static void test_readback_verbatim(void)
{
	const struct cbpf_insn p[] = {
		{ 0x00, 0x12, 0x34, 7 },          /* ld #7 with junk jt/jf */
		{ 0x87, 0xff, 0x01, 0xdeadbeef }, /* txa with junk everything */
		{ 0x16, 9, 9, 0x55 },             /* ret a with junk */
	};
	struct cbpf_prog back = { 0 };
	struct kc_error err;
	int sv[2];

	CHECK_EQ(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
	CHECK_EQ(kc_sock_read(sv[1], &back, &err), 0);
	CHECK_EQ(back.len, 0); /* no filter: empty */
	CHECK_EQ(kc_sock_attach(sv[1], p, 3, &err), 0);
	CHECK_EQ(err.errnum, 0);
	CHECK_EQ(kc_sock_read(sv[1], &back, &err), 0);
	CHECK_EQ(back.len, 3);
	CHECK(back.len == 3 && memcmp(back.insns, p, sizeof(p)) == 0);
	cbpf_prog_free(&back);
	CHECK_EQ(kc_sock_detach(sv[1], &err), 0);
	CHECK_EQ(kc_sock_read(sv[1], &back, &err), 0);
	CHECK_EQ(back.len, 0);
	/* detach with no filter: ENOENT */
	CHECK_EQ(kc_sock_detach(sv[1], &err), ENOENT);
	CHECK(strncmp(err.msg, "ENOENT: SO_DETACH_FILTER", 24) == 0);
	close(sv[0]);
	close(sv[1]);
}

/* After SO_LOCK_FILTER, attach and detach give EPERM (linux-semantics:
 * attach.locked). */
static void test_lock(void)
{
	const struct cbpf_insn p[] = { { 0x06, 0, 0, 1 } };
	struct cbpf_prog back = { 0 };
	struct kc_error err;
	int sv[2];

	CHECK_EQ(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
	CHECK_EQ(kc_sock_attach(sv[1], p, 1, &err), 0);
	CHECK_EQ(kc_sock_lock(sv[1], &err), 0);
	CHECK_EQ(kc_sock_attach(sv[1], p, 1, &err), EPERM);
	CHECK(strstr(err.msg, "EPERM: SO_ATTACH_FILTER: the socket's filter is locked") == err.msg);
	CHECK_EQ(kc_sock_detach(sv[1], &err), EPERM);
	CHECK(strncmp(err.msg, "EPERM:", 6) == 0);
	CHECK_EQ(kc_sock_read(sv[1], &back, &err), 0); /* still readable */
	CHECK_EQ(back.len, 1);
	cbpf_prog_free(&back);
	close(sv[0]);
	close(sv[1]);
}

/* linux-semantics: attach.len-u16 */
static void test_errors(void)
{
	const struct cbpf_insn bad[] = { { 0x0e, 0, 0, 0 } }; /* ret x */
	struct kc_error err;
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC), sv[2];

	CHECK_EQ(kc_sock_attach(fd, bad, 1, &err), ENOTSOCK);
	CHECK(strncmp(err.msg, "ENOTSOCK: SO_ATTACH_FILTER", 26) == 0);
	close(fd);
	CHECK_EQ(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
	CHECK_EQ(kc_sock_attach(sv[1], bad, 1, &err), EINVAL);
	CHECK(strncmp(err.msg, "EINVAL: SO_ATTACH_FILTER: the kernel rejected", 45) == 0);
	CHECK_EQ(kc_sock_attach(sv[1], bad, 65536, &err), EINVAL);
	CHECK(strstr(err.msg, "65535") != NULL);
	close(sv[0]);
	close(sv[1]);
}

/* Without CAP_NET_ADMIN, attaching to a TCP socket is EPERM while AF_UNIX
 * works (linux-semantics: attach.tcp-needs-cap-net-admin). Run in a child
 * that gives up root. */
static void test_unprivileged(void)
{
	const struct cbpf_insn p[] = { { 0x06, 0, 0, 1 } };
	pid_t pid;
	int status = 0;

	if (geteuid() != 0) {
		fprintf(stderr, "note: not root, unprivileged child test skipped\n");
		return;
	}
	pid = fork();
	if (pid == 0) {
		struct kc_error err;
		int tcp, sv[2], code = 0;

		if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0)
			_exit(10);
		tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (kc_sock_attach(tcp, p, 1, &err) != EPERM || strncmp(err.msg, "EPERM", 5) != 0)
			code |= 1;
		if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) != 0 ||
		    kc_sock_attach(sv[1], p, 1, &err) != 0)
			code |= 2;
		_exit(code);
	}
	CHECK(pid > 0);
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
}

int main(void)
{
	test_errno_names();
	test_readback_verbatim();
	test_lock();
	test_errors();
	test_unprivileged();
	return CHECK_DONE();
}
