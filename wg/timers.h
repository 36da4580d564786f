/* SPDX-License-Identifier: MIT */
/*
 * The protocol's timers (whitepaper 6), per peer, as deadlines on the
 * wg_now_ns() clock. The device arms one timerfd for the earliest deadline
 * of all peers and calls wg_timers_expire() when it fires. Each hook below
 * says when it must be called.
 */
#ifndef TWWG_TIMERS_H
#define TWWG_TIMERS_H

#include <stdint.h>

struct wg_device;
struct wg_peer;

/* Call after an authenticated data packet (not a keepalive) was sent. */
void wg_timers_data_sent(struct wg_peer *peer);
/* Call after an authenticated data packet (not a keepalive) was received. */
void wg_timers_data_received(struct wg_peer *peer);
/* Call after any authenticated packet (data, keepalive, handshake) was sent. */
void wg_timers_any_authenticated_packet_sent(struct wg_peer *peer);
/* Call after any authenticated packet was received. */
void wg_timers_any_authenticated_packet_received(struct wg_peer *peer);
/* Call after a handshake initiation was sent. */
void wg_timers_handshake_initiated(struct wg_peer *peer);
/* Call when a handshake completed: response consumed, or first data on a responder's session. */
void wg_timers_handshake_complete(struct wg_peer *peer);
/* Call when new session keys were derived (either role). */
void wg_timers_session_derived(struct wg_peer *peer);
/* Call after any authenticated packet was sent or received (persistent keepalive). */
void wg_timers_any_authenticated_packet_traversal(struct wg_peer *peer);
/* Call when the peer is removed or its timers must stop. */
void wg_timers_stop(struct wg_peer *peer);

/* Runs every expired timer of every peer. */
void wg_timers_expire(struct wg_device *dev, uint64_t now);
/* The earliest armed deadline of all peers, 0 if none. */
uint64_t wg_timers_next_deadline(struct wg_device *dev);

#endif
