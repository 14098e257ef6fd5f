/*
 * diag_text.h - tests compare a struct cbpf_diag by its one-line
 * rendering (cbpf_diag_format), copied into a caller's buffer.
 */
#ifndef CBPF_TEST_DIAG_TEXT_H
#define CBPF_TEST_DIAG_TEXT_H

#include <stdio.h>
#include <stdlib.h>

#include "cbpf/program.h"

static inline void diag_text(const struct cbpf_diag *d, const char *file, char *out, size_t n)
{
	char *s = cbpf_diag_format(d, file);

	snprintf(out, n, "%s", s != NULL ? s : "(out of memory)");
	free(s);
}

#endif
