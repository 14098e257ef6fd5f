/*
 * support/json.c - the strict JSON reader (RFC 8259) and writer helpers declared in
 * json.h.
 *
 * Reading is a recursive descent bounded by JSON_MAX_DEPTH, so any input
 * bytes give a value or a "col N: why" error (N is the 1-based byte offset
 * of the offending byte; the end of input is len + 1). Strings must be
 * valid UTF-8 (no overlongs, no encoded surrogates, nothing above
 * U+10FFFF); \u escapes must pair surrogates correctly. Numbers keep their
 * literal text; the integer accessors evaluate it exactly, without
 * floating point.
 *
 * The same reader serves two styles: json_parse builds a tree (about 50
 * bytes per value, so only for small documents or with a value budget),
 * and the cursor functions (json_skip_value, json_begin/json_more,
 * json_read_number, json_read_string, json_copy_compact) let the program
 * format and the plugin protocol read large documents one element at a
 * time in memory that does not grow with the input.
 */
#include "json.h"

#include "hex.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* Record the first error only; later ones are consequences. */
static __attribute__((format(printf, 3, 4))) void fail_at(struct json_reader *r, size_t pos,
							 const char *fmt, ...)
{
	va_list ap;

	if (r->failed)
		return;
	r->failed = true;
	r->err_pos = pos;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
	if (r->err != NULL && r->errlen > 0)
		snprintf(r->err, r->errlen, "col %zu: %s", pos + 1, r->why);
}

void json_reader_init(struct json_reader *r, const char *buf, size_t len, char *err,
		      size_t errlen)
{
	memset(r, 0, sizeof(*r));
	/* never NULL: the reader does arithmetic on it */
	r->p = (const unsigned char *)(buf != NULL ? buf : "");
	r->len = buf != NULL ? len : 0;
	r->err = err;
	r->errlen = errlen;
	r->budget = SIZE_MAX;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
}

void json_fail(struct json_reader *r, size_t pos, const char *why)
{
	fail_at(r, pos, "%s", why);
}

static bool at_end(const struct json_reader *r)
{
	return r->pos >= r->len;
}

/* Blanks, walked with a local pointer and a switch (one cheap coverage
 * callback per byte in the fuzz targets, where offsets and chains of
 * comparisons cost several). */
static void skip_ws(struct json_reader *r)
{
	const unsigned char *p = r->p + r->pos, *end = r->p + r->len;

	while (p < end) {
		switch (*p) {
		case ' ':
		case '\t':
		case '\n':
		case '\r':
			p++;
			continue;
		default:
			break;
		}
		break;
	}
	r->pos = (size_t)(p - r->p);
}

/* Describe the byte at pos for an error message. */
static void fail_unexpected(struct json_reader *r, const char *wanted)
{
	unsigned char c;

	if (at_end(r)) {
		fail_at(r, r->pos, "unexpected end of input, expected %s", wanted);
		return;
	}
	c = r->p[r->pos];
	if (c >= 0x21 && c < 0x7f)
		fail_at(r, r->pos, "unexpected '%c', expected %s", c, wanted);
	else
		fail_at(r, r->pos, "unexpected byte 0x%02x, expected %s", c, wanted);
}

static bool expect_word(struct json_reader *r, const char *word)
{
	size_t n = strlen(word);

	if (r->len - r->pos < n || memcmp(r->p + r->pos, word, n) != 0) {
		fail_at(r, r->pos, "invalid literal, expected '%s'", word);
		return false;
	}
	r->pos += n;
	return true;
}

/* ---- strings ---- */

static void put_utf8(struct strbuf *b, uint32_t cp)
{
	char u[4];

	if (cp < 0x80) {
		sb_putc(b, (char)cp);
		return;
	}
	if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		sb_putn(b, u, 2);
		return;
	}
	if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		sb_putn(b, u, 3);
		return;
	}
	u[0] = (char)(0xf0 | (cp >> 18));
	u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	u[3] = (char)(0x80 | (cp & 0x3f));
	sb_putn(b, u, 4);
}

