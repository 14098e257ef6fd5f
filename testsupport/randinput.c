/*
 * randinput.c - random packets and contexts (randinput.h).
 */
#include "randinput.h"

#include <string.h>

/* A chain of host-order netlink attributes from a random start. */
static void netlink_attrs(struct ts_rng *r, uint8_t *pkt, size_t len)
{
	size_t pos = ts_below(r, 8);

	while (pos + 4 <= len) {
		uint16_t alen = (uint16_t)(4 + ts_below(r, 13));
		uint16_t atype = (uint16_t)ts_below(r, 6);

		if (ts_chance(r, 10))
			atype |= 0x8000;
		memcpy(pkt + pos, &alen, 2);
		memcpy(pkt + pos + 2, &atype, 2);
		pos += (alen + 3u) & ~3u;
	}
}

void ts_packet(struct ts_rng *r, uint8_t *pkt, size_t len)
{
	for (size_t i = 0; i < len; i++)
		pkt[i] = (uint8_t)ts_next(r);
	if (ts_chance(r, 30))
		netlink_attrs(r, pkt, len);
	if (ts_chance(r, 20) && len > 14)
		pkt[14] = (uint8_t)(0x40 | ts_below(r, 16)); /* an IPv4 version/IHL byte */
}

void ts_ctx(struct ts_rng *r, struct cbpf_ctx *c, size_t len)
{
	cbpf_ctx_init(c);
	if (ts_chance(r, 50))
		return;
	c->len = ts_chance(r, 50) ? CBPF_CTX_UNSET : (int64_t)ts_u32(r);
	c->protocol = ts_chance(r, 50) ? 0x0800 : ts_below(r, 0x10000);
	c->pkttype = ts_below(r, 8);
	c->has_dev = ts_chance(r, 50);
	c->ifindex = ts_u32(r);
	c->hatype = ts_below(r, 1000);
	c->mark = ts_u32(r);
	c->queue = ts_below(r, 16);
	c->rxhash = ts_u32(r);
	c->cpu = ts_below(r, 4);
	c->vlan_tci = ts_below(r, 0x10000);
	c->vlan_avail = ts_below(r, 2);
	c->vlan_tpid = ts_chance(r, 50) ? 0x8100 : 0;
	c->poff = ts_below(r, 200);
	c->random = ts_u32(r);
	c->net_off = (int64_t)ts_below(r, 140) - 20;
	c->mac_off = ts_chance(r, 50) ? CBPF_CTX_UNSET : (int64_t)ts_below(r, 60) - 10;
	c->headlen = ts_chance(r, 70) ? CBPF_CTX_UNSET : (int64_t)ts_below(r, (uint32_t)len + 2);
}
