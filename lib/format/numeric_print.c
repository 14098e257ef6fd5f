/*
 * format/numeric_print.c - the printer of the formats that spell each
 * instruction as its four numbers (bytecode, bpf_asm -c, tcpdump -dd and
 * -ddd): an optional count line, one record per instruction, a tail.
 */
#include "formats.h"

#include "support/strbuf.h"

char *fmt_numeric_print(const struct cbpf_insn *insns, size_t n, const struct fmt_numeric *f,
			size_t *outlen)
{
	struct strbuf b = { 0 };

	if (f->count)
		sb_printf(&b, f->count, n);
	for (size_t i = 0; i < n; i++)
		sb_printf(&b, f->record, (unsigned)insns[i].code, (unsigned)insns[i].jt,
			  (unsigned)insns[i].jf, (unsigned)insns[i].k);
	sb_puts(&b, f->tail);
	return sb_finish(&b, outlen);
}
