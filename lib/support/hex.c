/*
 * support/hex.c - hex strings to bytes.
 */
#include "hex.h"

#include <stdio.h>
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

/* A character that is not a hex digit is named before an odd count: "ff ff"
 * is a bad ' ', not five digits. */
enum hex_status hex_decode(const char *s, size_t n, uint8_t **out, size_t *outlen, size_t *bad)
{
	uint8_t *b;
	size_t i;

	*out = NULL;
	b = malloc(n / 2 + 1);
	if (b == NULL)
		return HEX_NOMEM;
	for (i = 0; i + 1 < n; i += 2) {
		int hi = hex_digit((unsigned char)s[i]), lo = hex_digit((unsigned char)s[i + 1]);
		if (hi < 0 || lo < 0) {
			if (bad != NULL)
				*bad = hi < 0 ? i : i + 1;
			free(b);
			return HEX_BAD;
		}
		b[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	if (i < n) {
		if (bad != NULL)
			*bad = i;
		free(b);
		return hex_digit((unsigned char)s[i]) < 0 ? HEX_BAD : HEX_ODD;
	}
	*out = b;
	*outlen = n / 2;
	return HEX_OK;
}

void hex_describe(enum hex_status st, const char *s, size_t n, size_t bad, char *msg,
		  size_t msglen)
{
	unsigned char c = bad < n ? (unsigned char)s[bad] : 0;

	switch (st) {
	case HEX_OK:
		snprintf(msg, msglen, "valid hex");
		return;
	case HEX_ODD:
		snprintf(msg, msglen, "odd number of hex digits (%zu)", n);
		return;
	case HEX_BAD:
		if (c >= 0x21 && c < 0x7f)
			snprintf(msg, msglen, "'%c' at position %zu is not a hex digit", c, bad);
		else if (c == ' ')
			snprintf(msg, msglen, "a blank at position %zu is not a hex digit", bad);
		else
			snprintf(msg, msglen, "byte 0x%02x at position %zu is not a hex digit", c, bad);
		return;
	case HEX_NOMEM:
		break;
	}
	snprintf(msg, msglen, "out of memory");
}
