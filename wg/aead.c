// SPDX-License-Identifier: MIT
/*
 * The data path's ChaCha20-Poly1305 over five paths (enum wg_aead_path in
 * aead.h, which also says why each exists and how the daemon picks one per
 * packet):
 *
 *  - libsodium's one-shot call;
 *  - OpenSSL's libcrypto through EVP only: the cipher fetched once (from
 *    the default library context, so the system's OpenSSL configuration and
 *    providers apply), one encrypting and one decrypting EVP_CIPHER_CTX per
 *    thread, re-keyed only when the key changes, the tag through a prebuilt
 *    OSSL_PARAM array;
 *  - our AVX-512 ChaCha20 (wg/chacha_avx512.c: the Poly1305 key block and
 *    the message's blocks in one pass) with libcrypto's Poly1305 (EVP_MAC),
 *    or with our Poly1305 (wg/poly1305.c), scalar or with AVX-512 IFMA.
 *
 * Our own code is on the hot path only because bench/crypto_speed shows it
 * beating the libraries; it is checked against RFC 8439 and other published
 * vectors and against libsodium (tests/unit/test_wg_aead_vectors.c,
 * fuzz/fuzz_wg_aead.c), every path forced in turn.
 *
 * Every call goes through one route, run_many(), and one shim, crypt_via(),
 * for both directions.
 */
#include "aead.h"

#include "chacha.h"
#include "poly1305.h"

#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <endian.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* libcrypto's algorithms, fetched once; NULL where the configuration has none. */
static EVP_CIPHER *evp_aead;
static EVP_MAC *evp_poly;

static pthread_key_t ctx_key;
static bool has_avx;		  /* set once by crypto_init_once() */
static bool own_chacha, own_poly; /* set once: which of our own code the daemon takes */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_err;

/* One encrypting and one decrypting context per thread, made on first use. */
struct thread_ctx {
	EVP_CIPHER_CTX *enc, *dec;
	EVP_MAC_CTX *mac;
	/* The key each cipher context holds: re-keying costs more than the compare. */
	uint8_t enc_key[WG_AEAD_KEY_LEN], dec_key[WG_AEAD_KEY_LEN];
	bool enc_keyed, dec_keyed;
	bool mac_keyed;	   /* the MAC context holds a message's Poly1305 key */
	OSSL_PARAM tag[2]; /* { AEAD tag, END }: only .data changes per packet */
};
static __thread struct thread_ctx tctx;

static void thread_ctx_free(void *p)
{
	struct thread_ctx *t = p;

	EVP_CIPHER_CTX_free(t->enc); /* these cleanse the keys they hold */
	EVP_CIPHER_CTX_free(t->dec);
	EVP_MAC_CTX_free(t->mac);
	t->enc = t->dec = NULL;
	t->mac = NULL;
	sodium_memzero(t->enc_key, sizeof(t->enc_key));
	sodium_memzero(t->dec_key, sizeof(t->dec_key));
	t->enc_keyed = t->dec_keyed = t->mac_keyed = false;
}

/* A switch the user may set to 0 (tapwire-wg(8)); anything else, or unset, is on. */
static bool switch_on(const char *name)
{
	const char *s = getenv(name);

	return !s || strcmp(s, "0") != 0;
}

static void aead_init_once(void)
{
	if (sodium_init() < 0) {
		init_err = -EIO;
		return;
	}
	/* NULL library context: the default one, configured as the system says */
	evp_aead = EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305", NULL);
	evp_poly = EVP_MAC_fetch(NULL, "POLY1305", NULL);
	ERR_clear_error();
	/* (not through wg_aead_path_usable(): that waits for this to finish) */
	own_poly = switch_on("TW_WG_OWN_POLY1305");
	own_chacha = wg_chacha20_avx512_usable() && switch_on("TW_WG_AVX512_CHACHA") &&
		     (evp_poly || own_poly);
#if defined(__x86_64__) && defined(__GNUC__)
	has_avx = __builtin_cpu_supports("avx");
#endif
	if (pthread_key_create(&ctx_key, thread_ctx_free))
		init_err = -EAGAIN;
}

