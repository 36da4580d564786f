// SPDX-License-Identifier: MIT
/*
 * ChaCha20 with AVX-512, written for the data path's 1420-byte packets.
 *
 * Why not libcrypto's: OpenSSL 3.0 makes a ChaCha20-Poly1305 message's
 * Poly1305 key with a ChaCha20 call of its own, then runs its 16-block code
 * over the 22 full blocks and a further call over the last partial block;
 * three calls where one would do, and that set-up is most of ChaCha20's cost
 * on a 1420-byte packet. Here block 0 (the Poly1305 key) and the 23 data
 * blocks come out of one 16-block and one 8-block pass (bench/crypto_speed;
 * figures in bench/README.md).
 *
 * Layout: vector i holds state word i of 16 (or 8) consecutive blocks, lane
 * j being block ctr + j; the rounds are the RFC's quarter rounds on those
 * vectors (a rotation is one instruction in AVX-512). After the rounds, a
 * transpose of 4x4 words inside each 128-bit lane, then of 4x4 lanes across
 * registers, turns the vectors into one 64-byte keystream block each.
 *
 * No table look-ups and no branch on secret data: the time depends on the
 * length only. Checked against libsodium for every length up to 4200 bytes
 * (tests/unit/test_wg_crypto.c).
 */
#include "chacha.h"

#include <sodium.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define TW_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl")))

bool wg_chacha20_avx512_usable(void)
{
	return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
	       __builtin_cpu_supports("avx512vl");
}

static inline uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* one quarter round on four vectors */
#define QR(V, ADD, XOR, ROL, a, b, c, d)                                                           \
	do {                                                                                       \
		V[a] = ADD(V[a], V[b]);                                                            \
		V[d] = ROL(XOR(V[d], V[a]), 16);                                                   \
		V[c] = ADD(V[c], V[d]);                                                            \
		V[b] = ROL(XOR(V[b], V[c]), 12);                                                   \
		V[a] = ADD(V[a], V[b]);                                                            \
		V[d] = ROL(XOR(V[d], V[a]), 8);                                                    \
		V[c] = ADD(V[c], V[d]);                                                            \
		V[b] = ROL(XOR(V[b], V[c]), 7);                                                    \
	} while (0)

#define ROUNDS(V, ADD, XOR, ROL)                                                                   \
	for (int r = 0; r < 10; r++) {                                                             \
		QR(V, ADD, XOR, ROL, 0, 4, 8, 12);                                                 \
		QR(V, ADD, XOR, ROL, 1, 5, 9, 13);                                                 \
		QR(V, ADD, XOR, ROL, 2, 6, 10, 14);                                                \
		QR(V, ADD, XOR, ROL, 3, 7, 11, 15);                                                \
		QR(V, ADD, XOR, ROL, 0, 5, 10, 15);                                                \
		QR(V, ADD, XOR, ROL, 1, 6, 11, 12);                                                \
		QR(V, ADD, XOR, ROL, 2, 7, 8, 13);                                                 \
		QR(V, ADD, XOR, ROL, 3, 4, 9, 14);                                                 \
	}

/*
 * Transposes 4x4 32-bit words inside each 128-bit lane of V[g..g+3], for g =
 * 0, 4, 8, 12 (T: the vector type, P: its intrinsics' prefix).
 */
#define TRANSPOSE_IN_LANES(V, T, P)                                                                \
	for (int g = 0; g < 16; g += 4) {                                                          \
		T t0 = P##_unpacklo_epi32(V[g], V[g + 1]),                                         \
		  t1 = P##_unpackhi_epi32(V[g], V[g + 1]);                                         \
		T t2 = P##_unpacklo_epi32(V[g + 2], V[g + 3]);                                     \
		T t3 = P##_unpackhi_epi32(V[g + 2], V[g + 3]);                                     \
		V[g] = P##_unpacklo_epi64(t0, t2);                                                 \
		V[g + 1] = P##_unpackhi_epi64(t0, t2);                                             \
		V[g + 2] = P##_unpacklo_epi64(t1, t3);                                             \
		V[g + 3] = P##_unpackhi_epi64(t1, t3);                                             \
	}

/* XORs keystream block @ks (64 bytes) into @n bytes of @in to @out. */
TW_AVX512 static inline void xor_block(uint8_t *out, const uint8_t *in, size_t n, __m512i ks)
{
	if (n >= 64) {
		_mm512_storeu_si512(out, _mm512_xor_si512(_mm512_loadu_si512(in), ks));
	} else {
		__mmask64 m = (__mmask64)((1ull << n) - 1);

		_mm512_mask_storeu_epi8(out, m,
					_mm512_xor_si512(_mm512_maskz_loadu_epi8(m, in), ks));
	}
}

