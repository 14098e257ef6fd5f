/*
 * proto/plugin.c - the plugin protocol's wire side: request lines into
 * struct cbpf_plugin_request (every broken shape named precisely),
 * struct cbpf_plugin_response into response lines, and the serving loop
 * (one response per line, in order, flushed). What a request means is the
 * executor's business.
 */
#include "cbpf/plugin.h"

#include "cbpf/errname.h"
#include "cbpf/program.h"
#include "cbpf/seccomp.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ctx_json_value.h"
#include "insn/diag.h"
#include "support/hex.h"
#include "support/json.h"
#include "support/strbuf.h"

/* ---- extras ---- */

static int extra_append(struct cbpf_plugin_extra *e, struct strbuf *member)
{
	size_t n;
	char *m = sb_finish(member, &n);
	char *grown;

	if (m == NULL)
		return -1;
	grown = realloc(e->json, e->len + n + 1);
	if (grown == NULL) {
		free(m);
		return -1;
	}
	memcpy(grown + e->len, m, n + 1);
	e->json = grown;
	e->len += n;
	free(m);
	return 0;
}

static void member_key(struct strbuf *b, const char *key)
{
	sb_putc(b, ',');
	json_put_string(b, key, strlen(key));
	sb_putc(b, ':');
}

int cbpf_plugin_extra_bool(struct cbpf_plugin_extra *e, const char *key, bool v)
{
	struct strbuf b = { 0 };

	member_key(&b, key);
	sb_puts(&b, v ? "true" : "false");
	return extra_append(e, &b);
}

int cbpf_plugin_extra_int(struct cbpf_plugin_extra *e, const char *key, int64_t v)
{
	struct strbuf b = { 0 };

	member_key(&b, key);
	sb_printf(&b, "%" PRId64, v);
	return extra_append(e, &b);
}

int cbpf_plugin_extra_string(struct cbpf_plugin_extra *e, const char *key, const char *v)
{
	struct strbuf b = { 0 };

	member_key(&b, key);
	json_put_string(&b, v, strlen(v));
	return extra_append(e, &b);
}

void cbpf_plugin_extra_free(struct cbpf_plugin_extra *e)
{
	free(e->json);
	e->json = NULL;
	e->len = 0;
}

/* ---- responses ---- */

int cbpf_plugin_response_ok(struct cbpf_plugin_response *resp, size_t n)
{
	resp->load = CBPF_PLUGIN_LOAD_OK;
	resp->nresults = 0;
	free(resp->results);
	resp->results = calloc(n ? n : 1, sizeof(*resp->results));
	if (resp->results == NULL) {
		cbpf_plugin_response_error(resp, "out of memory for %zu results", n);
		return -1;
	}
	resp->nresults = n;
	return 0;
}

static void set_reason(struct cbpf_plugin_response *resp, const char *fmt, va_list ap)
{
	vsnprintf(resp->reason, sizeof(resp->reason), fmt, ap);
}

void cbpf_plugin_response_reject(struct cbpf_plugin_response *resp, int errnum,
				 const char *fmt, ...)
{
	va_list ap;

	resp->load = CBPF_PLUGIN_LOAD_REJECTED;
	resp->errnum = errnum;
	va_start(ap, fmt);
	set_reason(resp, fmt, ap);
	va_end(ap);
}

void cbpf_plugin_response_error(struct cbpf_plugin_response *resp, const char *fmt, ...)
{
	va_list ap;

	resp->load = CBPF_PLUGIN_LOAD_ERROR;
	va_start(ap, fmt);
	set_reason(resp, fmt, ap);
	va_end(ap);
}

void cbpf_plugin_response_free(struct cbpf_plugin_response *resp)
{
	for (size_t i = 0; i < resp->nresults; i++)
		cbpf_plugin_extra_free(&resp->results[i].extra);
	free(resp->results);
	resp->results = NULL;
	resp->nresults = 0;
	cbpf_plugin_extra_free(&resp->extra);
}

static const char *load_name(enum cbpf_plugin_load l)
{
	switch (l) {
	case CBPF_PLUGIN_LOAD_OK: return "ok";
	case CBPF_PLUGIN_LOAD_REJECTED: return "rejected";
	case CBPF_PLUGIN_LOAD_ERROR: return "error";
	}
	return "error";
}

