/*
 * HPKE, written from RFC 9180; the names in the comments (skE, pkRm,
 * kem_context, key_schedule_context, ...) are the RFC's.  OpenSSL 3.0
 * supplies the primitives only: X25519 through EVP_PKEY_derive (the
 * public key of a private one is key_public(), common/key.c), the
 * AEADs through EVP_CIPHER; HKDF-Extract and HKDF-Expand are hkdf.c's.
 *
 * Secrets live in locals and are wiped on every path; results reach
 * the caller's buffers only once everything before them succeeded.
 */

#include <sys/types.h>

#include <limits.h>
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "hkdf.h"
#include "hpke.h"
#include "key.h"

#if HPKE_NH != HKDF_SHA256_LEN || HPKE_NPK != CLAWD_KEY_LEN || \
    HPKE_NSK != CLAWD_KEY_LEN
#error "HPKE's sizes are not HKDF-SHA256's and X25519's"
#endif

#define HPKE_VERSION_LABEL	"HPKE-v1"
#define HPKE_LABEL_MAX		16	/* longest label: "shared_secret" */
#define HPKE_SUITE_MAX		10	/* "HPKE" || kem || kdf || aead */
#define HPKE_DATA_MAX		(HPKE_INFO_MAX > HPKE_EXPCTX_MAX ? \
				    HPKE_INFO_MAX : HPKE_EXPCTX_MAX)
#define HPKE_LABELED_MAX	(2 + sizeof(HPKE_VERSION_LABEL) - 1 + \
				    HPKE_SUITE_MAX + HPKE_LABEL_MAX + \
				    HPKE_DATA_MAX)

/* suite_id of section 4.1: "KEM" || I2OSP(kem_id, 2) */
static const uint8_t	 kem_suite[] = { 'K', 'E', 'M', 0x00, 0x20 };

struct suite {
	uint8_t		 id[HPKE_SUITE_MAX];
	size_t		 len;
};

static int	labeled_extract(uint8_t [HPKE_NH], const struct suite *,
		    const uint8_t *, size_t, const char *, const uint8_t *,
		    size_t);
static int	labeled_expand(uint8_t *, size_t, const struct suite *,
		    const uint8_t [HPKE_NH], const char *, const uint8_t *,
		    size_t);
static void	suite_kem(struct suite *);
static int	suite_hpke(struct suite *, uint16_t);
static const EVP_CIPHER *aead_cipher(uint16_t, size_t *);
static int	dh(uint8_t [32], const uint8_t [HPKE_NSK],
		    const uint8_t [HPKE_NPK]);
static int	extract_and_expand(uint8_t [HPKE_NSECRET], const uint8_t *,
		    size_t, const uint8_t *, size_t);
static int	aead_seal(const EVP_CIPHER *, const uint8_t *,
		    const uint8_t [HPKE_NN], const uint8_t *, size_t,
		    const uint8_t *, size_t, uint8_t *);
static int	aead_open(const EVP_CIPHER *, const uint8_t *,
		    const uint8_t [HPKE_NN], const uint8_t *, size_t,
		    const uint8_t *, size_t, uint8_t *);

/*
 * LabeledExtract(salt, label, ikm):
 *   labeled_ikm = "HPKE-v1" || suite_id || label || ikm
 *   return Extract(salt, labeled_ikm)
 */
static int
labeled_extract(uint8_t prk[HPKE_NH], const struct suite *s,
    const uint8_t *salt, size_t saltlen, const char *label,
    const uint8_t *ikm, size_t ikmlen)
{
	uint8_t		 buf[HPKE_LABELED_MAX];
	size_t		 vlen = sizeof(HPKE_VERSION_LABEL) - 1;
	size_t		 llen = strlen(label), len = 0;
	int		 ret;

	if (llen > HPKE_LABEL_MAX || ikmlen > HPKE_DATA_MAX)
		return -1;
	memcpy(buf, HPKE_VERSION_LABEL, vlen);
	len += vlen;
	memcpy(buf + len, s->id, s->len);
	len += s->len;
	memcpy(buf + len, label, llen);
	len += llen;
	if (ikmlen > 0)
		memcpy(buf + len, ikm, ikmlen);
	len += ikmlen;
	ret = hkdf_sha256_extract(prk, salt, saltlen, buf, len);
	explicit_bzero(buf, sizeof(buf));
	return ret;
}

/*
 * LabeledExpand(prk, label, info, L):
 *   labeled_info = I2OSP(L, 2) || "HPKE-v1" || suite_id || label || info
 *   return Expand(prk, labeled_info, L)
 */
