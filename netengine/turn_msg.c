/*
 * TURN codec (RFC 8656 over UDP, RFC 8489 section 9.2 long-term
 * credentials): building requests and indications with their
 * MESSAGE-INTEGRITY and FINGERPRINT, checking the integrity of
 * responses, and ChannelData framing.  Pure functions over buffers,
 * fuzzable; the client that uses them is turn.c.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdint.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "clawd.h"
#include "log.h"
#include "util.h"
#include "stun.h"
#include "turn.h"

#define TURN_ATTR_LEN(n)	(4 + (((n) + 3) & ~(size_t)3))

static EVP_MD	*md_md5;
static EVP_MAC	*mac_hmac;

/*
 * Fetch the algorithms once, before the sandbox (netengine_main calls
 * this beside wgc_init); the tests and the driver get it lazily.
 */
void
turn_init(void)
{
	if (md_md5 == NULL &&
	    (md_md5 = EVP_MD_fetch(NULL, "MD5", NULL)) == NULL)
		fatalx("%s: no MD5", __func__);
	if (mac_hmac == NULL &&
	    (mac_hmac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		fatalx("%s: no HMAC", __func__);
}

/* HMAC-SHA1 over two pieces (the patched header, then the rest). */
static int
hmac_sha1(const uint8_t *key, size_t keylen, const uint8_t *a, size_t alen,
    const uint8_t *b, size_t blen, uint8_t out[TURN_MI_LEN])
{
	EVP_MAC_CTX	*ctx;
	OSSL_PARAM	 params[2];
	char		 digest[] = "SHA1";
	size_t		 len;
	int		 ret = -1;

	turn_init();
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((ctx = EVP_MAC_CTX_new(mac_hmac)) == NULL)
		return -1;
	if (EVP_MAC_init(ctx, key, keylen, params) != 1 ||
	    EVP_MAC_update(ctx, a, alen) != 1 ||
	    (blen > 0 && EVP_MAC_update(ctx, b, blen) != 1) ||
	    EVP_MAC_final(ctx, out, &len, TURN_MI_LEN) != 1 ||
	    len != TURN_MI_LEN)
		goto done;
	ret = 0;
 done:
	EVP_MAC_CTX_free(ctx);
	return ret;
}

/*
 * The long-term key (RFC 8489 section 9.2.2).  The REST password is
 * base64 and the realm comes from the server; neither needs SASLprep
 * beyond what the server itself applied, so they are taken as bytes.
 */
int
turn_key(const char *user, const char *realm, const char *pass,
    uint8_t key[TURN_KEY_LEN])
{
	EVP_MD_CTX	*ctx;
	unsigned int	 len;
	int		 ret = -1;

	turn_init();
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	if (EVP_DigestInit_ex2(ctx, md_md5, NULL) == 1 &&
	    EVP_DigestUpdate(ctx, user, strlen(user)) == 1 &&
	    EVP_DigestUpdate(ctx, ":", 1) == 1 &&
	    EVP_DigestUpdate(ctx, realm, strlen(realm)) == 1 &&
	    EVP_DigestUpdate(ctx, ":", 1) == 1 &&
	    EVP_DigestUpdate(ctx, pass, strlen(pass)) == 1 &&
	    EVP_DigestFinal_ex(ctx, key, &len) == 1 && len == TURN_KEY_LEN)
		ret = 0;
	EVP_MD_CTX_free(ctx);
	return ret;
}

static int
put_attr(uint8_t *buf, size_t len, size_t *off, uint16_t type,
    const void *v, size_t vlen)
{
	if (vlen > 0xffff || len < *off || len - *off < TURN_ATTR_LEN(vlen))
		return -1;
	be16_put(buf + *off, type);
	be16_put(buf + *off + 2, vlen);
	if (vlen > 0)
		memcpy(buf + *off + 4, v, vlen);
	memset(buf + *off + 4 + vlen, 0, TURN_ATTR_LEN(vlen) - 4 - vlen);
	*off += TURN_ATTR_LEN(vlen);
	return 0;
}

static int
put_xor_address(uint8_t *buf, size_t len, size_t *off, uint16_t type,
    const struct sockaddr *sa)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	uint8_t				 v[20];
	size_t				 i, n;

	memset(v, 0, sizeof(v));
	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)sa;
		v[1] = 0x01;
		be16_put(v + 2, ntohs(sin->sin_port));
		memcpy(v + 4, &sin->sin_addr, 4);
		n = 8;
		break;
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)sa;
		v[1] = 0x02;
		be16_put(v + 2, ntohs(sin6->sin6_port));
		memcpy(v + 4, &sin6->sin6_addr, 16);
		n = 20;
		break;
	default:
		return -1;
	}
	/* The mask is the cookie, then the transaction id (section 14.2). */
	v[2] ^= buf[4];
	v[3] ^= buf[5];
	for (i = 4; i < n; i++)
		v[i] ^= buf[i];
	return put_attr(buf, len, off, type, v, n);
}

