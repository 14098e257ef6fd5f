/*
 * vm/flow_dissect.c - SKF_AD_PAY_OFFSET ("poff") computed from the packet, the
 * way the kernel's skb_get_poff() does it: __skb_flow_dissect() with the
 * basic keys (control + basic) and no flags, then __skb_get_poff() adds the
 * L4 header length (net/core/flow_dissector.c, read at Linux 6.x).
 *
 * Covered exactly:
 *   L3 (skb->protocol, or skb->vlan_proto when a VLAN tag is present):
 *     IPv4 (ihl >= 5, fragments), IPv6, 802.1Q and 802.1AD (a hardware tag
 *     from the context first, then tags in the frame), MPLS unicast and
 *     multicast (the basic keys stop after the first label), ARP and RARP
 *     (the basic keys stop at the ARP header);
 *   L4 (ip_proto): IPv6 hop-by-hop, routing and destination options
 *     headers, the IPv6 fragment header, IPIP, IPv6-in-IP, MPLS-in-IP, GRE
 *     versions 0 (with transparent Ethernet bridging) and 1 (PPTP);
 *   __skb_get_poff(): TCP (doff, at least 20), UDP, UDP-Lite, ICMP, ICMPv6,
 *     IGMP, DCCP, SCTP; later fragments stop at the L3 header;
 *   the 15-header limit and thoff = min((u16)nhoff, (u16)skb->len).
 * Not covered (we return 0 where the kernel may not): PPPoE (its parsing
 * changed in 2025), TIPC, FCoE, batman-adv, PTP (1588), HSR/PRP, CFM,
 * DSA tags, and BPF flow-dissector programs attached to a namespace.
 * A network header before the packet start (net_off < 0, e.g. reuseport)
 * gives 0: the kernel reads the headroom there, which we do not have.
 * linux-semantics: ext.poff
 */
#include "internal.h"

enum {
	ETH_P_IP = 0x0800, ETH_P_ARP = 0x0806, ETH_P_TEB = 0x6558, ETH_P_RARP = 0x8035,
	ETH_P_8021Q = 0x8100, ETH_P_IPV6 = 0x86dd, ETH_P_MPLS_UC = 0x8847,
	ETH_P_MPLS_MC = 0x8848, ETH_P_8021AD = 0x88a8, GRE_PROTO_PPP = 0x880b,
};

enum {
	IPPROTO_HOPOPTS = 0, IPPROTO_ICMP = 1, IPPROTO_IGMP = 2, IPPROTO_IPIP = 4,
	IPPROTO_TCP = 6, IPPROTO_UDP = 17, IPPROTO_IPV6 = 41, IPPROTO_ROUTING = 43,
	IPPROTO_FRAGMENT = 44, IPPROTO_GRE = 47, IPPROTO_ICMPV6 = 58,
	IPPROTO_DSTOPTS = 60, IPPROTO_DCCP = 33, IPPROTO_SCTP = 132,
	IPPROTO_UDPLITE = 136, IPPROTO_MPLS = 137,
};

/* GRE flag bits (host order of the first 16-bit word). */
enum {
	GRE_CSUM = 0x8000, GRE_ROUTING = 0x4000, GRE_KEY = 0x2000, GRE_SEQ = 0x1000,
	GRE_ACK = 0x0080, GRE_VERSION = 0x0007,
};

#define MAX_FLOW_DISSECT_HDRS 15

enum fd_ret { FD_OUT_GOOD, FD_OUT_BAD, FD_PROTO_AGAIN, FD_IPPROTO_AGAIN, FD_CONTINUE };

struct dissect {
	const uint8_t *pkt;
	size_t len;             /* skb->len */
	uint16_t skb_protocol;  /* skb->protocol, host order */
	bool vlan_present;      /* skb_vlan_tag_present() */
	uint16_t proto;         /* current L3 protocol, host order */
	int64_t nhoff;
	uint8_t ip_proto;
	bool is_fragment, first_frag;
	int vlan_depth;         /* dissector_vlan: 0 KEY_MAX, 1 VLAN, 2 CVLAN */
	int num_hdrs;
};

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

/* __skb_header_pointer(): n bytes at off, all inside the packet. */
static const uint8_t *header(const struct dissect *d, int64_t off, unsigned n)
{
	if (off < 0 || (uint64_t)off > d->len || d->len - (uint64_t)off < n)
		return NULL;
	return d->pkt + off;
}

/* skb_flow_dissect_allowed(): at most 15 re-dissections. */
static bool dissect_allowed(struct dissect *d)
{
	return ++d->num_hdrs <= MAX_FLOW_DISSECT_HDRS;
}

/* IPv4: ihl >= 5; fragments stop here (the first one is still parsed by
 * __skb_get_poff, later ones are not). */
