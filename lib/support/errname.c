/*
 * support/errname.c - errno values to their symbolic names.
 */
#include "cbpf/errname.h"

#include <stdio.h>
#include <string.h>

/* Not a user-space errno: include/linux/errno.h, returned by
 * bpf_prog_select_runtime() when the JIT fails and the interpreter is
 * compiled out. */
#define KERNEL_ENOTSUPP 524

const char *cbpf_errno_name(int errnum)
{
	static _Thread_local char unknown[24];
	const char *name;

	if (errnum == 0)
		return "OK";
	if (errnum == KERNEL_ENOTSUPP)
		return "ENOTSUPP";
	name = strerrorname_np(errnum);
	if (name != NULL)
		return name;
	snprintf(unknown, sizeof(unknown), "E%d", errnum);
	return unknown;
}
