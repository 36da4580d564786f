/* SPDX-License-Identifier: MIT */
/*
 * Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s as WireGuard uses it (whitepaper 5.4),
 * without any I/O: the device feeds received messages in and sends what these
 * functions write out.
 *
 * Locking: each struct wg_handshake carries its own mutex and every
 * wg_noise_handshake_* function takes it itself, so the caller may hold its
 * own per-peer lock around these calls (the handshake lock is innermost) but
 * must not hold hs->lock. A struct wg_keypair is immutable after
 * wg_noise_handshake_begin_session() except for its sending counter (atomic,
 * any thread) and its receiving replay window (caller serialises per keypair,
 * see replay.h). struct wg_keypairs (current/previous/next of a peer) has its
 * own lock; readers take a reference with wg_keypairs_get_current().
 */
#ifndef TWWG_NOISE_H
#define TWWG_NOISE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "messages.h"
#include "replay.h"

/* This device's long-term key pair. */
struct wg_static_identity {
	uint8_t private_key[WG_KEY_LEN];
	uint8_t public_key[WG_KEY_LEN];
	bool has_identity;
	/*
	 * TEST HOOK: when set, ephemeral private keys come from here instead of
	 * the random generator, so tests can reproduce a handshake exactly.
	 */
	void (*ephemeral_hook)(uint8_t priv[WG_KEY_LEN], void *ctx);
	void *ephemeral_hook_ctx;
};

enum wg_handshake_state {
	WG_HANDSHAKE_ZEROED,
	WG_HANDSHAKE_CREATED_INITIATION,
	WG_HANDSHAKE_CONSUMED_INITIATION,
	WG_HANDSHAKE_CREATED_RESPONSE,
	WG_HANDSHAKE_CONSUMED_RESPONSE,
};

/* One peer's handshake state; embedded in the peer. */
struct wg_handshake {
	pthread_mutex_t lock;
	enum wg_handshake_state state;
	const struct wg_static_identity *static_identity;
	uint8_t remote_static[WG_KEY_LEN];
	uint8_t preshared_key[WG_KEY_LEN];
	uint8_t precomputed_static_static[WG_KEY_LEN]; /* zero if the DH failed */
	uint8_t hash[WG_HASH_LEN];
	uint8_t chaining_key[WG_HASH_LEN];
	uint8_t ephemeral_private[WG_KEY_LEN];
	uint8_t remote_ephemeral[WG_KEY_LEN];
	uint32_t local_index;  /* as on the wire (opaque, little-endian value) */
	uint32_t remote_index; /* as on the wire */
	uint8_t latest_timestamp[WG_TIMESTAMP_LEN];
	uint64_t last_initiation_consumption; /* wg_now_ns(); 0 = never */
};

struct wg_symkey {
	uint8_t key[WG_KEY_LEN];
	uint64_t birthdate; /* wg_now_ns() */
};

/* Session keys from one handshake. Reference counted; freed (wiped) at zero. */
struct wg_keypair {
	atomic_uint_fast64_t sending_counter; /* next counter to use */
	atomic_int refcount;
	atomic_bool sending_valid; /* cleared to expire the keypair early */
	struct wg_symkey sending, receiving;
	struct wg_replay receiving_counter;
	uint32_t local_index, remote_index; /* wire values */
	bool i_am_initiator;
	uint64_t internal_id; /* unique per process, for logs */
	/* Called once just before the keypair is wiped and freed (last put). */
	void (*on_free)(struct wg_keypair *kp, void *ctx);
	void *on_free_ctx;
};

/* A peer's keypairs (whitepaper 6.3's "current", "previous" and "next"). */
struct wg_keypairs {
	pthread_mutex_t lock;
	struct wg_keypair *current, *previous, *next;
};

/* Initial chaining key and hash of the construction (computed once). */
void wg_noise_initial_values(uint8_t ck[WG_HASH_LEN], uint8_t h[WG_HASH_LEN]);

/*
 * Sets or clears (private_key NULL) the identity; computes the public key.
 * Returns -EINVAL for a private key whose public key is degenerate. Callers
 * must then refresh every handshake with wg_noise_handshake_precompute().
 */
int wg_static_identity_set(struct wg_static_identity *id, const uint8_t *private_key);