/*
 * Sixteen blocks at once, counters ctr..ctr+15; block j's keystream goes to
 * ks[j] (as 64-byte vectors).
 */
TW_AVX512 static void blocks16(const uint32_t s[16], uint32_t ctr, __m512i ks[16])
{
	const __m512i c = _mm512_add_epi32(
	    _mm512_set1_epi32((int)ctr),
	    _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
	__m512i v[16];

	for (int i = 0; i < 16; i++)
		v[i] = i == 12 ? c : _mm512_set1_epi32((int)s[i]);
	ROUNDS(v, _mm512_add_epi32, _mm512_xor_si512, _mm512_rol_epi32);
	/* the input added back, broadcast again rather than kept in registers */
	for (int i = 0; i < 16; i++)
		v[i] = _mm512_add_epi32(v[i], i == 12 ? c : _mm512_set1_epi32((int)s[i]));
	/* v[i] lane j = word i of block j: transpose 4x4 words in each 128-bit lane... */
	TRANSPOSE_IN_LANES(v, __m512i, _mm512);
	/* ...then 4x4 lanes: v[4g+k] lane L holds words 4g..4g+3 of block 4L+k */
	for (int k = 0; k < 4; k++) {
		__m512i t0 = _mm512_shuffle_i32x4(v[k], v[4 + k], 0x44);
		__m512i t1 = _mm512_shuffle_i32x4(v[k], v[4 + k], 0xee);
		__m512i t2 = _mm512_shuffle_i32x4(v[8 + k], v[12 + k], 0x44);
		__m512i t3 = _mm512_shuffle_i32x4(v[8 + k], v[12 + k], 0xee);

		ks[k] = _mm512_shuffle_i32x4(t0, t2, 0x88);
		ks[4 + k] = _mm512_shuffle_i32x4(t0, t2, 0xdd);
		ks[8 + k] = _mm512_shuffle_i32x4(t1, t3, 0x88);
		ks[12 + k] = _mm512_shuffle_i32x4(t1, t3, 0xdd);
	}
}

/*
 * Four or eight blocks as one or two sets of four, a block per 128-bit lane: each vector is
 * one row of the state (words 0-3, 4-7, 8-11, 12-15) of four blocks, the
 * diagonal rounds rotate rows 1-3 by one, two and three words. Fewer
 * instructions than sixteen lanes half used (with 512-bit instructions in
 * flight, 256-bit ones run on no more ports, so eight lanes of those would
 * cost as much as sixteen). Counters ctr..ctr+4*sets-1, to ks[0..4*sets-1]
 * (@sets: 1 or 2; one set for short packets).
 */
#define ROW_QR(a, b, c, d)                                                                         \
	do {                                                                                       \
		a = _mm512_add_epi32(a, b), d = _mm512_rol_epi32(_mm512_xor_si512(d, a), 16);      \
		c = _mm512_add_epi32(c, d), b = _mm512_rol_epi32(_mm512_xor_si512(b, c), 12);      \
		a = _mm512_add_epi32(a, b), d = _mm512_rol_epi32(_mm512_xor_si512(d, a), 8);       \
		c = _mm512_add_epi32(c, d), b = _mm512_rol_epi32(_mm512_xor_si512(b, c), 7);       \
	} while (0)
#define ROW_TURN(b, c, d, ib, id)                                                                  \
	do {                                                                                       \
		b = _mm512_shuffle_epi32(b, ib), c = _mm512_shuffle_epi32(c, 0x4e);                \
		d = _mm512_shuffle_epi32(d, id);                                                   \
	} while (0)

/* always inlined with @sets a constant: the rows then stay in registers, not on the stack */
TW_AVX512 static inline __attribute__((always_inline)) void
blocks_rows(const uint32_t s[16], uint32_t ctr, __m512i ks[8], int sets)
{
	const __m512i a0 = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)s));
	const __m512i b0 = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(s + 4)));
	const __m512i c0 = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(s + 8)));
	const __m512i d0 =
	    _mm512_add_epi32(_mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(s + 12))),
			     _mm512_setr_epi32((int)ctr, 0, 0, 0, (int)ctr + 1, 0, 0, 0,
					       (int)ctr + 2, 0, 0, 0, (int)ctr + 3, 0, 0, 0));
	const __m512i d1 =
	    _mm512_add_epi32(d0, _mm512_setr_epi32(4, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0));
	__m512i a[2] = {a0, a0}, b[2] = {b0, b0}, c[2] = {c0, c0}, d[2] = {d0, d1};

	for (int r = 0; r < 10; r++) {
		_Pragma("GCC unroll 4") for (int k = 0; k < sets; k++)
		{
			ROW_QR(a[k], b[k], c[k], d[k]);
			ROW_TURN(b[k], c[k], d[k], 0x39, 0x93); /* diagonals to columns */
			ROW_QR(a[k], b[k], c[k], d[k]);
			ROW_TURN(b[k], c[k], d[k], 0x93, 0x39); /* and back */
		}
	}
	_Pragma("GCC unroll 4") for (int k = 0; k < sets; k++)
	{
		__m512i x = _mm512_add_epi32(a[k], a0), y = _mm512_add_epi32(b[k], b0);
		__m512i z = _mm512_add_epi32(c[k], c0), w = _mm512_add_epi32(d[k], k ? d1 : d0);
		/* lane L of x, y, z, w: the four rows of block 4k+L */
		__m512i t0 = _mm512_shuffle_i32x4(x, y, 0x44),
			t1 = _mm512_shuffle_i32x4(x, y, 0xee);
		__m512i t2 = _mm512_shuffle_i32x4(z, w, 0x44),
			t3 = _mm512_shuffle_i32x4(z, w, 0xee);

		ks[4 * k] = _mm512_shuffle_i32x4(t0, t2, 0x88);
		ks[4 * k + 1] = _mm512_shuffle_i32x4(t0, t2, 0xdd);
		ks[4 * k + 2] = _mm512_shuffle_i32x4(t1, t3, 0x88);
		ks[4 * k + 3] = _mm512_shuffle_i32x4(t1, t3, 0xdd);
	}
}