static void put_results(struct strbuf *b, const struct cbpf_plugin_response *resp)
{
	sb_puts(b, ",\"results\":[");
	for (size_t i = 0; i < resp->nresults; i++) {
		const struct cbpf_plugin_result *r = &resp->results[i];
		sb_printf(b, "%s{\"verdict\":%" PRIu32 ",\"abort\":", i ? "," : "", r->verdict);
		if (r->abort == NULL)
			sb_puts(b, "null");
		else
			json_put_string(b, r->abort, strlen(r->abort));
		if (r->extra.json != NULL)
			sb_putn(b, r->extra.json, r->extra.len);
		sb_putc(b, '}');
	}
	sb_putc(b, ']');
}

char *cbpf_plugin_format_response(const char *id, const struct cbpf_plugin_response *resp,
				  size_t *len)
{
	struct strbuf b = { 0 };
	sb_puts(&b, "{\"id\":");
	sb_puts(&b, id != NULL ? id : "null");
	sb_printf(&b, ",\"load\":\"%s\"", load_name(resp->load));
	if (resp->load == CBPF_PLUGIN_LOAD_OK)
		put_results(&b, resp);
	if (resp->load == CBPF_PLUGIN_LOAD_REJECTED)
		sb_printf(&b, ",\"errno\":\"%s\"",
			  cbpf_errno_name(resp->errnum));
	if (resp->load != CBPF_PLUGIN_LOAD_OK) {
		sb_puts(&b, ",\"reason\":");
		json_put_string(&b, resp->reason, strnlen(resp->reason, sizeof(resp->reason)));
	}
	if (resp->extra.json != NULL)
		sb_putn(&b, resp->extra.json, resp->extra.len);
	sb_puts(&b, "}\n");
	return sb_finish(&b, len);
}

/* ---- requests ---- */

/*
 * A request line is read in two passes over the text, neither building a
 * tree of it: the first validates the whole line as JSON and notes where
 * each member's value starts (a repeated key: the last one), the second
 * reads the members in a fixed order (so the first problem reported does
 * not depend on the order of the keys), program and inputs one element at
 * a time. The small members that are kept as trees (ctx, each
 * seccomp_data object) have a budget of values. So a request costs its
 * line, its program (at most 65535 instructions), its decoded inputs (at
 * most CBPF_PLUGIN_MAX_INPUTS) and one decoded string at a time.
 */

struct parse {
	struct cbpf_diag *d;
};

static __attribute__((format(printf, 2, 3))) int bad(struct parse *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vfail(p->d, CBPF_ERR_INPUT, fmt, ap);
	va_end(ap);
	return -1;
}

enum member { M_ID, M_PROFILE, M_PROGRAM, M_PACKETS, M_SECCOMP_DATA, M_CTX, M_COUNT };

static const char *const member_names[M_COUNT] = { "id", "profile", "program", "packets",
						   "seccomp_data", "ctx" };

/* Values a tree-read member may hold: far more than any valid one needs. */
#define CTX_MAX_VALUES 1024
#define SECCOMP_RECORD_MAX_VALUES 64

struct members {
	const char *line;
	size_t len;
	size_t at[M_COUNT];      /* offset + 1 of the member's value; 0: absent */
	bool has_unknown;
	char unknown[48];        /* the first unknown key (cut) */
};

static int member_of(const struct strbuf *key)
{
	for (int i = 0; i < M_COUNT; i++) {
		const char *name = member_names[i];
		if (key->len == strlen(name) && memcmp(key->s, name, key->len) == 0)
			return i;
	}
	return -1;
}

static void note_key(struct members *m, const struct strbuf *key, size_t value_at)
{
	int k = key->s != NULL ? member_of(key) : -1;

	if (k >= 0) {
		m->at[k] = value_at + 1;
		return;
	}
	if (!m->has_unknown) {
		m->has_unknown = true;
		snprintf(m->unknown, sizeof(m->unknown), "%.40s", key->s != NULL ? key->s : "");
	}
}

