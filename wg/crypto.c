// SPDX-License-Identifier: MIT
/*
 * Library choice, measured with bench/crypto_speed.c on this project's 2-core
 * build machine (1420-byte packets, encrypt + decrypt, one core):
 *   OpenSSL 3.0 libcrypto  ChaCha20-Poly1305  ~470 MB/s
 *   libsodium 1.0.18       ChaCha20-Poly1305  ~370-420 MB/s
 * OpenSSL wins because its ChaCha20 and Poly1305 have AVX2/AVX-512 code paths
 * that Debian's libsodium lacks, so full-sized packets go through libcrypto.
 * Small ones do not: OpenSSL's EVP layer costs a fixed overhead per call, and
 * at 64 bytes libsodium does ~970 kpkt/s against ~410 (see OPENSSL_MIN_LEN).
 * libcrypto has no XChaCha20-Poly1305 and its X25519 goes through EVP_PKEY
 * objects, so handshakes and cookies use libsodium (a handful per second).
 * With OpenSSL, per packet only the nonce is set unless the key changed
 * (bench/wg_speed.c: 3-10% more packets per second than re-keying each time).
 * BLAKE2s comes from libb2: OpenSSL 3.0 has no keyed BLAKE2s, which mac1/mac2
 * need.
 */
#include "crypto.h"

#include <blake2.h>
#include <errno.h>
#include <limits.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>

/*
 * Below this many bytes libsodium's one-shot call beats OpenSSL, whose EVP
 * layer costs a fixed ~1.5 us per packet (64 bytes: ~970 vs ~410 kpkt/s);
 * the two cross between 768 and 1024 bytes on this machine.
 */
#define OPENSSL_MIN_LEN 1024

static EVP_CIPHER *chacha;
static pthread_key_t ctx_key;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_err;

/* One encrypting and one decrypting context per thread, made on first use. */
struct thread_ctx {
	EVP_CIPHER_CTX *enc, *dec;
	/* The key each context holds: re-keying costs more than the compare. */
	uint8_t enc_key[WG_KEY_LEN], dec_key[WG_KEY_LEN];
	bool enc_keyed, dec_keyed;
};
static __thread struct thread_ctx tctx;

static void thread_ctx_free(void *p)
{
	struct thread_ctx *t = p;

	EVP_CIPHER_CTX_free(t->enc);
	EVP_CIPHER_CTX_free(t->dec);
	t->enc = t->dec = NULL;
	sodium_memzero(t->enc_key, sizeof(t->enc_key));
	sodium_memzero(t->dec_key, sizeof(t->dec_key));
	t->enc_keyed = t->dec_keyed = false;
}

static void crypto_init_once(void)
{
	if (sodium_init() < 0) {
		init_err = -EIO;
		return;
	}
	chacha = EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305", NULL);
	if (!chacha) {
		init_err = -ENOTSUP;
		return;
	}
	if (pthread_key_create(&ctx_key, thread_ctx_free))
		init_err = -EAGAIN;
}

