// SPDX-License-Identifier: MIT
/*
 * GSO splitting and GRO coalescing (lib/vnet.c): TCP and UDP over IPv4 (with
 * and without IP options) and IPv6 (with and without an extension header),
 * checksums checked by an independent byte-pair implementation, round trips
 * split -> coalesce -> split, mixed flows, ordering, refusals and garbage.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <tapwire/vnet.h>

#include "../common/pkt.h"

#define SEG_CAP 2048
#define MAXSEG	128

/* ---- checksums ---- */

static uint32_t pseudo_be(const uint8_t *ip, uint8_t proto, size_t l4len)
{
	if (ip[0] >> 4 == 6)
		return sum_be(0, ip + 8, 32) + (uint32_t)(l4len >> 16) +
		       (uint32_t)(l4len & 0xffff) + proto;
	return sum_be(0, ip + 12, 8) + proto + (uint32_t)l4len;
}

static size_t l4_off(const uint8_t *ip)
{
	if (ip[0] >> 4 == 4)
		return (size_t)(ip[0] & 15) * 4;
	return ip[6] == 0 ? 40 + (size_t)(ip[41] + 1) * 8 : 40; /* one hop-by-hop header */
}

static uint8_t l4_proto(const uint8_t *ip)
{
	return ip[0] >> 4 == 4 ? ip[9] : ip[6] == 0 ? ip[40] : ip[6];
}

static bool csum_valid(const uint8_t *ip, size_t len)
{
	size_t l4 = l4_off(ip);

	if (ip[0] >> 4 == 4 && fold_be(sum_be(0, ip, l4)) != 0xffff)
		return false;
	return fold_be(pseudo_be(ip, l4_proto(ip), len - l4) + sum_be(0, ip + l4, len - l4)) ==
	       0xffff;
}

static void set_csums(uint8_t *ip, size_t len)
{
	size_t l4 = l4_off(ip), off = l4_proto(ip) == IPPROTO_TCP ? 16 : 6;
	uint16_t c;

	if (ip[0] >> 4 == 4) {
		ip[10] = ip[11] = 0;
		c = (uint16_t)~fold_be(sum_be(0, ip, l4));
		ip[10] = (uint8_t)(c >> 8);
		ip[11] = (uint8_t)c;
	}
	ip[l4 + off] = ip[l4 + off + 1] = 0;
	c = (uint16_t)~fold_be(pseudo_be(ip, l4_proto(ip), len - l4) +
			       sum_be(0, ip + l4, len - l4));
	ip[l4 + off] = (uint8_t)(c >> 8);
	ip[l4 + off + 1] = (uint8_t)c;
}

/* ---- packet builder ---- */

struct spec {
	int v; /* 4 or 6 */
	uint8_t proto;
	int ipopt;  /* IPv4 option bytes (multiple of 4) */
	bool ext6;  /* IPv6 hop-by-hop header */
	int tcpopt; /* TCP option bytes (multiple of 4) */
	uint16_t sport, dport, ip_id;
	uint32_t seq, ack;
	uint8_t flags; /* TCP flags */
	uint8_t src_last;
};

/* Builds a packet with plen payload bytes (pattern from seed); returns its length. */
static size_t build(uint8_t *b, const struct spec *s, size_t plen, unsigned seed)
{
	size_t ip = s->v == 4 ? 20 + (size_t)s->ipopt : 40 + (s->ext6 ? 8 : 0);
	size_t l4len = s->proto == IPPROTO_TCP ? 20 + (size_t)s->tcpopt : 8;
	size_t len = ip + l4len + plen;

	memset(b, 0, ip + l4len);
	if (s->v == 4) {
		b[0] = (uint8_t)(0x40 | (ip / 4));
		put16(b + 2, (unsigned)len);
		put16(b + 4, s->ip_id);
		b[6] = 0x40; /* DF */
		b[8] = 64;
		b[9] = s->proto;
		b[12] = 198, b[13] = 51, b[14] = 100, b[15] = s->src_last;
		b[16] = 203, b[17] = 0, b[18] = 113, b[19] = 9;
		for (int i = 0; i < s->ipopt; i++)
			b[20 + i] = 1; /* NOP */
	} else {
		b[0] = 0x60;
		put16(b + 4, (unsigned)(len - 40));
		b[6] = s->ext6 ? 0 : s->proto;
		b[7] = 64;
		b[8] = 0xfd, b[23] = s->src_last;
		b[24] = 0xfd, b[39] = 9;
		if (s->ext6) {
			b[40] = s->proto;
			b[41] = 0;
			b[42] = 1, b[43] = 4; /* PadN, 4 bytes */
		}
	}
	put16(b + ip, s->sport);
	put16(b + ip + 2, s->dport);
	if (s->proto == IPPROTO_TCP) {
		put32(b + ip + 4, s->seq);
		put32(b + ip + 8, s->ack);
		b[ip + 12] = (uint8_t)((l4len / 4) << 4);
		b[ip + 13] = s->flags;
		put16(b + ip + 14, 512);
		for (int i = 0; i < s->tcpopt; i++)
			b[ip + 20 + i] = i % 4 == 3 ? 0 : 1;
	} else {
		put16(b + ip + 4, (unsigned)(l4len + plen));
	}
	for (size_t i = 0; i < plen; i++)
		b[ip + l4len + i] = (uint8_t)(seed + i * 31 + i / 7);
	set_csums(b, len);
	return len;
}

