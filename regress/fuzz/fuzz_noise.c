/*
 * libFuzzer target for the handshake consumers in crypto/noise.c: any
 * 148 bytes go to noise_consume_initiation() as a responder, any 92
 * bytes to noise_consume_response() on a pending initiation.  Both
 * must fail cleanly and leave the state they were given untouched.
 * Inputs of other sizes are cut or padded to fit; unless the first
 * byte is odd, the headers are made valid so the cryptography runs.
 */

#include <sys/types.h>

#include <endian.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wgproto.h"
#include "noise.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct noise_local	 l_i, l_r;
static struct noise_remote	 r_i, r_r;	/* r_i: the initiator's view */
static struct noise_handshake	 pending;
static int			 ready;

static struct noise_remote *
lookup(const uint8_t pub[WGC_KEY_LEN], void *arg)
{
	struct noise_remote	*r = arg;

	return memcmp(r->pub, pub, WGC_KEY_LEN) == 0 ? r : NULL;
}

/* Fixed keys and one initiation in flight, made once. */
static void
setup(void)
{
	struct wg_msg_initiation m;
	uint8_t			 k[WGC_KEY_LEN], ts[WGC_TAI64N_LEN];

	if (wgc_init() == -1)
		__builtin_trap();
	memset(k, 0x41, sizeof(k));
	if (noise_local_init(&l_i, k) == -1)
		__builtin_trap();
	memset(k, 0x42, sizeof(k));
	if (noise_local_init(&l_r, k) == -1)
		__builtin_trap();
	if (noise_remote_init(&r_i, &l_i, l_r.pub, NULL) == -1 ||
	    noise_remote_init(&r_r, &l_r, l_i.pub, NULL) == -1)
		__builtin_trap();
	wgc_tai64n(ts, 1000, 0);
	memset(k, 0x43, sizeof(k));
	if (noise_create_initiation(&l_i, &r_i, &pending, 7, ts, k,
	    &m) == -1)
		__builtin_trap();
	ready = 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wg_msg_initiation init;
	struct wg_msg_response	 resp;
	struct noise_handshake	 hs, saved;
	struct noise_remote	 before, *found = NULL;
	struct noise_keypair	 kp;

	if (!ready)
		setup();

	memset(&init, 0, sizeof(init));
	memcpy(&init, data, size < sizeof(init) ? size : sizeof(init));
	if (size == 0 || (data[0] & 1) == 0)
		init.type = htole32(WG_MSG_INITIATION);
	memset(&hs, 0, sizeof(hs));
	before = r_r;
	if (noise_consume_initiation(&l_r, &init, lookup, &r_r, &hs,
	    &found) == 0) {
		/* Only a real initiation from l_i can get here. */
		if (found != &r_r)
			__builtin_trap();
		/* Keep the timestamp floor fixed, so runs are repeatable. */
		r_r = before;
	} else if (memcmp(&before, &r_r, sizeof(before)) != 0 ||
	    found != NULL)
		__builtin_trap();

	memset(&resp, 0, sizeof(resp));
	memcpy(&resp, data, size < sizeof(resp) ? size : sizeof(resp));
	if (size == 0 || (data[0] & 1) == 0) {
		resp.type = htole32(WG_MSG_RESPONSE);
		resp.receiver = htole32(pending.local_index);
	}
	hs = pending;
	saved = pending;
	if (noise_consume_response(&l_i, &r_i, &hs, &resp, &kp) == -1 &&
	    memcmp(&hs, &saved, sizeof(hs)) != 0)
		__builtin_trap();
	return 0;
}
