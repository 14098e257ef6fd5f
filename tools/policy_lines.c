/*
 * policy_lines.c - cbpf's compact seccomp policy format, one statement a
 * line, read into the model of policy.h (docs/seccomp-input.md):
 *
 *   # a comment (to the end of the line)
 *   default errno(1)                 the default action (required, once)
 *   arch x86_64 aarch64              the arches the policy is for
 *   optimize 2                       SCMP_FLTATR_CTL_OPTIMIZE (1 or 2)
 *   allow read write exit_group      ACTION NAME... [CONDITION...]
 *   errno(9) close a0 <= 2
 *   errno(22) getpriority a0 & 0xff == 0
 *
 * Actions: allow, log, trap, kill (= kill_thread), kill_process, notify,
 * errno(N), trace(N) (N a number or an errno name such as EACCES; errno
 * and trace alone: EPERM, as runc), any case,
 * SCMP_ACT_ prefix allowed. A condition is `aI OP VALUE` (I 0..5; OP ==
 * != < <= > >=) or `aI & MASK == VALUE`; numbers are decimal or 0x hex
 * (u64). Tokens are separated by blanks. Every error is FILE:LINE:COL.
 */
#include "policy.h"

#include "cbpf/errname.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_TOKENS 4096 /* on one line; a longer line is an error */

struct tok {
	char *s;
	unsigned col;
};

struct lr {
	const char *file;
	struct policy *p;
	unsigned line;
	bool have_default;
	size_t names;           /* of every rule so far */
};

static int err_at(const struct lr *r, unsigned col, const char *fmt, const char *arg)
{
	struct policy_loc l = { .line = r->line, .col = col };

	policy_error(r->file, &l, fmt, arg);
	return -1;
}

/* ---- values ---- */

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	if (s[0] == '0' && s[1] != '\0' && s[1] != 'x' && s[1] != 'X')
		return -1; /* no octal */
	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno != 0 || *end != '\0' || end == s ? -1 : 0;
}

static const struct {
	const char *name;
	uint32_t value;
	bool has_data;
} actions[] = {
	{ "allow", 0x7fff0000, false }, { "log", 0x7ffc0000, false },
	{ "trap", 0x00030000, false }, { "kill", 0x00000000, false },
	{ "kill_thread", 0x00000000, false }, { "kill_process", 0x80000000, false },
	{ "notify", 0x7fc00000, false }, { "errno", 0x00050000, true },
	{ "trace", 0x7ff00000, true },
};

#define ACTIONS_TEXT "allow, errno(N), kill, kill_process, trap, trace(N), log, notify"

/* The errno called name ("EPERM"), as cbpf_errno_name() names them. */
static int errno_from_name(const char *name, uint64_t *out)
{
	for (int e = 1; e < 4096; e++) {
		if (strcmp(cbpf_errno_name(e), name) == 0) {
			*out = (uint64_t)e;
			return 0;
		}
	}
	return -1;
}

/* An action token: NAME or NAME(N); 1 when it is not an action name. */
static int parse_action(const struct lr *r, const struct tok *t, uint32_t *out)
{
	const char *s = t->s;
	size_t n;

	if (strncasecmp(s, "SCMP_ACT_", 9) == 0)
		s += 9;
	n = strcspn(s, "(");
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		uint64_t data = EPERM;
		if (strlen(actions[i].name) != n || strncasecmp(s, actions[i].name, n) != 0)
			continue;
		if (s[n] == '(') {
			size_t len = strlen(s);
			char num[32];
			if (!actions[i].has_data)
				return err_at(r, t->col, "'%.64s': only errno(N) and trace(N) take a number",
					      t->s);
			if (s[len - 1] != ')' || len - n - 2 >= sizeof(num))
				return err_at(r, t->col, "'%.64s': expected errno(N) or trace(N)", t->s);
			memcpy(num, s + n + 1, len - n - 2);
			num[len - n - 2] = '\0';
			if (num[0] == 'E' ? errno_from_name(num, &data) != 0
					  : parse_u64(num, &data) != 0 || data > 0xffff)
				return err_at(r, t->col, "'%.64s': the number is 0..65535 or an errno "
					      "name (EPERM, EACCES, ...)", t->s);
		}
		*out = actions[i].value | (actions[i].has_data ? (uint32_t)data : 0);
		return 0;
	}
	return 1;
}

