// SPDX-License-Identifier: MIT
/*
 * The handshake between two in-process instances with fixed static keys,
 * ephemerals and preshared key; message bytes, transport keys and a data
 * message are compared with tests/unit/wg_vectors.py's independent answers.
 * Then replay and flood protection, failure paths, keypair rotation, limits.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>
#include <cmocka.h>

#include "crypto.h"
#include "noise.h"

static const uint8_t kat_si_pub[32] = {
    0x7b, 0x4e, 0x90, 0x9b, 0xbe, 0x7f, 0xfe, 0x44, 0xc4, 0x65, 0xa2, 0x20, 0x03, 0x7d, 0x60, 0x8e,
    0xe3, 0x58, 0x97, 0xd3, 0x1e, 0xf9, 0x72, 0xf0, 0x7f, 0x74, 0x89, 0x2c, 0xb0, 0xf7, 0x3f, 0x13};
static const uint8_t kat_sr_pub[32] = {
    0x0f, 0xaa, 0x68, 0x4e, 0xd2, 0x88, 0x67, 0xb9, 0x7f, 0x4a, 0x6a, 0x2d, 0xee, 0x5d, 0xf8, 0xce,
    0x97, 0x4e, 0x76, 0xb7, 0x01, 0x8e, 0x3f, 0x22, 0xa1, 0xc4, 0xcf, 0x26, 0x78, 0x57, 0x0f, 0x20};
static const uint8_t kat_init_ephemeral[32] = {
    0x7b, 0x0d, 0x47, 0xd9, 0x34, 0x27, 0xf8, 0x31, 0x11, 0x60, 0x78, 0x1c, 0x7c, 0x73, 0x3f, 0xd8,
    0x9f, 0x88, 0x97, 0x0a, 0xef, 0x49, 0x0d, 0x8a, 0xa0, 0xee, 0x19, 0xa4, 0xcb, 0x8a, 0x1b, 0x14};
static const uint8_t kat_init_static[48] = {
    0x81, 0xe4, 0x98, 0x31, 0x7d, 0xa9, 0x59, 0xfb, 0xa4, 0x66, 0x69, 0x57, 0x25, 0x16, 0xa5, 0xe6,
    0xc0, 0x21, 0xbf, 0xa6, 0x20, 0xbb, 0x6c, 0x56, 0xca, 0x00, 0x82, 0xe1, 0xfe, 0xae, 0x14, 0x98,
    0x8c, 0x2c, 0x64, 0xd0, 0x24, 0xc6, 0x17, 0x73, 0x4a, 0x26, 0x3f, 0x76, 0xa0, 0x08, 0xdf, 0x04};
static const uint8_t kat_resp_ephemeral[32] = {
    0xff, 0x2e, 0xe4, 0x56, 0x01, 0xec, 0x1b, 0x67, 0x31, 0x0c, 0x77, 0x90, 0x40, 0x45, 0x85, 0xae,
    0x69, 0x73, 0x31, 0xee, 0xe1, 0xc1, 0xf8, 0xcf, 0x24, 0x19, 0x73, 0x1c, 0x1f, 0xff, 0x3e, 0x6b};
static const uint8_t kat_initiator_send[32] = {
    0xa0, 0x07, 0xfa, 0xf8, 0x42, 0xd8, 0x3f, 0x5b, 0xd3, 0xbe, 0x20, 0xa1, 0x4e, 0x0f, 0xfc, 0xec,
    0x34, 0xc8, 0x48, 0x67, 0xb7, 0x8b, 0x05, 0x19, 0x80, 0x60, 0x27, 0x13, 0x20, 0x59, 0x22, 0xde};
static const uint8_t kat_initiator_recv[32] = {
    0xd9, 0x82, 0xd5, 0xcd, 0x10, 0xd3, 0x4a, 0x78, 0x02, 0xb6, 0xc1, 0x9f, 0xa4, 0x41, 0xcd, 0x91,
    0x64, 0xd7, 0x0e, 0x4f, 0x4d, 0x62, 0x00, 0x7a, 0xb4, 0x16, 0x87, 0x9e, 0xe8, 0xbd, 0x1b, 0x99};
static const uint8_t kat_data_ct[48] = {
    0xb5, 0x30, 0x9b, 0x79, 0xb0, 0xeb, 0x7b, 0xc2, 0x46, 0x25, 0x2f, 0x43, 0x44, 0x53, 0xe0, 0xac,
    0xc3, 0x24, 0x1c, 0x07, 0xfe, 0x78, 0x6a, 0x7f, 0x37, 0xaf, 0x16, 0x21, 0x4c, 0xc4, 0xbf, 0x8c,
    0x15, 0x6d, 0xc4, 0x6f, 0xfc, 0x20, 0xe3, 0x39, 0x7b, 0x24, 0xef, 0x35, 0x59, 0xce, 0x4b, 0xd3};

#define T0 (1000 * NSEC_PER_SEC)

struct pair {
	uint8_t eph_i[32], eph_r[32], psk[32];
	struct wg_static_identity id_i, id_r;
	struct wg_handshake hs_i, hs_r; /* hs_i: initiator's view of r, hs_r: r's view of i */
};

