/*
 * The WireGuard handshake, written from section 5.4 of the whitepaper;
 * the names in the comments (Ci, Hi, Ei, Spub_r, ...) are the paper's.
 * Every primitive comes from common/wgcrypto.c.
 *
 * Each function works on local copies and writes its outputs only once
 * everything has succeeded, so a failure leaves the caller's state as
 * it was; every local that held a secret is wiped on every path.
 */

#include <sys/types.h>

#include <endian.h>
#include <stdint.h>
#include <string.h>

#include <openssl/rand.h>

#include "wgproto.h"
#include "noise.h"

static int	mix_hash(uint8_t [WGC_HASH_LEN], const void *, size_t);
static int	initial_chain(uint8_t [WGC_HASH_LEN], uint8_t [WGC_HASH_LEN],
		    const uint8_t [WGC_KEY_LEN]);
static int	pubkey(uint8_t [WGC_KEY_LEN], const uint8_t [WGC_KEY_LEN]);
static int	ephemeral(struct noise_handshake *, const uint8_t *);

/* H = HASH(H || data) */
static int
mix_hash(uint8_t h[WGC_HASH_LEN], const void *data, size_t len)
{
	return wgc_hash2(h, h, WGC_HASH_LEN, data, len);
}

/*
 * C = HASH(CONSTRUCTION), H = HASH(HASH(C || IDENTIFIER) || Spub_r):
 * both sides start from the responder's static public key.
 */
static int
initial_chain(uint8_t ck[WGC_HASH_LEN], uint8_t h[WGC_HASH_LEN],
    const uint8_t spub_r[WGC_KEY_LEN])
{
	if (wgc_hash2(ck, WG_CONSTRUCTION, sizeof(WG_CONSTRUCTION) - 1,
	    NULL, 0) == -1)
		return -1;
	if (wgc_hash2(h, ck, WGC_HASH_LEN, WG_IDENTIFIER,
	    sizeof(WG_IDENTIFIER) - 1) == -1)
		return -1;
	return mix_hash(h, spub_r, WGC_KEY_LEN);
}

/* DH-Pubkey: X25519 with the base point u = 9. */
static int
pubkey(uint8_t pub[WGC_KEY_LEN], const uint8_t priv[WGC_KEY_LEN])
{
	static const uint8_t	 base[WGC_KEY_LEN] = { 9 };

	return wgc_dh(pub, priv, base);
}

/* DH-Generate, or the caller's key for reproducible tests. */
static int
ephemeral(struct noise_handshake *hs, const uint8_t *eph)
{
	if (eph != NULL)
		memcpy(hs->e_priv, eph, WGC_KEY_LEN);
	else if (RAND_priv_bytes(hs->e_priv, WGC_KEY_LEN) != 1)
		return -1;
	/* X25519 clamps the scalar itself, so any 32 bytes will do. */
	return pubkey(hs->e_pub, hs->e_priv);
}

int
noise_local_init(struct noise_local *l, const uint8_t priv[WGC_KEY_LEN])
{
	struct noise_local	 t;
	int			 rv = -1;

	memcpy(t.priv, priv, WGC_KEY_LEN);
	if (pubkey(t.pub, t.priv) == -1)
		goto done;
	*l = t;
	rv = 0;
 done:
	wgc_wipe(&t, sizeof(t));
	return rv;
}

int
noise_remote_init(struct noise_remote *r, const struct noise_local *l,
    const uint8_t pub[WGC_KEY_LEN], const uint8_t *psk)
{
	struct noise_remote	 t;
	int			 rv = -1;

	memset(&t, 0, sizeof(t));
	memcpy(t.pub, pub, WGC_KEY_LEN);
	if (psk != NULL)
		memcpy(t.psk, psk, WGC_KEY_LEN);
	/* Fixed per peer, so computed once; fails on a low-order key. */
	if (wgc_dh(t.ss, l->priv, t.pub) == -1)
		goto done;
	*r = t;
	rv = 0;
 done:
	wgc_wipe(&t, sizeof(t));
	return rv;
}

