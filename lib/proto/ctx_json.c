/*
 * proto/ctx_json.c - struct cbpf_ctx from a JSON object or KEY=VALUE strings,
 * and back to JSON. One table names every field, its range and where it
 * lives; the readers and the printer all walk it.
 */
#include "cbpf/ctx_json.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx_json_value.h"
#include "insn/diag.h"
#include "support/json.h"
#include "support/strbuf.h"

enum field_kind {
	FIELD_U32,        /* uint32_t, 0..max */
	FIELD_U32_OR_NULL,/* int64_t, 0..max, null = CBPF_CTX_UNSET */
	FIELD_POFF,       /* int64_t, 0..max, "auto" = CBPF_POFF_AUTO */
	FIELD_OFFSET,     /* int64_t, any int32 */
	FIELD_OFFSET_OR_NULL, /* int64_t, any int32, null = CBPF_CTX_UNSET */
	FIELD_DEV,        /* null or {"ifindex", "type"} */
	FIELD_DEV_IFINDEX,/* KEY=VALUE only: dev.ifindex */
	FIELD_DEV_TYPE    /* KEY=VALUE only: dev.type */
};

struct field {
	const char *key;
	enum field_kind kind;
	uint32_t max;       /* FIELD_U32, FIELD_U32_OR_NULL, FIELD_POFF */
	size_t offset;      /* into struct cbpf_ctx */
	bool kv_only;       /* a KEY=VALUE key, not a JSON member */
};

#define CTX_AT(member) offsetof(struct cbpf_ctx, member)

/* The ranges are those of the skb fields the extensions read: protocol,
 * queue_mapping, vlan_tci, vlan_proto and dev->type are u16, pkt_type is
 * 3 bits, VLAN_TAG_PRESENT is a 0/1 flag. */
static const struct field fields[] = {
	{ "len", FIELD_U32_OR_NULL, UINT32_MAX, CTX_AT(len), false },
	{ "protocol", FIELD_U32, 0xffff, CTX_AT(protocol), false },
	{ "pkttype", FIELD_U32, 7, CTX_AT(pkttype), false },
	{ "dev", FIELD_DEV, 0, 0, false },
	{ "dev.ifindex", FIELD_DEV_IFINDEX, UINT32_MAX, CTX_AT(ifindex), true },
	{ "dev.type", FIELD_DEV_TYPE, 0xffff, CTX_AT(hatype), true },
	{ "mark", FIELD_U32, UINT32_MAX, CTX_AT(mark), false },
	{ "queue", FIELD_U32, 0xffff, CTX_AT(queue), false },
	{ "rxhash", FIELD_U32, UINT32_MAX, CTX_AT(rxhash), false },
	{ "cpu", FIELD_U32, UINT32_MAX, CTX_AT(cpu), false },
	{ "vlan_tci", FIELD_U32, 0xffff, CTX_AT(vlan_tci), false },
	{ "vlan_avail", FIELD_U32, 1, CTX_AT(vlan_avail), false },
	{ "vlan_tpid", FIELD_U32, 0xffff, CTX_AT(vlan_tpid), false },
	{ "poff", FIELD_POFF, UINT32_MAX, CTX_AT(poff), false },
	{ "random", FIELD_U32, UINT32_MAX, CTX_AT(random), false },
	{ "net_off", FIELD_OFFSET, 0, CTX_AT(net_off), false },
	{ "mac_off", FIELD_OFFSET_OR_NULL, 0, CTX_AT(mac_off), false },
	{ "headlen", FIELD_U32_OR_NULL, UINT32_MAX, CTX_AT(headlen), false },
};

#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static const struct field *find_field(const char *key, bool kv)
{
	for (size_t i = 0; i < NFIELDS; i++)
		if (strcmp(fields[i].key, key) == 0 && (kv || !fields[i].kv_only))
			return &fields[i];
	return NULL;
}