/*
 * Length of the valid UTF-8 sequence at s (at most n bytes), or 0 when it
 * is not one (RFC 3629: shortest form, no surrogates, <= U+10FFFF).
 */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t need;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 2;
	else if (c >= 0xe0 && c <= 0xef)
		need = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0; /* overlong */
	else if (c == 0xed)
		hi = 0x9f; /* U+D800..U+DFFF */
	else if (c == 0xf0)
		lo = 0x90; /* overlong */
	else if (c == 0xf4)
		hi = 0x8f; /* > U+10FFFF */
	if (n < need || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < need; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return need;
}

/* Four hex digits at pos (after "\u"); -1 when malformed. */
static long read_hex4(struct json_reader *r)
{
	long v = 0;

	for (int i = 0; i < 4; i++) {
		int d = at_end(r) ? -1 : hex_digit(r->p[r->pos]);
		if (d < 0) {
			fail_at(r, r->pos, "\\u escape needs 4 hex digits");
			return -1;
		}
		v = v * 16 + d;
		r->pos++;
	}
	return v;
}

/* After the backslash-u: one code point, pairing surrogates. */
static bool read_u_escape(struct json_reader *r, size_t esc_pos, struct strbuf *b)
{
	long hi = read_hex4(r), lo;

	if (hi < 0)
		return false;
	if (hi >= 0xdc00 && hi <= 0xdfff) {
		fail_at(r, esc_pos, "lone low surrogate \\u%04lx", hi);
		return false;
	}
	if (hi < 0xd800 || hi > 0xdbff) {
		put_utf8(b, (uint32_t)hi);
		return true;
	}
	if (r->len - r->pos < 2 || r->p[r->pos] != '\\' || r->p[r->pos + 1] != 'u') {
		fail_at(r, esc_pos, "high surrogate \\u%04lx not followed by a low surrogate", hi);
		return false;
	}
	r->pos += 2;
	lo = read_hex4(r);
	if (lo < 0)
		return false;
	if (lo < 0xdc00 || lo > 0xdfff) {
		fail_at(r, esc_pos, "high surrogate \\u%04lx not followed by a low surrogate", hi);
		return false;
	}
	put_utf8(b, 0x10000u + (((uint32_t)hi - 0xd800u) << 10) + ((uint32_t)lo - 0xdc00u));
	return true;
}

static bool read_escape(struct json_reader *r, struct strbuf *b)
{
	size_t esc_pos = r->pos;
	unsigned char c;

	r->pos++; /* the backslash */
	if (at_end(r)) {
		fail_at(r, r->pos, "unexpected end of input in string escape");
		return false;
	}
	c = r->p[r->pos++];
	switch (c) {
	case '"': sb_putc(b, '"'); return true;
	case '\\': sb_putc(b, '\\'); return true;
	case '/': sb_putc(b, '/'); return true;
	case 'b': sb_putc(b, '\b'); return true;
	case 'f': sb_putc(b, '\f'); return true;
	case 'n': sb_putc(b, '\n'); return true;
	case 'r': sb_putc(b, '\r'); return true;
	case 't': sb_putc(b, '\t'); return true;
	case 'u': return read_u_escape(r, esc_pos, b);
	default:
		if (c >= 0x21 && c < 0x7f)
			fail_at(r, esc_pos, "invalid escape '\\%c'", c);
		else
			fail_at(r, esc_pos, "invalid escape (byte 0x%02x)", c);
		return false;
	}
}

/* A string starting at the opening quote; its decoded bytes are appended
 * to b (a failed strbuf discards them: validation only). */
