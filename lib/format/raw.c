/*
 * format/raw.c - the raw binary format: consecutive 8-byte struct sock_filter
 * records {u16 code; u8 jt; u8 jf; u32 k} in host byte order, exactly the
 * bytes a sock_fprog points to.
 *
 * The parser allocates the program once (it knows the count), copies the
 * records in one memcpy, and writes the partial-record diagnostic without
 * printf: the codec fuzz target meets these on nearly every input.
 */
#include "insn/diag.h"
#include "cbpf/format.h"
#include "formats.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

enum { RAW_RECORD = 8 };

/* A record and a struct cbpf_insn have the same bytes: whole programs are
 * copied with one memcpy. */
_Static_assert(sizeof(struct cbpf_insn) == RAW_RECORD, "struct cbpf_insn is 8 bytes");
_Static_assert(offsetof(struct cbpf_insn, code) == 0 && offsetof(struct cbpf_insn, jt) == 2 &&
	       offsetof(struct cbpf_insn, jf) == 3 && offsetof(struct cbpf_insn, k) == 4,
	       "struct cbpf_insn is laid out as a record");

static struct cbpf_insn raw_record(const unsigned char *p)
{
	struct cbpf_insn in;

	memcpy(&in, p, RAW_RECORD);
	return in;
}

static char *put_str(char *w, const char *s, size_t n)
{
	memcpy(w, s, n);
	return w + n;
}

#define PUT(w, lit) put_str(w, lit, sizeof(lit) - 1)

static char *put_dec(char *w, size_t v)
{
	char buf[24];
	char *q = buf + sizeof(buf);

	do {
		*--q = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return put_str(w, q, (size_t)(buf + sizeof(buf) - q));
}

/* diag_set(d, 0, 0, whole / 8, "%zu trailing bytes at offset %zu: the
 * input (%zu bytes) is not a whole number of 8-byte instructions", ...),
 * written directly (at most 3 * 20 + 95 bytes, within d->msg). */
static int partial_record(struct cbpf_diag *d, size_t len, size_t whole)
{
	char *w;

	if (d == NULL)
		return -1;
	diag_clear(d);
	d->code = CBPF_ERR_INPUT;
	d->insn = (long)(whole / RAW_RECORD);
	w = put_dec(d->msg, len - whole);
	w = put_dec(PUT(w, " trailing bytes at offset "), whole);
	w = put_dec(PUT(w, ": the input ("), len);
	w = PUT(w, " bytes) is not a whole number of 8-byte instructions");
	*w = '\0';
	return -1;
}

_Static_assert(sizeof(((struct cbpf_diag *)0)->msg) > 3 * 20 + 95, "room for partial_record");

int fmt_raw_parse(const void *buf, size_t len, struct cbpf_prog *out, struct cbpf_diag *d)
{
	const unsigned char *p = buf;
	size_t whole = len - len % RAW_RECORD, n = len / RAW_RECORD;

	if (len % RAW_RECORD != 0)
		return partial_record(d, len, whole);
	if (n > CBPF_PARSE_MAXINSNS)
		return diag_set(d, 0, 0, CBPF_PARSE_MAXINSNS,
				     "too many instructions (%zu; the limit is %d)",
				     n, CBPF_PARSE_MAXINSNS);
	if (n > out->cap - out->len) {
		/* The whole program at once (n <= CBPF_PARSE_MAXINSNS: no overflow). */
		struct cbpf_insn *grown = realloc(out->insns, (out->len + n) * sizeof(*grown));
		if (grown == NULL) {
			cbpf_prog_free(out);
			return diag_nomem(d, 0, 0, 0);
		}
		out->insns = grown;
		out->cap = out->len + n;
	}
	if (n > 0 && out->len + n <= CBPF_PARSE_MAXINSNS) {
		memcpy(out->insns + out->len, p, len);
		out->len += n;
		return 0;
	}
	for (size_t off = 0; off < len; off += RAW_RECORD) { /* up to the limit, then fails */
		if (cbpf_prog_push(out, raw_record(p + off)) < 0) {
			cbpf_prog_free(out);
			return diag_nomem(d, 0, 0, (long)(off / RAW_RECORD));
		}
	}
	return 0;
}

char *fmt_raw_print(const struct cbpf_insn *insns, size_t n, size_t *outlen)
{
	char *out;

	if (n > ((size_t)-1 - 1) / RAW_RECORD)
		return NULL;
	out = malloc(n * RAW_RECORD + 1);
	if (out == NULL)
		return NULL;
	if (n > 0)
		memcpy(out, insns, n * RAW_RECORD);
	out[n * RAW_RECORD] = '\0';
	if (outlen != NULL)
		*outlen = n * RAW_RECORD;
	return out;
}
