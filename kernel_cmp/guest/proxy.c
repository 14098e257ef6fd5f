/*
 * guest/proxy.c - pipelined plugin requests to a guest, with restarts
 * (proxy.h).
 */
#include "proxy.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "byteorder.h"
#include "cbpf/plugin.h"
#include "fdio.h"
#include "json.h"
#include "strbuf.h"

struct line {
	char *s;
	size_t len;               /* with its '\n' */
};

struct buf {
	char *p;
	size_t len, cap;
};

struct proxy {
	const struct kg_proxy_config *c;
	struct kg_vm vm;
	struct line *q;           /* unanswered requests, oldest first */
	size_t nq, capq;
	size_t nsent;             /* q[0..nsent) fully written to the guest */
	size_t woff;              /* bytes of q[nsent] written */
	double head_since;        /* when q[0] was last known to be worked on */
	struct buf in, guest;     /* partial lines */
	bool in_eof;
	bool fresh;               /* the next answer is the first of a boot */
	char broken[512];         /* the guest cannot boot: answer everything so */
	int out_fd;
	int out_failed;
	char io_error[160];       /* stdin or poll failed: why (exit status 2) */
};

static int buf_add(struct buf *b, const char *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;
		char *np;
		while (cap < b->len + n)
			cap *= 2;
		np = realloc(b->p, cap);
		if (np == NULL)
			return -1;
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

static void buf_drop(struct buf *b, size_t n)
{
	memmove(b->p, b->p + n, b->len - n);
	b->len -= n;
}

/* Answers to our stdout; after the first failed write, nothing more. */
static void write_out(struct proxy *x, const char *s, size_t n)
{
	if (!x->out_failed && fd_write_all(x->out_fd, s, n) != 0)
		x->out_failed = 1;
}

static int push(struct proxy *x, const char *s, size_t n)
{
	struct line *l;
	size_t swapped_len = 0;
	char *swapped;

	if (x->nq == x->capq) {
		size_t cap = x->capq ? x->capq * 2 : 64;
		struct line *nq = realloc(x->q, cap * sizeof(*nq));
		if (nq == NULL)
			return -1;
		x->q = nq;
		x->capq = cap;
	}
	swapped = x->c->vm.t->arch->big_endian ? kg_seccomp_swap_request(s, n, &swapped_len) : NULL;
	if (swapped != NULL) {
		s = swapped;
		n = swapped_len;
	}
	l = &x->q[x->nq];
	l->s = malloc(n + 1);
	if (l->s == NULL) {
		free(swapped);
		return -1;
	}
	memcpy(l->s, s, n);
	free(swapped);
	l->s[n] = '\n';
	l->len = n + 1;
	if (x->nq++ == 0)
		x->head_since = kg_now();
	return 0;
}

static void pop(struct proxy *x)
{
	free(x->q[0].s);
	memmove(x->q, x->q + 1, (x->nq - 1) * sizeof(*x->q));
	x->nq--;
	if (x->nsent > 0)
		x->nsent--;
	else
		x->woff = 0;
	x->head_since = kg_now();
}

/* Answer q[0] with an error naming the target, without asking the guest. */
static void answer_error(struct proxy *x, const char *fmt, const char *detail)
{
	struct cbpf_plugin_request req;
	struct cbpf_plugin_response resp;
	char *line;
	size_t n;

	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	/* only its id is wanted: a broken request's reason does not matter */
	cbpf_plugin_parse_request(x->q[0].s, x->q[0].len - 1, &req, NULL);
	cbpf_plugin_response_error(&resp, fmt, x->c->label, detail);
	cbpf_plugin_extra_bool(&resp.extra, "guest_error", true);
	line = cbpf_plugin_format_response(req.id, &resp, &n);
	if (line != NULL)
		write_out(x, line, n);
	else
		x->out_failed = 1;
	free(line);
	cbpf_plugin_response_free(&resp);
	cbpf_plugin_request_free(&req);
	pop(x);
}

/* ,"target":{...} for the first answer of a boot */
static char *target_member(struct proxy *x)
{
	const struct kg_proxy_config *c = x->c;
	struct strbuf b = { 0 };
	char qemu[256];

	kg_vm_describe(&c->vm, qemu, sizeof(qemu));
	sb_puts(&b, ",\"target\":{\"name\":");
	json_put_string(&b, c->vm.t->name, strlen(c->vm.t->name));
	sb_printf(&b, ",\"arch\":\"%s\",\"jit\":\"%s\",\"jit_proof\":", c->vm.t->arch->name,
		  c->vm.jit == KG_JIT_ON ? "jit" : "interp");
	if (x->vm.proof[0])
		json_put_string(&b, x->vm.proof, strlen(x->vm.proof));
	else
		sb_puts(&b, "null");
	sb_puts(&b, ",\"kernel\":");
	json_put_string(&b, c->package, strlen(c->package));
	sb_puts(&b, ",\"qemu\":");
	json_put_string(&b, qemu, strlen(qemu));
	sb_printf(&b, ",\"boot_s\":%.2f,\"boots\":%d}", x->vm.boot_s, x->vm.boots);
	return sb_finish(&b, NULL);
}

/* One answer line from the guest (without '\n') for q[0]. */
static void answer(struct proxy *x, const char *s, size_t n)
{
	if (x->nq == 0)
		return; /* nothing asked: not an answer */
	if (x->fresh && n > 0 && s[n - 1] == '}') {
		char *t = target_member(x);
		write_out(x, s, n - 1);
		if (t != NULL)
			write_out(x, t, strlen(t));
		write_out(x, "}\n", 2);
		free(t);
	} else {
		write_out(x, s, n);
		write_out(x, "\n", 1);
	}
	x->fresh = false;
	pop(x);
}

static int boot(struct proxy *x, char *why, size_t len)
{
	x->guest.len = 0;
	x->nsent = 0;
	x->woff = 0;
	if (kg_vm_start(&x->vm, &x->c->vm, why, len) != 0)
		return -1;
	if (fcntl(x->vm.fd, F_SETFL, fcntl(x->vm.fd, F_GETFL) | O_NONBLOCK) != 0) {
		kg_fmt(why, len, "fcntl: %s", strerror(errno));
		return -1;
	}
	x->fresh = true;
	x->head_since = kg_now();
	return 0;
}

/* The guest died or hung on q[0]: answer it with an error and reboot. */
static int read_guest(struct proxy *x);

/* Answers a dying guest wrote before it went are still in the channel (a
 * write that fails with EPIPE can race with them): take them before the
 * oldest open request is blamed. Bounded: a guest still streaming is cut. */
static void drain_guest(struct proxy *x)
{
	struct pollfd p = { x->vm.fd, POLLIN, 0 };

	for (int i = 0; i < 1024 && x->vm.fd >= 0; i++) {
		p.revents = 0;
		if (poll(&p, 1, 0) != 1 || !(p.revents & POLLIN) || read_guest(x) != 0)
			return;
	}
}

static void restart(struct proxy *x, const char *what)
{
	char tail[300], msg[512], why[512];

	drain_guest(x);
	kg_vm_console_tail(&x->vm, tail, sizeof(tail));
	kg_vm_stop(&x->vm, 0);
	kg_fmt(msg, sizeof(msg), "%s (console: %s)", what, tail[0] ? tail : "empty");
	if (x->nq > 0)
		answer_error(x, "%s: %s; the guest was restarted", msg);
	if (boot(x, why, sizeof(why)) != 0)
		kg_fmt(x->broken, sizeof(x->broken), "%s", why);
}

static void read_input(struct proxy *x, int fd)
{
	char chunk[65536];
	ssize_t n = read(fd, chunk, sizeof(chunk));
	char *nl;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n < 0 && !x->io_error[0])
		kg_fmt(x->io_error, sizeof(x->io_error), "reading stdin: %s", strerror(errno));
	if (n <= 0) {
		x->in_eof = true;
		if (x->in.len > 0)
			push(x, x->in.p, x->in.len); /* a last line without LF */
		x->in.len = 0;
		return;
	}
	buf_add(&x->in, chunk, (size_t)n);
	while ((nl = memchr(x->in.p, '\n', x->in.len)) != NULL) {
		size_t l = (size_t)(nl - x->in.p);
		push(x, x->in.p, l);
		buf_drop(&x->in, l + 1);
	}
}

