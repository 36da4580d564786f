// SPDX-License-Identifier: MIT
#include "replay.h"

#include <string.h>

#include "messages.h"

void wg_replay_init(struct wg_replay *r)
{
	memset(r, 0, sizeof(*r));
}

bool wg_replay_check(struct wg_replay *r, uint64_t counter)
{
	uint64_t word, cur, bit;

	if (counter >= WG_REJECT_AFTER_MESSAGES)
		return false;
	/* Work one-based so that next == 0 means "nothing seen". */
	counter++;
	if (counter + WG_REPLAY_WINDOW < r->next)
		return false;
	word = counter / 64;
	if (counter > r->next) {
		/* Clear the words the window slides over (all of them at most). */
		cur = r->next / 64;
		for (uint64_t i = 1; i <= word - cur && i <= WG_REPLAY_WORDS; i++)
			r->ring[(cur + i) % WG_REPLAY_WORDS] = 0;
		r->next = counter;
	}
	bit = 1ULL << (counter % 64);
	word %= WG_REPLAY_WORDS;
	if (r->ring[word] & bit)
		return false;
	r->ring[word] |= bit;
	return true;
}
