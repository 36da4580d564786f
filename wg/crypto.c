// SPDX-License-Identifier: MIT
/*
 * Library choice, measured with bench/crypto_speed.c on this project's 2-core
 * build machine (one core, encrypt + decrypt of each packet):
 *   1420 bytes: OpenSSL 3.0 through its provider ~1.0 us per operation,
 *               OpenSSL through EVP ~1.2 us, libsodium 1.0.18 ~1.4 us
 *   64 bytes:   libsodium ~0.3 us, OpenSSL (either way) ~0.5-0.65 us
 * OpenSSL wins for full-sized packets because its ChaCha20 and Poly1305 have
 * AVX-512 code paths that Debian's libsodium lacks; small packets go to
 * libsodium, whose one-shot call has less fixed cost (see OPENSSL_MIN_LEN).
 *
 * On a CPU with AVX-512 (F, BW, VL) both give way to our own ChaCha20
 * (wg/chacha_avx512.c: the Poly1305 key block and the message's blocks in
 * one pass) with OpenSSL's Poly1305 (or ours, below), at every length:
 * 1420 bytes 1250 MB/s encrypt+decrypt (OpenSSL's provider 770), 64 bytes
 * 2500 kpkt/s (libsodium 1450). TW_WG_AVX512_CHACHA=0 turns it off. Where
 * the CPU also has AVX-512 IFMA, Poly1305 of packets from
 * WG_OWN_POLY1305_MIN_LEN bytes is ours too (wg/poly1305.c): a 1420-byte
 * encryption takes ~450 ns instead of ~530. TW_WG_OWN_POLY1305=0 keeps
 * OpenSSL's for all.
 *
 * OpenSSL 3's EVP layer costs ~0.2 us per packet in parameter plumbing
 * (EVP_CIPHER_CTX_ctrl turns a tag request into an OSSL_PARAM search), so the
 * data path calls the default provider's ChaCha20-Poly1305 through the
 * dispatch table the provider publishes (OSSL_PROVIDER_query_operation(),
 * public API, provider-base(7)): the same implementation EVP would reach,
 * without the wrapper. If that provider or algorithm is missing (a FIPS-only
 * configuration), every packet goes through libsodium instead.
 *
 * libcrypto is opened with dlopen() when the daemon first needs it, not
 * linked: OpenSSL reads its CPU capability mask (OPENSSL_ia32cap) once, when
 * the library loads, and on this machine its AVX-512 IFMA Poly1305 costs more
 * per 1420-byte packet than its plain AVX-512 one (the key powers it computes
 * for every message): encrypt + decrypt 700 MB/s with IFMA, 810 without. So
 * unless the user set OPENSSL_ia32cap, or TW_WG_OPENSSL_IFMA=1, libcrypto is
 * loaded with IFMA masked. If the library cannot be opened, libsodium does
 * every packet.
 *
 * libcrypto has no XChaCha20-Poly1305 and its X25519 goes through EVP_PKEY
 * objects, so handshakes and cookies use libsodium (a handful per second).
 * BLAKE2s comes from libb2: OpenSSL 3.0 has no keyed BLAKE2s, which mac1/mac2
 * need.
 */
#include "crypto.h"

#include "chacha.h"
#include "poly1305.h"

#include <blake2.h>
#include <errno.h>
#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <dlfcn.h>
#include <endian.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef TW_LIBCRYPTO_SONAME
#define TW_LIBCRYPTO_SONAME "libcrypto.so.3"
#endif
/* OPENSSL_ia32cap: keep the first capability word, clear AVX512IFMA (CPUID.7.EBX bit 21) */
#define NO_IFMA_MASK ":~0x200000"

/*
 * Below this many bytes libsodium's one-shot call beats OpenSSL, whose
 * per-packet set-up (Poly1305 key block, AVX-512 tables) costs more than it
 * saves (96 bytes: ~0.3 vs ~0.5 us); they cross between 512 and 1024 bytes.
 */
