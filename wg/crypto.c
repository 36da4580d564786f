// SPDX-License-Identifier: MIT
/*
 * The handshake's primitives (whitepaper 5.4): BLAKE2s, HMAC and the KDF
 * from libb2, X25519 and XChaCha20-Poly1305 (cookie replies) from
 * libsodium, constant-time compares, wiping and randomness. The data path's
 * AEAD is in aead.c.
 *
 * libcrypto has no XChaCha20-Poly1305 and its X25519 goes through EVP_PKEY
 * objects, so handshakes and cookies use libsodium (a handful per second).
 * BLAKE2s comes from libb2: OpenSSL 3.0 has no keyed BLAKE2s, which mac1/mac2
 * need.
 */
#include "crypto.h"

#include "aead.h"

#include <blake2.h>
#include <errno.h>
#include <sodium.h>
#include <string.h>

int wg_crypto_init(void)
{
	return wg_aead_init(); /* libsodium's set-up is there too */
}

void wg_blake2s(uint8_t out[WG_HASH_LEN], const void *in, size_t len)
{
	blake2s(out, in, NULL, WG_HASH_LEN, len, 0);
}

void wg_blake2s2(uint8_t out[WG_HASH_LEN], const void *a, size_t alen, const void *b, size_t blen)
{
	blake2s_state s;

	blake2s_init(&s, WG_HASH_LEN);
	blake2s_update(&s, a, alen);
	blake2s_update(&s, b, blen);
	blake2s_final(&s, out, WG_HASH_LEN);
	wg_wipe(&s, sizeof(s));
}

void wg_blake2s_keyed(uint8_t *out, size_t outlen, const void *key, size_t keylen, const void *in,
		      size_t len)
{
	blake2s(out, in, key, outlen, len, keylen);
}

void wg_hmac_blake2s(uint8_t out[WG_HASH_LEN], const void *key, size_t keylen, const void *in,
		     size_t len)
{
	uint8_t k[WG_BLAKE2S_BLOCK_LEN] = {0}, inner[WG_HASH_LEN];
	blake2s_state s;

	if (keylen > WG_BLAKE2S_BLOCK_LEN)
		wg_blake2s(k, key, keylen);
	else
		memcpy(k, key, keylen);
	for (size_t i = 0; i < sizeof(k); i++)
		k[i] ^= 0x36;
	blake2s_init(&s, WG_HASH_LEN);
	blake2s_update(&s, k, sizeof(k));
	blake2s_update(&s, in, len);
	blake2s_final(&s, inner, WG_HASH_LEN);

	for (size_t i = 0; i < sizeof(k); i++)
		k[i] ^= 0x36 ^ 0x5c;
	blake2s_init(&s, WG_HASH_LEN);
	blake2s_update(&s, k, sizeof(k));
	blake2s_update(&s, inner, sizeof(inner));
	blake2s_final(&s, out, WG_HASH_LEN);

	wg_wipe(k, sizeof(k));
	wg_wipe(inner, sizeof(inner));
	wg_wipe(&s, sizeof(s));
}

void wg_kdf(uint8_t t1[WG_HASH_LEN], uint8_t t2[WG_HASH_LEN], uint8_t t3[WG_HASH_LEN],
	    const uint8_t ck[WG_HASH_LEN], const void *in, size_t len)
{
	uint8_t prk[WG_HASH_LEN], t[WG_HASH_LEN + 1];

	wg_hmac_blake2s(prk, ck, WG_HASH_LEN, in, len);
	t[0] = 1;
	wg_hmac_blake2s(t, prk, sizeof(prk), t, 1);
	memcpy(t1, t, WG_HASH_LEN);
	if (t2) {
		t[WG_HASH_LEN] = 2;
		wg_hmac_blake2s(t, prk, sizeof(prk), t, WG_HASH_LEN + 1);
		memcpy(t2, t, WG_HASH_LEN);
	}
	if (t2 && t3) {
		t[WG_HASH_LEN] = 3;
		wg_hmac_blake2s(t, prk, sizeof(prk), t, WG_HASH_LEN + 1);
		memcpy(t3, t, WG_HASH_LEN);
	}
	wg_wipe(prk, sizeof(prk));
	wg_wipe(t, sizeof(t));
}

void wg_x25519_generate(uint8_t priv[WG_KEY_LEN])
{
	randombytes_buf(priv, WG_KEY_LEN);
	priv[0] &= 248;
	priv[31] = (priv[31] & 127) | 64;
}

int wg_x25519_public(uint8_t pub[WG_KEY_LEN], const uint8_t priv[WG_KEY_LEN])
{
	if (crypto_scalarmult_base(pub, priv) || sodium_is_zero(pub, WG_KEY_LEN))
		return -EINVAL;
	return 0;
}

int wg_x25519(uint8_t out[WG_KEY_LEN], const uint8_t priv[WG_KEY_LEN],
	      const uint8_t pub[WG_KEY_LEN])
{
	/* libsodium already refuses an all-zero result; check anyway, it is cheap. */
	if (crypto_scalarmult(out, priv, pub) || sodium_is_zero(out, WG_KEY_LEN)) {
		sodium_memzero(out, WG_KEY_LEN);
		return -EINVAL;
	}
	return 0;
}

int wg_xaead_encrypt(uint8_t *dst, const uint8_t *src, size_t len, const void *ad, size_t adlen,
		     const uint8_t nonce[WG_XAEAD_NONCE_LEN], const uint8_t key[WG_KEY_LEN])
{
	if (wg_crypto_init())
		return -ENOMEM;
	crypto_aead_xchacha20poly1305_ietf_encrypt(dst, NULL, src, len, ad, adlen, NULL, nonce,
						   key);
	return 0;
}

int wg_xaead_decrypt(uint8_t *dst, const uint8_t *src, size_t len, const void *ad, size_t adlen,
		     const uint8_t nonce[WG_XAEAD_NONCE_LEN], const uint8_t key[WG_KEY_LEN])
{
	if (len < WG_AEAD_TAG_LEN || wg_crypto_init())
		return -EBADMSG;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(dst, NULL, NULL, src, len, ad, adlen, nonce,
						       key))
		return -EBADMSG;
	return 0;
}

bool wg_memeq(const void *a, const void *b, size_t len)
{
	return sodium_memcmp(a, b, len) == 0;
}

bool wg_is_zero(const void *p, size_t len)
{
	return sodium_is_zero(p, len) == 1;
}

void wg_wipe(void *p, size_t len)
{
	sodium_memzero(p, len);
}

void wg_random(void *buf, size_t len)
{
	randombytes_buf(buf, len);
}
