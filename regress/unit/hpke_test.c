/*
 * Unit test for crypto/hpke.c: the RFC 9180 Appendix A vectors for
 * DHKEM(X25519, HKDF-SHA256) and HKDF-SHA256 in modes base and auth
 * with AES-128-GCM (A.1.1, A.1.3) and ChaCha20Poly1305 (A.2.1, A.2.3),
 * every intermediate they list, every encryption and export; then
 * clawd's suite (auth, AES-256-GCM), which has no published vector and
 * is cross-checked by hpke_interop.sh, against every kind of tampering,
 * low-order keys and buffer limits.
 */

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpke.h"
#include "key.h"
#include "tap.h"

/* Shared by all the vectors. */
#define V_INFO	"4f6465206f6e2061204772656369616e2055726e"
#define V_PT	"4265617574792069732074727574682c20747275746820626561757479"

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

struct v_enc {
	uint64_t	 seq;
	const char	*nonce;
	const char	*ct;
};

struct v_exp {
	const char	*ctx;
	const char	*value;
};

struct vector {
	const char	*name;
	uint8_t		 mode;
	uint16_t	 aead_id;
	const char	*skEm, *pkEm, *skRm, *pkRm, *skSm, *pkSm;
	const char	*shared_secret;
	const char	*ksc;
	const char	*secret, *key, *base_nonce, *exporter_secret;
	struct v_enc	 enc[6];
	struct v_exp	 exp[3];
};