static void fixed_ephemeral(uint8_t priv[32], void *ctx)
{
	memcpy(priv, ctx, 32);
}

static struct wg_handshake *lookup(void *ctx, const uint8_t pk[32])
{
	struct pair *p = ctx;

	return memcmp(pk, p->id_i.public_key, 32) ? NULL : &p->hs_r;
}

static int pair_setup(void **state)
{
	struct pair *p = calloc(1, sizeof(*p));
	uint8_t si[32], sr[32];

	assert_int_equal(wg_crypto_init(), 0);
	memset(si, 0x11, 32);
	memset(sr, 0x22, 32);
	memset(p->eph_i, 0x33, 32);
	memset(p->eph_r, 0x44, 32);
	memset(p->psk, 0x55, 32);
	assert_int_equal(wg_static_identity_set(&p->id_i, si), 0);
	assert_int_equal(wg_static_identity_set(&p->id_r, sr), 0);
	p->id_i.ephemeral_hook = p->id_r.ephemeral_hook = fixed_ephemeral;
	p->id_i.ephemeral_hook_ctx = p->eph_i;
	p->id_r.ephemeral_hook_ctx = p->eph_r;
	assert_int_equal(wg_noise_handshake_init(&p->hs_i, &p->id_i, p->id_r.public_key, p->psk),
			 0);
	assert_int_equal(wg_noise_handshake_init(&p->hs_r, &p->id_r, p->id_i.public_key, p->psk),
			 0);
	*state = p;
	return 0;
}

static int pair_teardown(void **state)
{
	struct pair *p = *state;

	wg_noise_handshake_destroy(&p->hs_i);
	wg_noise_handshake_destroy(&p->hs_r);
	free(p);
	return 0;
}

/* Runs a whole handshake; returns both keypairs. */
static void handshake(struct pair *p, uint64_t now, struct wg_keypair **ki, struct wg_keypair **kr)
{
	struct wg_message_initiation init;
	struct wg_message_response resp;

	assert_int_equal(wg_noise_handshake_create_initiation(&init, &p->hs_i, 0x1234), 0);
	assert_ptr_equal(wg_noise_handshake_consume_initiation(&init, &p->id_r, lookup, p, now),
			 &p->hs_r);
	assert_int_equal(wg_noise_handshake_create_response(&resp, &p->hs_r, 0x5678), 0);
	assert_int_equal(wg_noise_handshake_consume_response(&resp, &p->hs_i), 0);
	*ki = wg_noise_handshake_begin_session(&p->hs_i, now);
	*kr = wg_noise_handshake_begin_session(&p->hs_r, now);
	assert_non_null(*ki);
	assert_non_null(*kr);
}