/* A GSO super-packet as the kernel hands it over: checksum field = pseudo sum. */
static size_t build_gso(uint8_t *b, struct virtio_net_hdr *vh, const struct spec *s, size_t plen,
			unsigned mss)
{
	size_t len = build(b, s, plen, 1);
	size_t l4 = l4_off(b), off = s->proto == IPPROTO_TCP ? 16 : 6;
	uint16_t c = fold_be(pseudo_be(b, s->proto, len - l4));

	if (s->proto == IPPROTO_UDP)
		put16(b + l4 + 4, (unsigned)(len - l4));
	put16(b + l4 + off, c);
	memset(vh, 0, sizeof(*vh));
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->gso_type = s->proto == IPPROTO_UDP ? VIRTIO_NET_HDR_GSO_UDP_L4
		       : s->v == 4	       ? VIRTIO_NET_HDR_GSO_TCPV4
					       : VIRTIO_NET_HDR_GSO_TCPV6;
	vh->gso_size = (uint16_t)mss;
	vh->csum_start = (uint16_t)l4;
	vh->csum_offset = (uint16_t)off;
	vh->hdr_len = (uint16_t)(l4 + (s->proto == IPPROTO_TCP ? 20 + s->tcpopt : 8));
	return len;
}

struct segs {
	uint8_t *p[MAXSEG];
	size_t len[MAXSEG];
};

static void segs_alloc(struct segs *s)
{
	for (int i = 0; i < MAXSEG; i++)
		s->p[i] = malloc(SEG_CAP);
}

static void segs_free(struct segs *s)
{
	for (int i = 0; i < MAXSEG; i++)
		free(s->p[i]);
}

/* Splits and checks every invariant; returns the number of segments. */
static int split_and_check(const struct spec *sp, size_t plen, unsigned mss, struct segs *out)
{
	static uint8_t pkt[70000];
	struct virtio_net_hdr vh;
	size_t len = build_gso(pkt, &vh, sp, plen, mss);
	size_t l4 = vh.csum_start, hdr = vh.hdr_len, done = 0;
	int n = tw_vnet_split(&vh, pkt, len, out->p, SEG_CAP, out->len, MAXSEG);

	assert_int_equal(n, (int)((plen + mss - 1) / mss));
	for (int k = 0; k < n; k++) {
		const uint8_t *s = out->p[k];
		size_t pl = out->len[k] - hdr;

		assert_int_equal(pl, k + 1 < n ? mss : plen - (size_t)(n - 1) * mss);
		assert_true(csum_valid(s, out->len[k]));
		assert_memory_equal(s + hdr, pkt + hdr + done, pl);
		if (sp->v == 4) {
			assert_int_equal(get16(s + 2), out->len[k]);
			assert_int_equal(get16(s + 4), (sp->ip_id + k) & 0xffff);
			assert_memory_equal(s + 20, pkt + 20, (size_t)sp->ipopt);
		} else {
			assert_int_equal(get16(s + 4), out->len[k] - 40);
		}
		if (sp->proto == IPPROTO_TCP) {
			uint8_t f = s[l4 + 13];

			assert_int_equal(get32(s + l4 + 4), (uint32_t)(sp->seq + done));
			assert_int_equal(!!(f & 0x08), (sp->flags & 0x08) && k == n - 1);
			assert_int_equal(!!(f & 0x01), (sp->flags & 0x01) && k == n - 1);
			assert_int_equal(!!(f & 0x80), (sp->flags & 0x80) && k == 0);
			assert_memory_equal(s + l4 + 20, pkt + l4 + 20, (size_t)sp->tcpopt);
		} else {
			assert_int_equal(get16(s + l4 + 4), out->len[k] - l4);
		}
		done += pl;
	}
	assert_int_equal(done, plen);
	return n;
}