static bool scan_string(struct json_reader *r, struct strbuf *b)
{
	size_t start = r->pos;

	r->pos++; /* opening quote */
	for (;;) {
		if (at_end(r)) {
			fail_at(r, start, "unterminated string");
			return false;
		}
		unsigned char c = r->p[r->pos];
		if (c == '"')
			break;
		if (c == '\\') {
			if (!read_escape(r, b))
				return false;
			continue;
		}
		if (c < 0x20) {
			fail_at(r, r->pos, "control character 0x%02x in string must be escaped", c);
			return false;
		}
		size_t n = utf8_seq_len(r->p + r->pos, r->len - r->pos);
		if (n == 0) {
			fail_at(r, r->pos, "invalid UTF-8 byte 0x%02x in string", c);
			return false;
		}
		/* copy the run of plain bytes at once */
		size_t run = n;
		while (r->pos + run < r->len) {
			unsigned char d = r->p[r->pos + run];
			if (d == '"' || d == '\\' || d < 0x20 || d >= 0x80)
				break;
			run++;
		}
		sb_putn(b, r->p + r->pos, run);
		r->pos += run;
	}
	r->pos++; /* closing quote */
	return true;
}

/* A string into a malloc'd NUL-terminated *out. */
static bool read_string(struct json_reader *r, char **out, size_t *outlen)
{
	struct strbuf b = { 0 };
	size_t start = r->pos;

	if (!scan_string(r, &b)) {
		free(sb_finish(&b, NULL));
		return false;
	}
	*out = sb_finish(&b, outlen);
	if (*out == NULL) {
		fail_at(r, start, "out of memory");
		return false;
	}
	return true;
}

bool json_read_string(struct json_reader *r, struct strbuf *out)
{
	size_t start;

	skip_ws(r);
	start = r->pos;
	if (at_end(r) || r->p[r->pos] != '"') {
		fail_unexpected(r, "a string");
		return false;
	}
	if (!scan_string(r, out))
		return false;
	if (out->failed) {
		fail_at(r, start, "out of memory");
		return false;
	}
	return true;
}

/* ---- numbers ---- */

static bool is_digit(unsigned char c)
{
	switch (c) {
	case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return true;
	default:
		return false;
	}
}

static size_t skip_digits(struct json_reader *r)
{
	size_t n = 0;

	while (!at_end(r) && is_digit(r->p[r->pos])) {
		r->pos++;
		n++;
	}
	return n;
}

/* A number literal at the cursor (which is at '-' or a digit), skipped. */
static bool scan_number(struct json_reader *r)
{
	if (r->p[r->pos] == '-')
		r->pos++;
	if (at_end(r) || !is_digit(r->p[r->pos])) {
		fail_at(r, r->pos, "number needs a digit here");
		return false;
	}
	if (r->p[r->pos] == '0') {
		r->pos++;
		if (!at_end(r) && is_digit(r->p[r->pos])) {
			fail_at(r, r->pos, "leading zeros are not allowed in numbers");
			return false;
		}
	} else {
		skip_digits(r);
	}
	if (!at_end(r) && r->p[r->pos] == '.') {
		r->pos++;
		if (skip_digits(r) == 0) {
			fail_at(r, r->pos, "number needs a digit after '.'");
			return false;
		}
	}
	if (!at_end(r) && (r->p[r->pos] == 'e' || r->p[r->pos] == 'E')) {
		r->pos++;
		if (!at_end(r) && (r->p[r->pos] == '+' || r->p[r->pos] == '-'))
			r->pos++;
		if (skip_digits(r) == 0) {
			fail_at(r, r->pos, "number needs a digit in the exponent");
			return false;
		}
	}
	return true;
}

static bool read_number(struct json_reader *r, struct json_value *v)
{
	size_t start = r->pos;

	if (!scan_number(r))
		return false;
	v->str = malloc(r->pos - start + 1);
	if (v->str == NULL) {
		fail_at(r, start, "out of memory");
		return false;
	}
	memcpy(v->str, r->p + start, r->pos - start);
	v->str[r->pos - start] = '\0';
	v->str_len = r->pos - start;
	v->type = JSON_NUMBER;
	return true;
}