/*
 * Initiator to responder, message 1:
 *   Ci = HASH(CONSTRUCTION), Hi = HASH(Ci || IDENTIFIER)
 *   Hi = HASH(Hi || Spub_r)
 *   Ci = KDF1(Ci, Epub_i), Hi = HASH(Hi || Epub_i)
 *   (Ci, k) = KDF2(Ci, DH(Epriv_i, Spub_r))
 *   static = AEAD(k, 0, Spub_i, Hi), Hi = HASH(Hi || static)
 *   (Ci, k) = KDF2(Ci, DH(Spriv_i, Spub_r))
 *   timestamp = AEAD(k, 0, TAI64N, Hi), Hi = HASH(Hi || timestamp)
 */
int
noise_create_initiation(const struct noise_local *l,
    const struct noise_remote *r, struct noise_handshake *hs,
    uint32_t sender, const uint8_t tai64n[WGC_TAI64N_LEN],
    const uint8_t *eph, struct wg_msg_initiation *msg)
{
	struct noise_handshake	 t;
	struct wg_msg_initiation m;
	uint8_t			 k[WGC_KEY_LEN], dh[WGC_KEY_LEN];
	int			 rv = -1;

	memset(&t, 0, sizeof(t));
	memset(&m, 0, sizeof(m));
	if (initial_chain(t.ck, t.hash, r->pub) == -1)
		goto done;
	if (ephemeral(&t, eph) == -1)
		goto done;

	m.type = htole32(WG_MSG_INITIATION);
	m.sender = htole32(sender);
	memcpy(m.ephemeral, t.e_pub, WGC_KEY_LEN);
	if (wgc_kdf(t.ck, NULL, NULL, t.ck, m.ephemeral, WGC_KEY_LEN) == -1 ||
	    mix_hash(t.hash, m.ephemeral, WGC_KEY_LEN) == -1)
		goto done;

	if (wgc_dh(dh, t.e_priv, r->pub) == -1 ||
	    wgc_kdf(t.ck, k, NULL, t.ck, dh, sizeof(dh)) == -1)
		goto done;
	if (wgc_aead_seal1(m.enc_static, k, 0, l->pub, WGC_KEY_LEN,
	    t.hash, WGC_HASH_LEN) == -1 ||
	    mix_hash(t.hash, m.enc_static, sizeof(m.enc_static)) == -1)
		goto done;

	if (wgc_kdf(t.ck, k, NULL, t.ck, r->ss, WGC_KEY_LEN) == -1)
		goto done;
	if (wgc_aead_seal1(m.enc_timestamp, k, 0, tai64n, WGC_TAI64N_LEN,
	    t.hash, WGC_HASH_LEN) == -1 ||
	    mix_hash(t.hash, m.enc_timestamp, sizeof(m.enc_timestamp)) == -1)
		goto done;

	t.state = NOISE_HS_SENT_INIT;
	t.local_index = sender;
	*hs = t;
	*msg = m;
	rv = 0;
 done:
	wgc_wipe(&t, sizeof(t));
	wgc_wipe(&m, sizeof(m));
	wgc_wipe(k, sizeof(k));
	wgc_wipe(dh, sizeof(dh));
	return rv;
}

/*
 * The responder repeats the initiator's computations with
 * DH(Spriv_r, Epub_i) and DH(Spriv_r, Spub_i), opening what the
 * initiator sealed.  The peer is known only once the static key is
 * open; its timestamp must then be greater than the last one accepted,
 * or the message is a replay.
 */
