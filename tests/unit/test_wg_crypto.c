// SPDX-License-Identifier: MIT
/*
 * Known answers for tapwire-wg's primitives: BLAKE2s (RFC 7693 appendix B and
 * the BLAKE2 reference KAT), HMAC-BLAKE2s and the KDF (values from
 * tests/unit/wg_vectors.py, an independent Python implementation), the
 * protocol's initial chaining key and hash (the constants published in other
 * WireGuard implementations), X25519 low-order rejection, the AEADs.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sodium.h>

#include "chacha.h"
#include "aead.h"
#include "crypto.h"
#include "noise.h"
#include "poly1305.h"

static const uint8_t kat_initial_ck[32] = {
    0x60, 0xe2, 0x6d, 0xae, 0xf3, 0x27, 0xef, 0xc0, 0x2e, 0xc3, 0x35, 0xe2, 0xa0, 0x25, 0xd2, 0xd0,
    0x16, 0xeb, 0x42, 0x06, 0xf8, 0x72, 0x77, 0xf5, 0x2d, 0x38, 0xd1, 0x98, 0x8b, 0x78, 0xcd, 0x36};
static const uint8_t kat_initial_h[32] = {
    0x22, 0x11, 0xb3, 0x61, 0x08, 0x1a, 0xc5, 0x66, 0x69, 0x12, 0x43, 0xdb, 0x45, 0x8a, 0xd5, 0x32,
    0x2d, 0x9c, 0x6c, 0x66, 0x22, 0x93, 0xe8, 0xb7, 0x0e, 0xe1, 0x9c, 0x65, 0xba, 0x07, 0x9e, 0xf3};
static const uint8_t kat_hmac_key32_abc[32] = {
    0x82, 0x62, 0x3b, 0xe5, 0xbc, 0x0a, 0x39, 0x1b, 0x24, 0xdc, 0xe5, 0x3e, 0x67, 0xd0, 0x28, 0xef,
    0xf9, 0x2d, 0x58, 0x6d, 0xe0, 0x48, 0x5a, 0xc3, 0x78, 0x22, 0xe5, 0x97, 0xd0, 0x49, 0xc7, 0x4f};
static const uint8_t kat_hmac_key100_abc[32] = {
    0xc1, 0xb7, 0x51, 0x50, 0x1d, 0xb1, 0x2b, 0x75, 0x30, 0x69, 0xa9, 0x18, 0x62, 0x7b, 0x62, 0x31,
    0x79, 0xbe, 0x55, 0xc8, 0xcc, 0x7c, 0xa5, 0xc4, 0xe1, 0x4b, 0xdf, 0x32, 0x27, 0x4a, 0xc6, 0x56};
static const uint8_t kat_kdf_t1[32] = {
    0xa0, 0x11, 0xc5, 0xc9, 0x10, 0x70, 0x04, 0x26, 0x75, 0xcf, 0xd9, 0x28, 0x59, 0x1a, 0xe8, 0x6b,
    0xc3, 0x28, 0xdb, 0x34, 0x01, 0x84, 0x4d, 0xfe, 0x63, 0x68, 0x49, 0x84, 0x7b, 0x77, 0xf1, 0x2f};
static const uint8_t kat_kdf_t2[32] = {
    0x78, 0x9a, 0x16, 0xa3, 0xef, 0xc9, 0x75, 0x93, 0x2d, 0xb7, 0xca, 0x34, 0x93, 0xd2, 0xe5, 0x55,
    0xa0, 0xd5, 0x08, 0x21, 0xd1, 0x60, 0xf6, 0x86, 0xeb, 0x4c, 0xaf, 0x57, 0x8f, 0xa1, 0x4e, 0x83};
static const uint8_t kat_kdf_t3[32] = {
    0xf8, 0x86, 0xb7, 0x0b, 0x72, 0xba, 0x2b, 0x33, 0x1d, 0x8d, 0x56, 0x8f, 0x66, 0xbd, 0x5d, 0x8b,
    0x31, 0x9a, 0xfe, 0xa6, 0x7c, 0x48, 0x86, 0x88, 0xc7, 0xd3, 0x71, 0xb3, 0xb4, 0xcc, 0x16, 0x55};
static const uint8_t kat_blake2s_keyed_00[32] = {
    0x40, 0xd1, 0x5f, 0xee, 0x7c, 0x32, 0x88, 0x30, 0x16, 0x6a, 0xc3, 0xf9, 0x18, 0x65, 0x0f, 0x80,
    0x7e, 0x7e, 0x01, 0xe1, 0x77, 0x25, 0x8c, 0xdc, 0x0a, 0x39, 0xb1, 0x1f, 0x59, 0x80, 0x66, 0xf1};
static const uint8_t kat_blake2s_keyed16[16] = {0x61, 0xba, 0x5f, 0x16, 0x5c, 0x19, 0x46, 0x92,
						0xe0, 0x9d, 0x12, 0x52, 0x0c, 0xc4, 0xc7, 0x4a};

static int setup(void **state)
{
	return wg_crypto_init();
}

static void hex(uint8_t *out, const char *s)
{
	for (size_t i = 0; s[2 * i]; i++) {
		char b[3] = {s[2 * i], s[2 * i + 1], 0};

		out[i] = (uint8_t)strtoul(b, NULL, 16);
	}
}

static void test_blake2s(void **state)
{
	uint8_t out[32], want[32], key[32];

	/* RFC 7693 appendix B */
	wg_blake2s(out, "abc", 3);
	hex(want, "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982");
	assert_memory_equal(out, want, 32);
	wg_blake2s(out, "", 0);
	hex(want, "69217a3079908094e11121d042354a7c1f55b6482ca1a51e1b250dfd1ed0eef9");
	assert_memory_equal(out, want, 32);
	/* The two-part form hashes the concatenation. */
	wg_blake2s2(out, "a", 1, "bc", 2);
	hex(want, "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982");
	assert_memory_equal(out, want, 32);
	/* BLAKE2 reference KAT, key 00..1f: empty input and input 00. */
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)i;
	wg_blake2s_keyed(out, 32, key, 32, "", 0);
	hex(want, "48a8997da407876b3d79c0d92325ad3b89cbb754d86ab71aee047ad345fd2c49");
	assert_memory_equal(out, want, 32);
	wg_blake2s_keyed(out, 32, key, 32, "\0", 1);
	assert_memory_equal(out, kat_blake2s_keyed_00, 32);
	/* 16-byte output as mac1/mac2 use it (not a truncation of the 32-byte one). */
	wg_blake2s_keyed(out, 16, key, 32, "abc", 3);
	assert_memory_equal(out, kat_blake2s_keyed16, 16);
}

