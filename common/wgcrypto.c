/*
 * WireGuard's primitives from OpenSSL 3.0: BLAKE2s-256 (EVP_MD), keyed
 * BLAKE2s (EVP_MAC "BLAKE2SMAC"), HMAC-BLAKE2s (EVP_MAC "HMAC"),
 * X25519 (EVP_PKEY_derive), ChaCha20-Poly1305 (EVP_CIPHER).  The only
 * construction built here is HChaCha20, which OpenSSL lacks; it is
 * derived from OpenSSL's ChaCha20 keystream, see wgc_hchacha20().
 *
 * Intermediate secrets live in local buffers that are wiped before
 * return; outputs are written only at the end, so that callers may
 * pass the same buffer as input and output (C = KDF1(C, x)).
 */

#include <sys/types.h>

#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "wgcrypto.h"

/* TAI64 label of the Unix epoch, 2^62 + 10, see wgc_tai64n(). */
#define TAI64_EPOCH		0x400000000000000aULL
/*
 * wgc_tai64n_now() drops the low 24 bits of the nanoseconds (about
 * 16.8 ms, below the 20 ms between initiations the protocol allows),
 * so a handshake does not hand the peer a fine-grained clock reading.
 */
#define TAI64N_COARSE_MASK	0x00ffffffU

#define HMAC_BLOCK		64	/* BLAKE2s block size */

static int		 wgc_ready;
static EVP_MD		*md_blake2s;
static EVP_MAC		*mac_blake2s;
static EVP_MAC		*mac_hmac;
static EVP_CIPHER	*ciph_chachapoly;
static EVP_CIPHER	*ciph_chacha;

static int	ensure_ready(void);
static int	aead_crypt(EVP_CIPHER_CTX *, int, uint8_t *, const uint8_t *,
		    size_t, const void *, size_t, const uint8_t *);
static int	aead_oneshot(int, uint8_t *, const uint8_t *,
		    const uint8_t *, const uint8_t *, size_t, const void *,
		    size_t);
static void	counter_nonce(uint8_t [WGC_NONCE_LEN], uint64_t);

