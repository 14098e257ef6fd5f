/*
 * envrec.c - collecting and rendering the environment record.
 */
#include "envrec.h"

#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "json.h"

/* Bit numbers of linux/capability.h, effective set, word 0. */
#define KC_CAP_NET_ADMIN 12
#define KC_CAP_NET_RAW 13
#define KC_CAP_SYS_ADMIN 21

long kc_sysctl_long(const char *path)
{
	FILE *f = fopen(path, "re");
	long v;

	if (f == NULL)
		return KC_ENV_UNKNOWN;
	if (fscanf(f, "%ld", &v) != 1)
		v = KC_ENV_UNKNOWN;
	fclose(f);
	return v;
}

static void read_caps(struct kc_env *e)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) != 0)
		return;
	e->cap_net_admin = (data[0].effective >> KC_CAP_NET_ADMIN) & 1u;
	e->cap_net_raw = (data[0].effective >> KC_CAP_NET_RAW) & 1u;
	e->cap_sys_admin = (data[0].effective >> KC_CAP_SYS_ADMIN) & 1u;
}

void kc_env_collect(struct kc_env *e)
{
	struct utsname u;

	memset(e, 0, sizeof(*e));
	if (uname(&u) == 0) {
		snprintf(e->release, sizeof(e->release), "%s", u.release);
		snprintf(e->machine, sizeof(e->machine), "%s", u.machine);
	}
	e->bpf_jit_enable = kc_sysctl_long("/proc/sys/net/core/bpf_jit_enable");
	e->bpf_jit_harden = kc_sysctl_long("/proc/sys/net/core/bpf_jit_harden");
	e->optmem_max = kc_sysctl_long("/proc/sys/net/core/optmem_max");
	e->wmem_max = kc_sysctl_long("/proc/sys/net/core/wmem_max");
	e->ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	e->euid = (unsigned)geteuid();
	read_caps(e);
}

static void put_num(struct strbuf *b, const char *key, long v, bool comma)
{
	if (v == KC_ENV_UNKNOWN)
		sb_printf(b, "\"%s\":null%s", key, comma ? "," : "");
	else
		sb_printf(b, "\"%s\":%ld%s", key, v, comma ? "," : "");
}

void kc_env_json(const struct kc_env *e, struct strbuf *b)
{
	sb_puts(b, "{\"release\":");
	json_put_string(b, e->release, strlen(e->release));
	sb_puts(b, ",\"arch\":");
	json_put_string(b, e->machine, strlen(e->machine));
	sb_putc(b, ',');
	put_num(b, "bpf_jit_enable", e->bpf_jit_enable, true);
	put_num(b, "bpf_jit_harden", e->bpf_jit_harden, true);
	put_num(b, "optmem_max", e->optmem_max, true);
	put_num(b, "wmem_max", e->wmem_max, true);
	put_num(b, "ncpus", e->ncpus, true);
	sb_printf(b, "\"euid\":%u,\"caps\":{\"net_admin\":%s,\"net_raw\":%s,\"sys_admin\":%s}}",
		  e->euid, e->cap_net_admin ? "true" : "false", e->cap_net_raw ? "true" : "false",
		  e->cap_sys_admin ? "true" : "false");
}

static void put_line(struct strbuf *b, const char *key, long v)
{
	if (v == KC_ENV_UNKNOWN)
		sb_printf(b, "%-15s unknown\n", key);
	else
		sb_printf(b, "%-15s %ld\n", key, v);
}

void kc_env_text(const struct kc_env *e, struct strbuf *b)
{
	sb_printf(b, "%-15s %s\n", "release", e->release);
	sb_printf(b, "%-15s %s\n", "arch", e->machine);
	put_line(b, "bpf_jit_enable", e->bpf_jit_enable);
	put_line(b, "bpf_jit_harden", e->bpf_jit_harden);
	put_line(b, "optmem_max", e->optmem_max);
	put_line(b, "wmem_max", e->wmem_max);
	put_line(b, "ncpus", e->ncpus);
	sb_printf(b, "%-15s %u\n", "euid", e->euid);
	sb_printf(b, "%-15s net_admin=%s net_raw=%s sys_admin=%s\n", "capabilities",
		  e->cap_net_admin ? "yes" : "no", e->cap_net_raw ? "yes" : "no",
		  e->cap_sys_admin ? "yes" : "no");
}
