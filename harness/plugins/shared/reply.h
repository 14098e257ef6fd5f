/*
 * reply.h - what the C plugins (libpcap, DPDK) share of the plugin
 * protocol (docs/plugin-protocol.md): the start of an answer with the
 * request's id, the "error" answer, the "program" array read into
 * struct sock_filter records, the crash/hang fields of a request whose
 * forked child died (whole writes: support/fdio.h).
 *
 * Built from source into each plugin: the DPDK plugin is never sanitized
 * and links only lib/support, so nothing here depends on libcbpf.
 */
#ifndef CBPF_PLUGIN_REPLY_H
#define CBPF_PLUGIN_REPLY_H

#include <linux/filter.h>
#include <stddef.h>

#include "json.h"
#include "strbuf.h"

/* `{"id":ID` (null without a request or an id). */
void reply_put_id(struct strbuf *b, const struct json_value *req);

/* A whole `{"id":..,"load":"error","reason":WHY}` answer. */
void reply_error(struct strbuf *b, const struct json_value *req, const char *why);

/* The request's "program" as sock_filter records, each field range-checked;
 * never NULL on success (also for 0 instructions). NULL after answering the
 * error into b on a missing or malformed array or when memory runs out. */
struct sock_filter *reply_program(struct strbuf *b, const struct json_value *req, size_t *n);

/* The request's "packets" array; NULL after answering the error into b
 * when there is none. */
const struct json_value *reply_packets(struct strbuf *b, const struct json_value *req);

/* The answer for a request whose forked child died of sig: "hang":true
 * for the child's alarm, else "crash":"SIGxxx" (the runner's hang and crash
 * outcomes, docs/peers.md), then `extra` (more `"name":value,` fields, or
 * ""), then the reason. */
void reply_signal(struct strbuf *b, const struct json_value *req, int sig, const char *extra,
		  const char *why);

#endif
