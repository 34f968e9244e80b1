/*
 * MEGA's client-side cryptography (docs/megaproto.md sections 3 to 6),
 * every primitive from OpenSSL 3.0: AES-128 in ECB, CBC and CTR with
 * padding off, PBKDF2-HMAC-SHA512 and raw RSA through EVP_PKEY.  Only
 * MEGA's own constructions (key folding, CBC-MAC chunks, MPIs) are
 * written here; base64url (section 1) is common/b64url.c and the
 * hashcash proof of work (section 2.4) signaler/hashcash.c.  See
 * docs/megacrypto.md.
 *
 * Secrets live in local buffers wiped before return; outputs are
 * written only once everything has succeeded.
 */

#include <sys/types.h>

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "b64url.h"
#include "megacrypto.h"

#define AES_BLOCK		16
#define V1_ROUNDS		65536
#define V1_HASH_ROUNDS		16384
#define V2_ITERATIONS		100000
#define PASSWORD_MAX		1024
#define EMAIL_MAX		512
#define CHUNK_STEP		(128 * 1024)
#define CHUNK_BIG		(1024 * 1024)
#define CHUNK_BIG_START		(36ULL * CHUNK_STEP)	/* 4608 KiB */
#define RSA_BITS_MIN		1024
#define RSA_BITS_MAX		8192

struct mc_rsa {
	EVP_PKEY	*pkey;
	size_t		 modlen;	/* bytes of n */
	size_t		 sidlen;	/* len(p) + len(q) - 2 */
	unsigned long	 e;
	int		 bits;
};

static const uint8_t v1_initial[AES_BLOCK] = {
	0x93, 0xc4, 0x67, 0xe3, 0x7d, 0xb0, 0xc7, 0xa4,
	0xd1, 0xbe, 0x3f, 0x81, 0x01, 0x52, 0xcb, 0x56
};

static EVP_CIPHER	*c_ecb, *c_cbc, *c_ctr;
static EVP_MD		*md_sha512;

static int	aes_crypt(const EVP_CIPHER *, int, const uint8_t *,
		    const uint8_t *, uint8_t *, const uint8_t *, size_t);
static int	mpi_parse(const uint8_t *, size_t, size_t *, BIGNUM **);
static int	chunk_macs(uint8_t [AES_BLOCK], EVP_CIPHER_CTX *,
		    const uint8_t *, size_t, const uint8_t [MC_NONCE_LEN]);

int
mc_init(void)
{
	if (c_ecb != NULL)
		return 0;
	if (OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL) != 1)
		return -1;
	c_ecb = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
	c_cbc = EVP_CIPHER_fetch(NULL, "AES-128-CBC", NULL);
	c_ctr = EVP_CIPHER_fetch(NULL, "AES-128-CTR", NULL);
	md_sha512 = EVP_MD_fetch(NULL, "SHA512", NULL);
	if (c_ecb == NULL || c_cbc == NULL || c_ctr == NULL ||
	    md_sha512 == NULL) {
		EVP_CIPHER_free(c_ecb);
		EVP_CIPHER_free(c_cbc);
		EVP_CIPHER_free(c_ctr);
		EVP_MD_free(md_sha512);
		c_ecb = c_cbc = c_ctr = NULL;
		md_sha512 = NULL;
		return -1;
	}
	return 0;
}

void
mc_wipe(void *p, size_t len)
{
	if (p != NULL)
		OPENSSL_cleanse(p, len);
}

int
mc_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

/*
 * One-shot AES-128 with padding off; len must be a multiple of 16 for
 * ECB and CBC.  iv is NULL for ECB.
 */
