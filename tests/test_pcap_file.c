/*
 * test_pcap_file.c - the classic pcap reader (lib/proto/pcap_file.c): both byte
 * orders and timestamp resolutions, exact record fields, every corrupt or
 * truncated shape with the offset it names, pcapng refused, files written
 * by libpcap itself read back byte for byte, and totality over mutations.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cbpf/pcap_file.h"
#include "check.h"
#include "diag_text.h"
#include "rng.h"
#include "strbuf.h"

#ifdef CBPF_HAVE_PCAP
#include <pcap/pcap.h>
#endif

/* ---- building files ---- */

static void put32(struct strbuf *b, uint32_t v, bool be)
{
	uint8_t p[4];
	for (int i = 0; i < 4; i++)
		p[be ? 3 - i : i] = (uint8_t)(v >> (8 * i));
	sb_putn(b, p, 4);
}

static void put16(struct strbuf *b, uint16_t v, bool be)
{
	uint8_t p[2];
	p[be ? 1 : 0] = (uint8_t)v;
	p[be ? 0 : 1] = (uint8_t)(v >> 8);
	sb_putn(b, p, 2);
}

static void file_header(struct strbuf *b, uint32_t magic, bool be, uint16_t major,
			uint32_t snaplen, uint32_t linktype)
{
	put32(b, magic, be);
	put16(b, major, be);
	put16(b, 4, be);
	put32(b, 0, be);
	put32(b, 0, be);
	put32(b, snaplen, be);
	put32(b, linktype, be);
}

static void record(struct strbuf *b, bool be, uint32_t sec, uint32_t frac, uint32_t caplen,
		   uint32_t len, const void *data)
{
	put32(b, sec, be);
	put32(b, frac, be);
	put32(b, caplen, be);
	put32(b, len, be);
	sb_putn(b, data, caplen);
}

static FILE *file_of(const void *p, size_t n)
{
	FILE *f = tmpfile();
	if (f == NULL) {
		perror("tmpfile");
		exit(1);
	}
	if (n && fwrite(p, 1, n, f) != n)
		exit(1);
	rewind(f);
	return f;
}

/* "ERR " and the error as one line ("offset N: why"). */
static void sb_printf_diag(struct strbuf *b, const struct cbpf_diag *d)
{
	char t[300];

	diag_text(d, NULL, t, sizeof(t));
	sb_printf(b, "ERR %s", t);
}

/* Read a whole file; returns the records' summary ("caplen/len:hex;...")
 * then "END" or "ERR message". */
static char *read_all(const void *p, size_t n, struct cbpf_pcap_reader *out_hdr)
{
	struct cbpf_pcap_reader r = { 0 };
	struct cbpf_pcap_record rec;
	struct strbuf b = { 0 };
	struct cbpf_diag err;
	FILE *f = file_of(p, n);
	int rc;

	if (cbpf_pcap_open(&r, f, &err) != 0) {
		sb_printf_diag(&b, &err);
		cbpf_pcap_close(&r);
		fclose(f);
		return sb_finish(&b, NULL);
	}
	if (out_hdr != NULL)
		*out_hdr = r;
	while ((rc = cbpf_pcap_next(&r, &rec, &err)) == 1) {
		sb_printf(&b, "@%llu %u.%u %u/%u:", (unsigned long long)rec.offset, rec.ts_sec,
			  rec.ts_frac, rec.caplen, rec.len);
		for (uint32_t i = 0; i < rec.caplen; i++)
			sb_printf(&b, "%02x", rec.data[i]);
		sb_puts(&b, ";");
	}
	if (rc == 0)
		sb_puts(&b, "END");
	else
		sb_printf_diag(&b, &err);
	cbpf_pcap_close(&r);
	fclose(f);
	return sb_finish(&b, NULL);
}

#define READS(buf, n, want)                                                    \
	do {                                                                   \
		char *got_ = read_all((buf), (n), NULL);                       \
		CHECK_STR(got_, (want));                                       \
		free(got_);                                                    \
	} while (0)

