// SPDX-License-Identifier: MIT
/*
 * Poly1305 for the data path's tags.
 *
 * Why not libcrypto's: a packet's tag through the default provider's MAC
 * calls (init/update/final) costs per-message set-up that this avoids, and
 * OpenSSL's own AVX-512 IFMA code derives its key powers again on every
 * update call (bench/crypto_speed; figures in bench/README.md). Below 384 bytes wg/aead.c keeps
 * libcrypto's, whose hand-written scalar code is as fast as the scalar form here or faster.
 *
 * The scalar form keeps h in radix 2^64 (two words and a few bits above
 * 2^128): four 64x64-bit products a block. r's clamping leaves r1 a
 * multiple of 4, so r1 * 2^128 = (r1 / 4) * 2^130 = 5 * r1 / 4 (mod
 * p = 2^130 - 5), and the product's upper terms fold in through
 * s1 = r1 + r1 / 4.
 *
 * The vector form uses base 2^44: three limbs of 44, 44 and 42 bits, whose
 * products split into the low and high 52 bits that IFMA's
 * vpmadd52luq/vpmadd52huq add up. There the weight 2^132 of limb products
 * h1*r2 and h2*r1 is 4*5 = 20, folded into r's limbs beforehand (20*r1,
 * 20*r2).
 *
 * Vector form: lane j of eight accumulates blocks j, j+8, j+16, ...; every
 * step multiplies all lanes by r^8, the last by r^8, r^7, ..., r^1, so that
 * block i of n ends up multiplied by r^(n-i) as in the sequential
 * definition; the sum of the lanes is the result. What went before (the
 * associated data) enters as lane 0's first addend.
 *
 * Constant time: no branch and no memory index depends on the key or the
 * message, only on lengths. Checked against libsodium for every length up
 * to 2100 bytes, and with all-ones messages and keys, which drive every
 * limb to its bound (tests/unit/test_wg_crypto.c).
 */
#include "poly1305.h"

#include <endian.h>
#include <sodium.h>
#include <string.h>

#define M44 ((1ull << 44) - 1)
#define M42 ((1ull << 42) - 1)

typedef unsigned __int128 u128;

struct poly {
	uint64_t h[3]; /* accumulator, radix 2^64; h[2] holds a few bits */
	uint64_t r[2]; /* clamped r */
	uint64_t s[2]; /* the key's second half */
};

static inline uint64_t le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

/*
 * h = (h + m + hibit * 2^128) * r mod p for each of @n blocks m, partly
 * reduced: h[2] <= 4 after. @hibit is 1 but for a raw MAC's padded last block.
 */
static inline void blocks_hibit(struct poly *p, const uint8_t *m, size_t n, uint64_t hibit)
{
	uint64_t h0 = p->h[0], h1 = p->h[1], h2 = p->h[2], r0 = p->r[0], r1 = p->r[1];
	uint64_t s1 = r1 + (r1 >> 2), c;
	u128 t0, t1;

	for (; n; n--, m += 16) {
		/* h += m + 2^128 */
		t0 = (u128)h0 + le64(m);
		h0 = (uint64_t)t0;
		t1 = (u128)h1 + le64(m + 8) + (uint64_t)(t0 >> 64);
		h1 = (uint64_t)t1;
		h2 += hibit + (uint64_t)(t1 >> 64); /* <= 6 */

		t0 = (u128)h0 * r0 + (u128)h1 * s1;
		t1 = (u128)h0 * r1 + (u128)h1 * r0 + h2 * s1 + (uint64_t)(t0 >> 64);
		h0 = (uint64_t)t0;
		h1 = (uint64_t)t1;
		h2 = h2 * r0 + (uint64_t)(t1 >> 64); /* the multiple of 2^128 */
		/* h2 * 2^128 = (h2 & 3) * 2^128 + (h2 >> 2) * 5 */
		c = (h2 & ~3ull) + (h2 >> 2);
		h2 &= 3;
		t0 = (u128)h0 + c;
		h0 = (uint64_t)t0;
		t1 = (u128)h1 + (uint64_t)(t0 >> 64);
		h1 = (uint64_t)t1;
		h2 += (uint64_t)(t1 >> 64);
	}
	p->h[0] = h0;
	p->h[1] = h1;
	p->h[2] = h2;
}