bool json_read_number(struct json_reader *r, const char **lit, size_t *n)
{
	size_t start;

	skip_ws(r);
	start = r->pos;
	if (at_end(r) || (r->p[r->pos] != '-' && !is_digit(r->p[r->pos]))) {
		fail_unexpected(r, "a number");
		return false;
	}
	if (!scan_number(r))
		return false;
	*lit = (const char *)r->p + start;
	*n = r->pos - start;
	return true;
}

/* ---- values ---- */

static void free_members(struct json_value *v);
static bool read_value(struct json_reader *r, struct json_value *v, int depth);

/* Append one slot to v's items (and keys when want_key); NULL when out
 * of memory. */
static struct json_value *grow(struct json_value *v, size_t *cap, bool want_key)
{
	if (v->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 4;
		struct json_value *ni;
		if (ncap > ((size_t)-1) / sizeof(*ni))
			return NULL;
		ni = realloc(v->items, ncap * sizeof(*ni));
		if (ni == NULL)
			return NULL;
		v->items = ni;
		if (want_key) {
			char **nk = realloc(v->keys, ncap * sizeof(*nk));
			if (nk == NULL)
				return NULL;
			v->keys = nk;
		}
		*cap = ncap;
	}
	memset(&v->items[v->n], 0, sizeof(v->items[v->n]));
	if (want_key)
		v->keys[v->n] = NULL;
	return &v->items[v->n];
}

/* After an element: ',' continues (true), the closer ends (*done). */
static bool read_separator(struct json_reader *r, char closer, const char *what, bool *done)
{
	skip_ws(r);
	if (!at_end(r) && r->p[r->pos] == ',') {
		r->pos++;
		return true;
	}
	if (!at_end(r) && r->p[r->pos] == closer) {
		r->pos++;
		*done = true;
		return true;
	}
	fail_unexpected(r, what);
	return false;
}

/* Before a value: skip blanks; false, with the error, at the end of the
 * input or at a container nested deeper than JSON_MAX_DEPTH (bounded
 * recursion: nesting is an error, never a stack overflow). */
static bool value_start(struct json_reader *r, int depth)
{
	skip_ws(r);
	if (at_end(r)) {
		fail_unexpected(r, "a value");
		return false;
	}
	if ((r->p[r->pos] == '{' || r->p[r->pos] == '[') && depth >= JSON_MAX_DEPTH) {
		fail_at(r, r->pos, "nesting deeper than %d", JSON_MAX_DEPTH);
		return false;
	}
	return true;
}

/* An object member's key and its ':' into v->keys[v->n]; on failure the
 * key is freed. */
static bool read_key(struct json_reader *r, struct json_value *v)
{
	size_t keylen;

	skip_ws(r);
	if (at_end(r) || r->p[r->pos] != '"') {
		fail_unexpected(r, "a string key");
		return false;
	}
	if (!read_string(r, &v->keys[v->n], &keylen))
		return false;
	skip_ws(r);
	if (at_end(r) || r->p[r->pos] != ':') {
		free(v->keys[v->n]);
		v->keys[v->n] = NULL;
		fail_unexpected(r, "':'");
		return false;
	}
	r->pos++;
	return true;
}

/* An array's items or (keyed) an object's members, from the opening
 * bracket to its closer. */
