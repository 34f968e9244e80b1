/*
 * The WireGuard handshake, Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s, as
 * section 5.4 of the WireGuard whitepaper computes it.  Pure functions
 * over caller-owned state: no I/O, no events, no globals, so the crypto
 * process drives them and the tests and fuzzers call them directly.
 * mac1 and mac2 belong to netengine: created messages carry them
 * zeroed, consumed messages are not checked for them.  See
 * docs/noise.md.
 *
 * Every function returns 0 on success and -1 on failure.  A failed
 * consume leaves every structure it was given unchanged.
 */

#ifndef CLAWD_NOISE_H
#define CLAWD_NOISE_H

#include <stdint.h>

#include "wgproto.h"

/* Our static key pair. */
struct noise_local {
	uint8_t		 priv[WGC_KEY_LEN];
	uint8_t		 pub[WGC_KEY_LEN];
};

/* What crypto keeps per peer; never leaves the crypto process. */
struct noise_remote {
	uint8_t		 pub[WGC_KEY_LEN];
	uint8_t		 psk[WGC_KEY_LEN];	/* zeros without a psk */
	uint8_t		 ss[WGC_KEY_LEN];	/* DH(Spriv_l, Spub_r) */
	uint8_t		 last_ts[WGC_TAI64N_LEN]; /* greatest accepted */
};

#define NOISE_HS_NONE		0
#define NOISE_HS_SENT_INIT	1	/* initiator, awaiting response */
#define NOISE_HS_GOT_INIT	2	/* responder, response not sent */

/* One handshake in progress, either side. */
struct noise_handshake {
	int		 state;
	uint8_t		 hash[WGC_HASH_LEN];	/* H */
	uint8_t		 ck[WGC_HASH_LEN];	/* C */
	uint8_t		 e_priv[WGC_KEY_LEN];
	uint8_t		 e_pub[WGC_KEY_LEN];
	uint8_t		 remote_e[WGC_KEY_LEN];
	uint32_t	 local_index;
	uint32_t	 remote_index;
};

/* The result handed to netengine: session keys and indices only. */
struct noise_keypair {
	uint8_t		 send[WGC_KEY_LEN];
	uint8_t		 recv[WGC_KEY_LEN];
	uint32_t	 local_index;
	uint32_t	 remote_index;
	int		 initiator;
};

/* pub = X25519(priv, 9). */
int	noise_local_init(struct noise_local *, const uint8_t [WGC_KEY_LEN]);
/* psk may be NULL; fails on a low-order public key. */
int	noise_remote_init(struct noise_remote *, const struct noise_local *,
	    const uint8_t [WGC_KEY_LEN], const uint8_t *);

/*
 * eph is the ephemeral private key, NULL for a fresh random one (only
 * tests pass one).  tai64n is the current time from wgc_tai64n_now().
 */
int	noise_create_initiation(const struct noise_local *,
	    const struct noise_remote *, struct noise_handshake *, uint32_t,
	    const uint8_t [WGC_TAI64N_LEN], const uint8_t *,
	    struct wg_msg_initiation *);

/*
 * Responder.  lookup maps the initiator's decrypted static key to its
 * peer (NULL: unknown).  On success *remotep is that peer, its last_ts
 * has advanced to the message's timestamp, and hs is ready for
 * noise_create_response().
 */
int	noise_consume_initiation(const struct noise_local *,
	    const struct wg_msg_initiation *,
	    struct noise_remote *(*)(const uint8_t [WGC_KEY_LEN], void *),
	    void *, struct noise_handshake *, struct noise_remote **);

/*
 * Responder, after noise_consume_initiation(): on success hs is
 * cleared and kp holds the session; on failure hs is unchanged.
 */
int	noise_create_response(const struct noise_remote *,
	    struct noise_handshake *, uint32_t, const uint8_t *,
	    struct wg_msg_response *, struct noise_keypair *);

/*
 * Initiator: only on a handshake in NOISE_HS_SENT_INIT whose index the
 * response names.  On success hs is cleared and kp holds the session.
 */
int	noise_consume_response(const struct noise_local *,
	    const struct noise_remote *, struct noise_handshake *,
	    const struct wg_msg_response *, struct noise_keypair *);

void	noise_handshake_clear(struct noise_handshake *);
void	noise_keypair_clear(struct noise_keypair *);
void	noise_remote_clear(struct noise_remote *);
void	noise_local_clear(struct noise_local *);

#endif /* CLAWD_NOISE_H */
