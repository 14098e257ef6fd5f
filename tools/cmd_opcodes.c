/*
 * cmd_opcodes.c - `cbpf opcodes`: the opcode table (cbpf/opcode_list.h) as
 * a table for people or as JSON for programs. The Python harness reads its
 * opcode facts from `cbpf opcodes --json` and keeps no copy of its own.
 */
#include "commands.h"

#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cbpf/insn.h"
#include "cbpf/opcode.h"
#include "strbuf.h"

static const char usage[] =
	"usage: cbpf opcodes [--json] [-o OUTFILE]\n"
	"\n"
	"Print the 49 opcodes Linux accepts (chk_code_allowed), with their symbolic\n"
	"code, kind, mnemonic, the raw fields the kernel reads and whether seccomp\n"
	"accepts them, then the 16 SKF_AD_* extensions.\n"
	"\n"
	"  --json      one JSON object: \"fields\" (the code's field values, as in\n"
	"              linux/bpf_common.h), \"masks\" (BPF_CLASS() ...), \"opcodes\",\n"
	"              \"extensions\", \"limits\"\n"
	"  -o OUTFILE  write to OUTFILE (atomically) instead of stdout\n"
	"  -h, --help  this text\n"
	"\n"
	"Exit status: 0 printed, 2 usage error or unwritable output.\n";

/* The symbolic code of each opcode, in the list's order, as Linux spells
 * it ("BPF_LD|BPF_W|BPF_ABS"). */
#define OPC_SYMBOL(c, ...) #c,
static const char *const symbols[CBPF_NOPCODES] = { CBPF_OPCODE_LIST(OPC_SYMBOL) };
#undef OPC_SYMBOL

static void put_symbol(struct strbuf *b, const char *expr)
{
	for (const char *p = expr; *p; p++) {
		if (*p == ' ')
			continue;
		if (strncmp(p, "CBPF_", 5) == 0) {
			sb_puts(b, "BPF_");
			p += 4;
			continue;
		}
		sb_putc(b, *p);
	}
}

static const char *const kind_names[CBPF_KIND_COUNT] = {
	[CBPF_KIND_INVALID] = "invalid", [CBPF_KIND_LD_IMM] = "ld_imm",
	[CBPF_KIND_LD_LEN] = "ld_len",   [CBPF_KIND_LD_MEM] = "ld_mem",
	[CBPF_KIND_LD_ABS] = "ld_abs",   [CBPF_KIND_LD_IND] = "ld_ind",
	[CBPF_KIND_LD_MSH] = "ld_msh",   [CBPF_KIND_LD_EXT] = "ld_ext",
	[CBPF_KIND_ST] = "st",           [CBPF_KIND_ALU] = "alu",
	[CBPF_KIND_NEG] = "neg",         [CBPF_KIND_JA] = "ja",
	[CBPF_KIND_JCOND] = "jcond",     [CBPF_KIND_RET] = "ret",
	[CBPF_KIND_TAX] = "tax",         [CBPF_KIND_TXA] = "txa",
};

/* The code's fields, by group: the values every opcode is composed of. */
struct field {
	const char *group, *name;
	unsigned value;
};

static const struct field fields[] = {
	{ "class", "ld", CBPF_LD },     { "class", "ldx", CBPF_LDX },  { "class", "st", CBPF_ST },
	{ "class", "stx", CBPF_STX },   { "class", "alu", CBPF_ALU },  { "class", "jmp", CBPF_JMP },
	{ "class", "ret", CBPF_RET },   { "class", "misc", CBPF_MISC },
	{ "size", "w", CBPF_W },        { "size", "h", CBPF_H },       { "size", "b", CBPF_B },
	{ "mode", "imm", CBPF_IMM },    { "mode", "abs", CBPF_ABS },   { "mode", "ind", CBPF_IND },
	{ "mode", "mem", CBPF_MEM },    { "mode", "len", CBPF_LEN },   { "mode", "msh", CBPF_MSH },
#define OPC_ALU(name, field, mnemonic) { "alu", mnemonic, field },
	CBPF_ALU_OP_LIST(OPC_ALU)
#undef OPC_ALU
	{ "alu", "neg", CBPF_NEG },
	{ "jmp", "ja", CBPF_JA },
#define OPC_JMP(name, field, mnemonic) { "jmp", mnemonic, field },
	CBPF_JMP_OP_LIST(OPC_JMP)
#undef OPC_JMP
	{ "src", "k", CBPF_K },         { "src", "x", CBPF_X },
	{ "rval", "k", CBPF_RET_K },    { "rval", "x", CBPF_RET_X },   { "rval", "a", CBPF_RET_A },
	{ "misc", "tax", CBPF_TAX },    { "misc", "txa", CBPF_TXA },
};

static const char *reg_name(enum cbpf_reg r) { return r == CBPF_REG_X ? "x" : "a"; }

static const char *src_name(enum cbpf_src s)
{
	return s == CBPF_SRC_X ? "x" : s == CBPF_SRC_A ? "a" : "k";
}

static void put_fields_json(struct strbuf *b)
{
	const char *group = NULL;

	sb_puts(b, "\"fields\":{");
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const struct field *f = &fields[i];
		if (group == NULL || strcmp(group, f->group) != 0) {
			sb_printf(b, "%s\"%s\":{", group ? "}," : "", f->group);
			group = f->group;
		} else {
			sb_putc(b, ',');
		}
		sb_printf(b, "\"%s\":%u", f->name, f->value);
	}
	sb_puts(b, "}}");
}

/* The mask that selects each group's field from a code (BPF_CLASS(),
 * BPF_SIZE(), ... of linux/bpf_common.h), so a program can take any code
 * apart, the 49 or not. */
