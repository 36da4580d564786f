// SPDX-License-Identifier: MIT
/*
 * The timer hooks against the kernel's timers.c contract, one table row
 * each: which timers a hook arms (and to what delay, jitter included),
 * disarms or leaves alone, and what else it changes, from a state where the
 * timer in question is pending and one where it is not. The contract
 * (drivers/net/wireguard/timers.c):
 *  - data_sent: arm new_handshake to KEEPALIVE + REKEY_TIMEOUT + jitter,
 *    unless it is pending;
 *  - data_received: arm send_keepalive to KEEPALIVE, unless pending, in
 *    which case another keepalive is needed after it;
 *  - any_authenticated_packet_sent: disarm send_keepalive;
 *  - any_authenticated_packet_received: disarm new_handshake;
 *  - handshake_initiated: arm retransmit_handshake to REKEY_TIMEOUT + jitter;
 *  - handshake_complete: disarm retransmit_handshake, attempts to 0, the
 *    last-minute flag cleared, the wall time of the handshake recorded;
 *  - session_derived: arm zero_key_material to REJECT_AFTER_TIME * 3;
 *  - any_authenticated_packet_traversal: arm persistent_keepalive to the
 *    interval when one is set, nothing otherwise.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "clock.h"
#include "crypto.h"
#include "device.h"
#include "messages.h"
#include "peer.h"
#include "timers.h"

enum effect {
	SAME, /* untouched */
	OFF,  /* disarmed */
	ARM,  /* armed to a delay in [lo, hi] from now */
};

struct row {
	const char *name;
	void (*hook)(struct wg_peer *p);
	bool pending_before;	       /* the hook's own timer pending before? */
	uint16_t keepalive;	       /* persistent keepalive interval, seconds */
	enum effect e[WG_TIMER_COUNT]; /* what happens to each timer */
	uint64_t lo, hi;	       /* the delay of the ARM timer */
	bool another_keepalive;	       /* need_another_keepalive after */
};

#define J     (WG_REKEY_TIMEOUT_JITTER - 1) /* the most jitter adds */
#define RH    WG_TIMER_RETRANSMIT_HANDSHAKE
#define SK    WG_TIMER_SEND_KEEPALIVE
#define NH    WG_TIMER_NEW_HANDSHAKE
#define ZK    WG_TIMER_ZERO_KEY_MATERIAL
#define PK    WG_TIMER_PERSISTENT_KEEPALIVE
#define KA_RK (WG_KEEPALIVE_TIMEOUT + WG_REKEY_TIMEOUT)

/* ROW(name, hook, pending before, keepalive, {effects}, lo, hi, another keepalive) */
#define ROW(n, h, pend, ka, eff, l, u, more)                                                       \
	{                                                                                          \
		.name = n, .hook = h, .pending_before = pend, .keepalive = ka, .e = eff, .lo = l,  \
		.hi = u, .another_keepalive = more                                                 \
	}
#define E(...)                                                                                     \
	{                                                                                          \
		__VA_ARGS__                                                                        \
	}

static const struct row rows[] = {
    ROW("data_sent, new_handshake idle", wg_timers_data_sent, false, 0, E([NH] = ARM), KA_RK,
	KA_RK + J, false),
    ROW("data_sent, new_handshake pending", wg_timers_data_sent, true, 0, E([NH] = SAME), 0, 0,
	false),
    ROW("data_received, send_keepalive idle", wg_timers_data_received, false, 0, E([SK] = ARM),
	WG_KEEPALIVE_TIMEOUT, WG_KEEPALIVE_TIMEOUT, false),
    ROW("data_received, send_keepalive pending", wg_timers_data_received, true, 0, E([SK] = SAME),
	0, 0, true),
    ROW("any_authenticated_packet_sent", wg_timers_any_authenticated_packet_sent, true, 0,
	E([SK] = OFF), 0, 0, false),
    ROW("any_authenticated_packet_received", wg_timers_any_authenticated_packet_received, true, 0,
	E([NH] = OFF), 0, 0, false),
    ROW("handshake_initiated", wg_timers_handshake_initiated, false, 0, E([RH] = ARM),
	WG_REKEY_TIMEOUT, WG_REKEY_TIMEOUT + J, false),
    ROW("handshake_initiated, retransmit pending", wg_timers_handshake_initiated, true, 0,
	E([RH] = ARM), WG_REKEY_TIMEOUT, WG_REKEY_TIMEOUT + J, false),
    ROW("handshake_complete", wg_timers_handshake_complete, true, 0, E([RH] = OFF), 0, 0, false),
    ROW("session_derived", wg_timers_session_derived, false, 0, E([ZK] = ARM),
	WG_REJECT_AFTER_TIME * 3, WG_REJECT_AFTER_TIME * 3, false),
    ROW("traversal, persistent keepalive 25 s", wg_timers_any_authenticated_packet_traversal, false,
	25, E([PK] = ARM), 25 * NSEC_PER_SEC, 25 * NSEC_PER_SEC, false),
    ROW("traversal, no persistent keepalive", wg_timers_any_authenticated_packet_traversal, false,
	0, E([PK] = SAME), 0, 0, false),
};