static void test_split_tcp(void **state)
{
	struct segs o;
	struct spec tcp4 = {.v = 4,
			    .proto = IPPROTO_TCP,
			    .tcpopt = 12,
			    .sport = 5201,
			    .dport = 40000,
			    .ip_id = 0xfffe,
			    .seq = 0xfffff000,
			    .ack = 77,
			    .flags = 0x18 | 0x01,
			    .src_last = 1};
	struct spec tcp6 = {.v = 6,
			    .proto = IPPROTO_TCP,
			    .tcpopt = 12,
			    .sport = 1,
			    .dport = 2,
			    .seq = 5,
			    .ack = 6,
			    .flags = 0x10 | 0x80,
			    .src_last = 2};

	segs_alloc(&o);
	/* Sequence numbers and IP IDs wrap around; FIN/PSH on the last only. */
	assert_int_equal(split_and_check(&tcp4, 5000, 1368, &o), 4);
	assert_int_equal(split_and_check(&tcp4, 1368 * 3, 1368, &o), 3);
	assert_int_equal(split_and_check(&tcp4, 1, 1368, &o), 1);
	assert_int_equal(split_and_check(&tcp4, 65000, 1000, &o), 65);
	/* IPv6 with ECN's CWR on the first segment only. */
	assert_int_equal(split_and_check(&tcp6, 4000, 1348, &o), 3);
	/* IPv4 options are carried into every segment. */
	tcp4.ipopt = 8;
	assert_int_equal(split_and_check(&tcp4, 3000, 1360, &o), 3);
	/* IPv6 with a hop-by-hop extension header. */
	tcp6.ext6 = true;
	assert_int_equal(split_and_check(&tcp6, 3000, 1340, &o), 3);
	segs_free(&o);
}

static void test_split_udp(void **state)
{
	struct segs o;
	struct spec udp4 = {
	    .v = 4, .proto = IPPROTO_UDP, .sport = 53, .dport = 9, .ip_id = 7, .src_last = 3};
	struct spec udp6 = {.v = 6, .proto = IPPROTO_UDP, .sport = 53, .dport = 9, .src_last = 4};

	segs_alloc(&o);
	assert_int_equal(split_and_check(&udp4, 6000, 1392, &o), 5);
	assert_int_equal(split_and_check(&udp6, 6000, 1372, &o), 5);
	udp4.ipopt = 4;
	assert_int_equal(split_and_check(&udp4, 100, 64, &o), 2);
	udp6.ext6 = true;
	assert_int_equal(split_and_check(&udp6, 1000, 100, &o), 10);
	segs_free(&o);
}

static void test_split_no_gso(void **state)
{
	struct spec tcp4 = {.v = 4, .proto = IPPROTO_TCP, .sport = 1, .dport = 2, .flags = 0x10};
	struct virtio_net_hdr vh = {0};
	uint8_t pkt[200], out[200], *segs[1] = {out};
	size_t len = build(pkt, &tcp4, 100, 3), lens[1];

	/* Plain packet: copied as is. */
	assert_int_equal(tw_vnet_split(&vh, pkt, len, segs, sizeof(out), lens, 1), 1);
	assert_int_equal(lens[0], len);
	assert_memory_equal(out, pkt, len);
	/* NEEDS_CSUM: the pseudo header's sum in the field, completed on the way. */
	put16(pkt + 36, fold_be(pseudo_be(pkt, IPPROTO_TCP, len - 20)));
	vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh.csum_start = 20;
	vh.csum_offset = 16;
	assert_false(csum_valid(pkt, len));
	assert_int_equal(tw_vnet_split(&vh, pkt, len, segs, sizeof(out), lens, 1), 1);
	assert_true(csum_valid(out, len));
	assert_int_equal(tw_vnet_csum_complete(&vh, pkt, len), 0);
	assert_true(csum_valid(pkt, len));
	vh.csum_start = (uint16_t)len;
	assert_int_equal(tw_vnet_csum_complete(&vh, pkt, len), -EINVAL);
	/* Too small an output. */
	vh.flags = 0;
	assert_int_equal(tw_vnet_split(&vh, pkt, len, segs, len - 1, lens, 1), -ENOBUFS);
}

/*
 * The checksum loop (vectors of 64 bytes, then words, then a byte) against
 * the byte-pair sum: every length from 0 to 300 and random ones to 9000, at
 * every alignment of the start, over random bytes. Seeded (TW_TEST_SEED
 * overrides); the seed is printed on failure.
 */
static void test_csum_random(void **state)
{
	static uint8_t buf[9100], copy[9100];
	const char *env = getenv("TW_TEST_SEED");
	unsigned seed = env ? (unsigned)strtoul(env, NULL, 0) : 20261206u;
	struct virtio_net_hdr vh = {.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM};

	srand(seed);
	for (int n = 0; n < 3000; n++) {
		size_t len = n <= 300 ? (size_t)n : (size_t)(rand() % 9000), align = (size_t)n % 8;
		size_t start = len > 64 ? (size_t)(rand() % 32) * 2 : 0;
		uint8_t *pkt = buf + align;
		uint16_t want;

		if (len < start + 2)
			continue;
		for (size_t i = 0; i < len; i++)
			pkt[i] = (uint8_t)rand();
		if (n % 5 == 0)
			memset(pkt, 0xff, len); /* sums that carry the most */
		vh.csum_start = (uint16_t)start;
		vh.csum_offset = (uint16_t)((size_t)(rand() % (int)((len - start) / 2)) * 2);
		memcpy(copy, pkt, len);
		want = (uint16_t)~fold_be(sum_be(0, copy + start, len - start));
		assert_int_equal(tw_vnet_csum_complete(&vh, pkt, len), 0);
		if (get16(pkt + start + vh.csum_offset) != want)
			fail_msg(
			    "checksum of %zu bytes at +%zu (start %zu): %#x, want %#x; seed %u",
			    len, align, start, get16(pkt + start + vh.csum_offset), want, seed);
	}
}

