// SPDX-License-Identifier: MIT
/*
 * Drives libtapwire's vnet offload helpers against the real kernel, for
 * tests/integration/vnet_offload.sh. Attaches to an existing TUN device with
 * IFF_VNET_HDR and TSO/USO offloads, then in one of four modes:
 *   tcp-split  a local TCP socket sends through the TUN: the kernel hands over
 *              TSO super-packets, which tw_vnet_split() must cut into valid
 *              segments carrying the exact byte stream (we play the remote
 *              end of the connection and acknowledge);
 *   udp-split  the same with a UDP_SEGMENT (GSO) socket and USO;
 *   tcp-gro    we play a remote TCP sender: segments coalesced by tw_gro
 *              are written as super-packets and a local socket must read
 *              the exact stream;
 *   udp-gro    the same with datagrams to a local UDP socket;
 *   mixed-gro  two interleaved TCP streams and UDP datagrams with IP options
 *              (IPv6: a hop-by-hop header) in one batch.
 * Addresses (set up by the script): local 198.51.100.1 / fd00:1::1 on the
 * TUN, remote 203.0.113.9 / fd00:2::9 routed through it.
 * Usage: vnet_probe IFNAME MODE [4|6]. Exit 0 on success, 1 with a reason.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <tapwire/tun.h>
#include <tapwire/vnet.h>

#include "../common/pkt.h"

#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#define TUN_F_USO6 0x40
#endif
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

#define STREAM	  200000
#define MAXSEG	  128
#define SEG_CAP	  2048
#define LPORT_TCP 7778
#define LPORT_UDP 7777
#define RPORT	  5001

static bool v6;
static int tun;
static uint8_t seg_store[MAXSEG][SEG_CAP], pkt_store[MAXSEG][2000];
static uint8_t local_ip[16], remote_ip[16];

__attribute__((noreturn, format(printf, 1, 2))) static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("vnet_probe: FAIL: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 7 + i / 251);
}

static size_t ip_len(void)
{
	return v6 ? 40 : 20;
}

static uint32_t pseudo(const uint8_t *ip, uint8_t proto, size_t l4len)
{
	return v6 ? sum_be(0, ip + 8, 32) + (uint32_t)l4len + proto
		  : sum_be(0, ip + 12, 8) + (uint32_t)l4len + proto;
}

static bool valid(const uint8_t *ip, size_t len)
{
	size_t l4 = ip_len();
	uint8_t proto = v6 ? ip[6] : ip[9];

	if (!v6 && fold_be(sum_be(0, ip, 20)) != 0xffff)
		return false;
	return fold_be(pseudo(ip, proto, len - l4) + sum_be(0, ip + l4, len - l4)) == 0xffff;
}

/* Builds an IP header + TCP/UDP packet from remote to local, checksums done by libtapwire. */
static size_t build(uint8_t *b, uint8_t proto, uint16_t sport, uint16_t dport, uint32_t seq,
		    uint32_t ack, uint8_t flags, const uint8_t *payload, size_t plen)
{
	size_t l4 = ip_len(), l4len = proto == IPPROTO_TCP ? 20 : 8, len = l4 + l4len + plen;
	struct virtio_net_hdr vh = {.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM};
	uint16_t c;

	memset(b, 0, l4 + l4len);
	if (v6) {
		b[0] = 0x60;
		put16(b + 4, (unsigned)(len - 40));
		b[6] = proto;
		b[7] = 64;
		memcpy(b + 8, remote_ip, 16);
		memcpy(b + 24, local_ip, 16);
	} else {
		b[0] = 0x45;
		put16(b + 2, (unsigned)len);
		b[6] = 0x40;
		b[8] = 64;
		b[9] = proto;
		memcpy(b + 12, remote_ip, 4);
		memcpy(b + 16, local_ip, 4);
		c = (uint16_t)~fold_be(sum_be(0, b, 20));
		put16(b + 10, c);
	}
	put16(b + l4, sport);
	put16(b + l4 + 2, dport);
	if (proto == IPPROTO_TCP) {
		put32(b + l4 + 4, seq);
		put32(b + l4 + 8, ack);
		b[l4 + 12] = 5 << 4;
		b[l4 + 13] = flags;
		put16(b + l4 + 14, 65535);
	} else {
		put16(b + l4 + 4, (unsigned)(l4len + plen));
	}
	if (plen)
		memcpy(b + l4 + l4len, payload, plen);
	/* The pseudo header's sum in the field, the rest left to the library. */
	put16(b + l4 + (proto == IPPROTO_TCP ? 16 : 6), fold_be(pseudo(b, proto, len - l4)));
	vh.csum_start = (uint16_t)l4;
	vh.csum_offset = proto == IPPROTO_TCP ? 16 : 6;
	if (tw_vnet_csum_complete(&vh, b, len))
		fail("tw_vnet_csum_complete");
	return len;
}