static inline uint32_t
le32_get(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 |
	    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void
le32_put(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = (v >> 24) & 0xff;
}

/*
 * Load the configuration and fetch every algorithm now, while files
 * and allocations are still allowed; later calls reuse the fetched
 * objects instead of looking them up by name each time.
 */
int
wgc_init(void)
{
	static const uint8_t	 base[WGC_KEY_LEN] = { 9 };
	uint8_t			 priv[WGC_KEY_LEN], out[WGC_KEY_LEN];

	if (wgc_ready)
		return 0;
	if (OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL) != 1)
		return -1;
	if (md_blake2s == NULL &&
	    (md_blake2s = EVP_MD_fetch(NULL, "BLAKE2S-256", NULL)) == NULL)
		return -1;
	if (mac_blake2s == NULL &&
	    (mac_blake2s = EVP_MAC_fetch(NULL, "BLAKE2SMAC", NULL)) == NULL)
		return -1;
	if (mac_hmac == NULL &&
	    (mac_hmac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return -1;
	if (ciph_chachapoly == NULL && (ciph_chachapoly =
	    EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305", NULL)) == NULL)
		return -1;
	if (ciph_chacha == NULL &&
	    (ciph_chacha = EVP_CIPHER_fetch(NULL, "ChaCha20", NULL)) == NULL)
		return -1;
	wgc_ready = 1;

	/* One X25519 derivation, so its key manager is fetched too. */
	memset(priv, 0x5a, sizeof(priv));
	if (wgc_dh(out, priv, base) == -1) {
		wgc_ready = 0;
		return -1;
	}
	wgc_wipe(out, sizeof(out));
	return 0;
}

static int
ensure_ready(void)
{
	if (wgc_ready)
		return 0;
	return wgc_init();
}

int
wgc_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

void
wgc_wipe(void *p, size_t len)
{
	OPENSSL_cleanse(p, len);
}

/* BLAKE2s-256 */

int
wgc_hash_init(struct wgc_hash *h)
{
	h->md = NULL;
	if (ensure_ready() == -1)
		return -1;
	if ((h->md = EVP_MD_CTX_new()) == NULL)
		return -1;
	if (EVP_DigestInit_ex2(h->md, md_blake2s, NULL) != 1) {
		wgc_hash_abort(h);
		return -1;
	}
	return 0;
}

int
wgc_hash_update(struct wgc_hash *h, const void *p, size_t len)
{
	if (h->md == NULL)
		return -1;
	if (len == 0)
		return 0;
	if (EVP_DigestUpdate(h->md, p, len) != 1)
		return -1;
	return 0;
}

/* Finishes and frees the context, whatever the outcome. */
int
wgc_hash_final(struct wgc_hash *h, uint8_t out[WGC_HASH_LEN])
{
	uint8_t		 tmp[WGC_HASH_LEN];
	unsigned int	 len = 0;
	int		 rv = -1;

	if (h->md == NULL)
		return -1;
	if (EVP_DigestFinal_ex(h->md, tmp, &len) == 1 &&
	    len == WGC_HASH_LEN) {
		memcpy(out, tmp, sizeof(tmp));
		rv = 0;
	}
	wgc_wipe(tmp, sizeof(tmp));
	wgc_hash_abort(h);
	return rv;
}

void
wgc_hash_abort(struct wgc_hash *h)
{
	/* The provider clears its state when the context is freed. */
	EVP_MD_CTX_free(h->md);
	h->md = NULL;
}

int
wgc_hash2(uint8_t out[WGC_HASH_LEN], const void *a, size_t alen,
    const void *b, size_t blen)
{
	struct wgc_hash	 h;

	if (wgc_hash_init(&h) == -1)
		return -1;
	if (wgc_hash_update(&h, a, alen) == -1 ||
	    wgc_hash_update(&h, b, blen) == -1) {
		wgc_hash_abort(&h);
		return -1;
	}
	return wgc_hash_final(&h, out);
}

/* Keyed BLAKE2s and HMAC-BLAKE2s */

int
wgc_blake2s_keyed(uint8_t *out, size_t outlen, const uint8_t *key,
    size_t keylen, const void *in, size_t inlen)
{
	EVP_MAC_CTX	*ctx;
	OSSL_PARAM	 params[2];
	uint8_t		 tmp[WGC_HASH_LEN];
	size_t		 size = outlen, len = 0;
	int		 rv = -1;

	/* RFC 7693: keys of 1 to 32 bytes, digests of 1 to 32 bytes. */
	if (outlen < 1 || outlen > WGC_HASH_LEN ||
	    keylen < 1 || keylen > WGC_MAC_KEY_MAX)
		return -1;
	if (ensure_ready() == -1)
		return -1;
	if ((ctx = EVP_MAC_CTX_new(mac_blake2s)) == NULL)
		return -1;
	params[0] = OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(ctx, key, keylen, params) != 1)
		goto done;
	if (inlen > 0 && EVP_MAC_update(ctx, in, inlen) != 1)
		goto done;
	if (EVP_MAC_final(ctx, tmp, &len, sizeof(tmp)) != 1 || len != outlen)
		goto done;
	memcpy(out, tmp, outlen);
	rv = 0;
 done:
	wgc_wipe(tmp, sizeof(tmp));
	EVP_MAC_CTX_free(ctx);
	return rv;
}

int
wgc_mac(uint8_t out[WGC_MAC_LEN], const uint8_t *key, size_t keylen,
    const void *in, size_t inlen)
{
	return wgc_blake2s_keyed(out, WGC_MAC_LEN, key, keylen, in, inlen);
}

int
wgc_hmac(uint8_t out[WGC_HASH_LEN], const uint8_t *key, size_t keylen,
    const void *in, size_t inlen)
{
	EVP_MAC_CTX	*ctx;
	OSSL_PARAM	 params[2];
	char		 digest[] = "BLAKE2S-256";
	uint8_t		 tmp[WGC_HASH_LEN];
	size_t		 len = 0;
	int		 rv = -1;

	if (keylen > HMAC_BLOCK)
		return -1;
	if (ensure_ready() == -1)
		return -1;
	if ((ctx = EVP_MAC_CTX_new(mac_hmac)) == NULL)
		return -1;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(ctx, key, keylen, params) != 1)
		goto done;
	if (inlen > 0 && EVP_MAC_update(ctx, in, inlen) != 1)
		goto done;
	if (EVP_MAC_final(ctx, tmp, &len, sizeof(tmp)) != 1 ||
	    len != WGC_HASH_LEN)
		goto done;
	memcpy(out, tmp, sizeof(tmp));
	rv = 0;
 done:
	wgc_wipe(tmp, sizeof(tmp));
	EVP_MAC_CTX_free(ctx);
	return rv;
}

/*
 * The whitepaper's KDF: HKDF (RFC 5869) with HMAC-BLAKE2s, no salt
 * argument but the chaining key as HMAC key, and no info:
 * T0 = HMAC(key, input), Ti = HMAC(T0, T(i-1) || i).
 */
int
wgc_kdf(uint8_t out1[WGC_HASH_LEN], uint8_t *out2, uint8_t *out3,
    const uint8_t key[WGC_KEY_LEN], const void *in, size_t inlen)
{
	uint8_t		 t0[WGC_HASH_LEN];
	uint8_t		 t[3][WGC_HASH_LEN];
	uint8_t		 buf[WGC_HASH_LEN + 1];
	int		 n, i, rv = -1;

	n = out2 == NULL ? 1 : out3 == NULL ? 2 : 3;
	if (wgc_hmac(t0, key, WGC_KEY_LEN, in, inlen) == -1)
		goto done;
	buf[0] = 1;
	if (wgc_hmac(t[0], t0, sizeof(t0), buf, 1) == -1)
		goto done;
	for (i = 1; i < n; i++) {
		memcpy(buf, t[i - 1], WGC_HASH_LEN);
		buf[WGC_HASH_LEN] = i + 1;
		if (wgc_hmac(t[i], t0, sizeof(t0), buf, sizeof(buf)) == -1)
			goto done;
	}
	memcpy(out1, t[0], WGC_HASH_LEN);
	if (n > 1)
		memcpy(out2, t[1], WGC_HASH_LEN);
	if (n > 2)
		memcpy(out3, t[2], WGC_HASH_LEN);
	rv = 0;
 done:
	wgc_wipe(t0, sizeof(t0));
	wgc_wipe(t, sizeof(t));
	wgc_wipe(buf, sizeof(buf));
	return rv;
}

/* X25519 */

int
wgc_dh(uint8_t out[WGC_KEY_LEN], const uint8_t priv[WGC_KEY_LEN],
    const uint8_t pub[WGC_KEY_LEN])
{
	EVP_PKEY	*sk = NULL, *pk = NULL;
	EVP_PKEY_CTX	*pctx = NULL;
	uint8_t		 tmp[WGC_KEY_LEN], acc = 0;
	size_t		 len = sizeof(tmp), i;
	int		 rv = -1;

	if (ensure_ready() == -1)
		return -1;
	sk = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL, priv,
	    WGC_KEY_LEN);
	pk = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, pub,
	    WGC_KEY_LEN);
	if (sk == NULL || pk == NULL)
		goto done;
	if ((pctx = EVP_PKEY_CTX_new_from_pkey(NULL, sk, NULL)) == NULL)
		goto done;
	/* X25519 has no point validation; the zero check below is it. */
	if (EVP_PKEY_derive_init(pctx) != 1 ||
	    EVP_PKEY_derive_set_peer_ex(pctx, pk, 0) != 1 ||
	    EVP_PKEY_derive(pctx, tmp, &len) != 1 || len != WGC_KEY_LEN)
		goto done;
	/*
	 * A low-order public key gives an all-zero secret, which would
	 * let a peer force a known DH result (RFC 7748 section 6.1).
	 * OpenSSL refuses it too; check anyway, without branching on
	 * the secret bytes.
	 */
	for (i = 0; i < sizeof(tmp); i++)
		acc |= tmp[i];
	if (acc == 0)
		goto done;
	memcpy(out, tmp, sizeof(tmp));
	rv = 0;
 done:
	wgc_wipe(tmp, sizeof(tmp));
	EVP_PKEY_CTX_free(pctx);
	EVP_PKEY_free(pk);
	EVP_PKEY_free(sk);
	return rv;
}

