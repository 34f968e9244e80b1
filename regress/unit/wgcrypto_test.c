/*
 * Unit test for common/wgcrypto.c: published test vectors for every
 * primitive, and values computed with Python's hashlib and hmac (an
 * independent BLAKE2s) where no published vector covers the use; the
 * one-liner that produced each of those is beside it.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wgcrypto.h"
#include "tap.h"

#define BUFMAX	512

static void
seq(uint8_t *p, size_t len, uint8_t first)
{
	size_t		 i;

	for (i = 0; i < len; i++)
		p[i] = first + i;
}

static const char lorem[] = "Ladies and Gentlemen of the class of '99: "
    "If I could offer you only one tip for the future, sunscreen would "
    "be it.";

static void
test_blake2s(void)
{
	struct wgc_hash	 h;
	uint8_t		 out[WGC_HASH_LEN], c[WGC_HASH_LEN];
	const char	*label = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
	const char	*ident = "WireGuard v1 zx2c4 Jason@zx2c4.com";

	/* RFC 7693 Appendix B */
	tap_ok(wgc_hash2(out, "abc", 3, NULL, 0) == 0 && tap_eqhex(out, 32,
	    "508c5e8c327c14e2e1a72ba34eeb452f"
	    "37458b209ed63a294d999b4c86675982"),
	    "BLAKE2s-256 RFC 7693 Appendix B \"abc\"");
	/* blake2s-kat.txt, unkeyed, in = "" */
	tap_ok(wgc_hash2(out, NULL, 0, NULL, 0) == 0 && tap_eqhex(out, 32,
	    "69217a3079908094e11121d042354a7c"
	    "1f55b6482ca1a51e1b250dfd1ed0eef9"),
	    "BLAKE2s-256 empty string");
	tap_ok(wgc_hash_init(&h) == 0 && wgc_hash_update(&h, "a", 1) == 0 &&
	    wgc_hash_update(&h, "", 0) == 0 &&
	    wgc_hash_update(&h, "bc", 2) == 0 && wgc_hash_final(&h, out) == 0 &&
	    tap_eqhex(out, 32, "508c5e8c327c14e2e1a72ba34eeb452f"
	    "37458b209ed63a294d999b4c86675982") && h.md == NULL,
	    "BLAKE2s-256 incremental \"a\" \"\" \"bc\"");
	/*
	 * WireGuard's initial chaining key and hash, as the Linux kernel,
	 * wireguard-go and boringtun hard-code them.
	 */
	tap_ok(wgc_hash2(c, label, strlen(label), NULL, 0) == 0 &&
	    tap_eqhex(c, 32, "60e26daef327efc02ec335e2a025d2d0"
	    "16eb4206f87277f52d38d1988b78cd36"),
	    "BLAKE2s-256 WireGuard initial chaining key");
	tap_ok(wgc_hash2(out, c, sizeof(c), ident, strlen(ident)) == 0 &&
	    tap_eqhex(out, 32, "2211b361081ac566691243db458ad532"
	    "2d9c6c662293e8b70ee19c65ba079ef3"),
	    "BLAKE2s-256 WireGuard initial hash HASH(C || identifier)");
}

