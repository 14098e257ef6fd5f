/*
 * format/bpfasm/lex.h - (library-private) the bpf_asm lexer: turns a byte buffer into
 * tokens with their line and column, skipping whitespace and the three
 * comment forms (`;` to end of line, `/ * ... * /`, a line starting with
 * `#`). Tokens point into the buffer; nothing is copied, so NUL bytes and
 * arbitrary lengths are harmless. Keywords are not interpreted here: an
 * identifier means whatever its position in the grammar says (format/bpfasm/parse.c);
 * the lexer only tags an identifier spelled like one of the words the
 * grammar knows (any case) with that word's enum asm_kw, so that the parser
 * compares small integers instead of strings.
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

/* The words of the grammar, as the lexer tags identifiers (ASM_KW_NONE:
 * any other identifier, and every other token). Mnemonics, extension names
 * and `len` are reserved (never labels); the rest are operand words. */
enum asm_kw {
	ASM_KW_NONE,
	/* mnemonics (format/bpfasm/parse.c's table) */
	ASM_KW_LD, ASM_KW_LDI, ASM_KW_LDH, ASM_KW_LDB, ASM_KW_LDX, ASM_KW_LDXI, ASM_KW_LDXB,
	ASM_KW_ST, ASM_KW_STX, ASM_KW_JA, ASM_KW_JMP, ASM_KW_JNE, ASM_KW_JNEQ, ASM_KW_JLT,
	ASM_KW_JLE, ASM_KW_NEG, ASM_KW_RET, ASM_KW_TAX, ASM_KW_TXA,
	/* ALU operations, in enum cbpf_alu_op order (cbpf_alu_name) */
	ASM_KW_ADD, ASM_KW_SUB, ASM_KW_MUL, ASM_KW_DIV, ASM_KW_MOD, ASM_KW_AND, ASM_KW_OR,
	ASM_KW_XOR, ASM_KW_LSH, ASM_KW_RSH,
	/* conditional jumps, in enum cbpf_jmp_op order (cbpf_jmp_name) */
	ASM_KW_JEQ, ASM_KW_JGT, ASM_KW_JGE, ASM_KW_JSET,
	/* extensions, in enum cbpf_ext order (cbpf_ext_asm_name), then bpf_asm's
	 * alias vlan_pr */
	ASM_KW_PROTO, ASM_KW_TYPE, ASM_KW_IFIDX, ASM_KW_NLA, ASM_KW_NLAN, ASM_KW_MARK,
	ASM_KW_QUEUE, ASM_KW_HATYPE, ASM_KW_RXHASH, ASM_KW_CPU, ASM_KW_XOR_X, ASM_KW_VLAN_TCI,
	ASM_KW_VLAN_AVAIL, ASM_KW_POFF, ASM_KW_RAND, ASM_KW_VLAN_TPID, ASM_KW_VLAN_PR,
	ASM_KW_LEN,
	/* operand words (not reserved), and the directive .insn */
	ASM_KW_A, ASM_KW_X, ASM_KW_M, ASM_KW_K, ASM_KW_JT, ASM_KW_JF, ASM_KW_INSN,
	ASM_KW_COUNT
};

struct asm_token {
	enum asm_tok type;
	enum asm_kw kw;    /* IDENT: the word it spells; DIRECTIVE: ASM_KW_INSN for
			    * .insn; else ASM_KW_NONE */
	char punct;        /* ASM_TOK_PUNCT (else '\0') */
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

/* The word an identifier's bytes spell (ASCII case-insensitive), or
 * ASM_KW_NONE; asm_lex_next sets tok->kw with it. */
enum asm_kw asm_kw_of(const char *s, size_t len);

/* Print at most `max` bytes of s into out (size >= max + 4), replacing
 * bytes that are not printable ASCII by '?' and marking a cut with "...". */
void asm_excerpt(char *out, const char *s, size_t len, size_t max);

#endif
