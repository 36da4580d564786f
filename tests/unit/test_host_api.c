// SPDX-License-Identifier: MIT
/*
 * libtapwire-host without a device: the host on one end of a datagram
 * socketpair, this test on the other, playing the network. Arguments the
 * library must refuse; a DHCP exchange (offer, request, ack, the address
 * taken; a nak); hostile DHCP replies ignored; ARP and ICMP answered (a
 * truncated ARP frame not); a reply goes to the MAC its request came from.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "host_internal.h"

static struct tw_host *h;
static int net; /* the test's end */
static const uint8_t MAC[6] = {2, 0, 0x5e, 0x10, 0x71, 1};
static const uint8_t SRV_MAC[6] = {2, 0, 0x5e, 0x10, 0x71, 0xfe};

static int setup(void **state)
{
	struct tw_host_config cfg = {.dev = TW_HOST_TAP};
	int sv[2], err;

	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv), 0);
	memcpy(cfg.mac, MAC, 6);
	cfg.fd = sv[0];
	net = sv[1];
	h = tw_host_open(&cfg, &err);
	assert_non_null(h);
	return 0;
}

static int teardown(void **state)
{
	int fd = tw_host_fd(h);

	tw_host_close(h);
	close(fd);
	close(net);
	return 0;
}

/* The next frame the host sent, or 0 bytes. */
static size_t take(uint8_t *buf, size_t len)
{
	ssize_t n = recv(net, buf, len, 0);

	return n < 0 ? 0 : (size_t)n;
}

static void drain(void)
{
	uint8_t b[2048];

	while (take(b, sizeof(b)))
		;
}

static void resolved(void *arg, int err, const struct sockaddr *sa)
{
}

static void test_refusals(void **state)
{
	struct tw_host_config cfg = {.dev = TW_HOST_TAP, .fd = 0};
	struct in_addr a, gw;
	struct in6_addr a6 = {{{0xfd, 0, 0, 4, [15] = 9}}};
	int err;

	assert_null(tw_host_open(&cfg, &err));
	assert_int_equal(err, -EBUSY); /* one host per process */
	a.s_addr = htonl(0xc6336400);  /* 198.51.100.0/24: the network's own */
	assert_int_equal(tw_host_addr4(h, &a, 24, NULL), -EINVAL);
	a.s_addr = htonl(0xc63364ff); /* its broadcast */
	assert_int_equal(tw_host_addr4(h, &a, 24, NULL), -EINVAL);
	a.s_addr = htonl(0xe0000001); /* multicast */
	assert_int_equal(tw_host_addr4(h, &a, 24, NULL), -EINVAL);
	a.s_addr = htonl(0xc6336409);
	gw.s_addr = htonl(0xcb007101); /* 203.0.113.1: off the network */
	assert_int_equal(tw_host_addr4(h, &a, 24, &gw), -ENETUNREACH);
	assert_int_equal(tw_host_addr6(h, &a6, 48), -EINVAL);
	assert_int_equal(tw_host_get_addr4(h, &a, NULL, NULL), -EAGAIN);
	assert_int_equal(tw_host_resolve(h, "example", AF_INET, NULL, NULL), -EINVAL);
	assert_int_equal(tw_host_resolve(h, "a..b", AF_INET6, resolved, NULL), -EDESTADDRREQ);
}

static uint32_t xid_of(const uint8_t *f)
{
	uint32_t x;

	memcpy(&x, f + 14 + 20 + 8 + 4, 4);
	return x;
}

static uint8_t dhcp_type_of(const uint8_t *f, size_t len)
{
	const uint8_t *o = f + 14 + 20 + 8 + 240, *end = f + len;

	while (o + 2 <= end && *o != 255) {
		if (*o == 0) {
			o++;
			continue;
		}
		if (o[0] == 53 && o[1] == 1)
			return o[2];
		o += 2 + o[1];
	}
	return 0;
}

static uint8_t server_id = 1; /* the server identifier option: 198.51.100.N, 0: none */

