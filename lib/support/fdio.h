/*
 * support/fdio.h - (private) whole writes to a file descriptor, for the
 * tools, oracles, plugins and tests that speak line protocols over pipes.
 */
#ifndef CBPF_FDIO_H
#define CBPF_FDIO_H

#include <stddef.h>

/* Write all n bytes to fd, going on after EINTR and short writes; 0, or
 * -1 with errno set when fd cannot take them (EPIPE, EAGAIN, ...). */
int fd_write_all(int fd, const void *p, size_t n);

#endif