static bool read_members(struct json_reader *r, struct json_value *v, int depth, bool keyed)
{
	const char closer = keyed ? '}' : ']';
	size_t cap = 0;
	bool done = false;

	v->type = keyed ? JSON_OBJECT : JSON_ARRAY;
	r->pos++; /* '[' or '{' */
	skip_ws(r);
	if (!at_end(r) && r->p[r->pos] == closer) {
		r->pos++;
		return true;
	}
	while (!done) {
		struct json_value *item = grow(v, &cap, keyed);
		if (item == NULL) {
			fail_at(r, r->pos, "out of memory");
			return false;
		}
		if (keyed && !read_key(r, v))
			return false;
		if (!read_value(r, item, depth + 1)) {
			free_members(item);
			if (keyed) {
				free(v->keys[v->n]);
				v->keys[v->n] = NULL;
			}
			return false;
		}
		v->n++;
		if (!read_separator(r, closer, keyed ? "',' or '}'" : "',' or ']'", &done))
			return false;
	}
	return true;
}

/* Parse one value into *v (zeroed by the caller). On failure v holds
 * whatever was built so far; free_members releases it. */
static bool read_value(struct json_reader *r, struct json_value *v, int depth)
{
	if (!value_start(r, depth))
		return false;
	if (r->budget == 0) {
		fail_at(r, r->pos, "more than %zu values", r->budget_limit);
		return false;
	}
	r->budget--;
	switch (r->p[r->pos]) {
	case '{':
	case '[':
		return read_members(r, v, depth, r->p[r->pos] == '{');
	case '"':
		v->type = JSON_STRING;
		return read_string(r, &v->str, &v->str_len);
	case 't':
		v->type = JSON_BOOL;
		v->boolean = true;
		return expect_word(r, "true");
	case 'f':
		v->type = JSON_BOOL;
		return expect_word(r, "false");
	case 'n':
		v->type = JSON_NULL;
		return expect_word(r, "null");
	default:
		if (r->p[r->pos] == '-' || is_digit(r->p[r->pos]))
			return read_number(r, v);
		fail_unexpected(r, "a value");
		return false;
	}
}

