/*
 * io.c - reading inputs and writing outputs for the cbpf subcommands.
 * Outputs to files are written to a temporary file and renamed, so a
 * failed run never leaves a half-written result. Standard output is
 * checked once, when the command returns (tool_exit_status): a failed
 * write there is reported in one line and makes the exit status non-zero.
 * `--output FILE` (any command, main.c) sends stdout to a temporary file
 * renamed to FILE only when the command ran to the end.
 */
#include "commands.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The errno of the first failed write to stdout that was noticed. */
static int stdout_errno;

/* --output FILE (tool_redirect_stdout): stdout goes to out_tmp, renamed to
 * out_path when the command ends with status 0 or 1. */
static const char *out_path;
static char out_tmp[4096];

int tool_redirect_stdout(const char *path)
{
	int fd;

	if (snprintf(out_tmp, sizeof(out_tmp), "%s.tmp.%ld", path, (long)getpid()) >=
	    (int)sizeof(out_tmp)) {
		fprintf(stderr, "cbpf: %s: path too long\n", path);
		return -1;
	}
	fflush(stdout);
	fd = open(out_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0) {
		fprintf(stderr, "cbpf: %s: %s\n", path, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(out_tmp);
		}
		return -1;
	}
	close(fd);
	out_path = path;
	return 0;
}

/* The end of --output: the file gets the output when the command ran to
 * the end (status 0 or 1) and every write succeeded; else it is left as
 * it was. Returns rc, or 2 after printing why the rename failed. */
static int finish_output(int rc)
{
	if (out_path == NULL)
		return rc;
	if (rc >= 2) {
		unlink(out_tmp);
		return rc;
	}
	if (rename(out_tmp, out_path) != 0) {
		fprintf(stderr, "cbpf: %s: %s\n", out_path, strerror(errno));
		unlink(out_tmp);
		return 2;
	}
	return rc;
}

int tool_flush_stdout(void)
{
	int before = errno;

	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout)) {
		errno = before;
		return 0;
	}
	/* the flush failed now, or an earlier write did (called right after
	 * it, errno still says why) */
	if (stdout_errno == 0)
		stdout_errno = errno != 0 ? errno : before;
	return -1;
}

int tool_exit_status(int rc)
{
	int failed;

	errno = 0; /* nothing here is fresh: only a failing flush tells why */
	failed = tool_flush_stdout();

	errno = 0;
	if (fclose(stdout) != 0 && stdout_errno == 0) {
		failed = -1;
		stdout_errno = errno;
	}
	if (failed == 0)
		return finish_output(rc);
	fprintf(stderr, "cbpf: %s: %s\n", out_path != NULL ? out_path : "<stdout>",
		stdout_errno != 0 ? strerror(stdout_errno) : "write error");
	return finish_output(rc >= 2 ? rc : 2);
}

const char *tool_input_name(const char *path)
{
	return (path == NULL || strcmp(path, "-") == 0) ? "<stdin>" : path;
}

/* No program format needs more: 65535 instructions of bpf_asm with a
 * comment of about 1000 bytes each. A larger input is refused when this
 * much has been read, so reading never needs more memory than this. */
#define TOOL_MAX_INPUT ((size_t)64 << 20)

int tool_read_input_limit(const char *path, size_t limit, const char *what, char **buf,
			  size_t *len)
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
		if (n > limit)
			break;
		if (n + 1 == cap) {
			/* the last step reads one byte past the limit, to see it */
			size_t ncap = cap * 2 > limit + 2 ? limit + 2 : cap * 2;
			char *nb = realloc(b, ncap);
			if (nb == NULL) {
				free(b);
				b = NULL;
				break;
			}
			b = nb;
			cap = ncap;
		}
	}
	if (b != NULL && n > limit) {
		fprintf(stderr, "cbpf: %s: more than %zu MiB: %s\n", name, limit >> 20, what);
		free(b);
		if (!use_stdin)
			fclose(f);
		return -1;
	}
	if (b == NULL || ferror(f)) {
		fprintf(stderr, "cbpf: %s: %s\n", name, b == NULL ? "out of memory" : strerror(errno));
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

int tool_read_input(const char *path, char **buf, size_t *len)
{
	return tool_read_input_limit(path, TOOL_MAX_INPUT, "larger than any program in any format "
				     "(at most 65535 instructions)", buf, len);
}

int tool_write_output(const char *path, const void *buf, size_t len)
{
	char tmp[4096];
	FILE *f;

	if (path == NULL || strcmp(path, "-") == 0) {
		/* a failure is reported by tool_exit_status; the flush right after
		 * a failed fwrite keeps its errno */
		bool wrote = fwrite(buf, 1, len, stdout) == len;
		return tool_flush_stdout() == 0 && wrote ? 0 : -1;
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
