/*
 * errname.c - errno values to their symbolic names.
 */
#include "errname.h"

#include <stdio.h>
#include <string.h>

const char *kc_errno_name(int errnum)
{
	static _Thread_local char unknown[24];
	const char *name;

	if (errnum == 0)
		return "OK";
	name = strerrorname_np(errnum);
	if (name != NULL)
		return name;
	snprintf(unknown, sizeof(unknown), "E%d", errnum);
	return unknown;
}
