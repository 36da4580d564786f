// SPDX-License-Identifier: MIT
#include "cookie.h"

#include <endian.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "crypto.h"

static const char label_mac1[] = "mac1----";
static const char label_cookie[] = "cookie--";

/* key = HASH(label || public key) */
static void precompute_key(uint8_t key[WG_KEY_LEN], const char *label, const uint8_t *public_key)
{
	if (!public_key) {
		wg_wipe(key, WG_KEY_LEN);
		return;
	}
	wg_blake2s2(key, label, strlen(label), public_key, WG_KEY_LEN);
}

static void compute_mac1(uint8_t mac[WG_MAC_LEN], const void *msg, size_t len,
			 const uint8_t key[WG_KEY_LEN])
{
	wg_blake2s_keyed(mac, WG_MAC_LEN, key, WG_KEY_LEN, msg, wg_message_mac1_offset(len));
}

static void compute_mac2(uint8_t mac[WG_MAC_LEN], const void *msg, size_t len,
			 const uint8_t cookie[WG_COOKIE_LEN])
{
	wg_blake2s_keyed(mac, WG_MAC_LEN, cookie, WG_COOKIE_LEN, msg, wg_message_mac2_offset(len));
}

static bool handshake_len(size_t len)
{
	return len == WG_MSG_INITIATION_LEN || len == WG_MSG_RESPONSE_LEN;
}

void wg_cookie_checker_init(struct wg_cookie_checker *c, const uint8_t *public_key)
{
	memset(c, 0, sizeof(*c));
	pthread_rwlock_init(&c->lock, NULL);
	wg_cookie_checker_precompute(c, public_key);
}

void wg_cookie_checker_precompute(struct wg_cookie_checker *c, const uint8_t *public_key)
{
	pthread_rwlock_wrlock(&c->lock);
	precompute_key(c->cookie_encryption_key, label_cookie, public_key);
	precompute_key(c->message_mac1_key, label_mac1, public_key);
	pthread_rwlock_unlock(&c->lock);
}

void wg_cookie_checker_destroy(struct wg_cookie_checker *c)
{
	pthread_rwlock_destroy(&c->lock);
	wg_wipe(c, sizeof(*c));
}

/* The bytes a cookie vouches for: IP address then port, as on the wire. */
static size_t source_bytes(uint8_t out[18], const struct sockaddr *src)
{
	const struct sockaddr_in *in4 = (const struct sockaddr_in *)src;
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)src;

	if (src->sa_family == AF_INET) {
		memcpy(out, &in4->sin_addr, 4);
		memcpy(out + 4, &in4->sin_port, 2);
		return 6;
	}
	if (src->sa_family == AF_INET6) {
		memcpy(out, &in6->sin6_addr, 16);
		memcpy(out + 16, &in6->sin6_port, 2);
		return 18;
	}
	return 0;
}

/* cookie = MAC(secret, source), renewing a secret older than two minutes. */
static int make_cookie(uint8_t cookie[WG_COOKIE_LEN], struct wg_cookie_checker *c,
		       const struct sockaddr *src, uint64_t now)
{
	uint8_t bytes[18];
	size_t n = source_bytes(bytes, src);

	if (!n)
		return -EAFNOSUPPORT;
	pthread_rwlock_rdlock(&c->lock);
	if (!c->secret_birthdate || now - c->secret_birthdate >= WG_COOKIE_SECRET_MAX_AGE) {
		pthread_rwlock_unlock(&c->lock);
		pthread_rwlock_wrlock(&c->lock);
		/* Re-check: another thread may have renewed it meanwhile. */
		if (!c->secret_birthdate || now - c->secret_birthdate >= WG_COOKIE_SECRET_MAX_AGE) {
			wg_random(c->secret, sizeof(c->secret));
			c->secret_birthdate = now ? now : 1;
		}
	}
	wg_blake2s_keyed(cookie, WG_COOKIE_LEN, c->secret, sizeof(c->secret), bytes, n);
	pthread_rwlock_unlock(&c->lock);
	return 0;
}

enum wg_cookie_mac_state wg_cookie_validate_packet(struct wg_cookie_checker *c, const void *msg,
						   size_t len, const struct sockaddr *src,
						   bool check_cookie, uint64_t now)
{
	const uint8_t *m = msg;
	uint8_t mac[WG_MAC_LEN], cookie[WG_COOKIE_LEN];
	enum wg_cookie_mac_state ret = WG_COOKIE_INVALID_MAC;

	if (!handshake_len(len))
		return WG_COOKIE_INVALID_MAC;
	pthread_rwlock_rdlock(&c->lock);
	compute_mac1(mac, msg, len, c->message_mac1_key);
	pthread_rwlock_unlock(&c->lock);
	if (!wg_memeq(mac, m + wg_message_mac1_offset(len), WG_MAC_LEN))
		goto out;
	ret = WG_COOKIE_VALID_MAC_BUT_NO_COOKIE;
	if (!check_cookie || make_cookie(cookie, c, src, now))
		goto out;
	compute_mac2(mac, msg, len, cookie);
	if (wg_memeq(mac, m + wg_message_mac2_offset(len), WG_MAC_LEN))
		ret = WG_COOKIE_VALID_MAC_WITH_COOKIE;
out:
	wg_wipe(cookie, sizeof(cookie));
	return ret;
}