static const struct {
	const char *text;
	enum policy_op op;
} ops[] = {
	{ "==", POLICY_CMP_EQ }, { "!=", POLICY_CMP_NE }, { "<", POLICY_CMP_LT },
	{ "<=", POLICY_CMP_LE }, { ">", POLICY_CMP_GT }, { ">=", POLICY_CMP_GE },
};

static bool is_arg(const char *s)
{
	return s[0] == 'a' && s[1] >= '0' && s[1] <= '5' && s[2] == '\0';
}

/* One condition at t[*i]; advances *i past it. */
static int parse_cond(const struct lr *r, const struct tok *t, size_t n, size_t *i,
		      struct policy_arg *a)
{
	size_t k = *i;
	bool masked = k + 1 < n && strcmp(t[k + 1].s, "&") == 0;
	size_t need = masked ? 5 : 3;

	memset(a, 0, sizeof(*a));
	a->loc.line = r->line;
	a->loc.col = t[k].col;
	a->index = (unsigned)(t[k].s[1] - '0');
	if (k + need > n)
		return err_at(r, t[k].col, "'%.16s': a condition is aI OP VALUE or aI & MASK == VALUE",
			      t[k].s);
	if (masked) {
		if (parse_u64(t[k + 2].s, &a->value) != 0)
			return err_at(r, t[k + 2].col, "bad mask '%.64s' (a u64, decimal or 0x hex)",
				      t[k + 2].s);
		if (strcmp(t[k + 3].s, "==") != 0)
			return err_at(r, t[k + 3].col, "'%.16s': a masked condition is aI & MASK == VALUE",
				      t[k + 3].s);
		if (parse_u64(t[k + 4].s, &a->value_two) != 0)
			return err_at(r, t[k + 4].col, "bad value '%.64s' (a u64, decimal or 0x hex)",
				      t[k + 4].s);
		a->op = POLICY_CMP_MASKED_EQ;
		*i = k + 5;
		return 0;
	}
	size_t o = 0;
	while (o < sizeof(ops) / sizeof(ops[0]) && strcmp(ops[o].text, t[k + 1].s) != 0)
		o++;
	if (o == sizeof(ops) / sizeof(ops[0]))
		return err_at(r, t[k + 1].col, "unknown operator '%.16s' (==, !=, <, <=, >, >=, or "
			      "& MASK ==)", t[k + 1].s);
	a->op = ops[o].op;
	if (parse_u64(t[k + 2].s, &a->value) != 0)
		return err_at(r, t[k + 2].col, "bad value '%.64s' (a u64, decimal or 0x hex)",
			      t[k + 2].s);
	*i = k + 3;
	return 0;
}

/* ---- statements ---- */

static int add_rule(struct lr *r, const struct tok *t, size_t n, uint32_t action)
{
	struct policy *p = r->p;
	struct policy_rule *rules = realloc(p->rules, (p->nrules + 1) * sizeof(*rules));
	struct policy_rule *ru;
	size_t i = 1;

	if (rules == NULL)
		return err_at(r, 1, "%s", "out of memory");
	p->rules = rules;
	ru = &rules[p->nrules];
	memset(ru, 0, sizeof(*ru));
	ru->action = action;
	ru->loc.line = r->line;
	ru->loc.col = t[0].col;
	ru->names = calloc(n, sizeof(*ru->names));
	ru->args = calloc(n, sizeof(*ru->args));
	p->nrules++; /* freed with the policy from here on */
	if (ru->names == NULL || ru->args == NULL)
		return err_at(r, 1, "%s", "out of memory");
	for (; i < n && !is_arg(t[i].s); i++) {
		if (++r->names > POLICY_MAX_RULES)
			return err_at(r, t[i].col, "more than %s rules (each name of each rule counts): "
				      "more than a filter the kernel loads (4096 instructions) holds",
				      "4096");
		ru->names[ru->nnames].name = t[i].s;
		ru->names[ru->nnames].loc = (struct policy_loc){ .line = r->line, .col = t[i].col };
		ru->nnames++;
	}
	if (ru->nnames == 0)
		return err_at(r, t[0].col, "'%.64s': no syscall names after the action", t[0].s);
	while (i < n) {
		if (!is_arg(t[i].s))
			return err_at(r, t[i].col, "'%.64s': expected a condition (a0..a5) after the "
				      "first one", t[i].s);
		if (parse_cond(r, t, n, &i, &ru->args[ru->nargs]) != 0)
			return -1;
		ru->nargs++;
	}
	return 0;
}

