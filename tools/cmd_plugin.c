/*
 * cmd_plugin.c - `cbpf plugin`: serve the plugin protocol (JSON Lines on
 * stdin/stdout, docs/plugin-protocol.md) with our VM, and the stdin/stdout
 * serving loop `cbpf kernel plugin` shares.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cbpf/plugin.h"
#include "commands.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: cbpf plugin [--help]\n"
		"\n"
		"Serve the cbpf plugin protocol with the Linux-exact VM: read one JSON request\n"
		"per line on stdin, write one JSON response line per request on stdout, in\n"
		"order, flushed after each line, until end of input.\n"
		"\n"
		"request:  {\"id\": ANY, \"profile\": \"linux\"|\"seccomp\",\n"
		"           \"program\": [[code,jt,jf,k],...],\n"
		"           \"packets\": [\"HEX\",...],   (seccomp: 64-byte seccomp_data, host order)\n"
		"           \"seccomp_data\": [{\"nr\":N,\"arch\":N,\"ip\":N,\"args\":[N,...]}],\n"
		"                                     (seccomp only, instead of packets)\n"
		"           \"ctx\": {...}}               (optional, linux only; see cbpf run --help)\n"
		"response: {\"id\":ID,\"load\":\"ok\",\"results\":[{\"verdict\":N,\"abort\":null},...]}\n"
		"          abort is null (a ret ended the run), \"load\", \"div0\" or \"nodev\"\n"
		"          {\"id\":ID,\"load\":\"rejected\",\"errno\":\"EINVAL\",\"reason\":\"insn 3: ...\"}\n"
		"          {\"id\":ID,\"load\":\"error\",\"reason\":\"...\"}   (a broken request; id is\n"
		"          null when the line is not a JSON object with an id)\n"
		"\n"
		"Example:\n"
		"  echo '{\"id\":1,\"profile\":\"linux\",\"program\":[[6,0,0,4096]],\"packets\":[\"00\"]}' \\\n"
		"    | cbpf plugin\n"
		"  {\"id\":1,\"load\":\"ok\",\"results\":[{\"verdict\":4096,\"abort\":null}]}\n"
		"\n"
		"Exit status: 0 at end of input, 2 on a usage error or when stdin/stdout fail.\n"
		"The full specification is docs/plugin-protocol.md.\n");
}

int plugin_serve_stdio(const char *who, cbpf_plugin_exec_fn exec, void *opaque)
{
	/* a reader that goes away is a write error, not a fatal signal */
	signal(SIGPIPE, SIG_IGN);
	if (cbpf_plugin_serve(stdin, stdout, exec, opaque) == 0)
		return 0;
	if (ferror(stdout)) /* a write failure: main says why */
		tool_flush_stdout();
	else
		fprintf(stderr, "%s: cannot read stdin\n", who);
	return 2;
}

int cmd_plugin(int argc, char **argv)
{
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc != 1) {
		fprintf(stderr, "cbpf plugin: unexpected argument '%s'\n", argv[1]);
		usage(stderr);
		return 2;
	}
	return plugin_serve_stdio("cbpf plugin", cbpf_plugin_vm_exec, NULL);
}
