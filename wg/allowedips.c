// SPDX-License-Identifier: MIT
/*
 * A path-compressed binary trie: every node holds a prefix (bits, cidr);
 * children extend it by at least one bit, the next bit choosing the side.
 * Nodes without a peer are glue where two prefixes diverge; a glue node
 * always has two children, so there are fewer than two nodes per prefix and
 * the depth is at most 129.
 */
#include "allowedips.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct wg_allowedips_node {
	struct wg_allowedips_node *child[2], *parent;
	void *peer; /* NULL: glue */
	uint8_t cidr;
	uint8_t bits[16];
};

typedef struct wg_allowedips_node node_t;

static int family_bits(int family)
{
	return family == AF_INET ? 32 : family == AF_INET6 ? 128 : 0;
}

static node_t **root_of(struct wg_allowedips *t, int family)
{
	return family == AF_INET ? &t->root4 : &t->root6;
}

static unsigned int bit_at(const uint8_t *bits, unsigned int i)
{
	return (bits[i / 8] >> (7 - i % 8)) & 1;
}

/* Copies the first cidr bits of addr, zeroing the rest. */
static void mask_copy(uint8_t out[16], const uint8_t *addr, unsigned int cidr, int nbits)
{
	memset(out, 0, 16);
	memcpy(out, addr, nbits / 8);
	if (cidr % 8)
		out[cidr / 8] &= (uint8_t)(0xff << (8 - cidr % 8));
	if (cidr / 8 + (cidr % 8 != 0) < 16)
		memset(out + cidr / 8 + (cidr % 8 != 0), 0, 16 - cidr / 8 - (cidr % 8 != 0));
}

/* Number of leading bits a and b share, at most max. */
static unsigned int common_bits(const uint8_t *a, const uint8_t *b, unsigned int max)
{
	unsigned int i = 0;

	while (i + 8 <= max && a[i / 8] == b[i / 8])
		i += 8;
	while (i < max && bit_at(a, i) == bit_at(b, i))
		i++;
	return i;
}

static bool node_contains(const node_t *n, const uint8_t *addr)
{
	return common_bits(n->bits, addr, n->cidr) == n->cidr;
}

static node_t *node_new(const uint8_t *bits, uint8_t cidr, void *peer, node_t *parent)
{
	node_t *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	memcpy(n->bits, bits, 16);
	n->cidr = cidr;
	n->peer = peer;
	n->parent = parent;
	return n;
}

static void node_free_all(node_t *n)
{
	if (!n)
		return;
	node_free_all(n->child[0]);
	node_free_all(n->child[1]);
	free(n);
}

void wg_allowedips_init(struct wg_allowedips *t)
{
	memset(t, 0, sizeof(*t));
}

void wg_allowedips_free(struct wg_allowedips *t)
{
	node_free_all(t->root4);
	node_free_all(t->root6);
	wg_allowedips_init(t);
}

/* Puts a new node n where old was (n takes old as a child or sibling). */
static int split_at(node_t **link, node_t *old, node_t *n, unsigned int common)
{
	node_t *glue;

	if (common == n->cidr) {
		/* n's prefix contains old's: n goes above it. */
		n->child[bit_at(old->bits, n->cidr)] = old;
		n->parent = old->parent;
		old->parent = n;
		*link = n;
		return 0;
	}
	glue = node_new(n->bits, (uint8_t)common, NULL, old->parent);
	if (!glue)
		return -ENOMEM;
	mask_copy(glue->bits, n->bits, common, 128);
	glue->child[bit_at(n->bits, common)] = n;
	glue->child[bit_at(old->bits, common)] = old;
	n->parent = old->parent = glue;
	*link = glue;
	return 0;
}

