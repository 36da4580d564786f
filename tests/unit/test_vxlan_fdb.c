// SPDX-License-Identifier: MIT
/*
 * tapwire-vxlan's forwarding database and VXLAN header: learning, moving,
 * ageing, static entries that learning leaves alone, the bound on entries
 * (the learned entry seen longest ago makes room; a table full of static
 * ones refuses), removal that keeps every other entry findable (random
 * inserts and ageing against a plain list, seeded), the receive path (the
 * I flag, the VNI, truncated and oversized frames counted, reserved bits
 * ignored, learning), and a flow hash that separates flows and keeps one flow together.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "fdb.h"
#include "vxlan.h"

#define S 1000000000ull

static void addr(struct vx_addr *a, uint8_t last)
{
	memset(a, 0, sizeof(*a));
	a->a.s6_addr[10] = a->a.s6_addr[11] = 0xff;
	a->a.s6_addr[12] = 198, a->a.s6_addr[13] = 51, a->a.s6_addr[14] = 100;
	a->a.s6_addr[15] = last;
}

static void mac(uint8_t m[6], unsigned n)
{
	m[0] = 0x02, m[1] = 0, m[2] = (uint8_t)(n >> 24), m[3] = (uint8_t)(n >> 16);
	m[4] = (uint8_t)(n >> 8), m[5] = (uint8_t)n;
}

static void test_learn_move_age(void **state)
{
	struct vx_fdb f;
	struct vx_addr a1, a2;
	uint8_t m[6], bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, zero[6] = {0};
	const struct vx_fdb_entry *e;

	assert_int_equal(vx_fdb_init(&f, 16, 300), 0);
	addr(&a1, 1);
	addr(&a2, 2);
	mac(m, 1);
	assert_null(vx_fdb_lookup(&f, m));
	vx_fdb_learn(&f, m, &a1, 10 * S);
	e = vx_fdb_lookup(&f, m);
	assert_non_null(e);
	assert_memory_equal(&e->remote, &a1, sizeof(a1));
	/* moved: a VM that migrated */
	vx_fdb_learn(&f, m, &a2, 20 * S);
	assert_memory_equal(&vx_fdb_lookup(&f, m)->remote, &a2, sizeof(a2));
	assert_int_equal(f.moved, 1);
	/* group and zero MACs are never learned */
	vx_fdb_learn(&f, bcast, &a1, 20 * S);
	vx_fdb_learn(&f, zero, &a1, 20 * S);
	assert_int_equal(f.n, 1);
	assert_null(vx_fdb_lookup(&f, bcast));
	/* ageing: kept until 300 s after the last frame, then gone */
	assert_int_equal(vx_fdb_age(&f, 319 * S), 0);
	assert_int_equal(vx_fdb_age(&f, 320 * S), 1);
	assert_null(vx_fdb_lookup(&f, m));
	vx_fdb_free(&f);
}

static void test_static(void **state)
{
	struct vx_fdb f;
	struct vx_addr a1, a2;
	uint8_t m[6], g[6] = {0x01, 0, 0x5e, 0, 0, 1};

	assert_int_equal(vx_fdb_init(&f, 2, 1), 0);
	addr(&a1, 1);
	addr(&a2, 2);
	mac(m, 7);
	assert_int_equal(vx_fdb_add_static(&f, m, &a1), 0);
	assert_int_equal(vx_fdb_add_static(&f, g, &a1), -EINVAL);
	vx_fdb_learn(&f, m, &a2, 5 * S); /* learning leaves it alone */
	assert_memory_equal(&vx_fdb_lookup(&f, m)->remote, &a1, sizeof(a1));
	assert_int_equal(vx_fdb_age(&f, 1000 * S), 0); /* never ages */
	assert_non_null(vx_fdb_lookup(&f, m));
	mac(m, 8);
	assert_int_equal(vx_fdb_add_static(&f, m, &a2), 0);
	mac(m, 9);
	assert_int_equal(vx_fdb_add_static(&f, m, &a2), -ENOSPC); /* full of static ones */
	vx_fdb_learn(&f, m, &a2, 5 * S);
	assert_null(vx_fdb_lookup(&f, m));
	assert_int_equal(f.refused, 1);
	vx_fdb_free(&f);
}

/* Full: the learned entry seen longest ago makes room. */
static void test_bound(void **state)
{
	struct vx_fdb f;
	struct vx_addr a;
	uint8_t m[6];

	assert_int_equal(vx_fdb_init(&f, 100, 300), 0);
	addr(&a, 1);
	for (unsigned i = 0; i < 1000; i++) {
		mac(m, i);
		vx_fdb_learn(&f, m, &a, (uint64_t)(i + 1) * S);
		assert_true(f.n <= 100);
	}
	assert_int_equal(f.n, 100);
	mac(m, 899);
	assert_null(vx_fdb_lookup(&f, m));
	for (unsigned i = 900; i < 1000; i++) {
		mac(m, i);
		assert_non_null(vx_fdb_lookup(&f, m));
	}
	vx_fdb_free(&f);
}