static enum fd_ret dissect_ipv4(struct dissect *d)
{
	const uint8_t *iph = header(d, d->nhoff, 20);
	uint16_t frag_off;

	if (iph == NULL || (iph[0] & 0x0f) < 5)
		return FD_OUT_BAD;
	d->nhoff += (iph[0] & 0x0f) * 4;
	d->ip_proto = iph[9];
	frag_off = be16(iph + 6);
	if (frag_off & 0x3fff) { /* ip_is_fragment(): MF or an offset */
		d->is_fragment = true;
		if (!(frag_off & 0x1fff))
			d->first_frag = true;
		return FD_OUT_GOOD;
	}
	return FD_CONTINUE;
}

static enum fd_ret dissect_ipv6(struct dissect *d)
{
	const uint8_t *iph = header(d, d->nhoff, 40);

	if (iph == NULL)
		return FD_OUT_BAD;
	d->ip_proto = iph[6];
	d->nhoff += 40;
	return FD_CONTINUE;
}

/* 802.1Q / 802.1AD: the first tag may be the skb's hardware tag (no bytes
 * consumed), later ones are read from the frame. */
static enum fd_ret dissect_vlan(struct dissect *d)
{
	if (d->vlan_depth == 0 && d->vlan_present) {
		d->proto = d->skb_protocol;
	} else {
		const uint8_t *vlan = header(d, d->nhoff, 4);

		if (vlan == NULL)
			return FD_OUT_BAD;
		d->proto = be16(vlan + 2);
		d->nhoff += 4;
	}
	if (d->vlan_depth < 2)
		d->vlan_depth++;
	return FD_PROTO_AGAIN;
}

static enum fd_ret dissect_l3(struct dissect *d)
{
	switch (d->proto) {
	case ETH_P_IP: return dissect_ipv4(d);
	case ETH_P_IPV6: return dissect_ipv6(d);
	case ETH_P_8021Q:
	case ETH_P_8021AD: return dissect_vlan(d);
	case ETH_P_MPLS_UC:
	case ETH_P_MPLS_MC:
		/* The basic keys use no MPLS key: good, one label skipped. */
		d->nhoff += 4;
		return FD_OUT_GOOD;
	case ETH_P_ARP:
	case ETH_P_RARP:
		return FD_OUT_GOOD; /* no ARP key: stop at the ARP header */
	default:
		return FD_OUT_BAD;
	}
}

/* IPv6 hop-by-hop, routing, destination options: (len + 1) * 8 bytes. */
static enum fd_ret dissect_ipv6_opt(struct dissect *d)
{
	const uint8_t *opt;

	if (d->proto != ETH_P_IPV6)
		return FD_CONTINUE;
	opt = header(d, d->nhoff, 2);
	if (opt == NULL)
		return FD_OUT_BAD;
	d->ip_proto = opt[0];
	d->nhoff += ((int64_t)opt[1] + 1) << 3;
	return FD_IPPROTO_AGAIN;
}

static enum fd_ret dissect_ipv6_frag(struct dissect *d)
{
	const uint8_t *fh;

	if (d->proto != ETH_P_IPV6)
		return FD_CONTINUE;
	fh = header(d, d->nhoff, 8);
	if (fh == NULL)
		return FD_OUT_BAD;
	d->is_fragment = true;
	d->nhoff += 8;
	d->ip_proto = fh[0];
	if (!(be16(fh + 2) & 0xfff8)) /* IP6_OFFSET */
		d->first_frag = true;
	return FD_OUT_GOOD;
}

/* GRE version 1 (PPTP): the PPP header gives the inner protocol. */
static enum fd_ret dissect_gre_pptp(struct dissect *d, uint16_t flags, int64_t offset)
{
	const uint8_t *ppp;
	uint16_t ppp_proto;

	if (flags & GRE_ACK)
		offset += 4;
	ppp = header(d, d->nhoff + offset, 4);
	if (ppp == NULL)
		return FD_OUT_BAD;
	ppp_proto = be16(ppp + 2);
	if (ppp_proto == 0x21)
		d->proto = ETH_P_IP;
	else if (ppp_proto == 0x57)
		d->proto = ETH_P_IPV6;
	d->nhoff += offset + 4;
	return FD_PROTO_AGAIN;
}

/* __skb_flow_dissect_gre(): versions 0 and 1 without routing. */
static enum fd_ret dissect_gre(struct dissect *d)
{
	const uint8_t *hdr = header(d, d->nhoff, 4);
	uint16_t flags;
	int64_t offset = 4;

