/* SPDX-License-Identifier: MIT */
/*
 * Poly1305 (RFC 8439 §2.5) for the data path's AEAD tags: a scalar form in
 * radix 2^64 for short messages, and eight blocks at a time in base 2^44
 * with AVX-512 IFMA (52-bit multiply-add) for long ones (wg/poly1305.c).
 */
#ifndef TW_WG_POLY1305_H
#define TW_WG_POLY1305_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whether this CPU has AVX-512 IFMA, which the long-message path needs. */
bool wg_poly1305_ifma_usable(void);

/*
 * Poly1305 of @len bytes of @m with the one-time @key (RFC 8439 §2.5): the
 * vector form (IFMA) for long messages if @vector, else the scalar form.
 * @vector only where wg_poly1305_ifma_usable().
 */
void wg_poly1305(uint8_t tag[16], const uint8_t key[32], const uint8_t *m, size_t len, bool vector);

/*
 * The tag of RFC 8439 §2.8's AEAD construction: Poly1305 with @key over
 * @ad and @ct, each zero-padded to 16 bytes, then both lengths (64-bit
 * little-endian). @vector (IFMA for long messages) only where
 * wg_poly1305_ifma_usable(); false: the scalar form only (tests).
 */
void wg_poly1305_aead_tag(uint8_t tag[16], const uint8_t key[32], const void *ad, size_t adlen,
			  const uint8_t *ct, size_t len, bool vector);

#endif
