/*
 * cmd_run.c - `cbpf run` (placeholder until its issue lands it).
 */
#include <stdio.h>

#include "commands.h"

int cmd_run(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cbpf run: not implemented yet\n");
	return 2;
}
