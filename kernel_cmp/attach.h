/*
 * attach.h - attaching classic BPF programs to real sockets, reading back
 * what the filter delivered, and loading them as seccomp filters: the
 * smallest kernel oracles (load accept/reject), and what the full oracles
 * build on.
 */
#ifndef CBPF_KERNEL_ATTACH_H
#define CBPF_KERNEL_ATTACH_H

#include <stddef.h>

#include "cbpf/insn.h"

/* SO_ATTACH_FILTER on fd. Returns 0 or the kernel's errno. n must be
 * <= 65535 (sock_fprog.len is a u16). */
int kc_attach(int fd, const struct cbpf_insn *insns, size_t n);

/* Attach to the receiving end of a fresh AF_UNIX SOCK_DGRAM socket pair
 * (never reuse a socket: replacing a filter charges both programs;
 * linux-semantics: attach.replace-charges-both) and close it again.
 * Returns 0 or the kernel's errno. */
int kc_try_attach(const struct cbpf_insn *insns, size_t n);

/* What a filtered receiver saw after one send: recv(MSG_DONTWAIT|MSG_TRUNC)
 * on fd, *got = the delivered (trimmed) length, or -1 when nothing is
 * queued (a drop or an abort). Returns 0, or the errno of a failed recv
 * with `note` saying so. */
int kc_recv_delivered(int fd, long *got, char *note, size_t notelen);

/* Install the program as a seccomp filter (SECCOMP_SET_MODE_FILTER after
 * PR_SET_NO_NEW_PRIVS) in a forked child, which is then discarded: the
 * calling process is never filtered. Returns 0 when the kernel accepted
 * the filter, the kernel's errno when it refused it, or -1 (errno set)
 * when the probe itself could not run (fork, mmap). */
int kc_try_seccomp_load(const struct cbpf_insn *insns, size_t n);

#endif