int wg_aead_init(void)
{
	pthread_once(&once, aead_init_once);
	return init_err;
}

bool wg_aead_path_usable(enum wg_aead_path path)
{
	if (wg_aead_init())
		return false;
	switch (path) {
	case WG_AEAD_LIBSODIUM:
		return true;
	case WG_AEAD_OPENSSL:
		return evp_aead != NULL;
	case WG_AEAD_OWN_CHACHA:
		return wg_chacha20_avx512_usable() && evp_poly != NULL;
	case WG_AEAD_OWN_SCALAR:
	case WG_AEAD_OWN_MANY:
		return wg_chacha20_avx512_usable();
	case WG_AEAD_OWN_IFMA:
		return wg_chacha20_avx512_usable() && wg_poly1305_ifma_usable();
	default:
		return false;
	}
}

const char *wg_aead_path_name(enum wg_aead_path path)
{
	static const char *const names[WG_AEAD_PATHS] = {
	    [WG_AEAD_LIBSODIUM] = "libsodium",
	    [WG_AEAD_OPENSSL] = "libcrypto (EVP)",
	    [WG_AEAD_OWN_CHACHA] = "own AVX-512 ChaCha20, libcrypto's Poly1305",
	    [WG_AEAD_OWN_SCALAR] = "own AVX-512 ChaCha20, own scalar Poly1305",
	    [WG_AEAD_OWN_IFMA] = "own AVX-512 ChaCha20, own IFMA Poly1305",
	    [WG_AEAD_OWN_MANY] = "own AVX-512 ChaCha20 four at once, own scalar Poly1305",
	};

	return path < WG_AEAD_PATHS ? names[path] : "?";
}

enum wg_aead_path wg_aead_path_for(size_t len)
{
	if (wg_aead_init())
		return WG_AEAD_LIBSODIUM;
	if (own_chacha) {
		if (own_poly && len >= WG_POLY1305_IFMA_MIN_LEN && wg_poly1305_ifma_usable())
			return WG_AEAD_OWN_IFMA;
		if (own_poly && len <= WG_CHACHA_SHORT_MAX)
			return WG_AEAD_OWN_MANY;
		if (own_poly && (len < WG_EVP_POLY1305_MIN_LEN || !evp_poly))
			return WG_AEAD_OWN_SCALAR;
		return WG_AEAD_OWN_CHACHA;
	}
	if (evp_aead && len >= WG_OPENSSL_MIN_LEN)
		return WG_AEAD_OPENSSL;
	return WG_AEAD_LIBSODIUM;
}

void wg_aead_nonce(uint8_t nonce[12], uint64_t counter)
{
	memset(nonce, 0, 4);
	for (int i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(counter >> (8 * i));
}

/*
 * libcrypto's AVX-512 ChaCha20/Poly1305 can return with the upper halves of
 * the vector registers in use; until they are cleared, every legacy-SSE
 * instruction of ours (the compiler's default for x86-64) pays a merge
 * penalty. VZEROUPPER ends that state; it exists only on CPUs with AVX,
 * hence the check.
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

/* This thread's state, registered for freeing at its exit. */
static struct thread_ctx *thread_ctx(void)
{
	if (!tctx.tag[0].key) {
		tctx.tag[0] = OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, NULL,
								WG_AEAD_TAG_LEN);
		tctx.tag[1] = OSSL_PARAM_construct_end();
		pthread_setspecific(ctx_key, &tctx);
	}
	return &tctx;
}

/*
 * This thread's cipher context for @enc, set up for @key (handed to
 * libcrypto only when it changed) and @nonce; NULL on failure.
 */