static void
test_keyed(void)
{
	/* blake2s-kat.txt: key 00..1f, in = 00 01 .. (len-1), 32 bytes. */
	static const struct {
		size_t		 len;
		const char	*hash;
	} kat[] = {
		{ 0, "48a8997da407876b3d79c0d92325ad3b"
		     "89cbb754d86ab71aee047ad345fd2c49" },
		{ 1, "40d15fee7c328830166ac3f918650f80"
		     "7e7e01e177258cdc0a39b11f598066f1" },
		{ 2, "6bb71300644cd3991b26ccd4d274acd1"
		     "adeab8b1d7914546c1198bbe9fc9d803" },
		{ 3, "1d220dbe2ee134661fdf6d9e74b41704"
		     "710556f2f6e5a091b227697445dbea6b" },
		{ 64, "8975b0577fd35566d750b362b0897a26"
		      "c399136df07bababbde6203ff2954ed4" },
		{ 128, "0c311f38c35a4fb90d651c289d486856"
		       "cd1413df9b0677f53ece2cd9e477c60a" },
		{ 255, "3fb735061abc519dfe979e54c1ee5bfa"
		       "d0a9d858b3315bad34bde999efd724dd" },
	};
	uint8_t		 key[32], in[255], out[32];
	char		 what[80];
	size_t		 i;

	seq(key, sizeof(key), 0);
	seq(in, sizeof(in), 0);
	for (i = 0; i < sizeof(kat) / sizeof(kat[0]); i++) {
		snprintf(what, sizeof(what),
		    "keyed BLAKE2s-256 blake2s-kat.txt in length %zu",
		    kat[i].len);
		tap_ok(wgc_blake2s_keyed(out, 32, key, 32, in, kat[i].len)
		    == 0 && tap_eqhex(out, 32, kat[i].hash), what);
	}

	/* python3 -c "import hashlib;print(hashlib.blake2s(b'',
	 *     key=bytes(range(32)),digest_size=16).hexdigest())" */
	tap_ok(wgc_mac(out, key, 32, NULL, 0) == 0 &&
	    tap_eqhex(out, 16, "9536f9b267655743dee97b8a670f9f53"),
	    "MAC (keyed BLAKE2s-128) key 00..1f, empty input");
	/* python3 -c "import hashlib;print(hashlib.blake2s(bytes(range(65)),
	 *     key=bytes(range(32)),digest_size=16).hexdigest())" */
	tap_ok(wgc_mac(out, key, 32, in, 65) == 0 &&
	    tap_eqhex(out, 16, "811ff8686d23a435ecbd0bdafcd27b1b"),
	    "MAC (keyed BLAKE2s-128) key 00..1f, 65 bytes 00..40");
	/* A 16-byte key, as mac2 keyed with a cookie.
	 * python3 -c "import hashlib;print(hashlib.blake2s(b'abc',
	 *     key=bytes(range(16)),digest_size=16).hexdigest())" */
	tap_ok(wgc_mac(out, key, 16, "abc", 3) == 0 &&
	    tap_eqhex(out, 16, "75296c2d2c0f51210b383f386bc8b1ff"),
	    "MAC (keyed BLAKE2s-128) 16-byte key, \"abc\"");
	tap_ok(wgc_mac(out, key, 0, "abc", 3) == -1 &&
	    wgc_mac(out, key, 33, "abc", 3) == -1,
	    "MAC rejects empty and 33-byte keys");
}

