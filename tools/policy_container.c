/*
 * policy_container.c - the container a Docker profile is resolved for
 * (policy.h, struct policy_container): its capability set and the kernel
 * version, which decide the rules with includes/excludes.caps and
 * minKernel, as Docker's daemon decides them (moby profiles/seccomp,
 * docs/seccomp-input.md). Owns the names of Linux's capabilities, Docker's
 * default container set, reading a --caps list and a kernel version.
 */
#include "policy.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

/* Linux's capabilities (uapi linux/capability.h), by number: 0..40,
 * CAP_LAST_CAP = CAP_CHECKPOINT_RESTORE on Linux 6.18. */
static const char *const cap_names[] = {
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID",
	"SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST",
	"NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO",
	"SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
	"SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE",
	"AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM",
	"BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
};

#define NCAPS (sizeof(cap_names) / sizeof(cap_names[0]))

#define BIT(n) ((uint64_t)1 << (n))

/* Docker's default container capabilities: moby oci/caps/defaults.go,
 * DefaultCapabilities() (the bounding set of a container started without
 * --cap-add, --cap-drop or --privileged). */
uint64_t policy_caps_docker_default(void)
{
	return BIT(0) /* CHOWN */ | BIT(1) /* DAC_OVERRIDE */ | BIT(4) /* FSETID */ |
	       BIT(3) /* FOWNER */ | BIT(27) /* MKNOD */ | BIT(13) /* NET_RAW */ |
	       BIT(6) /* SETGID */ | BIT(7) /* SETUID */ | BIT(31) /* SETFCAP */ |
	       BIT(8) /* SETPCAP */ | BIT(10) /* NET_BIND_SERVICE */ |
	       BIT(18) /* SYS_CHROOT */ | BIT(5) /* KILL */ | BIT(29) /* AUDIT_WRITE */;
}

uint64_t policy_caps_all(void)
{
	return BIT(NCAPS) - 1;
}

/* The number of a capability named as Docker's profiles and its bounding
 * set spell it: "CAP_" and the upper-case name. -1 when there is none. */
int policy_cap_number(const char *name, size_t len)
{
	if (len <= 4 || memcmp(name, "CAP_", 4) != 0)
		return -1;
	for (size_t i = 0; i < NCAPS; i++)
		if (strlen(cap_names[i]) == len - 4 && memcmp(cap_names[i], name + 4, len - 4) == 0)
			return (int)i;
	return -1;
}

/* One name of a --caps list, any case, with or without CAP_ (as Docker's
 * --cap-add takes it). */
static int cap_from_word(const char *w, size_t len)
{
	char up[40];

	if (len >= 4 && strncasecmp(w, "CAP_", 4) == 0) {
		w += 4;
		len -= 4;
	}
	if (len == 0 || len + 4 >= sizeof(up))
		return -1;
	memcpy(up, "CAP_", 4);
	for (size_t i = 0; i < len; i++)
		up[4 + i] = (char)toupper((unsigned char)w[i]);
	return policy_cap_number(up, len + 4);
}

int policy_caps_parse(const char *list, uint64_t *caps, const char **bad, size_t *bad_len)
{
	const char *p = list;

	*caps = 0;
	*bad = list;
	*bad_len = strlen(list);
	if (strcasecmp(list, "all") == 0) {
		*caps = policy_caps_all();
		return 0;
	}
	if (strcasecmp(list, "none") == 0)
		return 0;
	for (;;) {
		size_t n = strcspn(p, ",");
		int c = cap_from_word(p, n);
		if (c < 0) {
			*bad = p;
			*bad_len = n;
			return -1;
		}
		*caps |= BIT(c);
		if (p[n] == '\0')
			return 0;
		p += n + 1;
	}
}

/* A decimal number 0..255 of at least one digit at *s; *s moves past it. */
static int small_number(const char **s, unsigned *out)
{
	unsigned v = 0;
	size_t n = 0;

	while (isdigit((unsigned char)(*s)[n])) {
		v = v * 10 + (unsigned)((*s)[n] - '0');
		if (v > 255)
			return -1;
		n++;
	}
	if (n == 0)
		return -1;
	*s += n;
	*out = v;
	return 0;
}

int policy_kernel_parse(const char *s, bool release, unsigned *major, unsigned *minor)
{
	if (small_number(&s, major) != 0 || *s++ != '.' || small_number(&s, minor) != 0)
		return -1;
	/* a release (uname -r: 6.18.0-1-amd64, 3.12-rc5) is read as moby reads
	 * the host's: its kernel and major revision, the rest ignored */
	return *s == '\0' || release ? 0 : -1;
}

void policy_container_init(struct policy_container *c)
{
	static struct utsname u;

	memset(c, 0, sizeof(*c));
	c->caps = policy_caps_docker_default();
	if (uname(&u) != 0)
		return;
	c->kernel_release = u.release;
	c->kernel_known = policy_kernel_parse(u.release, true, &c->kernel_major,
					      &c->kernel_minor) == 0;
}

bool policy_kernel_at_least(const struct policy_container *c, unsigned major, unsigned minor)
{
	return c->kernel_major > major || (c->kernel_major == major && c->kernel_minor >= minor);
}