static EVP_CIPHER_CTX *evp_begin(bool enc, const uint8_t key[WG_AEAD_KEY_LEN],
				 const uint8_t nonce[12])
{
	struct thread_ctx *t = thread_ctx();
	EVP_CIPHER_CTX **c = enc ? &t->enc : &t->dec;
	uint8_t *cached = enc ? t->enc_key : t->dec_key;
	bool *keyed = enc ? &t->enc_keyed : &t->dec_keyed;
	const uint8_t *k = NULL;

	if (!*c) {
		*c = EVP_CIPHER_CTX_new();
		if (*c && EVP_CipherInit_ex2(*c, evp_aead, NULL, NULL, enc, NULL) != 1) {
			EVP_CIPHER_CTX_free(*c);
			*c = NULL;
		}
		if (!*c)
			return NULL;
		*keyed = false;
	}
	if (!*keyed || !eq_words(cached, key, WG_AEAD_KEY_LEN)) {
		memcpy(cached, key, WG_AEAD_KEY_LEN);
		k = key;
	}
	*keyed = EVP_CipherInit_ex2(*c, NULL, k, nonce, enc, NULL) == 1;
	return *keyed ? *c : NULL;
}

/*
 * Forgets the keys this thread's libcrypto contexts hold: re-keys them with
 * zeros (the documented way to replace a key; no allocation) and wipes the
 * copies kept for comparison. Called at the end of every call, so a key
 * lives in a context for one batch at most, and a keypair wiped leaves no
 * copy behind in any thread.
 */
static void forget_keys(void)
{
	static const uint8_t zero_key[WG_AEAD_KEY_LEN], zero_nonce[WG_AEAD_NONCE_LEN];
	struct thread_ctx *t = &tctx;

	if (t->enc_keyed) {
		if (EVP_CipherInit_ex2(t->enc, NULL, zero_key, zero_nonce, 1, NULL) != 1)
			ERR_clear_error();
		sodium_memzero(t->enc_key, sizeof(t->enc_key));
		t->enc_keyed = false;
	}
	if (t->dec_keyed) {
		if (EVP_CipherInit_ex2(t->dec, NULL, zero_key, zero_nonce, 0, NULL) != 1)
			ERR_clear_error();
		sodium_memzero(t->dec_key, sizeof(t->dec_key));
		t->dec_keyed = false;
	}
	if (t->mac_keyed) {
		/* a one-time key, but keystream all the same */
		if (EVP_MAC_init(t->mac, zero_key, sizeof(zero_key), NULL) != 1)
			ERR_clear_error();
		t->mac_keyed = false;
	}
}

unsigned wg_aead_thread_keys(void)
{
	return (unsigned)tctx.enc_keyed + tctx.dec_keyed + tctx.mac_keyed;
}

/*
 * libcrypto's AEAD: @len bytes of plaintext (the tag after them: written on
 * encryption, checked on decryption).
 */
static int evp_crypt(bool enc, uint8_t *dst, const uint8_t *src, size_t len, const void *ad,
		     size_t adlen, const uint8_t nonce[12], const uint8_t key[WG_AEAD_KEY_LEN])
{
	EVP_CIPHER_CTX *c = evp_begin(enc, key, nonce);
	uint8_t t[WG_AEAD_TAG_LEN];
	int n, ok = c && len <= INT32_MAX && adlen <= INT32_MAX;

	if (!enc) {
		/* the tag first: decryption in place overwrites nothing after len, but be plain */
		memcpy(t, src + len, sizeof(t));
		if (ok) {
			tctx.tag[0].data = t;
			ok = EVP_CIPHER_CTX_set_params(c, tctx.tag) == 1;
		}
	}
	ok = ok && (!adlen || EVP_CipherUpdate(c, NULL, &n, ad, (int)adlen) == 1) &&
	     EVP_CipherUpdate(c, dst, &n, src, (int)len) == 1 &&
	     EVP_CipherFinal_ex(c, dst + len, &n) == 1;
	if (ok && enc) {
		tctx.tag[0].data = dst + len;
		ok = EVP_CIPHER_CTX_get_params(c, tctx.tag) == 1;
	}
	clear_upper();
	if (ok)
		return 0;
	ERR_clear_error();
	if (enc)
		return -ENOMEM;
	/* libcrypto checks the tag after decrypting: release nothing (as libsodium) */
	sodium_memzero(dst, len);
	return -EBADMSG;
}

