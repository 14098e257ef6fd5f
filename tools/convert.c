/*
 * convert.c - the pipeline behind `cbpf asm` and `cbpf disasm`: parse the
 * options, read the input, parse it in its format, print it in the output
 * format, write the result atomically.
 */
#include "convert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

struct convert_opts {
	const char *in_path;  /* NULL = stdin */
	const char *out_path; /* NULL = stdout */
	enum cbpf_format in_format;
	enum cbpf_format out_format;
};

static int usage_error(const struct convert_spec *spec, const char *fmt, const char *arg)
{
	fprintf(stderr, "cbpf %s: ", spec->command);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(`cbpf %s --help` for usage)\n", spec->command);
	return 2;
}

/* The value of an option given as "-o VALUE" or "-oVALUE". */
static const char *option_value(int argc, char **argv, int *i)
{
	if (argv[*i][2] != '\0')
		return argv[*i] + 2;
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

static int format_option(const struct convert_spec *spec, const char *value, int allow_auto,
			 enum cbpf_format *out)
{
	if (value == NULL)
		return usage_error(spec, "%s", "option needs a format name");
	if (cbpf_format_from_name(value, out) != 0 || (!allow_auto && *out == CBPF_FMT_AUTO))
		return usage_error(spec, "unknown format '%s'", value);
	return 0;
}

/* 0 to run, -1 when --help was printed, or an exit status (2). */
static int parse_options(const struct convert_spec *spec, int argc, char **argv,
			 struct convert_opts *o)
{
	int only_files = 0, r;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (only_files || a[0] != '-' || strcmp(a, "-") == 0) {
			if (o->in_path != NULL)
				return usage_error(spec, "more than one input file ('%s')", a);
			o->in_path = a;
		} else if (strcmp(a, "--") == 0) {
			only_files = 1;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(spec->usage, stdout);
			return -1;
		} else if (strncmp(a, "-o", 2) == 0) {
			if ((r = format_option(spec, option_value(argc, argv, &i), 0, &o->out_format)))
				return r;
		} else if (strncmp(a, "-f", 2) == 0 && spec->input_format_option) {
			if ((r = format_option(spec, option_value(argc, argv, &i), 1, &o->in_format)))
				return r;
		} else if (strncmp(a, "-O", 2) == 0) {
			o->out_path = option_value(argc, argv, &i);
			if (o->out_path == NULL)
				return usage_error(spec, "%s", "-O needs a file name");
		} else {
			return usage_error(spec, "unknown option '%s'", a);
		}
	}
	return 0;
}

static int convert(const struct convert_spec *spec, const struct convert_opts *o)
{
	struct cbpf_prog prog = { 0 };
	struct cbpf_diag diag = { 0 };
	char line[512], *in, *out;
	size_t in_len, out_len;
	int r;

	if (tool_read_input(o->in_path, &in, &in_len) != 0)
		return 2;
	r = cbpf_parse(o->in_format, in, in_len, &prog, &diag);
	free(in);
	if (r != 0) {
		cbpf_diag_format(&diag, tool_input_name(o->in_path), line, sizeof(line));
		fprintf(stderr, "%s\n", line);
		return 1;
	}
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
	struct convert_opts o = {
		.in_format = spec->in_format,
		.out_format = spec->out_format,
	};
	int r = parse_options(spec, argc, argv, &o);

	if (r < 0)
		return 0;
	if (r > 0)
		return r;
	return convert(spec, &o);
}
