/*
 * MEGA's hashcash proof of work, docs/megaproto.md section 2.4, with
 * SHA-256 from OpenSSL.  A nonce is good when SHA-256 over the nonce
 * and the 48-byte token repeated 262144 times, read as a big-endian
 * 32-bit number, is at most the threshold the easiness gives.  The
 * repeated token is hashed from a slab of copies, not one at a time.
 * Moved here from crypto/megacrypto.c: only the signaler answers
 * challenges, and it must not link the crypto process's code.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "hashcash.h"

#define HASHCASH_REPEAT		262144
#define HASHCASH_SLAB		4096	/* tokens per SHA-256 update */

static EVP_MD		*md_sha256;

int
hashcash_init(void)
{
	if (md_sha256 != NULL)
		return 0;
	if (OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL) != 1)
		return -1;
	if ((md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		return -1;
	return 0;
}

uint32_t
hashcash_threshold(uint8_t e)
{
	return ((uint32_t)(e & 63) * 2 + 1) << ((e >> 6) * 7 + 3);
}

/* SHA-256(nonce || token x 262144) <= threshold, in one pass. */
static int
hashcash_try(EVP_MD_CTX *md, const uint8_t *slab, size_t slablen,
    const uint8_t nonce[HASHCASH_NONCE_LEN], uint32_t thr, int *hit)
{
	uint8_t		 h[32];
	unsigned int	 hl, i;
	uint32_t	 v;

	if (EVP_DigestInit_ex2(md, md_sha256, NULL) != 1 ||
	    EVP_DigestUpdate(md, nonce, HASHCASH_NONCE_LEN) != 1)
		return -1;
	for (i = 0; i < HASHCASH_REPEAT / HASHCASH_SLAB; i++)
		if (EVP_DigestUpdate(md, slab, slablen) != 1)
			return -1;
	if (EVP_DigestFinal_ex(md, h, &hl) != 1 || hl != sizeof(h))
		return -1;
	v = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 |
	    (uint32_t)h[2] << 8 | h[3];
	*hit = v <= thr;
	return 0;
}

static uint8_t *
hashcash_slab(const uint8_t token[HASHCASH_TOKEN_LEN], size_t *len)
{
	uint8_t		*s;
	size_t		 i;

	*len = (size_t)HASHCASH_TOKEN_LEN * HASHCASH_SLAB;
	if ((s = malloc(*len)) == NULL)
		return NULL;
	for (i = 0; i < HASHCASH_SLAB; i++)
		memcpy(s + i * HASHCASH_TOKEN_LEN, token,
		    HASHCASH_TOKEN_LEN);
	return s;
}

int
hashcash_check(const uint8_t token[HASHCASH_TOKEN_LEN], uint8_t e,
    const uint8_t nonce[HASHCASH_NONCE_LEN])
{
	EVP_MD_CTX	*md = NULL;
	uint8_t		*slab;
	size_t		 slen;
	int		 hit = 0, rv = -1;

	if (hashcash_init() == -1 || (slab = hashcash_slab(token, &slen)) == NULL)
		return -1;
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    hashcash_try(md, slab, slen, nonce, hashcash_threshold(e),
	    &hit) == -1)
		goto done;
	rv = hit ? 0 : -1;
 done:
	EVP_MD_CTX_free(md);
	free(slab);
	return rv;
}

/*
 * Nonces are tried as megajs does: a little-endian counter from zero,
 * so both find the same answer.  maxtries 0 means no limit.
 */
int
hashcash_solve(uint8_t nonce[HASHCASH_NONCE_LEN],
    const uint8_t token[HASHCASH_TOKEN_LEN], uint8_t e, uint64_t maxtries)
{
	EVP_MD_CTX	*md = NULL;
	uint8_t		*slab, cur[HASHCASH_NONCE_LEN];
	size_t		 slen;
	uint64_t	 tries;
	uint32_t	 thr = hashcash_threshold(e);
	int		 j, hit = 0, rv = -1;

	if (hashcash_init() == -1 || (slab = hashcash_slab(token, &slen)) == NULL)
		return -1;
	if ((md = EVP_MD_CTX_new()) == NULL)
		goto done;
	memset(cur, 0, sizeof(cur));
	for (tries = 0; maxtries == 0 || tries < maxtries; tries++) {
		if (hashcash_try(md, slab, slen, cur, thr, &hit) == -1)
			goto done;
		if (hit) {
			memcpy(nonce, cur, sizeof(cur));
			rv = 0;
			break;
		}
		for (j = 0; j < HASHCASH_NONCE_LEN; j++)
			if (++cur[j] != 0)
				break;
		if (j == HASHCASH_NONCE_LEN)
			break;		/* all 2^32 nonces tried */
	}
 done:
	EVP_MD_CTX_free(md);
	free(slab);
	return rv;
}
