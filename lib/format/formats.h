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

int fmt_bpfasm_parse(const char *buf, size_t len, struct cbpf_prog *out, struct cbpf_diag *d);
char *fmt_bpfasm_print(const struct cbpf_insn *insns, size_t n, size_t *outlen);
int fmt_tcpdump_parse(const char *buf, size_t len, struct cbpf_prog *out, struct cbpf_diag *d);
char *fmt_tcpdump_print(const struct cbpf_insn *insns, size_t n, size_t *outlen);
int fmt_dd_parse(const char *buf, size_t len, struct cbpf_prog *out, struct cbpf_diag *d);
char *fmt_dd_print(const struct cbpf_insn *insns, size_t n, size_t *outlen);
int fmt_ddd_parse(const char *buf, size_t len, struct cbpf_prog *out, struct cbpf_diag *d);
char *fmt_ddd_print(const struct cbpf_insn *insns, size_t n, size_t *outlen);
int fmt_bytecode_parse(const char *buf, size_t len, struct cbpf_prog *out, struct cbpf_diag *d);
char *fmt_bytecode_print(const struct cbpf_insn *insns, size_t n, size_t *outlen);
int fmt_c_parse(const char *buf, size_t len, struct cbpf_prog *out, struct cbpf_diag *d);
char *fmt_c_print(const struct cbpf_insn *insns, size_t n, size_t *outlen);
int fmt_json_parse(const char *buf, size_t len, struct cbpf_prog *out, struct cbpf_diag *d);
char *fmt_json_print(const struct cbpf_insn *insns, size_t n, size_t *outlen);
int fmt_raw_parse(const void *buf, size_t len, struct cbpf_prog *out, struct cbpf_diag *d);
char *fmt_raw_print(const struct cbpf_insn *insns, size_t n, size_t *outlen);

#endif