static int
aes_crypt(const EVP_CIPHER *c, int enc, const uint8_t *key,
    const uint8_t *iv, uint8_t *out, const uint8_t *in, size_t len)
{
	EVP_CIPHER_CTX	*ctx;
	int		 n, fin, rv = -1;

	if (len > INT_MAX)
		return -1;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return -1;
	if (EVP_CipherInit_ex2(ctx, c, key, iv, enc, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(ctx, 0) != 1)
		goto done;
	if (EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1)
		goto done;
	if (EVP_CipherFinal_ex(ctx, out + n, &fin) != 1 ||
	    (size_t)n + fin != len)
		goto done;
	rv = 0;
 done:
	EVP_CIPHER_CTX_free(ctx);
	return rv;
}

/* Login, section 3 */

int
mc_v1_password_key(uint8_t pk[MC_KEY_LEN], const char *pw, size_t len)
{
	EVP_CIPHER_CTX	**ctx;
	uint8_t		  k[AES_BLOCK], a[AES_BLOCK], b[AES_BLOCK];
	size_t		  nk, i, off;
	unsigned int	  r;
	int		  n, rv = -1;

	if (len == 0 || len > PASSWORD_MAX || mc_init() == -1)
		return -1;
	nk = (len + AES_BLOCK - 1) / AES_BLOCK;
	if ((ctx = calloc(nk, sizeof(*ctx))) == NULL)
		return -1;
	/* One keyed context per password block; ECB has no state. */
	for (i = 0; i < nk; i++) {
		memset(k, 0, sizeof(k));
		off = i * AES_BLOCK;
		memcpy(k, pw + off, len - off < AES_BLOCK ? len - off :
		    AES_BLOCK);
		if ((ctx[i] = EVP_CIPHER_CTX_new()) == NULL ||
		    EVP_EncryptInit_ex2(ctx[i], c_ecb, k, NULL, NULL) != 1 ||
		    EVP_CIPHER_CTX_set_padding(ctx[i], 0) != 1)
			goto done;
	}
	memcpy(a, v1_initial, sizeof(a));
	for (r = 0; r < V1_ROUNDS; r++) {
		for (i = 0; i < nk; i++) {
			if (EVP_EncryptUpdate(ctx[i], b, &n, a, AES_BLOCK)
			    != 1 || n != AES_BLOCK)
				goto done;
			memcpy(a, b, sizeof(a));
		}
	}
	memcpy(pk, a, MC_KEY_LEN);
	rv = 0;
 done:
	for (i = 0; i < nk; i++)
		EVP_CIPHER_CTX_free(ctx[i]);
	free(ctx);
	mc_wipe(k, sizeof(k));
	mc_wipe(a, sizeof(a));
	mc_wipe(b, sizeof(b));
	return rv;
}

int
mc_v1_user_hash(char uh[MC_UH_MAX], const uint8_t pk[MC_KEY_LEN],
    const char *email, size_t len)
{
	EVP_CIPHER_CTX	*ctx;
	uint8_t		 h[AES_BLOCK], t[AES_BLOCK], out[8];
	unsigned char	 c;
	size_t		 j;
	unsigned int	 r;
	int		 n, rv = -1;

	if (len == 0 || len > EMAIL_MAX || mc_init() == -1)
		return -1;
	memset(h, 0, sizeof(h));
	for (j = 0; j < len; j++) {
		c = (unsigned char)email[j];
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		h[j % AES_BLOCK] ^= c;
	}
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return -1;
	if (EVP_EncryptInit_ex2(ctx, c_ecb, pk, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(ctx, 0) != 1)
		goto done;
	for (r = 0; r < V1_HASH_ROUNDS; r++) {
		if (EVP_EncryptUpdate(ctx, t, &n, h, AES_BLOCK) != 1 ||
		    n != AES_BLOCK)
			goto done;
		memcpy(h, t, sizeof(h));
	}
	memcpy(out, h, 4);
	memcpy(out + 4, h + 8, 4);
	rv = b64url_encode(uh, MC_UH_MAX, out, sizeof(out));
 done:
	EVP_CIPHER_CTX_free(ctx);
	mc_wipe(h, sizeof(h));
	mc_wipe(t, sizeof(t));
	mc_wipe(out, sizeof(out));
	return rv;
}

int
mc_v2_derive(uint8_t pk[MC_KEY_LEN], char uh[MC_UH_MAX], const char *pw,
    size_t len, const uint8_t *salt, size_t saltlen)
{
	uint8_t		 dk[2 * MC_KEY_LEN];
	char		 h[MC_UH_MAX];
	int		 rv = -1;

	if (len == 0 || len > PASSWORD_MAX || saltlen != MC_V2_SALT_LEN ||
	    mc_init() == -1)
		return -1;
	if (PKCS5_PBKDF2_HMAC(pw, (int)len, salt, (int)saltlen,
	    V2_ITERATIONS, md_sha512, sizeof(dk), dk) != 1)
		goto done;
	if (b64url_encode(h, sizeof(h), dk + MC_KEY_LEN, MC_KEY_LEN) == -1)
		goto done;
	memcpy(pk, dk, MC_KEY_LEN);
	memcpy(uh, h, sizeof(h));
	rv = 0;
 done:
	mc_wipe(dk, sizeof(dk));
	mc_wipe(h, sizeof(h));
	return rv;
}

int
mc_master_key(uint8_t mk[MC_KEY_LEN], const uint8_t pk[MC_KEY_LEN],
    const uint8_t *k, size_t len)
{
	if (len != MC_KEY_LEN || mc_init() == -1)
		return -1;
	return aes_crypt(c_ecb, 0, pk, NULL, mk, k, MC_KEY_LEN);
}

/*
 * One MPI: a 2-byte big-endian bit count, then ceil(bits/8) magnitude
 * bytes.  The count only has to cover the value: MEGA's own encoder
 * writes 1024 for a 1020-bit u (mega-mock's account), as megajs
 * accepts.  Bits above the count must be clear.
 */
static int
mpi_parse(const uint8_t *p, size_t len, size_t *used, BIGNUM **bn)
{
	size_t		 bits, nbytes;
	BIGNUM		*b;

	if (len < 2)
		return -1;
	bits = (size_t)p[0] << 8 | p[1];
	nbytes = (bits + 7) / 8;
	if (bits == 0 || nbytes > len - 2)
		return -1;
	if ((b = BN_secure_new()) == NULL)
		return -1;
	if (BN_bin2bn(p + 2, (int)nbytes, b) == NULL || BN_is_zero(b) ||
	    (size_t)BN_num_bits(b) > bits) {
		BN_clear_free(b);
		return -1;
	}
	*used = 2 + nbytes;
	*bn = b;
	return 0;
}

struct mc_rsa *
mc_rsa_from_privk(const uint8_t mk[MC_KEY_LEN], const uint8_t *privk,
    size_t len)
{
	struct mc_rsa	*r = NULL;
	uint8_t		*plain = NULL;
	BIGNUM		*f[4] = { NULL, NULL, NULL, NULL };	/* p q d u */
	BIGNUM		*n = NULL, *e = NULL, *p1 = NULL, *q1 = NULL;
	BIGNUM		*lam = NULL, *g = NULL, *dp = NULL, *dq = NULL;
	BIGNUM		*iqmp = NULL, *t = NULL;
	BN_CTX		*bctx = NULL;
	OSSL_PARAM_BLD	*bld = NULL;
	OSSL_PARAM	*params = NULL;
	EVP_PKEY_CTX	*pctx = NULL;
	EVP_PKEY	*pkey = NULL;
	size_t		 off = 0, used;
	int		 i, ok = 0;

	if (len < AES_BLOCK || len % AES_BLOCK != 0 || len > 4096 ||
	    mc_init() == -1)
		return NULL;
	if ((plain = malloc(len)) == NULL)
		return NULL;
	if (aes_crypt(c_ecb, 0, mk, NULL, plain, privk, len) == -1)
		goto done;
	for (i = 0; i < 4; i++) {
		if (mpi_parse(plain + off, len - off, &used, &f[i]) == -1)
			goto done;
		off += used;
	}
	/* Only the padding to a whole AES block may follow. */
	if (len - off >= AES_BLOCK)
		goto done;

	if ((bctx = BN_CTX_secure_new()) == NULL ||
	    (n = BN_new()) == NULL || (e = BN_new()) == NULL ||
	    (p1 = BN_secure_new()) == NULL || (q1 = BN_secure_new()) == NULL ||
	    (lam = BN_secure_new()) == NULL || (g = BN_secure_new()) == NULL ||
	    (dp = BN_secure_new()) == NULL || (dq = BN_secure_new()) == NULL ||
	    (iqmp = BN_secure_new()) == NULL || (t = BN_secure_new()) == NULL)
		goto done;
	if (BN_cmp(f[0], BN_value_one()) <= 0 ||
	    BN_cmp(f[1], BN_value_one()) <= 0 ||
	    !BN_mul(n, f[0], f[1], bctx))
		goto done;
	if (BN_num_bits(n) < RSA_BITS_MIN || BN_num_bits(n) > RSA_BITS_MAX)
		goto done;
	/* u = p^-1 mod q is MEGA's CRT coefficient: check it. */
	if (!BN_mod_mul(t, f[3], f[0], f[1], bctx) || !BN_is_one(t))
		goto done;
	/*
	 * e is not stored.  d = e^-1 mod phi or mod lambda; either way
	 * e = d^-1 mod lambda(n), as e itself is below lambda.
	 */
	if (!BN_sub(p1, f[0], BN_value_one()) ||
	    !BN_sub(q1, f[1], BN_value_one()) ||
	    !BN_gcd(g, p1, q1, bctx) || !BN_mul(t, p1, q1, bctx) ||
	    !BN_div(lam, NULL, t, g, bctx) ||
	    BN_mod_inverse(e, f[2], lam, bctx) == NULL)
		goto done;
	if (BN_num_bits(e) > 64 || !BN_is_odd(e) || BN_is_one(e))
		goto done;
	/* OpenSSL's coefficient is q^-1 mod p, the other way round. */
	if (!BN_mod(dp, f[2], p1, bctx) || !BN_mod(dq, f[2], q1, bctx) ||
	    BN_mod_inverse(iqmp, f[1], f[0], bctx) == NULL)
		goto done;

	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, f[2]) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, f[0]) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, f[1]) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, dp) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, dq) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
	    iqmp) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		goto done;
	if ((pctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(pctx) != 1 ||
	    EVP_PKEY_fromdata(pctx, &pkey, EVP_PKEY_KEYPAIR, params) != 1)
		goto done;
	EVP_PKEY_CTX_free(pctx);
	/* A wrong MK yields garbage MPIs: refuse any inconsistent key. */
	if ((pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL ||
	    EVP_PKEY_pairwise_check(pctx) != 1)
		goto done;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		goto done;
	r->pkey = pkey;
	pkey = NULL;
	r->bits = BN_num_bits(n);
	r->modlen = BN_num_bytes(n);
	r->sidlen = BN_num_bytes(f[0]) + BN_num_bytes(f[1]) - 2;
	r->e = BN_get_word(e);
	ok = 1;
 done:
	if (!ok && r != NULL) {
		free(r);
		r = NULL;
	}
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(pctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	for (i = 0; i < 4; i++)
		BN_clear_free(f[i]);
	BN_free(n);
	BN_free(e);
	BN_clear_free(p1);
	BN_clear_free(q1);
	BN_clear_free(lam);
	BN_clear_free(g);
	BN_clear_free(dp);
	BN_clear_free(dq);
	BN_clear_free(iqmp);
	BN_clear_free(t);
	BN_CTX_free(bctx);
	if (plain != NULL) {
		mc_wipe(plain, len);
		free(plain);
	}
	return r;
}

void
mc_rsa_free(struct mc_rsa *r)
{
	if (r == NULL)
		return;
	EVP_PKEY_free(r->pkey);
	free(r);
}

int
mc_rsa_bits(const struct mc_rsa *r)
{
	return r->bits;
}

unsigned long
mc_rsa_e(const struct mc_rsa *r)
{
	return r->e;
}

int
mc_rsa_decrypt_mpi(const struct mc_rsa *r, uint8_t *out, size_t cap,
    size_t *outlen, const uint8_t *in, size_t len)
{
	EVP_PKEY_CTX	*ctx = NULL;
	uint8_t		*c = NULL, *m = NULL;
	size_t		 bits, nbytes, mlen, z, want;
	int		 rv = -1;

	if (len < 2)
		return -1;
	bits = (size_t)in[0] << 8 | in[1];
	nbytes = (bits + 7) / 8;
	/* Exactly one MPI, no larger than the modulus. */
	if (bits == 0 || nbytes != len - 2 || nbytes > r->modlen ||
	    (in[2] >> ((bits - 1) % 8 + 1)) != 0)
		return -1;
	if ((c = calloc(1, r->modlen)) == NULL ||
	    (m = malloc(r->modlen)) == NULL)
		goto done;
	memcpy(c + r->modlen - nbytes, in + 2, nbytes);
	mlen = r->modlen;
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, r->pkey, NULL)) == NULL ||
	    EVP_PKEY_decrypt_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) != 1 ||
	    EVP_PKEY_decrypt(ctx, m, &mlen, c, r->modlen) != 1 ||
	    mlen != r->modlen)
		goto done;
	/* The SDK's rule: left-pad to len(p)+len(q)-2, or m's length. */
	for (z = 0; z < mlen && m[z] == 0; z++)
		;
	want = mlen - z > r->sidlen ? mlen - z : r->sidlen;
	if (want > mlen || want > cap)
		goto done;
	memcpy(out, m + mlen - want, want);
	*outlen = want;
	rv = 0;
 done:
	EVP_PKEY_CTX_free(ctx);
	if (m != NULL) {
		mc_wipe(m, r->modlen);
		free(m);
	}
	free(c);
	return rv;
}