static void
test_hmac_kdf(void)
{
	uint8_t		 key[32], in[32], out[32], t1[32], t2[32], t3[32];
	uint8_t		 k20[20];

	seq(key, sizeof(key), 0);
	seq(in, sizeof(in), 32);
	memset(k20, 0x0b, sizeof(k20));

	/* python3 -c "import hmac,hashlib;print(hmac.new(bytes(range(32)),
	 *     b'abc',hashlib.blake2s).hexdigest())" */
	tap_ok(wgc_hmac(out, key, 32, "abc", 3) == 0 && tap_eqhex(out, 32,
	    "82623be5bc0a391b24dce53e67d028ef"
	    "f92d586de0485ac37822e597d049c74f"),
	    "HMAC-BLAKE2s key 00..1f, \"abc\"");
	/* python3 -c "import hmac,hashlib;print(hmac.new(b'\x0b'*20,
	 *     b'Hi There',hashlib.blake2s).hexdigest())" */
	tap_ok(wgc_hmac(out, k20, 20, "Hi There", 8) == 0 && tap_eqhex(out, 32,
	    "65a8b7c5cc9136d424e82c37e2707e74"
	    "e913c0655b99c75f40edf387453a3260"),
	    "HMAC-BLAKE2s RFC 4231 case 1 inputs");

	/*
	 * python3 -c "import hmac,hashlib
	 * H=lambda k,m:hmac.new(k,m,hashlib.blake2s).digest()
	 * t0=H(bytes(range(32)),bytes(range(32,64)));t1=H(t0,b'\x01')
	 * t2=H(t0,t1+b'\x02');t3=H(t0,t2+b'\x03')
	 * print(t1.hex(),t2.hex(),t3.hex())"
	 */
#define KDF_T1	"6a96444e20e8d4c1cee974416acae1c1" \
		"0b3c92886010e54ed94dafb2c3b80ea0"
#define KDF_T2	"57af120b0de7acbe7907ec149c5ae870" \
		"a2dbb74232b65777ba4123f1f7f888f5"
#define KDF_T3	"0926c7caabb6e8d73beda759e6f4f0d3" \
		"24ce5b5000bcf8cd784b26db3049faa9"
	tap_ok(wgc_kdf(t1, NULL, NULL, key, in, 32) == 0 &&
	    tap_eqhex(t1, 32, KDF_T1), "KDF1 key 00..1f, input 20..3f");
	tap_ok(wgc_kdf(t1, t2, NULL, key, in, 32) == 0 &&
	    tap_eqhex(t1, 32, KDF_T1) && tap_eqhex(t2, 32, KDF_T2),
	    "KDF2 key 00..1f, input 20..3f");
	tap_ok(wgc_kdf(t1, t2, t3, key, in, 32) == 0 &&
	    tap_eqhex(t1, 32, KDF_T1) && tap_eqhex(t2, 32, KDF_T2) &&
	    tap_eqhex(t3, 32, KDF_T3), "KDF3 key 00..1f, input 20..3f");
	/* The handshake's C = KDF1(C, x): output over the key. */
	memcpy(out, key, sizeof(out));
	tap_ok(wgc_kdf(out, NULL, NULL, out, in, 32) == 0 &&
	    tap_eqhex(out, 32, KDF_T1), "KDF1 with output aliasing the key");
	/*
	 * Transport keys: KDF2(C, empty).
	 * python3 -c "import hmac,hashlib
	 * H=lambda k,m:hmac.new(k,m,hashlib.blake2s).digest()
	 * t0=H(bytes(range(32)),b'');t1=H(t0,b'\x01');t2=H(t0,t1+b'\x02')
	 * print(t1.hex(),t2.hex())"
	 */
	tap_ok(wgc_kdf(t1, t2, NULL, key, NULL, 0) == 0 &&
	    tap_eqhex(t1, 32, "7a38c34bf2b8738d7374ca77c44ecb30"
	    "9a11d2b2528304fa86052c365e722624") &&
	    tap_eqhex(t2, 32, "1a17621f346abdc520746a9fb64d8eb0"
	    "3231d674fc15687537b0780fd9c060fd"),
	    "KDF2 key 00..1f, empty input");
}

