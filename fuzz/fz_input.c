/*
 * fz_input.c - splitting fuzzer inputs into program + packet (and a run
 * context drawn from them), and writing
 * reproducers (JSON, format "cbpf-fuzz-repro/1", fuzz/README.md).
 */
#include "fz_input.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbpf/ctx_json.h"

void fz_split(const uint8_t *data, size_t size, struct fz_case *c)
{
	size_t n = size ? data[0] : 0;
	size_t avail = size ? (size - 1) / sizeof(struct cbpf_insn) : 0;

	if (n > avail)
		n = avail;
	c->n = n;
	if (n)
		memcpy(c->insns, data + 1, n * sizeof(struct cbpf_insn));
	c->pkt = size ? data + 1 + n * sizeof(struct cbpf_insn) : data;
	c->len = size ? size - 1 - n * sizeof(struct cbpf_insn) : 0;
}

size_t fz_join(const struct cbpf_insn *insns, size_t n, const uint8_t *pkt, size_t len,
	       uint8_t *buf, size_t cap)
{
	size_t need;

	if (n > FZ_MAXINSNS)
		n = FZ_MAXINSNS;
	need = 1 + n * sizeof(struct cbpf_insn);
	if (need > cap)
		return 0;
	if (len > cap - need)
		len = cap - need;
	buf[0] = (uint8_t)n;
	if (n)
		memcpy(buf + 1, insns, n * sizeof(struct cbpf_insn));
	if (len)
		memmove(buf + need, pkt, len);
	return need + len;
}

static uint32_t word(const struct fz_case *c, size_t at)
{
	uint32_t w = 0;

	for (size_t i = 0; i < 4 && c->len; i++)
		w = (w << 8) | c->pkt[(at + i) % c->len];
	return w;
}

/* The L3 protocols the flow dissector (lib/vm/flow_dissect.c, poff "auto")
 * and the protocol-reading programs care about, host order. */
static const uint16_t protocols[] = {
	0x0800, 0x86dd, 0x8100, 0x88a8, 0x8847, 0x8848, 0x0806, 0x8035,
};
#define NPROTOCOLS (sizeof(protocols) / sizeof(protocols[0]))

/* The values come from the packet's first words and the flags from word 16,
 * so that no flag is tied to a protocol's bits (with both from one word,
 * IPv4's 0x0800 could never run the flow dissector: bit 4 picked poff). */
void fz_packet_ctx(const struct fz_case *c, struct cbpf_ctx *ctx)
{
	uint32_t w = word(c, 0) ^ (uint32_t)c->n;
	uint32_t f = word(c, 16);

	cbpf_ctx_init(ctx);
	ctx->has_dev = f & 1;
	ctx->ifindex = word(c, 4);
	ctx->hatype = w >> 16;
	ctx->protocol = (f & 128) ? protocols[(f >> 8) % NPROTOCOLS] : w & 0xffff;
	ctx->pkttype = (w >> 8) & 7;
	ctx->mark = word(c, 8);
	ctx->vlan_tci = w & 0xefff;
	ctx->vlan_avail = (f >> 6) & 1;
	ctx->vlan_tpid = (f & 128) ? protocols[(f >> 12) % NPROTOCOLS] : (w >> 16) & 0xffff;
	ctx->net_off = (f & 2) ? 14 : 0;
	ctx->mac_off = (f & 4) ? 0 : CBPF_CTX_UNSET;
	ctx->headlen = (f & 8) && c->len ? (int64_t)(w % (c->len + 1)) : CBPF_CTX_UNSET;
	ctx->poff = (f & 16) ? CBPF_POFF_AUTO : (int64_t)(w >> 5);
	ctx->len = (f & 32) ? (int64_t)word(c, 12) : CBPF_CTX_UNSET;
}

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static void put_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void put_hex(FILE *f, const uint8_t *p, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
	fputc('"', f);
}