int
mc_sid_from_csid(char sid[MC_SID_LEN + 1], const struct mc_rsa *r,
    const uint8_t *csid, size_t len, const char *uhandle)
{
	uint8_t		*m;
	size_t		 mlen;
	char		 s[MC_SID_LEN + 1];
	int		 rv = -1;

	if ((m = malloc(r->modlen)) == NULL)
		return -1;
	if (mc_rsa_decrypt_mpi(r, m, r->modlen, &mlen, csid, len) == -1 ||
	    mlen < MC_SID_RAW_LEN)
		goto done;
	if (uhandle != NULL && (strlen(uhandle) != MC_HANDLE_B64_LEN ||
	    !mc_equal(m + 16, uhandle, MC_HANDLE_B64_LEN)))
		goto done;
	if (b64url_encode(s, sizeof(s), m, MC_SID_RAW_LEN) == -1)
		goto done;
	memcpy(sid, s, sizeof(s));
	rv = 0;
 done:
	mc_wipe(s, sizeof(s));
	mc_wipe(m, r->modlen);
	free(m);
	return rv;
}

int
mc_sid_from_tsid(char sid[MC_SID_LEN + 1], const uint8_t mk[MC_KEY_LEN],
    const char *tsid, size_t len)
{
	uint8_t		 t[MC_SID_RAW_LEN], x[AES_BLOCK];
	size_t		 n;
	int		 rv = -1;

	if (len != MC_SID_LEN || mc_init() == -1)
		return -1;
	if (b64url_decode(t, sizeof(t), &n, tsid, len) == -1 ||
	    n != MC_SID_RAW_LEN)
		goto done;
	if (aes_crypt(c_ecb, 1, mk, NULL, x, t, AES_BLOCK) == -1 ||
	    !mc_equal(x, t + MC_SID_RAW_LEN - AES_BLOCK, AES_BLOCK))
		goto done;
	memcpy(sid, tsid, MC_SID_LEN);
	sid[MC_SID_LEN] = '\0';
	rv = 0;
 done:
	mc_wipe(t, sizeof(t));
	mc_wipe(x, sizeof(x));
	return rv;
}

