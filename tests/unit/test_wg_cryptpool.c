// SPDX-License-Identifier: MIT
/*
 * The parallel crypto pool: batches encrypted by 0, 1 and 3 worker threads
 * give byte for byte what sequential encryption gives, decrypt back in place
 * with the right counters, and a corrupted message fails only in its slot;
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

#include "cryptpool.h"
#include "crypto.h"

#define N   300
#define CAP (16 + 1440 + 16)

static struct wg_handshake *lookup(void *ctx, const uint8_t pk[32])
{
	return ctx;
}

static void session(struct wg_keypair **ki, struct wg_keypair **kr)
{
	struct wg_static_identity a = {0}, b = {0};
	struct wg_handshake ha, hb;
	struct wg_message_initiation init;
	struct wg_message_response resp;
	uint8_t k[32];

	wg_x25519_generate(k);
	assert_int_equal(wg_static_identity_set(&a, k), 0);
	wg_x25519_generate(k);
	assert_int_equal(wg_static_identity_set(&b, k), 0);
	wg_noise_handshake_init(&ha, &a, b.public_key, NULL);
	wg_noise_handshake_init(&hb, &b, a.public_key, NULL);
	assert_int_equal(wg_noise_handshake_create_initiation(&init, &ha, 1), 0);
	assert_non_null(wg_noise_handshake_consume_initiation(&init, &b, lookup, &hb, 1));
	assert_int_equal(wg_noise_handshake_create_response(&resp, &hb, 2), 0);
	assert_int_equal(wg_noise_handshake_consume_response(&resp, &ha), 0);
	*ki = wg_noise_handshake_begin_session(&ha, 1);
	*kr = wg_noise_handshake_begin_session(&hb, 1);
	wg_noise_handshake_destroy(&ha);
	wg_noise_handshake_destroy(&hb);
}

static void fill(uint8_t *buf, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		buf[16 + i] = (uint8_t)(seed * 13 + i);
}

static void run_with(unsigned int workers, unsigned int wait)
{
	static uint8_t bufs[N][CAP], want[N][CAP];
	static struct wg_crypt_job jobs[N];
	struct wg_keypair *ki, *ri, *kj, *rj;
	struct wg_cryptpool *pool;
	int want_len[N];

	wg_crypto_init();
	session(&ki, &ri);
	session(&kj, &rj); /* a second session mixed into the batch */
	assert_int_equal(wg_cryptpool_new(workers, &pool), 0);
	assert_int_equal(wg_cryptpool_threads(pool), workers + 1);
	wg_cryptpool_set_wait(pool, wait);
	assert_int_equal(wg_cryptpool_parallel(pool), workers && wait < 10);
	for (int round = 0; round < 20; round++) {
		size_t n = round % 5 == 4 ? 5 : N; /* small batches run inline */

		for (size_t i = 0; i < n; i++) {
			size_t len = (i * 37 + (size_t)round) % 1421;
			struct wg_keypair *kp = i % 3 ? ki : kj;

			fill(want[i], len, (unsigned)i);
			want_len[i] =
			    wg_keypair_encrypt(kp, i + (size_t)round * N, want[i], CAP, len, 1420);
			fill(bufs[i], len, (unsigned)i);
			jobs[i] = (struct wg_crypt_job){.kp = kp,
							.buf = bufs[i],
							.cap = CAP,
							.len = len,
							.counter = i + (size_t)round * N,
							.mtu = 1420,
							.op = WG_CRYPT_ENCRYPT};
		}
		wg_cryptpool_run(pool, jobs, n);
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(jobs[i].result, want_len[i]);
			assert_memory_equal(bufs[i], want[i], (size_t)want_len[i]);
			jobs[i].op = WG_CRYPT_DECRYPT;
			jobs[i].kp = jobs[i].kp == ki ? ri : rj;
			jobs[i].len = (size_t)jobs[i].result;
			jobs[i].counter = 0;
		}
		/* One corrupted message: only its slot fails. */
		bufs[n / 2][20] ^= 1;
		wg_cryptpool_run(pool, jobs, n);
		for (size_t i = 0; i < n; i++) {
			if (i == n / 2) {
				assert_int_equal(jobs[i].result, -EBADMSG);
				continue;
			}
			assert_int_equal(jobs[i].result, want_len[i] - 32);
			assert_int_equal(jobs[i].counter, i + (size_t)round * N);
		}
	}
	wg_cryptpool_free(pool);
	wg_cryptpool_free(NULL);
	wg_keypair_put(ki);
	wg_keypair_put(kj);
	wg_keypair_put(ri);
	wg_keypair_put(rj);
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
	struct wg_keypair *ki, *ri;
	struct wg_cryptpool *pool;
	cpu_set_t one, saved;
	pthread_t t;
	double t0;

	wg_crypto_init();
	session(&ki, &ri);
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
			jobs[i] = (struct wg_crypt_job){.kp = ki,
							.buf = bufs[i],
							.cap = CAP,
							.len = 1400,
							.counter = i,
							.mtu = 1420,
							.op = WG_CRYPT_ENCRYPT};
		wg_cryptpool_run(pool, jobs, 64);
		for (size_t i = 0; i < 64; i++)
			assert_true(jobs[i].result > 0);
	}
	atomic_store(&hog_stop, true);
	pthread_join(t, NULL);
	pthread_setaffinity_np(pthread_self(), sizeof(saved), &saved);
	assert_false(wg_cryptpool_parallel(pool));
	wg_cryptpool_free(pool);
	wg_keypair_put(ki);
	wg_keypair_put(ri);
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
