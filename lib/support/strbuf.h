/*
 * support/strbuf.h - (library-private) a growable byte buffer the printers write to.
 * Once an allocation fails the buffer stays failed and every append is a
 * no-op, so printers check once, at the end.
 */
#ifndef CBPF_STRBUF_H
#define CBPF_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *s;      /* NUL-terminated while !failed */
	size_t len;
	size_t cap;
	bool failed;
};

void sb_putc(struct strbuf *b, char c);
void sb_putn(struct strbuf *b, const void *p, size_t n);
void sb_puts(struct strbuf *b, const char *s);
void sb_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Direct writes: room for n more bytes (and the NUL) at the end of the
 * string, NULL once the buffer has failed. Write at most n bytes there,
 * then sb_commit the end of what was written. */
char *sb_room(struct strbuf *b, size_t n);
void sb_commit(struct strbuf *b, char *end);

/* Hand the string to the caller (NULL if any append failed) and reset b.
 * *len (when not NULL) receives the length without the terminating NUL. */
char *sb_finish(struct strbuf *b, size_t *len);

#endif
