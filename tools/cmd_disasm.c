/*
 * cmd_disasm.c - `cbpf disasm`: read a program in any format (detected
 * unless -f says) and print it as text (default: bpf_asm syntax).
 */
#include "commands.h"
#include "convert.h"
#include "load.h"

static const char usage[] =
	"usage: cbpf disasm [-f FORMAT] [-o FORMAT] [-O OUTFILE] [FILE|-]\n"
	"       cbpf disasm [-o FORMAT] [-O OUTFILE] -e EXPRESSION [--linktype DLT]\n"
	"                   [--snaplen N] [--no-optimize]\n"
	"       cbpf disasm [-o FORMAT] [-O OUTFILE] --policy POLICY.json [--arch ARCH]\n"
	"\n"
	"Read a program from FILE or stdin and print it in another format.\n"
	"\n"
	"  -f FORMAT   input format: auto (default: detected), bpfasm, tcpdump,\n"
	"              dd, ddd, bytecode, c, json, raw\n"
	"  -o FORMAT   output format: bpfasm (default), tcpdump, dd, ddd,\n"
	"              bytecode, c, json, raw\n"
	"  -O OUTFILE  write to OUTFILE (atomically: temporary file + rename)\n"
	"              instead of stdout\n"
	EXPR_HELP_WITH("--no-optimize    ")
	POLICY_HELP_BASE
	"  -h, --help  this text\n"
	"\n"
	"Example, as `tcpdump -d 'tcp port 80'` prints it:\n"
	"  cbpf disasm -o tcpdump -e 'tcp port 80'\n"
	"\n"
	"Formats: bpfasm = tools/bpf/bpf_asm text; tcpdump = `tcpdump -d`;\n"
	"dd / ddd = `tcpdump -dd` / `-ddd`; bytecode = bpf_asm's \"N,code jt jf k,...\";\n"
	"c = `bpf_asm -c`; json = [[code,jt,jf,k],...]; raw = 8-byte struct\n"
	"sock_filter records in host byte order.\n"
	"\n"
	"Exit status: 0 printed, 2 usage error, unreadable or rejected input\n"
	"(FILE:LINE:COL: why on stderr) or unwritable output.\n";

int cmd_disasm(int argc, char **argv)
{
	static const struct convert_spec spec = {
		.command = "disasm",
		.usage = usage,
		.input_format_option = 1,
		.in_format = CBPF_FMT_AUTO,
		.out_format = CBPF_FMT_BPFASM,
	};

	return convert_main(&spec, argc, argv);
}
