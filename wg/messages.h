/* SPDX-License-Identifier: MIT */
/*
 * WireGuard's wire formats and protocol constants (WireGuard whitepaper,
 * sections 5.4 and 6). Every multi-byte integer on the wire is little-endian.
 * Parsers must check the length with wg_message_type() before casting a
 * received buffer to one of these structures.
 */
#ifndef TWWG_MESSAGES_H
#define TWWG_MESSAGES_H

#include <stddef.h>
#include <stdint.h>

#include "aead.h"
#include "clock.h"
#include "crypto.h"

/* Key, hash, tag and nonce lengths are the primitives' (crypto.h, aead.h). */
#define WG_TIMESTAMP_LEN      12 /* TAI64N */
#define WG_COOKIE_LEN	      16
#define WG_COOKIE_NONCE_LEN   WG_XAEAD_NONCE_LEN
#define WG_MAC_LEN	      16
#define WG_ENCRYPTED_LEN(len) ((len) + WG_AEAD_TAG_LEN)

/* Timers and limits (whitepaper 6.1 and 6.4); durations in nanoseconds. */
#define WG_REKEY_AFTER_MESSAGES	  (1ULL << 60)
#define WG_REJECT_AFTER_MESSAGES  (UINT64_MAX - (1ULL << 13)) /* 2^64 - 2^13 - 1 */
#define WG_REKEY_AFTER_TIME	  (120 * NSEC_PER_SEC)
#define WG_REJECT_AFTER_TIME	  (180 * NSEC_PER_SEC)
#define WG_REKEY_ATTEMPT_TIME	  (90 * NSEC_PER_SEC)
#define WG_REKEY_TIMEOUT	  (5 * NSEC_PER_SEC)
#define WG_KEEPALIVE_TIMEOUT	  (10 * NSEC_PER_SEC)
#define WG_COOKIE_SECRET_MAX_AGE  (120 * NSEC_PER_SEC)
#define WG_COOKIE_SECRET_LATENCY  (5 * NSEC_PER_SEC)
#define WG_REKEY_TIMEOUT_JITTER	  (NSEC_PER_SEC / 3) /* up to a third of a second */
#define WG_MAX_TIMER_HANDSHAKES	  (WG_REKEY_ATTEMPT_TIME / WG_REKEY_TIMEOUT)
#define WG_INITIATIONS_PER_SECOND 50 /* per peer: faster ones are floods */
#define WG_MAX_PEERS		  (1U << 20)
#define WG_MAX_QUEUED_PACKETS	  1024
#define WG_MESSAGE_PADDING	  16
#define WG_DEFAULT_MTU		  1420
#define WG_DEFAULT_PORT		  51820

enum wg_message_type {
	WG_MSG_INVALID = 0,
	WG_MSG_HANDSHAKE_INITIATION = 1,
	WG_MSG_HANDSHAKE_RESPONSE = 2,
	WG_MSG_HANDSHAKE_COOKIE = 3,
	WG_MSG_DATA = 4,
};

/* The first four bytes of every message: type, then three zero bytes. */
struct wg_message_header {
	uint32_t type; /* little-endian */
} __attribute__((packed));

/* The part every handshake message ends with (whitepaper 5.4.4). */
struct wg_message_macs {
	uint8_t mac1[WG_MAC_LEN];
	uint8_t mac2[WG_MAC_LEN];
} __attribute__((packed));

struct wg_message_initiation {
	struct wg_message_header header;
	uint32_t sender_index;
	uint8_t unencrypted_ephemeral[WG_KEY_LEN];
	uint8_t encrypted_static[WG_ENCRYPTED_LEN(WG_KEY_LEN)];
	uint8_t encrypted_timestamp[WG_ENCRYPTED_LEN(WG_TIMESTAMP_LEN)];
	struct wg_message_macs macs;
} __attribute__((packed));

struct wg_message_response {
	struct wg_message_header header;
	uint32_t sender_index;
	uint32_t receiver_index;
	uint8_t unencrypted_ephemeral[WG_KEY_LEN];
	uint8_t encrypted_nothing[WG_ENCRYPTED_LEN(0)];
	struct wg_message_macs macs;
} __attribute__((packed));

struct wg_message_cookie {
	struct wg_message_header header;
	uint32_t receiver_index;
	uint8_t nonce[WG_COOKIE_NONCE_LEN];
	uint8_t encrypted_cookie[WG_ENCRYPTED_LEN(WG_COOKIE_LEN)];
} __attribute__((packed));

struct wg_message_data {
	struct wg_message_header header;
	uint32_t receiver_index;
	uint64_t counter;
	uint8_t encrypted_data[];
} __attribute__((packed));

#define WG_MSG_INITIATION_LEN 148
#define WG_MSG_RESPONSE_LEN   92
#define WG_MSG_COOKIE_LEN     64
#define WG_MSG_DATA_HDR_LEN   16
#define WG_MSG_DATA_MIN_LEN   (WG_MSG_DATA_HDR_LEN + WG_AEAD_TAG_LEN) /* a keepalive */
/* Bytes a data message adds around a padded plaintext. */
#define WG_MSG_DATA_OVERHEAD (WG_MSG_DATA_HDR_LEN + WG_AEAD_TAG_LEN)

_Static_assert(sizeof(struct wg_message_initiation) == WG_MSG_INITIATION_LEN, "initiation");
_Static_assert(sizeof(struct wg_message_response) == WG_MSG_RESPONSE_LEN, "response");
_Static_assert(sizeof(struct wg_message_cookie) == WG_MSG_COOKIE_LEN, "cookie");
_Static_assert(sizeof(struct wg_message_data) == WG_MSG_DATA_HDR_LEN, "data");

/*
 * Classifies a received datagram: its type if the type field is valid (reserved
 * bytes zero) and the length is exactly right for a handshake message or at
 * least a keepalive for data; WG_MSG_INVALID otherwise. The only check that
 * needs no key, so it runs first on everything the socket delivers.
 */
enum wg_message_type wg_message_type(const void *buf, size_t len);

/* Offset of mac1 / mac2 in a handshake message of this length (148 or 92). */
static inline size_t wg_message_mac1_offset(size_t len)
{
	return len - sizeof(struct wg_message_macs);
}

static inline size_t wg_message_mac2_offset(size_t len)
{
	return len - WG_MAC_LEN;
}

/*
 * Length of the plaintext after padding to a multiple of 16, never beyond the
 * MTU (whitepaper 5.4.6): what a data message of `len` inner bytes carries.
 */
static inline size_t wg_message_padded_len(size_t len, unsigned int mtu)
{
	size_t padded = (len + WG_MESSAGE_PADDING - 1) & ~(size_t)(WG_MESSAGE_PADDING - 1);

	if (len > mtu)
		return len;
	return padded > mtu ? mtu : padded;
}

#endif