int
noise_consume_initiation(const struct noise_local *l,
    const struct wg_msg_initiation *msg,
    struct noise_remote *(*lookup)(const uint8_t [WGC_KEY_LEN], void *),
    void *arg, struct noise_handshake *hs, struct noise_remote **remotep)
{
	struct noise_handshake	 t;
	struct noise_remote	*r;
	uint8_t			 k[WGC_KEY_LEN], dh[WGC_KEY_LEN];
	uint8_t			 spub[WGC_KEY_LEN], ts[WGC_TAI64N_LEN];
	int			 rv = -1;

	memset(&t, 0, sizeof(t));
	if (le32toh(msg->type) != WG_MSG_INITIATION)
		goto done;
	if (initial_chain(t.ck, t.hash, l->pub) == -1)
		goto done;

	memcpy(t.remote_e, msg->ephemeral, WGC_KEY_LEN);
	if (wgc_kdf(t.ck, NULL, NULL, t.ck, t.remote_e, WGC_KEY_LEN) == -1 ||
	    mix_hash(t.hash, t.remote_e, WGC_KEY_LEN) == -1)
		goto done;

	if (wgc_dh(dh, l->priv, t.remote_e) == -1 ||
	    wgc_kdf(t.ck, k, NULL, t.ck, dh, sizeof(dh)) == -1)
		goto done;
	if (wgc_aead_open1(spub, k, 0, msg->enc_static,
	    sizeof(msg->enc_static), t.hash, WGC_HASH_LEN) == -1 ||
	    mix_hash(t.hash, msg->enc_static, sizeof(msg->enc_static)) == -1)
		goto done;

	/* A lookup that matched loosely must not pick another peer's psk. */
	if ((r = lookup(spub, arg)) == NULL ||
	    !wgc_equal(r->pub, spub, WGC_KEY_LEN))
		goto done;

	if (wgc_kdf(t.ck, k, NULL, t.ck, r->ss, WGC_KEY_LEN) == -1)
		goto done;
	if (wgc_aead_open1(ts, k, 0, msg->enc_timestamp,
	    sizeof(msg->enc_timestamp), t.hash, WGC_HASH_LEN) == -1 ||
	    mix_hash(t.hash, msg->enc_timestamp,
	    sizeof(msg->enc_timestamp)) == -1)
		goto done;
	/* TAI64N is big-endian: memcmp orders by time. */
	if (memcmp(ts, r->last_ts, WGC_TAI64N_LEN) <= 0)
		goto done;

	t.state = NOISE_HS_GOT_INIT;
	t.remote_index = le32toh(msg->sender);
	memcpy(r->last_ts, ts, WGC_TAI64N_LEN);
	*hs = t;
	*remotep = r;
	rv = 0;
 done:
	wgc_wipe(&t, sizeof(t));
	wgc_wipe(k, sizeof(k));
	wgc_wipe(dh, sizeof(dh));
	wgc_wipe(spub, sizeof(spub));
	wgc_wipe(ts, sizeof(ts));
	return rv;
}

/*
 * Responder to initiator, message 2:
 *   Cr = KDF1(Cr, Epub_r), Hr = HASH(Hr || Epub_r)
 *   Cr = KDF1(Cr, DH(Epriv_r, Epub_i))
 *   Cr = KDF1(Cr, DH(Epriv_r, Spub_i))
 *   (Cr, tau, k) = KDF3(Cr, Q), Hr = HASH(Hr || tau)
 *   empty = AEAD(k, 0, e, Hr), Hr = HASH(Hr || empty)
 * then (Trecv_r, Tsend_r) = KDF2(Cr, e): the initiator sends with the
 * first key.
 */
int
noise_create_response(const struct noise_remote *r,
    struct noise_handshake *hs, uint32_t sender, const uint8_t *eph,
    struct wg_msg_response *msg, struct noise_keypair *kp)
{
	struct noise_handshake	 t;
	struct noise_keypair	 p;
	struct wg_msg_response	 m;
	uint8_t			 k[WGC_KEY_LEN], dh[WGC_KEY_LEN];
	uint8_t			 tau[WGC_HASH_LEN], none[1] = { 0 };
	int			 rv = -1;

	memset(&p, 0, sizeof(p));
	memset(&m, 0, sizeof(m));
	t = *hs;
	if (t.state != NOISE_HS_GOT_INIT)
		goto done;
	if (ephemeral(&t, eph) == -1)
		goto done;

	m.type = htole32(WG_MSG_RESPONSE);
	m.sender = htole32(sender);
	m.receiver = htole32(t.remote_index);
	memcpy(m.ephemeral, t.e_pub, WGC_KEY_LEN);
	if (wgc_kdf(t.ck, NULL, NULL, t.ck, m.ephemeral, WGC_KEY_LEN) == -1 ||
	    mix_hash(t.hash, m.ephemeral, WGC_KEY_LEN) == -1)
		goto done;
	if (wgc_dh(dh, t.e_priv, t.remote_e) == -1 ||
	    wgc_kdf(t.ck, NULL, NULL, t.ck, dh, sizeof(dh)) == -1)
		goto done;
	if (wgc_dh(dh, t.e_priv, r->pub) == -1 ||
	    wgc_kdf(t.ck, NULL, NULL, t.ck, dh, sizeof(dh)) == -1)
		goto done;
	if (wgc_kdf(t.ck, tau, k, t.ck, r->psk, WGC_KEY_LEN) == -1 ||
	    mix_hash(t.hash, tau, sizeof(tau)) == -1)
		goto done;
	if (wgc_aead_seal1(m.enc_empty, k, 0, none, 0, t.hash,
	    WGC_HASH_LEN) == -1 ||
	    mix_hash(t.hash, m.enc_empty, sizeof(m.enc_empty)) == -1)
		goto done;

