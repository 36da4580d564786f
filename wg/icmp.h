/* SPDX-License-Identifier: MIT */
/*
 * ICMP errors the tunnel itself answers with, written into the TUN as if a
 * router at the far end had sent them.
 */
#ifndef TWWG_ICMP_H
#define TWWG_ICMP_H

#include <stddef.h>
#include <stdint.h>

struct wg_device;

/*
 * The largest inner packet a data message to an endpoint of @family
 * (AF_INET, AF_INET6; anything else: no endpoint yet) can carry: a UDP
 * datagram holds 65507 bytes over IPv4 and 65527 over IPv6, less the
 * message's 32 bytes, padding included (whole 16-byte units).
 */
size_t wg_icmp_max_inner(int family);

/*
 * Answers the IP packet @pkt (@len bytes, too big to carry) with an ICMP
 * "fragmentation needed" or ICMPv6 "packet too big" naming @mtu, written into
 * the TUN: the kernel then lowers the path MTU, and TCP its segments, instead
 * of losing every full-sized packet. Nothing for packets that must not be
 * answered (ICMP errors, fragments past the first, multicast).
 */
void wg_icmp_too_big(struct wg_device *dev, const uint8_t *pkt, size_t len, unsigned mtu);

#endif