static void test_known_answer(void **state)
{
	struct pair *p = *state;
	struct wg_message_initiation init;
	struct wg_message_response resp;
	struct wg_keypair *ki, *kr;
	uint8_t buf[128];
	uint64_t counter;
	int n;

	assert_memory_equal(p->id_i.public_key, kat_si_pub, 32);
	assert_memory_equal(p->id_r.public_key, kat_sr_pub, 32);

	assert_int_equal(wg_noise_handshake_create_initiation(&init, &p->hs_i, 0x1234), 0);
	assert_int_equal(wg_message_type(&init, sizeof(init)), WG_MSG_HANDSHAKE_INITIATION);
	assert_int_equal(init.sender_index, 0x1234);
	assert_memory_equal(init.unencrypted_ephemeral, kat_init_ephemeral, 32);
	assert_memory_equal(init.encrypted_static, kat_init_static, 48);
	assert_int_equal(p->hs_i.state, WG_HANDSHAKE_CREATED_INITIATION);

	assert_ptr_equal(wg_noise_handshake_consume_initiation(&init, &p->id_r, lookup, p, T0),
			 &p->hs_r);
	assert_int_equal(p->hs_r.remote_index, 0x1234);
	assert_int_equal(wg_noise_handshake_create_response(&resp, &p->hs_r, 0x5678), 0);
	assert_int_equal(wg_message_type(&resp, sizeof(resp)), WG_MSG_HANDSHAKE_RESPONSE);
	assert_int_equal(resp.sender_index, 0x5678);
	assert_int_equal(resp.receiver_index, 0x1234);
	assert_memory_equal(resp.unencrypted_ephemeral, kat_resp_ephemeral, 32);
	assert_int_equal(wg_noise_handshake_consume_response(&resp, &p->hs_i), 0);

	ki = wg_noise_handshake_begin_session(&p->hs_i, T0);
	kr = wg_noise_handshake_begin_session(&p->hs_r, T0);
	assert_non_null(ki);
	assert_non_null(kr);
	assert_true(ki->i_am_initiator);
	assert_false(kr->i_am_initiator);
	assert_memory_equal(ki->sending.key, kat_initiator_send, 32);
	assert_memory_equal(ki->receiving.key, kat_initiator_recv, 32);
	assert_memory_equal(kr->sending.key, kat_initiator_recv, 32);
	assert_memory_equal(kr->receiving.key, kat_initiator_send, 32);
	assert_int_equal(ki->local_index, 0x1234);
	assert_int_equal(ki->remote_index, 0x5678);
	assert_int_equal(kr->local_index, 0x5678);
	assert_int_equal(kr->remote_index, 0x1234);
	/* The handshake state is wiped once the session begins. */
	assert_int_equal(p->hs_i.state, WG_HANDSHAKE_ZEROED);
	assert_true(wg_is_zero(p->hs_i.chaining_key, 32));
	assert_true(wg_is_zero(p->hs_r.ephemeral_private, 32));

	/* A 20-byte packet, counter 7: padded to 32, known ciphertext. */
	for (int i = 0; i < 20; i++)
		buf[16 + i] = (uint8_t)i;
	n = wg_keypair_encrypt(ki, 7, buf, sizeof(buf), 20, 1420);
	assert_int_equal(n, 16 + 32 + 16);
	assert_int_equal(wg_message_type(buf, n), WG_MSG_DATA);
	assert_int_equal(wg_message_receiver_index(buf), 0x5678);
	assert_int_equal(buf[8], 7);
	assert_memory_equal(buf + 16, kat_data_ct, 48);
	/* The responder decrypts in place. */
	assert_int_equal(wg_keypair_decrypt(kr, buf, n, &counter), 32);
	assert_int_equal(counter, 7);
	for (int i = 0; i < 32; i++)
		assert_int_equal(buf[16 + i], i < 20 ? i : 0);
	assert_true(wg_replay_check(&kr->receiving_counter, counter));
	assert_false(wg_replay_check(&kr->receiving_counter, counter));

	wg_keypair_put(ki);
	wg_keypair_put(kr);
}

