/*
 * length_oracle.c - planning the kernel runs that turn min(v, len)
 * observations into the exact 32-bit verdict (see length_oracle.h).
 */
#include "length_oracle.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbpf/validate.h"
#include "cbpf/errname.h"

enum step { STEP_OK = 0, STEP_UNFIT, STEP_ENV };

/* What a run shows: 0 = dropped, else min(v, q) with q = max(len, 1). */
struct obs_alphabet {
	uint32_t q;
};

static uint32_t floor_log2(uint32_t x)
{
	return x ? 31u - (uint32_t)__builtin_clz(x) : 0;
}

static uint32_t low_mask(uint32_t bits)
{
	return bits >= 32 ? UINT32_MAX : (1u << bits) - 1u;
}

static uint32_t alphabet(size_t len)
{
	return len == 0 ? 1 : len > (1u << 30) ? (1u << 30) : (uint32_t)len;
}

/* The verify variant for hint h at alphabet q (see verify_hint). */
static struct kc_variant verify_variant(const struct kc_hint *h, uint32_t q)
{
	struct kc_variant v = { .kind = KC_VAR_VERIFY, .expect = h->verdict };

	if (h->abort) {
		v.expect = 0;
		v.match = v.mismatch = 1; /* every ret is a mismatch */
	} else {
		v.match = q >= 2 ? 2 : 1;
		v.mismatch = q >= 2 ? 1 : 0;
	}
	return v;
}

/* Whether a `ret a` variant of insns loads only if insns does (see the
 * header): the rewrite cannot make a rejected program acceptable. */
static bool rewrite_load_safe(const struct cbpf_insn *insns, size_t n)
{
	uint16_t last;

	if (n == 0)
		return false;
	last = insns[n - 1].code;
	if (last != 0x06 && last != 0x16)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint16_t c = insns[i].code;
		if (c == 0x60 || c == 0x61) /* ld/ldx M[k] */
			return false;
		if (c == 0x05 && (uint64_t)i + 1 + insns[i].k >= n)
			return false;
		if (CBPF_CLASS(c) == CBPF_JMP && c != 0x05 &&
		    (i + 1 + insns[i].jt >= n || i + 1 + insns[i].jf >= n))
			return false;
	}
	return true;
}

/* The first variant discover() runs at alphabet q: ids when the constants
 * (and, with `ret a`, one symbol for a big A) fit the alphabet, else a +1
 * slice that separates aborts. */
static struct kc_variant discover_first(const struct kc_len_engine *e, uint32_t q)
{
	uint32_t m = (uint32_t)e->shape.nconsts;
	bool has_a = e->shape.has_ret_a;
	struct kc_variant v = { .kind = KC_VAR_IDS, .base = 1 };

	if ((uint64_t)m + has_a <= q) {
		v.span = has_a ? q - m : 0;
		return v;
	}
	v.kind = KC_VAR_SLICE;
	v.shift = 0;
	v.mask = low_mask(floor_log2(q) > 16 ? 16 : floor_log2(q));
	v.add = 1;
	return v;
}

/* Whether a hint is checked before discovery: always with `ret a`; without
 * it only when ids would not settle the verdict in one run anyway. */
static bool hint_first(const struct kc_len_engine *e, const struct kc_hint *h, uint32_t q)
{
	return h != NULL && h->valid && (e->shape.has_ret_a || e->shape.nconsts > q);
}

/* The first variant to attach: the one the first input needs, when that
 * is safe (see the header), else the original. */
static struct kc_variant first_variant(const struct kc_len_engine *e,
				       const struct kc_len_input *first)
{
	struct kc_variant v = { .kind = KC_VAR_ORIG };
	uint32_t q;

	if (e->plain_only)
		return v;
	if (first == NULL) {
		if (!e->shape.has_ret_a) {
			/* only ret constants change: loads exactly when the original does */
			v.kind = KC_VAR_IDS;
			v.base = 1;
		}
		return v;
	}
	if (e->shape.has_ret_a && !e->shape.inline_ok &&
	    !rewrite_load_safe(e->insns, e->shape.n))
		return v;
	q = alphabet(first->filter_len);
	if (hint_first(e, first->hint, q))
		return verify_variant(first->hint, q);
	return discover_first(e, q);
}

