/*
 * libFuzzer target for the MEGA decoders that see server-supplied
 * bytes: base64url (every binary field), the attribute decoder and the
 * privk MPI parser.  Random ciphertext almost never decrypts to a
 * MEGA{" prefix, so the input is also encrypted here first, with
 * OpenSSL, letting the fuzzer steer the plaintext the checks see.
 */

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "b64url.h"
#include "megacrypto.h"

#define MAXIN	8192

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const uint8_t	 key[MC_KEY_LEN] = {
	0x21, 0x26, 0x2b, 0x30, 0x35, 0x3a, 0x3f, 0x44,
	0x49, 0x4e, 0x53, 0x58, 0x5d, 0x62, 0x67, 0x6c
};

static int
encrypt(int cbc, uint8_t *out, const uint8_t *in, size_t len)
{
	static const uint8_t	 iv[16];
	EVP_CIPHER_CTX		*ctx;
	int			 n, rv = -1;

	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return -1;
	if (EVP_EncryptInit_ex2(ctx, cbc ? EVP_aes_128_cbc() :
	    EVP_aes_128_ecb(), key, iv, NULL) == 1 &&
	    EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
	    EVP_EncryptUpdate(ctx, out, &n, in, (int)len) == 1)
		rv = 0;
	EVP_CIPHER_CTX_free(ctx);
	return rv;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t		 plain[MAXIN], ct[MAXIN], dec[MAXIN];
	static char		 text[MAXIN], enc[MAXIN * 2];
	struct mc_rsa		*r;
	size_t			 n, padded;

	if (size > MAXIN || mc_init() == -1)
		return 0;

	/* base64url: decode, and a re-encoding must give the input. */
	if (b64url_decode(dec, sizeof(dec), &n, (const char *)data, size)
	    == 0) {
		if (b64url_encode(enc, sizeof(enc), dec, n) != 0 ||
		    strlen(enc) != size || memcmp(enc, data, size) != 0)
			__builtin_trap();
	}

	/* The input as ciphertext, the way the server sends it. */
	if (mc_attr_decrypt(text, sizeof(text), key, data, size) == 0 &&
	    (text[0] != '{' || text[strlen(text) - 1] != '}'))
		__builtin_trap();

	/* The input as plaintext, zero-padded to whole blocks. */
	padded = (size + 15) / 16 * 16;
	memset(plain, 0, padded);
	memcpy(plain, data, size);
	if (padded > 0 && encrypt(1, ct, plain, padded) == 0 &&
	    mc_attr_decrypt(text, sizeof(text), key, ct, padded) == 0) {
		if (size < 8 || memcmp(data, "MEGA{\"", 6) != 0 ||
		    strlen(text) + 4 > size)
			__builtin_trap();
	}

	/* The input as privk plaintext: the MPI parser and key checks. */
	if (padded > 0 && padded <= 4096 &&
	    encrypt(0, ct, plain, padded) == 0 &&
	    (r = mc_rsa_from_privk(key, ct, padded)) != NULL)
		mc_rsa_free(r);
	return 0;
}
