/*
 * sockfilter.h - classic BPF filters on any socket, for real use (what
 * x/net/bpf's Setter gives Go programs): attach, detach, lock and read
 * back. Every failure names the kernel's errno and what it means for that
 * call, e.g. "EPERM: the socket's filter is locked (SO_LOCK_FILTER)".
 */
#ifndef CBPF_KERNEL_SOCKFILTER_H
#define CBPF_KERNEL_SOCKFILTER_H

#include <stddef.h>

#include "cbpf/insn.h"
#include "cbpf/program.h"

struct kc_error {
	int errnum;       /* 0 = success, else the kernel's errno */
	char msg[192];    /* "EPERM: ..." */
};

/* SO_ATTACH_FILTER (replaces any filter already attached; note the kernel
 * charges old and new against optmem_max while it replaces). */
int kc_sock_attach(int fd, const struct cbpf_insn *insns, size_t n, struct kc_error *err);

/* SO_DETACH_FILTER. ENOENT when no filter is attached. */
int kc_sock_detach(int fd, struct kc_error *err);

/* SO_LOCK_FILTER: after it, attach and detach give EPERM. The lock
 * cannot be undone. */
int kc_sock_lock(int fd, struct kc_error *err);

/* SO_GET_FILTER: the program exactly as it was attached (the kernel keeps
 * the original next to its eBPF translation). A socket without a filter
 * gives an empty program and 0. *out must be empty; on failure it stays
 * empty. */
int kc_sock_read(int fd, struct cbpf_prog *out, struct kc_error *err);

#endif