static int
labeled_expand(uint8_t *out, size_t outlen, const struct suite *s,
    const uint8_t prk[HPKE_NH], const char *label, const uint8_t *info,
    size_t infolen)
{
	uint8_t		 buf[HPKE_LABELED_MAX];
	size_t		 vlen = sizeof(HPKE_VERSION_LABEL) - 1;
	size_t		 llen = strlen(label), len = 0;
	int		 ret;

	if (llen > HPKE_LABEL_MAX || infolen > HPKE_DATA_MAX ||
	    outlen == 0 || outlen > 255 * HPKE_NH)
		return -1;
	buf[len++] = outlen >> 8;
	buf[len++] = outlen & 0xff;
	memcpy(buf + len, HPKE_VERSION_LABEL, vlen);
	len += vlen;
	memcpy(buf + len, s->id, s->len);
	len += s->len;
	memcpy(buf + len, label, llen);
	len += llen;
	if (infolen > 0)
		memcpy(buf + len, info, infolen);
	len += infolen;
	ret = hkdf_sha256_expand(out, outlen, prk, HPKE_NH, buf, len);
	explicit_bzero(buf, sizeof(buf));
	return ret;
}

static void
suite_kem(struct suite *s)
{
	memcpy(s->id, kem_suite, sizeof(kem_suite));
	s->len = sizeof(kem_suite);
}

/* suite_id of section 5.1: "HPKE" || kem_id || kdf_id || aead_id */
static int
suite_hpke(struct suite *s, uint16_t aead_id)
{
	size_t		 nk;

	if (aead_cipher(aead_id, &nk) == NULL)
		return -1;
	memcpy(s->id, "HPKE", 4);
	s->id[4] = HPKE_KEM_X25519_SHA256 >> 8;
	s->id[5] = HPKE_KEM_X25519_SHA256 & 0xff;
	s->id[6] = HPKE_KDF_HKDF_SHA256 >> 8;
	s->id[7] = HPKE_KDF_HKDF_SHA256 & 0xff;
	s->id[8] = aead_id >> 8;
	s->id[9] = aead_id & 0xff;
	s->len = 10;
	return 0;
}

static const EVP_CIPHER *
aead_cipher(uint16_t aead_id, size_t *nk)
{
	switch (aead_id) {
	case HPKE_AEAD_AES128GCM:
		*nk = 16;
		return EVP_aes_128_gcm();
	case HPKE_AEAD_AES256GCM:
		*nk = 32;
		return EVP_aes_256_gcm();
	case HPKE_AEAD_CHACHA20POLY1305:
		*nk = 32;
		return EVP_chacha20_poly1305();
	default:
		return NULL;
	}
}

/* Any 32 bytes are an X25519 private key: X25519 clamps them. */
int
hpke_keypair(uint8_t sk[HPKE_NSK], uint8_t pk[HPKE_NPK])
{
	if (RAND_priv_bytes(sk, HPKE_NSK) != 1 || key_public(pk, sk) == -1) {
		explicit_bzero(sk, HPKE_NSK);
		return -1;
	}
	return 0;
}

/*
 * DH(sk, pk), failing on the all-zero output (section 7.1.4): a
 * low-order pkR or enc would otherwise fix the shared secret.
 */
static int
dh(uint8_t out[32], const uint8_t sk[HPKE_NSK], const uint8_t pk[HPKE_NPK])
{
	static const uint8_t	 zero[32];
	EVP_PKEY		*priv = NULL, *peer = NULL;
	EVP_PKEY_CTX		*ctx = NULL;
	size_t			 len = 32;
	int			 ret = -1;

	priv = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, sk,
	    HPKE_NSK);
	peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, pk,
	    HPKE_NPK);
	if (priv == NULL || peer == NULL)
		goto done;
	if ((ctx = EVP_PKEY_CTX_new(priv, NULL)) == NULL)
		goto done;
	if (EVP_PKEY_derive_init(ctx) != 1 ||
	    EVP_PKEY_derive_set_peer(ctx, peer) != 1 ||
	    EVP_PKEY_derive(ctx, out, &len) != 1 || len != 32)
		goto done;
	if (CRYPTO_memcmp(out, zero, sizeof(zero)) == 0)
		goto done;
	ret = 0;
 done:
	if (ret == -1)
		explicit_bzero(out, 32);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	EVP_PKEY_free(priv);
	return ret;
}