/* Node keys, section 4.2 */

int
mc_node_key_unwrap(uint8_t *out, const uint8_t mk[MC_KEY_LEN],
    const uint8_t *enc, size_t len)
{
	if ((len != MC_KEY_LEN && len != MC_NODEKEY_LEN) || mc_init() == -1)
		return -1;
	return aes_crypt(c_ecb, 0, mk, NULL, out, enc, len);
}

int
mc_node_key_wrap(uint8_t *out, const uint8_t mk[MC_KEY_LEN],
    const uint8_t *key, size_t len)
{
	if ((len != MC_KEY_LEN && len != MC_NODEKEY_LEN) || mc_init() == -1)
		return -1;
	return aes_crypt(c_ecb, 1, mk, NULL, out, key, len);
}

void
mc_file_key_unpack(uint8_t a[MC_KEY_LEN], uint8_t nonce[MC_NONCE_LEN],
    uint8_t mac[MC_MAC_LEN], const uint8_t k[MC_NODEKEY_LEN])
{
	size_t	 i;

	for (i = 0; i < MC_KEY_LEN; i++)
		a[i] = k[i] ^ k[MC_KEY_LEN + i];
	memcpy(nonce, k + 16, MC_NONCE_LEN);
	memcpy(mac, k + 24, MC_MAC_LEN);
}