/* A server's reply to the host: Ethernet broadcast, IPv4 198.51.100.1 -> 255.255.255.255. */
static void reply(uint32_t xid, uint8_t type, uint32_t yiaddr, const uint8_t *extra,
		  size_t extra_len)
{
	uint8_t f[600] = {0}, *ip = f + 14, *udp = ip + 20, *b = udp + 8, *o = b + 240;
	size_t len, ulen;
	uint16_t sum;

	memset(f, 0xff, 6);
	memcpy(f + 6, SRV_MAC, 6);
	f[12] = 8;
	b[0] = 2;
	b[1] = 1;
	b[2] = 6;
	memcpy(b + 4, &xid, 4);
	yiaddr = htonl(yiaddr);
	memcpy(b + 16, &yiaddr, 4);
	memcpy(b + 28, MAC, 6);
	b[236] = 0x63, b[237] = 0x82, b[238] = 0x53, b[239] = 0x63;
	*o++ = 53, *o++ = 1, *o++ = type;
	if (server_id)
		*o++ = 54, *o++ = 4, *o++ = 198, *o++ = 51, *o++ = 100, *o++ = server_id;
	if (extra_len)
		memcpy(o, extra, extra_len);
	o += extra_len;
	*o++ = 255;
	len = (size_t)(o - f);
	ulen = len - 14 - 20;
	ip[0] = 0x45;
	ip[2] = (uint8_t)((len - 14) >> 8), ip[3] = (uint8_t)(len - 14);
	ip[8] = 64;
	ip[9] = 17;
	ip[12] = 198, ip[13] = 51, ip[14] = 100, ip[15] = 1;
	memset(ip + 16, 0xff, 4);
	sum = twh_csum(ip, 20, 0);
	ip[10] = (uint8_t)(sum >> 8), ip[11] = (uint8_t)sum;
	udp[1] = 67, udp[3] = 68;
	udp[4] = (uint8_t)(ulen >> 8), udp[5] = (uint8_t)ulen;
	twh_input(h, f, len);
}

static void test_dhcp(void **state)
{
	static const uint8_t opts[] = {1,  4, 255, 255, 255,  0,    3, 4, 198, 51, 100, 1,
				       51, 4, 0,   0,	0x0e, 0x10, 6, 4, 198, 51, 100, 1};
	static const uint8_t truncated[] = {1, 40, 255};
	uint8_t f[2048];
	struct in_addr a, gw;
	unsigned plen;
	uint32_t xid;
	size_t n;

	drain();
	assert_int_equal(tw_host_dhcp_start(h), 0);
	assert_int_equal(tw_host_dhcp_start(h), -EALREADY);
	n = take(f, sizeof(f));
	assert_true(n >= 14 + 20 + 8 + 300);
	assert_memory_equal(f, "\xff\xff\xff\xff\xff\xff", 6);
	assert_int_equal(dhcp_type_of(f, n), 1); /* DISCOVER */
	assert_int_equal(twh_csum(f + 14, 20, 0), 0);
	xid = xid_of(f);

	reply(xid ^ 1, 2, 0xc6336478, opts, sizeof(opts)); /* another xid: ignored */
	assert_int_equal(take(f, sizeof(f)), 0);
	reply(xid, 2, 0xc6336478, truncated, sizeof(truncated)); /* bad option: ignored */
	assert_int_equal(take(f, sizeof(f)), 0);
	reply(xid, 2, 0x7f000001, opts, sizeof(opts)); /* 127.0.0.1 offered: ignored */
	assert_int_equal(take(f, sizeof(f)), 0);

	reply(xid, 2, 0xc6336478, opts, sizeof(opts)); /* OFFER 198.51.100.120 */
	n = take(f, sizeof(f));
	assert_int_equal(dhcp_type_of(f, n), 3); /* REQUEST */
	assert_int_equal(tw_host_get_addr4(h, &a, NULL, NULL), -EAGAIN);
	server_id = 2; /* an ACK from a server not chosen: ignored */
	reply(xid, 5, 0xc6336478, opts, sizeof(opts));
	server_id = 0; /* an ACK or a NAK naming no server: ignored */
	reply(xid, 5, 0xc6336478, opts, sizeof(opts));
	reply(xid, 6, 0, NULL, 0);
	server_id = 2; /* a NAK from another server: ignored */
	reply(xid, 6, 0, NULL, 0);
	assert_int_equal(take(f, sizeof(f)), 0); /* no DISCOVER: still requesting */
	assert_int_equal(tw_host_get_addr4(h, &a, NULL, NULL), -EAGAIN);
	server_id = 1;
	reply(xid, 5, 0xc6336478, opts, sizeof(opts)); /* ACK */
	assert_int_equal(tw_host_get_addr4(h, &a, &plen, &gw), 0);
	assert_int_equal(ntohl(a.s_addr), 0xc6336478);
	assert_int_equal(plen, 24);
	assert_int_equal(ntohl(gw.s_addr), 0xc6336401);
	assert_int_equal(h->n_dns, 1);
}

