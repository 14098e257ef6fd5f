/*
 * errname.h - the symbolic name of a kernel errno ("EPERM"), so every
 * message the oracles print names what the kernel said, not only its text.
 */
#ifndef CBPF_KERNEL_ERRNAME_H
#define CBPF_KERNEL_ERRNAME_H

/* "EPERM", "EINVAL", ...; "E<number>" (from a static buffer per thread)
 * for a value glibc does not name; "OK" for 0. */
const char *kc_errno_name(int errnum);

#endif
