/*
 * guest/byteorder.h - seccomp inputs for a guest of the other byte order.
 * The plugin protocol gives a seccomp input as a 64-byte struct
 * seccomp_data "in the plugin host's byte order": for `cbpf kernel plugin
 * --target`, that is this (little-endian) host's, while the guest's own
 * plugin reads its native order. For a big-endian guest (s390x) each field
 * of each such packet (nr, arch: 4 bytes; ip, args: 8 bytes) is reversed
 * before the request goes to the guest.
 */
#ifndef CBPF_GUEST_BYTEORDER_H
#define CBPF_GUEST_BYTEORDER_H

#include <stddef.h>

/* The request line (len bytes, no '\n') rewritten for a big-endian guest,
 * malloc'd with its length in *outlen; NULL when it needs no change (not
 * a seccomp request with packets, or not parseable: the guest then
 * answers it as it is). */
char *kg_seccomp_swap_request(const char *line, size_t len, size_t *outlen);

/* Reverse the byte order of each seccomp_data field of a 128-digit hex
 * record, in place. */
void kg_seccomp_swap_hex(char *hex);

#endif