	if (hdr == NULL)
		return FD_OUT_BAD;
	flags = be16(hdr);
	if ((flags & GRE_ROUTING) || (flags & GRE_VERSION) > 1)
		return FD_OUT_GOOD;
	d->proto = be16(hdr + 2);
	if ((flags & GRE_VERSION) == 1 && !(d->proto == GRE_PROTO_PPP && (flags & GRE_KEY)))
		return FD_OUT_GOOD;
	if (flags & GRE_CSUM)
		offset += 4;
	if (flags & GRE_KEY) {
		if (header(d, d->nhoff + offset, 4) == NULL)
			return FD_OUT_BAD;
		offset += 4;
	}
	if (flags & GRE_SEQ)
		offset += 4;
	if ((flags & GRE_VERSION) == 1)
		return dissect_gre_pptp(d, flags, offset);
	if (d->proto == ETH_P_TEB) {
		const uint8_t *eth = header(d, d->nhoff + offset, 14);

		if (eth == NULL)
			return FD_OUT_BAD;
		d->proto = be16(eth + 12);
		offset += 14;
	}
	d->nhoff += offset;
	return FD_PROTO_AGAIN;
}

static enum fd_ret dissect_l4(struct dissect *d)
{
	switch (d->ip_proto) {
	case IPPROTO_GRE: return dissect_gre(d);
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_DSTOPTS: return dissect_ipv6_opt(d);
	case IPPROTO_FRAGMENT: return dissect_ipv6_frag(d);
	case IPPROTO_IPIP: d->proto = ETH_P_IP; return FD_PROTO_AGAIN;
	case IPPROTO_IPV6: d->proto = ETH_P_IPV6; return FD_PROTO_AGAIN;
	case IPPROTO_MPLS: d->proto = ETH_P_MPLS_UC; return FD_PROTO_AGAIN;
	default: return FD_CONTINUE;
	}
}

/* The __skb_flow_dissect() state machine: L3 ("proto_again"), then L4
 * ("ip_proto_again"). Returns whether dissection succeeded. */
static bool dissect(struct dissect *d)
{
	bool l4 = false;

	for (;;) {
		enum fd_ret r;

		if (!l4) {
			r = dissect_l3(d);
			if (r == FD_OUT_GOOD)
				return true;
			if (r == FD_PROTO_AGAIN) {
				if (dissect_allowed(d))
					continue;
				return true;
			}
			if (r == FD_OUT_BAD)
				return false;
			l4 = true;
			continue;
		}
		r = dissect_l4(d);
		if (r == FD_PROTO_AGAIN || r == FD_IPPROTO_AGAIN) {
			if (!dissect_allowed(d))
				return true;
			l4 = r == FD_IPPROTO_AGAIN;
			continue;
		}
		return r != FD_OUT_BAD;
	}
}

/* max(sizeof(struct tcphdr), doff * 4) from the byte holding doff. */
static uint32_t tcp_header_len(uint8_t doff_byte)
{
	uint32_t doff_len = (uint32_t)(doff_byte & 0xf0) >> 2;

	return doff_len > 20 ? doff_len : 20;
}

/* __skb_get_poff(): thoff plus the L4 header length. */
static uint32_t payload_offset(const struct dissect *d, uint32_t thoff)
{
	const uint8_t *doff;

	if (d->is_fragment && !d->first_frag)
		return thoff; /* later fragments carry no L4 header */
	switch (d->ip_proto) {
	case IPPROTO_TCP:
		doff = header(d, (int64_t)thoff + 12, 1);
		if (doff == NULL)
			return thoff;
		return thoff + tcp_header_len(*doff);
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE: return thoff + 8;
	case IPPROTO_ICMP: return thoff + 8;
	case IPPROTO_ICMPV6: return thoff + 8;
	case IPPROTO_IGMP: return thoff + 8;
	case IPPROTO_DCCP: return thoff + 16;
	case IPPROTO_SCTP: return thoff + 12;
	default: return thoff;
	}
}

uint32_t cbpf_flow_poff(const uint8_t *pkt, size_t len, const struct cbpf_ctx *ctx)
{
	struct dissect d = {
		.pkt = pkt,
		.len = len,
		.skb_protocol = (uint16_t)ctx->protocol,
		.vlan_present = ctx->vlan_avail != 0,
	};
	uint16_t thoff;

	if (ctx->net_off == CBPF_CTX_UNSET)
		d.nhoff = 0;
	else if (ctx->net_off < 0 || ctx->net_off > INT32_MAX)
		return 0;
	else
		d.nhoff = ctx->net_off;
	/* A present tag makes the dissector start from skb->vlan_proto. */
	d.proto = d.vlan_present ? (uint16_t)ctx->vlan_tpid : d.skb_protocol;
	if (!dissect(&d))
		return 0;
	/* key_control->thoff = min_t(u16, nhoff, skb->len) */
	thoff = (uint16_t)d.nhoff < (uint16_t)len ? (uint16_t)d.nhoff : (uint16_t)len;
	return payload_offset(&d, thoff);
}
