// SPDX-License-Identifier: MIT
/*
 * The parallel crypto pool: batches encrypted by 0, 1 and 3 worker threads
 * give byte for byte what sequential encryption gives, decrypt back in
 * place, and a corrupted message fails only in its slot;
 * the same with the pool gone solo. A pool whose caller must share its CPU
 * with a busy thread stops waking its workers (it measures the wait).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "aead.h"
#include "cryptpool.h"
#include "crypto.h"

#define N   300
#define CAP (1440 + 16)

static void fill(uint8_t *buf, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(seed * 13 + i);
}

/* Job @i of a batch: under one of two keys, nonce from its counter, in place in @buf. */
static void job(struct wg_crypt_job *j, bool enc, uint8_t *buf, size_t len,
		const uint8_t key[WG_AEAD_KEY_LEN], uint64_t counter)
{
	*j = (struct wg_crypt_job){.msg = {.dst = buf, .src = buf, .len = len, .key = key},
				   .encrypt = enc};
	wg_aead_nonce(j->msg.nonce, counter);
}

static void run_with(unsigned int workers, unsigned int wait)
{
	static uint8_t bufs[N][CAP], want[N][CAP];
	static struct wg_crypt_job jobs[N];
	uint8_t k1[WG_AEAD_KEY_LEN], k2[WG_AEAD_KEY_LEN];
	struct wg_cryptpool *pool;
	size_t len[N];

	wg_crypto_init();
	wg_random(k1, sizeof(k1));
	wg_random(k2, sizeof(k2)); /* a second key mixed into the batch */
	assert_int_equal(wg_cryptpool_new(workers, &pool), 0);
	assert_int_equal(wg_cryptpool_threads(pool), workers + 1);
	wg_cryptpool_set_wait(pool, wait);
	assert_int_equal(wg_cryptpool_parallel(pool), workers && wait < 10);
	for (int round = 0; round < 20; round++) {
		size_t n = round % 5 == 4 ? 5 : N; /* small batches run inline */

		for (size_t i = 0; i < n; i++) {
			const uint8_t *key = i % 3 ? k1 : k2;
			uint64_t counter = i + (size_t)round * N;

			len[i] = (i * 37 + (size_t)round) % 1421;
			fill(want[i], len[i], (unsigned)i);
			assert_int_equal(
			    wg_aead_encrypt(want[i], want[i], len[i], NULL, 0, counter, key), 0);
			fill(bufs[i], len[i], (unsigned)i);
			job(&jobs[i], true, bufs[i], len[i], key, counter);
		}
		wg_cryptpool_run(pool, jobs, n);
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(jobs[i].msg.result, 0);
			assert_memory_equal(bufs[i], want[i], len[i] + WG_AEAD_TAG_LEN);
			job(&jobs[i], false, bufs[i], len[i] + WG_AEAD_TAG_LEN, jobs[i].msg.key,
			    i + (size_t)round * N);
		}
		/* One corrupted message: only its slot fails. */
		bufs[n / 2][4] ^= 1;
		wg_cryptpool_run(pool, jobs, n);
		for (size_t i = 0; i < n; i++) {
			uint8_t plain[CAP];

			if (i == n / 2) {
				assert_int_equal(jobs[i].msg.result, -EBADMSG);
				continue;
			}
			assert_int_equal(jobs[i].msg.result, 0);
			fill(plain, len[i], (unsigned)i);
			assert_memory_equal(bufs[i], plain, len[i]);
		}
	}
	wg_cryptpool_free(pool);
	wg_cryptpool_free(NULL);
	wg_wipe(k1, sizeof(k1));
	wg_wipe(k2, sizeof(k2));
}

static void test_inline(void **state)
{
	run_with(0, 0);
}

static void test_one_worker(void **state)
{
	run_with(1, 0);
}

static void test_three_workers(void **state)
{
	run_with(3, 0);
}

static void test_solo(void **state)
{
	run_with(3, 50);
}

/* Between the thresholds (3% and 10%) the pool keeps what it was doing. */
static void test_hysteresis(void **state)
{
	struct wg_cryptpool *pool;

	assert_int_equal(wg_cryptpool_new(1, &pool), 0);
	wg_cryptpool_set_wait(pool, 5);
	assert_true(wg_cryptpool_parallel(pool));
	wg_cryptpool_set_wait(pool, 12);
	assert_false(wg_cryptpool_parallel(pool));
	wg_cryptpool_set_wait(pool, 5);
	assert_false(wg_cryptpool_parallel(pool));
	wg_cryptpool_set_wait(pool, 2);
	assert_true(wg_cryptpool_parallel(pool));
	wg_cryptpool_free(pool);
}

static atomic_bool hog_stop;

static void *hog(void *arg)
{
	while (!atomic_load(&hog_stop))
		;
	return arg;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The caller and a spinning thread on one CPU: the caller waits ~half the time. */
static void test_busy_cpu_goes_solo(void **state)
{
	static uint8_t bufs[64][CAP];
	static struct wg_crypt_job jobs[64];
	uint8_t key[WG_AEAD_KEY_LEN];
	struct wg_cryptpool *pool;
	cpu_set_t one, saved;
	pthread_t t;
	double t0;

	wg_crypto_init();
	wg_random(key, sizeof(key));
	assert_int_equal(wg_cryptpool_new(1, &pool), 0);
	assert_true(wg_cryptpool_parallel(pool));
	assert_int_equal(pthread_getaffinity_np(pthread_self(), sizeof(saved), &saved), 0);
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	assert_int_equal(pthread_setaffinity_np(pthread_self(), sizeof(one), &one), 0);
	atomic_store(&hog_stop, false);
	assert_int_equal(pthread_create(&t, NULL, hog, NULL), 0);
	assert_int_equal(pthread_setaffinity_np(t, sizeof(one), &one), 0);
	t0 = now_s();
	while (wg_cryptpool_parallel(pool) && now_s() - t0 < 5) {
		for (size_t i = 0; i < 64; i++)
			job(&jobs[i], true, bufs[i], 1400, key, i);
		wg_cryptpool_run(pool, jobs, 64);
		for (size_t i = 0; i < 64; i++)
			assert_int_equal(jobs[i].msg.result, 0);
	}
	atomic_store(&hog_stop, true);
	pthread_join(t, NULL);
	pthread_setaffinity_np(pthread_self(), sizeof(saved), &saved);
	assert_false(wg_cryptpool_parallel(pool));
	wg_cryptpool_free(pool);
	wg_wipe(key, sizeof(key));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_inline),	  cmocka_unit_test(test_one_worker),
	    cmocka_unit_test(test_three_workers), cmocka_unit_test(test_solo),
	    cmocka_unit_test(test_hysteresis),	  cmocka_unit_test(test_busy_cpu_goes_solo),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
