// SPDX-License-Identifier: MIT
/*
 * The neighbour table: the MAC each on-link address last sent to us from,
 * learnt from the frames themselves and used by the TAP's IPv4 and IPv6
 * output before lwIP's ARP and neighbour discovery.
 */
#include <string.h>
#include <time.h>

#include "host_internal.h"
#include "sandbox.h"

/* the table's clock */
const char *const twh_syscalls_neigh[] = {"clock_gettime", NULL};

/*
 * Neighbours learnt from the frames themselves. Every IPv4 or IPv6 packet
 * sent to our MAC from an on-link address records that address's MAC, and
 * a packet to an address recorded in the last TWH_NEIGH_MAX_AGE_MS goes
 * straight to that MAC, with no ARP or ND round trip. lwIP's own tables (10
 * entries each in Debian's build) still serve every other destination. Why:
 * under a SYN flood from many on-link sources, lwIP's SYN-ACKs to them churn
 * its ARP table, and a real client's SYN-ACK waited for an entry the flood
 * kept pushing out (int/host_flood). A reply now goes where its request came
 * from. Whoever can send us frames could claim an address this way, as with
 * ARP itself; a client's next frame puts its own MAC back.
 */
#define TWH_NEIGH_PROBE	     8
#define TWH_NEIGH_MAX_AGE_MS 60000u

/* @a: the IPv4 address @v4 (network order, 4 bytes) as ::ffff:a.b.c.d */
static void key4(uint8_t a[16], const void *v4)
{
	memset(a, 0, 10);
	a[10] = a[11] = 0xff;
	memcpy(a + 12, v4, 4);
}

/* Whether @a (16 bytes, IPv4 mapped) is on our link as our addresses say. */
static bool on_link(const struct tw_host *h, const uint8_t a[16])
{
	static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};

	if (!memcmp(a, mapped, 12)) {
		const ip4_addr_t *me = netif_ip4_addr(&h->netif),
				 *mask = netif_ip4_netmask(&h->netif);
		uint32_t v;

		memcpy(&v, a + 12, 4);
		return !ip4_addr_isany(me) &&
		       ((v ^ ip4_addr_get_u32(me)) & ip4_addr_get_u32(mask)) == 0 &&
		       (v | ip4_addr_get_u32(mask)) != 0xffffffffu; /* not the subnet's broadcast */
	}
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return true; /* link-local */
	for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++)
		if (ip6_addr_isvalid(netif_ip6_addr_state(&h->netif, i)) &&
		    !memcmp(netif_ip6_addr(&h->netif, i)->addr, a, 8))
			return true; /* our /64 (the only on-link length lwIP 2.1 knows) */
	return false;
}

static unsigned neigh_hash(const uint8_t a[16])
{
	uint32_t x, y;

	memcpy(&x, a + 12, 4);
	memcpy(&y, a + 8, 4);
	return (unsigned)(((x ^ (y * 0x85ebca6bu)) * 0x9e3779b1u) >> 16) & (TWH_NEIGH_SLOTS - 1);
}

/* The recorded entry of @a, if fresh and still on-link. */
static const struct twh_neigh *neigh_find(const struct tw_host *h, const uint8_t a[16])
{
	unsigned i = neigh_hash(a);
	uint64_t now = twh_now_ms();

	for (int k = 0; k < TWH_NEIGH_PROBE; k++, i = (i + 1) & (TWH_NEIGH_SLOTS - 1)) {
		const struct twh_neigh *n = &h->neigh[i];

		if (n->used && !memcmp(n->addr, a, 16))
			return now - n->seen < TWH_NEIGH_MAX_AGE_MS && on_link(h, a) ? n : NULL;
	}
	return NULL;
}

/* Records the sender of @frame (Ethernet of @type, @ip its IP packet, checked by martian()). */
void twh_neigh_learn(struct tw_host *h, const uint8_t *frame, uint16_t type, const uint8_t *ip,
		     size_t iplen)
{
	struct twh_neigh *slot = NULL;
	uint64_t now = twh_now_ms();
	uint8_t a[16];
	unsigned i;

	if (memcmp(frame, h->mac, 6) || (frame[6] & 1) || (ip[0] >> 4) != (type == 0x0800 ? 4 : 6))
		return; /* not sent to us alone, from a group address, or not what it says */
	if ((ip[0] >> 4) == 4) {
		/* only a header lwIP will take: its checksum right, its length inside */
		size_t hl = (size_t)(ip[0] & 15) * 4;

		if (hl < 20 || hl > iplen || twh_csum(ip, hl, 0) != 0 ||
		    (size_t)(ip[2] << 8 | ip[3]) > iplen)
			return;
		key4(a, ip + 12);
	} else {
		static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};

		if (40 + (size_t)(ip[4] << 8 | ip[5]) > iplen)
			return;
		memcpy(a, ip + 8, 16);
		if (!memcmp(a, mapped, 12))
			return; /* ::ffff:a.b.c.d is an IPv4 key here: never from IPv6 */
	}
	if (!on_link(h, a))
		return;
	i = neigh_hash(a);
	for (int k = 0; k < TWH_NEIGH_PROBE; k++, i = (i + 1) & (TWH_NEIGH_SLOTS - 1)) {
		struct twh_neigh *n = &h->neigh[i];

		if (n->used && !memcmp(n->addr, a, 16)) {
			slot = n;
			break;
		}
		/* else the first free slot, or the one heard from longest ago */
		if (!slot || (slot->used && (!n->used || now - n->seen > now - slot->seen)))
			slot = n;
	}
	memcpy(slot->addr, a, 16);
	memcpy(slot->mac, frame + 6, 6);
	slot->used = true;
	slot->seen = now;
}

/* Sends @p to the MAC @a was heard from (*e: ethernet_output's result); false if not heard. */
static bool neigh_output(struct netif *netif, struct pbuf *p, const uint8_t a[16], u16_t type,
			 err_t *e)
{
	const struct twh_neigh *n = neigh_find(netif->state, a);

	if (!n)
		return false;
	*e = ethernet_output(netif, p, (const struct eth_addr *)netif->hwaddr,
			     (const struct eth_addr *)n->mac, type);
	return true;
}

err_t twh_tap_output4(struct netif *netif, struct pbuf *p, const ip4_addr_t *to)
{
	uint8_t a[16];
	err_t e;

	if (!ip4_addr_ismulticast(to)) {
		key4(a, &to->addr);
		if (neigh_output(netif, p, a, ETHTYPE_IP, &e))
			return e;
	}
	return etharp_output(netif, p, to);
}

err_t twh_tap_output6(struct netif *netif, struct pbuf *p, const ip6_addr_t *to)
{
	err_t e;

	if (!ip6_addr_ismulticast(to) &&
	    neigh_output(netif, p, (const uint8_t *)to->addr, ETHTYPE_IPV6, &e))
		return e;
	return ethip6_output(netif, p, to);
}
