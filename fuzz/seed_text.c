/*
 * seed_text.c - the text forms of the fuzz seeds that only the library can
 * print: `seed_text FORMAT` reads programs from stdin, one per line as the
 * hex of their raw records (host order), and writes each one printed in
 * FORMAT (a cbpf_format_from_name() name: tcpdump, bpf_asm...) followed
 * by a NUL byte. fuzz/seeds.py runs it (built by fuzz/oss-fuzz/build.sh
 * like dict_gen) for the fuzz_text tcpdump listings and the fuzz_asm
 * listings of every corpus program; without them those parsers' round
 * trips start from no seed at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbpf/format.h"
#include "cbpf/insn.h"

enum { MAX_LINE = 2 * 8 * 4096 + 2 };

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* line (hex, no newline) into insns; returns the count or -1. */
static long decode_line(const char *line, size_t len, struct cbpf_insn *insns)
{
	unsigned char *bytes = (unsigned char *)insns;

	if (len % 16 != 0)
		return -1;
	for (size_t i = 0; i < len; i += 2) {
		int hi = hexval(line[i]), lo = hexval(line[i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		bytes[i / 2] = (unsigned char)(hi << 4 | lo);
	}
	return (long)(len / 16);
}

int main(int argc, char **argv)
{
	static char line[MAX_LINE + 1];
	static struct cbpf_insn insns[4096];
	enum cbpf_format f;
	unsigned long n = 0;

	if (argc != 2 || cbpf_format_from_name(argv[1], &f) != 0 || f == CBPF_FMT_AUTO) {
		fprintf(stderr, "usage: seed_text FORMAT < hex-programs\n");
		return 2;
	}
	while (fgets(line, sizeof(line), stdin) != NULL) {
		size_t len = strcspn(line, "\n");
		long count = decode_line(line, len, insns);
		size_t outlen = 0;
		char *text;

		n++;
		if (count < 0) {
			fprintf(stderr, "seed_text: line %lu: not the hex of whole records\n", n);
			return 1;
		}
		text = cbpf_print(f, insns, (size_t)count, &outlen);
		if (text != NULL)
			fwrite(text, 1, outlen, stdout);
		putchar('\0');
		free(text);
	}
	return ferror(stdout) ? 1 : 0;
}
