/* SPDX-License-Identifier: MIT */
#ifndef TWWG_CLOCK_H
#define TWWG_CLOCK_H

#include <stdint.h>

#define NSEC_PER_SEC  1000000000ULL
#define NSEC_PER_MSEC 1000000ULL

/*
 * The daemon's protocol clock: CLOCK_MONOTONIC in nanoseconds. Every timer
 * and every age (rekey, reject, keepalive, cookie secret, rate limiter) reads
 * this and nothing else.
 *
 * TEST ONLY: in the test builds of clock.c (twwg_clock_test: the unit tests
 * and tapwire-wg-testclock, never the installed daemon), the environment
 * variable TW_TEST_CLOCK_RATE=N (a positive number, may be fractional) makes
 * this clock run N times faster than real time from the first call on, so
 * that tests can watch REKEY_AFTER_TIME or REJECT_AFTER_TIME pass in seconds.
 * The state machine is unchanged; only time is scaled.
 */
uint64_t wg_now_ns(void);

/*
 * Converts a protocol-time duration into the real-time duration a timerfd or
 * poll timeout must wait for it (identity unless the test clock is sped up).
 */
uint64_t wg_clock_real_ns(uint64_t protocol_ns);

/* The rate in effect (1.0 unless TW_TEST_CLOCK_RATE applies). */
double wg_clock_rate(void);

/* Wall clock (CLOCK_REALTIME) in nanoseconds, never scaled: for TAI64N. */
uint64_t wg_wall_ns(void);

#endif
