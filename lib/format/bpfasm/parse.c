/*
 * format/bpfasm/parse.c - fmt_bpfasm_parse(): the kernel's tools/bpf/bpf_asm syntax,
 * plus cbpf's extensions for bytes bpf_asm cannot express (`.insn`, field
 * annotations `{jt=.., jf=.., k=..}`, relative targets `+N`), to a program.
 * docs/bpfasm-syntax.md is the reference for the syntax and every error.
 *
 * Two passes. Pass 1 reads statements (free-form, as in bpf_asm: newlines
 * are whitespace) into instructions, records label definitions and the
 * jump fields that name a label. Pass 2 sorts the labels and patches those
 * fields. Nothing recurses; every loop consumes input; every failure is a
 * diagnostic with the line and column of the offending token.
 *
 * What an opcode is and which raw fields it reads comes from the opcode
 * table (cbpf_opinfo) and the codec (cbpf_encode); this file only knows
 * the spelling.
 */
#include "insn/diag.h"
#include "cbpf/format.h"
#include "format/formats.h"
#include "cbpf/opcode.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lex.h"

/* Which raw field a label or annotation sets. */
enum field { F_K = CBPF_USES_K, F_JT = CBPF_USES_JT, F_JF = CBPF_USES_JF };

struct label {
	const char *name;
	size_t len;
	size_t insn;   /* index of the instruction it labels */
	size_t order;  /* definition order, for "defined twice" */
	unsigned line, col;
};

struct ref {
	const char *name;
	size_t len;
	size_t insn;   /* the jump */
	enum field field;
	unsigned line, col;
};

/* Labels and references live in the parser (no allocation) up to this
 * many. */
enum { SMALL_LIST = 16 };

struct parser {
	struct asm_lexer lx;
	struct asm_token tok;   /* current token */
	struct asm_token next;  /* lookahead, valid when has_next */
	unsigned char has_next; /* a flag: a byte, not a bool (UBSan checks bool loads) */
	struct cbpf_prog *out;
	size_t text_len;        /* of the whole input */
	struct cbpf_diag *d;
	struct label *labels;   /* small_labels until there are more */
	size_t nlabels, labels_cap;
	struct ref *refs;       /* small_refs until there are more */
	size_t nrefs, refs_cap;
	struct label small_labels[SMALL_LIST];
	struct ref small_refs[SMALL_LIST];
};

/* How an instruction's operands are spelled. */
enum syntax {
	SYN_LD,    /* ld   #k | #len | len | ext | M[k] | [k] | [x+k] */
	SYN_LDI,   /* ldi, ldxi   #k | k */
	SYN_LDHB,  /* ldh, ldb    [k] | [x+k] | ext */
	SYN_LDX,   /* ldx  #k | #len | len | M[k] | 4*([k]&0xf) */
	SYN_LDXB,  /* ldxb 4*([k]&0xf) */
	SYN_ST,    /* st, stx     M[k] */
	SYN_JA,    /* ja, jmp     target */
	SYN_JCOND, /* jeq jgt jge jset  (#k|x), Lt [, Lf] */
	SYN_JNEG,  /* jne jneq jlt jle  (#k|x), Lf   (jt = 0) */
	SYN_ALU,   /* add ... xor (#k|x) */
	SYN_NEG,
	SYN_RET,   /* ret #k | a | x */
	SYN_TAX,
	SYN_TXA,
};

struct mnemonic {
	enum asm_kw kw;       /* ASM_KW_NONE: not a mnemonic */
	enum syntax syn;
	enum cbpf_reg reg;
	enum cbpf_size size;
	enum cbpf_jmp_op jmp;
	enum cbpf_alu_op alu;
};

/* The mnemonics by keyword (format/bpfasm/lex.h tags identifiers with their
 * ASM_KW_*; an entry with kw ASM_KW_NONE is not a mnemonic). The ALU and
 * conditional-jump entries are expanded from cbpf/opcode_list.h. */
