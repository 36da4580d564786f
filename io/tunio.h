/* SPDX-License-Identifier: MIT */
/*
 * TUN I/O with offloads, shared by the daemons (tapwire-wg on a TUN,
 * tapwire-vxlan on a TAP; tapwire-host next): a TUN opened with IFF_VNET_HDR gets the
 * best set of TSO/USO/checksum offloads the kernel takes (TUNSETOFFLOAD);
 * a GSO super-packet read from it is split with libtapwire's tw_vnet_split()
 * straight into the caller's buffers; packets to write are gathered and
 * coalesced into super-packets with tw_gro (one writev each). A TUN without
 * vnet headers, with or without packet information headers (struct tun_pi),
 * is read and written plainly. A TAP's Ethernet frames are split after
 * their Ethernet header (which each segment gets) and merged only under one
 * Ethernet header (TW_GRO_ETH).
 *
 * The caller owns the buffers packets are read into ("slots": @n of @cap
 * bytes, @stride apart) and decides how they grow; this layer owns one
 * buffer for a super-packet as read. Internal to the project (a static
 * library, io/), not part of libtapwire's ABI. Not thread-safe: one event
 * loop owns a struct tw_tunio.
 */
#ifndef TW_IO_TUNIO_H
#define TW_IO_TUNIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tw_gro;

/*
 * Packets gathered before they are written (coalesced where possible): 64,
 * the most segments one super-packet may carry (tw_gro's limit too). Larger
 * gatherings made no TCP super-packet larger but delivered small packets in
 * bursts of hundreds, which overflowed the receiving application's socket
 * while it waited for a CPU: fewer small packets arrived (the comparison is
 * in bench/README.md).
 */
#define TW_TUNIO_OUT_MAX 64

struct tw_tunio {
	int fd;	   /* -1: none */
	bool vnet; /* the TUN carries a virtio_net_hdr */
	bool pi;   /* a TUN without IFF_NO_PI: struct tun_pi first */
	bool tap;  /* a TAP: Ethernet frames (TW_GRO_ETH, frames split after their header) */
	unsigned gro_flags; /* TW_GRO_* allowed on writes */
	struct tw_gro *gro;
	uint8_t *rbuf;	/* a super-packet as read, or a plain packet too big for the slots */
	size_t rlen;	/* bytes in rbuf still to be handed over, 0: none */
	unsigned tries; /* slot growths asked for the packet in rbuf */
	size_t need;	/* with -EMSGSIZE: the slot size the packet in rbuf needs */
	/* proof the offloads work */
	uint64_t gso_reads, gso_segs;  /* super-packets read, their segments */
	uint64_t gro_writes, gro_pkts; /* coalesced writes, the packets in them */
	/* packets gathered for the next write round (tw_tunio_queue()) */
	uint8_t *out[TW_TUNIO_OUT_MAX];
	size_t out_len[TW_TUNIO_OUT_MAX];
	unsigned n_out;
	/* Told of offloads set or refused and of failed writes (NULL: nobody). */
	void (*log)(bool error, const char *msg);
};

/* Where reads put packets: slot i is @cap bytes at @base + i * @stride, i < @n. */
struct tw_tunio_slots {
	uint8_t *base;
	size_t stride, cap;
	unsigned n;
};

/* An I/O with no TUN (@fd -1) and no buffer yet. */
void tw_tunio_init(struct tw_tunio *t);

/* Takes @fd (a TUN, or anything that delivers one packet a read) and allocates the read buffer. */
int tw_tunio_open(struct tw_tunio *t, int fd);

/*
 * Finds out which headers the TUN carries: with IFF_VNET_HDR and @offloads,
 * the best set of TSO/USO the kernel takes (and GRO on writes to match);
 * without @offloads, none (headers are still read and written). A TUN
 * keeping packet information headers is recognised (sysfs; TUNGETIFF cannot
 * tell). Something that is not a TUN is read plainly. 0, -EINVAL (a TUN
 * with both kinds of header) or -ENOMEM.
 */
int tw_tunio_setup_offloads(struct tw_tunio *t, bool offloads);

/* Frees the buffers and closes the fd. */
void tw_tunio_close(struct tw_tunio *t);

/*
 * Reads one packet, or one super-packet split into packets, into slots
 * @first, @first + 1, ... of @s; sets @ret_pkts[i] and @ret_lens[i] for
 * each. Returns how many (0: a packet was read but dropped, malformed or
 * too small), or a negative errno: -EAGAIN when nothing is waiting;
 * -ENOBUFS when a super-packet needs more slots than are free after @first
 * (it is kept: call again with @first 0); -EMSGSIZE when, with @first 0,
 * the packet kept still does not fit: make the slots hold t->need bytes
 * and call again, or tw_tunio_drop() it; -EBADFD when the TUN is gone.
 * At most 128 packets (a super-packet's segments) come from one call.
 */
int tw_tunio_read(struct tw_tunio *t, const struct tw_tunio_slots *s, unsigned first,
		  uint8_t **ret_pkts, uint16_t *ret_lens);

/* Drops the packet kept from a read (the slots could not grow for it). */
void tw_tunio_drop(struct tw_tunio *t);

/* Writes one packet at once (not for bulk data). */
void tw_tunio_write(struct tw_tunio *t, const uint8_t *pkt, size_t len);

/*
 * Writes the gathered packets, coalesced where the kernel takes it. Call
 * before the buffers they point into are reused.
 */
void tw_tunio_flush(struct tw_tunio *t);

/*
 * Makes room in a full gathering in the middle of a batch: writes all but a
 * super-packet still growing at the end, which stays (its packets must
 * stay valid until tw_tunio_flush()). A bulk TCP flow then reaches the TUN
 * in full 64 KiB writes rather than cut every 64 packets.
 */
void tw_tunio_room(struct tw_tunio *t);

/* Gathers a packet to write; @pkt must stay valid until tw_tunio_flush(). */
static inline void tw_tunio_queue(struct tw_tunio *t, uint8_t *pkt, size_t len)
{
	if (t->n_out == TW_TUNIO_OUT_MAX)
		tw_tunio_room(t);
	t->out[t->n_out] = pkt;
	t->out_len[t->n_out++] = len;
}

#endif /* TW_IO_TUNIO_H */
