/*
 * test_kernel_env.c - the environment record against independent sources
 * (uname, /proc/sys, /proc/self/status) and its JSON rendering.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "check.h"
#include "envrec.h"
#include "json.h"

static long sysctl_value(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f != NULL) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static unsigned long long cap_eff(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	unsigned long long v = 0;

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "CapEff:", 7) == 0)
			v = strtoull(line + 7, NULL, 16);
	if (f != NULL)
		fclose(f);
	return v;
}

int main(void)
{
	struct kc_env e;
	struct utsname u;
	struct strbuf b = { 0 };
	struct json_value *j;
	char err[128], *s;
	size_t len;
	uint64_t n;

	kc_env_collect(&e);
	CHECK_EQ(uname(&u), 0);
	CHECK_STR(e.release, u.release);
	CHECK_STR(e.machine, u.machine);
	CHECK_EQ(e.bpf_jit_enable, sysctl_value("/proc/sys/net/core/bpf_jit_enable"));
	CHECK_EQ(e.bpf_jit_harden, sysctl_value("/proc/sys/net/core/bpf_jit_harden"));
	CHECK_EQ(e.optmem_max, sysctl_value("/proc/sys/net/core/optmem_max"));
	CHECK_EQ(e.wmem_max, sysctl_value("/proc/sys/net/core/wmem_max"));
	CHECK_EQ(e.euid, geteuid());
	CHECK_EQ(e.cap_net_admin, (cap_eff() >> 12) & 1);
	CHECK_EQ(e.cap_net_raw, (cap_eff() >> 13) & 1);
	CHECK_EQ(e.cap_sys_admin, (cap_eff() >> 21) & 1);
	CHECK(e.ncpus >= 1);

	kc_env_json(&e, &b);
	s = sb_finish(&b, &len);
	CHECK(s != NULL);
	j = json_parse(s, len, err, sizeof(err));
	CHECK(j != NULL);
	if (j != NULL) {
		CHECK_STR(json_get(j, "release")->str, u.release);
		CHECK_STR(json_get(j, "arch")->str, u.machine);
		CHECK_EQ(json_u64(json_get(j, "optmem_max"), &n), 0);
		CHECK_EQ(n, (uint64_t)e.optmem_max);
		CHECK_EQ(json_u64(json_get(j, "euid"), &n), 0);
		CHECK_EQ(n, e.euid);
		CHECK(json_get(json_get(j, "caps"), "net_admin")->boolean == e.cap_net_admin);
		CHECK(json_get(j, "bpf_jit_harden") != NULL);
		json_free(j);
	}
	free(s);

	kc_env_text(&e, &b);
	s = sb_finish(&b, &len);
	CHECK(s != NULL && strstr(s, "optmem_max") != NULL && strstr(s, u.release) != NULL);
	free(s);
	return CHECK_DONE();
}
