/* SPDX-License-Identifier: MIT */
/*
 * Parallel encryption and decryption of a batch of AEAD messages, for the
 * data path's "every core busy" (issue 5): the event loop hands a whole batch
 * to wg_cryptpool_run(), which spreads it over the pool's worker threads and
 * the calling thread, and returns when every job is done. Order is the
 * caller's business and comes for free: jobs stay in their array slots, so
 * the caller sends (or checks replay counters and writes) in array order.
 *
 * One lock round trip per batch, none per packet; no allocation after
 * wg_cryptpool_new(). Workers are woken only for batches of 16 KiB or more,
 * and only while the machine has a spare core (see wg_cryptpool_parallel()). A pool serves one
 * caller at a time (the event loop); run() is not re-entrant.
 */
#ifndef TWWG_CRYPTPOOL_H
#define TWWG_CRYPTPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aead.h"

/*
 * One AEAD of a batch. The pool knows nothing of the protocol: the caller
 * fills @msg (wg_keypair_encrypt_begin()/wg_keypair_decrypt_begin() do it
 * for a data message) and keeps whatever it needs besides (keypair, lengths,
 * counters) in its own arrays, by index.
 */
struct wg_crypt_job {
	struct wg_aead_msg msg; /* msg.result out: 0, -ENOMEM or -EBADMSG */
	bool encrypt;
};

struct wg_cryptpool;

/*
 * A pool with @workers threads besides the caller (0: everything runs in the
 * caller, e.g. on one core). 0 or -errno.
 */
int wg_cryptpool_new(unsigned int workers, struct wg_cryptpool **ret_pool);
/* Stops and joins the workers. Accepts NULL. */
void wg_cryptpool_free(struct wg_cryptpool *pool);

/* Runs every job of the batch in the calling thread (four at a time: see cryptpool.c). */
void wg_crypt_jobs_run(struct wg_crypt_job *jobs, size_t n);

/* Runs every job of the batch; returns when all are done (results filled in). */
void wg_cryptpool_run(struct wg_cryptpool *pool, struct wg_crypt_job *jobs, size_t n);

/*
 * Whether batches big enough are spread over the workers now: false when
 * the pool has none, or when the caller's thread waited too long for a CPU
 * (there is no spare core; see cryptpool.c). Re-evaluated as run() is called.
 */
bool wg_cryptpool_parallel(const struct wg_cryptpool *pool);

/*
 * For tests: the pool decides by this run-queue wait (percent of the time)
 * from now on, instead of measuring the caller's every 200 ms.
 */
void wg_cryptpool_set_wait(struct wg_cryptpool *pool, unsigned int percent);

/* The number of threads that work on a batch (workers + the caller). */
unsigned int wg_cryptpool_threads(const struct wg_cryptpool *pool);

#endif
