/*
 * cmd_asm.c - `cbpf asm` (placeholder until its issue lands it).
 */
#include <stdio.h>

#include "commands.h"

int cmd_asm(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cbpf asm: not implemented yet\n");
	return 2;
}