static void blocks_scalar(struct poly *p, const uint8_t *m, size_t n)
{
	blocks_hibit(p, m, n, 1);
}

/* one block of @len < 16 bytes, zero-padded (the AEAD's padding) */
static void block_padded(struct poly *p, const uint8_t *m, size_t len)
{
	uint8_t b[16] = {0};

	if (len) {
		memcpy(b, m, len);
		blocks_scalar(p, b, 1);
	}
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define TW_IFMA __attribute__((target("avx512f,avx512ifma")))

bool wg_poly1305_ifma_usable(void)
{
	return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512ifma");
}

/*
 * The limb products of h * r for one weight each, summed with IFMA's MADD
 * (low or high 52 bits): the terms of weight 2^132 and 2^176 come in with
 * s = 20 * r (see above).
 */
#define PRODUCTS(MADD, x0, x1, x2)                                                                 \
	do {                                                                                       \
		x0 = MADD(MADD(MADD(z, h[1], s[2]), h[2], s[1]), h[0], r[0]);                      \
		x1 = MADD(MADD(MADD(z, h[1], r[0]), h[2], s[2]), h[0], r[1]);                      \
		x2 = MADD(MADD(MADD(z, h[1], r[1]), h[2], r[0]), h[0], r[2]);                      \
	} while (0)

/* h = h * r mod p in each of eight lanes; @h limbs below 2^52 */
TW_IFMA static inline void mul8(__m512i h[3], const __m512i r[3], const __m512i s[3])
{
	const __m512i z = _mm512_setzero_si512(), m44 = _mm512_set1_epi64((long long)M44),
		      m42 = _mm512_set1_epi64((long long)M42);
	__m512i a0, a1, a2, b0, b1, b2, c;

	PRODUCTS(_mm512_madd52lo_epu64, a0, a1, a2);
	PRODUCTS(_mm512_madd52hi_epu64, b0, b1, b2);

	/*
	 * A high half weighs 2^52 more than its low half: 2^8 times the next
	 * limb's weight, or for limb 2, 2^140 = 5 * 2^10 (mod p) times limb 0's.
	 */
	a1 = _mm512_add_epi64(a1, _mm512_slli_epi64(b0, 8));
	a2 = _mm512_add_epi64(a2, _mm512_slli_epi64(b1, 8));
	a0 = _mm512_add_epi64(
	    a0, _mm512_add_epi64(_mm512_slli_epi64(b2, 12), _mm512_slli_epi64(b2, 10)));

	/*
	 * One round of carries, all three at once (a chain of three would cost
	 * the loop more than the bigger limbs cost the next products): each
	 * limb ends below its bound plus 2^18, far below the 2^52 IFMA takes.
	 */
	h[0] = _mm512_and_si512(a0, m44);
	h[1] = _mm512_and_si512(a1, m44);
	h[2] = _mm512_and_si512(a2, m42);
	c = _mm512_srli_epi64(a2, 42);
	h[0] = _mm512_add_epi64(h[0], _mm512_add_epi64(_mm512_slli_epi64(c, 2), c));
	h[1] = _mm512_add_epi64(h[1], _mm512_srli_epi64(a0, 44));
	h[2] = _mm512_add_epi64(h[2], _mm512_srli_epi64(a1, 44));
}

/* 20 times r's limbs, for mul8() */
TW_IFMA static inline void times20(__m512i s[3], const __m512i r[3])
{
	for (int k = 0; k < 3; k++)
		s[k] = _mm512_add_epi64(_mm512_slli_epi64(r[k], 4), _mm512_slli_epi64(r[k], 2));
}

static void limbs(uint64_t l[3], uint64_t lo, uint64_t hi)
{
	l[0] = lo & M44;
	l[1] = (lo >> 44 | hi << 20) & M44;
	l[2] = hi >> 24;
}

/* @n blocks, n a multiple of 8 and at least 8 */
TW_IFMA static void blocks_ifma(struct poly *p, const uint8_t *m, size_t n)
{
	const __m512i ev = _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14),
		      od = _mm512_setr_epi64(1, 3, 5, 7, 9, 11, 13, 15),
		      m44 = _mm512_set1_epi64((long long)M44), top = _mm512_set1_epi64(1ll << 40);
	const __m512i z = _mm512_setzero_si512(), one = _mm512_set1_epi64(1);
	__m512i h[3], r8[3], s8[3], rl[3], sl[3], t[3], ts[3];
	uint64_t l[3], c;

	/*
	 * rl = r^8, r^7, ..., r^1 in three multiplications of all lanes:
	 * lanes 0, 2, 4, 6 by r; then 0, 1, 4, 5 by r^2; then 0 to 3 by r^4.
	 */
	limbs(l, p->r[0], p->r[1]);
	for (int k = 0; k < 3; k++)
		rl[k] = _mm512_set1_epi64((long long)l[k]);
	for (int step = 0; step < 3; step++) {
		static const __mmask8 lanes[3] = {0x55, 0x33, 0x0f};

		for (int k = 0; k < 3; k++) /* lane 0 holds r^(2^step) */
			t[k] = _mm512_mask_blend_epi64(lanes[step], k ? z : one,
						       _mm512_permutexvar_epi64(z, rl[k]));
		times20(ts, t);
		mul8(rl, t, ts);
	}
	for (int k = 0; k < 3; k++)
		r8[k] = _mm512_permutexvar_epi64(z, rl[k]); /* r^8 in every lane */
	times20(s8, r8);
	times20(sl, rl);
	limbs(l, p->h[0], p->h[1]);
	l[2] |= p->h[2] << 40; /* 2^128 = 2^(88 + 40) */
	for (int k = 0; k < 3; k++)
		h[k] = _mm512_maskz_set1_epi64(1, (long long)l[k]);

	for (; n; n -= 8, m += 128) {
		__m512i x = _mm512_loadu_si512(m), y = _mm512_loadu_si512(m + 64);
		__m512i lo = _mm512_permutex2var_epi64(x, ev, y),
			hi = _mm512_permutex2var_epi64(x, od, y);

		h[0] = _mm512_add_epi64(h[0], _mm512_and_si512(lo, m44));
		h[1] = _mm512_add_epi64(h[1],
					_mm512_and_si512(_mm512_or_si512(_mm512_srli_epi64(lo, 44),
									 _mm512_slli_epi64(hi, 20)),
							 m44));
		h[2] = _mm512_add_epi64(h[2], _mm512_or_si512(_mm512_srli_epi64(hi, 24), top));
		if (n > 8)
			mul8(h, r8, s8);
		else
			mul8(h, rl, sl);
	}
	for (int k = 0; k < 3; k++)
		l[k] = (uint64_t)_mm512_reduce_add_epi64(h[k]);
	/* the key's powers leave no copy behind (registers aside) */
	sodium_memzero(rl, sizeof(rl));
	sodium_memzero(sl, sizeof(sl));
	sodium_memzero(r8, sizeof(r8));
	sodium_memzero(s8, sizeof(s8));
	sodium_memzero(t, sizeof(t));
	sodium_memzero(ts, sizeof(ts));
	/* each a sum of eight limbs below 2^45: carry, then back to radix 2^64 */
	l[1] += l[0] >> 44;
	l[0] &= M44;
	l[2] += l[1] >> 44;
	l[1] &= M44;
	p->h[0] = l[0] | l[1] << 44;
	p->h[1] = l[1] >> 20 | l[2] << 24;
	p->h[2] = l[2] >> 40; /* < 2^8: one fold brings it to the scalar bound */
	c = (p->h[2] >> 2) * 5;
	p->h[2] &= 3;
	p->h[0] += c;
	c = p->h[0] < c;
	p->h[1] += c;
	p->h[2] += p->h[1] < c;
	sodium_memzero(l, sizeof(l));
}
#else
bool wg_poly1305_ifma_usable(void)
{
	return false;
}

