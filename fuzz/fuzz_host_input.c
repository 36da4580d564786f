// SPDX-License-Identifier: MIT
/*
 * Frames from the wire into tapwire-host's stack (the TAP input path: our
 * martian filter and DHCP client, then lwIP's ARP, IPv4/6, ND, ICMP, TCP and
 * UDP) with echo and discard services, a DHCP client and the stub resolver
 * listening, as the daemon runs them.
 *
 * Input: frames, each a 2-byte big-endian length and the bytes. Most random
 * bytes would die at a checksum, so a frame whose length has its top bit set
 * gets its IPv4 header and TCP/UDP/ICMP checksums made right first: the
 * fuzzer then reaches the protocol code behind them.
 *
 * lwIP itself is NOT instrumented: it is Debian's liblwip.so, built without
 * ASan or coverage. The fuzzer is guided by our code's coverage only (the
 * input filter, DHCP, DNS, guard.c's bounds, the services), and an
 * out-of-bounds read inside lwIP shows only if it faults (as the short ARP
 * frame did at a page edge). guard.c's bounds are on here as in the daemon,
 * and its tcp_next_iss() replaces lwIP's, as in the daemon.
 *
 * LeakSanitizer must look for unaligned pointers here: lwIP's IPv4
 * reassembly links the fragments it holds through a packed header written
 * over each fragment's IP header, which in a frame from the TAP sits at an
 * odd offset of its block (14 bytes of Ethernet after the pbuf); an aligned
 * scan reports every held fragment but the first as leaked.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "host_internal.h"

static struct tw_host *h;
static int peer;

const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
	return "use_unaligned=1";
}

static size_t echo_recv(void *arg, struct tw_host_conn *c, const void *d, size_t len)
{
	ssize_t n;

	if (!len) {
		tw_host_conn_close(c);
		return 0;
	}
	n = tw_host_conn_write(c, d, len);
	return n < 0 ? len : (size_t)n;
}

static void echo_sent(void *arg, struct tw_host_conn *c, size_t room)
{
	tw_host_conn_resume(c);
}

static const struct tw_host_tcp_ops echo_ops = {.recv = echo_recv, .sent = echo_sent};

static void udp_echo(void *arg, struct tw_host_udp *u, const struct sockaddr *from,
		     const void *data, size_t len)
{
	tw_host_udp_sendto(u, from, data, len);
}

static void resolved(void *arg, int err, const struct sockaddr *a)
{
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct tw_host_config cfg = {.dev = TW_HOST_TAP, .mac = {2, 0, 0, 0, 0x71, 1}};
	struct in_addr a, gw;
	struct in6_addr a6 = {{{0xfd, 0, 0, 4, [15] = 0x10}}};
	struct sockaddr_storage dns = {0};
	int sv[2], err;

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv))
		abort();
	cfg.fd = sv[0];
	peer = sv[1];
	h = tw_host_open(&cfg, &err);
	if (!h)
		abort();
	a.s_addr = htonl(0xc6336410); /* 198.51.100.16 */
	gw.s_addr = htonl(0xc6336401);
	tw_host_addr4(h, &a, 24, &gw);
	tw_host_addr6(h, &a6, 64);
	((struct sockaddr_in *)&dns)->sin_family = AF_INET;
	((struct sockaddr_in *)&dns)->sin_addr = gw;
	tw_host_dns_set(h, &dns, 1);
	tw_host_tcp_listen(h, 7, &echo_ops, NULL, &err);
	tw_host_udp_open(h, 7, udp_echo, NULL, &err);
	tw_host_dhcp_start(h);
	return 0;
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (; n > 1; n -= 2, p += 2)
		s += (uint32_t)(p[0] << 8 | p[1]);
	if (n)
		s += (uint32_t)(p[0] << 8);
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Makes the checksums of one Ethernet frame right, where it can tell where they are. */
static void fix_sums(uint8_t *f, size_t len)
{
	uint8_t *ip = f + 14, *l4;
	size_t iplen, l4len, ihl, off;
	uint32_t ps = 0;
	uint8_t proto;

	if (len < 14 + 20)
		return;
	iplen = len - 14;
	if (f[12] == 0x08 && f[13] == 0x00 && (ip[0] >> 4) == 4) {
		ihl = (size_t)(ip[0] & 15) * 4;
		if (ihl < 20 || ihl > iplen)
			return;
		put16(ip + 2, (uint16_t)iplen);
		ip[10] = ip[11] = 0;
		put16(ip + 10, fold(sum16(ip, ihl, 0)));
		proto = ip[9];
		l4 = ip + ihl;
		l4len = iplen - ihl;
		if (proto != 1) {
			ps = sum16(ip + 12, 8, 0) + proto + (uint32_t)l4len;
		}
	} else if (f[12] == 0x86 && f[13] == 0xdd && (ip[0] >> 4) == 6 && iplen >= 40) {
		proto = ip[6];
		l4 = ip + 40;
		l4len = iplen - 40;
		put16(ip + 4, (uint16_t)l4len);
		ps = sum16(ip + 8, 32, 0) + proto + (uint32_t)l4len;
	} else {
		return;
	}
	if (proto == 6 && l4len >= 20)
		off = 16;
	else if (proto == 17 && l4len >= 8) {
		off = 6;
		put16(l4 + 4, (uint16_t)l4len);
	} else if ((proto == 1 || proto == 58) && l4len >= 4)
		off = 2;
	else
		return;
	l4[off] = l4[off + 1] = 0;
	put16(l4 + off, fold(sum16(l4, l4len, ps)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[TWH_MAX_MTU + 18];
	uint8_t drain[65536];

	while (size >= 2) {
		size_t len = (size_t)((data[0] & 0x7f) << 8 | data[1]);
		bool fix = data[0] & 0x80;

		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		if (len > sizeof(frame))
			len = sizeof(frame);
		memcpy(frame, data, len);
		if (fix)
			fix_sums(frame, len);
		twh_input(h, frame, len);
		data += len;
		size -= len;
	}
	sys_check_timeouts();
	twh_tcp_resume_pending(h);
	tw_host_resolve(h, "tw.example", AF_INET, resolved, NULL); /* -EAGAIN once 16 wait */
	while (recv(peer, drain, sizeof(drain), 0) > 0)
		;
	return 0;
}
