// SPDX-License-Identifier: MIT
/*
 * Known answers for every ChaCha20-Poly1305 path of wg/crypto.c, each forced
 * in turn (argv[1] names it), and for the primitives under our own paths:
 *
 *   aead PATH       RFC 8439 §2.8.2 and the rest of BoringSSL's and OpenSSL's
 *                   ChaCha20-Poly1305 vectors, then Wycheproof's set (tags
 *                   that must be refused included); each vector also
 *                   tampered with (a bit of the ciphertext, the tag, the
 *                   associated data) and refused; then seeded random inputs
 *                   against libsodium
 *   xaead           Wycheproof's XChaCha20-Poly1305 set (cookie replies)
 *   chacha20        RFC 8439 A.1/A.2 keystream vectors through our AVX-512
 *                   ChaCha20 and libsodium's
 *   poly1305 FORM   RFC 8439 A.3 vectors through our Poly1305, scalar or ifma
 *   x25519          RFC 7748 §5.2 vectors and Wycheproof's X25519 set
 *
 * The RFC, BoringSSL and OpenSSL vectors are the files Debian's
 * python3-cryptography-vectors installs (cryptography_vectors/, Apache-2.0
 * or BSD; TW_VECTORS names another copy); Wycheproof's are shipped in
 * tests/vectors/wycheproof/ with their licence (README.md there). A path or form this CPU cannot
 * run exits 77: CTest reports it as skipped. Random inputs come from TW_TEST_SEED or the clock; the
 * seed is printed first, so a failure can be repeated.
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
#include <json-c/json.h>
#include <sodium.h>

#include "chacha.h"
#include "aead.h"
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
    {"own-ifma", WG_AEAD_OWN_IFMA},	{"own-many", WG_AEAD_OWN_MANY},
};

static uint64_t next_rand(void);
static void fill(uint8_t *p, size_t n);

/*
 * The vector as one of a batch of four through the path's _many calls: at
 * position @count % 4, the others random messages (random keys, nonces,
 * associated data, lengths around the short-message bound) checked against
 * libsodium; with a wrong tag (@good false, or the vector's tag tampered
 * with) only the vector is refused.
 */
static void check_many(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *ad,
		       size_t adlen, const uint8_t *pt, size_t len, const uint8_t *ct,
		       const uint8_t *tag, bool good, int count)
{
	static uint8_t bufs[4][MAXLEN + 16], pts[4][400], refs[4][416], keys[4][32], ads[4][24];
	struct wg_aead_msg m[4];
	unsigned at = (unsigned)count % 4;

	for (unsigned i = 0; i < 4; i++) {
		size_t n = next_rand() % 260, an = next_rand() % 25;

		if (i == at)
			continue;
		fill(keys[i], 32);
		fill(ads[i], an);
		fill(pts[i], n);
		m[i] = (struct wg_aead_msg){.dst = bufs[i],
					    .src = pts[i],
					    .len = n,
					    .ad = ads[i],
					    .adlen = an,
					    .key = keys[i]};
		fill(m[i].nonce, 12);
		crypto_aead_chacha20poly1305_ietf_encrypt(refs[i], NULL, pts[i], n, ads[i], an,
							  NULL, m[i].nonce, keys[i]);
	}
	m[at] = (struct wg_aead_msg){
	    .dst = bufs[at], .src = pt, .len = len, .ad = ad, .adlen = adlen, .key = key};
	memcpy(m[at].nonce, nonce, 12);
	if (good) {
		assert_int_equal(wg_aead_path_encrypt_many(path, m, 4), 0);
		for (unsigned i = 0; i < 4; i++) {
			assert_int_equal(m[i].result, 0);
			if (i == at ? memcmp(bufs[i], ct, len) || memcmp(bufs[i] + len, tag, 16)
				    : memcmp(bufs[i], refs[i], m[i].len + 16))
				fail_msg("vector %d in a batch at %u: message %u differs", count,
					 at, i);
		}
	}
	/* decryption, in place, of the four ciphertexts (the vector's tampered with when @good) */
	for (unsigned i = 0; i < 4; i++) {
		size_t n = i == at ? len : m[i].len;

		if (i == at) {
			memcpy(bufs[i], ct, len);
			memcpy(bufs[i] + len, tag, 16);
			if (good)
				bufs[i][len + count % 16] ^= 0x40;
		} else {
			memcpy(bufs[i], refs[i], n + 16);
		}
		m[i].src = m[i].dst = bufs[i];
		m[i].len = n + 16;
	}
	assert_int_equal(wg_aead_path_decrypt_many(path, m, 4), 0);
	for (unsigned i = 0; i < 4; i++) {
		if (i == at) {
			if (m[i].result != -EBADMSG)
				fail_msg("vector %d in a batch at %u: a wrong tag was accepted",
					 count, at);
			continue;
		}
		assert_int_equal(m[i].result, 0);
		assert_memory_equal(bufs[i], pts[i], m[i].len - 16);
	}
}

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
	check_many(key, nonce, ad, adlen, pt, len, ct, tag, good, count);
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