static void test_hmac(void **state)
{
	uint8_t key[100], out[32];

	for (int i = 0; i < 100; i++)
		key[i] = (uint8_t)i;
	wg_hmac_blake2s(out, key, 32, "abc", 3);
	assert_memory_equal(out, kat_hmac_key32_abc, 32);
	/* A key longer than the block is hashed first (RFC 2104). */
	wg_hmac_blake2s(out, key, 100, "abc", 3);
	assert_memory_equal(out, kat_hmac_key100_abc, 32);
}

static void test_kdf(void **state)
{
	uint8_t ck[32], t1[32], t2[32], t3[32];

	for (int i = 0; i < 32; i++)
		ck[i] = (uint8_t)i;
	wg_kdf(t1, t2, t3, ck, "wireguard", 9);
	assert_memory_equal(t1, kat_kdf_t1, 32);
	assert_memory_equal(t2, kat_kdf_t2, 32);
	assert_memory_equal(t3, kat_kdf_t3, 32);
	/* KDF1 and KDF2 are prefixes of KDF3. */
	memset(t2, 0, sizeof(t2));
	wg_kdf(t1, t2, NULL, ck, "wireguard", 9);
	assert_memory_equal(t2, kat_kdf_t2, 32);
	/* Outputs may overwrite the chaining key, as the handshake does. */
	wg_kdf(ck, t2, NULL, ck, "wireguard", 9);
	assert_memory_equal(ck, kat_kdf_t1, 32);
	assert_memory_equal(t2, kat_kdf_t2, 32);
}

static void test_initial_values(void **state)
{
	uint8_t ck[32], h[32];

	wg_noise_initial_values(ck, h);
	assert_memory_equal(ck, kat_initial_ck, 32);
	assert_memory_equal(h, kat_initial_h, 32);
}

