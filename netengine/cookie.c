/*
 * mac1, mac2 and cookie replies, whitepaper section 5.4.7:
 *
 *   mac1   = MAC(HASH(LABEL_MAC1 || Spub_receiver), msg up to mac1)
 *   cookie = MAC(Rm, source address || source port)
 *   mac2   = MAC(cookie, msg up to mac2)
 *   reply  = XAEAD(HASH(LABEL_COOKIE || Spub_sender), nonce, cookie,
 *            the mac1 of the message being answered)
 *
 * The address is 4 bytes for IPv4 (also when it reaches us mapped into
 * IPv6) or 16 for IPv6, the port 2 bytes in network order, as the
 * Linux driver hashes them straight from the packet headers.  Only the
 * side that made a cookie ever recomputes it, so this choice needs no
 * agreement with peers (wireguard-go hashes the port little-endian).
 *
 * Rm rotates every WG_COOKIE_SECRET_LIFE seconds on a fixed schedule,
 * and the previous Rm is still accepted: a cookie dies at the second
 * rotation after it was made, at most two lifetimes after its secret
 * was drawn, so a cookie made just before a rotation is still good
 * when the initiator's retry arrives.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "cookie.h"

#define MACS_LEN	sizeof(struct wg_macs)
#define SRC_MAX		(16 + 2)

/* The length and type of an initiation or a response. */
static int
handshake_ok(const uint8_t *p, size_t len)
{
	if (len == sizeof(struct wg_msg_initiation))
		return p[0] == WG_MSG_INITIATION && p[1] == 0 && p[2] == 0 &&
		    p[3] == 0;
	if (len == sizeof(struct wg_msg_response))
		return p[0] == WG_MSG_RESPONSE && p[1] == 0 && p[2] == 0 &&
		    p[3] == 0;
	return 0;
}

static int
precompute(uint8_t mac1_key[WGC_HASH_LEN], uint8_t cookie_key[WGC_KEY_LEN],
    const uint8_t pub[WGC_KEY_LEN])
{
	if (wgc_hash2(mac1_key, WG_LABEL_MAC1, strlen(WG_LABEL_MAC1), pub,
	    WGC_KEY_LEN) == -1 ||
	    wgc_hash2(cookie_key, WG_LABEL_COOKIE, strlen(WG_LABEL_COOKIE),
	    pub, WGC_KEY_LEN) == -1)
		return -1;
	return 0;
}

static int
src_bytes(const struct sockaddr *sa, uint8_t out[SRC_MAX], size_t *len)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)sa;
		memcpy(out, &sin->sin_addr, 4);
		memcpy(out + 4, &sin->sin_port, 2);
		*len = 6;
		return 0;
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)sa;
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			memcpy(out, &sin6->sin6_addr.s6_addr[12], 4);
			memcpy(out + 4, &sin6->sin6_port, 2);
			*len = 6;
		} else {
			memcpy(out, &sin6->sin6_addr, 16);
			memcpy(out + 16, &sin6->sin6_port, 2);
			*len = 18;
		}
		return 0;
	}
	return -1;
}

int
cookie_checker_init(struct cookie_checker *c, const uint8_t pub[WGC_KEY_LEN])
{
	memset(c, 0, sizeof(*c));
	if (precompute(c->mac1_key, c->cookie_key, pub) == -1) {
		cookie_checker_wipe(c);
		return -1;
	}
	return 0;
}

void
cookie_checker_wipe(struct cookie_checker *c)
{
	wgc_wipe(c, sizeof(*c));
}

/* Bring Rm up to date: draw the first, rotate, or start afresh. */
static void
checker_rotate(struct cookie_checker *c, uint64_t now)
{
	uint64_t	 age;

	if (c->nsecret > 0 && now >= c->secret_born) {
		age = now - c->secret_born;
		if (age < WG_COOKIE_SECRET_LIFE)
			return;
		if (age < 2 * WG_COOKIE_SECRET_LIFE) {
			memcpy(c->secret[1], c->secret[0], WGC_HASH_LEN);
			arc4random_buf(c->secret[0], WGC_HASH_LEN);
			c->nsecret = 2;
			c->secret_born += WG_COOKIE_SECRET_LIFE;
			return;
		}
	}
	/* first use, idle for two lifetimes, or the clock went back */
	wgc_wipe(c->secret[1], WGC_HASH_LEN);
	arc4random_buf(c->secret[0], WGC_HASH_LEN);
	c->nsecret = 1;
	c->secret_born = now;
}

static int
make_reply(const struct cookie_checker *c, struct wg_msg_cookie *r,
    const uint8_t *msg, size_t len, const uint8_t cookie[WGC_MAC_LEN])
{
	uint32_t	 type = htole32(WG_MSG_COOKIE);

	memset(r, 0, sizeof(*r));
	memcpy(&r->type, &type, sizeof(type));
	/* the sender index of an initiation or response is at 4 */
	memcpy(&r->receiver, msg + 4, sizeof(r->receiver));
	arc4random_buf(r->nonce, sizeof(r->nonce));
	return wgc_xaead_seal(r->enc_cookie, c->cookie_key, r->nonce, cookie,
	    WGC_MAC_LEN, msg + len - MACS_LEN, WGC_MAC_LEN);
}

