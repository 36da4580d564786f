// SPDX-License-Identifier: MIT
/*
 * Fork-join per batch: run() publishes the batch under the lock and wakes
 * the workers; everyone, the caller included, claims chunks of jobs from a
 * shared index until none are left. The caller then waits only for chunks a
 * worker has claimed and not yet finished, never for a worker that has not
 * woken up yet: on a loaded machine a woken thread may not run for a whole
 * scheduler slice, and waiting for it stalled the data path (perf showed
 * the daemon's time going to futex waits).
 *
 * The index carries the batch's generation in its upper half, so a worker
 * that wakes after its batch is over cannot claim jobs of the next one with
 * the old batch's pointers: its compare-and-swap sees another generation.
 *
 * Waking a worker only pays when a core is free to run it. When every core
 * is busy (both ends of a tunnel and the applications on one small machine,
 * or a daemon pinned to one CPU), a woken worker only takes turns with the
 * loop and adds context switches, and the pool then costs throughput
 * (bench/README.md). So the caller watches how long its own thread
 * waited on a run queue (/proc/thread-self/schedstat) over each interval:
 * above WAIT_HIGH of the time, batches run on the caller alone; below
 * WAIT_LOW, the workers are used again. Small batches never wake them.
 */
#include "cryptpool.h"

#include "aead.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* Jobs taken at a time: big enough to keep the shared index cool, and the
 * four messages wg_aead_*_many() can run in one pass. */
#define CHUNK 4
/* Below this many jobs the caller does it all: waking a thread costs more. */
#define MIN_PARALLEL 8
/* Below this many bytes in a batch, too: the work would not pay for a wake-up. */
#define MIN_PARALLEL_BYTES (16 * 1024)
/* Checks of the finished count before the caller sleeps (a chunk is ~µs). */
#define SPIN 200
/* How often the caller's run-queue wait is looked at, and the thresholds. */
#define CHECK_NS  (200 * 1000 * 1000ull)
#define WAIT_HIGH 10 /* percent of the interval: go solo */
#define WAIT_LOW  3  /* percent: use the workers again */

#if defined(__x86_64__) || defined(__i386__)
#define cpu_relax() __builtin_ia32_pause()
#else
#define cpu_relax() atomic_signal_fence(memory_order_seq_cst)
#endif

struct wg_cryptpool {
	pthread_mutex_t lock;
	pthread_cond_t start, done;
	pthread_t *threads;
	unsigned int nworkers, started;
	bool stop;
	bool waiting;	     /* the caller sleeps on done */
	uint32_t generation; /* bumped per batch */
	struct wg_crypt_job *jobs;
	size_t n;
	_Atomic uint64_t claim; /* generation << 32 | next job index */
	atomic_size_t finished; /* jobs done in the current batch */

