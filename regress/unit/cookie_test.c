/*
 * mac1, mac2 and cookie replies: a maker (the initiator's side) and a
 * checker (the responder's) talking, and the encodings checked against
 * values computed with Python's hashlib.blake2s.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cookie.h"
#include "tap.h"

static void
sa4(struct sockaddr_in *sin, const char *a, uint16_t port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	inet_pton(AF_INET, a, &sin->sin_addr);
}

static void
sa6(struct sockaddr_in6 *sin6, const char *a, uint16_t port)
{
	memset(sin6, 0, sizeof(*sin6));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	inet_pton(AF_INET6, a, &sin6->sin6_addr);
}

/* A fresh initiation with random contents and a given sender index. */
static void
mkinit(struct wg_msg_initiation *m, uint32_t sender)
{
	arc4random_buf(m, sizeof(*m));
	m->type = htole32(WG_MSG_INITIATION);
	m->sender = htole32(sender);
}

static int
zero(const uint8_t *p, size_t len)
{
	while (len-- > 0)
		if (*p++ != 0)
			return 0;
	return 1;
}

#define SA(x)	((struct sockaddr *)(x))

int
main(void)
{
	struct cookie_checker	 ck, other;
	struct cookie_maker	 mk;
	struct wg_msg_initiation init, copy;
	struct wg_msg_response	 resp;
	struct wg_msg_cookie	 reply, reply2;
	struct sockaddr_in	 src, src2, src3;
	struct sockaddr_in6	 src6, mapped;
	uint8_t			 pub[WGC_KEY_LEN], pub2[WGC_KEY_LEN];
	uint8_t			 want[WGC_HASH_LEN], kat[148];
	uint64_t		 t;
	size_t			 i;

	if (wgc_init() == -1) {
		printf("not ok 1 - wgc_init\n");
		return 1;
	}
	for (i = 0; i < sizeof(pub); i++)
		pub[i] = i;
	arc4random_buf(pub2, sizeof(pub2));
	sa4(&src, "198.51.100.7", 51820);
	sa4(&src2, "198.51.100.8", 51820);
	sa4(&src3, "198.51.100.7", 51821);
	sa6(&src6, "2001:db8::7", 51820);
	sa6(&mapped, "::ffff:198.51.100.7", 51820);

	tap_ok(cookie_checker_init(&ck, pub) == 0 &&
	    cookie_checker_init(&other, pub2) == 0 &&
	    cookie_maker_init(&mk, pub) == 0, "init");

	/* known answers (python3 hashlib.blake2s) */
	tap_unhex(want, sizeof(want), "3dd5869c5202e45146936d1644f76ff6"
	    "97061661c181f3fd450eae43932eacec");
	tap_ok(memcmp(mk.cookie_key, want, 32) == 0 &&
	    memcmp(ck.cookie_key, want, 32) == 0,
	    "cookie key = HASH(\"cookie--\" || Spub)");
	memset(kat, 0, sizeof(kat));
	kat[0] = 1;
	for (i = 4; i < 116; i++)
		kat[i] = (i * 7) & 0xff;
	tap_unhex(want, sizeof(want), "4467ce3f5a5ca963096642460df1550e");
	tap_ok(cookie_maker_mac(&mk, kat, sizeof(kat), 0) == 0 &&
	    memcmp(kat + 116, want, 16) == 0 && zero(kat + 132, 16),
	    "mac1 known answer, mac2 zero without a cookie");

	/* mac1 */
	mkinit(&init, 0x11223344);
	tap_ok(cookie_maker_mac(&mk, &init, sizeof(init), 100) == 0 &&
	    cookie_checker_validate(&ck, &init, sizeof(init), SA(&src), 0,
	    100, NULL) == COOKIE_VALID, "mac1 valid");
	copy = init;
	copy.ephemeral[5] ^= 1;
	tap_ok(cookie_checker_validate(&ck, &copy, sizeof(copy), SA(&src), 0,
	    100, NULL) == COOKIE_INVALID, "tampered message fails");
	copy = init;
	copy.macs.mac1[15] ^= 0x80;
	tap_ok(cookie_checker_validate(&ck, &copy, sizeof(copy), SA(&src), 0,
	    100, NULL) == COOKIE_INVALID, "tampered mac1 fails");
	tap_ok(cookie_checker_validate(&other, &init, sizeof(init), SA(&src), 0,
	    100, NULL) == COOKIE_INVALID, "mac1 for another public key fails");
	tap_ok(cookie_checker_validate(&ck, &init, sizeof(init) - 1, SA(&src),
	    0, 100, NULL) == COOKIE_INVALID &&
	    cookie_checker_validate(&ck, &init, sizeof(struct wg_msg_response),
	    SA(&src), 0, 100, NULL) == COOKIE_INVALID,
	    "wrong length or type fails");
	copy = init;
	copy.type = htole32(0x101);
	tap_ok(cookie_maker_mac(&mk, &copy, sizeof(copy), 100) == -1 &&
	    cookie_checker_validate(&ck, &copy, sizeof(copy), SA(&src), 0,
	    100, NULL) == COOKIE_INVALID, "reserved bytes must be zero");

	/* under load: the cookie round */
	memset(&reply, 0, sizeof(reply));
	tap_ok(cookie_checker_validate(&ck, &init, sizeof(init), SA(&src), 1,
	    100, &reply) == COOKIE_NEED_REPLY,
	    "under load without mac2: send a cookie reply");
	tap_ok(le32toh(reply.type) == WG_MSG_COOKIE &&
	    le32toh(reply.receiver) == 0x11223344 && !zero(reply.nonce, 24),
	    "reply: type 3, receiver = sender, a nonce");
	tap_ok(cookie_checker_validate(&ck, &init, sizeof(init), SA(&src), 1,
	    100, &reply2) == COOKIE_NEED_REPLY &&
	    memcmp(reply.nonce, reply2.nonce, 24) != 0,
	    "a fresh nonce per reply");
	copy = init;
	copy.macs.mac1[0] ^= 1;
	tap_ok(cookie_checker_validate(&ck, &copy, sizeof(copy), SA(&src), 1,
	    100, &reply2) == COOKIE_INVALID,
	    "under load, bad mac1: drop, no reply");

	reply2 = reply;
	reply2.enc_cookie[3] ^= 1;
	tap_ok(cookie_maker_consume(&mk, &reply2, sizeof(reply2), 101) == -1 &&
	    !mk.have_cookie, "tampered cookie reply refused");
	tap_ok(cookie_maker_consume(&mk, &reply, sizeof(reply) - 1, 101) == -1,
	    "short cookie reply refused");
	tap_ok(cookie_maker_consume(&mk, &reply, sizeof(reply), 101) == 0 &&
	    mk.have_cookie, "maker consumes the reply");
	tap_ok(cookie_maker_consume(&mk, &reply, sizeof(reply), 101) == -1,
	    "the same reply again refused");

	mkinit(&init, 0x55667788);
	tap_ok(cookie_maker_mac(&mk, &init, sizeof(init), 102) == 0 &&
	    !zero(init.macs.mac2, 16), "retry carries mac2");
	tap_ok(cookie_checker_validate(&ck, &init, sizeof(init), SA(&src), 1,
	    102, NULL) == COOKIE_VALID, "retry passes under load");
	tap_ok(cookie_checker_validate(&ck, &init, sizeof(init), SA(&mapped), 1,
	    102, NULL) == COOKIE_VALID,
	    "same source as IPv4-mapped IPv6 passes");
	tap_ok(cookie_checker_validate(&ck, &init, sizeof(init), SA(&src2), 1,
	    102, NULL) == COOKIE_NEED_REPLY &&
	    cookie_checker_validate(&ck, &init, sizeof(init), SA(&src3), 1,
	    102, NULL) == COOKIE_NEED_REPLY &&
	    cookie_checker_validate(&ck, &init, sizeof(init), SA(&src6), 1,
	    102, NULL) == COOKIE_NEED_REPLY,
	    "cookie from another address or port fails");
	copy = init;
	copy.macs.mac2[0] ^= 1;
	tap_ok(cookie_checker_validate(&ck, &copy, sizeof(copy), SA(&src), 1,
	    102, NULL) == COOKIE_NEED_REPLY, "tampered mac2 fails");

	/* responses work the same way */
	arc4random_buf(&resp, sizeof(resp));
	resp.type = htole32(WG_MSG_RESPONSE);
	tap_ok(cookie_maker_mac(&mk, &resp, sizeof(resp), 103) == 0 &&
	    cookie_checker_validate(&ck, &resp, sizeof(resp), SA(&src), 1,
	    103, NULL) == COOKIE_VALID, "response with mac1 and mac2");

	/* the maker's cookie expires */
	tap_ok(cookie_maker_mac(&mk, &init, sizeof(init),
	    101 + WG_COOKIE_SECRET_LIFE - 1) == 0 && !zero(init.macs.mac2, 16),
	    "cookie used until its lifetime");
	tap_ok(cookie_maker_mac(&mk, &init, sizeof(init),
	    101 + WG_COOKIE_SECRET_LIFE) == 0 && zero(init.macs.mac2, 16) &&
	    !mk.have_cookie, "expired cookie not used");

	/*
	 * Rotation.  Rm was drawn at 100; rotations at 220, 340.  A cookie
	 * made at 200 still passes after the first, not after the second.
	 */
	mkinit(&init, 1);
	cookie_maker_mac(&mk, &init, sizeof(init), 200);
	cookie_checker_validate(&ck, &init, sizeof(init), SA(&src), 1, 200,
	    &reply);
	tap_ok(cookie_maker_consume(&mk, &reply, sizeof(reply), 200) == 0,
	    "cookie made at 200");
	cookie_maker_mac(&mk, &init, sizeof(init), 300);
	tap_ok(cookie_checker_validate(&ck, &init, sizeof(init), SA(&src), 1,
	    300, NULL) == COOKIE_VALID && ck.nsecret == 2,
	    "valid after one rotation (previous Rm)");
	tap_ok(cookie_checker_validate(&ck, &init, sizeof(init), SA(&src), 1,
	    339, NULL) == COOKIE_VALID, "still valid just before the second");
	tap_ok(cookie_checker_validate(&ck, &init, sizeof(init), SA(&src), 1,
	    340, NULL) == COOKIE_NEED_REPLY,
	    "invalid after the second rotation");
	cookie_checker_validate(&ck, &init, sizeof(init), SA(&src), 1, 340,
	    &reply);
	cookie_maker_consume(&mk, &reply, sizeof(reply), 340);
	cookie_maker_mac(&mk, &init, sizeof(init), 341);
	tap_ok(cookie_checker_validate(&ck, &init, sizeof(init), SA(&src), 1,
	    341 + 2 * WG_COOKIE_SECRET_LIFE, NULL) == COOKIE_NEED_REPLY &&
	    ck.nsecret == 1, "idle for two lifetimes: every Rm replaced");
	t = ck.secret_born;
	tap_ok(cookie_checker_validate(&ck, &init, sizeof(init), SA(&src), 1,
	    5, NULL) == COOKIE_NEED_REPLY && ck.secret_born == 5 && t != 5,
	    "clock going back draws a new Rm");

	/* cookie encoding: MAC(Rm, 4-byte address || big-endian port) */
	for (i = 0; i < WGC_HASH_LEN; i++)
		ck.secret[0][i] = 100 + i;
	ck.nsecret = 1;
	ck.secret_born = 1000;
	mkinit(&init, 2);
	cookie_maker_mac(&mk, &init, sizeof(init), 1000);
	tap_ok(cookie_checker_validate(&ck, &init, sizeof(init), SA(&src), 1,
	    1000, &reply) == COOKIE_NEED_REPLY &&
	    cookie_maker_consume(&mk, &reply, sizeof(reply), 1000) == 0,
	    "reply under a known Rm");
	tap_unhex(want, sizeof(want), "d1de129fe4153e18aca2fca5fcd923ce");
	tap_ok(memcmp(mk.cookie, want, 16) == 0,
	    "cookie known answer (198.51.100.7 port 51820)");

	/* a reply answers only the mac1 we last sent */
	mkinit(&init, 3);
	cookie_maker_mac(&mk, &init, sizeof(init), 1001);
	cookie_checker_validate(&ck, &init, sizeof(init), SA(&src), 1,
	    1001, &reply);
	mkinit(&init, 4);
	cookie_maker_mac(&mk, &init, sizeof(init), 1002);
	tap_ok(cookie_maker_consume(&mk, &reply, sizeof(reply), 1002) == -1,
	    "reply to an earlier message refused");
	reply.type = htole32(4);
	tap_ok(cookie_maker_consume(&mk, &reply, sizeof(reply), 1002) == -1,
	    "wrong type refused");

	cookie_checker_wipe(&ck);
	cookie_checker_wipe(&other);
	cookie_maker_wipe(&mk);
	tap_ok(zero((uint8_t *)&ck, sizeof(ck)) &&
	    zero((uint8_t *)&mk, sizeof(mk)), "wipe");
	return tap_done();
}