int
cookie_checker_validate(struct cookie_checker *c, const void *msg,
    size_t len, const struct sockaddr *src, int under_load, uint64_t now,
    struct wg_msg_cookie *reply)
{
	static const uint8_t	 zero[WGC_MAC_LEN];
	const uint8_t		*p = msg;
	uint8_t			 mac[WGC_MAC_LEN], cookie[WGC_MAC_LEN];
	uint8_t			 sb[SRC_MAX];
	size_t			 sblen;
	int			 i, ret = COOKIE_INVALID;

	if (!handshake_ok(p, len))
		return COOKIE_INVALID;
	if (wgc_mac(mac, c->mac1_key, WGC_HASH_LEN, p, len - MACS_LEN) == -1 ||
	    !wgc_equal(mac, p + len - MACS_LEN, WGC_MAC_LEN))
		return COOKIE_INVALID;
	if (!under_load)
		return COOKIE_VALID;
	if (src == NULL || src_bytes(src, sb, &sblen) == -1)
		return COOKIE_INVALID;

	checker_rotate(c, now);
	/* Walk down so that cookie ends up made from the current Rm. */
	for (i = c->nsecret - 1; i >= 0; i--) {
		if (wgc_mac(cookie, c->secret[i], WGC_HASH_LEN, sb,
		    sblen) == -1)
			goto done;
		/* an all-zero mac2 says "no cookie": spare the work */
		if (memcmp(p + len - WGC_MAC_LEN, zero, WGC_MAC_LEN) == 0)
			continue;
		if (wgc_mac(mac, cookie, WGC_MAC_LEN, p,
		    len - WGC_MAC_LEN) == -1)
			goto done;
		if (wgc_equal(mac, p + len - WGC_MAC_LEN, WGC_MAC_LEN)) {
			ret = COOKIE_VALID;
			goto done;
		}
	}
	if (c->nsecret > 0 && (reply == NULL ||
	    make_reply(c, reply, p, len, cookie) == 0))
		ret = COOKIE_NEED_REPLY;
 done:
	wgc_wipe(cookie, sizeof(cookie));
	return ret;
}

int
cookie_maker_init(struct cookie_maker *m, const uint8_t pub[WGC_KEY_LEN])
{
	memset(m, 0, sizeof(*m));
	if (precompute(m->mac1_key, m->cookie_key, pub) == -1) {
		cookie_maker_wipe(m);
		return -1;
	}
	return 0;
}

void
cookie_maker_wipe(struct cookie_maker *m)
{
	wgc_wipe(m, sizeof(*m));
}

int
cookie_maker_mac(struct cookie_maker *m, void *msg, size_t len,
    uint64_t now)
{
	uint8_t		*p = msg;
	uint8_t		*mac1, *mac2;

	if (!handshake_ok(p, len))
		return -1;
	mac1 = p + len - MACS_LEN;
	mac2 = p + len - WGC_MAC_LEN;
	if (wgc_mac(mac1, m->mac1_key, WGC_HASH_LEN, p, len - MACS_LEN) == -1)
		return -1;
	memcpy(m->last_mac1, mac1, WGC_MAC_LEN);
	m->have_last_mac1 = 1;

	if (m->have_cookie && now >= m->cookie_born &&
	    now - m->cookie_born < WG_COOKIE_SECRET_LIFE) {
		if (wgc_mac(mac2, m->cookie, WGC_MAC_LEN, p,
		    len - WGC_MAC_LEN) == -1)
			return -1;
	} else {
		if (m->have_cookie) {
			wgc_wipe(m->cookie, sizeof(m->cookie));
			m->have_cookie = 0;
		}
		memset(mac2, 0, WGC_MAC_LEN);
	}
	return 0;
}

int
cookie_maker_consume(struct cookie_maker *m, const void *msg, size_t len,
    uint64_t now)
{
	struct wg_msg_cookie	 r;
	uint8_t			 cookie[WGC_MAC_LEN];

	if (len != sizeof(r) || !m->have_last_mac1)
		return -1;
	memcpy(&r, msg, sizeof(r));
	if (le32toh(r.type) != WG_MSG_COOKIE)
		return -1;
	/* a reply only counts if it answers the mac1 we last sent */
	if (wgc_xaead_open(cookie, m->cookie_key, r.nonce, r.enc_cookie,
	    sizeof(r.enc_cookie), m->last_mac1, WGC_MAC_LEN) == -1)
		return -1;
	memcpy(m->cookie, cookie, WGC_MAC_LEN);
	wgc_wipe(cookie, sizeof(cookie));
	m->cookie_born = now;
	m->have_cookie = 1;
	/* one cookie per message sent: a replayed reply changes nothing */
	m->have_last_mac1 = 0;
	return 0;
}