void
mc_file_key_pack(uint8_t k[MC_NODEKEY_LEN], const uint8_t a[MC_KEY_LEN],
    const uint8_t nonce[MC_NONCE_LEN], const uint8_t mac[MC_MAC_LEN])
{
	size_t	 i;

	memcpy(k + 16, nonce, MC_NONCE_LEN);
	memcpy(k + 24, mac, MC_MAC_LEN);
	for (i = 0; i < MC_KEY_LEN; i++)
		k[i] = a[i] ^ k[MC_KEY_LEN + i];
}

/* Attributes, section 4.3 */

int
mc_attr_encrypt(uint8_t *out, size_t cap, size_t *outlen,
    const uint8_t key[MC_KEY_LEN], const char *json, size_t len)
{
	static const uint8_t	 iv[AES_BLOCK];
	uint8_t			*buf;
	size_t			 total;
	int			 rv = -1;

	if (len < 2 || json[0] != '{' || memchr(json, '\0', len) != NULL ||
	    len > MC_ATTR_MAX - 4 || mc_init() == -1)
		return -1;
	total = (4 + len + AES_BLOCK - 1) / AES_BLOCK * AES_BLOCK;
	if (total > cap || total > MC_ATTR_MAX)
		return -1;
	if ((buf = calloc(1, total)) == NULL)
		return -1;
	memcpy(buf, "MEGA", 4);
	memcpy(buf + 4, json, len);
	if (aes_crypt(c_cbc, 1, key, iv, out, buf, total) == -1)
		goto done;
	*outlen = total;
	rv = 0;
 done:
	mc_wipe(buf, total);
	free(buf);
	return rv;
}

