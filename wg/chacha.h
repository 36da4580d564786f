/* SPDX-License-Identifier: MIT */
/*
 * ChaCha20 (RFC 8439, 96-bit nonce) for the data path's full-sized packets,
 * sixteen and eight blocks at a time with AVX-512 (wg/chacha_avx512.c).
 * Poly1305 is libcrypto's or wg/poly1305.c; wg/aead.c puts them together.
 */
#ifndef TW_WG_CHACHA_H
#define TW_WG_CHACHA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whether this CPU runs wg_chacha20_avx512() (AVX-512 F, BW and VL). */
bool wg_chacha20_avx512_usable(void);

/* Called with block 0's first 32 bytes (RFC 8439 §2.6's Poly1305 key). */
typedef bool wg_chacha_first_fn(void *arg, const uint8_t poly_key[32]);

/*
 * ChaCha20 of @len bytes of @in to @out (@out == @in is fine) with the
 * keystream of blocks 1, 2, ...; before any byte is written, @first gets the
 * Poly1305 key, and if it returns false (a tag that does not verify),
 * nothing is written and false returned. Only if wg_chacha20_avx512_usable().
 */
bool wg_chacha20_avx512(uint8_t *out, const uint8_t *in, size_t len, const uint8_t key[32],
			const uint8_t nonce[12], wg_chacha_first_fn *first, void *arg);

/*
 * Short messages, up to four at once, each under its own key and nonce: for
 * message i, ChaCha20 blocks 0 to 3 (RFC 8439 §2.4: counter 0, its Poly1305
 * key, then the keystream of a message of up to WG_CHACHA_SHORT_MAX bytes)
 * to ks[i]. @n: 1 to 4; any other @n is refused (false, nothing read or
 * written: the state arrays hold four). The caller wipes @ks. Only if
 * wg_chacha20_avx512_usable(); without it, always false.
 */
#define WG_CHACHA_SHORT_MAX 192
bool wg_chacha20_avx512_short4(unsigned n, const uint8_t *const key[], const uint8_t *const nonce[],
			       uint8_t ks[][256]);

#endif
