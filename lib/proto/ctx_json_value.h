/*
 * proto/ctx_json_value.h - (library-private) applying an already parsed JSON
 * object to a struct cbpf_ctx, for readers that hold a JSON tree (the
 * plugin protocol). The text entry points are in cbpf/ctx_json.h.
 */
#ifndef CBPF_CTX_JSON_VALUE_H
#define CBPF_CTX_JSON_VALUE_H

#include <stddef.h>

#include "cbpf/program.h"
#include "cbpf/vm.h"
#include "support/json.h"

/* Same contract as cbpf_ctx_from_json(): 0, or -1 with d filled and
 * *ctx unchanged. */
int ctx_apply_json_value(const struct json_value *obj, struct cbpf_ctx *ctx, struct cbpf_diag *d);

#endif