static int statement(struct lr *r, const struct tok *t, size_t n)
{
	struct policy *p = r->p;
	uint32_t action;
	int rc;

	if (strcmp(t[0].s, "default") == 0) {
		if (r->have_default)
			return err_at(r, t[0].col, "%s", "a second default");
		if (n != 2)
			return err_at(r, t[0].col, "%s", "default takes one action");
		rc = parse_action(r, &t[1], &p->default_action);
		if (rc > 0)
			return err_at(r, t[1].col, "unknown action '%.64s' (" ACTIONS_TEXT ")", t[1].s);
		p->default_loc = (struct policy_loc){ .line = r->line, .col = t[1].col };
		r->have_default = rc == 0;
		return rc;
	}
	if (strcmp(t[0].s, "arch") == 0) {
		struct policy_name *a = realloc(p->arches, (p->narches + n) * sizeof(*a));
		if (a == NULL)
			return err_at(r, 1, "%s", "out of memory");
		p->arches = a;
		if (n < 2)
			return err_at(r, t[0].col, "%s", "arch takes one or more arch names");
		for (size_t i = 1; i < n; i++) {
			a[p->narches].name = t[i].s;
			a[p->narches++].loc = (struct policy_loc){ .line = r->line, .col = t[i].col };
		}
		return 0;
	}
	if (strcmp(t[0].s, "optimize") == 0) {
		uint64_t v;
		if (n != 2 || parse_u64(t[1].s, &v) != 0 || v < 1 || v > 2)
			return err_at(r, t[0].col, "%s", "optimize takes 1 (priority) or 2 (binary tree)");
		p->optimize = (unsigned)v;
		p->optimize_loc = (struct policy_loc){ .line = r->line, .col = t[1].col };
		return 0;
	}
	rc = parse_action(r, &t[0], &action);
	if (rc > 0)
		return err_at(r, t[0].col, "unknown action or statement '%.64s' (default, arch, "
			      "optimize, or an action: " ACTIONS_TEXT ")", t[0].s);
	return rc == 0 ? add_rule(r, t, n, action) : -1;
}

/* Split one line (NUL-terminated in place) into tokens. */
static int tokens(const struct lr *r, char *line, size_t len, struct tok *t, size_t *n)
{
	*n = 0;
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)line[i];
		if (c == '#')
			break;
		if (c == ' ' || c == '\t' || c == '\r') {
			line[i++] = '\0';
			continue;
		}
		if (c < 0x21 || c > 0x7e)
			return err_at(r, (unsigned)i + 1, c == 0 ? "a NUL byte%s" :
				      "a byte that is not printable ASCII%s", "");
		if (*n == MAX_TOKENS)
			return err_at(r, (unsigned)i + 1, "more than %s tokens on one line", "4096");
		t[*n].s = line + i;
		t[(*n)++].col = (unsigned)i + 1;
		while (i < len && line[i] > 0x20 && line[i] < 0x7f && line[i] != '#')
			i++;
	}
	if (*n > 0) {
		/* the comment or the end of the line ends the last token */
		char *end = t[*n - 1].s + strcspn(t[*n - 1].s, " \t\r#");
		*end = '\0';
	}
	return 0;
}

int policy_lines_read(const char *file, char *buf, size_t len, uint32_t arch, struct policy *p)
{
	struct lr r = { file, p, 0, false, 0 };
	struct tok *t = calloc(MAX_TOKENS, sizeof(*t));
	size_t at = 0;
	int rc = 0;

	(void)arch;
	memset(p, 0, sizeof(*p));
	if (t == NULL) {
		policy_error(file, NULL, "out of memory");
		return -1;
	}
	while (rc == 0 && at < len) {
		char *line = buf + at;
		char *nl = memchr(line, '\n', len - at);
		size_t n, ll = nl != NULL ? (size_t)(nl - line) : len - at;
		r.line++;
		at += ll + 1;
		if (nl != NULL)
			*nl = '\0';
		rc = tokens(&r, line, ll, t, &n);
		if (rc == 0 && n > 0)
			rc = statement(&r, t, n);
	}
	free(t);
	if (rc == 0 && !r.have_default) {
		policy_error(file, NULL, "no default action (a line `default ACTION`, e.g. "
			     "`default errno(1)`)");
		rc = -1;
	}
	if (rc != 0)
		policy_free(p);
	return rc;
}
