/*
 * pcap_compile.c - build-time generator: compiles every tcpdump expression
 * of corpus/pcap/expressions.txt with libpcap (pcap_compile on a dead
 * DLT_EN10MB handle, optimiser on, snaplen 65535, netmask /24) and writes
 *   {"libpcap":"...","linktype":"EN10MB","programs":{"EXPR":[[c,jt,jf,k],..],..}}
 * atomically to the output path. A line libpcap cannot compile is an error
 * naming the file and line.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "strbuf.h"

/* The netmask "ip broadcast" needs: 255.255.255.0, as tcpdump would get
 * it from pcap_lookupnet() for a /24. */
#define NETMASK 0xffffff00u

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s EXPRESSIONS.txt OUT.json\n", argv[0]);
		return 2;
	}
	FILE *in = fopen(argv[1], "r");
	if (!in) {
		perror(argv[1]);
		return 2;
	}
	pcap_t *p = pcap_open_dead(DLT_EN10MB, 65535);
	if (!p) {
		fprintf(stderr, "%s: pcap_open_dead failed\n", argv[0]);
		return 2;
	}
	struct strbuf b = { 0 };
	sb_puts(&b, "{\"libpcap\":");
	const char *ver = pcap_lib_version();
	json_put_string(&b, ver, strlen(ver));
	sb_puts(&b, ",\"linktype\":\"EN10MB\",\"programs\":{");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned lineno = 0, count = 0;
	int rc = 0;
	while ((n = getline(&line, &cap, in)) >= 0) {
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		struct bpf_program prog;
		if (pcap_compile(p, &prog, line, 1, NETMASK) < 0) {
			fprintf(stderr, "%s:%u: libpcap cannot compile '%s': %s\n", argv[1], lineno,
				line, pcap_geterr(p));
			rc = 1;
			break;
		}
		sb_puts(&b, count++ ? ",\n" : "\n");
		json_put_string(&b, line, (size_t)n);
		sb_puts(&b, ":[");
		for (u_int i = 0; i < prog.bf_len; i++) {
			const struct bpf_insn *x = &prog.bf_insns[i];
			sb_printf(&b, "%s[%u,%u,%u,%u]", i ? "," : "", x->code, x->jt, x->jf, x->k);
		}
		sb_puts(&b, "]");
		pcap_freecode(&prog);
	}
	sb_puts(&b, "}}\n");
	free(line);
	fclose(in);
	pcap_close(p);
	size_t len = 0;
	char *s = sb_finish(&b, &len);
	if (rc == 0) {
		char tmp[4096];
		snprintf(tmp, sizeof(tmp), "%s.part", argv[2]);
		FILE *out = fopen(tmp, "w");
		if (!s || !out || fwrite(s, 1, len, out) != len || fclose(out) != 0 ||
		    rename(tmp, argv[2]) != 0) {
			perror(argv[2]);
			remove(tmp);
			rc = 2;
		}
	}
	free(s);
	return rc;
}