/* ARP for the leased address and a ping to it are answered */
static void test_arp_icmp(void **state)
{
	uint8_t f[128] = {0}, r[2048];
	size_t n;
	uint16_t sum;

	drain();
	memset(f, 0xff, 6);
	memcpy(f + 6, SRV_MAC, 6);
	f[12] = 8, f[13] = 6;
	f[14] = 0, f[15] = 1, f[16] = 8, f[17] = 0, f[18] = 6, f[19] = 4, f[20] = 0, f[21] = 1;
	memcpy(f + 22, SRV_MAC, 6);
	f[28] = 198, f[29] = 51, f[30] = 100, f[31] = 1;
	f[38] = 198, f[39] = 51, f[40] = 100, f[41] = 120;
	twh_input(h, f, 42);
	n = take(r, sizeof(r));
	assert_int_equal(n >= 42, 1);
	assert_int_equal(r[21], 2); /* ARP reply */
	assert_memory_equal(r + 22, MAC, 6);
	/* The same request one byte short is dropped, not read past its end
	 * (lwIP's etharp_input trusts the driver for the length; here the
	 * missing byte would be whatever the last frame's buffer left). */
	twh_input(h, f, 41);
	twh_input(h, f, 14 + 8);
	assert_int_equal(take(r, sizeof(r)), 0);
	twh_input(h, f, 42);
	assert_int_equal(take(r, sizeof(r)), 42);
	drain();

	memset(f, 0, sizeof(f));
	memcpy(f, MAC, 6);
	memcpy(f + 6, SRV_MAC, 6);
	f[12] = 8;
	f[14] = 0x45, f[17] = 28 + 8, f[22] = 64, f[23] = 1;
	f[26] = 198, f[27] = 51, f[28] = 100, f[29] = 1;
	f[30] = 198, f[31] = 51, f[32] = 100, f[33] = 120;
	sum = twh_csum(f + 14, 20, 0);
	f[24] = (uint8_t)(sum >> 8), f[25] = (uint8_t)sum;
	f[34] = 8; /* echo request */
	memcpy(f + 42, "tapwire!", 8);
	sum = twh_csum(f + 34, 16, 0);
	f[36] = (uint8_t)(sum >> 8), f[37] = (uint8_t)sum;
	twh_input(h, f, 14 + 36);
	n = take(r, sizeof(r));
	assert_true(n >= 14 + 36);
	assert_int_equal(r[34], 0); /* echo reply */
	assert_memory_equal(r + 42, "tapwire!", 8);

	/* the same ping from our own address is never answered (loopback) */
	f[26] = 198, f[27] = 51, f[28] = 100, f[29] = 120;
	twh_input(h, f, 14 + 36);
	assert_int_equal(take(r, sizeof(r)), 0);
}

