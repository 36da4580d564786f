// SPDX-License-Identifier: MIT
/*
 * The peer model (wg/peer.c), as the kernel's peer.c and allowedips.c
 * define it: an allowed IP belongs to one peer at a time (adding it to
 * another moves it), bad prefixes are refused, removal takes the peer's
 * allowed IPs and indexes out of the device's tables; a new handshake index
 * replaces the old one in the index table; resetting sessions drops the
 * index and the keypairs; staged packets keep the newest WG_STAGED_MAX,
 * oldest out first, in order.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "allowedips.h"
#include "crypto.h"
#include "device.h"
#include "index.h"
#include "peer.h"

struct fixture {
	struct wg_device *dev;
	struct wg_peer *a, *b;
};

static int setup(void **state)
{
	static struct fixture f;
	uint8_t pk[32];

	assert_int_equal(wg_crypto_init(), 0);
	assert_int_equal(wg_device_new("wgpeer0", &f.dev), 0);
	memset(pk, 0xa1, sizeof(pk));
	assert_int_equal(wg_peer_create(f.dev, pk, &f.a), 0);
	memset(pk, 0xb2, sizeof(pk));
	assert_int_equal(wg_peer_create(f.dev, pk, &f.b), 0);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	wg_device_free(f->dev);
	return 0;
}

static void *route(struct fixture *f, const char *addr)
{
	uint8_t a[16];
	int family = strchr(addr, ':') ? AF_INET6 : AF_INET;

	assert_int_equal(inet_pton(family, addr, a), 1);
	return wg_allowedips_lookup(&f->dev->allowedips, family, a);
}

static int add(struct wg_peer *p, const char *addr, uint8_t cidr)
{
	uint8_t a[16];
	int family = strchr(addr, ':') ? AF_INET6 : AF_INET;

	assert_int_equal(inet_pton(family, addr, a), 1);
	return wg_peer_add_allowedip(p, family, a, cidr);
}

static void test_allowed_ips_move(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(add(f->a, "192.0.2.0", 24), 0);
	assert_int_equal(add(f->a, "fd00:1::", 64), 0);
	assert_ptr_equal(route(f, "192.0.2.7"), f->a);
	assert_ptr_equal(route(f, "fd00:1::9"), f->a);
	/* the same prefix on b: it moves, a keeps the other */
	assert_int_equal(add(f->b, "192.0.2.0", 24), 0);
	assert_ptr_equal(route(f, "192.0.2.7"), f->b);
	assert_ptr_equal(route(f, "fd00:1::9"), f->a);
	/* a more specific one on a wins for its addresses only */
	assert_int_equal(add(f->a, "192.0.2.128", 25), 0);
	assert_ptr_equal(route(f, "192.0.2.200"), f->a);
	assert_ptr_equal(route(f, "192.0.2.7"), f->b);
	/* deleting it from a peer that does not hold it changes nothing */
	{
		uint8_t a[4];

		inet_pton(AF_INET, "192.0.2.0", a);
		wg_peer_del_allowedip(f->a, AF_INET, a, 24);
		assert_ptr_equal(route(f, "192.0.2.7"), f->b);
		wg_peer_del_allowedip(f->b, AF_INET, a, 24);
		assert_null(route(f, "192.0.2.7"));
	}
	assert_ptr_equal(route(f, "192.0.2.200"), f->a);
}

static void test_allowed_ips_refused(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(add(f->a, "192.0.2.0", 33), -EINVAL);
	assert_int_equal(add(f->a, "fd00::", 129), -EINVAL);
	assert_null(route(f, "192.0.2.1"));
}

static void test_remove_takes_everything(void **state)
{
	struct fixture *f = *state;
	uint32_t idx;

	assert_int_equal(add(f->b, "198.51.100.0", 24), 0);
	idx = wg_peer_new_handshake_index(f->b);
	assert_int_not_equal(idx, 0);
	assert_ptr_equal(wg_index_lookup(f->dev->index, idx)->peer, f->b);
	wg_peer_remove(f->b);
	f->b = NULL;
	assert_null(route(f, "198.51.100.1"));
	assert_null(wg_index_lookup(f->dev->index, idx));
}

static void test_handshake_index(void **state)
{
	struct fixture *f = *state;
	struct wg_index_entry *e;
	uint32_t first, second;

	first = wg_peer_new_handshake_index(f->a);
	e = wg_index_lookup(f->dev->index, first);
	assert_non_null(e);
	assert_ptr_equal(e->peer, f->a);
	assert_null(e->keypair); /* a handshake's, not a session's */
	second = wg_peer_new_handshake_index(f->a);
	assert_int_not_equal(second, first);
	assert_null(wg_index_lookup(f->dev->index, first)); /* replaced */
	assert_non_null(wg_index_lookup(f->dev->index, second));
	wg_peer_reset_sessions(f->a);
	assert_null(wg_index_lookup(f->dev->index, second));
	assert_int_equal(f->a->handshake_index, 0);
	assert_null(wg_keypairs_get_current(&f->a->keypairs));
}

static void test_staged(void **state)
{
	struct fixture *f = *state;
	struct wg_staged *s = &f->a->staged;
	uint8_t pkt[4];

	for (unsigned i = 0; i < WG_STAGED_MAX + 3; i++) {
		memcpy(pkt, &i, sizeof(pkt));
		wg_peer_stage(f->a, pkt, sizeof(pkt));
	}
	assert_int_equal(s->count, WG_STAGED_MAX);
	/* the three oldest went; the rest are in order */
	for (unsigned k = 0; k < s->count; k++) {
		unsigned slot = (s->head + k) % WG_STAGED_MAX, want = k + 3, got;

		memcpy(&got, s->pkt[slot], sizeof(got));
		assert_int_equal(got, want);
		assert_int_equal(s->len[slot], sizeof(pkt));
	}
	wg_peer_stage(f->a, NULL, 0); /* a keepalive stages as an empty packet */
	assert_int_equal(s->count, WG_STAGED_MAX);
	wg_peer_clear_staged(f->a);
	assert_int_equal(s->count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_allowed_ips_move, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_allowed_ips_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_remove_takes_everything, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_handshake_index, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_staged, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
