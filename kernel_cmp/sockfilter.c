/*
 * sockfilter.c - attach, detach, lock and read back socket filters, with
 * errors that say what the kernel's errno means for each call.
 */
#include "sockfilter.h"

#include <errno.h>
#include <linux/filter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "attach.h"
#include "cbpf/errname.h"

static const char *attach_reason(int e)
{
	switch (e) {
	case EPERM: return "the socket's filter is locked (SO_LOCK_FILTER), or it is a TCP "
			   "socket and the caller lacks CAP_NET_ADMIN";
	case EINVAL: return "the kernel rejected the program (bpf_check_classic, length "
			    "1..4096, or an eBPF jump out of s16 range after conversion)";
	case ENOMEM: return "the converted program does not fit net.core.optmem_max "
			    "(replacing a filter charges both programs)";
	case EBADF: return "not an open file descriptor";
	case ENOTSOCK: return "not a socket";
	case EFAULT: return "bad program pointer";
	default: return strerror(e);
	}
}

static int fail(struct kc_error *err, int e, const char *what, const char *reason)
{
	if (err != NULL) {
		err->errnum = e;
		snprintf(err->msg, sizeof(err->msg), "%s: %s: %s", cbpf_errno_name(e), what, reason);
	}
	return e;
}

static int ok(struct kc_error *err)
{
	if (err != NULL) {
		err->errnum = 0;
		err->msg[0] = '\0';
	}
	return 0;
}

int kc_sock_attach(int fd, const struct cbpf_insn *insns, size_t n, struct kc_error *err)
{
	int e;

	if (n > 65535)
		return fail(err, EINVAL, "SO_ATTACH_FILTER", "more than 65535 instructions "
			    "cannot be passed (sock_fprog.len is 16 bits)");
	e = kc_attach(fd, insns, n);
	if (e != 0)
		return fail(err, e, "SO_ATTACH_FILTER", attach_reason(e));
	return ok(err);
}

int kc_sock_detach(int fd, struct kc_error *err)
{
	int zero = 0, e;

	/* sk_setsockopt() wants an int-sized optval even where it is unused */
	if (setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, &zero, sizeof(zero)) == 0)
		return ok(err);
	e = errno;
	return fail(err, e, "SO_DETACH_FILTER",
		    e == ENOENT ? "no filter is attached"
		    : e == EPERM ? "the socket's filter is locked (SO_LOCK_FILTER)"
		    : strerror(e));
}

int kc_sock_lock(int fd, struct kc_error *err)
{
	int one = 1, e;

	if (setsockopt(fd, SOL_SOCKET, SO_LOCK_FILTER, &one, sizeof(one)) == 0)
		return ok(err);
	e = errno;
	return fail(err, e, "SO_LOCK_FILTER", strerror(e));
}

/* SO_GET_FILTER's optlen counts instructions, not bytes: 0 asks for the
 * length, a too-small count gives EINVAL. */
int kc_sock_read(int fd, struct cbpf_prog *out, struct kc_error *err)
{
	socklen_t count = 0;
	struct cbpf_insn *buf;
	int e;

	if (getsockopt(fd, SOL_SOCKET, SO_GET_FILTER, NULL, &count) != 0) {
		e = errno;
		return fail(err, e, "SO_GET_FILTER",
			    e == EACCES ? "the filter was attached with SO_ATTACH_BPF"
					: strerror(e));
	}
	if (count == 0)
		return ok(err);
	buf = calloc(count, sizeof(*buf));
	if (buf == NULL)
		return fail(err, ENOMEM, "SO_GET_FILTER", "out of memory in the caller");
	if (getsockopt(fd, SOL_SOCKET, SO_GET_FILTER, buf, &count) != 0) {
		e = errno;
		free(buf);
		return fail(err, e, "SO_GET_FILTER",
			    e == EINVAL ? "the filter changed while it was read" : strerror(e));
	}
	for (socklen_t i = 0; i < count; i++) {
		if (cbpf_prog_push(out, buf[i]) != 0) {
			free(buf);
			cbpf_prog_free(out);
			return fail(err, ENOMEM, "SO_GET_FILTER", "out of memory in the caller");
		}
	}
	free(buf);
	return ok(err);
}
