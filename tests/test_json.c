/*
 * test_json.c - the strict JSON reader and writer (lib/support/json.c): exact
 * trees for good inputs, the exact "col N: ..." error for every kind of bad
 * input, depth and size limits, the integer accessors at their range edges,
 * and totality over garbage bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "json.h"

/* Parse s; on success return the compact re-serialisation, else the error
 * (prefixed "ERR "). The caller frees. */
static char *roundtrip(const char *s, size_t len)
{
	char err[256];
	struct json_value *v = json_parse(s, len, err, sizeof(err));
	struct strbuf b = { 0 };

	if (v == NULL) {
		sb_puts(&b, "ERR ");
		sb_puts(&b, err);
		return sb_finish(&b, NULL);
	}
	json_put_value(&b, v);
	json_free(v);
	return sb_finish(&b, NULL);
}

#define RT(in, want)                                                           \
	do {                                                                   \
		char *got_ = roundtrip((in), strlen(in));                      \
		CHECK_STR(got_, (want));                                       \
		free(got_);                                                    \
	} while (0)

#define RTN(in, n, want)                                                       \
	do {                                                                   \
		char *got_ = roundtrip((in), (n));                             \
		CHECK_STR(got_, (want));                                       \
		free(got_);                                                    \
	} while (0)

static void test_values(void)
{
	RT("null", "null");
	RT("true", "true");
	RT("false", "false");
	RT(" \t\r\n 0 \n", "0");
	RT("-0", "-0");
	RT("123", "123");
	RT("-1.5e+10", "-1.5e+10");
	RT("1E-2", "1E-2");
	RT("[]", "[]");
	RT("{}", "{}");
	RT("[ 1 , [ 2 , { } ] , \"x\" ]", "[1,[2,{}],\"x\"]");
	RT("{\"a\" : 1, \"b\":[true,false,null]}", "{\"a\":1,\"b\":[true,false,null]}");
	RT("\"\"", "\"\"");
}

static void test_tree_shape(void)
{
	const char *s = "{\"k\":[1,\"two\",{\"x\":null}],\"k\":false}";
	char err[128];
	struct json_value *v = json_parse(s, strlen(s), err, sizeof(err));

	CHECK(v != NULL);
	if (v == NULL)
		return;
	CHECK_EQ(v->type, JSON_OBJECT);
	CHECK_EQ(v->n, 2);
	CHECK_STR(v->keys[0], "k");
	CHECK_EQ(v->items[0].type, JSON_ARRAY);
	CHECK_EQ(v->items[0].n, 3);
	CHECK_EQ(v->items[0].items[1].type, JSON_STRING);
	CHECK_STR(v->items[0].items[1].str, "two");
	CHECK_EQ(v->items[0].items[1].str_len, 3);
	CHECK_EQ(v->items[0].items[0].type, JSON_NUMBER);
	CHECK_STR(v->items[0].items[0].str, "1");
	/* duplicate keys: the last one wins */
	const struct json_value *k = json_get(v, "k");
	CHECK(k != NULL && k->type == JSON_BOOL && !k->boolean);
	CHECK(json_get(v, "missing") == NULL);
	CHECK(json_get(&v->items[0], "k") == NULL); /* not an object */
	CHECK(json_get(NULL, "k") == NULL);
	json_free(v);
	json_free(NULL);
}