static void put_masks_json(struct strbuf *b)
{
	sb_printf(b, "\"masks\":{\"class\":%u,\"size\":%u,\"mode\":%u,\"alu\":%u,\"jmp\":%u,"
		  "\"src\":%u,\"rval\":%u,\"misc\":%u}", CBPF_CLASS(0xffffu), CBPF_SIZE(0xffffu),
		  CBPF_MODE(0xffffu), CBPF_OP(0xffffu), CBPF_OP(0xffffu), CBPF_SRC(0xffffu),
		  CBPF_RVAL(0xffffu), CBPF_MISCOP(0xffffu));
}

/* The name of a code's class ("ld", "alu", ...). */
static const char *class_name(unsigned code)
{
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (strcmp(fields[i].group, "class") == 0 && fields[i].value == CBPF_CLASS(code))
			return fields[i].name;
	return "?";
}

static void put_opcode_json(struct strbuf *b, size_t i)
{
	const struct cbpf_opinfo *o = cbpf_opinfo_at(i);
	bool alu = o->kind == CBPF_KIND_ALU, jmp = o->kind == CBPF_KIND_JCOND;

	sb_printf(b, "%s{\"code\":%u,\"class\":\"%s\",\"symbol\":\"", i ? "," : "", o->code,
		  class_name(o->code));
	put_symbol(b, symbols[i]);
	sb_printf(b, "\",\"kind\":\"%s\",\"mnemonic\":\"%s\",\"pcap_mnemonic\":\"%s\"",
		  kind_names[o->kind], o->asm_name, o->pcap_name);
	sb_printf(b, ",\"reg\":\"%s\",\"size\":%u,\"src\":\"%s\"", reg_name(o->reg),
		  (unsigned)o->size, src_name(o->src));
	if (alu)
		sb_printf(b, ",\"alu\":\"%s\"", cbpf_alu_name(o->alu));
	if (jmp)
		sb_printf(b, ",\"jmp\":\"%s\"", cbpf_jmp_name(o->jmp));
	sb_printf(b, ",\"uses_k\":%s,\"uses_jt_jf\":%s,\"seccomp\":%s}",
		  (o->uses & CBPF_USES_K) ? "true" : "false",
		  (o->uses & CBPF_USES_JT) ? "true" : "false", o->seccomp ? "true" : "false");
}

static void put_json(struct strbuf *b)
{
	sb_putc(b, '{');
	put_fields_json(b);
	sb_putc(b, ',');
	put_masks_json(b);
	sb_puts(b, ",\"opcodes\":[");
	for (size_t i = 0; i < CBPF_NOPCODES; i++)
		put_opcode_json(b, i);
	sb_puts(b, "],\"extensions\":[");
	for (int e = 0; e < CBPF_EXT_COUNT; e++)
		sb_printf(b, "%s{\"index\":%d,\"k\":%u,\"name\":\"%s\",\"pcap_name\":\"%s\"}",
			  e ? "," : "", e, cbpf_ext_k((enum cbpf_ext)e),
			  cbpf_ext_asm_name((enum cbpf_ext)e), cbpf_ext_pcap_name((enum cbpf_ext)e));
	sb_printf(b, "],\"limits\":{\"maxinsns\":%d,\"memwords\":%d,\"skf_ad_off\":%d,"
		  "\"skf_net_off\":%d,\"skf_ll_off\":%d}}\n",
		  CBPF_MAXINSNS, CBPF_MEMWORDS, CBPF_SKF_AD_OFF, CBPF_SKF_NET_OFF, CBPF_SKF_LL_OFF);
}

static void put_table(struct strbuf *b)
{
	sb_puts(b, "code  symbol                     kind    mnemonic  fields  seccomp\n");
	for (size_t i = 0; i < CBPF_NOPCODES; i++) {
		const struct cbpf_opinfo *o = cbpf_opinfo_at(i);
		struct strbuf sym = { 0 };
		put_symbol(&sym, symbols[i]);
		sb_printf(b, "0x%02x  %-26s %-7s %-9s %-7s %s\n", o->code, sym.s ? sym.s : "?",
			  kind_names[o->kind], o->asm_name,
			  (o->uses & CBPF_USES_K) ? ((o->uses & CBPF_USES_JT) ? "k jt jf" : "k")
						  : ((o->uses & CBPF_USES_JT) ? "jt jf" : "-"),
			  o->seccomp ? "yes" : "no");
		free(sb_finish(&sym, NULL));
	}
	sb_puts(b, "\nextension   k           bpf_asm     libpcap\n");
	for (int e = 0; e < CBPF_EXT_COUNT; e++)
		sb_printf(b, "%-11d 0x%08x  %-11s %s\n", e, cbpf_ext_k((enum cbpf_ext)e),
			  cbpf_ext_asm_name((enum cbpf_ext)e), cbpf_ext_pcap_name((enum cbpf_ext)e));
}

int cmd_opcodes(int argc, char **argv)
{
	const char *out = NULL;
	bool json = false;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(usage, stdout);
			return 0;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
			out = argv[++i];
		} else {
			fprintf(stderr, "cbpf opcodes: unexpected argument '%s' (try 'cbpf opcodes --help')\n",
				argv[i]);
			return 2;
		}
	}
	struct strbuf b = { 0 };
	if (json)
		put_json(&b);
	else
		put_table(&b);
	size_t len;
	char *text = sb_finish(&b, &len);
	if (text == NULL) {
		fputs("cbpf opcodes: out of memory\n", stderr);
		return 2;
	}
	int rc = tool_write_output(out, text, len) < 0 ? 2 : 0;
	free(text);
	return rc;
}
