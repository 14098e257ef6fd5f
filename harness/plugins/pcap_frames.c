/*
 * pcap_frames.c - reads a capture file with libpcap (pcap_open_offline) and
 * prints {"linktype":N,"frames":["HEX",...]} on stdout, so the runner gets
 * the packets of a `packets-from:` case exactly as libpcap reads them.
 */
#include <pcap/pcap.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s FILE.pcap\n", argv[0]);
		return 2;
	}
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(argv[1], err);
	if (!p) {
		fprintf(stderr, "%s: %s\n", argv[1], err);
		return 2;
	}
	printf("{\"linktype\":%d,\"frames\":[", pcap_datalink(p));
	struct pcap_pkthdr *h;
	const u_char *data;
	int r, first = 1;
	while ((r = pcap_next_ex(p, &h, &data)) == 1) {
		printf(first ? "\"" : ",\"");
		first = 0;
		for (bpf_u_int32 i = 0; i < h->caplen; i++)
			printf("%02x", data[i]);
		printf("\"");
	}
	printf("]}\n");
	int rc = 0;
	if (r == PCAP_ERROR) {
		fprintf(stderr, "%s: %s\n", argv[1], pcap_geterr(p));
		rc = 2;
	}
	pcap_close(p);
	return rc;
}
