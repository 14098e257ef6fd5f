/*
 * insn/program.c - the growable instruction array and struct cbpf_diag:
 * filling it (diag.h) and rendering it as one line.
 */
#include "cbpf/program.h"

#include "cbpf/errname.h"
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cbpf_prog_push(struct cbpf_prog *p, struct cbpf_insn insn)
{
	if (p->len >= CBPF_PARSE_MAXINSNS)
		return -1;
	if (p->len == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct cbpf_insn *n = realloc(p->insns, cap * sizeof(*n));
		if (n == NULL)
			return -1;
		p->insns = n;
		p->cap = cap;
	}
	p->insns[p->len++] = insn;
	return 0;
}

void cbpf_prog_free(struct cbpf_prog *p)
{
	free(p->insns);
	p->insns = NULL;
	p->len = 0;
	p->cap = 0;
}

void diag_clear(struct cbpf_diag *d)
{
	if (d == NULL)
		return;
	memset(d, 0, sizeof(*d));
	d->insn = -1;
	d->offset = -1;
}

/* src into dst (cap bytes) as one line: a control character (the input a
 * message quotes may hold any) is written \n, \t, \r or \xHH; what does
 * not fit is cut at a whole character. */
static void put_one_line(char *dst, size_t cap, const char *src)
{
	static const char hexdig[] = "0123456789abcdef";
	size_t o = 0;

	for (; *src; src++) {
		unsigned char c = (unsigned char)*src;
		char esc[4] = { '\\', 'x', hexdig[c >> 4], hexdig[c & 15] };
		size_t n = 4;

		if (c >= 0x20 && c != 0x7f) {
			esc[0] = (char)c;
			n = 1;
		} else if (c == '\n' || c == '\t' || c == '\r') {
			esc[1] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
			n = 2;
		}
		if (o + n >= cap)
			break;
		memcpy(dst + o, esc, n);
		o += n;
	}
	dst[o] = '\0';
}

int diag_vfail(struct cbpf_diag *d, enum cbpf_errcode code, const char *fmt, va_list ap)
{
	char raw[sizeof(d->msg)];

	if (d == NULL)
		return -1;
	diag_clear(d);
	d->code = code;
	vsnprintf(raw, sizeof(raw), fmt, ap);
	put_one_line(d->msg, sizeof(d->msg), raw);
	return -1;
}

int diag_fail(struct cbpf_diag *d, enum cbpf_errcode code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vfail(d, code, fmt, ap);
	va_end(ap);
	return -1;
}

static void place(struct cbpf_diag *d, unsigned line, unsigned col, long insn)
{
	if (d == NULL)
		return;
	d->line = line;
	d->col = col;
	d->insn = insn;
}

int diag_set(struct cbpf_diag *d, unsigned line, unsigned col, long insn, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vfail(d, CBPF_ERR_INPUT, fmt, ap);
	va_end(ap);
	place(d, line, col, insn);
	return -1;
}

int diag_nomem(struct cbpf_diag *d, unsigned line, unsigned col, long insn)
{
	diag_fail(d, CBPF_ERR_NOMEM, "out of memory");
	place(d, line, col, insn);
	return -1;
}

void diag_split_col(struct cbpf_diag *d)
{
	unsigned col;
	int used = 0;

	if (d == NULL || sscanf(d->msg, "col %u: %n", &col, &used) != 1 || used == 0)
		return;
	d->col = col;
	memmove(d->msg, d->msg + used, strlen(d->msg + used) + 1);
}

/* "FILE:L:C: ", "FILE: insn N: ", ... (FILE and ": " left out for NULL). */
static void put_location(FILE *out, const struct cbpf_diag *d, const char *file)
{
	const char *sep = file != NULL ? ": " : "";

	if (file == NULL)
		file = "";
	if (d->line > 0 && d->col > 0)
		fprintf(out, "%s%s%u:%u: ", file, file[0] ? ":" : "", d->line, d->col);
	else if (d->line > 0)
		fprintf(out, "%s%s%u: ", file, file[0] ? ":" : "", d->line);
	else if (d->insn >= 0)
		fprintf(out, "%s%sinsn %ld: ", file, sep, d->insn);
	else if (d->offset >= 0)
		fprintf(out, "%s%soffset %lld: ", file, sep, d->offset);
	else if (d->col > 0)
		fprintf(out, "%s%scol %u: ", file, sep, d->col);
	else
		fprintf(out, "%s%s", file, sep);
}

static void put_line(FILE *out, const struct cbpf_diag *d, const char *file)
{
	put_location(out, d, file);
	if (d->rule != NULL)
		fprintf(out, "%s: ", d->rule);
	fputs(d->msg, out);
	if (d->code == CBPF_ERR_REJECTED && d->errnum != 0)
		fprintf(out, " (%s)", cbpf_errno_name(d->errnum));
}

char *cbpf_diag_format(const struct cbpf_diag *d, const char *file)
{
	char *s = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&s, &len);

	if (out == NULL)
		return NULL;
	put_line(out, d, file);
	if (fclose(out) != 0) {
		free(s);
		return NULL;
	}
	return s;
}

void cbpf_diag_print(FILE *out, const struct cbpf_diag *d, const char *file)
{
	put_line(out, d, file);
	fputc('\n', out);
}