/* The first pass: the line is one JSON object; where its members are. */
static int scan_request(struct parse *p, struct members *m)
{
	struct json_reader r;
	struct strbuf key = { 0 };
	char why[256];
	int type, more = 0;

	json_reader_init(&r, m->line, m->len, why, sizeof(why));
	type = json_peek_type(&r);
	if (type != JSON_OBJECT) {
		if (!json_skip_value(&r, 0) || !json_at_end(&r))
			return bad(p, "bad JSON: %s", why);
		return bad(p, "a request is a JSON object, got %s", json_type_name((enum json_type)type));
	}
	json_begin(&r, '{');
	for (size_t i = 0; (more = json_more(&r, '}', i)) > 0; i++) {
		free(sb_finish(&key, NULL));
		if (!json_read_key(&r, &key))
			break;
		json_peek_type(&r);
		size_t at = r.pos;
		if (!json_skip_value(&r, 1))
			break;
		note_key(m, &key, at);
	}
	free(sb_finish(&key, NULL));
	if (r.failed || more < 0 || !json_at_end(&r))
		return bad(p, "bad JSON: %s", why);
	return 0;
}

/* A cursor at a member's value (the line is valid JSON by now). */
static void at_member(const struct members *m, enum member k, struct json_reader *r, char *why,
		      size_t whylen)
{
	json_reader_init(r, m->line, m->len, why, whylen);
	r->pos = m->at[k] - 1;
}

/* An unsigned integer in 0..max at the cursor, or a reason naming where. */
static int read_uint(struct parse *p, struct json_reader *r, uint64_t max, const char *where,
		     uint64_t *out)
{
	int type = json_peek_type(r);
	const char *lit;
	size_t n;

	if (type != JSON_NUMBER) {
		json_skip_value(r, 2);
		return bad(p, "%s: expected an integer 0..%" PRIu64 ", got %s", where, max,
			   json_type_name((enum json_type)type));
	}
	if (!json_read_number(r, &lit, &n))
		return bad(p, "%s: %s", where, r->why);
	if (json_number_u64(lit, n, out) != 0 || *out > max)
		return bad(p, "%s: %.*s%s is out of range 0..%" PRIu64, where, (int)(n > 40 ? 40 : n),
			   lit, n > 40 ? "..." : "", max);
	return 0;
}

/* The number of elements of the array at the cursor (not consumed). */
static size_t count_elements(const struct json_reader *at)
{
	struct json_reader r = *at;
	size_t n = 0;

	r.err = NULL;
	json_begin(&r, '[');
	while (json_more(&r, ']', n) > 0 && json_skip_value(&r, 2))
		n++;
	return n;
}

static int parse_insn(struct parse *p, struct json_reader *r, size_t i, struct cbpf_insn *out)
{
	static const char *const field[4] = { "code", "jt", "jf", "k" };
	static const uint64_t max[4] = { 0xffff, 0xff, 0xff, 0xffffffff };
	int type = json_peek_type(r);
	uint64_t x[4];
	char where[64];
	size_t n;

	if (type != JSON_ARRAY)
		return bad(p, "program[%zu]: expected [code,jt,jf,k], got %s", i,
			   json_type_name((enum json_type)type));
	n = count_elements(r);
	if (n != 4)
		return bad(p, "program[%zu]: expected [code,jt,jf,k], got %zu element%s", i, n,
			   n == 1 ? "" : "s");
	json_begin(r, '[');
	for (int f = 0; f < 4; f++) {
		snprintf(where, sizeof(where), "program[%zu][%d] (%s)", i, f, field[f]);
		if (json_more(r, ']', (size_t)f) <= 0 || read_uint(p, r, max[f], where, &x[f]) != 0)
			return -1;
	}
	if (json_more(r, ']', 4) != 0)
		return bad(p, "program[%zu]: %s", i, r->why);
	out->code = (uint16_t)x[0];
	out->jt = (uint8_t)x[1];
	out->jf = (uint8_t)x[2];
	out->k = (uint32_t)x[3];
	return 0;
}

