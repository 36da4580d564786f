/* SPDX-License-Identifier: MIT */
/*
 * Cryptokey routing table (whitepaper 2): a path-compressed binary trie per
 * address family mapping prefixes to peers (opaque pointers), longest prefix
 * wins. Memory is proportional to the number of prefixes (at most two nodes
 * each).
 *
 * Beside the trie, an index of the prefixes exactly as configured (struct
 * wg_aip, a hash on family, address and cidr): it finds the owner of one
 * prefix for `set`, where the trie answers only longest-prefix questions.
 *
 * Not synchronised: only the event loop's thread reads or changes either.
 */
#ifndef TWWG_ALLOWEDIPS_H
#define TWWG_ALLOWEDIPS_H

#include <stddef.h>
#include <stdint.h>

struct wg_allowedips_node;
struct wg_peer;

struct wg_allowedips {
	struct wg_allowedips_node *root4, *root6;
	size_t count; /* prefixes held */
};

void wg_allowedips_init(struct wg_allowedips *t);
/* Frees every node. */
void wg_allowedips_free(struct wg_allowedips *t);

/*
 * Maps family (AF_INET/AF_INET6) prefix addr/cidr to peer, replacing any
 * previous owner of exactly that prefix. Host bits are ignored. 0, -EINVAL
 * (bad family/cidr, NULL peer) or -ENOMEM.
 */
int wg_allowedips_insert(struct wg_allowedips *t, int family, const void *addr, uint8_t cidr,
			 void *peer);

/*
 * Removes prefix addr/cidr if peer owns it. 0, or -ENOENT when the prefix is
 * absent or owned by someone else.
 */
int wg_allowedips_remove(struct wg_allowedips *t, int family, const void *addr, uint8_t cidr,
			 void *peer);

/* Removes every prefix of peer. */
void wg_allowedips_remove_by_peer(struct wg_allowedips *t, void *peer);

/* The peer owning the longest prefix containing addr (4 or 16 bytes), or NULL. */
void *wg_allowedips_lookup(const struct wg_allowedips *t, int family, const void *addr);

/*
 * Calls cb for each prefix of peer (NULL: of every peer), IPv4 first, each
 * family in address order; stops and returns cb's value if it is non-zero.
 */
typedef int (*wg_allowedips_walk_fn)(void *ctx, void *peer, int family, const uint8_t *addr,
				     uint8_t cidr);
int wg_allowedips_walk(const struct wg_allowedips *t, void *peer, wg_allowedips_walk_fn cb,
		       void *ctx);

/*
 * One allowed-IPs prefix as configured: kept in its peer's list in the order
 * given (what `get` reports, as wireguard-go does; peer.c) and in the
 * device's prefix index (to find the owner of exactly this prefix).
 */
struct wg_aip {
	struct wg_aip *next, *prev; /* peer's list */
	struct wg_aip *hash_next;   /* index chain */
	struct wg_peer *peer;
	uint8_t family, cidr;
	uint8_t addr[16]; /* masked to cidr, zero past the family's length */
};

struct wg_aip_index {
	struct wg_aip **buckets;
	size_t n_buckets; /* a power of two, or 0 before the first entry */
	size_t count;	  /* entries held */
};

/* Frees the table (not the entries, which their peers own). */
void wg_aip_index_free(struct wg_aip_index *ix);

/* The entry for exactly family addr/cidr (@addr masked, 16 bytes), or NULL. */
struct wg_aip *wg_aip_index_find(const struct wg_aip_index *ix, int family, const uint8_t addr[16],
				 uint8_t cidr);

/* Adds @a (not yet present); the table grows as needed. 0 or -ENOMEM. */
int wg_aip_index_add(struct wg_aip_index *ix, struct wg_aip *a);

/* Removes @a, which must be present. */
void wg_aip_index_del(struct wg_aip_index *ix, struct wg_aip *a);

#endif
