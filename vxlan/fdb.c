// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fdb.h"

#define NSEC_PER_SEC 1000000000ull

int vx_fdb_init(struct vx_fdb *f, size_t max, unsigned ageing_s)
{
	size_t cap = 16;

	memset(f, 0, sizeof(*f));
	if (!max)
		return -EINVAL;
	while (cap < 2 * max)
		cap <<= 1;
	f->slots = calloc(cap, sizeof(*f->slots));
	if (!f->slots)
		return -ENOMEM;
	f->cap = cap;
	f->max = max;
	f->ageing_ns = (uint64_t)ageing_s * NSEC_PER_SEC;
	return 0;
}

void vx_fdb_free(struct vx_fdb *f)
{
	free(f->slots);
	memset(f, 0, sizeof(*f));
}

/*
 * Where @mac hashes: the low bits of the MAC itself are not enough (virtual
 * machines share prefixes), so all six bytes are mixed. No secret key: a
 * peer that chooses colliding MACs only makes its own probes longer, and
 * the table is bounded.
 */
static size_t home(const struct vx_fdb *f, const uint8_t mac[6])
{
	uint64_t h = 0;

	for (int i = 0; i < 6; i++)
		h = (h << 8) | mac[i];
	h *= 0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 32) & (f->cap - 1);
}

static struct vx_fdb_entry *find(const struct vx_fdb *f, const uint8_t mac[6])
{
	for (size_t i = home(f, mac), k = 0; k < f->cap; i = (i + 1) & (f->cap - 1), k++) {
		struct vx_fdb_entry *e = &f->slots[i];

		if (!e->used)
			return NULL;
		if (!memcmp(e->mac, mac, 6))
			return e;
	}
	return NULL;
}

const struct vx_fdb_entry *vx_fdb_lookup(const struct vx_fdb *f, const uint8_t mac[6])
{
	return vx_mac_is_group(mac) ? NULL : find(f, mac);
}

/* Removes slot @i and re-seats the probe chain after it (no tombstones). */
static void remove_at(struct vx_fdb *f, size_t i)
{
	size_t j = i;

	f->slots[i].used = false;
	f->n--;
	for (;;) {
		size_t h;

		j = (j + 1) & (f->cap - 1);
		if (!f->slots[j].used)
			return;
		h = home(f, f->slots[j].mac);
		/* the entry at j stays if its home lies cyclically in (i, j] */
		if (i <= j ? (i < h && h <= j) : (i < h || h <= j))
			continue;
		f->slots[i] = f->slots[j];
		f->slots[j].used = false;
		i = j;
	}
}

static struct vx_fdb_entry *insert(struct vx_fdb *f, const uint8_t mac[6])
{
	size_t i = home(f, mac);

	while (f->slots[i].used)
		i = (i + 1) & (f->cap - 1);
	memset(&f->slots[i], 0, sizeof(f->slots[i]));
	memcpy(f->slots[i].mac, mac, 6);
	f->slots[i].used = true;
	f->n++;
	return &f->slots[i];
}

/* Makes room for one more: the learned entry seen longest ago goes; false if all are static. */
static bool make_room(struct vx_fdb *f)
{
	size_t oldest = f->cap;

	if (f->n < f->max)
		return true;
	for (size_t i = 0; i < f->cap; i++)
		if (f->slots[i].used && !f->slots[i].is_static &&
		    (oldest == f->cap || f->slots[i].seen_ns < f->slots[oldest].seen_ns))
			oldest = i;
	if (oldest == f->cap)
		return false;
	remove_at(f, oldest);
	return true;
}

static bool zero_mac(const uint8_t mac[6])
{
	static const uint8_t zero[6];

	return !memcmp(mac, zero, 6);
}

void vx_fdb_learn(struct vx_fdb *f, const uint8_t mac[6], const struct vx_addr *remote,
		  uint64_t now)
{
	struct vx_fdb_entry *e;

	if (vx_mac_is_group(mac) || zero_mac(mac))
		return;
	e = find(f, mac);
	if (e) {
		if (e->is_static)
			return;
		if (memcmp(&e->remote, remote, sizeof(*remote))) {
			e->remote = *remote;
			f->moved++;
		}
		e->seen_ns = now;
		return;
	}
	if (!make_room(f)) {
		f->refused++;
		return;
	}
	e = insert(f, mac);
	e->remote = *remote;
	e->seen_ns = now;
	f->learned++;
}

int vx_fdb_add_static(struct vx_fdb *f, const uint8_t mac[6], const struct vx_addr *remote)
{
	struct vx_fdb_entry *e;

	if (vx_mac_is_group(mac) || zero_mac(mac))
		return -EINVAL;
	e = find(f, mac);
	if (!e) {
		if (!make_room(f))
			return -ENOSPC;
		e = insert(f, mac);
	}
	e->remote = *remote;
	e->is_static = true;
	e->seen_ns = 0;
	return 0;
}

size_t vx_fdb_age(struct vx_fdb *f, uint64_t now)
{
	size_t gone = 0;

	if (!f->ageing_ns)
		return 0;
	for (size_t i = 0; i < f->cap;) {
		struct vx_fdb_entry *e = &f->slots[i];

		if (e->used && !e->is_static && now - e->seen_ns >= f->ageing_ns) {
			remove_at(f, i); /* slot i may now hold another entry: look again */
			gone++;
			continue;
		}
		i++;
	}
	return gone;
}