/* ChaCha20-Poly1305 */

int
wgc_aead_init(struct wgc_aead *a, const uint8_t key[WGC_KEY_LEN])
{
	a->ctx = NULL;
	if (ensure_ready() == -1)
		return -1;
	if ((a->ctx = EVP_CIPHER_CTX_new()) == NULL)
		return -1;
	/* The key schedule happens here, once; packets only set a nonce. */
	if (EVP_CipherInit_ex2(a->ctx, ciph_chachapoly, key, NULL, 1,
	    NULL) != 1) {
		wgc_aead_free(a);
		return -1;
	}
	return 0;
}

void
wgc_aead_free(struct wgc_aead *a)
{
	/* The provider wipes its context, key included, when freed. */
	EVP_CIPHER_CTX_free(a->ctx);
	a->ctx = NULL;
}

static void
counter_nonce(uint8_t nonce[WGC_NONCE_LEN], uint64_t counter)
{
	int	 i;

	memset(nonce, 0, 4);
	for (i = 0; i < 8; i++)
		nonce[4 + i] = (counter >> (8 * i)) & 0xff;
}

/*
 * One AEAD operation with the context's key.  For opening, len counts
 * the tag.  Decryption writes plaintext before the tag is checked (in
 * EVP_CipherFinal_ex, in constant time), so on failure the output is
 * wiped before returning.
 */
