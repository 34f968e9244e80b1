/*
 * MEGA's hashcash proof of work (docs/megaproto.md section 2.4): the
 * answer to an HTTP 402 with an X-Hashcash challenge.  Only the
 * signaler solves them, so it lives here rather than with the crypto
 * process's MEGA cryptography; docs/megacrypto.md describes it.
 *
 * Call hashcash_init() once before the sandbox is entered: it loads
 * the OpenSSL configuration and fetches SHA-256.  check and solve
 * return 0 on success and -1 on failure (or no nonce found).
 */

#ifndef CLAWD_HASHCASH_H
#define CLAWD_HASHCASH_H

#include <stdint.h>

#define HASHCASH_TOKEN_LEN	48
#define HASHCASH_NONCE_LEN	4

int		hashcash_init(void);
/* ((e & 63) * 2 + 1) << ((e >> 6) * 7 + 3) */
uint32_t	hashcash_threshold(uint8_t);
/* SHA-256(nonce || token x 262144), read big-endian, <= threshold. */
int		hashcash_check(const uint8_t [HASHCASH_TOKEN_LEN], uint8_t,
		    const uint8_t [HASHCASH_NONCE_LEN]);
/* solve searches nonces in megajs's order; maxtries 0 is no limit. */
int		hashcash_solve(uint8_t [HASHCASH_NONCE_LEN],
		    const uint8_t [HASHCASH_TOKEN_LEN], uint8_t, uint64_t);

#endif /* CLAWD_HASHCASH_H */
