/*
 * cmd_plugin.c - `cbpf plugin` (placeholder until its issue lands it).
 */
#include <stdio.h>

#include "commands.h"

int cmd_plugin(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cbpf plugin: not implemented yet\n");
	return 2;
}
