// SPDX-License-Identifier: MIT
#include "clock.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

static uint64_t read_clock(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

#ifdef TW_TESTING_CLOCK
static double rate = 1.0;
static uint64_t epoch;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void clock_init(void)
{
	const char *s = getenv("TW_TEST_CLOCK_RATE");
	char *end;
	double r;

	epoch = read_clock(CLOCK_MONOTONIC);
	if (!s || !*s)
		return;
	r = strtod(s, &end);
	if (*end || !isfinite(r) || r <= 0.0 || r > 1e6)
		return;
	rate = r;
}

uint64_t wg_now_ns(void)
{
	uint64_t t;

	pthread_once(&once, clock_init);
	t = read_clock(CLOCK_MONOTONIC);
	if (rate == 1.0)
		return t;
	/* Scale only the time since start so the value stays far from overflow. */
	return epoch + (uint64_t)((double)(t - epoch) * rate);
}

uint64_t wg_clock_real_ns(uint64_t protocol_ns)
{
	pthread_once(&once, clock_init);
	if (rate == 1.0)
		return protocol_ns;
	return (uint64_t)((double)protocol_ns / rate);
}

double wg_clock_rate(void)
{
	pthread_once(&once, clock_init);
	return rate;
}
#else
uint64_t wg_now_ns(void)
{
	return read_clock(CLOCK_MONOTONIC);
}

uint64_t wg_clock_real_ns(uint64_t protocol_ns)
{
	return protocol_ns;
}

double wg_clock_rate(void)
{
	return 1.0;
}
#endif

uint64_t wg_wall_ns(void)
{
	return read_clock(CLOCK_REALTIME);
}
