/*
 * Anti-replay window, RFC 6479 style.  Counter c lives in bit
 * (c mod 64) of word (c / 64) mod REPLAY_WORDS.  When a newer counter
 * arrives the words between the old and the new top are zeroed; words
 * further back keep their bits, so a counter is judged only against
 * bits written in the current turn of the ring.
 */

#include <string.h>

#include "replay.h"

#define WORD_SHIFT	6	/* log2(REPLAY_WORD_BITS) */
#define RING_MASK	(REPLAY_WORDS - 1)

void
replay_init(struct replay *r)
{
	memset(r, 0, sizeof(*r));
}

int
replay_check(const struct replay *r, uint64_t c)
{
	uint64_t	 bit;

	if (c >= WG_REJECT_AFTER_MESSAGES)
		return -1;
	if (c >= r->next)
		return 0;
	/* next > c here, so next - c does not wrap. */
	if (r->next - c > REPLAY_WINDOW_USABLE)
		return -1;
	bit = 1ULL << (c & (REPLAY_WORD_BITS - 1));
	if (r->ring[(c >> WORD_SHIFT) & RING_MASK] & bit)
		return -1;
	return 0;
}

int
replay_update(struct replay *r, uint64_t c)
{
	uint64_t	 top, blk, n, i, bit, *w;

	if (replay_check(r, c) == -1)
		return -1;
	if (c >= r->next) {
		/*
		 * Zero the words the window slides onto.  A jump of a
		 * whole ring or more clears all of it, and no more.
		 */
		top = r->next == 0 ? 0 : (r->next - 1) >> WORD_SHIFT;
		blk = c >> WORD_SHIFT;
		n = blk - top;
		if (n > REPLAY_WORDS)
			n = REPLAY_WORDS;
		for (i = 1; i <= n; i++)
			r->ring[(top + i) & RING_MASK] = 0;
		r->next = c + 1;
	}
	bit = 1ULL << (c & (REPLAY_WORD_BITS - 1));
	w = &r->ring[(c >> WORD_SHIFT) & RING_MASK];
	*w |= bit;
	return 0;
}
