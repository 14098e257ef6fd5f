/*
 * policy_json.c - the OCI runtime-spec / Docker seccomp profile (JSON:
 * defaultAction, defaultErrnoRet, architectures, archMap, syscalls[]:
 * names, action, errnoRet, args[]: index, value, valueTwo, op;
 * includes/excludes: arches, caps, minKernel) read into the model of
 * policy.h, as runc and Docker read it: an ERRNO or TRACE action without
 * errnoRet is EPERM, a rule whose includes/excludes leave the target arch
 * or the container (its capabilities, its kernel) out is not in the
 * policy, as moby's daemon leaves it out of the spec runc receives. Every key is checked: an unknown one (a typo) is an
 * error naming its JSON path, as is a value of the wrong type or range.
 * The document is bounded: at most POLICY_MAX_VALUES JSON values.
 */
#include "policy.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* Docker's default profile has about 1500 values; with its string a
 * value of the tree costs up to about 330 bytes (measured), so a policy
 * never needs more than about 22 MiB besides its text (4 MiB at most). */
#define POLICY_MAX_VALUES 65536

#define EPERM_DATA 1 /* runc: an ERRNO or TRACE action without errnoRet */

struct rd {
	const char *file;
	uint32_t arch;
	const struct policy_container *ctr;
	struct policy *p;
};

static void loc_set(struct policy_loc *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void loc_set(struct policy_loc *l, const char *fmt, ...)
{
	va_list ap;

	l->line = l->col = 0;
	va_start(ap, fmt);
	vsnprintf(l->path, sizeof(l->path), fmt, ap);
	va_end(ap);
}

static int type_error(const struct rd *r, const char *path, const char *want,
		      const struct json_value *v)
{
	struct policy_loc l;

	loc_set(&l, "%s", path);
	policy_error(r->file, &l, "expected %s, got %s", want, json_type_name(v->type));
	return -1;
}

static int want_type(const struct rd *r, const char *path, const struct json_value *v,
		     enum json_type t, const char *want)
{
	return v->type == t ? 0 : type_error(r, path, want, v);
}

/* Every key of obj is one of keys (NULL-terminated; "comment" always is). */
static int check_keys(const struct rd *r, const char *path, const struct json_value *obj,
		      const char *const *keys, const char *list)
{
	for (size_t i = 0; i < obj->n; i++) {
		bool known = strcmp(obj->keys[i], "comment") == 0;
		struct policy_loc l;
		for (size_t k = 0; keys[k] != NULL && !known; k++)
			known = strcmp(obj->keys[i], keys[k]) == 0;
		if (known)
			continue;
		loc_set(&l, "%s%s%.40s", path, path[0] ? "." : "", obj->keys[i]);
		policy_error(r->file, &l, "unknown key (%s)", list);
		return -1;
	}
	return 0;
}

/* ---- actions ---- */

static const struct {
	const char *name;
	uint32_t value;
	bool has_data;
} actions[] = {
	{ "SCMP_ACT_KILL", 0x00000000, false },
	{ "SCMP_ACT_KILL_THREAD", 0x00000000, false },
	{ "SCMP_ACT_KILL_PROCESS", 0x80000000, false },
	{ "SCMP_ACT_TRAP", 0x00030000, false },
	{ "SCMP_ACT_ERRNO", 0x00050000, true },
	{ "SCMP_ACT_TRACE", 0x7ff00000, true },
	{ "SCMP_ACT_LOG", 0x7ffc0000, false },
	{ "SCMP_ACT_ALLOW", 0x7fff0000, false },
	{ "SCMP_ACT_NOTIFY", 0x7fc00000, false },
};

#define ACTION_LIST "SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL, SCMP_ACT_KILL_THREAD, " \
	"SCMP_ACT_KILL_PROCESS, SCMP_ACT_TRAP, SCMP_ACT_TRACE, SCMP_ACT_LOG, SCMP_ACT_NOTIFY"

/* The action of obj[akey] with its obj[ekey] (errnoRet). */
static int read_action(const struct rd *r, const char *path, const struct json_value *obj,
		       const char *akey, const char *ekey, uint32_t *out)
{
	const struct json_value *a = json_get(obj, akey), *e = json_get(obj, ekey);
	char sub[96];
	uint32_t data = EPERM_DATA;
	size_t i;

	snprintf(sub, sizeof(sub), "%s%s%s", path, path[0] ? "." : "", akey);
	if (a == NULL) {
		struct policy_loc l;
		loc_set(&l, "%s", sub);
		policy_error(r->file, &l, "missing (one of %s)", ACTION_LIST);
		return -1;
	}
	if (want_type(r, sub, a, JSON_STRING, "an action name") != 0)
		return -1;
	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strcmp(a->str, actions[i].name) == 0)
			break;
	if (i == sizeof(actions) / sizeof(actions[0])) {
		struct policy_loc l;
		loc_set(&l, "%s", sub);
		policy_error(r->file, &l, "unknown action '%.64s' (%s)", a->str, ACTION_LIST);
		return -1;
	}
	snprintf(sub, sizeof(sub), "%s%s%s", path, path[0] ? "." : "", ekey);
	if (e != NULL) {
		struct policy_loc l;
		loc_set(&l, "%s", sub);
		if (!actions[i].has_data) {
			policy_error(r->file, &l, "only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take %s",
				     ekey);
			return -1;
		}
		if (e->type != JSON_NUMBER || json_u32(e, &data) != 0 || data > 0xffff) {
			policy_error(r->file, &l, "expected a number 0..65535 (the errno), got %s",
				     e->type == JSON_NUMBER ? e->str : json_type_name(e->type));
			return -1;
		}
	}
	*out = actions[i].value | (actions[i].has_data ? data : 0);
	return 0;
}