static void test_transport_round_trip(void **state)
{
	struct pair *p = *state;
	struct wg_keypair *ki, *kr;
	uint8_t buf[16 + 1420 + 16], pt[1420];
	uint64_t c;
	int n;

	/* Random ephemerals this time: only agreement can be checked. */
	p->id_i.ephemeral_hook = p->id_r.ephemeral_hook = NULL;
	handshake(p, T0, &ki, &kr);
	for (size_t len = 0; len <= 1420; len += 97) {
		for (size_t i = 0; i < len; i++)
			pt[i] = (uint8_t)(i * 7 + len);
		memcpy(buf + 16, pt, len);
		assert_int_equal(wg_keypair_next_counter(kr, T0, &c), 0);
		n = wg_keypair_encrypt(kr, c, buf, sizeof(buf), len, 1420);
		assert_int_equal(n, 32 + wg_message_padded_len(len, 1420));
		assert_int_equal(n % 16, 0);
		assert_int_equal(wg_keypair_decrypt(ki, buf, n, &c), n - 32);
		assert_memory_equal(buf + 16, pt, len);
		assert_true(wg_replay_check(&ki->receiving_counter, c));
	}
	/* Too small a buffer is refused, never overrun. */
	assert_int_equal(wg_keypair_encrypt(kr, 99, buf, 16 + 20 + 16, 20, 1420), -ENOBUFS);
	/* A flipped bit fails authentication. */
	memset(buf + 16, 0, 16);
	n = wg_keypair_encrypt(kr, 100, buf, sizeof(buf), 16, 1420);
	buf[20] ^= 0x80;
	assert_int_equal(wg_keypair_decrypt(ki, buf, n, &c), -EBADMSG);
	assert_int_equal(wg_keypair_decrypt(ki, buf, 31, &c), -EBADMSG);
	wg_keypair_put(ki);
	wg_keypair_put(kr);
}

static void test_replayed_initiation(void **state)
{
	struct pair *p = *state;
	struct wg_message_initiation init, init2;
	struct timespec ts = {0, 40 * 1000 * 1000};

	assert_int_equal(wg_noise_handshake_create_initiation(&init, &p->hs_i, 1), 0);
	assert_non_null(wg_noise_handshake_consume_initiation(&init, &p->id_r, lookup, p, T0));
	/* The same message again, even much later: its timestamp is not newer. */
	assert_null(
	    wg_noise_handshake_consume_initiation(&init, &p->id_r, lookup, p, T0 + NSEC_PER_SEC));
	/* A fresh initiation (newer TAI64N) right after the last one is a flood... */
	nanosleep(&ts, NULL);
	assert_int_equal(wg_noise_handshake_create_initiation(&init2, &p->hs_i, 2), 0);
	assert_null(
	    wg_noise_handshake_consume_initiation(&init2, &p->id_r, lookup, p, T0 + NSEC_PER_MSEC));
	/* ... but fine 1/50 s later. */
	assert_non_null(wg_noise_handshake_consume_initiation(&init2, &p->id_r, lookup, p,
							      T0 + 20 * NSEC_PER_MSEC));
	assert_int_equal(p->hs_r.remote_index, 2);
	/* And the older one is now a replay whatever the time. */
	assert_null(wg_noise_handshake_consume_initiation(&init, &p->id_r, lookup, p,
							  T0 + 10 * NSEC_PER_SEC));
}