int
mc_attr_decrypt(char *out, size_t cap, const uint8_t key[MC_KEY_LEN],
    const uint8_t *in, size_t len)
{
	static const uint8_t	 iv[AES_BLOCK];
	uint8_t			*buf;
	size_t			 i, tlen;
	int			 rv = -1;

	if (len == 0 || len % AES_BLOCK != 0 || len > MC_ATTR_MAX ||
	    mc_init() == -1)
		return -1;
	if ((buf = malloc(len)) == NULL)
		return -1;
	if (aes_crypt(c_cbc, 0, key, iv, buf, in, len) == -1)
		goto done;
	/* Text up to the first NUL; everything after it must be NUL. */
	for (tlen = 0; tlen < len && buf[tlen] != 0; tlen++)
		;
	for (i = tlen; i < len; i++)
		if (buf[i] != 0)
			goto done;
	/* A wrong key shows up here, as a missing prefix. */
	if (tlen < 8 || memcmp(buf, "MEGA{\"", 6) != 0 ||
	    buf[tlen - 1] != '}')
		goto done;
	/* JSON allows no raw control characters but white space. */
	for (i = 4; i < tlen; i++)
		if (buf[i] < 0x20 && buf[i] != '\t' && buf[i] != '\n' &&
		    buf[i] != '\r')
			goto done;
	if (tlen - 4 + 1 > cap)
		goto done;
	memcpy(out, buf + 4, tlen - 4);
	out[tlen - 4] = '\0';
	rv = 0;
 done:
	mc_wipe(buf, len);
	free(buf);
	return rv;
}

