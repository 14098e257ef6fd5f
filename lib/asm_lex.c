/*
 * asm_lex.c - the bpf_asm lexer (see asm_lex.h): whitespace, comments,
 * identifiers, numbers in the four bases bpf_asm reads, punctuation.
 *
 * Differences from bpf_exp.l, all in the direction of accepting more or
 * saying more: '\r' is whitespace (CRLF files); a sign is its own token (so
 * `[x+14]` works without spaces, where flex lexes `+14` as a number); a
 * number is the longest run of [0-9A-Za-z_] and must be well formed as a
 * whole (`08` and `0x` are errors, not two tokens); `/ * * * /` closes at the
 * first `* /` as in C; numbers too big for 32 bits are reported by the
 * parser instead of being truncated.
 */
#include "asm_lex.h"

#include <string.h>

static bool is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_word(unsigned char c)
{
	return is_alpha(c) || is_digit(c);
}

static unsigned char lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

void asm_lex_init(struct asm_lexer *lx, const char *buf, size_t len)
{
	lx->p = buf;
	lx->end = buf + len;
	lx->line_start = buf;
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

/* Skip to the end of the line (the '\n' stays unread). */
static void skip_line(struct asm_lexer *lx)
{
	const char *nl = memchr(lx->p, '\n', (size_t)(lx->end - lx->p));
	lx->p = nl ? nl : lx->end;
}

/* A C comment; lx->p is at its '/'. The search for the closing star-slash
 * starts after the opening one, so a slash-star-slash is not closed. */
static int skip_block_comment(struct asm_lexer *lx, struct cbpf_diag *d)
{
	const char *start = lx->p;
	unsigned line = lx->line, col = col_of(lx, start);

	for (const char *q = start + 2; q < lx->end; q++) {
		if (*q == '\n')
			newline(lx, q);
		else if (*q == '*' && q + 1 < lx->end && q[1] == '/') {
			lx->p = q + 2;
			return 0;
		}
	}
	return cbpf_diag_set(d, line, col, -1, "unterminated comment");
}

/* Skip blanks and comments; -1 on an unterminated comment. */
static int skip_space(struct asm_lexer *lx, struct cbpf_diag *d)
{
	while (lx->p < lx->end) {
		char c = *lx->p;
		if (c == '\n') {
			newline(lx, lx->p);
			lx->p++;
		} else if (c == ' ' || c == '\t' || c == '\r') {
			lx->p++;
		} else if (c == ';' || (c == '#' && lx->p == lx->line_start)) {
			skip_line(lx);
		} else if (c == '/' && lx->p + 1 < lx->end && lx->p[1] == '*') {
			if (skip_block_comment(lx, d) < 0)
				return -1;
		} else {
			return 0;
		}
	}
	return 0;
}

static int digit_value(unsigned char c)
{
	if (is_digit(c))
		return c - '0';
	c = lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return 99;
}

/* The value of digits s[0..n) in base `base`, ASM_NUM_TOO_BIG above
 * UINT32_MAX; -1 when a digit is not valid in the base or n == 0. */
static int digits_value(const char *s, size_t n, unsigned base, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int dv = digit_value((unsigned char)s[i]);
		if (dv >= (int)base)
			return -1;
		if (v < ASM_NUM_TOO_BIG)
			v = v * base + (uint64_t)dv;
	}
	*out = v < ASM_NUM_TOO_BIG ? v : ASM_NUM_TOO_BIG;
	return 0;
}

/* A number: the whole [0-9A-Za-z_] run must be one of bpf_asm's forms. */
static int lex_number(struct asm_token *tok, struct cbpf_diag *d)
{
	const char *s = tok->text;
	size_t n = tok->len;
	int rc;

	if (n >= 2 && s[0] == '0' && lower((unsigned char)s[1]) == 'x')
		rc = digits_value(s + 2, n - 2, 16, &tok->value);
	else if (n >= 2 && s[0] == '0' && lower((unsigned char)s[1]) == 'b')
		rc = digits_value(s + 2, n - 2, 2, &tok->value);
	else if (n >= 2 && s[0] == '0')
		rc = digits_value(s + 1, n - 1, 8, &tok->value);
	else
		rc = digits_value(s, n, 10, &tok->value);
	if (rc == 0)
		return 0;
	char ex[48];
	asm_excerpt(ex, s, n, 40);
	return cbpf_diag_set(d, tok->line, tok->col, -1,
			     "malformed number '%s' (numbers are 0x hex, 0b binary, 0 octal "
			     "or decimal)", ex);
}

static bool is_punct(char c)
{
	return c != '\0' && strchr(":,#%[]()+-*&{}=", c) != NULL;
}

static const char *word_end(const char *p, const char *end)
{
	while (p < end && is_word((unsigned char)*p))
		p++;
	return p;
}

int asm_lex_next(struct asm_lexer *lx, struct asm_token *tok, struct cbpf_diag *d)
{
	memset(tok, 0, sizeof(*tok));
	if (skip_space(lx, d) < 0)
		return -1;
	tok->line = lx->line;
	tok->col = col_of(lx, lx->p);
	tok->text = lx->p;
	if (lx->p >= lx->end) {
		tok->type = ASM_TOK_EOF;
		return 0;
	}
	unsigned char c = (unsigned char)*lx->p;
	if (is_alpha(c) || is_digit(c)) {
		const char *e = word_end(lx->p, lx->end);
		tok->type = is_digit(c) ? ASM_TOK_NUMBER : ASM_TOK_IDENT;
		tok->len = (size_t)(e - lx->p);
		lx->p = e;
		return tok->type == ASM_TOK_NUMBER ? lex_number(tok, d) : 0;
	}
	if (c == '.' && lx->p + 1 < lx->end && is_alpha((unsigned char)lx->p[1])) {
		const char *e = word_end(lx->p + 1, lx->end);
		tok->type = ASM_TOK_DIRECTIVE;
		tok->text = lx->p + 1;
		tok->len = (size_t)(e - tok->text);
		lx->p = e;
		return 0;
	}
	if (is_punct((char)c)) {
		tok->type = ASM_TOK_PUNCT;
		tok->punct = (char)c;
		tok->len = 1;
		lx->p++;
		return 0;
	}
	if (c >= 0x21 && c < 0x7f)
		return cbpf_diag_set(d, tok->line, tok->col, -1, "unexpected character '%c'", c);
	return cbpf_diag_set(d, tok->line, tok->col, -1, "unexpected byte 0x%02x", c);
}

bool asm_tok_is(const struct asm_token *tok, const char *word)
{
	size_t n = strlen(word);

	if (tok->len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower((unsigned char)tok->text[i]) != (unsigned char)word[i])
			return false;
	return true;
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
