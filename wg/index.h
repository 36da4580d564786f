/* SPDX-License-Identifier: MIT */
/*
 * Local indices (the receiver_index of incoming messages) → what they name:
 * a peer's ongoing handshake or one of its keypairs. Indices are random and
 * unique within the device.
 */
#ifndef TWWG_INDEX_H
#define TWWG_INDEX_H

#include <stdint.h>

struct wg_peer;
struct wg_keypair;
struct wg_index_table;

struct wg_index_entry {
	struct wg_index_entry *next;
	uint32_t index;
	struct wg_peer *peer;
	struct wg_keypair *keypair; /* NULL: the entry names the peer's handshake */
};

int wg_index_new(struct wg_index_table **ret);
void wg_index_free(struct wg_index_table *t);

/* A fresh index for @peer's handshake; 0 on allocation failure (0 is never issued). */
uint32_t wg_index_add_handshake(struct wg_index_table *t, struct wg_peer *peer);
/* The handshake's index now names the keypair derived from it. */
void wg_index_set_keypair(struct wg_index_table *t, uint32_t index, struct wg_keypair *kp);
struct wg_index_entry *wg_index_lookup(struct wg_index_table *t, uint32_t index);
void wg_index_remove(struct wg_index_table *t, uint32_t index);

#endif