static const struct vector vectors[] = {
{
	"A.1.1 base AES-128-GCM", HPKE_MODE_BASE, HPKE_AEAD_AES128GCM,
	"52c4a758a802cd8b936eceea314432798d5baf2d7e9235dc084ab1b9cfa2f736",
	"37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431",
	"4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8",
	"3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d",
	NULL, NULL,
	"fe0e18c9f024ce43799ae393c7e8fe8fce9d218875e8227b0187c04e7d2ea1fc",
	"00725611c9d98c07c03f60095cd32d400d8347d45ed670"
	"97bbad50fc56da742d07cb6cffde367bb0565ba28bb02c90744a20f5ef37f3052352"
	"6106f637abb05449",
	"12fff91991e93b48de37e7daddb52981084bd8aa64289c3788471d9a9712f397",
	"4531685d41d65f03dc48f6b8302c05b0",
	"56d890e5accaaf011cff4b7d",
	"45ff1c2e220db587171952c0592d5f5ebe103f1561a2614e38f2ffd47e99e3f8",
	{
	{ 0, "56d890e5accaaf011cff4b7d",
	  "f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a9"
	  "6d8770ac83d07bea87e13c512a" },
	{ 1, "56d890e5accaaf011cff4b7c",
	  "af2d7e9ac9ae7e270f46ba1f975be53c09f8d875bdc8535458c2494e8a6eab25"
	  "1c03d0c22a56b8ca42c2063b84" },
	{ 2, "56d890e5accaaf011cff4b7f",
	  "498dfcabd92e8acedc281e85af1cb4e3e31c7dc394a1ca20e173cb7251649158"
	  "8d96a19ad4a683518973dcc180" },
	{ 4, "56d890e5accaaf011cff4b79",
	  "583bd32bc67a5994bb8ceaca813d369bca7b2a42408cddef5e22f880b631215a"
	  "09fc0012bc69fccaa251c0246d" },
	{ 255, "56d890e5accaaf011cff4b82",
	  "7175db9717964058640a3a11fb9007941a5d1757fda1a6935c805c21af32505b"
	  "f106deefec4a49ac38d71c9e0a" },
	{ 256, "56d890e5accaaf011cff4a7d",
	  "957f9800542b0b8891badb026d79cc54597cb2d225b54c00c5238c25d05c30e3"
	  "fbeda97d2e0e1aba483a2df9f2" },
	},
	{
	{ "",
	  "3853fe2b4035195a573ffc53856e77058e15d9ea064de3e59f4961d0095250ee" },
	{ "00",
	  "2e8f0b54673c7029649d4eb9d5e33bf1872cf76d623ff164ac185da9e88c21a5" },
	{ "54657374436f6e74657874",
	  "e9e43065102c3836401bed8c3c3c75ae46be1639869391d62c61f1ec7af54931" },
	},
},
{
	"A.1.3 auth AES-128-GCM", HPKE_MODE_AUTH, HPKE_AEAD_AES128GCM,
	"ff4442ef24fbc3c1ff86375b0be1e77e88a0de1e79b30896d73411c5ff4c3518",
	"23fb952571a14a25e3d678140cd0e5eb47a0961bb18afcf85896e5453c312e76",
	"fdea67cf831f1ca98d8e27b1f6abeb5b7745e9d35348b80fa407ff6958f9137e",
	"1632d5c2f71c2b38d0a8fcc359355200caa8b1ffdf28618080466c909cb69b2e",
	"dc4a146313cce60a278a5323d321f051c5707e9c45ba21a3479fecdf76fc69dd",
	"8b0c70873dc5aecb7f9ee4e62406a397b350e57012be45cf53b7105ae731790b",
	"2d6db4cf719dc7293fcbf3fa64690708e44e2bebc81f84608677958c0d4448a7",
	"02725611c9d98c07c03f60095cd32d400d8347d45ed670"
	"97bbad50fc56da742d07cb6cffde367bb0565ba28bb02c90744a20f5ef37f3052352"
	"6106f637abb05449",
	"56c62333d9d9f7767f5b083fdfce0aa7e57e301b74029bb0cffa7331385f1dda",
	"b062cb2c4dd4bca0ad7c7a12bbc341e6",
	"a1bc314c1942ade7051ffed0",
	"ee1a093e6e1c393c162ea98fdf20560c75909653550540a2700511b65c88c6f1",
	{
	{ 0, "a1bc314c1942ade7051ffed0",
	  "5fd92cc9d46dbf8943e72a07e42f363ed5f721212cd90bcfd072bfd9f44e06b8"
	  "0fd17824947496e21b680c141b" },
	{ 1, "a1bc314c1942ade7051ffed1",
	  "d3736bb256c19bfa93d79e8f80b7971262cb7c887e35c26370cfed62254369a1"
	  "b52e3d505b79dd699f002bc8ed" },
	{ 2, "a1bc314c1942ade7051ffed2",
	  "122175cfd5678e04894e4ff8789e85dd381df48dcaf970d52057df2c9acc3b12"
	  "1313a2bfeaa986050f82d93645" },
	{ 4, "a1bc314c1942ade7051ffed4",
	  "dae12318660cf963c7bcbef0f39d64de3bf178cf9e585e756654043cc5059873"
	  "bc8af190b72afc43d1e0135ada" },
	{ 255, "a1bc314c1942ade7051ffe2f",
	  "55d53d85fe4d9e1e97903101eab0b4865ef20cef28765a47f840ff99625b7d69"
	  "dee927df1defa66a036fc58ff2" },
	{ 256, "a1bc314c1942ade7051fffd0",
	  "42fa248a0e67ccca688f2b1d13ba4ba84755acf764bd797c8f7ba3b9b1dc3330"
	  "326f8d172fef6003c79ec72319" },
	},
	{
	{ "",
	  "28c70088017d70c896a8420f04702c5a321d9cbf0279fba899b59e51bac72c85" },
	{ "00",
	  "25dfc004b0892be1888c3914977aa9c9bbaf2c7471708a49e1195af48a6f29ce" },
	{ "54657374436f6e74657874",
	  "5a0131813abc9a522cad678eb6bafaabc43389934adb8097d23c5ff68059eb64" },
	},
},
{
	"A.2.1 base ChaCha20Poly1305", HPKE_MODE_BASE,
	HPKE_AEAD_CHACHA20POLY1305,
	"f4ec9b33b792c372c1d2c2063507b684ef925b8c75a42dbcbf57d63ccd381600",
	"1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a",
	"8057991eef8f1f1af18f4a9491d16a1ce333f695d4db8e38da75975c4478e0fb",
	"4310ee97d88cc1f088a5576c77ab0cf5c3ac797f3d95139c6c84b5429c59662a",
	NULL, NULL,
	"0bbe78490412b4bbea4812666f7916932b828bba79942424abb65244930d69a7",
	"00431df6cd95e11ff49d7013563baf7f11588c75a6611e"
	"e2a4404a49306ae4cfc5b69c5718a60cc5876c358d3f7fc31ddb598503f67be58ea1"
	"e798c0bb19eb9796",
	"5b9cd775e64b437a2335cf499361b2e0d5e444d5cb41a8a53336d8fe402282c6",
	"ad2744de8e17f4ebba575b3f5f5a8fa1f69c2a07f6e7500bc60ca6e3e3ec1c91",
	"5c4d98150661b848853b547f",
	"a3b010d4994890e2c6968a36f64470d3c824c8f5029942feb11e7a74b2921922",
	{
	{ 0, "5c4d98150661b848853b547f",
	  "1c5250d8034ec2b784ba2cfd69dbdb8af406cfe3ff938e131f0def8c8b60b4db"
	  "21993c62ce81883d2dd1b51a28" },
	{ 1, "5c4d98150661b848853b547e",
	  "6b53c051e4199c518de79594e1c4ab18b96f081549d45ce015be002090bb119e"
	  "85285337cc95ba5f59992dc98c" },
	{ 2, "5c4d98150661b848853b547d",
	  "71146bd6795ccc9c49ce25dda112a48f202ad220559502cef1f34271e0cb4b02"
	  "b4f10ecac6f48c32f878fae86b" },
	{ 4, "5c4d98150661b848853b547b",
	  "63357a2aa291f5a4e5f27db6baa2af8cf77427c7c1a909e0b37214dd47db122b"
	  "b153495ff0b02e9e54a50dbe16" },
	{ 255, "5c4d98150661b848853b5480",
	  "18ab939d63ddec9f6ac2b60d61d36a7375d2070c9b683861110757062c52b888"
	  "0a5f6b3936da9cd6c23ef2a95c" },
	{ 256, "5c4d98150661b848853b557f",
	  "7a4a13e9ef23978e2c520fd4d2e757514ae160cd0cd05e556ef692370ca53076"
	  "214c0c40d4c728d6ed9e727a5b" },
	},
	{
	{ "",
	  "4bbd6243b8bb54cec311fac9df81841b6fd61f56538a775e7c80a9f40160606e" },
	{ "00",
	  "8c1df14732580e5501b00f82b10a1647b40713191b7c1240ac80e2b68808ba69" },
	{ "54657374436f6e74657874",
	  "5acb09211139c43b3090489a9da433e8a30ee7188ba8b0a9a1ccf0c229283e53" },
	},
},
{
	"A.2.3 auth ChaCha20Poly1305", HPKE_MODE_AUTH,
	HPKE_AEAD_CHACHA20POLY1305,
	"c94619e1af28971c8fa7957192b7e62a71ca2dcdde0a7cc4a8a9e741d600ab13",
	"f7674cc8cd7baa5872d1f33dbaffe3314239f6197ddf5ded1746760bfc847e0e",
	"3ca22a6d1cda1bb9480949ec5329d3bf0b080ca4c45879c95eddb55c70b80b82",
	"1a478716d63cb2e16786ee93004486dc151e988b34b475043d3e0175bdb01c44",
	"2def0cb58ffcf83d1062dd085c8aceca7f4c0c3fd05912d847b61f3e54121f05",
	"f0f4f9e96c54aeed3f323de8534fffd7e0577e4ce269896716bcb95643c8712b",
	"d2d67828c8bc9fa661cf15a31b3ebf1febe0cafef7abfaaca580aaf6d471e3eb",
	"02431df6cd95e11ff49d7013563baf7f11588c75a6611e"
	"e2a4404a49306ae4cfc5b69c5718a60cc5876c358d3f7fc31ddb598503f67be58ea1"
	"e798c0bb19eb9796",
	"3022dfc0a81d6e09a2e6daeeb605bb1ebb9ac49535540d9a4c6560064a6c6da8",
	"b071fd1136680600eb447a845a967d35e9db20749cdf9ce098bcc4deef4b1356",
	"d20577dff16d7cea2c4bf780",
	"be2d93b82071318cdb88510037cf504344151f2f9b9da8ab48974d40a2251dd7",
	{
	{ 0, "d20577dff16d7cea2c4bf780",
	  "ab1a13c9d4f01a87ec3440dbd756e2677bd2ecf9df0ce7ed73869b98e00c09be"
	  "111cb9fdf077347aeb88e61bdf" },
	{ 1, "d20577dff16d7cea2c4bf781",
	  "3265c7807ffff7fdace21659a2c6ccffee52a26d270c76468ed74202a65478bf"
	  "aedfff9c2b7634e24f10b71016" },
	{ 2, "d20577dff16d7cea2c4bf782",
	  "3aadee86ad2a05081ea860033a9d09dbccb4acac2ded0891da40f51d4df19925"
	  "f7a767b076a5cbc9355c8fd35e" },
	{ 4, "d20577dff16d7cea2c4bf784",
	  "502ecccd5c2be3506a081809cc58b43b94f77cbe37b8b31712d9e21c9e61aa69"
	  "46a8e922f54eae630f88eb8033" },
	{ 255, "d20577dff16d7cea2c4bf77f",
	  "652e597ba20f3d9241cda61f33937298b1169e6adf72974bbe454297502eb4be"
	  "132e1c5064702fc165c2ddbde8" },
	{ 256, "d20577dff16d7cea2c4bf680",
	  "3be14e8b3bbd1028cf2b7d0a691dbbeff71321e7dec92d3c2cfb30a0994ab246"
	  "af76168480285a60037b4ba13a" },
	},
	{
	{ "",
	  "070cffafd89b67b7f0eeb800235303a223e6ff9d1e774dce8eac585c8688c872" },
	{ "00",
	  "2852e728568d40ddb0edde284d36a4359c56558bb2fb8837cd3d92e46a3a14a8" },
	{ "54657374436f6e74657874",
	  "1df39dc5dd60edcbf5f9ae804e15ada66e885b28ed7929116f768369a3f950ee" },
	},
},
};

