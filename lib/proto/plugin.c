/*
 * proto/plugin.c - the plugin protocol's wire side: request lines into
 * struct cbpf_plugin_request (every broken shape named precisely),
 * struct cbpf_plugin_response into response lines, and the serving loop
 * (one response per line, in order, flushed). What a request means is the
 * executor's business.
 */
#include "cbpf/plugin.h"

#include "cbpf/errname.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ctx_json_value.h"
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

struct parse {
	char *reason;
	size_t reasonlen;
};

static __attribute__((format(printf, 2, 3))) int bad(struct parse *p, const char *fmt, ...)
{
	va_list ap;

	if (p->reason == NULL || p->reasonlen == 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(p->reason, p->reasonlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* An unsigned integer field in 0..max, or a reason naming where. */
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

static int parse_insn(struct parse *p, const struct json_value *v, size_t i, struct cbpf_insn *out)
{
	static const char *const field[4] = { "code", "jt", "jf", "k" };
	static const uint64_t max[4] = { 0xffff, 0xff, 0xff, 0xffffffff };
	uint64_t x[4];
	char where[64];

	if (v->type != JSON_ARRAY)
		return bad(p, "program[%zu]: expected [code,jt,jf,k], got %s", i, json_type_name(v->type));
	if (v->n != 4)
		return bad(p, "program[%zu]: expected [code,jt,jf,k], got %zu element%s", i, v->n,
			   v->n == 1 ? "" : "s");
	for (int f = 0; f < 4; f++) {
		snprintf(where, sizeof(where), "program[%zu][%d] (%s)", i, f, field[f]);
		if (get_uint(p, &v->items[f], max[f], where, &x[f]) != 0)
			return -1;
	}
	out->code = (uint16_t)x[0];
	out->jt = (uint8_t)x[1];
	out->jf = (uint8_t)x[2];
	out->k = (uint32_t)x[3];
	return 0;
}

static int parse_program(struct parse *p, const struct json_value *v,
			 struct cbpf_plugin_request *req)
{
	if (v->type != JSON_ARRAY)
		return bad(p, "program: expected an array of [code,jt,jf,k], got %s",
			   json_type_name(v->type));
	if (v->n > CBPF_PLUGIN_MAX_INSNS)
		return bad(p, "program: %zu instructions is over the limit of %d (sock_fprog.len is a u16)",
			   v->n, CBPF_PLUGIN_MAX_INSNS);
	req->insns = calloc(v->n ? v->n : 1, sizeof(*req->insns));
	if (req->insns == NULL)
		return bad(p, "program: out of memory");
	for (size_t i = 0; i < v->n; i++)
		if (parse_insn(p, &v->items[i], i, &req->insns[i]) != 0)
			return -1;
	req->ninsns = v->n;
	return 0;
}

static int parse_hex_packet(struct parse *p, const struct json_value *v, size_t i,
			    struct cbpf_plugin_packet *out)
{
	size_t n, at = 0;
	unsigned char c;

	if (v->type != JSON_STRING)
		return bad(p, "packets[%zu]: expected a hex string, got %s", i, json_type_name(v->type));
	if (v->str_len % 2 != 0)
		return bad(p, "packets[%zu]: odd number of hex digits (%zu)", i, v->str_len);
	n = v->str_len / 2;
	if (n > CBPF_PLUGIN_MAX_PACKET)
		return bad(p, "packets[%zu]: %zu bytes is over the limit of %u", i, n,
			   CBPF_PLUGIN_MAX_PACKET);
	switch (hex_decode(v->str, v->str_len, &out->data, &out->len, &at)) {
	case HEX_OK:
		return 0;
	case HEX_BAD:
		c = (unsigned char)v->str[at];
		if (c >= 0x21 && c < 0x7f)
			return bad(p, "packets[%zu]: '%c' at position %zu is not a hex digit", i, c, at);
		return bad(p, "packets[%zu]: byte 0x%02x at position %zu is not a hex digit", i, c,
			   at);
	default:
		return bad(p, "packets[%zu]: out of memory", i);
	}
}

static int parse_packets(struct parse *p, const struct json_value *v,
			 struct cbpf_plugin_request *req)
{
	if (v->type != JSON_ARRAY)
		return bad(p, "packets: expected an array of hex strings, got %s", json_type_name(v->type));
	req->packets = calloc(v->n ? v->n : 1, sizeof(*req->packets));
	if (req->packets == NULL)
		return bad(p, "packets: out of memory");
	for (size_t i = 0; i < v->n; i++) {
		if (parse_hex_packet(p, &v->items[i], i, &req->packets[i]) != 0)
			return -1;
		req->npackets = i + 1;
		if (req->profile == CBPF_PROFILE_SECCOMP &&
		    req->packets[i].len != CBPF_SECCOMP_DATA_LEN)
			return bad(p, "packets[%zu]: a seccomp_data record is %d bytes, got %zu", i,
				   CBPF_SECCOMP_DATA_LEN, req->packets[i].len);
	}
	return 0;
}

/* One {"nr","arch","ip","args"} object as struct seccomp_data bytes
 * (host byte order, the layout of cbpf/vm.h's struct cbpf_seccomp_data). */
static int parse_seccomp_record(struct parse *p, const struct json_value *v, size_t i,
				struct cbpf_plugin_packet *out)
{
	struct cbpf_seccomp_data sd;
	char where[64];
	uint64_t x = 0;
	int64_t nr;

	memset(&sd, 0, sizeof(sd));
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

static int parse_seccomp_data(struct parse *p, const struct json_value *v,
			      struct cbpf_plugin_request *req)
{
	if (req->profile != CBPF_PROFILE_SECCOMP)
		return bad(p, "seccomp_data: only for profile \"seccomp\"");
	if (v->type != JSON_ARRAY)
		return bad(p, "seccomp_data: expected an array of objects, got %s", json_type_name(v->type));
	req->packets = calloc(v->n ? v->n : 1, sizeof(*req->packets));
	if (req->packets == NULL)
		return bad(p, "seccomp_data: out of memory");
	for (size_t i = 0; i < v->n; i++) {
		if (parse_seccomp_record(p, &v->items[i], i, &req->packets[i]) != 0)
			return -1;
		req->npackets = i + 1;
	}
	return 0;
}

static int parse_profile(struct parse *p, const struct json_value *v,
			 struct cbpf_plugin_request *req)
{
	if (v == NULL)
		return bad(p, "missing \"profile\"");
	if (v->type != JSON_STRING || strlen(v->str) != v->str_len ||
	    cbpf_profile_from_name(v->str, &req->profile) != 0) {
		if (v->type == JSON_STRING)
			return bad(p, "profile: expected \"linux\" or \"seccomp\", got \"%.40s\"", v->str);
		return bad(p, "profile: expected \"linux\" or \"seccomp\", got %s", json_type_name(v->type));
	}
	return 0;
}

static int check_keys(struct parse *p, const struct json_value *obj)
{
	static const char *const known[] = { "id", "profile", "program", "packets", "seccomp_data",
					     "ctx" };

	for (size_t i = 0; i < obj->n; i++) {
		size_t k = 0;
		while (k < sizeof(known) / sizeof(known[0]) && strcmp(obj->keys[i], known[k]) != 0)
			k++;
		if (k == sizeof(known) / sizeof(known[0]))
			return bad(p, "unknown field \"%.40s\"", obj->keys[i]);
	}
	return 0;
}

static int parse_ctx(struct parse *p, const struct json_value *v, struct cbpf_plugin_request *req)
{
	char why[256];

	if (req->profile == CBPF_PROFILE_SECCOMP)
		return bad(p, "ctx: not used by profile \"seccomp\" (the input is seccomp_data)");
	if (ctx_apply_json_value(v, &req->ctx, why, sizeof(why)) != 0)
		return bad(p, "ctx: %s", why);
	req->has_ctx = true;
	return 0;
}

static int parse_object(struct parse *p, const struct json_value *obj,
			struct cbpf_plugin_request *req)
{
	const struct json_value *program = json_get(obj, "program");
	const struct json_value *packets = json_get(obj, "packets");
	const struct json_value *sdata = json_get(obj, "seccomp_data");
	const struct json_value *ctx = json_get(obj, "ctx");

	if (json_get(obj, "id") == NULL)
		return bad(p, "missing \"id\"");
	if (check_keys(p, obj) != 0 || parse_profile(p, json_get(obj, "profile"), req) != 0)
		return -1;
	if (program == NULL)
		return bad(p, "missing \"program\"");
	if (parse_program(p, program, req) != 0)
		return -1;
	if (packets != NULL && sdata != NULL)
		return bad(p, "give \"packets\" or \"seccomp_data\", not both");
	if (packets == NULL && sdata == NULL)
		return bad(p, "missing \"packets\"");
	if ((packets ? parse_packets(p, packets, req) : parse_seccomp_data(p, sdata, req)) != 0)
		return -1;
	return ctx != NULL ? parse_ctx(p, ctx, req) : 0;
}

/* The id as compact JSON text. */
static char *id_text(const struct json_value *id)
{
	struct strbuf b = { 0 };

	json_put_value(&b, id);
	return sb_finish(&b, NULL);
}

int cbpf_plugin_parse_request(const char *line, size_t len, struct cbpf_plugin_request *req,
			      char *reason, size_t reasonlen)
{
	struct parse p = { reason, reasonlen };
	char why[256];
	struct json_value *v;
	int rc;

	memset(req, 0, sizeof(*req));
	cbpf_ctx_init(&req->ctx);
	v = json_parse(line, len, why, sizeof(why));
	if (v == NULL)
		return bad(&p, "bad JSON: %s", why);
	if (v->type != JSON_OBJECT) {
		rc = bad(&p, "a request is a JSON object, got %s", json_type_name(v->type));
		json_free(v);
		return rc;
	}
	if (json_get(v, "id") != NULL) {
		req->id = id_text(json_get(v, "id"));
		if (req->id == NULL) {
			json_free(v);
			return bad(&p, "out of memory");
		}
	}
	rc = parse_object(&p, v, req);
	json_free(v);
	return rc;
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
	char *out;

	memset(&resp, 0, sizeof(resp));
	if (cbpf_plugin_parse_request(line, len, &req, resp.reason, sizeof(resp.reason)) != 0)
		resp.load = CBPF_PLUGIN_LOAD_ERROR;
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

int cbpf_plugin_serve(FILE *in, FILE *out, cbpf_plugin_exec_fn exec, void *opaque)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	while ((n = getline(&line, &cap, in)) >= 0) {
		size_t len = (size_t)n, outlen;
		char *resp;
		if (len > 0 && line[len - 1] == '\n')
			len--;
		resp = cbpf_plugin_handle_line(line, len, exec, opaque, &outlen);
		bool ok = resp != NULL ? fwrite(resp, 1, outlen, out) == outlen
				       : fputs(oom_line, out) >= 0;
		free(resp);
		if (fflush(out) != 0 || !ok) {
			rc = -1;
			break;
		}
	}
	if (rc == 0 && !feof(in))
		rc = -1; /* a read error, or no memory for the line */
	free(line);
	return rc;
}
