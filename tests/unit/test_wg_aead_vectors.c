// SPDX-License-Identifier: MIT
/*
 * Known answers for every ChaCha20-Poly1305 path of wg/crypto.c, each forced
 * in turn (argv[1] names it), and for the primitives under our own paths:
 *
 *   aead PATH       RFC 8439 §2.8.2 and the rest of BoringSSL's and OpenSSL's
 *                   ChaCha20-Poly1305 vectors (tags that must be refused
 *                   included); each vector also tampered with (a bit of the
 *                   ciphertext, the tag, the associated data) and refused;
 *                   then seeded random inputs against libsodium
 *   chacha20        RFC 8439 A.1/A.2 keystream vectors through our AVX-512
 *                   ChaCha20 and libsodium's
 *   poly1305 FORM   RFC 8439 A.3 vectors through our Poly1305, scalar or ifma
 *   x25519          RFC 7748 §5.2 vectors
 *
 * The vectors are the files Debian's python3-cryptography-vectors installs
 * (cryptography_vectors/, Apache-2.0 or BSD; TW_VECTORS names another
 * copy). A path or form this CPU cannot run exits 77: CTest reports it as
 * skipped. Random inputs come from TW_TEST_SEED or the clock; the seed is
 * printed first, so a failure can be repeated.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <sodium.h>

#include "chacha.h"
#include "crypto.h"
#include "poly1305.h"

#define SKIP   77
#define MAXLEN 8192

static const char *vectors_dir(void)
{
	const char *d = getenv("TW_VECTORS");

	return d ? d : "/usr/lib/python3/dist-packages/cryptography_vectors";
}

/* ---- a reader of NIST-style files: "KEY = hex" or "IN= \"text\"" lines, blank-separated ---- */

struct field {
	char name[24];
	char *raw; /* the value as written */
	uint8_t *data;
	size_t len;
};

struct record {
	struct field f[12];
	int n;
};

static int unhex(int c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

static void record_clear(struct record *r)
{
	for (int i = 0; i < r->n; i++) {
		free(r->f[i].data);
		free(r->f[i].raw);
	}
	r->n = 0;
}

/* Parses "NAME = value" into @r; false for lines that are not fields. */
static bool parse_line(char *line, struct record *r)
{
	char *eq = strchr(line, '='), *v, *end;
	struct field *f;
	size_t n;

	if (!eq || line[0] == '#' || r->n == 12)
		return false;
	f = &r->f[r->n];
	for (end = eq; end > line && (end[-1] == ' ' || end[-1] == '\t'); end--)
		;
	n = (size_t)(end - line) < sizeof(f->name) - 1 ? (size_t)(end - line) : sizeof(f->name) - 1;
	memcpy(f->name, line, n);
	f->name[n] = '\0';
	for (v = eq + 1; *v == ' ' || *v == '\t'; v++)
		;
	v[strcspn(v, "\r\n")] = '\0';
	f->data = malloc(strlen(v) + 1);
	f->raw = strdup(v);
	assert_non_null(f->data);
	assert_non_null(f->raw);
	if (v[0] == '"') { /* text */
		char *q = strrchr(v + 1, '"');

		f->len = q ? (size_t)(q - v - 1) : strlen(v + 1);
		memcpy(f->data, v + 1, f->len);
	} else {
		f->len = 0;
		for (size_t i = 0; unhex(v[i]) >= 0 && unhex(v[i + 1]) >= 0; i += 2)
			f->data[f->len++] = (uint8_t)(unhex(v[i]) << 4 | unhex(v[i + 1]));
	}
	r->n++;
	return true;
}

/* The next record of @fp, or false at the end. */
static bool next_record(FILE *fp, struct record *r)
{
	char *line = NULL;
	size_t cap = 0;

	record_clear(r);
	while (getline(&line, &cap, fp) > 0) {
		if (line[0] == '\n' || line[0] == '\r') {
			if (r->n)
				break;
			continue;
		}
		parse_line(line, r);
	}
	free(line);
	return r->n > 0;
}

static const struct field *field(const struct record *r, const char *a, const char *b)
{
	for (int i = 0; i < r->n; i++)
		if (!strcasecmp(r->f[i].name, a) || (b && !strcasecmp(r->f[i].name, b)))
			return &r->f[i];
	return NULL;
}

static FILE *open_vectors(const char *rel)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", vectors_dir(), rel);
	fp = fopen(path, "re");
	if (!fp)
		fail_msg("cannot open %s (Debian package python3-cryptography-vectors)", path);
	return fp;
}

/* ---- AEAD ---- */

static enum wg_aead_path path;
static uint64_t seed;

