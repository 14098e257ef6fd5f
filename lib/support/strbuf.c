/*
 * support/strbuf.c - the growable byte buffer behind every printer.
 */
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Failed for good. cap drops to len, so that sb_room's fast path (room
 * left) never answers for a failed buffer. */
static void sb_fail(struct strbuf *b)
{
	b->failed = true;
	b->cap = b->len;
}

static bool sb_reserve(struct strbuf *b, size_t extra)
{
	size_t need;

	if (b->failed)
		return false;
	if (extra > (size_t)-1 / 2 - b->len) {
		sb_fail(b);
		return false;
	}
	need = b->len + extra + 1;
	if (need <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 256; /* most listings fit: no growth chain */
	while (cap < need)
		cap *= 2;
	char *n = realloc(b->s, cap);
	if (n == NULL) {
		sb_fail(b);
		return false;
	}
	b->s = n;
	b->cap = cap;
	return true;
}

char *sb_room(struct strbuf *b, size_t n)
{
	if (b->cap - b->len > n) /* never for a failed buffer (sb_fail) */
		return b->s + b->len;
	return sb_reserve(b, n) ? b->s + b->len : NULL;
}

void sb_commit(struct strbuf *b, char *end)
{
	b->len = (size_t)(end - b->s);
	*end = '\0';
}

void sb_putn(struct strbuf *b, const void *p, size_t n)
{
	char *w = sb_room(b, n);

	if (w == NULL)
		return;
	memcpy(w, p, n);
	sb_commit(b, w + n);
}

void sb_putc(struct strbuf *b, char c)
{
	char *w = sb_room(b, 1);

	if (w == NULL)
		return;
	w[0] = c;
	sb_commit(b, w + 1);
}

void sb_puts(struct strbuf *b, const char *s)
{
	sb_putn(b, s, strlen(s));
}

void sb_printf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	char small[256];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		sb_fail(b);
		return;
	}
	if ((size_t)n < sizeof(small)) {
		sb_putn(b, small, (size_t)n);
		return;
	}
	if (!sb_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *sb_finish(struct strbuf *b, size_t *len)
{
	char *s = b->s;

	if (!b->failed && s == NULL)
		s = calloc(1, 1);
	if (b->failed) {
		free(s);
		s = NULL;
	}
	if (len != NULL)
		*len = s ? b->len : 0;
	b->s = NULL;
	b->len = b->cap = 0;
	b->failed = false;
	return s;
}
