/*
 * insn/codec.c - lossless conversion between raw instructions and the typed
 * model. The opcode table says what each code means; this file only maps
 * fields. Nothing is canonicalised: jt, jf and k travel verbatim.
 * Encoding asks the opcode table's reverse index (insn/opcode_index.h).
 */
#include "cbpf/insn.h"
#include "cbpf/opcode.h"
#include "opcode_index.h"

struct cbpf_typed cbpf_decode(struct cbpf_insn in)
{
	struct cbpf_typed t = {
		.kind = CBPF_KIND_INVALID, .size = CBPF_SIZE_W, .raw_code = in.code,
		.jt = in.jt, .jf = in.jf, .k = in.k,
	};
	const struct cbpf_opinfo *entry = cbpf_opinfo(in.code);

	if (entry == NULL)
		return t;
	struct cbpf_opinfo o = *entry; /* one checked read, not one per field */
	t.kind = o.kind;
	t.reg = o.reg;
	t.size = o.size;
	t.alu = o.alu;
	t.jmp = o.jmp;
	t.src = o.src;
	if (o.kind == CBPF_KIND_LD_ABS) {
		int e = cbpf_ext_from_k(in.k);
		if (e >= 0) {
			t.kind = CBPF_KIND_LD_EXT;
			t.ext = (enum cbpf_ext)e;
		}
	}
	return t;
}

struct cbpf_insn cbpf_encode(const struct cbpf_typed *typed)
{
	struct cbpf_typed t = *typed; /* one checked read, not one per field */
	struct cbpf_insn out = { t.raw_code, t.jt, t.jf, t.k };
	int code = cbpf_opcode_for(t.kind, t.reg, t.size, t.alu, t.jmp, t.src);

	if (code < 0)
		return out;
	out.code = (uint16_t)code;
	if (t.kind == CBPF_KIND_LD_EXT && (unsigned)t.ext < CBPF_EXT_COUNT)
		out.k = cbpf_ext_k(t.ext);
	return out;
}
