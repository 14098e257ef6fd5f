/*
 * cbpf/program.h - a program (a growable array of raw instructions) and
 * struct cbpf_diag, the one error report every fallible function of
 * libcbpf fills in when it says no.
 */
#ifndef CBPF_PROGRAM_H
#define CBPF_PROGRAM_H

#include "cbpf/api.h"

#include <stddef.h>
#include <stdio.h>

#include "cbpf/insn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Parsers accept up to this many instructions (sock_fprog.len is a u16);
 * the validator enforces the kernel's 4096. */
#define CBPF_PARSE_MAXINSNS 65535

struct cbpf_prog {
	struct cbpf_insn *insns;
	size_t len;
	size_t cap;
};

/* Append one instruction; 0 on success, -1 when out of memory or the
 * program already holds CBPF_PARSE_MAXINSNS instructions. */
CBPF_API int cbpf_prog_push(struct cbpf_prog *p, struct cbpf_insn insn);

/* Release the instructions; the struct is left empty and reusable. */
CBPF_API void cbpf_prog_free(struct cbpf_prog *p);

/*
 * The one error report of libcbpf. Every public function that can fail
 * takes a `struct cbpf_diag *d` (may be NULL when the caller does not want
 * to know why) and, when it fails, fills every field of it:
 *
 *   code    what kind of failure (enum cbpf_errcode)
 *   errnum  CBPF_ERR_REJECTED: the errno Linux gives (EINVAL, ENOMEM);
 *           CBPF_ERR_IO: the errno of the failed read; else 0
 *   rule    CBPF_ERR_REJECTED: the validator's stable rule name
 *           (CBPF_RULE_* in cbpf/validate.h); else NULL
 *   line, col  text inputs: 1-based line and column, 0 = unknown (a
 *           one-line text, such as a JSON context, sets col alone)
 *   insn    the instruction index, -1 = unknown or the whole program
 *   offset  the byte offset in a binary file (pcap), -1 = unknown
 *   msg     one line of English saying why, without the location
 *
 * cbpf_diag_format() and cbpf_diag_print() render it as one line:
 *   FILE:LINE:COL: msg         FILE: insn N: RULE: msg (ERRNO)
 *   FILE: offset N: msg        FILE: col N: msg        FILE: msg
 * (FILE and its ": " left out when file is NULL).
 */
enum cbpf_errcode {
	CBPF_OK = 0,
	CBPF_ERR_INPUT,    /* malformed input: syntax, a value out of range, truncated */
	CBPF_ERR_REJECTED, /* Linux would refuse the program (rule, errnum) */
	CBPF_ERR_NOMEM,    /* out of memory */
	CBPF_ERR_IO        /* a read failed (errnum) */
};

struct cbpf_diag {
	enum cbpf_errcode code;
	int errnum;
	const char *rule;
	unsigned line;
	unsigned col;
	long insn;
	long long offset;
	char msg[256];
};

/* The rendering above as a malloc'd string without a newline (NULL when
 * out of memory). */
CBPF_API char *cbpf_diag_format(const struct cbpf_diag *d, const char *file);

/* The same line, with a newline, on out (stderr for the cbpf command). */
CBPF_API void cbpf_diag_print(FILE *out, const struct cbpf_diag *d, const char *file);

#ifdef __cplusplus
}
#endif

#endif
