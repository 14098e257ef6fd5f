/*
 * vm/ext.c - the SKF_AD_* ancillary loads (`ld [SKF_AD_OFF + 4*n]` with
 * any size: the kernel ignores the size bits and loads the full value),
 * all but alu_xor_x, which vm.c decodes as the plain A ^= X.
 * Values come from the run context, which holds the skb fields as the
 * kernel's filter would read them; nla/nlan walk the packet like the
 * kernel's nla_find(); poff "auto" runs the flow dissector.
 * linux-semantics: ext.size-ignored, ext.abs-only
 */
#include <string.h>

#include "internal.h"

/* struct nlattr: u16 nla_len, u16 nla_type, both in HOST byte order. */
enum { NLA_HDRLEN = 4 };
#define NLA_TYPE_MASK 0x3fffu /* ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) */

static uint16_t host_u16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* nla_ok() for the attribute at head + pos with rem bytes left: room for a
 * header, and nla_len within [NLA_HDRLEN, rem]. */
static bool nla_ok(const uint8_t *head, int64_t pos, int64_t rem)
{
	uint16_t nla_len;

	if (rem < NLA_HDRLEN)
		return false;
	nla_len = host_u16(head + pos);
	return nla_len >= NLA_HDRLEN && nla_len <= rem;
}

/*
 * nla_find(head, len, type): walk attributes while nla_ok(), stepping by
 * NLA_ALIGN(nla_len); the first whose nla_type & NLA_TYPE_MASK equals type
 * wins. Returns its offset from head, or -1.
 */
static int64_t nla_find(const uint8_t *head, int64_t len, uint32_t type)
{
	int64_t pos = 0, rem = len;

	while (nla_ok(head, pos, rem)) {
		uint16_t nla_len = host_u16(head + pos);
		uint32_t totlen = ((uint32_t)nla_len + 3u) & ~3u; /* NLA_ALIGN */

		if ((host_u16(head + pos + 2) & NLA_TYPE_MASK) == type)
			return pos;
		pos += totlen;
		rem -= totlen;
	}
	return -1;
}

/* The linear part: headlen from ctx (unset = the whole packet). */
static bool is_nonlinear(size_t len, const struct cbpf_ctx *ctx)
{
	return ctx->headlen != CBPF_CTX_UNSET && ctx->headlen >= 0 &&
	       (uint64_t)ctx->headlen < len;
}

/*
 * bpf_skb_get_nlattr(): 0 on a non-linear skb, when len < 4 or a > len - 4;
 * else the offset from data of nla_find(data + a, len - a, x), 0 if absent.
 * linux-semantics: ext.nla
 */
static uint32_t ext_nla(uint32_t a, uint32_t x, const uint8_t *pkt, size_t len,
			const struct cbpf_ctx *ctx)
{
	int64_t found;

	if (is_nonlinear(len, ctx) || len < NLA_HDRLEN || a > len - NLA_HDRLEN)
		return 0;
	found = nla_find(pkt + a, (int64_t)(len - a), x);
	return found < 0 ? 0 : (uint32_t)(a + found);
}

/*
 * bpf_skb_get_nlattr_nest(): the same guards, then the attribute at data + a
 * must pass nla_ok(nla, len - a) (since the 2024 syzbot fix; before, only
 * nla_len > len - a was checked, and nla_len < 4 also gave 0); then
 * nla_find_nested(): nla_find over its payload (nla + 4, nla_len - 4).
 * linux-semantics: ext.nlan
 */
static uint32_t ext_nla_nest(uint32_t a, uint32_t x, const uint8_t *pkt, size_t len,
			     const struct cbpf_ctx *ctx)
{
	const uint8_t *nla;
	int64_t found;

	if (is_nonlinear(len, ctx) || len < NLA_HDRLEN || a > len - NLA_HDRLEN)
		return 0;
	nla = pkt + a;
	if (!nla_ok(nla, 0, (int64_t)(len - a)))
		return 0;
	found = nla_find(nla + NLA_HDRLEN, (int64_t)host_u16(nla) - NLA_HDRLEN, x);
	return found < 0 ? 0 : (uint32_t)(a + NLA_HDRLEN + found);
}

static uint32_t ext_poff(const uint8_t *pkt, size_t len, const struct cbpf_ctx *ctx)
{
	if (ctx->poff == CBPF_POFF_AUTO || ctx->poff == CBPF_CTX_UNSET)
		return cbpf_flow_poff(pkt, len, ctx);
	return (uint32_t)ctx->poff;
}

int64_t cbpf_vm_ext(unsigned ext, uint32_t a, uint32_t x, const uint8_t *pkt, size_t len,
		    const struct cbpf_ctx *ctx)
{
	if (ctx == NULL)
		ctx = &cbpf_vm_default_ctx;
	switch ((enum cbpf_ext)ext) {
	case CBPF_EXT_PROTOCOL: return ctx->protocol;
	case CBPF_EXT_PKTTYPE: return ctx->pkttype;
	case CBPF_EXT_IFINDEX:
		/* skb->dev == NULL: the converted program exits with A
		 * (linux-semantics: ext.nodev). */
		return ctx->has_dev ? (int64_t)ctx->ifindex : -1;
	case CBPF_EXT_NLATTR: return ext_nla(a, x, pkt, len, ctx);
	case CBPF_EXT_NLATTR_NEST: return ext_nla_nest(a, x, pkt, len, ctx);
	case CBPF_EXT_MARK: return ctx->mark;
	case CBPF_EXT_QUEUE: return ctx->queue;
	case CBPF_EXT_HATYPE: return ctx->has_dev ? (int64_t)ctx->hatype : -1;
	case CBPF_EXT_RXHASH: return ctx->rxhash;
	case CBPF_EXT_CPU: return ctx->cpu;
	case CBPF_EXT_VLAN_TAG: return ctx->vlan_tci;
	case CBPF_EXT_VLAN_TAG_PRESENT: return ctx->vlan_avail;
	case CBPF_EXT_PAY_OFFSET: return ext_poff(pkt, len, ctx);
	case CBPF_EXT_RANDOM: return ctx->random;
	case CBPF_EXT_VLAN_TPID: return ctx->vlan_tpid;
	/* alu_xor_x never gets here: vm.c decodes it as VM_XOR_X (A ^= X). */
	default: return a; /* unreachable: vm.c decodes only the other 15 */
	}
}
