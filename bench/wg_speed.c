// SPDX-License-Identifier: MIT
/*
 * Data-path crypto of tapwire-wg on one core: wg_keypair_encrypt() and
 * wg_keypair_decrypt() of whole data messages in place (header, padding,
 * ChaCha20-Poly1305, replay check), at 1420 and 64 bytes of inner packet.
 *
 *   cmake --build build --target wg_speed && build/wg/wg_speed [seconds]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2.0;
	struct wg_keypair *ki, *kr;

	if (wg_crypto_init())
		return 1;
	pair(&ki, &kr);
	run(ki, kr, 1420, secs);
	run(ki, kr, 64, secs);
	wg_keypair_put(ki);
	wg_keypair_put(kr);
	return 0;
}
