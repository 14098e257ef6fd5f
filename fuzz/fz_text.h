/*
 * fz_text.h - fuzz_text's input: the first byte (the selector) picks what
 * the rest is. Selector % FZ_TEXT_NSELECTORS below FZ_TEXT_NFORMATS is a
 * program format (FZ_TEXT_FORMATS; auto = format detection), the two above
 * are a run context as JSON and as one KEY=VALUE string. The selector's
 * upper part (/ FZ_TEXT_NFORMATS) picks the lossless format a parsed
 * program also round-trips through. Shared by the target (fuzz_text.c)
 * and its structure-aware mutator (fz_text_mutator.c).
 */
#ifndef CBPF_FUZZ_TEXT_H
#define CBPF_FUZZ_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "cbpf/format.h"

/* auto last: the mutator prints a detection input in one of the others */
#define FZ_TEXT_FORMATS                                                                  \
	{ CBPF_FMT_TCPDUMP, CBPF_FMT_DD, CBPF_FMT_DDD, CBPF_FMT_BYTECODE, CBPF_FMT_C,    \
	  CBPF_FMT_JSON, CBPF_FMT_AUTO }
#define FZ_TEXT_NFORMATS 7
/* Selectors FZ_TEXT_NFORMATS and FZ_TEXT_NFORMATS + 1: a context as JSON,
 * as KEY=VALUE. */
#define FZ_TEXT_NSELECTORS (FZ_TEXT_NFORMATS + 2)

/* One structure-aware mutation of a fuzz_text input, deterministic in
 * seed: the program the text spells (none when it does not parse) edited
 * by the instruction-level mutator and printed again, in its format or in
 * another selector's; libFuzzer's byte mutations for the rest. */
size_t fz_mutate_text(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

#endif
