/* SPDX-License-Identifier: MIT */
/*
 * The primitives of Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s (whitepaper 5.4):
 * BLAKE2s from libb2; X25519, XChaCha20-Poly1305, constant-time compare and
 * wiping from libsodium; the data path's ChaCha20-Poly1305 over one of the
 * paths below. All functions are thread-safe after wg_crypto_init().
 */
#ifndef TWWG_CRYPTO_H
#define TWWG_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "messages.h"

#define WG_BLAKE2S_BLOCK_LEN 64

/* Initialises the libraries once; 0 or -errno. Call before anything else. */
int wg_crypto_init(void);

/*
 * The data path's ChaCha20-Poly1305 implementations. Each computes the same
 * RFC 8439 AEAD; which one a packet takes is a matter of speed only.
 */
enum wg_aead_path {
	WG_AEAD_LIBSODIUM,  /* libsodium, any length: the fallback everywhere */
	WG_AEAD_OPENSSL,    /* libcrypto through EVP */
	WG_AEAD_OWN_CHACHA, /* our AVX-512 ChaCha20 with libcrypto's Poly1305 (EVP_MAC) */
	WG_AEAD_OWN_SCALAR, /* our AVX-512 ChaCha20 with our scalar Poly1305 */
	WG_AEAD_OWN_IFMA,   /* our AVX-512 ChaCha20 with our AVX-512 IFMA Poly1305 */
	/* Messages of up to WG_CHACHA_SHORT_MAX bytes, up to four at once (the
	 * _many calls) in one interleaved pass of our AVX-512 ChaCha20, with our
	 * scalar Poly1305; longer ones as WG_AEAD_OWN_SCALAR. */
	WG_AEAD_OWN_MANY,
	WG_AEAD_PATHS,
};

/*
 * Which path a packet of @len bytes of plaintext takes, and why. The
 * thresholds come from bench/crypto_speed (every path forced in turn); the
 * machine, the figures and what each decided are in bench/README.md,
 * "ChaCha20-Poly1305 paths". Another CPU may put the crossings elsewhere;
 * every path is correct everywhere, so a wrong guess costs speed only.
 *
 *  - With AVX-512 F/BW/VL: our ChaCha20 for every length; up to
 *    WG_CHACHA_SHORT_MAX bytes (a 64-byte datagram's packet and the like),
 *    WG_AEAD_OWN_MANY, which runs the messages of a batch four at a time:
 *    one message's twenty rounds are a chain of dependent instructions that
 *    leaves the vector units mostly idle, four chains fill them. OpenSSL 3.0 makes
 *    a message's Poly1305 key with a ChaCha20 call of its own and its
 *    partial last block with another; ours does both in the message's own
 *    pass. Poly1305 is ours too: the scalar form below
 *    WG_POLY1305_IFMA_MIN_LEN bytes (or, without IFMA, below
 *    WG_EVP_POLY1305_MIN_LEN), where libcrypto's through EVP_MAC spends
 *    more on per-message set-up than the tag costs; with IFMA the eight-block vector
 *    form from WG_POLY1305_IFMA_MIN_LEN, where it pays for computing the
 *    key's powers; without IFMA, libcrypto's from WG_EVP_POLY1305_MIN_LEN,
 *    where its AVX-512 code overtakes our scalar form.
 *    TW_WG_AVX512_CHACHA=0 and TW_WG_OWN_POLY1305=0 turn our code off
 *    (tapwire-wg(8)).
 *  - Otherwise libcrypto through EVP from WG_OPENSSL_MIN_LEN bytes and
 *    libsodium below, whose one-shot call has less fixed cost per packet
 *    (a CPU without AVX-512 has not been measured: bench/README.md).
 *  - Without libcrypto's ChaCha20-Poly1305 (a configuration or provider that
 *    lacks it), libsodium everywhere.
 */
#define WG_POLY1305_IFMA_MIN_LEN 512
#define WG_EVP_POLY1305_MIN_LEN	 1024
#define WG_OPENSSL_MIN_LEN	 256
enum wg_aead_path wg_aead_path_for(size_t len);

/* Whether this CPU and libcrypto's configuration can run @path. */
bool wg_aead_path_usable(enum wg_aead_path path);