static void free_members(struct json_value *v)
{
	/* arrays and objects: only n items are initialised */
	for (size_t i = 0; i < v->n; i++) {
		free_members(&v->items[i]);
		if (v->keys != NULL)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
}

struct json_value *json_read_tree(struct json_reader *r, int depth)
{
	struct json_value *v = calloc(1, sizeof(*v));

	if (v == NULL) {
		skip_ws(r);
		fail_at(r, r->pos, "out of memory");
		return NULL;
	}
	if (read_value(r, v, depth))
		return v;
	free_members(v);
	free(v);
	return NULL;
}

struct json_value *json_parse(const char *buf, size_t len, char *err, size_t errlen)
{
	struct json_reader r;
	struct json_value *v;

	json_reader_init(&r, buf, len, err, errlen);
	v = json_read_tree(&r, 0);
	if (v != NULL && !json_at_end(&r)) {
		json_free(v);
		v = NULL;
	}
	return v;
}

void json_limit_values(struct json_reader *r, size_t n)
{
	r->budget = r->budget_limit = n;
}

/* ---- the cursor: one element at a time ---- */

int json_peek_type(struct json_reader *r)
{
	skip_ws(r);
	if (at_end(r))
		return -1;
	switch (r->p[r->pos]) {
	case '[': return JSON_ARRAY;
	case '{': return JSON_OBJECT;
	case '"': return JSON_STRING;
	case 't':
	case 'f': return JSON_BOOL;
	case 'n': return JSON_NULL;
	default:
		return r->p[r->pos] == '-' || is_digit(r->p[r->pos]) ? JSON_NUMBER : -1;
	}
}

bool json_at_end(struct json_reader *r)
{
	skip_ws(r);
	if (at_end(r))
		return true;
	fail_unexpected(r, "end of input");
	return false;
}

bool json_begin(struct json_reader *r, char open)
{
	skip_ws(r);
	if (!at_end(r) && r->p[r->pos] == (unsigned char)open) {
		r->pos++;
		return true;
	}
	fail_unexpected(r, open == '[' ? "'['" : "'{'");
	return false;
}

int json_more(struct json_reader *r, char closer, size_t index)
{
	skip_ws(r);
	if (!at_end(r) && r->p[r->pos] == (unsigned char)closer) {
		r->pos++;
		return 0;
	}
	if (index == 0)
		return 1; /* the element reader names whatever is here */
	if (!at_end(r) && r->p[r->pos] == ',') {
		r->pos++;
		return 1;
	}
	fail_unexpected(r, closer == ']' ? "',' or ']'" : "',' or '}'");
	return -1;
}

bool json_read_key(struct json_reader *r, struct strbuf *key)
{
	struct strbuf discard = { .failed = true };

	skip_ws(r);
	if (at_end(r) || r->p[r->pos] != '"') {
		fail_unexpected(r, "a string key");
		return false;
	}
	if (key != NULL ? !json_read_string(r, key) : !scan_string(r, &discard))
		return false;
	skip_ws(r);
	if (at_end(r) || r->p[r->pos] != ':') {
		fail_unexpected(r, "':'");
		return false;
	}
	r->pos++;
	return true;
}

static bool skip_container(struct json_reader *r, int depth);

bool json_skip_value(struct json_reader *r, int depth)
{
	struct strbuf discard = { .failed = true };

	if (!value_start(r, depth))
		return false;
	switch (r->p[r->pos]) {
	case '{':
	case '[':
		return skip_container(r, depth);
	case '"': return scan_string(r, &discard);
	case 't': return expect_word(r, "true");
	case 'f': return expect_word(r, "false");
	case 'n': return expect_word(r, "null");
	default:
		if (r->p[r->pos] == '-' || is_digit(r->p[r->pos]))
			return scan_number(r);
		fail_unexpected(r, "a value");
		return false;
	}
}

static bool skip_container(struct json_reader *r, int depth)
{
	char closer = r->p[r->pos] == '[' ? ']' : '}';
	int m;

	r->pos++;
	for (size_t i = 0; (m = json_more(r, closer, i)) > 0; i++) {
		if (closer == '}' && !json_read_key(r, NULL))
			return false;
		if (!json_skip_value(r, depth + 1))
			return false;
	}
	return m == 0;
}

static bool copy_container(struct json_reader *r, struct strbuf *out, int depth)
{
	char closer = r->p[r->pos] == '[' ? ']' : '}';
	int m;

	sb_putc(out, (char)r->p[r->pos++]);
	for (size_t i = 0; (m = json_more(r, closer, i)) > 0; i++) {
		if (i > 0)
			sb_putc(out, ',');
		if (closer == '}') {
			struct strbuf key = { 0 };
			bool ok = json_read_key(r, &key);
			if (ok)
				json_put_string(out, key.s != NULL ? key.s : "", key.len);
			free(sb_finish(&key, NULL));
			if (!ok)
				return false;
			sb_putc(out, ':');
		}
		if (!json_copy_compact(r, out, depth + 1))
			return false;
	}
	sb_putc(out, closer);
	return m == 0;
}

struct json_value *json_read_document(struct json_reader *r, size_t max_values)
{
	struct json_value *v;

	json_limit_values(r, max_values);
	v = json_read_tree(r, 0);
	if (v != NULL && !json_at_end(r)) {
		json_free(v);
		return NULL;
	}
	return v;
}

void json_line_col(const char *buf, size_t len, size_t off, unsigned *line, unsigned *col)
{
	size_t start = 0, n = 1;

	if (off > len)
		off = len;
	for (size_t i = 0; i < off; i++) {
		if (buf[i] == '\n') {
			n++;
			start = i + 1;
		}
	}
	*line = n > 0xffffffffu ? 0xffffffffu : (unsigned)n;
	*col = off - start + 1 > 0xffffffu ? 0xffffffu : (unsigned)(off - start + 1);
}

bool json_copy_compact(struct json_reader *r, struct strbuf *out, int depth)
{
	struct strbuf str = { 0 };
	size_t start;
	bool ok;

	skip_ws(r);
	start = r->pos;
	switch (json_peek_type(r)) {
	case JSON_ARRAY:
	case JSON_OBJECT:
		if (depth >= JSON_MAX_DEPTH) {
			fail_at(r, r->pos, "nesting deeper than %d", JSON_MAX_DEPTH);
			return false;
		}
		return copy_container(r, out, depth);
	case JSON_STRING:
		ok = json_read_string(r, &str);
		if (ok)
			json_put_string(out, str.s != NULL ? str.s : "", str.len);
		free(sb_finish(&str, NULL));
		return ok;
	case JSON_NUMBER:
		if (!scan_number(r))
			return false;
		sb_putn(out, r->p + start, r->pos - start);
		return true;
	default:
		if (!json_skip_value(r, depth))
			return false;
		sb_putn(out, r->p + start, r->pos - start); /* true, false, null */
		return true;
	}
}

void json_free(struct json_value *v)
{
	if (v == NULL)
		return;
	free_members(v);
	free(v);
}

const struct json_value *json_get(const struct json_value *obj, const char *key)
{
	const struct json_value *found = NULL;

	if (obj == NULL || obj->type != JSON_OBJECT || key == NULL)
		return NULL;
	for (size_t i = 0; i < obj->n; i++)
		if (strcmp(obj->keys[i], key) == 0)
			found = &obj->items[i];
	return found;
}

const char *json_type_name(enum json_type t)
{
	static const char *const names[] = {
		[JSON_NULL] = "null", [JSON_BOOL] = "a boolean", [JSON_NUMBER] = "a number",
		[JSON_STRING] = "a string", [JSON_ARRAY] = "an array", [JSON_OBJECT] = "an object",
	};

	if ((unsigned)t >= sizeof(names) / sizeof(names[0]))
		return "a value";
	return names[t];
}

/* ---- integer accessors ---- */

/*
 * Evaluate a number literal as sign * magnitude when it is an integer
 * whose magnitude fits in a u64. The literal is digits D (integer and
 * fraction parts) times 10^E; trailing zeros of D move into E, and the
 * value is an integer iff D is zero or E >= 0.
 */
static int literal_magnitude(const char *s, size_t len, bool *negative, uint64_t *mag)
{
	const char *end = s + len, *digits_end, *dot;
	long long exp10 = 0;
	const char *first = NULL, *last = NULL;
	uint64_t m = 0;

	if (len == 0)
		return -1;
	*negative = *s == '-';
	if (*negative)
		s++;
	digits_end = s;
	while (digits_end < end && (is_digit((unsigned char)*digits_end) || *digits_end == '.'))
		digits_end++;
	dot = memchr(s, '.', (size_t)(digits_end - s));
	if (digits_end < end) { /* exponent: saturate far beyond any u64 */
		const char *e = digits_end + 1;
		bool eneg = *e == '-';
		if (*e == '+' || *e == '-')
			e++;
		for (; e < end; e++)
			if (exp10 < 100000)
				exp10 = exp10 * 10 + (*e - '0');
		if (eneg)
			exp10 = -exp10;
	}
	if (dot != NULL)
		exp10 -= (long long)(digits_end - dot - 1);
	for (const char *p = s; p < digits_end; p++) {
		if (*p == '.' || *p == '0')
			continue;
		if (first == NULL)
			first = p;
		last = p;
	}
	if (first == NULL) {
		*mag = 0;
		return 0;
	}
	/* trailing zeros after the last significant digit scale up */
	for (const char *p = last + 1; p < digits_end; p++)
		if (*p != '.')
			exp10++;
	if (exp10 < 0)
		return -1; /* a fraction remains */
	for (const char *p = first; p <= last; p++) {
		if (*p == '.')
			continue;
		if (m > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -1;
		m = m * 10 + (uint64_t)(*p - '0');
	}
	for (long long i = 0; i < exp10; i++) {
		if (m > UINT64_MAX / 10)
			return -1;
		m *= 10;
	}
	*mag = m;
	return 0;
}

static int number_magnitude(const struct json_value *v, bool *negative, uint64_t *mag)
{
	if (v == NULL || v->type != JSON_NUMBER || v->str == NULL)
		return -1;
	return literal_magnitude(v->str, v->str_len, negative, mag);
}

int json_number_u64(const char *lit, size_t len, uint64_t *out)
{
	bool neg;
	uint64_t m;

	if (literal_magnitude(lit, len, &neg, &m) != 0 || (neg && m != 0))
		return -1;
	*out = m;
	return 0;
}

int json_u64(const struct json_value *v, uint64_t *out)
{
	bool neg;
	uint64_t m;

	if (number_magnitude(v, &neg, &m) != 0 || (neg && m != 0))
		return -1;
	*out = m;
	return 0;
}

int json_i64(const struct json_value *v, int64_t *out)
{
	bool neg;
	uint64_t m;

	if (number_magnitude(v, &neg, &m) != 0)
		return -1;
	if (!neg) {
		if (m > (uint64_t)INT64_MAX)
			return -1;
		*out = (int64_t)m;
		return 0;
	}
	if (m > (uint64_t)INT64_MAX + 1)
		return -1;
	*out = m == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)m;
	return 0;
}

int json_u32(const struct json_value *v, uint32_t *out)
{
	uint64_t m;

	if (json_u64(v, &m) != 0 || m > UINT32_MAX)
		return -1;
	*out = (uint32_t)m;
	return 0;
}

/* ---- writer ---- */

/* Invalid UTF-8 input bytes become U+FFFD so the output is always JSON. */
void json_put_string(struct strbuf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	sb_putc(b, '"');
	while (i < n) {
		unsigned char c = u[i];
		size_t run;
		switch (c) {
		case '"': sb_puts(b, "\\\""); i++; continue;
		case '\\': sb_puts(b, "\\\\"); i++; continue;
		case '\b': sb_puts(b, "\\b"); i++; continue;
		case '\f': sb_puts(b, "\\f"); i++; continue;
		case '\n': sb_puts(b, "\\n"); i++; continue;
		case '\r': sb_puts(b, "\\r"); i++; continue;
		case '\t': sb_puts(b, "\\t"); i++; continue;
		default: break;
		}
		if (c < 0x20 || c == 0x7f) {
			sb_printf(b, "\\u%04x", c);
			i++;
			continue;
		}
		run = utf8_seq_len(u + i, n - i);
		if (run == 0) {
			sb_puts(b, "\xef\xbf\xbd");
			i++;
			continue;
		}
		sb_putn(b, u + i, run);
		i += run;
	}
	sb_putc(b, '"');
}

void json_put_value(struct strbuf *b, const struct json_value *v)
{
	if (v == NULL) {
		sb_puts(b, "null");
		return;
	}
	switch (v->type) {
	case JSON_NULL:
		sb_puts(b, "null");
		return;
	case JSON_BOOL:
		sb_puts(b, v->boolean ? "true" : "false");
		return;
	case JSON_NUMBER:
		sb_putn(b, v->str, v->str_len);
		return;
	case JSON_STRING:
		json_put_string(b, v->str, v->str_len);
		return;
	case JSON_ARRAY:
	case JSON_OBJECT:
		sb_putc(b, v->type == JSON_OBJECT ? '{' : '[');
		for (size_t i = 0; i < v->n; i++) {
			if (i > 0)
				sb_putc(b, ',');
			if (v->type == JSON_OBJECT) {
				json_put_string(b, v->keys[i], strlen(v->keys[i]));
				sb_putc(b, ':');
			}
			json_put_value(b, &v->items[i]);
		}
		sb_putc(b, v->type == JSON_OBJECT ? '}' : ']');
		return;
	}
}