/* The vectors' aad for sequence number n is "Count-n". */
static size_t
count_aad(uint8_t *buf, size_t cap, uint64_t seq)
{
	int	 n;

	n = snprintf((char *)buf, cap, "Count-%llu", (unsigned long long)seq);
	if (n < 0 || (size_t)n >= cap)
		abort();
	return n;
}

static void
unhex32(uint8_t out[32], const char *hex)
{
	if (tap_unhex(out, 32, hex) != 32)
		abort();
}

static void
check_vector(const struct vector *v)
{
	struct hpke_ctx	 s, r;
	uint8_t		 skE[32], pkE[32], skR[32], pkR[32], skS[32], pkS[32];
	uint8_t		 k[32], ss[32], enc[32], ksc[HPKE_KSC_LEN], sec[32];
	uint8_t		 info[64], pt[64], ct[128], out[128], aad[32];
	uint8_t		 nonce[HPKE_NN], exctx[32], exv[32];
	size_t		 infolen, ptlen, aadlen, len, exlen, i;
	const uint8_t	*sks = NULL, *pks = NULL;
	int		 good;

	infolen = tap_unhex(info, sizeof(info), V_INFO);
	ptlen = tap_unhex(pt, sizeof(pt), V_PT);
	unhex32(skE, v->skEm);
	unhex32(pkE, v->pkEm);
	unhex32(skR, v->skRm);
	unhex32(pkR, v->pkRm);
	tap_okf(key_public(k, skE) == 0 && memcmp(k, pkE, 32) == 0,
	    "%s: pkEm", v->name);
	tap_okf(key_public(k, skR) == 0 && memcmp(k, pkR, 32) == 0,
	    "%s: pkRm", v->name);
	if (v->skSm != NULL) {
		unhex32(skS, v->skSm);
		unhex32(pkS, v->pkSm);
		tap_okf(key_public(k, skS) == 0 &&
		    memcmp(k, pkS, 32) == 0, "%s: pkSm", v->name);
		sks = skS;
		pks = pkS;
	}

	good = hpke_encap(ss, enc, pkR, sks, skE) == 0;
	tap_okf(good && memcmp(enc, pkE, 32) == 0, "%s: enc", v->name);
	tap_okf(good && tap_eqhex(ss, 32, v->shared_secret),
	    "%s: %s shared_secret", v->name,
	    sks != NULL ? "AuthEncap" : "Encap");
	memset(ss, 0, sizeof(ss));
	good = hpke_decap(ss, enc, skR, pks) == 0;
	tap_okf(good && tap_eqhex(ss, 32, v->shared_secret),
	    "%s: %s shared_secret", v->name,
	    pks != NULL ? "AuthDecap" : "Decap");

	good = hpke_key_schedule(&s, v->mode, v->aead_id, ss, info, infolen,
	    ksc, sec) == 0;
	tap_okf(good && tap_eqhex(ksc, sizeof(ksc), v->ksc),
	    "%s: key_schedule_context", v->name);
	tap_okf(good && tap_eqhex(sec, 32, v->secret), "%s: secret",
	    v->name);
	tap_okf(good && tap_eqhex(s.key, s.nk, v->key), "%s: key", v->name);
	tap_okf(good && tap_eqhex(s.base_nonce, HPKE_NN, v->base_nonce),
	    "%s: base_nonce", v->name);
	tap_okf(good && tap_eqhex(s.exporter_secret, 32, v->exporter_secret),
	    "%s: exporter_secret", v->name);
	r = s;

	for (i = 0; i < NITEMS(v->enc); i++) {
		const struct v_enc *e = &v->enc[i];

		aadlen = count_aad(aad, sizeof(aad), e->seq);
		hpke_ctx_nonce(&s, e->seq, nonce);
		tap_okf(tap_eqhex(nonce, HPKE_NN, e->nonce),
		    "%s: nonce for sequence %llu", v->name,
		    (unsigned long long)e->seq);
		s.seq = e->seq;
		len = sizeof(ct);
		good = hpke_ctx_seal(&s, aad, aadlen, pt, ptlen, ct,
		    &len) == 0;
		tap_okf(good && tap_eqhex(ct, len, e->ct) &&
		    s.seq == e->seq + 1, "%s: seal at sequence %llu",
		    v->name, (unsigned long long)e->seq);
		r.seq = e->seq;
		exlen = sizeof(out);
		good = hpke_ctx_open(&r, aad, aadlen, ct, len, out,
		    &exlen) == 0;
		tap_okf(good && exlen == ptlen &&
		    memcmp(out, pt, ptlen) == 0,
		    "%s: open at sequence %llu", v->name,
		    (unsigned long long)e->seq);
	}

	for (i = 0; i < NITEMS(v->exp); i++) {
		exlen = tap_unhex(exctx, sizeof(exctx), v->exp[i].ctx);
		tap_okf(hpke_ctx_export(&s, exctx, exlen, exv,
		    sizeof(exv)) == 0 &&
		    tap_eqhex(exv, sizeof(exv), v->exp[i].value),
		    "%s: export \"%s\"", v->name, v->exp[i].ctx);
	}

	/* The single-shot API gives the first encryption. */
	aadlen = count_aad(aad, sizeof(aad), 0);
	len = sizeof(ct);
	good = hpke_seal(v->aead_id, enc, ct, &len, pkR, sks, info, infolen,
	    aad, aadlen, pt, ptlen, skE) == 0;
	tap_okf(good && memcmp(enc, pkE, 32) == 0 &&
	    tap_eqhex(ct, len, v->enc[0].ct), "%s: single-shot seal",
	    v->name);
	exlen = sizeof(out);
	good = hpke_open(v->aead_id, out, &exlen, enc, skR, pks, info,
	    infolen, aad, aadlen, ct, len) == 0;
	tap_okf(good && exlen == ptlen && memcmp(out, pt, ptlen) == 0,
	    "%s: single-shot open", v->name);
	hpke_ctx_clear(&s);
	hpke_ctx_clear(&r);
}

