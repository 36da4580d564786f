/* SPDX-License-Identifier: MIT */
/*
 * Offload helpers for TUN devices opened with IFF_VNET_HDR (TW_TUN_VNET_HDR):
 * every packet read or written carries a struct virtio_net_hdr (10 bytes, the
 * default TUNSETVNETHDRSZ) in front of it.
 *
 * - Reading: with TUNSETOFFLOAD TSO4/TSO6/USO4/USO6, the kernel hands over
 *   GSO super-packets of up to 64 KiB; tw_vnet_split() cuts one into
 *   MTU-sized IP packets with correct IP and TCP/UDP headers and checksums,
 *   writing each into a caller buffer (so it can land where it will be
 *   encrypted, with room in front and behind).
 * - Writing: struct tw_gro coalesces a batch of IP packets of the same TCP or
 *   UDP flow into super-packets (the kernel's GRO rules: consecutive
 *   sequence numbers, equal segment sizes but the last, identical headers)
 *   and gives, per write, an iovec array for writev(): the virtio_net_hdr,
 *   the first packet, then the payloads of the others. No copy, no
 *   allocation per batch.
 */
#ifndef TAPWIRE_VNET_H
#define TAPWIRE_VNET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <linux/virtio_net.h>

#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5 /* USO: GSO frame, UDP datagrams (Linux 6.2+) */
#endif

#define TW_VNET_HDR_LEN	   sizeof(struct virtio_net_hdr)
#define TW_VNET_MAX_PACKET 65535 /* the largest super-packet either way */

/*
 * Splits the packet @pkt of @len bytes that a TUN delivered behind @hdr into
 * separate IP packets: segment k is written to @segs[k] (each @seg_cap bytes)
 * and its length to @ret_lens[k], for at most @max_segs segments. A packet
 * without GSO comes out as one segment, its checksum completed if @hdr says
 * VIRTIO_NET_HDR_F_NEEDS_CSUM. Handles TCPv4, TCPv6 (with ECN) and UDP_L4 over
 * IPv4 (options included) and IPv6 (extension headers included).
 * Returns the number of segments, or -EINVAL (malformed header or packet),
 * -ENOBUFS (more segments than @max_segs, or one larger than @seg_cap),
 * -EPROTONOSUPPORT (legacy UFO or an unknown GSO type). Validates every
 * length before reading: safe on hostile input.
 */
int tw_vnet_split(const struct virtio_net_hdr *hdr, const uint8_t *pkt, size_t len,
		  uint8_t *const *segs, size_t seg_cap, size_t *ret_lens, size_t max_segs);

/*
 * Completes in place the checksum a VIRTIO_NET_HDR_F_NEEDS_CSUM header
 * leaves partial (the field at csum_start + csum_offset holds the pseudo
 * header's sum). 0 (also when nothing is needed) or -EINVAL.
 */
int tw_vnet_csum_complete(const struct virtio_net_hdr *hdr, uint8_t *pkt, size_t len);

/* What tw_gro_batch() may coalesce. */
enum {
	TW_GRO_TCP = 1u << 0, /* TCP segments (needs TUN_F_TSO4/6 on the device) */
	TW_GRO_UDP = 1u << 1, /* UDP datagrams (needs TUN_F_USO4/6, Linux 6.2+) */
	/*
	 * The packets are Ethernet frames (a TAP's): the IP packet follows a
	 * 14-byte header, frames are merged only when their Ethernet headers
	 * are equal, and the vnet header's offsets count the Ethernet header.
	 * Frames that are not untagged IPv4/IPv6 are written alone.
	 */
	TW_GRO_ETH = 1u << 2,
};

struct tw_gro;

/* A coalescer for batches of up to @max_pkts packets. 0 or -ENOMEM/-EINVAL. */
int tw_gro_new(size_t max_pkts, struct tw_gro **ret_gro);
void tw_gro_free(struct tw_gro *gro);

/*
 * Groups the @n IP packets @pkts[i] (@lens[i] bytes each, n <= max_pkts) for
 * writing to the TUN (Ethernet frames for a TAP, with TW_GRO_ETH). Packets keep their order within
 * each flow. The headers of the first packet of each group are rewritten in place (lengths,
 * checksum field, PSH), so the buffers must stay untouched until the writes
 * are done. Packets with bad checksums, IPv4 options, IPv6 extension
 * headers, fragments or unusual TCP flags are passed through alone.
 * Returns the number of writes to make, then see tw_gro_iov(); -EINVAL if
 * n > max_pkts.
 */
int tw_gro_batch(struct tw_gro *gro, uint8_t *const *pkts, const size_t *lens, size_t n,
		 unsigned flags);

/*
 * As tw_gro_batch(), for a caller with more packets to come before it must
 * write (its buffer is full, the stream goes on): when the packets at the
 * end of the batch all belong to one super-packet that could still grow,
 * they are left out of the writes, their headers untouched, and their number
 * is stored in @ret_held (else 0). The caller writes the rest and passes the
 * held packets again, first, with the next ones, so that a flow's
 * super-packets are not cut at the caller's batch boundaries. At least one
 * write is always made.
 */
int tw_gro_batch_more(struct tw_gro *gro, uint8_t *const *pkts, const size_t *lens, size_t n,
		      unsigned flags, size_t *ret_held);

/*
 * The iovec array for write @i (0 <= i < the count tw_gro_batch returned):
 * pass it to writev(). Stores the number of entries in @ret_cnt; the first
 * entry is the virtio_net_hdr, valid until the next tw_gro_batch().
 */
const struct iovec *tw_gro_iov(const struct tw_gro *gro, size_t i, int *ret_cnt);

/* How many input packets write @i carries (1 when not coalesced). */
size_t tw_gro_count(const struct tw_gro *gro, size_t i);

#endif
