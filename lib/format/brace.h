/*
 * format/brace.h - (library-private) the list of C initialisers
 * "{ code, jt, jf, k }," that both `tcpdump -dd` and `bpf_asm -c` print.
 * One grammar reads both: C integer literals (hex, octal, decimal, so
 * bpf_asm's "0000" is 0), C comments and any whitespace between tokens,
 * commas between records and an optional one after the last.
 */
#ifndef CBPF_FMT_BRACE_H
#define CBPF_FMT_BRACE_H

#include <stddef.h>

#include "cbpf/program.h"

int fmt_brace_parse(const char *buf, size_t len, struct cbpf_prog *out, struct cbpf_diag *d);

#endif