int wg_allowedips_insert(struct wg_allowedips *t, int family, const void *addr, uint8_t cidr,
			 void *peer)
{
	int nbits = family_bits(family);
	node_t **link, *parent = NULL, *n;
	uint8_t key[16];
	unsigned int common;

	if (!nbits || cidr > nbits || !peer)
		return -EINVAL;
	mask_copy(key, addr, cidr, nbits);
	for (link = root_of(t, family); *link;) {
		node_t *cur = *link;

		common = common_bits(cur->bits, key, cur->cidr < cidr ? cur->cidr : cidr);
		if (common == cur->cidr && cur->cidr == cidr) {
			if (!cur->peer)
				t->count++;
			cur->peer = peer;
			return 0;
		}
		if (common < cur->cidr)
			break;
		parent = cur;
		link = &cur->child[bit_at(key, cur->cidr)];
	}
	n = node_new(key, cidr, peer, parent);
	if (!n)
		return -ENOMEM;
	if (*link && split_at(link, *link, n, common)) {
		free(n);
		return -ENOMEM;
	}
	if (!*link)
		*link = n;
	t->count++;
	return 0;
}

static node_t **link_of(struct wg_allowedips *t, int family, node_t *n)
{
	if (!n->parent)
		return root_of(t, family);
	return n->parent->child[0] == n ? &n->parent->child[0] : &n->parent->child[1];
}

/* Replaces n by its only child (or nothing) and frees it. */
static void node_unlink(struct wg_allowedips *t, int family, node_t *n)
{
	node_t *only = n->child[0] ? n->child[0] : n->child[1];

	if (only)
		only->parent = n->parent;
	*link_of(t, family, n) = only;
	free(n);
}

/* Takes n's peer away and restores the invariants (glue has two children). */
static void node_remove(struct wg_allowedips *t, int family, node_t *n)
{
	node_t *parent = n->parent;

	n->peer = NULL;
	t->count--;
	if (n->child[0] && n->child[1])
		return;
	node_unlink(t, family, n);
	if (parent && !parent->peer && !(parent->child[0] && parent->child[1]))
		node_unlink(t, family, parent);
}

static node_t *node_find(node_t *n, const uint8_t *key, uint8_t cidr)
{
	while (n && n->cidr <= cidr && node_contains(n, key)) {
		if (n->cidr == cidr)
			return n;
		n = n->child[bit_at(key, n->cidr)];
	}
	return NULL;
}

int wg_allowedips_remove(struct wg_allowedips *t, int family, const void *addr, uint8_t cidr,
			 void *peer)
{
	int nbits = family_bits(family);
	uint8_t key[16];
	node_t *n;

	if (!nbits || cidr > nbits)
		return -EINVAL;
	mask_copy(key, addr, cidr, nbits);
	n = node_find(*root_of(t, family), key, cidr);
	if (!n || !n->peer || n->peer != peer)
		return -ENOENT;
	node_remove(t, family, n);
	return 0;
}

/* First node of peer in pre-order, or NULL. */
static node_t *find_peer(node_t *n, void *peer)
{
	node_t *r;

	if (!n)
		return NULL;
	if (n->peer == peer)
		return n;
	r = find_peer(n->child[0], peer);
	return r ? r : find_peer(n->child[1], peer);
}

static size_t collect_peer(node_t *n, void *peer, node_t **out, size_t i)
{
	if (!n)
		return i;
	if (n->peer == peer)
		out[i++] = n;
	i = collect_peer(n->child[0], peer, out, i);
	return collect_peer(n->child[1], peer, out, i);
}

static void remove_by_peer_family(struct wg_allowedips *t, int family, void *peer)
{
	node_t **list = t->count ? malloc(t->count * sizeof(*list)) : NULL;
	node_t *n;
	size_t k;

	if (list) {
		/* Removing a node frees only it and peer-less glue: the list stays valid. */
		k = collect_peer(*root_of(t, family), peer, list, 0);
		for (size_t i = 0; i < k; i++)
			node_remove(t, family, list[i]);
		free(list);
		return;
	}
	while ((n = find_peer(*root_of(t, family), peer)))
		node_remove(t, family, n);
}

void wg_allowedips_remove_by_peer(struct wg_allowedips *t, void *peer)
{
	if (!peer)
		return;
	remove_by_peer_family(t, AF_INET, peer);
	remove_by_peer_family(t, AF_INET6, peer);
}