static int
aead_crypt(EVP_CIPHER_CTX *ctx, int enc, uint8_t *dst, const uint8_t *src,
    size_t len, const void *ad, size_t adlen, const uint8_t *nonce)
{
	uint8_t		 tag[WGC_TAG_LEN];
	size_t		 textlen;
	int		 outl, finl;

	if (ctx == NULL)
		return -1;
	if (!enc && len < WGC_TAG_LEN)
		return -1;
	textlen = enc ? len : len - WGC_TAG_LEN;
	if (textlen > INT_MAX - WGC_TAG_LEN || adlen > INT_MAX)
		return -1;

	/* Only the nonce changes: no allocation, no key schedule. */
	if (EVP_CipherInit_ex2(ctx, NULL, NULL, nonce, enc, NULL) != 1)
		return -1;
	if (!enc) {
		/* A copy: ctrl takes a non-const pointer. */
		memcpy(tag, src + textlen, sizeof(tag));
		if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG,
		    sizeof(tag), tag) != 1)
			goto fail;
	}
	if (adlen > 0 &&
	    EVP_CipherUpdate(ctx, NULL, &outl, ad, (int)adlen) != 1)
		goto fail;
	outl = 0;
	if (textlen > 0 &&
	    (EVP_CipherUpdate(ctx, dst, &outl, src, (int)textlen) != 1 ||
	    (size_t)outl != textlen))
		goto fail;
	finl = 0;
	if (EVP_CipherFinal_ex(ctx, dst + outl, &finl) != 1 || finl != 0)
		goto fail;
	if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG,
	    WGC_TAG_LEN, dst + textlen) != 1)
		goto fail;
	return 0;
 fail:
	if (textlen > 0)
		wgc_wipe(dst, textlen);
	if (enc)
		wgc_wipe(dst + textlen, WGC_TAG_LEN);
	return -1;
}

