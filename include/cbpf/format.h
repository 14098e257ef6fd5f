/*
 * cbpf/format.h - reading and writing programs in every text and binary
 * format cBPF tools use.
 *
 *   bpfasm    the kernel's tools/bpf/bpf_asm syntax (labels, comments, all
 *             addressing modes), with a documented extension for junk
 *             fields and invalid opcodes so any program round-trips
 *   tcpdump   libpcap bpf_image(), as `tcpdump -d` prints it
 *   dd        `tcpdump -dd`: { 0x%x, %d, %d, 0x%08x },
 *   ddd       `tcpdump -ddd`: the count, then "code jt jf k" per line
 *   bytecode  bpf_asm's default output: "N,code jt jf k,...,"
 *   c         bpf_asm -c: { %#04x, %2u, %2u, %#010x }, (zeros print as 0000)
 *   json      [[code,jt,jf,k],...]
 *   raw       8-byte records in host byte order (struct sock_filter)
 *
 * Parsers are total functions from a byte buffer to a program or a
 * diagnostic naming the line and column (text) or instruction (binary).
 * Text may start with a UTF-8 byte order mark (skipped). Besides the
 * buffer, a parser needs the program it builds (at most
 * CBPF_PARSE_MAXINSNS instructions, 512 KiB) and small fixed state, never
 * a multiple of the input: each stops at the first instruction past the
 * limit (tests/test_formats.c measures it). bpf_asm text also keeps 40
 * bytes per label definition and per jump naming a label (at most two
 * per instruction) until it resolves them.
 * Printers return a malloc'd NUL-terminated buffer (NULL when out of
 * memory); *outlen, when not NULL, receives its length (raw output may
 * contain NUL bytes).
 */
#ifndef CBPF_FORMAT_H
#define CBPF_FORMAT_H

#include "cbpf/api.h"

#include <stddef.h>

#include "cbpf/insn.h"
#include "cbpf/program.h"

#ifdef __cplusplus
extern "C" {
#endif

enum cbpf_format {
	CBPF_FMT_AUTO = 0,
	CBPF_FMT_BPFASM,
	CBPF_FMT_TCPDUMP,
	CBPF_FMT_DD,
	CBPF_FMT_DDD,
	CBPF_FMT_BYTECODE,
	CBPF_FMT_C,
	CBPF_FMT_JSON,
	CBPF_FMT_RAW,
	CBPF_FMT_COUNT
};

/* "bpfasm", "tcpdump", "dd", "ddd", "bytecode", "c", "json", "raw", "auto". */
CBPF_API const char *cbpf_format_name(enum cbpf_format f);
/* 0 and *out set, or -1 for an unknown name. */
CBPF_API int cbpf_format_from_name(const char *name, enum cbpf_format *out);

/* Guess the format of an input (never returns CBPF_FMT_AUTO). */
CBPF_API enum cbpf_format cbpf_format_detect(const void *buf, size_t len);

/* Parse buf in format f (CBPF_FMT_AUTO detects). On success returns 0 and
 * appends to *out (which must be empty or zeroed); on failure returns -1,
 * fills *d and leaves *out empty. */
CBPF_API int cbpf_parse(enum cbpf_format f, const void *buf, size_t len, struct cbpf_prog *out,
	       struct cbpf_diag *d);

/* Print n instructions in format f (not CBPF_FMT_AUTO). */
CBPF_API char *cbpf_print(enum cbpf_format f, const struct cbpf_insn *insns, size_t n, size_t *outlen);

#ifdef __cplusplus
}
#endif

#endif