static const struct {
	const char *name;
	enum wg_aead_path path;
} paths[] = {
    {"libsodium", WG_AEAD_LIBSODIUM},	{"openssl", WG_AEAD_OPENSSL},
    {"own-chacha", WG_AEAD_OWN_CHACHA}, {"own-scalar", WG_AEAD_OWN_SCALAR},
    {"own-ifma", WG_AEAD_OWN_IFMA},
};

/* Encrypts and decrypts one vector through the path under test; @good: the tag is right. */
static void check_aead(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *ad,
		       size_t adlen, const uint8_t *pt, size_t len, const uint8_t *ct,
		       const uint8_t *tag, bool good, int count)
{
	static uint8_t out[MAXLEN + 16], in[MAXLEN + 16], back[MAXLEN + 16];
	uint8_t bad_ad[64];

	assert_true(len <= MAXLEN);
	memcpy(in, ct, len);
	memcpy(in + len, tag, 16);
	if (good) {
		assert_int_equal(wg_aead_path_encrypt(path, out, pt, len, ad, adlen, nonce, key),
				 0);
		if (memcmp(out, in, len + 16))
			fail_msg("vector %d (%zu bytes): ciphertext or tag differs", count, len);
		assert_int_equal(
		    wg_aead_path_decrypt(path, back, in, len + 16, ad, adlen, nonce, key), 0);
		assert_memory_equal(back, pt, len);
		/* in place too */
		memcpy(back, in, len + 16);
		assert_int_equal(
		    wg_aead_path_decrypt(path, back, back, len + 16, ad, adlen, nonce, key), 0);
		assert_memory_equal(back, pt, len);
	}
	if (wg_aead_path_decrypt(path, back, in, len + 16, ad, adlen, nonce, key) !=
	    (good ? 0 : -EBADMSG))
		fail_msg("vector %d: a %s tag was %s", count, good ? "right" : "wrong",
			 good ? "refused" : "accepted");
	if (!good)
		return;
	/* tampered: a bit of the ciphertext, of the tag, of the associated data */
	if (len) {
		in[count % len] ^= 0x10;
		assert_int_equal(
		    wg_aead_path_decrypt(path, back, in, len + 16, ad, adlen, nonce, key),
		    -EBADMSG);
		in[count % len] ^= 0x10;
	}
	in[len + count % 16] ^= 0x80;
	assert_int_equal(wg_aead_path_decrypt(path, back, in, len + 16, ad, adlen, nonce, key),
			 -EBADMSG);
	in[len + count % 16] ^= 0x80;
	if (adlen && adlen <= sizeof(bad_ad)) {
		memcpy(bad_ad, ad, adlen);
		bad_ad[adlen - 1] ^= 1;
		assert_int_equal(
		    wg_aead_path_decrypt(path, back, in, len + 16, bad_ad, adlen, nonce, key),
		    -EBADMSG);
	}
}

/* BoringSSL's file: KEY NONCE IN AD CT TAG (RFC 8439 §2.8.2 first). */
static void test_boringssl(void **state)
{
	FILE *fp = open_vectors("ciphers/ChaCha20Poly1305/boringssl.txt");
	struct record r = {0};
	int n = 0;

	while (next_record(fp, &r)) {
		const struct field *k = field(&r, "KEY", NULL), *nn = field(&r, "NONCE", NULL),
				   *in = field(&r, "IN", NULL), *ad = field(&r, "AD", NULL),
				   *ct = field(&r, "CT", NULL), *tag = field(&r, "TAG", NULL);

		if (!k || !nn || !in || !ad || !ct || !tag)
			continue;
		assert_int_equal(k->len, 32);
		assert_int_equal(tag->len, 16);
		assert_int_equal(ct->len, in->len);
		if (nn->len != 12)
			continue; /* 8-byte nonces: not the IETF construction */
		check_aead(k->data, nn->data, ad->data, ad->len, in->data, in->len, ct->data,
			   tag->data, true, n++);
	}
	record_clear(&r);
	fclose(fp);
	printf("boringssl.txt: %d vectors\n", n);
	assert_true(n >= 50);
}

/* OpenSSL's: Key IV AAD Tag Plaintext Ciphertext [Result = CIPHERFINAL_ERROR] */
static void test_openssl(void **state)
{
	FILE *fp = open_vectors("ciphers/ChaCha20Poly1305/openssl.txt");
	struct record r = {0};
	int n = 0, bad = 0;

	while (next_record(fp, &r)) {
		const struct field *k = field(&r, "Key", NULL), *iv = field(&r, "IV", NULL),
				   *ad = field(&r, "AAD", NULL), *tag = field(&r, "Tag", NULL),
				   *pt = field(&r, "Plaintext", NULL),
				   *ct = field(&r, "Ciphertext", NULL);
		bool good = !field(&r, "Result", NULL);

		if (!k || !iv || !tag || !pt || !ct || iv->len != 12)
			continue;
		check_aead(k->data, iv->data, ad ? ad->data : NULL, ad ? ad->len : 0, pt->data,
			   pt->len, ct->data, tag->data, good, n++);
		bad += !good;
	}
	record_clear(&r);
	fclose(fp);
	printf("openssl.txt: %d vectors, %d with a wrong tag\n", n, bad);
	assert_true(n >= 4 && bad >= 1);
}

