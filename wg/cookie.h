/* SPDX-License-Identifier: MIT */
/*
 * mac1, mac2 and cookie replies (whitepaper 5.4.4 and 5.4.7).
 *
 * Responder side: struct wg_cookie_checker validates mac1 (always) and mac2
 * (when the device is under load) of received handshake messages, and makes
 * cookie replies; the cookie is a MAC of the sender's IP address and port
 * under a secret renewed every two minutes.
 * Initiator side: struct wg_cookie (one per peer) adds mac1 and, while it
 * holds a fresh cookie, mac2 to the handshake messages we send, and consumes
 * cookie replies.
 * Both carry their own lock; all functions are thread-safe.
 */
#ifndef TWWG_COOKIE_H
#define TWWG_COOKIE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "messages.h"

struct wg_cookie_checker {
	pthread_rwlock_t lock;
	uint8_t secret[WG_HASH_LEN];
	uint64_t secret_birthdate; /* wg_now_ns() clock; 0 = none yet */
	uint8_t cookie_encryption_key[WG_KEY_LEN];
	uint8_t message_mac1_key[WG_KEY_LEN];
};

struct wg_cookie {
	pthread_rwlock_t lock;
	uint64_t birthdate; /* when the cookie was received */
	bool is_valid;
	uint8_t cookie[WG_COOKIE_LEN];
	bool have_sent_mac1;
	uint8_t last_mac1_sent[WG_MAC_LEN];
	uint8_t cookie_decryption_key[WG_KEY_LEN];
	uint8_t message_mac1_key[WG_KEY_LEN];
};

enum wg_cookie_mac_state {
	WG_COOKIE_INVALID_MAC,		   /* drop */
	WG_COOKIE_VALID_MAC_BUT_NO_COOKIE, /* mac1 good, mac2 absent or wrong */
	WG_COOKIE_VALID_MAC_WITH_COOKIE,   /* mac1 and mac2 good */
};

/* Sets up a checker for this device's public key (NULL: no identity yet). */
void wg_cookie_checker_init(struct wg_cookie_checker *c, const uint8_t *public_key);
/* Call when the device's identity changes (NULL clears). */
void wg_cookie_checker_precompute(struct wg_cookie_checker *c, const uint8_t *public_key);
void wg_cookie_checker_destroy(struct wg_cookie_checker *c);

/*
 * Validates a handshake message (initiation or response, len 148 or 92; any
 * other length is invalid). mac2 is only checked when check_cookie is true
 * (the device is under load): the result then tells whether the sender proved
 * its address. src is the datagram's source (IPv4 or IPv6).
 */
enum wg_cookie_mac_state wg_cookie_validate_packet(struct wg_cookie_checker *c, const void *msg,
						   size_t len, const struct sockaddr *src,
						   bool check_cookie, uint64_t now);

/*
 * Writes the cookie reply to a handshake message that arrived under load
 * without a valid mac2: receiver index = the message's sender index, cookie
 * for src encrypted with the AD of the message's mac1. 0 or -EINVAL.
 */
int wg_cookie_message_create(struct wg_message_cookie *dst, struct wg_cookie_checker *c,
			     const void *msg, size_t len, const struct sockaddr *src, uint64_t now);

/* Per-peer cookie state for a peer with this static public key. */
void wg_cookie_init(struct wg_cookie *ck, const uint8_t remote_public[WG_KEY_LEN]);
void wg_cookie_precompute(struct wg_cookie *ck, const uint8_t remote_public[WG_KEY_LEN]);
void wg_cookie_destroy(struct wg_cookie *ck);

/*
 * Fills mac1 and mac2 of a handshake message we are about to send (len 148 or
 * 92): mac2 is the cookie's MAC while the cookie is younger than
 * COOKIE_SECRET_MAX_AGE - COOKIE_SECRET_LATENCY, zeros otherwise.
 */
void wg_cookie_add_mac_to_packet(struct wg_cookie *ck, void *msg, size_t len, uint64_t now);

/*
 * Consumes a cookie reply that the device matched to this peer by receiver
 * index: decrypts it with the mac1 we last sent as AD and stores the cookie.
 * 0, or -EINVAL (nothing sent yet, or authentication failed).
 */
int wg_cookie_message_consume(struct wg_cookie *ck, const struct wg_message_cookie *src,
			      uint64_t now);

#endif