static void test_tai64n(void **state)
{
	uint8_t a[12], b[12];
	struct timespec ts = {0, 40 * 1000 * 1000};

	wg_tai64n_now(a);
	/* TAI64 label 2^62 + 10 + seconds, big-endian. */
	assert_int_equal(a[0], 0x40);
	/* Whitened: the low 24 bits of nanoseconds are zero. */
	assert_int_equal(a[11], 0);
	assert_int_equal(a[10], 0);
	assert_int_equal(a[9], 0);
	nanosleep(&ts, NULL);
	wg_tai64n_now(b);
	assert_true(memcmp(b, a, 12) > 0);
}

static void test_failures(void **state)
{
	struct pair *p = *state;
	struct wg_message_initiation init, bad;
	struct wg_message_response resp;
	struct wg_handshake other;
	uint8_t psk2[32], zero[32] = {0};

	/* Nothing to begin a session from. */
	errno = 0;
	assert_null(wg_noise_handshake_begin_session(&p->hs_i, T0));
	assert_int_equal(errno, EINVAL);
	/* A response without a consumed initiation. */
	assert_int_equal(wg_noise_handshake_create_response(&resp, &p->hs_r, 9), -EINVAL);

	assert_int_equal(wg_noise_handshake_create_initiation(&init, &p->hs_i, 1), 0);
	/* Tampered static, tampered timestamp: refused. */
	bad = init;
	bad.encrypted_static[0] ^= 1;
	assert_null(wg_noise_handshake_consume_initiation(&bad, &p->id_r, lookup, p, T0));
	bad = init;
	bad.encrypted_timestamp[27] ^= 1;
	assert_null(wg_noise_handshake_consume_initiation(&bad, &p->id_r, lookup, p, T0));
	/* Sent to the wrong responder (it cannot decrypt the static key). */
	assert_null(wg_noise_handshake_consume_initiation(&init, &p->id_i, lookup, p, T0));
	/* A low-order ephemeral. */
	bad = init;
	memset(bad.unencrypted_ephemeral, 0, 32);
	assert_null(wg_noise_handshake_consume_initiation(&bad, &p->id_r, lookup, p, T0));

	/* Different preshared keys: the response does not authenticate. */
	memset(psk2, 0x66, 32);
	wg_noise_handshake_set_preshared_key(&p->hs_r, psk2);
	assert_non_null(wg_noise_handshake_consume_initiation(&init, &p->id_r, lookup, p, T0));
	assert_int_equal(wg_noise_handshake_create_response(&resp, &p->hs_r, 2), 0);
	assert_int_equal(wg_noise_handshake_consume_response(&resp, &p->hs_i), -EBADMSG);
	/* Wrong receiver index is refused before any crypto. */
	wg_noise_handshake_set_preshared_key(&p->hs_r, p->psk);
	resp.receiver_index = 77;
	assert_int_equal(wg_noise_handshake_consume_response(&resp, &p->hs_i), -EINVAL);

	/* A low-order remote static key can never start a handshake. */
	assert_int_equal(wg_noise_handshake_init(&other, &p->id_i, zero, NULL), -EINVAL);
	assert_int_equal(wg_noise_handshake_create_initiation(&init, &other, 3), -EINVAL);
	wg_noise_handshake_destroy(&other);
	/* Nor can a device without a private key. */
	struct wg_static_identity none = {0};
	assert_int_equal(wg_static_identity_set(&none, NULL), 0);
	assert_int_equal(wg_noise_handshake_init(&other, &none, p->id_r.public_key, NULL), 0);
	assert_int_equal(wg_noise_handshake_create_initiation(&init, &other, 3), -EINVAL);
	wg_noise_handshake_destroy(&other);
}

static int freed;

static void count_free(struct wg_keypair *kp, void *ctx)
{
	freed++;
}

