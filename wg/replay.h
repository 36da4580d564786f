/* SPDX-License-Identifier: MIT */
/*
 * The receiving side's sliding window of counters (whitepaper 5.4.6, in the
 * style of RFC 6479: a ring of 64-bit words, whole words cleared as the window
 * advances, so the cost per packet is constant). 8192 bits in the ring, of
 * which WG_REPLAY_WINDOW are usable: a packet up to that far behind the
 * greatest counter seen is still accepted once, which tolerates the reordering
 * of parallel decryption.
 *
 * Not synchronised: one window belongs to one keypair and the caller
 * serialises the checks of one keypair (the receive path checks counters in
 * its per-peer, in-order stage, after decryption succeeded).
 */
#ifndef TWWG_REPLAY_H
#define TWWG_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#define WG_REPLAY_BITS	 8192
#define WG_REPLAY_WORDS	 (WG_REPLAY_BITS / 64)
#define WG_REPLAY_WINDOW (WG_REPLAY_BITS - 64)

struct wg_replay {
	uint64_t next; /* greatest counter accepted + 1; 0 when none yet */
	uint64_t ring[WG_REPLAY_WORDS];
};

/* Empties the window. */
void wg_replay_init(struct wg_replay *r);

/*
 * Accepts a counter (true) and records it, or rejects it (false) as seen
 * before, too old for the window, or at or beyond WG_REJECT_AFTER_MESSAGES.
 * Call only after the packet authenticated: a forged counter must not move
 * the window.
 */
bool wg_replay_check(struct wg_replay *r, uint64_t counter);

#endif
