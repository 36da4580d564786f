// SPDX-License-Identifier: MIT
/* The receive replay window: edges, jumps, duplicates, the reject-after limit. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "messages.h"
#include "replay.h"

static void test_edges(void **state)
{
	struct wg_replay r;

	wg_replay_init(&r);
	assert_true(wg_replay_check(&r, 0));
	assert_false(wg_replay_check(&r, 0));
	assert_true(wg_replay_check(&r, 1));
	assert_false(wg_replay_check(&r, 0));
	/* Out of order inside the window. */
	assert_true(wg_replay_check(&r, 10));
	assert_true(wg_replay_check(&r, 5));
	assert_false(wg_replay_check(&r, 5));
	/* Exactly the window size behind the greatest: last accepted slot. */
	assert_true(wg_replay_check(&r, WG_REPLAY_WINDOW + 20));
	assert_true(wg_replay_check(&r, 20));
	assert_false(wg_replay_check(&r, 19));
	assert_false(wg_replay_check(&r, 10));
	/* Every counter of the window once, in reverse. */
	wg_replay_init(&r);
	assert_true(wg_replay_check(&r, WG_REPLAY_WINDOW));
	for (int64_t c = WG_REPLAY_WINDOW - 1; c >= 0; c--)
		assert_true(wg_replay_check(&r, (uint64_t)c));
	for (int64_t c = WG_REPLAY_WINDOW; c >= 0; c--)
		assert_false(wg_replay_check(&r, (uint64_t)c));
}

static void test_far_jumps(void **state)
{
	struct wg_replay r;
	const uint64_t far = 1000000000ULL;

	wg_replay_init(&r);
	assert_true(wg_replay_check(&r, 0));
	assert_true(wg_replay_check(&r, far));
	assert_false(wg_replay_check(&r, 1));
	assert_true(wg_replay_check(&r, far - 1));
	assert_true(wg_replay_check(&r, far - WG_REPLAY_WINDOW));
	assert_false(wg_replay_check(&r, far - WG_REPLAY_WINDOW - 1));
	/* Bits of the old epoch that share ring words must not linger. */
	assert_true(wg_replay_check(&r, far + WG_REPLAY_BITS));
	assert_true(wg_replay_check(&r, far + WG_REPLAY_BITS - 1));
	assert_true(wg_replay_check(&r, far + 74));
	assert_false(wg_replay_check(&r, far + 63));
	assert_false(wg_replay_check(&r, far));
	/* One word-and-a-bit jumps. */
	wg_replay_init(&r);
	for (uint64_t c = 0; c < 100000; c += 65)
		assert_true(wg_replay_check(&r, c));
	for (uint64_t c = 100000 - WG_REPLAY_WINDOW + 200; c < 100000; c += 65)
		assert_false(wg_replay_check(&r, c - c % 65));
}

static void test_reject_after(void **state)
{
	struct wg_replay r;

	wg_replay_init(&r);
	assert_true(wg_replay_check(&r, WG_REJECT_AFTER_MESSAGES - 1));
	assert_false(wg_replay_check(&r, WG_REJECT_AFTER_MESSAGES - 1));
	assert_false(wg_replay_check(&r, WG_REJECT_AFTER_MESSAGES));
	assert_false(wg_replay_check(&r, UINT64_MAX));
	assert_true(wg_replay_check(&r, WG_REJECT_AFTER_MESSAGES - 2));
	assert_true(WG_REJECT_AFTER_MESSAGES == 0xffffffffffffdfffULL);
}

/* Against a model: accept iff unseen, below the limit, and within the window. */
static void test_random_against_model(void **state)
{
	enum { SPAN = 1 << 20 };
	uint8_t *seen = calloc(SPAN / 8, 1);
	struct wg_replay r;
	uint64_t base = 0, max = 0;
	bool any = false;

	srand(1234);
	wg_replay_init(&r);
	for (int i = 0; i < 300000; i++) {
		uint64_t c;
		bool want;

		switch (rand() % 8) {
		case 0: /* jump ahead */
			base += (uint64_t)(rand() % 3000);
			break;
		case 1: /* rare big jump */
			if (rand() % 50 == 0)
				base += (uint64_t)(rand() % 20000);
			break;
		default:
			break;
		}
		c = base + (uint64_t)(rand() % 200) -
		    (base >= 9000 ? (uint64_t)(rand() % 9000) : 0);
		if (c >= SPAN)
			break;
		want = !(seen[c / 8] & (1 << (c % 8))) && (!any || c + WG_REPLAY_WINDOW >= max);
		assert_int_equal(wg_replay_check(&r, c), want);
		if (want) {
			seen[c / 8] |= (uint8_t)(1 << (c % 8));
			if (!any || c > max)
				max = c;
			any = true;
		}
	}
	free(seen);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_edges),
	    cmocka_unit_test(test_far_jumps),
	    cmocka_unit_test(test_reject_after),
	    cmocka_unit_test(test_random_against_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
