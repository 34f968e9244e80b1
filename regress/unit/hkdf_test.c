/*
 * Unit test for crypto/hkdf.c: RFC 5869 Appendix A, test cases 1-3
 * (SHA-256), through the whole HKDF and through Extract and Expand
 * apart, as HPKE uses them; then the limits: HKDF-SHA256 gives at most
 * 255 * HashLen bytes, and never zero.
 */

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hkdf.h"
#include "tap.h"

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

struct vector {
	const char	*name;
	const char	*ikm;
	const char	*salt;
	const char	*info;
	size_t		 len;
	const char	*prk;
	const char	*okm;
};

static const struct vector vectors[] = {
	{ "RFC 5869 A.1",
	    "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	    "000102030405060708090a0b0c",
	    "f0f1f2f3f4f5f6f7f8f9",
	    42,
	    "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
	    "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
	    "34007208d5b887185865" },
	{ "RFC 5869 A.2",
	    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
	    "404142434445464748494a4b4c4d4e4f",
	    "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
	    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
	    "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
	    "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
	    "d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef"
	    "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
	    82,
	    "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
	    "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
	    "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
	    "cc30c58179ec3e87c14c01d5c1f3434f1d87" },
	/* An empty salt and info. */
	{ "RFC 5869 A.3",
	    "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	    "",
	    "",
	    42,
	    "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
	    "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
	    "9d201395faa4b61a96c8" },
};

int
main(void)
{
	uint8_t		 ikm[128], salt[128], info[128], okm[255 * 32 + 1];
	uint8_t		 prk[HKDF_SHA256_LEN];
	size_t		 i, ikmlen, saltlen, infolen;
	const struct vector *v;

	tap_ok(hkdf_init() == 0 && hkdf_init() == 0, "HKDF fetched, twice");
	for (i = 0; i < NITEMS(vectors); i++) {
		v = &vectors[i];
		ikmlen = tap_unhex(ikm, sizeof(ikm), v->ikm);
		saltlen = tap_unhex(salt, sizeof(salt), v->salt);
		infolen = tap_unhex(info, sizeof(info), v->info);

		memset(okm, 0, sizeof(okm));
		tap_okf(hkdf_sha256(okm, v->len, salt, saltlen, ikm, ikmlen,
		    info, infolen) == 0 && tap_eqhex(okm, v->len, v->okm),
		    "%s: OKM", v->name);
		memset(prk, 0, sizeof(prk));
		tap_okf(hkdf_sha256_extract(prk, salt, saltlen, ikm,
		    ikmlen) == 0 && tap_eqhex(prk, sizeof(prk), v->prk),
		    "%s: Extract gives the PRK", v->name);
		memset(okm, 0, sizeof(okm));
		tap_okf(hkdf_sha256_expand(okm, v->len, prk, sizeof(prk),
		    info, infolen) == 0 && tap_eqhex(okm, v->len, v->okm),
		    "%s: Expand of the PRK gives the OKM", v->name);
	}

	/* A salt of HashLen zeros is the same as none (RFC 5869 2.2). */
	v = &vectors[2];
	ikmlen = tap_unhex(ikm, sizeof(ikm), v->ikm);
	memset(salt, 0, HKDF_SHA256_LEN);
	tap_ok(hkdf_sha256_extract(prk, salt, HKDF_SHA256_LEN, ikm,
	    ikmlen) == 0 && tap_eqhex(prk, sizeof(prk), v->prk),
	    "a zero salt is an absent one");

	/* L <= 255 * HashLen. */
	tap_ok(hkdf_sha256_expand(okm, 255 * HKDF_SHA256_LEN, prk,
	    sizeof(prk), NULL, 0) == 0, "255 * HashLen bytes");
	tap_ok(hkdf_sha256_expand(okm, 255 * HKDF_SHA256_LEN + 1, prk,
	    sizeof(prk), NULL, 0) == -1, "one byte more refused");
	tap_ok(hkdf_sha256(okm, 0, NULL, 0, ikm, ikmlen, NULL, 0) == -1,
	    "no output refused");

	return tap_done();
}
