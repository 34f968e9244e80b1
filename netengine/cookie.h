/*
 * mac1, mac2 and cookie replies (whitepaper section 5.3 and 5.4.7):
 * the DoS defence in front of the handshake.  The checker is our side
 * as a receiver of handshake messages: one per interface, keyed by our
 * static public key.  A maker is our side toward one peer: it stamps
 * the macs on the messages we send it and keeps the cookie it gave us.
 * Pure: no I/O; time is the caller's monotonic clock in seconds.  See
 * docs/transport.md.
 */

#ifndef CLAWD_COOKIE_H
#define CLAWD_COOKIE_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "wgproto.h"

/* What the checker says of a handshake message. */
#define COOKIE_INVALID		0	/* bad length, type or mac1: drop */
#define COOKIE_NEED_REPLY	1	/* mac1 good, under load, no mac2 */
#define COOKIE_VALID		2	/* process it */

struct cookie_checker {
	uint8_t		 mac1_key[WGC_HASH_LEN];
	uint8_t		 cookie_key[WGC_KEY_LEN];
	uint8_t		 secret[2][WGC_HASH_LEN];  /* current, previous */
	int		 nsecret;	/* how many of them are live */
	uint64_t	 secret_born;
};

struct cookie_maker {
	uint8_t		 mac1_key[WGC_HASH_LEN];
	uint8_t		 cookie_key[WGC_KEY_LEN];
	uint8_t		 cookie[WGC_MAC_LEN];
	uint64_t	 cookie_born;
	int		 have_cookie;
	uint8_t		 last_mac1[WGC_MAC_LEN];
	int		 have_last_mac1;	/* a reply may answer it */
};

int	cookie_checker_init(struct cookie_checker *,
	    const uint8_t [WGC_KEY_LEN]);
void	cookie_checker_wipe(struct cookie_checker *);
/*
 * Check an initiation or response as received from src (AF_INET or
 * AF_INET6, IPv4-mapped IPv6 taken as IPv4).  With under_load set, a
 * valid mac2 is required too; when it is missing and reply is not
 * NULL, the cookie reply to send back to src is written there.
 */
int	cookie_checker_validate(struct cookie_checker *, const void *,
	    size_t, const struct sockaddr *, int, uint64_t,
	    struct wg_msg_cookie *);

int	cookie_maker_init(struct cookie_maker *, const uint8_t [WGC_KEY_LEN]);
void	cookie_maker_wipe(struct cookie_maker *);
/*
 * Fill mac1, and mac2 if a fresh cookie is held, at the end of an
 * initiation or response about to be sent to the peer.
 */
int	cookie_maker_mac(struct cookie_maker *, void *, size_t, uint64_t);
/*
 * Take a cookie reply that the caller matched to this peer by its
 * receiver index: 0 if it opened and the cookie is stored.
 */
int	cookie_maker_consume(struct cookie_maker *, const void *, size_t,
	    uint64_t);

#endif /* CLAWD_COOKIE_H */
