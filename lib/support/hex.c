/*
 * support/hex.c - hex strings to bytes.
 */
#include "hex.h"

#include <stdlib.h>

#include "char_cases.h"

/* A switch: one dispatch (one comparison callback under libFuzzer's
 * tracing) where range tests are several; the text parsers call it per
 * digit. */
int hex_digit(int c)
{
	switch (c) {
	CASE_DIGIT:
		return c - '0';
	case 'a': case 'A': return 10;
	case 'b': case 'B': return 11;
	case 'c': case 'C': return 12;
	case 'd': case 'D': return 13;
	case 'e': case 'E': return 14;
	case 'f': case 'F': return 15;
	default:
		return -1;
	}
}

enum hex_status hex_decode(const char *s, size_t n, uint8_t **out, size_t *outlen, size_t *bad)
{
	uint8_t *b;

	*out = NULL;
	if (n % 2 != 0)
		return HEX_ODD;
	b = malloc(n / 2 + 1);
	if (b == NULL)
		return HEX_NOMEM;
	for (size_t i = 0; i < n; i += 2) {
		int hi = hex_digit((unsigned char)s[i]), lo = hex_digit((unsigned char)s[i + 1]);
		if (hi < 0 || lo < 0) {
			if (bad != NULL)
				*bad = hi < 0 ? i : i + 1;
			free(b);
			return HEX_BAD;
		}
		b[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	*out = b;
	*outlen = n / 2;
	return HEX_OK;
}