/* ---- arches ---- */

/* Go's names (GOARCH), which Docker's includes/excludes.arches use, and
 * moby's own spelling of mipsel64n32 (profiles/seccomp: "mips3l64n32",
 * which its default.json writes). */
static const struct {
	const char *go, *seccomp;
} go_arches[] = {
	{ "amd64", "x86_64" }, { "386", "x86" }, { "arm64", "aarch64" }, { "mips64le", "mipsel64" },
	{ "mipsle", "mipsel" }, { "mips64p32le", "mipsel64n32" }, { "mips64p32", "mips64n32" },
	{ "mips3l64n32", "mipsel64n32" },
};

static bool arch_matches(const char *name, uint32_t arch)
{
	uint32_t token;

	for (size_t i = 0; i < sizeof(go_arches) / sizeof(go_arches[0]); i++)
		if (strcmp(name, go_arches[i].go) == 0)
			name = go_arches[i].seccomp;
	return policy_arch_from_name(name, &token) == 0 && token == arch;
}

static int push_arch(struct rd *r, const char *name, const char *path)
{
	struct policy *p = r->p;
	struct policy_name *n = realloc(p->arches, (p->narches + 1) * sizeof(*n));

	if (n == NULL) {
		policy_error(r->file, NULL, "out of memory");
		return -1;
	}
	p->arches = n;
	n[p->narches].name = name;
	loc_set(&n[p->narches].loc, "%s", path);
	p->narches++;
	return 0;
}

/* An array of arch names at path (architectures, archMap[i].subArchitectures). */
static int read_arch_list(struct rd *r, const struct json_value *v, const char *path)
{
	char sub[96];

	if (want_type(r, path, v, JSON_ARRAY, "an array of architecture names") != 0)
		return -1;
	for (size_t j = 0; j < v->n; j++) {
		snprintf(sub, sizeof(sub), "%s[%zu]", path, j);
		if (want_type(r, sub, &v->items[j], JSON_STRING, "an architecture name") != 0 ||
		    push_arch(r, v->items[j].str, sub) != 0)
			return -1;
	}
	return 0;
}

