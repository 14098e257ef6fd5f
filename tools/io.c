/*
 * io.c - reading inputs and writing outputs for the cbpf subcommands.
 * Outputs to files are written to a temporary file and renamed, so a
 * failed run never leaves a half-written result.
 */
#include "commands.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *tool_input_name(const char *path)
{
	return (path == NULL || strcmp(path, "-") == 0) ? "<stdin>" : path;
}

int tool_read_input(const char *path, char **buf, size_t *len)
{
	const char *name = tool_input_name(path);
	int use_stdin = path == NULL || strcmp(path, "-") == 0;
	FILE *f = use_stdin ? stdin : fopen(path, "rb");
	size_t cap = 4096, n = 0;
	char *b;

	if (f == NULL) {
		fprintf(stderr, "cbpf: %s: %s\n", name, strerror(errno));
		return -1;
	}
	b = malloc(cap);
	while (b != NULL) {
		size_t got = fread(b + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
		if (n + 1 == cap) {
			char *nb = cap > ((size_t)1 << 30) ? NULL : realloc(b, cap * 2);
			if (nb == NULL) {
				free(b);
				b = NULL;
				break;
			}
			b = nb;
			cap *= 2;
		}
	}
	if (b == NULL || ferror(f)) {
		fprintf(stderr, "cbpf: %s: %s\n", name, b == NULL ? "input too large" : strerror(errno));
		free(b);
		if (!use_stdin)
			fclose(f);
		return -1;
	}
	if (!use_stdin)
		fclose(f);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

int tool_write_output(const char *path, const void *buf, size_t len)
{
	char tmp[4096];
	FILE *f;

	if (path == NULL || strcmp(path, "-") == 0) {
		if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0) {
			fprintf(stderr, "cbpf: <stdout>: %s\n", strerror(errno));
			return -1;
		}
		return 0;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp)) {
		fprintf(stderr, "cbpf: %s: path too long\n", path);
		return -1;
	}
	/* errors name the user's file: the temporary one is ours */
	f = fopen(tmp, "wb");
	if (f == NULL) {
		fprintf(stderr, "cbpf: %s: %s\n", path, strerror(errno));
		return -1;
	}
	bool written = fwrite(buf, 1, len, f) == len;
	if (fclose(f) != 0 || !written) {
		fprintf(stderr, "cbpf: %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) != 0) {
		fprintf(stderr, "cbpf: %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}
