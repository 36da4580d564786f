// SPDX-License-Identifier: MIT
/* mac1/mac2 round trips, cookie replies, cookie and secret expiry. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cookie.h"
#include "crypto.h"
#include "noise.h"

#define T0 (7000 * NSEC_PER_SEC)

/* From tests/unit/wg_vectors.py (Python's hashlib). */
static const uint8_t kat_sr_pub[32] = {
    0x0f, 0xaa, 0x68, 0x4e, 0xd2, 0x88, 0x67, 0xb9, 0x7f, 0x4a, 0x6a, 0x2d, 0xee, 0x5d, 0xf8, 0xce,
    0x97, 0x4e, 0x76, 0xb7, 0x01, 0x8e, 0x3f, 0x22, 0xa1, 0xc4, 0xcf, 0x26, 0x78, 0x57, 0x0f, 0x20};
static const uint8_t kat_mac1[16] = {0x11, 0xd6, 0x56, 0x11, 0x71, 0xed, 0x50, 0xc0,
				     0x50, 0x35, 0x6d, 0xf5, 0xba, 0x57, 0x61, 0x3b};

struct ctx {
	struct wg_static_identity r; /* the responder, who checks */
	struct wg_cookie_checker checker;
	struct wg_cookie cookie; /* the initiator's state for peer r */
	struct sockaddr_in src, other;
	uint8_t msg[WG_MSG_INITIATION_LEN];
};

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	uint8_t priv[32];

	assert_int_equal(wg_crypto_init(), 0);
	wg_x25519_generate(priv);
	assert_int_equal(wg_static_identity_set(&c->r, priv), 0);
	wg_cookie_checker_init(&c->checker, c->r.public_key);
	wg_cookie_init(&c->cookie, c->r.public_key);
	c->src.sin_family = AF_INET;
	c->src.sin_port = htons(40000);
	inet_pton(AF_INET, "198.51.100.7", &c->src.sin_addr);
	c->other = c->src;
	c->other.sin_port = htons(40001);
	wg_random(c->msg, sizeof(c->msg));
	c->msg[0] = WG_MSG_HANDSHAKE_INITIATION;
	c->msg[1] = c->msg[2] = c->msg[3] = 0;
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	wg_cookie_checker_destroy(&c->checker);
	wg_cookie_destroy(&c->cookie);
	free(c);
	return 0;
}

static enum wg_cookie_mac_state check(struct ctx *c, const struct sockaddr_in *src, bool load,
				      uint64_t now)
{
	return wg_cookie_validate_packet(&c->checker, c->msg, sizeof(c->msg),
					 (const struct sockaddr *)src, load, now);
}

static void test_mac1(void **state)
{
	struct ctx *c = *state;
	struct wg_cookie_checker wrong;
	uint8_t zero[16] = {0};

	assert_int_equal(check(c, &c->src, false, T0), WG_COOKIE_INVALID_MAC);
	wg_cookie_add_mac_to_packet(&c->cookie, c->msg, sizeof(c->msg), T0);
	/* No cookie yet: mac2 is zero. */
	assert_memory_equal(c->msg + sizeof(c->msg) - 16, zero, 16);
	assert_int_equal(check(c, &c->src, false, T0), WG_COOKIE_VALID_MAC_BUT_NO_COOKIE);
	assert_int_equal(check(c, &c->src, true, T0), WG_COOKIE_VALID_MAC_BUT_NO_COOKIE);
	/* Any change before mac1 breaks it. */
	c->msg[40] ^= 1;
	assert_int_equal(check(c, &c->src, false, T0), WG_COOKIE_INVALID_MAC);
	c->msg[40] ^= 1;
	/* A device with another key rejects it; wrong lengths are invalid. */
	uint8_t other_pub[32];
	memset(other_pub, 9, 32);
	wg_cookie_checker_init(&wrong, other_pub);
	assert_int_equal(wg_cookie_validate_packet(&wrong, c->msg, sizeof(c->msg),
						   (struct sockaddr *)&c->src, false, T0),
			 WG_COOKIE_INVALID_MAC);
	wg_cookie_checker_destroy(&wrong);
	assert_int_equal(wg_cookie_validate_packet(&c->checker, c->msg, 147,
						   (struct sockaddr *)&c->src, false, T0),
			 WG_COOKIE_INVALID_MAC);
}

