// SPDX-License-Identifier: MIT
/*
 * Every ChaCha20-Poly1305 path of wg/crypto.c this CPU can run, differential
 * against libsodium: the input gives the key, nonce, associated data and
 * plaintext (any length the input allows); each path must produce the same
 * ciphertext and tag byte for byte, decrypt it back, in place too, and refuse
 * it with one bit of the ciphertext, the tag or the associated data flipped
 * (the bit chosen by the input). Then four messages made from the input
 * (keys and nonces varied, plaintexts its first 1/4, 2/4, 3/4 and all of it)
 * go through each path's _many calls and the data path's own choice at
 * once, as the daemon's batches do: each must match libsodium, and with one
 * message's bit flipped only that one may be refused.
 *
 * Input: key[32] nonce[12] adlen[1] flip[2] then associated data and plaintext.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "aead.h"
#include "crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXLEN 70000

static uint8_t ref[MAXLEN + 16], ct[MAXLEN + 16], back[MAXLEN + 16];

static void must(int cond)
{
	if (!cond)
		abort();
}

static uint8_t mref[4][MAXLEN + 16], mbuf[4][MAXLEN + 16];

/* The four messages through @path's _many calls (or, @path < 0, the data path's choice). */
static void check_many(int path, const uint8_t *key, const uint8_t *nonce, const uint8_t *ad,
		       size_t adlen, const uint8_t *pt, size_t len, size_t flip)
{
	struct wg_aead_msg m[4];
	uint8_t keys[4][32];
	unsigned bad = (unsigned)(flip % 4);
	size_t bit;

	for (unsigned i = 0; i < 4; i++) {
		size_t n = len * (i + 1) / 4;

		memcpy(keys[i], key, 32);
		keys[i][0] ^= (uint8_t)i;
		m[i] = (struct wg_aead_msg){
		    .dst = mbuf[i], .src = pt, .len = n, .ad = ad, .adlen = adlen, .key = keys[i]};
		memcpy(m[i].nonce, nonce, 12);
		m[i].nonce[11] ^= (uint8_t)i;
		crypto_aead_chacha20poly1305_ietf_encrypt(mref[i], NULL, pt, n, ad, adlen, NULL,
							  m[i].nonce, keys[i]);
	}
	if (path < 0)
		wg_aead_encrypt_many(m, 4);
	else
		must(wg_aead_path_encrypt_many((enum wg_aead_path)path, m, 4) == 0);
	for (unsigned i = 0; i < 4; i++) {
		must(m[i].result == 0);
		must(memcmp(mbuf[i], mref[i], m[i].len + 16) == 0);
		m[i].src = m[i].dst;
		m[i].len += 16;
	}
	bit = flip % (m[bad].len * 8);
	mbuf[bad][bit / 8] ^= (uint8_t)(1u << (bit % 8));
	if (path < 0)
		wg_aead_decrypt_many(m, 4);
	else
		must(wg_aead_path_decrypt_many((enum wg_aead_path)path, m, 4) == 0);
	for (unsigned i = 0; i < 4; i++) {
		must(m[i].result == (i == bad ? -EBADMSG : 0));
		must(i == bad || memcmp(mbuf[i], pt, m[i].len - 16) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *key = data, *nonce = data + 32, *ad, *pt;
	size_t adlen, len, flip;

	if (size < 32 + 12 + 3 || wg_crypto_init() || sodium_init() < 0)
		return 0;
	adlen = data[44] % 65;
	flip = (size_t)data[45] << 8 | data[46];
	if (size < 47 + adlen)
		return 0;
	ad = data + 47;
	pt = ad + adlen;
	len = size - 47 - adlen;
	if (len > MAXLEN)
		return 0;
	crypto_aead_chacha20poly1305_ietf_encrypt(ref, NULL, pt, len, ad, adlen, NULL, nonce, key);
	for (int p = 0; p < WG_AEAD_PATHS; p++) {
		enum wg_aead_path path = (enum wg_aead_path)p;
		uint8_t bad_ad[64];
		size_t bit;

		if (!wg_aead_path_usable(path))
			continue;
		must(wg_aead_path_encrypt(path, ct, pt, len, ad, adlen, nonce, key) == 0);
		must(memcmp(ct, ref, len + 16) == 0);
		must(wg_aead_path_decrypt(path, back, ct, len + 16, ad, adlen, nonce, key) == 0);
		must(memcmp(back, pt, len) == 0);
		must(wg_aead_path_decrypt(path, ct, ct, len + 16, ad, adlen, nonce, key) == 0);
		must(memcmp(ct, pt, len) == 0);
		/* one bit of ciphertext or tag flipped */
		bit = flip % ((len + 16) * 8);
		memcpy(ct, ref, len + 16);
		ct[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		must(wg_aead_path_decrypt(path, back, ct, len + 16, ad, adlen, nonce, key) ==
		     -EBADMSG);
		/* one bit of the associated data flipped */
		if (adlen) {
			memcpy(bad_ad, ad, adlen);
			bad_ad[(flip / 8) % adlen] ^= (uint8_t)(1u << (flip % 8));
			must(wg_aead_path_decrypt(path, back, ref, len + 16, bad_ad, adlen, nonce,
						  key) == -EBADMSG);
		}
		check_many(p, key, nonce, ad, adlen, pt, len, flip);
	}
	check_many(-1, key, nonce, ad, adlen, pt, len, flip);
	return 0;
}
