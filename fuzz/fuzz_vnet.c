// SPDX-License-Identifier: MIT
/*
 * The vnet offload helpers on hostile input. The first byte picks the mode:
 * even: a virtio_net_hdr (10 bytes) and a packet for tw_vnet_split(), whose
 * segments then go through the coalescer; odd: a batch of packets (each
 * preceded by a 2-byte length) for tw_gro_batch(), whose writes are read
 * back byte by byte so the sanitizers see every iovec.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tapwire/vnet.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXSEG 64
#define CAP    2048

static uint8_t segs_mem[MAXSEG][CAP];

static unsigned touch(struct tw_gro *g, int writes)
{
	unsigned x = 0;

	for (int i = 0; i < writes; i++) {
		int cnt;
		const struct iovec *iov = tw_gro_iov(g, (size_t)i, &cnt);

		for (int k = 0; k < cnt; k++)
			for (size_t j = 0; j < iov[k].iov_len; j++)
				x += ((const uint8_t *)iov[k].iov_base)[j];
	}
	return x;
}

static void split_mode(const uint8_t *data, size_t size, struct tw_gro *g)
{
	struct virtio_net_hdr vh;
	uint8_t *segs[MAXSEG];
	size_t lens[MAXSEG];
	int n;

	if (size < sizeof(vh))
		return;
	memcpy(&vh, data, sizeof(vh));
	for (int i = 0; i < MAXSEG; i++)
		segs[i] = segs_mem[i];
	n = tw_vnet_split(&vh, data + sizeof(vh), size - sizeof(vh), segs, CAP, lens, MAXSEG);
	if (n > 0) {
		n = tw_gro_batch(g, segs, lens, (size_t)n, TW_GRO_TCP | TW_GRO_UDP);
		if (n > 0)
			touch(g, n);
	}
}

static void gro_mode(const uint8_t *data, size_t size, struct tw_gro *g)
{
	uint8_t *pkts[MAXSEG];
	size_t lens[MAXSEG], n = 0;

	while (size >= 2 && n < MAXSEG) {
		size_t len = (size_t)(data[0] << 8 | data[1]) % CAP;

		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		/* A private, exact-size copy: ASan catches any read past it. */
		pkts[n] = malloc(len ? len : 1);
		memcpy(pkts[n], data, len);
		lens[n++] = len;
		data += len;
		size -= len;
	}
	int w = tw_gro_batch(g, pkts, lens, n, TW_GRO_TCP | TW_GRO_UDP);
	if (w > 0)
		touch(g, w);
	for (size_t i = 0; i < n; i++)
		free(pkts[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tw_gro *g;

	if (!g && tw_gro_new(MAXSEG, &g))
		abort();
	if (size < 1 || size > 70000)
		return 0;
	if (data[0] % 2 == 0)
		split_mode(data + 1, size - 1, g);
	else
		gro_mode(data + 1, size - 1, g);
	return 0;
}
