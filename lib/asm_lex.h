/*
 * asm_lex.h - (library-private) the bpf_asm lexer: turns a byte buffer into
 * tokens with their line and column, skipping whitespace and the three
 * comment forms (`;` to end of line, `/ * ... * /`, a line starting with
 * `#`). Tokens point into the buffer; nothing is copied, so NUL bytes and
 * arbitrary lengths are harmless. Keywords are not recognised here: an
 * identifier means whatever its position in the grammar says (asm_parse.c).
 */
#ifndef CBPF_ASM_LEX_H
#define CBPF_ASM_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cbpf/program.h"

enum asm_tok {
	ASM_TOK_EOF,
	ASM_TOK_IDENT,     /* [A-Za-z_][A-Za-z0-9_]* */
	ASM_TOK_NUMBER,    /* unsigned: 0x.., 0b.., 0[0-7]+, [1-9][0-9]*, 0 */
	ASM_TOK_DIRECTIVE, /* '.' then an identifier; text excludes the dot */
	ASM_TOK_PUNCT,     /* one of  : , # % [ ] ( ) + - * & { } =  */
};

struct asm_token {
	enum asm_tok type;
	char punct;        /* ASM_TOK_PUNCT */
	const char *text;  /* the token's bytes (IDENT, NUMBER, DIRECTIVE) */
	size_t len;
	uint64_t value;    /* NUMBER: its value, or ASM_NUM_TOO_BIG */
	unsigned line;     /* 1-based */
	unsigned col;      /* 1-based, counted in bytes */
};

/* NUMBER value for anything above UINT32_MAX (the lexer stops counting). */
#define ASM_NUM_TOO_BIG ((uint64_t)UINT32_MAX + 1)

struct asm_lexer {
	const char *p;          /* next unread byte */
	const char *end;
	const char *line_start; /* first byte of the current line */
	unsigned line;
};

void asm_lex_init(struct asm_lexer *lx, const char *buf, size_t len);

/* The next token: 0, or -1 with d filled (unexpected byte, malformed
 * number, unterminated comment). After EOF it keeps returning EOF. */
int asm_lex_next(struct asm_lexer *lx, struct asm_token *tok, struct cbpf_diag *d);

/* Case-insensitive (ASCII) comparison of an identifier with a word. */
bool asm_tok_is(const struct asm_token *tok, const char *word);

/* Print at most `max` bytes of s into out (size >= max + 4), replacing
 * bytes that are not printable ASCII by '?' and marking a cut with "...". */
void asm_excerpt(char *out, const char *s, size_t len, size_t max);

#endif