static void test_x25519(void **state)
{
	uint8_t a[32], b[32], pa[32], pb[32], s1[32], s2[32], zero[32] = {0}, one[32] = {1};
	/* A point of order 8 on Curve25519 (from the list of low-order points). */
	uint8_t order8[32];

	hex(order8, "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800");
	wg_x25519_generate(a);
	wg_x25519_generate(b);
	assert_int_equal(a[0] & 7, 0);
	assert_int_equal(a[31] & 0xc0, 0x40);
	assert_int_equal(wg_x25519_public(pa, a), 0);
	assert_int_equal(wg_x25519_public(pb, b), 0);
	assert_int_equal(wg_x25519(s1, a, pb), 0);
	assert_int_equal(wg_x25519(s2, b, pa), 0);
	assert_memory_equal(s1, s2, 32);
	/* Low-order public keys give an all-zero secret: refused, output wiped. */
	assert_int_equal(wg_x25519(s1, a, zero), -EINVAL);
	assert_memory_equal(s1, zero, 32);
	assert_int_equal(wg_x25519(s1, a, one), -EINVAL);
	assert_int_equal(wg_x25519(s1, a, order8), -EINVAL);
}

static void test_aead(void **state)
{
	uint8_t key[32], buf[64 + 16], pt[64], ad[5] = "hello";

	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)(0xa0 + i);
	for (int i = 0; i < 64; i++)
		pt[i] = (uint8_t)i;
	assert_int_equal(wg_aead_encrypt(buf, pt, 64, ad, 5, 42, key), 0);
	/* In place. */
	assert_int_equal(wg_aead_decrypt(buf, buf, 80, ad, 5, 42, key), 0);
	assert_memory_equal(buf, pt, 64);
	assert_int_equal(wg_aead_encrypt(buf, buf, 64, ad, 5, 42, key), 0);
	/* Wrong counter, wrong AD, flipped bit, truncated: all refused. */
	assert_int_equal(wg_aead_decrypt(pt, buf, 80, ad, 5, 43, key), -EBADMSG);
	assert_int_equal(wg_aead_decrypt(pt, buf, 80, ad, 4, 42, key), -EBADMSG);
	buf[3] ^= 1;
	assert_int_equal(wg_aead_decrypt(pt, buf, 80, ad, 5, 42, key), -EBADMSG);
	buf[3] ^= 1;
	assert_int_equal(wg_aead_decrypt(pt, buf, 15, ad, 5, 42, key), -EBADMSG);
	assert_int_equal(wg_aead_decrypt(pt, buf, 80, ad, 5, 42, key), 0);
	/* Empty plaintext: just a tag. */
	assert_int_equal(wg_aead_encrypt(buf, NULL, 0, ad, 5, 0, key), 0);
	assert_int_equal(wg_aead_decrypt(pt, buf, 16, ad, 5, 0, key), 0);
}

/*
 * Whatever path each length takes (wg_aead_path_for()), wg_aead_encrypt()
 * gives exactly what libsodium's reference call gives, on both sides of
 * every length threshold.
 */
static void test_aead_both_libraries(void **state)
{
	static const size_t lens[] = {0, 1, 63, 383, 384, 385, 1000, 1023, 1024, 1025, 1420, 4000};
	static uint8_t pt[4000], ct[4016], ref[4016], out[4000];
	uint8_t key[32], ad[7] = "wg-data";

	for (size_t i = 0; i < sizeof(pt); i++)
		pt[i] = (uint8_t)(i * 11);
	memset(key, 0x5a, sizeof(key));
	/* libcrypto's ChaCha20-Poly1305 is there (a build dependency), and the
	 * process environment is as it was: nothing is set behind the user's back */
	assert_true(wg_aead_path_usable(WG_AEAD_OPENSSL));
	assert_null(getenv("OPENSSL_ia32cap"));
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t len = lens[i];
		uint8_t nonce[12] = {0, 0, 0, 0, 9, 8, 7, 6, 5, 4, 3, 2};
		uint64_t counter = 0x0203040506070809ULL;

		crypto_aead_chacha20poly1305_ietf_encrypt(ref, NULL, pt, len, ad, sizeof(ad), NULL,
							  nonce, key);
		assert_int_equal(wg_aead_encrypt(ct, pt, len, ad, sizeof(ad), counter, key), 0);
		assert_memory_equal(ct, ref, len + 16);
		assert_int_equal(wg_aead_decrypt(out, ref, len + 16, ad, sizeof(ad), counter, key),
				 0);
		assert_memory_equal(out, pt, len);
		ref[len / 2] ^= 4;
		assert_int_equal(wg_aead_decrypt(out, ref, len + 16, ad, sizeof(ad), counter, key),
				 -EBADMSG);
	}
}

