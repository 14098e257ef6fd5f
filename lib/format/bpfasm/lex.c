/*
 * format/bpfasm/lex.c - the bpf_asm lexer (see format/bpfasm/lex.h): whitespace, comments,
 * identifiers, numbers in the four bases bpf_asm reads, punctuation.
 *
 * Differences from bpf_exp.l, all in the direction of accepting more or
 * saying more: '\r' is whitespace (CRLF files); a sign is its own token (so
 * `[x+14]` works without spaces, where flex lexes `+14` as a number); a
 * number is the longest run of [0-9A-Za-z_] and must be well formed as a
 * whole (`08` and `0x` are errors, not two tokens); `/ * * * /` closes at the
 * first `* /` as in C; numbers too big for 32 bits are reported by the
 * parser instead of being truncated.
 *
 * Cost: the fuzz targets run this under sanitizer coverage, where every
 * integer comparison is a callback into the fuzzer but a switch on a byte
 * is one nearly free one. So character classes are switches and numbers
 * saturate without a comparison per digit. Keywords are looked up in a
 * plain table (asm_kw_of); fuzz/sancov-ignore.txt keeps that loop out of
 * the comparison tracing (the fuzz dictionaries hold every keyword).
 */
#include "insn/diag.h"
#include "lex.h"

#include <string.h>

#include "format/cursor.h"
#include "support/char_cases.h"
#include "support/hex.h"

static bool is_alpha(unsigned char c)
{
	switch (c) {
	CASE_ALPHA:
		return true;
	default:
		return false;
	}
}

static bool is_word(unsigned char c)
{
	switch (c) {
	CASE_ALPHA:
	CASE_DIGIT:
		return true;
	default:
		return false;
	}
}

void asm_lex_init(struct asm_lexer *lx, const char *buf, size_t len)
{
	lx->p = buf + fc_bom_len(buf, len); /* a UTF-8 byte order mark is skipped */
	lx->end = buf + len;
	lx->line_start = lx->p;
	lx->line = 1;
}

static unsigned col_of(const struct asm_lexer *lx, const char *at)
{
	size_t c = (size_t)(at - lx->line_start) + 1;
	return c > 0xffffffffu ? 0xffffffffu : (unsigned)c;
}

static void newline(struct asm_lexer *lx, const char *nl)
{
	if (lx->line < 0xffffffffu)
		lx->line++;
	lx->line_start = nl + 1;
}

/* A C comment; lx->p is at its '/'. The search for the closing star-slash
 * starts after the opening one, so a slash-star-slash is not closed. */
static int skip_block_comment(struct asm_lexer *lx, struct cbpf_diag *d)
{
	const char *start = lx->p;
	unsigned line = lx->line, col = col_of(lx, start);

	for (const char *q = start + 2; q < lx->end; q++) {
		switch (*q) {
		case '\n':
			newline(lx, q);
			break;
		case '*':
			if (q + 1 < lx->end && q[1] == '/') {
				lx->p = q + 2;
				return 0;
			}
			break;
		default:
			break;
		}
	}
	return diag_set(d, line, col, -1, "unterminated comment");
}

/* The end of the line at p (its '\n', or end). */
static const char *line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	return nl ? nl : end;
}

/* Skip blanks and comments; -1 on an unterminated comment. A local
 * pointer walks the blanks (lx->p is stored once). */
static int skip_space(struct asm_lexer *lx, struct cbpf_diag *d)
{
	const char *p = lx->p, *end = lx->end;

	while (p < end) {
		switch (*p) {
		case '\n':
			newline(lx, p);
			p++;
			continue;
		case ' ':
		case '\t':
		case '\r':
			p++;
			continue;
		case '#':
			if (p != lx->line_start)
				break;
			p = line_end(p, end);
			continue;
		case ';':
			p = line_end(p, end);
			continue;
		case '/':
			if (p + 1 >= end || p[1] != '*')
				break;
			lx->p = p;
			if (skip_block_comment(lx, d) < 0)
				return -1;
			p = lx->p;
			continue;
		default:
			break;
		}
		break;
	}
	lx->p = p;
	return 0;
}

/* A byte of a number's run: its digit value (0..15), 16 for another
 * word byte (a letter past f, '_'), NOT_WORD for anything else. */
enum { NOT_WORD = 99 };

static unsigned word_digit(unsigned char c)
{
	int d = hex_digit(c);

	if (d >= 0)
		return (unsigned)d;
	switch (c) {
	CASE_ALPHA: /* letters past f and '_' */
		return 16;
	default:
		return NOT_WORD;
	}
}

/* The number whose run starts at p (a digit), in one pass: the whole
 * [0-9A-Za-z_] run is the token and must be one of bpf_asm's forms
 * (0x hex, 0b binary, 0 octal, decimal; a lone 0 is decimal). The value
 * stays below 2^32 and `over` remembers that it ever got there (from
 * v < 2^32, v * 16 + 16 cannot overflow 64 bits); `bad` collects digits
 * not below the base ((base - 1 - dv) wraps exactly then), so the loop
 * compares nothing but the end of the run. */
static int lex_number(struct asm_lexer *lx, struct asm_token *tok, const char *p,
		      struct cbpf_diag *d)
{
	const char *q = p + 1, *end = lx->end;
	unsigned base = 10, dv;
	uint64_t v = (uint64_t)(*p - '0'), over = 0, bad = 0;
	bool need_digit = false; /* after 0x / 0b */

