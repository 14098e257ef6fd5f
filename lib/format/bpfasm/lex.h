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

#include "cbpf/insn.h"
#include "cbpf/program.h"

enum asm_tok {
	ASM_TOK_EOF,
	ASM_TOK_IDENT,     /* [A-Za-z_][A-Za-z0-9_]* */
	ASM_TOK_NUMBER,    /* unsigned: 0x.., 0b.., 0[0-7]+, [1-9][0-9]*, 0 */
	ASM_TOK_DIRECTIVE, /* '.' then an identifier; text excludes the dot */
	ASM_TOK_PUNCT,     /* one of  : , # % [ ] ( ) + - * & { } =  */
};

/* bpf_asm's own words (its lexer, tools/bpf/bpf_exp.l): E(NAME, spelling).
 * The ALU, jump and extension words come from cbpf/opcode_list.h. */
#define ASM_MNEMONIC_WORDS(E) \
	E(LD, "ld") E(LDI, "ldi") E(LDH, "ldh") E(LDB, "ldb") E(LDX, "ldx") E(LDXI, "ldxi") \
	E(LDXB, "ldxb") E(ST, "st") E(STX, "stx") E(JA, "ja") E(JMP, "jmp") E(JNE, "jne") \
	E(JNEQ, "jneq") E(JLT, "jlt") E(JLE, "jle") E(NEG, "neg") E(RET, "ret") E(TAX, "tax") \
	E(TXA, "txa")
/* Operand words (not reserved: they may be labels) and the directive .insn. */
#define ASM_OPERAND_WORDS(E) \
	E(A, "a") E(X, "x") E(M, "m") E(K, "k") E(JT, "jt") E(JF, "jf") E(INSN, "insn")

/* The words of the grammar, as the lexer tags identifiers (ASM_KW_NONE:
 * any other identifier, and every other token). Mnemonics, extension names
 * (in enum cbpf_ext order, then bpf_asm's alias vlan_pr) and `len` are
 * reserved (never labels); the operand words follow them. */
enum asm_kw {
	ASM_KW_NONE,
#define ASM_KW_WORD(name, word) ASM_KW_##name,
#define ASM_KW_OP(name, field, mnemonic) ASM_KW_##name,
#define ASM_KW_EXT(name, n, asm_name, pcap_name) ASM_KW_EXT_##name,
	ASM_MNEMONIC_WORDS(ASM_KW_WORD)
	CBPF_ALU_OP_LIST(ASM_KW_OP)
	CBPF_JMP_OP_LIST(ASM_KW_OP)
	CBPF_EXT_LIST(ASM_KW_EXT)
	ASM_KW_VLAN_PR,
	ASM_KW_LEN,
	ASM_OPERAND_WORDS(ASM_KW_WORD)
#undef ASM_KW_WORD
#undef ASM_KW_OP
#undef ASM_KW_EXT
	ASM_KW_COUNT
};

/* The spelling of a keyword (lower case), or NULL for ASM_KW_NONE. */
const char *asm_kw_word(enum asm_kw kw);

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
