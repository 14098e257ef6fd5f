/*
 * support/char_cases.h - case labels for the ASCII character classes the text
 * lexers switch on (format/bpfasm/lex.c, format/cursor.c). A switch classifies a byte
 * in one dispatch; under libFuzzer's comparison tracing that is one
 * callback where a chain of range tests is several. Private to libcbpf.
 */
#ifndef CBPF_CHAR_CASES_H
#define CBPF_CHAR_CASES_H

/* 0-9 */
#define CASE_DIGIT                                                                          \
	case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7':    \
	case '8': case '9'

/* A-Z, a-z and '_': what starts an identifier */
#define CASE_ALPHA                                                                          \
	case 'A': case 'B': case 'C': case 'D': case 'E': case 'F': case 'G': case 'H':    \
	case 'I': case 'J': case 'K': case 'L': case 'M': case 'N': case 'O': case 'P':    \
	case 'Q': case 'R': case 'S': case 'T': case 'U': case 'V': case 'W': case 'X':    \
	case 'Y': case 'Z': case '_':                                                       \
	case 'a': case 'b': case 'c': case 'd': case 'e': case 'f': case 'g': case 'h':    \
	case 'i': case 'j': case 'k': case 'l': case 'm': case 'n': case 'o': case 'p':    \
	case 'q': case 'r': case 's': case 't': case 'u': case 'v': case 'w': case 'x':    \
	case 'y': case 'z'

#endif