static void test_split_refusals(void **state)
{
	static uint8_t pkt[70000];
	struct spec tcp4 = {.v = 4, .proto = IPPROTO_TCP, .sport = 1, .dport = 2, .flags = 0x10};
	struct spec tcp6 = {.v = 6, .proto = IPPROTO_TCP, .sport = 1, .dport = 2, .flags = 0x10};
	struct virtio_net_hdr vh, bad;
	struct segs o;
	size_t len;

	segs_alloc(&o);
	len = build_gso(pkt, &vh, &tcp4, 10000, 1000);
	assert_int_equal(tw_vnet_split(&vh, pkt, len, o.p, SEG_CAP, o.len, 9), -ENOBUFS);
	assert_int_equal(tw_vnet_split(&vh, pkt, len, o.p, 1000, o.len, MAXSEG), -ENOBUFS);
	bad = vh;
	bad.gso_size = 0;
	assert_int_equal(tw_vnet_split(&bad, pkt, len, o.p, SEG_CAP, o.len, MAXSEG), -EINVAL);
	bad = vh;
	bad.gso_type = VIRTIO_NET_HDR_GSO_UDP;
	assert_int_equal(tw_vnet_split(&bad, pkt, len, o.p, SEG_CAP, o.len, MAXSEG),
			 -EPROTONOSUPPORT);
	bad = vh;
	bad.gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
	assert_int_equal(tw_vnet_split(&bad, pkt, len, o.p, SEG_CAP, o.len, MAXSEG), -EINVAL);
	bad = vh;
	bad.csum_start = 24;
	assert_int_equal(tw_vnet_split(&bad, pkt, len, o.p, SEG_CAP, o.len, MAXSEG), -EINVAL);
	assert_int_equal(tw_vnet_split(&vh, pkt, 39, o.p, SEG_CAP, o.len, MAXSEG), -EINVAL);
	len = build_gso(pkt, &vh, &tcp6, 3000, 1000);
	bad = vh;
	bad.csum_start = (uint16_t)(len - 10);
	assert_int_equal(tw_vnet_split(&bad, pkt, len, o.p, SEG_CAP, o.len, MAXSEG), -EINVAL);
	bad = vh;
	bad.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	assert_int_equal(tw_vnet_split(&bad, pkt, len, o.p, SEG_CAP, o.len, MAXSEG), -EINVAL);

	/* Garbage headers and bytes never crash or overrun (ASan watches). */
	srand(99);
	for (int i = 0; i < 20000; i++) {
		size_t n = (size_t)(rand() % 3000);

		for (size_t j = 0; j < n; j++)
			pkt[j] = (uint8_t)rand();
		if (n && rand() % 2)
			pkt[0] = (uint8_t)(rand() % 2 ? 0x45 + rand() % 4 : 0x60);
		bad.flags = (uint8_t)(rand() % 4);
		bad.gso_type = (uint8_t)(rand() % 6 | (rand() % 2 ? 0x80 : 0));
		bad.gso_size = (uint16_t)(rand() % 1500);
		bad.csum_start = (uint16_t)(rand() % 80);
		bad.csum_offset = (uint16_t)(rand() % 20);
		bad.hdr_len = (uint16_t)(rand() % 100);
		int r = tw_vnet_split(&bad, pkt, n, o.p, SEG_CAP, o.len, MAXSEG);
		assert_true(r == -EINVAL || r == -ENOBUFS || r == -EPROTONOSUPPORT ||
			    (r >= 1 && r <= MAXSEG));
	}
	segs_free(&o);
}

/* ---- GRO ---- */

/* Flattens write i into buf; returns its length. */
static size_t flatten(struct tw_gro *g, size_t i, struct virtio_net_hdr *vh, uint8_t *buf)
{
	int cnt;
	const struct iovec *iov = tw_gro_iov(g, i, &cnt);
	size_t len = 0;

	assert_true(cnt >= 2);
	assert_int_equal(iov[0].iov_len, sizeof(*vh));
	memcpy(vh, iov[0].iov_base, sizeof(*vh));
	for (int k = 1; k < cnt; k++) {
		memcpy(buf + len, iov[k].iov_base, iov[k].iov_len);
		len += iov[k].iov_len;
	}
	return len;
}

