/*
 * pcap_plugin.c - libpcap's user-space BPF (bpf_validate + bpf_filter)
 * behind the plugin protocol (docs/plugin-protocol.md): one JSON request per
 * line on stdin, one response per line on stdout.
 *
 * bpf_validate() accepts opcodes bpf_filter() then abort()s on, and accepts
 * backward jumps that loop forever, so every request runs in a forked child
 * with an alarm: a crash or a hang becomes a "load":"error" response naming
 * the signal ("crash":"SIGABRT", or "hang":true for the alarm) instead of
 * killing the plugin. libpcap has no seccomp profile.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fdio.h"
#include "hex.h"
#include "json.h"
#include "shared/reply.h"
#include "strbuf.h"

#define CHILD_SECONDS 10

/* Decode a hex string; returns a malloc'd buffer (never NULL on success,
 * even for 0 bytes) or NULL for bad hex. */
static unsigned char *unhex(const struct json_value *v, size_t *n)
{
	uint8_t *out;

	if (v->type != JSON_STRING || hex_decode(v->str, v->str_len, &out, n, NULL) != HEX_OK)
		return NULL;
	return out;
}

/* "program" as libpcap's bpf_insn array; NULL after answering the error. */
static struct bpf_insn *read_program(struct strbuf *b, const struct json_value *req, size_t *n)
{
	struct sock_filter *raw = reply_program(b, req, n);
	if (!raw)
		return NULL;
	struct bpf_insn *insns = calloc(*n ? *n : 1, sizeof(*insns));
	if (!insns)
		reply_error(b, req, "out of memory");
	for (size_t i = 0; insns && i < *n; i++) {
		insns[i].code = raw[i].code;
		insns[i].jt = raw[i].jt;
		insns[i].jf = raw[i].jf;
		insns[i].k = raw[i].k;
	}
	free(raw);
	return insns;
}

/* The work done in the child: validate, then run every packet. */
static void serve_in_child(const struct json_value *req, struct strbuf *b)
{
	const struct json_value *prof = json_get(req, "profile");
	if (prof && (prof->type != JSON_STRING || strcmp(prof->str, "linux") != 0)) {
		reply_error(b, req, "libpcap has no seccomp profile (socket filters only)");
		return;
	}
	size_t n = 0;
	struct bpf_insn *insns = read_program(b, req, &n);
	if (!insns)
		return;
	const struct json_value *pk = reply_packets(b, req);
	if (!pk) {
		free(insns);
		return;
	}
	if (n > 0x7fffffff || !bpf_validate(insns, (int)n)) {
		reply_put_id(b, req);
		sb_puts(b, ",\"load\":\"rejected\",\"errno\":\"EINVAL\",\"reason\":\"bpf_validate\"}");
		free(insns);
		return;
	}
	struct strbuf res = { 0 };
	for (size_t i = 0; i < pk->n; i++) {
		size_t len = 0;
		unsigned char *pkt = unhex(&pk->items[i], &len);
		if (!pkt) {
			free(insns);
			free(sb_finish(&res, NULL));
			reply_error(b, req, "packets: not an even-length hex string");
			return;
		}
		u_int v = bpf_filter(insns, pkt, (u_int)len, (u_int)len);
		sb_printf(&res, "%s{\"verdict\":%u,\"abort\":null}", i ? "," : "", v);
		free(pkt);
	}
	reply_put_id(b, req);
	sb_puts(b, ",\"load\":\"ok\",\"results\":[");
	if (res.s)
		sb_puts(b, res.s);
	sb_puts(b, "]}");
	free(sb_finish(&res, NULL));
	free(insns);
}

/* A child killed by sig: "hang":true for the alarm, else "crash":"SIGxxx"
 * (the runner's hang and crash outcomes, docs/peers.md). */
static void respond_signal(struct strbuf *out, const struct json_value *req, int sig)
{
	char why[128];
	snprintf(why, sizeof(why), "bpf_filter %s (signal %d, %s)",
		 sig == SIGALRM ? "did not finish (loop)" : "crashed", sig, strsignal(sig));
	reply_signal(out, req, sig, "", why);
}

/* Fork, let the child answer into a pipe, and turn a crash into an answer. */
static void serve(const struct json_value *req, struct strbuf *out)
{
	int fds[2];
	if (pipe(fds) < 0) {
		reply_error(out, req, "pipe failed");
		return;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		reply_error(out, req, "fork failed");
		return;
	}
	if (pid == 0) {
		close(fds[0]);
		alarm(CHILD_SECONDS);
		struct strbuf b = { 0 };
		serve_in_child(req, &b);
		size_t len = 0;
		char *s = sb_finish(&b, &len);
		int rc = s && fd_write_all(fds[1], s, len) == 0 ? 0 : 1;
		_exit(rc);
	}
	close(fds[1]);
	struct strbuf got = { 0 };
	char buf[65536];
	for (;;) {
		ssize_t r = read(fds[0], buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		sb_putn(&got, buf, (size_t)r);
	}
	close(fds[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	size_t glen = 0;
	char *s = sb_finish(&got, &glen);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && s && glen) {
		sb_putn(out, s, glen);
	} else if (WIFSIGNALED(status)) {
		respond_signal(out, req, WTERMSIG(status));
	} else {
		reply_error(out, req, "the child exited without an answer");
	}
	free(s);
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		printf("usage: %s  (JSON Lines plugin protocol on stdin/stdout; see "
		       "docs/plugin-protocol.md)\nlibpcap %s: bpf_validate + bpf_filter\n",
		       argv[0], pcap_lib_version());
		return strcmp(argv[1], "--help") == 0 ? 0 : 2;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, stdin)) >= 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		/* every line gets an answer, an empty one too (a JSON error) */
		char err[128];
		struct json_value *req = json_parse(line, (size_t)n, err, sizeof(err));
		struct strbuf out = { 0 };
		if (!req || req->type != JSON_OBJECT) {
			char why[200];
			snprintf(why, sizeof(why), "request is not a JSON object: %s",
				 req ? "wrong type" : err);
			reply_error(&out, NULL, why);
		} else {
			serve(req, &out);
		}
		json_free(req);
		size_t len = 0;
		char *s = sb_finish(&out, &len);
		if (!s || fd_write_all(1, s, len) || fd_write_all(1, "\n", 1)) {
			free(s);
			break;
		}
		free(s);
	}
	free(line);
	return 0;
}
