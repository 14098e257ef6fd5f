/*
 * fz_mutator.h - the structure-aware mutator of the program-running
 * targets (LLVMFuzzerCustomMutator in fz_mutator.c): edits the input of
 * fz_input.h at the instruction level and keeps most programs valid.
 */
#ifndef CBPF_FUZZ_MUTATOR_H
#define CBPF_FUZZ_MUTATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Tuning a target sets once, in LLVMFuzzerInitialize. */
struct fz_mutator_opts {
	bool seccomp;         /* prefer what seccomp accepts; 64-byte inputs */
	size_t max_insns;     /* programs grow up to this (default 48) */
	size_t max_packet;    /* packets grow up to this (default 1600) */
	bool text;            /* the input is fuzz_text's: fz_mutate_text (fz_text.h) */
};
extern struct fz_mutator_opts fz_mutator_opts;

/* libFuzzer's own byte mutator; NULL under other engines (AFL++'s driver)
 * and in the unit tests. */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size) __attribute__((weak));

/* One mutation step, deterministic in seed (exposed for tests). */
size_t fz_mutate(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

#endif
