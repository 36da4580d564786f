// SPDX-License-Identifier: MIT
/*
 * The shared TUN I/O layer (io/tunio.c) on its own. Reads from a
 * socketpair standing in for the TUN (one packet a message, as the TUN
 * delivers them): a plain packet lands in the slot asked for; one larger
 * than the slots asks for growth (-EMSGSIZE with the size it needs) and is
 * handed over intact once they have grown, or dropped; with slots taken it
 * waits (-ENOBUFS) and needs no second read. In vnet mode a TSO
 * super-packet is split into its segments straight into the slots, and
 * kept whole while too few are free. Writes: plain, behind an empty
 * virtio_net_hdr, and behind a packet information header. Then a real TUN
 * (in a network namespace of the test's own; skipped without root): with
 * IFF_VNET_HDR the layer sets TSO and coalesces TCP writes; without
 * offloads, none; with IFF_NO_PI cleared it recognises the packet
 * information header.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <tapwire/tun.h>
#include <tapwire/vnet.h>

#include "tunio.h"

#define SLOTS 8

static uint8_t slot_mem[SLOTS * 2048] __attribute__((aligned(64)));

static struct tw_tunio_slots slots_of(size_t cap)
{
	static uint8_t *big;

	if (cap <= 2048)
		return (struct tw_tunio_slots){
		    .base = slot_mem, .stride = 2048, .cap = cap, .n = SLOTS};
	free(big);
	big = malloc(SLOTS * cap);
	assert_non_null(big);
	return (struct tw_tunio_slots){.base = big, .stride = cap, .cap = cap, .n = SLOTS};
}

/*
 * An IPv4 TCP packet of @len bytes (a 20-byte TCP header, sequence @seq) at
 * @b, which need not be aligned (behind a 10-byte virtio_net_hdr it is not):
 * the headers are built aside and copied.
 */
static size_t tcp4(uint8_t *b, size_t len, uint32_t seq)
{
	struct {
		struct iphdr ip;
		struct tcphdr th;
	} h;

	memset(&h, 0, sizeof(h));
	h.ip.version = 4;
	h.ip.ihl = 5;
	h.ip.tot_len = htons((uint16_t)len);
	h.ip.ttl = 64;
	h.ip.protocol = IPPROTO_TCP;
	inet_pton(AF_INET, "192.0.2.1", &h.ip.saddr);
	inet_pton(AF_INET, "198.51.100.2", &h.ip.daddr);
	h.th.source = htons(40000);
	h.th.dest = htons(5201);
	h.th.seq = htonl(seq);
	h.th.doff = 5;
	h.th.ack = 1;
	h.th.window = htons(1000);
	memcpy(b, &h, 40);
	for (size_t i = 40; i < len; i++)
		b[i] = (uint8_t)(seq + i);
	return len;
}

struct pair {
	struct tw_tunio t;
	int other;
};

static void pair_open(struct pair *p)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv), 0);
	tw_tunio_init(&p->t);
	assert_int_equal(tw_tunio_open(&p->t, sv[0]), 0);
	assert_int_equal(tw_tunio_setup_offloads(&p->t, true), 0); /* not a TUN: plain */
	assert_false(p->t.vnet);
	p->other = sv[1];
}

static void pair_close(struct pair *p)
{
	tw_tunio_close(&p->t);
	close(p->other);
}