/*
 * RFC 8439's AEAD from our AVX-512 ChaCha20 and a Poly1305: the tag covers
 * the associated data and the ciphertext, each padded to 16 bytes, then both
 * lengths.
 */
struct poly_job {
	enum wg_aead_path path;
	const void *ad;
	size_t adlen;
	const uint8_t *ct; /* the ciphertext (encryption: once written) */
	size_t len;
	const uint8_t *want;  /* decryption: the tag received */
	uint8_t poly_key[32]; /* encryption: kept until the ciphertext exists */
};

static const uint8_t zero_pad[16];

static bool mac_pad(EVP_MAC_CTX *m, size_t len)
{
	return len % 16 == 0 || EVP_MAC_update(m, zero_pad, 16 - len % 16) == 1;
}

/* libcrypto's Poly1305 over the AEAD's input. */
static bool evp_poly_tag(uint8_t tag[WG_AEAD_TAG_LEN], const uint8_t key[32],
			 const struct poly_job *j)
{
	struct thread_ctx *t = thread_ctx();
	uint64_t lens[2] = {htole64((uint64_t)j->adlen), htole64((uint64_t)j->len)};
	size_t n = 0;

	if (!t->mac && !(t->mac = EVP_MAC_CTX_new(evp_poly)))
		return false;
	t->mac_keyed = true;
	return EVP_MAC_init(t->mac, key, 32, NULL) == 1 &&
	       (!j->adlen ||
		(EVP_MAC_update(t->mac, j->ad, j->adlen) == 1 && mac_pad(t->mac, j->adlen))) &&
	       EVP_MAC_update(t->mac, j->ct, j->len) == 1 && mac_pad(t->mac, j->len) &&
	       EVP_MAC_update(t->mac, (const uint8_t *)lens, 16) == 1 &&
	       EVP_MAC_final(t->mac, tag, &n, WG_AEAD_TAG_LEN) == 1 && n == WG_AEAD_TAG_LEN;
}

static bool poly_tag(uint8_t tag[WG_AEAD_TAG_LEN], const uint8_t key[32], const struct poly_job *j)
{
	if (j->path == WG_AEAD_OWN_CHACHA)
		return evp_poly_tag(tag, key, j);
	wg_poly1305_aead_tag(tag, key, j->ad, j->adlen, j->ct, j->len, j->path == WG_AEAD_OWN_IFMA);
	return true;
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

/* Our ChaCha20 with @path's Poly1305; @len bytes of plaintext, the tag after them. */
static int own_crypt(enum wg_aead_path path, bool enc, uint8_t *dst, const uint8_t *src, size_t len,
		     const void *ad, size_t adlen, const uint8_t nonce[12],
		     const uint8_t key[WG_AEAD_KEY_LEN])
{
	struct poly_job j = {.path = path, .ad = ad, .adlen = adlen, .len = len};
	bool ok;

	if (enc) {
		j.ct = dst;
		ok = wg_chacha20_avx512(dst, src, len, key, nonce, keep_poly_key, &j) &&
		     poly_tag(dst + len, j.poly_key, &j);
		sodium_memzero(j.poly_key, sizeof(j.poly_key));
	} else {
		j.ct = src;
		j.want = src + len;
		ok = wg_chacha20_avx512(dst, src, len, key, nonce, verify_tag, &j);
	}
	clear_upper();
	if (ok)
		return 0;
	ERR_clear_error();
	return enc ? -ENOMEM : -EBADMSG;
}

/* dst = src ^ ks over @len bytes (dst == src allowed) */
static void xor_ks(uint8_t *dst, const uint8_t *src, const uint8_t *ks, size_t len)
{
	uint64_t x, k;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&x, src + i, 8);
		memcpy(&k, ks + i, 8);
		x ^= k;
		memcpy(dst + i, &x, 8);
	}
	for (; i < len; i++)
		dst[i] = src[i] ^ ks[i];
}

