/*
 * support/json.h - (library-private, also used by tools/) a small, strict JSON
 * reader (RFC 8259) and the writer helpers the plugin protocol and the JSON
 * program format need. Parsing is total: any bytes give a value or an error
 * naming the column; nesting deeper than JSON_MAX_DEPTH is an error, not a
 * stack overflow.
 *
 * Two ways to read: json_parse builds a tree (about 50 bytes per value:
 * for small documents), the cursor (struct json_reader) walks a document
 * one element at a time, so large ones are read in memory that does not
 * grow with them.
 */
#ifndef CBPF_JSON_H
#define CBPF_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

#define JSON_MAX_DEPTH 64

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json_value {
	enum json_type type;
	bool boolean;               /* JSON_BOOL */
	char *str;                  /* JSON_STRING: decoded UTF-8 (NUL-terminated, may
	                             * contain NULs); JSON_NUMBER: the literal text */
	size_t str_len;
	struct json_value *items;   /* JSON_ARRAY elements / JSON_OBJECT values */
	char **keys;                /* JSON_OBJECT keys (decoded, NUL-terminated) */
	size_t n;                   /* number of items (and keys) */
};

/* Parse exactly one value (surrounding whitespace allowed). Returns NULL
 * and writes "col N: why" to err when the input is not JSON or memory runs
 * out. */
struct json_value *json_parse(const char *buf, size_t len, char *err, size_t errlen);
void json_free(struct json_value *v);

/* ---- the cursor ---- */

struct json_reader {
	const unsigned char *p;
	size_t len;
	size_t pos;           /* the next byte */
	char *err;            /* "col N: why" of the first error (may be NULL) */
	size_t errlen;
	bool failed;
	size_t err_pos;       /* the first error's byte offset ... */
	char why[200];        /* ... and its text */
	size_t budget;        /* values json_read_tree may still build */
	size_t budget_limit;
};

/* A cursor at the start of buf (NULL = empty); no value budget. */
void json_reader_init(struct json_reader *r, const char *buf, size_t len, char *err,
		      size_t errlen);
/* At most n values in all the trees json_read_tree builds from now on
 * (more is the error "more than n values"). */
void json_limit_values(struct json_reader *r, size_t n);
/* Record an error of the caller's at offset pos (the first error wins). */
void json_fail(struct json_reader *r, size_t pos, const char *why);

/* After blanks: the type of the value that starts here (by its first
 * byte), or -1 at the end of input or a byte no value starts with. */
int json_peek_type(struct json_reader *r);
/* Only blanks are left (else the error "expected end of input"). */
bool json_at_end(struct json_reader *r);
/* Consume the '[' or '{' that must come next. */
bool json_begin(struct json_reader *r, char open);
/* Before element index (0, 1, ...) of the array or object begun: 1 when
 * one follows (its ',' consumed), 0 when the closer was consumed, -1 on a
 * syntax error. */
int json_more(struct json_reader *r, char closer, size_t index);
/* An object member's key and its ':'; the decoded key is appended to key
 * (NULL: skipped). */
bool json_read_key(struct json_reader *r, struct strbuf *key);
/* A number: *lit points at its literal text in the input. */
bool json_read_number(struct json_reader *r, const char **lit, size_t *n);
/* A string: its decoded bytes are appended to out. */
bool json_read_string(struct json_reader *r, struct strbuf *out);
/* Validate and skip one value; depth is the nesting already entered. */
bool json_skip_value(struct json_reader *r, int depth);
/* One value as a tree (json_free it), NULL on error. */
struct json_value *json_read_tree(struct json_reader *r, int depth);
/* The whole input as one value (only blanks after it), with at most
 * max_values values: json_free it; NULL with the reader's error. */
struct json_value *json_read_document(struct json_reader *r, size_t max_values);
/* The 1-based line and column of byte off of buf (off clamped to len; a
 * column past 16777215 is given as 16777215, as the text formats do). */
void json_line_col(const char *buf, size_t len, size_t off, unsigned *line, unsigned *col);
/* One value appended to out as compact JSON, exactly as json_put_value
 * writes its tree. */
bool json_copy_compact(struct json_reader *r, struct strbuf *out, int depth);
/* The integer a number literal denotes, as json_u64. */
int json_number_u64(const char *lit, size_t len, uint64_t *out);

/* Object member by key (last one wins), or NULL. */
const struct json_value *json_get(const struct json_value *obj, const char *key);

/* "null", "a boolean", "a number", "a string", "an array", "an object":
 * for messages such as "expected an integer, got a string". */
const char *json_type_name(enum json_type t);

/* Integer accessors: 0 on success; -1 if v is not a number, has a fraction
 * or exponent that leaves a non-integer, or is out of range. */
int json_u64(const struct json_value *v, uint64_t *out);
int json_i64(const struct json_value *v, int64_t *out);
int json_u32(const struct json_value *v, uint32_t *out);

/* Append s (n bytes) as a quoted, escaped JSON string. */
void json_put_string(struct strbuf *b, const char *s, size_t n);
/* Append a value back as compact JSON. */
void json_put_value(struct strbuf *b, const struct json_value *v);

#endif
