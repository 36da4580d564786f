// SPDX-License-Identifier: MIT
/*
 * The handshake of whitepaper 5.4.2-5.4.5 and the transport keys of 5.4.6.
 * Variable names follow the paper: ck (chaining key C), h (hash H), key (k).
 */
#include "noise.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "aead.h"
#include "crypto.h"

static const char construction[] = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
static const char identifier[] = "WireGuard v1 zx2c4 Jason@zx2c4.com";

static uint8_t initial_ck[WG_HASH_LEN], initial_h[WG_HASH_LEN];
static pthread_once_t initial_once = PTHREAD_ONCE_INIT;
static atomic_uint_fast64_t keypair_ids;

static void initial_compute(void)
{
	wg_blake2s(initial_ck, construction, strlen(construction));
	wg_blake2s2(initial_h, initial_ck, WG_HASH_LEN, identifier, strlen(identifier));
}

void wg_noise_initial_values(uint8_t ck[WG_HASH_LEN], uint8_t h[WG_HASH_LEN])
{
	pthread_once(&initial_once, initial_compute);
	memcpy(ck, initial_ck, WG_HASH_LEN);
	memcpy(h, initial_h, WG_HASH_LEN);
}

int wg_static_identity_set(struct wg_static_identity *id, const uint8_t *private_key)
{
	uint8_t pub[WG_KEY_LEN];

	if (!private_key || wg_is_zero(private_key, WG_KEY_LEN)) {
		wg_wipe(id->private_key, WG_KEY_LEN);
		memset(id->public_key, 0, WG_KEY_LEN);
		id->has_identity = false;
		return 0;
	}
	if (wg_x25519_public(pub, private_key))
		return -EINVAL;
	memcpy(id->private_key, private_key, WG_KEY_LEN);
	/* Clamp as X25519 does, so that what `get` reports matches wg's view. */
	id->private_key[0] &= 248;
	id->private_key[31] = (id->private_key[31] & 127) | 64;
	memcpy(id->public_key, pub, WG_KEY_LEN);
	id->has_identity = true;
	return 0;
}

/* Starts ck and h for a handshake whose responder has static key responder. */
static void handshake_start(uint8_t ck[WG_HASH_LEN], uint8_t h[WG_HASH_LEN],
			    const uint8_t responder[WG_KEY_LEN])
{
	wg_noise_initial_values(ck, h);
	wg_blake2s2(h, h, WG_HASH_LEN, responder, WG_KEY_LEN);
}

static void mix_hash(uint8_t h[WG_HASH_LEN], const void *data, size_t len)
{
	wg_blake2s2(h, h, WG_HASH_LEN, data, len);
}

/* (ck, key) = KDF2(ck, DH(priv, pub)); key may be NULL (KDF1). */
static int mix_dh(uint8_t ck[WG_HASH_LEN], uint8_t key[WG_KEY_LEN], const uint8_t priv[WG_KEY_LEN],
		  const uint8_t pub[WG_KEY_LEN])
{
	uint8_t dh[WG_KEY_LEN];

	if (wg_x25519(dh, priv, pub))
		return -EINVAL;
	wg_kdf(ck, key, NULL, ck, dh, sizeof(dh));
	wg_wipe(dh, sizeof(dh));
	return 0;
}

static int mix_precomputed(uint8_t ck[WG_HASH_LEN], uint8_t key[WG_KEY_LEN],
			   const uint8_t ss[WG_KEY_LEN])
{
	if (wg_is_zero(ss, WG_KEY_LEN))
		return -EINVAL;
	wg_kdf(ck, key, NULL, ck, ss, WG_KEY_LEN);
	return 0;
}

static void mix_psk(uint8_t ck[WG_HASH_LEN], uint8_t h[WG_HASH_LEN], uint8_t key[WG_KEY_LEN],
		    const uint8_t psk[WG_KEY_LEN])
{
	uint8_t tau[WG_HASH_LEN];

	wg_kdf(ck, tau, key, ck, psk, WG_KEY_LEN);
	mix_hash(h, tau, sizeof(tau));
	wg_wipe(tau, sizeof(tau));
}