void *wg_allowedips_lookup(const struct wg_allowedips *t, int family, const void *addr)
{
	const node_t *n = family == AF_INET ? t->root4 : family == AF_INET6 ? t->root6 : NULL;
	int nbits = family_bits(family);
	void *best = NULL;

	while (n && node_contains(n, addr)) {
		if (n->peer)
			best = n->peer;
		if (n->cidr >= nbits)
			break;
		n = n->child[bit_at(addr, n->cidr)];
	}
	return best;
}

static int walk_node(const node_t *n, int family, void *peer, wg_allowedips_walk_fn cb, void *ctx)
{
	int r;

	if (!n)
		return 0;
	if (n->peer && (!peer || n->peer == peer)) {
		r = cb(ctx, n->peer, family, n->bits, n->cidr);
		if (r)
			return r;
	}
	r = walk_node(n->child[0], family, peer, cb, ctx);
	return r ? r : walk_node(n->child[1], family, peer, cb, ctx);
}

int wg_allowedips_walk(const struct wg_allowedips *t, void *peer, wg_allowedips_walk_fn cb,
		       void *ctx)
{
	int r = walk_node(t->root4, AF_INET, peer, cb, ctx);

	return r ? r : walk_node(t->root6, AF_INET6, peer, cb, ctx);
}

/* ---- the index of configured prefixes ---- */

static size_t prefix_hash(size_t n_buckets, int family, const uint8_t addr[16], uint8_t cidr)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (int i = 0; i < 16; i++)
		h = (h ^ addr[i]) * 1099511628211ULL;
	h = (h ^ (uint64_t)family) * 1099511628211ULL;
	h = (h ^ cidr) * 1099511628211ULL;
	return (size_t)(h & (n_buckets - 1));
}

void wg_aip_index_free(struct wg_aip_index *ix)
{
	free(ix->buckets);
	*ix = (struct wg_aip_index){0};
}

struct wg_aip *wg_aip_index_find(const struct wg_aip_index *ix, int family, const uint8_t addr[16],
				 uint8_t cidr)
{
	if (!ix->n_buckets)
		return NULL;
	for (struct wg_aip *a = ix->buckets[prefix_hash(ix->n_buckets, family, addr, cidr)]; a;
	     a = a->hash_next)
		if (a->family == family && a->cidr == cidr && !memcmp(a->addr, addr, 16))
			return a;
	return NULL;
}

/* Keeps chains short: doubles the table when it holds two entries per bucket. */
static int grow(struct wg_aip_index *ix)
{
	size_t n = ix->n_buckets ? ix->n_buckets * 2 : 256;
	struct wg_aip **t;

	if (ix->n_buckets && ix->count < ix->n_buckets * 2)
		return 0;
	t = calloc(n, sizeof(*t));
	if (!t)
		return ix->n_buckets ? 0 : -ENOMEM; /* longer chains, still correct */
	for (size_t i = 0; i < ix->n_buckets; i++) {
		struct wg_aip *a = ix->buckets[i], *next;

		for (; a; a = next) {
			size_t h = prefix_hash(n, a->family, a->addr, a->cidr);

			next = a->hash_next;
			a->hash_next = t[h];
			t[h] = a;
		}
	}
	free(ix->buckets);
	ix->buckets = t;
	ix->n_buckets = n;
	return 0;
}

int wg_aip_index_add(struct wg_aip_index *ix, struct wg_aip *a)
{
	size_t h;
	int err = grow(ix);

	if (err < 0)
		return err;
	h = prefix_hash(ix->n_buckets, a->family, a->addr, a->cidr);
	a->hash_next = ix->buckets[h];
	ix->buckets[h] = a;
	ix->count++;
	return 0;
}

void wg_aip_index_del(struct wg_aip_index *ix, struct wg_aip *a)
{
	struct wg_aip **pp = &ix->buckets[prefix_hash(ix->n_buckets, a->family, a->addr, a->cidr)];

	for (; *pp; pp = &(*pp)->hash_next) {
		if (*pp == a) {
			*pp = a->hash_next;
			ix->count--;
			return;
		}
	}
}