static void blocks_ifma(struct poly *p, const uint8_t *m, size_t n)
{
	blocks_scalar(p, m, n);
}
#endif

/* Below this many blocks the vector form's key powers cost more than it saves. */
#define VECTOR_MIN_BLOCKS 16

static void blocks(struct poly *p, const uint8_t *m, size_t n, bool vector)
{
	if (vector && n >= VECTOR_MIN_BLOCKS) {
		size_t v = n & ~(size_t)7;

		blocks_ifma(p, m, v);
		m += v * 16;
		n -= v;
	}
	blocks_scalar(p, m, n);
}

static void finish(struct poly *p, uint8_t tag[16])
{
	uint64_t h0 = p->h[0], h1 = p->h[1], h2 = p->h[2], g0, g1, g2, mask;
	u128 t;

	/* below 2^130 first: h2 <= 4 */
	t = (u128)h0 + (h2 >> 2) * 5;
	h2 &= 3;
	h0 = (uint64_t)t;
	t = (u128)h1 + (uint64_t)(t >> 64);
	h1 = (uint64_t)t;
	h2 += (uint64_t)(t >> 64);
	/* h - p = h + 5 - 2^130: taken when it is not below zero */
	t = (u128)h0 + 5;
	g0 = (uint64_t)t;
	t = (u128)h1 + (uint64_t)(t >> 64);
	g1 = (uint64_t)t;
	g2 = h2 + (uint64_t)(t >> 64);
	mask = 0 - (g2 >> 2); /* all ones: h >= p */
	h0 = (h0 & ~mask) | (g0 & mask);
	h1 = (h1 & ~mask) | (g1 & mask);

	t = (u128)h0 + p->s[0];
	h0 = htole64((uint64_t)t);
	h1 = htole64(h1 + p->s[1] + (uint64_t)(t >> 64));
	memcpy(tag, &h0, 8);
	memcpy(tag + 8, &h1, 8);
}

