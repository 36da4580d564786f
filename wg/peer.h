/* SPDX-License-Identifier: MIT */
/*
 * A peer: its configuration (public key, preshared key, endpoint, persistent
 * keepalive; its allowed IPs live in the device's trie), its statistics, and
 * its protocol state (handshake, keypairs, cookie, timers, and the packets
 * waiting for a session).
 */
#ifndef TWWG_PEER_H
#define TWWG_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "allowedips.h"
#include "cookie.h"
#include "noise.h"
#include "udp.h"

struct wg_device;

/* Packets from the TUN waiting for a session, at most this many per peer (oldest dropped). */
#define WG_STAGED_MAX 128

/* Timers of a peer (timers.c): deadlines on the wg_now_ns() clock, 0 = not armed. */
enum wg_timer {
	WG_TIMER_RETRANSMIT_HANDSHAKE,
	WG_TIMER_SEND_KEEPALIVE,
	WG_TIMER_NEW_HANDSHAKE,
	WG_TIMER_ZERO_KEY_MATERIAL,
	WG_TIMER_PERSISTENT_KEEPALIVE,
	WG_TIMER_COUNT,
};

/* A ring of copies (staging is rare: only while no session exists). */
struct wg_staged {
	uint8_t *pkt[WG_STAGED_MAX];
	uint16_t len[WG_STAGED_MAX];
	unsigned head, count;
};

struct wg_peer {
	struct wg_device *dev;
	struct wg_peer *next, *prev; /* device list; the head's prev is the tail */
	struct wg_peer *hash_next;   /* device's public-key hash chain */
	uint64_t internal_id;	     /* for log lines; never reused */

	uint8_t public_key[32];
	uint8_t preshared_key[32];
	struct tw_endpoint endpoint;
	uint16_t persistent_keepalive; /* seconds, 0 = off */
	struct wg_aip *aips, *aips_tail;

	uint64_t rx_bytes, tx_bytes;
	uint64_t last_handshake_wall_ns; /* CLOCK_REALTIME of the last completed handshake */

	struct wg_handshake handshake;
	struct wg_keypairs keypairs;
	struct wg_cookie cookie;
	uint32_t handshake_index;     /* local index of the ongoing handshake, 0 = none */
	uint64_t last_sent_handshake; /* wg_now_ns(); 0 = never */
	bool sent_lastminute_handshake;

	uint64_t timers[WG_TIMER_COUNT];
	unsigned handshake_attempts;
	bool need_another_keepalive;

	struct wg_staged staged;
};

/* Creates a peer with @public_key on @dev (no allowed IPs, no endpoint). */
int wg_peer_create(struct wg_device *dev, const uint8_t public_key[32], struct wg_peer **ret_peer);

/* Removes the peer from its device: allowed IPs, sessions, queues; wipes its keys. */
void wg_peer_remove(struct wg_peer *peer);

void wg_peer_set_preshared_key(struct wg_peer *peer, const uint8_t key[32]);
void wg_peer_set_endpoint(struct wg_peer *peer, const struct tw_endpoint *ep);
/* Sets persistent keepalive; turning it on sends a keepalive at once (as wireguard-go). */
void wg_peer_set_keepalive(struct wg_peer *peer, uint16_t seconds);

/*
 * Allowed IPs: @addr is 4 or 16 bytes by @family. Adding a prefix another
 * peer holds moves it here. Returns 0, -EINVAL (bad cidr) or -ENOSPC (the
 * device's limit on allowed IPs is reached).
 */
int wg_peer_add_allowedip(struct wg_peer *peer, int family, const void *addr, uint8_t cidr);
int wg_peer_del_allowedip(struct wg_peer *peer, int family, const void *addr, uint8_t cidr);
void wg_peer_clear_allowedips(struct wg_peer *peer);

/* Calls @cb for each allowed IP of the peer, in the order they were added. */
void wg_peer_for_each_allowedip(const struct wg_peer *peer,
				void (*cb)(void *ctx, int family, const uint8_t *addr,
					   uint8_t cidr),
				void *ctx);

/* Drops every session and the ongoing handshake (keys changed). */
void wg_peer_reset_sessions(struct wg_peer *peer);

/*
 * Registers a fresh keypair (from a completed handshake) under its local
 * index, so data messages find it, and makes it the peer's next or current
 * one (wg_keypairs_install()).
 */
void wg_peer_install_keypair(struct wg_peer *peer, struct wg_keypair *kp);

/*
 * A new local index for the peer's next handshake message, replacing the one
 * of a handshake in progress. 0 if the index table is full.
 */
uint32_t wg_peer_new_handshake_index(struct wg_peer *peer);

/* Staged packets (packets waiting for a session). */
void wg_peer_stage(struct wg_peer *peer, const uint8_t *pkt, size_t len);
void wg_peer_clear_staged(struct wg_peer *peer);

#endif