/* Read answers; -1 when the guest's end closed. */
static int read_guest(struct proxy *x)
{
	char chunk[65536], *nl;
	ssize_t n = read(x->vm.fd, chunk, sizeof(chunk));
	size_t start = 0;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0)
		return -1;
	buf_add(&x->guest, chunk, (size_t)n);
	while ((nl = memchr(x->guest.p + start, '\n', x->guest.len - start)) != NULL) {
		size_t l = (size_t)(nl - (x->guest.p + start));
		answer(x, x->guest.p + start, l);
		start += l + 1;
	}
	buf_drop(&x->guest, start);
	return 0;
}

/* Write what is unsent; -1 when the guest's end is gone. */
static int write_guest(struct proxy *x)
{
	while (x->nsent < x->nq) {
		struct line *l = &x->q[x->nsent];
		ssize_t w = write(x->vm.fd, l->s + x->woff, l->len - x->woff);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return 0;
		if (w <= 0)
			return -1;
		x->woff += (size_t)w;
		if (x->woff == l->len) {
			x->woff = 0;
			if (x->nsent++ == 0)
				x->head_since = kg_now();
		}
	}
	return 0;
}

static void answer_broken(struct proxy *x)
{
	while (x->nq > 0 && !x->out_failed)
		answer_error(x, "%s: the guest cannot boot: %s", x->broken);
}

