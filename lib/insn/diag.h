/*
 * insn/diag.h - filling struct cbpf_diag (cbpf/program.h) inside the
 * library: every fallible function reports through these, so every field
 * is set whichever way it fails. Private: not installed, not exported.
 */
#ifndef CBPF_INSN_DIAG_H
#define CBPF_INSN_DIAG_H

#include <stdarg.h>

#include "cbpf/program.h"

/* A malformed input (CBPF_ERR_INPUT) at line/col (text, 0 = unknown) or
 * insn (-1 = unknown), printf-style. Returns -1; d may be NULL. */
int diag_set(struct cbpf_diag *d, unsigned line, unsigned col, long insn, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Any code, no location (set the fields after). Returns -1. The message is
 * one line: control characters in it (from quoted input) are escaped. */
int diag_fail(struct cbpf_diag *d, enum cbpf_errcode code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int diag_vfail(struct cbpf_diag *d, enum cbpf_errcode code, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Out of memory at the same places as diag_set. Returns -1. */
int diag_nomem(struct cbpf_diag *d, unsigned line, unsigned col, long insn);

/* A msg that starts "col N: " (the JSON reader's errors): N moves to
 * d->col and the rest stays as msg. */
void diag_split_col(struct cbpf_diag *d);

/* Success: code CBPF_OK, no location, empty message. */
void diag_clear(struct cbpf_diag *d);

#endif