/* Copies the ephemeral into the message and mixes it into h and ck. */
static void message_ephemeral(uint8_t dst[WG_KEY_LEN], const uint8_t src[WG_KEY_LEN],
			      uint8_t ck[WG_HASH_LEN], uint8_t h[WG_HASH_LEN])
{
	if (dst != src)
		memcpy(dst, src, WG_KEY_LEN);
	mix_hash(h, src, WG_KEY_LEN);
	wg_kdf(ck, NULL, NULL, ck, src, WG_KEY_LEN);
}

static int message_encrypt(uint8_t *dst, const uint8_t *src, size_t len,
			   const uint8_t key[WG_KEY_LEN], uint8_t h[WG_HASH_LEN])
{
	if (wg_aead_encrypt(dst, src, len, h, WG_HASH_LEN, 0, key))
		return -ENOMEM;
	mix_hash(h, dst, len + WG_AEAD_TAG_LEN);
	return 0;
}

/* dst receives len - 16 bytes of plaintext from the len bytes at src. */
static int message_decrypt(uint8_t *dst, const uint8_t *src, size_t len,
			   const uint8_t key[WG_KEY_LEN], uint8_t h[WG_HASH_LEN])
{
	if (wg_aead_decrypt(dst, src, len, h, WG_HASH_LEN, 0, key))
		return -EBADMSG;
	mix_hash(h, src, len);
	return 0;
}

static void ephemeral_generate(const struct wg_static_identity *id, uint8_t priv[WG_KEY_LEN])
{
	if (id->ephemeral_hook)
		id->ephemeral_hook(priv, id->ephemeral_hook_ctx);
	else
		wg_x25519_generate(priv);
}

/* Wipes the in-flight part of a handshake; keys and timestamps stay. */
static void handshake_zero(struct wg_handshake *hs)
{
	wg_wipe(hs->ephemeral_private, WG_KEY_LEN);
	wg_wipe(hs->remote_ephemeral, WG_KEY_LEN);
	wg_wipe(hs->hash, WG_HASH_LEN);
	wg_wipe(hs->chaining_key, WG_HASH_LEN);
	hs->remote_index = 0;
	hs->state = WG_HANDSHAKE_ZEROED;
}

static void handshake_precompute(struct wg_handshake *hs)
{
	const struct wg_static_identity *id = hs->static_identity;

	if (!id->has_identity ||
	    wg_x25519(hs->precomputed_static_static, id->private_key, hs->remote_static))
		memset(hs->precomputed_static_static, 0, WG_KEY_LEN);
}

int wg_noise_handshake_init(struct wg_handshake *hs, const struct wg_static_identity *id,
			    const uint8_t remote_static[WG_KEY_LEN], const uint8_t *preshared_key)
{
	uint8_t probe[WG_KEY_LEN], one[WG_KEY_LEN] = {9};
	int err;

	memset(hs, 0, sizeof(*hs));
	pthread_mutex_init(&hs->lock, NULL);
	hs->static_identity = id;
	memcpy(hs->remote_static, remote_static, WG_KEY_LEN);
	if (preshared_key)
		memcpy(hs->preshared_key, preshared_key, WG_KEY_LEN);
	handshake_precompute(hs);
	/* A low-order remote key gives an all-zero DH with any private key. */
	one[0] = 8;
	one[31] = 64;
	err = wg_x25519(probe, one, remote_static);
	wg_wipe(probe, sizeof(probe));
	return err;
}

void wg_noise_handshake_destroy(struct wg_handshake *hs)
{
	pthread_mutex_destroy(&hs->lock);
	wg_wipe(hs, sizeof(*hs));
}

void wg_noise_handshake_precompute(struct wg_handshake *hs)
{
	pthread_mutex_lock(&hs->lock);
	handshake_zero(hs);
	handshake_precompute(hs);
	pthread_mutex_unlock(&hs->lock);
}