static const uint8_t pkt_a[] = { 0xde, 0xad, 0xbe, 0xef };
static const uint8_t pkt_b[] = { 1, 2, 3, 4, 5, 6 };

static void test_orders_and_resolutions(void)
{
	static const struct {
		uint32_t magic;
		bool be;
		bool ns;
	} cases[] = {
		{ 0xa1b2c3d4, false, false },
		{ 0xa1b2c3d4, true, false },
		{ 0xa1b23c4d, false, true },
		{ 0xa1b23c4d, true, true },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strbuf b = { 0 };
		struct cbpf_pcap_reader h = { 0 };
		size_t n;
		file_header(&b, cases[i].magic, cases[i].be, 2, 65535, 0x10000001u);
		record(&b, cases[i].be, 1700000000, 999999, 4, 60, pkt_a);
		record(&b, cases[i].be, 1700000001, 5, 0, 0, "");
		record(&b, cases[i].be, 7, 123456789, 6, 6, pkt_b);
		char *file = sb_finish(&b, &n);
		char *got = read_all(file, n, &h);
		char want[256];
		snprintf(want, sizeof(want),
			 "@24 1700000000.999999 4/60:deadbeef;@44 1700000001.5 0/0:;"
			 "@60 7.123456789 6/6:010203040506;END");
		CHECK_STR(got, want);
		CHECK_EQ(h.nanosecond, cases[i].ns);
		CHECK_EQ(h.version_major, 2);
		CHECK_EQ(h.version_minor, 4);
		CHECK_EQ(h.snaplen, 65535);
		CHECK_EQ(h.linktype, 1);           /* the low 16 bits */
		CHECK_EQ(h.linktype_raw, 0x10000001u); /* FCS bits kept */
		/* x86-64 is little-endian: the big-endian files are the swapped ones */
		CHECK_EQ(h.swapped, cases[i].be);
		free(got);
		free(file);
	}
}

static void test_header_errors(void)
{
	struct strbuf b = { 0 };
	size_t n;
	char *file;

	READS("", 0, "ERR offset 0: empty file, not a pcap file");
	{ /* the offset is a field, the message says only why */
		struct cbpf_pcap_reader r = { 0 };
		struct cbpf_diag d;
		FILE *f = file_of("\xd4\xc3", 2);
		CHECK_EQ(cbpf_pcap_open(&r, f, &d), -1);
		CHECK_EQ(d.code, CBPF_ERR_INPUT);
		CHECK_EQ(d.offset, 2);
		CHECK_EQ(d.insn, -1);
		CHECK_EQ(d.line, 0);
		CHECK_STR(d.msg, "truncated file header (2 of 24 bytes)");
		cbpf_pcap_close(&r);
		fclose(f);
	}
	READS("\xd4\xc3", 2, "ERR offset 2: truncated file header (2 of 24 bytes)");
	READS("\xd4\xc3\xb2\xa1\x02\x00", 6, "ERR offset 6: truncated file header (6 of 24 bytes)");
	READS("\x0a\x0d\x0d\x0a\x1c\x00\x00\x00\x4d\x3c\x2b\x1a", 12,
	      "ERR offset 0: this is a pcapng file, which is not supported; convert it with "
	      "`editcap -F pcap IN OUT` or `tcpdump -r IN -w OUT`");
	READS("hello world, this is not a capture", 34,
	      "ERR offset 0: not a pcap file (magic 0x68656c6c)");

	file_header(&b, 0xa1b2cd34, false, 2, 65535, 1);
	file = sb_finish(&b, &n);
	READS(file, n, "ERR offset 0: this is a \"modified pcap\" (magic 0x34cdb2a1) file, which is not supported");
	free(file);

	file_header(&b, 0xa1b2c3d4, false, 3, 65535, 1);
	file = sb_finish(&b, &n);
	READS(file, n, "ERR offset 4: unsupported pcap version 3.4 (only 2.x is read)");
	free(file);

	file_header(&b, 0xa1b2c3d4, true, 1, 65535, 1);
	file = sb_finish(&b, &n);
	READS(file, n, "ERR offset 4: unsupported pcap version 1.4 (only 2.x is read)");
	free(file);

	/* a header and no records is a valid, empty capture */
	file_header(&b, 0xa1b2c3d4, false, 2, 0, 228);
	file = sb_finish(&b, &n);
	READS(file, n, "END");
	free(file);
}

