// SPDX-License-Identifier: MIT
/*
 * Cost of the TUN offload helpers on one core: tw_vnet_split() of a 64 KiB
 * TSO super-packet into 1368-byte segments, and tw_gro_batch() of 48 such
 * segments back into one write. Both are per-byte work (copy + checksum) the
 * data path pays instead of one system call per packet.
 *
 *   cmake --build build --target vnet_speed && build/wg/vnet_speed [seconds]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tapwire/vnet.h>

#define MSS  1368
#define SEGS 47

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A TSO super-packet as the kernel hands it over (IPv4, TCP, 12 option bytes). */
static size_t make_tso(uint8_t *p, struct virtio_net_hdr *vh)
{
	size_t len = 20 + 32 + (size_t)MSS * SEGS;

	memset(p, 0, 52);
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[6] = 0x40;
	p[8] = 64;
	p[9] = 6;
	memcpy(p + 12, "\xc6\x33\x64\x01\xcb\x00\x71\x09", 8);
	p[20 + 12] = 8 << 4;
	p[20 + 13] = 0x10;
	for (size_t i = 52; i < len; i++)
		p[i] = (uint8_t)i;
	*vh = (struct virtio_net_hdr){.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
				      .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
				      .hdr_len = 52,
				      .gso_size = MSS,
				      .csum_start = 20,
				      .csum_offset = 16};
	return len;
}

int main(int argc, char **argv)
{
	static uint8_t pkt[65536], store[64][2048];
	double secs = argc > 1 ? atof(argv[1]) : 1.0, t0, t;
	struct virtio_net_hdr vh;
	uint8_t *segs[64];
	size_t lens[64], len = make_tso(pkt, &vh);
	struct tw_gro *g;
	uint64_t n = 0;
	int k = 0;

	for (int i = 0; i < 64; i++)
		segs[i] = store[i];
	t0 = now_s();
	do {
		for (int i = 0; i < 100; i++, n++)
			k = tw_vnet_split(&vh, pkt, len, segs, sizeof(store[0]), lens, 64);
		t = now_s() - t0;
	} while (t < secs);
	if (k != SEGS)
		return 1;
	printf("split: %6.0f super-packets/s, %5.2f Gbit/s, %4.0f ns per segment\n", n / t,
	       n * len * 8 / t / 1e9, t / (n * SEGS) * 1e9);
	if (tw_gro_new(64, &g))
		return 1;
	n = 0;
	t0 = now_s();
	do {
		for (int i = 0; i < 100; i++, n++) {
			/* The coalescer rewrites the first segment's header: restore it. */
			tw_vnet_split(&vh, pkt, 52 + MSS, segs, sizeof(store[0]), lens, 1);
			if (tw_gro_batch(g, segs, lens, SEGS, TW_GRO_TCP) != 1)
				return 1;
		}
		t = now_s() - t0;
	} while (t < secs);
	printf("gro:   %6.0f batches/s,       %5.2f Gbit/s, %4.0f ns per segment\n", n / t,
	       n * len * 8 / t / 1e9, t / (n * SEGS) * 1e9);
	tw_gro_free(g);
	return 0;
}