static void tun_write(const uint8_t *pkt, size_t len)
{
	struct virtio_net_hdr vh = {0};
	struct iovec iov[2] = {{&vh, sizeof(vh)}, {(void *)pkt, len}};

	if (writev(tun, iov, 2) != (ssize_t)(sizeof(vh) + len))
		fail("write to TUN: %s", strerror(errno));
}

/* Next TCP/UDP packet from the TUN to the remote address; 0 on timeout. */
static size_t tun_read(uint8_t *buf, size_t cap, struct virtio_net_hdr *vh, uint8_t proto,
		       int timeout_ms)
{
	struct pollfd p = {.fd = tun, .events = POLLIN};
	static uint8_t raw[70000];

	while (poll(&p, 1, timeout_ms) == 1) {
		ssize_t n = read(tun, raw, sizeof(raw));
		const uint8_t *ip = raw + sizeof(*vh);

		if (n < (ssize_t)(sizeof(*vh) + ip_len() + 8))
			continue;
		n -= (ssize_t)sizeof(*vh);
		if ((ip[0] >> 4) != (v6 ? 6 : 4) || (v6 ? ip[6] : ip[9]) != proto ||
		    memcmp(ip + (v6 ? 24 : 16), remote_ip, v6 ? 16 : 4) || (size_t)n > cap)
			continue;
		memcpy(vh, raw, sizeof(*vh));
		memcpy(buf, ip, (size_t)n);
		return (size_t)n;
	}
	return 0;
}

static struct sockaddr_storage sockaddr_of(const uint8_t *ip, uint16_t port, socklen_t *len)
{
	struct sockaddr_storage ss = {0};

	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		memcpy(&a->sin6_addr, ip, 16);
		*len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		memcpy(&a->sin_addr, ip, 4);
		*len = sizeof(*a);
	}
	return ss;
}

static int wait_fd(int fd, short ev, int ms)
{
	struct pollfd p = {.fd = fd, .events = ev};

	return poll(&p, 1, ms);
}

/* Splits a packet read from the TUN; checks each segment; returns the count. */
static int split_check(const struct virtio_net_hdr *vh, const uint8_t *pkt, size_t len,
		       uint8_t **segs, size_t *lens)
{
	int n = tw_vnet_split(vh, pkt, len, segs, SEG_CAP, lens, MAXSEG);

	if (n < 1)
		fail("tw_vnet_split: %s (gso_type %u, len %zu)", strerror(-n), vh->gso_type, len);
	for (int k = 0; k < n; k++)
		if (!valid(segs[k], lens[k]))
			fail("segment %d of %d has a bad checksum", k, n);
	return n;
}