/* A short description of @path, for logs. */
const char *wg_aead_path_name(enum wg_aead_path path);

/*
 * ChaCha20-Poly1305 (RFC 8439) through @path with a full 96-bit @nonce:
 * what wg_aead_encrypt()/wg_aead_decrypt() do after choosing the path, for
 * tests and benchmarks that must force each one. Same conventions as those;
 * -EOPNOTSUPP if !wg_aead_path_usable(@path).
 */
int wg_aead_path_encrypt(enum wg_aead_path path, uint8_t *dst, const uint8_t *src, size_t len,
			 const void *ad, size_t adlen, const uint8_t nonce[12],
			 const uint8_t key[WG_KEY_LEN]);
int wg_aead_path_decrypt(enum wg_aead_path path, uint8_t *dst, const uint8_t *src, size_t len,
			 const void *ad, size_t adlen, const uint8_t nonce[12],
			 const uint8_t key[WG_KEY_LEN]);

/*
 * Several messages at once, each under its own key and nonce: what
 * wg_aead_encrypt()/wg_aead_decrypt() do to each (same conventions; @len of
 * a decryption includes the tag), with each message's result (0, -ENOMEM,
 * -EBADMSG) in its @result. The data path's batches go through these so that
 * short messages can share a pass (WG_AEAD_OWN_MANY).
 */
struct wg_aead_msg {
	uint8_t *dst;
	const uint8_t *src;
	size_t len;
	const void *ad;
	size_t adlen;
	uint8_t nonce[12]; /* the full 96-bit nonce (the protocol's: wg_aead_nonce()) */
	const uint8_t *key;
	int result;
};
void wg_aead_nonce(uint8_t nonce[12], uint64_t counter);
void wg_aead_encrypt_many(struct wg_aead_msg *m, unsigned int n);
void wg_aead_decrypt_many(struct wg_aead_msg *m, unsigned int n);
/* The same through @path for every message (tests); -EOPNOTSUPP if unusable. */
int wg_aead_path_encrypt_many(enum wg_aead_path path, struct wg_aead_msg *m, unsigned int n);
int wg_aead_path_decrypt_many(enum wg_aead_path path, struct wg_aead_msg *m, unsigned int n);

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

/*
 * ChaCha20-Poly1305 (RFC 8439) with the protocol's nonce: 32 zero bits then
 * the 64-bit little-endian counter. encrypt writes len + 16 bytes to dst;
 * decrypt reads len bytes (tag included, len >= 16) and writes len - 16 bytes.
 * dst may equal src (in place), other overlaps are not allowed. No allocation
 * after the first call of each thread. decrypt returns 0 or -EBADMSG (dst
 * content unspecified on failure); encrypt returns 0 or -ENOMEM.
 */
int wg_aead_encrypt(uint8_t *dst, const uint8_t *src, size_t len, const void *ad, size_t adlen,
		    uint64_t counter, const uint8_t key[WG_KEY_LEN]);
int wg_aead_decrypt(uint8_t *dst, const uint8_t *src, size_t len, const void *ad, size_t adlen,
		    uint64_t counter, const uint8_t key[WG_KEY_LEN]);

/* XChaCha20-Poly1305 with a 24-byte nonce (cookie replies); same conventions. */
int wg_xaead_encrypt(uint8_t *dst, const uint8_t *src, size_t len, const void *ad, size_t adlen,
		     const uint8_t nonce[WG_COOKIE_NONCE_LEN], const uint8_t key[WG_KEY_LEN]);
int wg_xaead_decrypt(uint8_t *dst, const uint8_t *src, size_t len, const void *ad, size_t adlen,
		     const uint8_t nonce[WG_COOKIE_NONCE_LEN], const uint8_t key[WG_KEY_LEN]);

/* Constant-time equality of two buffers of len bytes. */
bool wg_memeq(const void *a, const void *b, size_t len);

/* Constant-time test for an all-zero buffer. */
bool wg_is_zero(const void *p, size_t len);

/* Wipes a secret in a way the compiler cannot drop. */
void wg_wipe(void *p, size_t len);

/* Fills buf with len random bytes (for nonces, indices, secrets). */
void wg_random(void *buf, size_t len);

#endif
