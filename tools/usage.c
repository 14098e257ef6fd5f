/*
 * usage.c - the one shape of a usage error for the cbpf subcommands.
 */
#include <stdio.h>

#include "commands.h"

int tool_usage_error(const char *cmd, const char *fmt, const char *arg)
{
	fprintf(stderr, "cbpf %s: ", cmd);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(`cbpf %s --help` for usage)\n", cmd);
	return 2;
}