static void test_record_errors(void)
{
	struct strbuf b = { 0 };
	size_t n;
	char *file;

	/* truncated record header after a good record */
	file_header(&b, 0xa1b2c3d4, false, 2, 65535, 1);
	record(&b, false, 1, 2, 4, 4, pkt_a);
	sb_putn(&b, "\x01\x02\x03\x04\x05", 5);
	file = sb_finish(&b, &n);
	READS(file, n, "@24 1.2 4/4:deadbeef;ERR offset 44: truncated record header (5 of 16 bytes)");
	free(file);

	/* truncated packet data: the offset is where the data starts */
	file_header(&b, 0xa1b2c3d4, true, 2, 65535, 1);
	record(&b, true, 1, 2, 4, 4, pkt_a);
	put32(&b, 1, true);
	put32(&b, 2, true);
	put32(&b, 100, true);
	put32(&b, 100, true);
	sb_putn(&b, pkt_b, 6);
	file = sb_finish(&b, &n);
	READS(file, n, "@24 1.2 4/4:deadbeef;ERR offset 60: truncated packet data (6 of 100 bytes)");
	free(file);

	/* caplen > len */
	file_header(&b, 0xa1b2c3d4, false, 2, 65535, 1);
	record(&b, false, 1, 2, 6, 5, pkt_b);
	file = sb_finish(&b, &n);
	READS(file, n, "ERR offset 32: caplen 6 exceeds the packet length 5 (corrupt file?)");
	free(file);

	/* absurd caplen: refused before any allocation */
	file_header(&b, 0xa1b2c3d4, false, 2, 65535, 1);
	put32(&b, 1, false);
	put32(&b, 2, false);
	put32(&b, 0xffffffffu, false);
	put32(&b, 0xffffffffu, false);
	file = sb_finish(&b, &n);
	READS(file, n, "ERR offset 32: caplen 4294967295 exceeds the 16777216-byte limit (corrupt file?)");
	free(file);

	/* exactly the limit is accepted (and read) */
	size_t big = CBPF_PCAP_MAX_CAPLEN;
	uint8_t *data = calloc(1, big);
	data[big - 1] = 0x7e;
	file_header(&b, 0xa1b2c3d4, false, 2, 65535, 1);
	record(&b, false, 0, 0, (uint32_t)big, (uint32_t)big, data);
	file = sb_finish(&b, &n);
	{
		struct cbpf_pcap_reader r = { 0 };
		struct cbpf_pcap_record rec;
		struct cbpf_diag err;
		FILE *f = file_of(file, n);
		CHECK_EQ(cbpf_pcap_open(&r, f, &err), 0);
		CHECK_EQ(cbpf_pcap_next(&r, &rec, &err), 1);
		CHECK_EQ(rec.caplen, big);
		CHECK_EQ(rec.data[big - 1], 0x7e);
		CHECK_EQ(cbpf_pcap_next(&r, &rec, &err), 0);
		/* reading past the end keeps saying "end" */
		CHECK_EQ(cbpf_pcap_next(&r, &rec, &err), 0);
		cbpf_pcap_close(&r);
		fclose(f);
	}
	free(file);
	free(data);
}