void wg_noise_handshake_set_preshared_key(struct wg_handshake *hs, const uint8_t *psk)
{
	pthread_mutex_lock(&hs->lock);
	if (psk)
		memcpy(hs->preshared_key, psk, WG_KEY_LEN);
	else
		wg_wipe(hs->preshared_key, WG_KEY_LEN);
	pthread_mutex_unlock(&hs->lock);
}

void wg_noise_handshake_clear(struct wg_handshake *hs)
{
	pthread_mutex_lock(&hs->lock);
	handshake_zero(hs);
	pthread_mutex_unlock(&hs->lock);
}

void wg_tai64n_now(uint8_t out[WG_TIMESTAMP_LEN])
{
	uint64_t ns = wg_wall_ns();
	uint64_t sec = htobe64(0x400000000000000aULL + ns / NSEC_PER_SEC);
	/* Whitened to 2^24 ns, so the timestamp reveals no finer timing. */
	uint32_t nsec = htobe32((uint32_t)(ns % NSEC_PER_SEC) & ~((1U << 24) - 1));

	memcpy(out, &sec, sizeof(sec));
	memcpy(out + sizeof(sec), &nsec, sizeof(nsec));
}

static int initiation_fill(struct wg_message_initiation *dst, struct wg_handshake *hs)
{
	const struct wg_static_identity *id = hs->static_identity;
	uint8_t key[WG_KEY_LEN], e_pub[WG_KEY_LEN], ts[WG_TIMESTAMP_LEN];
	int err = -EINVAL;

	if (!id->has_identity || wg_is_zero(hs->precomputed_static_static, WG_KEY_LEN))
		return -EINVAL;
	handshake_start(hs->chaining_key, hs->hash, hs->remote_static);
	ephemeral_generate(id, hs->ephemeral_private);
	if (wg_x25519_public(e_pub, hs->ephemeral_private))
		goto out;
	message_ephemeral(dst->unencrypted_ephemeral, e_pub, hs->chaining_key, hs->hash);
	if (mix_dh(hs->chaining_key, key, hs->ephemeral_private, hs->remote_static))
		goto out;
	if (message_encrypt(dst->encrypted_static, id->public_key, WG_KEY_LEN, key, hs->hash))
		goto out;
	if (mix_precomputed(hs->chaining_key, key, hs->precomputed_static_static))
		goto out;
	wg_tai64n_now(ts);
	if (message_encrypt(dst->encrypted_timestamp, ts, WG_TIMESTAMP_LEN, key, hs->hash))
		goto out;
	err = 0;
out:
	wg_wipe(key, sizeof(key));
	return err;
}

int wg_noise_handshake_create_initiation(struct wg_message_initiation *dst, struct wg_handshake *hs,
					 uint32_t local_index)
{
	int err;

	memset(dst, 0, sizeof(*dst));
	dst->header.type = htole32(WG_MSG_HANDSHAKE_INITIATION);
	dst->sender_index = local_index;
	pthread_mutex_lock(&hs->lock);
	err = initiation_fill(dst, hs);
	if (err) {
		handshake_zero(hs);
	} else {
		hs->local_index = local_index;
		hs->state = WG_HANDSHAKE_CREATED_INITIATION;
	}
	pthread_mutex_unlock(&hs->lock);
	return err;
}

/* What an initiation proves before the peer is known. */
struct initiation_scratch {
	uint8_t ck[WG_HASH_LEN], h[WG_HASH_LEN], key[WG_KEY_LEN];
	uint8_t e[WG_KEY_LEN], s[WG_KEY_LEN], t[WG_TIMESTAMP_LEN];
};

static int initiation_open_static(struct initiation_scratch *x,
				  const struct wg_message_initiation *src,
				  const struct wg_static_identity *id)
{
	if (!id->has_identity)
		return -EINVAL;
	handshake_start(x->ck, x->h, id->public_key);
	message_ephemeral(x->e, src->unencrypted_ephemeral, x->ck, x->h);
	if (mix_dh(x->ck, x->key, id->private_key, x->e))
		return -EINVAL;
	return message_decrypt(x->s, src->encrypted_static, sizeof(src->encrypted_static), x->key,
			       x->h);
}