/* The timer a row is about: the one it arms or disarms (or keeps). */
static int subject(const struct row *r)
{
	for (int t = 0; t < WG_TIMER_COUNT; t++)
		if (r->e[t] != SAME)
			return t;
	/* a row of "untouched": the timer named by its hook's contract */
	if (r->hook == wg_timers_data_sent)
		return NH;
	if (r->hook == wg_timers_data_received)
		return SK;
	return PK;
}

static void test_table(void **state)
{
	struct wg_device *dev;
	uint8_t pk[32];

	(void)state;
	assert_int_equal(wg_crypto_init(), 0);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		int subj = subject(r);
		struct wg_peer *p;
		uint64_t before[WG_TIMER_COUNT], t0, t1;

		print_message("%s\n", r->name);
		assert_int_equal(wg_device_new("wgtm0", &dev), 0);
		memset(pk, 0x40 + (int)i, sizeof(pk));
		assert_int_equal(wg_peer_create(dev, pk, &p), 0);
		p->persistent_keepalive = r->keepalive;
		p->handshake_attempts = 3;
		p->sent_lastminute_handshake = true;
		/* every other timer pending at a recognisable time: none may move */
		for (int t = 0; t < WG_TIMER_COUNT; t++)
			p->timers[t] = 1000 + (uint64_t)t;
		if (!r->pending_before)
			p->timers[subj] = 0;
		memcpy(before, p->timers, sizeof(before));
		t0 = wg_now_ns();
		r->hook(p);
		t1 = wg_now_ns();
		for (int t = 0; t < WG_TIMER_COUNT; t++) {
			switch (r->e[t]) {
			case SAME:
				assert_int_equal(p->timers[t], before[t]);
				break;
			case OFF:
				assert_int_equal(p->timers[t], 0);
				break;
			case ARM:
				assert_in_range(p->timers[t], t0 + r->lo, t1 + r->hi);
				break;
			}
		}
		assert_int_equal(p->need_another_keepalive, r->another_keepalive);
		if (r->hook == wg_timers_handshake_complete) {
			assert_int_equal(p->handshake_attempts, 0);
			assert_false(p->sent_lastminute_handshake);
			assert_int_not_equal(p->last_handshake_wall_ns, 0);
		} else {
			assert_int_equal(p->handshake_attempts, 3);
			assert_true(p->sent_lastminute_handshake);
		}
		wg_device_free(dev);
	}
}

/* wg_timers_stop() disarms all of them. */
static void test_stop(void **state)
{
	struct wg_device *dev;
	struct wg_peer *p;
	uint8_t pk[32];

	(void)state;
	assert_int_equal(wg_device_new("wgtm1", &dev), 0);
	memset(pk, 0x77, sizeof(pk));
	assert_int_equal(wg_peer_create(dev, pk, &p), 0);
	for (int t = 0; t < WG_TIMER_COUNT; t++)
		p->timers[t] = 5000;
	wg_timers_stop(p);
	for (int t = 0; t < WG_TIMER_COUNT; t++)
		assert_int_equal(p->timers[t], 0);
	wg_device_free(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