static void test_keypairs(void **state)
{
	struct pair *p = *state;
	struct wg_keypairs ri, rr;
	struct wg_keypair *ki, *kr, *ki2, *kr2, *cur;

	wg_keypairs_init(&ri);
	wg_keypairs_init(&rr);
	p->id_i.ephemeral_hook = p->id_r.ephemeral_hook = NULL;
	handshake(p, T0, &ki, &kr);
	ki->on_free = kr->on_free = count_free;
	freed = 0;
	wg_keypairs_install(&ri, ki);
	wg_keypairs_install(&rr, kr);
	/* The initiator may send at once; the responder waits for confirmation. */
	cur = wg_keypairs_get_current(&ri);
	assert_ptr_equal(cur, ki);
	wg_keypair_put(cur);
	assert_null(wg_keypairs_get_current(&rr));
	assert_ptr_equal(rr.next, kr);
	assert_false(wg_keypairs_received_with(&rr, ki));
	assert_true(wg_keypairs_received_with(&rr, kr));
	assert_false(wg_keypairs_received_with(&rr, kr));
	assert_ptr_equal(rr.current, kr);

	/* A second handshake rotates current into previous on both sides. */
	p->hs_i.last_initiation_consumption = 0;
	p->hs_r.last_initiation_consumption = 0;
	memset(p->hs_r.latest_timestamp, 0, 12);
	handshake(p, T0 + NSEC_PER_SEC, &ki2, &kr2);
	ki2->on_free = kr2->on_free = count_free;
	wg_keypairs_install(&ri, ki2);
	assert_ptr_equal(ri.current, ki2);
	assert_ptr_equal(ri.previous, ki);
	wg_keypairs_install(&rr, kr2);
	assert_ptr_equal(rr.next, kr2);
	assert_ptr_equal(rr.current, kr);
	assert_true(wg_keypairs_received_with(&rr, kr2));
	assert_ptr_equal(rr.previous, kr);

	/* Expiring stops sending at once; clearing frees (and wipes) all. */
	wg_keypairs_expire_current(&ri);
	uint64_t c;
	assert_int_equal(wg_keypair_next_counter(ki2, T0, &c), -EKEYEXPIRED);
	wg_keypairs_destroy(&ri);
	wg_keypairs_destroy(&rr);
	assert_int_equal(freed, 4);
}

static void test_limits(void **state)
{
	struct pair *p = *state;
	struct wg_keypair *ki, *kr;
	uint64_t c;

	p->id_i.ephemeral_hook = p->id_r.ephemeral_hook = NULL;
	handshake(p, T0, &ki, &kr);
	assert_int_equal(wg_keypair_next_counter(ki, T0, &c), 0);
	assert_int_equal(c, 0);
	assert_int_equal(wg_keypair_next_counter(ki, T0, &c), 0);
	assert_int_equal(c, 1);
	/* Rekey after time: initiator only; after messages: both. */
	assert_false(wg_keypair_should_rekey_on_send(ki, T0 + WG_REKEY_AFTER_TIME - 1));
	assert_true(wg_keypair_should_rekey_on_send(ki, T0 + WG_REKEY_AFTER_TIME));
	assert_false(wg_keypair_should_rekey_on_send(kr, T0 + WG_REKEY_AFTER_TIME));
	assert_true(wg_keypair_should_rekey_on_receive(ki, T0 + 165 * NSEC_PER_SEC));
	assert_false(wg_keypair_should_rekey_on_receive(ki, T0 + 164 * NSEC_PER_SEC));
	assert_false(wg_keypair_should_rekey_on_receive(kr, T0 + 170 * NSEC_PER_SEC));
	atomic_store(&kr->sending_counter, WG_REKEY_AFTER_MESSAGES + 1);
	assert_true(wg_keypair_should_rekey_on_send(kr, T0));
	/* Reject after time. */
	assert_int_equal(wg_keypair_next_counter(ki, T0 + WG_REJECT_AFTER_TIME - 1, &c), 0);
	assert_int_equal(wg_keypair_next_counter(ki, T0 + WG_REJECT_AFTER_TIME, &c), -EKEYEXPIRED);
	assert_true(wg_keypair_receive_valid(ki, T0 + WG_REJECT_AFTER_TIME - 1));
	assert_false(wg_keypair_receive_valid(ki, T0 + WG_REJECT_AFTER_TIME));
	/* Reject after messages: the last usable counter, then never again. */
	atomic_store(&kr->sending_counter, WG_REJECT_AFTER_MESSAGES - 1);
	assert_int_equal(wg_keypair_next_counter(kr, T0, &c), 0);
	assert_true(c == WG_REJECT_AFTER_MESSAGES - 1);
	assert_int_equal(wg_keypair_next_counter(kr, T0, &c), -EKEYEXPIRED);
	assert_int_equal(wg_keypair_next_counter(kr, T0, &c), -EKEYEXPIRED);
	wg_keypair_put(ki);
	wg_keypair_put(kr);
}

