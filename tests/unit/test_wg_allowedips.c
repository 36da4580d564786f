// SPDX-License-Identifier: MIT
/*
 * The allowed-IPs trie: hand-picked cases, then thousands of random IPv4 and
 * IPv6 prefixes checked against a linear longest-prefix-match reference
 * through inserts, replacements, removals and removal by peer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "allowedips.h"

static int peers[64];
#define P(i) ((void *)&peers[i])

static void *lookup4(struct wg_allowedips *t, const char *s)
{
	uint8_t a[4];

	assert_int_equal(inet_pton(AF_INET, s, a), 1);
	return wg_allowedips_lookup(t, AF_INET, a);
}

static void *lookup6(struct wg_allowedips *t, const char *s)
{
	uint8_t a[16];

	assert_int_equal(inet_pton(AF_INET6, s, a), 1);
	return wg_allowedips_lookup(t, AF_INET6, a);
}

static int insert(struct wg_allowedips *t, int family, const char *s, uint8_t cidr, void *peer)
{
	uint8_t a[16];

	assert_int_equal(inet_pton(family, s, a), 1);
	return wg_allowedips_insert(t, family, a, cidr, peer);
}

static int removep(struct wg_allowedips *t, int family, const char *s, uint8_t cidr, void *peer)
{
	uint8_t a[16];

	assert_int_equal(inet_pton(family, s, a), 1);
	return wg_allowedips_remove(t, family, a, cidr, peer);
}

static void test_basic(void **state)
{
	struct wg_allowedips t;

	wg_allowedips_init(&t);
	assert_null(lookup4(&t, "10.0.0.1"));
	assert_int_equal(insert(&t, AF_INET, "10.0.0.0", 8, P(1)), 0);
	assert_int_equal(insert(&t, AF_INET, "10.1.0.0", 16, P(2)), 0);
	assert_int_equal(insert(&t, AF_INET, "10.1.2.3", 32, P(3)), 0);
	/* Host bits are ignored. */
	assert_int_equal(insert(&t, AF_INET, "192.168.1.77", 24, P(4)), 0);
	assert_ptr_equal(lookup4(&t, "10.1.2.3"), P(3));
	assert_ptr_equal(lookup4(&t, "10.1.2.4"), P(2));
	assert_ptr_equal(lookup4(&t, "10.2.0.0"), P(1));
	assert_ptr_equal(lookup4(&t, "192.168.1.1"), P(4));
	assert_null(lookup4(&t, "11.0.0.0"));
	assert_null(lookup4(&t, "192.168.2.1"));
	/* Default route catches the rest; replacing an owner. */
	assert_int_equal(insert(&t, AF_INET, "0.0.0.0", 0, P(5)), 0);
	assert_ptr_equal(lookup4(&t, "11.0.0.0"), P(5));
	assert_int_equal(insert(&t, AF_INET, "10.0.0.0", 8, P(6)), 0);
	assert_ptr_equal(lookup4(&t, "10.2.0.0"), P(6));
	assert_int_equal(t.count, 5);
	/* Removal needs the owner. */
	assert_int_equal(removep(&t, AF_INET, "10.1.0.0", 16, P(1)), -ENOENT);
	assert_int_equal(removep(&t, AF_INET, "10.1.0.0", 16, P(2)), 0);
	assert_int_equal(removep(&t, AF_INET, "10.1.0.0", 16, P(2)), -ENOENT);
	assert_int_equal(removep(&t, AF_INET, "10.1.0.0", 15, P(2)), -ENOENT);
	assert_ptr_equal(lookup4(&t, "10.1.2.4"), P(6));
	assert_ptr_equal(lookup4(&t, "10.1.2.3"), P(3));
	/* Families are separate. */
	assert_null(lookup6(&t, "::1"));
	assert_int_equal(insert(&t, AF_INET6, "fd00::", 8, P(7)), 0);
	assert_int_equal(insert(&t, AF_INET6, "fd00:1::", 32, P(8)), 0);
	assert_int_equal(insert(&t, AF_INET6, "fd00:1::1", 128, P(9)), 0);
	assert_ptr_equal(lookup6(&t, "fd00:1::1"), P(9));
	assert_ptr_equal(lookup6(&t, "fd00:1::2"), P(8));
	assert_ptr_equal(lookup6(&t, "fdff::2"), P(7));
	assert_null(lookup6(&t, "fe80::1"));
	assert_ptr_equal(lookup4(&t, "10.1.2.3"), P(3));
	/* Bad arguments. */
	assert_int_equal(insert(&t, AF_INET, "1.2.3.4", 33, P(1)), -EINVAL);
	assert_int_equal(insert(&t, AF_INET6, "::", 129, P(1)), -EINVAL);
	assert_int_equal(insert(&t, AF_INET, "1.2.3.4", 32, NULL), -EINVAL);
	wg_allowedips_remove_by_peer(&t, P(3));
	assert_ptr_equal(lookup4(&t, "10.1.2.3"), P(6));
	wg_allowedips_free(&t);
	assert_int_equal(t.count, 0);
}

