/*
 * dpdk_plugin.c - DPDK librte_bpf behind the plugin protocol
 * (docs/plugin-protocol.md): implementations `dpdk` (rte_bpf_convert, then
 * rte_bpf_load and rte_bpf_exec) and `dpdk-jit` (--jit: the same load, then
 * the native code of rte_bpf_get_jit). What a request maps to is in
 * dpdk_exec.c and docs/peers.md.
 *
 * Neither the converter nor the eBPF loader checks classic BPF's rules, so
 * a program Linux refuses can crash the interpreter or the JIT's code. Every
 * request therefore runs in a forked child with an alarm: a signal becomes
 * {"load":"error","crash":"SIGSEGV","stage":...,"packet":N,...} and an alarm
 * {"load":"error","hang":true,...}, the conformance runner's crash and hang
 * outcomes, and the plugin goes on with the next line. The child reports its
 * stage and packet in a shared page, so the answer names which input did it.
 * The child also parses the line, and the parent reuses its buffers, so
 * every child starts from the same heap: DPDK's validator corrupts the heap
 * on some programs (causes.json: dpdk-no-ret-heap-overflow), and whether
 * glibc notices depends on the layout.
 *
 * Options: --jit; --seg N (mbuf segment size, 1..65535, default 65535).
 * DPDK's converted programs read an rte_mbuf: there is no seccomp input.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dpdk_exec.h"
#include "fdio.h"
#include "hex.h"
#include "json.h"
#include "shared/reply.h"
#include "strbuf.h"

#define CHILD_SECONDS 10
#define LINE_MAX_BYTES (64u << 20)

static int use_jit;
static unsigned seg_size = 65535;

/* Where the child is, for the parent to name after a crash. */
enum stage { ST_PARSE, ST_LOAD, ST_JIT, ST_EXEC, ST_DONE };
static const char *const stage_names[] = { "parse", "load", "jit", "exec", "done" };
struct progress {
	int stage;
	long packet;
};
static struct progress *prog_state;

/* Run every packet; on a bad packet, write an error and return -1. */
static int run_packets(const struct json_value *req, const struct json_value *pk,
		       struct rte_bpf *bpf, dpdk_jit_fn jit, struct strbuf *res, struct strbuf *b)
{
	for (size_t i = 0; i < pk->n; i++) {
		const struct json_value *v = &pk->items[i];
		uint8_t *pkt = NULL;
		size_t len = 0;
		if (v->type != JSON_STRING || hex_decode(v->str, v->str_len, &pkt, &len, NULL) != HEX_OK) {
			reply_error(b, req, "packets: not an even-length hex string");
			return -1;
		}
		prog_state->packet = (long)i;
		int err = 0;
		uint64_t rc = dpdk_run(bpf, jit, pkt, len, seg_size, &err);
		free(pkt);
		if (err) {
			reply_error(b, req, "out of memory for the mbuf chain");
			return -1;
		}
		sb_printf(res, "%s{\"verdict\":%u,\"abort\":null", i ? "," : "", (uint32_t)rc);
		if (rc >> 32)
			sb_printf(res, ",\"note\":\"r0 = 0x%016llx (high bits set)\"",
				  (unsigned long long)rc);
		sb_puts(res, "}");
	}
	return 0;
}

