/*
 * hex.c - hex strings to bytes.
 */
#include "hex.h"

#include <stdlib.h>

int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
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