/* ---- Project Wycheproof's JSON files ---- */

static struct json_object *wycheproof_open(const char *name, const char *algorithm)
{
	char fn[512];
	struct json_object *root, *alg;

	snprintf(fn, sizeof(fn), "%s/tests/vectors/wycheproof/%s", TW_SOURCE_DIR, name);
	root = json_object_from_file(fn);
	if (!root)
		fail_msg("%s: %s", fn, json_util_get_last_err());
	if (!json_object_object_get_ex(root, "algorithm", &alg) ||
	    strcmp(json_object_get_string(alg), algorithm))
		fail_msg("%s: not a %s file", fn, algorithm);
	return root;
}

static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("Wycheproof: no \"%s\"", key);
	return v;
}

/* A hex member into a buffer of its own (freed by the caller); its length in *len. */
static uint8_t *hex_member(struct json_object *o, const char *key, size_t *len)
{
	const char *h = json_object_get_string(member(o, key));
	size_t n = strlen(h) / 2;
	uint8_t *b = malloc(n + 1);

	assert_non_null(b);
	assert_int_equal(strlen(h) % 2, 0);
	for (size_t i = 0; i < n; i++) {
		int hi = unhex(h[2 * i]), lo = unhex(h[2 * i + 1]);

		assert_true(hi >= 0 && lo >= 0);
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n;
	return b;
}

static bool has_flag(struct json_object *t, const char *flag)
{
	struct json_object *flags = member(t, "flags");

	for (size_t i = 0; i < json_object_array_length(flags); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(flags, i)), flag))
			return true;
	return false;
}

/* Wycheproof's AEAD vectors: a valid one encrypts to its ciphertext and tag and decrypts back;
 * an invalid one is refused. @xaead: XChaCha20 (24-byte nonces) through wg_xaead_*. */
static void wycheproof_aead(const char *file, const char *algorithm, size_t nonce_len, bool xaead)
{
	struct json_object *root = wycheproof_open(file, algorithm),
			   *groups = member(root, "testGroups");
	int n = 0, refused = 0, other_nonce = 0;

	for (size_t g = 0; g < json_object_array_length(groups); g++) {
		struct json_object *grp = json_object_array_get_idx(groups, g),
				   *tests = member(grp, "tests");
		bool nonce_ok = (size_t)json_object_get_int(member(grp, "ivSize")) == nonce_len * 8;

		assert_int_equal(json_object_get_int(member(grp, "keySize")), 256);
		assert_int_equal(json_object_get_int(member(grp, "tagSize")), 128);
		for (size_t i = 0; i < json_object_array_length(tests); i++) {
			struct json_object *t = json_object_array_get_idx(tests, i);
			const char *result = json_object_get_string(member(t, "result"));
			int id = json_object_get_int(member(t, "tcId"));
			bool good = !strcmp(result, "valid");
			size_t kl, nl, al, ml, cl, tl;
			uint8_t *k = hex_member(t, "key", &kl), *iv = hex_member(t, "iv", &nl),
				*ad = hex_member(t, "aad", &al), *msg = hex_member(t, "msg", &ml),
				*ct = hex_member(t, "ct", &cl), *tag = hex_member(t, "tag", &tl);

			if (!good && strcmp(result, "invalid"))
				fail_msg("%s tcId %d: result \"%s\"", file, id, result);
			if (!nonce_ok) {
				/* no 96-bit (192-bit) nonce: WireGuard's interface cannot take it
				 */
				if (good)
					fail_msg("%s tcId %d: a valid vector with a %zu-byte nonce",
						 file, id, nl);
				other_nonce++;
			} else {
				assert_int_equal(kl, 32);
				assert_int_equal(nl, nonce_len);
				assert_int_equal(tl, 16);
				assert_int_equal(cl, ml);
				if (xaead) {
					uint8_t *out = malloc(ml + 16), *back = malloc(ml + 16);

					assert_true(out && back);
					memcpy(out, ct, cl);
					memcpy(out + cl, tag, 16);
					if (good) {
						assert_int_equal(
						    wg_xaead_encrypt(back, msg, ml, ad, al, iv, k),
						    0);
						if (memcmp(back, out, ml + 16))
							fail_msg("%s tcId %d: ciphertext or tag "
								 "differs",
								 file, id);
					}
					if (wg_xaead_decrypt(back, out, ml + 16, ad, al, iv, k) !=
					    (good ? 0 : -EBADMSG))
						fail_msg("%s tcId %d: %s vector %s", file, id,
							 result, good ? "refused" : "accepted");
					if (good)
						assert_memory_equal(back, msg, ml);
					free(out);
					free(back);
				} else {
					check_aead(k, iv, ad, al, msg, ml, ct, tag, good, id);
				}
				n++;
				refused += !good;
			}
			free(k), free(iv), free(ad), free(msg), free(ct), free(tag);
		}
	}
	printf("%s: %d vectors (%d must be refused); %d with another nonce size not run\n", file, n,
	       refused, other_nonce);
	assert_int_equal(n + other_nonce, json_object_get_int(member(root, "numberOfTests")));
	assert_true(n >= 200 && refused >= 50);
	json_object_put(root);
}

