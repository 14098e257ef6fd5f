/*
 * format/cursor.c - the line/column-aware text cursor and integer scanner
 * shared by the tcpdump, dd, ddd, bytecode and C-array parsers.
 *
 * The loops over bytes (blanks, digits, identifiers) walk a local pointer
 * and classify with switches: under the fuzz targets' sanitizer coverage a
 * switch on a byte is one cheap callback where each comparison (and each
 * fc_peek) is another.
 */
#include "insn/diag.h"
#include "cursor.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "support/char_cases.h"
#include "support/hex.h"

void fc_init(struct fmt_cursor *c, const char *buf, size_t len, struct cbpf_diag *d)
{
	c->buf = buf == NULL ? "" : buf; /* never NULL: the cursor does arithmetic on it */
	c->end = c->buf + (buf == NULL ? 0 : len);
	c->p = c->buf + fc_bom_len(c->buf, len);
	c->line_start = c->p;
	c->line = 1;
	c->diag = d;
}

static int fc_peek_at(const struct fmt_cursor *c, size_t ahead)
{
	return ahead < (size_t)(c->end - c->p) ? (unsigned char)c->p[ahead] : -1;
}

unsigned fc_col(const struct fmt_cursor *c)
{
	size_t col = (size_t)(c->p - c->line_start) + 1;
	return col > 0xffffffu ? 0xffffffu : (unsigned)col;
}

static bool is_blank(int ch)
{
	switch (ch) {
	case ' ': case '\t': case '\r': case '\v': case '\f':
		return true;
	default:
		return false;
	}
}

static bool is_digit(int ch)
{
	switch (ch) {
	CASE_DIGIT:
		return true;
	default:
		return false;
	}
}

static bool is_ident_start(int ch)
{
	switch (ch) {
	CASE_ALPHA:
		return true;
	default:
		return false;
	}
}

static bool is_ident_char(int ch)
{
	switch (ch) {
	CASE_ALPHA:
	CASE_DIGIT:
		return true;
	default:
		return false;
	}
}

/* The byte at p, or -1 when p is the end. */
static int byte_at(const char *p, const char *end)
{
	return p < end ? (unsigned char)*p : -1;
}

void fc_skip_blanks(struct fmt_cursor *c)
{
	const char *p = c->p, *end = c->end;

	while (is_blank(byte_at(p, end)))
		p++;
	c->p = p;
}

void fc_newline(struct fmt_cursor *c)
{
	if (fc_peek(c) != '\n')
		return;
	c->p++;
	c->line++;
	c->line_start = c->p;
}

void fc_skip_space(struct fmt_cursor *c)
{
	const char *p = c->p, *end = c->end;

	for (;;) {
		switch (byte_at(p, end)) {
		case ' ': case '\t': case '\r': case '\v': case '\f':
			p++;
			continue;
		case '\n':
			p++;
			c->line++;
			c->line_start = p;
			continue;
		default:
			break;
		}
		break;
	}
	c->p = p;
}

/* Skip one C comment starting at the cursor ("/" already seen as next). */
static int skip_comment(struct fmt_cursor *c)
{
	unsigned line = c->line, col = fc_col(c);

	if (fc_peek_at(c, 1) == '/') {
		while (!fc_at_end(c) && fc_peek(c) != '\n')
			c->p++;
		return 0;
	}
	c->p += 2;
	for (;;) {
		int ch = fc_peek(c);
		if (ch < 0)
			return fc_error_at(c, line, col, "unterminated comment");
		if (ch == '*' && fc_peek_at(c, 1) == '/') {
			c->p += 2;
			return 0;
		}
		if (ch == '\n')
			fc_newline(c);
		else
			c->p++;
	}
}

int fc_skip_space_comments(struct fmt_cursor *c)
{
	for (;;) {
		fc_skip_space(c);
		if (fc_peek(c) != '/' || (fc_peek_at(c, 1) != '*' && fc_peek_at(c, 1) != '/'))
			return 0;
		if (skip_comment(c) < 0)
			return -1;
	}
}

bool fc_at_eol(struct fmt_cursor *c)
{
	fc_skip_blanks(c);
	return fc_at_end(c) || fc_peek(c) == '\n';
}

const char *fc_describe(const struct fmt_cursor *c, char *tmp, size_t tmplen)
{
	int ch = fc_peek(c);

	if (ch < 0)
		return "end of input";
	if (ch == '\n')
		return "end of line";
	if (ch > 0x20 && ch < 0x7f)
		snprintf(tmp, tmplen, "'%c'", ch);
	else
		snprintf(tmp, tmplen, "byte 0x%02x", (unsigned)ch);
	return tmp;
}

int fc_expect(struct fmt_cursor *c, char ch, const char *what)
{
	char tmp[16];

	if (fc_peek(c) == (unsigned char)ch) {
		c->p++;
		return 0;
	}
	return fc_error(c, "expected %s, found %s", what, fc_describe(c, tmp, sizeof(tmp)));
}

bool fc_accept(struct fmt_cursor *c, const char *s)
{
	size_t n = strlen(s);

	if (n > (size_t)(c->end - c->p) || memcmp(c->p, s, n) != 0)
		return false;
	c->p += n;
	return true;
}

bool fc_accept_word(struct fmt_cursor *c, const char *w)
{
	size_t n = strlen(w);

	if (n > (size_t)(c->end - c->p) || memcmp(c->p, w, n) != 0 ||
	    is_ident_char(fc_peek_at(c, n)))
		return false;
	c->p += n;
	return true;
}

size_t fc_ident_len(const struct fmt_cursor *c)
{
	const char *s = c->p, *end = c->end, *p = s;

	if (!is_ident_start(byte_at(p, end)))
		return 0;
	while (is_ident_char(byte_at(p, end)))
		p++;
	return (size_t)(p - s);
}