/*
 * ExtractAndExpand(dh, kem_context):
 *   eae_prk = LabeledExtract("", "eae_prk", dh)
 *   shared_secret = LabeledExpand(eae_prk, "shared_secret",
 *       kem_context, Nsecret)
 */
static int
extract_and_expand(uint8_t ss[HPKE_NSECRET], const uint8_t *dhv,
    size_t dhlen, const uint8_t *kem_context, size_t kclen)
{
	struct suite	 s;
	uint8_t		 eae_prk[HPKE_NH];
	int		 ret = -1;

	suite_kem(&s);
	if (labeled_extract(eae_prk, &s, NULL, 0, "eae_prk", dhv,
	    dhlen) == 0 &&
	    labeled_expand(ss, HPKE_NSECRET, &s, eae_prk, "shared_secret",
	    kem_context, kclen) == 0)
		ret = 0;
	explicit_bzero(eae_prk, sizeof(eae_prk));
	return ret;
}

/*
 * Encap(pkR), or with skS AuthEncap(pkR, skS):
 *   dh = DH(skE, pkR) [|| DH(skS, pkR)]
 *   enc = pkEm
 *   kem_context = enc || pkRm [|| pkSm]
 */
int
hpke_encap(uint8_t shared_secret[HPKE_NSECRET], uint8_t enc[HPKE_NENC],
    const uint8_t pkR[HPKE_NPK], const uint8_t *skS, const uint8_t *skE)
{
	uint8_t		 ske[HPKE_NSK], pke[HPKE_NPK];
	uint8_t		 dhv[64], kem_context[3 * HPKE_NPK];
	size_t		 dhlen = 32, kclen = 2 * HPKE_NPK;
	int		 ret = -1;

	if (skE != NULL) {
		memcpy(ske, skE, sizeof(ske));
		if (key_public(pke, ske) == -1)
			goto done;
	} else if (hpke_keypair(ske, pke) == -1)
		goto done;
	if (dh(dhv, ske, pkR) == -1)
		goto done;
	memcpy(kem_context, pke, HPKE_NPK);
	memcpy(kem_context + HPKE_NPK, pkR, HPKE_NPK);
	if (skS != NULL) {
		if (dh(dhv + 32, skS, pkR) == -1 ||
		    key_public(kem_context + 2 * HPKE_NPK, skS) == -1)
			goto done;
		dhlen += 32;
		kclen += HPKE_NPK;
	}
	if (extract_and_expand(shared_secret, dhv, dhlen, kem_context,
	    kclen) == -1)
		goto done;
	memcpy(enc, pke, HPKE_NENC);
	ret = 0;
 done:
	explicit_bzero(ske, sizeof(ske));
	explicit_bzero(dhv, sizeof(dhv));
	return ret;
}

/*
 * Decap(enc, skR), or with pkS AuthDecap(enc, skR, pkS):
 *   dh = DH(skR, pkE) [|| DH(skR, pkS)]
 *   kem_context = enc || pkRm [|| pkSm]
 */
int
hpke_decap(uint8_t shared_secret[HPKE_NSECRET], const uint8_t enc[HPKE_NENC],
    const uint8_t skR[HPKE_NSK], const uint8_t *pkS)
{
	uint8_t		 dhv[64], kem_context[3 * HPKE_NPK];
	size_t		 dhlen = 32, kclen = 2 * HPKE_NPK;
	int		 ret = -1;

	if (dh(dhv, skR, enc) == -1)
		goto done;
	memcpy(kem_context, enc, HPKE_NENC);
	if (key_public(kem_context + HPKE_NENC, skR) == -1)
		goto done;
	if (pkS != NULL) {
		if (dh(dhv + 32, skR, pkS) == -1)
			goto done;
		memcpy(kem_context + 2 * HPKE_NPK, pkS, HPKE_NPK);
		dhlen += 32;
		kclen += HPKE_NPK;
	}
	if (extract_and_expand(shared_secret, dhv, dhlen, kem_context,
	    kclen) == -1)
		goto done;
	ret = 0;
 done:
	explicit_bzero(dhv, sizeof(dhv));
	return ret;
}

/*
 * KeySchedule(mode, shared_secret, info, psk = "", psk_id = ""):
 *   psk_id_hash = LabeledExtract("", "psk_id_hash", psk_id)
 *   info_hash = LabeledExtract("", "info_hash", info)
 *   key_schedule_context = mode || psk_id_hash || info_hash
 *   secret = LabeledExtract(shared_secret, "secret", psk)
 *   key = LabeledExpand(secret, "key", key_schedule_context, Nk)
 *   base_nonce = LabeledExpand(secret, "base_nonce", ..., Nn)
 *   exporter_secret = LabeledExpand(secret, "exp", ..., Nh)
 */