/* An echo request from 198.51.100.@src (MAC @smac) to the leased address, sent to @dmac. */
static size_t ping_frame(uint8_t *f, const uint8_t dmac[6], const uint8_t smac[6], uint8_t src)
{
	uint16_t sum;

	memset(f, 0, 14 + 36);
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	f[12] = 8;
	f[14] = 0x45, f[17] = 28 + 8, f[22] = 64, f[23] = 1;
	f[26] = 198, f[27] = 51, f[28] = 100, f[29] = src;
	f[30] = 198, f[31] = 51, f[32] = 100, f[33] = 120;
	sum = twh_csum(f + 14, 20, 0);
	f[24] = (uint8_t)(sum >> 8), f[25] = (uint8_t)sum;
	f[34] = 8;
	memcpy(f + 42, "neighbour", 8);
	sum = twh_csum(f + 34, 16, 0);
	f[36] = (uint8_t)(sum >> 8), f[37] = (uint8_t)sum;
	return 14 + 36;
}

/*
 * A ping from an on-link host never heard before is answered at once, to
 * the MAC it came from, with no ARP request first; the same from a frame not
 * sent to our MAC alone teaches nothing, and lwIP asks by ARP.
 */
static void test_neighbour(void **state)
{
	static const uint8_t A_MAC[6] = {2, 0, 0x5e, 0x10, 0x71, 7};
	static const uint8_t B_MAC[6] = {2, 0, 0x5e, 0x10, 0x71, 8};
	static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint8_t f[128], r[2048];
	size_t n;

	drain();
	twh_input(h, f, ping_frame(f, MAC, A_MAC, 7));
	n = take(r, sizeof(r));
	assert_true(n >= 14 + 36);
	assert_memory_equal(r, A_MAC, 6);
	assert_int_equal(r[12] << 8 | r[13], 0x0800);
	assert_int_equal(r[34], 0); /* the echo reply itself */
	assert_int_equal(take(r, sizeof(r)), 0);

	/* an IPv6 packet from ::ffff:198.51.100.8 teaches nothing about 198.51.100.8 */
	{
		uint8_t g[14 + 48] = {0};

		memcpy(g, MAC, 6);
		memcpy(g + 6, A_MAC, 6);
		g[12] = 0x86, g[13] = 0xdd;
		g[14] = 0x60, g[19] = 8, g[20] = 17, g[21] = 64;
		g[14 + 18] = g[14 + 19] = 0xff;
		g[14 + 20] = 198, g[14 + 21] = 51, g[14 + 22] = 100, g[14 + 23] = 8;
		g[14 + 24] = 0xfe, g[14 + 25] = 0x80, g[14 + 39] = 1;
		twh_input(h, g, sizeof(g));
		drain();
	}
	twh_input(h, f, ping_frame(f, BCAST, B_MAC, 8));
	n = take(r, sizeof(r));
	assert_true(n >= 42);
	assert_int_equal(r[12] << 8 | r[13], 0x0806); /* an ARP request for .8 */
	assert_int_equal(r[21], 1);
	assert_int_equal(r[41], 8);
	drain();
}

static int dns_err = 1;
static struct sockaddr_in dns_addr;

static void dns_done(void *arg, int err, const struct sockaddr *sa)
{
	dns_err = err;
	if (!err)
		memcpy(&dns_addr, sa, sizeof(dns_addr));
}

/* A UDP datagram from 198.51.100.@src:@sport to the leased address's @dport. */
static size_t udp_frame(uint8_t *f, uint8_t src, uint16_t sport, uint16_t dport, const void *data,
			size_t len)
{
	uint8_t *ip = f + 14, *udp = ip + 20;
	uint16_t sum;

	memset(f, 0, 14 + 28);
	memcpy(f, MAC, 6);
	memcpy(f + 6, SRV_MAC, 6);
	f[12] = 8;
	ip[0] = 0x45;
	ip[2] = (uint8_t)((28 + len) >> 8), ip[3] = (uint8_t)(28 + len);
	ip[8] = 64, ip[9] = 17;
	ip[12] = 198, ip[13] = 51, ip[14] = 100, ip[15] = src;
	ip[16] = 198, ip[17] = 51, ip[18] = 100, ip[19] = 120;
	sum = twh_csum(ip, 20, 0);
	ip[10] = (uint8_t)(sum >> 8), ip[11] = (uint8_t)sum;
	udp[0] = (uint8_t)(sport >> 8), udp[1] = (uint8_t)sport;
	udp[2] = (uint8_t)(dport >> 8), udp[3] = (uint8_t)dport;
	udp[4] = (uint8_t)((8 + len) >> 8), udp[5] = (uint8_t)(8 + len); /* checksum 0: none */
	memcpy(udp + 8, data, len);
	return 14 + 28 + len;
}