	if (*p == '0' && q < end) {
		switch (*q) {
		case 'x':
		case 'X':
			base = 16;
			need_digit = true;
			q++;
			break;
		case 'b':
		case 'B':
			base = 2;
			need_digit = true;
			q++;
			break;
		default:
			base = 8;
			break;
		}
	}
	const char *digits = q;
	for (; q < end && (dv = word_digit((unsigned char)*q)) != NOT_WORD; q++) {
		bad |= (uint64_t)((base - 1 - dv) >> 31);
		v = v * base + dv;
		over |= v >> 32;
		v &= UINT32_MAX;
	}
	tok->text = p;
	tok->len = (size_t)(q - p);
	tok->value = over ? ASM_NUM_TOO_BIG : v;
	lx->p = q;
	if (!bad && !(need_digit && q == digits))
		return 0;
	char ex[48];
	asm_excerpt(ex, tok->text, tok->len, 40);
	return diag_set(d, tok->line, tok->col, -1,
			     "malformed number '%s' (numbers are 0x hex, 0b binary, 0 octal "
			     "or decimal)", ex);
}

/* Every keyword's spelling and length, expanded from the word lists. */
struct kw_word {
	const char *word;
	unsigned char len;
};

#define KW_WORD(name, word) [ASM_KW_##name] = { word, sizeof(word) - 1 },
#define KW_OP(name, field, mnemonic) [ASM_KW_##name] = { mnemonic, sizeof(mnemonic) - 1 },
#define KW_EXT(name, n, asm_name, pcap_name) \
	[ASM_KW_EXT_##name] = { asm_name, sizeof(asm_name) - 1 },
static const struct kw_word kw_words[ASM_KW_COUNT] = {
	ASM_MNEMONIC_WORDS(KW_WORD)
	CBPF_ALU_OP_LIST(KW_OP)
	CBPF_JMP_OP_LIST(KW_OP)
	CBPF_EXT_LIST(KW_EXT)
	KW_WORD(VLAN_PR, "vlan_pr")
	KW_WORD(LEN, "len")
	ASM_OPERAND_WORDS(KW_WORD)
};
#undef KW_WORD
#undef KW_OP
#undef KW_EXT

enum { KW_MAX_LEN = 10 }; /* vlan_avail, the longest */

const char *asm_kw_word(enum asm_kw kw)
{
	return (unsigned)kw < ASM_KW_COUNT ? kw_words[kw].word : NULL;
}

enum asm_kw asm_kw_of(const char *s, size_t len)
{
	char low[KW_MAX_LEN];

	if (len == 0 || len > KW_MAX_LEN)
		return ASM_KW_NONE;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		low[i] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
	}
	for (unsigned kw = ASM_KW_NONE + 1; kw < ASM_KW_COUNT; kw++)
		if (kw_words[kw].len == len && memcmp(kw_words[kw].word, low, len) == 0)
			return (enum asm_kw)kw;
	return ASM_KW_NONE;
}

/* An identifier or a directive: the run of word bytes at p, tagged with
 * the keyword it spells (a directive only with .insn). */
static void lex_word(struct asm_lexer *lx, struct asm_token *tok, const char *p)
{
	const char *q = p, *end = lx->end;

	while (q < end && is_word((unsigned char)*q))
		q++;
	tok->text = p;
	tok->len = (size_t)(q - p);
	lx->p = q;
	enum asm_kw kw = asm_kw_of(p, tok->len);
	if (tok->type == ASM_TOK_IDENT)
		tok->kw = kw;
	else if (kw == ASM_KW_INSN) /* a directive */
		tok->kw = kw;
}

/* The token at lx->p (after blanks and comments), built in t; every field
 * is set (no memset: a call into ASan for the 56 bytes). */
static int lex_token(struct asm_lexer *lx, struct asm_token *t, struct cbpf_diag *d)
{
	t->type = ASM_TOK_EOF;
	t->kw = ASM_KW_NONE;
	t->punct = '\0';
	t->len = 0;
	t->value = 0;
	t->text = NULL;
	t->line = t->col = 0;
	if (skip_space(lx, d) < 0)
		return -1;
	const char *p = lx->p;
	t->line = lx->line;
	t->col = col_of(lx, p);
	t->text = p;
	if (p >= lx->end) {
		t->type = ASM_TOK_EOF;
		return 0;
	}
	unsigned char c = (unsigned char)*p;
	switch (c) {
	CASE_ALPHA:
		t->type = ASM_TOK_IDENT;
		lex_word(lx, t, p);
		return 0;
	CASE_DIGIT:
		t->type = ASM_TOK_NUMBER;
		return lex_number(lx, t, p, d);
	case '.':
		if (p + 1 < lx->end && is_alpha((unsigned char)p[1])) {
			t->type = ASM_TOK_DIRECTIVE;
			lex_word(lx, t, p + 1);
			return 0;
		}
		break;
	case ':': case ',': case '#': case '%': case '[': case ']': case '(': case ')':
	case '+': case '-': case '*': case '&': case '{': case '}': case '=':
		t->type = ASM_TOK_PUNCT;
		t->punct = (char)c;
		t->len = 1;
		lx->p = p + 1;
		return 0;
	default:
		break;
	}
	if (c >= 0x21 && c < 0x7f)
		return diag_set(d, t->line, t->col, -1, "unexpected character '%c'", c);
	return diag_set(d, t->line, t->col, -1, "unexpected byte 0x%02x", c);
}

int asm_lex_next(struct asm_lexer *lx, struct asm_token *tok, struct cbpf_diag *d)
{
	struct asm_token t; /* a local: no pointer checks per field */
	int rc = lex_token(lx, &t, d);

	*tok = t;
	return rc;
}

void asm_excerpt(char *out, const char *s, size_t len, size_t max)
{
	size_t n = len < max ? len : max;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		out[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	if (len > max) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
}