int wg_cookie_message_create(struct wg_message_cookie *dst, struct wg_cookie_checker *c,
			     const void *msg, size_t len, const struct sockaddr *src, uint64_t now)
{
	const uint8_t *m = msg;
	uint8_t cookie[WG_COOKIE_LEN], key[WG_KEY_LEN];
	int err;

	if (!handshake_len(len))
		return -EINVAL;
	err = make_cookie(cookie, c, src, now);
	if (err)
		return err;
	memset(dst, 0, sizeof(*dst));
	dst->header.type = htole32(WG_MSG_HANDSHAKE_COOKIE);
	/* Both handshake messages carry their sender index right after the type. */
	memcpy(&dst->receiver_index, m + 4, sizeof(dst->receiver_index));
	wg_random(dst->nonce, sizeof(dst->nonce));
	pthread_rwlock_rdlock(&c->lock);
	memcpy(key, c->cookie_encryption_key, sizeof(key));
	pthread_rwlock_unlock(&c->lock);
	err = wg_xaead_encrypt(dst->encrypted_cookie, cookie, sizeof(cookie),
			       m + wg_message_mac1_offset(len), WG_MAC_LEN, dst->nonce, key);
	wg_wipe(cookie, sizeof(cookie));
	wg_wipe(key, sizeof(key));
	return err;
}

void wg_cookie_init(struct wg_cookie *ck, const uint8_t remote_public[WG_KEY_LEN])
{
	memset(ck, 0, sizeof(*ck));
	pthread_rwlock_init(&ck->lock, NULL);
	wg_cookie_precompute(ck, remote_public);
}

void wg_cookie_precompute(struct wg_cookie *ck, const uint8_t remote_public[WG_KEY_LEN])
{
	pthread_rwlock_wrlock(&ck->lock);
	precompute_key(ck->cookie_decryption_key, label_cookie, remote_public);
	precompute_key(ck->message_mac1_key, label_mac1, remote_public);
	pthread_rwlock_unlock(&ck->lock);
}

void wg_cookie_destroy(struct wg_cookie *ck)
{
	pthread_rwlock_destroy(&ck->lock);
	wg_wipe(ck, sizeof(*ck));
}

void wg_cookie_add_mac_to_packet(struct wg_cookie *ck, void *msg, size_t len, uint64_t now)
{
	uint8_t *m = msg;

	if (!handshake_len(len))
		return;
	pthread_rwlock_wrlock(&ck->lock);
	compute_mac1(m + wg_message_mac1_offset(len), msg, len, ck->message_mac1_key);
	memcpy(ck->last_mac1_sent, m + wg_message_mac1_offset(len), WG_MAC_LEN);
	ck->have_sent_mac1 = true;
	if (ck->is_valid &&
	    now - ck->birthdate < WG_COOKIE_SECRET_MAX_AGE - WG_COOKIE_SECRET_LATENCY)
		compute_mac2(m + wg_message_mac2_offset(len), msg, len, ck->cookie);
	else
		memset(m + wg_message_mac2_offset(len), 0, WG_MAC_LEN);
	pthread_rwlock_unlock(&ck->lock);
}

int wg_cookie_message_consume(struct wg_cookie *ck, const struct wg_message_cookie *src,
			      uint64_t now)
{
	uint8_t cookie[WG_COOKIE_LEN];
	int err = -EINVAL;

	pthread_rwlock_wrlock(&ck->lock);
	if (!ck->have_sent_mac1)
		goto out;
	if (wg_xaead_decrypt(cookie, src->encrypted_cookie, sizeof(src->encrypted_cookie),
			     ck->last_mac1_sent, WG_MAC_LEN, src->nonce, ck->cookie_decryption_key))
		goto out;
	memcpy(ck->cookie, cookie, sizeof(cookie));
	ck->birthdate = now;
	ck->is_valid = true;
	/* One reply per message sent: a second copy must not refresh the cookie. */
	ck->have_sent_mac1 = false;
	err = 0;
out:
	pthread_rwlock_unlock(&ck->lock);
	wg_wipe(cookie, sizeof(cookie));
	return err;
}
