/*
 * The cryptographic primitives of the WireGuard protocol
 * (Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s), all backed by OpenSSL 3.0.
 * The handshake (crypto process) and the transport, mac1 and cookie
 * checks (netengine) both use them.  See docs/wgcrypto.md.
 *
 * Every function returns 0 on success and -1 on failure unless noted.
 * Call wgc_init() once before the sandbox is entered: it loads the
 * OpenSSL configuration and fetches every algorithm, which may need
 * files and memory a sandboxed process no longer has.
 */

#ifndef CLAWD_WGCRYPTO_H
#define CLAWD_WGCRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define WGC_KEY_LEN		32	/* X25519, ChaCha20, chaining keys */
#define WGC_HASH_LEN		32	/* BLAKE2s-256 and HMAC-BLAKE2s */
#define WGC_MAC_LEN		16	/* mac1, mac2, cookies */
#define WGC_MAC_KEY_MAX		32	/* BLAKE2s keyed mode */
#define WGC_TAG_LEN		16	/* Poly1305 */
#define WGC_NONCE_LEN		12	/* ChaCha20-Poly1305, RFC 8439 */
#define WGC_HNONCE_LEN		16	/* HChaCha20 input */
#define WGC_XNONCE_LEN		24	/* XChaCha20-Poly1305 */
#define WGC_TAI64N_LEN		12

struct evp_md_ctx_st;
struct evp_cipher_ctx_st;

int	wgc_init(void);

/* Constant-time equality of secret bytes: 1 if equal, 0 if not. */
int	wgc_equal(const void *, const void *, size_t);
void	wgc_wipe(void *, size_t);

/* BLAKE2s-256, incremental: HASH(a || b) is init, update a, update b. */
struct wgc_hash {
	struct evp_md_ctx_st	*md;
};
int	wgc_hash_init(struct wgc_hash *);
int	wgc_hash_update(struct wgc_hash *, const void *, size_t);
int	wgc_hash_final(struct wgc_hash *, uint8_t [WGC_HASH_LEN]);
void	wgc_hash_abort(struct wgc_hash *);
/* One-shot HASH(a || b); b may be NULL with length 0. */
int	wgc_hash2(uint8_t [WGC_HASH_LEN], const void *, size_t,
	    const void *, size_t);

/* MAC(key, input): keyed BLAKE2s (RFC 7693), 16-byte output. */
int	wgc_mac(uint8_t [WGC_MAC_LEN], const uint8_t *, size_t,
	    const void *, size_t);
/* Keyed BLAKE2s with any output length from 1 to 32 (tests, cookies). */
int	wgc_blake2s_keyed(uint8_t *, size_t, const uint8_t *, size_t,
	    const void *, size_t);

/* HMAC-BLAKE2s (RFC 2104 over BLAKE2s-256, 64-byte blocks). */
int	wgc_hmac(uint8_t [WGC_HASH_LEN], const uint8_t *, size_t,
	    const void *, size_t);
/*
 * KDF1/KDF2/KDF3(key, input) of the whitepaper: out2 and out3 may be
 * NULL, for KDF1 (out2 == NULL) and KDF2 (out3 == NULL).
 */
int	wgc_kdf(uint8_t [WGC_HASH_LEN], uint8_t *, uint8_t *,
	    const uint8_t [WGC_KEY_LEN], const void *, size_t);

/* X25519 shared secret; fails on an all-zero result (low-order point). */
int	wgc_dh(uint8_t [WGC_KEY_LEN], const uint8_t [WGC_KEY_LEN],
	    const uint8_t [WGC_KEY_LEN]);

/*
 * ChaCha20-Poly1305 keyed once.  Seal writes len + WGC_TAG_LEN bytes
 * (ciphertext then tag); open reads a sealed message of at least
 * WGC_TAG_LEN bytes and writes len - WGC_TAG_LEN bytes of plaintext,
 * and on failure wipes its output, so nothing unauthenticated is ever
 * released.  dst may equal src.  The counter form builds WireGuard's
 * nonce: 32 zero bits || 64-bit little-endian counter.
 */
struct wgc_aead {
	struct evp_cipher_ctx_st	*ctx;
};
int	wgc_aead_init(struct wgc_aead *, const uint8_t [WGC_KEY_LEN]);
void	wgc_aead_free(struct wgc_aead *);
int	wgc_aead_seal(struct wgc_aead *, uint8_t *, const uint8_t *, size_t,
	    const void *, size_t, uint64_t);
int	wgc_aead_open(struct wgc_aead *, uint8_t *, const uint8_t *, size_t,
	    const void *, size_t, uint64_t);
int	wgc_aead_seal_nonce(struct wgc_aead *, uint8_t *, const uint8_t *,
	    size_t, const void *, size_t, const uint8_t [WGC_NONCE_LEN]);
int	wgc_aead_open_nonce(struct wgc_aead *, uint8_t *, const uint8_t *,
	    size_t, const void *, size_t, const uint8_t [WGC_NONCE_LEN]);

/* One-shot ChaCha20-Poly1305 for the handshake's few messages. */
int	wgc_aead_seal1(uint8_t *, const uint8_t [WGC_KEY_LEN], uint64_t,
	    const uint8_t *, size_t, const void *, size_t);
int	wgc_aead_open1(uint8_t *, const uint8_t [WGC_KEY_LEN], uint64_t,
	    const uint8_t *, size_t, const void *, size_t);

/* HChaCha20 and XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03). */
int	wgc_hchacha20(uint8_t [WGC_KEY_LEN], const uint8_t [WGC_KEY_LEN],
	    const uint8_t [WGC_HNONCE_LEN]);
int	wgc_xaead_seal(uint8_t *, const uint8_t [WGC_KEY_LEN],
	    const uint8_t [WGC_XNONCE_LEN], const uint8_t *, size_t,
	    const void *, size_t);
int	wgc_xaead_open(uint8_t *, const uint8_t [WGC_KEY_LEN],
	    const uint8_t [WGC_XNONCE_LEN], const uint8_t *, size_t,
	    const void *, size_t);

/*
 * TAI64N: 8 bytes big-endian TAI64 label, 4 bytes big-endian
 * nanoseconds.  Big-endian, so memcmp() orders timestamps by time.
 * wgc_tai64n() encodes a given Unix time exactly; wgc_tai64n_now()
 * encodes the current time with the nanoseconds coarsened.
 */
void	wgc_tai64n(uint8_t [WGC_TAI64N_LEN], int64_t, uint32_t);
int	wgc_tai64n_now(uint8_t [WGC_TAI64N_LEN]);

#endif /* CLAWD_WGCRYPTO_H */