/* clawd's suite: one sealed blob and its keys. */
struct blob {
	uint8_t		 skR[32], pkR[32], skS[32], pkS[32];
	uint8_t		 enc[32];
	uint8_t		 pt[100];
	uint8_t		 ct[100 + HPKE_NT];
	size_t		 ctlen;
};

static const char	 info_clawd[] = "clawd";
static const char	 aad_name[] = "pending-abc.bin";

#define INFO	(const uint8_t *)info_clawd, sizeof(info_clawd) - 1
#define AAD	(const uint8_t *)aad_name, sizeof(aad_name) - 1

static void
make_blob(struct blob *b)
{
	size_t		 i;

	if (hpke_keypair(b->skR, b->pkR) == -1 ||
	    hpke_keypair(b->skS, b->pkS) == -1)
		abort();
	for (i = 0; i < sizeof(b->pt); i++)
		b->pt[i] = 'A' + i % 26;
	b->ctlen = sizeof(b->ct);
	if (hpke_seal_auth(b->enc, b->ct, &b->ctlen, b->pkR, b->skS, INFO,
	    AAD, b->pt, sizeof(b->pt), NULL) == -1)
		abort();
}

/*
 * Open with the given pieces; the output starts full of 0xa5 and must
 * hold no plaintext afterwards (letters, see make_blob()): each byte
 * wiped or untouched, and len 0.
 */
