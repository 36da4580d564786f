/* SPDX-License-Identifier: MIT */
/*
 * Per-source token buckets for handshake initiations, like the kernel's:
 * 20 packets per second with a burst of 5, keyed by source IPv4 address or
 * IPv6 /64. The table is bounded (max_entries); when it is full a new source
 * is refused rather than the table grown. Entries idle for a second are
 * dropped by wg_ratelimiter_gc() (and lazily when the table fills).
 *
 * Only consulted under load: deciding that the device is under load (the
 * handshake queue is long) is the device's job, as is calling gc every second.
 * Thread-safe (one internal mutex; only handshake packets come here).
 */
#ifndef TWWG_RATELIMITER_H
#define TWWG_RATELIMITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define WG_RATELIMIT_PACKETS_PER_SECOND 20
#define WG_RATELIMIT_BURST		5
#define WG_RATELIMIT_MAX_ENTRIES	8192

struct wg_ratelimiter;

/* A new limiter holding at most max_entries sources (0: the default). */
int wg_ratelimiter_new(struct wg_ratelimiter **ret, size_t max_entries);
void wg_ratelimiter_free(struct wg_ratelimiter *rl);

/*
 * True if one more handshake from src (AF_INET or AF_INET6) may be processed
 * at time now (wg_now_ns() clock; tests inject their own).
 */
bool wg_ratelimiter_allow(struct wg_ratelimiter *rl, const struct sockaddr *src, uint64_t now);

/* Drops entries idle for more than a second. Returns how many remain. */
size_t wg_ratelimiter_gc(struct wg_ratelimiter *rl, uint64_t now);

#endif
