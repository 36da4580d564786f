// SPDX-License-Identifier: MIT
/*
 * ChaCha20-Poly1305 (IETF) encrypt+decrypt throughput at WireGuard's typical
 * payload size, on one core: libsodium, OpenSSL's libcrypto through EVP, and
 * the daemon's own wg_aead_encrypt()/wg_aead_decrypt() (on an AVX-512 CPU
 * its own ChaCha20 with OpenSSL's or, with IFMA, its own Poly1305; else OpenSSL's
 * provider called directly from 1024 bytes, libsodium below). Decides which
 * library wg/crypto.c uses for the data path.
 *
 *   cmake --build build --target crypto_speed && build/wg/crypto_speed [bytes] [seconds]
 */
#include <openssl/evp.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void nonce_of(unsigned char n[12], unsigned long long ctr)
{
	memset(n, 0, 4);
	for (int i = 0; i < 8; i++)
		n[4 + i] = (unsigned char)(ctr >> (8 * i));
}

/* One packet of @len bytes encrypted and decrypted with counter @ctr; false on failure. */
struct round {
	unsigned char key[32], *pt, *ct;
	EVP_CIPHER_CTX *e, *d;
	size_t len;
};
typedef bool round_fn(struct round *r, unsigned long long ctr);

static bool round_sodium(struct round *r, unsigned long long ctr)
{
	unsigned long long clen, plen;
	unsigned char nonce[12];

	nonce_of(nonce, ctr);
	crypto_aead_chacha20poly1305_ietf_encrypt(r->ct, &clen, r->pt, r->len, NULL, 0, NULL, nonce,
						  r->key);
	return !crypto_aead_chacha20poly1305_ietf_decrypt(r->pt, &plen, NULL, r->ct, clen, NULL, 0,
							  nonce, r->key);
}

/* Keys set once, nonce per packet: what a keypair-bound context would do. */
static bool round_evp(struct round *r, unsigned long long ctr)
{
	unsigned char nonce[12], tag[16];
	int n;

	nonce_of(nonce, ctr);
	EVP_EncryptInit_ex(r->e, NULL, NULL, NULL, nonce);
	EVP_EncryptUpdate(r->e, r->ct, &n, r->pt, (int)r->len);
	EVP_EncryptFinal_ex(r->e, r->ct + n, &n);
	EVP_CIPHER_CTX_ctrl(r->e, EVP_CTRL_AEAD_GET_TAG, 16, tag);
	EVP_DecryptInit_ex(r->d, NULL, NULL, NULL, nonce);
	EVP_DecryptUpdate(r->d, r->pt, &n, r->ct, (int)r->len);
	EVP_CIPHER_CTX_ctrl(r->d, EVP_CTRL_AEAD_SET_TAG, 16, tag);
	return EVP_DecryptFinal_ex(r->d, r->pt + n, &n) == 1;
}

static bool round_tapwire(struct round *r, unsigned long long ctr)
{
	return !wg_aead_encrypt(r->ct, r->pt, r->len, NULL, 0, ctr, r->key) &&
	       !wg_aead_decrypt(r->pt, r->ct, r->len + 16, NULL, 0, ctr, r->key);
}

/* Payload bytes per second through @fn for @secs seconds. */
static double bench(round_fn *fn, size_t len, double secs)
{
	struct round r = {.pt = calloc(1, len), .ct = calloc(1, len + 16), .len = len};
	unsigned long long ctr = 0;
	double t0 = now_s(), t;

	randombytes_buf(r.key, sizeof(r.key));
	r.e = EVP_CIPHER_CTX_new();
	r.d = EVP_CIPHER_CTX_new();
	EVP_EncryptInit_ex(r.e, EVP_chacha20_poly1305(), NULL, r.key, NULL);
	EVP_DecryptInit_ex(r.d, EVP_chacha20_poly1305(), NULL, r.key, NULL);
	do {
		for (int i = 0; i < 1000; i++, ctr++)
			if (!fn(&r, ctr))
				abort();
		t = now_s() - t0;
	} while (t < secs);
	EVP_CIPHER_CTX_free(r.e);
	EVP_CIPHER_CTX_free(r.d);
	free(r.pt);
	free(r.ct);
	return (double)ctr * len / t;
}

int main(int argc, char **argv)
{
	size_t len = argc > 1 ? strtoul(argv[1], NULL, 0) : 1420;
	double secs = argc > 2 ? atof(argv[2]) : 2.0;
	double s, o, w;

	if (sodium_init() < 0 || wg_crypto_init())
		return 1;
	s = bench(round_sodium, len, secs);
	o = bench(round_evp, len, secs);
	w = bench(round_tapwire, len, secs);
	/* Each packet is encrypted and decrypted: bytes/s counts the payload once. */
	printf("chacha20poly1305 encrypt+decrypt, %zu bytes, one core\n", len);
	printf("libsodium %s: %.0f MB/s (%.0f kpkt/s)\n", sodium_version_string(), s / 1e6,
	       s / len / 1e3);
	printf("openssl %s (EVP): %.0f MB/s (%.0f kpkt/s)\n", OpenSSL_version(OPENSSL_VERSION),
	       o / 1e6, o / len / 1e3);
	printf("tapwire wg_aead (%s): %.0f MB/s (%.0f kpkt/s)\n",
	       wg_crypto_uses_own_poly1305() && len >= WG_OWN_POLY1305_MIN_LEN
		   ? "own AVX-512 ChaCha20, own IFMA Poly1305"
	       : wg_crypto_uses_avx512_chacha()		 ? "own AVX-512 ChaCha20, OpenSSL Poly1305"
	       : len >= 1024 && wg_crypto_uses_openssl() ? "openssl provider"
							 : "libsodium",
	       w / 1e6, w / len / 1e3);
	return 0;
}