static uint32_t *u32_at(struct cbpf_ctx *ctx, size_t off)
{
	return (uint32_t *)((char *)ctx + off);
}

static int64_t *i64_at(struct cbpf_ctx *ctx, size_t off)
{
	return (int64_t *)((char *)ctx + off);
}

static uint32_t u32_of(const struct cbpf_ctx *ctx, size_t off)
{
	return *(const uint32_t *)((const char *)ctx + off);
}

static int64_t i64_of(const struct cbpf_ctx *ctx, size_t off)
{
	return *(const int64_t *)((const char *)ctx + off);
}

/* An integer in [lo, hi], or an error naming key and the literal. */
static int read_int(const char *key, const struct json_value *v, int64_t lo, int64_t hi,
		    const char *also, int64_t *out, struct cbpf_diag *d)
{
	const char *more = v->str_len > 40 ? "..." : "";
	int64_t x;
	uint64_t big;

	if (v->type != JSON_NUMBER)
		return diag_fail(d, CBPF_ERR_INPUT, "%s: expected an integer %" PRId64 "..%" PRId64 "%s, got %s",
			       key, lo, hi, also, json_type_name(v->type));
	/* an integer above INT64_MAX is simply out of range */
	bool integral = json_i64(v, &x) == 0;
	if (!integral && json_u64(v, &big) != 0)
		return diag_fail(d, CBPF_ERR_INPUT, "%s: %.40s%s is not an integer in %" PRId64 "..%" PRId64 "%s",
			       key, v->str, more, lo, hi, also);
	if (!integral || x < lo || x > hi)
		return diag_fail(d, CBPF_ERR_INPUT, "%s: %.40s%s is out of range %" PRId64 "..%" PRId64 "%s",
			       key, v->str, more, lo, hi, also);
	*out = x;
	return 0;
}

static int apply_dev_object(const struct json_value *v, struct cbpf_ctx *ctx, struct cbpf_diag *d)
{
	int64_t x;

	ctx->has_dev = true;
	ctx->ifindex = 0;
	ctx->hatype = 0;
	for (size_t i = 0; i < v->n; i++) {
		const char *k = v->keys[i];
		if (strcmp(k, "ifindex") == 0) {
			if (read_int("dev.ifindex", &v->items[i], 0, UINT32_MAX, "", &x, d))
				return -1;
			ctx->ifindex = (uint32_t)x;
		} else if (strcmp(k, "type") == 0) {
			if (read_int("dev.type", &v->items[i], 0, 0xffff, "", &x, d))
				return -1;
			ctx->hatype = (uint32_t)x;
		} else {
			return diag_fail(d, CBPF_ERR_INPUT, "dev: unknown key \"%.60s\" (dev has ifindex and type)", k);
		}
	}
	return 0;
}

/* What each numeric kind reads: its range (a signed kind takes any int32,
 * the others 0..max), whether it is stored as int64_t, and the word it
 * takes instead of a number (null or "auto") with the value that stands
 * for. */
static const struct number_kind {
	bool signed32, wide;
	const char *word;
	int64_t word_value;
	const char *also;
} number_kinds[] = {
	[FIELD_U32] = { false, false, NULL, 0, "" },
	[FIELD_U32_OR_NULL] = { false, true, "null", CBPF_CTX_UNSET, " or null" },
	[FIELD_POFF] = { false, true, "auto", CBPF_POFF_AUTO, " or \"auto\"" },
	[FIELD_OFFSET] = { true, true, NULL, 0, "" },
	[FIELD_OFFSET_OR_NULL] = { true, true, "null", CBPF_CTX_UNSET, " or null" },
};

/* Whether v is the kind's word: JSON null for "null", the string otherwise. */
static bool is_word(const struct number_kind *k, const struct json_value *v)
{
	if (k->word == NULL)
		return false;
	if (strcmp(k->word, "null") == 0)
		return v->type == JSON_NULL;
	return v->type == JSON_STRING && v->str_len == strlen(k->word) && strcmp(v->str, k->word) == 0;
}