static int read_arch_map(struct rd *r, const struct json_value *v)
{
	static const char *const keys[] = { "architecture", "subArchitectures", NULL };

	if (want_type(r, "archMap", v, JSON_ARRAY, "an array") != 0)
		return -1;
	for (size_t i = 0; i < v->n; i++) {
		const struct json_value *e = &v->items[i], *a, *s;
		char path[48];
		snprintf(path, sizeof(path), "archMap[%zu]", i);
		if (want_type(r, path, e, JSON_OBJECT, "an object") != 0 ||
		    check_keys(r, path, e, keys, "architecture, subArchitectures") != 0)
			return -1;
		if ((a = json_get(e, "architecture")) != NULL) {
			snprintf(path, sizeof(path), "archMap[%zu].architecture", i);
			if (want_type(r, path, a, JSON_STRING, "an architecture name") != 0 ||
			    push_arch(r, a->str, path) != 0)
				return -1;
		}
		snprintf(path, sizeof(path), "archMap[%zu].subArchitectures", i);
		if ((s = json_get(e, "subArchitectures")) != NULL && read_arch_list(r, s, path) != 0)
			return -1;
	}
	return 0;
}

/* ---- rules ---- */

/* includes.caps (every listed capability is the container's) or
 * excludes.caps (any is): moby compares the names as written, so each
 * must be a capability as Docker spells it (CAP_SYS_ADMIN). */
static int read_caps(const struct rd *r, const char *path, const struct json_value *v,
		     bool include, bool *keep)
{
	bool all = true, any = false;
	char sub[128];

	if (v->type == JSON_NULL)
		return 0;
	if (want_type(r, path, v, JSON_ARRAY, "an array of capability names") != 0)
		return -1;
	for (size_t j = 0; j < v->n; j++) {
		const struct json_value *c = &v->items[j];
		struct policy_loc l;
		int n;
		snprintf(sub, sizeof(sub), "%s[%zu]", path, j);
		if (want_type(r, sub, c, JSON_STRING, "a capability name") != 0)
			return -1;
		n = policy_cap_number(c->str, c->str_len);
		if (n < 0) {
			loc_set(&l, "%s", sub);
			policy_error(r->file, &l, "unknown capability '%.40s' (Linux's, as Docker "
				     "writes them: CAP_SYS_ADMIN, CAP_NET_ADMIN, ...)", c->str);
			return -1;
		}
		all = all && (r->ctr->caps >> n & 1) != 0;
		any = any || (r->ctr->caps >> n & 1) != 0;
	}
	if (v->n > 0 && (include ? !all : any))
		*keep = false;
	return 0;
}

/* includes.minKernel (the kernel is at least "<kernel>.<major>") or
 * excludes.minKernel (it is): moby's version is "X.Y", each 0..255, not
 * 0.0; "" is no condition. */
static int read_min_kernel(const struct rd *r, const char *path, const struct json_value *v,
			   bool include, bool *keep)
{
	unsigned major, minor;
	struct policy_loc l;

	if (v->type == JSON_NULL || (v->type == JSON_STRING && v->str_len == 0))
		return 0;
	if (want_type(r, path, v, JSON_STRING, "a kernel version (\"4.8\")") != 0)
		return -1;
	loc_set(&l, "%s", path);
	if (strlen(v->str) != v->str_len || policy_kernel_parse(v->str, false, &major, &minor) != 0 ||
	    (major == 0 && minor == 0)) {
		policy_error(r->file, &l, "invalid kernel version '%.40s' (Docker's \"<kernel>.<major>\", "
			     "each 0..255, e.g. \"4.8\")", v->str);
		return -1;
	}
	if (!r->ctr->kernel_known) {
		policy_error(r->file, &l, "the host's kernel release '%.64s' is not X.Y...: give "
			     "--kernel-version X.Y", r->ctr->kernel_release != NULL
			     ? r->ctr->kernel_release : "(uname failed)");
		return -1;
	}
	if (policy_kernel_at_least(r->ctr, major, minor) != include)
		*keep = false;
	return 0;
}

/* includes / excludes of a Docker profile's rule, resolved as moby's
 * daemon resolves them (profiles/seccomp/seccomp_linux.go): the rule is
 * kept only when every condition given holds (includes) and none does
 * (excludes), for the target arch and the container ctr. */