/*
 * Each thread caches the last OpenSSL key (1100 bytes takes that path):
 * switching keys back and forth must not confuse it.
 */
/*
 * The AVX-512 ChaCha20 against libsodium's, for every length up to 4200
 * bytes (both pass widths and every partial block), in place and not; and
 * nothing written when the tag check refuses.
 */
static bool take_key(void *arg, const uint8_t poly_key[32])
{
	memcpy(arg, poly_key, 32);
	return true;
}

static bool refuse(void *arg, const uint8_t poly_key[32])
{
	(void)poly_key;
	*(int *)arg += 1;
	return false;
}

/* short4 refuses any count but 1-4, reading and writing nothing. */
static void test_chacha20_short4_bounds(void **state)
{
	static uint8_t ks[8][256], before[8][256];
	uint8_t key[32] = {1}, nonce[12] = {2};
	const uint8_t *keys[8], *nonces[8];

	(void)state;
	if (!wg_chacha20_avx512_usable()) /* (valgrind has no AVX-512) */
		skip();
	for (int i = 0; i < 8; i++)
		keys[i] = key, nonces[i] = nonce;
	memset(ks, 0x5a, sizeof(ks));
	memcpy(before, ks, sizeof(ks));
	assert_false(wg_chacha20_avx512_short4(0, keys, nonces, ks));
	assert_false(wg_chacha20_avx512_short4(5, keys, nonces, ks));
	assert_false(wg_chacha20_avx512_short4(8, keys, nonces, ks));
	assert_memory_equal(ks, before, sizeof(ks));
	assert_true(wg_chacha20_avx512_short4(4, keys, nonces, ks));
	sodium_memzero(ks, sizeof(ks));
}

static void test_chacha20_avx512(void **state)
{
	static uint8_t in[4200], out[4200 + 64], ref[4200 + 64], inplace[4200];
	uint8_t key[32], nonce[12], pk[32], pk_ref[64];
	static const uint8_t zero[64];
	int refused = 0;

	(void)state;
	if (!wg_chacha20_avx512_usable())
		skip();
	for (size_t len = 0; len <= sizeof(in); len++) {
		randombytes_buf(key, sizeof(key));
		randombytes_buf(nonce, sizeof(nonce));
		randombytes_buf(in, len);
		memset(out, 0xa5, sizeof(out));
		memset(ref, 0xa5, sizeof(ref));
		crypto_stream_chacha20_ietf_xor_ic(ref, in, len, nonce, 1, key);
		crypto_stream_chacha20_ietf_xor_ic(pk_ref, zero, 64, nonce, 0, key);
		assert_true(wg_chacha20_avx512(out, in, len, key, nonce, take_key, pk));
		assert_memory_equal(out, ref, sizeof(out)); /* nothing past len either */
		assert_memory_equal(pk, pk_ref, 32);
		memcpy(inplace, in, len);
		assert_true(wg_chacha20_avx512(inplace, inplace, len, key, nonce, take_key, pk));
		assert_memory_equal(inplace, ref, len);
		memcpy(inplace, in, len);
		assert_false(
		    wg_chacha20_avx512(inplace, inplace, len, key, nonce, refuse, &refused));
		assert_memory_equal(inplace, in, len);
	}
	assert_int_equal(refused, (int)sizeof(in) + 1);
	/* the daemon uses it on this machine unless told not to */
	assert_true(
	    (wg_aead_path_for(1420) >= WG_AEAD_OWN_CHACHA) ==
	    !(getenv("TW_WG_AVX512_CHACHA") && !strcmp(getenv("TW_WG_AVX512_CHACHA"), "0")));
}