static int initiation_open_timestamp(struct initiation_scratch *x,
				     const struct wg_message_initiation *src,
				     struct wg_handshake *hs, uint64_t now)
{
	bool replay, flood;

	if (mix_precomputed(x->ck, x->key, hs->precomputed_static_static))
		return -EINVAL;
	if (message_decrypt(x->t, src->encrypted_timestamp, sizeof(src->encrypted_timestamp),
			    x->key, x->h))
		return -EBADMSG;
	/* TAI64N is big-endian, so byte order is time order. */
	replay = memcmp(x->t, hs->latest_timestamp, WG_TIMESTAMP_LEN) <= 0;
	flood = hs->last_initiation_consumption &&
		now - hs->last_initiation_consumption < NSEC_PER_SEC / WG_INITIATIONS_PER_SECOND;
	return replay || flood ? -EALREADY : 0;
}

struct wg_handshake *wg_noise_handshake_consume_initiation(const struct wg_message_initiation *src,
							   const struct wg_static_identity *id,
							   wg_peer_lookup_fn lookup,
							   void *lookup_ctx, uint64_t now)
{
	struct initiation_scratch x;
	struct wg_handshake *hs = NULL;

	if (initiation_open_static(&x, src, id))
		goto out;
	hs = lookup(lookup_ctx, x.s);
	if (!hs)
		goto out;
	pthread_mutex_lock(&hs->lock);
	if (initiation_open_timestamp(&x, src, hs, now)) {
		pthread_mutex_unlock(&hs->lock);
		hs = NULL;
		goto out;
	}
	memcpy(hs->remote_ephemeral, x.e, WG_KEY_LEN);
	memcpy(hs->latest_timestamp, x.t, WG_TIMESTAMP_LEN);
	memcpy(hs->hash, x.h, WG_HASH_LEN);
	memcpy(hs->chaining_key, x.ck, WG_HASH_LEN);
	hs->remote_index = src->sender_index;
	hs->last_initiation_consumption = now ? now : 1;
	hs->state = WG_HANDSHAKE_CONSUMED_INITIATION;
	pthread_mutex_unlock(&hs->lock);
out:
	wg_wipe(&x, sizeof(x));
	return hs;
}

static int response_fill(struct wg_message_response *dst, struct wg_handshake *hs)
{
	uint8_t key[WG_KEY_LEN], e_pub[WG_KEY_LEN];
	int err = -EINVAL;

	ephemeral_generate(hs->static_identity, hs->ephemeral_private);
	if (wg_x25519_public(e_pub, hs->ephemeral_private))
		goto out;
	message_ephemeral(dst->unencrypted_ephemeral, e_pub, hs->chaining_key, hs->hash);
	if (mix_dh(hs->chaining_key, NULL, hs->ephemeral_private, hs->remote_ephemeral) ||
	    mix_dh(hs->chaining_key, NULL, hs->ephemeral_private, hs->remote_static))
		goto out;
	mix_psk(hs->chaining_key, hs->hash, key, hs->preshared_key);
	err = message_encrypt(dst->encrypted_nothing, NULL, 0, key, hs->hash);
out:
	wg_wipe(key, sizeof(key));
	return err;
}

int wg_noise_handshake_create_response(struct wg_message_response *dst, struct wg_handshake *hs,
				       uint32_t local_index)
{
	int err = -EINVAL;

	memset(dst, 0, sizeof(*dst));
	dst->header.type = htole32(WG_MSG_HANDSHAKE_RESPONSE);
	dst->sender_index = local_index;
	pthread_mutex_lock(&hs->lock);
	if (hs->state != WG_HANDSHAKE_CONSUMED_INITIATION)
		goto out;
	dst->receiver_index = hs->remote_index;
	err = response_fill(dst, hs);
	if (err) {
		handshake_zero(hs);
		goto out;
	}
	hs->local_index = local_index;
	hs->state = WG_HANDSHAKE_CREATED_RESPONSE;
out:
	pthread_mutex_unlock(&hs->lock);
	return err;
}