/*
 * The stub resolver takes an answer only from the server it asked, at port
 * 53, repeating its question: a spoofed answer from another address, or one
 * to another question with the right ID, changes nothing.
 */
static void test_dns_answer(void **state)
{
	uint8_t f[600], q[600], a[600];
	uint16_t qport;
	size_t n, qlen, alen;

	drain();
	assert_int_equal(tw_host_resolve(h, "tw.example", AF_INET, dns_done, NULL), 0);
	n = take(q, sizeof(q));
	assert_true(n > 14 + 28 + 12);
	assert_int_equal(q[14 + 9], 17);
	assert_memory_equal(q + 14 + 16, "\xc6\x33\x64\x01", 4); /* to the DHCP server's DNS */
	qport = (uint16_t)(q[14 + 20] << 8 | q[14 + 21]);
	qlen = n - 14 - 28;
	/* the answer: the query, QR set, one A record 198.51.100.77 */
	memcpy(a, q + 14 + 28, qlen);
	a[2] |= 0x80;
	a[7] = 1;
	alen = qlen;
	memcpy(a + alen, "\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\xc6\x33\x64\x4d", 16);
	alen += 16;

	twh_input(h, f, udp_frame(f, 66, 53, qport, a, alen)); /* from 198.51.100.66 */
	assert_int_equal(dns_err, 1);
	twh_input(h, f, udp_frame(f, 1, 5353, qport, a, alen)); /* the server, another port */
	assert_int_equal(dns_err, 1);
	a[12 + 1] ^= 0x20; /* "Tw.example": the same question, case aside ... */
	a[12 + 4] ^= 1;	   /* ... but "tw.eyample": another one */
	twh_input(h, f, udp_frame(f, 1, 53, qport, a, alen));
	assert_int_equal(dns_err, 1);
	a[12 + 4] ^= 1;
	twh_input(h, f, udp_frame(f, 1, 53, qport, a, alen));
	assert_int_equal(dns_err, 0);
	assert_int_equal(ntohl(dns_addr.sin_addr.s_addr), 0xc633644d);
	drain();
}

/* lwIP takes its initial sequence numbers from guard.c's tcp_next_iss() */
extern unsigned twh_isn_calls;
static void test_isn(void **state)
{
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(80)};
	struct tw_host_conn *c;
	unsigned before = twh_isn_calls;
	int err;

	to.sin_addr.s_addr = htonl(0xc6336407);
	c = tw_host_tcp_connect(h, (struct sockaddr *)&to, &(struct tw_host_tcp_ops){0}, NULL,
				&err);
	assert_non_null(c);
	assert_int_equal(twh_isn_calls, before + 1);
	tw_host_conn_abort(c);
	drain();
}

static void test_release(void **state)
{
	uint8_t f[2048];
	struct in_addr a;
	size_t n;

	drain();
	reply(0x12345678, 6, 0, NULL, 0); /* a NAK for another client's xid: ignored */
	assert_int_equal(tw_host_get_addr4(h, &a, NULL, NULL), 0);
	twh_dhcp_stop(h); /* bound: a RELEASE goes out */
	n = take(f, sizeof(f));
	assert_int_equal(dhcp_type_of(f, n), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_refusals),   cmocka_unit_test(test_dhcp),
	    cmocka_unit_test(test_arp_icmp),   cmocka_unit_test(test_neighbour),
	    cmocka_unit_test(test_dns_answer), cmocka_unit_test(test_isn),
	    cmocka_unit_test(test_release),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
