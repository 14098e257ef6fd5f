/*
 * guest/proxy.h - the plugin protocol served by a guest: request lines
 * from the client are written to the guest's port as they come (pipelined,
 * at most max_inflight unanswered), answers go back in order. The first
 * answer of every boot gains a "target" member (name, JIT mode and its
 * flen= proof, kernel package, qemu machine, boot time) next to the
 * guest's "env". A guest that dies or gives no answer for timeout seconds
 * is restarted: the request it was on is answered with an error, never a
 * verdict, and the requests behind it are sent again to the new guest.
 */
#ifndef CBPF_GUEST_PROXY_H
#define CBPF_GUEST_PROXY_H

#include <stddef.h>

#include "vm.h"

struct kg_proxy_config {
	struct kg_vm_config vm;
	const char *label;         /* debian-6.1/arm64:jit, names every error */
	const char *package;       /* linux-image-6.1.0-57-arm64:arm64 6.1.192-3 */
	double timeout;            /* seconds without an answer: hung */
	size_t max_inflight;
};

/*
 * Boot the guest and serve in_fd -> out_fd until in_fd ends and every
 * request is answered. 0; 1 when the first boot failed (why filled, no
 * line answered); 2 when out_fd cannot be written or in_fd cannot be read
 * (why says which; what was read is answered first).
 */
int kg_proxy_serve(const struct kg_proxy_config *c, int in_fd, int out_fd, char *why, size_t len);

#endif