/*
 * Prepares a peer's handshake: remote static key, optional preshared key
 * (NULL = all zeros), precomputed static-static DH. Returns -EINVAL if the
 * remote key is a low-order point (the handshake then can never complete and
 * wg_noise_handshake_create_initiation() refuses).
 */
int wg_noise_handshake_init(struct wg_handshake *hs, const struct wg_static_identity *id,
			    const uint8_t remote_static[WG_KEY_LEN], const uint8_t *preshared_key);
/* Destroys the mutex and wipes everything. */
void wg_noise_handshake_destroy(struct wg_handshake *hs);
/* Recomputes the static-static DH after the local identity changed; wipes state. */
void wg_noise_handshake_precompute(struct wg_handshake *hs);
void wg_noise_handshake_set_preshared_key(struct wg_handshake *hs, const uint8_t *psk);
/* Forgets an ongoing handshake (state, ephemerals, hash) but not the keys. */
void wg_noise_handshake_clear(struct wg_handshake *hs);

/*
 * Writes a handshake initiation (mac1/mac2 left zero: the cookie layer adds
 * them) for the handshake's peer, with sender index local_index (the device
 * picks a unique one and maps it to this peer). 0, or -EINVAL without an
 * identity or with a degenerate remote key.
 */
int wg_noise_handshake_create_initiation(struct wg_message_initiation *dst, struct wg_handshake *hs,
					 uint32_t local_index);

/*
 * Finds the handshake of the peer whose static public key an initiation
 * carries; NULL when no such peer. The device keeps the returned handshake
 * alive until it is done with it (a peer reference in its context).
 */
typedef struct wg_handshake *(*wg_peer_lookup_fn)(void *ctx, const uint8_t public_key[WG_KEY_LEN]);

/*
 * Consumes an initiation whose mac1 has been checked: decrypts the
 * initiator's static key, finds the peer through lookup, checks the TAI64N
 * timestamp against replay and the per-peer initiation rate against floods.
 * Returns the peer's handshake (now WG_HANDSHAKE_CONSUMED_INITIATION) or NULL.
 */
struct wg_handshake *wg_noise_handshake_consume_initiation(const struct wg_message_initiation *src,
							   const struct wg_static_identity *id,
							   wg_peer_lookup_fn lookup,
							   void *lookup_ctx, uint64_t now);

/*
 * Writes the response to a consumed initiation, sender index local_index.
 * 0, or -EINVAL if the handshake is not in the consumed-initiation state.
 */
int wg_noise_handshake_create_response(struct wg_message_response *dst, struct wg_handshake *hs,
				       uint32_t local_index);

/*
 * Consumes a response (mac1 checked) for the handshake the device found by
 * the message's receiver_index. 0 (state WG_HANDSHAKE_CONSUMED_RESPONSE),
 * -EINVAL (wrong state or index, low-order ephemeral) or -EBADMSG (does not
 * authenticate, e.g. a different preshared key). The state is unchanged on
 * failure.
 */
int wg_noise_handshake_consume_response(const struct wg_message_response *src,
					struct wg_handshake *hs);

/*
 * Derives the transport keys of a finished handshake (after create_response
 * or consume_response), wipes the handshake state and returns a new keypair
 * (refcount 1, owned by the caller) with local/remote indices. NULL with
 * errno EINVAL in any other state, ENOMEM if allocation failed.
 */
struct wg_keypair *wg_noise_handshake_begin_session(struct wg_handshake *hs, uint64_t now);

/* References on keypairs. put() accepts NULL. */
struct wg_keypair *wg_keypair_get(struct wg_keypair *kp);
void wg_keypair_put(struct wg_keypair *kp);

/*
 * Next sending counter. Returns -EKEYEXPIRED (counter untouched) when the
 * keypair may no longer send: expired by time (REJECT_AFTER_TIME), by count
 * (REJECT_AFTER_MESSAGES) or marked invalid.
 */
int wg_keypair_next_counter(struct wg_keypair *kp, uint64_t now, uint64_t *ret_counter);

/* True if the receiving key is still within REJECT_AFTER_TIME. */
bool wg_keypair_receive_valid(const struct wg_keypair *kp, uint64_t now);