/*
 * WG_AEAD_OWN_MANY: @n (1-4) messages of up to WG_CHACHA_SHORT_MAX bytes of
 * plaintext, one keystream pass for all; a decryption writes nothing of a
 * message whose tag does not verify.
 */
static void short_many(struct wg_aead_msg *const *m, unsigned n, bool enc)
{
	uint8_t ks[4][256], tag[WG_AEAD_TAG_LEN];
	const uint8_t *key[4] = {NULL}, *nonce[4] = {NULL};

	for (unsigned i = 0; i < n && i < 4; i++) {
		key[i] = m[i]->key;
		nonce[i] = m[i]->nonce;
	}
	if (!wg_chacha20_avx512_short4(n, key, nonce, ks)) {
		/* n outside 1-4 (run_many never asks it): fail them, touch nothing */
		for (unsigned i = 0; i < n; i++)
			m[i]->result = -EINVAL;
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		struct wg_aead_msg *x = m[i];

		if (enc) {
			xor_ks(x->dst, x->src, ks[i] + 64, x->len);
			wg_poly1305_aead_tag(x->dst + x->len, ks[i], x->ad, x->adlen, x->dst,
					     x->len, false);
			x->result = 0;
			continue;
		}
		wg_poly1305_aead_tag(tag, ks[i], x->ad, x->adlen, x->src, x->len - WG_AEAD_TAG_LEN,
				     false);
		if (!eq_words(tag, x->src + x->len - WG_AEAD_TAG_LEN, sizeof(tag))) {
			x->result = -EBADMSG;
			continue;
		}
		xor_ks(x->dst, x->src, ks[i] + 64, x->len - WG_AEAD_TAG_LEN);
		x->result = 0;
	}
	sodium_memzero(tag, sizeof(tag));
	sodium_memzero(ks, 256 * n);
}

/*
 * One message through @path (known usable; not WG_AEAD_OWN_MANY, which
 * run_many() handles), either way: m->len is the plaintext's length on
 * encryption, the ciphertext's with its tag on decryption (>= the tag).
 */
static int crypt_via(enum wg_aead_path path, bool enc, struct wg_aead_msg *m)
{
	size_t plen = enc ? m->len : m->len - WG_AEAD_TAG_LEN;

	switch (path) {
	case WG_AEAD_LIBSODIUM:
		if (enc) {
			crypto_aead_chacha20poly1305_ietf_encrypt(
			    m->dst, NULL, m->src, m->len, m->ad, m->adlen, NULL, m->nonce, m->key);
			return 0;
		}
		return crypto_aead_chacha20poly1305_ietf_decrypt(m->dst, NULL, NULL, m->src, m->len,
								 m->ad, m->adlen, m->nonce, m->key)
			   ? -EBADMSG
			   : 0;
	case WG_AEAD_OPENSSL:
		return evp_crypt(enc, m->dst, m->src, plen, m->ad, m->adlen, m->nonce, m->key);
	default:
		return own_crypt(path, enc, m->dst, m->src, plen, m->ad, m->adlen, m->nonce,
				 m->key);
	}
}

/*
 * The one route of every call: @n messages, each through @path
 * (WG_AEAD_PATHS: the data path's choice for its length), those for
 * WG_AEAD_OWN_MANY gathered four at a time; then this thread forgets the
 * keys it was handed.
 */
