// SPDX-License-Identifier: MIT
/*
 * The parallel crypto pool: batches encrypted by 0, 1 and 3 worker threads
 * give byte for byte what sequential encryption gives, decrypt back in place
 * with the right counters, and a corrupted message fails only in its slot.
 */
#include <errno.h>
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

static void run_with(unsigned int workers)
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
	run_with(0);
}

static void test_one_worker(void **state)
{
	run_with(1);
}

static void test_three_workers(void **state)
{
	run_with(3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_inline),
	    cmocka_unit_test(test_one_worker),
	    cmocka_unit_test(test_three_workers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