/*
 * Whether the initiator should start a new handshake after sending with this
 * keypair (REKEY_AFTER_MESSAGES or REKEY_AFTER_TIME), or after receiving
 * (REJECT_AFTER_TIME - KEEPALIVE_TIMEOUT - REKEY_TIMEOUT), whitepaper 6.2.
 */
bool wg_keypair_should_rekey_on_send(const struct wg_keypair *kp, uint64_t now);
bool wg_keypair_should_rekey_on_receive(const struct wg_keypair *kp, uint64_t now);

/*
 * Encrypts a data message in place. buf holds WG_MSG_DATA_HDR_LEN bytes of
 * room, then the plaintext (len bytes), then room for padding and the tag:
 * cap must be at least WG_MSG_DATA_HDR_LEN + wg_message_padded_len(len, mtu)
 * + WG_AEAD_TAG_LEN. Pads with zeros, writes the header with this counter
 * (from wg_keypair_next_counter) and returns the message length, or -ENOBUFS
 * / -ENOMEM.
 */
int wg_keypair_encrypt(const struct wg_keypair *kp, uint64_t counter, uint8_t *buf, size_t cap,
		       size_t len, unsigned int mtu);

/*
 * Authenticates and decrypts a data message in place (buf, len: the whole
 * datagram, already classified WG_MSG_DATA and matched to kp by its
 * receiver index). On success returns the plaintext length (padding
 * included; the plaintext starts at buf + WG_MSG_DATA_HDR_LEN) and stores the
 * counter, which the caller then passes to wg_replay_check() on
 * kp->receiving_counter in order. -EBADMSG if authentication fails.
 */
int wg_keypair_decrypt(const struct wg_keypair *kp, uint8_t *buf, size_t len,
		       uint64_t *ret_counter);

/*
 * The two above in two steps, for batches (wg/cryptpool.c): _begin checks,
 * writes the header and padding (encryption) or reads the counter
 * (decryption), and describes the AEAD in @m; wg_aead_encrypt_many() or
 * wg_aead_decrypt_many() then runs it, and the message is done if
 * m->result is 0. _begin returns what the one-step call would return on
 * success, or its error.
 */
struct wg_aead_msg;
int wg_keypair_encrypt_begin(const struct wg_keypair *kp, uint64_t counter, uint8_t *buf,
			     size_t cap, size_t len, unsigned int mtu, struct wg_aead_msg *m);
int wg_keypair_decrypt_begin(const struct wg_keypair *kp, uint8_t *buf, size_t len,
			     uint64_t *ret_counter, struct wg_aead_msg *m);

/* The receiver index of a data message or cookie reply (offset 4; a response has it at 8), as on
 * the wire. */
static inline uint32_t wg_message_receiver_index(const void *buf)
{
	const struct wg_message_data *m = buf;

	return m->receiver_index;
}

void wg_keypairs_init(struct wg_keypairs *kps);
/* Drops every keypair (wiping it on its last reference). */
void wg_keypairs_clear(struct wg_keypairs *kps);
/* As clear, then destroys the lock. */
void wg_keypairs_destroy(struct wg_keypairs *kps);
/*
 * Installs a keypair fresh from begin_session (takes over the caller's
 * reference). An initiator's keypair becomes current at once; a responder's
 * becomes next until the first data from the initiator confirms it.
 */
void wg_keypairs_install(struct wg_keypairs *kps, struct wg_keypair *kp);
/*
 * Call after authenticating a data message with kp: confirms a responder's
 * "next" keypair (it becomes current, the old current becomes previous).
 * Returns true if it did, so the device can send pending packets.
 */
bool wg_keypairs_received_with(struct wg_keypairs *kps, struct wg_keypair *kp);
/* A new reference on the current keypair, or NULL. */
struct wg_keypair *wg_keypairs_get_current(struct wg_keypairs *kps);
/* Marks current and next as unusable for sending (e.g. peer's key changed). */
void wg_keypairs_expire_current(struct wg_keypairs *kps);

/* The current TAI64N time (whitened to ~16 ms so it leaks no fine timing). */
void wg_tai64n_now(uint8_t out[WG_TIMESTAMP_LEN]);

#endif