static int response_open(const struct wg_message_response *src, struct wg_handshake *hs,
			 uint8_t ck[WG_HASH_LEN], uint8_t h[WG_HASH_LEN], uint8_t e[WG_KEY_LEN])
{
	const struct wg_static_identity *id = hs->static_identity;
	uint8_t key[WG_KEY_LEN], nothing[1];
	int err = -EINVAL;

	if (hs->state != WG_HANDSHAKE_CREATED_INITIATION ||
	    src->receiver_index != hs->local_index || !id->has_identity)
		return -EINVAL;
	memcpy(ck, hs->chaining_key, WG_HASH_LEN);
	memcpy(h, hs->hash, WG_HASH_LEN);
	message_ephemeral(e, src->unencrypted_ephemeral, ck, h);
	if (mix_dh(ck, NULL, hs->ephemeral_private, e) || mix_dh(ck, NULL, id->private_key, e))
		goto out;
	mix_psk(ck, h, key, hs->preshared_key);
	err = message_decrypt(nothing, src->encrypted_nothing, sizeof(src->encrypted_nothing), key,
			      h);
out:
	wg_wipe(key, sizeof(key));
	return err;
}

int wg_noise_handshake_consume_response(const struct wg_message_response *src,
					struct wg_handshake *hs)
{
	uint8_t ck[WG_HASH_LEN], h[WG_HASH_LEN], e[WG_KEY_LEN];
	int err;

	pthread_mutex_lock(&hs->lock);
	err = response_open(src, hs, ck, h, e);
	if (!err) {
		memcpy(hs->remote_ephemeral, e, WG_KEY_LEN);
		memcpy(hs->chaining_key, ck, WG_HASH_LEN);
		memcpy(hs->hash, h, WG_HASH_LEN);
		hs->remote_index = src->sender_index;
		hs->state = WG_HANDSHAKE_CONSUMED_RESPONSE;
	}
	pthread_mutex_unlock(&hs->lock);
	wg_wipe(ck, sizeof(ck));
	wg_wipe(h, sizeof(h));
	return err;
}

struct wg_keypair *wg_noise_handshake_begin_session(struct wg_handshake *hs, uint64_t now)
{
	struct wg_keypair *kp = NULL;

	pthread_mutex_lock(&hs->lock);
	if (hs->state != WG_HANDSHAKE_CREATED_RESPONSE &&
	    hs->state != WG_HANDSHAKE_CONSUMED_RESPONSE) {
		errno = EINVAL;
		goto out;
	}
	kp = calloc(1, sizeof(*kp));
	if (!kp) {
		errno = ENOMEM;
		goto out;
	}
	kp->i_am_initiator = hs->state == WG_HANDSHAKE_CONSUMED_RESPONSE;
	/* The initiator sends with the first key, the responder with the second. */
	if (kp->i_am_initiator)
		wg_kdf(kp->sending.key, kp->receiving.key, NULL, hs->chaining_key, NULL, 0);
	else
		wg_kdf(kp->receiving.key, kp->sending.key, NULL, hs->chaining_key, NULL, 0);
	kp->sending.birthdate = kp->receiving.birthdate = now;
	atomic_init(&kp->sending_counter, 0);
	atomic_init(&kp->refcount, 1);
	atomic_init(&kp->sending_valid, true);
	wg_replay_init(&kp->receiving_counter);
	kp->local_index = hs->local_index;
	kp->remote_index = hs->remote_index;
	kp->internal_id = atomic_fetch_add(&keypair_ids, 1) + 1;
	handshake_zero(hs);
out:
	pthread_mutex_unlock(&hs->lock);
	return kp;
}

struct wg_keypair *wg_keypair_get(struct wg_keypair *kp)
{
	if (kp)
		atomic_fetch_add(&kp->refcount, 1);
	return kp;
}

