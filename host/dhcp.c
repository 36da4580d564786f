// SPDX-License-Identifier: MIT
/*
 * A DHCPv4 client (RFC 2131) for a TAP host. Debian's lwIP is built without
 * LWIP_DHCP, and without IP_ACCEPT_LINK_LAYER_ADDRESSING its IPv4 input drops
 * every packet while the interface has no address, offers included. So this
 * client builds its frames itself and takes the replies (UDP to port 68)
 * before lwIP sees them; once bound it gives lwIP the address, mask and
 * router.
 *
 * Requests set the BROADCAST flag, so servers answer to the broadcast
 * address until the host has one. Renewal at T1 is a broadcast REQUEST with
 * ciaddr set (the rebinding form, which any server on the link may answer);
 * at the lease's end without an answer the address is dropped and discovery
 * starts again.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "host_internal.h"
#include "sandbox.h"

/* a transaction's ID */
const char *const twh_syscalls_dhcp[] = {"getrandom", NULL};

enum dhcp_state { SELECTING, REQUESTING, BOUND, RENEWING };

enum {
	OPT_PAD = 0,
	OPT_MASK = 1,
	OPT_ROUTER = 3,
	OPT_DNS = 6,
	OPT_HOSTNAME = 12,
	OPT_REQ_IP = 50,
	OPT_LEASE = 51,
	OPT_TYPE = 53,
	OPT_SERVER = 54,
	OPT_PARAMS = 55,
	OPT_MAXSIZE = 57,
	OPT_T1 = 58,
	OPT_CLIENT_ID = 61,
	OPT_END = 255,
};
enum { DISCOVER = 1, OFFER = 2, REQUEST = 3, ACK = 5, NAK = 6, RELEASE = 7 };

#define BOOTP_FIXED 236
#define MAGIC	    0x63825363u

struct twh_dhcp {
	struct tw_host *h;
	enum dhcp_state state;
	uint32_t xid;
	uint32_t offered, server; /* network order */
	unsigned tries;
	uint32_t lease_s, t1_s;
	uint32_t renew_left_ms; /* RENEWING: time left of the lease */
};

static void dhcp_timer(void *arg);

