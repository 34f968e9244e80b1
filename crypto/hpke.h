/*
 * HPKE, RFC 9180, built from OpenSSL 3.0 primitives (X25519, HKDF with
 * SHA-256, AES-GCM, ChaCha20-Poly1305): OpenSSL has no HPKE before 3.2.
 * One KEM, DHKEM(X25519, HKDF-SHA256), one KDF, HKDF-SHA256, and the
 * modes base and auth (no PSK).  clawd seals its rendezvous blobs with
 * hpke_seal_auth() and opens them with hpke_open_auth(): mode_auth and
 * AES-256-GCM, single-shot.  The lower layers (Encap/Decap, KeySchedule,
 * the context) are here for the test vectors.  See docs/hpke.md.
 *
 * Pure functions, no I/O.  Every function returns 0 on success and -1
 * on failure; every intermediate secret is wiped on every path.
 */

#ifndef CLAWD_HPKE_H
#define CLAWD_HPKE_H

#include <stddef.h>
#include <stdint.h>

#define HPKE_MODE_BASE		0x00
#define HPKE_MODE_AUTH		0x02

#define HPKE_KEM_X25519_SHA256	0x0020
#define HPKE_KDF_HKDF_SHA256	0x0001
#define HPKE_AEAD_AES128GCM	0x0001
#define HPKE_AEAD_AES256GCM	0x0002
#define HPKE_AEAD_CHACHA20POLY1305 0x0003

/* The RFC's sizes for this KEM and KDF, and for the AEADs above. */
#define HPKE_NSK		32	/* Nsk: private key */
#define HPKE_NPK		32	/* Npk: public key */
#define HPKE_NENC		32	/* Nenc: enc */
#define HPKE_NSECRET		32	/* Nsecret: KEM shared secret */
#define HPKE_NH			32	/* Nh: HKDF-SHA256 output */
#define HPKE_NK_MAX		32	/* largest Nk */
#define HPKE_NN			12	/* Nn: nonce */
#define HPKE_NT			16	/* Nt: tag */
#define HPKE_KSC_LEN		(1 + 2 * HPKE_NH) /* key_schedule_context */

/* Limits of this implementation on the caller's strings. */
#define HPKE_INFO_MAX		512
#define HPKE_EXPCTX_MAX		512

/* Context<ROLE> of section 5.2: either role, never both. */
struct hpke_ctx {
	uint16_t	 aead_id;
	size_t		 nk;
	uint8_t		 key[HPKE_NK_MAX];
	uint8_t		 base_nonce[HPKE_NN];
	uint8_t		 exporter_secret[HPKE_NH];
	uint64_t	 seq;
};

/* pk = the X25519 public key of sk: key_public() in common/key.h. */
/* GenerateKeyPair(): a fresh random key pair. */
int	hpke_keypair(uint8_t [HPKE_NSK], uint8_t [HPKE_NPK]);

/*
 * The clawd suite: mode_auth, AES-256-GCM, one message, sequence 0.
 *
 * hpke_seal_auth(enc, ct, &ctlen, pkR, skS, info, infolen, aad, aadlen,
 *     pt, ptlen, skE): *ctlen holds the size of ct on entry (at least
 * ptlen + HPKE_NT) and the length written on return.  skE NULL draws a
 * fresh ephemeral key; tests pass one to be deterministic.
 *
 * hpke_open_auth(pt, &ptlen, enc, skR, pkS, info, infolen, aad, aadlen,
 *     ct, ctlen): *ptlen holds the size of pt on entry (at least
 * ctlen - HPKE_NT) and the length written on return.  On failure
 * *ptlen is 0 and the ctlen - HPKE_NT bytes of pt are zero: no
 * unauthenticated plaintext is ever released.
 */
int	hpke_seal_auth(uint8_t [HPKE_NENC], uint8_t *, size_t *,
	    const uint8_t [HPKE_NPK], const uint8_t [HPKE_NSK],
	    const uint8_t *, size_t, const uint8_t *, size_t,
	    const uint8_t *, size_t, const uint8_t *);
int	hpke_open_auth(uint8_t *, size_t *, const uint8_t [HPKE_NENC],
	    const uint8_t [HPKE_NSK], const uint8_t [HPKE_NPK],
	    const uint8_t *, size_t, const uint8_t *, size_t,
	    const uint8_t *, size_t);

/*
 * The same with the AEAD chosen, and the base mode when the sender key
 * (skS for seal, pkS for open) is NULL.  For tests and the interop
 * driver; clawd itself uses the two above.
 */
int	hpke_seal(uint16_t, uint8_t [HPKE_NENC], uint8_t *, size_t *,
	    const uint8_t [HPKE_NPK], const uint8_t *,
	    const uint8_t *, size_t, const uint8_t *, size_t,
	    const uint8_t *, size_t, const uint8_t *);
int	hpke_open(uint16_t, uint8_t *, size_t *, const uint8_t [HPKE_NENC],
	    const uint8_t [HPKE_NSK], const uint8_t *,
	    const uint8_t *, size_t, const uint8_t *, size_t,
	    const uint8_t *, size_t);

/*
 * Section 4.1: Encap (skS NULL) or AuthEncap, with the ephemeral key
 * skE or a fresh one (NULL); Decap (pkS NULL) or AuthDecap.
 */
int	hpke_encap(uint8_t [HPKE_NSECRET], uint8_t [HPKE_NENC],
	    const uint8_t [HPKE_NPK], const uint8_t *, const uint8_t *);
int	hpke_decap(uint8_t [HPKE_NSECRET], const uint8_t [HPKE_NENC],
	    const uint8_t [HPKE_NSK], const uint8_t *);

/*
 * Section 5.1: KeySchedule(mode, shared_secret, info) without a PSK.
 * ksc and secret, when not NULL, receive key_schedule_context
 * (HPKE_KSC_LEN bytes) and secret (HPKE_NH) for the test vectors.
 */
int	hpke_key_schedule(struct hpke_ctx *, uint8_t, uint16_t,
	    const uint8_t [HPKE_NSECRET], const uint8_t *, size_t,
	    uint8_t *, uint8_t *);

/* Section 5.2: ComputeNonce(seq), Seal and Open at ctx->seq, then +1. */
void	hpke_ctx_nonce(const struct hpke_ctx *, uint64_t, uint8_t [HPKE_NN]);
int	hpke_ctx_seal(struct hpke_ctx *, const uint8_t *, size_t,
	    const uint8_t *, size_t, uint8_t *, size_t *);
int	hpke_ctx_open(struct hpke_ctx *, const uint8_t *, size_t,
	    const uint8_t *, size_t, uint8_t *, size_t *);
/* Section 5.3: Export(exporter_context, L), L at most 255 * Nh. */
int	hpke_ctx_export(const struct hpke_ctx *, const uint8_t *, size_t,
	    uint8_t *, size_t);
void	hpke_ctx_clear(struct hpke_ctx *);

#endif /* CLAWD_HPKE_H */