/* Accumulate digits of `base` into *mag, saturating; returns the count. */
static size_t scan_digits(struct fmt_cursor *c, unsigned base, uint64_t *mag)
{
	const char *s = c->p, *end = c->end, *p = s;
	uint64_t m = *mag;
	int v;

	while ((unsigned)(v = hex_digit(byte_at(p, end))) < base) { /* -1: not a digit */
		/* m * base + v, or UINT64_MAX once that overflows (the overflow
		 * flags are no comparisons for the coverage instrumentation) */
		if (__builtin_mul_overflow(m, (uint64_t)base, &m) ||
		    __builtin_add_overflow(m, (uint64_t)v, &m))
			m = UINT64_MAX;
		p++;
	}
	*mag = m;
	c->p = p;
	return (size_t)(p - s);
}

int fc_number(struct fmt_cursor *c, unsigned allowed, struct fc_number *out)
{
	char tmp[16];
	const char *p = c->p, *end = c->end;
	int ch = byte_at(p, end), x;
	unsigned base = 10;

	out->line = c->line;
	out->col = fc_col(c);
	out->mag = 0;
	out->neg = false;
	if (ch == '-' && (allowed & FC_MINUS) && is_digit(byte_at(p + 1, end))) {
		out->neg = true;
		c->p = ++p;
		ch = byte_at(p, end);
	}
	if (!is_digit(ch))
		return fc_error(c, "expected a number, found %s", fc_describe(c, tmp, sizeof(tmp)));
	x = byte_at(p + 1, end); /* p < end: ch is a digit */
	if (ch == '0' && (allowed & FC_HEX) && (x == 'x' || x == 'X'))
		base = 16;
	else if (ch == '0' && (allowed & FC_OCT))
		base = 8;
	if (out->neg && base != 10)
		return fc_error_at(c, out->line, out->col, "a negative number must be decimal");
	if (base == 10 && !(allowed & FC_DEC) && !(ch == '0' && !is_digit(x)))
		return fc_error_at(c, out->line, out->col, "expected a hexadecimal number (0x...)");
	if (base == 16)
		c->p = p + 2;
	if (scan_digits(c, base, &out->mag) == 0)
		return fc_error(c, "expected hexadecimal digits after 0x");
	ch = fc_peek(c);
	if (is_ident_char(ch) || ch == '.')
		return fc_error(c, "invalid character %s in number", fc_describe(c, tmp, sizeof(tmp)));
	return 0;
}

int fc_to_unsigned(struct fmt_cursor *c, const struct fc_number *n, uint64_t max,
		   const char *what, uint64_t *out)
{
	if ((n->neg && n->mag != 0) || n->mag > max)
		return fc_error_at(c, n->line, n->col, "%s out of range (0..%llu)", what,
				   (unsigned long long)max);
	*out = n->mag;
	return 0;
}

int fc_to_u32_signed(struct fmt_cursor *c, const struct fc_number *n, const char *what,
		     uint32_t *out)
{
	if (n->neg) {
		if (n->mag > 0x80000000u)
			return fc_error_at(c, n->line, n->col,
					   "%s out of range (-2147483648..4294967295)", what);
		*out = (uint32_t)(0u - (uint32_t)n->mag);
		return 0;
	}
	if (n->mag > UINT32_MAX)
		return fc_error_at(c, n->line, n->col, "%s out of range (-2147483648..4294967295)",
				   what);
	*out = (uint32_t)n->mag;
	return 0;
}

static int vset(struct fmt_cursor *c, unsigned line, unsigned col, const char *fmt, va_list ap)
{
	char msg[sizeof(((struct cbpf_diag *)0)->msg)];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	return diag_set(c->diag, line, col, -1, "%s", msg);
}

int fc_error(struct fmt_cursor *c, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vset(c, c->line, fc_col(c), fmt, ap);
	va_end(ap);
	return r;
}

int fc_error_at(struct fmt_cursor *c, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vset(c, line, col, fmt, ap);
	va_end(ap);
	return r;
}

int fc_record_fields(struct fmt_cursor *c, fc_field_fn field, int (*sep)(struct fmt_cursor *c),
		     struct cbpf_insn *in)
{
	static const struct {
		uint64_t max;
		const char *name;
	} fields[4] = { { UINT16_MAX, "code" }, { UINT8_MAX, "jt" }, { UINT8_MAX, "jf" },
			{ UINT32_MAX, "k" } };
	uint64_t v[4];

	for (int i = 0; i < 4; i++) {
		if (i > 0 && sep && sep(c) < 0)
			return -1;
		if (field(c, fields[i].max, fields[i].name, &v[i]) < 0)
			return -1;
	}
	in->code = (uint16_t)v[0];
	in->jt = (uint8_t)v[1];
	in->jf = (uint8_t)v[2];
	in->k = (uint32_t)v[3];
	return 0;
}

int fc_push(struct fmt_cursor *c, struct cbpf_prog *p, struct cbpf_insn insn, unsigned line,
	    unsigned col)
{
	if (cbpf_prog_push(p, insn) == 0)
		return 0;
	if (p->len >= CBPF_PARSE_MAXINSNS)
		return fc_error_at(c, line, col, "too many instructions (the limit is %d)",
				   CBPF_PARSE_MAXINSNS);
	return diag_nomem(c->diag, line, col, -1);
}

int fc_parse_all(const char *buf, size_t len, struct cbpf_prog *out, struct cbpf_diag *d,
		 int (*parse)(struct fmt_cursor *c, struct cbpf_prog *out))
{
	struct fmt_cursor c;

	fc_init(&c, buf, len, d);
	if (parse(&c, out) < 0) {
		cbpf_prog_free(out);
		return -1;
	}
	return 0;
}