static void
test_x25519(void)
{
	/* RFC 7748 section 6.1 */
	static const char *apriv = "77076d0a7318a57d3c16c17251b26645"
	    "df4c2f87ebc0992ab177fba51db92c2a";
	static const char *apub = "8520f0098930a754748b7ddcb43ef75a"
	    "0dbf3a0d26381af4eba4a98eaa9b4e6a";
	static const char *bpriv = "5dab087e624a8a4b79e17f8b83800ee6"
	    "6f3bb1292618b6fd1c2f8b27ff88e0eb";
	static const char *bpub = "de9edb7d7b7dc1b4d35b61c2ece43537"
	    "3f8343c85b78674dadfc7e146f882b4f";
	static const char *shared = "4a5d9d5ba4ce2de1728e3bf480350f25"
	    "e07e21c947d19e3376f09b3c1e161742";
	/* Points of order 1 and 8: they force an all-zero secret. */
	static const char *low[] = {
	    "00000000000000000000000000000000"
	    "00000000000000000000000000000000",
	    "01000000000000000000000000000000"
	    "00000000000000000000000000000000",
	    "e0eb7a7c3b41b8ae1656e3faf19fc46a"
	    "da098deb9c32b1fd866205165f49b800",
	};
	uint8_t		 priv[32], pub[32], out[32];
	char		 what[80];
	size_t		 i;

	tap_unhex(priv, 32, apriv);
	tap_unhex(pub, 32, bpub);
	tap_ok(wgc_dh(out, priv, pub) == 0 && tap_eqhex(out, 32, shared),
	    "X25519 RFC 7748 6.1 Alice's shared secret");
	tap_unhex(priv, 32, bpriv);
	tap_unhex(pub, 32, apub);
	tap_ok(wgc_dh(out, priv, pub) == 0 && tap_eqhex(out, 32, shared),
	    "X25519 RFC 7748 6.1 Bob's shared secret");
	for (i = 0; i < sizeof(low) / sizeof(low[0]); i++) {
		tap_unhex(pub, 32, low[i]);
		memset(out, 0xaa, sizeof(out));
		snprintf(what, sizeof(what),
		    "X25519 rejects low-order public key %.8s...", low[i]);
		tap_ok(wgc_dh(out, priv, pub) == -1 && out[0] == 0xaa, what);
	}
}