void wg_keypair_put(struct wg_keypair *kp)
{
	if (!kp || atomic_fetch_sub(&kp->refcount, 1) != 1)
		return;
	if (kp->on_free)
		kp->on_free(kp, kp->on_free_ctx);
	wg_wipe(kp, sizeof(*kp));
	free(kp);
}

int wg_keypair_next_counter(struct wg_keypair *kp, uint64_t now, uint64_t *ret_counter)
{
	uint64_t c;

	if (!atomic_load(&kp->sending_valid) || now - kp->sending.birthdate >= WG_REJECT_AFTER_TIME)
		return -EKEYEXPIRED;
	c = atomic_fetch_add(&kp->sending_counter, 1);
	if (c >= WG_REJECT_AFTER_MESSAGES) {
		/* Spent: keep the counter pinned so it can never wrap around. */
		atomic_store(&kp->sending_counter, WG_REJECT_AFTER_MESSAGES);
		return -EKEYEXPIRED;
	}
	*ret_counter = c;
	return 0;
}

bool wg_keypair_receive_valid(const struct wg_keypair *kp, uint64_t now)
{
	return now - kp->receiving.birthdate < WG_REJECT_AFTER_TIME;
}

bool wg_keypair_should_rekey_on_send(const struct wg_keypair *kp, uint64_t now)
{
	return atomic_load(&kp->sending_counter) > WG_REKEY_AFTER_MESSAGES ||
	       (kp->i_am_initiator && now - kp->sending.birthdate >= WG_REKEY_AFTER_TIME);
}

bool wg_keypair_should_rekey_on_receive(const struct wg_keypair *kp, uint64_t now)
{
	return kp->i_am_initiator && now - kp->sending.birthdate >= WG_REJECT_AFTER_TIME -
									WG_KEEPALIVE_TIMEOUT -
									WG_REKEY_TIMEOUT;
}

int wg_keypair_encrypt_begin(const struct wg_keypair *kp, uint64_t counter, uint8_t *buf,
			     size_t cap, size_t len, unsigned int mtu, struct wg_aead_msg *m)
{
	struct wg_message_data *d = (struct wg_message_data *)buf;
	size_t padded = wg_message_padded_len(len, mtu);
	uint64_t le_counter = htole64(counter);

	if (cap < WG_MSG_DATA_OVERHEAD || padded > cap - WG_MSG_DATA_OVERHEAD || padded > INT32_MAX)
		return -ENOBUFS;
	memset(buf + WG_MSG_DATA_HDR_LEN + len, 0, padded - len);
	d->header.type = htole32(WG_MSG_DATA);
	d->receiver_index = kp->remote_index;
	memcpy(&d->counter, &le_counter, sizeof(le_counter));
	*m = (struct wg_aead_msg){.dst = buf + WG_MSG_DATA_HDR_LEN,
				  .src = buf + WG_MSG_DATA_HDR_LEN,
				  .len = padded,
				  .key = kp->sending.key};
	wg_aead_nonce(m->nonce, counter);
	return (int)(padded + WG_MSG_DATA_OVERHEAD);
}

int wg_keypair_encrypt(const struct wg_keypair *kp, uint64_t counter, uint8_t *buf, size_t cap,
		       size_t len, unsigned int mtu)
{
	struct wg_aead_msg m;
	int r = wg_keypair_encrypt_begin(kp, counter, buf, cap, len, mtu, &m);

	if (r < 0)
		return r;
	wg_aead_encrypt_many(&m, 1);
	return m.result ? -ENOMEM : r;
}

int wg_keypair_decrypt_begin(const struct wg_keypair *kp, uint8_t *buf, size_t len,
			     uint64_t *ret_counter, struct wg_aead_msg *m)
{
	uint64_t counter;

	if (len < WG_MSG_DATA_MIN_LEN || len > INT32_MAX)
		return -EBADMSG;
	memcpy(&counter, buf + offsetof(struct wg_message_data, counter), sizeof(counter));
	counter = le64toh(counter);
	*m = (struct wg_aead_msg){.dst = buf + WG_MSG_DATA_HDR_LEN,
				  .src = buf + WG_MSG_DATA_HDR_LEN,
				  .len = len - WG_MSG_DATA_HDR_LEN,
				  .key = kp->receiving.key};
	wg_aead_nonce(m->nonce, counter);
	*ret_counter = counter;
	return (int)(len - WG_MSG_DATA_OVERHEAD);
}