static int parse_program(struct parse *p, const struct members *m, struct cbpf_plugin_request *req)
{
	struct cbpf_prog prog = { 0 };
	struct json_reader r;
	char why[256];
	int type, more, rc = 0;

	at_member(m, M_PROGRAM, &r, why, sizeof(why));
	type = json_peek_type(&r);
	if (type != JSON_ARRAY)
		return bad(p, "program: expected an array of [code,jt,jf,k], got %s",
			   json_type_name((enum json_type)type));
	json_begin(&r, '[');
	for (size_t i = 0; rc == 0 && (more = json_more(&r, ']', i)) > 0; i++) {
		struct cbpf_insn in;
		if (i == CBPF_PLUGIN_MAX_INSNS)
			rc = bad(p, "program: more than %d instructions (sock_fprog.len is a u16)",
				 CBPF_PLUGIN_MAX_INSNS);
		else if (parse_insn(p, &r, i, &in) != 0)
			rc = -1;
		else if (cbpf_prog_push(&prog, in) != 0)
			rc = bad(p, "program: out of memory");
	}
	if (rc == 0 && prog.insns == NULL)
		prog.insns = calloc(1, sizeof(*prog.insns));
	if (rc == 0 && prog.insns == NULL)
		rc = bad(p, "program: out of memory");
	if (rc != 0) {
		cbpf_prog_free(&prog);
		return -1;
	}
	req->insns = prog.insns;
	req->ninsns = prog.len;
	return 0;
}

/* Room for input i (zeroed), the array grown by doubling. */
static struct cbpf_plugin_packet *input_slot(struct cbpf_plugin_request *req, size_t i,
					     size_t *cap)
{
	if (i == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct cbpf_plugin_packet *n = realloc(req->packets, ncap * sizeof(*n));
		if (n == NULL)
			return NULL;
		req->packets = n;
		*cap = ncap;
	}
	memset(&req->packets[i], 0, sizeof(req->packets[i]));
	return &req->packets[i];
}

static int decode_hex_packet(struct parse *p, const struct strbuf *hex, size_t i,
			     struct cbpf_plugin_packet *out)
{
	const char *s = hex->s != NULL ? hex->s : "";
	size_t bad_at = 0;
	enum hex_status st;
	char why[96];

	if (hex->len / 2 > CBPF_PLUGIN_MAX_PACKET)
		return bad(p, "packets[%zu]: %zu bytes is over the limit of %u", i, hex->len / 2,
			   CBPF_PLUGIN_MAX_PACKET);
	st = hex_decode(s, hex->len, &out->data, &out->len, &bad_at);
	if (st == HEX_OK)
		return 0;
	hex_describe(st, s, hex->len, bad_at, why, sizeof(why));
	return bad(p, "packets[%zu]: %s", i, why);
}

static int parse_packets(struct parse *p, const struct members *m,
			 struct cbpf_plugin_request *req)
{
	struct strbuf hex = { 0 };
	struct json_reader r;
	char why[256];
	size_t cap = 0;
	int type, more, rc = 0;

	at_member(m, M_PACKETS, &r, why, sizeof(why));
	type = json_peek_type(&r);
	if (type != JSON_ARRAY)
		return bad(p, "packets: expected an array of hex strings, got %s",
			   json_type_name((enum json_type)type));
	json_begin(&r, '[');
	for (size_t i = 0; rc == 0 && (more = json_more(&r, ']', i)) > 0; i++) {
		struct cbpf_plugin_packet *pk;
		if (i == CBPF_PLUGIN_MAX_INPUTS) {
			rc = bad(p, "packets: more than %d inputs in one request", CBPF_PLUGIN_MAX_INPUTS);
			break;
		}
		if ((pk = input_slot(req, i, &cap)) == NULL) {
			rc = bad(p, "packets: out of memory");
			break;
		}
		type = json_peek_type(&r);
		if (type != JSON_STRING) {
			rc = bad(p, "packets[%zu]: expected a hex string, got %s", i,
				 json_type_name((enum json_type)type));
			break;
		}
		hex.len = 0;
		if (hex.s != NULL)
			hex.s[0] = '\0';
		if (!json_read_string(&r, &hex))
			rc = bad(p, "packets[%zu]: %s", i, r.why);
		else if (decode_hex_packet(p, &hex, i, pk) != 0)
			rc = -1;
		else if (req->profile == CBPF_PROFILE_SECCOMP && pk->len != CBPF_SECCOMP_DATA_LEN)
			rc = bad(p, "packets[%zu]: a seccomp_data record is %d bytes, got %zu", i,
				 CBPF_SECCOMP_DATA_LEN, pk->len);
		req->npackets = i + 1;
	}
	free(sb_finish(&hex, NULL));
	if (rc == 0 && req->packets == NULL && (req->packets = calloc(1, sizeof(*req->packets))) == NULL)
		rc = bad(p, "packets: out of memory");
	return rc;
}

