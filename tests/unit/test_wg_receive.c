// SPDX-License-Identifier: MIT
/*
 * The receive route's decisions on data messages, each shown to matter. A
 * device with one peer completes a real Noise handshake with a second party
 * ("them", run here with the noise API), then data messages from them go
 * through wg_receive_batch() as the daemon runs it. The device's "TUN" is a
 * socketpair, so delivery is counted; the peer's endpoint, rx_bytes, replay
 * window and timers are compared before and after.
 *
 * A genuine message is delivered and moves all of them (the path is live);
 * a forged one (right index, fresh counter of the forger's choice, bad tag),
 * one under an unknown index, a replayed one, one on a keypair past
 * REJECT_AFTER_TIME and one whose inner source is not the peer's allowed IP
 * change nothing a forger could use. Handshake admission: an initiation
 * without mac1, and under load one without a cookie, is not processed. This is the daemon's one
 * route: the receive window every device has (decryptions inline here, on the crypto pool's threads
 * in a daemon that has one).
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "clock.h"
#include "cookie.h"
#include "crypto.h"
#include "cryptpool.h"
#include "device.h"
#include "messages.h"
#include "noise.h"
#include "peer.h"
#include "queueing.h"
#include "udp.h"
#include "uapi.h"

struct fixture {
	struct wg_device *dev;
	struct wg_peer *peer;
	struct wg_static_identity them;
	struct wg_handshake hs_them;
	struct wg_keypair *ki; /* them -> device */
	struct wg_keypair *kr; /* the device's */
	int tun;	       /* the other end of the device's TUN */
	uint8_t me_pub[WG_KEY_LEN];
};

static struct tw_udp_batch *batch;
static uint8_t msg[TW_UDP_BUFSIZE];

static struct wg_handshake *lookup(void *ctx, const uint8_t pk[WG_KEY_LEN])
{
	struct wg_peer *p = wg_device_find_peer(ctx, pk);

	return p ? &p->handshake : NULL;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct wg_static_identity me;
	struct wg_message_initiation init;
	struct wg_message_response resp;
	struct wg_uapi_conn c;
	char req[512], me_hex[65], them_hex[65];
	uint8_t k[WG_KEY_LEN], psk[WG_KEY_LEN] = {0};
	struct wg_handshake *hs;
	uint64_t now = wg_now_ns();
	uint32_t idx;
	int sv[2];

	assert_non_null(f);
	assert_int_equal(wg_crypto_init(), 0);
	assert_int_equal(wg_device_new("wgrx0", &f->dev), 0);
	memset(k, 0x31, sizeof(k));
	assert_int_equal(wg_static_identity_set(&me, k), 0);
	memset(k, 0x32, sizeof(k));
	assert_int_equal(wg_static_identity_set(&f->them, k), 0);
	wg_key_to_hex(me_hex, me.private_key);
	wg_key_to_hex(them_hex, f->them.public_key);
	snprintf(req, sizeof(req),
		 "set=1\nprivate_key=%s\npublic_key=%s\nendpoint=198.51.100.2:51820\n"
		 "allowed_ip=192.0.2.2/32\n\n",
		 me_hex, them_hex);
	wg_uapi_conn_init(&c, -1);
	assert_true(wg_uapi_feed(f->dev, &c, req, strlen(req)) >= 0 && c.out &&
		    strstr(c.out, "errno=0"));
	wg_uapi_conn_clear(&c);
	f->peer = wg_device_find_peer(f->dev, f->them.public_key);
	assert_non_null(f->peer);

	/* the device's TUN: plain packets, one per message */
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv), 0);
	assert_int_equal(tw_tunio_open(&f->dev->tun, sv[0]), 0);
	f->tun = sv[1];
	assert_non_null(f->dev->rx_jobs); /* the window, from wg_device_new() */

	/* them initiate; the device answers as receive_initiation() does */
	assert_int_equal(wg_noise_handshake_init(&f->hs_them, &f->them, me.public_key, psk), 0);
	assert_int_equal(wg_noise_handshake_create_initiation(&init, &f->hs_them, 0x1234), 0);
	hs = wg_noise_handshake_consume_initiation(&init, &f->dev->identity, lookup, f->dev, now);
	assert_ptr_equal(hs, &f->peer->handshake);
	idx = wg_peer_new_handshake_index(f->peer);
	assert_int_not_equal(idx, 0);
	assert_int_equal(wg_noise_handshake_create_response(&resp, hs, idx), 0);
	f->kr = wg_noise_handshake_begin_session(hs, now);
	assert_non_null(f->kr);
	wg_peer_install_keypair(f->peer, f->kr);
	assert_int_equal(wg_noise_handshake_consume_response(&resp, &f->hs_them), 0);
	f->ki = wg_noise_handshake_begin_session(&f->hs_them, now);
	assert_non_null(f->ki);
	memcpy(f->me_pub, me.public_key, WG_KEY_LEN);
	sodium_memzero(&me, sizeof(me));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	wg_keypair_put(f->ki);
	wg_noise_handshake_destroy(&f->hs_them);
	wg_device_free(f->dev); /* closes its end of the TUN */
	close(f->tun);
	free(f);
	return 0;
}

