/*
 * base64url without padding (RFC 4648 section 5), as MEGA writes every
 * binary field (docs/megaproto.md section 1).  Shared by the crypto
 * process (keys, attributes, session ids) and the signaler (drop tokens,
 * the hashcash challenge and the API's answers); docs/megacrypto.md
 * describes it.
 *
 * encode writes a NUL-terminated string and needs B64URL_LEN(len) + 1
 * bytes.  decode is strict: it refuses '=', '+', '/', whitespace, a
 * length of 1 mod 4 and non-zero trailing bits, and writes at most cap
 * bytes (wiped on failure).  Both return 0 on success, -1 on failure.
 *
 * The checks decode nothing and return 1 if the string passes, else 0:
 * b64url_valid is the alphabet only (A-Z a-z 0-9 - _, any length; for
 * opaque handles, whose length the caller checks), b64url_canonical is
 * exactly what decode accepts given room enough, and stores the decoded
 * length.  The signaler checks the MEGA API's answers with them, the
 * crypto process the session id it seals.
 */

#ifndef CLAWD_B64URL_H
#define CLAWD_B64URL_H

#include <stddef.h>
#include <stdint.h>

/* Encoded length of n bytes in unpadded base64url, without the NUL. */
#define B64URL_LEN(n)		(((n) / 3) * 4 + ((n) % 3 == 0 ? 0 : \
				    (n) % 3 + 1))

int	b64url_encode(char *, size_t, const uint8_t *, size_t);
int	b64url_decode(uint8_t *, size_t, size_t *, const char *, size_t);
int	b64url_valid(const char *, size_t);
int	b64url_canonical(const char *, size_t, size_t *);

#endif /* CLAWD_B64URL_H */
