/*
 * unix_fixture.h - the start of the socket-pair oracle's tests: the packet
 * they share filled with recognisable bytes, and the oracle opened or the
 * test skipped with the reason.
 */
#ifndef CBPF_TEST_UNIX_FIXTURE_H
#define CBPF_TEST_UNIX_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "unix_oracle.h"

/* pkt[i] = i + 5 and *u opened; false (the reason on stderr, so the test
 * returns CHECK_SKIP) when the oracle cannot run here. */
static inline bool unix_fixture_open(struct kc_unix **u, uint8_t *pkt, size_t n)
{
	struct kc_error err;

	for (size_t i = 0; i < n; i++)
		pkt[i] = (uint8_t)(i + 5);
	if (kc_unix_open(u, &err) != 0) {
		fprintf(stderr, "skip: %s\n", err.msg);
		return false;
	}
	return true;
}

#endif
