/*
 * fz_guest.c - a kernel target's plugin as a fuzz oracle (fz_guest.h).
 */
#include "fz_guest.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cbpf/errname.h"
#include "proto/ctx_json_value.h"
#include "support/fdio.h"
#include "support/json.h"
#include "support/strbuf.h"

/* An answer line longer than this is the plugin's fault. */
#define ANSWER_MAX (1u << 20)

struct fz_guest {
	pid_t pid;
	int to, from;            /* raw descriptors: libFuzzer's timer (SIGALRM,
				  * no SA_RESTART) interrupts reads and writes,
				  * which a stdio stream would report as EOF */
	char target[128];
	char impl[136];          /* kernel:TARGET, the runner's and triage's name */
	unsigned long next_id;
	char *buf;               /* what the plugin wrote, from the next line on */
	size_t len, cap;
};

const char *fz_guest_target(const struct fz_guest *g)
{
	return g->target;
}

const char *fz_guest_impl(const struct fz_guest *g)
{
	return g->impl;
}

static int errno_value(const char *name)
{
	for (int e = 1; e < 200; e++)
		if (strcmp(cbpf_errno_name(e), name) == 0)
			return e;
	return EINVAL;
}

static int spawn(struct fz_guest *g, char *why, size_t len)
{
	const char *cbpf = getenv("CBPF_FUZZ_CBPF");
	int in[2], out[2];

	if (cbpf == NULL || *cbpf == '\0')
		cbpf = "cbpf";
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
		snprintf(why, len, "%s: pipe: %s", g->target, strerror(errno));
		return -1;
	}
	g->pid = fork();
	if (g->pid < 0) {
		snprintf(why, len, "%s: fork: %s", g->target, strerror(errno));
		return -1;
	}
	if (g->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		execlp(cbpf, cbpf, "kernel", "plugin", "--target", g->target, (char *)NULL);
		dprintf(2, "fz_guest: exec %s: %s\n", cbpf, strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	g->to = in[1];
	g->from = out[0];
	return 0;
}

static void put_request(struct strbuf *b, unsigned long id, const struct cbpf_insn *insns,
			size_t n, const uint8_t *pkt, size_t len)
{
	static const char hex[] = "0123456789abcdef";

	sb_printf(b, "{\"id\":%lu,\"profile\":\"linux\",\"program\":[", id);
	for (size_t i = 0; i < n; i++)
		sb_printf(b, "%s[%u,%u,%u,%u]", i ? "," : "", (unsigned)insns[i].code,
			  (unsigned)insns[i].jt, (unsigned)insns[i].jf, (unsigned)insns[i].k);
	sb_puts(b, "],\"packets\":[\"");
	for (size_t i = 0; i < len; i++) {
		sb_putc(b, hex[pkt[i] >> 4]);
		sb_putc(b, hex[pkt[i] & 15]);
	}
	sb_puts(b, "\"]}\n");
}

static void copy_string(const struct json_value *v, char *out, size_t len)
{
	out[0] = '\0';
	if (v != NULL && v->type == JSON_STRING)
		snprintf(out, len, "%s", v->str);
}

static bool is_true(const struct json_value *v)
{
	return v != NULL && v->type == JSON_BOOL && v->boolean;
}

/* The first result of an "ok" answer. */
static int read_result(const struct json_value *r, struct fz_guest_answer *a, char *why,
		       size_t len)
{
	const struct json_value *ctx = json_get(r, "ctx"), *ab = json_get(r, "abort");
	struct cbpf_diag err;

	if (json_u32(json_get(r, "verdict"), &a->verdict) != 0) {
		snprintf(why, len, "a result without a 32-bit verdict");
		return -1;
	}
	copy_string(ab, a->abort, sizeof(a->abort));
	a->exact = is_true(json_get(r, "exact"));
	a->random = is_true(json_get(r, "random"));
	a->input_error = json_get(r, "error") != NULL;
	copy_string(json_get(r, "error"), a->note, sizeof(a->note));
	cbpf_ctx_init(&a->ctx);
	if (ctx != NULL && ctx_apply_json_value(ctx, &a->ctx, &err) != 0) {
		snprintf(why, len, "the result's ctx: %s", err.msg);
		return -1;
	}
	return 0;
}

static int parse_answer(const char *line, size_t n, struct fz_guest_answer *a, char *why,
			size_t len)
{
	char err[128];
	struct json_value *v = json_parse(line, n, err, sizeof(err));
	const struct json_value *load, *res;
	int rc = 0;

	memset(a, 0, sizeof(*a));
	if (v == NULL || v->type != JSON_OBJECT) {
		snprintf(why, len, "unparsable answer (%s): %.80s", v ? "not an object" : err, line);
		json_free(v);
		return -1;
	}
	load = json_get(v, "load");
	res = json_get(v, "results");
	copy_string(json_get(v, "reason"), a->note, sizeof(a->note));
	if (load == NULL || load->type != JSON_STRING) {
		snprintf(why, len, "an answer without \"load\": %.80s", line);
		rc = -1;
	} else if (strcmp(load->str, "rejected") == 0) {
		a->load = FZ_GUEST_REJECTED;
		copy_string(json_get(v, "errno"), a->errnum, sizeof(a->errnum));
		a->errno_value = errno_value(a->errnum);
		a->env_limit = is_true(json_get(v, "env_limit"));
	} else if (strcmp(load->str, "ok") == 0) {
		a->load = FZ_GUEST_OK;
		if (res == NULL || res->type != JSON_ARRAY || res->n != 1) {
			snprintf(why, len, "an \"ok\" answer without its one result: %.80s", line);
			rc = -1;
		} else {
			rc = read_result(&res->items[0], a, why, len);
		}
	} else {
		a->load = FZ_GUEST_ERROR;
		a->guest_error = is_true(json_get(v, "guest_error"));
	}
	json_free(v);
	return rc;
}

/* The next answer line (without its LF) at g->buf, its length in *n:
 * 0, or -1 at the end of the plugin's output or past ANSWER_MAX. An
 * interrupted read (EINTR) is retried. */
static int read_line(struct fz_guest *g, size_t *n)
{
	for (;;) {
		char *nl = g->len ? memchr(g->buf, '\n', g->len) : NULL;
		ssize_t r;

		if (nl != NULL) {
			*n = (size_t)(nl - g->buf);
			return 0;
		}
		if (g->len >= ANSWER_MAX)
			return -1;
		if (g->cap - g->len < 4096) {
			size_t cap = g->cap ? g->cap * 2 : 65536;
			char *nb = realloc(g->buf, cap);
			if (nb == NULL)
				return -1;
			g->buf = nb;
			g->cap = cap;
		}
		r = read(g->from, g->buf + g->len, g->cap - g->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		g->len += (size_t)r;
	}
}

/* Write one request and read its answer line. */
static int exchange(struct fz_guest *g, const char *req, size_t n, struct fz_guest_answer *a,
		    char *why, size_t len)
{
	size_t got;
	int rc;

	if (fd_write_all(g->to, req, n) != 0) {
		snprintf(why, len, "%s: the guest plugin is gone (write: %s)", g->target,
			 strerror(errno));
		return -1;
	}
	if (read_line(g, &got) != 0) {
		snprintf(why, len, "%s: the guest plugin exited without %s answer (its stderr says "
			 "why)", g->target, g->len ? "a whole" : "an");
		return -1;
	}
	rc = parse_answer(g->buf, got, a, why, len);
	g->len -= got + 1;
	memmove(g->buf, g->buf + got + 1, g->len);
	if (rc != 0) {
		char inner[400];
		snprintf(inner, sizeof(inner), "%s", why);
		snprintf(why, len, "%s: %s", g->target, inner);
		return -1;
	}
	return 0;
}

int fz_guest_ask(struct fz_guest *g, const struct cbpf_insn *insns, size_t n,
		 const uint8_t *pkt, size_t len, struct fz_guest_answer *a, char *why,
		 size_t whylen)
{
	struct strbuf b = { 0 };
	size_t blen;
	char *req;
	int rc;

	put_request(&b, g->next_id++, insns, n, pkt, len);
	req = sb_finish(&b, &blen);
	if (req == NULL) {
		snprintf(why, whylen, "%s: out of memory", g->target);
		return -1;
	}
	rc = exchange(g, req, blen, a, why, whylen);
	free(req);
	return rc;
}

int fz_guest_open(struct fz_guest **out, const char *target, char *why, size_t len)
{
	struct fz_guest *g = calloc(1, sizeof(*g));
	static const struct cbpf_insn probe = { 0x06, 0, 0, 1 };
	struct fz_guest_answer a;

	*out = NULL;
	if (g == NULL) {
		snprintf(why, len, "%s: out of memory", target);
		return -1;
	}
	g->to = g->from = -1;
	snprintf(g->target, sizeof(g->target), "%s", target);
	snprintf(g->impl, sizeof(g->impl), "kernel:%s", target);
	signal(SIGPIPE, SIG_IGN);
	if (spawn(g, why, len) != 0 || fz_guest_ask(g, &probe, 1, (const uint8_t *)"", 0, &a, why,
						    len) != 0) {
		fz_guest_close(g);
		return -1;
	}
	if (a.load != FZ_GUEST_OK) {
		snprintf(why, len, "%s: the probe was not answered: %s", target, a.note);
		fz_guest_close(g);
		return -1;
	}
	*out = g;
	return 0;
}

void fz_guest_close(struct fz_guest *g)
{
	if (g == NULL)
		return;
	if (g->to >= 0)
		close(g->to);
	if (g->from >= 0)
		close(g->from);
	if (g->pid > 0)
		while (waitpid(g->pid, NULL, 0) < 0 && errno == EINTR)
			;
	free(g->buf);
	free(g);
}
