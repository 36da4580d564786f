/* SPDX-License-Identifier: MIT */
/*
 * Cryptokey routing table (whitepaper 2): a path-compressed binary trie per
 * address family mapping prefixes to peers (opaque pointers), longest prefix
 * wins. Memory is proportional to the number of prefixes (at most two nodes
 * each).
 *
 * Not synchronised: the device guards the table with a read-write lock,
 * writers (UAPI) exclusive, lookups shared; the data path takes the read side
 * once per batch of packets, not once per packet.
 */
#ifndef TWWG_ALLOWEDIPS_H
#define TWWG_ALLOWEDIPS_H

#include <stddef.h>
#include <stdint.h>

struct wg_allowedips_node;

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

#endif