/* A numeric field's value into ctx. */
static int apply_number(const struct field *f, const struct json_value *v, struct cbpf_ctx *ctx,
			struct cbpf_diag *d)
{
	const struct number_kind *k = &number_kinds[f->kind];
	int64_t x;

	if (is_word(k, v)) {
		x = k->word_value;
	} else if (read_int(f->key, v, k->signed32 ? INT32_MIN : 0, k->signed32 ? INT32_MAX : f->max,
			    k->also, &x, d)) {
		return -1;
	}
	if (k->wide)
		*i64_at(ctx, f->offset) = x;
	else
		*u32_at(ctx, f->offset) = (uint32_t)x;
	return 0;
}

/* One field's value into ctx. */
static int apply_field(const struct field *f, const struct json_value *v, struct cbpf_ctx *ctx,
		       struct cbpf_diag *d)
{
	int64_t x;

	switch (f->kind) {
	case FIELD_U32:
	case FIELD_U32_OR_NULL:
	case FIELD_POFF:
	case FIELD_OFFSET:
	case FIELD_OFFSET_OR_NULL:
		return apply_number(f, v, ctx, d);
	case FIELD_DEV:
		if (v->type == JSON_NULL) {
			ctx->has_dev = false;
			ctx->ifindex = 0;
			ctx->hatype = 0;
			return 0;
		}
		if (v->type != JSON_OBJECT)
			return diag_fail(d, CBPF_ERR_INPUT,
				       "dev: expected null or {\"ifindex\": N, \"type\": N}, got %s",
				       json_type_name(v->type));
		return apply_dev_object(v, ctx, d);
	case FIELD_DEV_IFINDEX:
	case FIELD_DEV_TYPE:
		if (read_int(f->key, v, 0, f->max, "", &x, d))
			return -1;
		ctx->has_dev = true;
		*u32_at(ctx, f->offset) = (uint32_t)x;
		return 0;
	}
	return diag_fail(d, CBPF_ERR_INPUT, "%s: internal error", f->key);
}

int ctx_apply_json_value(const struct json_value *obj, struct cbpf_ctx *ctx, struct cbpf_diag *d)
{
	struct cbpf_ctx work = *ctx;

	if (obj->type != JSON_OBJECT)
		return diag_fail(d, CBPF_ERR_INPUT, "ctx must be a JSON object, got %s", json_type_name(obj->type));
	for (size_t i = 0; i < obj->n; i++) {
		const struct field *f = find_field(obj->keys[i], false);
		if (f == NULL)
			return diag_fail(d, CBPF_ERR_INPUT, "unknown key \"%.60s\"", obj->keys[i]);
		if (apply_field(f, &obj->items[i], &work, d) != 0)
			return -1;
	}
	*ctx = work;
	return 0;
}

/* Far more JSON values than any valid context has: a bound on the tree. */
#define CTX_JSON_MAX_VALUES 1024

int cbpf_ctx_from_json(const char *json, size_t len, struct cbpf_ctx *ctx, struct cbpf_diag *d)
{
	char why[200];
	struct json_reader r;
	struct json_value *v;
	int rc;

	json_reader_init(&r, json, len, why, sizeof(why));
	v = json_read_document(&r, CTX_JSON_MAX_VALUES);
	if (v == NULL) {
		diag_fail(d, CBPF_ERR_INPUT, "%s", why);
		diag_split_col(d);
		return -1;
	}
	rc = ctx_apply_json_value(v, ctx, d);
	json_free(v);
	return rc;
}

/* "0x..." (optionally negative) as a decimal JSON literal in out: 1 when
 * written, 0 when s is not a hex literal, -1 when it does not fit in 64
 * bits. */
