/*
 * Unit test for crypto/noise.c: complete handshakes in both directions
 * with and without a psk, the transport keys in use, replays, unknown
 * peers, every bit flip of the authenticated fields, state checks.
 * The cross-check with an independent implementation is
 * noise_xcheck.sh.
 */

#include <sys/types.h>

#include <endian.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wgproto.h"
#include "noise.h"
#include "tap.h"

/* Both ends of a pair of peers: a and b, each with the other's remote. */
struct peers {
	struct noise_local	 a, b;
	struct noise_remote	 a_b;	/* a's view of b */
	struct noise_remote	 b_a;	/* b's view of a */
};

static void
fill(uint8_t *p, size_t len, uint8_t first)
{
	size_t		 i;

	for (i = 0; i < len; i++)
		p[i] = first + 7 * i;
}

static int
allzero(const void *p, size_t len)
{
	const uint8_t	*b = p;
	size_t		 i;

	for (i = 0; i < len; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

/* The single known peer, whoever asks. */
static struct noise_remote *
lookup_one(const uint8_t pub[WGC_KEY_LEN], void *arg)
{
	struct noise_remote	*r = arg;

	if (r == NULL || memcmp(r->pub, pub, WGC_KEY_LEN) != 0)
		return NULL;
	return r;
}

static struct noise_remote *
lookup_none(const uint8_t pub[WGC_KEY_LEN], void *arg)
{
	(void)pub;
	(void)arg;
	return NULL;
}

static void
setup(struct peers *p, const uint8_t *psk_a, const uint8_t *psk_b)
{
	uint8_t		 k[WGC_KEY_LEN];

	fill(k, sizeof(k), 0x11);
	if (noise_local_init(&p->a, k) == -1)
		abort();
	fill(k, sizeof(k), 0x52);
	if (noise_local_init(&p->b, k) == -1)
		abort();
	if (noise_remote_init(&p->a_b, &p->a, p->b.pub, psk_a) == -1 ||
	    noise_remote_init(&p->b_a, &p->b, p->a.pub, psk_b) == -1)
		abort();
}

/*
 * One handshake from i to r; returns 0 when both sides derived a
 * session and the sessions match.
 */
static int
handshake(const struct noise_local *li, struct noise_remote *ri,
    const struct noise_local *lr, struct noise_remote *rr, int64_t sec,
    struct noise_keypair *kpi, struct noise_keypair *kpr)
{
	struct noise_handshake	 hi, hr;
	struct noise_remote	*found = NULL;
	struct wg_msg_initiation init;
	struct wg_msg_response	 resp;
	uint8_t			 ts[WGC_TAI64N_LEN];

	memset(&hi, 0, sizeof(hi));
	memset(&hr, 0, sizeof(hr));
	wgc_tai64n(ts, sec, 0);
	if (noise_create_initiation(li, ri, &hi, 0x01020304, ts, NULL,
	    &init) == -1)
		return -1;
	if (!allzero(&init.macs, sizeof(init.macs)))
		return -1;
	if (noise_consume_initiation(lr, &init, lookup_one, rr, &hr,
	    &found) == -1 || found != rr)
		return -1;
	if (hr.remote_index != 0x01020304)
		return -1;
	if (noise_create_response(rr, &hr, 0xa0b0c0d0, NULL, &resp,
	    kpr) == -1)
		return -1;
	if (!allzero(&resp.macs, sizeof(resp.macs)))
		return -1;
	if (noise_consume_response(li, ri, &hi, &resp, kpi) == -1)
		return -1;
	/* Both handshakes are spent and wiped. */
	if (!allzero(&hi, sizeof(hi)) || !allzero(&hr, sizeof(hr)))
		return -1;
	if (memcmp(kpi->send, kpr->recv, WGC_KEY_LEN) != 0 ||
	    memcmp(kpi->recv, kpr->send, WGC_KEY_LEN) != 0 ||
	    memcmp(kpi->send, kpi->recv, WGC_KEY_LEN) == 0)
		return -1;
	if (kpi->local_index != 0x01020304 || kpi->remote_index != 0xa0b0c0d0 ||
	    kpr->local_index != 0xa0b0c0d0 || kpr->remote_index != 0x01020304 ||
	    kpi->initiator != 1 || kpr->initiator != 0)
		return -1;
	return 0;
}

/* A packet sealed with one side's send key opens with the other's. */
static int
transport(const struct noise_keypair *from, const struct noise_keypair *to)
{
	struct wgc_aead	 s, o;
	uint8_t		 pkt[64], ct[64 + WGC_TAG_LEN], pt[64];
	int		 rv = -1;

	fill(pkt, sizeof(pkt), 0x45);
	if (wgc_aead_init(&s, from->send) == -1)
		return -1;
	if (wgc_aead_init(&o, to->recv) == -1) {
		wgc_aead_free(&s);
		return -1;
	}
	if (wgc_aead_seal(&s, ct, pkt, sizeof(pkt), NULL, 0, 7) == 0 &&
	    wgc_aead_open(&o, pt, ct, sizeof(ct), NULL, 0, 7) == 0 &&
	    memcmp(pt, pkt, sizeof(pkt)) == 0 &&
	    wgc_aead_open(&o, pt, ct, sizeof(ct), NULL, 0, 8) == -1)
		rv = 0;
	wgc_aead_free(&s);
	wgc_aead_free(&o);
	return rv;
}

static void
test_full(void)
{
	struct peers		 p;
	struct noise_keypair	 ki, kr;
	uint8_t			 psk[WGC_KEY_LEN];

	setup(&p, NULL, NULL);
	tap_ok(handshake(&p.a, &p.a_b, &p.b, &p.b_a, 1000, &ki, &kr) == 0,
	    "handshake a -> b, no psk");
	tap_ok(transport(&ki, &kr) == 0 && transport(&kr, &ki) == 0,
	    "transport keys both ways, no psk");
	tap_ok(handshake(&p.b, &p.b_a, &p.a, &p.a_b, 1000, &ki, &kr) == 0,
	    "handshake b -> a, no psk");
	tap_ok(transport(&ki, &kr) == 0 && transport(&kr, &ki) == 0,
	    "transport keys b -> a");

	fill(psk, sizeof(psk), 0x99);
	setup(&p, psk, psk);
	tap_ok(handshake(&p.a, &p.a_b, &p.b, &p.b_a, 1000, &ki, &kr) == 0,
	    "handshake a -> b, psk");
	tap_ok(transport(&ki, &kr) == 0 && transport(&kr, &ki) == 0,
	    "transport keys, psk");
	tap_ok(handshake(&p.b, &p.b_a, &p.a, &p.a_b, 1000, &ki, &kr) == 0,
	    "handshake b -> a, psk");
	tap_ok(handshake(&p.a, &p.a_b, &p.b, &p.b_a, 1001, &ki, &kr) == 0,
	    "second handshake, later timestamp");
	noise_keypair_clear(&ki);
	noise_keypair_clear(&kr);
	tap_ok(allzero(&ki, sizeof(ki)), "keypair cleared");
}

static void
test_deterministic(void)
{
	struct peers		 p;
	struct noise_handshake	 h1, h2;
	struct wg_msg_initiation m1, m2;
	uint8_t			 ts[WGC_TAI64N_LEN], e[WGC_KEY_LEN];

	setup(&p, NULL, NULL);
	wgc_tai64n(ts, 5, 6);
	fill(e, sizeof(e), 0x33);
	tap_ok(noise_create_initiation(&p.a, &p.a_b, &h1, 9, ts, e, &m1) == 0 &&
	    noise_create_initiation(&p.a, &p.a_b, &h2, 9, ts, e, &m2) == 0 &&
	    memcmp(&m1, &m2, sizeof(m1)) == 0 &&
	    memcmp(&h1, &h2, sizeof(h1)) == 0,
	    "a given ephemeral gives the same initiation");
	tap_ok(noise_create_initiation(&p.a, &p.a_b, &h2, 9, ts, NULL,
	    &m2) == 0 && memcmp(m1.ephemeral, m2.ephemeral, WGC_KEY_LEN) != 0,
	    "random ephemerals differ");
	tap_ok(m1.type == htole32(1) && m1.sender == htole32(9),
	    "initiation header little-endian");
}

static void
test_replay(void)
{
	struct peers		 p;
	struct noise_handshake	 hi, hr, saved;
	struct noise_remote	*found;
	struct noise_remote	 before;
	struct wg_msg_initiation m, old;
	uint8_t			 ts[WGC_TAI64N_LEN];

	setup(&p, NULL, NULL);
	wgc_tai64n(ts, 2000, 100);
	if (noise_create_initiation(&p.a, &p.a_b, &hi, 1, ts, NULL, &m) == -1)
		abort();
	wgc_tai64n(ts, 2000, 99);
	if (noise_create_initiation(&p.a, &p.a_b, &hi, 1, ts, NULL,
	    &old) == -1)
		abort();
	tap_ok(noise_consume_initiation(&p.b, &m, lookup_one, &p.b_a, &hr,
	    &found) == 0, "fresh initiation accepted");

	memset(&saved, 0xee, sizeof(saved));
	hr = saved;
	found = NULL;
	before = p.b_a;
	tap_ok(noise_consume_initiation(&p.b, &m, lookup_one, &p.b_a, &hr,
	    &found) == -1 && found == NULL &&
	    memcmp(&hr, &saved, sizeof(hr)) == 0 &&
	    memcmp(&before, &p.b_a, sizeof(before)) == 0,
	    "replayed initiation refused, nothing changed");
	tap_ok(noise_consume_initiation(&p.b, &old, lookup_one, &p.b_a, &hr,
	    &found) == -1 && memcmp(&before, &p.b_a, sizeof(before)) == 0,
	    "older timestamp refused");
	wgc_tai64n(ts, 2000, 101);
	if (noise_create_initiation(&p.a, &p.a_b, &hi, 1, ts, NULL, &m) == -1)
		abort();
	tap_ok(noise_consume_initiation(&p.b, &m, lookup_one, &p.b_a, &hr,
	    &found) == 0 && memcmp(p.b_a.last_ts, ts, sizeof(ts)) == 0,
	    "newer timestamp accepted, last_ts advanced");

	wgc_tai64n(ts, 2001, 0);
	if (noise_create_initiation(&p.a, &p.a_b, &hi, 1, ts, NULL, &m) == -1)
		abort();
	hr = saved;
	found = NULL;
	before = p.b_a;
	tap_ok(noise_consume_initiation(&p.b, &m, lookup_none, NULL, &hr,
	    &found) == -1 && found == NULL &&
	    memcmp(&hr, &saved, sizeof(hr)) == 0,
	    "unknown initiator refused");
	tap_ok(noise_consume_initiation(&p.b, &m, lookup_one, &p.b_a, &hr,
	    &found) == 0, "same initiation then accepted by its peer");
}

/* Flip each bit of [off, off + len) of the initiation; all must fail. */
static int
flip_initiation(struct peers *p, const struct wg_msg_initiation *good,
    size_t off, size_t len)
{
	struct wg_msg_initiation m;
	struct noise_handshake	 hr, saved;
	struct noise_remote	 before;
	struct noise_remote	*found;
	size_t			 i;
	int			 b;

	memset(&saved, 0xee, sizeof(saved));
	before = p->b_a;
	for (i = off; i < off + len; i++) {
		for (b = 0; b < 8; b++) {
			m = *good;
			((uint8_t *)&m)[i] ^= 1 << b;
			hr = saved;
			found = NULL;
			if (noise_consume_initiation(&p->b, &m, lookup_one,
			    &p->b_a, &hr, &found) != -1 || found != NULL ||
			    memcmp(&hr, &saved, sizeof(hr)) != 0 ||
			    memcmp(&before, &p->b_a, sizeof(before)) != 0)
				return -1;
		}
	}
	return 0;
}

static int
flip_response(struct peers *p, const struct noise_handshake *hi,
    const struct wg_msg_response *good, size_t off, size_t len)
{
	struct wg_msg_response	 m;
	struct noise_handshake	 h;
	struct noise_keypair	 kp, saved;
	size_t			 i;
	int			 b;

	memset(&saved, 0xee, sizeof(saved));
	for (i = off; i < off + len; i++) {
		for (b = 0; b < 8; b++) {
			m = *good;
			((uint8_t *)&m)[i] ^= 1 << b;
			h = *hi;
			kp = saved;
			if (noise_consume_response(&p->a, &p->a_b, &h, &m,
			    &kp) != -1 ||
			    memcmp(&h, hi, sizeof(h)) != 0 ||
			    memcmp(&kp, &saved, sizeof(kp)) != 0)
				return -1;
		}
	}
	return 0;
}

#define FIELD(t, f)	offsetof(struct t, f), sizeof(((struct t *)0)->f)

static void
test_flips(void)
{
	struct peers		 p;
	struct noise_handshake	 hi, hr, hsave, hother;
	struct noise_remote	*found;
	struct noise_keypair	 ki, kr;
	struct wg_msg_initiation init, m;
	struct wg_msg_response	 resp;
	uint8_t			 ts[WGC_TAI64N_LEN], psk[WGC_KEY_LEN];

	fill(psk, sizeof(psk), 0x77);
	setup(&p, psk, psk);
	wgc_tai64n(ts, 3000, 0);
	if (noise_create_initiation(&p.a, &p.a_b, &hi, 42, ts, NULL,
	    &init) == -1)
		abort();
	tap_ok(flip_initiation(&p, &init, FIELD(wg_msg_initiation, type)) == 0,
	    "initiation: every bit flip of type refused");
	tap_ok(flip_initiation(&p, &init,
	    FIELD(wg_msg_initiation, ephemeral)) == 0,
	    "initiation: every bit flip of ephemeral refused");
	tap_ok(flip_initiation(&p, &init,
	    FIELD(wg_msg_initiation, enc_static)) == 0,
	    "initiation: every bit flip of static refused");
	tap_ok(flip_initiation(&p, &init,
	    FIELD(wg_msg_initiation, enc_timestamp)) == 0,
	    "initiation: every bit flip of timestamp refused");
	if (noise_consume_initiation(&p.b, &init, lookup_one, &p.b_a, &hr,
	    &found) == -1 ||
	    noise_create_response(&p.b_a, &hr, 43, NULL, &resp, &kr) == -1)
		abort();

	/* sender and the macs are outside Noise: mac1 (netengine) covers. */
	wgc_tai64n(ts, 3001, 0);
	if (noise_create_initiation(&p.a, &p.a_b, &hother, 42, ts, NULL,
	    &m) == -1)
		abort();
	m.sender ^= htole32(0x100);
	m.macs.mac1[0] ^= 1;
	tap_ok(noise_consume_initiation(&p.b, &m, lookup_one, &p.b_a, &hother,
	    &found) == 0 && hother.remote_index == (42 ^ 0x100),
	    "initiation: sender and macs are not Noise's to check");
	hsave = hi;
	tap_ok(flip_response(&p, &hi, &resp, FIELD(wg_msg_response, type)) == 0,
	    "response: every bit flip of type refused");
	tap_ok(flip_response(&p, &hi, &resp,
	    FIELD(wg_msg_response, receiver)) == 0,
	    "response: every bit flip of receiver refused");
	tap_ok(flip_response(&p, &hi, &resp,
	    FIELD(wg_msg_response, ephemeral)) == 0,
	    "response: every bit flip of ephemeral refused");
	tap_ok(flip_response(&p, &hi, &resp,
	    FIELD(wg_msg_response, enc_empty)) == 0,
	    "response: every bit flip of empty refused");
	tap_ok(memcmp(&hi, &hsave, sizeof(hi)) == 0 &&
	    noise_consume_response(&p.a, &p.a_b, &hi, &resp, &ki) == 0 &&
	    memcmp(ki.send, kr.recv, WGC_KEY_LEN) == 0 &&
	    ki.remote_index == 43,
	    "genuine response accepted after the flips");
}

static void
test_wrong(void)
{
	struct peers		 p;
	struct noise_handshake	 h1, h2, hr, none, saved;
	struct noise_remote	*found;
	struct noise_keypair	 ki, kr;
	struct wg_msg_initiation m1, m2;
	struct wg_msg_response	 resp;
	uint8_t			 ts[WGC_TAI64N_LEN], psk[WGC_KEY_LEN];
	uint8_t			 psk2[WGC_KEY_LEN], zero[WGC_KEY_LEN];

	setup(&p, NULL, NULL);
	wgc_tai64n(ts, 4000, 0);
	if (noise_create_initiation(&p.a, &p.a_b, &h1, 1, ts, NULL,
	    &m1) == -1)
		abort();
	wgc_tai64n(ts, 4000, 1);
	if (noise_create_initiation(&p.a, &p.a_b, &h2, 2, ts, NULL,
	    &m2) == -1)
		abort();
	if (noise_consume_initiation(&p.b, &m2, lookup_one, &p.b_a, &hr,
	    &found) == -1 ||
	    noise_create_response(&p.b_a, &hr, 5, NULL, &resp, &kr) == -1)
		abort();
	saved = h1;
	tap_ok(noise_consume_response(&p.a, &p.a_b, &h1, &resp, &ki) == -1 &&
	    memcmp(&h1, &saved, sizeof(h1)) == 0,
	    "response to another handshake refused (index)");
	h1.local_index = 2;
	tap_ok(noise_consume_response(&p.a, &p.a_b, &h1, &resp, &ki) == -1,
	    "response to another handshake refused (same index)");
	tap_ok(noise_consume_response(&p.a, &p.a_b, &h2, &resp, &ki) == 0,
	    "response to its own handshake accepted");
	tap_ok(noise_consume_response(&p.a, &p.a_b, &h2, &resp, &ki) == -1,
	    "spent handshake refuses a second response");

	memset(&none, 0, sizeof(none));
	tap_ok(noise_create_response(&p.b_a, &none, 5, NULL, &resp, &kr) == -1,
	    "response refused without a consumed initiation");
	tap_ok(noise_create_response(&p.a_b, &h1, 5, NULL, &resp, &kr) == -1,
	    "initiator's handshake cannot make a response");
	wgc_tai64n(ts, 4001, 0);
	if (noise_create_initiation(&p.a, &p.a_b, &h1, 1, ts, NULL,
	    &m1) == -1 || noise_consume_initiation(&p.b, &m1, lookup_one,
	    &p.b_a, &hr, &found) == -1)
		abort();
	tap_ok(noise_consume_response(&p.a, &p.a_b, &hr, &resp, &ki) == -1,
	    "responder's handshake cannot consume a response");

	/* Mismatched psk: the initiation passes, the response cannot. */
	fill(psk, sizeof(psk), 0x21);
	setup(&p, psk, NULL);
	tap_ok(handshake(&p.a, &p.a_b, &p.b, &p.b_a, 10, &ki, &kr) == -1,
	    "psk on one side only fails");
	memcpy(psk2, psk, sizeof(psk2));
	psk2[31] ^= 0x80;
	setup(&p, psk, psk2);
	tap_ok(handshake(&p.a, &p.a_b, &p.b, &p.b_a, 10, &ki, &kr) == -1,
	    "different psks fail");

	/* Low-order points: the DH is refused. */
	memset(zero, 0, sizeof(zero));
	tap_ok(noise_remote_init(&p.a_b, &p.a, zero, NULL) == -1,
	    "low-order static key refused");
	setup(&p, NULL, NULL);
	wgc_tai64n(ts, 4002, 0);
	if (noise_create_initiation(&p.a, &p.a_b, &h1, 1, ts, NULL,
	    &m1) == -1)
		abort();
	memset(m1.ephemeral, 0, sizeof(m1.ephemeral));
	tap_ok(noise_consume_initiation(&p.b, &m1, lookup_one, &p.b_a, &hr,
	    &found) == -1, "low-order ephemeral refused");
	noise_handshake_clear(&h1);
	tap_ok(allzero(&h1, sizeof(h1)) && h1.state == NOISE_HS_NONE,
	    "handshake cleared");
}

int
main(void)
{
	if (wgc_init() == -1) {
		fprintf(stderr, "wgc_init failed\n");
		return 1;
	}
	test_full();
	test_deterministic();
	test_replay();
	test_flips();
	test_wrong();
	return tap_done();
}
