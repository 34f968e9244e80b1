/*
 * HKDF-SHA256, RFC 5869, through OpenSSL 3.0's EVP_KDF "HKDF".  One
 * function does the three modes: Extract-then-Expand, Extract only
 * (HPKE's LabeledExtract) and Expand only (its LabeledExpand).
 *
 * The KDF is fetched once and kept: crypto_main() calls hkdf_init()
 * before the sandbox closes (as megasess_init() does for the unit
 * tests), and every later call finds it there.  OpenSSL
 * wipes the context, and with it the keys, when it is freed.
 */

#include <sys/types.h>

#include <stdint.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "hkdf.h"

static EVP_KDF	*kdf_hkdf;

static int	hkdf(int, uint8_t *, size_t, const uint8_t *, size_t,
		    const uint8_t *, size_t, const uint8_t *, size_t);

int
hkdf_init(void)
{
	if (kdf_hkdf == NULL)
		kdf_hkdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	return kdf_hkdf != NULL ? 0 : -1;
}

/*
 * mode is an EVP_KDF_HKDF_MODE_*; key is the IKM, or the PRK when only
 * expanding.  An empty salt is left out, which OpenSSL takes as HashLen
 * zeros as RFC 5869 section 2.2 wants; an empty info likewise.
 */
static int
hkdf(int mode, uint8_t *out, size_t outlen, const uint8_t *salt,
    size_t saltlen, const uint8_t *key, size_t keylen, const uint8_t *info,
    size_t infolen)
{
	EVP_KDF_CTX	*kctx;
	OSSL_PARAM	 params[6], *p = params;
	int		 ret = -1;

	if (out == NULL || outlen == 0 || hkdf_init() == -1)
		return -1;
	if ((kctx = EVP_KDF_CTX_new(kdf_hkdf)) == NULL)
		return -1;
	/* OSSL_PARAM is not const-qualified; OpenSSL only reads these. */
	*p++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)(uintptr_t)"SHA256", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)(uintptr_t)key, keylen);
	if (mode != EVP_KDF_HKDF_MODE_EXPAND_ONLY && saltlen > 0)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
		    (void *)(uintptr_t)salt, saltlen);
	if (mode != EVP_KDF_HKDF_MODE_EXTRACT_ONLY && infolen > 0)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
		    (void *)(uintptr_t)info, infolen);
	*p = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(kctx, out, outlen, params) == 1)
		ret = 0;
	else
		explicit_bzero(out, outlen);
	EVP_KDF_CTX_free(kctx);
	return ret;
}

int
hkdf_sha256(uint8_t *okm, size_t okmlen, const uint8_t *salt,
    size_t saltlen, const uint8_t *ikm, size_t ikmlen, const uint8_t *info,
    size_t infolen)
{
	return hkdf(EVP_KDF_HKDF_MODE_EXTRACT_AND_EXPAND, okm, okmlen, salt,
	    saltlen, ikm, ikmlen, info, infolen);
}

int
hkdf_sha256_extract(uint8_t prk[HKDF_SHA256_LEN], const uint8_t *salt,
    size_t saltlen, const uint8_t *ikm, size_t ikmlen)
{
	return hkdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, prk, HKDF_SHA256_LEN,
	    salt, saltlen, ikm, ikmlen, NULL, 0);
}

int
hkdf_sha256_expand(uint8_t *okm, size_t okmlen, const uint8_t *prk,
    size_t prklen, const uint8_t *info, size_t infolen)
{
	return hkdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, okm, okmlen, NULL, 0,
	    prk, prklen, info, infolen);
}
