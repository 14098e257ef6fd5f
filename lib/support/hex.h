/*
 * support/hex.h - (library-private, also used by tools/ and harness plugins)
 * decoding packets written as hex strings, the way every command line and
 * the plugin protocol give them.
 */
#ifndef CBPF_HEX_H
#define CBPF_HEX_H

#include <stddef.h>
#include <stdint.h>

/* The value of one hex digit (either case), or -1. */
int hex_digit(int c);

enum hex_status {
	HEX_OK = 0,
	HEX_ODD = -1,     /* an odd number of digits */
	HEX_BAD = -2,     /* a character that is not a hex digit (at *bad) */
	HEX_NOMEM = -3
};

/* Decode n characters of s into a malloc'd buffer (at least 1 byte is
 * allocated, so *out is not NULL even for an empty string) of n/2 bytes.
 * On error *out is NULL and, for HEX_BAD, *bad (when not NULL) is the
 * index of the first character that is not a hex digit (checked before
 * the count: "ff ff" is HEX_BAD at 2, not HEX_ODD). */
enum hex_status hex_decode(const char *s, size_t n, uint8_t **out, size_t *outlen, size_t *bad);

/* The message for a failed hex_decode of the n characters at s (bad as
 * it returned): "' ' ..." becomes "a blank at position 2 is not a hex
 * digit", "'g' at position 0 is not a hex digit", "odd number of hex
 * digits (5)", "out of memory". Positions count from 0. */
void hex_describe(enum hex_status st, const char *s, size_t n, size_t bad, char *msg,
		  size_t msglen);

#endif
