/*
 * Cross-check of common/wgcrypto.c against libsodium, an independent
 * implementation, on 10,000 pseudo-random inputs per primitive:
 * HChaCha20, XChaCha20-Poly1305, ChaCha20-Poly1305 (raw and WireGuard
 * counter nonces) and X25519.  libsodium has no BLAKE2s (its
 * generichash is BLAKE2b), so the keyed BLAKE2s random cross-check is
 * done against Python's hashlib instead, see docs/wgcrypto.md.
 *
 * The inputs come from a seed, printed first, so that a failure can be
 * replayed with the seed as argument.  Test-only: clawd itself never
 * links libsodium.  Without it the test is skipped (exit 77).
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef HAVE_LIBSODIUM

int
main(void)
{
	printf("1..0 # SKIP built without libsodium\n");
	return 77;
}

#else /* HAVE_LIBSODIUM */

#include <sodium.h>

#include "wgcrypto.h"
#include "tap.h"

#define ROUNDS		10000
#define MSG_MAX		1500
#define AD_MAX		64

/*
 * Deterministic input stream: block n of the stream is the libsodium
 * deterministic generator seeded with the seed and n, so inputs do not
 * depend on how much earlier cases consumed.
 */
static uint8_t	 seed[randombytes_SEEDBYTES];

static void
fill(void *p, size_t len, uint32_t round, uint32_t what)
{
	uint8_t		 s[randombytes_SEEDBYTES];

	memcpy(s, seed, sizeof(s));
	s[0] ^= round & 0xff;
	s[1] ^= (round >> 8) & 0xff;
	s[2] ^= (round >> 16) & 0xff;
	s[3] ^= what & 0xff;
	randombytes_buf_deterministic(p, len, s);
}

static size_t
rlen(uint32_t round, uint32_t what, size_t max)
{
	uint32_t	 v;

	fill(&v, sizeof(v), round, what);
	return v % (max + 1);
}

static void
test_hchacha20(void)
{
	uint8_t		 key[32], in[16], a[32], b[32];
	uint32_t	 r;
	int		 bad = 0;

	for (r = 0; r < ROUNDS; r++) {
		fill(key, sizeof(key), r, 1);
		fill(in, sizeof(in), r, 2);
		if (wgc_hchacha20(a, key, in) == -1 ||
		    crypto_core_hchacha20(b, in, key, NULL) != 0 ||
		    memcmp(a, b, sizeof(a)) != 0) {
			if (bad++ == 0)
				printf("# hchacha20 differs in round %u\n", r);
		}
	}
	tap_ok(bad == 0, "HChaCha20 == crypto_core_hchacha20, 10,000 inputs");
}

static void
test_xchacha(void)
{
	static uint8_t	 msg[MSG_MAX], ad[AD_MAX];
	static uint8_t	 a[MSG_MAX + 16], b[MSG_MAX + 16], pt[MSG_MAX];
	uint8_t		 key[32], nonce[24];
	unsigned long long blen;
	size_t		 len, adlen;
	uint32_t	 r;
	int		 bad = 0;

	for (r = 0; r < ROUNDS; r++) {
		len = rlen(r, 3, MSG_MAX);
		adlen = rlen(r, 4, AD_MAX);
		fill(key, sizeof(key), r, 5);
		fill(nonce, sizeof(nonce), r, 6);
		fill(msg, len, r, 7);
		fill(ad, adlen, r, 8);
		if (wgc_xaead_seal(a, key, nonce, msg, len, ad, adlen) == -1 ||
		    crypto_aead_xchacha20poly1305_ietf_encrypt(b, &blen, msg,
		    len, ad, adlen, NULL, nonce, key) != 0 ||
		    blen != len + 16 || memcmp(a, b, blen) != 0 ||
		    wgc_xaead_open(pt, key, nonce, b, blen, ad, adlen) == -1 ||
		    memcmp(pt, msg, len) != 0) {
			if (bad++ == 0)
				printf("# xchacha differs in round %u\n", r);
		}
	}
	tap_ok(bad == 0, "XChaCha20-Poly1305 == libsodium's, 10,000 inputs");
}

