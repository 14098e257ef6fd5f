/*
 * vm/jit/wire_order.h - (library-private) the native code's choice of
 * packet loads that stay in wire byte order because only jeq/jset #k
 * compare them (vm/jit/wire_order.c says when that is exact).
 */
#ifndef CBPF_VM_JIT_WIRE_ORDER_H
#define CBPF_VM_JIT_WIRE_ORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cbpf/insn.h"

/*
 * wire[pc] <- 0, or the size (2 or 4) of the wire-order value: at a load,
 * "do not byte-swap"; at a jeq/jset #k, "compare with
 * cbpf_jit_wire_k(k, size, jset)". insns is a validated program (jumps in
 * range). Returns 0, or -1 (all 0) when memory runs out.
 */
int cbpf_jit_wire_order(const struct cbpf_insn *insns, size_t n, uint8_t *wire);

/* The constant a wire-order value of size bytes is compared with. */
uint32_t cbpf_jit_wire_k(uint32_t k, unsigned size, bool jset);

#endif
