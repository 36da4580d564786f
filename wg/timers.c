// SPDX-License-Identifier: MIT
#include <string.h>

#include "clock.h"
#include "crypto.h"
#include "device.h"
#include "log.h"
#include "messages.h"
#include "peer.h"
#include "queueing.h"
#include "timers.h"

/*
 * Timers in the model of the kernel's timers.c:
 *  - retransmit_handshake: REKEY_TIMEOUT + jitter after an initiation; retries
 *    until REKEY_ATTEMPT_TIME has passed (MAX_TIMER_HANDSHAKES tries), then
 *    gives up, drops staged packets and schedules the zeroing of keys;
 *  - send_keepalive: KEEPALIVE_TIMEOUT after data was received, if we sent
 *    nothing back meanwhile;
 *  - new_handshake: KEEPALIVE + REKEY_TIMEOUT + jitter after data was sent,
 *    if nothing authenticated came back meanwhile;
 *  - zero_key_material: REJECT_AFTER_TIME * 3 after the last session was
 *    derived: wipes every key;
 *  - persistent_keepalive: the configured interval after any authenticated
 *    packet in either direction.
 */

static uint64_t jitter(void)
{
	uint32_t r;

	wg_random(&r, sizeof(r));
	return r % WG_REKEY_TIMEOUT_JITTER;
}

/*
 * The device's timerfd needs re-arming only when a deadline comes before the
 * one it is armed for: pushing a timer later or disarming it costs nothing
 * here (a wake-up that finds nothing due just re-arms), so the per-packet
 * hooks stay O(1) whatever the number of peers.
 */
static void arm(struct wg_peer *p, enum wg_timer t, uint64_t delay)
{
	struct wg_device *dev = p->dev;
	uint64_t at = wg_now_ns() + delay;

	p->timers[t] = at ? at : 1;
	if (!dev->timer_armed_at || p->timers[t] < dev->timer_armed_at)
		dev->timers_dirty = true;
}

static void disarm(struct wg_peer *p, enum wg_timer t)
{
	p->timers[t] = 0;
}

static bool pending(const struct wg_peer *p, enum wg_timer t)
{
	return p->timers[t] != 0;
}

void wg_timers_data_sent(struct wg_peer *p)
{
	if (!pending(p, WG_TIMER_NEW_HANDSHAKE))
		arm(p, WG_TIMER_NEW_HANDSHAKE, WG_KEEPALIVE_TIMEOUT + WG_REKEY_TIMEOUT + jitter());
}

void wg_timers_data_received(struct wg_peer *p)
{
	if (!pending(p, WG_TIMER_SEND_KEEPALIVE))
		arm(p, WG_TIMER_SEND_KEEPALIVE, WG_KEEPALIVE_TIMEOUT);
	else
		p->need_another_keepalive = true;
}

void wg_timers_any_authenticated_packet_sent(struct wg_peer *p)
{
	disarm(p, WG_TIMER_SEND_KEEPALIVE);
}

void wg_timers_any_authenticated_packet_received(struct wg_peer *p)
{
	disarm(p, WG_TIMER_NEW_HANDSHAKE);
}

void wg_timers_handshake_initiated(struct wg_peer *p)
{
	arm(p, WG_TIMER_RETRANSMIT_HANDSHAKE, WG_REKEY_TIMEOUT + jitter());
}

void wg_timers_handshake_complete(struct wg_peer *p)
{
	disarm(p, WG_TIMER_RETRANSMIT_HANDSHAKE);
	p->handshake_attempts = 0;
	p->sent_lastminute_handshake = false;
	p->last_handshake_wall_ns = wg_wall_ns();
}

void wg_timers_session_derived(struct wg_peer *p)
{
	arm(p, WG_TIMER_ZERO_KEY_MATERIAL, WG_REJECT_AFTER_TIME * 3);
}

void wg_timers_any_authenticated_packet_traversal(struct wg_peer *p)
{
	if (p->persistent_keepalive)
		arm(p, WG_TIMER_PERSISTENT_KEEPALIVE, p->persistent_keepalive * NSEC_PER_SEC);
}