int
wgc_aead_seal_nonce(struct wgc_aead *a, uint8_t *dst, const uint8_t *src,
    size_t len, const void *ad, size_t adlen,
    const uint8_t nonce[WGC_NONCE_LEN])
{
	return aead_crypt(a->ctx, 1, dst, src, len, ad, adlen, nonce);
}

int
wgc_aead_open_nonce(struct wgc_aead *a, uint8_t *dst, const uint8_t *src,
    size_t len, const void *ad, size_t adlen,
    const uint8_t nonce[WGC_NONCE_LEN])
{
	return aead_crypt(a->ctx, 0, dst, src, len, ad, adlen, nonce);
}

int
wgc_aead_seal(struct wgc_aead *a, uint8_t *dst, const uint8_t *src,
    size_t len, const void *ad, size_t adlen, uint64_t counter)
{
	uint8_t		 nonce[WGC_NONCE_LEN];

	counter_nonce(nonce, counter);
	return aead_crypt(a->ctx, 1, dst, src, len, ad, adlen, nonce);
}

int
wgc_aead_open(struct wgc_aead *a, uint8_t *dst, const uint8_t *src,
    size_t len, const void *ad, size_t adlen, uint64_t counter)
{
	uint8_t		 nonce[WGC_NONCE_LEN];

	counter_nonce(nonce, counter);
	return aead_crypt(a->ctx, 0, dst, src, len, ad, adlen, nonce);
}

static int
aead_oneshot(int enc, uint8_t *dst, const uint8_t *key,
    const uint8_t *nonce, const uint8_t *src, size_t len, const void *ad,
    size_t adlen)
{
	struct wgc_aead	 a;
	int		 rv;

	if (wgc_aead_init(&a, key) == -1)
		return -1;
	rv = aead_crypt(a.ctx, enc, dst, src, len, ad, adlen, nonce);
	wgc_aead_free(&a);
	return rv;
}

int
wgc_aead_seal1(uint8_t *dst, const uint8_t key[WGC_KEY_LEN],
    uint64_t counter, const uint8_t *src, size_t len, const void *ad,
    size_t adlen)
{
	uint8_t		 nonce[WGC_NONCE_LEN];

	counter_nonce(nonce, counter);
	return aead_oneshot(1, dst, key, nonce, src, len, ad, adlen);
}

int
wgc_aead_open1(uint8_t *dst, const uint8_t key[WGC_KEY_LEN],
    uint64_t counter, const uint8_t *src, size_t len, const void *ad,
    size_t adlen)
{
	uint8_t		 nonce[WGC_NONCE_LEN];

	counter_nonce(nonce, counter);
	return aead_oneshot(0, dst, key, nonce, src, len, ad, adlen);
}

/* HChaCha20 and XChaCha20-Poly1305 */

/*
 * HChaCha20 (draft-irtf-cfrg-xchacha-03 section 2.2) is the ChaCha20
 * block function without its final addition: the state is set up from
 * the constants (words 0-3), the key (4-11) and the 16-byte input
 * (12-15), put through the 20 rounds, and words 0-3 and 12-15 of the
 * result are the output.
 *
 * OpenSSL has no HChaCha20, but its ChaCha20 takes a 16-byte IV that is
 * exactly words 12-15 (a 32-bit little-endian block counter, then the
 * 96-bit nonce).  With the HChaCha20 input as that IV, the first 64
 * bytes of keystream are the block (rounds(S) + S) word by word, mod
 * 2^32, for the initial state S.  Words 0-3 and 12-15 of S are public
 * (the constants, the input), so subtracting them gives back rounds(S)
 * for exactly the words HChaCha20 outputs.  The key words 4-11, which
 * the output does not reveal, are never needed.
 */
