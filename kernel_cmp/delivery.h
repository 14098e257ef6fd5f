/*
 * delivery.h - what a filtered receiver saw after one send: the length the
 * filter let through, or nothing (a drop or an abort).
 */
#ifndef CBPF_KERNEL_DELIVERY_H
#define CBPF_KERNEL_DELIVERY_H

#include <stddef.h>

/* recv(MSG_DONTWAIT|MSG_TRUNC) on fd: *got = the delivered (trimmed)
 * length, or -1 when nothing is queued. Returns 0, or the errno of a
 * failed recv with `note` saying so. */
int kc_recv_delivered(int fd, long *got, char *note, size_t notelen);

#endif