#ifdef CBPF_HAVE_PCAP
/* Files written by libpcap's own pcap_dump, read back exactly. */
static void test_libpcap_written(int precision)
{
	char path[] = "/tmp/cbpf-test-pcap-XXXXXX";
	int fd = mkstemp(path);
	pcap_t *dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 262144, (u_int)precision);
	pcap_dumper_t *d;
	uint8_t pkt[1514];

	CHECK(fd >= 0 && dead != NULL);
	if (fd < 0 || dead == NULL)
		return;
	close(fd);
	d = pcap_dump_open(dead, path);
	CHECK(d != NULL);
	if (d == NULL) {
		pcap_close(dead);
		unlink(path);
		return;
	}
	for (int i = 0; i < 50; i++) {
		struct pcap_pkthdr h;
		memset(&h, 0, sizeof(h));
		h.ts.tv_sec = 1000 + i;
		h.ts.tv_usec = i * 7;
		h.caplen = (bpf_u_int32)(i * 30);
		h.len = h.caplen + (bpf_u_int32)i;
		for (uint32_t j = 0; j < h.caplen; j++)
			pkt[j] = (uint8_t)(i + j);
		pcap_dump((u_char *)d, &h, pkt);
	}
	pcap_dump_close(d);
	pcap_close(dead);

	FILE *f = fopen(path, "rb");
	struct cbpf_pcap_reader r = { 0 };
	struct cbpf_pcap_record rec;
	struct cbpf_diag err;
	int i = 0, bad = 0;
	CHECK(f != NULL);
	if (f == NULL)
		return;
	CHECK_EQ(cbpf_pcap_open(&r, f, &err), 0);
	CHECK_EQ(r.linktype, 1);
	CHECK_EQ(r.snaplen, 262144);
	CHECK_EQ(r.nanosecond, precision == PCAP_TSTAMP_PRECISION_NANO);
	CHECK_EQ(r.swapped, 0);
	while (cbpf_pcap_next(&r, &rec, &err) == 1) {
		bad += rec.ts_sec != (uint32_t)(1000 + i) || rec.ts_frac != (uint32_t)(i * 7) ||
		       rec.caplen != (uint32_t)(i * 30) || rec.len != rec.caplen + (uint32_t)i;
		for (uint32_t j = 0; j < rec.caplen; j++)
			bad += rec.data[j] != (uint8_t)(i + j);
		i++;
	}
	CHECK_EQ(i, 50);
	CHECK_EQ(bad, 0);
	cbpf_pcap_close(&r);
	fclose(f);
	unlink(path);
}
#endif

/* Totality: truncations and byte flips of a valid file always end in a
 * clean end or an error line that names an offset. */
static void test_mutations(void)
{
	struct strbuf b = { 0 };
	size_t n;
	struct ts_rng r;
	char *file;

	file_header(&b, 0xa1b2c3d4, false, 2, 65535, 1);
	for (int i = 0; i < 5; i++)
		record(&b, false, (uint32_t)i, 0, 6, 6, pkt_b);
	file = sb_finish(&b, &n);
	for (size_t cut = 0; cut <= n; cut++) {
		char *got = read_all(file, cut, NULL);
		CHECK(strstr(got, "END") != NULL || strstr(got, "ERR offset ") != NULL);
		/* every cut inside a record is reported, never silently dropped */
		bool on_boundary = cut >= 24 && (cut - 24) % 22 == 0;
		CHECK_EQ(strstr(got, "END") != NULL, on_boundary);
		free(got);
	}
	char *m = malloc(n);
	ts_seed(&r, 7);
	for (int iter = 0; iter < 3000; iter++) {
		memcpy(m, file, n);
		for (int k = 0; k < 3; k++) {
			size_t at = ts_below(&r, (uint32_t)n);
			m[at] = (char)ts_next(&r);
		}
		char *got = read_all(m, n, NULL);
		CHECK(strstr(got, "END") != NULL || strstr(got, "ERR offset ") != NULL);
		free(got);
	}
	free(m);
	free(file);
}

int main(void)
{
	test_orders_and_resolutions();
	test_header_errors();
	test_record_errors();
#ifdef CBPF_HAVE_PCAP
	test_libpcap_written(PCAP_TSTAMP_PRECISION_MICRO);
	test_libpcap_written(PCAP_TSTAMP_PRECISION_NANO);
#endif
	test_mutations();
	return CHECK_DONE();
}
