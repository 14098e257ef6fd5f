/*
 * format/format.c - the program formats by name, auto-detection of an input's
 * format, and cbpf_parse()/cbpf_print() dispatching to each format's
 * reader and writer (one table keyed by enum cbpf_format).
 */
#include "insn/diag.h"
#include "cbpf/format.h"
#include "formats.h"

#include <string.h>

#include "cursor.h"

/* Adapters giving every parser the same (const void *) signature. */
#define TEXT_PARSER(fn)                                                                  \
	static int fn##_any(const void *buf, size_t len, struct cbpf_prog *out,           \
			    struct cbpf_diag *d)                                          \
	{                                                                                 \
		return fn((const char *)buf, len, out, d);                                \
	}
TEXT_PARSER(fmt_bpfasm_parse)
TEXT_PARSER(fmt_tcpdump_parse)
TEXT_PARSER(fmt_dd_parse)
TEXT_PARSER(fmt_ddd_parse)
TEXT_PARSER(fmt_bytecode_parse)
TEXT_PARSER(fmt_c_parse)
TEXT_PARSER(fmt_json_parse)

struct format_entry {
	const char *name;
	int (*parse)(const void *buf, size_t len, struct cbpf_prog *out, struct cbpf_diag *d);
	char *(*print)(const struct cbpf_insn *insns, size_t n, size_t *outlen);
};

static const struct format_entry formats[CBPF_FMT_COUNT] = {
	[CBPF_FMT_AUTO] = { "auto", NULL, NULL },
	[CBPF_FMT_BPFASM] = { "bpfasm", fmt_bpfasm_parse_any, fmt_bpfasm_print },
	[CBPF_FMT_TCPDUMP] = { "tcpdump", fmt_tcpdump_parse_any, fmt_tcpdump_print },
	[CBPF_FMT_DD] = { "dd", fmt_dd_parse_any, fmt_dd_print },
	[CBPF_FMT_DDD] = { "ddd", fmt_ddd_parse_any, fmt_ddd_print },
	[CBPF_FMT_BYTECODE] = { "bytecode", fmt_bytecode_parse_any, fmt_bytecode_print },
	[CBPF_FMT_C] = { "c", fmt_c_parse_any, fmt_c_print },
	[CBPF_FMT_JSON] = { "json", fmt_json_parse_any, fmt_json_print },
	[CBPF_FMT_RAW] = { "raw", fmt_raw_parse, fmt_raw_print },
};

const char *cbpf_format_name(enum cbpf_format f)
{
	return (unsigned)f < CBPF_FMT_COUNT ? formats[f].name : NULL;
}

int cbpf_format_from_name(const char *name, enum cbpf_format *out)
{
	if (name == NULL)
		return -1;
	for (int f = 0; f < CBPF_FMT_COUNT; f++) {
		if (strcmp(name, formats[f].name) == 0) {
			*out = (enum cbpf_format)f;
			return 0;
		}
	}
	return -1;
}

/* ---- detection ---- */

/* A control byte no text format contains (all but tab, LF, VT, FF, CR). */
static int is_binary_byte(unsigned char b)
{
	return (b < 0x20 && (b < '\t' || b > '\r')) || b == 0x7f;
}

/* Raw records: any binary byte with a whole number of 8-byte records, or
 * one in the first record (then the raw parser names the odd tail). */
static int looks_raw(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (is_binary_byte(p[i]))
			return len % 8 == 0 || i < 8;
	return 0;
}

/* Digits of `base` at the cursor, consumed; their count. */
static size_t span_digits(struct fmt_cursor *c, int hex)
{
	size_t n = 0;
	int ch;

	while ((ch = fc_peek(c)) >= 0 &&
	       ((ch >= '0' && ch <= '9') || (hex && ((ch >= 'a' && ch <= 'f') ||
						     (ch >= 'A' && ch <= 'F'))))) {
		c->p++;
		n++;
	}
	return n;
}

/* The text of the C literal at the cursor (consumed). */
static size_t span_literal(struct fmt_cursor *c, const char **start)
{
	*start = c->p;
	if (fc_accept(c, "0x") || fc_accept(c, "0X"))
		return 2 + span_digits(c, 1);
	return span_digits(c, 0);
}

/* Count the blanks at the cursor (consumed). */
static size_t span_blanks(struct fmt_cursor *c)
{
	const char *from = c->p;

	fc_skip_blanks(c);
	return (size_t)(c->p - from);
}

enum brace_style { STYLE_UNKNOWN, STYLE_DD, STYLE_C };

/* jt or jf after its comma: "%2u" (bpf_asm) pads one digit with a second
 * blank, "%d" (tcpdump) does not. */
static enum brace_style small_field_style(struct fmt_cursor *c)
{
	size_t blanks = span_blanks(c);
	const char *lit;
	size_t n = span_literal(c, &lit);

	if (n != 1 || blanks == 0)
		return STYLE_UNKNOWN;
	return blanks == 2 ? STYLE_C : blanks == 1 ? STYLE_DD : STYLE_UNKNOWN;
}

/* What one record's spelling reveals: bpf_asm's %#04x code is "0000" or
 * "0x0N", tcpdump's 0x%x is "0xN"; a zero k is "0000000000" in bpf_asm and
 * "0x00000000" in tcpdump. */
static enum brace_style record_style(struct fmt_cursor *c)
{
	enum brace_style s = STYLE_UNKNOWN, f;
	const char *lit;
	size_t n;