/* The work done in the child: convert, load, (JIT,) run every packet. */
static void serve_in_child(const struct json_value *req, struct strbuf *b)
{
	const struct json_value *prof = json_get(req, "profile");
	if (!prof || prof->type != JSON_STRING || strcmp(prof->str, "linux") != 0) {
		reply_error(b, req, "DPDK librte_bpf has no seccomp input (a converted cBPF "
				      "program reads an rte_mbuf): socket filters only");
		return;
	}
	const struct json_value *pk = reply_packets(b, req);
	if (!pk)
		return;
	size_t n = 0;
	struct sock_filter *raw = reply_program(b, req, &n);
	if (!raw)
		return;
	char why[768];
	prog_state->stage = ST_LOAD;
	struct rte_bpf *bpf = dpdk_load((const uint8_t *)raw, n, why, sizeof(why));
	free(raw);
	if (!bpf) {
		reply_put_id(b, req);
		sb_puts(b, ",\"load\":\"rejected\",\"errno\":\"EINVAL\",\"reason\":");
		json_put_string(b, why, strlen(why));
		sb_puts(b, "}");
		return;
	}
	dpdk_jit_fn jit = NULL;
	if (use_jit) {
		prog_state->stage = ST_JIT;
		jit = dpdk_jit(bpf);
		if (!jit) {
			snprintf(why, sizeof(why), "rte_bpf_get_jit: no native code (the JIT refused "
						   "the program: %s)", dpdk_last_log());
			reply_error(b, req, why);
			dpdk_unload(bpf);
			return;
		}
	}
	prog_state->stage = ST_EXEC;
	struct strbuf res = { 0 };
	if (run_packets(req, pk, bpf, jit, &res, b) == 0) {
		reply_put_id(b, req);
		sb_puts(b, ",\"load\":\"ok\",\"results\":[");
		if (res.s)
			sb_puts(b, res.s);
		sb_puts(b, "]}");
	}
	prog_state->stage = ST_DONE;
	free(sb_finish(&res, NULL));
	dpdk_unload(bpf);
}

/* Read the child's answer into buf (reused across requests, so that the
 * parent's heap is the same before every fork). */
static void read_all(int fd, char **buf, size_t *cap, size_t *len)
{
	*len = 0;
	for (;;) {
		if (*cap - *len < 65536) {
			size_t ncap = *cap ? *cap * 2 : 1 << 20;
			char *nb = realloc(*buf, ncap);
			if (!nb)
				break;
			*buf = nb;
			*cap = ncap;
		}
		ssize_t r = read(fd, *buf + *len, *cap - *len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		*len += (size_t)r;
	}
}

/* The answer for a child killed by sig: a crash, or a hang for the alarm. */
static void respond_signal(struct strbuf *out, const struct json_value *req, int sig)
{
	const char *stage = stage_names[prog_state->stage];
	const char *what = prog_state->stage == ST_EXEC ? (use_jit ? "the JIT's code" : "rte_bpf_exec")
							: (prog_state->stage == ST_LOAD ? "rte_bpf_convert/load"
											: stage);
	char where[64] = "";
	if (prog_state->stage == ST_EXEC)
		snprintf(where, sizeof(where), " on packets[%ld]", prog_state->packet);
	char why[256], extra[64];
	if (sig == SIGALRM)
		snprintf(why, sizeof(why), "%s did not finish in %d s%s (hang)", what, CHILD_SECONDS,
			 where);
	else
		snprintf(why, sizeof(why), "%s crashed%s (signal %d, %s)", what, where, sig,
			 strsignal(sig));
	if (prog_state->stage == ST_EXEC)
		snprintf(extra, sizeof(extra), "\"stage\":\"%s\",\"packet\":%ld,", stage,
			 prog_state->packet);
	else
		snprintf(extra, sizeof(extra), "\"stage\":\"%s\",", stage);
	reply_signal(out, req, sig, extra, why);
}

/* The child: parse the line, answer it, write the answer to fd. */
static void child(const char *line, size_t n, const char *fatal, int fd)
{
	alarm(CHILD_SECONDS);
	char err[128];
	struct json_value *req = json_parse(line, n, err, sizeof(err));
	struct strbuf b = { 0 };
	if (!req || req->type != JSON_OBJECT) {
		char why[200];
		snprintf(why, sizeof(why), "request is not a JSON object: %s", req ? "wrong type" : err);
		reply_error(&b, NULL, why);
	} else if (fatal) {
		reply_error(&b, req, fatal);
	} else {
		serve_in_child(req, &b);
	}
	size_t len = 0;
	char *s = sb_finish(&b, &len);
	_exit(s && fd_write_all(fd, s, len) == 0 && fd_write_all(fd, "\n", 1) == 0 ? 0 : 1);
}

/* An answer of the parent's own (the child failed): parsed after the fork,
 * so that it never shapes a child's heap. */
static int answer_failure(const char *line, size_t n, int status)
{
	char err[128];
	struct json_value *req = json_parse(line, n, err, sizeof(err));
	if (req && req->type != JSON_OBJECT) {
		json_free(req);
		req = NULL;
	}
	struct strbuf out = { 0 };
	if (status < 0)
		reply_error(&out, req, "fork failed");
	else if (WIFSIGNALED(status))
		respond_signal(&out, req, WTERMSIG(status));
	else
		reply_error(&out, req, "the child exited without an answer");
	sb_putc(&out, '\n');
	json_free(req);
	size_t len = 0;
	char *s = sb_finish(&out, &len);
	int rc = s ? fd_write_all(1, s, len) : -1;
	free(s);
	return rc;
}

/* Fork; the child answers the line into a pipe; a signal becomes an answer.
 * The parent touches its heap only through the reused buffers. */
static int serve(const char *line, size_t n, const char *fatal, char **buf, size_t *cap)
{
	int fds[2];
	if (pipe(fds) < 0)
		return answer_failure(line, n, -1);
	prog_state->stage = ST_PARSE;
	prog_state->packet = -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return answer_failure(line, n, -1);
	}
	if (pid == 0) {
		close(fds[0]);
		child(line, n, fatal, fds[1]);
	}
	close(fds[1]);
	size_t len = 0;
	read_all(fds[0], buf, cap, &len);
	close(fds[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && len && (*buf)[len - 1] == '\n')
		return fd_write_all(1, *buf, len);
	return answer_failure(line, n, status);
}

static int usage(const char *argv0, int rc)
{
	printf("usage: %s [--jit] [--seg N]  (JSON Lines plugin protocol on stdin/stdout; see "
	       "docs/plugin-protocol.md)\nDPDK librte_bpf: rte_bpf_convert + rte_bpf_load, then "
	       "rte_bpf_exec (or with --jit the code of rte_bpf_get_jit)\n",
	       argv0);
	return rc;
}

static int parse_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--jit") == 0) {
			use_jit = 1;
		} else if (strcmp(argv[i], "--seg") == 0 && i + 1 < argc) {
			char *end = NULL;
			unsigned long v = strtoul(argv[++i], &end, 10);
			if (!end || *end || v < 1 || v > 65535) {
				fprintf(stderr, "%s: --seg: expected 1..65535, got '%s'\n", argv[0], argv[i]);
				return 2;
			}
			seg_size = (unsigned)v;
		} else if (strcmp(argv[i], "--help") == 0) {
			return usage(argv[0], 0);
		} else {
			fprintf(stderr, "%s: unknown argument '%s' (try --help)\n", argv[0], argv[i]);
			return 2;
		}
	}
	return -1;
}