	if (wgc_kdf(p.recv, p.send, NULL, t.ck, NULL, 0) == -1)
		goto done;
	p.local_index = sender;
	p.remote_index = t.remote_index;
	p.initiator = 0;
	*kp = p;
	*msg = m;
	noise_handshake_clear(hs);
	rv = 0;
 done:
	wgc_wipe(&t, sizeof(t));
	wgc_wipe(&p, sizeof(p));
	wgc_wipe(&m, sizeof(m));
	wgc_wipe(k, sizeof(k));
	wgc_wipe(dh, sizeof(dh));
	wgc_wipe(tau, sizeof(tau));
	return rv;
}

/*
 * The initiator repeats the responder's computations with
 * DH(Epriv_i, Epub_r) and DH(Spriv_i, Epub_r); the empty AEAD proves
 * the responder knew Spriv_r and the psk.  (Tsend_i, Trecv_i) =
 * KDF2(Ci, e).
 */
int
noise_consume_response(const struct noise_local *l,
    const struct noise_remote *r, struct noise_handshake *hs,
    const struct wg_msg_response *msg, struct noise_keypair *kp)
{
	struct noise_handshake	 t;
	struct noise_keypair	 p;
	uint8_t			 k[WGC_KEY_LEN], dh[WGC_KEY_LEN];
	uint8_t			 tau[WGC_HASH_LEN], none[1];
	int			 rv = -1;

	memset(&p, 0, sizeof(p));
	t = *hs;
	if (t.state != NOISE_HS_SENT_INIT ||
	    le32toh(msg->type) != WG_MSG_RESPONSE ||
	    le32toh(msg->receiver) != t.local_index)
		goto done;

	memcpy(t.remote_e, msg->ephemeral, WGC_KEY_LEN);
	if (wgc_kdf(t.ck, NULL, NULL, t.ck, t.remote_e, WGC_KEY_LEN) == -1 ||
	    mix_hash(t.hash, t.remote_e, WGC_KEY_LEN) == -1)
		goto done;
	if (wgc_dh(dh, t.e_priv, t.remote_e) == -1 ||
	    wgc_kdf(t.ck, NULL, NULL, t.ck, dh, sizeof(dh)) == -1)
		goto done;
	if (wgc_dh(dh, l->priv, t.remote_e) == -1 ||
	    wgc_kdf(t.ck, NULL, NULL, t.ck, dh, sizeof(dh)) == -1)
		goto done;
	if (wgc_kdf(t.ck, tau, k, t.ck, r->psk, WGC_KEY_LEN) == -1 ||
	    mix_hash(t.hash, tau, sizeof(tau)) == -1)
		goto done;
	if (wgc_aead_open1(none, k, 0, msg->enc_empty,
	    sizeof(msg->enc_empty), t.hash, WGC_HASH_LEN) == -1 ||
	    mix_hash(t.hash, msg->enc_empty, sizeof(msg->enc_empty)) == -1)
		goto done;

	if (wgc_kdf(p.send, p.recv, NULL, t.ck, NULL, 0) == -1)
		goto done;
	p.local_index = t.local_index;
	p.remote_index = le32toh(msg->sender);
	p.initiator = 1;
	*kp = p;
	noise_handshake_clear(hs);
	rv = 0;
 done:
	wgc_wipe(&t, sizeof(t));
	wgc_wipe(&p, sizeof(p));
	wgc_wipe(k, sizeof(k));
	wgc_wipe(dh, sizeof(dh));
	wgc_wipe(tau, sizeof(tau));
	return rv;
}

void
noise_handshake_clear(struct noise_handshake *hs)
{
	wgc_wipe(hs, sizeof(*hs));
	hs->state = NOISE_HS_NONE;
}

void
noise_keypair_clear(struct noise_keypair *kp)
{
	wgc_wipe(kp, sizeof(*kp));
}

void
noise_remote_clear(struct noise_remote *r)
{
	wgc_wipe(r, sizeof(*r));
}

void
noise_local_clear(struct noise_local *l)
{
	wgc_wipe(l, sizeof(*l));
}
