// SPDX-License-Identifier: MIT
/*
 * Data-path crypto of tapwire-wg on one core: wg_keypair_encrypt() and
 * wg_keypair_decrypt() of whole data messages in place (header, padding,
 * ChaCha20-Poly1305, replay check), at 1420 and 64 bytes of inner packet.
 *
 * Then encryption alone of 64-packet batches through wg_cryptpool with 0
 * and 1 worker threads (the second figure shows what a second core adds).
 *
 *   cmake --build build --target wg_speed && build/wg/wg_speed [seconds]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cryptpool.h"
#include "crypto.h"
#include "noise.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct wg_handshake *lookup(void *ctx, const uint8_t pk[32])
{
	return ctx;
}

static void pair(struct wg_keypair **ki, struct wg_keypair **kr)
{
	static struct wg_static_identity a, b;
	static struct wg_handshake ha, hb;
	struct wg_message_initiation init;
	struct wg_message_response resp;
	uint8_t k[32];

	wg_x25519_generate(k);
	wg_static_identity_set(&a, k);
	wg_x25519_generate(k);
	wg_static_identity_set(&b, k);
	wg_noise_handshake_init(&ha, &a, b.public_key, NULL);
	wg_noise_handshake_init(&hb, &b, a.public_key, NULL);
	if (wg_noise_handshake_create_initiation(&init, &ha, 1) ||
	    !wg_noise_handshake_consume_initiation(&init, &b, lookup, &hb, 1) ||
	    wg_noise_handshake_create_response(&resp, &hb, 2) ||
	    wg_noise_handshake_consume_response(&resp, &ha))
		abort();
	*ki = wg_noise_handshake_begin_session(&ha, 1);
	*kr = wg_noise_handshake_begin_session(&hb, 1);
}

static void run(struct wg_keypair *ki, struct wg_keypair *kr, size_t len, double secs)
{
	static uint8_t buf[16 + 1440 + 16];
	uint64_t n = 0, c;
	double t0 = now_s(), t;

	memset(buf, 0xab, sizeof(buf));
	do {
		for (int i = 0; i < 1000; i++, n++) {
			int m;

			if (wg_keypair_next_counter(ki, 1, &c))
				abort();
			m = wg_keypair_encrypt(ki, c, buf, sizeof(buf), len, 1420);
			if (m < 0 || wg_keypair_decrypt(kr, buf, (size_t)m, &c) < 0 ||
			    !wg_replay_check(&kr->receiving_counter, c))
				abort();
		}
		t = now_s() - t0;
	} while (t < secs);
	printf("%4zu-byte packets: %8.0f kpkt/s encrypt+decrypt, %6.0f MB/s of inner data\n", len,
	       n / t / 1e3, n * len / t / 1e6);
}

static void run_pool(struct wg_keypair *kp, unsigned int workers, size_t len, double secs)
{
	enum { BATCH = 64 };
	static uint8_t bufs[BATCH][16 + 1440 + 16];
	struct wg_crypt_job jobs[BATCH];
	struct wg_cryptpool *pool;
	uint64_t n = 0;
	double t0, t;

	if (wg_cryptpool_new(workers, &pool))
		abort();
	t0 = now_s();
	do {
		for (int b = 0; b < 100; b++) {
			for (int i = 0; i < BATCH; i++) {
				uint64_t counter;

				if (wg_keypair_next_counter(kp, 1, &counter) ||
				    wg_keypair_encrypt_begin(kp, counter, bufs[i], sizeof(bufs[i]),
							     len, 1420, &jobs[i].msg) < 0)
					abort();
				jobs[i].encrypt = true;
			}
			wg_cryptpool_run(pool, jobs, BATCH);
			n += BATCH;
		}
		t = now_s() - t0;
	} while (t < secs);
	wg_cryptpool_free(pool);
	printf("%4zu-byte packets, %u thread(s): %8.0f kpkt/s encrypt, %6.0f MB/s\n", len,
	       workers + 1, n / t / 1e3, n * len / t / 1e6);
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2.0;
	struct wg_keypair *ki, *kr;

	if (wg_crypto_init())
		return 1;
	pair(&ki, &kr);
	run(ki, kr, 1420, secs);
	run(ki, kr, 64, secs);
	for (unsigned int w = 0; w < 2; w++) {
		run_pool(ki, w, 1420, secs);
		run_pool(ki, w, 64, secs);
	}
	wg_keypair_put(ki);
	wg_keypair_put(kr);
	return 0;
}
