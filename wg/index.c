// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>

#include "crypto.h"
#include "index.h"

#define INDEX_BUCKETS 4096

struct wg_index_table {
	struct wg_index_entry *buckets[INDEX_BUCKETS];
};

static struct wg_index_entry **bucket(struct wg_index_table *t, uint32_t index)
{
	/* indices are random: their low bits are as good as a hash */
	return &t->buckets[index % INDEX_BUCKETS];
}

int wg_index_new(struct wg_index_table **ret)
{
	struct wg_index_table *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	*ret = t;
	return 0;
}

void wg_index_free(struct wg_index_table *t)
{
	if (!t)
		return;
	for (unsigned i = 0; i < INDEX_BUCKETS; i++) {
		struct wg_index_entry *e = t->buckets[i], *n;

		for (; e; e = n) {
			n = e->next;
			free(e);
		}
	}
	free(t);
}

struct wg_index_entry *wg_index_lookup(struct wg_index_table *t, uint32_t index)
{
	for (struct wg_index_entry *e = *bucket(t, index); e; e = e->next)
		if (e->index == index)
			return e;
	return NULL;
}

uint32_t wg_index_add_handshake(struct wg_index_table *t, struct wg_peer *peer)
{
	struct wg_index_entry *e = calloc(1, sizeof(*e));
	uint32_t idx;

	if (!e)
		return 0;
	do
		wg_random(&idx, sizeof(idx));
	while (!idx || wg_index_lookup(t, idx));
	e->index = idx;
	e->peer = peer;
	e->next = *bucket(t, idx);
	*bucket(t, idx) = e;
	return idx;
}

void wg_index_set_keypair(struct wg_index_table *t, uint32_t index, struct wg_keypair *kp)
{
	struct wg_index_entry *e = wg_index_lookup(t, index);

	if (e)
		e->keypair = kp;
}

void wg_index_remove(struct wg_index_table *t, uint32_t index)
{
	for (struct wg_index_entry **pp = bucket(t, index); *pp; pp = &(*pp)->next) {
		if ((*pp)->index == index) {
			struct wg_index_entry *e = *pp;

			*pp = e->next;
			free(e);
			return;
		}
	}
}
