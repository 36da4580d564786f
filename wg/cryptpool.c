// SPDX-License-Identifier: MIT
/*
 * Fork-join per batch: run() publishes the batch under the lock and wakes
 * the workers; everyone, the caller included, takes chunks of jobs with an
 * atomic index until none are left; the last one out wakes the caller.
 */
#include "cryptpool.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

/* Jobs taken at a time: big enough to keep the shared index cool. */
#define CHUNK 4
/* Below this many jobs the caller does it all: waking a thread costs more. */
#define MIN_PARALLEL 8

struct wg_cryptpool {
	pthread_mutex_t lock;
	pthread_cond_t start, done;
	pthread_t *threads;
	unsigned int nworkers, started;
	bool stop;
	uint64_t generation; /* bumped per batch */
	struct wg_crypt_job *jobs;
	size_t n;
	atomic_size_t next;
	unsigned int busy; /* workers still inside the current batch */
};

static void job_run(struct wg_crypt_job *j)
{
	if (j->op == WG_CRYPT_ENCRYPT)
		j->result = wg_keypair_encrypt(j->kp, j->counter, j->buf, j->cap, j->len, j->mtu);
	else
		j->result = wg_keypair_decrypt(j->kp, j->buf, j->len, &j->counter);
}

static void work(struct wg_cryptpool *p, struct wg_crypt_job *jobs, size_t n)
{
	size_t i;

	while ((i = atomic_fetch_add(&p->next, CHUNK)) < n)
		for (size_t k = i; k < i + CHUNK && k < n; k++)
			job_run(&jobs[k]);
}

static void *worker(void *arg)
{
	struct wg_cryptpool *p = arg;
	uint64_t seen = 0;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->stop && p->generation == seen)
			pthread_cond_wait(&p->start, &p->lock);
		if (p->stop)
			break;
		seen = p->generation;
		pthread_mutex_unlock(&p->lock);
		work(p, p->jobs, p->n);
		pthread_mutex_lock(&p->lock);
		if (--p->busy == 0)
			pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int wg_cryptpool_new(unsigned int workers, struct wg_cryptpool **ret_pool)
{
	struct wg_cryptpool *p = calloc(1, sizeof(*p));
	int err = 0;

	if (!p)
		return -ENOMEM;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->start, NULL);
	pthread_cond_init(&p->done, NULL);
	p->threads = calloc(workers ? workers : 1, sizeof(*p->threads));
	if (!p->threads) {
		wg_cryptpool_free(p);
		return -ENOMEM;
	}
	p->nworkers = workers;
	for (; p->started < workers; p->started++) {
		err = pthread_create(&p->threads[p->started], NULL, worker, p);
		if (err) {
			wg_cryptpool_free(p);
			return -err;
		}
	}
	*ret_pool = p;
	return 0;
}

void wg_cryptpool_free(struct wg_cryptpool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->start);
	pthread_mutex_unlock(&p->lock);
	for (unsigned int i = 0; i < p->started; i++)
		pthread_join(p->threads[i], NULL);
	pthread_cond_destroy(&p->start);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->lock);
	free(p->threads);
	free(p);
}

void wg_cryptpool_run(struct wg_cryptpool *p, struct wg_crypt_job *jobs, size_t n)
{
	if (!p->nworkers || n < MIN_PARALLEL) {
		for (size_t i = 0; i < n; i++)
			job_run(&jobs[i]);
		return;
	}
	pthread_mutex_lock(&p->lock);
	p->jobs = jobs;
	p->n = n;
	atomic_store(&p->next, 0);
	p->busy = p->nworkers;
	p->generation++;
	pthread_cond_broadcast(&p->start);
	pthread_mutex_unlock(&p->lock);

	work(p, jobs, n);

	/* Workers may still be finishing their last chunk. */
	pthread_mutex_lock(&p->lock);
	while (p->busy)
		pthread_cond_wait(&p->done, &p->lock);
	pthread_mutex_unlock(&p->lock);
}

unsigned int wg_cryptpool_threads(const struct wg_cryptpool *p)
{
	return p->nworkers + 1;
}