/* A seeded generator (splitmix64): the same seed, the same inputs. */
static uint64_t next_rand(void)
{
	uint64_t z = (seed += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)next_rand();
}

/*
 * Random keys, nonces, associated data and every length to 2100 (every
 * partial block, both ChaCha20 pass widths, the vector Poly1305 threshold),
 * against libsodium byte for byte, tags included.
 */
static void test_random(void **state)
{
	static uint8_t pt[2200], ct[2216], ref[2216], back[2200];
	uint8_t key[32], nonce[12], ad[40];

	for (size_t len = 0; len <= 2100; len++) {
		size_t adlen = next_rand() % (sizeof(ad) + 1);

		fill(key, sizeof(key));
		fill(nonce, sizeof(nonce));
		fill(ad, adlen);
		fill(pt, len);
		crypto_aead_chacha20poly1305_ietf_encrypt(ref, NULL, pt, len, ad, adlen, NULL,
							  nonce, key);
		assert_int_equal(wg_aead_path_encrypt(path, ct, pt, len, ad, adlen, nonce, key), 0);
		if (memcmp(ct, ref, len + 16))
			fail_msg("%zu bytes, %zu of associated data: differs from libsodium", len,
				 adlen);
		assert_int_equal(
		    wg_aead_path_decrypt(path, back, ref, len + 16, ad, adlen, nonce, key), 0);
		assert_memory_equal(back, pt, len);
		ref[next_rand() % (len + 16)] ^= (uint8_t)(1u << (next_rand() % 8));
		assert_int_equal(
		    wg_aead_path_decrypt(path, back, ref, len + 16, ad, adlen, nonce, key),
		    -EBADMSG);
	}
}

/* ---- ChaCha20, Poly1305, X25519 ---- */

static bool take_key(void *arg, const uint8_t poly_key[32])
{
	memcpy(arg, poly_key, 32);
	return true;
}

/* RFC 8439 A.1/A.2: keystream from block INITIAL_BLOCK_COUNTER on. */
static void test_chacha20(void **state)
{
	FILE *fp = open_vectors("ciphers/ChaCha20/rfc7539.txt");
	static uint8_t in[64 * 64], out[64 * 64];
	struct record r = {0};
	uint8_t block0[32];
	int n = 0;

	while (next_record(fp, &r)) {
		const struct field *k = field(&r, "KEY", NULL), *nn = field(&r, "NONCE", NULL),
				   *ic = field(&r, "INITIAL_BLOCK_COUNTER", NULL),
				   *pt = field(&r, "PLAINTEXT", NULL),
				   *ct = field(&r, "CIPHERTEXT", NULL);
		unsigned ctr;
		size_t off;

		if (!k || !nn || !ic || !pt || !ct)
			continue;
		ctr = (unsigned)strtoul(ic->raw, NULL, 10);
		/* libsodium's stream, the reference */
		crypto_stream_chacha20_ietf_xor_ic(out, pt->data, pt->len, nn->data, ctr, k->data);
		assert_memory_equal(out, ct->data, ct->len);
		/* ours starts at block 1 (block 0 is the Poly1305 key): put the text at ctr */
		if (ctr == 0) {
			/* block 0's first 32 bytes come out as the Poly1305 key */
			assert_true(wg_chacha20_avx512(out, pt->data + 64, 0, k->data, nn->data,
						       take_key, block0));
			for (int i = 0; i < 32; i++)
				block0[i] ^= pt->data[i];
			assert_memory_equal(block0, ct->data, 32);
		} else {
			off = (size_t)(ctr - 1) * 64;
			assert_true(off + pt->len <= sizeof(in));
			memset(in, 0, off);
			memcpy(in + off, pt->data, pt->len);
			assert_true(wg_chacha20_avx512(out, in, off + pt->len, k->data, nn->data,
						       take_key, block0));
			assert_memory_equal(out + off, ct->data, ct->len);
		}
		n++;
	}
	record_clear(&r);
	fclose(fp);
	printf("rfc7539.txt (ChaCha20): %d vectors\n", n);
	assert_true(n >= 3);
}

static bool poly_vector;