uint16_t twh_csum(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;

	for (; len > 1; len -= 2, p += 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (len)
		sum += (uint32_t)(p[0] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint8_t *opt(uint8_t *o, uint8_t code, const void *val, uint8_t len)
{
	*o++ = code;
	*o++ = len;
	memcpy(o, val, len);
	return o + len;
}

static void send_msg(struct twh_dhcp *d, uint8_t type)
{
	struct tw_host *h = d->h;
	uint8_t f[14 + 20 + 8 + BOOTP_FIXED + 4 + 64] = {0};
	uint8_t *ip = f + 14, *udp = ip + 20, *b = udp + 8, *o = b + BOOTP_FIXED;
	static const uint8_t params[] = {OPT_MASK, OPT_ROUTER, OPT_DNS, OPT_LEASE, OPT_T1};
	uint32_t magic = htonl(MAGIC), ciaddr = 0;
	uint16_t maxsize = htons(1500), ulen, iplen, sum;
	uint8_t cid[7];
	size_t len;

	if (d->state == RENEWING || type == RELEASE)
		ciaddr = ip4_addr_get_u32(netif_ip4_addr(&h->netif));
	memset(f, 0xff, 6);
	memcpy(f + 6, h->mac, 6);
	f[12] = 0x08;
	b[0] = 1; /* BOOTREQUEST */
	b[1] = 1; /* Ethernet */
	b[2] = 6;
	memcpy(b + 4, &d->xid, 4);
	b[8] = 0;
	b[9] = (uint8_t)(d->tries > 255 ? 255 : d->tries);
	b[10] = 0x80; /* BROADCAST: answer to the broadcast address */
	memcpy(b + 12, &ciaddr, 4);
	memcpy(b + 28, h->mac, 6);
	memcpy(o, &magic, 4);
	o += 4;
	o = opt(o, OPT_TYPE, &type, 1);
	cid[0] = 1;
	memcpy(cid + 1, h->mac, 6);
	o = opt(o, OPT_CLIENT_ID, cid, 7);
	if (type == REQUEST && d->state == REQUESTING) {
		o = opt(o, OPT_REQ_IP, &d->offered, 4);
		o = opt(o, OPT_SERVER, &d->server, 4);
	}
	if (type != RELEASE) {
		o = opt(o, OPT_MAXSIZE, &maxsize, 2);
		o = opt(o, OPT_PARAMS, params, sizeof(params));
	} else {
		o = opt(o, OPT_SERVER, &d->server, 4);
	}
	*o++ = OPT_END;
	len = (size_t)(o - f);
	if (len < 14 + 20 + 8 + 300)
		len = 14 + 20 + 8 + 300; /* BOOTP's minimum message, padded */
	ulen = (uint16_t)(len - 14 - 20);
	iplen = (uint16_t)(len - 14);
	ip[0] = 0x45;
	ip[2] = (uint8_t)(iplen >> 8);
	ip[3] = (uint8_t)iplen;
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, &ciaddr, 4);
	memset(ip + 16, 0xff, 4);
	sum = twh_csum(ip, 20, 0);
	ip[10] = (uint8_t)(sum >> 8);
	ip[11] = (uint8_t)sum;
	udp[1] = 68;
	udp[3] = 67;
	udp[4] = (uint8_t)(ulen >> 8);
	udp[5] = (uint8_t)ulen;
	/* UDP checksum over the pseudo-header */
	{
		uint32_t ps = 0;

		for (int i = 12; i < 20; i += 2)
			ps += (uint32_t)(ip[i] << 8 | ip[i + 1]);
		ps += 17 + ulen;
		sum = twh_csum(udp, ulen, ps);
		if (!sum)
			sum = 0xffff;
		udp[6] = (uint8_t)(sum >> 8);
		udp[7] = (uint8_t)sum;
	}
	if (write(h->fd, f, len) == (ssize_t)len) {
		h->stats.tx_frames++;
		h->stats.tx_bytes += len;
	} else {
		h->stats.tx_dropped++;
	}
}

static void arm(struct twh_dhcp *d, uint32_t ms)
{
	sys_untimeout(dhcp_timer, d);
	sys_timeout(ms, dhcp_timer, d);
}

static void discover(struct twh_dhcp *d)
{
	d->state = SELECTING;
	if (getrandom(&d->xid, sizeof(d->xid), 0) != sizeof(d->xid))
		d->xid ^= (uint32_t)rand();
	d->tries = 0;
	send_msg(d, DISCOVER);
	arm(d, 1000);
}

static void unbind(struct twh_dhcp *d)
{
	netif_set_addr(&d->h->netif, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4);
	twh_addr_check(d->h);
}

static void dhcp_timer(void *arg)
{
	struct twh_dhcp *d = arg;
	uint32_t backoff;

	switch (d->state) {
	case SELECTING:
	case REQUESTING:
		d->tries++;
		if (d->state == REQUESTING && d->tries >= 4) {
			discover(d);
			return;
		}
		send_msg(d, d->state == SELECTING ? DISCOVER : REQUEST);
		/* 1, 2, 4 ... 32 s, then every 32 s (RFC 2131 §4.1 asks 4 s up to 64) */
		backoff = 1000u << (d->tries < 5 ? d->tries : 5);
		arm(d, backoff);
		return;
	case BOUND:
		d->state = RENEWING;
		d->tries = 0;
		d->renew_left_ms = (d->lease_s - d->t1_s) * 1000u;
		/* fall through */
	case RENEWING:
		if (d->renew_left_ms < 1000) {
			unbind(d);
			discover(d);
			return;
		}
		send_msg(d, REQUEST);
		d->tries++;
		backoff = d->renew_left_ms / 2 > 60000 ? 60000 : d->renew_left_ms / 2;
		if (backoff < 1000)
			backoff = d->renew_left_ms;
		d->renew_left_ms -= backoff;
		arm(d, backoff);
		return;
	}
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t mask_plen(uint32_t mask)
{
	return (uint32_t)__builtin_popcount(mask);
}

static void bind_lease(struct twh_dhcp *d, uint32_t yiaddr, uint32_t mask, uint32_t router,
		       uint32_t lease, uint32_t t1)
{
	ip4_addr_t a, m, g;
	uint32_t hmask = ntohl(mask);

	/* a mask must be contiguous; without one, the class default /24 */
	if (!mask || (~hmask & (~hmask + 1)) != 0 || mask_plen(hmask) > 30)
		mask = htonl(0xffffff00u);
	if (router && ((router ^ yiaddr) & mask))
		router = 0;
	ip4_addr_set_u32(&a, yiaddr);
	ip4_addr_set_u32(&m, mask);
	ip4_addr_set_u32(&g, router);
	netif_set_addr(&d->h->netif, &a, &m, &g);
	if (lease < 60)
		lease = 60;
	if (lease > 0x7fffffffu / 1000)
		lease = 0x7fffffffu / 1000; /* "infinite": renew every 24 days */
	if (!t1 || t1 >= lease)
		t1 = lease / 2;
	d->lease_s = lease;
	d->t1_s = t1;
	d->state = BOUND;
	d->tries = 0;
	arm(d, t1 * 1000u);
	twh_addr_check(d->h);
}

bool twh_dhcp_input(struct tw_host *h, const uint8_t *ip, size_t len)
{
	struct twh_dhcp *d = h->dhcp;
	const uint8_t *udp, *b, *o, *end;
	uint32_t yiaddr, server = 0, mask = 0, router = 0, lease = 0, t1 = 0, magic;
	uint8_t type = 0, dns[4 * TWH_DNS_MAX];
	size_t ihl, ulen, n_dns = 0;

	if (!d || len < 20 || (ip[0] >> 4) != 4 || ip[9] != 17)
		return false;
	ihl = (size_t)(ip[0] & 15) * 4;
	if (ihl < 20 || len < ihl + 8 || (ip[6] & 0x3f) || ip[7])
		return false; /* fragments go to lwIP, which reassembles */
	udp = ip + ihl;
	if (udp[2] != 0 || udp[3] != 68)
		return false;
	/* from here the packet is the client's, used or not */
	ulen = (size_t)(udp[4] << 8 | udp[5]);
	if (ulen < 8 || ulen > len - ihl || ulen < 8 + BOOTP_FIXED + 4)
		return true;
	b = udp + 8;
	end = udp + ulen;
	if (b[0] != 2 || memcmp(b + 4, &d->xid, 4) || memcmp(b + 28, h->mac, 6))
		return true;
	memcpy(&magic, b + BOOTP_FIXED, 4);
	if (ntohl(magic) != MAGIC)
		return true;
	memcpy(&yiaddr, b + 16, 4);
	for (o = b + BOOTP_FIXED + 4; o < end && *o != OPT_END;) {
		uint8_t code = *o++, l;

		if (code == OPT_PAD)
			continue;
		if (o >= end)
			break;
		l = *o++;
		if (l > end - o)
			return true; /* truncated option: ignore the whole message */
		if (code == OPT_TYPE && l == 1)
			type = o[0];
		else if (code == OPT_SERVER && l == 4)
			memcpy(&server, o, 4);
		else if (code == OPT_MASK && l == 4)
			memcpy(&mask, o, 4);
		else if (code == OPT_ROUTER && l >= 4)
			memcpy(&router, o, 4);
		else if (code == OPT_LEASE && l == 4)
			lease = be32(o);
		else if (code == OPT_T1 && l == 4)
			t1 = be32(o);
		else if (code == OPT_DNS && l >= 4) {
			n_dns = l / 4 < TWH_DNS_MAX ? l / 4 : TWH_DNS_MAX;
			memcpy(dns, o, n_dns * 4);
		}
		o += l;
	}
	if (type == OFFER && d->state == SELECTING) {
		uint32_t hy = ntohl(yiaddr);

		if (!yiaddr || (hy >> 28) >= 0xe || (hy >> 24) == 127 || (hy >> 24) == 0 || !server)
			return true;
		d->offered = yiaddr;
		d->server = server;
		d->state = REQUESTING;
		d->tries = 0;
		send_msg(d, REQUEST);
		arm(d, 1000);
	} else if (type == ACK && (d->state == REQUESTING || d->state == RENEWING)) {
		/* RFC 2131: an ACK names its server; while requesting, the one chosen */
		if (!server || (d->state == REQUESTING && server != d->server))
			return true;
		if (d->state == REQUESTING && yiaddr != d->offered)
			return true;
		if (d->state == RENEWING && yiaddr != ip4_addr_get_u32(netif_ip4_addr(&h->netif)))
			return true;
		if (server)
			d->server = server;
		if (n_dns)
			twh_dns_from_dhcp(h, dns, n_dns);
		bind_lease(d, yiaddr, mask, router, lease ? lease : 3600, t1);
	} else if (type == NAK && (d->state == REQUESTING || d->state == RENEWING)) {
		/* a NAK names its server, and only ours may take the lease back */
		if (!server || server != d->server)
			return true;
		unbind(d);
		discover(d);
	}
	return true;
}

int tw_host_dhcp_start(struct tw_host *h)
{
	struct twh_dhcp *d;

	if (h->dev != TW_HOST_TAP)
		return -ENOTSUP;
	if (h->dhcp)
		return -EALREADY;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->h = h;
	h->dhcp = d;
	discover(d);
	return 0;
}

void twh_dhcp_stop(struct tw_host *h)
{
	struct twh_dhcp *d = h->dhcp;

	if (!d)
		return;
	if (d->state == BOUND || d->state == RENEWING)
		send_msg(d, RELEASE);
	sys_untimeout(dhcp_timer, d);
	h->dhcp = NULL;
	free(d);
}
