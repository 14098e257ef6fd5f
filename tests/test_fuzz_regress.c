/*
 * test_fuzz_regress.c - regression cases for what the fuzz targets
 * (fuzz/) found in library and oracle code, one function per finding,
 * each naming the target and the reproducer that found it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

#include "cbpf/validate.h"
#include "check.h"
#include "seccomp_oracle.h"

/* fuzz_seccomp_kernel, repro "the validator refuses, seccomp installs
 * it" on the empty program: kc_seccomp_request reported the load as ok
 * because no trap variant of an empty program can be built, and only a
 * "refused" note sent it to check the original. The kernel says EINVAL. */
static void seccomp_request_empty_program(void)
{
	const struct kc_seccomp_input in = { SYS_getpid, { 0, 0, 0, 0, 0, 0 } };
	const struct cbpf_insn none[1] = { { 0x06, 0, 0, 0x7fff0000 } };
	struct kc_verdict v;
	struct kc_load l;

	memset(&v, 0, sizeof(v));
	CHECK_EQ(kc_seccomp_request(none, 0, &in, 1, NULL, &l, &v, NULL), -1);
	CHECK_EQ(l.errnum, EINVAL);
	CHECK_EQ(cbpf_validate(none, 0, CBPF_PROFILE_SECCOMP, NULL, 0, NULL), EINVAL);
}

int main(void)
{
	seccomp_request_empty_program();
	return CHECK_DONE();
}
