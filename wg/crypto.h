/* SPDX-License-Identifier: MIT */
/*
 * The handshake's primitives of Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s
 * (whitepaper 5.4): BLAKE2s from libb2; X25519, XChaCha20-Poly1305,
 * constant-time compare and wiping from libsodium. The ChaCha20-Poly1305 of
 * the handshake and the data path is aead.h's. All functions are
 * thread-safe after wg_crypto_init().
 */
#ifndef TWWG_CRYPTO_H
#define TWWG_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WG_KEY_LEN	     32 /* X25519 keys, and the symmetric keys derived from them */
#define WG_HASH_LEN	     32 /* BLAKE2s-256 */
#define WG_BLAKE2S_BLOCK_LEN 64
#define WG_XAEAD_NONCE_LEN   24 /* XChaCha20-Poly1305 */

/* Initialises the libraries once (aead.h's too); 0 or -errno. Call before anything else. */
int wg_crypto_init(void);

/* out = BLAKE2s-256(in). */
void wg_blake2s(uint8_t out[WG_HASH_LEN], const void *in, size_t len);

/* out = BLAKE2s-256(a || b): the HASH(H || x) step of the handshake. */
void wg_blake2s2(uint8_t out[WG_HASH_LEN], const void *a, size_t alen, const void *b, size_t blen);

/* Keyed BLAKE2s with an output of outlen (1..32) bytes and a key of 1..32 bytes. */
void wg_blake2s_keyed(uint8_t *out, size_t outlen, const void *key, size_t keylen, const void *in,
		      size_t len);

/* out = HMAC-BLAKE2s-256(key, in) (RFC 2104 with a 64-byte block). */
void wg_hmac_blake2s(uint8_t out[WG_HASH_LEN], const void *key, size_t keylen, const void *in,
		     size_t len);

/*
 * The protocol's HKDF (whitepaper 5.4 KDFn): with chaining key ck and input,
 * writes 1, 2 or 3 outputs of 32 bytes into t1, t2, t3 (pass NULL for those
 * not wanted; t1 is mandatory and t3 implies t2). Outputs may alias ck.
 */
void wg_kdf(uint8_t t1[WG_HASH_LEN], uint8_t t2[WG_HASH_LEN], uint8_t t3[WG_HASH_LEN],
	    const uint8_t ck[WG_HASH_LEN], const void *in, size_t len);

/* A fresh X25519 private key (random, clamped). */
void wg_x25519_generate(uint8_t priv[WG_KEY_LEN]);

/* pub = X25519(priv, basepoint); 0, or -EINVAL for an all-zero result. */
int wg_x25519_public(uint8_t pub[WG_KEY_LEN], const uint8_t priv[WG_KEY_LEN]);

/*
 * out = X25519(priv, pub). Returns -EINVAL when the result is all zeros (the
 * peer sent a low-order point), 0 otherwise; out is wiped on failure.
 */
int wg_x25519(uint8_t out[WG_KEY_LEN], const uint8_t priv[WG_KEY_LEN],
	      const uint8_t pub[WG_KEY_LEN]);

/* XChaCha20-Poly1305 with a 24-byte nonce (cookie replies); same conventions. */
int wg_xaead_encrypt(uint8_t *dst, const uint8_t *src, size_t len, const void *ad, size_t adlen,
		     const uint8_t nonce[WG_XAEAD_NONCE_LEN], const uint8_t key[WG_KEY_LEN]);
int wg_xaead_decrypt(uint8_t *dst, const uint8_t *src, size_t len, const void *ad, size_t adlen,
		     const uint8_t nonce[WG_XAEAD_NONCE_LEN], const uint8_t key[WG_KEY_LEN]);

/* Constant-time equality of two buffers of len bytes. */
bool wg_memeq(const void *a, const void *b, size_t len);

/* Constant-time test for an all-zero buffer. */
bool wg_is_zero(const void *p, size_t len);

/* Wipes a secret in a way the compiler cannot drop. */
void wg_wipe(void *p, size_t len);

/* Fills buf with len random bytes (for nonces, indices, secrets). */
void wg_random(void *buf, size_t len);

#endif
