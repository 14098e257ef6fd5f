/*
 * oracle.c - what oracle.h declares beside its types: the names of the
 * oracles' entry points (--via unix|seccomp|packet).
 */
#include <string.h>

#include "oracle.h"

static const char *const via_names[] = {
	[KC_VIA_UNIX] = "unix",
	[KC_VIA_SECCOMP] = "seccomp",
	[KC_VIA_PACKET] = "packet",
};

const char *kc_via_name(enum kc_via v)
{
	if ((unsigned)v >= sizeof(via_names) / sizeof(via_names[0]))
		return "unknown";
	return via_names[v];
}

int kc_via_from_name(const char *name, enum kc_via *out)
{
	for (size_t i = 0; i < sizeof(via_names) / sizeof(via_names[0]); i++) {
		if (strcmp(name, via_names[i]) == 0) {
			*out = (enum kc_via)i;
			return 0;
		}
	}
	return -1;
}