/*
 * Blocks 0-3 of up to four messages, each under its own key and nonce (state
 * words s[k]): one set of four blocks per message, in the row layout above,
 * the sets' rounds interleaved. One set alone waits on its own chain of
 * dependent instructions; four fill the vector units. ks[4k + j]: block j of
 * message k.
 */
TW_AVX512 static inline __attribute__((always_inline)) void
blocks_rows_multi(const uint32_t (*s)[16], __m512i *ks, int sets)
{
	const __m512i ctr = _mm512_setr_epi32(0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0);
	const __m512i a0 = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)s[0]));
	__m512i a[4], b[4], c[4], d[4], b0[4], c0[4], d0[4];

	_Pragma("GCC unroll 4") for (int k = 0; k < sets; k++)
	{
		b0[k] = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(s[k] + 4)));
		c0[k] = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(s[k] + 8)));
		d0[k] = _mm512_add_epi32(
		    _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(s[k] + 12))), ctr);
		a[k] = a0, b[k] = b0[k], c[k] = c0[k], d[k] = d0[k];
	}
	for (int r = 0; r < 10; r++) {
		_Pragma("GCC unroll 4") for (int k = 0; k < sets; k++)
		    ROW_QR(a[k], b[k], c[k], d[k]);
		_Pragma("GCC unroll 4") for (int k = 0; k < sets; k++)
		    ROW_TURN(b[k], c[k], d[k], 0x39, 0x93);
		_Pragma("GCC unroll 4") for (int k = 0; k < sets; k++)
		    ROW_QR(a[k], b[k], c[k], d[k]);
		_Pragma("GCC unroll 4") for (int k = 0; k < sets; k++)
		    ROW_TURN(b[k], c[k], d[k], 0x93, 0x39);
	}
	_Pragma("GCC unroll 4") for (int k = 0; k < sets; k++)
	{
		__m512i x = _mm512_add_epi32(a[k], a0), y = _mm512_add_epi32(b[k], b0[k]);
		__m512i z = _mm512_add_epi32(c[k], c0[k]), w = _mm512_add_epi32(d[k], d0[k]);
		__m512i t0 = _mm512_shuffle_i32x4(x, y, 0x44),
			t1 = _mm512_shuffle_i32x4(x, y, 0xee);
		__m512i t2 = _mm512_shuffle_i32x4(z, w, 0x44),
			t3 = _mm512_shuffle_i32x4(z, w, 0xee);

		ks[4 * k] = _mm512_shuffle_i32x4(t0, t2, 0x88);
		ks[4 * k + 1] = _mm512_shuffle_i32x4(t0, t2, 0xdd);
		ks[4 * k + 2] = _mm512_shuffle_i32x4(t1, t3, 0x88);
		ks[4 * k + 3] = _mm512_shuffle_i32x4(t1, t3, 0xdd);
	}
}

