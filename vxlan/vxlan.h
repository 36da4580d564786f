/* SPDX-License-Identifier: MIT */
/*
 * VXLAN (RFC 7348) as the Linux kernel's vxlan device speaks it: an 8-byte
 * header (flags with the I bit, 24 reserved bits, the 24-bit VNI, 8
 * reserved bits) before the inner Ethernet frame, in UDP to port 4789 (the
 * kernel's default is 8472 unless `dstport 4789` is given). The receiver
 * requires the I bit and ignores the reserved bits; the sender sets the I
 * bit alone. The UDP source port is a hash of the inner flow, so that RSS
 * and ECMP on the path spread the flows (RFC 7348 section 5).
 */
#ifndef TW_VXLAN_H
#define TW_VXLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VX_HDR_LEN     8
#define VX_FLAG_I      0x08
#define VX_PORT	       4789
#define VX_VNI_MAX     0xffffff
#define VX_OVERHEAD4   50 /* outer IPv4 20 + UDP 8 + VXLAN 8 + inner Ethernet 14 */
#define VX_OVERHEAD6   70 /* outer IPv6 40 + the rest */
#define VX_ETH_HDR_LEN 14

static inline void vx_hdr_write(uint8_t *h, uint32_t vni)
{
	h[0] = VX_FLAG_I;
	h[1] = h[2] = h[3] = 0;
	h[4] = (uint8_t)(vni >> 16);
	h[5] = (uint8_t)(vni >> 8);
	h[6] = (uint8_t)vni;
	h[7] = 0;
}

/* What the receive path did with datagrams: counted, never logged one by one. */
struct vx_rx_stats {
	uint64_t frames;    /* delivered to the TAP */
	uint64_t truncated; /* shorter than the VXLAN header and an Ethernet header */
	uint64_t bad_flags; /* the I flag missing */
	uint64_t other_vni; /* a VNI not ours */
	uint64_t too_big;   /* a frame larger than the TAP's MTU allows */
};

struct vx_fdb;
struct vx_addr;

/* The receive path's configuration and counters. */
struct vx_rx {
	uint32_t vni;
	bool raw;	  /* the whole datagram is the frame (no VXLAN header) */
	bool learning;	  /* inner source MAC -> outer source address */
	size_t max_frame; /* the TAP's MTU and an Ethernet header (and a VLAN tag) */
	struct vx_fdb *fdb;
	struct vx_rx_stats st;
};

/*
 * One received datagram (UDP payload @d, @len bytes, from @from at @now):
 * checked (length, I flag, VNI, size), its inner source MAC learned, and
 * the frame's length returned, found at @d + *ret_off; 0 when dropped (and
 * counted). Safe on any input.
 */
size_t vx_rx(struct vx_rx *rx, const uint8_t *d, size_t len, const struct vx_addr *from,
	     uint64_t now, size_t *ret_off);

/*
 * A hash of the inner frame's flow: the MAC addresses and EtherType, and for
 * IPv4/IPv6 the addresses, the protocol and (TCP, UDP, SCTP) the ports, so
 * that the packets of one flow stay on one path and different flows spread.
 */
uint32_t vx_flow_hash(const uint8_t *frame, size_t len);

#endif