#define OPENSSL_MIN_LEN 1024

/* The default provider's ChaCha20-Poly1305, called directly. */
static struct {
	void *provctx;
	OSSL_FUNC_cipher_newctx_fn *newctx;
	OSSL_FUNC_cipher_freectx_fn *freectx;
	OSSL_FUNC_cipher_encrypt_init_fn *einit;
	OSSL_FUNC_cipher_decrypt_init_fn *dinit;
	OSSL_FUNC_cipher_update_fn *update;
	OSSL_FUNC_cipher_final_fn *final;
	OSSL_FUNC_cipher_get_ctx_params_fn *get_params;
	OSSL_FUNC_cipher_set_ctx_params_fn *set_params;
	/* its Poly1305, beside our own ChaCha20 (wg/chacha_avx512.c) */
	OSSL_FUNC_mac_newctx_fn *mac_newctx;
	OSSL_FUNC_mac_freectx_fn *mac_freectx;
	OSSL_FUNC_mac_init_fn *mac_init;
	OSSL_FUNC_mac_update_fn *mac_update;
	OSSL_FUNC_mac_final_fn *mac_final;
	bool mac_ok;
	bool ok;
} ossl;

static pthread_key_t ctx_key;
static bool has_avx; /* set once by crypto_init_once() */
/* set once too: our ChaCha20 with our Poly1305 (own_poly) or libcrypto's */
static bool own_aead, own_poly;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_err;

/* One encrypting and one decrypting context per thread, made on first use. */
struct thread_ctx {
	void *enc, *dec, *mac;
	/* The key each context holds: re-keying costs more than the compare. */
	uint8_t enc_key[WG_KEY_LEN], dec_key[WG_KEY_LEN];
	bool enc_keyed, dec_keyed;
};
static __thread struct thread_ctx tctx;

static void thread_ctx_free(void *p)
{
	struct thread_ctx *t = p;

	if (t->enc)
		ossl.freectx(t->enc);
	if (t->dec)
		ossl.freectx(t->dec);
	if (t->mac)
		ossl.mac_freectx(t->mac);
	t->enc = t->dec = t->mac = NULL;
	sodium_memzero(t->enc_key, sizeof(t->enc_key));
	sodium_memzero(t->dec_key, sizeof(t->dec_key));
	t->enc_keyed = t->dec_keyed = false;
}

/* True if the algorithm's colon-separated name list holds @want. */
static bool has_name(const char *names, const char *want)
{
	size_t n = strlen(want);

	for (const char *p = names; p && *p;) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == n && !strncasecmp(p, want, n))
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

/* The few libcrypto entry points called by name; the rest come through the dispatch table. */
static struct {
	OSSL_PROVIDER *(*load)(OSSL_LIB_CTX *, const char *);
	const OSSL_ALGORITHM *(*query)(const OSSL_PROVIDER *, int, int *);
	void *(*provctx)(const OSSL_PROVIDER *);
	void (*err_clear)(void);
} lib;

static void err_clear(void)
{
	if (lib.err_clear)
		lib.err_clear();
}