#define MN(kw, s, r, sz) [ASM_KW_##kw] = { ASM_KW_##kw, s, r, sz, 0, 0 }
#define MN_ALU(name, field, mnemonic) \
	[ASM_KW_##name] = { ASM_KW_##name, SYN_ALU, 0, CBPF_SIZE_W, 0, CBPF_ALU_##name },
#define MN_JMP(name, field, mnemonic) \
	[ASM_KW_##name] = { ASM_KW_##name, SYN_JCOND, 0, CBPF_SIZE_W, CBPF_JMP_##name, 0 },
#define MN_JNEG(kw, op) [ASM_KW_##kw] = { ASM_KW_##kw, SYN_JNEG, 0, CBPF_SIZE_W, CBPF_JMP_##op, 0 }
static const struct mnemonic mnemonics[ASM_KW_COUNT] = {
	MN(LD, SYN_LD, CBPF_REG_A, CBPF_SIZE_W),
	MN(LDI, SYN_LDI, CBPF_REG_A, CBPF_SIZE_W),
	MN(LDH, SYN_LDHB, CBPF_REG_A, CBPF_SIZE_H),
	MN(LDB, SYN_LDHB, CBPF_REG_A, CBPF_SIZE_B),
	MN(LDX, SYN_LDX, CBPF_REG_X, CBPF_SIZE_W),
	MN(LDXI, SYN_LDI, CBPF_REG_X, CBPF_SIZE_W),
	MN(LDXB, SYN_LDXB, CBPF_REG_X, CBPF_SIZE_B),
	MN(ST, SYN_ST, CBPF_REG_A, CBPF_SIZE_W),
	MN(STX, SYN_ST, CBPF_REG_X, CBPF_SIZE_W),
	MN(JA, SYN_JA, 0, CBPF_SIZE_W),
	MN(JMP, SYN_JA, 0, CBPF_SIZE_W),
	/* Virtual jumps: the condition's negation, target in jf. */
	MN_JNEG(JNE, JEQ),
	MN_JNEG(JNEQ, JEQ),
	MN_JNEG(JLT, JGE),
	MN_JNEG(JLE, JGT),
	MN(NEG, SYN_NEG, 0, CBPF_SIZE_W),
	MN(RET, SYN_RET, 0, CBPF_SIZE_W),
	MN(TAX, SYN_TAX, 0, CBPF_SIZE_W),
	MN(TXA, SYN_TXA, 0, CBPF_SIZE_W),
	CBPF_ALU_OP_LIST(MN_ALU)
	CBPF_JMP_OP_LIST(MN_JMP)
};
#undef MN
#undef MN_ALU
#undef MN_JMP
#undef MN_JNEG

/* The mnemonic an identifier names, or NULL. */
static const struct mnemonic *lookup_mnemonic(const struct asm_token *tok)
{
	const struct mnemonic *m = &mnemonics[tok->kw];

	return m->kw != ASM_KW_NONE ? m : NULL;
}

/* An extension name (bpf_asm's, plus `xor_x`, plus bpf_asm's alias
 * `vlan_pr`), or -1. The ASM_KW_ extension words follow enum cbpf_ext. */
static int lookup_ext(const struct asm_token *tok)
{
	unsigned e = (unsigned)tok->kw - ASM_KW_EXT_PROTOCOL;

	if (e < CBPF_EXT_COUNT)
		return (int)e;
	return tok->kw == ASM_KW_VLAN_PR ? CBPF_EXT_VLAN_TAG_PRESENT : -1;
}

/* Words bpf_asm's lexer turns into keywords (mnemonics, extension names,
 * `len`): they can never be labels. */
static bool is_reserved(const struct asm_token *tok)
{
	return tok->kw != ASM_KW_NONE && tok->kw <= ASM_KW_LEN;
}

/* ---- tokens ---- */

static int advance(struct parser *ps)
{
	if (ps->has_next) {
		ps->tok = ps->next;
		ps->has_next = 0;
		return 0;
	}
	return asm_lex_next(&ps->lx, &ps->tok, ps->d);
}

static int peek(struct parser *ps, const struct asm_token **out)
{
	if (!ps->has_next) {
		if (asm_lex_next(&ps->lx, &ps->next, ps->d) < 0)
			return -1;
		ps->has_next = 1;
	}
	*out = &ps->next;
	return 0;
}

/* tok->punct is '\0' for every other token type, and c never is. */
static bool is_punct(const struct asm_token *tok, char c)
{
	return tok->punct == c;
}

/* An identifier spelled as the word kw, in any case (`x`, `a`, `M`, `len`,
 * `jt`...); only identifiers have a kw. */
static bool is_word(const struct asm_token *tok, enum asm_kw kw)
{
	return tok->kw == kw;
}

static void describe(const struct asm_token *tok, char *out, size_t outlen)
{
	char ex[48];

	switch (tok->type) {
	case ASM_TOK_EOF:
		snprintf(out, outlen, "end of input");
		return;
	case ASM_TOK_PUNCT:
		snprintf(out, outlen, "'%c'", tok->punct);
		return;
	case ASM_TOK_NUMBER:
		asm_excerpt(ex, tok->text, tok->len, 40);
		snprintf(out, outlen, "number %s", ex);
		return;
	case ASM_TOK_DIRECTIVE:
		asm_excerpt(ex, tok->text, tok->len, 40);
		snprintf(out, outlen, "'.%s'", ex);
		return;
	case ASM_TOK_IDENT:
		break;
	}
	asm_excerpt(ex, tok->text, tok->len, 40);
	snprintf(out, outlen, "'%s'", ex);
}

static int expected(struct parser *ps, const char *what)
{
	char found[64];

	describe(&ps->tok, found, sizeof(found));
	return diag_set(ps->d, ps->tok.line, ps->tok.col, -1, "expected %s, found %s", what,
			     found);
}

static int expect_punct(struct parser *ps, char c)
{
	char what[8] = { '\'', c, '\'', '\0' };

	if (!is_punct(&ps->tok, c))
		return expected(ps, what);
	return advance(ps);
}

/* [+|-] NUMBER as a u32. K is 32 bits: -2^31 .. 2^32-1; a negative value
 * is stored in two's complement, as bpf_asm's strtol does. */
static int parse_number(struct parser *ps, uint32_t *v)
{
	unsigned line = 0, col = 0; /* of the sign, when there is one */
	char sign = ps->tok.punct;  /* '\0' for any token but punctuation */

	switch (sign) {
	case '+':
	case '-':
		line = ps->tok.line;
		col = ps->tok.col;
		if (advance(ps) < 0)
			return -1;
		break;
	default:
		sign = '\0';
		break;
	}
	if (ps->tok.type != ASM_TOK_NUMBER)
		return expected(ps, "a number");
	uint64_t m = ps->tok.value;
	bool neg = sign == '-';
	if (m > (neg ? (uint64_t)0x80000000u : (uint64_t)UINT32_MAX)) {
		if (sign == '\0') {
			line = ps->tok.line;
			col = ps->tok.col;
		}
		return diag_set(ps->d, line, col, -1,
				     "number out of range: k is 32 bits "
				     "(-2147483648 .. 4294967295)");
	}
	*v = neg ? (uint32_t)(0u - (uint32_t)m) : (uint32_t)m;
	return advance(ps);
}

/* A number no larger than max (for jt, jf, opcodes). */
static int parse_small(struct parser *ps, uint32_t max, const char *what, uint32_t *v)
{
	unsigned line = ps->tok.line, col = ps->tok.col;

	if (parse_number(ps, v) < 0)
		return -1;
	if (*v > max)
		return diag_set(ps->d, line, col, -1, "%s out of range (0 .. %u)", what, max);
	return 0;
}

/* ---- labels ---- */

/* Room for one more item; the first heap array takes over the items of
 * the in-parser one (`small`). */
static int grow(void **items, size_t *cap, size_t len, size_t size, void *small)
{
	if (len < *cap)
		return 0;
	size_t ncap = *cap * 4;
	void *n = *items == small ? malloc(ncap * size) : realloc(*items, ncap * size);
	if (n == NULL)
		return -1;
	if (*items == small)
		memcpy(n, small, len * size);
	*items = n;
	*cap = ncap;
	return 0;
}

static int out_of_memory(struct parser *ps)
{
	return diag_nomem(ps->d, ps->tok.line, ps->tok.col, -1);
}

/* Why an identifier cannot be a label, or NULL when it can. */
static const char *bad_label(const struct asm_token *tok)
{
	if (tok->type != ASM_TOK_IDENT)
		return "is not a label";
	if (tok->len < 2)
		return "is too short for a label (bpf_asm labels have at least 2 characters)";
	if (is_reserved(tok))
		return "is a reserved word and cannot be a label";
	return NULL;
}

static int label_error(struct parser *ps, const struct asm_token *tok, const char *why)
{
	char ex[48];

	asm_excerpt(ex, tok->text, tok->len, 40);
	return diag_set(ps->d, tok->line, tok->col, -1, "'%s' %s", ex, why);
}

/* `name:` ; the current token is the name and the next one is ':'. */
static int define_label(struct parser *ps)
{
	const char *why = bad_label(&ps->tok);

	if (why != NULL)
		return label_error(ps, &ps->tok, why);
	if (grow((void **)&ps->labels, &ps->labels_cap, ps->nlabels, sizeof(struct label),
		 ps->small_labels) < 0)
		return out_of_memory(ps);
	ps->labels[ps->nlabels] = (struct label){
		.name = ps->tok.text, .len = ps->tok.len, .insn = ps->out->len,
		.order = ps->nlabels, .line = ps->tok.line, .col = ps->tok.col,
	};
	ps->nlabels++;
	if (advance(ps) < 0)
		return -1;
	return advance(ps); /* the ':' */
}

/* A jump target: a label (patched in pass 2) or `+N`, the raw offset from
 * the next instruction, which sets the field now. */
static int parse_target(struct parser *ps, enum field f, struct cbpf_typed *t)
{
	uint32_t v;

	if (is_punct(&ps->tok, '+')) {
		if (advance(ps) < 0)
			return -1;
		if (ps->tok.type != ASM_TOK_NUMBER)
			return expected(ps, "an offset after '+'");
		if (f == F_K) {
			if (parse_number(ps, &v) < 0)
				return -1;
			t->k = v;
			return 0;
		}
		if (parse_small(ps, 255, "jt/jf offset", &v) < 0)
			return -1;
		if (f == F_JT)
			t->jt = (uint8_t)v;
		else
			t->jf = (uint8_t)v;
		return 0;
	}
	if (ps->tok.type != ASM_TOK_IDENT)
		return expected(ps, "a label or +offset");
	const char *why = bad_label(&ps->tok);
	if (why != NULL)
		return label_error(ps, &ps->tok, why);
	if (grow((void **)&ps->refs, &ps->refs_cap, ps->nrefs, sizeof(struct ref),
		 ps->small_refs) < 0)
		return out_of_memory(ps);
	ps->refs[ps->nrefs++] = (struct ref){
		.name = ps->tok.text, .len = ps->tok.len, .insn = ps->out->len, .field = f,
		.line = ps->tok.line, .col = ps->tok.col,
	};
	return advance(ps);
}

/* ---- operands ---- */

/* `M[k]`; the current token is M. */
static int parse_mem(struct parser *ps, uint32_t *k)
{
	if (advance(ps) < 0 || expect_punct(ps, '[') < 0 || parse_number(ps, k) < 0)
		return -1;
	return expect_punct(ps, ']');
}

/* `[k]`, `[x+k]` or `[%x+k]`; the current token is '['. */
static int parse_packet(struct parser *ps, struct cbpf_typed *t)
{
	if (advance(ps) < 0)
		return -1;
	bool ind = is_punct(&ps->tok, '%') || is_word(&ps->tok, ASM_KW_X);
	t->kind = ind ? CBPF_KIND_LD_IND : CBPF_KIND_LD_ABS;
	if (ind) {
		if (is_punct(&ps->tok, '%') && advance(ps) < 0)
			return -1;
		if (!is_word(&ps->tok, ASM_KW_X))
			return expected(ps, "'x' after '%'");
		if (advance(ps) < 0 || expect_punct(ps, '+') < 0)
			return -1;
	}
	if (parse_number(ps, &t->k) < 0)
		return -1;
	return expect_punct(ps, ']');
}

/* A number that must have one value (the 4 and 0xf of 4*([k]&0xf)). */
static int parse_constant(struct parser *ps, uint32_t want)
{
	unsigned line = ps->tok.line, col = ps->tok.col;
	uint32_t v;

	if (parse_number(ps, &v) < 0)
		return -1;
	if (v != want)
		return diag_set(ps->d, line, col, -1,
				     "only 4*([k]&0xf) exists (ldxb loads X <- 4*(P[k:1]&0xf))");
	return 0;
}

/* `4*([k]&0xf)`: X <- 4*(P[k:1]&0xf). */
static int parse_msh(struct parser *ps, struct cbpf_typed *t)
{
	t->kind = CBPF_KIND_LD_MSH;
	if (parse_constant(ps, 4) < 0 || expect_punct(ps, '*') < 0 || expect_punct(ps, '(') < 0 ||
	    expect_punct(ps, '[') < 0 || parse_number(ps, &t->k) < 0 || expect_punct(ps, ']') < 0 ||
	    expect_punct(ps, '&') < 0 || parse_constant(ps, 0xf) < 0)
		return -1;
	return expect_punct(ps, ')');
}

/* After an optional '#': `len` (when allowed) or an extension name.
 * Returns 1 when one was read, 0 when the token is neither. */
static int parse_named(struct parser *ps, bool allow_len, bool allow_ext, struct cbpf_typed *t)
{
	int e = allow_ext ? lookup_ext(&ps->tok) : -1;

	if (allow_len && is_word(&ps->tok, ASM_KW_LEN)) {
		t->kind = CBPF_KIND_LD_LEN;
	} else if (e >= 0) {
		t->kind = CBPF_KIND_LD_EXT;
		t->ext = (enum cbpf_ext)e;
	} else {
		return 0;
	}
	return advance(ps) < 0 ? -1 : 1;
}

/* ld / ldx / ldh / ldb: every addressing mode the mnemonic allows. */
static int parse_load(struct parser *ps, const struct mnemonic *m, struct cbpf_typed *t)
{
	bool is_ld = m->syn == SYN_LD, is_ldx = m->syn == SYN_LDX;
	bool allow_len = is_ld || is_ldx, allow_ext = m->syn != SYN_LDX;
	int r;

	t->reg = m->reg;
	t->size = m->size;
	if (is_punct(&ps->tok, '#')) {
		if (advance(ps) < 0)
			return -1;
		if ((r = parse_named(ps, allow_len, allow_ext, t)) != 0)
			return r < 0 ? -1 : 0;
		if (m->syn == SYN_LDHB)
			return expected(ps, "an extension name after '#'");
		t->kind = CBPF_KIND_LD_IMM;
		return parse_number(ps, &t->k);
	}
	if ((r = parse_named(ps, allow_len, allow_ext, t)) != 0)
		return r < 0 ? -1 : 0;
	if ((is_ld || is_ldx) && is_word(&ps->tok, ASM_KW_M)) {
		t->kind = CBPF_KIND_LD_MEM;
		return parse_mem(ps, &t->k);
	}
	if (!is_ldx && is_punct(&ps->tok, '['))
		return parse_packet(ps, t);
	if (is_ldx && (ps->tok.type == ASM_TOK_NUMBER || is_punct(&ps->tok, '+')))
		return parse_msh(ps, t);
	if (is_ldx)
		return expected(ps, "#k, #len, M[k] or 4*([k]&0xf)");
	if (is_ld)
		return expected(ps, "#k, #len, M[k], [k], [x+k] or an extension");
	return expected(ps, "[k], [x+k] or an extension");
}

/* `#k`, `x` or `%x`: the second operand of ALU and jump instructions. */
static int parse_src(struct parser *ps, struct cbpf_typed *t)
{
	if (is_punct(&ps->tok, '#')) {
		t->src = CBPF_SRC_K;
		if (advance(ps) < 0)
			return -1;
		return parse_number(ps, &t->k);
	}
	t->src = CBPF_SRC_X;
	if (is_punct(&ps->tok, '%') && advance(ps) < 0)
		return -1;
	if (!is_word(&ps->tok, ASM_KW_X))
		return expected(ps, "#k or x");
	return advance(ps);
}

/* `ret #k | a | %a | x | %x`. `ret x` is 0x0e: bpf_asm emits it, Linux
 * rejects it (the validator says so, not the assembler). */
static int parse_ret(struct parser *ps, struct cbpf_typed *t)
{
	t->kind = CBPF_KIND_RET;
	if (is_punct(&ps->tok, '#')) {
		t->src = CBPF_SRC_K;
		if (advance(ps) < 0)
			return -1;
		return parse_number(ps, &t->k);
	}
	if (is_punct(&ps->tok, '%') && advance(ps) < 0)
		return -1;
	if (is_word(&ps->tok, ASM_KW_A)) {
		t->src = CBPF_SRC_A;
	} else if (is_word(&ps->tok, ASM_KW_X)) {
		t->src = CBPF_SRC_X;
		t->raw_code = CBPF_RET | CBPF_RET_X;
	} else {
		return expected(ps, "#k, a or x");
	}
	return advance(ps);
}

/* Conditional jumps. A real jump takes Lt [, Lf] (jf = 0 when omitted);
 * a virtual one (jne, jlt, jle) takes only Lf and sets jt = 0. */
static int parse_jcond(struct parser *ps, const struct mnemonic *m, struct cbpf_typed *t)
{
	t->kind = CBPF_KIND_JCOND;
	t->jmp = m->jmp;
	if (parse_src(ps, t) < 0 || expect_punct(ps, ',') < 0)
		return -1;
	if (m->syn == SYN_JNEG)
		return parse_target(ps, F_JF, t);
	if (parse_target(ps, F_JT, t) < 0)
		return -1;
	if (!is_punct(&ps->tok, ','))
		return 0;
	if (advance(ps) < 0)
		return -1;
	return parse_target(ps, F_JF, t);
}

/* The operands of one mnemonic into *t (cbpf_encode keeps jt, jf, k). */
static int parse_operands(struct parser *ps, const struct mnemonic *m, struct cbpf_typed *t)
{
	switch (m->syn) {
	case SYN_LD:
	case SYN_LDHB:
	case SYN_LDX:
		return parse_load(ps, m, t);
	case SYN_LDI:
		t->kind = CBPF_KIND_LD_IMM;
		t->reg = m->reg;
		if (is_punct(&ps->tok, '#') && advance(ps) < 0)
			return -1;
		return parse_number(ps, &t->k);
	case SYN_LDXB:
		return parse_msh(ps, t);
	case SYN_ST:
		t->kind = CBPF_KIND_ST;
		t->reg = m->reg;
		if (!is_word(&ps->tok, ASM_KW_M))
			return expected(ps, "M[k]");
		return parse_mem(ps, &t->k);
	case SYN_JA:
		t->kind = CBPF_KIND_JA;
		return parse_target(ps, F_K, t);
	case SYN_JCOND:
	case SYN_JNEG:
		return parse_jcond(ps, m, t);
	case SYN_ALU:
		t->kind = CBPF_KIND_ALU;
		t->alu = m->alu;
		return parse_src(ps, t);
	case SYN_NEG:
		t->kind = CBPF_KIND_NEG;
		return 0;
	case SYN_RET:
		return parse_ret(ps, t);
	case SYN_TAX:
		t->kind = CBPF_KIND_TAX;
		return 0;
	case SYN_TXA:
		t->kind = CBPF_KIND_TXA;
		return 0;
	}
	return expected(ps, "an instruction");
}

/* ---- field annotations: `{jt=N, jf=N, k=N}` ---- */

static int annotation_field(struct parser *ps, enum field *f, const char **name)
{
	if (is_word(&ps->tok, ASM_KW_JT)) {
		*f = F_JT;
		*name = "jt";
	} else if (is_word(&ps->tok, ASM_KW_JF)) {
		*f = F_JF;
		*name = "jf";
	} else if (is_word(&ps->tok, ASM_KW_K)) {
		*f = F_K;
		*name = "k";
	} else {
		return expected(ps, "jt, jf or k");
	}
	return 0;
}

/* Sets raw fields the opcode ignores (`uses` are the ones it reads: the
 * syntax already set them, so an annotation may not). */
static int parse_annotation(struct parser *ps, unsigned uses, const char *mnemonic,
			    struct cbpf_insn *in)
{
	unsigned seen = 0;

	if (advance(ps) < 0)
		return -1;
	for (;;) {
		enum field f = F_K;   /* set by annotation_field(); initialised */
		const char *name = ""; /* for -Wmaybe-uninitialized at -O2 */
		unsigned line = ps->tok.line, col = ps->tok.col;
		uint32_t v;

		if (annotation_field(ps, &f, &name) < 0)
			return -1;
		if (seen & (unsigned)f)
			return diag_set(ps->d, line, col, -1, "%s given twice", name);
		if (uses & (unsigned)f)
			return diag_set(ps->d, line, col, -1,
					     "%s is an operand of '%s'; {...} sets only fields "
					     "the opcode ignores", name, mnemonic);
		seen |= (unsigned)f;
		if (advance(ps) < 0 || expect_punct(ps, '=') < 0)
			return -1;
		if (parse_small(ps, f == F_K ? UINT32_MAX : 255, name, &v) < 0)
			return -1;
		if (f == F_K)
			in->k = v;
		else if (f == F_JT)
			in->jt = (uint8_t)v;
		else
			in->jf = (uint8_t)v;
		if (is_punct(&ps->tok, '}'))
			return advance(ps);
		if (expect_punct(ps, ',') < 0)
			return -1;
	}
}

/* ---- statements ---- */

static int check_room(struct parser *ps)
{
	if (ps->out->len < CBPF_PARSE_MAXINSNS)
		return 0;
	return diag_set(ps->d, ps->tok.line, ps->tok.col, -1,
			     "too many instructions (at most %d)", CBPF_PARSE_MAXINSNS);
}

/* Before the first instruction: room for as many as len bytes of text can
 * hold (one per 4 bytes: `tax ` is the shortest), up to 256, so that the
 * program is allocated once; more grow as usual. A failure here is not
 * one: cbpf_prog_push reports it if it matters. */
static void reserve_insns(struct cbpf_prog *out, size_t len)
{
	size_t want = out->len + (len < 4 * 255 ? len / 4 + 1 : 256);

	if (out->cap >= want)
		return;
	struct cbpf_insn *n = realloc(out->insns, want * sizeof(*n));
	if (n == NULL)
		return;
	out->insns = n;
	out->cap = want;
}

static int push(struct parser *ps, struct cbpf_insn in)
{
	if (ps->out->cap == 0)
		reserve_insns(ps->out, ps->text_len);
	if (cbpf_prog_push(ps->out, in) < 0)
		return out_of_memory(ps);
	return 0;
}

/* One instruction; the current token is its mnemonic. */
static int parse_instruction(struct parser *ps, const struct mnemonic *m)
{
	struct cbpf_typed t = { .size = CBPF_SIZE_W };
	const char *name = asm_kw_word(m->kw);

	if (check_room(ps) < 0 || advance(ps) < 0)
		return -1;
	if (parse_operands(ps, m, &t) < 0)
		return -1;
	struct cbpf_insn in = cbpf_encode(&t);
	const struct cbpf_opinfo *o = cbpf_opinfo(in.code);
	unsigned uses = o != NULL ? o->uses : 0;
	if (is_punct(&ps->tok, '{') && parse_annotation(ps, uses, name, &in) < 0)
		return -1;
	return push(ps, in);
}

/* `.insn code, jt, jf, k`: any raw instruction, valid opcode or not. */
static int parse_directive(struct parser *ps)
{
	uint32_t code, jt, jf, k;

	if (ps->tok.kw != ASM_KW_INSN) {
		char ex[48];
		asm_excerpt(ex, ps->tok.text, ps->tok.len, 40);
		return diag_set(ps->d, ps->tok.line, ps->tok.col, -1,
				     "unknown directive '.%s' (the only one is .insn)", ex);
	}
	if (check_room(ps) < 0 || advance(ps) < 0)
		return -1;
	if (parse_small(ps, 0xffff, "opcode", &code) < 0 || expect_punct(ps, ',') < 0 ||
	    parse_small(ps, 255, "jt", &jt) < 0 || expect_punct(ps, ',') < 0 ||
	    parse_small(ps, 255, "jf", &jf) < 0 || expect_punct(ps, ',') < 0 ||
	    parse_number(ps, &k) < 0)
		return -1;
	return push(ps, cbpf_jump((uint16_t)code, k, (uint8_t)jt, (uint8_t)jf));
}

static int parse_statement(struct parser *ps)
{
	const struct asm_token *next = NULL;

	if (ps->tok.type == ASM_TOK_DIRECTIVE)
		return parse_directive(ps);
	if (ps->tok.type != ASM_TOK_IDENT)
		return expected(ps, "an instruction or a label");
	const struct mnemonic *m = lookup_mnemonic(&ps->tok);
	if (peek(ps, &next) < 0 && m != NULL)
		return -1; /* else the unknown word, which comes first, is the error */
	if (ps->has_next && is_punct(next, ':'))
		return define_label(ps);
	if (m != NULL)
		return parse_instruction(ps, m);
	char ex[48];
	asm_excerpt(ex, ps->tok.text, ps->tok.len, 40);
	return diag_set(ps->d, ps->tok.line, ps->tok.col, -1, "unknown instruction '%s'", ex);
}

/* Labels after the last instruction label nothing (bpf_asm: syntax error). */
static int check_trailing_labels(struct parser *ps)
{
	size_t i = ps->nlabels;

	while (i > 0 && ps->labels[i - 1].insn == ps->out->len)
		i--;
	if (i == ps->nlabels)
		return 0;
	const struct label *l = &ps->labels[i];
	struct asm_token tok = { .type = ASM_TOK_IDENT, .text = l->name, .len = l->len,
				 .line = l->line, .col = l->col };
	return label_error(ps, &tok, "labels nothing: no instruction follows it");
}

static int parse_all(struct parser *ps)
{
	if (advance(ps) < 0)
		return -1;
	while (ps->tok.type != ASM_TOK_EOF)
		if (parse_statement(ps) < 0)
			return -1;
	return check_trailing_labels(ps);
}

/* ---- pass 2: labels ---- */

static int name_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return (alen > blen) - (alen < blen);
}

static int label_cmp(const void *pa, const void *pb)
{
	const struct label *a = pa, *b = pb;
	int c = name_cmp(a->name, a->len, b->name, b->len);

	if (c != 0)
		return c;
	return (a->order > b->order) - (a->order < b->order);
}

/* Labels are case-sensitive and defined once. Reports the earliest
 * redefinition. */
static int check_duplicates(struct parser *ps)
{
	const struct label *dup = NULL, *first = NULL;

	for (size_t i = 1; i < ps->nlabels; i++) {
		const struct label *a = &ps->labels[i - 1], *b = &ps->labels[i];
		if (name_cmp(a->name, a->len, b->name, b->len) != 0)
			continue;
		if (i >= 2 && name_cmp(ps->labels[i - 2].name, ps->labels[i - 2].len, a->name,
				       a->len) == 0)
			continue; /* b is a third definition; the second one is earlier */
		if (dup == NULL || b->order < dup->order) {
			dup = b;
			first = a;
		}
	}
	if (dup == NULL)
		return 0;
	char ex[48];
	asm_excerpt(ex, dup->name, dup->len, 40);
	return diag_set(ps->d, dup->line, dup->col, -1,
			     "label '%s' is already defined at line %u", ex, first->line);
}

static const struct label *find_label(const struct parser *ps, const struct ref *r)
{
	size_t lo = 0, hi = ps->nlabels;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct label *l = &ps->labels[mid];
		int c = name_cmp(l->name, l->len, r->name, r->len);
		if (c == 0)
			return l;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int ref_error(struct parser *ps, const struct ref *r, const char *msg)
{
	char ex[48];

	asm_excerpt(ex, r->name, r->len, 40);
	return diag_set(ps->d, r->line, r->col, -1, "label '%s' %s", ex, msg);
}

/* Offsets count from the next instruction and are unsigned: every jump
 * goes forward (that is why every cBPF program terminates). bpf_asm wraps
 * a backward `ja`; we refuse it. jt/jf are 8 bits. */
static int resolve_ref(struct parser *ps, const struct ref *r)
{
	const struct label *l = find_label(ps, r);
	struct cbpf_insn *in = &ps->out->insns[r->insn];
	char msg[128];

	if (l == NULL)
		return ref_error(ps, r, "is not defined");
	if (l->insn <= r->insn) {
		snprintf(msg, sizeof(msg), "is not ahead of the jump (insn %zu to insn %zu); "
			 "cBPF jumps only go forward", r->insn, l->insn);
		return ref_error(ps, r, msg);
	}
	size_t off = l->insn - r->insn - 1;
	if (r->field == F_K) {
		in->k = (uint32_t)off;
		return 0;
	}
	if (off > 255) {
		snprintf(msg, sizeof(msg), "is too far: jt/jf hold 0 .. 255, this needs %zu "
			 "(use ja)", off);
		return ref_error(ps, r, msg);
	}
	if (r->field == F_JT)
		in->jt = (uint8_t)off;
	else
		in->jf = (uint8_t)off;
	return 0;
}

static int resolve(struct parser *ps)
{
	if (ps->nlabels > 1)
		qsort(ps->labels, ps->nlabels, sizeof(struct label), label_cmp);
	if (check_duplicates(ps) < 0)
		return -1;
	for (size_t i = 0; i < ps->nrefs; i++)
		if (resolve_ref(ps, &ps->refs[i]) < 0)
			return -1;
	return 0;
}

int fmt_bpfasm_parse(const char *buf, size_t len, struct cbpf_prog *out, struct cbpf_diag *d)
{
	struct parser ps;
	int rc;

	if (buf == NULL && len > 0)
		return diag_set(d, 0, 0, -1, "no input buffer");
	memset(&ps, 0, offsetof(struct parser, small_labels)); /* the lists need no zeroing */
	asm_lex_init(&ps.lx, buf != NULL ? buf : "", len);
	ps.out = out;
	ps.d = d;
	ps.labels = ps.small_labels;
	ps.labels_cap = SMALL_LIST;
	ps.refs = ps.small_refs;
	ps.refs_cap = SMALL_LIST;
	ps.text_len = len;
	rc = parse_all(&ps);
	if (rc == 0)
		rc = resolve(&ps);
	if (ps.labels != ps.small_labels)
		free(ps.labels);
	if (ps.refs != ps.small_refs)
		free(ps.refs);
	if (rc < 0)
		cbpf_prog_free(out);
	return rc;
}
