/* SPDX-License-Identifier: MIT */
/*
 * Byte helpers the packet-building tests share (tests/unit/test_vnet.c,
 * tests/tools/vnet_probe.c): big-endian fields, and an Internet checksum
 * written independently of lib/vnet.c (plain big-endian byte pairs) so the
 * tests do not check the library against itself.
 */
#ifndef TAPWIRE_TESTS_PKT_H
#define TAPWIRE_TESTS_PKT_H

#include <stddef.h>
#include <stdint.h>

static inline void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static inline unsigned get16(const uint8_t *p)
{
	return (unsigned)(p[0] << 8 | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* Adds @n bytes as big-endian pairs (an odd last byte padded) to the sum @s. */
static inline uint32_t sum_be(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n % 2)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

/* Folds the carries of @s into 16 bits (0xffff when a checksum verifies). */
static inline uint16_t fold_be(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

#endif