/* An unsigned integer field of a tree (a seccomp_data object). */
static int get_uint(struct parse *p, const struct json_value *v, uint64_t max, const char *where,
		    uint64_t *out)
{
	uint64_t x;

	if (v->type != JSON_NUMBER)
		return bad(p, "%s: expected an integer 0..%" PRIu64 ", got %s", where, max,
			   json_type_name(v->type));
	if (json_u64(v, &x) != 0 || x > max)
		return bad(p, "%s: %.40s%s is out of range 0..%" PRIu64, where, v->str,
			   v->str_len > 40 ? "..." : "", max);
	*out = x;
	return 0;
}

/* One {"nr","arch","ip","args"} object as struct seccomp_data bytes
 * (host byte order, the layout of cbpf/vm.h's struct cbpf_seccomp_data).
 * An omitted arch is the host's, as everywhere (cbpf/seccomp.h). */
static int parse_seccomp_record(struct parse *p, const struct json_value *v, size_t i,
				struct cbpf_plugin_packet *out)
{
	struct cbpf_seccomp_data sd;
	char where[64];
	uint64_t x = 0;
	int64_t nr;

	memset(&sd, 0, sizeof(sd));
	sd.arch = cbpf_seccomp_host_arch();
	if (v->type != JSON_OBJECT)
		return bad(p, "seccomp_data[%zu]: expected an object, got %s", i, json_type_name(v->type));
	for (size_t m = 0; m < v->n; m++) {
		const char *k = v->keys[m];
		const struct json_value *f = &v->items[m];
		snprintf(where, sizeof(where), "seccomp_data[%zu].%.16s", i, k);
		if (strcmp(k, "nr") == 0) {
			/* int in the kernel; the u32 spelling of negatives is accepted */
			if (f->type != JSON_NUMBER || json_i64(f, &nr) != 0 || nr < INT32_MIN ||
			    nr > (int64_t)UINT32_MAX)
				return bad(p, "%s: expected an integer -2147483648..4294967295", where);
			sd.nr = (int32_t)(uint32_t)(nr & 0xffffffff);
		} else if (strcmp(k, "arch") == 0) {
			if (get_uint(p, f, UINT32_MAX, where, &x) != 0)
				return -1;
			sd.arch = (uint32_t)x;
		} else if (strcmp(k, "ip") == 0) {
			if (get_uint(p, f, UINT64_MAX, where, &x) != 0)
				return -1;
			sd.instruction_pointer = x;
		} else if (strcmp(k, "args") == 0) {
			if (f->type != JSON_ARRAY || f->n > 6)
				return bad(p, "%s: expected an array of at most 6 integers", where);
			for (size_t a = 0; a < f->n; a++) {
				snprintf(where, sizeof(where), "seccomp_data[%zu].args[%zu]", i, a);
				if (get_uint(p, &f->items[a], UINT64_MAX, where, &x) != 0)
					return -1;
				sd.args[a] = x;
			}
		} else {
			return bad(p, "seccomp_data[%zu]: unknown key \"%.40s\" (known: nr, arch, ip, args)",
				   i, k);
		}
	}
	out->data = malloc(sizeof(sd));
	if (out->data == NULL)
		return bad(p, "seccomp_data[%zu]: out of memory", i);
	memcpy(out->data, &sd, sizeof(sd));
	out->len = sizeof(sd);
	return 0;
}

static int parse_seccomp_data(struct parse *p, const struct members *m,
			      struct cbpf_plugin_request *req)
{
	struct json_reader r;
	char why[256];
	size_t cap = 0;
	int type, more, rc = 0;

	if (req->profile != CBPF_PROFILE_SECCOMP)
		return bad(p, "seccomp_data: only for profile \"seccomp\"");
	at_member(m, M_SECCOMP_DATA, &r, why, sizeof(why));
	type = json_peek_type(&r);
	if (type != JSON_ARRAY)
		return bad(p, "seccomp_data: expected an array of objects, got %s",
			   json_type_name((enum json_type)type));
	json_begin(&r, '[');
	for (size_t i = 0; rc == 0 && (more = json_more(&r, ']', i)) > 0; i++) {
		struct cbpf_plugin_packet *pk;
		struct json_value *v;
		if (i == CBPF_PLUGIN_MAX_INPUTS) {
			rc = bad(p, "seccomp_data: more than %d inputs in one request",
				 CBPF_PLUGIN_MAX_INPUTS);
			break;
		}
		if ((pk = input_slot(req, i, &cap)) == NULL) {
			rc = bad(p, "seccomp_data: out of memory");
			break;
		}
		json_limit_values(&r, SECCOMP_RECORD_MAX_VALUES);
		v = json_read_tree(&r, 2);
		if (v == NULL)
			rc = bad(p, "seccomp_data[%zu]: %s", i, r.why);
		else if (parse_seccomp_record(p, v, i, pk) != 0)
			rc = -1;
		json_free(v);
		req->npackets = i + 1;
	}
	if (rc == 0 && req->packets == NULL && (req->packets = calloc(1, sizeof(*req->packets))) == NULL)
		rc = bad(p, "seccomp_data: out of memory");
	return rc;
}