/* The reference: a flat list, longest matching prefix wins. */
struct ref {
	int family;
	uint8_t addr[16];
	uint8_t cidr;
	void *peer;
};

static void mask(uint8_t *a, uint8_t cidr, int bytes)
{
	for (int i = 0; i < bytes; i++) {
		int keep = cidr >= 8 * (i + 1) ? 8 : cidr > 8 * i ? cidr - 8 * i : 0;

		a[i] &= (uint8_t)(0xff00 >> keep);
	}
}

static bool ref_match(const struct ref *r, const uint8_t *addr)
{
	uint8_t a[16];

	memcpy(a, addr, 16);
	mask(a, r->cidr, 16);
	return memcmp(a, r->addr, 16) == 0;
}

static void *ref_lookup(const struct ref *refs, size_t n, int family, const uint8_t *addr)
{
	int best = -1;
	void *peer = NULL;

	for (size_t i = 0; i < n; i++) {
		if (refs[i].family == family && refs[i].peer && refs[i].cidr > best &&
		    ref_match(&refs[i], addr)) {
			best = refs[i].cidr;
			peer = refs[i].peer;
		}
	}
	return peer;
}

/* Addresses clustered around a few bases, so prefixes nest and overlap. */
static void random_addr(uint8_t *a, int bytes)
{
	static const uint8_t bases[4][16] = {
	    {10, 0, 0, 0},
	    {192, 168, 0, 0},
	    {0xfd, 0x00, 0x12, 0x34},
	    {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0xff},
	};
	int changed = rand() % (bytes * 8 + 1);

	memcpy(a, bases[rand() % 4], 16);
	for (int i = 0; i < changed / 3 + 1; i++) {
		int bit = bytes * 8 - 1 - rand() % (changed + 1);

		if (bit >= 0)
			a[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
	}
	memset(a + bytes, 0, 16 - bytes);
}

static size_t ref_find(struct ref *refs, size_t n, int family, const uint8_t *addr, uint8_t cidr)
{
	for (size_t i = 0; i < n; i++)
		if (refs[i].peer && refs[i].family == family && refs[i].cidr == cidr &&
		    !memcmp(refs[i].addr, addr, 16))
			return i;
	return n;
}

static void compare_all(struct wg_allowedips *t, struct ref *refs, size_t n)
{
	for (int i = 0; i < 20000; i++) {
		int family = i % 2 ? AF_INET6 : AF_INET;
		uint8_t a[16];

		random_addr(a, family == AF_INET ? 4 : 16);
		assert_ptr_equal(wg_allowedips_lookup(t, family, a),
				 ref_lookup(refs, n, family, a));
	}
	for (size_t i = 0; i < n; i++) {
		/* Every live prefix's own first address resolves like the reference. */
		if (refs[i].peer)
			assert_ptr_equal(wg_allowedips_lookup(t, refs[i].family, refs[i].addr),
					 ref_lookup(refs, n, refs[i].family, refs[i].addr));
	}
}

struct walk_ctx {
	struct ref *refs;
	size_t n, seen;
};

static int walk_check(void *ctx, void *peer, int family, const uint8_t *addr, uint8_t cidr)
{
	struct walk_ctx *w = ctx;
	uint8_t a[16] = {0};
	size_t i;

	memcpy(a, addr, family == AF_INET ? 4 : 16);
	i = ref_find(w->refs, w->n, family, a, cidr);
	assert_true(i < w->n);
	assert_ptr_equal(w->refs[i].peer, peer);
	w->seen++;
	return 0;
}

static void test_random_against_reference(void **state)
{
	enum { N = 4000 };
	struct ref *refs = calloc(N, sizeof(*refs));
	struct wg_allowedips t;
	size_t n = 0, live = 0;

	srand(42);
	wg_allowedips_init(&t);
	for (int i = 0; i < N; i++) {
		struct ref r = {0};
		size_t j;

		r.family = i % 2 ? AF_INET6 : AF_INET;
		random_addr(r.addr, r.family == AF_INET ? 4 : 16);
		r.cidr = (uint8_t)(rand() % ((r.family == AF_INET ? 32 : 128) + 1));
		mask(r.addr, r.cidr, 16);
		r.peer = P(rand() % 16);
		assert_int_equal(wg_allowedips_insert(&t, r.family, r.addr, r.cidr, r.peer), 0);
		j = ref_find(refs, n, r.family, r.addr, r.cidr);
		if (j < n) {
			refs[j].peer = r.peer; /* replaced owner */
		} else {
			refs[n++] = r;
			live++;
		}
	}
	assert_int_equal(t.count, live);
	compare_all(&t, refs, n);

	/* Remove a third, some with the wrong owner (refused). */
	for (size_t i = 0; i < n; i += 3) {
		void *wrong = P(20);

		assert_int_equal(
		    wg_allowedips_remove(&t, refs[i].family, refs[i].addr, refs[i].cidr, wrong),
		    -ENOENT);
		assert_int_equal(wg_allowedips_remove(&t, refs[i].family, refs[i].addr,
						      refs[i].cidr, refs[i].peer),
				 0);
		refs[i].peer = NULL;
		live--;
	}
	assert_int_equal(t.count, live);
	compare_all(&t, refs, n);

	/* Walks list exactly the live prefixes, per peer and in total. */
	struct walk_ctx w = {refs, n, 0};
	assert_int_equal(wg_allowedips_walk(&t, NULL, walk_check, &w), 0);
	assert_int_equal(w.seen, live);
	w.seen = 0;
	assert_int_equal(wg_allowedips_walk(&t, P(3), walk_check, &w), 0);
	size_t of3 = 0;
	for (size_t i = 0; i < n; i++)
		of3 += refs[i].peer == P(3);
	assert_int_equal(w.seen, of3);

	/* Remove whole peers. */
	for (int p = 0; p < 16; p += 2) {
		wg_allowedips_remove_by_peer(&t, P(p));
		for (size_t i = 0; i < n; i++) {
			if (refs[i].peer == P(p)) {
				refs[i].peer = NULL;
				live--;
			}
		}
	}
	assert_int_equal(t.count, live);
	compare_all(&t, refs, n);

	/* Re-insert after removals reuses the structure correctly. */
	for (size_t i = 0; i < n; i += 5) {
		if (refs[i].peer)
			continue;
		refs[i].peer = P(30);
		assert_int_equal(
		    wg_allowedips_insert(&t, refs[i].family, refs[i].addr, refs[i].cidr, P(30)), 0);
		live++;
	}
	assert_int_equal(t.count, live);
	compare_all(&t, refs, n);
	for (int p = 0; p < 32; p++)
		wg_allowedips_remove_by_peer(&t, P(p));
	assert_int_equal(t.count, 0);
	assert_null(t.root4);
	assert_null(t.root6);
	wg_allowedips_free(&t);
	free(refs);
}

static int stop_at_second(void *ctx, void *peer, int family, const uint8_t *addr, uint8_t cidr)
{
	return ++*(int *)ctx == 2 ? 7 : 0;
}

static void test_walk_order_and_stop(void **state)
{
	struct wg_allowedips t;
	int calls = 0;

	wg_allowedips_init(&t);
	assert_int_equal(insert(&t, AF_INET6, "fd00::", 64, P(1)), 0);
	assert_int_equal(insert(&t, AF_INET, "10.0.0.0", 8, P(1)), 0);
	assert_int_equal(insert(&t, AF_INET, "10.0.0.1", 32, P(1)), 0);
	assert_int_equal(wg_allowedips_walk(&t, P(1), stop_at_second, &calls), 7);
	assert_int_equal(calls, 2);
	wg_allowedips_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_basic),
	    cmocka_unit_test(test_random_against_reference),
	    cmocka_unit_test(test_walk_order_and_stop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
