// SPDX-License-Identifier: MIT
/*
 * Token buckets measured in nanoseconds: each packet costs 1/20 s of tokens,
 * a bucket holds at most five packets' worth, and tokens accrue with elapsed
 * time. All entries live in one array allocated up front (no allocation per
 * packet, memory fixed by max_entries), chained into hash buckets keyed with
 * a random SipHash key so a remote host cannot aim at one chain.
 */
#include "ratelimiter.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "crypto.h"

#define PACKET_COST (NSEC_PER_SEC / WG_RATELIMIT_PACKETS_PER_SECOND)
#define TOKEN_MAX   (PACKET_COST * WG_RATELIMIT_BURST)
#define IDLE_EXPIRY NSEC_PER_SEC
#define NONE	    UINT32_MAX

struct entry {
	uint64_t key; /* IPv4 address, or IPv6 /64 prefix */
	uint64_t last_time;
	uint64_t tokens;
	uint32_t next; /* next in bucket chain or free list */
	uint8_t family;
};

struct wg_ratelimiter {
	pthread_mutex_t lock;
	uint8_t hash_key[crypto_shorthash_KEYBYTES];
	size_t max_entries, count;
	uint32_t nbuckets; /* power of two */
	uint32_t free_head;
	uint32_t *buckets;
	struct entry *entries;
};

int wg_ratelimiter_new(struct wg_ratelimiter **ret, size_t max_entries)
{
	struct wg_ratelimiter *rl;

	if (!max_entries)
		max_entries = WG_RATELIMIT_MAX_ENTRIES;
	if (max_entries >= NONE)
		return -EINVAL;
	if (wg_crypto_init())
		return -EIO;
	rl = calloc(1, sizeof(*rl));
	if (!rl)
		return -ENOMEM;
	pthread_mutex_init(&rl->lock, NULL);
	rl->max_entries = max_entries;
	for (rl->nbuckets = 16; rl->nbuckets < max_entries / 2 && rl->nbuckets < (1U << 24);)
		rl->nbuckets <<= 1;
	rl->buckets = malloc(rl->nbuckets * sizeof(*rl->buckets));
	rl->entries = calloc(max_entries, sizeof(*rl->entries));
	if (!rl->buckets || !rl->entries) {
		wg_ratelimiter_free(rl);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < rl->nbuckets; i++)
		rl->buckets[i] = NONE;
	for (size_t i = 0; i < max_entries; i++)
		rl->entries[i].next = i + 1 < max_entries ? (uint32_t)(i + 1) : NONE;
	rl->free_head = 0;
	wg_random(rl->hash_key, sizeof(rl->hash_key));
	*ret = rl;
	return 0;
}

void wg_ratelimiter_free(struct wg_ratelimiter *rl)
{
	if (!rl)
		return;
	pthread_mutex_destroy(&rl->lock);
	free(rl->buckets);
	free(rl->entries);
	free(rl);
}

static bool source_key(const struct sockaddr *src, uint8_t *family, uint64_t *key)
{
	*key = 0;
	*family = (uint8_t)src->sa_family;
	if (src->sa_family == AF_INET) {
		memcpy(key, &((const struct sockaddr_in *)src)->sin_addr, 4);
		return true;
	}
	if (src->sa_family == AF_INET6) {
		/* A host usually owns a whole /64: limit it as one source. */
		memcpy(key, &((const struct sockaddr_in6 *)src)->sin6_addr, 8);
		return true;
	}
	return false;
}

static uint32_t bucket_of(const struct wg_ratelimiter *rl, uint8_t family, uint64_t key)
{
	uint8_t in[9], out[crypto_shorthash_BYTES];
	uint32_t h;

	memcpy(in, &key, 8);
	in[8] = family;
	crypto_shorthash(out, in, sizeof(in), rl->hash_key);
	memcpy(&h, out, sizeof(h));
	return h & (rl->nbuckets - 1);
}

/* Unlinks idle entries; the caller holds the lock. */
static void gc_locked(struct wg_ratelimiter *rl, uint64_t now)
{
	for (uint32_t b = 0; b < rl->nbuckets; b++) {
		uint32_t *link = &rl->buckets[b];

		while (*link != NONE) {
			struct entry *e = &rl->entries[*link];
			uint32_t idx = *link;

			if (now <= e->last_time || now - e->last_time <= IDLE_EXPIRY) {
				link = &e->next;
				continue;
			}
			*link = e->next;
			e->next = rl->free_head;
			rl->free_head = idx;
			rl->count--;
		}
	}
}

static bool entry_take(struct entry *e, uint64_t now)
{
	/* Threads read the clock before taking the lock: never count backwards. */
	uint64_t tokens = e->tokens + (now > e->last_time ? now - e->last_time : 0);

	e->tokens = tokens > TOKEN_MAX ? TOKEN_MAX : tokens;
	if (now > e->last_time)
		e->last_time = now;
	if (e->tokens < PACKET_COST)
		return false;
	e->tokens -= PACKET_COST;
	return true;
}

static bool entry_add(struct wg_ratelimiter *rl, uint32_t b, uint8_t family, uint64_t key,
		      uint64_t now)
{
	struct entry *e;
	uint32_t idx;

	if (rl->free_head == NONE) {
		gc_locked(rl, now);
		if (rl->free_head == NONE)
			return false; /* full of active sources: refuse, never grow */
	}
	idx = rl->free_head;
	e = &rl->entries[idx];
	rl->free_head = e->next;
	e->key = key;
	e->family = family;
	e->last_time = now;
	e->tokens = TOKEN_MAX - PACKET_COST;
	e->next = rl->buckets[b];
	rl->buckets[b] = idx;
	rl->count++;
	return true;
}

bool wg_ratelimiter_allow(struct wg_ratelimiter *rl, const struct sockaddr *src, uint64_t now)
{
	uint8_t family;
	uint64_t key;
	uint32_t b;
	bool ret;

	if (!source_key(src, &family, &key))
		return false;
	b = bucket_of(rl, family, key);
	pthread_mutex_lock(&rl->lock);
	for (uint32_t i = rl->buckets[b]; i != NONE; i = rl->entries[i].next) {
		struct entry *e = &rl->entries[i];

		if (e->key == key && e->family == family) {
			ret = entry_take(e, now);
			goto out;
		}
	}
	ret = entry_add(rl, b, family, key, now);
out:
	pthread_mutex_unlock(&rl->lock);
	return ret;
}

size_t wg_ratelimiter_gc(struct wg_ratelimiter *rl, uint64_t now)
{
	size_t n;

	pthread_mutex_lock(&rl->lock);
	gc_locked(rl, now);
	n = rl->count;
	pthread_mutex_unlock(&rl->lock);
	return n;
}
