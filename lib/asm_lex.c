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
 *
 * Cost: the fuzz targets run this under sanitizer coverage, where every
 * integer comparison is a callback into the fuzzer but a switch on a byte
 * is one nearly free one. So character classes are switches, numbers
 * saturate without a comparison per digit, and an identifier is matched
 * against every keyword at once (asm_kw_of: one switch on its packed bytes).
 */
#include "asm_lex.h"

#include <string.h>

#include "char_cases.h"
#include "fmt_cursor.h"

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
	return cbpf_diag_set(d, line, col, -1, "unterminated comment");
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
	switch (c) {
	CASE_DIGIT:
		return (unsigned)(c - '0');
	case 'a': case 'A': return 10;
	case 'b': case 'B': return 11;
	case 'c': case 'C': return 12;
	case 'd': case 'D': return 13;
	case 'e': case 'E': return 14;
	case 'f': case 'F': return 15;
	case 'g': case 'h': case 'i': case 'j': case 'k': case 'l': case 'm': case 'n':
	case 'o': case 'p': case 'q': case 'r': case 's': case 't': case 'u': case 'v':
	case 'w': case 'x': case 'y': case 'z':
	case 'G': case 'H': case 'I': case 'J': case 'K': case 'L': case 'M': case 'N':
	case 'O': case 'P': case 'Q': case 'R': case 'S': case 'T': case 'U': case 'V':
	case 'W': case 'X': case 'Y': case 'Z': case '_':
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
	return cbpf_diag_set(d, tok->line, tok->col, -1,
			     "malformed number '%s' (numbers are 0x hex, 0b binary, 0 octal "
			     "or decimal)", ex);
}

/* Keywords packed as asm_kw_of packs an identifier: one byte per letter,
 * the first one highest, each or-ed with 0x20 (which lowers A-Z, keeps
 * digits and turns '_' into 0x7f, which no identifier contains). */
#define KB(c) ((uint64_t)((c) | 0x20))
#define K2(a, b) (KB(a) << 8 | KB(b))
#define K3(a, b, c) (K2(a, b) << 8 | KB(c))
#define K4(a, b, c, d) (K3(a, b, c) << 8 | KB(d))
#define K5(a, b, c, d, e) (K4(a, b, c, d) << 8 | KB(e))
#define K6(a, b, c, d, e, f) (K5(a, b, c, d, e) << 8 | KB(f))
#define K7(a, b, c, d, e, f, g) (K6(a, b, c, d, e, f) << 8 | KB(g))
#define K8(a, b, c, d, e, f, g, h) (K7(a, b, c, d, e, f, g) << 8 | KB(h))