/* Garbage and bit-flipped messages are refused and never touch the state. */
static void test_hostile(void **state)
{
	struct pair *p = *state;
	struct wg_message_initiation init, m;
	struct wg_message_response resp, r;
	struct wg_keypair *ki, *kr;
	uint8_t buf[256];
	uint64_t c;

	srand(5);
	for (int i = 0; i < 2000; i++) {
		for (size_t k = 0; k < sizeof(m); k++)
			((uint8_t *)&m)[k] = (uint8_t)rand();
		assert_null(wg_noise_handshake_consume_initiation(&m, &p->id_r, lookup, p, T0));
	}
	assert_int_equal(p->hs_r.state, WG_HANDSHAKE_ZEROED);
	assert_int_equal(wg_noise_handshake_create_initiation(&init, &p->hs_i, 1), 0);
	/* Every single-bit flip of the authenticated part fails. */
	for (size_t bit = 8 * 8; bit < 8 * offsetof(struct wg_message_initiation, macs); bit++) {
		m = init;
		((uint8_t *)&m)[bit / 8] ^= (uint8_t)(1 << (bit % 8));
		assert_null(wg_noise_handshake_consume_initiation(&m, &p->id_r, lookup, p, T0));
	}
	assert_non_null(wg_noise_handshake_consume_initiation(&init, &p->id_r, lookup, p, T0));
	assert_int_equal(wg_noise_handshake_create_response(&resp, &p->hs_r, 2), 0);
	for (size_t bit = 12 * 8; bit < 8 * offsetof(struct wg_message_response, macs); bit++) {
		r = resp;
		((uint8_t *)&r)[bit / 8] ^= (uint8_t)(1 << (bit % 8));
		assert_true(wg_noise_handshake_consume_response(&r, &p->hs_i) < 0);
	}
	assert_int_equal(p->hs_i.state, WG_HANDSHAKE_CREATED_INITIATION);
	assert_int_equal(wg_noise_handshake_consume_response(&resp, &p->hs_i), 0);
	ki = wg_noise_handshake_begin_session(&p->hs_i, T0);
	kr = wg_noise_handshake_begin_session(&p->hs_r, T0);
	for (int i = 0; i < 2000; i++) {
		size_t len = WG_MSG_DATA_MIN_LEN + (size_t)(rand() % (int)(sizeof(buf) - 32));

		for (size_t k = 0; k < len; k++)
			buf[k] = (uint8_t)rand();
		assert_int_equal(wg_keypair_decrypt(kr, buf, len, &c), -EBADMSG);
	}
	wg_keypair_put(ki);
	wg_keypair_put(kr);
}

struct counter_ctx {
	struct wg_keypair *kp;
	uint64_t *seen;
	int errors;
};