static void tcp_split(void)
{
	static uint8_t pkt[70000], got[STREAM], data[STREAM];
	uint8_t *segs[MAXSEG], syn[100];
	size_t lens[MAXSEG], len, received = 0, l4 = ip_len();
	struct virtio_net_hdr vh;
	socklen_t alen;
	struct sockaddr_storage ra = sockaddr_of(remote_ip, RPORT, &alen);
	int s = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), gso = 0;
	uint32_t isn, rseq = 0x10000000;
	uint16_t lport;
	size_t sent = 0;

	for (int i = 0; i < MAXSEG; i++)
		segs[i] = seg_store[i];
	for (size_t i = 0; i < STREAM; i++)
		data[i] = pattern(i);
	if (connect(s, (struct sockaddr *)&ra, alen) == 0 || errno != EINPROGRESS)
		fail("connect: %s", strerror(errno));
	len = tun_read(pkt, sizeof(pkt), &vh, IPPROTO_TCP, 3000);
	if (!len || !(pkt[l4 + 13] & TH_SYN))
		fail("no SYN on the TUN");
	isn = get32(pkt + l4 + 4);
	lport = (uint16_t)get16(pkt + l4);
	/*
	 * SYN-ACK with MSS 1300 and window scale 7, so that TSO has room: the
	 * options go in as "payload", then the data offset makes them options.
	 */
	{
		static const uint8_t opts[8] = {2, 4, 0x05, 0x14, 1, 3, 3, 7};
		struct virtio_net_hdr c = {.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
					   .csum_start = (uint16_t)l4,
					   .csum_offset = 16};

		len = build(syn, IPPROTO_TCP, RPORT, lport, rseq, isn + 1, TH_SYN | TH_ACK, opts,
			    sizeof(opts));
		syn[l4 + 12] = 7 << 4;
		put16(syn + l4 + 16, fold_be(pseudo(syn, IPPROTO_TCP, len - l4)));
		tw_vnet_csum_complete(&c, syn, len);
	}
	tun_write(syn, len);
	if (wait_fd(s, POLLOUT, 3000) != 1)
		fail("connection not established");
	while (received < STREAM) {
		ssize_t w;

		while (sent < STREAM && (w = send(s, data + sent, STREAM - sent, 0)) > 0)
			sent += (size_t)w;
		len = tun_read(pkt, sizeof(pkt), &vh, IPPROTO_TCP, 3000);
		if (!len)
			fail("stream stalled at %zu of %d bytes", received, STREAM);
		if (len <= l4 + (size_t)(pkt[l4 + 12] >> 4) * 4)
			continue; /* a pure ACK */
		gso += vh.gso_type != VIRTIO_NET_HDR_GSO_NONE;
		int n = split_check(&vh, pkt, len, segs, lens);
		for (int k = 0; k < n; k++) {
			size_t hl = l4 + (size_t)(segs[k][l4 + 12] >> 4) * 4;
			size_t off = get32(segs[k] + l4 + 4) - (isn + 1), pl = lens[k] - hl;

			if (off + pl > STREAM || pl > 1300)
				fail("segment out of range (offset %zu, %zu bytes)", off, pl);
			memcpy(got + off, segs[k] + hl, pl);
			if (off <= received && off + pl > received)
				received = off + pl;
		}
		/* Acknowledge what arrived in order, with a wide window. */
		uint8_t ack[100];
		size_t al = build(ack, IPPROTO_TCP, RPORT, lport, rseq + 1,
				  isn + 1 + (uint32_t)received, TH_ACK, NULL, 0);
		tun_write(ack, al);
	}
	if (memcmp(got, data, STREAM))
		fail("stream content differs");
	if (!gso)
		fail("no TSO super-packet seen (offload not in use)");
	printf("tcp-split: %d bytes, %d super-packets split\n", STREAM, gso);
	close(s);
}

static void udp_split(void)
{
	static uint8_t pkt[70000], data[8500];
	uint8_t *segs[MAXSEG];
	size_t lens[MAXSEG], len, off = 0, l4 = ip_len();
	struct virtio_net_hdr vh;
	socklen_t alen;
	struct sockaddr_storage ra = sockaddr_of(remote_ip, RPORT, &alen);
	int s = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0), seg = 1000, n;

	for (int i = 0; i < MAXSEG; i++)
		segs[i] = seg_store[i];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = pattern(i);
	if (setsockopt(s, SOL_UDP, UDP_SEGMENT, &seg, sizeof(seg)))
		fail("UDP_SEGMENT: %s", strerror(errno));
	if (sendto(s, data, sizeof(data), 0, (struct sockaddr *)&ra, alen) != sizeof(data))
		fail("sendto: %s", strerror(errno));
	len = tun_read(pkt, sizeof(pkt), &vh, IPPROTO_UDP, 3000);
	if (!len)
		fail("no UDP packet on the TUN");
	if (vh.gso_type != VIRTIO_NET_HDR_GSO_UDP_L4)
		fail("got gso_type %u, not a USO super-packet (offload not in use)", vh.gso_type);
	n = split_check(&vh, pkt, len, segs, lens);
	if (n != 9)
		fail("%d datagrams, expected 9", n);
	for (int k = 0; k < n; k++) {
		size_t pl = lens[k] - l4 - 8;

		if (get16(segs[k] + l4 + 4) != pl + 8 || memcmp(segs[k] + l4 + 8, data + off, pl))
			fail("datagram %d differs", k);
		off += pl;
	}
	if (off != sizeof(data))
		fail("%zu bytes, expected %zu", off, sizeof(data));
	printf("udp-split: 1 super-packet, %d datagrams\n", n);
	close(s);
}