static int read_condition(const struct rd *r, const char *path, const struct json_value *c,
			  bool include, bool *keep)
{
	static const char *const keys[] = { "arches", "caps", "minKernel", NULL };
	const struct json_value *a;
	char sub[96];
	bool any = false;

	if (want_type(r, path, c, JSON_OBJECT, "an object") != 0 ||
	    check_keys(r, path, c, keys, "arches, caps, minKernel") != 0)
		return -1;
	snprintf(sub, sizeof(sub), "%s.caps", path);
	if ((a = json_get(c, "caps")) != NULL && read_caps(r, sub, a, include, keep) != 0)
		return -1;
	snprintf(sub, sizeof(sub), "%s.minKernel", path);
	if ((a = json_get(c, "minKernel")) != NULL && read_min_kernel(r, sub, a, include, keep) != 0)
		return -1;
	if ((a = json_get(c, "arches")) == NULL)
		return 0;
	snprintf(sub, sizeof(sub), "%s.arches", path);
	if (want_type(r, sub, a, JSON_ARRAY, "an array of architecture names") != 0)
		return -1;
	for (size_t j = 0; j < a->n; j++) {
		snprintf(sub, sizeof(sub), "%s.arches[%zu]", path, j);
		if (want_type(r, sub, &a->items[j], JSON_STRING, "an architecture name") != 0)
			return -1;
		any = any || arch_matches(a->items[j].str, r->arch);
	}
	if (a->n > 0 && any != include)
		*keep = false;
	return 0;
}

static int read_u64(const struct rd *r, const char *path, const struct json_value *v,
		    uint64_t max, uint64_t *out)
{
	struct policy_loc l;

	if (v->type == JSON_NUMBER && json_u64(v, out) == 0 && *out <= max)
		return 0;
	loc_set(&l, "%s", path);
	policy_error(r->file, &l, "expected a number 0..%llu, got %.40s", (unsigned long long)max,
		     v->type == JSON_NUMBER ? v->str : json_type_name(v->type));
	return -1;
}

static const char *const ops[] = { NULL, "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",
				   "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
				   "SCMP_CMP_MASKED_EQ" };

static int read_op(const struct rd *r, const char *path, const struct json_value *v,
		   enum policy_op *op)
{
	struct policy_loc l;

	if (want_type(r, path, v, JSON_STRING, "an operator name") != 0)
		return -1;
	for (int i = POLICY_CMP_NE; i <= POLICY_CMP_MASKED_EQ; i++) {
		if (strcmp(v->str, ops[i]) == 0) {
			*op = (enum policy_op)i;
			return 0;
		}
	}
	loc_set(&l, "%s", path);
	policy_error(r->file, &l, "unknown operator '%.64s' (SCMP_CMP_EQ, SCMP_CMP_NE, SCMP_CMP_LT, "
		     "SCMP_CMP_LE, SCMP_CMP_GT, SCMP_CMP_GE, SCMP_CMP_MASKED_EQ)", v->str);
	return -1;
}

static int read_arg(const struct rd *r, const struct json_value *v, const char *path,
		    struct policy_arg *a)
{
	static const char *const keys[] = { "index", "value", "valueTwo", "op", NULL };
	static const char *const required[] = { "index", "value", "op" };
	const struct json_value *t;
	char sub[128];
	uint64_t index;

	if (want_type(r, path, v, JSON_OBJECT, "an object") != 0 ||
	    check_keys(r, path, v, keys, "index, value, valueTwo, op") != 0)
		return -1;
	for (size_t k = 0; k < 3; k++) {
		if (json_get(v, required[k]) == NULL) {
			loc_set(&a->loc, "%s.%s", path, required[k]);
			policy_error(r->file, &a->loc, "missing");
			return -1;
		}
	}
	memset(a, 0, sizeof(*a));
	loc_set(&a->loc, "%s", path);
	snprintf(sub, sizeof(sub), "%s.index", path);
	if (read_u64(r, sub, json_get(v, "index"), 5, &index) != 0)
		return -1;
	a->index = (unsigned)index;
	snprintf(sub, sizeof(sub), "%s.value", path);
	if (read_u64(r, sub, json_get(v, "value"), UINT64_MAX, &a->value) != 0)
		return -1;
	snprintf(sub, sizeof(sub), "%s.valueTwo", path);
	if ((t = json_get(v, "valueTwo")) != NULL &&
	    read_u64(r, sub, t, UINT64_MAX, &a->value_two) != 0)
		return -1;
	snprintf(sub, sizeof(sub), "%s.op", path);
	return read_op(r, sub, json_get(v, "op"), &a->op);
}

