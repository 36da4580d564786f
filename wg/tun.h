/* SPDX-License-Identifier: MIT */
/*
 * The device's TUN: reads (a GSO super-packet split into MTU-sized packets
 * straight into the transmit slots), writes of decrypted packets (coalesced
 * into super-packets where the kernel takes them), and the offload probing
 * that decides which of those the kernel does for us.
 *
 * Everything here runs on the event loop's thread.
 */
#ifndef TWWG_TUN_H
#define TWWG_TUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "device.h"

/*
 * Sets up the TUN offloads for @dev->tun_fd if it carries a virtio_net_hdr
 * (IFF_VNET_HDR): with @enable, the best set of TSO/USO the kernel takes;
 * without, none (headers are still read and written). Also finds out whether
 * an inherited TUN carries packet information headers. 0, -EINVAL (a TUN with
 * both kinds of header) or -ENOMEM.
 */
int wg_tun_setup_offloads(struct wg_device *dev, bool enable);

/*
 * Reads one packet, or one super-packet split into packets, into the
 * transmit slots @first, @first + 1, ... (at most dev->n_slots - @first of
 * them); sets @ret_pkts[i] and @ret_lens[i] for each. Returns how many
 * (0: a packet was read but dropped, malformed or too small), or a negative
 * errno: -EAGAIN when nothing is waiting, -ENOBUFS when a super-packet
 * needs more slots than are free (it is kept: call again with @first 0,
 * and it is split without another read), -EBADFD when the TUN is gone.
 *
 * Packets larger than the slots make them grow (with @first 0, so that no
 * packet sits in them; see wg_tun_grow_slots()): nothing is lost.
 */
int wg_tun_read_packets(struct wg_device *dev, unsigned first, uint8_t **ret_pkts,
			uint16_t *ret_lens);

/*
 * Writes the decrypted packets gathered in dev->tun_out. Call at the end of a
 * receive batch: the packets point into the batch's buffers.
 */
void wg_tun_flush(struct wg_device *dev);

/*
 * Makes room in a full dev->tun_out in the middle of a receive batch: writes
 * all but a super-packet still growing at the end, which stays (its packets
 * must stay valid until wg_tun_flush() at the end of the batch).
 */
void wg_tun_room(struct wg_device *dev);

/* Writes one packet into the TUN at once (not for the data path). */
void wg_tun_write(struct wg_device *dev, const uint8_t *pkt, size_t len);

/* Gathers a decrypted packet for the TUN; @pkt must stay valid until wg_tun_flush(). */
static inline void wg_tun_queue(struct wg_device *dev, uint8_t *pkt, size_t len)
{
	if (dev->n_tun_out == WG_TUN_OUT_MAX)
		wg_tun_room(dev);
	dev->tun_out[dev->n_tun_out] = pkt;
	dev->tun_out_len[dev->n_tun_out++] = len;
}

/*
 * Makes the transmit slots hold packets of @len bytes (they only grow, up to
 * WG_TUN_SLOT_MAX). No packet may sit in a slot: the buffer moves. 0, or
 * -ENOMEM (the old slots are kept), -EMSGSIZE (@len is beyond any slot).
 */
int wg_tun_grow_slots(struct wg_device *dev, size_t len);

/* Reads the interface's MTU into dev->mtu (kept if it can't be read: moved to another netns). */
void wg_tun_read_mtu(struct wg_device *dev);

#endif