/* Words of up to 8 bytes: lo is the whole word. */
static enum asm_kw short_kw(uint64_t lo)
{
	switch (lo) {
	case K2('l', 'd'): return ASM_KW_LD;
	case K3('l', 'd', 'i'): return ASM_KW_LDI;
	case K3('l', 'd', 'h'): return ASM_KW_LDH;
	case K3('l', 'd', 'b'): return ASM_KW_LDB;
	case K3('l', 'd', 'x'): return ASM_KW_LDX;
	case K4('l', 'd', 'x', 'i'): return ASM_KW_LDXI;
	case K4('l', 'd', 'x', 'b'): return ASM_KW_LDXB;
	case K2('s', 't'): return ASM_KW_ST;
	case K3('s', 't', 'x'): return ASM_KW_STX;
	case K2('j', 'a'): return ASM_KW_JA;
	case K3('j', 'm', 'p'): return ASM_KW_JMP;
	case K3('j', 'n', 'e'): return ASM_KW_JNE;
	case K4('j', 'n', 'e', 'q'): return ASM_KW_JNEQ;
	case K3('j', 'l', 't'): return ASM_KW_JLT;
	case K3('j', 'l', 'e'): return ASM_KW_JLE;
	case K3('n', 'e', 'g'): return ASM_KW_NEG;
	case K3('r', 'e', 't'): return ASM_KW_RET;
	case K3('t', 'a', 'x'): return ASM_KW_TAX;
	case K3('t', 'x', 'a'): return ASM_KW_TXA;
	case K3('a', 'd', 'd'): return ASM_KW_ADD;
	case K3('s', 'u', 'b'): return ASM_KW_SUB;
	case K3('m', 'u', 'l'): return ASM_KW_MUL;
	case K3('d', 'i', 'v'): return ASM_KW_DIV;
	case K3('m', 'o', 'd'): return ASM_KW_MOD;
	case K3('a', 'n', 'd'): return ASM_KW_AND;
	case K2('o', 'r'): return ASM_KW_OR;
	case K3('x', 'o', 'r'): return ASM_KW_XOR;
	case K3('l', 's', 'h'): return ASM_KW_LSH;
	case K3('r', 's', 'h'): return ASM_KW_RSH;
	case K3('j', 'e', 'q'): return ASM_KW_JEQ;
	case K3('j', 'g', 't'): return ASM_KW_JGT;
	case K3('j', 'g', 'e'): return ASM_KW_JGE;
	case K4('j', 's', 'e', 't'): return ASM_KW_JSET;
	case K5('p', 'r', 'o', 't', 'o'): return ASM_KW_PROTO;
	case K4('t', 'y', 'p', 'e'): return ASM_KW_TYPE;
	case K5('i', 'f', 'i', 'd', 'x'): return ASM_KW_IFIDX;
	case K3('n', 'l', 'a'): return ASM_KW_NLA;
	case K4('n', 'l', 'a', 'n'): return ASM_KW_NLAN;
	case K4('m', 'a', 'r', 'k'): return ASM_KW_MARK;
	case K5('q', 'u', 'e', 'u', 'e'): return ASM_KW_QUEUE;
	case K6('h', 'a', 't', 'y', 'p', 'e'): return ASM_KW_HATYPE;
	case K6('r', 'x', 'h', 'a', 's', 'h'): return ASM_KW_RXHASH;
	case K3('c', 'p', 'u'): return ASM_KW_CPU;
	case K5('x', 'o', 'r', '_', 'x'): return ASM_KW_XOR_X;
	case K8('v', 'l', 'a', 'n', '_', 't', 'c', 'i'): return ASM_KW_VLAN_TCI;
	case K4('p', 'o', 'f', 'f'): return ASM_KW_POFF;
	case K4('r', 'a', 'n', 'd'): return ASM_KW_RAND;
	case K7('v', 'l', 'a', 'n', '_', 'p', 'r'): return ASM_KW_VLAN_PR;
	case K3('l', 'e', 'n'): return ASM_KW_LEN;
	case KB('a'): return ASM_KW_A;
	case KB('x'): return ASM_KW_X;
	case KB('m'): return ASM_KW_M;
	case KB('k'): return ASM_KW_K;
	case K2('j', 't'): return ASM_KW_JT;
	case K2('j', 'f'): return ASM_KW_JF;
	case K4('i', 'n', 's', 'n'): return ASM_KW_INSN;
	default: return ASM_KW_NONE;
	}
}

/* The keyword of a packed identifier (hi: the bytes before the last 8). */
static enum asm_kw kw_of_packed(uint64_t hi, uint64_t lo)
{
	if (hi == 0)
		return short_kw(lo);
	if (hi == KB('v') && lo == K8('l', 'a', 'n', '_', 't', 'p', 'i', 'd'))
		return ASM_KW_VLAN_TPID;
	if (hi == K2('v', 'l') && lo == K8('a', 'n', '_', 'a', 'v', 'a', 'i', 'l'))
		return ASM_KW_VLAN_AVAIL;
	return ASM_KW_NONE;
}

enum asm_kw asm_kw_of(const char *s, size_t len)
{
	const char *e = s + len;
	uint64_t hi = 0, lo = 0;

	if (len > 10) /* vlan_avail, the longest */
		return ASM_KW_NONE;
	for (; s < e; s++) {
		hi = hi << 8 | lo >> 56;
		lo = lo << 8 | KB((unsigned char)*s);
	}
	return kw_of_packed(hi, lo);
}

/* An identifier or a directive: the run of word bytes at p, packed for
 * kw_of_packed on the way (what a word longer than 10 bytes packs to does
 * not matter: it is no keyword). */
static void lex_word(struct asm_lexer *lx, struct asm_token *tok, const char *p)
{
	const char *q = p, *end = lx->end;
	uint64_t hi = 0, lo = 0;

	for (; q < end && is_word((unsigned char)*q); q++) {
		hi = hi << 8 | lo >> 56;
		lo = lo << 8 | KB((unsigned char)*q);
	}
	tok->text = p;
	tok->len = (size_t)(q - p);
	lx->p = q;
	enum asm_kw kw = tok->len > 10 ? ASM_KW_NONE : kw_of_packed(hi, lo);
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
		return cbpf_diag_set(d, t->line, t->col, -1, "unexpected character '%c'", c);
	return cbpf_diag_set(d, t->line, t->col, -1, "unexpected byte 0x%02x", c);
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
