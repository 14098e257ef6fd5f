/*
 * format/json_prog.c - the JSON program format: an array of [code, jt, jf,
 * k] arrays of integers, e.g. [[40,0,0,12],[6,0,0,0]]. Reading streams
 * through json.h's cursor: one instruction at a time straight into the
 * program, so the memory it needs is the program's (at most
 * CBPF_PARSE_MAXINSNS instructions; the element after the last allowed
 * one is an error at once, whatever follows it). Errors name the line and
 * column of the offending value; a UTF-8 byte order mark at the start is
 * skipped.
 */
#include "insn/diag.h"
#include "cbpf/format.h"
#include "formats.h"
#include "format/cursor.h"
#include "support/json.h"
#include "support/strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
char *fmt_json_print(const struct cbpf_insn *insns, size_t n, size_t *outlen)
{
	struct strbuf b = { 0 };

	sb_putc(&b, '[');
	for (size_t i = 0; i < n; i++)
		sb_printf(&b, "%s[%u,%u,%u,%u]", i ? ",\n " : "", (unsigned)insns[i].code,
			  (unsigned)insns[i].jt, (unsigned)insns[i].jf, (unsigned)insns[i].k);
	sb_puts(&b, "]\n");
	return sb_finish(&b, outlen);
}

/* ---- reader ---- */

struct prog_reader {
	struct json_reader r;
	const char *buf;      /* for line and column */
	size_t len;
	struct cbpf_diag *d;
};

static int error_at(struct prog_reader *pr, size_t off, const char *msg)
{
	unsigned line, col;

	json_line_col(pr->buf, pr->len, off, &line, &col);
	return diag_set(pr->d, line, col, -1, "%s", msg);
}

/* The cursor's syntax error (made now by skipping what is there when the
 * cursor has none yet). */
static int syntax_error(struct prog_reader *pr)
{
	char msg[sizeof(pr->r.why) + 16];

	if (!pr->r.failed)
		json_skip_value(&pr->r, 0);
	snprintf(msg, sizeof(msg), "invalid JSON: %s", pr->r.why);
	return error_at(pr, pr->r.err_pos, msg);
}

static const char *const field_names[4] = { "code", "jt", "jf", "k" };
static const uint64_t field_max[4] = { UINT16_MAX, UINT8_MAX, UINT8_MAX, UINT32_MAX };

static int read_field(struct prog_reader *pr, int j, uint64_t *out)
{
	size_t at = pr->r.pos, n;
	const char *lit;
	char msg[96];
	int type = json_peek_type(&pr->r);

	at = pr->r.pos;
	if (type < 0)
		return syntax_error(pr);
	if (type != JSON_NUMBER || !json_read_number(&pr->r, &lit, &n) ||
	    json_number_u64(lit, n, out) != 0 || *out > field_max[j]) {
		if (pr->r.failed)
			return syntax_error(pr);
		snprintf(msg, sizeof(msg), "%s must be an integer in 0..%llu", field_names[j],
			 (unsigned long long)field_max[j]);
		return error_at(pr, at, msg);
	}
	return 0;
}

static int read_insn(struct prog_reader *pr, struct cbpf_insn *in)
{
	int type = json_peek_type(&pr->r), m;
	size_t start = pr->r.pos, j;
	uint64_t f[4];
	char msg[96];

	if (type < 0)
		return syntax_error(pr);
	if (type != JSON_ARRAY) {
		snprintf(msg, sizeof(msg), "an instruction must be an array [code, jt, jf, k], got %s",
			 json_type_name((enum json_type)type));
		return error_at(pr, start, msg);
	}
	json_begin(&pr->r, '[');
	for (j = 0; (m = json_more(&pr->r, ']', j)) > 0; j++) {
		if (j == 4) {
			json_peek_type(&pr->r);
			return error_at(pr, pr->r.pos, "an instruction has only 4 fields [code, jt, jf, k]");
		}
		if (read_field(pr, (int)j, &f[j]) < 0)
			return -1;
	}
	if (m < 0)
		return syntax_error(pr);
	if (j < 4) {
		snprintf(msg, sizeof(msg), "an instruction needs 4 fields [code, jt, jf, k], got %zu", j);
		return error_at(pr, start, msg);
	}
	in->code = (uint16_t)f[0];
	in->jt = (uint8_t)f[1];
	in->jf = (uint8_t)f[2];
	in->k = (uint32_t)f[3];
	return 0;
}

static int read_program(struct prog_reader *pr, struct cbpf_prog *out)
{
	int type = json_peek_type(&pr->r), m;
	char msg[96];

	if (type < 0)
		return syntax_error(pr);
	if (type != JSON_ARRAY) {
		snprintf(msg, sizeof(msg), "expected an array of [code, jt, jf, k] arrays, got %s",
			 json_type_name((enum json_type)type));
		return error_at(pr, pr->r.pos, msg);
	}
	json_begin(&pr->r, '[');
	for (size_t i = 0; (m = json_more(&pr->r, ']', i)) > 0; i++) {
		struct cbpf_insn in;
		size_t at;
		json_peek_type(&pr->r);
		at = pr->r.pos;
		if (out->len >= CBPF_PARSE_MAXINSNS) {
			snprintf(msg, sizeof(msg), "too many instructions (the limit is %d)",
				 CBPF_PARSE_MAXINSNS);
			return error_at(pr, at, msg);
		}
		if (read_insn(pr, &in) < 0)
			return -1;
		if (cbpf_prog_push(out, in) < 0) {
			error_at(pr, at, "out of memory");
			if (pr->d != NULL)
				pr->d->code = CBPF_ERR_NOMEM;
			return -1;
		}
	}
	if (m < 0 || !json_at_end(&pr->r))
		return syntax_error(pr);
	return 0;
}

int fmt_json_parse(const char *buf, size_t len, struct cbpf_prog *out, struct cbpf_diag *d)
{
	size_t bom = fc_bom_len(buf, len);
	struct prog_reader pr = { .buf = buf != NULL ? buf + bom : "", .len = len - bom, .d = d };

	json_reader_init(&pr.r, pr.buf, pr.len, NULL, 0);
	if (read_program(&pr, out) < 0) {
		cbpf_prog_free(out);
		return -1;
	}
	return 0;
}
