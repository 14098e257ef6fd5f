/*
 * format/cursor.h - (library-private) a read cursor over text input that
 * knows its line and column, and scans the integers of the tcpdump, dd,
 * ddd, bytecode and C-array formats. Every scan is bounded by the buffer
 * length (NUL bytes are ordinary, unexpected characters), so the parsers
 * built on it are total over arbitrary bytes. Errors are written to a
 * struct cbpf_diag with the cursor's line and column.
 */
#ifndef CBPF_FMT_CURSOR_H
#define CBPF_FMT_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cbpf/program.h"

/* Positions are pointers (comparing them costs the fuzz targets' coverage
 * instrumentation nothing, unlike comparing offsets). */
struct fmt_cursor {
	const char *buf;        /* the input (never NULL) */
	const char *end;        /* one past its last byte */
	const char *p;          /* the next byte */
	const char *line_start; /* the first byte of the current line */
	unsigned line;          /* 1-based */
	struct cbpf_diag *diag;
};

/* Which spellings fc_number accepts. */
#define FC_DEC   0x1u /* decimal digits */
#define FC_HEX   0x2u /* 0x / 0X prefix */
#define FC_OCT   0x4u /* C octal: a leading 0 (so "0000" is 0) */
#define FC_MINUS 0x8u /* an optional leading '-' (the value is then negated) */

/* A scanned integer: magnitude and sign, range-checked by the caller. */
struct fc_number {
	uint64_t mag;  /* saturates at UINT64_MAX (then out of every range) */
	bool neg;
	unsigned line; /* where the number starts, for range errors */
	unsigned col;
};

/* The length of a UTF-8 byte order mark at the start of buf: 3 or 0.
 * Every text format skips one (editors on some systems write it). */
static inline size_t fc_bom_len(const char *buf, size_t len)
{
	return buf != NULL && len >= 3 && (unsigned char)buf[0] == 0xef &&
			       (unsigned char)buf[1] == 0xbb && (unsigned char)buf[2] == 0xbf
		       ? 3
		       : 0;
}

/* A cursor at the start of buf, after a byte order mark (columns count
 * from the byte after it). */
void fc_init(struct fmt_cursor *c, const char *buf, size_t len, struct cbpf_diag *d);

/* Run a parser over the whole of buf with a fresh cursor; when it fails,
 * out is emptied (the parsers' contract) and -1 returned. */
int fc_parse_all(const char *buf, size_t len, struct cbpf_prog *out, struct cbpf_diag *d,
		 int (*parse)(struct fmt_cursor *c, struct cbpf_prog *out));

/* The byte under the cursor, or -1 at the end of the input. */
static inline int fc_peek(const struct fmt_cursor *c)
{
	return c->p < c->end ? (unsigned char)*c->p : -1;
}

static inline bool fc_at_end(const struct fmt_cursor *c)
{
	return c->p >= c->end;
}

unsigned fc_col(const struct fmt_cursor *c);

/* Skip spaces, tabs, CR, VT and FF (never a newline). */
void fc_skip_blanks(struct fmt_cursor *c);
/* Skip blanks and newlines. */
void fc_skip_space(struct fmt_cursor *c);
/* Skip blanks, newlines and C comments; -1 (diag set) on an unterminated
 * comment. */
int fc_skip_space_comments(struct fmt_cursor *c);

/* At a newline or at the end (after blanks)? */
bool fc_at_eol(struct fmt_cursor *c);
/* Consume one '\n' if there is one. */
void fc_newline(struct fmt_cursor *c);

/* Consume ch or fail with "expected 'ch'" at the cursor. */
int fc_expect(struct fmt_cursor *c, char ch, const char *what);
/* Consume the exact word w when it is there (and not followed by another
 * identifier character); true if consumed. */
bool fc_accept_word(struct fmt_cursor *c, const char *w);
/* Consume the exact bytes s when they are there; true if consumed. */
bool fc_accept(struct fmt_cursor *c, const char *s);
/* Length of the identifier ([A-Za-z_][A-Za-z0-9_]*) at the cursor. */
size_t fc_ident_len(const struct fmt_cursor *c);

/* Scan an integer in one of the allowed spellings. It must end at a
 * character that cannot continue a number. -1 with diag set otherwise. */
int fc_number(struct fmt_cursor *c, unsigned allowed, struct fc_number *out);

/* Range checks: the value must be in [0, max] (a '-' is only allowed for
 * 0), or, for fc_to_u32_signed, in [-2^31, 2^32-1] taken mod 2^32 (how
 * libpcap prints k with %d). -1 with "what out of range" at the number. */
int fc_to_unsigned(struct fmt_cursor *c, const struct fc_number *n, uint64_t max,
		   const char *what, uint64_t *out);
int fc_to_u32_signed(struct fmt_cursor *c, const struct fc_number *n, const char *what,
		     uint32_t *out);

/* Set the diagnostic at the cursor (or at an explicit position). */
int fc_error(struct fmt_cursor *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int fc_error_at(struct fmt_cursor *c, unsigned line, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Describe the byte under the cursor for an error message ("end of
 * input", "newline", "'x'", "byte 0x00"). */
const char *fc_describe(const struct fmt_cursor *c, char *tmp, size_t tmplen);

/* A record's four numeric fields code, jt, jf, k, each read by field (a
 * number in [0, max] named what, and whatever may follow it), with sep
 * (when not NULL) between them: the numeric formats' one record reader. */
typedef int (*fc_field_fn)(struct fmt_cursor *c, uint64_t max, const char *what, uint64_t *out);
int fc_record_fields(struct fmt_cursor *c, fc_field_fn field, int (*sep)(struct fmt_cursor *c),
		     struct cbpf_insn *in);

/* Append to a program, failing with a diagnostic at (line, col) when the
 * program is full (CBPF_PARSE_MAXINSNS) or memory runs out. */
int fc_push(struct fmt_cursor *c, struct cbpf_prog *p, struct cbpf_insn insn, unsigned line,
	    unsigned col);

#endif
