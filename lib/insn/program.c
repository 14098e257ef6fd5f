/*
 * insn/program.c - the growable instruction array and diagnostics.
 */
#include "cbpf/program.h"

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

int cbpf_diag_set(struct cbpf_diag *d, unsigned line, unsigned col, long insn,
		  const char *fmt, ...)
{
	va_list ap;

	if (d == NULL)
		return -1;
	d->line = line;
	d->col = col;
	d->insn = insn;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	return -1;
}

void cbpf_diag_format(const struct cbpf_diag *d, const char *file, char *out, size_t outlen)
{
	if (d->line > 0 && d->col > 0)
		snprintf(out, outlen, "%s:%u:%u: %s", file, d->line, d->col, d->msg);
	else if (d->line > 0)
		snprintf(out, outlen, "%s:%u: %s", file, d->line, d->msg);
	else if (d->insn >= 0)
		snprintf(out, outlen, "%s: insn %ld: %s", file, d->insn, d->msg);
	else
		snprintf(out, outlen, "%s: %s", file, d->msg);
}
