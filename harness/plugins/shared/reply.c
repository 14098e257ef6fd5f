/*
 * reply.c - the answer pieces the C plugins share (reply.h).
 */
#include "reply.h"

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void reply_put_id(struct strbuf *b, const struct json_value *req)
{
	const struct json_value *id = req ? json_get(req, "id") : NULL;
	sb_puts(b, "{\"id\":");
	if (id)
		json_put_value(b, id);
	else
		sb_puts(b, "null");
}

void reply_error(struct strbuf *b, const struct json_value *req, const char *why)
{
	reply_put_id(b, req);
	sb_puts(b, ",\"load\":\"error\",\"reason\":");
	json_put_string(b, why, strlen(why));
	sb_puts(b, "}");
}

const struct json_value *reply_packets(struct strbuf *b, const struct json_value *req)
{
	const struct json_value *pk = json_get(req, "packets");
	if (pk && pk->type == JSON_ARRAY)
		return pk;
	reply_error(b, req, "request has no \"packets\" array");
	return NULL;
}

/* One [code,jt,jf,k] with code 0..65535 and jt, jf 0..255; -1 if not. */
static int read_insn(const struct json_value *in, struct sock_filter *out)
{
	uint32_t f[4];
	if (in->type != JSON_ARRAY || in->n != 4)
		return -1;
	for (int i = 0; i < 4; i++)
		if (json_u32(&in->items[i], &f[i]))
			return -1;
	if (f[0] > 0xffff || f[1] > 0xff || f[2] > 0xff)
		return -1;
	out->code = (uint16_t)f[0];
	out->jt = (uint8_t)f[1];
	out->jf = (uint8_t)f[2];
	out->k = f[3];
	return 0;
}

/* reply_program's reader: NULL with *why set on failure. */
static struct sock_filter *read_program(const struct json_value *req, size_t *n, const char **why)
{
	const struct json_value *p = json_get(req, "program");
	if (!p || p->type != JSON_ARRAY) {
		*why = "request has no \"program\" array";
		return NULL;
	}
	struct sock_filter *insns = calloc(p->n ? p->n : 1, sizeof(*insns));
	if (!insns) {
		*why = "out of memory";
		return NULL;
	}
	for (size_t i = 0; i < p->n; i++) {
		if (read_insn(&p->items[i], &insns[i]) != 0) {
			free(insns);
			*why = "program: each instruction must be [code,jt,jf,k] in range";
			return NULL;
		}
	}
	*n = p->n;
	return insns;
}

void reply_signal(struct strbuf *b, const struct json_value *req, int sig, const char *extra,
		  const char *why)
{
	const char *abbrev = sigabbrev_np(sig);
	reply_put_id(b, req);
	sb_puts(b, ",\"load\":\"error\",");
	if (sig == SIGALRM)
		sb_puts(b, "\"hang\":true,");
	else
		sb_printf(b, "\"crash\":\"SIG%s\",", abbrev ? abbrev : "?");
	sb_printf(b, "%s\"reason\":", extra);
	json_put_string(b, why, strlen(why));
	sb_puts(b, "}");
}

struct sock_filter *reply_program(struct strbuf *b, const struct json_value *req, size_t *n)
{
	const char *why = NULL;
	struct sock_filter *insns = read_program(req, n, &why);
	if (!insns)
		reply_error(b, req, why);
	return insns;
}