/* Answer every line of stdin; a start-up failure makes every answer an error. */
static int serve_lines(const char *fatal)
{
	/* Both buffers are allocated once, large enough to be mmap'd and never
	 * moved: the parent's heap stays as it was after start-up, so a child's
	 * heap depends only on its own request (the plugin protocol's 64 MiB
	 * line limit; the answer buffer grows by mremap). */
	size_t cap = LINE_MAX_BYTES + 2, bufcap = 1 << 20;
	char *line = malloc(cap), *buf = malloc(bufcap);
	ssize_t n;
	int rc = 0;
	if (!line || !buf) {
		fprintf(stderr, "cbpf-dpdk-plugin: out of memory\n");
		free(line);
		free(buf);
		return 1;
	}
	while (rc == 0 && (n = getline(&line, &cap, stdin)) >= 0) {
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		/* every line gets an answer, an empty one too (a JSON error) */
		rc = serve(line, (size_t)n, fatal, &buf, &bufcap) ? 1 : 0;
	}
	free(line);
	free(buf);
	return rc;
}

int main(int argc, char **argv)
{
	int rc = parse_args(argc, argv);
	if (rc >= 0)
		return rc;
	prog_state = mmap(NULL, sizeof(*prog_state), PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (prog_state == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	char why[512];
	const char *fatal = NULL;
	if (dpdk_start(argv[0], why, sizeof(why)) != 0) {
		fprintf(stderr, "%s: %s\n", argv[0], why);
		fatal = why;
	}
	return serve_lines(fatal);
}
