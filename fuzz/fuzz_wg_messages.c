// SPDX-License-Identifier: MIT
/*
 * The protocol core's parsers on hostile datagrams: classification, mac1/mac2
 * validation, handshake initiation and response consumption, cookie replies
 * and data decryption with the replay window. mac1 of handshake messages is
 * recomputed over the fuzzed bytes when the first byte says so, so that the
 * fuzzer gets past the first check into the Noise code.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cookie.h"
#include "crypto.h"
#include "noise.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct wg_static_identity me, them;
static struct wg_handshake hs; /* our handshake with "them" */
static struct wg_cookie_checker checker;
static struct wg_cookie cookie;
static struct wg_keypair *kp;

static struct wg_handshake *lookup(void *ctx, const uint8_t pk[WG_KEY_LEN])
{
	return memcmp(pk, them.public_key, WG_KEY_LEN) ? NULL : &hs;
}

static void setup(void)
{
	struct wg_static_identity *ids[2] = {&me, &them};
	struct wg_message_initiation init;
	struct wg_message_response resp;
	struct wg_handshake peer;
	uint8_t k[WG_KEY_LEN];

	if (wg_crypto_init())
		abort();
	for (int i = 0; i < 2; i++) {
		memset(k, 0x21 + i, sizeof(k));
		wg_static_identity_set(ids[i], k);
	}
	wg_noise_handshake_init(&hs, &me, them.public_key, NULL);
	wg_cookie_checker_init(&checker, me.public_key);
	wg_cookie_init(&cookie, them.public_key);
	/* A real session, so data messages reach the AEAD and the window. */
	wg_noise_handshake_init(&peer, &them, me.public_key, NULL);
	if (wg_noise_handshake_create_initiation(&init, &peer, 7) ||
	    !wg_noise_handshake_consume_initiation(&init, &me, lookup, NULL, 1) ||
	    wg_noise_handshake_create_response(&resp, &hs, 9) ||
	    !(kp = wg_noise_handshake_begin_session(&hs, 1)))
		abort();
	wg_noise_handshake_destroy(&peer);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[2048];
	struct sockaddr_in src = {.sin_family = AF_INET, .sin_port = htons(1)};
	uint64_t now = 2 * NSEC_PER_SEC, counter;
	bool fix_mac;

	if (!kp)
		setup();
	if (size < 1 || size > sizeof(buf) + 1)
		return 0;
	fix_mac = data[0] & 1;
	memcpy(buf, data + 1, size - 1);
	size--;
	inet_pton(AF_INET, "198.51.100.9", &src.sin_addr);

	switch (wg_message_type(buf, size)) {
	case WG_MSG_HANDSHAKE_INITIATION:
	case WG_MSG_HANDSHAKE_RESPONSE:
		if (fix_mac) {
			/* mac1 as "them" would compute it towards us. */
			struct wg_cookie to_me;

			wg_cookie_init(&to_me, me.public_key);
			wg_cookie_add_mac_to_packet(&to_me, buf, size, now);
			wg_cookie_destroy(&to_me);
		}
		if (wg_cookie_validate_packet(&checker, buf, size, (struct sockaddr *)&src,
					      data[0] & 2, now) == WG_COOKIE_INVALID_MAC)
			break;
		if (size == WG_MSG_INITIATION_LEN) {
			if (wg_noise_handshake_consume_initiation((void *)buf, &me, lookup, NULL,
								  now))
				wg_noise_handshake_clear(&hs);
		} else {
			wg_noise_handshake_consume_response((void *)buf, &hs);
		}
		break;
	case WG_MSG_HANDSHAKE_COOKIE:
		wg_cookie_message_consume(&cookie, (void *)buf, now);
		break;
	case WG_MSG_DATA:
		if (wg_keypair_decrypt(kp, buf, size, &counter) >= 0)
			wg_replay_check(&kp->receiving_counter, counter);
		break;
	default:
		break;
	}
	return 0;
}