static void put_answer(FILE *f, const struct fz_answer *a)
{
	fprintf(f, "{\"impl\":");
	put_str(f, a->impl);
	if (a->load_errno) {
		fprintf(f, ",\"load\":\"rejected\",\"errno\":%d", a->load_errno);
	} else {
		fprintf(f, ",\"load\":\"ok\"");
		if (a->ran) {
			fprintf(f, ",\"verdict\":%u,\"exact\":%s,\"abort\":", (unsigned)a->verdict,
				a->exact ? "true" : "false");
			if (a->abort)
				put_str(f, a->abort);
			else
				fputs("null", f);
		}
	}
	if (a->note) {
		fprintf(f, ",\"note\":");
		put_str(f, a->note);
	}
	fputc('}', f);
}

static void put_input(FILE *f, const struct fz_finding *r)
{
	const struct cbpf_seccomp_data *sd;
	struct cbpf_seccomp_data d;

	if (r->profile != CBPF_PROFILE_SECCOMP) {
		fprintf(f, "  \"packets\": [");
		put_hex(f, r->pkt, r->len);
		fprintf(f, "],\n");
		return;
	}
	memset(&d, 0, sizeof(d));
	memcpy(&d, r->pkt, r->len < sizeof(d) ? r->len : sizeof(d));
	sd = &d;
	fprintf(f, "  \"seccomp_data\": [{\"nr\":%d,\"arch\":%u,\"ip\":%llu,\"args\":[", sd->nr,
		(unsigned)sd->arch, (unsigned long long)sd->instruction_pointer);
	for (int i = 0; i < 6; i++)
		fprintf(f, "%s%llu", i ? "," : "", (unsigned long long)sd->args[i]);
	fprintf(f, "]}],\n");
}

static void put_finding(FILE *f, const struct fz_finding *r)
{
	fprintf(f, "{\n  \"format\": \"cbpf-fuzz-repro/1\",\n  \"target\": ");
	put_str(f, r->target);
	fprintf(f, ",\n  \"kind\": ");
	put_str(f, r->kind);
	fprintf(f, ",\n  \"profile\": ");
	put_str(f, cbpf_profile_name(r->profile));
	fprintf(f, ",\n  \"program\": [");
	for (size_t i = 0; i < r->n; i++)
		fprintf(f, "%s[%u,%u,%u,%u]", i ? "," : "", r->insns[i].code, r->insns[i].jt,
			r->insns[i].jf, (unsigned)r->insns[i].k);
	fprintf(f, "],\n");
	put_input(f, r);
	if (r->ctx) {
		char *js = cbpf_ctx_to_json(r->ctx);
		if (js)
			fprintf(f, "  \"ctx\": %s,\n", js);
		free(js);
	}
	fprintf(f, "  \"answers\": [");
	for (size_t i = 0; i < r->nanswers; i++) {
		fputs(i ? ",\n    " : "\n    ", f);
		put_answer(f, &r->answers[i]);
	}
	fprintf(f, "],\n  \"note\": ");
	put_str(f, r->note ? r->note : "");
	fprintf(f, "\n}\n");
}

int fz_write_repro(const struct fz_finding *r, char *path, size_t pathlen)
{
	const char *dir = getenv("CBPF_FUZZ_REPRO_DIR");
	uint64_t h = 0xcbf29ce484222325ull;
	FILE *f;

	h = fnv1a(h, r->insns, r->n * sizeof(*r->insns));
	h = fnv1a(h, r->pkt, r->len);
	h = fnv1a(h, r->kind, strlen(r->kind));
	snprintf(path, pathlen, "%s/repro-%s-%016llx.json", dir && *dir ? dir : ".", r->target,
		 (unsigned long long)h);
	f = fopen(path, "w");
	if (!f)
		return -1;
	put_finding(f, r);
	return fclose(f) == 0 ? 0 : -1;
}

void fz_report(const struct fz_finding *r)
{
	char path[4096];

	if (fz_write_repro(r, path, sizeof(path)) == 0)
		fprintf(stderr, "cbpf-fuzz: %s %s finding: %s\ncbpf-fuzz: reproducer %s\n", r->target,
			r->kind, r->note ? r->note : "", path);
	else
		fprintf(stderr, "cbpf-fuzz: %s %s finding: %s (reproducer %s not written: %s)\n",
			r->target, r->kind, r->note ? r->note : "", path, strerror(errno));
	abort();
}
