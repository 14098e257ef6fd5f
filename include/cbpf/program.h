/*
 * cbpf/program.h - a program (a growable array of raw instructions) and the
 * diagnostic every parser, decoder and validator fills in when it says no.
 */
#ifndef CBPF_PROGRAM_H
#define CBPF_PROGRAM_H

#include "cbpf/api.h"

#include <stddef.h>

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
 * Where and why an input was refused. Text parsers set line and col
 * (1-based); binary decoders and the validator set insn. Unknown fields are
 * 0 (line, col) or -1 (insn). The caller prefixes the file name:
 *   FILE:LINE:COL: msg      or      FILE: insn N: msg
 */
struct cbpf_diag {
	unsigned line;
	unsigned col;
	long insn;
	char msg[256];
};

/* Fill d (when not NULL) and return -1, printf-style. */
CBPF_API int cbpf_diag_set(struct cbpf_diag *d, unsigned line, unsigned col, long insn,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Render "FILE:LINE:COL: msg", "FILE: insn N: msg" or "FILE: msg". */
CBPF_API void cbpf_diag_format(const struct cbpf_diag *d, const char *file, char *out, size_t outlen);

#ifdef __cplusplus
}
#endif

#endif
