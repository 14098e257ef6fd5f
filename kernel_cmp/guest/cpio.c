/*
 * guest/cpio.c - the newc cpio writer (cpio.h).
 */
#include "cpio.h"
#include "target.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char zeros[4];

static void pad4(struct kg_cpio *c, size_t n)
{
	if (n % 4 != 0 && fwrite(zeros, 1, 4 - n % 4, c->f) != 4 - n % 4)
		c->failed = 1;
}

/* One entry: header, name, data. */
static int entry(struct kg_cpio *c, const char *name, unsigned mode, const void *data,
		 size_t len, unsigned rmaj, unsigned rmin)
{
	size_t nlen = strlen(name) + 1;
	char hdr[111];

	if (c->f == NULL || len > UINT32_MAX) {
		errno = EINVAL;
		return -1;
	}
	kg_fmt(hdr, sizeof(hdr),
		 "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X",
		 ++c->ino, mode, 0u, 0u, S_ISDIR(mode) ? 2u : 1u, 0u, len, 0u, 0u, rmaj, rmin,
		 nlen, 0u);
	if (fwrite(hdr, 1, 110, c->f) != 110 || fwrite(name, 1, nlen, c->f) != nlen)
		c->failed = 1;
	pad4(c, 110 + nlen);
	if (len > 0 && fwrite(data, 1, len, c->f) != len)
		c->failed = 1;
	pad4(c, len);
	return c->failed ? -1 : 0;
}

int kg_cpio_open(struct kg_cpio *c, const char *path)
{
	memset(c, 0, sizeof(*c));
	if (kg_fmt(c->path, sizeof(c->path), "%s", path) >= (int)sizeof(c->path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	kg_fmt(c->tmp, sizeof(c->tmp), "%s.tmp", path);
	c->f = fopen(c->tmp, "we");
	return c->f == NULL ? -1 : 0;
}

int kg_cpio_dir(struct kg_cpio *c, const char *name, unsigned mode)
{
	return entry(c, name, S_IFDIR | (mode & 07777), NULL, 0, 0, 0);
}

int kg_cpio_file(struct kg_cpio *c, const char *name, unsigned mode, const void *data, size_t len)
{
	return entry(c, name, S_IFREG | (mode & 07777), data, len, 0, 0);
}

int kg_cpio_chardev(struct kg_cpio *c, const char *name, unsigned mode, unsigned major,
		    unsigned minor)
{
	return entry(c, name, S_IFCHR | (mode & 07777), NULL, 0, major, minor);
}

int kg_cpio_copy(struct kg_cpio *c, const char *name, unsigned mode, const char *src)
{
	FILE *f = fopen(src, "re");
	char *buf = NULL;
	long n;
	int rc = -1, saved;

	if (f == NULL)
		return -1;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n)
		rc = kg_cpio_file(c, name, mode, buf, (size_t)n);
	saved = errno;
	free(buf);
	fclose(f);
	errno = saved;
	return rc;
}

void kg_cpio_abort(struct kg_cpio *c)
{
	if (c->f != NULL)
		fclose(c->f);
	c->f = NULL;
	unlink(c->tmp);
}

int kg_cpio_close(struct kg_cpio *c)
{
	int rc = entry(c, "TRAILER!!!", 0, NULL, 0, 0, 0);

	if (c->f == NULL)
		return -1;
	if (fclose(c->f) != 0)
		rc = -1;
	c->f = NULL;
	if (rc == 0 && !c->failed && rename(c->tmp, c->path) == 0)
		return 0;
	unlink(c->tmp);
	return -1;
}