/* libsodium's Poly1305 over RFC 8439's AEAD construction, for comparison */
static void poly_ref(uint8_t tag[16], const uint8_t key[32], const uint8_t *ad, size_t adlen,
		     const uint8_t *ct, size_t len)
{
	static uint8_t m[2 * 4096];
	size_t n = 0;
	uint64_t a = htole64((uint64_t)adlen), c = htole64((uint64_t)len);

	assert_true(adlen + len + 48 <= sizeof(m));
	memset(m, 0, sizeof(m));
	if (adlen)
		memcpy(m, ad, adlen);
	n = (adlen + 15) / 16 * 16;
	memcpy(m + n, ct, len);
	n += (len + 15) / 16 * 16;
	memcpy(m + n, &a, 8);
	memcpy(m + n + 8, &c, 8);
	crypto_onetimeauth_poly1305(tag, m, n + 16, key);
}

static void poly_check(const uint8_t key[32], const uint8_t *ad, size_t adlen, const uint8_t *ct,
		       size_t len)
{
	uint8_t ref[16], tag[16];

	poly_ref(ref, key, ad, adlen, ct, len);
	wg_poly1305_aead_tag(tag, key, ad, adlen, ct, len, false);
	assert_memory_equal(tag, ref, 16);
	if (wg_poly1305_ifma_usable()) {
		wg_poly1305_aead_tag(tag, key, ad, adlen, ct, len, true);
		assert_memory_equal(tag, ref, 16);
	}
}

/*
 * Our Poly1305, scalar and IFMA, against libsodium's: every length up to
 * 2100 with random keys, associated data of a few lengths, and all-ones
 * keys and messages, which push every limb to its bound.
 */
static void test_poly1305(void **state)
{
	static uint8_t ct[2100], ones[2100];
	uint8_t key[32], ad[40];

	(void)state;
	memset(ones, 0xff, sizeof(ones));
	for (size_t len = 0; len <= sizeof(ct); len++) {
		randombytes_buf(key, sizeof(key));
		randombytes_buf(ct, len);
		randombytes_buf(ad, sizeof(ad));
		poly_check(key, NULL, 0, ct, len);
		poly_check(key, ad, len % (sizeof(ad) + 1), ct, len);
		memset(key, 0xff, sizeof(key));
		poly_check(key, NULL, 0, ones, len);
		poly_check(key, ones, 32, ones, len);
	}

	/*
	 * r = 1, s = 0 and two blocks that, with the lengths block, add up to
	 * 2^130 - 2: the only case where the last step must subtract p (tag 3).
	 */
	uint8_t tag[16], want[16] = {3};
	memset(key, 0, sizeof(key));
	key[0] = 1;
	memset(ct, 0, 32);
	memset(ct, 0xff, 16);
	ct[0] = 0xfe;
	ct[8] = 0xdf;
	wg_poly1305_aead_tag(tag, key, NULL, 0, ct, 32, false);
	assert_memory_equal(tag, want, 16);
	poly_check(key, NULL, 0, ct, 32);

	/* the daemon uses it where the CPU can, unless told not to */
	const char *off = getenv("TW_WG_OWN_POLY1305");
	assert_true((wg_aead_path_for(1420) == WG_AEAD_OWN_IFMA) ==
		    (wg_aead_path_for(1420) >= WG_AEAD_OWN_CHACHA && wg_poly1305_ifma_usable() &&
		     !(off && !strcmp(off, "0"))));
}