/* An epilogue rewrite of a program with `ret a` may push an eBPF jump out
 * of s16 range (an inline one cannot: verdict_rewrite.c). */
static bool jumps_may_overflow(const struct kc_len_engine *e, const struct kc_variant *v,
			       size_t len)
{
	struct cbpf_load_prediction p;

	if (v->kind == KC_VAR_ORIG || !e->shape.has_ret_a || kc_variant_inline(v, &e->shape))
		return false;
	cbpf_predict_load(e->buf, len, CBPF_PROFILE_LINUX, &p);
	return !p.jumps_fit;
}

static int attach_variant(struct kc_len_engine *e, const struct kc_variant *v, bool *env_limit,
			  size_t *len)
{
	*len = kc_variant_build(v, &e->shape, e->insns, e->buf);
	if (*len == 0 && e->shape.n != 0)
		return E2BIG; /* the rewrite would exceed 4096 instructions */
	if (jumps_may_overflow(e, v, *len))
		return EINVAL;
	return e->ch.attach(e->ch.self, e->buf, *len, env_limit);
}

int kc_len_load(struct kc_len_engine *e, const struct kc_len_channel *ch,
		const struct cbpf_insn *insns, size_t n, const struct kc_len_input *first,
		struct kc_load *out)
{
	struct kc_variant v;
	bool env_limit = false;
	size_t len;
	int err;

	memset(out, 0, sizeof(*out));
	memset(e, 0, sizeof(*e));
	e->ch = *ch;
	e->insns = malloc((n ? n : 1) * sizeof(*insns));
	if (e->insns == NULL || kc_shape_init(&e->shape, insns, n) != 0 ||
	    kc_shape_allow_inline(&e->shape, insns) != 0 ||
	    (e->buf = malloc(kc_variant_room(&e->shape) * sizeof(*insns))) == NULL) {
		kc_len_unload(e);
		out->errnum = ENOMEM;
		out->env_limit = true;
		snprintf(out->msg, sizeof(out->msg), "ENOMEM: out of memory in the oracle");
		return -1;
	}
	if (n)
		memcpy(e->insns, insns, n * sizeof(*insns));
	e->plain_only = e->shape.uses_random || (e->shape.uses_nodev && !ch->has_device);
	v = first_variant(e, first);
	err = attach_variant(e, &v, &env_limit, &len);
	if (err != 0 && v.kind != KC_VAR_ORIG && e->shape.has_ret_a) {
		/* the rewrite did not load: ask about the program itself */
		v.kind = KC_VAR_ORIG;
		env_limit = false;
		err = attach_variant(e, &v, &env_limit, &len);
	}
	out->errnum = err;
	out->env_limit = env_limit;
	if (err != 0) {
		snprintf(out->msg, sizeof(out->msg), "%s: the kernel refused the program%s",
			 cbpf_errno_name(err),
			 env_limit ? " (ENOMEM again on a fresh socket: an optmem_max limit)" : "");
		kc_len_unload(e);
		return -1;
	}
	out->readback_ok = ch->readback == NULL || ch->readback(ch->self, e->buf, len);
	e->attached = v;
	e->have_attached = true;
	e->loaded = true;
	return 0;
}

void kc_len_unload(struct kc_len_engine *e)
{
	free(e->insns);
	free(e->buf);
	kc_shape_free(&e->shape);
	e->insns = NULL;
	e->buf = NULL;
	e->loaded = false;
	e->have_attached = false;
}

static void set_note(struct kc_verdict *out, const char *fmt, const char *a, const char *b)
{
	snprintf(out->note, sizeof(out->note), fmt, a, b);
}

