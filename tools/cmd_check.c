/*
 * cmd_check.c - `cbpf check` (placeholder until its issue lands it).
 */
#include <stdio.h>

#include "commands.h"

int cmd_check(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cbpf check: not implemented yet\n");
	return 2;
}