/* A data message from them carrying a 28-byte IPv4 packet from @src. */
static size_t data_msg(struct fixture *f, uint64_t counter, const char *src)
{
	uint8_t *p = msg + WG_MSG_DATA_HDR_LEN;
	int n;

	memset(p, 0, 28);
	p[0] = 0x45, p[3] = 28, p[8] = 64, p[9] = 1;
	assert_int_equal(inet_pton(AF_INET, src, p + 12), 1);
	assert_int_equal(inet_pton(AF_INET, "192.0.2.1", p + 16), 1);
	n = wg_keypair_encrypt(f->ki, counter, msg, sizeof(msg), 28, 1420);
	assert_true(n > 0);
	return (size_t)n;
}

/* Adds @len bytes of @buf to the batch as a datagram from 203.0.113.9:@port. */
static void add(const void *buf, size_t len, uint16_t port)
{
	unsigned i = batch->n++;
	struct tw_endpoint *ep = &batch->ep[i];

	memset(ep, 0, sizeof(*ep));
	ep->addr.in4.sin_family = AF_INET;
	ep->addr.in4.sin_port = htons(port);
	inet_pton(AF_INET, "203.0.113.9", &ep->addr.in4.sin_addr);
	memcpy(batch->data[i], buf, len);
	batch->msgs[i].msg_len = (unsigned)len;
	batch->seg[i] = 0;
}

/* Feeds @len bytes of msg as one datagram from 203.0.113.9:@port. */
static void feed(struct fixture *f, size_t len, uint16_t port)
{
	batch->n = 0;
	add(msg, len, port);
	wg_receive_batch(f->dev, batch);
}

/* A fresh initiation from them; with @mac1, as a real peer sends it. */
static void initiation(struct fixture *f, struct wg_message_initiation *m, bool mac1)
{
	struct wg_cookie to_me;

	assert_int_equal(wg_noise_handshake_create_initiation(m, &f->hs_them, 0x4321), 0);
	if (!mac1)
		return;
	wg_cookie_init(&to_me, f->me_pub);
	wg_cookie_add_mac_to_packet(&to_me, m, sizeof(*m), wg_now_ns());
	wg_cookie_destroy(&to_me);
}

/*
 * The device forgets the initiation of the set-up, so a new one is not
 * refused as a flood (50 a second) or a replay (TAI64N timestamps are
 * coarse: two in one tick look the same).
 */
static void forget_last_initiation(struct fixture *f)
{
	f->peer->handshake.last_initiation_consumption = 0;
	memset(f->peer->handshake.latest_timestamp, 0, WG_TIMESTAMP_LEN);
}

static uint16_t endpoint_port(const struct fixture *f)
{
	return ntohs(f->peer->endpoint.addr.in4.sin_port);
}