/* Coalesces pkts and writes them; returns the number of writes. */
static int gro_write(uint8_t **pkts, size_t *lens, size_t n, unsigned flags, size_t *ret_max)
{
	struct tw_gro *g;
	int w;

	if (tw_gro_new(MAXSEG, &g))
		fail("tw_gro_new");
	w = tw_gro_batch(g, pkts, lens, n, flags);
	if (w < 1)
		fail("tw_gro_batch: %d", w);
	*ret_max = 0;
	for (int i = 0; i < w; i++) {
		int cnt;
		const struct iovec *iov = tw_gro_iov(g, (size_t)i, &cnt);
		ssize_t total = 0;

		for (int k = 0; k < cnt; k++)
			total += (ssize_t)iov[k].iov_len;
		if (writev(tun, iov, cnt) != total)
			fail("writev of %zu packets: %s", tw_gro_count(g, (size_t)i),
			     strerror(errno));
		if (tw_gro_count(g, (size_t)i) > *ret_max)
			*ret_max = tw_gro_count(g, (size_t)i);
	}
	tw_gro_free(g);
	return w;
}

static void udp_gro(void)
{
	enum { N = 20 };
	uint8_t *pkts[N], payload[1000], buf[2000];
	size_t lens[N], most;
	socklen_t alen;
	struct sockaddr_storage la = sockaddr_of(local_ip, LPORT_UDP, &alen);
	int s = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0), w;

	if (bind(s, (struct sockaddr *)&la, alen))
		fail("bind: %s", strerror(errno));
	for (int i = 0; i < N; i++) {
		size_t pl = i == N - 1 ? 300 : 1000;

		memset(payload, i, pl);
		pkts[i] = pkt_store[i];
		lens[i] = build(pkts[i], IPPROTO_UDP, RPORT, LPORT_UDP, 0, 0, 0, payload, pl);
	}
	w = gro_write(pkts, lens, N, TW_GRO_UDP, &most);
	if (w != 1 || most != N)
		fail("expected one write of %d datagrams, got %d writes", N, w);
	for (int i = 0; i < N; i++) {
		ssize_t n;

		if (wait_fd(s, POLLIN, 3000) != 1)
			fail("datagram %d of %d not delivered", i, N);
		n = recv(s, buf, sizeof(buf), 0);
		if (n != (i == N - 1 ? 300 : 1000) || buf[0] != i || buf[n - 1] != i)
			fail("datagram %d wrong (%zd bytes)", i, n);
	}
	printf("udp-gro: %d datagrams in 1 write, all delivered\n", N);
	close(s);
}

/* Plays a remote client connecting from rport: returns the accepted socket. */
static int accept_remote(int ls, uint16_t rport, uint32_t iss, uint32_t *ret_sseq)
{
	uint8_t pkt[2000];
	size_t len, l4 = ip_len();
	struct virtio_net_hdr vh;
	int s;

	len = build(pkt, IPPROTO_TCP, rport, LPORT_TCP, iss, 0, TH_SYN, NULL, 0);
	tun_write(pkt, len);
	do {
		len = tun_read(pkt, sizeof(pkt), &vh, IPPROTO_TCP, 3000);
		if (!len)
			fail("no SYN-ACK on the TUN");
	} while (get16(pkt + l4 + 2) != rport ||
		 (pkt[l4 + 13] & (TH_SYN | TH_ACK)) != (TH_SYN | TH_ACK));
	*ret_sseq = get32(pkt + l4 + 4) + 1;
	len = build(pkt, IPPROTO_TCP, rport, LPORT_TCP, iss + 1, *ret_sseq, TH_ACK, NULL, 0);
	tun_write(pkt, len);
	if (wait_fd(ls, POLLIN, 3000) != 1 || (s = accept(ls, NULL, NULL)) < 0)
		fail("accept");
	return s;
}

