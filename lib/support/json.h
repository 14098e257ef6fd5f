/*
 * support/json.h - (library-private, also used by tools/) a small, strict JSON
 * reader (RFC 8259) and the writer helpers the plugin protocol and the JSON
 * program format need. Parsing is total: any bytes give a value or an error
 * naming the column; nesting deeper than JSON_MAX_DEPTH is an error, not a
 * stack overflow.
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