int
hpke_key_schedule(struct hpke_ctx *ctx, uint8_t mode, uint16_t aead_id,
    const uint8_t shared_secret[HPKE_NSECRET], const uint8_t *info,
    size_t infolen, uint8_t *ksc_out, uint8_t *secret_out)
{
	struct suite	 s;
	struct hpke_ctx	 c;
	uint8_t		 ksc[HPKE_KSC_LEN], secret[HPKE_NH];
	int		 ret = -1;

	memset(&c, 0, sizeof(c));
	/* Without a PSK, only these two modes are defined. */
	if ((mode != HPKE_MODE_BASE && mode != HPKE_MODE_AUTH) ||
	    infolen > HPKE_INFO_MAX || suite_hpke(&s, aead_id) == -1)
		return -1;
	(void)aead_cipher(aead_id, &c.nk);
	c.aead_id = aead_id;
	ksc[0] = mode;
	if (labeled_extract(ksc + 1, &s, NULL, 0, "psk_id_hash", NULL,
	    0) == -1 ||
	    labeled_extract(ksc + 1 + HPKE_NH, &s, NULL, 0, "info_hash",
	    info, infolen) == -1)
		goto done;
	if (labeled_extract(secret, &s, shared_secret, HPKE_NSECRET,
	    "secret", NULL, 0) == -1)
		goto done;
	if (labeled_expand(c.key, c.nk, &s, secret, "key", ksc,
	    sizeof(ksc)) == -1 ||
	    labeled_expand(c.base_nonce, HPKE_NN, &s, secret, "base_nonce",
	    ksc, sizeof(ksc)) == -1 ||
	    labeled_expand(c.exporter_secret, HPKE_NH, &s, secret, "exp",
	    ksc, sizeof(ksc)) == -1)
		goto done;
	if (ksc_out != NULL)
		memcpy(ksc_out, ksc, sizeof(ksc));
	if (secret_out != NULL)
		memcpy(secret_out, secret, sizeof(secret));
	memcpy(ctx, &c, sizeof(c));
	ret = 0;
 done:
	explicit_bzero(&c, sizeof(c));
	explicit_bzero(secret, sizeof(secret));
	return ret;
}

/* ComputeNonce(seq) = base_nonce XOR I2OSP(seq, Nn) */
void
hpke_ctx_nonce(const struct hpke_ctx *ctx, uint64_t seq,
    uint8_t nonce[HPKE_NN])
{
	int		 i;

	memcpy(nonce, ctx->base_nonce, HPKE_NN);
	for (i = HPKE_NN - 1; i >= HPKE_NN - 8; i--) {
		nonce[i] ^= seq & 0xff;
		seq >>= 8;
	}
}

/* Seal(key, nonce, aad, pt): ct is ptlen + Nt bytes, tag last. */
static int
aead_seal(const EVP_CIPHER *cipher, const uint8_t *key,
    const uint8_t nonce[HPKE_NN], const uint8_t *aad, size_t aadlen,
    const uint8_t *pt, size_t ptlen, uint8_t *ct)
{
	EVP_CIPHER_CTX	*c;
	int		 len, ret = -1;

	if (aadlen > INT_MAX || ptlen > INT_MAX - HPKE_NT)
		return -1;
	if ((c = EVP_CIPHER_CTX_new()) == NULL)
		return -1;
	if (EVP_EncryptInit_ex(c, cipher, NULL, key, nonce) != 1)
		goto done;
	if (aadlen > 0 &&
	    EVP_EncryptUpdate(c, NULL, &len, aad, (int)aadlen) != 1)
		goto done;
	if (ptlen > 0 &&
	    EVP_EncryptUpdate(c, ct, &len, pt, (int)ptlen) != 1)
		goto done;
	if (EVP_EncryptFinal_ex(c, ct + ptlen, &len) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, HPKE_NT,
	    ct + ptlen) != 1)
		goto done;
	ret = 0;
 done:
	EVP_CIPHER_CTX_free(c);
	return ret;
}

/*
 * Open(key, nonce, aad, ct): pt is ctlen - Nt bytes.  GCM writes the
 * plaintext before it checks the tag, so a failure wipes it.
 */
