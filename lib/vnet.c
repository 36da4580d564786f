// SPDX-License-Identifier: MIT
/*
 * GSO splitting and GRO coalescing for IFF_VNET_HDR TUN devices (see
 * include/tapwire/vnet.h). Internet checksums are summed in native byte order
 * over 16-bit words (RFC 1071 shows the result is then right when stored back
 * in native order), always from an even offset of a contiguous buffer.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/if_ether.h>

#include "internal.h"
#include <tapwire/vnet.h>

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20
#define TCP_ECE 0x40
#define TCP_CWR 0x80

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/*
 * Internet checksums touch every byte of every segment a super-packet splits
 * into or GRO coalesces, so this is written for the vector units: 32-bit
 * words (the sum is the same as of 16-bit ones, folded) summed into 64-bit
 * lanes with GCC's generic vectors, 64 bytes a pass; a scalar loop takes the
 * rest. Built three times with GCC, it runs as AVX-512 or AVX2 code where
 * the CPU has them, SSE2 otherwise (GCC's -O2 does not vectorise the plain
 * loop by itself). A lane takes at most 2^32 words before it could carry out,
 * far more than the 64 KiB a call sees. bench/vnet_speed measures it;
 * tests/unit/test_vnet.c checks it against a byte-wise sum.
 */
typedef uint64_t csum_vec __attribute__((vector_size(32)));

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#endif
static uint64_t
csum_add(uint64_t sum, const uint8_t *p, size_t len)
{
	const csum_vec low = {0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu};
	csum_vec a = {0}, b = {0};
	uint32_t w;
	uint16_t h;

	for (; len >= 64; p += 64, len -= 64) {
		csum_vec x, y;

		memcpy(&x, p, sizeof(x));
		memcpy(&y, p + 32, sizeof(y));
		a += (x & low) + (y & low);
		b += (x >> 32) + (y >> 32);
	}
	a += b;
	sum += a[0] + a[1] + a[2] + a[3];
	for (; len >= 4; p += 4, len -= 4) {
		memcpy(&w, p, 4);
		sum += w;
	}
	if (len >= 2) {
		memcpy(&h, p, 2);
		sum += h;
		p += 2;
		len -= 2;
	}
	if (len) {
		h = 0;
		memcpy(&h, p, 1); /* the odd byte is the high half of a zero-padded word */
		sum += h;
	}
	return sum;
}

static uint16_t csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Sum of the TCP/UDP pseudo header for an L4 length of l4len bytes. */
static uint64_t pseudo_sum(const uint8_t *ip, bool v6, uint8_t proto, size_t l4len)
{
	uint8_t tail[8] = {0};

	if (v6) {
		put32(tail, (uint32_t)l4len);
		tail[7] = proto;
		return csum_add(csum_add(0, ip + 8, 32), tail, 8);
	}
	tail[1] = proto;
	put16(tail + 2, (uint16_t)l4len);
	return csum_add(csum_add(0, ip + 12, 8), tail, 4);
}

static void ipv4_fix_csum(uint8_t *ip, size_t ihl)
{
	uint16_t c;

	ip[10] = ip[11] = 0;
	c = (uint16_t)~csum_fold(csum_add(0, ip, ihl));
	memcpy(ip + 10, &c, 2);
}

/* Writes the full L4 checksum of a contiguous packet (field at l4 + off). */
static void l4_fix_csum(uint8_t *pkt, size_t len, size_t l4, bool v6, uint8_t proto)
{
	size_t off = proto == IPPROTO_TCP ? 16 : 6;
	uint16_t c;

	pkt[l4 + off] = pkt[l4 + off + 1] = 0;
	c = (uint16_t)~csum_fold(pseudo_sum(pkt, v6, proto, len - l4) +
				 csum_add(0, pkt + l4, len - l4));
	if (proto == IPPROTO_UDP && c == 0)
		c = 0xffff; /* zero means "no checksum" in UDP */
	memcpy(pkt + l4 + off, &c, 2);
}