static void test_plain_read(void **state)
{
	struct tw_tunio_slots s = slots_of(1500);
	uint8_t pkt[4000], *pkts[128];
	uint16_t lens[128];
	struct pair p;

	pair_open(&p);
	assert_int_equal(tw_tunio_read(&p.t, &s, 0, pkts, lens), -EAGAIN);
	tcp4(pkt, 1000, 1);
	assert_int_equal(send(p.other, pkt, 1000, 0), 1000);
	assert_int_equal(tw_tunio_read(&p.t, &s, 3, pkts, lens), 1);
	assert_ptr_equal(pkts[0], s.base + 3 * s.stride);
	assert_int_equal(lens[0], 1000);
	assert_memory_equal(pkts[0], pkt, 1000);

	/* too big for the slots: waits while slots are taken, then asks for growth */
	tcp4(pkt, 3000, 2);
	assert_int_equal(send(p.other, pkt, 3000, 0), 3000);
	assert_int_equal(tw_tunio_read(&p.t, &s, 2, pkts, lens), -ENOBUFS);
	assert_int_equal(tw_tunio_read(&p.t, &s, 0, pkts, lens), -EMSGSIZE);
	assert_true(p.t.need >= 3000);
	s = slots_of(p.t.need);
	assert_int_equal(tw_tunio_read(&p.t, &s, 0, pkts, lens), 1);
	assert_int_equal(lens[0], 3000);
	assert_memory_equal(pkts[0], pkt, 3000);
	assert_int_equal(tw_tunio_read(&p.t, &s, 0, pkts, lens), -EAGAIN);

	/* or dropped, if the slots cannot grow */
	s = slots_of(1500);
	assert_int_equal(send(p.other, pkt, 3000, 0), 3000);
	assert_int_equal(tw_tunio_read(&p.t, &s, 0, pkts, lens), -EMSGSIZE);
	tw_tunio_drop(&p.t);
	assert_int_equal(tw_tunio_read(&p.t, &s, 0, pkts, lens), -EAGAIN);

	/* the other end gone */
	close(p.other);
	p.other = -1;
	assert_int_equal(tw_tunio_read(&p.t, &s, 0, pkts, lens), -EBADFD);
	tw_tunio_close(&p.t);
}

/* A TSO super-packet of @payload bytes in 100-byte segments behind its virtio_net_hdr. */
static size_t tso4(uint8_t *b, size_t payload)
{
	struct virtio_net_hdr vh = {
	    .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
	    .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
	    .hdr_len = 40,
	    .gso_size = 100,
	    .csum_start = 20,
	    .csum_offset = 16,
	};

	memcpy(b, &vh, sizeof(vh));
	return sizeof(vh) + tcp4(b + sizeof(vh), 40 + payload, 1000);
}

static void test_vnet_split(void **state)
{
	struct tw_tunio_slots s = slots_of(1500);
	uint8_t pkt[2000], *pkts[128];
	uint16_t lens[128];
	struct pair p;
	size_t len;
	int n;

	pair_open(&p);
	p.t.vnet = true; /* as a TUN with IFF_VNET_HDR delivers */
	len = tso4(pkt, 450);
	assert_int_equal(send(p.other, pkt, len, 0), (ssize_t)len);
	/* five segments, three slots free: kept whole, no second read */
	assert_int_equal(tw_tunio_read(&p.t, &s, SLOTS - 3, pkts, lens), -ENOBUFS);
	n = tw_tunio_read(&p.t, &s, 0, pkts, lens);
	assert_int_equal(n, 5);
	for (int i = 0; i < n; i++) {
		const struct tcphdr *th = (const struct tcphdr *)(pkts[i] + 20);

		assert_ptr_equal(pkts[i], s.base + (size_t)i * s.stride);
		assert_int_equal(lens[i], i < 4 ? 140 : 90);
		assert_int_equal(ntohl(th->seq), 1000 + 100 * (unsigned)i);
		assert_memory_equal(pkts[i] + 40,
				    pkt + sizeof(struct virtio_net_hdr) + 40 + 100 * i,
				    lens[i] - 40u);
	}
	assert_int_equal(p.t.gso_reads, 1);
	assert_int_equal(p.t.gso_segs, 5);
	/* segments larger than the slots: growth asked for, then split */
	s = slots_of(100);
	assert_int_equal(send(p.other, pkt, len, 0), (ssize_t)len);
	assert_int_equal(tw_tunio_read(&p.t, &s, 0, pkts, lens), -EMSGSIZE);
	s = slots_of(p.t.need);
	assert_int_equal(tw_tunio_read(&p.t, &s, 0, pkts, lens), 5);
	pair_close(&p);
}

/*
 * A TAP's frames (p.t.tap, as a TAP with IFF_VNET_HDR): a super-frame is
 * split after its Ethernet header, each segment getting the header; frames
 * of one TCP flow written back are merged into one super-frame whose vnet
 * header counts the Ethernet header, and frames with another MAC header are
 * not merged with them.
 */
static const uint8_t eth_a[ETH_HLEN] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00};
static const uint8_t eth_b[ETH_HLEN] = {2, 0, 0, 0, 0, 9, 2, 0, 0, 0, 0, 2, 0x08, 0x00};