int
wgc_hchacha20(uint8_t out[WGC_KEY_LEN], const uint8_t key[WGC_KEY_LEN],
    const uint8_t nonce[WGC_HNONCE_LEN])
{
	/* "expand 32-byte k" as little-endian words */
	static const uint32_t	 sigma[4] = {
		0x61707865, 0x3320646e, 0x79622d32, 0x6b206574
	};
	static const uint8_t	 zero[64];
	EVP_CIPHER_CTX		*ctx;
	uint8_t			 ks[64], tmp[WGC_KEY_LEN];
	int			 i, outl = 0, rv = -1;

	if (ensure_ready() == -1)
		return -1;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return -1;
	if (EVP_EncryptInit_ex2(ctx, ciph_chacha, key, nonce, NULL) != 1 ||
	    EVP_EncryptUpdate(ctx, ks, &outl, zero, sizeof(zero)) != 1 ||
	    outl != sizeof(ks))
		goto done;
	for (i = 0; i < 4; i++) {
		le32_put(tmp + 4 * i, le32_get(ks + 4 * i) - sigma[i]);
		le32_put(tmp + 16 + 4 * i,
		    le32_get(ks + 48 + 4 * i) - le32_get(nonce + 4 * i));
	}
	memcpy(out, tmp, sizeof(tmp));
	rv = 0;
 done:
	wgc_wipe(ks, sizeof(ks));
	wgc_wipe(tmp, sizeof(tmp));
	EVP_CIPHER_CTX_free(ctx);
	return rv;
}

/*
 * XChaCha20-Poly1305: the subkey is HChaCha20(key, nonce[0..16]), the
 * ChaCha20-Poly1305 nonce is 4 zero bytes || nonce[16..24].
 */
static int
xaead(int enc, uint8_t *dst, const uint8_t *key, const uint8_t *xnonce,
    const uint8_t *src, size_t len, const void *ad, size_t adlen)
{
	uint8_t		 subkey[WGC_KEY_LEN], nonce[WGC_NONCE_LEN];
	int		 rv;

	if (wgc_hchacha20(subkey, key, xnonce) == -1)
		return -1;
	memset(nonce, 0, 4);
	memcpy(nonce + 4, xnonce + WGC_HNONCE_LEN, 8);
	rv = aead_oneshot(enc, dst, subkey, nonce, src, len, ad, adlen);
	wgc_wipe(subkey, sizeof(subkey));
	return rv;
}

int
wgc_xaead_seal(uint8_t *dst, const uint8_t key[WGC_KEY_LEN],
    const uint8_t nonce[WGC_XNONCE_LEN], const uint8_t *src, size_t len,
    const void *ad, size_t adlen)
{
	return xaead(1, dst, key, nonce, src, len, ad, adlen);
}

int
wgc_xaead_open(uint8_t *dst, const uint8_t key[WGC_KEY_LEN],
    const uint8_t nonce[WGC_XNONCE_LEN], const uint8_t *src, size_t len,
    const void *ad, size_t adlen)
{
	return xaead(0, dst, key, nonce, src, len, ad, adlen);
}

/* TAI64N */

/*
 * The label is 2^62 + 10 + Unix seconds: TAI64's epoch offset plus the
 * 10 s TAI-UTC difference of 1970 that libtai uses.  The Linux kernel
 * and wireguard-go encode it the same way; a peer compares each
 * initiation's timestamp with the last one it accepted from the same
 * key, so a key moved from another implementation to clawd must not
 * appear to go back in time.
 */
void
wgc_tai64n(uint8_t out[WGC_TAI64N_LEN], int64_t sec, uint32_t nsec)
{
	uint64_t	 label = TAI64_EPOCH + (uint64_t)sec;
	int		 i;

	for (i = 0; i < 8; i++)
		out[i] = (label >> (56 - 8 * i)) & 0xff;
	for (i = 0; i < 4; i++)
		out[8 + i] = (nsec >> (24 - 8 * i)) & 0xff;
}

int
wgc_tai64n_now(uint8_t out[WGC_TAI64N_LEN])
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		return -1;
	wgc_tai64n(out, (int64_t)ts.tv_sec,
	    (uint32_t)ts.tv_nsec & ~TAI64N_COARSE_MASK);
	return 0;
}
