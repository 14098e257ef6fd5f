/*
 * cbpf/plugin.h - the plugin protocol (docs/plugin-protocol.md): JSON Lines
 * over a byte stream, one request per line, one response line per request,
 * in order. This header is generic: it parses requests into structs and
 * writes responses from structs; an executor callback does the work, so
 * the same server runs our VM (cbpf_plugin_vm_exec), the live kernel, or
 * anything else.
 *
 * Request:  {"id": ANY, "profile": "linux"|"seccomp",
 *            "program": [[code,jt,jf,k],...],
 *            "packets": ["HEX",...]            (or, seccomp only,
 *            "seccomp_data": [{"nr":N,"arch":N,"ip":N,"args":[N,...]}]),
 *            "ctx": {...}}                     (optional, linux only)
 * Response: {"id":ID,"load":"ok","results":[{"verdict":N,"abort":null},...]}
 *           {"id":ID,"load":"rejected","errno":"EINVAL","reason":"..."}
 *           {"id":ID,"load":"error","reason":"..."}
 * Executors may add members to a response or to each result (for example
 * the kernel's "exact": true|false) through struct cbpf_plugin_extra.
 */
#ifndef CBPF_PLUGIN_H
#define CBPF_PLUGIN_H

#include "cbpf/api.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cbpf/insn.h"
#include "cbpf/program.h"
#include "cbpf/validate.h"
#include "cbpf/vm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* sock_fprog.len is a u16: longer programs cannot even be submitted. */
#define CBPF_PLUGIN_MAX_INSNS 65535
/* Packets longer than this are a broken request (CBPF_MAX_PACKET). */
#define CBPF_PLUGIN_MAX_PACKET CBPF_MAX_PACKET
/* Inputs (packets or seccomp_data records) one request may carry. */
#define CBPF_PLUGIN_MAX_INPUTS 65536
/* The longest request line cbpf_plugin_serve reads (without its LF); a
 * longer one is answered with an error and skipped. */
#define CBPF_PLUGIN_MAX_LINE (64u << 20)
/* struct seccomp_data */
#define CBPF_SECCOMP_DATA_LEN 64

struct cbpf_plugin_packet {
	uint8_t *data;
	size_t len;
};

struct cbpf_plugin_request {
	char *id;                  /* the request's "id" as compact JSON text;
	                            * "null" when the line was not a JSON object */
	enum cbpf_profile profile;
	struct cbpf_insn *insns;   /* 0..CBPF_PLUGIN_MAX_INSNS instructions */
	size_t ninsns;
	struct cbpf_plugin_packet *packets; /* seccomp: 64-byte host-order records */
	size_t npackets;
	bool has_ctx;              /* "ctx" was given */
	struct cbpf_ctx ctx;       /* cbpf_ctx_init() plus the given members */
};

/*
 * Extra members of a JSON object, kept as text: `,"key":value` pairs that
 * the writer appends after the standard members. Keys must not repeat the
 * standard ones. Each adder returns 0, or -1 when out of memory.
 */
struct cbpf_plugin_extra {
	char *json;
	size_t len;
};

CBPF_API int cbpf_plugin_extra_bool(struct cbpf_plugin_extra *e, const char *key, bool v);
CBPF_API int cbpf_plugin_extra_int(struct cbpf_plugin_extra *e, const char *key, int64_t v);
CBPF_API int cbpf_plugin_extra_string(struct cbpf_plugin_extra *e, const char *key, const char *v);
CBPF_API void cbpf_plugin_extra_free(struct cbpf_plugin_extra *e);

struct cbpf_plugin_result {
	uint32_t verdict;
	const char *abort;         /* NULL: ended at a ret; else a static string:
	                            * "load", "div0", "nodev" (cbpf_abort_name), or
	                            * an oracle's own word such as "unknown" */
	struct cbpf_plugin_extra extra;
};

enum cbpf_plugin_load {
	CBPF_PLUGIN_LOAD_OK = 0,   /* results[] holds one result per packet */
	CBPF_PLUGIN_LOAD_REJECTED, /* the program was refused: errnum, reason */
	CBPF_PLUGIN_LOAD_ERROR     /* the request could not be served: reason */
};

struct cbpf_plugin_response {
	enum cbpf_plugin_load load;
	struct cbpf_plugin_result *results;
	size_t nresults;
	int errnum;                /* REJECTED: e.g. EINVAL, written by name */
	char reason[512];          /* REJECTED, ERROR: the protocol's "reason"
	                            * text (a payload the builders below fill,
	                            * not an error of this library) */
	struct cbpf_plugin_extra extra;
};

/*
 * Parse one request line (len bytes, no newline needed). 0 on success.
 * On a broken request returns -1 with d (cbpf/program.h; may be NULL)
 * filled: code CBPF_ERR_INPUT (CBPF_ERR_NOMEM when out of memory), msg
 * naming the member as its location ("program[3][0]: code 65536 is out of
 * range 0..65535"), line, col and insn unset; and req->id set when the id
 * could be read (else "null"), so the error response can still carry it.
 * Either way release req with cbpf_plugin_request_free().
 */
CBPF_API int cbpf_plugin_parse_request(const char *line, size_t len, struct cbpf_plugin_request *req,
			      struct cbpf_diag *d);
CBPF_API void cbpf_plugin_request_free(struct cbpf_plugin_request *req);

/* Response builders: set load and what goes with it. _ok allocates n
 * zeroed results (verdict 0, abort NULL) and returns -1 when out of
 * memory, leaving an ERROR response. */
CBPF_API int cbpf_plugin_response_ok(struct cbpf_plugin_response *resp, size_t n);
CBPF_API void cbpf_plugin_response_reject(struct cbpf_plugin_response *resp, int errnum,
				 const char *fmt, ...) __attribute__((format(printf, 3, 4)));
CBPF_API void cbpf_plugin_response_error(struct cbpf_plugin_response *resp, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
CBPF_API void cbpf_plugin_response_free(struct cbpf_plugin_response *resp);

/* The response as one line of compact JSON ending in '\n' (malloc'd, NULL
 * when out of memory). id is compact JSON text (NULL means null). */
CBPF_API char *cbpf_plugin_format_response(const char *id, const struct cbpf_plugin_response *resp,
				  size_t *len);

/*
 * The executor: given a well-formed request, fill resp (which arrives
 * zeroed; an executor that leaves it so answers "ok" with no results, which
 * is only right for a request with no packets).
 */
typedef void (*cbpf_plugin_exec_fn)(void *opaque, const struct cbpf_plugin_request *req,
				    struct cbpf_plugin_response *resp);

/*
 * Serve requests from in until EOF: each line gets exactly one response
 * line on out, flushed at once; a broken line gets an "error" response and
 * serving goes on. Returns 0 at EOF, -1 when reading or writing fails
 * (for example the reader went away).
 */
CBPF_API int cbpf_plugin_serve(FILE *in, FILE *out, cbpf_plugin_exec_fn exec, void *opaque);

/* Handle one line: the response line (malloc'd, '\n'-terminated). */
CBPF_API char *cbpf_plugin_handle_line(const char *line, size_t len, cbpf_plugin_exec_fn exec,
			      void *opaque, size_t *outlen);

/* The executor backed by our VM (opaque unused). */
CBPF_API void cbpf_plugin_vm_exec(void *opaque, const struct cbpf_plugin_request *req,
			 struct cbpf_plugin_response *resp);

#ifdef __cplusplus
}
#endif

#endif