/*
 * Build a TURN message of a method and class with the attributes asked
 * for, then MESSAGE-INTEGRITY if a credential is given, then (if asked)
 * FINGERPRINT.  Returns its length, or -1 if it does not fit or an
 * argument is bad.
 */
ssize_t
turn_build(uint8_t *buf, size_t len, uint16_t method, uint8_t class,
    const uint8_t tid[STUN_TID_LEN], const struct turn_attrs *a)
{
	uint8_t		 v[4], mi[TURN_MI_LEN];
	uint16_t	 type;
	size_t		 off = STUN_HDR_LEN;

	if (buf == NULL || len < STUN_HDR_LEN || method > 0xfff || class > 3)
		return -1;
	type = (method & 0x000f) | ((method & 0x0070) << 1) |
	    ((method & 0x0f80) << 2) | ((class & 1) << 4) | ((class & 2) << 7);
	be16_put(buf, type);
	be16_put(buf + 2, 0);
	be32_put(buf + 4, STUN_COOKIE);
	memcpy(buf + 8, tid, STUN_TID_LEN);

	if (a->want & TURN_A_TRANSPORT) {
		memset(v, 0, sizeof(v));
		v[0] = TURN_TRANSPORT_UDP;
		if (put_attr(buf, len, &off, STUN_ATTR_REQUESTED_TRANSPORT,
		    v, 4) == -1)
			return -1;
	}
	if (a->want & TURN_A_LIFETIME) {
		be32_put(v, a->lifetime);
		if (put_attr(buf, len, &off, STUN_ATTR_LIFETIME, v, 4) == -1)
			return -1;
	}
	if (a->want & TURN_A_CHANNEL) {
		if (a->channel < TURN_CHANNEL_MIN || a->channel > 0x7fff)
			return -1;
		be16_put(v, a->channel);
		be16_put(v + 2, 0);
		if (put_attr(buf, len, &off, STUN_ATTR_CHANNEL_NUMBER,
		    v, 4) == -1)
			return -1;
	}
	if (a->want & TURN_A_PEER) {
		if (a->peer == NULL || put_xor_address(buf, len, &off,
		    STUN_ATTR_XOR_PEER_ADDRESS, a->peer) == -1)
			return -1;
	}
	if (a->want & TURN_A_DATA) {
		if (put_attr(buf, len, &off, STUN_ATTR_DATA, a->data,
		    a->data_len) == -1)
			return -1;
	}
	if (a->username != NULL) {
		if (a->realm == NULL || a->nonce == NULL || a->key == NULL ||
		    strlen(a->username) > 513 ||
		    strlen(a->realm) >= STUN_REALM_MAX ||
		    strlen(a->nonce) >= STUN_NONCE_MAX)
			return -1;
		if (put_attr(buf, len, &off, STUN_ATTR_USERNAME, a->username,
		    strlen(a->username)) == -1 ||
		    put_attr(buf, len, &off, STUN_ATTR_NONCE, a->nonce,
		    strlen(a->nonce)) == -1 ||
		    put_attr(buf, len, &off, STUN_ATTR_REALM, a->realm,
		    strlen(a->realm)) == -1)
			return -1;
		if (len - off < TURN_ATTR_LEN(TURN_MI_LEN))
			return -1;
		/* The length covers MESSAGE-INTEGRITY itself, not beyond. */
		be16_put(buf + 2, off + TURN_ATTR_LEN(TURN_MI_LEN) -
		    STUN_HDR_LEN);
		if (hmac_sha1(a->key, TURN_KEY_LEN, buf, off, NULL, 0,
		    mi) == -1)
			return -1;
		if (put_attr(buf, len, &off, STUN_ATTR_MESSAGE_INTEGRITY, mi,
		    sizeof(mi)) == -1)
			return -1;
	}
	if (a->want & TURN_A_FINGERPRINT) {
		if (len - off < 8)
			return -1;
		be16_put(buf + 2, off + 8 - STUN_HDR_LEN);
		be32_put(v, stun_crc32(buf, off) ^ STUN_FINGERPRINT_XOR);
		if (put_attr(buf, len, &off, STUN_ATTR_FINGERPRINT, v,
		    4) == -1)
			return -1;
	}
	be16_put(buf + 2, off - STUN_HDR_LEN);
	return (ssize_t)off;
}

