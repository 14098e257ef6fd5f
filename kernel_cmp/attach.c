/*
 * attach.c - SO_ATTACH_FILTER on sockets this code creates itself.
 */
#include "attach.h"

#include <errno.h>
#include <linux/filter.h>
#include <sys/socket.h>
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
