// SPDX-License-Identifier: MIT
/*
 * The TUN side of the daemon without a TUN: transmit slots that grow for
 * jumbo packets within bounded memory, and the ICMP "too big" answers
 * written into the TUN (here a pipe) for packets no UDP datagram carries.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "device.h"
#include "icmp.h"
#include "tun.h"

static void test_slots(void **state)
{
	struct wg_device *dev;

	assert_int_equal(wg_device_new("twt0", &dev), 0);
	assert_int_equal(wg_tun_grow_slots(dev, 1420), 0);
	assert_int_equal(dev->tun_slot, WG_TUN_SLOT_MIN);
	assert_int_equal(dev->n_slots, WG_TUN_BATCH);
	/* smaller: nothing changes */
	assert_int_equal(wg_tun_grow_slots(dev, 100), 0);
	assert_int_equal(dev->tun_slot, WG_TUN_SLOT_MIN);
	/* a jumbo packet: bigger slots, fewer of them, never fewer than a super-packet's 64 */
	assert_int_equal(wg_tun_grow_slots(dev, 34736), 0);
	assert_true(dev->tun_slot >= 34736 && dev->tun_slot % 64 == 0);
	assert_int_equal(dev->n_slots, WG_TUN_BATCH / 2);
	assert_int_equal(wg_tun_grow_slots(dev, 65535), 0);
	assert_int_equal(dev->tun_slot, 65535);
	/* every slot of both halves is there to write into */
	memset(wg_tx_slot_pkt(dev, 2 * dev->n_slots - 1), 0xab, dev->tun_slot);
	assert_int_equal(wg_tun_grow_slots(dev, 65536), -EMSGSIZE);
	assert_int_equal(dev->tun_slot, 65535);
	wg_device_free(dev);
}

static uint16_t csum(const uint8_t *p, size_t len, uint32_t sum)
{
	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* A device whose "TUN" is the write end of a pipe; the read end in *@rfd. */
static struct wg_device *pipe_dev(int *rfd)
{
	struct wg_device *dev;
	int p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(wg_device_new("twt1", &dev), 0);
	dev->tun.fd = p[1];
	*rfd = p[0];
	return dev;
}

static void test_max_inner(void **state)
{
	/* the largest packets a UDP datagram carries in a data message */
	assert_int_equal(wg_icmp_max_inner(AF_INET), 65472);
	assert_int_equal(wg_icmp_max_inner(AF_INET6), 65488);
	assert_int_equal(wg_icmp_max_inner(AF_INET) + WG_MSG_DATA_OVERHEAD <= 65507, 1);
	assert_int_equal(wg_icmp_max_inner(AF_INET6) + WG_MSG_DATA_OVERHEAD <= 65527, 1);
}

static void test_too_big4(void **state)
{
	static uint8_t pkt[65535];
	uint8_t out[256];
	int rfd;
	struct wg_device *dev = pipe_dev(&rfd);
	ssize_t n;

	/* IPv4 TCP 192.0.2.1 -> 192.0.2.2, DF */
	pkt[0] = 0x45;
	pkt[2] = 0xff, pkt[3] = 0xff;
	pkt[6] = 0x40;
	pkt[8] = 64, pkt[9] = 6;
	memcpy(pkt + 12, "\xc0\x00\x02\x01\xc0\x00\x02\x02", 8);
	memcpy(pkt + 20, "\x12\x34\x56\x78\x00\x00\x00\x01", 8);
	wg_icmp_too_big(dev, pkt, sizeof(pkt), 65472);
	n = read(rfd, out, sizeof(out));
	assert_int_equal(n, 20 + 8 + 28);
	assert_int_equal(out[0], 0x45);
	assert_int_equal(out[9], 1);					      /* ICMP */
	assert_memory_equal(out + 12, "\xc0\x00\x02\x02\xc0\x00\x02\x01", 8); /* from the far end */
	assert_int_equal(csum(out, 20, 0), 0xffff);
	assert_int_equal(out[20], 3); /* destination unreachable */
	assert_int_equal(out[21], 4); /* fragmentation needed */
	assert_int_equal(out[26] << 8 | out[27], 65472);
	assert_int_equal(csum(out + 20, (size_t)n - 20, 0), 0xffff);
	assert_memory_equal(out + 28, pkt, 28); /* the header and 8 bytes quoted */
	/* no answer to an ICMP error, nor to a later fragment */
	pkt[9] = 1, pkt[20] = 3;
	wg_icmp_too_big(dev, pkt, sizeof(pkt), 65472);
	pkt[9] = 6, pkt[6] = 0x00, pkt[7] = 0x10;
	wg_icmp_too_big(dev, pkt, sizeof(pkt), 65472);
	close(dev->tun.fd);
	dev->tun.fd = -1;
	assert_int_equal(read(rfd, out, sizeof(out)), 0);
	close(rfd);
	wg_device_free(dev);
}

static void test_too_big6(void **state)
{
	static uint8_t pkt[65535];
	uint8_t out[1400];
	uint32_t sum;
	int rfd;
	struct wg_device *dev = pipe_dev(&rfd);
	ssize_t n;

	/* IPv6 UDP fd00::1 -> fd00::2 */
	pkt[0] = 0x60;
	pkt[4] = 0xff, pkt[5] = 0xd7;
	pkt[6] = 17, pkt[7] = 64;
	pkt[8] = 0xfd, pkt[23] = 1;
	pkt[24] = 0xfd, pkt[39] = 2;
	wg_icmp_too_big(dev, pkt, sizeof(pkt), 65488);
	n = read(rfd, out, sizeof(out));
	assert_int_equal(n, 1280); /* as much quoted as fits IPv6's minimum MTU */
	assert_int_equal(out[0] >> 4, 6);
	assert_int_equal(out[6], 58); /* ICMPv6 */
	assert_int_equal(out[40], 2); /* packet too big */
	assert_int_equal(ntohl(*(uint32_t *)(out + 44)), 65488);
	assert_memory_equal(out + 8, pkt + 24, 16);
	assert_memory_equal(out + 24, pkt + 8, 16);
	sum = csum(out + 8, 32, 0) + (uint32_t)(n - 40) + 58;
	assert_int_equal(csum(out + 40, (size_t)n - 40, sum), 0xffff);
	close(rfd);
	wg_device_free(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_slots),
	    cmocka_unit_test(test_max_inner),
	    cmocka_unit_test(test_too_big4),
	    cmocka_unit_test(test_too_big6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