static bool is_zero(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

/* Every length up to 2100 through wg_aead_*, in place as the daemon does. */
static void test_aead_in_place(void **state)
{
	static uint8_t pt[2100], buf[2116], ref[2116];
	uint8_t key[32];

	(void)state;
	for (size_t len = 0; len <= sizeof(pt); len++) {
		uint64_t counter = len * 7919;
		uint8_t nonce[12] = {0};

		for (int b = 0; b < 8; b++)
			nonce[4 + b] = (uint8_t)(counter >> (8 * b));
		randombytes_buf(key, sizeof(key));
		randombytes_buf(pt, len);
		crypto_aead_chacha20poly1305_ietf_encrypt(ref, NULL, pt, len, NULL, 0, NULL, nonce,
							  key);
		memcpy(buf, pt, len);
		assert_int_equal(wg_aead_encrypt(buf, buf, len, NULL, 0, counter, key), 0);
		assert_memory_equal(buf, ref, len + 16);
		assert_int_equal(wg_aead_decrypt(buf, buf, len + 16, NULL, 0, counter, key), 0);
		assert_memory_equal(buf, pt, len);
		/* a wrong tag: refused, no plaintext released (ours leaves the
		 * ciphertext, libsodium zeroes it) */
		memcpy(buf, ref, len + 16);
		buf[len + 15] ^= 1;
		assert_int_equal(wg_aead_decrypt(buf, buf, len + 16, NULL, 0, counter, key),
				 -EBADMSG);
		assert_true(!memcmp(buf, ref, len) || is_zero(buf, len));
	}
}

/*
 * Each thread's libcrypto context keeps the last key: switching keys back and
 * forth must not confuse any path.
 */
static void test_aead_key_switch(void **state)
{
	uint8_t ka[32], kb[32], ka2[32], pt[1100], c1[1116], c2[1116], c3[1116], out[1100];
	uint8_t nonce[12] = {0, 0, 0, 0, 5};

	memset(ka, 1, 32);
	memset(kb, 2, 32);
	memset(pt, 3, sizeof(pt));
	for (int p = 0; p < WG_AEAD_PATHS; p++) {
		if (!wg_aead_path_usable((enum wg_aead_path)p))
			continue;
		assert_int_equal(wg_aead_path_encrypt(p, c1, pt, 1100, NULL, 0, nonce, ka), 0);
		assert_int_equal(wg_aead_path_encrypt(p, c2, pt, 1100, NULL, 0, nonce, kb), 0);
		assert_int_equal(wg_aead_path_encrypt(p, c3, pt, 1100, NULL, 0, nonce, ka), 0);
		assert_memory_equal(c1, c3, sizeof(c1));
		assert_memory_not_equal(c1, c2, sizeof(c1));
		assert_int_equal(wg_aead_path_decrypt(p, out, c1, 1116, NULL, 0, nonce, kb),
				 -EBADMSG);
		assert_int_equal(wg_aead_path_decrypt(p, out, c2, 1116, NULL, 0, nonce, kb), 0);
		assert_int_equal(wg_aead_path_decrypt(p, out, c1, 1116, NULL, 0, nonce, ka), 0);
		assert_memory_equal(out, pt, 1100);
		/* Same key bytes in another buffer: same result. */
		memcpy(ka2, ka, 32);
		assert_int_equal(wg_aead_path_encrypt(p, c3, pt, 1100, NULL, 0, nonce, ka2), 0);
		assert_memory_equal(c1, c3, sizeof(c1));
		/* A key changed in place (same address) is noticed. */
		ka2[31] ^= 1;
		assert_int_equal(wg_aead_path_encrypt(p, c3, pt, 1100, NULL, 0, nonce, ka2), 0);
		assert_memory_not_equal(c1, c3, sizeof(c1));
	}
}

static void test_xaead(void **state)
{
	uint8_t key[32] = {7}, nonce[24] = {9}, ct[16 + 16], pt[16] = "sixteen bytes!!", out[16];

	assert_int_equal(wg_xaead_encrypt(ct, pt, 16, "ad", 2, nonce, key), 0);
	assert_int_equal(wg_xaead_decrypt(out, ct, 32, "ad", 2, nonce, key), 0);
	assert_memory_equal(out, pt, 16);
	nonce[23] ^= 1;
	assert_int_equal(wg_xaead_decrypt(out, ct, 32, "ad", 2, nonce, key), -EBADMSG);
}

static void test_compare(void **state)
{
	uint8_t a[32] = {1, 2, 3}, b[32] = {1, 2, 3}, z[32] = {0};

	assert_true(wg_memeq(a, b, 32));
	b[31] = 1;
	assert_false(wg_memeq(a, b, 32));
	assert_true(wg_is_zero(z, 32));
	assert_false(wg_is_zero(a, 32));
	wg_wipe(a, sizeof(a));
	assert_true(wg_is_zero(a, 32));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_blake2s),
	    cmocka_unit_test(test_hmac),
	    cmocka_unit_test(test_kdf),
	    cmocka_unit_test(test_initial_values),
	    cmocka_unit_test(test_x25519),
	    cmocka_unit_test(test_aead),
	    cmocka_unit_test(test_aead_key_switch),
	    cmocka_unit_test(test_aead_both_libraries),
	    cmocka_unit_test(test_chacha20_avx512),
	    cmocka_unit_test(test_chacha20_short4_bounds),
	    cmocka_unit_test(test_poly1305),
	    cmocka_unit_test(test_aead_in_place),
	    cmocka_unit_test(test_xaead),
	    cmocka_unit_test(test_compare),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
