// SPDX-License-Identifier: MIT
/*
 * ChaCha20-Poly1305 (IETF) encrypt+decrypt throughput of one packet size on
 * one core: libsodium and libcrypto called plainly (EVP with the tag through
 * EVP_CIPHER_CTX_ctrl, as most programs do), then every path of wg/crypto.c
 * forced in turn, then what wg_aead_encrypt()/wg_aead_decrypt() choose, alone
 * and four packets at a time as the data path's batches go. It chose the
 * thresholds and paths in wg/crypto.h.
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

#include "aead.h"
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

static enum wg_aead_path forced;

static bool round_path(struct round *r, unsigned long long ctr)
{
	unsigned char nonce[12];

	nonce_of(nonce, ctr);
	return !wg_aead_path_encrypt(forced, r->ct, r->pt, r->len, NULL, 0, nonce, r->key) &&
	       !wg_aead_path_decrypt(forced, r->pt, r->ct, r->len + 16, NULL, 0, nonce, r->key);
}

/*
 * Four packets a round through the batch calls the data path uses
 * (wg_aead_encrypt_many()/wg_aead_decrypt_many()): where short packets share
 * a keystream pass. Counted as four packets.
 */
static bool round_many(struct round *r, unsigned long long ctr)
{
	static uint8_t *pt, *ct;
	struct wg_aead_msg m[4];
	bool ok = true;

	if (!pt && (!(pt = calloc(4, r->len + 16)) || !(ct = calloc(4, r->len + 16))))
		return false;
	for (int i = 0; i < 4; i++) {
		m[i] = (struct wg_aead_msg){.dst = ct + i * (r->len + 16),
					    .src = pt + i * (r->len + 16),
					    .len = r->len,
					    .key = r->key};
		wg_aead_nonce(m[i].nonce, 4 * ctr + (unsigned)i);
	}
	wg_aead_encrypt_many(m, 4);
	for (int i = 0; i < 4; i++) {
		ok &= !m[i].result;
		m[i].src = m[i].dst;
		m[i].dst = pt + i * (r->len + 16);
		m[i].len = r->len + 16;
	}
	wg_aead_decrypt_many(m, 4);
	for (int i = 0; i < 4; i++)
		ok &= !m[i].result;
	return ok;
}

static unsigned per_round = 1;

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
	return (double)ctr * per_round * len / t;
}

static void report(const char *what, double v, size_t len)
{
	printf("%-50s %6.0f MB/s (%5.0f kpkt/s)\n", what, v / 1e6, v / len / 1e3);
}

int main(int argc, char **argv)
{
	size_t len = argc > 1 ? strtoul(argv[1], NULL, 0) : 1420;
	double secs = argc > 2 ? atof(argv[2]) : 2.0;
	char what[128];

	if (sodium_init() < 0 || wg_crypto_init())
		return 1;
	/* Each packet is encrypted and decrypted: bytes/s counts the payload once. */
	printf("chacha20poly1305 encrypt+decrypt, %zu bytes, one core\n", len);
	snprintf(what, sizeof(what), "libsodium %s", sodium_version_string());
	report(what, bench(round_sodium, len, secs), len);
	snprintf(what, sizeof(what), "%s, EVP with ctrl", OpenSSL_version(OPENSSL_VERSION));
	report(what, bench(round_evp, len, secs), len);
	for (int p = 0; p < WG_AEAD_PATHS; p++) {
		forced = (enum wg_aead_path)p;
		if (!wg_aead_path_usable(forced))
			continue;
		snprintf(what, sizeof(what), "path: %s", wg_aead_path_name(forced));
		report(what, bench(round_path, len, secs), len);
	}
	snprintf(what, sizeof(what), "chosen (%s)", wg_aead_path_name(wg_aead_path_for(len)));
	report(what, bench(round_tapwire, len, secs), len);
	per_round = 4;
	report("chosen, four at a time (the _many calls)", bench(round_many, len, secs), len);
	return 0;
}
