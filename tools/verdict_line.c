/*
 * verdict_line.c - the one line `cbpf run` and `cbpf kernel run` print for
 * each input, so that `diff <(cbpf run ...) <(cbpf kernel run ...)` is
 * empty when the VM and the kernel agree:
 *   VERDICT [(abort: KIND)]                 a socket filter: decimal
 *   0xHHHHHHHH ACTION [(abort: KIND)]       seccomp: the return value and
 *                                           what the kernel does with it
 * (kernel run adds lines of its own kinds for what the VM never says:
 * ">=VERDICT (inexact: why)" and "error: ERRNO: why").
 */
#include "commands.h"

#include <inttypes.h>
#include <stdio.h>

#include "cbpf/seccomp.h"

void tool_print_verdict(enum cbpf_profile profile, uint32_t verdict, const char *abort_kind,
			const char *note)
{
	char action[32];

	if (profile == CBPF_PROFILE_SECCOMP) {
		cbpf_seccomp_action_format(verdict, action, sizeof(action));
		printf("0x%08" PRIx32 " %s", verdict, action);
	} else {
		printf("%" PRIu32, verdict);
	}
	if (abort_kind != NULL)
		printf(" (abort: %s)", abort_kind);
	if (note != NULL)
		printf(" (%s)", note);
	putchar('\n');
}