int wg_crypto_init(void)
{
	pthread_once(&once, crypto_init_once);
	return init_err;
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

static void nonce_of(uint8_t nonce[12], uint64_t counter)
{
	memset(nonce, 0, 4);
	for (int i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(counter >> (8 * i));
}

/* Sets key (only if it changed) and nonce on this thread's context. */
static int ctx_rekey(EVP_CIPHER_CTX *c, bool enc, const uint8_t key[WG_KEY_LEN],
		     const uint8_t nonce[12])
{
	uint8_t *cached = enc ? tctx.enc_key : tctx.dec_key;
	bool *keyed = enc ? &tctx.enc_keyed : &tctx.dec_keyed;
	const uint8_t *k = NULL;

	if (!*keyed || sodium_memcmp(cached, key, WG_KEY_LEN)) {
		memcpy(cached, key, WG_KEY_LEN);
		*keyed = true;
		k = key;
	}
	if (EVP_CipherInit_ex(c, NULL, NULL, k, nonce, enc) != 1) {
		*keyed = false;
		return -1;
	}
	return 0;
}

static EVP_CIPHER_CTX *thread_ctx(bool enc)
{
	EVP_CIPHER_CTX **c = enc ? &tctx.enc : &tctx.dec;

	if (*c)
		return *c;
	if (wg_crypto_init())
		return NULL;
	*c = EVP_CIPHER_CTX_new();
	if (!*c)
		return NULL;
	/* Cipher bound once; per packet only key and nonce change (no allocation). */
	if (EVP_CipherInit_ex(*c, chacha, NULL, NULL, NULL, enc) != 1) {
		EVP_CIPHER_CTX_free(*c);
		*c = NULL;
		return NULL;
	}
	pthread_setspecific(ctx_key, &tctx);
	return *c;
}

int wg_aead_encrypt(uint8_t *dst, const uint8_t *src, size_t len, const void *ad, size_t adlen,
		    uint64_t counter, const uint8_t key[WG_KEY_LEN])
{
	EVP_CIPHER_CTX *c;
	uint8_t nonce[12];
	int n;

	nonce_of(nonce, counter);
	if (len < OPENSSL_MIN_LEN) {
		if (wg_crypto_init())
			return -ENOMEM;
		crypto_aead_chacha20poly1305_ietf_encrypt(dst, NULL, src, len, ad, adlen, NULL,
							  nonce, key);
		return 0;
	}
	c = thread_ctx(true);
	if (!c || len > INT_MAX || adlen > INT_MAX)
		return -ENOMEM;
	if (ctx_rekey(c, true, key, nonce) ||
	    (adlen && EVP_CipherUpdate(c, NULL, &n, ad, (int)adlen) != 1) ||
	    (len && EVP_CipherUpdate(c, dst, &n, src, (int)len) != 1) ||
	    EVP_CipherFinal_ex(c, dst + len, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, WG_AEAD_TAG_LEN, dst + len) != 1)
		return -ENOMEM;
	return 0;
}

int wg_aead_decrypt(uint8_t *dst, const uint8_t *src, size_t len, const void *ad, size_t adlen,
		    uint64_t counter, const uint8_t key[WG_KEY_LEN])
{
	EVP_CIPHER_CTX *c;
	uint8_t nonce[12], tag[WG_AEAD_TAG_LEN];
	size_t plen;
	int n;

	if (len < WG_AEAD_TAG_LEN || len > INT_MAX || adlen > INT_MAX)
		return -EBADMSG;
	plen = len - WG_AEAD_TAG_LEN;
	nonce_of(nonce, counter);
	if (plen < OPENSSL_MIN_LEN) {
		if (wg_crypto_init() || crypto_aead_chacha20poly1305_ietf_decrypt(
					    dst, NULL, NULL, src, len, ad, adlen, nonce, key))
			return -EBADMSG;
		return 0;
	}
	c = thread_ctx(false);
	if (!c)
		return -ENOMEM;
	memcpy(tag, src + plen, sizeof(tag));
	if (ctx_rekey(c, false, key, nonce) ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, WG_AEAD_TAG_LEN, tag) != 1 ||
	    (adlen && EVP_CipherUpdate(c, NULL, &n, ad, (int)adlen) != 1) ||
	    (plen && EVP_CipherUpdate(c, dst, &n, src, (int)plen) != 1) ||
	    EVP_CipherFinal_ex(c, dst + plen, &n) != 1)
		return -EBADMSG;
	return 0;
}

int wg_xaead_encrypt(uint8_t *dst, const uint8_t *src, size_t len, const void *ad, size_t adlen,
		     const uint8_t nonce[WG_COOKIE_NONCE_LEN], const uint8_t key[WG_KEY_LEN])
{
	if (wg_crypto_init())
		return -ENOMEM;
	crypto_aead_xchacha20poly1305_ietf_encrypt(dst, NULL, src, len, ad, adlen, NULL, nonce,
						   key);
	return 0;
}

int wg_xaead_decrypt(uint8_t *dst, const uint8_t *src, size_t len, const void *ad, size_t adlen,
		     const uint8_t nonce[WG_COOKIE_NONCE_LEN], const uint8_t key[WG_KEY_LEN])
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