static void test_strings(void)
{
	char err[128];
	const char *s = "\"a\\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti\\u0041\\u00e9\\u20ac\\ud83d\\ude00\\u0000z\"";
	struct json_value *v = json_parse(s, strlen(s), err, sizeof(err));
	const char want[] = "a\"b\\c/d\be\ff\ng\rh\tiA\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\0z";

	CHECK(v != NULL);
	if (v != NULL) {
		CHECK_EQ(v->str_len, sizeof(want) - 1);
		CHECK(memcmp(v->str, want, sizeof(want)) == 0);
		json_free(v);
	}
	/* raw UTF-8 passes through; the writer escapes controls and DEL */
	RT("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"", "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
	RT("\"\\u0001\\u001f\\u007f\\u0000\"", "\"\\u0001\\u001f\\u007f\\u0000\"");
	RT("\"\\uDBFF\\uDFFF\"", "\"\xf4\x8f\xbf\xbf\"");
	RT("\"\\/\"", "\"/\"");
}

static void test_writer(void)
{
	struct strbuf b = { 0 };
	char *s;

	/* invalid UTF-8 becomes U+FFFD so the output is always valid JSON */
	json_put_string(&b, "a\xff" "b\xc3", 4);
	json_put_string(&b, "\xed\xa0\x80", 3); /* encoded surrogate */
	json_put_string(&b, "q\"\\\n", 4);
	s = sb_finish(&b, NULL);
	CHECK_STR(s, "\"a\xef\xbf\xbd" "b\xef\xbf\xbd\"\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"\"q\\\"\\\\\\n\"");
	free(s);
	json_put_value(&b, NULL);
	s = sb_finish(&b, NULL);
	CHECK_STR(s, "null");
	free(s);
}

static void test_errors(void)
{
	RT("", "ERR col 1: unexpected end of input, expected a value");
	RT("   ", "ERR col 4: unexpected end of input, expected a value");
	RT("[1,]", "ERR col 4: unexpected ']', expected a value");
	RT("[1 2]", "ERR col 4: unexpected '2', expected ',' or ']'");
	RT("{\"a\" 1}", "ERR col 6: unexpected '1', expected ':'");
	RT("{\"a\":1,}", "ERR col 8: unexpected '}', expected a string key");
	RT("{1:2}", "ERR col 2: unexpected '1', expected a string key");
	RT("{\"a\":1", "ERR col 7: unexpected end of input, expected ',' or '}'");
	RT("[", "ERR col 2: unexpected end of input, expected a value");
	RT("1 2", "ERR col 3: unexpected '2', expected end of input");
	RT("nul", "ERR col 1: invalid literal, expected 'null'");
	RT("tRue", "ERR col 1: invalid literal, expected 'true'");
	RT("fals", "ERR col 1: invalid literal, expected 'false'");
	RT("'a'", "ERR col 1: unexpected ''', expected a value");
	RT("\x01", "ERR col 1: unexpected byte 0x01, expected a value");
	RT("\xef\xbb\xbf" "1", "ERR col 1: unexpected byte 0xef, expected a value"); /* no BOM */
	/* numbers */
	RT("01", "ERR col 2: leading zeros are not allowed in numbers");
	RT("-", "ERR col 2: number needs a digit here");
	RT("-a", "ERR col 2: number needs a digit here");
	RT("+1", "ERR col 1: unexpected '+', expected a value");
	RT("1.", "ERR col 3: number needs a digit after '.'");
	RT(".5", "ERR col 1: unexpected '.', expected a value");
	RT("1e", "ERR col 3: number needs a digit in the exponent");
	RT("1e+", "ERR col 4: number needs a digit in the exponent");
	RT("0x10", "ERR col 2: unexpected 'x', expected end of input");
	RT("NaN", "ERR col 1: unexpected 'N', expected a value");
	RT("[Infinity]", "ERR col 2: unexpected 'I', expected a value");
	/* strings */
	RT("\"abc", "ERR col 1: unterminated string");
	RT("[\"a\nb\"]", "ERR col 4: control character 0x0a in string must be escaped");
	RT("\"\\x\"", "ERR col 2: invalid escape '\\x'");
	RT("\"\\\x01\"", "ERR col 2: invalid escape (byte 0x01)");
	RT("\"\\", "ERR col 3: unexpected end of input in string escape");
	RT("\"\\u12\"", "ERR col 6: \\u escape needs 4 hex digits");
	RT("\"\\u12g4\"", "ERR col 6: \\u escape needs 4 hex digits");
	RT("\"\\udc00\"", "ERR col 2: lone low surrogate \\udc00");
	RT("\"\\ud800\"", "ERR col 2: high surrogate \\ud800 not followed by a low surrogate");
	RT("\"\\ud800\\u0041\"", "ERR col 2: high surrogate \\ud800 not followed by a low surrogate");
	RT("\"\\ud800\\n\"", "ERR col 2: high surrogate \\ud800 not followed by a low surrogate");
	RT("\"\\ud800\\u00\"", "ERR col 12: \\u escape needs 4 hex digits");
	/* invalid UTF-8 in raw strings */
	RT("\"\xff\"", "ERR col 2: invalid UTF-8 byte 0xff in string");
	RT("\"\xc0\xaf\"", "ERR col 2: invalid UTF-8 byte 0xc0 in string");     /* overlong */
	RT("\"\xe0\x80\xaf\"", "ERR col 2: invalid UTF-8 byte 0xe0 in string"); /* overlong */
	RT("\"\xed\xa0\x80\"", "ERR col 2: invalid UTF-8 byte 0xed in string"); /* surrogate */
	RT("\"\xf4\x90\x80\x80\"", "ERR col 2: invalid UTF-8 byte 0xf4 in string"); /* > 10FFFF */
	RT("\"ab\xe2\x82\"", "ERR col 4: invalid UTF-8 byte 0xe2 in string");    /* truncated */
	RT("\"\x80\"", "ERR col 2: invalid UTF-8 byte 0x80 in string");
	/* embedded NUL byte in the input is not whitespace */
	RTN("1\0", 2, "ERR col 2: unexpected byte 0x00, expected end of input");
	RTN("\"a\0\"", 4, "ERR col 3: control character 0x00 in string must be escaped");
}

static void test_errbuf_edges(void)
{
	char tiny[8];
	struct json_value *v;

	/* NULL or tiny error buffers are fine */
	CHECK(json_parse("[", 1, NULL, 0) == NULL);
	v = json_parse("x", 1, tiny, sizeof(tiny));
	CHECK(v == NULL);
	CHECK_STR(tiny, "col 1: ");
	/* a NULL buffer is the empty input */
	v = json_parse(NULL, 0, tiny, sizeof(tiny));
	CHECK(v == NULL);
	/* the length is honoured: bytes after len are not read */
	v = json_parse("12345", 2, tiny, sizeof(tiny));
	CHECK(v != NULL && v->type == JSON_NUMBER && strcmp(v->str, "12") == 0);
	json_free(v);
}

static char *nested(int depth, char open, char close)
{
	char *s = malloc((size_t)depth * 2 + 1);
	for (int i = 0; i < depth; i++) {
		s[i] = open;
		s[depth * 2 - 1 - i] = close;
	}
	s[depth * 2] = '\0';
	return s;
}

static void test_depth(void)
{
	char *s = nested(JSON_MAX_DEPTH, '[', ']');
	char err[128];
	struct json_value *v = json_parse(s, strlen(s), err, sizeof(err));

	CHECK(v != NULL); /* exactly the limit is fine */
	json_free(v);
	free(s);
	s = nested(JSON_MAX_DEPTH + 1, '[', ']');
	RT(s, "ERR col 65: nesting deeper than 64");
	free(s);
	/* a million open brackets: an error, not a stack overflow */
	size_t big = 1000000;
	s = malloc(big);
	memset(s, '[', big);
	RTN(s, big, "ERR col 65: nesting deeper than 64");
	memset(s, '{', big);
	RTN(s, big, "ERR col 2: unexpected '{', expected a string key");
	free(s);
	/* objects count too */
	struct strbuf b = { 0 };
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		sb_puts(&b, "{\"a\":");
	sb_puts(&b, "[1]");
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		sb_putc(&b, '}');
	s = sb_finish(&b, NULL);
	RT(s, "ERR col 321: nesting deeper than 64");
	free(s);
}

static void test_big(void)
{
	/* a long array and a long string (several MiB) */
	size_t n = 300000;
	struct strbuf b = { 0 };
	sb_putc(&b, '[');
	for (size_t i = 0; i < n; i++)
		sb_printf(&b, "%s%zu", i ? "," : "", i);
	sb_putc(&b, ']');
	size_t len;
	char *s = sb_finish(&b, &len);
	char err[128];
	struct json_value *v = json_parse(s, len, err, sizeof(err));
	CHECK(v != NULL);
	if (v != NULL) {
		uint64_t x = 0;
		CHECK_EQ(v->n, n);
		CHECK_EQ(json_u64(&v->items[n - 1], &x), 0);
		CHECK_EQ(x, n - 1);
		json_free(v);
	}
	free(s);

	size_t slen = 8u << 20;
	s = malloc(slen + 2);
	s[0] = '"';
	memset(s + 1, 'a', slen);
	s[slen + 1] = '"';
	v = json_parse(s, slen + 2, err, sizeof(err));
	CHECK(v != NULL && v->type == JSON_STRING && v->str_len == slen);
	json_free(v);
	free(s);
}

/* Accessor results for a literal: returns the rc; *out written on 0. */
static int acc_u64(const char *lit, uint64_t *out)
{
	struct json_value *v = json_parse(lit, strlen(lit), NULL, 0);
	int rc = v ? json_u64(v, out) : -2;
	json_free(v);
	return rc;
}

static int acc_i64(const char *lit, int64_t *out)
{
	struct json_value *v = json_parse(lit, strlen(lit), NULL, 0);
	int rc = v ? json_i64(v, out) : -2;
	json_free(v);
	return rc;
}

static int acc_u32(const char *lit, uint32_t *out)
{
	struct json_value *v = json_parse(lit, strlen(lit), NULL, 0);
	int rc = v ? json_u32(v, out) : -2;
	json_free(v);
	return rc;
}

#define U64_OK(lit, want)                                                      \
	do {                                                                   \
		uint64_t o_ = 0xdead;                                          \
		CHECK_EQ(acc_u64(lit, &o_), 0);                                \
		CHECK_EQ(o_, (want));                                          \
	} while (0)
#define U64_BAD(lit)                                                           \
	do {                                                                   \
		uint64_t o_ = 0xdead;                                          \
		CHECK_EQ(acc_u64(lit, &o_), -1);                               \
		CHECK_EQ(o_, 0xdead);                                          \
	} while (0)
#define I64_OK(lit, want)                                                      \
	do {                                                                   \
		int64_t o_ = 0xdead;                                           \
		CHECK_EQ(acc_i64(lit, &o_), 0);                                \
		CHECK(o_ == (want));                                           \
	} while (0)
#define I64_BAD(lit)                                                           \
	do {                                                                   \
		int64_t o_ = 0xdead;                                           \
		CHECK_EQ(acc_i64(lit, &o_), -1);                               \
		CHECK_EQ(o_, 0xdead);                                          \
	} while (0)
#define U32_OK(lit, want)                                                      \
	do {                                                                   \
		uint32_t o_ = 0xdead;                                          \
		CHECK_EQ(acc_u32(lit, &o_), 0);                                \
		CHECK_EQ(o_, (want));                                          \
	} while (0)
#define U32_BAD(lit)                                                           \
	do {                                                                   \
		uint32_t o_ = 0xdead;                                          \
		CHECK_EQ(acc_u32(lit, &o_), -1);                               \
		CHECK_EQ(o_, 0xdead);                                          \
	} while (0)

static void test_accessors(void)
{
	U64_OK("0", 0);
	U64_OK("-0", 0);
	U64_OK("-0.0e5", 0);
	U64_OK("18446744073709551615", UINT64_MAX);
	U64_BAD("18446744073709551616");
	U64_BAD("99999999999999999999999999999999");
	U64_BAD("-1");
	U64_OK("1e3", 1000);
	U64_OK("1E+3", 1000);
	U64_OK("1.5e1", 15);
	U64_OK("1000e-3", 1);
	U64_BAD("1500e-3");
	U64_OK("10.000", 10);
	U64_OK("0.00000e99999999999999999999", 0);
	U64_OK("1844674407370955161.5e1", UINT64_MAX);
	U64_OK("184467440737095516150e-1", UINT64_MAX);
	U64_OK("1000000000000000000000000000000e-30", 1);
	U64_BAD("1.5");
	U64_BAD("1e-1");
	U64_BAD("0.1");
	U64_BAD("1e20");
	U64_BAD("1e99999999999999999999");
	U64_BAD("1e-99999999999999999999");
	U64_BAD("\"1\"");
	U64_BAD("true");
	U64_BAD("null");
	U64_BAD("[1]");

	I64_OK("9223372036854775807", INT64_MAX);
	I64_BAD("9223372036854775808");
	I64_OK("-9223372036854775808", INT64_MIN);
	I64_BAD("-9223372036854775809");
	I64_OK("-1", -1);
	I64_OK("-2.5e1", -25);
	I64_BAD("-2.5");
	I64_BAD("\"-1\"");

	U32_OK("4294967295", UINT32_MAX);
	U32_BAD("4294967296");
	U32_OK("42.0", 42);
	U32_BAD("-1");
	U32_BAD("0.5");

	/* a NULL value is "not a number" */
	uint64_t o = 7;
	CHECK_EQ(json_u64(NULL, &o), -1);
	CHECK_EQ(o, 7);
}

/* Totality: random bytes and mutations of a valid document never crash,
 * and whatever parses re-serialises to something that parses again to the
 * same text. */
static uint32_t rng_state = 12345;
static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* The cursor agrees with the tree: json_skip_value accepts exactly what
 * json_parse does, with the same error, and json_copy_compact writes what
 * json_put_value writes for the tree. */
static char *via_cursor(const char *s, size_t len)
{
	char err[256], err2[256];
	struct json_reader r, c;
	struct strbuf b = { 0 };

	json_reader_init(&r, s, len, err, sizeof(err));
	if (!json_skip_value(&r, 0) || !json_at_end(&r)) {
		sb_puts(&b, "ERR ");
		sb_puts(&b, err);
		return sb_finish(&b, NULL);
	}
	json_reader_init(&c, s, len, err2, sizeof(err2));
	if (!json_copy_compact(&c, &b, 0) || !json_at_end(&c))
		sb_puts(&b, " (copy failed)");
	return sb_finish(&b, NULL);
}

static void test_cursor(void)
{
	const char *s = "[ [1, 2 ] , {\"k\" : \"v\\u0041\"}, 3 ]";
	struct json_reader r;
	struct strbuf key = { 0 };
	const char *lit;
	size_t n, i;
	int m;

	json_reader_init(&r, s, strlen(s), NULL, 0);
	CHECK_EQ(json_peek_type(&r), JSON_ARRAY);
	CHECK(json_begin(&r, '['));
	CHECK_EQ(json_more(&r, ']', 0), 1);
	CHECK(json_skip_value(&r, 1));
	CHECK_EQ(json_more(&r, ']', 1), 1);
	CHECK_EQ(json_peek_type(&r), JSON_OBJECT);
	CHECK(json_begin(&r, '{'));
	CHECK_EQ(json_more(&r, '}', 0), 1);
	CHECK(json_read_key(&r, &key));
	CHECK(key.len == 1 && key.s[0] == 'k');
	key.len = 0;
	CHECK(json_read_string(&r, &key));
	CHECK(key.len == 2 && memcmp(key.s, "vA", 2) == 0);
	free(sb_finish(&key, NULL));
	CHECK_EQ(json_more(&r, '}', 1), 0);
	CHECK_EQ(json_more(&r, ']', 2), 1);
	CHECK(json_read_number(&r, &lit, &n));
	CHECK(n == 1 && lit[0] == '3');
	CHECK_EQ(json_more(&r, ']', 3), 0);
	CHECK(json_at_end(&r));
	/* errors: where, and the first one only */
	json_reader_init(&r, "[1 2]", 5, NULL, 0);
	json_begin(&r, '[');
	for (i = 0; (m = json_more(&r, ']', i)) > 0; i++)
		json_skip_value(&r, 1);
	CHECK(m < 0 && r.failed && r.err_pos == 3);
	CHECK_STR(r.why, "unexpected '2', expected ',' or ']'");
	/* a value budget */
	json_reader_init(&r, "[1,[2,3]]", 9, NULL, 0);
	json_limit_values(&r, 3);
	CHECK(json_read_tree(&r, 0) == NULL);
	CHECK_STR(r.why, "more than 3 values");
	CHECK_EQ(r.err_pos, 4);
	/* the same documents, through the tree and through the cursor */
	static const char *const docs[] = {
		"null", " [ 1 , [ 2 , { } ] , \"x\" ] ", "{\"a\" : 1, \"b\":[true,false,null]}",
		"\"\\u00e9\\ud83d\\ude00\\u0000\"", "{\"k\\u0000x\":1}", "[1,]", "{\"a\" 1}", "[",
		"\"\\ud800\"", "01", "-", "[1]x", "", "{\"a\":1,}",
	};
	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		char *a = roundtrip(docs[i], strlen(docs[i])), *b = via_cursor(docs[i], strlen(docs[i]));
		if (strcmp(docs[i], "{\"k\\u0000x\":1}") == 0)
			CHECK_STR(b, "{\"k\\u0000x\":1}"); /* the tree writer cuts keys at NUL */
		else
			CHECK_STR(b, a);
		free(a);
		free(b);
	}
}