static int listen_tcp(void)
{
	socklen_t alen;
	struct sockaddr_storage la = sockaddr_of(local_ip, LPORT_TCP, &alen);
	int ls = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0), one = 1;

	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(ls, (struct sockaddr *)&la, alen) || listen(ls, 4))
		fail("listen: %s", strerror(errno));
	return ls;
}

/* Reads exactly n bytes of a stream and compares them with want. */
static void read_stream(int s, const uint8_t *want, size_t n)
{
	static uint8_t got[1 << 17];
	size_t have = 0;

	while (have < n) {
		ssize_t r;

		if (wait_fd(s, POLLIN, 3000) != 1)
			fail("stream stalled at %zu of %zu bytes", have, n);
		r = recv(s, got + have, n - have, 0);
		if (r <= 0)
			fail("recv: %s", r ? strerror(errno) : "closed");
		have += (size_t)r;
	}
	if (memcmp(got, want, n))
		fail("stream content differs");
}

static void tcp_gro(void)
{
	enum { N = 40, MSS = 1200 };
	static uint8_t data[N * MSS];
	uint8_t *pkts[N];
	size_t lens[N], most;
	int ls = listen_tcp(), s, w;
	uint32_t iss = 0xfffff000, sseq; /* wraps around during the stream */

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = pattern(i);
	s = accept_remote(ls, RPORT, iss, &sseq);
	for (int i = 0; i < N; i++) {
		pkts[i] = pkt_store[i];
		lens[i] =
		    build(pkts[i], IPPROTO_TCP, RPORT, LPORT_TCP, iss + 1 + (uint32_t)(i * MSS),
			  sseq, TH_ACK | (i == N - 1 ? TH_PUSH : 0), data + i * MSS, MSS);
	}
	w = gro_write(pkts, lens, N, TW_GRO_TCP, &most);
	if (w != 1 || most != N)
		fail("expected one write of %d segments, got %d writes", N, w);
	read_stream(s, data, sizeof(data));
	printf("tcp-gro: %d segments in 1 write, %zu bytes delivered in order\n", N, sizeof(data));
	close(s);
	close(ls);
}

/*
 * Inserts IPv4 options (4 NOPs) or an IPv6 hop-by-hop header (8 bytes) after
 * the fixed IP header; the L4 checksum does not change. Returns the new length.
 */
static size_t add_ip_options(uint8_t *b, size_t len)
{
	if (v6) {
		static const uint8_t hbh[8] = {0, 0, 1, 4, 0, 0, 0, 0};

		memmove(b + 48, b + 40, len - 40);
		memcpy(b + 40, hbh, 8);
		b[40] = b[6];
		b[6] = 0;
		put16(b + 4, (unsigned)(len + 8 - 40));
		return len + 8;
	}
	memmove(b + 24, b + 20, len - 20);
	memset(b + 20, 1, 4);
	b[0] = 0x46;
	put16(b + 2, (unsigned)(len + 4));
	b[10] = b[11] = 0;
	put16(b + 10, (uint16_t)~fold_be(sum_be(0, b, 24)));
	return len + 4;
}

/*
 * Two TCP connections (ports of their own: the tcp-gro run leaves its
 * connection behind in the kernel) interleaved segment by segment, with UDP datagrams
 * carrying IP options (or an IPv6 extension header) in between: the TCP
 * streams coalesce into one write each, the datagrams go alone, and all of
 * it arrives intact.
 */
