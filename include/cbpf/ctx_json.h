/*
 * cbpf/ctx_json.h - a run context (struct cbpf_ctx, see cbpf/vm.h) from
 * text: a JSON object, or KEY=VALUE strings as `cbpf run --ctx` takes them,
 * and back to JSON.
 *
 * Fields (all optional; those not named keep the value already in ctx, so
 * call cbpf_ctx_init() first):
 *
 *   len        0..4294967295 or null (= the packet length)     ld #len
 *   protocol   0..65535 (host order: 2048 is IPv4)             SKF_AD_PROTOCOL
 *   pkttype    0..7                                            SKF_AD_PKTTYPE
 *   dev        null (no device: ifidx/hatype end the program)
 *              or {"ifindex": 0..4294967295, "type": 0..65535}
 *   mark rxhash cpu random        0..4294967295
 *   queue vlan_tci vlan_tpid      0..65535
 *   vlan_avail                    0..1
 *   poff       0..4294967295 or "auto" (run the flow dissector)
 *   net_off    -2147483648..2147483647 (relative to the packet start)
 *   mac_off    the same, or null (= unset)
 *   headlen    0..4294967295 or null (= the packet length)
 *
 * KEY=VALUE: VALUE is a decimal or 0x-hex integer (a leading '-' for the
 * offsets), `null`, `auto`, or any JSON value; the keys are the field names
 * plus `dev.ifindex` and `dev.type`, which also give the context a device.
 *
 * Unknown keys, wrong types and out-of-range values are errors naming the
 * key, e.g. "pkttype: 8 is out of range 0..7"; JSON syntax errors set the
 * column (cbpf_diag_print renders "col 5: ...").
 */
#ifndef CBPF_CTX_JSON_H
#define CBPF_CTX_JSON_H

#include "cbpf/api.h"

#include <stddef.h>

#include "cbpf/program.h"
#include "cbpf/vm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Apply the members of a JSON object (text of len bytes) to *ctx. 0 on
 * success; -1 with d (cbpf/program.h; may be NULL) filled and *ctx
 * unchanged on failure: code CBPF_ERR_INPUT, col for a JSON syntax error
 * (its 1-based byte), msg naming the key. */
CBPF_API int cbpf_ctx_from_json(const char *json, size_t len, struct cbpf_ctx *ctx,
		       struct cbpf_diag *d);

/* Apply one "KEY=VALUE" string to *ctx. Same contract. */
CBPF_API int cbpf_ctx_set(const char *assignment, struct cbpf_ctx *ctx, struct cbpf_diag *d);

/* The whole context as one compact JSON object, every field named, that
 * cbpf_ctx_from_json() reads back to the same context. malloc'd; NULL when
 * out of memory. */
CBPF_API char *cbpf_ctx_to_json(const struct cbpf_ctx *ctx);

#ifdef __cplusplus
}
#endif

#endif
