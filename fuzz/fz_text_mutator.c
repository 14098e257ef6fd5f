/*
 * fz_text_mutator.c - the structure-aware mutator of fuzz_text (the
 * selector byte and text of fz_text.h). Byte mutations of a listing
 * rarely keep it a listing, and from an empty corpus they take minutes to
 * write one; this reads the program the text spells, edits it with the
 * instruction-level mutator (fz_mutate), and prints it again with the
 * library's printer, in the same format or another selector's. A text
 * that does not parse starts from the empty program. One step in four is
 * libFuzzer's byte mutation, so the well-formed listings this writes get
 * the odd field, count or blank that only a byte edit makes. Reached from
 * LLVMFuzzerCustomMutator (fz_mutator.c) when fz_mutator_opts.text is set.
 */
#include "fz_text.h"

#include <stdlib.h>
#include <string.h>

#include "fz_input.h"
#include "fz_mutator.h"
#include "rng.h"

static const enum cbpf_format text_formats[] = FZ_TEXT_FORMATS;
_Static_assert(sizeof(text_formats) / sizeof(text_formats[0]) == FZ_TEXT_NFORMATS,
	       "FZ_TEXT_NFORMATS");

/* The program the input spells; 0 with n = 0 when it spells none. */
static size_t read_program(const uint8_t *data, size_t size, struct cbpf_insn *insns)
{
	struct cbpf_prog prog = { 0 };
	struct cbpf_diag d;
	enum cbpf_format f;
	size_t n = 0;

	if (size < 1 || data[0] % FZ_TEXT_NSELECTORS >= FZ_TEXT_NFORMATS)
		return 0;
	f = text_formats[data[0] % FZ_TEXT_NSELECTORS];
	if (f == CBPF_FMT_AUTO)
		f = cbpf_format_detect(data + 1, size - 1);
	if (cbpf_parse(f, data + 1, size - 1, &prog, &d) == 0 && prog.len <= FZ_MAXINSNS) {
		n = prog.len;
		if (n)
			memcpy(insns, prog.insns, n * sizeof(*insns));
	}
	cbpf_prog_free(&prog);
	return n;
}

/* The selector to write: the input's, or (one in four, or when it named
 * a context or there was none) a program format's with a random upper
 * part. */
static uint8_t pick_selector(struct ts_rng *rng, const uint8_t *data, size_t size)
{
	uint8_t sel;

	if (size >= 1 && data[0] % FZ_TEXT_NSELECTORS < FZ_TEXT_NFORMATS && ts_below(rng, 4))
		return data[0];
	do
		sel = (uint8_t)ts_below(rng, 256);
	while (sel % FZ_TEXT_NSELECTORS >= FZ_TEXT_NFORMATS);
	return sel;
}

/* The format to print for a selector: its own, or for detection any of
 * the others (FZ_TEXT_FORMATS keeps auto last). */
static enum cbpf_format print_format(struct ts_rng *rng, uint8_t sel)
{
	enum cbpf_format f = text_formats[sel % FZ_TEXT_NSELECTORS];

	if (f == CBPF_FMT_AUTO)
		f = text_formats[ts_below(rng, FZ_TEXT_NFORMATS - 1)];
	return f;
}

static size_t byte_mutation(uint8_t *data, size_t size, size_t max_size)
{
	return LLVMFuzzerMutate ? LLVMFuzzerMutate(data, size, max_size) : size;
}

size_t fz_mutate_text(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	static uint8_t buf[1 + 8 * FZ_MAXINSNS];
	struct cbpf_insn insns[FZ_MAXINSNS];
	struct ts_rng rng;
	struct fz_case c;
	size_t n, len = 0;
	uint8_t sel;
	char *text;

	ts_seed(&rng, (uint64_t)seed << 32 | size);
	if (ts_below(&rng, 4) == 0 && size > 0)
		return byte_mutation(data, size, max_size);
	if (size >= 1 && data[0] % FZ_TEXT_NSELECTORS >= FZ_TEXT_NFORMATS && ts_below(&rng, 2))
		return byte_mutation(data, size, max_size);   /* a context: bytes only */
	n = read_program(data, size, insns);
	len = fz_join(insns, n, (const uint8_t *)"", 0, buf, sizeof(buf));
	len = fz_mutate(buf, len, sizeof(buf), (unsigned)ts_next(&rng));
	fz_split(buf, len, &c);
	sel = pick_selector(&rng, data, size);
	text = cbpf_print(print_format(&rng, sel), c.insns, c.n, &len);
	if (!text || len + 1 > max_size) {
		free(text);
		return size > 0 ? byte_mutation(data, size, max_size) : 0;
	}
	data[0] = sel;
	memcpy(data + 1, text, len);
	free(text);
	return len + 1;
}