/* Fills in the TCP checksum of the IPv4 packet tcp4() built at @b (@len bytes). */
static void tcp4_csum(uint8_t *b, size_t len)
{
	uint32_t sum = IPPROTO_TCP + (uint32_t)(len - 20);
	uint16_t c;

	b[36] = b[37] = 0;
	for (size_t i = 12; i < 20; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	for (size_t i = 20; i < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | (i + 1 < len ? b[i + 1] : 0));
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	c = htons((uint16_t)~sum);
	memcpy(b + 36, &c, 2);
}

static void test_tap_frames(void **state)
{
	struct tw_tunio_slots s = slots_of(1500);
	uint8_t pkt[2000], *pkts[128], frames[4][200], back[1000];
	struct virtio_net_hdr vh;
	uint16_t lens[128];
	struct pair p;
	size_t len;
	int n;

	pair_open(&p);
	p.t.vnet = true;
	p.t.tap = true;
	/* the super-packet of test_vnet_split, as a frame */
	len = tso4(pkt, 450);
	memmove(pkt + sizeof(vh) + ETH_HLEN, pkt + sizeof(vh), len - sizeof(vh));
	memcpy(pkt + sizeof(vh), eth_a, ETH_HLEN);
	memcpy(&vh, pkt, sizeof(vh));
	vh.hdr_len += ETH_HLEN;
	vh.csum_start += ETH_HLEN;
	memcpy(pkt, &vh, sizeof(vh));
	len += ETH_HLEN;
	assert_int_equal(send(p.other, pkt, len, 0), (ssize_t)len);
	n = tw_tunio_read(&p.t, &s, 0, pkts, lens);
	assert_int_equal(n, 5);
	for (int i = 0; i < n; i++) {
		struct tcphdr th;

		memcpy(&th, pkts[i] + ETH_HLEN + 20, sizeof(th));
		assert_int_equal(lens[i], ETH_HLEN + (i < 4 ? 140 : 90));
		assert_memory_equal(pkts[i], eth_a, ETH_HLEN);
		assert_int_equal(ntohl(th.seq), 1000 + 100 * (unsigned)i);
	}
	/* a header that cannot be a TAP's super-frame: dropped */
	vh.csum_start = 4;
	memcpy(pkt, &vh, sizeof(vh));
	assert_int_equal(send(p.other, pkt, len, 0), (ssize_t)len);
	assert_int_equal(tw_tunio_read(&p.t, &s, 0, pkts, lens), 0);

	/* writes: three frames of one flow, then one from another MAC */
	assert_int_equal(tw_gro_new(TW_TUNIO_OUT_MAX, &p.t.gro), 0);
	p.t.gro_flags = TW_GRO_TCP | TW_GRO_ETH;
	for (int i = 0; i < 4; i++) {
		memcpy(frames[i], i < 3 ? eth_a : eth_b, ETH_HLEN);
		tcp4(frames[i] + ETH_HLEN, 140, 5000 + 100 * (unsigned)i);
		tcp4_csum(frames[i] + ETH_HLEN, 140);
		tw_tunio_queue(&p.t, frames[i], ETH_HLEN + 140);
	}
	tw_tunio_flush(&p.t);
	assert_int_equal(recv(p.other, back, sizeof(back), 0),
			 (ssize_t)(sizeof(vh) + ETH_HLEN + 40 + 300));
	memcpy(&vh, back, sizeof(vh));
	assert_int_equal(vh.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
	assert_int_equal(vh.gso_size, 100);
	assert_int_equal(vh.csum_start, ETH_HLEN + 20);
	assert_int_equal(vh.hdr_len, ETH_HLEN + 40);
	assert_memory_equal(back + sizeof(vh), eth_a, ETH_HLEN);
	assert_int_equal(recv(p.other, back, sizeof(back), 0),
			 (ssize_t)(sizeof(vh) + ETH_HLEN + 140));
	assert_memory_equal(back + sizeof(vh), eth_b, ETH_HLEN);
	assert_int_equal(p.t.gro_writes, 1);
	assert_int_equal(p.t.gro_pkts, 3);
	pair_close(&p);
}

static void test_writes(void **state)
{
	uint8_t pkt[200], back[400];
	struct tun_pi pi;
	struct pair p;

	pair_open(&p);
	tcp4(pkt, 100, 7);
	/* plain: the packet as is, queued and flushed */
	tw_tunio_queue(&p.t, pkt, 100);
	assert_int_equal(recv(p.other, back, sizeof(back), MSG_DONTWAIT), -1);
	tw_tunio_flush(&p.t);
	assert_int_equal(recv(p.other, back, sizeof(back), 0), 100);
	assert_memory_equal(back, pkt, 100);
	/* a packet information header first */
	p.t.pi = true;
	tw_tunio_write(&p.t, pkt, 100);
	assert_int_equal(recv(p.other, back, sizeof(back), 0), (ssize_t)sizeof(pi) + 100);
	memcpy(&pi, back, sizeof(pi));
	assert_int_equal(ntohs(pi.proto), ETH_P_IP);
	assert_memory_equal(back + sizeof(pi), pkt, 100);
	/* an empty virtio_net_hdr first, each packet alone without GRO */
	p.t.pi = false;
	p.t.vnet = true;
	tw_tunio_queue(&p.t, pkt, 100);
	tw_tunio_queue(&p.t, pkt, 100);
	tw_tunio_flush(&p.t);
	for (int i = 0; i < 2; i++) {
		struct virtio_net_hdr zero = {0};

		assert_int_equal(recv(p.other, back, sizeof(back), 0),
				 (ssize_t)sizeof(struct virtio_net_hdr) + 100);
		assert_memory_equal(back, &zero, sizeof(zero));
	}
	pair_close(&p);
}

/* ---- a real TUN ---- */

static int open_tun(const char *name, unsigned flags)
{
	return tw_tun_open(name, TW_TUN_MODE_TUN,
			   flags | TW_TUN_CLOEXEC | TW_TUN_NONBLOCK | TW_TUN_EXCL, NULL);
}

static void test_real_tun(void **state)
{
	struct tw_tunio t;
	uint8_t pkt[3][200];
	int fd;

	/* vnet header: TSO set, TCP writes coalesced */
	fd = open_tun("twio0", TW_TUN_VNET_HDR);
	assert_true(fd >= 0);
	tw_tunio_init(&t);
	assert_int_equal(tw_tunio_open(&t, fd), 0);
	assert_int_equal(tw_tunio_setup_offloads(&t, true), 0);
	assert_true(t.vnet);
	assert_false(t.pi);
	assert_true(t.gro_flags & TW_GRO_TCP);
	/* without offloads: headers, no GRO */
	assert_int_equal(tw_tunio_setup_offloads(&t, false), 0);
	assert_true(t.vnet);
	assert_int_equal(t.gro_flags, 0);
	/* the link is down: the kernel drops what we write, but takes it */
	assert_int_equal(tw_tunio_setup_offloads(&t, true), 0);
	for (int i = 0; i < 3; i++) {
		tcp4(pkt[i], 140, 5000 + 100 * (unsigned)i);
		tw_tunio_queue(&t, pkt[i], 140);
	}
	tw_tunio_flush(&t);
	tw_tunio_close(&t);

	/* packet information kept: recognised */
	fd = open_tun("twio1", TW_TUN_PI);
	assert_true(fd >= 0);
	tw_tunio_init(&t);
	assert_int_equal(tw_tunio_open(&t, fd), 0);
	assert_int_equal(tw_tunio_setup_offloads(&t, true), 0);
	assert_true(t.pi);
	assert_false(t.vnet);
	tw_tunio_close(&t);

	/* both kinds of header: refused */
	fd = open_tun("twio2", TW_TUN_PI | TW_TUN_VNET_HDR);
	assert_true(fd >= 0);
	tw_tunio_init(&t);
	assert_int_equal(tw_tunio_open(&t, fd), 0);
	assert_int_equal(tw_tunio_setup_offloads(&t, true), -EINVAL);
	tw_tunio_close(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_read),
	    cmocka_unit_test(test_vnet_split),
	    cmocka_unit_test(test_tap_frames),
	    cmocka_unit_test(test_writes),
	};
	const struct CMUnitTest tun_tests[] = {
	    cmocka_unit_test(test_real_tun),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	/*
	 * TUNs in a network namespace of our own: they vanish with it. Its own
	 * sysfs too (in a mount namespace of ours, as `ip netns exec` does):
	 * the packet information check reads it.
	 */
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0 ||
	    mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0 ||
	    umount2("/sys", MNT_DETACH) < 0 || mount("sysfs", "/sys", "sysfs", 0, NULL) < 0 ||
	    access("/dev/net/tun", R_OK | W_OK) < 0) {
		printf("skipped: the real TUN's cases need a network namespace of our own (%s)\n",
		       strerror(errno));
		return rc ? rc : 77;
	}
	return rc | cmocka_run_group_tests_name("real TUN", tun_tests, NULL, NULL);
}