void wg_timers_stop(struct wg_peer *p)
{
	for (int t = 0; t < WG_TIMER_COUNT; t++)
		disarm(p, (enum wg_timer)t);
}

static void expired_retransmit(struct wg_peer *p)
{
	char name[24];

	if (p->handshake_attempts > WG_MAX_TIMER_HANDSHAKES) {
		log_info("%s - Handshake did not complete after %u attempts, giving up",
			 log_peer_name(p->public_key, name), p->handshake_attempts + 2);
		disarm(p, WG_TIMER_SEND_KEEPALIVE);
		wg_peer_clear_staged(p);
		/* no new handshake will come: wipe the keys in a while, as on success */
		if (!pending(p, WG_TIMER_ZERO_KEY_MATERIAL))
			arm(p, WG_TIMER_ZERO_KEY_MATERIAL, WG_REJECT_AFTER_TIME * 3);
		return;
	}
	p->handshake_attempts++;
	log_info("%s - Handshake did not complete after %d seconds, retrying (try %u)",
		 log_peer_name(p->public_key, name), (int)(WG_REKEY_TIMEOUT / NSEC_PER_SEC),
		 p->handshake_attempts + 1);
	/* the source address may be what failed: let routing choose again */
	p->endpoint.has_src = false;
	wg_send_handshake_initiation(p, true);
}

static void expired_send_keepalive(struct wg_peer *p)
{
	wg_send_keepalive(p);
	if (p->need_another_keepalive) {
		p->need_another_keepalive = false;
		arm(p, WG_TIMER_SEND_KEEPALIVE, WG_KEEPALIVE_TIMEOUT);
	}
}

static void expired_new_handshake(struct wg_peer *p)
{
	char name[24];

	log_info("%s - Retrying handshake because we stopped hearing back after %d seconds",
		 log_peer_name(p->public_key, name),
		 (int)((WG_KEEPALIVE_TIMEOUT + WG_REKEY_TIMEOUT) / NSEC_PER_SEC));
	p->endpoint.has_src = false;
	wg_send_handshake_initiation(p, false);
}

static void expired_zero_key_material(struct wg_peer *p)
{
	char name[24];

	log_info("%s - Removing all keys, since we haven't received a new one in %d seconds",
		 log_peer_name(p->public_key, name),
		 (int)(WG_REJECT_AFTER_TIME * 3 / NSEC_PER_SEC));
	wg_peer_reset_sessions(p);
}

static void expired_persistent_keepalive(struct wg_peer *p)
{
	if (p->persistent_keepalive)
		wg_send_keepalive(p);
}

static void (*const handlers[WG_TIMER_COUNT])(struct wg_peer *) = {
    [WG_TIMER_RETRANSMIT_HANDSHAKE] = expired_retransmit,
    [WG_TIMER_SEND_KEEPALIVE] = expired_send_keepalive,
    [WG_TIMER_NEW_HANDSHAKE] = expired_new_handshake,
    [WG_TIMER_ZERO_KEY_MATERIAL] = expired_zero_key_material,
    [WG_TIMER_PERSISTENT_KEEPALIVE] = expired_persistent_keepalive,
};

void wg_timers_expire(struct wg_device *dev, uint64_t now)
{
	struct wg_peer *p, *next;

	for (p = dev->peers; p; p = next) {
		next = p->next;
		for (int t = 0; t < WG_TIMER_COUNT; t++) {
			if (p->timers[t] && p->timers[t] <= now) {
				p->timers[t] = 0;
				handlers[t](p);
			}
		}
	}
}

uint64_t wg_timers_next_deadline(struct wg_device *dev)
{
	uint64_t min = 0;

	for (struct wg_peer *p = dev->peers; p; p = p->next)
		for (int t = 0; t < WG_TIMER_COUNT; t++)
			if (p->timers[t] && (!min || p->timers[t] < min))
				min = p->timers[t];
	return min;
}
