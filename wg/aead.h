/* SPDX-License-Identifier: MIT */
/*
 * The data path's ChaCha20-Poly1305 (RFC 8439): the paths that compute it
 * (libsodium, libcrypto through EVP, our AVX-512 ChaCha20 with libcrypto's
 * or our Poly1305), the choice of one per packet, batches (_many), and the
 * protocol's nonce. Also what the handshake seals with the same AEAD.
 *
 * Below everything that knows the protocol: it reads no message format and
 * no keypair, only messages and keys it is handed. Thread-safe after
 * wg_aead_init(). No key outlives the call it is used in: the per-thread
 * libcrypto contexts that cache one for a batch are re-keyed with zeros
 * before the call returns (aead.c), so a keypair wiped is wiped everywhere.
 */
#ifndef TWWG_AEAD_H
#define TWWG_AEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WG_AEAD_KEY_LEN	  32
#define WG_AEAD_TAG_LEN	  16
#define WG_AEAD_NONCE_LEN 12

/* Initialises libsodium and fetches libcrypto's algorithms once; 0 or -errno. */
int wg_aead_init(void);

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
			 const uint8_t key[WG_AEAD_KEY_LEN]);
int wg_aead_path_decrypt(enum wg_aead_path path, uint8_t *dst, const uint8_t *src, size_t len,
			 const void *ad, size_t adlen, const uint8_t nonce[12],
			 const uint8_t key[WG_AEAD_KEY_LEN]);

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
	uint8_t
	    nonce[WG_AEAD_NONCE_LEN]; /* the full 96-bit nonce (the protocol's: wg_aead_nonce()) */
	const uint8_t *key;
	int result;
};
void wg_aead_nonce(uint8_t nonce[12], uint64_t counter);
void wg_aead_encrypt_many(struct wg_aead_msg *m, unsigned int n);
void wg_aead_decrypt_many(struct wg_aead_msg *m, unsigned int n);
/* The same through @path for every message (tests); -EOPNOTSUPP if unusable. */
int wg_aead_path_encrypt_many(enum wg_aead_path path, struct wg_aead_msg *m, unsigned int n);
int wg_aead_path_decrypt_many(enum wg_aead_path path, struct wg_aead_msg *m, unsigned int n);

/*
 * ChaCha20-Poly1305 (RFC 8439) with the protocol's nonce: 32 zero bits then
 * the 64-bit little-endian counter. encrypt writes len + 16 bytes to dst;
 * decrypt reads len bytes (tag included, len >= 16) and writes len - 16 bytes.
 * dst may equal src (in place), other overlaps are not allowed. No allocation
 * after the first call of each thread. decrypt returns 0 or -EBADMSG (dst
 * content unspecified on failure); encrypt returns 0 or -ENOMEM.
 */
int wg_aead_encrypt(uint8_t *dst, const uint8_t *src, size_t len, const void *ad, size_t adlen,
		    uint64_t counter, const uint8_t key[WG_AEAD_KEY_LEN]);
int wg_aead_decrypt(uint8_t *dst, const uint8_t *src, size_t len, const void *ad, size_t adlen,
		    uint64_t counter, const uint8_t key[WG_AEAD_KEY_LEN]);

/*
 * For tests: how many of this thread's libcrypto contexts hold a key now.
 * Between calls, always 0.
 */
unsigned wg_aead_thread_keys(void);

#endif