/* File data, sections 5 and 6 */

uint64_t
mc_chunk_end(uint64_t off)
{
	uint64_t	 end = 0, i;

	if (off >= CHUNK_BIG_START)
		return CHUNK_BIG_START +
		    ((off - CHUNK_BIG_START) / CHUNK_BIG + 1) * CHUNK_BIG;
	for (i = 1; end <= off; i++)
		end += i * CHUNK_STEP;
	return end;
}

int
mc_file_new_key(uint8_t a[MC_KEY_LEN], uint8_t nonce[MC_NONCE_LEN])
{
	if (RAND_priv_bytes(a, MC_KEY_LEN) != 1)
		return -1;
	if (RAND_priv_bytes(nonce, MC_NONCE_LEN) != 1) {
		mc_wipe(a, MC_KEY_LEN);
		return -1;
	}
	return 0;
}

int
mc_file_ctr(uint8_t *out, const uint8_t *in, size_t len,
    const uint8_t a[MC_KEY_LEN], const uint8_t nonce[MC_NONCE_LEN],
    uint64_t off)
{
	EVP_CIPHER_CTX	*ctx;
	uint8_t		 iv[AES_BLOCK];
	uint64_t	 blk;
	size_t		 done, step;
	int		 i, n, rv = -1;

	if (off % AES_BLOCK != 0 || mc_init() == -1)
		return -1;
	memcpy(iv, nonce, MC_NONCE_LEN);
	blk = off / AES_BLOCK;
	for (i = 0; i < 8; i++)
		iv[15 - i] = (blk >> (8 * i)) & 0xff;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return -1;
	if (EVP_EncryptInit_ex2(ctx, c_ctr, a, iv, NULL) != 1)
		goto done;
	/* EVP takes int lengths: feed big buffers in slices. */
	for (done = 0; done < len; done += step) {
		step = len - done > (1U << 30) ? (1U << 30) : len - done;
		if (EVP_EncryptUpdate(ctx, out + done, &n, in + done,
		    (int)step) != 1 || (size_t)n != step)
			goto done;
	}
	rv = 0;
 done:
	EVP_CIPHER_CTX_free(ctx);
	mc_wipe(iv, sizeof(iv));
	return rv;
}

/*
 * CBC-MAC of every chunk under A, starting from N||N and zero-padding
 * the last block, folded into X = E(A, X ^ chunkmac) in file order.
 */