static void
test_chachapoly(void)
{
	static uint8_t	 msg[MSG_MAX], ad[AD_MAX];
	static uint8_t	 a[MSG_MAX + 16], b[MSG_MAX + 16], pt[MSG_MAX];
	struct wgc_aead	 ctx;
	uint8_t		 key[32], nonce[12];
	unsigned long long blen;
	uint64_t	 counter;
	size_t		 len, adlen;
	uint32_t	 r;
	int		 bad = 0, badc = 0, i;

	for (r = 0; r < ROUNDS; r++) {
		len = rlen(r, 9, MSG_MAX);
		adlen = rlen(r, 10, AD_MAX);
		fill(key, sizeof(key), r, 11);
		fill(nonce, sizeof(nonce), r, 12);
		fill(msg, len, r, 13);
		fill(ad, adlen, r, 14);
		if (wgc_aead_init(&ctx, key) == -1) {
			bad++;
			continue;
		}
		if (wgc_aead_seal_nonce(&ctx, a, msg, len, ad, adlen,
		    nonce) == -1 ||
		    crypto_aead_chacha20poly1305_ietf_encrypt(b, &blen, msg,
		    len, ad, adlen, NULL, nonce, key) != 0 ||
		    blen != len + 16 || memcmp(a, b, blen) != 0 ||
		    wgc_aead_open_nonce(&ctx, pt, b, blen, ad, adlen,
		    nonce) == -1 || memcmp(pt, msg, len) != 0) {
			if (bad++ == 0)
				printf("# chachapoly differs in round %u\n", r);
		}

		/* The counter form against the nonce it should build. */
		fill(&counter, sizeof(counter), r, 15);
		memset(nonce, 0, 4);
		for (i = 0; i < 8; i++)
			nonce[4 + i] = (counter >> (8 * i)) & 0xff;
		if (wgc_aead_seal(&ctx, a, msg, len, ad, adlen,
		    counter) == -1 ||
		    crypto_aead_chacha20poly1305_ietf_encrypt(b, &blen, msg,
		    len, ad, adlen, NULL, nonce, key) != 0 ||
		    memcmp(a, b, blen) != 0 ||
		    wgc_aead_open(&ctx, pt, b, blen, ad, adlen,
		    counter) == -1 || memcmp(pt, msg, len) != 0) {
			if (badc++ == 0)
				printf("# counter form differs in round %u\n",
				    r);
		}
		wgc_aead_free(&ctx);
	}
	tap_ok(bad == 0,
	    "ChaCha20-Poly1305 == libsodium's ietf, 10,000 inputs");
	tap_ok(badc == 0, "ChaCha20-Poly1305 counter nonce == libsodium's with "
	    "0^32 || LE64(counter), 10,000 inputs");
}

static void
test_x25519(void)
{
	uint8_t		 sk[32], pk[32], a[32], b[32];
	uint32_t	 r;
	int		 bad = 0, ra, rb;

	for (r = 0; r < ROUNDS; r++) {
		fill(sk, sizeof(sk), r, 16);
		fill(pk, sizeof(pk), r, 17);
		ra = wgc_dh(a, sk, pk);
		rb = crypto_scalarmult(b, sk, pk);
		if (ra != rb || (ra == 0 && memcmp(a, b, sizeof(a)) != 0)) {
			if (bad++ == 0)
				printf("# x25519 differs in round %u\n", r);
		}
	}
	tap_ok(bad == 0, "X25519 == crypto_scalarmult, 10,000 inputs");
}

int
main(int argc, char *argv[])
{
	size_t		 i;
	unsigned int	 b;

	if (sodium_init() == -1) {
		printf("1..0 # SKIP libsodium does not initialise\n");
		return 77;
	}
	if (argc > 1) {
		if (strlen(argv[1]) != 2 * sizeof(seed))
			return 2;
		for (i = 0; i < sizeof(seed); i++) {
			if (sscanf(argv[1] + 2 * i, "%2x", &b) != 1)
				return 2;
			seed[i] = b;
		}
	} else
		randombytes_buf(seed, sizeof(seed));
	printf("# seed ");
	for (i = 0; i < sizeof(seed); i++)
		printf("%02x", seed[i]);
	printf("\n");

	tap_ok(wgc_init() == 0, "init");
	test_hchacha20();
	test_xchacha();
	test_chachapoly();
	test_x25519();
	return tap_done();
}

#endif /* HAVE_LIBSODIUM */