static bool ossl_open(void)
{
	const char *user = getenv("OPENSSL_ia32cap"), *ifma = getenv("TW_WG_OPENSSL_IFMA");
	bool mask = !user && !(ifma && !strcmp(ifma, "1"));
	void *h;

	/* start-up, one thread: nothing reads the environment meanwhile */
	if (mask)
		setenv("OPENSSL_ia32cap", NO_IFMA_MASK, 1);
	h = dlopen(TW_LIBCRYPTO_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (mask)
		unsetenv("OPENSSL_ia32cap"); /* not passed on to anything we might start */
	if (!h)
		return false;
	*(void **)&lib.load = dlsym(h, "OSSL_PROVIDER_load");
	*(void **)&lib.query = dlsym(h, "OSSL_PROVIDER_query_operation");
	*(void **)&lib.provctx = dlsym(h, "OSSL_PROVIDER_get0_provider_ctx");
	*(void **)&lib.err_clear = dlsym(h, "ERR_clear_error");
	return lib.load && lib.query && lib.provctx && lib.err_clear;
}

/* TW_WG_AVX512_CHACHA=0: libcrypto's ChaCha20-Poly1305 even where ours runs. */
static bool own_chacha_wanted(void)
{
	const char *s = getenv("TW_WG_AVX512_CHACHA");

	return !s || strcmp(s, "0") != 0;
}

/* The default provider's Poly1305 MAC, for the AVX-512 ChaCha20 path. */
static void mac_bind(OSSL_PROVIDER *prov)
{
	const OSSL_ALGORITHM *alg = NULL;
	const OSSL_DISPATCH *d = NULL;
	int no_cache;

	if (!wg_chacha20_avx512_usable() || !own_chacha_wanted())
		return;
	for (alg = lib.query(prov, OSSL_OP_MAC, &no_cache); alg && alg->algorithm_names; alg++) {
		if (has_name(alg->algorithm_names, "POLY1305")) {
			d = alg->implementation;
			break;
		}
	}
	for (; d && d->function_id; d++) {
		switch (d->function_id) {
		case OSSL_FUNC_MAC_NEWCTX:
			ossl.mac_newctx = OSSL_FUNC_mac_newctx(d);
			break;
		case OSSL_FUNC_MAC_FREECTX:
			ossl.mac_freectx = OSSL_FUNC_mac_freectx(d);
			break;
		case OSSL_FUNC_MAC_INIT:
			ossl.mac_init = OSSL_FUNC_mac_init(d);
			break;
		case OSSL_FUNC_MAC_UPDATE:
			ossl.mac_update = OSSL_FUNC_mac_update(d);
			break;
		case OSSL_FUNC_MAC_FINAL:
			ossl.mac_final = OSSL_FUNC_mac_final(d);
			break;
		default:
			break;
		}
	}
	ossl.mac_ok = ossl.mac_newctx && ossl.mac_freectx && ossl.mac_init && ossl.mac_update &&
		      ossl.mac_final;
}

static void ossl_bind(void)
{
	OSSL_PROVIDER *prov;
	const OSSL_ALGORITHM *alg;
	const OSSL_DISPATCH *d = NULL;
	int no_cache;

	if (!ossl_open())
		return;
	prov = lib.load(NULL, "default");
	if (!prov)
		goto out;
	alg = lib.query(prov, OSSL_OP_CIPHER, &no_cache);
	for (; alg && alg->algorithm_names; alg++) {
		if (has_name(alg->algorithm_names, "ChaCha20-Poly1305")) {
			d = alg->implementation;
			break;
		}
	}
	for (; d && d->function_id; d++) {
		switch (d->function_id) {
		case OSSL_FUNC_CIPHER_NEWCTX:
			ossl.newctx = OSSL_FUNC_cipher_newctx(d);
			break;
		case OSSL_FUNC_CIPHER_FREECTX:
			ossl.freectx = OSSL_FUNC_cipher_freectx(d);
			break;
		case OSSL_FUNC_CIPHER_ENCRYPT_INIT:
			ossl.einit = OSSL_FUNC_cipher_encrypt_init(d);
			break;
		case OSSL_FUNC_CIPHER_DECRYPT_INIT:
			ossl.dinit = OSSL_FUNC_cipher_decrypt_init(d);
			break;
		case OSSL_FUNC_CIPHER_UPDATE:
			ossl.update = OSSL_FUNC_cipher_update(d);
			break;
		case OSSL_FUNC_CIPHER_FINAL:
			ossl.final = OSSL_FUNC_cipher_final(d);
			break;
		case OSSL_FUNC_CIPHER_GET_CTX_PARAMS:
			ossl.get_params = OSSL_FUNC_cipher_get_ctx_params(d);
			break;
		case OSSL_FUNC_CIPHER_SET_CTX_PARAMS:
			ossl.set_params = OSSL_FUNC_cipher_set_ctx_params(d);
			break;
		default:
			break;
		}
	}
	ossl.provctx = lib.provctx(prov);
	ossl.ok = ossl.newctx && ossl.freectx && ossl.einit && ossl.dinit && ossl.update &&
		  ossl.final && ossl.get_params && ossl.set_params;
	mac_bind(prov);
	/* the provider stays loaded for the life of the process: its functions are ours to call */
out:
	err_clear();
}

/* TW_WG_OWN_POLY1305=0: libcrypto's Poly1305 beside our ChaCha20. */
static bool own_poly_wanted(void)
{
	const char *s = getenv("TW_WG_OWN_POLY1305");

	return !(s && !strcmp(s, "0"));
}

static void crypto_init_once(void)
{
	if (sodium_init() < 0) {
		init_err = -EIO;
		return;
	}
	ossl_bind();
	own_poly = wg_chacha20_avx512_usable() && own_chacha_wanted() &&
		   wg_poly1305_ifma_usable() && own_poly_wanted();
	own_aead = own_poly || ossl.mac_ok;
#if defined(__x86_64__) && defined(__GNUC__)
	has_avx = __builtin_cpu_supports("avx");
#endif
	if (pthread_key_create(&ctx_key, thread_ctx_free))
		init_err = -EAGAIN;
}

int wg_crypto_init(void)
{
	pthread_once(&once, crypto_init_once);
	return init_err;
}

bool wg_crypto_uses_openssl(void)
{
	return wg_crypto_init() == 0 && ossl.ok;
}

bool wg_crypto_uses_avx512_chacha(void)
{
	return wg_crypto_init() == 0 && own_aead;
}

bool wg_crypto_uses_own_poly1305(void)
{
	return wg_crypto_init() == 0 && own_poly;
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

/*
 * OpenSSL's AVX-512 ChaCha20/Poly1305 can return with the upper halves of the
 * vector registers in use; until they are cleared, every legacy-SSE
 * instruction of ours (the compiler's default for x86-64) pays a merge
 * penalty (perf: 3-4% of the sending daemon's time on one pxor after such a
 * call). VZEROUPPER ends that state; it exists only on CPUs with AVX, hence
 * the check.
 */
#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx"))) static void vzeroupper_avx(void)
{
	__builtin_ia32_vzeroupper();
}

static void clear_upper(void)
{
	if (has_avx)
		vzeroupper_avx();
}
#else
static void clear_upper(void)
{
	(void)has_avx;
}
#endif

/*
 * Constant-time equality of @len bytes (a multiple of 8: keys, tags),
 * without a library call per packet.
 */
static bool eq_words(const uint8_t *a, const uint8_t *b, size_t len)
{
	uint64_t x, y, d = 0;

	for (size_t i = 0; i + 8 <= len; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		d |= x ^ y;
	}
	return d == 0;
}

static bool key_eq(const uint8_t a[WG_KEY_LEN], const uint8_t b[WG_KEY_LEN])
{
	return eq_words(a, b, WG_KEY_LEN);
}

/*
 * This thread's context for @enc, initialised for @key (passed to the
 * provider only when it changed) and @nonce; NULL on failure.
 */
static void *ctx_begin(bool enc, const uint8_t key[WG_KEY_LEN], const uint8_t nonce[12])
{
	void **c = enc ? &tctx.enc : &tctx.dec;
	uint8_t *cached = enc ? tctx.enc_key : tctx.dec_key;
	bool *keyed = enc ? &tctx.enc_keyed : &tctx.dec_keyed;
	const uint8_t *k = NULL;
	int ok;

	if (!*c) {
		*c = ossl.newctx(ossl.provctx);
		if (!*c)
			return NULL;
		*keyed = false;
		pthread_setspecific(ctx_key, &tctx);
	}
	if (!*keyed || !key_eq(cached, key)) {
		memcpy(cached, key, WG_KEY_LEN);
		k = key;
	}
	ok = enc ? ossl.einit(*c, k, k ? WG_KEY_LEN : 0, nonce, 12, NULL)
		 : ossl.dinit(*c, k, k ? WG_KEY_LEN : 0, nonce, 12, NULL);
	*keyed = ok == 1;
	return ok == 1 ? *c : NULL;
}

/* The AEAD tag as an OSSL_PARAM (what OSSL_PARAM_construct_octet_string() makes). */
static OSSL_PARAM tag_param(uint8_t *tag)
{
	OSSL_PARAM p = {
	    .key = OSSL_CIPHER_PARAM_AEAD_TAG,
	    .data_type = OSSL_PARAM_OCTET_STRING,
	    .data = tag,
	    .data_size = WG_AEAD_TAG_LEN,
	    .return_size = OSSL_PARAM_UNMODIFIED,
	};

	return p;
}

/*
 * ChaCha20-Poly1305 of RFC 8439 from our AVX-512 ChaCha20 and our Poly1305
 * (own_poly) or libcrypto's (ossl.mac_ok): the tag covers the associated
 * data and the ciphertext, each padded to 16 bytes, then both lengths.
 */
struct poly_job {
	const void *ad;
	size_t adlen;
	const uint8_t *ct; /* the ciphertext (encryption: once written) */
	size_t len;
	const uint8_t *want;  /* decryption: the tag received */
	uint8_t poly_key[32]; /* encryption: kept until the ciphertext exists */
};

static const uint8_t zero_pad[16];

static bool mac_pad(void *m, size_t len)
{
	return len % 16 == 0 || ossl.mac_update(m, zero_pad, 16 - len % 16) == 1;
}

static bool poly_tag(uint8_t tag[WG_AEAD_TAG_LEN], const uint8_t key[32], const struct poly_job *j)
{
	uint8_t lens[16];
	uint64_t a = htole64((uint64_t)j->adlen), c = htole64((uint64_t)j->len);
	size_t n = 0;

	if (own_poly && (j->len >= WG_OWN_POLY1305_MIN_LEN || !ossl.mac_ok)) {
		wg_poly1305_aead_tag(tag, key, j->ad, j->adlen, j->ct, j->len, true);
		return true;
	}
	if (!tctx.mac) {
		tctx.mac = ossl.mac_newctx(ossl.provctx);
		if (!tctx.mac)
			return false;
		pthread_setspecific(ctx_key, &tctx);
	}
	memcpy(lens, &a, 8);
	memcpy(lens + 8, &c, 8);
	return ossl.mac_init(tctx.mac, key, 32, NULL) == 1 &&
	       (!j->adlen ||
		(ossl.mac_update(tctx.mac, j->ad, j->adlen) == 1 && mac_pad(tctx.mac, j->adlen))) &&
	       ossl.mac_update(tctx.mac, j->ct, j->len) == 1 && mac_pad(tctx.mac, j->len) &&
	       ossl.mac_update(tctx.mac, lens, 16) == 1 &&
	       ossl.mac_final(tctx.mac, tag, &n, WG_AEAD_TAG_LEN) == 1 && n == WG_AEAD_TAG_LEN;
}

static bool keep_poly_key(void *arg, const uint8_t poly_key[32])
{
	memcpy(((struct poly_job *)arg)->poly_key, poly_key, 32);
	return true;
}

static bool verify_tag(void *arg, const uint8_t poly_key[32])
{
	const struct poly_job *j = arg;
	uint8_t tag[WG_AEAD_TAG_LEN];
	bool ok = poly_tag(tag, poly_key, j) && eq_words(tag, j->want, sizeof(tag));

	sodium_memzero(tag, sizeof(tag));
	return ok;
}

static int own_encrypt(uint8_t *dst, const uint8_t *src, size_t len, const void *ad, size_t adlen,
		       const uint8_t nonce[12], const uint8_t key[WG_KEY_LEN])
{
	struct poly_job j = {.ad = ad, .adlen = adlen, .ct = dst, .len = len};
	bool ok = wg_chacha20_avx512(dst, src, len, key, nonce, keep_poly_key, &j) &&
		  poly_tag(dst + len, j.poly_key, &j);

	sodium_memzero(j.poly_key, sizeof(j.poly_key));
	clear_upper();
	if (!ok) {
		err_clear();
		return -ENOMEM;
	}
	return 0;
}

static int own_decrypt(uint8_t *dst, const uint8_t *src, size_t plen, const void *ad, size_t adlen,
		       const uint8_t nonce[12], const uint8_t key[WG_KEY_LEN])
{
	struct poly_job j = {.ad = ad, .adlen = adlen, .ct = src, .len = plen, .want = src + plen};
	bool ok = wg_chacha20_avx512(dst, src, plen, key, nonce, verify_tag, &j);

	clear_upper();
	if (!ok) {
		err_clear();
		return -EBADMSG;
	}
	return 0;
}

int wg_aead_encrypt(uint8_t *dst, const uint8_t *src, size_t len, const void *ad, size_t adlen,
		    uint64_t counter, const uint8_t key[WG_KEY_LEN])
{
	OSSL_PARAM tag[2] = {OSSL_PARAM_END, OSSL_PARAM_END};
	uint8_t nonce[12];
	size_t n;
	void *c;

	if (wg_crypto_init())
		return -ENOMEM;
	nonce_of(nonce, counter);
	if (own_aead)
		return own_encrypt(dst, src, len, ad, adlen, nonce, key);
	if (len < OPENSSL_MIN_LEN || !ossl.ok) {
		crypto_aead_chacha20poly1305_ietf_encrypt(dst, NULL, src, len, ad, adlen, NULL,
							  nonce, key);
		return 0;
	}
	tag[0] = tag_param(dst + len);
	if (!(c = ctx_begin(true, key, nonce)) ||
	    (adlen && ossl.update(c, NULL, &n, adlen, ad, adlen) != 1) ||
	    ossl.update(c, dst, &n, len, src, len) != 1 || ossl.final(c, dst + len, &n, 0) != 1 ||
	    ossl.get_params(c, tag) != 1) {
		clear_upper();
		err_clear();
		return -ENOMEM;
	}
	clear_upper();
	return 0;
}

int wg_aead_decrypt(uint8_t *dst, const uint8_t *src, size_t len, const void *ad, size_t adlen,
		    uint64_t counter, const uint8_t key[WG_KEY_LEN])
{
	OSSL_PARAM tag[2] = {OSSL_PARAM_END, OSSL_PARAM_END};
	uint8_t nonce[12], t[WG_AEAD_TAG_LEN];
	size_t plen, n;
	void *c;

	if (len < WG_AEAD_TAG_LEN || wg_crypto_init())
		return -EBADMSG;
	plen = len - WG_AEAD_TAG_LEN;
	nonce_of(nonce, counter);
	if (own_aead)
		return own_decrypt(dst, src, plen, ad, adlen, nonce, key);
	if (plen < OPENSSL_MIN_LEN || !ossl.ok) {
		if (crypto_aead_chacha20poly1305_ietf_decrypt(dst, NULL, NULL, src, len, ad, adlen,
							      nonce, key))
			return -EBADMSG;
		return 0;
	}
	/* the tag first: decryption in place overwrites nothing after plen, but be plain */
	memcpy(t, src + plen, sizeof(t));
	tag[0] = tag_param(t);
	if (!(c = ctx_begin(false, key, nonce)) || ossl.set_params(c, tag) != 1 ||
	    (adlen && ossl.update(c, NULL, &n, adlen, ad, adlen) != 1) ||
	    ossl.update(c, dst, &n, plen, src, plen) != 1 ||
	    ossl.final(c, dst + plen, &n, 0) != 1) {
		/* OpenSSL checks the tag after decrypting: release nothing (as libsodium) */
		sodium_memzero(dst, plen);
		err_clear();
		return -EBADMSG;
	}
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