static void *grab_counters(void *arg)
{
	struct counter_ctx *c = arg;
	uint64_t v;

	for (int i = 0; i < 50000; i++) {
		/* No cmocka asserts off the main thread: count errors instead. */
		if (wg_keypair_next_counter(c->kp, T0, &v) || v >= 4 * 50000)
			__atomic_fetch_add(&c->errors, 1, __ATOMIC_RELAXED);
		else
			__atomic_fetch_add(&c->seen[v], 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* Sending counters from several threads at once are all distinct. */
static void test_counter_threads(void **state)
{
	struct pair *p = *state;
	struct wg_keypair *ki, *kr;
	struct counter_ctx c;
	pthread_t t[4];

	p->id_i.ephemeral_hook = p->id_r.ephemeral_hook = NULL;
	handshake(p, T0, &ki, &kr);
	c.kp = ki;
	c.errors = 0;
	c.seen = calloc(4 * 50000, sizeof(*c.seen));
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, grab_counters, &c);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(c.errors, 0);
	for (int i = 0; i < 4 * 50000; i++)
		assert_int_equal(c.seen[i], 1);
	free(c.seen);
	wg_keypair_put(ki);
	wg_keypair_put(kr);
}

static void test_message_type(void **state)
{
	uint8_t buf[200] = {0};

	assert_int_equal(wg_message_type(buf, 0), WG_MSG_INVALID);
	assert_int_equal(wg_message_type(buf, 3), WG_MSG_INVALID);
	buf[0] = 1;
	assert_int_equal(wg_message_type(buf, 148), WG_MSG_HANDSHAKE_INITIATION);
	assert_int_equal(wg_message_type(buf, 147), WG_MSG_INVALID);
	assert_int_equal(wg_message_type(buf, 149), WG_MSG_INVALID);
	buf[0] = 2;
	assert_int_equal(wg_message_type(buf, 92), WG_MSG_HANDSHAKE_RESPONSE);
	assert_int_equal(wg_message_type(buf, 148), WG_MSG_INVALID);
	buf[0] = 3;
	assert_int_equal(wg_message_type(buf, 64), WG_MSG_HANDSHAKE_COOKIE);
	buf[0] = 4;
	assert_int_equal(wg_message_type(buf, 32), WG_MSG_DATA);
	assert_int_equal(wg_message_type(buf, 31), WG_MSG_INVALID);
	assert_int_equal(wg_message_type(buf, 200), WG_MSG_DATA);
	/* Reserved bytes must be zero. */
	buf[1] = 1;
	assert_int_equal(wg_message_type(buf, 32), WG_MSG_INVALID);
	buf[1] = 0;
	buf[0] = 5;
	assert_int_equal(wg_message_type(buf, 32), WG_MSG_INVALID);
	/* Padding: to 16, but never past the MTU. */
	assert_int_equal(wg_message_padded_len(0, 1420), 0);
	assert_int_equal(wg_message_padded_len(1, 1420), 16);
	assert_int_equal(wg_message_padded_len(1419, 1420), 1420);
	assert_int_equal(wg_message_padded_len(1410, 1420), 1420);
	assert_int_equal(wg_message_padded_len(1400, 1420), 1408);
	assert_int_equal(wg_message_padded_len(1409, 1420), 1420);
	assert_int_equal(wg_message_padded_len(1500, 1420), 1500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_known_answer, pair_setup, pair_teardown),
	    cmocka_unit_test_setup_teardown(test_transport_round_trip, pair_setup, pair_teardown),
	    cmocka_unit_test_setup_teardown(test_replayed_initiation, pair_setup, pair_teardown),
	    cmocka_unit_test(test_tai64n),
	    cmocka_unit_test_setup_teardown(test_failures, pair_setup, pair_teardown),
	    cmocka_unit_test_setup_teardown(test_keypairs, pair_setup, pair_teardown),
	    cmocka_unit_test_setup_teardown(test_limits, pair_setup, pair_teardown),
	    cmocka_unit_test_setup_teardown(test_hostile, pair_setup, pair_teardown),
	    cmocka_unit_test_setup_teardown(test_counter_threads, pair_setup, pair_teardown),
	    cmocka_unit_test(test_message_type),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