static int
allzero(const uint8_t *p, size_t len)
{
	size_t		 i;

	for (i = 0; i < len; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

static void
test_chachapoly(void)
{
	/* RFC 8439 section 2.8.2 */
	static const char *ct = "d31a8d34648e60db7b86afbc53ef7ec2"
	    "a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b"
	    "1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58"
	    "fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b"
	    "6116" "1ae10b594f09e26a7e902ecbd0600691";
	struct wgc_aead	 a;
	uint8_t		 key[32], nonce[12], ad[12], buf[BUFMAX];
	uint8_t		 pt[BUFMAX], sealed[BUFMAX];
	size_t		 len = strlen(lorem), slen;
	uint64_t	 ctr = 0x0706050403020100ULL;

	seq(key, sizeof(key), 0x80);
	tap_unhex(nonce, sizeof(nonce), "070000004041424344454647");
	tap_unhex(ad, sizeof(ad), "50515253c0c1c2c3c4c5c6c7");
	slen = len + WGC_TAG_LEN;

	tap_ok(wgc_aead_init(&a, key) == 0, "ChaCha20-Poly1305 context");
	tap_ok(wgc_aead_seal_nonce(&a, sealed, (const uint8_t *)lorem, len,
	    ad, sizeof(ad), nonce) == 0 && tap_eqhex(sealed, slen, ct),
	    "ChaCha20-Poly1305 RFC 8439 2.8.2 seal");
	tap_ok(wgc_aead_open_nonce(&a, pt, sealed, slen, ad, sizeof(ad),
	    nonce) == 0 && memcmp(pt, lorem, len) == 0,
	    "ChaCha20-Poly1305 RFC 8439 2.8.2 open");
	/* The same context again, as for the next packet. */
	tap_ok(wgc_aead_seal_nonce(&a, buf, (const uint8_t *)lorem, len,
	    ad, sizeof(ad), nonce) == 0 && tap_eqhex(buf, slen, ct),
	    "ChaCha20-Poly1305 context reused");

	memcpy(buf, sealed, slen);
	buf[slen - 1] ^= 1;
	memset(pt, 0xaa, sizeof(pt));
	tap_ok(wgc_aead_open_nonce(&a, pt, buf, slen, ad, sizeof(ad),
	    nonce) == -1 && allzero(pt, len),
	    "ChaCha20-Poly1305 tag tamper fails, output wiped");
	memcpy(buf, sealed, slen);
	buf[0] ^= 0x80;
	tap_ok(wgc_aead_open_nonce(&a, pt, buf, slen, ad, sizeof(ad),
	    nonce) == -1, "ChaCha20-Poly1305 ciphertext tamper fails");
	ad[11] ^= 1;
	memset(pt, 0xaa, sizeof(pt));
	tap_ok(wgc_aead_open_nonce(&a, pt, sealed, slen, ad, sizeof(ad),
	    nonce) == -1 && allzero(pt, len),
	    "ChaCha20-Poly1305 AD tamper fails, output wiped");
	ad[11] ^= 1;
	tap_ok(wgc_aead_open_nonce(&a, pt, sealed, WGC_TAG_LEN - 1, ad,
	    sizeof(ad), nonce) == -1, "ChaCha20-Poly1305 short input fails");
	tap_ok(wgc_aead_open_nonce(&a, pt, sealed, slen, ad, sizeof(ad),
	    nonce) == 0, "ChaCha20-Poly1305 context usable after failures");

	/* WireGuard's nonce: 4 zero bytes, then the counter little-endian. */
	tap_unhex(nonce, sizeof(nonce), "000000000001020304050607");
	tap_ok(wgc_aead_seal_nonce(&a, sealed, (const uint8_t *)lorem, len,
	    ad, sizeof(ad), nonce) == 0 &&
	    wgc_aead_seal(&a, buf, (const uint8_t *)lorem, len, ad,
	    sizeof(ad), ctr) == 0 && memcmp(buf, sealed, slen) == 0,
	    "ChaCha20-Poly1305 counter nonce is 0^32 || LE64(counter)");
	tap_ok(wgc_aead_open(&a, pt, sealed, slen, ad, sizeof(ad), ctr) == 0 &&
	    memcmp(pt, lorem, len) == 0 &&
	    wgc_aead_open(&a, pt, sealed, slen, ad, sizeof(ad),
	    ctr + 1) == -1, "ChaCha20-Poly1305 open by counter");

	/* In place, as netengine does with its packet buffers. */
	memcpy(buf, lorem, len);
	tap_ok(wgc_aead_seal(&a, buf, buf, len, NULL, 0, 7) == 0 &&
	    wgc_aead_open(&a, buf, buf, slen, NULL, 0, 7) == 0 &&
	    memcmp(buf, lorem, len) == 0,
	    "ChaCha20-Poly1305 in place, no AD");
	/* Keepalive: an empty plaintext is just a tag. */
	tap_ok(wgc_aead_seal(&a, buf, NULL, 0, NULL, 0, 8) == 0 &&
	    wgc_aead_open(&a, pt, buf, WGC_TAG_LEN, NULL, 0, 8) == 0 &&
	    wgc_aead_open(&a, pt, buf, WGC_TAG_LEN, NULL, 0, 9) == -1,
	    "ChaCha20-Poly1305 empty plaintext");
	wgc_aead_free(&a);
	tap_ok(a.ctx == NULL &&
	    wgc_aead_seal(&a, buf, NULL, 0, NULL, 0, 8) == -1,
	    "ChaCha20-Poly1305 freed context refuses");

	tap_ok(wgc_aead_seal1(sealed, key, ctr, (const uint8_t *)lorem, len,
	    ad, sizeof(ad)) == 0 &&
	    wgc_aead_open1(pt, key, ctr, sealed, slen, ad, sizeof(ad)) == 0 &&
	    memcmp(pt, lorem, len) == 0,
	    "ChaCha20-Poly1305 one-shot seal and open");
}

static void
test_xchacha(void)
{
	/* draft-irtf-cfrg-xchacha-03 appendix A.3.1 */
	static const char *ct = "bd6d179d3e83d43b9576579493c0e939"
	    "572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39"
	    "ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e"
	    "3f3fac2bc369488f76b2383565d3fff921f9664c97637da9768812f615c68b13"
	    "b52e" "c0875924c1c7987947deafd8780acf49";
	uint8_t		 key[32], hn[16], out[32], xn[24], ad[12];
	uint8_t		 sealed[BUFMAX], pt[BUFMAX];
	size_t		 len = strlen(lorem), slen = len + WGC_TAG_LEN;

	/* draft-irtf-cfrg-xchacha-03 section 2.2.1 */
	seq(key, sizeof(key), 0);
	tap_unhex(hn, sizeof(hn), "000000090000004a0000000031415927");
	tap_ok(wgc_hchacha20(out, key, hn) == 0 && tap_eqhex(out, 32,
	    "82413b4227b27bfed30e42508a877d73"
	    "a0f9e4d58a74a853c12ec41326d3ecdc"),
	    "HChaCha20 draft-irtf-cfrg-xchacha-03 2.2.1");

	seq(key, sizeof(key), 0x80);
	seq(xn, sizeof(xn), 0x40);
	tap_unhex(ad, sizeof(ad), "50515253c0c1c2c3c4c5c6c7");
	tap_ok(wgc_xaead_seal(sealed, key, xn, (const uint8_t *)lorem, len,
	    ad, sizeof(ad)) == 0 && tap_eqhex(sealed, slen, ct),
	    "XChaCha20-Poly1305 draft-irtf-cfrg-xchacha-03 A.3.1 seal");
	tap_ok(wgc_xaead_open(pt, key, xn, sealed, slen, ad, sizeof(ad)) == 0 &&
	    memcmp(pt, lorem, len) == 0,
	    "XChaCha20-Poly1305 A.3.1 open");
	sealed[3] ^= 4;
	memset(pt, 0xaa, sizeof(pt));
	tap_ok(wgc_xaead_open(pt, key, xn, sealed, slen, ad, sizeof(ad))
	    == -1 && allzero(pt, len),
	    "XChaCha20-Poly1305 tamper fails, output wiped");
	sealed[3] ^= 4;
	xn[23] ^= 1;
	tap_ok(wgc_xaead_open(pt, key, xn, sealed, slen, ad, sizeof(ad)) == -1,
	    "XChaCha20-Poly1305 wrong nonce fails");
}

static void
test_tai64n(void)
{
	uint8_t		 a[WGC_TAI64N_LEN], b[WGC_TAI64N_LEN];

	wgc_tai64n(a, 0, 0);
	tap_ok(tap_eqhex(a, 12, "400000000000000a00000000"),
	    "TAI64N Unix epoch is 2^62 + 10 s");
	/* 1700000000 = 0x6553f100, 123456789 = 0x075bcd15 */
	wgc_tai64n(a, 1700000000, 123456789);
	tap_ok(tap_eqhex(a, 12, "400000006553f10a075bcd15"),
	    "TAI64N 1700000000.123456789");
	wgc_tai64n(b, 1700000000, 123456790);
	tap_ok(memcmp(a, b, sizeof(a)) < 0, "TAI64N orders by memcmp");
	tap_ok(wgc_tai64n_now(a) == 0 && a[0] == 0x40 &&
	    memcmp(a, b, sizeof(a)) > 0 && a[9] == 0 && a[10] == 0 &&
	    a[11] == 0, "TAI64N now, nanoseconds coarsened");
}

static void
test_misc(void)
{
	uint8_t		 a[32], b[32];

	seq(a, sizeof(a), 1);
	memcpy(b, a, sizeof(b));
	tap_ok(wgc_equal(a, b, sizeof(a)), "equal: same bytes");
	b[31] ^= 1;
	tap_ok(!wgc_equal(a, b, sizeof(a)), "equal: last byte differs");
	wgc_wipe(a, sizeof(a));
	tap_ok(allzero(a, sizeof(a)), "wipe zeroes");
}

int
main(void)
{
	tap_ok(wgc_init() == 0, "init");
	test_blake2s();
	test_keyed();
	test_hmac_kdf();
	test_x25519();
	test_chachapoly();
	test_xchacha();
	test_tai64n();
	test_misc();
	return tap_done();
}
