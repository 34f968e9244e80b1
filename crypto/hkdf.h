/*
 * HKDF with SHA-256 (RFC 5869), the one implementation the crypto
 * process uses: HPKE's Extract and Expand (hpke.c), the rendezvous
 * probe keys (rendezvous.c) and the MEGA session key (megasess.c).
 */

#ifndef CLAWD_HKDF_H
#define CLAWD_HKDF_H

#include <stddef.h>
#include <stdint.h>

#define HKDF_SHA256_LEN		32	/* HashLen, and the PRK's length */

/* Fetch the KDF now, before the sandbox; later calls fetch it if not. */
int	hkdf_init(void);

/* OKM = HKDF(salt, IKM, info, L); an empty salt is HashLen zeros. */
int	hkdf_sha256(uint8_t *, size_t, const uint8_t *, size_t,
	    const uint8_t *, size_t, const uint8_t *, size_t);

/* PRK = HKDF-Extract(salt, IKM). */
int	hkdf_sha256_extract(uint8_t [HKDF_SHA256_LEN], const uint8_t *,
	    size_t, const uint8_t *, size_t);

/* OKM = HKDF-Expand(PRK, info, L). */
int	hkdf_sha256_expand(uint8_t *, size_t, const uint8_t *, size_t,
	    const uint8_t *, size_t);

#endif /* CLAWD_HKDF_H */
