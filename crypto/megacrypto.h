/*
 * MEGA's client-side cryptography as pure functions over byte buffers:
 * login key derivation (v1 and v2), the master key, the RSA private key
 * and the session id, node keys, attributes, and file encryption with
 * its chunk MACs.  No I/O and no JSON parsing; the crypto process calls
 * these.  base64url is in common/b64url.h, the hashcash proof of work
 * in the signaler (signaler/hashcash.h).  Section numbers refer to
 * docs/megaproto.md; docs/megacrypto.md maps every function to them.
 *
 * Every function returning int returns 0 on success and -1 on failure.
 * Outputs are written only on success (or wiped on failure).  Call
 * mc_init() once before the sandbox is entered.
 */

#ifndef CLAWD_MEGACRYPTO_H
#define CLAWD_MEGACRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define MC_KEY_LEN		16	/* AES-128: pk, MK, folder key, A */
#define MC_NODEKEY_LEN		32	/* file key K = (A^(N||M)) || N || M */
#define MC_NONCE_LEN		8	/* CTR nonce N */
#define MC_MAC_LEN		8	/* condensed meta-MAC M */
#define MC_V2_SALT_LEN		32
#define MC_UH_MAX		23	/* v2 uh: 22 chars + NUL; v1 is 11 */
#define MC_SID_RAW_LEN		43
#define MC_SID_LEN		58	/* base64url of 43 bytes */
#define MC_HANDLE_B64_LEN	11	/* user handle, 8 bytes */
#define MC_ATTR_MAX		65536	/* largest attribute blob accepted */

struct mc_rsa;

int	mc_init(void);
void	mc_wipe(void *, size_t);
/* Constant-time equality: 1 if equal, 0 if not. */
int	mc_equal(const void *, const void *, size_t);

/* Login, section 3.  E-mails are lower-cased here (ASCII only). */
int	mc_v1_password_key(uint8_t [MC_KEY_LEN], const char *, size_t);
int	mc_v1_user_hash(char [MC_UH_MAX], const uint8_t [MC_KEY_LEN],
	    const char *, size_t);
int	mc_v2_derive(uint8_t [MC_KEY_LEN], char [MC_UH_MAX], const char *,
	    size_t, const uint8_t *, size_t);
/* MK = AES-ECB-dec(pk, k); k must be 16 bytes. */
int	mc_master_key(uint8_t [MC_KEY_LEN], const uint8_t [MC_KEY_LEN],
	    const uint8_t *, size_t);

/* privk: decrypt with MK, parse p, q, d, u, build and check the key. */
struct mc_rsa	*mc_rsa_from_privk(const uint8_t [MC_KEY_LEN],
		    const uint8_t *, size_t);
void		 mc_rsa_free(struct mc_rsa *);
/* Bit length of the modulus and the derived public exponent. */
int		 mc_rsa_bits(const struct mc_rsa *);
unsigned long	 mc_rsa_e(const struct mc_rsa *);
/*
 * Raw RSA decryption of one MPI.  The plaintext is written big-endian,
 * left-padded to len(p)+len(q)-2 bytes (or its own length if longer),
 * the SDK's rule; *outlen gets its length.
 */
int	mc_rsa_decrypt_mpi(const struct mc_rsa *, uint8_t *, size_t,
	    size_t *, const uint8_t *, size_t);
/*
 * Session id from the decoded csid: the first 43 plaintext bytes in
 * base64url.  If uhandle (11 characters) is not NULL, bytes 16..26 of
 * the raw sid must equal it, as the SDK checks.
 */
int	mc_sid_from_csid(char [MC_SID_LEN + 1], const struct mc_rsa *,
	    const uint8_t *, size_t, const char *);
/* Accounts without RSA: tsid is the sid if AES(MK, t[0..16)) = t[27..43). */
int	mc_sid_from_tsid(char [MC_SID_LEN + 1], const uint8_t [MC_KEY_LEN],
	    const char *, size_t);

/* Node keys, section 4.2: 16 (folder) or 32 (file) bytes, AES-ECB. */
int	mc_node_key_unwrap(uint8_t *, const uint8_t [MC_KEY_LEN],
	    const uint8_t *, size_t);
int	mc_node_key_wrap(uint8_t *, const uint8_t [MC_KEY_LEN],
	    const uint8_t *, size_t);
/* K <-> A, N, M.  unpack(K) gives A = K[0..16) ^ K[16..32). */
void	mc_file_key_unpack(uint8_t [MC_KEY_LEN], uint8_t [MC_NONCE_LEN],
	    uint8_t [MC_MAC_LEN], const uint8_t [MC_NODEKEY_LEN]);
void	mc_file_key_pack(uint8_t [MC_NODEKEY_LEN], const uint8_t [MC_KEY_LEN],
	    const uint8_t [MC_NONCE_LEN], const uint8_t [MC_MAC_LEN]);

/*
 * Attributes, section 4.3.  The key is a folder key or a file's A.
 * encrypt takes JSON text starting with '{' (the caller builds it with
 * jansson); the output is a multiple of 16 bytes, at most cap.
 * decrypt checks the MEGA{" prefix, zero padding and a closing '}', and
 * writes the NUL-terminated JSON text (without "MEGA") into cap bytes.
 */
int	mc_attr_encrypt(uint8_t *, size_t, size_t *,
	    const uint8_t [MC_KEY_LEN], const char *, size_t);
int	mc_attr_decrypt(char *, size_t, const uint8_t [MC_KEY_LEN],
	    const uint8_t *, size_t);

/* File data, sections 5 and 6. */
/* End of the chunk that starts at or contains offset (128 KiB steps). */
uint64_t	mc_chunk_end(uint64_t);
/* Fresh random A and N (RAND_priv_bytes). */
int	mc_file_new_key(uint8_t [MC_KEY_LEN], uint8_t [MC_NONCE_LEN]);
/* AES-128-CTR from a 16-byte aligned file offset; out may equal in. */
int	mc_file_ctr(uint8_t *, const uint8_t *, size_t,
	    const uint8_t [MC_KEY_LEN], const uint8_t [MC_NONCE_LEN],
	    uint64_t);
/* Chunk MACs and the condensed meta-MAC over a whole plaintext. */
int	mc_file_mac(uint8_t [MC_MAC_LEN], const uint8_t *, size_t,
	    const uint8_t [MC_KEY_LEN], const uint8_t [MC_NONCE_LEN]);
/* Encrypt a whole file and produce its (unwrapped) node key K. */
int	mc_file_encrypt(uint8_t *, uint8_t [MC_NODEKEY_LEN], const uint8_t *,
	    size_t, const uint8_t [MC_KEY_LEN], const uint8_t [MC_NONCE_LEN]);
/* Decrypt a whole file and check its MAC against K; wiped on failure. */
int	mc_file_decrypt(uint8_t *, const uint8_t *, size_t,
	    const uint8_t [MC_NODEKEY_LEN]);

#endif /* CLAWD_MEGACRYPTO_H */
