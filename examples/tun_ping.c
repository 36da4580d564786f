// SPDX-License-Identifier: MIT
/*
 * tun_ping: the smallest useful program on the far side of a TUN device.
 * It opens (or creates) a TUN with libtapwire and answers the ICMP echo
 * requests (IPv4 and IPv6) that the kernel routes into it; everything else
 * is dropped.
 *
 *     tun_ping [NAME]          (default: tun%d, the kernel picks)
 *     ip addr add 198.51.100.1/24 dev tun0 && ip link set tun0 up
 *     ping 198.51.100.2        # answered by tun_ping
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <tapwire/tapwire.h>

/* Adds @len bytes to a one's-complement sum (RFC 1071). */
static uint32_t sum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t sum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void swap_bytes(uint8_t *a, uint8_t *b, size_t n)
{
	uint8_t t[16];

	memcpy(t, a, n);
	memcpy(a, b, n);
	memcpy(b, t, n);
}

/* Turns an IPv4 echo request into its reply in place; false if not one. */
static bool echo4(uint8_t *pkt, size_t len)
{
	size_t ihl = (size_t)(pkt[0] & 0x0f) * 4;
	uint8_t *icmp = pkt + ihl;

	if (len < 20 || ihl < 20 || len < ihl + 8 || pkt[9] != 1 || icmp[0] != 8 || icmp[1] != 0 ||
	    (size_t)(pkt[2] << 8 | pkt[3]) != len)
		return false;
	swap_bytes(pkt + 12, pkt + 16, 4);
	pkt[8] = 64; /* TTL */
	put16(pkt + 10, 0);
	put16(pkt + 10, sum_fold(sum_add(0, pkt, ihl)));
	icmp[0] = 0; /* echo reply */
	put16(icmp + 2, 0);
	put16(icmp + 2, sum_fold(sum_add(0, icmp, len - ihl)));
	return true;
}

/* The same for ICMPv6 (no extension headers); the checksum covers a pseudo-header. */
static bool echo6(uint8_t *pkt, size_t len)
{
	uint8_t *icmp = pkt + 40;
	size_t plen;
	uint32_t sum;

	if (len < 48 || pkt[6] != 58 || icmp[0] != 128 || icmp[1] != 0)
		return false;
	plen = (size_t)(pkt[4] << 8 | pkt[5]);
	if (plen + 40 != len)
		return false;
	swap_bytes(pkt + 8, pkt + 24, 16);
	pkt[7] = 64;   /* hop limit */
	icmp[0] = 129; /* echo reply */
	put16(icmp + 2, 0);
	sum = sum_add(0, pkt + 8, 32); /* source and destination */
	sum += (uint32_t)plen + 58;
	put16(icmp + 2, sum_fold(sum_add(sum, icmp, plen)));
	return true;
}

int main(int argc, char **argv)
{
	static uint8_t pkt[65536];
	char name[IFNAMSIZ];
	unsigned long replies = 0;
	ssize_t n;
	bool ok;
	int fd;

	fd = tw_tun_open(argc > 1 ? argv[1] : "tun%d", TW_TUN_MODE_TUN, TW_TUN_CLOEXEC, name);
	if (fd < 0) {
		fprintf(stderr, "tun_ping: cannot open TUN device: %s\n", strerror(-fd));
		return 1;
	}
	printf("ready %s\n", name);
	fflush(stdout);
	while ((n = read(fd, pkt, sizeof(pkt))) >= 0) {
		if (n == 0)
			continue;
		ok = (pkt[0] >> 4 == 4) ? echo4(pkt, (size_t)n) : echo6(pkt, (size_t)n);
		if (!ok)
			continue;
		if (write(fd, pkt, (size_t)n) != n) {
			perror("tun_ping: write");
			break;
		}
		replies++;
	}
	perror("tun_ping: read");
	fprintf(stderr, "tun_ping: %lu replies\n", replies);
	close(fd);
	return 1;
}
