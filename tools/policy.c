/*
 * policy.c - the seccomp policy model of policy.h: freeing it, and the
 * one shape of its errors ("FILE: syscalls[3].action: why").
 */
#include "policy.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void policy_free(struct policy *p)
{
	for (size_t i = 0; i < p->nrules; i++) {
		free(p->rules[i].names);
		free(p->rules[i].args);
	}
	free(p->rules);
	free(p->arches);
	p->rules = NULL;
	p->arches = NULL;
	p->nrules = p->narches = 0;
}

void policy_error(const char *file, const struct policy_loc *loc, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout); /* results printed so far come first */
	if (loc != NULL && loc->line > 0 && loc->col > 0)
		fprintf(stderr, "%s:%u:%u: ", file, loc->line, loc->col);
	else if (loc != NULL && loc->line > 0)
		fprintf(stderr, "%s:%u: ", file, loc->line);
	else
		fprintf(stderr, "%s: ", file);
	if (loc != NULL && loc->line == 0 && loc->path[0] != '\0')
		fprintf(stderr, "%s: ", loc->path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