int wg_keypair_decrypt(const struct wg_keypair *kp, uint8_t *buf, size_t len, uint64_t *ret_counter)
{
	struct wg_aead_msg m;
	uint64_t counter;
	int r = wg_keypair_decrypt_begin(kp, buf, len, &counter, &m);

	if (r < 0)
		return r;
	wg_aead_decrypt_many(&m, 1);
	if (m.result)
		return -EBADMSG;
	*ret_counter = counter;
	return r;
}

void wg_keypairs_init(struct wg_keypairs *kps)
{
	memset(kps, 0, sizeof(*kps));
	pthread_mutex_init(&kps->lock, NULL);
}

void wg_keypairs_clear(struct wg_keypairs *kps)
{
	struct wg_keypair *cur, *prev, *next;

	pthread_mutex_lock(&kps->lock);
	cur = kps->current;
	prev = kps->previous;
	next = kps->next;
	kps->current = kps->previous = NULL;
	__atomic_store_n(&kps->next, NULL, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&kps->lock);
	/* Outside the lock: on_free callbacks may take the device's locks. */
	wg_keypair_put(cur);
	wg_keypair_put(prev);
	wg_keypair_put(next);
}

void wg_keypairs_destroy(struct wg_keypairs *kps)
{
	wg_keypairs_clear(kps);
	pthread_mutex_destroy(&kps->lock);
}

void wg_keypairs_install(struct wg_keypairs *kps, struct wg_keypair *kp)
{
	struct wg_keypair *drop1 = NULL, *drop2 = NULL;

	pthread_mutex_lock(&kps->lock);
	if (kp->i_am_initiator) {
		/*
		 * A pending "next" was never confirmed; it is still newer than
		 * current, so it becomes previous and current goes.
		 */
		if (kps->next) {
			drop1 = kps->previous;
			drop2 = kps->current;
			kps->previous = kps->next;
			__atomic_store_n(&kps->next, NULL, __ATOMIC_RELEASE);
		} else {
			drop1 = kps->previous;
			kps->previous = kps->current;
		}
		kps->current = kp;
	} else {
		/* The responder waits for the initiator's first data message. */
		drop1 = kps->next;
		drop2 = kps->previous;
		__atomic_store_n(&kps->next, kp, __ATOMIC_RELEASE);
		kps->previous = NULL;
	}
	pthread_mutex_unlock(&kps->lock);
	wg_keypair_put(drop1);
	wg_keypair_put(drop2);
}

bool wg_keypairs_received_with(struct wg_keypairs *kps, struct wg_keypair *kp)
{
	struct wg_keypair *drop;

	/* Racy peek first: almost every packet arrives on current. */
	if (__atomic_load_n(&kps->next, __ATOMIC_ACQUIRE) != kp)
		return false;
	pthread_mutex_lock(&kps->lock);
	if (kps->next != kp) {
		pthread_mutex_unlock(&kps->lock);
		return false;
	}
	drop = kps->previous;
	kps->previous = kps->current;
	kps->current = kp;
	__atomic_store_n(&kps->next, NULL, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&kps->lock);
	wg_keypair_put(drop);
	return true;
}

struct wg_keypair *wg_keypairs_get_current(struct wg_keypairs *kps)
{
	struct wg_keypair *kp;

	pthread_mutex_lock(&kps->lock);
	kp = wg_keypair_get(kps->current);
	pthread_mutex_unlock(&kps->lock);
	return kp;
}

void wg_keypairs_expire_current(struct wg_keypairs *kps)
{
	pthread_mutex_lock(&kps->lock);
	if (kps->current)
		atomic_store(&kps->current->sending_valid, false);
	if (kps->next)
		atomic_store(&kps->next->sending_valid, false);
	pthread_mutex_unlock(&kps->lock);
}
