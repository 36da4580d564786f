// SPDX-License-Identifier: MIT
/*
 * ChaCha20-Poly1305 (IETF) encrypt+decrypt throughput at WireGuard's typical
 * payload size, libsodium against OpenSSL's libcrypto, on one core. Decides
 * which library wg/crypto.c uses for the data path.
 *
 *   cmake --build build --target crypto_speed && build/wg/crypto_speed [bytes] [seconds]
 */
#include <openssl/evp.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

static double bench_sodium(size_t len, double secs)
{
	unsigned char key[32], nonce[12], *pt = calloc(1, len), *ct = calloc(1, len + 16);
	unsigned long long ctr = 0, clen, plen;
	double t0 = now_s(), t;

	randombytes_buf(key, sizeof(key));
	do {
		for (int i = 0; i < 1000; i++, ctr++) {
			nonce_of(nonce, ctr);
			crypto_aead_chacha20poly1305_ietf_encrypt(ct, &clen, pt, len, NULL, 0, NULL,
								  nonce, key);
			if (crypto_aead_chacha20poly1305_ietf_decrypt(pt, &plen, NULL, ct, clen,
								      NULL, 0, nonce, key))
				abort();
		}
		t = now_s() - t0;
	} while (t < secs);
	free(pt);
	free(ct);
	return (double)ctr * len / t;
}

static double bench_openssl(size_t len, double secs)
{
	unsigned char key[32], nonce[12], tag[16], *pt = calloc(1, len), *ct = calloc(1, len);
	EVP_CIPHER_CTX *e = EVP_CIPHER_CTX_new(), *d = EVP_CIPHER_CTX_new();
	unsigned long long ctr = 0;
	double t0 = now_s(), t;
	int n;

	randombytes_buf(key, sizeof(key));
	/* Keys set once, nonce per packet: what a keypair-bound context would do. */
	EVP_EncryptInit_ex(e, EVP_chacha20_poly1305(), NULL, key, NULL);
	EVP_DecryptInit_ex(d, EVP_chacha20_poly1305(), NULL, key, NULL);
	do {
		for (int i = 0; i < 1000; i++, ctr++) {
			nonce_of(nonce, ctr);
			EVP_EncryptInit_ex(e, NULL, NULL, NULL, nonce);
			EVP_EncryptUpdate(e, ct, &n, pt, (int)len);
			EVP_EncryptFinal_ex(e, ct + n, &n);
			EVP_CIPHER_CTX_ctrl(e, EVP_CTRL_AEAD_GET_TAG, 16, tag);
			EVP_DecryptInit_ex(d, NULL, NULL, NULL, nonce);
			EVP_DecryptUpdate(d, pt, &n, ct, (int)len);
			EVP_CIPHER_CTX_ctrl(d, EVP_CTRL_AEAD_SET_TAG, 16, tag);
			if (EVP_DecryptFinal_ex(d, pt + n, &n) != 1)
				abort();
		}
		t = now_s() - t0;
	} while (t < secs);
	EVP_CIPHER_CTX_free(e);
	EVP_CIPHER_CTX_free(d);
	free(pt);
	free(ct);
	return (double)ctr * len / t;
}

int main(int argc, char **argv)
{
	size_t len = argc > 1 ? strtoul(argv[1], NULL, 0) : 1420;
	double secs = argc > 2 ? atof(argv[2]) : 2.0;
	double s, o;

	if (sodium_init() < 0)
		return 1;
	s = bench_sodium(len, secs);
	o = bench_openssl(len, secs);
	/* Each packet is encrypted and decrypted: bytes/s counts the payload once. */
	printf("chacha20poly1305 encrypt+decrypt, %zu bytes, one core\n", len);
	printf("libsodium %s: %.0f MB/s (%.0f kpkt/s)\n", sodium_version_string(), s / 1e6,
	       s / len / 1e3);
	printf("openssl %s: %.0f MB/s (%.0f kpkt/s)\n", OpenSSL_version(OPENSSL_VERSION), o / 1e6,
	       o / len / 1e3);
	return 0;
}