static int
aead_open(const EVP_CIPHER *cipher, const uint8_t *key,
    const uint8_t nonce[HPKE_NN], const uint8_t *aad, size_t aadlen,
    const uint8_t *ct, size_t ctlen, uint8_t *pt)
{
	EVP_CIPHER_CTX	*c;
	uint8_t		 tag[HPKE_NT];
	size_t		 ptlen;
	int		 len, ret = -1;

	if (ctlen < HPKE_NT || aadlen > INT_MAX || ctlen > INT_MAX)
		return -1;
	ptlen = ctlen - HPKE_NT;
	memcpy(tag, ct + ptlen, HPKE_NT);	/* ct and pt may be one */
	if ((c = EVP_CIPHER_CTX_new()) == NULL)
		return -1;
	if (EVP_DecryptInit_ex(c, cipher, NULL, key, nonce) != 1)
		goto done;
	if (aadlen > 0 &&
	    EVP_DecryptUpdate(c, NULL, &len, aad, (int)aadlen) != 1)
		goto done;
	if (ptlen > 0 &&
	    EVP_DecryptUpdate(c, pt, &len, ct, (int)ptlen) != 1)
		goto done;
	if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, HPKE_NT,
	    tag) != 1 ||
	    EVP_DecryptFinal_ex(c, pt + ptlen, &len) != 1)
		goto done;
	ret = 0;
 done:
	if (ret == -1 && ptlen > 0)
		explicit_bzero(pt, ptlen);
	EVP_CIPHER_CTX_free(c);
	return ret;
}

int
hpke_ctx_seal(struct hpke_ctx *ctx, const uint8_t *aad, size_t aadlen,
    const uint8_t *pt, size_t ptlen, uint8_t *ct, size_t *ctlen)
{
	const EVP_CIPHER *cipher;
	uint8_t		 nonce[HPKE_NN];
	size_t		 nk;
	int		 ret;

	/* IncrementSeq() must not overflow: the last number is unused. */
	if ((cipher = aead_cipher(ctx->aead_id, &nk)) == NULL ||
	    nk != ctx->nk || ctx->seq == UINT64_MAX ||
	    ptlen > SIZE_MAX - HPKE_NT || *ctlen < ptlen + HPKE_NT)
		return -1;
	hpke_ctx_nonce(ctx, ctx->seq, nonce);
	ret = aead_seal(cipher, ctx->key, nonce, aad, aadlen, pt, ptlen, ct);
	explicit_bzero(nonce, sizeof(nonce));
	if (ret == -1)
		return -1;
	*ctlen = ptlen + HPKE_NT;
	ctx->seq++;
	return 0;
}

int
hpke_ctx_open(struct hpke_ctx *ctx, const uint8_t *aad, size_t aadlen,
    const uint8_t *ct, size_t ctlen, uint8_t *pt, size_t *ptlen)
{
	const EVP_CIPHER *cipher;
	uint8_t		 nonce[HPKE_NN];
	size_t		 nk, cap = *ptlen;
	int		 ret;

	*ptlen = 0;
	if (ctlen < HPKE_NT || cap < ctlen - HPKE_NT)
		return -1;
	if ((cipher = aead_cipher(ctx->aead_id, &nk)) == NULL ||
	    nk != ctx->nk || ctx->seq == UINT64_MAX) {
		if (ctlen > HPKE_NT)
			explicit_bzero(pt, ctlen - HPKE_NT);
		return -1;
	}
	hpke_ctx_nonce(ctx, ctx->seq, nonce);
	ret = aead_open(cipher, ctx->key, nonce, aad, aadlen, ct, ctlen, pt);
	explicit_bzero(nonce, sizeof(nonce));
	if (ret == -1)
		return -1;
	*ptlen = ctlen - HPKE_NT;
	ctx->seq++;
	return 0;
}

/* Export(exporter_context, L) = LabeledExpand(exporter_secret, "sec", ...) */
int
hpke_ctx_export(const struct hpke_ctx *ctx, const uint8_t *exctx,
    size_t exctxlen, uint8_t *out, size_t outlen)
{
	struct suite	 s;

	if (exctxlen > HPKE_EXPCTX_MAX || suite_hpke(&s, ctx->aead_id) == -1)
		return -1;
	return labeled_expand(out, outlen, &s, ctx->exporter_secret, "sec",
	    exctx, exctxlen);
}

void
hpke_ctx_clear(struct hpke_ctx *ctx)
{
	explicit_bzero(ctx, sizeof(*ctx));
}