TW_EXPORT int tw_vnet_csum_complete(const struct virtio_net_hdr *hdr, uint8_t *pkt, size_t len)
{
	size_t start = hdr->csum_start, off = hdr->csum_offset;
	uint16_t c;

	if (!(hdr->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		return 0;
	if (start >= len || off > len - start || len - start - off < 2 || start % 2)
		return -EINVAL;
	/* The field already holds the pseudo header's sum: sum over it. */
	c = (uint16_t)~csum_fold(csum_add(0, pkt + start, len - start));
	memcpy(pkt + start + off, &c, 2);
	return 0;
}

/* The layout of a GSO packet, checked against its length. */
struct gso_info {
	bool v6;
	uint8_t proto;
	size_t iphl, l4, hdrlen, mss;
};

static int gso_parse(const struct virtio_net_hdr *hdr, const uint8_t *pkt, size_t len,
		     struct gso_info *g)
{
	uint8_t type = hdr->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;

	if (len < 20)
		return -EINVAL;
	g->v6 = pkt[0] >> 4 == 6;
	if (!g->v6 && pkt[0] >> 4 != 4)
		return -EINVAL;
	if (type == VIRTIO_NET_HDR_GSO_TCPV4 || type == VIRTIO_NET_HDR_GSO_TCPV6)
		g->proto = IPPROTO_TCP;
	else if (type == VIRTIO_NET_HDR_GSO_UDP_L4)
		g->proto = IPPROTO_UDP;
	else
		return -EPROTONOSUPPORT;
	if ((type == VIRTIO_NET_HDR_GSO_TCPV4 && g->v6) ||
	    (type == VIRTIO_NET_HDR_GSO_TCPV6 && !g->v6))
		return -EINVAL;
	g->iphl = g->v6 ? 40 : (size_t)(pkt[0] & 15) * 4;
	if (g->iphl < 20 || g->iphl > len || (!g->v6 && pkt[9] != g->proto))
		return -EINVAL;
	/* IPv4: the L4 header follows the options; IPv6: after any extensions. */
	g->l4 = hdr->csum_start;
	if ((!g->v6 && g->l4 != g->iphl) || g->l4 < g->iphl || g->l4 % 2 || g->l4 + 20 > len)
		return -EINVAL;
	g->hdrlen = g->l4 + (g->proto == IPPROTO_TCP ? (size_t)(pkt[g->l4 + 12] >> 4) * 4 : 8);
	if (g->hdrlen < g->l4 + 8 || (g->proto == IPPROTO_TCP && g->hdrlen < g->l4 + 20) ||
	    g->hdrlen > len)
		return -EINVAL;
	g->mss = hdr->gso_size;
	if (!g->mss)
		return -EINVAL;
	return 0;
}

static void segment_fix(uint8_t *seg, size_t seglen, const struct gso_info *g, size_t k,
			size_t nseg, uint16_t ip_id, uint32_t seq)
{
	if (g->v6) {
		put16(seg + 4, (uint16_t)(seglen - 40));
	} else {
		put16(seg + 2, (uint16_t)seglen);
		put16(seg + 4, (uint16_t)(ip_id + k));
		ipv4_fix_csum(seg, g->iphl);
	}
	if (g->proto == IPPROTO_TCP) {
		put32(seg + g->l4 + 4, seq + (uint32_t)(k * g->mss));
		if (k + 1 < nseg)
			seg[g->l4 + 13] &= (uint8_t) ~(TCP_FIN | TCP_PSH);
		if (k > 0)
			seg[g->l4 + 13] &= (uint8_t)~TCP_CWR;
	} else {
		put16(seg + g->l4 + 4, (uint16_t)(seglen - g->l4));
	}
	l4_fix_csum(seg, seglen, g->l4, g->v6, g->proto);
}

TW_EXPORT int tw_vnet_split(const struct virtio_net_hdr *hdr, const uint8_t *pkt, size_t len,
			    uint8_t *const *segs, size_t seg_cap, size_t *ret_lens, size_t max_segs)
{
	struct gso_info g;
	size_t payload, nseg;
	uint16_t ip_id;
	uint32_t seq = 0;
	int err;

	if (!max_segs)
		return -ENOBUFS;
	if (hdr->gso_type == VIRTIO_NET_HDR_GSO_NONE) {
		if (len > seg_cap)
			return -ENOBUFS;
		memcpy(segs[0], pkt, len);
		err = tw_vnet_csum_complete(hdr, segs[0], len);
		if (err)
			return err;
		ret_lens[0] = len;
		return 1;
	}
	err = gso_parse(hdr, pkt, len, &g);
	if (err)
		return err;
	payload = len - g.hdrlen;
	nseg = payload ? (payload + g.mss - 1) / g.mss : 1;
	if (nseg > max_segs)
		return -ENOBUFS;
	if (g.hdrlen + (payload < g.mss ? payload : g.mss) > seg_cap ||
	    len > TW_VNET_MAX_PACKET + 40)
		return -ENOBUFS;
	ip_id = g.v6 ? 0 : get16(pkt + 4);
	if (g.proto == IPPROTO_TCP)
		seq = get32(pkt + g.l4 + 4);
	for (size_t k = 0; k < nseg; k++) {
		size_t off = g.hdrlen + k * g.mss;
		size_t plen = len - off < g.mss ? len - off : g.mss;

		memcpy(segs[k], pkt, g.hdrlen);
		memcpy(segs[k] + g.hdrlen, pkt + off, plen);
		ret_lens[k] = g.hdrlen + plen;
		segment_fix(segs[k], ret_lens[k], &g, k, nseg, ip_id, seq);
	}
	return (int)nseg;
}

/* ---- GRO ---- */

#define NBUCKETS     256
#define NONE	     UINT32_MAX
#define MAX_GRO_SEGS 64 /* what the kernel accepts in one GSO packet */

/* One packet of the batch, as parsed. */
struct gro_pkt {
	uint8_t *data; /* the IP packet */
	size_t len;    /* its length (a frame's less its link-layer header) */
	uint8_t l2;    /* TW_GRO_ETH: the Ethernet header's bytes before data */
	uint32_t next; /* next packet of the same write */
	uint16_t l4, hdrlen;
	uint32_t seq;
	bool has_tuple, candidate, v6;
	uint8_t proto, tcp_flags;
};

/* One write: a packet alone, or a super-packet being built. */
struct gro_item {
	uint32_t head, tail, count;
	uint32_t bucket_next; /* older item in the same hash bucket */
	uint32_t hash;
	size_t total, gso_size;
	uint32_t next_seq;
	bool closed, psh;
	struct virtio_net_hdr vh;
};

struct tw_gro {
	size_t max;
	size_t nitems;
	struct gro_pkt *pkts;
	struct gro_item *items;
	struct iovec *iov;
	uint32_t *first_iov, *iov_cnt;
	uint32_t buckets[NBUCKETS];
};

TW_EXPORT int tw_gro_new(size_t max_pkts, struct tw_gro **ret_gro)
{
	struct tw_gro *g;

	if (!max_pkts || max_pkts >= NONE / 2)
		return -EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->max = max_pkts;
	g->pkts = calloc(max_pkts, sizeof(*g->pkts));
	g->items = calloc(max_pkts, sizeof(*g->items));
	g->iov = calloc(2 * max_pkts, sizeof(*g->iov));
	g->first_iov = calloc(max_pkts, sizeof(*g->first_iov));
	g->iov_cnt = calloc(max_pkts, sizeof(*g->iov_cnt));
	if (!g->pkts || !g->items || !g->iov || !g->first_iov || !g->iov_cnt) {
		tw_gro_free(g);
		return -ENOMEM;
	}
	*ret_gro = g;
	return 0;
}

TW_EXPORT void tw_gro_free(struct tw_gro *g)
{
	if (!g)
		return;
	free(g->pkts);
	free(g->items);
	free(g->iov);
	free(g->first_iov);
	free(g->iov_cnt);
	free(g);
}

static bool l4_csum_ok(const struct gro_pkt *p)
{
	const uint8_t *d = p->data;

	/* IPv4 UDP may carry no checksum at all. */
	if (p->proto == IPPROTO_UDP && !p->v6 && !d[p->l4 + 6] && !d[p->l4 + 7])
		return true;
	return csum_fold(pseudo_sum(d, p->v6, p->proto, p->len - p->l4) +
			 csum_add(0, d + p->l4, p->len - p->l4)) == 0xffff;
}

/*
 * TW_GRO_ETH: steps over the frame's Ethernet header to the IP packet (an
 * untagged IPv4 or IPv6 frame); false for anything else, which is then
 * written alone as it came.
 */
static bool eth_skip(struct gro_pkt *p)
{
	uint16_t type;

	if (p->len < ETH_HLEN + 20)
		return false;
	type = get16(p->data + 12);
	if (type != ETH_P_IP && type != ETH_P_IPV6)
		return false;
	if ((type == ETH_P_IP) != (p->data[ETH_HLEN] >> 4 == 4))
		return false;
	p->data += ETH_HLEN;
	p->len -= ETH_HLEN;
	p->l2 = ETH_HLEN;
	return true;
}

/* Finds the IP version, protocol and L4 offset; false if not plain TCP/UDP. */
static bool gro_parse_tuple(struct gro_pkt *p)
{
	const uint8_t *d = p->data;

	if (p->len < 20)
		return false;
	if (d[0] >> 4 == 4) {
		p->v6 = false;
		p->proto = d[9];
		p->l4 = (uint16_t)((d[0] & 15) * 4);
	} else if (d[0] >> 4 == 6 && p->len >= 40) {
		p->v6 = true;
		p->proto = d[6]; /* extension headers are never coalesced */
		p->l4 = 40;
	} else {
		return false;
	}
	return (p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP) && p->l4 >= 20 &&
	       p->len >= p->l4 + 4u;
}

/* Decides whether a packet with a tuple may be coalesced, and parses it. */
static bool gro_parse(struct gro_pkt *p, unsigned flags)
{
	const uint8_t *d = p->data;

	if (!p->v6 && (p->l4 != 20 || get16(d + 2) != p->len || (get16(d + 6) & 0x3fff)))
		return false; /* options, fragments, or a length that does not add up */
	if (p->v6 && get16(d + 4) + 40u != p->len)
		return false;
	if (p->proto == IPPROTO_TCP && (flags & TW_GRO_TCP)) {
		if (p->len < p->l4 + 20u)
			return false;
		p->hdrlen = (uint16_t)(p->l4 + (d[p->l4 + 12] >> 4) * 4);
		p->tcp_flags = d[p->l4 + 13];
		p->seq = get32(d + p->l4 + 4);
		if (p->hdrlen < p->l4 + 20u || p->hdrlen > p->len ||
		    (p->tcp_flags & ~(TCP_ACK | TCP_PSH)) || !(p->tcp_flags & TCP_ACK))
			return false;
	} else if (p->proto == IPPROTO_UDP && (flags & TW_GRO_UDP)) {
		if (p->len < p->l4 + 8u || get16(d + p->l4 + 4) != p->len - p->l4)
			return false;
		p->hdrlen = (uint16_t)(p->l4 + 8);
	} else {
		return false;
	}
	return p->hdrlen < p->len && l4_csum_ok(p);
}

static uint32_t flow_hash(const struct gro_pkt *p)
{
	const uint8_t *d = p->data;
	size_t off = p->v6 ? 8 : 12, n = p->v6 ? 32 : 8;
	uint32_t h = 2166136261u ^ p->proto;

	for (size_t i = 0; i < n; i++)
		h = (h ^ d[off + i]) * 16777619u;
	for (size_t i = 0; i < 4; i++)
		h = (h ^ d[p->l4 + i]) * 16777619u;
	return h;
}

/* Same addresses, protocol and ports. */
static bool same_tuple(const struct gro_pkt *a, const struct gro_pkt *b)
{
	const uint8_t *x = a->data, *y = b->data;

	if (a->v6 != b->v6 || a->proto != b->proto || a->l2 != b->l2)
		return false;
	/* frames: one super-frame has one Ethernet header */
	if (a->l2 && memcmp(x - a->l2, y - b->l2, a->l2))
		return false;
	if (a->v6 ? memcmp(x + 8, y + 8, 32) : memcmp(x + 12, y + 12, 8))
		return false;
	return !memcmp(x + a->l4, y + b->l4, 4);
}

/* Headers that may be merged (kernel GRO's flush rules); same tuple known. */
static bool same_flow(const struct gro_pkt *a, const struct gro_pkt *b)
{
	const uint8_t *x = a->data, *y = b->data;

	if (!a->candidate || a->hdrlen != b->hdrlen || a->l4 != b->l4)
		return false;
	if (a->v6) {
		/* version, traffic class, flow label; next header, hop limit; addresses */
		if (memcmp(x, y, 4) || memcmp(x + 6, y + 6, 34))
			return false;
	} else {
		/* TOS, DF, TTL, protocol, addresses */
		if (x[1] != y[1] || (x[6] & 0x40) != (y[6] & 0x40) || x[8] != y[8] ||
		    memcmp(x + 9, y + 9, 1) || memcmp(x + 12, y + 12, 8))
			return false;
	}
	if (memcmp(x + a->l4, y + a->l4, 4))
		return false;
	if (a->proto == IPPROTO_TCP) {
		/* ack, data offset, flags but PSH, window; options byte for byte */
		if (memcmp(x + a->l4 + 8, y + a->l4 + 8, 5) ||
		    ((x[a->l4 + 13] ^ y[a->l4 + 13]) & ~TCP_PSH) ||
		    memcmp(x + a->l4 + 14, y + a->l4 + 14, 2) ||
		    memcmp(x + a->l4 + 20, y + a->l4 + 20, a->hdrlen - a->l4 - 20u))
			return false;
	}
	return true;
}

static bool item_append(struct tw_gro *g, struct gro_item *it, uint32_t idx)
{
	struct gro_pkt *head = &g->pkts[it->head], *p = &g->pkts[idx];
	size_t payload = p->len - p->hdrlen;

	if (it->closed || it->count >= MAX_GRO_SEGS || !same_flow(head, p) ||
	    payload > it->gso_size || it->total + payload > TW_VNET_MAX_PACKET)
		return false;
	if (p->proto == IPPROTO_TCP && p->seq != it->next_seq)
		return false;
	g->pkts[it->tail].next = idx;
	it->tail = idx;
	it->count++;
	it->total += payload;
	it->next_seq = p->seq + (uint32_t)payload;
	/* A short segment or a push ends the super-packet, as in the kernel. */
	if (payload < it->gso_size || (p->tcp_flags & TCP_PSH))
		it->closed = true;
	if (p->tcp_flags & TCP_PSH)
		it->psh = true;
	return true;
}

static void item_start(struct tw_gro *g, uint32_t idx)
{
	struct gro_pkt *p = &g->pkts[idx];
	struct gro_item *it = &g->items[g->nitems];

	memset(it, 0, sizeof(*it));
	it->head = it->tail = idx;
	it->count = 1;
	it->total = p->len;
	it->bucket_next = NONE;
	it->closed = true;
	if (p->candidate) {
		it->gso_size = p->len - p->hdrlen;
		it->next_seq = p->seq + (uint32_t)it->gso_size;
		it->closed = p->tcp_flags & TCP_PSH;
		it->psh = it->closed;
	}
	/*
	 * Every TCP/UDP packet becomes its flow's newest item, even one that
	 * cannot be merged: later packets must not jump over it.
	 */
	if (p->has_tuple) {
		it->hash = flow_hash(p);
		it->bucket_next = g->buckets[it->hash % NBUCKETS];
		g->buckets[it->hash % NBUCKETS] = (uint32_t)g->nitems;
	}
	g->nitems++;
}

/* Rewrites the head packet's headers for a super-packet and fills the vnet header. */
static void item_finish(struct tw_gro *g, struct gro_item *it)
{
	struct gro_pkt *p = &g->pkts[it->head];
	uint8_t *d = p->data;
	uint16_t c;

	memset(&it->vh, 0, sizeof(it->vh));
	if (it->count == 1)
		return;
	if (p->v6) {
		put16(d + 4, (uint16_t)(it->total - 40));
	} else {
		put16(d + 2, (uint16_t)it->total);
		ipv4_fix_csum(d, 20);
	}
	if (p->proto == IPPROTO_TCP) {
		if (it->psh)
			d[p->l4 + 13] |= TCP_PSH;
		it->vh.gso_type = p->v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
		it->vh.csum_offset = 16;
	} else {
		put16(d + p->l4 + 4, (uint16_t)(it->total - p->l4));
		it->vh.gso_type = VIRTIO_NET_HDR_GSO_UDP_L4;
		it->vh.csum_offset = 6;
	}
	/* Partial checksum: the kernel adds the data's sum to the pseudo header's. */
	c = csum_fold(pseudo_sum(d, p->v6, p->proto, it->total - p->l4));
	memcpy(d + p->l4 + it->vh.csum_offset, &c, 2);
	it->vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	it->vh.hdr_len = (uint16_t)(p->l2 + p->hdrlen);
	it->vh.gso_size = (uint16_t)it->gso_size;
	it->vh.csum_start = (uint16_t)(p->l2 + p->l4);
}

static void gro_build_iov(struct tw_gro *g)
{
	uint32_t n = 0;

	for (size_t i = 0; i < g->nitems; i++) {
		struct gro_item *it = &g->items[i];
		bool first = true;

		item_finish(g, it);
		g->first_iov[i] = n;
		g->iov[n++] = (struct iovec){&it->vh, sizeof(it->vh)};
		for (uint32_t k = it->head; k != NONE; k = g->pkts[k].next) {
			struct gro_pkt *p = &g->pkts[k];
			uint8_t *start = first ? p->data - p->l2 : p->data + p->hdrlen;

			g->iov[n++] = (struct iovec){start, (size_t)(p->data + p->len - start)};
			first = false;
		}
		g->iov_cnt[i] = n - g->first_iov[i];
	}
}

/* Groups the packets into items (flows' super-packets), in order of their first packets. */
static void gro_group(struct tw_gro *g, uint8_t *const *pkts, const size_t *lens, size_t n,
		      unsigned flags)
{
	g->nitems = 0;
	for (size_t b = 0; b < NBUCKETS; b++)
		g->buckets[b] = NONE;
	for (uint32_t i = 0; i < n; i++) {
		struct gro_pkt *p = &g->pkts[i];
		uint32_t h, j;

		memset(p, 0, sizeof(*p));
		p->data = pkts[i];
		p->len = lens[i];
		p->next = NONE;
		if (flags & TW_GRO_ETH) {
			p->has_tuple = eth_skip(p);
			p->has_tuple = p->has_tuple && gro_parse_tuple(p);
		} else {
			p->has_tuple = gro_parse_tuple(p);
		}
		p->candidate = p->has_tuple && p->len <= TW_VNET_MAX_PACKET && gro_parse(p, flags);
		if (!p->candidate) {
			item_start(g, i);
			continue;
		}
		h = flow_hash(p);
		/* The newest item of the bucket with this tuple is the flow's latest. */
		for (j = g->buckets[h % NBUCKETS]; j != NONE; j = g->items[j].bucket_next)
			if (g->items[j].hash == h && same_tuple(&g->pkts[g->items[j].head], p))
				break;
		if (j == NONE || !item_append(g, &g->items[j], i))
			item_start(g, i);
	}
}

/* Groups and builds the writes; with @ret_held, an open super-packet ending the batch waits. */
static int gro_batch(struct tw_gro *g, uint8_t *const *pkts, const size_t *lens, size_t n,
		     unsigned flags, size_t *ret_held)
{
	struct gro_item *last;

	if (n > g->max)
		return -EINVAL;
	gro_group(g, pkts, lens, n, flags);
	last = ret_held && g->nitems > 1 ? &g->items[g->nitems - 1] : NULL;
	/* the batch's tail is one super-packet that the next packets may still extend */
	if (last && !last->closed && last->count == n - last->head && last->count < MAX_GRO_SEGS &&
	    last->total + last->gso_size <= TW_VNET_MAX_PACKET) {
		*ret_held = last->count;
		g->nitems--;
	}
	gro_build_iov(g);
	return (int)g->nitems;
}

TW_EXPORT int tw_gro_batch(struct tw_gro *g, uint8_t *const *pkts, const size_t *lens, size_t n,
			   unsigned flags)
{
	return gro_batch(g, pkts, lens, n, flags, NULL);
}

TW_EXPORT int tw_gro_batch_more(struct tw_gro *g, uint8_t *const *pkts, const size_t *lens,
				size_t n, unsigned flags, size_t *ret_held)
{
	*ret_held = 0;
	return gro_batch(g, pkts, lens, n, flags, ret_held);
}

TW_EXPORT const struct iovec *tw_gro_iov(const struct tw_gro *g, size_t i, int *ret_cnt)
{
	*ret_cnt = (int)g->iov_cnt[i];
	return &g->iov[g->first_iov[i]];
}

TW_EXPORT size_t tw_gro_count(const struct tw_gro *g, size_t i)
{
	return g->items[i].count;
}