static int hex_to_decimal(const char *s, char *out, size_t outlen)
{
	bool neg = *s == '-';
	uint64_t v = 0;
	size_t digits = 0;

	if (neg)
		s++;
	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return 0;
	for (s += 2; *s != '\0'; s++, digits++) {
		int d;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return 0;
		if (v >> 60)
			return -1;
		v = v * 16 + (uint64_t)d;
	}
	if (digits == 0)
		return 0;
	snprintf(out, outlen, "%s%" PRIu64, neg ? "-" : "", v);
	return 1;
}

int cbpf_ctx_set(const char *assignment, struct cbpf_ctx *ctx, struct cbpf_diag *d)
{
	const char *eq = strchr(assignment, '=');
	char key[64], lit[64], why[200];
	const char *val;
	const struct field *f;
	struct json_value *v;
	struct cbpf_ctx work = *ctx;
	int rc;

	if (eq == NULL || eq == assignment)
		return diag_fail(d, CBPF_ERR_INPUT, "expected KEY=VALUE, got \"%.60s\"", assignment);
	if ((size_t)(eq - assignment) >= sizeof(key))
		return diag_fail(d, CBPF_ERR_INPUT, "unknown key \"%.60s\"", assignment);
	memcpy(key, assignment, (size_t)(eq - assignment));
	key[eq - assignment] = '\0';
	f = find_field(key, true);
	if (f == NULL)
		return diag_fail(d, CBPF_ERR_INPUT, "unknown key \"%s\"", key);
	val = eq + 1;
	if (strcmp(val, "auto") == 0)
		val = "\"auto\"";
	else if ((rc = hex_to_decimal(val, lit, sizeof(lit))) < 0)
		return diag_fail(d, CBPF_ERR_INPUT, "%s: %.60s is out of range", key, val);
	else if (rc > 0)
		val = lit;
	v = json_parse(val, strlen(val), why, sizeof(why));
	if (v == NULL)
		return diag_fail(d, CBPF_ERR_INPUT,
			       "%s: cannot read \"%.60s\" (expected an integer, null, auto or JSON: %s)",
			       key, eq + 1, why);
	rc = apply_field(f, v, &work, d);
	json_free(v);
	if (rc == 0)
		*ctx = work;
	return rc;
}

static void put_nullable(struct strbuf *b, int64_t v)
{
	if (v == CBPF_CTX_UNSET)
		sb_puts(b, "null");
	else
		sb_printf(b, "%" PRId64, v);
}

char *cbpf_ctx_to_json(const struct cbpf_ctx *ctx)
{
	struct strbuf b = { 0 };
	bool first = true;

	sb_putc(&b, '{');
	for (size_t i = 0; i < NFIELDS; i++) {
		const struct field *f = &fields[i];
		if (f->kv_only)
			continue;
		sb_printf(&b, "%s\"%s\":", first ? "" : ",", f->key);
		first = false;
		switch (f->kind) {
		case FIELD_U32:
			sb_printf(&b, "%" PRIu32, u32_of(ctx, f->offset));
			break;
		case FIELD_U32_OR_NULL:
		case FIELD_OFFSET:
		case FIELD_OFFSET_OR_NULL:
			put_nullable(&b, i64_of(ctx, f->offset));
			break;
		case FIELD_POFF:
			if (ctx->poff == CBPF_POFF_AUTO)
				sb_puts(&b, "\"auto\"");
			else
				put_nullable(&b, ctx->poff);
			break;
		case FIELD_DEV:
			if (ctx->has_dev)
				sb_printf(&b, "{\"ifindex\":%" PRIu32 ",\"type\":%" PRIu32 "}",
					  ctx->ifindex, ctx->hatype);
			else
				sb_puts(&b, "null");
			break;
		case FIELD_DEV_IFINDEX:
		case FIELD_DEV_TYPE:
			break;
		}
	}
	sb_putc(&b, '}');
	return sb_finish(&b, NULL);
}