static int
open_fails(const struct blob *b, const uint8_t *enc, const uint8_t *skR,
    const uint8_t *pkS, const uint8_t *info, size_t infolen,
    const uint8_t *aad, size_t aadlen, const uint8_t *ct, size_t ctlen)
{
	uint8_t		 out[sizeof(b->pt) + 64];
	size_t		 len = sizeof(out), i;

	memset(out, 0xa5, sizeof(out));
	if (hpke_open_auth(out, &len, enc, skR, pkS, info, infolen, aad,
	    aadlen, ct, ctlen) != -1 || len != 0)
		return 0;
	for (i = 0; i < sizeof(out); i++)
		if (out[i] != 0 && out[i] != 0xa5)
			return 0;
	return 1;
}

static void
check_clawd_suite(void)
{
	struct blob	 b, other;
	uint8_t		 out[sizeof(b.pt)], tmp[sizeof(b.ct)], enc2[32];
	uint8_t		 big[4096], bigct[4096 + HPKE_NT];
	uint8_t		 bad[32];
	size_t		 len, i;
	int		 all;

	make_blob(&b);
	make_blob(&other);
	tap_ok(b.ctlen == sizeof(b.pt) + HPKE_NT, "auth AES-256-GCM: length");
	len = sizeof(out);
	tap_ok(hpke_open_auth(out, &len, b.enc, b.skR, b.pkS, INFO, AAD,
	    b.ct, b.ctlen) == 0 && len == sizeof(b.pt) &&
	    memcmp(out, b.pt, len) == 0, "auth AES-256-GCM: round trip");

	/* Every single bit of the ciphertext and of the tag. */
	all = 1;
	for (i = 0; i < b.ctlen * 8; i++) {
		memcpy(tmp, b.ct, b.ctlen);
		tmp[i / 8] ^= 1 << (i % 8);
		if (!open_fails(&b, b.enc, b.skR, b.pkS, INFO, AAD, tmp,
		    b.ctlen))
			all = 0;
	}
	tap_ok(all, "tampered ciphertext or tag: every bit refused, "
	    "no plaintext");
	all = 1;
	for (i = 0; i < 32 * 8; i++) {
		memcpy(enc2, b.enc, 32);
		enc2[i / 8] ^= 1 << (i % 8);
		if (!open_fails(&b, enc2, b.skR, b.pkS, INFO, AAD, b.ct,
		    b.ctlen))
			all = 0;
	}
	tap_ok(all, "tampered enc: every bit refused");
	tap_ok(open_fails(&b, b.enc, b.skR, b.pkS, INFO,
	    (const uint8_t *)"pending-abd.bin", 15, b.ct, b.ctlen),
	    "other aad refused");
	tap_ok(open_fails(&b, b.enc, b.skR, b.pkS, INFO, NULL, 0, b.ct,
	    b.ctlen), "empty aad refused");
	tap_ok(open_fails(&b, b.enc, b.skR, b.pkS,
	    (const uint8_t *)"clawe", 5, AAD, b.ct, b.ctlen),
	    "other info refused");
	tap_ok(open_fails(&b, b.enc, b.skR, other.pkS, INFO, AAD, b.ct,
	    b.ctlen), "wrong sender key refused");
	tap_ok(open_fails(&b, b.enc, other.skR, b.pkS, INFO, AAD, b.ct,
	    b.ctlen), "wrong recipient key refused");
	tap_ok(open_fails(&b, b.enc, b.skR, b.pkR, INFO, AAD, b.ct,
	    b.ctlen), "recipient's own key as sender refused");
	tap_ok(open_fails(&b, b.enc, b.skR, b.pkS, INFO, AAD, b.ct,
	    b.ctlen - 1), "truncated ciphertext refused");
	tap_ok(open_fails(&b, b.enc, b.skR, b.pkS, INFO, AAD, b.ct,
	    HPKE_NT - 1), "ciphertext shorter than a tag refused");
	len = sizeof(out);
	tap_ok(hpke_open(HPKE_AEAD_AES256GCM, out, &len, b.enc, b.skR, NULL,
	    INFO, AAD, b.ct, b.ctlen) == -1 && len == 0,
	    "auth blob refused in base mode");
	len = sizeof(out);
	tap_ok(hpke_open(HPKE_AEAD_AES128GCM, out, &len, b.enc, b.skR,
	    b.pkS, INFO, AAD, b.ct, b.ctlen) == -1 && len == 0,
	    "auth blob refused with another AEAD");
	len = sizeof(out) - 1;
	tap_ok(hpke_open_auth(out, &len, b.enc, b.skR, b.pkS, INFO, AAD,
	    b.ct, b.ctlen) == -1 && len == 0, "short output buffer refused");
	len = sizeof(tmp) - 1;
	tap_ok(hpke_seal_auth(enc2, tmp, &len, b.pkR, b.skS, INFO, AAD,
	    b.pt, sizeof(b.pt), NULL) == -1,
	    "seal: short output buffer refused");

	/* Fresh ephemeral keys: the same input never seals the same. */
	len = sizeof(tmp);
	tap_ok(hpke_seal_auth(enc2, tmp, &len, b.pkR, b.skS, INFO, AAD,
	    b.pt, sizeof(b.pt), NULL) == 0 &&
	    memcmp(enc2, b.enc, 32) != 0 && memcmp(tmp, b.ct, len) != 0,
	    "fresh ephemeral key per seal");

	/* Opening in place. */
	memcpy(tmp, b.ct, b.ctlen);
	len = sizeof(tmp);
	tap_ok(hpke_open_auth(tmp, &len, b.enc, b.skR, b.pkS, INFO, AAD,
	    tmp, b.ctlen) == 0 && len == sizeof(b.pt) &&
	    memcmp(tmp, b.pt, len) == 0, "open in place");

	/* Empty plaintext and a large one. */
	len = sizeof(tmp);
	tap_ok(hpke_seal_auth(enc2, tmp, &len, b.pkR, b.skS, INFO, AAD,
	    NULL, 0, NULL) == 0 && len == HPKE_NT, "seal empty plaintext");
	i = sizeof(out);
	tap_ok(hpke_open_auth(out, &i, enc2, b.skR, b.pkS, INFO, AAD, tmp,
	    len) == 0 && i == 0, "open empty plaintext");
	for (i = 0; i < sizeof(big); i++)
		big[i] = i * 31;
	len = sizeof(bigct);
	tap_ok(hpke_seal_auth(enc2, bigct, &len, b.pkR, b.skS, NULL, 0,
	    NULL, 0, big, sizeof(big), NULL) == 0, "seal 4096 bytes");
	memset(big, 0, sizeof(big));
	i = sizeof(big);
	tap_ok(hpke_open_auth(big, &i, enc2, b.skR, b.pkS, NULL, 0, NULL, 0,
	    bigct, len) == 0 && i == sizeof(big) && big[4095] ==
	    (uint8_t)(4095 * 31), "open 4096 bytes, no info, no aad");

	/*
	 * Low-order points: u = 0 and u = 1 give an all-zero DH output,
	 * which the RFC says to refuse, whoever offers them.
	 */
	for (i = 0; i < 2; i++) {
		memset(bad, 0, sizeof(bad));
		bad[0] = i;
		len = sizeof(tmp);
		tap_okf(hpke_seal_auth(enc2, tmp, &len, bad, b.skS, INFO,
		    AAD, b.pt, sizeof(b.pt), NULL) == -1,
		    "seal to low-order pkR u=%zu refused", i);
		tap_okf(open_fails(&b, bad, b.skR, b.pkS, INFO, AAD, b.ct,
		    b.ctlen), "low-order enc u=%zu refused", i);
		tap_okf(open_fails(&b, b.enc, b.skR, bad, INFO, AAD, b.ct,
		    b.ctlen), "low-order pkS u=%zu refused", i);
	}
}

