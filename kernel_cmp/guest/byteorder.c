/*
 * guest/byteorder.c - seccomp_data records in the guest's byte order
 * (byteorder.h).
 */
#include "byteorder.h"

#include <string.h>

#include "json.h"
#include "strbuf.h"

/* Reverse the size bytes (2 hex digits each) at byte offset off. */
static void reverse_field(char *hex, size_t off, size_t size)
{
	char *a = hex + 2 * off, *b = hex + 2 * (off + size - 1);

	while (a < b) {
		char t0 = a[0], t1 = a[1];
		a[0] = b[0];
		a[1] = b[1];
		b[0] = t0;
		b[1] = t1;
		a += 2;
		b -= 2;
	}
}

void kg_seccomp_swap_hex(char *hex)
{
	reverse_field(hex, 0, 4);  /* nr */
	reverse_field(hex, 4, 4);  /* arch */
	reverse_field(hex, 8, 8);  /* instruction_pointer */
	for (size_t i = 0; i < 6; i++)
		reverse_field(hex, 16 + 8 * i, 8); /* args[i] */
}

static int is_seccomp(const struct json_value *v)
{
	const struct json_value *p = json_get(v, "profile");

	return p != NULL && p->type == JSON_STRING && strcmp(p->str, "seccomp") == 0;
}

char *kg_seccomp_swap_request(const char *line, size_t len, size_t *outlen)
{
	char err[128];
	struct json_value *v;
	const struct json_value *pk;
	struct strbuf b = { 0 };
	int changed = 0;
	char *out;

	if (memmem(line, len, "\"seccomp\"", 9) == NULL || memmem(line, len, "\"packets\"", 9) == NULL)
		return NULL;
	v = json_parse(line, len, err, sizeof(err));
	if (v == NULL)
		return NULL;
	pk = v->type == JSON_OBJECT && is_seccomp(v) ? json_get(v, "packets") : NULL;
	for (size_t i = 0; pk != NULL && pk->type == JSON_ARRAY && i < pk->n; i++) {
		struct json_value *s = &pk->items[i];
		if (s->type == JSON_STRING && s->str_len == 128) {
			kg_seccomp_swap_hex(s->str);
			changed = 1;
		}
	}
	if (!changed) {
		json_free(v);
		return NULL;
	}
	json_put_value(&b, v);
	json_free(v);
	out = sb_finish(&b, outlen);
	return out;
}
