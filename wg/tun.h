/* SPDX-License-Identifier: MIT */
/*
 * The device's TUN: reads (a GSO super-packet split into MTU-sized packets
 * straight into the transmit slots) over the shared I/O layer (io/tunio.h,
 * which also writes the decrypted packets, coalesced: tw_tunio_queue() and
 * tw_tunio_flush() on dev->tun), the slots' growth, and the MTU.
 *
 * Everything here runs on the event loop's thread.
 */
#ifndef TWWG_TUN_H
#define TWWG_TUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "device.h"

/* tw_tunio_setup_offloads() for the device's TUN. */
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
 * Makes the transmit slots hold packets of @len bytes (they only grow, up to
 * WG_TUN_SLOT_MAX). No packet may sit in a slot: the buffer moves. 0, or
 * -ENOMEM (the old slots are kept), -EMSGSIZE (@len is beyond any slot).
 */
int wg_tun_grow_slots(struct wg_device *dev, size_t len);

/* Reads the interface's MTU into dev->mtu (kept if it can't be read: moved to another netns). */
void wg_tun_read_mtu(struct wg_device *dev);

#endif