struct batch {
	uint8_t *p[MAXSEG];
	size_t len[MAXSEG];
	uint8_t *orig[MAXSEG];
	size_t n;
};

static void batch_add(struct batch *b, const uint8_t *pkt, size_t len)
{
	b->p[b->n] = malloc(len);
	b->orig[b->n] = malloc(len);
	memcpy(b->p[b->n], pkt, len);
	memcpy(b->orig[b->n], pkt, len);
	b->len[b->n++] = len;
}

static void batch_free(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free(b->p[i]);
		free(b->orig[i]);
	}
	b->n = 0;
}

/*
 * Coalesces, then checks each write: a plain packet is an input unchanged; a
 * super-packet re-splits into exactly its inputs. And inputs come out in
 * order within each flow. Returns the number of writes.
 */
static int gro_and_check(struct batch *b, unsigned flags)
{
	static uint8_t buf[70000];
	struct tw_gro *g;
	struct segs o;
	size_t next = 0, used[MAXSEG] = {0}, n_used = 0;
	int writes;

	segs_alloc(&o);
	assert_int_equal(tw_gro_new(MAXSEG, &g), 0);
	writes = tw_gro_batch(g, b->p, b->len, b->n, flags);
	assert_true(writes > 0);
	for (int i = 0; i < writes; i++) {
		struct virtio_net_hdr vh;
		size_t len = flatten(g, (size_t)i, &vh, buf), cnt = tw_gro_count(g, (size_t)i);
		int n;

		if (cnt == 1) {
			assert_int_equal(vh.gso_type, VIRTIO_NET_HDR_GSO_NONE);
			assert_int_equal(vh.flags, 0);
		} else {
			assert_int_equal(vh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
			assert_true(vh.gso_type != VIRTIO_NET_HDR_GSO_NONE);
			assert_true(len <= 65535);
			/* The field holds what the kernel expects: completing it gives a valid sum.
			 */
			static uint8_t copy[70000];
			memcpy(copy, buf, len);
			assert_int_equal(tw_vnet_csum_complete(&vh, copy, len), 0);
			assert_true(csum_valid(copy, len));
			assert_int_equal(vh.hdr_len,
					 l4_off(buf) +
					     (l4_proto(buf) == IPPROTO_TCP
						  ? (size_t)(buf[l4_off(buf) + 12] >> 4) * 4
						  : 8));
		}
		n = tw_vnet_split(&vh, buf, len, o.p, SEG_CAP, o.len, MAXSEG);
		assert_int_equal(n, (int)cnt);
		/* Each segment equals some not yet used input, taken in input order per flow. */
		for (int k = 0; k < n; k++) {
			size_t j;

			for (j = 0; j < b->n; j++) {
				bool taken = false;

				for (size_t u = 0; u < n_used; u++)
					taken |= used[u] == j;
				if (!taken && b->len[j] == o.len[k] &&
				    !memcmp(b->orig[j], o.p[k], o.len[k]))
					break;
			}
			assert_true(j < b->n);
			used[n_used++] = j;
		}
		next += cnt;
	}
	assert_int_equal(next, b->n);
	tw_gro_free(g);
	segs_free(&o);
	return writes;
}

/* Appends the segments of a flow's super-packet to the batch, every step-th. */
static void add_flow(struct batch *b, struct spec sp, size_t plen, unsigned mss)
{
	struct segs o;
	int n;

	segs_alloc(&o);
	n = split_and_check(&sp, plen, mss, &o);
	for (int k = 0; k < n; k++)
		batch_add(b, o.p[k], o.len[k]);
	segs_free(&o);
}

static void test_gro_mixed_flows(void **state)
{
	struct batch b = {0}, s1 = {0}, s2 = {0};
	struct spec f1 = {.v = 4,
			  .proto = IPPROTO_TCP,
			  .tcpopt = 12,
			  .sport = 5201,
			  .dport = 40000,
			  .ip_id = 100,
			  .seq = 1000,
			  .ack = 1,
			  .flags = 0x10,
			  .src_last = 1};
	struct spec f2 = f1, f3 = {.v = 6,
				   .proto = IPPROTO_TCP,
				   .sport = 7,
				   .dport = 8,
				   .seq = 0xffffff00,
				   .ack = 9,
				   .flags = 0x18,
				   .src_last = 5};
	struct spec u1 = {
	    .v = 4, .proto = IPPROTO_UDP, .sport = 9, .dport = 10, .ip_id = 3, .src_last = 6};

	f2.sport = 5202; /* another flow between the same hosts */
	add_flow(&s1, f1, 1368 * 5, 1368);
	add_flow(&s2, f2, 1368 * 4 + 100, 1368);
	/* Interleave the two TCP flows. */
	for (size_t i = 0; i < 5; i++) {
		batch_add(&b, s1.p[i], s1.len[i]);
		batch_add(&b, s2.p[i], s2.len[i]);
	}
	add_flow(&b, f3, 1348 * 3 + 1, 1348);
	add_flow(&b, u1, 1000 * 4, 1000);
	/* Two TCPv4 flows, one TCPv6 flow: 3 writes; UDP not asked for: 4 more. */
	assert_int_equal(gro_and_check(&b, TW_GRO_TCP), 3 + 4);
	for (size_t i = 0; i < b.n; i++)
		memcpy(b.p[i], b.orig[i], b.len[i]);
	assert_int_equal(gro_and_check(&b, TW_GRO_TCP | TW_GRO_UDP), 4);
	for (size_t i = 0; i < b.n; i++)
		memcpy(b.p[i], b.orig[i], b.len[i]);
	assert_int_equal(gro_and_check(&b, 0), (int)b.n);
	batch_free(&b);
	batch_free(&s1);
	batch_free(&s2);
}

static void test_gro_not_coalesced(void **state)
{
	struct batch b = {0};
	struct spec opt = {.v = 4,
			   .proto = IPPROTO_TCP,
			   .ipopt = 4,
			   .sport = 1,
			   .dport = 2,
			   .ip_id = 1,
			   .seq = 0,
			   .ack = 1,
			   .flags = 0x10,
			   .src_last = 1};
	struct spec ext = {.v = 6,
			   .proto = IPPROTO_TCP,
			   .ext6 = true,
			   .sport = 1,
			   .dport = 2,
			   .seq = 0,
			   .ack = 1,
			   .flags = 0x10,
			   .src_last = 1};
	struct spec tcp = {.v = 4,
			   .proto = IPPROTO_TCP,
			   .sport = 3,
			   .dport = 4,
			   .ip_id = 1,
			   .seq = 0,
			   .ack = 1,
			   .flags = 0x10,
			   .src_last = 1};
	uint8_t pkt[2000];
	size_t len;

	/* IPv4 options and IPv6 extension headers: passed through one by one. */
	add_flow(&b, opt, 3000, 1000);
	add_flow(&b, ext, 3000, 1000);
	assert_int_equal(gro_and_check(&b, TW_GRO_TCP), 6);
	batch_free(&b);

	/* A corrupted checksum in the middle: it goes alone, and splits the flow. */
	add_flow(&b, tcp, 5000, 1000);
	b.p[2][30] ^= 0xff;
	b.orig[2][30] ^= 0xff;
	assert_int_equal(gro_and_check(&b, TW_GRO_TCP), 3);
	batch_free(&b);

	/* A sequence gap, a short segment, a PSH: each ends a super-packet. */
	for (int i = 0; i < 6; i++) {
		struct spec s = tcp;

		s.seq = (uint32_t)(i * 1000 + (i >= 3 ? 5000 : 0));
		s.ip_id = (uint16_t)(1 + i);
		len = build(pkt, &s, 1000, (unsigned)i);
		batch_add(&b, pkt, len);
	}
	assert_int_equal(gro_and_check(&b, TW_GRO_TCP), 2);
	batch_free(&b);
	for (int i = 0; i < 4; i++) {
		struct spec s = tcp;

		s.seq = (uint32_t)(i * 1000);
		s.ip_id = (uint16_t)(1 + i);
		s.flags = i == 1 ? 0x18 : 0x10;
		len = build(pkt, &s, 1000, (unsigned)i);
		batch_add(&b, pkt, len);
	}
	assert_int_equal(gro_and_check(&b, TW_GRO_TCP), 2);
	batch_free(&b);
	/* A FIN in the flow: alone, and later segments do not jump over it. */
	for (int i = 0; i < 4; i++) {
		struct spec s = tcp;

		s.seq = (uint32_t)(i * 1000);
		s.ip_id = (uint16_t)(1 + i);
		s.flags = i == 2 ? 0x11 : 0x10;
		len = build(pkt, &s, 1000, (unsigned)i);
		batch_add(&b, pkt, len);
	}
	assert_int_equal(gro_and_check(&b, TW_GRO_TCP), 3);
	batch_free(&b);
	/* Different TTL: not the same flow for GRO. */
	for (int i = 0; i < 3; i++) {
		struct spec s = tcp;

		s.seq = (uint32_t)(i * 1000);
		s.ip_id = (uint16_t)(1 + i);
		len = build(pkt, &s, 1000, (unsigned)i);
		if (i == 1) {
			pkt[8] = 63;
			set_csums(pkt, len);
		}
		batch_add(&b, pkt, len);
	}
	assert_int_equal(gro_and_check(&b, TW_GRO_TCP), 3);
	batch_free(&b);
}

static void test_gro_limits(void **state)
{
	struct batch b = {0};
	struct spec tcp = {.v = 4,
			   .proto = IPPROTO_TCP,
			   .sport = 3,
			   .dport = 4,
			   .ip_id = 1,
			   .seq = 0,
			   .ack = 1,
			   .flags = 0x10,
			   .src_last = 1};
	struct spec udp = {.v = 6, .proto = IPPROTO_UDP, .sport = 3, .dport = 4, .src_last = 1};

	/* 70 segments of 1400: the 64 KiB limit cuts them into 2 writes. */
	add_flow(&b, tcp, 1400 * 35, 1400);
	tcp.seq += 1400 * 35;
	tcp.ip_id += 35;
	add_flow(&b, tcp, 1400 * 35, 1400);
	assert_int_equal(gro_and_check(&b, TW_GRO_TCP), 2);
	batch_free(&b);
	/* 100 tiny datagrams: at most 64 per write. */
	add_flow(&b, udp, 10 * 100, 10);
	assert_int_equal(gro_and_check(&b, TW_GRO_UDP), 2);
	batch_free(&b);
	/* More packets than the coalescer was made for. */
	struct tw_gro *g;
	assert_int_equal(tw_gro_new(4, &g), 0);
	assert_int_equal(tw_gro_batch(g, NULL, NULL, 5, TW_GRO_TCP), -EINVAL);
	tw_gro_free(g);
	tw_gro_free(NULL);
}

static void test_gro_random(void **state)
{
	static uint8_t pkt[2000];
	size_t in = 0, out = 0;

	srand(7);
	for (int round = 0; round < 60; round++) {
		struct batch b = {0};
		struct spec flows[5];
		uint32_t seq[5] = {0};

		for (int f = 0; f < 5; f++) {
			flows[f] = (struct spec){.v = f % 2 ? 6 : 4,
						 .proto = f == 4 ? IPPROTO_UDP : IPPROTO_TCP,
						 .sport = (uint16_t)(100 + f),
						 .dport = 80,
						 .ip_id = (uint16_t)(f * 1000),
						 .ack = 5,
						 .flags = 0x10,
						 .src_last = (uint8_t)f};
			seq[f] = (uint32_t)rand();
		}
		while (b.n < MAXSEG) {
			int f = rand() % 5;
			size_t plen = rand() % 4 ? 1200 : (size_t)(rand() % 1200 + 1);
			struct spec s = flows[f];

			s.seq = seq[f] + (rand() % 20 == 0 ? 1 : 0);
			s.flags = rand() % 15 == 0 ? 0x18 : rand() % 40 == 0 ? 0x11 : 0x10;
			batch_add(&b, pkt, build(pkt, &s, plen, (unsigned)rand()));
			seq[f] = s.seq + (uint32_t)plen;
			flows[f].ip_id++;
		}
		out += (size_t)gro_and_check(&b, TW_GRO_TCP | TW_GRO_UDP);
		in += b.n;
		batch_free(&b);
	}
	/* It did coalesce (short segments, pushes and gaps end super-packets). */
	print_message("%zu packets, %zu writes\n", in, out);
	assert_true(out * 2 < in);
}

/*
 * A bulk TCP stream fed through a 64-packet buffer as tapwire-wg's receive
 * path feeds it: with tw_gro_batch_more() while more is to come, every write
 * but the last is a full super-packet (47 segments of 1380 bytes fill 64
 * KiB), none is cut at the buffer's edge, the held packets are untouched,
 * and the stream comes out whole and in order.
 */
static void test_gro_more_stream(void **state)
{
	enum { BUF = 64 };
	static uint8_t buf[70000];
	struct spec tcp = {.v = 4,
			   .proto = IPPROTO_TCP,
			   .sport = 3,
			   .dport = 4,
			   .ip_id = 1,
			   .ack = 1,
			   .flags = 0x10,
			   .src_last = 1};
	struct batch all = {0};
	uint8_t *p[BUF];
	size_t len[BUF], idx[BUF], n = 0, next_in = 0, next_out = 0, held, rounds = 0;
	struct tw_gro *g;
	struct segs o;

	for (int k = 0; k < 3; k++) {
		add_flow(&all, tcp, 1380 * 40, 1380);
		tcp.seq += 1380 * 40;
		tcp.ip_id += 40;
	}
	segs_alloc(&o);
	assert_int_equal(tw_gro_new(BUF, &g), 0);
	while (next_out < all.n) {
		bool more;
		int writes;

		for (; n < BUF && next_in < all.n; n++, next_in++) {
			p[n] = all.p[next_in];
			len[n] = all.len[next_in];
			idx[n] = next_in;
		}
		more = next_in < all.n;
		held = 0;
		writes = more ? tw_gro_batch_more(g, p, len, n, TW_GRO_TCP, &held)
			      : tw_gro_batch(g, p, len, n, TW_GRO_TCP);
		assert_true(writes > 0);
		for (int i = 0; i < writes; i++) {
			struct virtio_net_hdr vh;
			size_t flat = flatten(g, (size_t)i, &vh, buf);
			int segs = tw_vnet_split(&vh, buf, flat, o.p, SEG_CAP, o.len, MAXSEG);

			assert_int_equal(segs, (int)tw_gro_count(g, (size_t)i));
			if (more)
				assert_int_equal(segs, 47);
			for (int k = 0; k < segs; k++, next_out++) {
				assert_int_equal(o.len[k], all.len[next_out]);
				assert_memory_equal(o.p[k], all.orig[next_out], o.len[k]);
			}
		}
		for (size_t k = n - held; k < n; k++)
			assert_memory_equal(p[k], all.orig[idx[k]], len[k]);
		memmove(p, p + n - held, held * sizeof(p[0]));
		memmove(len, len + n - held, held * sizeof(len[0]));
		memmove(idx, idx + n - held, held * sizeof(idx[0]));
		n = held;
		rounds++;
	}
	/* 120 packets: 47 + 47 + the last 26 */
	assert_int_equal(next_out, 120);
	assert_int_equal(rounds, 3);
	tw_gro_free(g);
	segs_free(&o);
	batch_free(&all);
}

/* What tw_gro_batch_more() holds back: only an open super-packet that ends the batch. */
static void test_gro_more_cases(void **state)
{
	struct spec f1 = {.v = 4,
			  .proto = IPPROTO_TCP,
			  .sport = 5,
			  .dport = 6,
			  .ip_id = 1,
			  .ack = 1,
			  .flags = 0x10,
			  .src_last = 1};
	struct spec f2 = f1, fin = f1;
	struct batch s1 = {0}, s2 = {0}, b = {0};
	struct tw_gro *g;
	size_t held;

	f2.sport = 7;
	add_flow(&s1, f1, 1000 * 5, 1000);
	add_flow(&s2, f2, 1000 * 5, 1000);
	assert_int_equal(tw_gro_new(MAXSEG, &g), 0);

	/* flow 1 then flow 2: flow 2's super-packet ends the batch and is held */
	for (size_t i = 0; i < 5; i++)
		batch_add(&b, s1.p[i], s1.len[i]);
	for (size_t i = 0; i < 5; i++)
		batch_add(&b, s2.p[i], s2.len[i]);
	assert_int_equal(tw_gro_batch_more(g, b.p, b.len, b.n, TW_GRO_TCP, &held), 1);
	assert_int_equal(held, 5);
	assert_int_equal(tw_gro_count(g, 0), 5);
	for (size_t i = 5; i < 10; i++)
		assert_memory_equal(b.p[i], b.orig[i], b.len[i]);
	batch_free(&b);

	/* interleaved flows: the last super-packet is not the batch's tail, nothing held */
	for (size_t i = 0; i < 5; i++) {
		batch_add(&b, s1.p[i], s1.len[i]);
		batch_add(&b, s2.p[i], s2.len[i]);
	}
	assert_int_equal(tw_gro_batch_more(g, b.p, b.len, b.n, TW_GRO_TCP, &held), 2);
	assert_int_equal(held, 0);
	batch_free(&b);

	/* one super-packet only: written, since a write must be made */
	for (size_t i = 0; i < 5; i++)
		batch_add(&b, s1.p[i], s1.len[i]);
	assert_int_equal(tw_gro_batch_more(g, b.p, b.len, b.n, TW_GRO_TCP, &held), 1);
	assert_int_equal(held, 0);
	batch_free(&b);

	/* a closed tail (its last segment pushes) is written too */
	fin.sport = 9;
	fin.flags = 0x18;
	for (size_t i = 0; i < 5; i++)
		batch_add(&b, s1.p[i], s1.len[i]);
	add_flow(&b, fin, 1000 * 3, 1000);
	assert_int_equal(tw_gro_batch_more(g, b.p, b.len, b.n, TW_GRO_TCP, &held), 2);
	assert_int_equal(held, 0);

	/* too many packets */
	assert_int_equal(tw_gro_batch_more(g, b.p, b.len, MAXSEG + 1, TW_GRO_TCP, &held), -EINVAL);
	batch_free(&b);
	batch_free(&s1);
	batch_free(&s2);
	tw_gro_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_split_tcp),	      cmocka_unit_test(test_split_udp),
	    cmocka_unit_test(test_split_no_gso),      cmocka_unit_test(test_csum_random),
	    cmocka_unit_test(test_split_refusals),    cmocka_unit_test(test_gro_mixed_flows),
	    cmocka_unit_test(test_gro_not_coalesced), cmocka_unit_test(test_gro_limits),
	    cmocka_unit_test(test_gro_random),	      cmocka_unit_test(test_gro_more_stream),
	    cmocka_unit_test(test_gro_more_cases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
