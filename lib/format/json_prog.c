/*
 * format/json_prog.c - the JSON program format: an array of [code, jt, jf, k]
 * arrays of integers, e.g. [[40,0,0,12],[6,0,0,0]]. Reading goes through
 * the strict reader of json.h; errors name the line and column of the
 * offending value (the tree has no positions, so they are found again by
 * walking the already-validated text).
 */
#include "cbpf/format.h"
#include "support/json.h"
#include "support/strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *cbpf_json_prog_print(const struct cbpf_insn *insns, size_t n, size_t *outlen)
{
	struct strbuf b = { 0 };

	sb_putc(&b, '[');
	for (size_t i = 0; i < n; i++)
		sb_printf(&b, "%s[%u,%u,%u,%u]", i ? ",\n " : "", (unsigned)insns[i].code,
			  (unsigned)insns[i].jt, (unsigned)insns[i].jf, (unsigned)insns[i].k);
	sb_puts(&b, "]\n");
	return sb_finish(&b, outlen);
}

/* ---- positions ---- */

static int is_json_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static size_t skip_space(const char *buf, size_t len, size_t pos)
{
	while (pos < len && is_json_space(buf[pos]))
		pos++;
	return pos;
}

/* The offset just past the value starting at pos (valid JSON assumed,
 * bounded by len regardless). Iterative: nesting is counted, not recursed. */
static size_t skip_value(const char *buf, size_t len, size_t pos)
{
	size_t depth = 0;
	int in_string = 0;

	for (; pos < len; pos++) {
		char ch = buf[pos];
		if (in_string) {
			if (ch == '\\')
				pos++;
			else if (ch == '"')
				in_string = 0;
			if (!in_string && depth == 0)
				return pos + 1;
			continue;
		}
		if (ch == '"') {
			in_string = 1;
		} else if (ch == '[' || ch == '{') {
			depth++;
		} else if (ch == ']' || ch == '}') {
			if (depth == 0)
				return pos;
			if (--depth == 0)
				return pos + 1;
		} else if (depth == 0 && (ch == ',' || is_json_space(ch))) {
			return pos;
		}
	}
	return len;
}

/* The offset of element idx of the array whose '[' is at pos. */
static size_t element_at(const char *buf, size_t len, size_t pos, size_t idx)
{
	pos = skip_space(buf, len, pos + 1);
	for (size_t i = 0; i < idx && pos < len; i++) {
		pos = skip_space(buf, len, skip_value(buf, len, pos));
		if (pos < len && buf[pos] == ',')
			pos = skip_space(buf, len, pos + 1);
	}
	return pos;
}

/* Line and column (1-based) of a byte offset. */
static void line_col(const char *buf, size_t len, size_t off, unsigned *line, unsigned *col)
{
	size_t start = 0;
	unsigned l = 1;

	if (off > len)
		off = len;
	for (size_t i = 0; i < off; i++) {
		if (buf[i] == '\n') {
			l++;
			start = i + 1;
		}
	}
	*line = l;
	*col = off - start + 1 > 0xffffffu ? 0xffffffu : (unsigned)(off - start + 1);
}

/* Error at element i of the top array, or at its field j when j >= 0. */
static int error_at(const char *buf, size_t len, struct cbpf_diag *d, size_t i, int j,
		    const char *msg)
{
	size_t pos = element_at(buf, len, skip_space(buf, len, 0), i);
	unsigned line, col;

	if (j >= 0 && pos < len && buf[pos] == '[')
		pos = element_at(buf, len, pos, (size_t)j);
	line_col(buf, len, pos, &line, &col);
	return cbpf_diag_set(d, line, col, -1, "%s", msg);
}

/* The reader's "col N: why" (N a 1-based byte offset) as line:col. */
static int syntax_error(const char *buf, size_t len, const char *err, struct cbpf_diag *d)
{
	unsigned line = 1, col = 1;
	const char *why = err;

	if (strncmp(err, "col ", 4) == 0) {
		char *end;
		unsigned long long off = strtoull(err + 4, &end, 10);
		if (end != err + 4 && off > 0 && strncmp(end, ": ", 2) == 0) {
			line_col(buf, len, (size_t)(off - 1), &line, &col);
			why = end + 2;
		}
	}
	return cbpf_diag_set(d, line, col, -1, "invalid JSON: %s", why);
}

/* ---- reader ---- */

static const char *const field_names[4] = { "code", "jt", "jf", "k" };
static const uint64_t field_max[4] = { UINT16_MAX, UINT8_MAX, UINT8_MAX, UINT32_MAX };

static int read_insn(const char *buf, size_t len, const struct json_value *v, size_t i,
		     struct cbpf_insn *in, struct cbpf_diag *d)
{
	uint64_t f[4];
	char msg[96];

	if (v->type != JSON_ARRAY || v->n != 4)
		return error_at(buf, len, d, i, -1,
				"an instruction must be an array [code, jt, jf, k]");
	for (int j = 0; j < 4; j++) {
		if (v->items[j].type != JSON_NUMBER || json_u64(&v->items[j], &f[j]) != 0 ||
		    f[j] > field_max[j]) {
			snprintf(msg, sizeof(msg), "%s must be an integer in 0..%llu", field_names[j],
				 (unsigned long long)field_max[j]);
			return error_at(buf, len, d, i, j, msg);
		}
	}
	in->code = (uint16_t)f[0];
	in->jt = (uint8_t)f[1];
	in->jf = (uint8_t)f[2];
	in->k = (uint32_t)f[3];
	return 0;
}

static int read_program(const char *buf, size_t len, const struct json_value *top,
			struct cbpf_prog *out, struct cbpf_diag *d)
{
	if (top->type != JSON_ARRAY) {
		unsigned line, col;
		line_col(buf, len, skip_space(buf, len, 0), &line, &col);
		return cbpf_diag_set(d, line, col, -1,
				     "expected an array of [code, jt, jf, k] arrays");
	}
	for (size_t i = 0; i < top->n; i++) {
		struct cbpf_insn in;
		if (read_insn(buf, len, &top->items[i], i, &in, d) < 0)
			return -1;
		if (cbpf_prog_push(out, in) < 0)
			return error_at(buf, len, d, i, -1,
					out->len >= CBPF_PARSE_MAXINSNS
						? "too many instructions (the limit is 65535)"
						: "out of memory");
	}
	return 0;
}

int cbpf_json_prog_parse(const char *buf, size_t len, struct cbpf_prog *out, struct cbpf_diag *d)
{
	char err[256] = "";
	struct json_value *top = json_parse(buf, len, err, sizeof(err));
	int r;

	if (top == NULL)
		return syntax_error(buf, len, err, d);
	r = read_program(buf, len, top, out, d);
	json_free(top);
	if (r < 0)
		cbpf_prog_free(out);
	return r;
}