/* Attach variant v unless it already is, then send the input once. */
static enum step run_variant(struct kc_len_engine *e, const struct kc_variant *v,
			     const struct kc_len_input *in, uint32_t q, uint32_t *sym,
			     struct kc_verdict *out)
{
	char what[64];
	long got;
	int err;

	if (!e->have_attached || !kc_variant_equal(&e->attached, v)) {
		size_t n = kc_variant_build(v, &e->shape, e->insns, e->buf);
		bool env_limit = false;

		kc_variant_describe(v, what, sizeof(what));
		if (n == 0) {
			set_note(out, "the %s rewrite needs more than 4096 instructions%s", what, "");
			return STEP_UNFIT;
		}
		if (jumps_may_overflow(e, v, n)) {
			set_note(out, "the %s rewrite overflows an eBPF s16 jump%s", what, "");
			return STEP_UNFIT;
		}
		e->have_attached = false;
		err = e->ch.attach(e->ch.self, e->buf, n, &env_limit);
		out->attaches++;
		if (err != 0) {
			set_note(out, "the %s rewrite does not load: %s", what, cbpf_errno_name(err));
			if (v->kind == KC_VAR_ORIG) {
				out->error = err;
				return STEP_ENV;
			}
			return STEP_UNFIT;
		}
		e->attached = *v;
		e->have_attached = true;
	}
	err = e->ch.observe(e->ch.self, in->pkt, in->len, &got, out->note, sizeof(out->note));
	out->runs++;
	if (err != 0) {
		out->error = err;
		return STEP_ENV;
	}
	if (got < 0)
		*sym = 0;
	else if (in->filter_len == 0 || got == 0)
		*sym = 1;
	else
		*sym = (uint64_t)got >= q ? q : (uint32_t)got;
	return STEP_OK;
}

static void set_exact(struct kc_verdict *out, uint32_t v, bool abort)
{
	out->verdict = v;
	out->exact = true;
	out->abort_known = true;
	out->abort = abort;
}

/* Plain observation: exact only when the value is below the alphabet. */
static void observe_plain(struct kc_len_engine *e, const struct kc_len_input *in, uint32_t q,
			  struct kc_verdict *out)
{
	struct kc_variant orig = { .kind = KC_VAR_ORIG };
	uint32_t sym;

	if (run_variant(e, &orig, in, q, &sym, out) != STEP_OK)
		return;
	out->verdict = sym;
	out->exact = sym < q;
	out->abort_known = false;
}

/* The remaining bits from `shift` up, abort already ruled out: `ret #0`
 * (a drop) is then just the slice value 0. */
static enum step slice_rest(struct kc_len_engine *e, const struct kc_len_input *in, uint32_t q,
			    uint32_t shift, uint32_t value, struct kc_verdict *out)
{
	uint32_t bits = floor_log2(q + 1u);
	struct kc_variant v = { .kind = KC_VAR_SLICE };

	if (bits > 16)
		bits = 16;
	v.mask = low_mask(bits);
	for (uint32_t s = shift; s < 32; s += bits) {
		uint32_t sym;
		enum step st;

		v.shift = s;
		st = run_variant(e, &v, in, q, &sym, out);
		if (st != STEP_OK)
			return st;
		if (sym > v.mask) {
			snprintf(out->note, sizeof(out->note),
				 "slice >>%u gave %u > %#x: the program is not deterministic", s,
				 sym, v.mask);
			return STEP_UNFIT;
		}
		value |= sym << s;
	}
	set_exact(out, value, false);
	return STEP_OK;
}