static int parse_profile(struct parse *p, const struct members *m,
			 struct cbpf_plugin_request *req)
{
	struct strbuf name = { 0 };
	struct json_reader r;
	char why[256];
	int type, rc = 0;

	if (m->at[M_PROFILE] == 0)
		return bad(p, "missing \"profile\"");
	at_member(m, M_PROFILE, &r, why, sizeof(why));
	type = json_peek_type(&r);
	if (type != JSON_STRING)
		return bad(p, "profile: expected \"linux\" or \"seccomp\", got %s",
			   json_type_name((enum json_type)type));
	if (!json_read_string(&r, &name))
		rc = bad(p, "profile: %s", r.why);
	else if (strlen(name.s != NULL ? name.s : "") != name.len ||
		 cbpf_profile_from_name(name.s != NULL ? name.s : "", &req->profile) != 0)
		rc = bad(p, "profile: expected \"linux\" or \"seccomp\", got \"%.40s\"",
			 name.s != NULL ? name.s : "");
	free(sb_finish(&name, NULL));
	return rc;
}

static int parse_ctx(struct parse *p, const struct members *m, struct cbpf_plugin_request *req)
{
	struct json_reader r;
	struct json_value *v;
	struct cbpf_diag err;
	char why[256];
	int rc;

	if (req->profile == CBPF_PROFILE_SECCOMP)
		return bad(p, "ctx: not used by profile \"seccomp\" (the input is seccomp_data)");
	at_member(m, M_CTX, &r, why, sizeof(why));
	json_limit_values(&r, CTX_MAX_VALUES);
	v = json_read_tree(&r, 1);
	if (v == NULL)
		return bad(p, "ctx: %s", r.why);
	rc = ctx_apply_json_value(v, &req->ctx, &err);
	json_free(v);
	if (rc != 0)
		return bad(p, "ctx: %s", err.msg);
	req->has_ctx = true;
	return 0;
}

/* The second pass, in a fixed order. */
static int parse_members(struct parse *p, const struct members *m,
			 struct cbpf_plugin_request *req)
{
	if (m->at[M_ID] == 0)
		return bad(p, "missing \"id\"");
	if (m->has_unknown)
		return bad(p, "unknown field \"%s\"", m->unknown);
	if (parse_profile(p, m, req) != 0)
		return -1;
	if (m->at[M_PROGRAM] == 0)
		return bad(p, "missing \"program\"");
	if (parse_program(p, m, req) != 0)
		return -1;
	if (m->at[M_PACKETS] != 0 && m->at[M_SECCOMP_DATA] != 0)
		return bad(p, "give \"packets\" or \"seccomp_data\", not both");
	if (m->at[M_PACKETS] == 0 && m->at[M_SECCOMP_DATA] == 0)
		return bad(p, "missing \"packets\"");
	if ((m->at[M_PACKETS] != 0 ? parse_packets(p, m, req) : parse_seccomp_data(p, m, req)) != 0)
		return -1;
	return m->at[M_CTX] != 0 ? parse_ctx(p, m, req) : 0;
}

/* The id as compact JSON text. */
static char *id_text(const struct members *m)
{
	struct strbuf b = { 0 };
	struct json_reader r;

	at_member(m, M_ID, &r, NULL, 0);
	json_copy_compact(&r, &b, 1);
	return sb_finish(&b, NULL);
}

int cbpf_plugin_parse_request(const char *line, size_t len, struct cbpf_plugin_request *req,
			      struct cbpf_diag *d)
{
	struct parse p = { d };
	struct members m = { .line = line, .len = len };

