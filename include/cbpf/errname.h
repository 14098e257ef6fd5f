/*
 * cbpf/errname.h - the symbolic name of an errno ("EINVAL"), so that every
 * message and every plugin response names what the kernel said.
 */
#ifndef CBPF_ERRNAME_H
#define CBPF_ERRNAME_H

#include "cbpf/api.h"

#ifdef __cplusplus
extern "C" {
#endif

/* "EPERM", "EINVAL", ...; "ENOTSUPP" for the kernel-internal 524 that a
 * JIT failure leaks under CONFIG_BPF_JIT_ALWAYS_ON; "OK" for 0; "E<n>"
 * (in a per-thread buffer, valid until the next call) for anything else. */
CBPF_API const char *cbpf_errno_name(int errnum);

#ifdef __cplusplus
}
#endif

#endif
