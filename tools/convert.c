/*
 * convert.c - the pipeline behind `cbpf asm` and `cbpf disasm`: parse the
 * options, read the program (load.h: a file in its format, or -e), print
 * it in the output format, write the result atomically.
 */
#include "convert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "load.h"

struct convert_opts {
	struct load_opts load;
	const char *out_path; /* NULL = stdout */
	enum cbpf_format out_format;
};

/* The value of an option given as "-o VALUE" or "-oVALUE". */
static const char *option_value(int argc, char **argv, int *i)
{
	if (argv[*i][2] != '\0')
		return argv[*i] + 2;
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

/* 0 to run, -1 when --help was printed, or an exit status (2). */
static int parse_options(const struct convert_spec *spec, int argc, char **argv,
			 struct convert_opts *o)
{
	const char *cmd = spec->command;
	int only_files = 0, r;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (only_files || a[0] != '-' || strcmp(a, "-") == 0) {
			if (o->load.path != NULL)
				return tool_usage_error(cmd, "more than one input file ('%s')", a);
			o->load.path = a;
		} else if (strcmp(a, "--") == 0) {
			only_files = 1;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(spec->usage, stdout);
			return -1;
		} else if (strncmp(a, "-o", 2) == 0) {
			const char *v = option_value(argc, argv, &i);
			if (v == NULL)
				return tool_usage_error(cmd, "%s", "option needs a format name");
			if (cbpf_format_from_name(v, &o->out_format) != 0 || o->out_format == CBPF_FMT_AUTO)
				return tool_usage_error(cmd, "unknown format '%s'", v);
		} else if (strncmp(a, "-O", 2) == 0) {
			o->out_path = option_value(argc, argv, &i);
			if (o->out_path == NULL)
				return tool_usage_error(cmd, "%s", "-O needs a file name");
		} else if ((strncmp(a, "-f", 2) == 0 || strncmp(a, "--format", 8) == 0) &&
			   !spec->input_format_option) {
			return tool_usage_error(cmd, "unknown option '%s' (the input is bpf_asm text)", a);
		} else if ((r = load_option(&o->load, argc, argv, &i)) != 0) {
			if (r != 1)
				return r;
		} else {
			return tool_usage_error(cmd, "unknown option '%s'", a);
		}
	}
	if (o->load.path == NULL && !load_has_source(&o->load))
		o->load.path = "-";
	return load_check_opts(&o->load);
}

static int convert(const struct convert_spec *spec, const struct convert_opts *o)
{
	struct cbpf_prog prog = { 0 };
	char *out;
	size_t out_len;
	int r;

	if ((r = load_program(&o->load, &prog)) != 0)
		return r;
	out = cbpf_print(o->out_format, prog.insns, prog.len, &out_len);
	cbpf_prog_free(&prog);
	if (out == NULL) {
		fprintf(stderr, "cbpf %s: out of memory\n", spec->command);
		return 2;
	}
	r = tool_write_output(o->out_path, out, out_len) == 0 ? 0 : 2;
	free(out);
	return r;
}

int convert_main(const struct convert_spec *spec, int argc, char **argv)
{
	struct convert_opts o = { .out_format = spec->out_format };
	int r;

	load_opts_init(&o.load, spec->command, tool_usage_error, spec->in_format);
	r = parse_options(spec, argc, argv, &o);
	if (r < 0)
		return 0;
	if (r > 0)
		return r;
	return convert(spec, &o);
}