/* One round of poll; false when everything is done. */
static bool step(struct proxy *x, int in_fd)
{
	struct pollfd p[2];
	double left;
	int r;

	if (x->broken[0])
		answer_broken(x);
	if ((x->in_eof && x->nq == 0) || x->out_failed)
		return false;
	p[0] = (struct pollfd){ x->in_eof || x->nq >= x->c->max_inflight ? -1 : in_fd, POLLIN, 0 };
	p[1] = (struct pollfd){ x->broken[0] ? -1 : x->vm.fd,
				(short)(POLLIN | (x->nsent < x->nq ? POLLOUT : 0)), 0 };
	left = x->nsent > 0 ? x->head_since + x->c->timeout - kg_now() : 1.0;
	if (left < 0)
		left = 0;
	r = poll(p, 2, (int)(left > 1.0 ? 1000 : left * 1000 + 1));
	if (r < 0 && errno != EINTR) {
		kg_fmt(x->io_error, sizeof(x->io_error), "poll: %s", strerror(errno));
		return false;
	}
	if (p[0].revents)
		read_input(x, in_fd);
	if (x->broken[0])
		return true;
	if ((p[1].revents & POLLIN) && read_guest(x) != 0) {
		restart(x, "the guest died on this request");
		return true;
	}
	if ((p[1].revents & (POLLERR | POLLHUP)) && !(p[1].revents & POLLIN)) {
		restart(x, "the guest closed its port during this request");
		return true;
	}
	if (write_guest(x) != 0) {
		restart(x, "the guest died on this request");
		return true;
	}
	if (x->nsent > 0 && kg_now() - x->head_since > x->c->timeout) {
		char what[96];
		kg_fmt(what, sizeof(what), "no answer in %.0f s (hung guest)", x->c->timeout);
		restart(x, what);
	} else if (r == 0 && kg_vm_exited(&x->vm)) {
		restart(x, "the guest died on this request");
	}
	return true;
}

int kg_proxy_serve(const struct kg_proxy_config *c, int in_fd, int out_fd, char *why, size_t len)
{
	struct proxy x;
	int rc;

	memset(&x, 0, sizeof(x));
	x.c = c;
	x.out_fd = out_fd;
	kg_vm_init(&x.vm);
	if (boot(&x, why, len) != 0) {
		kg_vm_cleanup(&x.vm);
		return 1;
	}
	while (step(&x, in_fd))
		;
	rc = x.out_failed || x.io_error[0] ? 2 : 0;
	if (x.io_error[0])
		kg_fmt(why, len, "%s", x.io_error);
	else if (x.out_failed)
		kg_fmt(why, len, "cannot write to stdout");
	kg_vm_cleanup(&x.vm);
	while (x.nq > 0)
		pop(&x);
	free(x.q);
	free(x.in.p);
	free(x.guest.p);
	return rc;
}
