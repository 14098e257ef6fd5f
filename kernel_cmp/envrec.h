/*
 * envrec.h - the environment record: the kernel facts every live-kernel
 * result depends on (release, arch, JIT and optmem/wmem sysctls, and the
 * caller's privileges). Every oracle result carries one, because the
 * kernel's answer for the same program can differ between them (shift
 * masking is arch/JIT-defined, ENOMEM thresholds follow optmem_max, the
 * largest datagram follows wmem_max and CAP_NET_ADMIN).
 */
#ifndef CBPF_KERNEL_ENVREC_H
#define CBPF_KERNEL_ENVREC_H

#include <stdbool.h>

#include "strbuf.h"

/* A sysctl that could not be read is KC_ENV_UNKNOWN. */
#define KC_ENV_UNKNOWN (-1L)

/* The number in a /proc/sys file such as /proc/sys/net/core/optmem_max,
 * or KC_ENV_UNKNOWN. */
long kc_sysctl_long(const char *path);

struct kc_env {
	char release[65];        /* uname -r */
	char machine[65];        /* uname -m */
	long bpf_jit_enable;     /* /proc/sys/net/core/bpf_jit_enable */
	long bpf_jit_harden;     /* /proc/sys/net/core/bpf_jit_harden */
	long optmem_max;         /* /proc/sys/net/core/optmem_max */
	long wmem_max;           /* /proc/sys/net/core/wmem_max */
	long ncpus;              /* online CPUs */
	unsigned euid;
	bool cap_net_admin;      /* effective capabilities */
	bool cap_net_raw;
	bool cap_sys_admin;
};

/* Fill e from uname, /proc/sys and capget. Never fails: what cannot be
 * read is KC_ENV_UNKNOWN (or an empty string). */
void kc_env_collect(struct kc_env *e);

/* Append e as one compact JSON object:
 * {"release":..,"arch":..,"bpf_jit_enable":..,"bpf_jit_harden":..,
 *  "optmem_max":..,"wmem_max":..,"ncpus":..,"euid":..,
 *  "caps":{"net_admin":..,"net_raw":..,"sys_admin":..}}
 * (unknown numbers are null). */
void kc_env_json(const struct kc_env *e, struct strbuf *b);

/* Append e as "key: value" lines for people. */
void kc_env_text(const struct kc_env *e, struct strbuf *b);

#endif
