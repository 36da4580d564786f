// SPDX-License-Identifier: MIT
#include <string.h>
#include <arpa/inet.h>
#include <netinet/icmp6.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/ip_icmp.h>
#include <sys/socket.h>

#include "device.h"
#include "icmp.h"
#include "messages.h"

/* IPv6's minimum MTU: an ICMPv6 error quotes as much as fits in it. */
#define IPV6_MIN_MTU 1280

size_t wg_icmp_max_inner(int family)
{
	size_t udp = family == AF_INET ? 65535 - 20 - 8 : 65535 - 8;

	if (family != AF_INET && family != AF_INET6)
		return TW_UDP_MAX_DATAGRAM - WG_MSG_DATA_OVERHEAD;
	return (udp - WG_MSG_DATA_OVERHEAD) & ~(size_t)(WG_MESSAGE_PADDING - 1);
}

static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t len)
{
	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static void too_big4(struct wg_device *dev, const uint8_t *pkt, size_t len, unsigned mtu)
{
	uint8_t out[20 + 8 + 60 + 8];
	size_t ihl = (size_t)(pkt[0] & 15) * 4, quote;
	struct iphdr *ip = (struct iphdr *)out;
	struct icmphdr *icmp = (struct icmphdr *)(out + 20);

	if (ihl < 20 || len < ihl)
		return;
	/* not for ICMP errors, later fragments or broadcast and multicast */
	if ((ntohs(*(const uint16_t *)(pkt + 6)) & 0x1fff) || (pkt[16] >= 224))
		return;
	if (pkt[9] == IPPROTO_ICMP && len > ihl && pkt[ihl] != ICMP_ECHO &&
	    pkt[ihl] != ICMP_ECHOREPLY)
		return;
	quote = ihl + 8 < len ? ihl + 8 : len;
	memset(out, 0, 28);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons((uint16_t)(28 + quote));
	ip->ttl = 64;
	ip->protocol = IPPROTO_ICMP;
	memcpy(&ip->saddr, pkt + 16, 4); /* from the far end */
	memcpy(&ip->daddr, pkt + 12, 4);
	ip->check = fold(sum16(0, out, 20));
	icmp->type = ICMP_DEST_UNREACH;
	icmp->code = ICMP_FRAG_NEEDED;
	icmp->un.frag.mtu = htons((uint16_t)(mtu > 0xffff ? 0xffff : mtu));
	memcpy(out + 28, pkt, quote);
	icmp->checksum = fold(sum16(0, out + 20, 8 + quote));
	tw_tunio_write(&dev->tun, out, 28 + quote);
}

static void too_big6(struct wg_device *dev, const uint8_t *pkt, size_t len, unsigned mtu)
{
	uint8_t out[IPV6_MIN_MTU];
	size_t quote = len < sizeof(out) - 48 ? len : sizeof(out) - 48;
	struct ip6_hdr *ip6 = (struct ip6_hdr *)out;
	struct icmp6_hdr *icmp6 = (struct icmp6_hdr *)(out + 40);
	uint32_t sum;

	if (len < 40 || pkt[24] == 0xff) /* multicast destination */
		return;
	/* not for ICMPv6 errors (types below 128) */
	if (pkt[6] == IPPROTO_ICMPV6 && len > 40 && pkt[40] < 128)
		return;
	memset(out, 0, 48);
	ip6->ip6_flow = htonl(6u << 28);
	ip6->ip6_plen = htons((uint16_t)(8 + quote));
	ip6->ip6_nxt = IPPROTO_ICMPV6;
	ip6->ip6_hlim = 64;
	memcpy(&ip6->ip6_src, pkt + 24, 16); /* from the far end */
	memcpy(&ip6->ip6_dst, pkt + 8, 16);
	icmp6->icmp6_type = ICMP6_PACKET_TOO_BIG;
	icmp6->icmp6_mtu = htonl(mtu);
	memcpy(out + 48, pkt, quote);
	/* pseudo-header: both addresses, the length and the next header */
	sum = sum16(0, out + 8, 32);
	sum += (uint32_t)(8 + quote) + IPPROTO_ICMPV6;
	icmp6->icmp6_cksum = fold(sum16(sum, out + 40, 8 + quote));
	tw_tunio_write(&dev->tun, out, 48 + quote);
}

void wg_icmp_too_big(struct wg_device *dev, const uint8_t *pkt, size_t len, unsigned mtu)
{
	if (len >= 20 && pkt[0] >> 4 == 4)
		too_big4(dev, pkt, len, mtu);
	else if (len >= 40 && pkt[0] >> 4 == 6)
		too_big6(dev, pkt, len, mtu);
}
