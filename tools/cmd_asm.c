/*
 * cmd_asm.c - `cbpf asm`: assemble the kernel's bpf_asm text into a
 * program in any output format (default: tcpdump -ddd style).
 */
#include "commands.h"
#include "convert.h"
#include "load.h"

static const char usage[] =
	"usage: cbpf asm [-o FORMAT] [-O OUTFILE] [FILE|-]\n"
	"       cbpf asm [-o FORMAT] [-O OUTFILE] -e EXPRESSION [--linktype DLT] [--snaplen N]\n"
	"                [--no-optimize]\n"
	"       cbpf asm [-o FORMAT] [-O OUTFILE] --policy POLICY.json [--arch ARCH]\n"
	"\n"
	"Assemble bpf_asm text (tools/bpf/bpf_asm syntax: labels, comments, every\n"
	"addressing mode and extension) read from FILE or stdin.\n"
	"\n"
	"  -o FORMAT   output format: ddd (default), bytecode, c, json, raw, dd,\n"
	"              tcpdump, bpfasm\n"
	"  -O OUTFILE  write to OUTFILE (atomically: temporary file + rename)\n"
	"              instead of stdout\n"
	EXPR_HELP_WITH("--no-optimize    ")
	POLICY_HELP_BASE
	"  -h, --help  this text\n"
	"\n"
	"Exit status: 0 assembled, 2 usage error, unreadable or rejected input\n"
	"(FILE:LINE:COL: why on stderr) or unwritable output.\n";

int cmd_asm(int argc, char **argv)
{
	static const struct convert_spec spec = {
		.command = "asm",
		.usage = usage,
		.input_format_option = 0,
		.in_format = CBPF_FMT_BPFASM,
		.out_format = CBPF_FMT_DDD,
	};

	return convert_main(&spec, argc, argv);
}
