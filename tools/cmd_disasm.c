/*
 * cmd_disasm.c - `cbpf disasm` (placeholder until its issue lands it).
 */
#include <stdio.h>

#include "commands.h"

int cmd_disasm(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cbpf disasm: not implemented yet\n");
	return 2;
}
