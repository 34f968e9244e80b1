/*
 * The anti-replay window: fixed scenarios, then random streams checked
 * against a plain model (a list of every counter accepted).
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"
#include "tap.h"

/* check, then update, as the receive path does after decryption */
static int
accept(struct replay *r, uint64_t c)
{
	if (replay_check(r, c) == -1)
		return 0;
	return replay_update(r, c) == 0;
}

static uint64_t
rnd64(void)
{
	return (uint64_t)arc4random() << 32 | arc4random();
}

/* The model: every accepted counter, and the greatest one. */
#define MODEL_MAX	20000
static uint64_t	 model_seen[MODEL_MAX];
static size_t	 model_n;
static uint64_t	 model_next;

static int
model_accept(uint64_t c)
{
	size_t	 i;

	if (c >= WG_REJECT_AFTER_MESSAGES)
		return 0;
	if (c < model_next && model_next - c > REPLAY_WINDOW_USABLE)
		return 0;
	for (i = 0; i < model_n; i++)
		if (model_seen[i] == c)
			return 0;
	if (model_n < MODEL_MAX)
		model_seen[model_n++] = c;
	if (c >= model_next)
		model_next = c + 1;
	return 1;
}

static int
random_stream(int jumpy)
{
	struct replay	 r;
	uint64_t	 base, c;
	int		 i, a, b;

	replay_init(&r);
	model_n = 0;
	model_next = 0;
	base = 0;
	for (i = 0; i < MODEL_MAX; i++) {
		switch (arc4random_uniform(jumpy ? 8 : 4)) {
		case 0:		/* duplicate or reordered, near the top */
			c = base > 3000 ? base - arc4random_uniform(3000) :
			    arc4random_uniform(3000);
			break;
		case 1:		/* around the window's edge */
			c = base - REPLAY_WINDOW_USABLE - 2 +
			    arc4random_uniform(5);
			break;
		case 4:		/* big jump */
			base += arc4random_uniform(1 << 20);
			c = base;
			break;
		case 5:
			base += 2 * WG_REPLAY_WINDOW + arc4random_uniform(64);
			c = base;
			break;
		default:	/* mostly in order */
			base += arc4random_uniform(3);
			c = base;
			break;
		}
		if (c > base + 100000)	/* wrapped below zero */
			c = arc4random_uniform(64);
		a = accept(&r, c);
		b = model_accept(c);
		if (a != b) {
			printf("# counter %llu: window %d, model %d\n",
			    (unsigned long long)c, a, b);
			return 0;
		}
	}
	return 1;
}

int
main(void)
{
	struct replay	 r;
	uint64_t	 c, lim;
	int		 i, good;

	replay_init(&r);
	good = 1;
	for (c = 0; c < 10000; c++)
		good &= accept(&r, c);
	tap_ok(good, "10000 in-order counters accepted");

	good = 1;
	for (c = 0; c < 10000; c++)
		good &= replay_check(&r, c) == -1;
	tap_ok(good, "every one of them refused again");

	replay_init(&r);
	tap_ok(accept(&r, 0), "counter 0 first");
	tap_ok(!accept(&r, 0), "counter 0 twice refused");
	tap_ok(accept(&r, 100) && accept(&r, 50) && accept(&r, 99) &&
	    accept(&r, 1), "out of order within the window");
	tap_ok(!accept(&r, 50) && !accept(&r, 100) && !accept(&r, 1),
	    "out-of-order duplicates refused");
	tap_ok(replay_check(&r, 101) == 0 && replay_check(&r, 101) == 0,
	    "check alone changes nothing");
	tap_ok(replay_update(&r, 101) == 0 && replay_update(&r, 101) == -1,
	    "second update of one counter refused (race after check)");

	replay_init(&r);
	tap_ok(accept(&r, 5000), "jump from nothing to 5000");
	tap_ok(accept(&r, 5000 - REPLAY_WINDOW_USABLE + 1),
	    "oldest counter inside the window");
	tap_ok(!accept(&r, 5000 - REPLAY_WINDOW_USABLE),
	    "first counter outside the window");
	tap_ok(!accept(&r, 0), "far too old");
	tap_ok(accept(&r, 4000) && !accept(&r, 4000), "inside, then duplicate");

	/* big jump: everything before it is forgotten, nothing aliased */
	tap_ok(accept(&r, 1000000), "jump of a million");
	good = 1;
	for (c = 1000000 - REPLAY_WINDOW_USABLE + 1; c < 1000000; c++)
		good &= accept(&r, c);
	tap_ok(good, "whole window behind the jump accepted once");
	good = 1;
	for (c = 1000000 - REPLAY_WINDOW_USABLE + 1; c <= 1000000; c++)
		good &= !accept(&r, c);
	tap_ok(good, "and refused the second time");

	/* wrap: walk the ring several turns with holes, then fill them */
	replay_init(&r);
	good = 1;
	for (c = 0; c < 20 * WG_REPLAY_WINDOW; c += 2)
		good &= accept(&r, c);
	for (c = 20 * WG_REPLAY_WINDOW - REPLAY_WINDOW_USABLE + 1;
	    c < 20 * WG_REPLAY_WINDOW; c += 2)
		good &= accept(&r, c);
	for (c = 20 * WG_REPLAY_WINDOW - REPLAY_WINDOW_USABLE;
	    c < 20 * WG_REPLAY_WINDOW; c++)
		good &= !accept(&r, c);
	tap_ok(good, "twenty turns of the ring, holes filled once");

	/* a jump of exactly one ring, and of a ring plus a word */
	replay_init(&r);
	good = accept(&r, 63);
	good &= accept(&r, 63 + WG_REPLAY_WINDOW);
	good &= !accept(&r, 63);
	good &= accept(&r, 64 + WG_REPLAY_WINDOW) &&
	    accept(&r, 127 + 2 * WG_REPLAY_WINDOW) &&
	    accept(&r, 128 + 2 * WG_REPLAY_WINDOW - REPLAY_WINDOW_USABLE);
	tap_ok(good, "jumps of a ring and more: no stale bits");

	/* the reject limit */
	lim = WG_REJECT_AFTER_MESSAGES;
	replay_init(&r);
	tap_ok(accept(&r, lim - 2) && accept(&r, lim - 1),
	    "last two counters below the limit");
	tap_ok(!accept(&r, lim) && !accept(&r, lim + 1) &&
	    !accept(&r, UINT64_MAX),
	    "counters at and beyond REJECT_AFTER_MESSAGES refused");
	tap_ok(accept(&r, lim - 3), "still accepts behind the top");
	replay_init(&r);
	tap_ok(replay_check(&r, UINT64_MAX) == -1 &&
	    replay_update(&r, UINT64_MAX) == -1, "UINT64_MAX on empty window");

	good = 1;
	for (i = 0; i < 10; i++)
		good &= random_stream(i & 1);
	tap_ok(good, "random streams match the model");

	/* random single jumps anywhere in the counter space */
	good = 1;
	for (i = 0; i < 100000; i++) {
		c = rnd64() >> arc4random_uniform(64);
		replay_init(&r);
		good &= accept(&r, c) == (c < lim);
		if (c < lim && c > 0)
			good &= accept(&r, c - 1) && !accept(&r, c);
	}
	tap_ok(good, "random counters across the whole space");

	return tap_done();
}