static void test_garbage(void)
{
	static const char seed[] =
		"{\"id\":7,\"a\":[1,-2.5e3,\"x\\u00e9\\ud83d\\ude00\",true,null,{}],\"b\":\"\\n\"}";
	static const char alphabet[] = "{}[]\":,\\u0123456789eE+-.tfn \x80\xff\xc3\xa9" "ad";
	char buf[sizeof(seed) + 8];
	long parsed = 0;

	for (int iter = 0; iter < 200000; iter++) {
		size_t len = sizeof(seed) - 1;
		memcpy(buf, seed, len);
		int muts = 1 + (int)(rng() % 4);
		for (int m = 0; m < muts; m++) {
			size_t at = rng() % len;
			if (rng() % 2)
				buf[at] = alphabet[rng() % (sizeof(alphabet) - 1)];
			else
				buf[at] = (char)rng();
		}
		if (rng() % 8 == 0)
			len = rng() % len;
		char *a = roundtrip(buf, len), *c = via_cursor(buf, len);
		CHECK_STR(c, a);
		free(c);
		if (strncmp(a, "ERR col ", 8) != 0) {
			char *b = roundtrip(a, strlen(a));
			CHECK_STR(b, a);
			free(b);
			parsed++;
		}
		free(a);
	}
	CHECK(parsed > 1000); /* the mutations do keep some documents valid */
}

int main(void)
{
	test_values();
	test_tree_shape();
	test_strings();
	test_writer();
	test_errors();
	test_errbuf_edges();
	test_depth();
	test_big();
	test_accessors();
	test_cursor();
	test_garbage();
	return CHECK_DONE();
}