static void mixed_gro(void)
{
	enum { N = 20, MSS = 1000, U = 6 };
	static uint8_t d1[N * MSS], d2[N * MSS];
	uint8_t *pkts[2 * N + U], payload[300], buf[400];
	size_t lens[2 * N + U], n = 0, most;
	socklen_t alen;
	struct sockaddr_storage la = sockaddr_of(local_ip, LPORT_UDP, &alen);
	int ls = listen_tcp(), s1, s2, us = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0), w;
	uint32_t q1, q2;

	if (bind(us, (struct sockaddr *)&la, alen))
		fail("bind: %s", strerror(errno));
	for (size_t i = 0; i < sizeof(d1); i++) {
		d1[i] = pattern(i);
		d2[i] = pattern(i + 5);
	}
	s1 = accept_remote(ls, RPORT + 100, 1000, &q1);
	s2 = accept_remote(ls, RPORT + 101, 500000, &q2);
	for (int i = 0; i < N; i++) {
		pkts[n] = pkt_store[n];
		lens[n] = build(pkts[n], IPPROTO_TCP, RPORT + 100, LPORT_TCP,
				1001 + (uint32_t)(i * MSS), q1, TH_ACK, d1 + i * MSS, MSS);
		n++;
		pkts[n] = pkt_store[n];
		lens[n] = build(pkts[n], IPPROTO_TCP, RPORT + 101, LPORT_TCP,
				500001 + (uint32_t)(i * MSS), q2, TH_ACK, d2 + i * MSS, MSS);
		n++;
		if (i % 4 == 1) {
			memset(payload, 0x40 + i, sizeof(payload));
			pkts[n] = pkt_store[n];
			lens[n] = build(pkts[n], IPPROTO_UDP, RPORT, LPORT_UDP, 0, 0, 0, payload,
					sizeof(payload));
			lens[n] = add_ip_options(pkts[n], lens[n]);
			n++;
		}
	}
	w = gro_write(pkts, lens, n, TW_GRO_TCP | TW_GRO_UDP, &most);
	if (w != 2 + U - 1 || most != N)
		fail("%d writes (largest %zu packets), expected 2 super-packets of %d + %d "
		     "datagrams",
		     w, most, N, U - 1);
	read_stream(s1, d1, sizeof(d1));
	read_stream(s2, d2, sizeof(d2));
	for (int i = 0; i < U - 1; i++) {
		if (wait_fd(us, POLLIN, 3000) != 1)
			fail("datagram %d with IP options not delivered", i);
		if (recv(us, buf, sizeof(buf), 0) != sizeof(payload) || buf[0] != 0x40 + 1 + 4 * i)
			fail("datagram %d with IP options wrong", i);
	}
	printf("mixed-gro: 2 TCP streams coalesced, %d datagrams with IP options alone\n", U - 1);
	close(s1);
	close(s2);
	close(ls);
	close(us);
}

int main(int argc, char **argv)
{
	unsigned off = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_USO4 | TUN_F_USO6;

	if (argc < 3)
		fail(
		    "usage: vnet_probe IFNAME tcp-split|udp-split|tcp-gro|udp-gro|mixed-gro [4|6]");
	v6 = argc > 3 && !strcmp(argv[3], "6");
	inet_pton(v6 ? AF_INET6 : AF_INET, v6 ? "fd00:1::1" : "198.51.100.1", local_ip);
	inet_pton(v6 ? AF_INET6 : AF_INET, v6 ? "fd00:2::9" : "203.0.113.9", remote_ip);
	tun = tw_tun_open(argv[1], TW_TUN_MODE_TUN, TW_TUN_VNET_HDR | TW_TUN_NO_CREATE, NULL);
	if (tun < 0)
		fail("attach to %s: %s", argv[1], strerror(-tun));
	if (tw_tun_set_offload(tun, off) &&
	    tw_tun_set_offload(tun, off & ~(TUN_F_USO4 | TUN_F_USO6)))
		fail("TUNSETOFFLOAD refused");
	if (!strcmp(argv[2], "tcp-split"))
		tcp_split();
	else if (!strcmp(argv[2], "udp-split"))
		udp_split();
	else if (!strcmp(argv[2], "tcp-gro"))
		tcp_gro();
	else if (!strcmp(argv[2], "udp-gro"))
		udp_gro();
	else if (!strcmp(argv[2], "mixed-gro"))
		mixed_gro();
	else
		fail("unknown mode %s", argv[2]);
	return 0;
}