/* RFC 8439 A.3: KEY MSG TAG. */
static void test_poly1305(void **state)
{
	FILE *fp = open_vectors("poly1305/rfc7539.txt");
	static uint8_t big[4096];
	struct record r = {0};
	uint8_t tag[16], ref[16];
	int n = 0;

	while (next_record(fp, &r)) {
		const struct field *k = field(&r, "KEY", NULL), *m = field(&r, "MSG", NULL),
				   *t = field(&r, "TAG", NULL);

		if (!k || !m || !t)
			continue;
		wg_poly1305(tag, k->data, m->data, m->len, poly_vector);
		if (memcmp(tag, t->data, 16))
			fail_msg("Poly1305 vector %d (%zu bytes): wrong tag", n, m->len);
		n++;
	}
	record_clear(&r);
	fclose(fp);
	printf("rfc7539.txt (Poly1305): %d vectors\n", n);
	assert_true(n >= 10);
	/* and long seeded messages, where the vector form works, against libsodium */
	for (size_t len = 0; len <= sizeof(big); len += 1 + next_rand() % 61) {
		uint8_t key[32];

		fill(key, sizeof(key));
		fill(big, len);
		crypto_onetimeauth_poly1305(ref, big, len, key);
		wg_poly1305(tag, key, big, len, poly_vector);
		if (memcmp(tag, ref, 16))
			fail_msg("Poly1305 of %zu seeded bytes differs from libsodium", len);
	}
}

/* RFC 7748 §5.2: INPUT_SCALAR INPUT_U OUTPUT_U */
static void test_x25519(void **state)
{
	FILE *fp = open_vectors("asymmetric/X25519/rfc7748.txt");
	struct record r = {0};
	uint8_t out[32];
	int n = 0;

	while (next_record(fp, &r)) {
		const struct field *s = field(&r, "INPUT_SCALAR", NULL),
				   *u = field(&r, "INPUT_U", NULL),
				   *o = field(&r, "OUTPUT_U", NULL);

		if (!s || !u || !o)
			continue;
		assert_int_equal(wg_x25519(out, s->data, u->data), 0);
		assert_memory_equal(out, o->data, 32);
		n++;
	}
	record_clear(&r);
	fclose(fp);
	printf("rfc7748.txt (X25519): %d vectors\n", n);
	assert_true(n >= 3);
}

static int usage(void)
{
	fprintf(stderr, "usage: test_wg_aead_vectors aead PATH | chacha20 | poly1305 scalar|ifma "
			"| x25519\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *s = getenv("TW_TEST_SEED");

	seed = s ? strtoull(s, NULL, 0) : (uint64_t)time(NULL);
	printf("random inputs from seed %llu (TW_TEST_SEED=%llu repeats them)\n",
	       (unsigned long long)seed, (unsigned long long)seed);
	if (wg_crypto_init() || sodium_init() < 0)
		return 1;
	if (argc == 3 && !strcmp(argv[1], "aead")) {
		const struct CMUnitTest tests[] = {
		    cmocka_unit_test(test_boringssl),
		    cmocka_unit_test(test_openssl),
		    cmocka_unit_test(test_random),
		};
		size_t i;

		for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
			if (!strcmp(argv[2], paths[i].name))
				break;
		if (i == sizeof(paths) / sizeof(paths[0]))
			return usage();
		path = paths[i].path;
		if (!wg_aead_path_usable(path)) {
			printf("skipped: this CPU or libcrypto cannot run %s\n",
			       wg_aead_path_name(path));
			return SKIP;
		}
		printf("path: %s\n", wg_aead_path_name(path));
		return cmocka_run_group_tests_name(argv[2], tests, NULL, NULL);
	}
	if (argc == 2 && !strcmp(argv[1], "chacha20")) {
		const struct CMUnitTest tests[] = {cmocka_unit_test(test_chacha20)};

		if (!wg_chacha20_avx512_usable()) {
			printf("skipped: no AVX-512 F/BW/VL for our ChaCha20\n");
			return SKIP;
		}
		return cmocka_run_group_tests(tests, NULL, NULL);
	}
	if (argc == 3 && !strcmp(argv[1], "poly1305")) {
		const struct CMUnitTest tests[] = {cmocka_unit_test(test_poly1305)};

		poly_vector = !strcmp(argv[2], "ifma");
		if (!poly_vector && strcmp(argv[2], "scalar"))
			return usage();
		if (poly_vector && !wg_poly1305_ifma_usable()) {
			printf("skipped: no AVX-512 IFMA for the vector Poly1305\n");
			return SKIP;
		}
		return cmocka_run_group_tests(tests, NULL, NULL);
	}
	if (argc == 2 && !strcmp(argv[1], "x25519")) {
		const struct CMUnitTest tests[] = {cmocka_unit_test(test_x25519)};

		return cmocka_run_group_tests(tests, NULL, NULL);
	}
	return usage();
}