static int
chunk_macs(uint8_t x[AES_BLOCK], EVP_CIPHER_CTX *ctx, const uint8_t *p,
    size_t len, const uint8_t nonce[MC_NONCE_LEN])
{
	uint8_t		 mac[AES_BLOCK], blk[AES_BLOCK];
	uint64_t	 pos = 0, end;
	size_t		 i, take;
	int		 n, rv = -1;

	memset(x, 0, AES_BLOCK);
	while (pos < len) {
		end = mc_chunk_end(pos);
		if (end > len)
			end = len;
		memcpy(mac, nonce, MC_NONCE_LEN);
		memcpy(mac + MC_NONCE_LEN, nonce, MC_NONCE_LEN);
		for (; pos < end; pos += take) {
			take = end - pos < AES_BLOCK ? end - pos : AES_BLOCK;
			memset(blk, 0, sizeof(blk));
			memcpy(blk, p + pos, take);
			for (i = 0; i < AES_BLOCK; i++)
				blk[i] ^= mac[i];
			if (EVP_EncryptUpdate(ctx, mac, &n, blk, AES_BLOCK)
			    != 1 || n != AES_BLOCK)
				goto done;
		}
		for (i = 0; i < AES_BLOCK; i++)
			blk[i] = x[i] ^ mac[i];
		if (EVP_EncryptUpdate(ctx, x, &n, blk, AES_BLOCK) != 1 ||
		    n != AES_BLOCK)
			goto done;
	}
	rv = 0;
 done:
	mc_wipe(mac, sizeof(mac));
	mc_wipe(blk, sizeof(blk));
	return rv;
}

int
mc_file_mac(uint8_t m[MC_MAC_LEN], const uint8_t *p, size_t len,
    const uint8_t a[MC_KEY_LEN], const uint8_t nonce[MC_NONCE_LEN])
{
	EVP_CIPHER_CTX	*ctx;
	uint8_t		 x[AES_BLOCK];
	int		 i, rv = -1;

	if (mc_init() == -1 || (ctx = EVP_CIPHER_CTX_new()) == NULL)
		return -1;
	if (EVP_EncryptInit_ex2(ctx, c_ecb, a, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(ctx, 0) != 1 ||
	    chunk_macs(x, ctx, p, len, nonce) == -1)
		goto done;
	for (i = 0; i < 4; i++) {
		m[i] = x[i] ^ x[4 + i];
		m[4 + i] = x[8 + i] ^ x[12 + i];
	}
	rv = 0;
 done:
	EVP_CIPHER_CTX_free(ctx);
	mc_wipe(x, sizeof(x));
	return rv;
}

int
mc_file_encrypt(uint8_t *out, uint8_t k[MC_NODEKEY_LEN], const uint8_t *in,
    size_t len, const uint8_t a[MC_KEY_LEN],
    const uint8_t nonce[MC_NONCE_LEN])
{
	uint8_t		 m[MC_MAC_LEN];

	/* MAC first: out may overwrite in. */
	if (mc_file_mac(m, in, len, a, nonce) == -1)
		return -1;
	if (mc_file_ctr(out, in, len, a, nonce, 0) == -1) {
		mc_wipe(m, sizeof(m));
		return -1;
	}
	mc_file_key_pack(k, a, nonce, m);
	mc_wipe(m, sizeof(m));
	return 0;
}

int
mc_file_decrypt(uint8_t *out, const uint8_t *in, size_t len,
    const uint8_t k[MC_NODEKEY_LEN])
{
	uint8_t		 a[MC_KEY_LEN], nonce[MC_NONCE_LEN];
	uint8_t		 want[MC_MAC_LEN], got[MC_MAC_LEN];
	int		 rv = -1;

	mc_file_key_unpack(a, nonce, want, k);
	if (mc_file_ctr(out, in, len, a, nonce, 0) == -1)
		goto done;
	if (mc_file_mac(got, out, len, a, nonce) == -1 ||
	    !mc_equal(got, want, MC_MAC_LEN)) {
		/* Nothing unauthenticated leaves this function. */
		mc_wipe(out, len);
		goto done;
	}
	rv = 0;
 done:
	mc_wipe(a, sizeof(a));
	mc_wipe(nonce, sizeof(nonce));
	mc_wipe(want, sizeof(want));
	mc_wipe(got, sizeof(got));
	return rv;
}