static void test_cookie_reply(void **state)
{
	struct ctx *c = *state;
	struct wg_message_cookie reply, bad;
	uint32_t sender;

	/* Nothing sent yet: a reply cannot be accepted. */
	memset(&reply, 0, sizeof(reply));
	assert_int_equal(wg_cookie_message_consume(&c->cookie, &reply, T0), -EINVAL);

	wg_cookie_add_mac_to_packet(&c->cookie, c->msg, sizeof(c->msg), T0);
	assert_int_equal(wg_cookie_message_create(&reply, &c->checker, c->msg, sizeof(c->msg),
						  (struct sockaddr *)&c->src, T0),
			 0);
	assert_int_equal(wg_message_type(&reply, sizeof(reply)), WG_MSG_HANDSHAKE_COOKIE);
	memcpy(&sender, c->msg + 4, 4);
	assert_int_equal(reply.receiver_index, sender);
	/* Tampered replies are refused and do not use up the chance. */
	bad = reply;
	bad.encrypted_cookie[0] ^= 1;
	assert_int_equal(wg_cookie_message_consume(&c->cookie, &bad, T0), -EINVAL);
	bad = reply;
	bad.nonce[0] ^= 1;
	assert_int_equal(wg_cookie_message_consume(&c->cookie, &bad, T0), -EINVAL);
	assert_int_equal(wg_cookie_message_consume(&c->cookie, &reply, T0), 0);
	/* One reply per message sent. */
	assert_int_equal(wg_cookie_message_consume(&c->cookie, &reply, T0), -EINVAL);

	/* The retried message now carries mac2, valid from the same address only. */
	wg_cookie_add_mac_to_packet(&c->cookie, c->msg, sizeof(c->msg), T0 + NSEC_PER_SEC);
	assert_int_equal(check(c, &c->src, true, T0 + NSEC_PER_SEC),
			 WG_COOKIE_VALID_MAC_WITH_COOKIE);
	assert_int_equal(check(c, &c->other, true, T0 + NSEC_PER_SEC),
			 WG_COOKIE_VALID_MAC_BUT_NO_COOKIE);
	/* Not under load, mac2 is not looked at. */
	assert_int_equal(check(c, &c->src, false, T0 + NSEC_PER_SEC),
			 WG_COOKIE_VALID_MAC_BUT_NO_COOKIE);

	/* Still used at 114 s (secret max age minus latency)... */
	wg_cookie_add_mac_to_packet(&c->cookie, c->msg, sizeof(c->msg), T0 + 114 * NSEC_PER_SEC);
	assert_int_equal(check(c, &c->src, true, T0 + 114 * NSEC_PER_SEC),
			 WG_COOKIE_VALID_MAC_WITH_COOKIE);
	/* ... but the responder's secret rotates after 120 s, voiding it. */
	assert_int_equal(check(c, &c->src, true, T0 + 120 * NSEC_PER_SEC),
			 WG_COOKIE_VALID_MAC_BUT_NO_COOKIE);
	/* And the initiator stops sending it at 115 s. */
	wg_cookie_add_mac_to_packet(&c->cookie, c->msg, sizeof(c->msg), T0 + 115 * NSEC_PER_SEC);
	uint8_t zero[16] = {0};
	assert_memory_equal(c->msg + sizeof(c->msg) - 16, zero, 16);
}

static void test_response_and_ipv6(void **state)
{
	struct ctx *c = *state;
	struct wg_message_cookie reply;
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_port = htons(1)};
	uint8_t resp[WG_MSG_RESPONSE_LEN];

	inet_pton(AF_INET6, "fd00::7", &s6.sin6_addr);
	wg_random(resp, sizeof(resp));
	resp[0] = WG_MSG_HANDSHAKE_RESPONSE;
	resp[1] = resp[2] = resp[3] = 0;
	wg_cookie_add_mac_to_packet(&c->cookie, resp, sizeof(resp), T0);
	assert_int_equal(wg_cookie_validate_packet(&c->checker, resp, sizeof(resp),
						   (struct sockaddr *)&s6, true, T0),
			 WG_COOKIE_VALID_MAC_BUT_NO_COOKIE);
	assert_int_equal(wg_cookie_message_create(&reply, &c->checker, resp, sizeof(resp),
						  (struct sockaddr *)&s6, T0),
			 0);
	assert_int_equal(wg_cookie_message_consume(&c->cookie, &reply, T0), 0);
	wg_cookie_add_mac_to_packet(&c->cookie, resp, sizeof(resp), T0);
	assert_int_equal(wg_cookie_validate_packet(&c->checker, resp, sizeof(resp),
						   (struct sockaddr *)&s6, true, T0),
			 WG_COOKIE_VALID_MAC_WITH_COOKIE);
	s6.sin6_addr.s6_addr[15] ^= 1;
	assert_int_equal(wg_cookie_validate_packet(&c->checker, resp, sizeof(resp),
						   (struct sockaddr *)&s6, true, T0),
			 WG_COOKIE_VALID_MAC_BUT_NO_COOKIE);
	/* Bad lengths and families. */
	assert_int_equal(
	    wg_cookie_message_create(&reply, &c->checker, resp, 91, (struct sockaddr *)&s6, T0),
	    -EINVAL);
	struct sockaddr un = {.sa_family = AF_UNIX};
	assert_int_equal(wg_cookie_message_create(&reply, &c->checker, resp, sizeof(resp), &un, T0),
			 -EAFNOSUPPORT);
}

static void test_mac1_known_answer(void **state)
{
	struct wg_cookie ck;
	uint8_t msg[WG_MSG_INITIATION_LEN];

	for (int i = 0; i < (int)sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	memcpy(msg, "\x01\0\0\0", 4);
	wg_cookie_init(&ck, kat_sr_pub);
	wg_cookie_add_mac_to_packet(&ck, msg, sizeof(msg), T0);
	assert_memory_equal(msg + 116, kat_mac1, 16);
	wg_cookie_destroy(&ck);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mac1_known_answer),
	    cmocka_unit_test_setup_teardown(test_mac1, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cookie_reply, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_response_and_ipv6, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