/*
 * Check the MESSAGE-INTEGRITY of a parsed message (RFC 8489 section
 * 14.5): the HMAC runs over everything before the attribute, with the
 * header's length as if the message ended right after it.
 */
int
turn_integrity_ok(const uint8_t *buf, size_t len, const struct stun_msg *m,
    const uint8_t key[TURN_KEY_LEN])
{
	uint8_t		 hdr[STUN_HDR_LEN], mi[TURN_MI_LEN];
	size_t		 off = m->integrity_off;
	int		 ok;

	if (!(m->have & STUN_HAVE_INTEGRITY) || off < STUN_HDR_LEN ||
	    off > len || len - off < TURN_ATTR_LEN(TURN_MI_LEN) ||
	    be16_get(buf + off) != STUN_ATTR_MESSAGE_INTEGRITY ||
	    be16_get(buf + off + 2) != TURN_MI_LEN)
		return 0;
	memcpy(hdr, buf, sizeof(hdr));
	be16_put(hdr + 2, off + TURN_ATTR_LEN(TURN_MI_LEN) - STUN_HDR_LEN);
	if (hmac_sha1(key, TURN_KEY_LEN, hdr, sizeof(hdr),
	    buf + STUN_HDR_LEN, off - STUN_HDR_LEN, mi) == -1)
		return 0;
	ok = CRYPTO_memcmp(mi, buf + off + 4, sizeof(mi)) == 0;
	explicit_bzero(mi, sizeof(mi));
	return ok;
}

/*
 * ChannelData: the first two bits are 01, which sets it apart from
 * STUN (00), WireGuard (types 1 to 4) and probes (0xc1).
 */
int
turn_is_channel_data(const uint8_t *buf, size_t len)
{
	return buf != NULL && len >= TURN_CHANNEL_HDR &&
	    buf[0] >= 0x40 && buf[0] <= 0x7f;
}

/* Channel and length of a ChannelData message; the data follows. */
int
turn_channel_parse(const uint8_t *buf, size_t len, uint16_t *channel,
    size_t *dlen)
{
	size_t	 n;

	if (!turn_is_channel_data(buf, len))
		return -1;
	n = be16_get(buf + 2);
	/* Up to three bytes of padding may follow, even over UDP. */
	if (n > len - TURN_CHANNEL_HDR || len - TURN_CHANNEL_HDR - n > 3)
		return -1;
	*channel = be16_get(buf);
	*dlen = n;
	return 0;
}

void
turn_channel_header(uint8_t hdr[TURN_CHANNEL_HDR], uint16_t channel,
    size_t len)
{
	be16_put(hdr, channel);
	be16_put(hdr + 2, len);
}