static void test_wycheproof(void **state)
{
	wycheproof_aead("chacha20_poly1305_test.json", "CHACHA20-POLY1305", 12, false);
}

static void test_wycheproof_xaead(void **state)
{
	wycheproof_aead("xchacha20_poly1305_test.json", "XCHACHA20-POLY1305", 24, true);
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
 * against libsodium byte for byte, tags included; after each call, no
 * libcrypto context of the thread still holds the key.
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
		/* no key stays behind in this thread's libcrypto contexts */
		assert_int_equal(wg_aead_thread_keys(), 0);
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
		assert_int_equal(wg_aead_thread_keys(), 0);
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

/* Wycheproof's X25519: every shared value exact; an all-zero one refused, as the handshake must. */
static void test_x25519_wycheproof(void **state)
{
	struct json_object *root = wycheproof_open("x25519_test.json", "XDH"),
			   *groups = member(root, "testGroups");
	int n = 0, zero = 0;

	for (size_t g = 0; g < json_object_array_length(groups); g++) {
		struct json_object *grp = json_object_array_get_idx(groups, g),
				   *tests = member(grp, "tests");

		assert_string_equal(json_object_get_string(member(grp, "curve")), "curve25519");
		for (size_t i = 0; i < json_object_array_length(tests); i++) {
			struct json_object *t = json_object_array_get_idx(tests, i);
			int id = json_object_get_int(member(t, "tcId"));
			const char *result = json_object_get_string(member(t, "result"));
			size_t pl, sl, xl;
			uint8_t *pub = hex_member(t, "public", &pl),
				*priv = hex_member(t, "private", &sl),
				*shared = hex_member(t, "shared", &xl), out[32];
			int rc;

			assert_true(pl == 32 && sl == 32 && xl == 32);
			if (strcmp(result, "valid") && strcmp(result, "acceptable"))
				fail_msg("x25519 tcId %d: result \"%s\"", id, result);
			rc = wg_x25519(out, priv, pub);
			if (sodium_is_zero(shared, 32)) {
				/* RFC 7748 §6.1's check; WireGuard's handshake fails on it */
				if (!has_flag(t, "ZeroSharedSecret"))
					fail_msg("x25519 tcId %d: zero result not flagged", id);
				if (rc != -EINVAL || !sodium_is_zero(out, 32))
					fail_msg("x25519 tcId %d: an all-zero shared value was "
						 "accepted",
						 id);
				zero++;
			} else {
				if (rc)
					fail_msg("x25519 tcId %d (%s): refused", id,
						 json_object_get_string(member(t, "comment")));
				if (memcmp(out, shared, 32))
					fail_msg("x25519 tcId %d (%s): wrong shared value", id,
						 json_object_get_string(member(t, "comment")));
			}
			n++;
			free(pub), free(priv), free(shared);
		}
	}
	printf("x25519_test.json: %d vectors, %d all-zero results refused\n", n, zero);
	assert_int_equal(n, json_object_get_int(member(root, "numberOfTests")));
	assert_true(zero >= 1);
	json_object_put(root);
}

static int usage(void)
{
	fprintf(stderr, "usage: test_wg_aead_vectors aead PATH | chacha20 | poly1305 scalar|ifma "
			"| xaead | x25519\n");
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
		    cmocka_unit_test(test_wycheproof),
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
		const struct CMUnitTest tests[] = {cmocka_unit_test(test_x25519),
						   cmocka_unit_test(test_x25519_wycheproof)};

		return cmocka_run_group_tests(tests, NULL, NULL);
	}
	if (argc == 2 && !strcmp(argv[1], "xaead")) {
		const struct CMUnitTest tests[] = {cmocka_unit_test(test_wycheproof_xaead)};

		return cmocka_run_group_tests(tests, NULL, NULL);
	}
	return usage();
}