static void run_many(enum wg_aead_path path, struct wg_aead_msg *m, unsigned n, bool enc)
{
	struct wg_aead_msg *group[4];
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++) {
		struct wg_aead_msg *x = &m[i];
		size_t plen = enc ? x->len : x->len - WG_AEAD_TAG_LEN;
		enum wg_aead_path p;

		if (!enc && x->len < WG_AEAD_TAG_LEN) {
			x->result = -EBADMSG;
			continue;
		}
		p = path == WG_AEAD_PATHS ? wg_aead_path_for(plen) : path;
		if (p == WG_AEAD_OWN_MANY && plen <= WG_CHACHA_SHORT_MAX) {
			group[k++] = x;
			if (k == 4) {
				short_many(group, k, enc);
				k = 0;
			}
			continue;
		}
		if (p == WG_AEAD_OWN_MANY)
			p = WG_AEAD_OWN_SCALAR;
		x->result = crypt_via(p, enc, x);
	}
	if (k)
		short_many(group, k, enc);
	clear_upper();
	forget_keys();
}

void wg_aead_encrypt_many(struct wg_aead_msg *m, unsigned int n)
{
	run_many(WG_AEAD_PATHS, m, n, true);
}

void wg_aead_decrypt_many(struct wg_aead_msg *m, unsigned int n)
{
	run_many(WG_AEAD_PATHS, m, n, false);
}

int wg_aead_path_encrypt_many(enum wg_aead_path path, struct wg_aead_msg *m, unsigned int n)
{
	if (!wg_aead_path_usable(path))
		return -EOPNOTSUPP;
	run_many(path, m, n, true);
	return 0;
}

int wg_aead_path_decrypt_many(enum wg_aead_path path, struct wg_aead_msg *m, unsigned int n)
{
	if (!wg_aead_path_usable(path))
		return -EOPNOTSUPP;
	run_many(path, m, n, false);
	return 0;
}

/* One message as a batch of one. */
static int one(enum wg_aead_path path, bool enc, uint8_t *dst, const uint8_t *src, size_t len,
	       const void *ad, size_t adlen, const uint8_t nonce[12],
	       const uint8_t key[WG_AEAD_KEY_LEN])
{
	struct wg_aead_msg m = {
	    .dst = dst, .src = src, .len = len, .ad = ad, .adlen = adlen, .key = key};

	memcpy(m.nonce, nonce, sizeof(m.nonce));
	run_many(path, &m, 1, enc);
	return m.result;
}

int wg_aead_path_encrypt(enum wg_aead_path path, uint8_t *dst, const uint8_t *src, size_t len,
			 const void *ad, size_t adlen, const uint8_t nonce[12],
			 const uint8_t key[WG_AEAD_KEY_LEN])
{
	if (!wg_aead_path_usable(path))
		return -EOPNOTSUPP;
	return one(path, true, dst, src, len, ad, adlen, nonce, key);
}

int wg_aead_path_decrypt(enum wg_aead_path path, uint8_t *dst, const uint8_t *src, size_t len,
			 const void *ad, size_t adlen, const uint8_t nonce[12],
			 const uint8_t key[WG_AEAD_KEY_LEN])
{
	if (!wg_aead_path_usable(path))
		return -EOPNOTSUPP;
	return one(path, false, dst, src, len, ad, adlen, nonce, key);
}

int wg_aead_encrypt(uint8_t *dst, const uint8_t *src, size_t len, const void *ad, size_t adlen,
		    uint64_t counter, const uint8_t key[WG_AEAD_KEY_LEN])
{
	uint8_t nonce[WG_AEAD_NONCE_LEN];

	wg_aead_nonce(nonce, counter);
	return one(WG_AEAD_PATHS, true, dst, src, len, ad, adlen, nonce, key);
}

int wg_aead_decrypt(uint8_t *dst, const uint8_t *src, size_t len, const void *ad, size_t adlen,
		    uint64_t counter, const uint8_t key[WG_AEAD_KEY_LEN])
{
	uint8_t nonce[WG_AEAD_NONCE_LEN];

	wg_aead_nonce(nonce, counter);
	return one(WG_AEAD_PATHS, false, dst, src, len, ad, adlen, nonce, key);
}