	diag_fail(d, CBPF_ERR_INPUT, "broken request");
	memset(req, 0, sizeof(*req));
	cbpf_ctx_init(&req->ctx);
	if (scan_request(&p, &m) != 0)
		return -1;
	if (m.at[M_ID] != 0 && (req->id = id_text(&m)) == NULL)
		return diag_nomem(d, 0, 0, -1);
	return parse_members(&p, &m, req);
}

void cbpf_plugin_request_free(struct cbpf_plugin_request *req)
{
	for (size_t i = 0; i < req->npackets; i++)
		free(req->packets[i].data);
	free(req->packets);
	free(req->insns);
	free(req->id);
	memset(req, 0, sizeof(*req));
}

/* ---- serving ---- */

static const char oom_line[] = "{\"id\":null,\"load\":\"error\",\"reason\":\"out of memory\"}\n";

char *cbpf_plugin_handle_line(const char *line, size_t len, cbpf_plugin_exec_fn exec,
			      void *opaque, size_t *outlen)
{
	struct cbpf_plugin_request req;
	struct cbpf_plugin_response resp;
	struct cbpf_diag d;
	char *out;

	memset(&resp, 0, sizeof(resp));
	if (cbpf_plugin_parse_request(line, len, &req, &d) != 0)
		cbpf_plugin_response_error(&resp, "%s", d.msg);
	else
		exec(opaque, &req, &resp);
	out = cbpf_plugin_format_response(req.id, &resp, outlen);
	cbpf_plugin_response_free(&resp);
	cbpf_plugin_request_free(&req);
	if (out == NULL) {
		out = strdup(oom_line);
		if (outlen != NULL)
			*outlen = out ? strlen(out) : 0;
	}
	return out;
}

/* One line into *buf (its LF dropped): 1, or 0 at the end of the input,
 * -1 when reading fails or memory runs out. A line longer than
 * CBPF_PLUGIN_MAX_LINE is read to its end but not kept: *too_long. */
static int read_line(FILE *in, char **buf, size_t *cap, size_t *len, bool *too_long)
{
	int c = EOF;

	*len = 0;
	*too_long = false;
	while ((c = getc_unlocked(in)) != EOF && c != '\n') {
		if (*too_long)
			continue;
		if (*len == CBPF_PLUGIN_MAX_LINE) {
			*too_long = true;
			continue;
		}
		if (*len + 1 >= *cap) {
			size_t ncap = *cap ? *cap * 2 : 4096;
			char *n = realloc(*buf, ncap > CBPF_PLUGIN_MAX_LINE + 1 ? CBPF_PLUGIN_MAX_LINE + 1
										 : ncap);
			if (n == NULL)
				return -1;
			*buf = n;
			*cap = ncap > CBPF_PLUGIN_MAX_LINE + 1 ? CBPF_PLUGIN_MAX_LINE + 1 : ncap;
		}
		(*buf)[(*len)++] = (char)c;
	}
	if (ferror(in))
		return -1;
	return c == EOF && *len == 0 && !*too_long ? 0 : 1;
}

static char *too_long_response(size_t *outlen)
{
	struct cbpf_plugin_response resp;
	char *out;

	memset(&resp, 0, sizeof(resp));
	cbpf_plugin_response_error(&resp, "line longer than %u bytes (the limit)",
				   CBPF_PLUGIN_MAX_LINE);
	out = cbpf_plugin_format_response(NULL, &resp, outlen);
	cbpf_plugin_response_free(&resp);
	return out;
}

int cbpf_plugin_serve(FILE *in, FILE *out, cbpf_plugin_exec_fn exec, void *opaque)
{
	char *line = NULL;
	size_t cap = 0, len;
	bool too_long;
	int rc = 0, got;

	while ((got = read_line(in, &line, &cap, &len, &too_long)) > 0) {
		size_t outlen = 0;
		char *resp = too_long ? too_long_response(&outlen)
				      : cbpf_plugin_handle_line(line != NULL ? line : "", len, exec,
								opaque, &outlen);
		bool ok = resp != NULL ? fwrite(resp, 1, outlen, out) == outlen
				       : fputs(oom_line, out) >= 0;
		free(resp);
		if (fflush(out) != 0 || !ok) {
			rc = -1;
			break;
		}
	}
	if (got < 0)
		rc = -1; /* a read error, or no memory for the line */
	free(line);
	return rc;
}
