// SPDX-License-Identifier: MIT
/* The protocol clock and its test-only speed knob (TW_TEST_CLOCK_RATE). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <cmocka.h>

#include "clock.h"

static void test_rate(void **state)
{
	struct timespec ts = {0, 50 * 1000 * 1000};
	uint64_t a, b;

#ifdef TW_TESTING_CLOCK
	/* Read once, on first use: set it before anything reads the clock. */
	setenv("TW_TEST_CLOCK_RATE", "20", 1);
#endif
	a = wg_now_ns();
	nanosleep(&ts, NULL);
	b = wg_now_ns();
#ifdef TW_TESTING_CLOCK
	assert_true(wg_clock_rate() == 20.0);
	/* 50 ms of real time are a second of protocol time. */
	assert_in_range(b - a, 950 * NSEC_PER_MSEC, 3 * NSEC_PER_SEC);
	assert_int_equal(wg_clock_real_ns(5 * NSEC_PER_SEC), 250 * NSEC_PER_MSEC);
#else
	assert_in_range(b - a, 50 * NSEC_PER_MSEC, 200 * NSEC_PER_MSEC);
	assert_int_equal(wg_clock_real_ns(5 * NSEC_PER_SEC), 5 * NSEC_PER_SEC);
#endif
	assert_true(wg_wall_ns() > 1600000000ULL * NSEC_PER_SEC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