TW_AVX512 bool wg_chacha20_avx512_short4(unsigned n, const uint8_t *const key[],
					 const uint8_t *const nonce[], uint8_t ks[][256])
{
	uint32_t s[4][16];
	__m512i v[16];

	if (n < 1 || n > 4)
		return false;
	for (unsigned k = 0; k < n; k++) {
		s[k][0] = 0x61707865, s[k][1] = 0x3320646e, s[k][2] = 0x79622d32,
		s[k][3] = 0x6b206574;
		for (int i = 0; i < 8; i++)
			s[k][4 + i] = le32(key[k] + 4 * i);
		s[k][12] = 0;
		for (int i = 0; i < 3; i++)
			s[k][13 + i] = le32(nonce[k] + 4 * i);
	}
	switch (n) {
	case 1:
		blocks_rows_multi(s, v, 1);
		break;
	case 2:
		blocks_rows_multi(s, v, 2);
		break;
	case 3:
		blocks_rows_multi(s, v, 3);
		break;
	default:
		blocks_rows_multi(s, v, 4);
		break;
	}
	for (unsigned k = 0; k < n; k++)
		for (int j = 0; j < 4; j++)
			_mm512_storeu_si512(ks[k] + 64 * j, v[4 * k + j]);
	sodium_memzero(s, sizeof(s));
	sodium_memzero(v, sizeof(v));
	_mm256_zeroupper();
	return true;
}

/* Keystream blocks ctr.. to ks[]: 16, 8 or 4 of them, the fewest that cover @want. */
TW_AVX512 static unsigned keystream(const uint32_t s[16], uint32_t ctr, __m512i ks[16], size_t want)
{
	if (want > 8) {
		blocks16(s, ctr, ks);
		return 16;
	}
	if (want > 4) {
		blocks_rows(s, ctr, ks, 2);
		return 8;
	}
	blocks_rows(s, ctr, ks, 1);
	return 4;
}

/* The key's state words and the keystream go before returning (1 KiB of it on the stack). */
TW_AVX512 static void wipe(uint32_t s[16], __m512i ks[16])
{
	sodium_memzero(s, 16 * sizeof(*s));
	sodium_memzero(ks, 16 * sizeof(*ks));
	_mm256_zeroupper();
}

/* Block 0, then blocks 1.. over the message, sixteen at a time, eight for a short rest. */
TW_AVX512 bool wg_chacha20_avx512(uint8_t *out, const uint8_t *in, size_t len,
				  const uint8_t key[32], const uint8_t nonce[12],
				  wg_chacha_first_fn *first, void *arg)
{
	uint32_t s[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};
	uint8_t poly_key[32];
	__m512i ks[16];
	uint32_t ctr;
	size_t off = 0;
	bool ok;

	for (int i = 0; i < 8; i++)
		s[4 + i] = le32(key + 4 * i);
	for (int i = 0; i < 3; i++)
		s[13 + i] = le32(nonce + 4 * i);
	/* the first pass: block 0 and as many data blocks as fit */
	ctr = keystream(s, 0, ks, (len + 63) / 64 + 1);
	_mm256_storeu_si256((__m256i *)poly_key, _mm512_castsi512_si256(ks[0]));
	ok = first(arg, poly_key);
	sodium_memzero(poly_key, sizeof(poly_key));
	if (!ok) {
		wipe(s, ks);
		return false;
	}
	for (unsigned j = 1; j < ctr && off < len; j++, off += 64)
		xor_block(out + off, in + off, len - off, ks[j]);
	while (off < len) {
		unsigned nb = keystream(s, ctr, ks, (len - off + 63) / 64);

		for (unsigned j = 0; j < nb && off < len; j++, off += 64)
			xor_block(out + off, in + off, len - off, ks[j]);
		ctr += nb;
	}
	wipe(s, ks);
	return true;
}

#else /* not x86-64 with GCC or Clang */

bool wg_chacha20_avx512_usable(void)
{
	return false;
}

bool wg_chacha20_avx512(uint8_t *out, const uint8_t *in, size_t len, const uint8_t key[32],
			const uint8_t nonce[12], wg_chacha_first_fn *first, void *arg)
{
	(void)out, (void)in, (void)len, (void)key, (void)nonce, (void)first, (void)arg;
	return false;
}

bool wg_chacha20_avx512_short4(unsigned n, const uint8_t *const key[], const uint8_t *const nonce[],
			       uint8_t ks[][256])
{
	(void)n, (void)key, (void)nonce, (void)ks;
	return false;
}
#endif
