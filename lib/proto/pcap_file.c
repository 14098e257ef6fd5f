/*
 * proto/pcap_file.c - the classic pcap savefile reader: a 24-byte file header,
 * then records of a 16-byte header and caplen bytes, all integers in the
 * writer's byte order (told apart by the magic number).
 */
#include "cbpf/pcap_file.h"

#include "insn/diag.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_MAGIC_NS 0xa1b23c4du
#define PCAP_MAGIC_US_SWAPPED 0xd4c3b2a1u
#define PCAP_MAGIC_NS_SWAPPED 0x4d3cb2a1u
#define PCAPNG_SHB 0x0a0d0d0au          /* palindromic: the same in both orders */
#define PCAP_MAGIC_KUZNETZOV 0xa1b2cd34u /* "modified pcap": longer records */
#define PCAP_MAGIC_KUZNETZOV_SWAPPED 0x34cdb2a1u
#define FILE_HEADER_LEN 24
#define RECORD_HEADER_LEN 16

static __attribute__((format(printf, 4, 5))) int fail(struct cbpf_diag *d, enum cbpf_errcode code,
						      uint64_t offset, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vfail(d, code, fmt, ap);
	va_end(ap);
	if (d != NULL)
		d->offset = (long long)offset;
	return -1;
}

static int fail_io(struct cbpf_diag *d, uint64_t offset, int ioerr)
{
	fail(d, CBPF_ERR_IO, offset, "read error: %s", strerror(ioerr));
	if (d != NULL)
		d->errnum = ioerr;
	return -1;
}

/* Read up to n bytes; returns how many arrived (short only at EOF or on
 * an error, which *ioerr reports). */
static size_t read_bytes(struct cbpf_pcap_reader *r, void *p, size_t n, int *ioerr)
{
	size_t got = n ? fread(p, 1, n, r->f) : 0;

	*ioerr = got < n && ferror(r->f) ? (errno ? errno : EIO) : 0;
	r->offset += got;
	return got;
}

/* A 32/16-bit field in the file's byte order (big-endian when file_be). */
static uint32_t get32(const uint8_t *p, bool file_be)
{
	if (file_be)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint16_t get16(const uint8_t *p, bool file_be)
{
	return file_be ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

static bool host_is_big_endian(void)
{
	const uint16_t one = 1;
	return *(const uint8_t *)&one == 0;
}

/* Which order and resolution a magic (read big-endian) stands for. */
static int classify_magic(uint32_t be_magic, bool *file_be, bool *ns, struct cbpf_diag *d)
{
	switch (be_magic) {
	case PCAP_MAGIC_US: *file_be = true; *ns = false; return 0;
	case PCAP_MAGIC_NS: *file_be = true; *ns = true; return 0;
	case PCAP_MAGIC_US_SWAPPED: *file_be = false; *ns = false; return 0;
	case PCAP_MAGIC_NS_SWAPPED: *file_be = false; *ns = true; return 0;
	case PCAPNG_SHB:
		return fail(d, CBPF_ERR_INPUT, 0,
			    "this is a pcapng file, which is not supported; convert it with "
			    "`editcap -F pcap IN OUT` or `tcpdump -r IN -w OUT`");
	case PCAP_MAGIC_KUZNETZOV:
	case PCAP_MAGIC_KUZNETZOV_SWAPPED:
		return fail(d, CBPF_ERR_INPUT, 0,
			    "this is a \"modified pcap\" (magic 0x%08x) file, which is not supported",
			    be_magic);
	default:
		return fail(d, CBPF_ERR_INPUT, 0, "not a pcap file (magic 0x%08x)", be_magic);
	}
}

int cbpf_pcap_open(struct cbpf_pcap_reader *r, FILE *f, struct cbpf_diag *d)
{
	uint8_t h[FILE_HEADER_LEN];
	size_t got;
	int ioerr;
	bool file_be, ns;

	memset(r, 0, sizeof(*r));
	r->f = f;
	got = read_bytes(r, h, sizeof(h), &ioerr);
	if (ioerr)
		return fail_io(d, r->offset, ioerr);
	if (got == 0)
		return fail(d, CBPF_ERR_INPUT, 0, "empty file, not a pcap file");
	if (got >= 4 && classify_magic(get32(h, true), &file_be, &ns, d) != 0)
		return -1;
	if (got < sizeof(h))
		return fail(d, CBPF_ERR_INPUT, got, "truncated file header (%zu of %d bytes)", got,
			    FILE_HEADER_LEN);
	r->swapped = file_be != host_is_big_endian();
	r->nanosecond = ns;
	r->version_major = get16(h + 4, file_be);
	r->version_minor = get16(h + 6, file_be);
	r->snaplen = get32(h + 16, file_be);
	r->linktype_raw = get32(h + 20, file_be);
	r->linktype = r->linktype_raw & 0xffff;
	if (r->version_major != 2)
		return fail(d, CBPF_ERR_INPUT, 4, "unsupported pcap version %u.%u (only 2.x is read)",
			    r->version_major, r->version_minor);
	return 0;
}

static bool file_is_be(const struct cbpf_pcap_reader *r)
{
	return r->swapped != host_is_big_endian();
}

static int grow_buffer(struct cbpf_pcap_reader *r, size_t need)
{
	uint8_t *nb;

	if (need <= r->cap)
		return 0;
	nb = realloc(r->buf, need);
	if (nb == NULL)
		return -1;
	r->buf = nb;
	r->cap = need;
	return 0;
}

int cbpf_pcap_next(struct cbpf_pcap_reader *r, struct cbpf_pcap_record *rec, struct cbpf_diag *d)
{
	uint8_t h[RECORD_HEADER_LEN];
	uint64_t at = r->offset;
	bool be = file_is_be(r);
	size_t got;
	int ioerr;

	got = read_bytes(r, h, sizeof(h), &ioerr);
	if (ioerr)
		return fail_io(d, r->offset, ioerr);
	if (got == 0)
		return 0;
	if (got < sizeof(h))
		return fail(d, CBPF_ERR_INPUT, at, "truncated record header (%zu of %d bytes)", got,
			    RECORD_HEADER_LEN);
	rec->offset = at;
	rec->ts_sec = get32(h, be);
	rec->ts_frac = get32(h + 4, be);
	rec->caplen = get32(h + 8, be);
	rec->len = get32(h + 12, be);
	if (rec->caplen > CBPF_PCAP_MAX_CAPLEN)
		return fail(d, CBPF_ERR_INPUT, at + 8, "caplen %u exceeds the %u-byte limit (corrupt file?)",
			    rec->caplen, CBPF_PCAP_MAX_CAPLEN);
	if (rec->caplen > rec->len)
		return fail(d, CBPF_ERR_INPUT, at + 8, "caplen %u exceeds the packet length %u (corrupt file?)",
			    rec->caplen, rec->len);
	/* +1: a zero-length record still gets a non-NULL data pointer */
	if (grow_buffer(r, (size_t)rec->caplen + 1) != 0)
		return fail(d, CBPF_ERR_NOMEM, at + 16, "out of memory for a %u-byte packet", rec->caplen);
	got = read_bytes(r, r->buf, rec->caplen, &ioerr);
	if (ioerr)
		return fail_io(d, r->offset, ioerr);
	if (got < rec->caplen)
		return fail(d, CBPF_ERR_INPUT, at + 16, "truncated packet data (%zu of %u bytes)", got,
			    rec->caplen);
	rec->data = r->buf;
	return 1;
}

void cbpf_pcap_close(struct cbpf_pcap_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->cap = 0;
	r->f = NULL;
}
