/*
 * test_kernel_fdleak.c - no file descriptor outlives its request: 100,000
 * programs go through the socket-pair oracle (each a request of its own:
 * socket pair opened, program loaded, packets answered, pair closed) and
 * /proc/self/fd holds as many entries afterwards as before.
 */
#include <dirent.h>
#include <string.h>

#include "check.h"
#include "randprog.h"
#include "unix_oracle.h"

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

int main(void)
{
	static uint8_t pkt[64];
	const uint8_t *pkts[1] = { pkt };
	const size_t lens[1] = { sizeof(pkt) };
	struct cbpf_insn prog[8];
	struct ts_rng rng;
	int before = count_fds(), loaded = 0;

	CHECK(before > 0);
	ts_seed(&rng, 7);
	for (size_t i = 0; i < sizeof(pkt); i++)
		pkt[i] = (uint8_t)i;
	for (int i = 0; i < 100000; i++) {
		struct ts_prog_opts o = { .max_len = 8, .pkt_hint = 64, .det = TS_DET_ANY,
					   .valid = true, .scratch_mix = true };
		size_t n = ts_randprog(&rng, &o, prog);
		struct kc_load l;
		struct kc_verdict v;

		if (i % 1000 == 999)
			prog[0] = cbpf_stmt(0x0e, 0); /* and some the kernel refuses */
		if (kc_unix_request(prog, n, pkts, lens, 1, NULL, &l, &v) == 0) {
			loaded++;
			CHECK_EQ(v.error, 0);
		}
	}
	CHECK_EQ(count_fds(), before);
	CHECK(loaded >= 99000);
	fprintf(stderr, "100000 requests, %d loaded, fds %d -> %d\n", loaded, before, count_fds());
	return CHECK_DONE();
}