static void poly_init(struct poly *p, const uint8_t key[32])
{
	*p = (struct poly){.s = {le64(key + 16), le64(key + 24)}};
	p->r[0] = le64(key) & 0x0ffffffc0fffffffull;
	p->r[1] = le64(key + 8) & 0x0ffffffc0ffffffcull;
}

void wg_poly1305(uint8_t tag[16], const uint8_t key[32], const uint8_t *m, size_t len, bool vector)
{
	struct poly p;
	uint8_t last[16] = {0};

	poly_init(&p, key);
	blocks(&p, m, len / 16, vector);
	if (len % 16) {
		/* the last partial block: 0x01 after it, no 2^128 */
		memcpy(last, m + len / 16 * 16, len % 16);
		last[len % 16] = 1;
		blocks_hibit(&p, last, 1, 0);
	}
	finish(&p, tag);
	sodium_memzero(&p, sizeof(p));
}

void wg_poly1305_aead_tag(uint8_t tag[16], const uint8_t key[32], const void *ad, size_t adlen,
			  const uint8_t *ct, size_t len, bool vector)
{
	struct poly p;
	uint8_t lens[16];
	uint64_t a = htole64((uint64_t)adlen), c = htole64((uint64_t)len);

	poly_init(&p, key);
	if (adlen) {
		blocks_scalar(&p, ad, adlen / 16);
		block_padded(&p, (const uint8_t *)ad + adlen / 16 * 16, adlen % 16);
	}
	if (len) {
		blocks(&p, ct, len / 16, vector);
		block_padded(&p, ct + len / 16 * 16, len % 16);
	}
	memcpy(lens, &a, 8);
	memcpy(lens + 8, &c, 8);
	blocks_scalar(&p, lens, 1);
	finish(&p, tag);
	sodium_memzero(&p, sizeof(p));
}