/* Discovery without a usable hint: ids (or a +1 slice), then slices. */
static enum step discover(struct kc_len_engine *e, const struct kc_len_input *in, uint32_t q,
			  bool known_zero, struct kc_verdict *out)
{
	uint32_t m = (uint32_t)e->shape.nconsts, sym;
	bool has_a = e->shape.has_ret_a;
	struct kc_variant v = discover_first(e, q);
	enum step st;

	if (v.kind == KC_VAR_IDS) {
		st = run_variant(e, &v, in, q, &sym, out);
		if (st != STEP_OK)
			return st;
		if (sym == 0) {
			set_exact(out, 0, true);
			return STEP_OK;
		}
		if (sym <= m) {
			set_exact(out, e->shape.consts[sym - 1], false);
			return STEP_OK;
		}
		if (!has_a || sym > m + v.span) {
			snprintf(out->note, sizeof(out->note), "ids run gave %u of %u symbols", sym,
				 m + v.span);
			return STEP_UNFIT;
		}
		if (sym < m + v.span || known_zero) {
			set_exact(out, known_zero ? 0 : sym - m - 1, false);
			return STEP_OK;
		}
		return slice_rest(e, in, q, 0, 0, out);
	}
	/* Too many constants for the alphabet: a +1 slice separates aborts. */
	st = run_variant(e, &v, in, q, &sym, out);
	if (st != STEP_OK)
		return st;
	if (sym == 0) {
		set_exact(out, 0, true);
		return STEP_OK;
	}
	if (sym - 1 > v.mask) {
		snprintf(out->note, sizeof(out->note), "first slice gave %u > %#x", sym - 1, v.mask);
		return STEP_UNFIT;
	}
	if (known_zero) {
		set_exact(out, 0, false);
		return STEP_OK;
	}
	return slice_rest(e, in, q, (uint32_t)__builtin_popcount(v.mask), sym - 1, out);
}

/* Check the hint in one run. Returns true when that settled the verdict. */
static bool verify_hint(struct kc_len_engine *e, const struct kc_hint *h,
			const struct kc_len_input *in, uint32_t q, struct kc_verdict *out,
			enum step *st)
{
	struct kc_variant v = verify_variant(h, q);
	uint32_t sym;

	*st = run_variant(e, &v, in, q, &sym, out);
	if (*st != STEP_OK)
		return true;
	if (sym == 0 && (h->abort || q >= 2)) {
		set_exact(out, 0, true);
		return true;
	}
	if (!h->abort && sym == v.match && sym != 0) {
		set_exact(out, h->verdict, false);
		return true;
	}
	return false;
}

void kc_len_verdict(struct kc_len_engine *e, const struct kc_len_input *in,
		    struct kc_verdict *out)
{
	const struct kc_hint *hint = in->hint;
	uint32_t q = alphabet(in->filter_len);
	bool zero = false, at_least_q = false;
	struct kc_variant orig = { .kind = KC_VAR_ORIG };
	enum step st;

	out->random = e->shape.uses_random;
	if (!e->loaded) {
		out->error = EINVAL;
		snprintf(out->note, sizeof(out->note), "no program is loaded");
		return;
	}
	if (e->plain_only) {
		observe_plain(e, in, q, out);
		return;
	}
	/* The original is attached anyway (programs with ret a): one send. */
	if (e->shape.has_ret_a && e->have_attached && kc_variant_equal(&e->attached, &orig)) {
		uint32_t sym;
		if (run_variant(e, &orig, in, q, &sym, out) != STEP_OK)
			return;
		if (sym > 0 && sym < q) {
			set_exact(out, sym, false);
			return;
		}
		zero = sym == 0;
		at_least_q = sym == q;
	}
	if (hint_first(e, hint, q)) {
		bool fits = zero ? (hint->abort || hint->verdict == 0)
			  : at_least_q ? (!hint->abort && hint->verdict >= q) : true;
		if (fits && verify_hint(e, hint, in, q, out, &st)) {
			if (st == STEP_UNFIT)
				observe_plain(e, in, q, out);
			return;
		}
	}
	st = discover(e, in, q, zero, out);
	if (st == STEP_UNFIT)
		observe_plain(e, in, q, out);
}
