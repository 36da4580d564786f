/* SPDX-License-Identifier: MIT */
/*
 * The packet paths (send.c, receive.c). Everything here runs on the event
 * loop's thread and works on whole batches.
 */
#ifndef TWWG_QUEUEING_H
#define TWWG_QUEUEING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wg_device;
struct wg_peer;
struct tw_endpoint;
struct tw_udp_batch;

/* Sends an initiation unless one went out less than REKEY_TIMEOUT ago. */
void wg_send_handshake_initiation(struct wg_peer *peer, bool is_retry);
/* Sends the staged packets, or a keepalive if none is staged. */
void wg_send_keepalive(struct wg_peer *peer);
/* Encrypts and sends the staged packets if a session exists; else starts a handshake. */
void wg_send_staged(struct wg_peer *peer);
/* Sends one handshake-sized datagram to @ep (responses, cookie replies). */
int wg_send_raw(struct wg_device *dev, struct tw_endpoint *ep, const void *buf, size_t len);

/* Reads and routes up to WG_TUN_BATCH reads from the TUN. Returns how many or -errno. */
int wg_send_from_tun(struct wg_device *dev);

/* Handles one receive batch of datagrams. */
void wg_receive_batch(struct wg_device *dev, struct tw_udp_batch *b);

#endif
