/*
 * cmd_kernel.c - `cbpf kernel` (placeholder until its issue lands it).
 */
#include <stdio.h>

#include "commands.h"

int cmd_kernel(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cbpf kernel: not implemented yet\n");
	return 2;
}
