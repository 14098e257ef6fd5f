/*
 * convert.h - the read -> parse -> print -> write pipeline shared by
 * `cbpf asm` (bpf_asm text in) and `cbpf disasm` (any format in): option
 * parsing, the program read through load.h, atomic output.
 */
#ifndef CBPF_TOOLS_CONVERT_H
#define CBPF_TOOLS_CONVERT_H

#include "cbpf/format.h"

struct convert_spec {
	const char *command;         /* "asm", "disasm" */
	const char *usage;           /* the full --help text */
	int input_format_option;     /* whether -f FMT is accepted */
	enum cbpf_format in_format;  /* default input format (AUTO detects) */
	enum cbpf_format out_format; /* default output format */
};

/* Run the command; returns the exit status (0 ok, 2 usage error,
 * unreadable or unparsable input, unwritable output). */
int convert_main(const struct convert_spec *spec, int argc, char **argv);

#endif
