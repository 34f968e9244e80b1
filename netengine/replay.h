/*
 * The receive-side anti-replay window of WireGuard transport
 * (whitepaper 5.4.6), in the style of RFC 6479: a ring of 64-bit words
 * that slides a word at a time, so a check or an update is O(1) and
 * never touches more than the words a jump clears.  Pure: no I/O, no
 * allocation, no clock.  See docs/transport.md.
 */

#ifndef CLAWD_REPLAY_H
#define CLAWD_REPLAY_H

#include <stdint.h>

#include "wgproto.h"

#define REPLAY_WORD_BITS	64
#define REPLAY_WORDS		(WG_REPLAY_WINDOW / REPLAY_WORD_BITS)
/*
 * Counters this far behind the greatest one seen are still told apart;
 * one word of the ring is the one being refilled (RFC 6479 section 2).
 */
#define REPLAY_WINDOW_USABLE	(WG_REPLAY_WINDOW - REPLAY_WORD_BITS)

_Static_assert((REPLAY_WORDS & (REPLAY_WORDS - 1)) == 0,
    "replay ring must be a power of two words");

struct replay {
	uint64_t	 next;		/* greatest counter accepted + 1 */
	uint64_t	 ring[REPLAY_WORDS];
};

void	replay_init(struct replay *);
/*
 * Before decryption: 0 if the counter may be new, -1 if it is a
 * duplicate, too old or at the reject limit.  Changes nothing.
 */
int	replay_check(const struct replay *, uint64_t);
/*
 * After the packet authenticated: record the counter.  -1 if it has
 * become unacceptable since the check (another packet with the same
 * counter got there first), and then nothing changes.
 */
int	replay_update(struct replay *, uint64_t);

#endif /* CLAWD_REPLAY_H */