static int read_names(const struct rd *r, const char *path, const struct json_value *v,
		      struct policy_rule *ru)
{
	const struct json_value *names = json_get(v, "names"), *name = json_get(v, "name");
	size_t n = (names != NULL && names->type == JSON_ARRAY ? names->n : 0) + (name != NULL);
	char sub[96];

	snprintf(sub, sizeof(sub), "%s.names", path);
	if (names != NULL && want_type(r, sub, names, JSON_ARRAY, "an array of syscall names") != 0)
		return -1;
	if (n == 0) {
		struct policy_loc l;
		loc_set(&l, "%s", names != NULL ? sub : path);
		policy_error(r->file, &l, "no syscall names (\"names\": [\"read\", ...])");
		return -1;
	}
	ru->names = calloc(n, sizeof(*ru->names));
	if (ru->names == NULL) {
		policy_error(r->file, NULL, "out of memory");
		return -1;
	}
	for (size_t j = 0; names != NULL && j < names->n; j++) {
		snprintf(sub, sizeof(sub), "%s.names[%zu]", path, j);
		if (want_type(r, sub, &names->items[j], JSON_STRING, "a syscall name") != 0)
			return -1;
		ru->names[ru->nnames].name = names->items[j].str;
		loc_set(&ru->names[ru->nnames++].loc, "%s", sub);
	}
	if (name != NULL) {
		snprintf(sub, sizeof(sub), "%s.name", path);
		if (want_type(r, sub, name, JSON_STRING, "a syscall name") != 0)
			return -1;
		ru->names[ru->nnames].name = name->str;
		loc_set(&ru->names[ru->nnames++].loc, "%s", sub);
	}
	return 0;
}

static int read_args(const struct rd *r, const char *path, const struct json_value *v,
		     struct policy_rule *ru)
{
	const struct json_value *args = json_get(v, "args");
	char sub[96];

	if (args == NULL || args->type == JSON_NULL)
		return 0;
	snprintf(sub, sizeof(sub), "%s.args", path);
	if (want_type(r, sub, args, JSON_ARRAY, "an array") != 0)
		return -1;
	ru->args = calloc(args->n + 1, sizeof(*ru->args));
	if (ru->args == NULL) {
		policy_error(r->file, NULL, "out of memory");
		return -1;
	}
	for (size_t j = 0; j < args->n; j++) {
		snprintf(sub, sizeof(sub), "%s.args[%zu]", path, j);
		if (read_arg(r, &args->items[j], sub, &ru->args[j]) != 0)
			return -1;
		ru->nargs++;
	}
	return 0;
}

/* One element of syscalls[]; *keep false when its includes/excludes
 * leave the target arch or the container out. */
static int read_rule(const struct rd *r, const struct json_value *v, size_t i,
		     struct policy_rule *ru, bool *keep)
{
	static const char *const keys[] = { "names", "name", "action", "errnoRet", "args",
					    "includes", "excludes", NULL };
	const struct json_value *c;
	char path[48];

	memset(ru, 0, sizeof(*ru));
	snprintf(path, sizeof(path), "syscalls[%zu]", i);
	loc_set(&ru->loc, "%s", path);
	if (want_type(r, path, v, JSON_OBJECT, "an object") != 0 ||
	    check_keys(r, path, v, keys, "names, action, errnoRet, args, includes, excludes") != 0 ||
	    read_names(r, path, v, ru) != 0 ||
	    read_action(r, path, v, "action", "errnoRet", &ru->action) != 0 ||
	    read_args(r, path, v, ru) != 0)
		return -1;
	*keep = true;
	if ((c = json_get(v, "includes")) != NULL) {
		char sub[64];
		snprintf(sub, sizeof(sub), "%s.includes", path);
		if (read_condition(r, sub, c, true, keep) != 0)
			return -1;
	}
	if ((c = json_get(v, "excludes")) != NULL) {
		char sub[64];
		snprintf(sub, sizeof(sub), "%s.excludes", path);
		if (read_condition(r, sub, c, false, keep) != 0)
			return -1;
	}
	return 0;
}

