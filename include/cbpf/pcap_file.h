/*
 * cbpf/pcap_file.h - a reader for classic pcap capture files (the libpcap
 * savefile format, not pcapng), so programs can run on captured packets.
 *
 * Both byte orders and both timestamp resolutions (magic 0xa1b2c3d4 =
 * microseconds, 0xa1b23c4d = nanoseconds) are read. Every problem fills a
 * struct cbpf_diag (cbpf/program.h) with the byte offset in the file where
 * it was found: code CBPF_ERR_INPUT (CBPF_ERR_IO with errnum for a read
 * error, CBPF_ERR_NOMEM), offset, and msg, which cbpf_diag_print renders
 *   "FILE: offset 40: truncated record header (5 of 16 bytes)"
 * A pcapng file is recognised and refused with a clear message.
 */
#ifndef CBPF_PCAP_FILE_H
#define CBPF_PCAP_FILE_H

#include "cbpf/api.h"
#include "cbpf/program.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Records with caplen above this are refused as corrupt (libpcap's own
 * ceiling for any link type is 256 KiB; this leaves room for odd tools). */
#define CBPF_PCAP_MAX_CAPLEN (16u << 20)

struct cbpf_pcap_reader {
	/* from the file header */
	bool swapped;          /* written with the other byte order */
	bool nanosecond;       /* ts_frac is in ns (else us) */
	uint16_t version_major;
	uint16_t version_minor;
	uint32_t snaplen;
	uint32_t linktype;     /* LINKTYPE_* (low 16 bits of the header field) */
	uint32_t linktype_raw; /* the whole field (FCS length bits included) */
	/* private */
	FILE *f;
	uint64_t offset;       /* of the next byte to read */
	uint8_t *buf;
	size_t cap;
};

struct cbpf_pcap_record {
	uint64_t offset;       /* of the record header in the file */
	uint32_t ts_sec;
	uint32_t ts_frac;      /* us or ns, see reader.nanosecond */
	uint32_t caplen;       /* bytes in data */
	uint32_t len;          /* length on the wire (may exceed caplen) */
	const uint8_t *data;   /* valid until the next call on the reader */
};

/*
 * Read the file header from f (which the caller keeps open and closes).
 * 0 on success; -1 with d (may be NULL) filled on failure.
 */
CBPF_API int cbpf_pcap_open(struct cbpf_pcap_reader *r, FILE *f, struct cbpf_diag *d);

/* The next record: 1 and *rec filled, 0 at a clean end of file, -1 with
 * d filled when the file is truncated or corrupt (or on a read error). */
CBPF_API int cbpf_pcap_next(struct cbpf_pcap_reader *r, struct cbpf_pcap_record *rec,
		   struct cbpf_diag *d);

/* Release the reader's buffer (not the FILE). */
CBPF_API void cbpf_pcap_close(struct cbpf_pcap_reader *r);

#ifdef __cplusplus
}
#endif

#endif
