/*
 * format/formats.h - the individual readers and printers behind
 * cbpf_parse() and cbpf_print() (cbpf/format.h), one pair per format.
 * Private: the public face is the generic pair, which checks the
 * arguments and dispatches here; the contracts are the same.
 */
#ifndef CBPF_FORMAT_FORMATS_H
#define CBPF_FORMAT_FORMATS_H

#include <stddef.h>

#include "cbpf/insn.h"
#include "cbpf/program.h"

/* int fmt_NAME_parse(buf, len, out, d) and char *fmt_NAME_print(insns, n,
 * outlen) of every text format */
#define FMT_TEXT_FORMAT(name)                                                               \
	int fmt_##name##_parse(const char *buf, size_t len, struct cbpf_prog *out,          \
			       struct cbpf_diag *d);                                        \
	char *fmt_##name##_print(const struct cbpf_insn *insns, size_t n, size_t *outlen);
FMT_TEXT_FORMAT(bpfasm)
FMT_TEXT_FORMAT(tcpdump)
FMT_TEXT_FORMAT(dd)
FMT_TEXT_FORMAT(ddd)
FMT_TEXT_FORMAT(bytecode)
FMT_TEXT_FORMAT(c)
FMT_TEXT_FORMAT(json)
#undef FMT_TEXT_FORMAT

/* raw: the kernel's struct sock_filter array, any bytes */
int fmt_raw_parse(const void *buf, size_t len, struct cbpf_prog *out, struct cbpf_diag *d);
char *fmt_raw_print(const struct cbpf_insn *insns, size_t n, size_t *outlen);

/* The formats that print each instruction as its four numbers: printf
 * formats for the count line (taking the size_t n; NULL for none), each
 * record (code, jt, jf, k as unsigned) and a tail after the last. */
struct fmt_numeric {
	const char *count, *record, *tail;
};
char *fmt_numeric_print(const struct cbpf_insn *insns, size_t n, const struct fmt_numeric *f,
			size_t *outlen);

#endif