/* Random learning and ageing against a plain list: every entry stays findable after removals. */
static void test_random(void **state)
{
	const char *env = getenv("TW_TEST_SEED");
	unsigned seed = env ? (unsigned)strtoul(env, NULL, 0) : (unsigned)time(NULL);
	static uint64_t seen[512];
	struct vx_fdb f;
	struct vx_addr a;

	printf("seed %u (TW_TEST_SEED=%u repeats it)\n", seed, seed);
	srand(seed);
	memset(seen, 0, sizeof(seen));
	assert_int_equal(vx_fdb_init(&f, 1024, 10), 0);
	addr(&a, 3);
	for (uint64_t t = 1; t < 4000; t++) {
		unsigned i = (unsigned)rand() % 512;
		uint8_t m[6];

		mac(m, i);
		vx_fdb_learn(&f, m, &a, t * S / 10);
		seen[i] = t * S / 10;
		if (t % 97 == 0)
			vx_fdb_age(&f, t * S / 10);
		if (t % 101 == 0) {
			for (unsigned k = 0; k < 512; k++) {
				bool want = seen[k] && t * S / 10 - seen[k] < 10 * S;

				mac(m, k);
				if (want && !vx_fdb_lookup(&f, m))
					fail_msg("seed %u: entry %u lost at step %llu", seed, k,
						 (unsigned long long)t);
			}
		}
	}
	vx_fdb_free(&f);
}

static void test_header_and_hash(void **state)
{
	uint8_t h[8 + 14 + 4] = {0}, f1[64] = {0}, f2[64] = {0};
	struct vx_fdb fdb;
	struct vx_rx rx = {.vni = 0x123456, .learning = true, .fdb = &fdb, .max_frame = 18};
	struct vx_addr from;
	size_t off;

	assert_int_equal(vx_fdb_init(&fdb, 4, 300), 0);
	addr(&from, 1);
	vx_hdr_write(h, 0x123456);
	mac(h + 8 + 6, 77); /* the inner source MAC */
	assert_int_equal(h[0], 0x08);
	assert_int_equal(h[4] << 16 | h[5] << 8 | h[6], 0x123456);
	assert_int_equal(vx_rx(&rx, h, 22, &from, 0, &off), 14);
	assert_int_equal(off, 8);
	assert_non_null(vx_fdb_lookup(&fdb, h + 8 + 6)); /* learned */
	rx.vni = 0x123457;
	assert_int_equal(vx_rx(&rx, h, 22, &from, 0, &off), 0); /* another VNI */
	rx.vni = 0x123456;
	assert_int_equal(vx_rx(&rx, h, 21, &from, 0, &off), 0);	 /* no whole Ethernet header */
	assert_int_equal(vx_rx(&rx, h, 26, &from, 0, &off), 18); /* a VLAN tag's room */
	rx.max_frame = 17;
	assert_int_equal(vx_rx(&rx, h, 26, &from, 0, &off), 0); /* larger than the TAP takes */
	h[1] = h[3] = h[7] = 0xff, h[0] |= 0xf7;		/* reserved bits: ignored */
	assert_int_equal(vx_rx(&rx, h, 22, &from, 0, &off), 14);
	h[0] &= (uint8_t)~0x08; /* no I flag */
	assert_int_equal(vx_rx(&rx, h, 22, &from, 0, &off), 0);
	assert_int_equal(rx.st.frames, 3);
	assert_int_equal(rx.st.other_vni, 1);
	assert_int_equal(rx.st.truncated, 1);
	assert_int_equal(rx.st.too_big, 1);
	assert_int_equal(rx.st.bad_flags, 1);
	/* raw: the whole datagram is the frame, no learning */
	rx = (struct vx_rx){.raw = true, .learning = true, .fdb = &fdb, .max_frame = 100};
	assert_int_equal(vx_rx(&rx, h, 22, &from, 0, &off), 22);
	assert_int_equal(off, 0);
	assert_int_equal(fdb.n, 1);
	vx_fdb_free(&fdb);

	/* IPv4 UDP frames: one flow hashes alike, another port differently */
	f1[12] = 0x08, f1[14] = 0x45, f1[23] = 17;
	f1[26] = 192, f1[29] = 1, f1[30] = 198, f1[33] = 2;
	f1[34] = 0x10, f1[35] = 0x01, f1[36] = 0x14, f1[37] = 0x51;
	memcpy(f2, f1, sizeof(f1));
	f2[50] = 0x99; /* payload differs: same flow */
	assert_int_equal(vx_flow_hash(f1, sizeof(f1)), vx_flow_hash(f2, sizeof(f2)));
	f2[35] = 0x02; /* another source port */
	assert_int_not_equal(vx_flow_hash(f1, sizeof(f1)), vx_flow_hash(f2, sizeof(f2)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_learn_move_age),  cmocka_unit_test(test_static),
	    cmocka_unit_test(test_bound),	    cmocka_unit_test(test_random),
	    cmocka_unit_test(test_header_and_hash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