/*
 * Section 6.1 single-shot:
 *   enc, ctx = SetupAuthS(pkR, info, skS)   (SetupBaseS without skS)
 *   ct = ctx.Seal(aad, pt)
 */
int
hpke_seal(uint16_t aead_id, uint8_t enc[HPKE_NENC], uint8_t *ct,
    size_t *ctlen, const uint8_t pkR[HPKE_NPK], const uint8_t *skS,
    const uint8_t *info, size_t infolen, const uint8_t *aad, size_t aadlen,
    const uint8_t *pt, size_t ptlen, const uint8_t *skE)
{
	struct hpke_ctx	 ctx;
	uint8_t		 ss[HPKE_NSECRET], e[HPKE_NENC];
	uint8_t		 mode = skS != NULL ? HPKE_MODE_AUTH : HPKE_MODE_BASE;
	int		 ret = -1;

	memset(&ctx, 0, sizeof(ctx));
	if (ptlen > SIZE_MAX - HPKE_NT || *ctlen < ptlen + HPKE_NT)
		return -1;
	if (hpke_encap(ss, e, pkR, skS, skE) == -1 ||
	    hpke_key_schedule(&ctx, mode, aead_id, ss, info, infolen, NULL,
	    NULL) == -1 ||
	    hpke_ctx_seal(&ctx, aad, aadlen, pt, ptlen, ct, ctlen) == -1)
		goto done;
	memcpy(enc, e, HPKE_NENC);
	ret = 0;
 done:
	hpke_ctx_clear(&ctx);
	explicit_bzero(ss, sizeof(ss));
	return ret;
}

/*
 *   ctx = SetupAuthR(enc, skR, info, pkS)   (SetupBaseR without pkS)
 *   return ctx.Open(aad, ct)
 */
int
hpke_open(uint16_t aead_id, uint8_t *pt, size_t *ptlen,
    const uint8_t enc[HPKE_NENC], const uint8_t skR[HPKE_NSK],
    const uint8_t *pkS, const uint8_t *info, size_t infolen,
    const uint8_t *aad, size_t aadlen, const uint8_t *ct, size_t ctlen)
{
	struct hpke_ctx	 ctx;
	uint8_t		 ss[HPKE_NSECRET];
	uint8_t		 mode = pkS != NULL ? HPKE_MODE_AUTH : HPKE_MODE_BASE;
	size_t		 cap = *ptlen;
	int		 ret = -1;

	memset(&ctx, 0, sizeof(ctx));
	*ptlen = 0;
	if (ctlen < HPKE_NT || cap < ctlen - HPKE_NT)
		return -1;
	if (hpke_decap(ss, enc, skR, pkS) == -1 ||
	    hpke_key_schedule(&ctx, mode, aead_id, ss, info, infolen, NULL,
	    NULL) == -1)
		goto done;
	*ptlen = cap;
	ret = hpke_ctx_open(&ctx, aad, aadlen, ct, ctlen, pt, ptlen);
 done:
	/* Only hpke_ctx_open() writes pt; make "no plaintext" explicit. */
	if (ret == -1 && ctlen > HPKE_NT)
		explicit_bzero(pt, ctlen - HPKE_NT);
	hpke_ctx_clear(&ctx);
	explicit_bzero(ss, sizeof(ss));
	return ret;
}

int
hpke_seal_auth(uint8_t enc[HPKE_NENC], uint8_t *ct, size_t *ctlen,
    const uint8_t pkR[HPKE_NPK], const uint8_t skS[HPKE_NSK],
    const uint8_t *info, size_t infolen, const uint8_t *aad, size_t aadlen,
    const uint8_t *pt, size_t ptlen, const uint8_t *skE)
{
	if (skS == NULL)
		return -1;
	return hpke_seal(HPKE_AEAD_AES256GCM, enc, ct, ctlen, pkR, skS,
	    info, infolen, aad, aadlen, pt, ptlen, skE);
}

int
hpke_open_auth(uint8_t *pt, size_t *ptlen, const uint8_t enc[HPKE_NENC],
    const uint8_t skR[HPKE_NSK], const uint8_t pkS[HPKE_NPK],
    const uint8_t *info, size_t infolen, const uint8_t *aad, size_t aadlen,
    const uint8_t *ct, size_t ctlen)
{
	if (pkS == NULL) {
		*ptlen = 0;
		return -1;
	}
	return hpke_open(HPKE_AEAD_AES256GCM, pt, ptlen, enc, skR, pkS,
	    info, infolen, aad, aadlen, ct, ctlen);
}