	span_blanks(c);
	n = span_literal(c, &lit);
	if ((n == 4 && memcmp(lit, "0000", 4) == 0) || (n == 4 && memcmp(lit, "0x0", 3) == 0))
		s = STYLE_C;
	else if (n == 3 && memcmp(lit, "0x", 2) == 0)
		s = STYLE_DD;
	for (int i = 0; i < 2; i++) {
		span_blanks(c);
		if (!fc_accept(c, ","))
			return s;
		f = small_field_style(c);
		if (s == STYLE_UNKNOWN)
			s = f;
	}
	span_blanks(c);
	if (!fc_accept(c, ","))
		return s;
	span_blanks(c);
	n = span_literal(c, &lit);
	if (s == STYLE_UNKNOWN && n == 10)
		s = memcmp(lit, "0000000000", 10) == 0 ? STYLE_C
		    : memcmp(lit, "0x00000000", 10) == 0 ? STYLE_DD : STYLE_UNKNOWN;
	return s;
}

/* dd or c: the first record whose spelling tells; dd when none does. */
static enum cbpf_format detect_brace_style(struct fmt_cursor *c)
{
	while (!fc_at_end(c)) {
		if (fc_skip_space_comments(c) < 0 || !fc_accept(c, "{"))
			return CBPF_FMT_DD;
		enum brace_style s = record_style(c);
		if (s != STYLE_UNKNOWN)
			return s == STYLE_C ? CBPF_FMT_C : CBPF_FMT_DD;
		while (!fc_at_end(c) && fc_peek(c) != '}')
			c->p++;
		if (!fc_accept(c, "}"))
			return CBPF_FMT_DD;
		if (fc_skip_space_comments(c) < 0 || !fc_accept(c, ","))
			return CBPF_FMT_DD;
	}
	return CBPF_FMT_DD;
}

/* After a leading number: "N," is bytecode, a lone N on its line (maybe
 * followed by a comment) ddd. */
static enum cbpf_format detect_number_start(struct fmt_cursor *c)
{
	span_digits(c, 0);
	fc_skip_blanks(c);
	if (fc_peek(c) == ',')
		return CBPF_FMT_BYTECODE;
	if (fc_at_eol(c) || fc_accept(c, "//") || fc_accept(c, "/*") || fc_accept(c, "#"))
		return CBPF_FMT_DDD;
	return CBPF_FMT_BPFASM;
}

/* Lines starting with '#' are -ddd's comments (no other format starts a
 * line with one): ddd when a count follows them, else bpf_asm, whose
 * reader then names the '#'. */
static enum cbpf_format detect_after_hash_lines(struct fmt_cursor *c)
{
	while (fc_peek(c) == '#') {
		while (!fc_at_end(c) && fc_peek(c) != '\n')
			c->p++;
		if (fc_skip_space_comments(c) < 0)
			return CBPF_FMT_BPFASM;
	}
	if (fc_peek(c) >= '0' && fc_peek(c) <= '9' && detect_number_start(c) == CBPF_FMT_DDD)
		return CBPF_FMT_DDD;
	return CBPF_FMT_BPFASM;
}

/* "(NNN)" starts a tcpdump listing line. */
static int is_listing_start(struct fmt_cursor *c)
{
	c->p++;
	fc_skip_blanks(c);
	if (span_digits(c, 0) == 0)
		return 0;
	fc_skip_blanks(c);
	return fc_peek(c) == ')';
}

/* "{" then a string key or "}": a JSON object, never a -dd record (which
 * starts with a number). The JSON reader then says what it expected. */
static int is_json_object_start(const struct fmt_cursor *at)
{
	struct fmt_cursor c = *at;

	c.p++;
	fc_skip_space(&c);
	return fc_peek(&c) == '"' || fc_peek(&c) == '}';
}

enum cbpf_format cbpf_format_detect(const void *buf, size_t len)
{
	struct fmt_cursor c;
	int ch;

	if (buf == NULL)
		return CBPF_FMT_BPFASM;
	if (looks_raw(buf, len))
		return CBPF_FMT_RAW;
	fc_init(&c, buf, len, NULL);
	if (fc_skip_space_comments(&c) < 0)
		return CBPF_FMT_BPFASM;
	ch = fc_peek(&c);
	if (ch == '#')
		return detect_after_hash_lines(&c);
	if (ch == '[' || (ch == '{' && is_json_object_start(&c)))
		return CBPF_FMT_JSON;
	if (ch == '{')
		return detect_brace_style(&c);
	if (ch >= '0' && ch <= '9')
		return detect_number_start(&c);
	if (ch == '(' && is_listing_start(&c))
		return CBPF_FMT_TCPDUMP;
	return CBPF_FMT_BPFASM;
}

/* ---- dispatch ---- */

int cbpf_parse(enum cbpf_format f, const void *buf, size_t len, struct cbpf_prog *out,
	       struct cbpf_diag *d)
{
	diag_clear(d);
	if (f == CBPF_FMT_AUTO)
		f = cbpf_format_detect(buf, len);
	if ((unsigned)f >= CBPF_FMT_COUNT || formats[f].parse == NULL)
		return diag_set(d, 0, 0, -1, "unknown format %d", (int)f);
	if (buf == NULL && len != 0)
		return diag_set(d, 0, 0, -1, "no input buffer");
	return formats[f].parse(buf == NULL ? "" : buf, len, out, d);
}

char *cbpf_print(enum cbpf_format f, const struct cbpf_insn *insns, size_t n, size_t *outlen)
{
	if ((unsigned)f >= CBPF_FMT_COUNT || formats[f].print == NULL)
		return NULL;
	if (insns == NULL && n != 0)
		return NULL;
	return formats[f].print(insns, n, outlen);
}
