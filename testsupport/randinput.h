/*
 * randinput.h - random inputs to run programs on: packet bytes (often
 * shaped like netlink attributes or IPv4) and run contexts (skb fields,
 * the net/mac windows, headlen). Reproducible from the rng state.
 * Test support only: never part of libcbpf.
 */
#ifndef CBPF_TS_RANDINPUT_H
#define CBPF_TS_RANDINPUT_H

#include <stddef.h>
#include <stdint.h>

#include "cbpf/vm.h"
#include "rng.h"

/* len random bytes into pkt. */
void ts_packet(struct ts_rng *r, uint8_t *pkt, size_t len);

/* A context for a packet of len bytes: half the time the defaults, else
 * random fields, windows (possibly negative or unset) and headlen. */
void ts_ctx(struct ts_rng *r, struct cbpf_ctx *c, size_t len);

#endif