	/* the caller's thread only */
	bool solo;		     /* no spare CPU: batches run on the caller alone */
	int stat_fd;		     /* the caller's /proc/thread-self/schedstat, -1: none */
	uint64_t checked_at, waited; /* CLOCK_MONOTONIC and run-queue wait at the last look */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Nanoseconds the calling thread has spent runnable but not running; false if unknown. */
static bool read_wait(int fd, uint64_t *ret)
{
	char buf[96];
	unsigned long long run, wait;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return false;
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llu", &run, &wait) != 2)
		return false;
	*ret = wait;
	return true;
}

static void decide(struct wg_cryptpool *p, unsigned int percent)
{
	if (percent >= WAIT_HIGH)
		p->solo = true;
	else if (percent <= WAIT_LOW)
		p->solo = false;
}

/* Every CHECK_NS: decides from the caller's run-queue wait whether workers may help. */
static void check_spare_cpu(struct wg_cryptpool *p)
{
	uint64_t now = mono_ns(), wait, pct;

	if (p->stat_fd == -2) {
		p->stat_fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
		if (p->stat_fd < 0 || !read_wait(p->stat_fd, &p->waited)) {
			if (p->stat_fd >= 0)
				close(p->stat_fd);
			p->stat_fd = -1; /* no schedstat: always parallel */
			return;
		}
		p->checked_at = now;
		return;
	}
	if (p->stat_fd < 0 || now - p->checked_at < CHECK_NS || !read_wait(p->stat_fd, &wait))
		return;
	pct = (wait - p->waited) * 100 / (now - p->checked_at);
	decide(p, pct > 100 ? 100 : (unsigned int)pct);
	p->checked_at = now;
	p->waited = wait;
}

void wg_cryptpool_set_wait(struct wg_cryptpool *p, unsigned int percent)
{
	if (p->stat_fd >= 0)
		close(p->stat_fd);
	p->stat_fd = -1; /* measured no more */
	decide(p, percent);
}

bool wg_cryptpool_parallel(const struct wg_cryptpool *p)
{
	return p->nworkers && !p->solo;
}

/*
 * Jobs four at a time (a chunk): their AEADs go to wg_aead_*_many() together,
 * where short messages share one keystream pass. Each job's result is its
 * own: a failed one fails alone.
 */
static void jobs_run_chunk(struct wg_crypt_job *jobs, size_t n)
{
	struct wg_aead_msg enc[CHUNK], dec[CHUNK];
	struct wg_crypt_job *je[CHUNK], *jd[CHUNK];
	unsigned ne = 0, nd = 0;

	for (size_t i = 0; i < n; i++) {
		if (jobs[i].encrypt) {
			je[ne] = &jobs[i];
			enc[ne++] = jobs[i].msg;
		} else {
			jd[nd] = &jobs[i];
			dec[nd++] = jobs[i].msg;
		}
	}
	wg_aead_encrypt_many(enc, ne);
	wg_aead_decrypt_many(dec, nd);
	for (unsigned k = 0; k < ne; k++)
		je[k]->msg.result = enc[k].result;
	for (unsigned k = 0; k < nd; k++)
		jd[k]->msg.result = dec[k].result;
}

void wg_crypt_jobs_run(struct wg_crypt_job *jobs, size_t n)
{
	for (size_t i = 0; i < n; i += CHUNK)
		jobs_run_chunk(jobs + i, n - i < CHUNK ? n - i : CHUNK);
}

/* Claims and runs chunks of batch @gen; returns whether it finished the batch. */
static bool work(struct wg_cryptpool *p, uint32_t gen, struct wg_crypt_job *jobs, size_t n)
{
	uint64_t v = atomic_load(&p->claim);
	bool last = false;

	for (;;) {
		size_t i = (size_t)(v & 0xffffffffu), end;

		if ((uint32_t)(v >> 32) != gen || i >= n)
			return last;
		if (!atomic_compare_exchange_weak(&p->claim, &v, v + CHUNK))
			continue;
		end = i + CHUNK < n ? i + CHUNK : n;
		jobs_run_chunk(jobs + i, end - i);
		last = atomic_fetch_add(&p->finished, end - i) + (end - i) == n;
		v = atomic_load(&p->claim);
	}
}

static void *worker(void *arg)
{
	struct wg_cryptpool *p = arg;
	uint32_t seen = 0;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct wg_crypt_job *jobs;
		size_t n;

		while (!p->stop && p->generation == seen)
			pthread_cond_wait(&p->start, &p->lock);
		if (p->stop)
			break;
		seen = p->generation;
		jobs = p->jobs;
		n = p->n;
		pthread_mutex_unlock(&p->lock);
		if (work(p, seen, jobs, n)) {
			pthread_mutex_lock(&p->lock);
			if (p->waiting)
				pthread_cond_signal(&p->done);
		} else {
			pthread_mutex_lock(&p->lock);
		}
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
	p->stat_fd = -2; /* opened by the first run(), on the caller's thread */
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
	if (p->stat_fd >= 0)
		close(p->stat_fd);
	pthread_cond_destroy(&p->start);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->lock);
	free(p->threads);
	free(p);
}

void wg_cryptpool_run(struct wg_cryptpool *p, struct wg_crypt_job *jobs, size_t n)
{
	size_t bytes = 0;
	uint32_t gen;

	if (p->nworkers)
		check_spare_cpu(p);
	for (size_t i = 0; i < n && bytes < MIN_PARALLEL_BYTES && !p->solo; i++)
		bytes += jobs[i].msg.len;
	if (!p->nworkers || p->solo || n < MIN_PARALLEL || bytes < MIN_PARALLEL_BYTES) {
		wg_crypt_jobs_run(jobs, n);
		return;
	}
	pthread_mutex_lock(&p->lock);
	p->jobs = jobs;
	p->n = n;
	gen = ++p->generation;
	atomic_store(&p->finished, 0);
	atomic_store(&p->claim, (uint64_t)gen << 32);
	pthread_cond_broadcast(&p->start);
	pthread_mutex_unlock(&p->lock);

	work(p, gen, jobs, n);

	/* Only chunks a worker claimed can still be running. */
	for (int i = 0; i < SPIN && atomic_load(&p->finished) < n; i++)
		cpu_relax();
	if (atomic_load(&p->finished) < n) {
		pthread_mutex_lock(&p->lock);
		p->waiting = true;
		while (atomic_load(&p->finished) < n)
			pthread_cond_wait(&p->done, &p->lock);
		p->waiting = false;
		pthread_mutex_unlock(&p->lock);
	}
}

unsigned int wg_cryptpool_threads(const struct wg_cryptpool *p)
{
	return p->nworkers + 1;
}