/* Packets the device wrote to its TUN since the last call. */
static unsigned delivered(struct fixture *f)
{
	uint8_t buf[2048];
	unsigned n = 0;

	while (recv(f->tun, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		n++;
	return n;
}

/* What a forged message must not change. */
struct snap {
	uint64_t rx_bytes;
	struct sockaddr_in ep;
	uint64_t replay_next;
	uint64_t timers[WG_TIMER_COUNT];
};

static struct snap snap(const struct fixture *f)
{
	struct snap s;

	memset(&s, 0, sizeof(s));
	s.rx_bytes = f->peer->rx_bytes;
	s.ep = f->peer->endpoint.addr.in4;
	s.replay_next = f->kr->receiving_counter.next;
	memcpy(s.timers, f->peer->timers, sizeof(s.timers));
	return s;
}

static void assert_unchanged(const struct fixture *f, const struct snap *before)
{
	struct snap now = snap(f);

	assert_int_equal(now.rx_bytes, before->rx_bytes);
	assert_memory_equal(&now.ep, &before->ep, sizeof(now.ep));
	assert_int_equal(now.replay_next, before->replay_next);
	assert_memory_equal(now.timers, before->timers, sizeof(now.timers));
}

/* The live path: a genuine message is delivered and moves everything. */
static void test_genuine(void **state)
{
	struct fixture *f = *state;
	struct snap before = snap(f);

	feed(f, data_msg(f, 0, "192.0.2.2"), 4000);
	assert_int_equal(delivered(f), 1);
	assert_true(f->peer->rx_bytes > before.rx_bytes);
	assert_int_equal(ntohs(f->peer->endpoint.addr.in4.sin_port), 4000);
	assert_int_equal(f->kr->receiving_counter.next, 1);
	assert_memory_not_equal(f->peer->timers, before.timers, sizeof(before.timers));
}

/* A bad tag: nothing delivered, endpoint, window and timers untouched. */
static void test_forged_tag(void **state)
{
	struct fixture *f = *state;
	struct snap before = snap(f);
	size_t len;

	/* a counter of the forger's choosing, far ahead */
	len = data_msg(f, 1000, "192.0.2.2");
	msg[len - 1] ^= 0x01;
	feed(f, len, 6666);
	assert_int_equal(delivered(f), 0);
	assert_unchanged(f, &before);
	/* the window did not move: an honest counter below 1000 still passes */
	feed(f, data_msg(f, 5, "192.0.2.2"), 4001);
	assert_int_equal(delivered(f), 1);
	assert_int_equal(ntohs(f->peer->endpoint.addr.in4.sin_port), 4001);
}

/* A ciphertext bit flipped (the tag then fails too). */
static void test_forged_body(void **state)
{
	struct fixture *f = *state;
	struct snap before = snap(f);
	size_t len = data_msg(f, 7, "192.0.2.2");

	msg[WG_MSG_DATA_HDR_LEN + 3] ^= 0x80;
	feed(f, len, 6666);
	assert_int_equal(delivered(f), 0);
	assert_unchanged(f, &before);
}

/* A receiver index the device never gave out. */
static void test_unknown_index(void **state)
{
	struct fixture *f = *state;
	struct snap before = snap(f);
	size_t len = data_msg(f, 0, "192.0.2.2");

	msg[4] ^= 0x5a; /* the receiver index, bytes 4-7 */
	feed(f, len, 6666);
	assert_int_equal(delivered(f), 0);
	assert_unchanged(f, &before);
}

/* The same message twice: delivered once; the replay moves nothing. */
static void test_replay(void **state)
{
	struct fixture *f = *state;
	size_t len = data_msg(f, 3, "192.0.2.2");
	uint8_t copy[256];
	struct snap before;

	assert_true(len <= sizeof(copy));
	memcpy(copy, msg, len);
	feed(f, len, 4000);
	assert_int_equal(delivered(f), 1);
	before = snap(f);
	memcpy(msg, copy, len);
	feed(f, len, 6666);
	assert_int_equal(delivered(f), 0);
	assert_unchanged(f, &before);
}

/* A keypair past REJECT_AFTER_TIME decrypts nothing. */
static void test_rejected_after_time(void **state)
{
	struct fixture *f = *state;
	struct snap before;
	size_t len = data_msg(f, 0, "192.0.2.2");

	f->kr->receiving.birthdate = wg_now_ns() - WG_REJECT_AFTER_TIME - NSEC_PER_SEC;
	before = snap(f);
	feed(f, len, 6666);
	assert_int_equal(delivered(f), 0);
	assert_unchanged(f, &before);
	/* and only the age stopped it: the same message on a young keypair passes */
	f->kr->receiving.birthdate = wg_now_ns();
	feed(f, len, 4000);
	assert_int_equal(delivered(f), 1);
}

/* Cryptokey routing inward: an inner source not in the peer's allowed IPs. */
static void test_allowed_ips_source(void **state)
{
	struct fixture *f = *state;

	feed(f, data_msg(f, 0, "192.0.2.77"), 4000);
	assert_int_equal(delivered(f), 0);
	feed(f, data_msg(f, 1, "192.0.2.2"), 4000);
	assert_int_equal(delivered(f), 1);
}

/* mac1: a genuine initiation without it is not even looked at; with it, it is. */
static void test_handshake_mac1(void **state)
{
	struct fixture *f = *state;
	struct wg_message_initiation m;

	initiation(f, &m, false);
	forget_last_initiation(f);
	batch->n = 0;
	add(&m, sizeof(m), 7001);
	wg_receive_batch(f->dev, batch);
	assert_int_equal(endpoint_port(f), 51820);
	initiation(f, &m, true);
	batch->n = 0;
	add(&m, sizeof(m), 7002);
	wg_receive_batch(f->dev, batch);
	assert_int_equal(endpoint_port(f), 7002);
}

/*
 * Under load (a batch with TW_UDP_BATCH / 8 handshakes or more): a valid
 * mac1 without a cookie (mac2) is answered with a cookie, not processed;
 * once the load is gone, the same kind of message is.
 */
static void test_handshake_under_load(void **state)
{
	struct fixture *f = *state;
	struct wg_message_initiation m;

	forget_last_initiation(f);
	batch->n = 0;
	for (unsigned i = 0; i < TW_UDP_BATCH / 8; i++) {
		initiation(f, &m, true);
		add(&m, sizeof(m), (uint16_t)(7100 + i));
	}
	wg_receive_batch(f->dev, batch);
	assert_int_equal(endpoint_port(f), 51820);
	assert_true(f->dev->last_under_load != 0);
	f->dev->last_under_load = 0; /* the load is over */
	forget_last_initiation(f);
	initiation(f, &m, true);
	batch->n = 0;
	add(&m, sizeof(m), 7200);
	wg_receive_batch(f->dev, batch);
	assert_int_equal(endpoint_port(f), 7200);
}

#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_genuine),
	    T(test_forged_tag),
	    T(test_forged_body),
	    T(test_unknown_index),
	    T(test_replay),
	    T(test_rejected_after_time),
	    T(test_allowed_ips_source),
	    T(test_handshake_mac1),
	    T(test_handshake_under_load),
	};
	int rc;

	batch = calloc(1, sizeof(*batch));
	if (!batch)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	free(batch);
	return rc;
}