static void
check_limits(void)
{
	struct hpke_ctx	 ctx;
	uint8_t		 ss[32], ct[64], pt[8], info[HPKE_INFO_MAX + 1];
	size_t		 len;

	memset(ss, 7, sizeof(ss));
	memset(info, 'i', sizeof(info));
	memset(pt, 'p', sizeof(pt));
	tap_ok(hpke_key_schedule(&ctx, 1, HPKE_AEAD_AES256GCM, ss, NULL, 0,
	    NULL, NULL) == -1, "mode_psk refused (no PSK support)");
	tap_ok(hpke_key_schedule(&ctx, HPKE_MODE_AUTH, 0xffff, ss, NULL, 0,
	    NULL, NULL) == -1, "unknown AEAD refused");
	tap_ok(hpke_key_schedule(&ctx, HPKE_MODE_AUTH, HPKE_AEAD_AES256GCM,
	    ss, info, sizeof(info), NULL, NULL) == -1,
	    "info over HPKE_INFO_MAX refused");
	tap_ok(hpke_key_schedule(&ctx, HPKE_MODE_AUTH, HPKE_AEAD_AES256GCM,
	    ss, info, sizeof(info) - 1, NULL, NULL) == 0 && ctx.nk == 32,
	    "info of HPKE_INFO_MAX accepted");
	ctx.seq = UINT64_MAX;
	len = sizeof(ct);
	tap_ok(hpke_ctx_seal(&ctx, NULL, 0, pt, sizeof(pt), ct, &len) == -1,
	    "sequence number overflow refused");
	ctx.seq = UINT64_MAX - 1;
	len = sizeof(ct);
	tap_ok(hpke_ctx_seal(&ctx, NULL, 0, pt, sizeof(pt), ct, &len) == 0 &&
	    ctx.seq == UINT64_MAX, "last sequence number used");
	tap_ok(hpke_ctx_export(&ctx, NULL, 0, ct, 0) == -1 &&
	    hpke_ctx_export(&ctx, NULL, 0, ct, 255 * 32 + 1) == -1,
	    "export lengths 0 and 255*Nh+1 refused");
	hpke_ctx_clear(&ctx);
}

int
main(void)
{
	size_t		 i;

	for (i = 0; i < NITEMS(vectors); i++)
		check_vector(&vectors[i]);
	check_clawd_suite();
	check_limits();
	return tap_done();
}