static int read_rules(struct rd *r, const struct json_value *v)
{
	struct policy *p = r->p;

	if (want_type(r, "syscalls", v, JSON_ARRAY, "an array of rules") != 0)
		return -1;
	p->rules = calloc(v->n + 1, sizeof(*p->rules));
	if (p->rules == NULL) {
		policy_error(r->file, NULL, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < v->n; i++) {
		struct policy_rule *ru = &p->rules[p->nrules];
		bool keep = true;
		int rc = read_rule(r, &v->items[i], i, ru, &keep);
		if (rc == 0 && keep) {
			p->nrules++;
			continue;
		}
		free(ru->names);
		free(ru->args);
		memset(ru, 0, sizeof(*ru));
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* ---- the document ---- */

static int read_strings(const struct rd *r, const char *key, const struct json_value *v)
{
	char path[64];

	if (want_type(r, key, v, JSON_ARRAY, "an array of strings") != 0)
		return -1;
	for (size_t i = 0; i < v->n; i++) {
		snprintf(path, sizeof(path), "%s[%zu]", key, i);
		if (want_type(r, path, &v->items[i], JSON_STRING, "a string") != 0)
			return -1;
	}
	return 0;
}

static int read_profile(struct rd *r, const struct json_value *doc)
{
	static const char *const keys[] = { "defaultAction", "defaultErrnoRet", "architectures",
					    "archMap", "syscalls", "flags", "listenerPath",
					    "listenerMetadata", NULL };
	const struct json_value *v;

	if (doc->type != JSON_OBJECT) {
		policy_error(r->file, NULL, "expected a JSON object (an OCI or Docker seccomp "
			     "profile: {\"defaultAction\": ..., \"syscalls\": [...]}), got %s",
			     json_type_name(doc->type));
		return -1;
	}
	if (check_keys(r, "", doc, keys, "defaultAction, defaultErrnoRet, architectures, archMap, "
		       "syscalls, flags, listenerPath, listenerMetadata") != 0 ||
	    read_action(r, "", doc, "defaultAction", "defaultErrnoRet",
			&r->p->default_action) != 0)
		return -1;
	loc_set(&r->p->default_loc, "defaultAction");
	if ((v = json_get(doc, "architectures")) != NULL && v->type != JSON_NULL &&
	    read_arch_list(r, v, "architectures") != 0)
		return -1;
	if ((v = json_get(doc, "archMap")) != NULL && v->type != JSON_NULL &&
	    read_arch_map(r, v) != 0)
		return -1;
	if ((v = json_get(doc, "flags")) != NULL && v->type != JSON_NULL &&
	    read_strings(r, "flags", v) != 0)
		return -1;
	for (size_t k = 6; k < 8; k++)
		if ((v = json_get(doc, keys[k])) != NULL &&
		    want_type(r, keys[k], v, JSON_STRING, "a string") != 0)
			return -1;
	if ((v = json_get(doc, "syscalls")) != NULL && v->type != JSON_NULL)
		return read_rules(r, v);
	return 0;
}

int policy_json_read(const char *file, const char *buf, size_t len, uint32_t arch,
		     const struct policy_container *ctr, struct policy *p, void **tree)
{
	struct rd r = { file, arch, ctr, p };
	struct json_reader jr;
	struct json_value *doc;

	memset(p, 0, sizeof(*p));
	*tree = NULL;
	json_reader_init(&jr, buf, len, NULL, 0);
	doc = json_read_document(&jr, POLICY_MAX_VALUES);
	if (doc == NULL) {
		unsigned line, col;
		json_line_col(buf, len, jr.err_pos, &line, &col);
		fflush(stdout);
		fprintf(stderr, "%s:%u:%u: %s\n", file, line, col, jr.why);
		return -1;
	}
	*tree = doc;
	if (read_profile(&r, doc) != 0) {
		policy_free(p);
		return -1;
	}
	return 0;
}

void policy_json_free(void *tree)
{
	json_free(tree);
}
