// SPDX-License-Identifier: MIT
/* The handshake rate limiter with an injected clock: bursts, refills, bounds. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "clock.h"
#include "ratelimiter.h"

#define T0 (5000 * NSEC_PER_SEC)
#define MS NSEC_PER_MSEC

static struct sockaddr_storage addr(const char *s)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

	if (inet_pton(AF_INET, s, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(51820);
	} else {
		assert_int_equal(inet_pton(AF_INET6, s, &in6->sin6_addr), 1);
		in6->sin6_family = AF_INET6;
	}
	return ss;
}

static bool allow(struct wg_ratelimiter *rl, const char *s, uint64_t now)
{
	struct sockaddr_storage ss = addr(s);

	return wg_ratelimiter_allow(rl, (struct sockaddr *)&ss, now);
}

static int burst(struct wg_ratelimiter *rl, const char *s, uint64_t now)
{
	int n = 0;

	while (n < 100 && allow(rl, s, now))
		n++;
	return n;
}

static void test_burst_and_refill(void **state)
{
	struct wg_ratelimiter *rl;

	assert_int_equal(wg_ratelimiter_new(&rl, 0), 0);
	assert_int_equal(burst(rl, "198.51.100.1", T0), WG_RATELIMIT_BURST);
	/* One packet's worth of tokens every 50 ms. */
	assert_false(allow(rl, "198.51.100.1", T0 + 49 * MS));
	assert_true(allow(rl, "198.51.100.1", T0 + 50 * MS));
	assert_false(allow(rl, "198.51.100.1", T0 + 50 * MS));
	assert_int_equal(burst(rl, "198.51.100.1", T0 + 200 * MS), 3);
	/* The bucket never holds more than the burst, however long idle. */
	assert_int_equal(burst(rl, "198.51.100.1", T0 + 900 * MS), WG_RATELIMIT_BURST);
	/* Other sources have their own buckets; the port does not matter. */
	assert_int_equal(burst(rl, "198.51.100.2", T0 + 900 * MS), WG_RATELIMIT_BURST);
	/* A steady flood gets 20 per second plus the first burst. */
	int n = 0;
	for (uint64_t t = 0; t < 10 * NSEC_PER_SEC; t += 5 * MS)
		n += allow(rl, "203.0.113.9", T0 + t);
	assert_in_range(n, 200, 206);
	wg_ratelimiter_free(rl);
}

static void test_ipv6_prefix(void **state)
{
	struct wg_ratelimiter *rl;

	assert_int_equal(wg_ratelimiter_new(&rl, 0), 0);
	assert_int_equal(burst(rl, "fd00::1", T0), WG_RATELIMIT_BURST);
	/* Same /64: same bucket. */
	assert_false(allow(rl, "fd00::ffff:1", T0));
	/* Next /64: its own. */
	assert_int_equal(burst(rl, "fd00:0:0:1::1", T0), WG_RATELIMIT_BURST);
	/* IPv4 and IPv6 keys never collide. */
	assert_int_equal(burst(rl, "0.0.0.0", T0), WG_RATELIMIT_BURST);
	assert_int_equal(burst(rl, "::", T0), WG_RATELIMIT_BURST);
	/* Unknown families are refused. */
	struct sockaddr sa = {.sa_family = AF_UNIX};
	assert_false(wg_ratelimiter_allow(rl, &sa, T0));
	wg_ratelimiter_free(rl);
}

static void test_bounded(void **state)
{
	struct wg_ratelimiter *rl;
	char s[32];

	assert_int_equal(wg_ratelimiter_new(&rl, 8), 0);
	for (int i = 0; i < 8; i++) {
		snprintf(s, sizeof(s), "198.51.100.%d", i + 1);
		assert_true(allow(rl, s, T0));
	}
	/* Full of active sources: a new one is refused, the table does not grow. */
	assert_false(allow(rl, "203.0.113.1", T0 + 500 * MS));
	assert_true(allow(rl, "198.51.100.1", T0 + 500 * MS));
	/* Idle entries expire after a second and make room. */
	assert_int_equal(wg_ratelimiter_gc(rl, T0 + 1200 * MS), 1);
	assert_true(allow(rl, "203.0.113.1", T0 + 1200 * MS));
	/* When full, stale entries are reclaimed without an explicit gc. */
	for (int i = 0; i < 20; i++) {
		snprintf(s, sizeof(s), "203.0.113.%d", i + 10);
		assert_true(allow(rl, s, T0 + (3 + i) * NSEC_PER_SEC));
	}
	assert_int_equal(wg_ratelimiter_gc(rl, T0 + 100 * NSEC_PER_SEC), 0);
	wg_ratelimiter_free(rl);
	wg_ratelimiter_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_burst_and_refill),
	    cmocka_unit_test(test_ipv6_prefix),
	    cmocka_unit_test(test_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
