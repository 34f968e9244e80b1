/*
 * STUN codec (RFC 8489, RFC 5389 compatible, RFC 5780 attributes).
 *
 * Pure functions over byte buffers: no I/O, no allocation, no global
 * state, so that the parser can be fuzzed on its own.  Every read is
 * bounds-checked against the datagram length; a message that does not
 * parse cleanly is rejected whole rather than half-used.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdint.h>
#include <string.h>

#include "util.h"
#include "stun.h"

/*
 * CRC-32 (ISO-HDLC, reflected 0xedb88320), four bits at a time: a
 * 16-entry table is small enough to write down and fast enough for
 * messages of a few hundred bytes, without pulling in zlib.
 */
static const uint32_t crc_nibble[16] = {
	0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac,
	0x76dc4190, 0x6b6b51f4, 0x4db26158, 0x5005713c,
	0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
	0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c
};

uint32_t
stun_crc32(const uint8_t *p, size_t len)
{
	uint32_t	 crc = 0xffffffffU;

	while (len-- > 0) {
		crc ^= *p++;
		crc = (crc >> 4) ^ crc_nibble[crc & 0x0f];
		crc = (crc >> 4) ^ crc_nibble[crc & 0x0f];
	}
	return crc ^ 0xffffffffU;
}

/*
 * The demultiplexing test for the shared UDP port: cheap, and strict
 * enough that WireGuard and probe packets never match by accident.
 */
int
stun_is_message(const uint8_t *buf, size_t len)
{
	size_t	 mlen;

	if (buf == NULL || len < STUN_HDR_LEN)
		return 0;
	if ((buf[0] & 0xc0) != 0)
		return 0;
	if (be32_get(buf + 4) != STUN_COOKIE)
		return 0;
	mlen = be16_get(buf + 2);
	if ((mlen & 3) != 0 || mlen != len - STUN_HDR_LEN)
		return 0;
	return 1;
}

/* Printable ASCII only: the text may end up in a log line. */
static void
copy_text(char *dst, size_t dstlen, const uint8_t *src, size_t len)
{
	size_t	 i;

	if (len > dstlen - 1)
		len = dstlen - 1;
	for (i = 0; i < len; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '?';
	dst[len] = '\0';
}

/*
 * (XOR-)MAPPED-ADDRESS, OTHER-ADDRESS, RESPONSE-ORIGIN: one reserved
 * byte, the family, the port, the address.  With xor set the port and
 * address are masked with the cookie (and the transaction id for v6).
 */
static int
parse_address(const uint8_t *v, size_t len, const uint8_t *hdr, int xor,
    struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;
	uint16_t		 port;
	uint8_t			 mask[16];
	size_t			 i;

	if (len < 4)
		return -1;
	port = be16_get(v + 2);
	memcpy(mask, hdr + 4, sizeof(mask));	/* cookie and tid */
	if (xor)
		port ^= be16_get(mask);
	memset(ss, 0, sizeof(*ss));

	switch (v[1]) {
	case 0x01:
		if (len != 8)
			return -1;
		sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, v + 4, 4);
		if (xor)
			for (i = 0; i < 4; i++)
				((uint8_t *)&sin->sin_addr)[i] ^= mask[i];
		return 0;
	case 0x02:
		if (len != 20)
			return -1;
		sin6 = (struct sockaddr_in6 *)ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, v + 4, 16);
		if (xor)
			for (i = 0; i < 16; i++)
				sin6->sin6_addr.s6_addr[i] ^= mask[i];
		return 0;
	}
	return -1;
}

static int
parse_error_code(const uint8_t *v, size_t len, struct stun_msg *m)
{
	unsigned int	 cls, num;

	if (len < 4)
		return -1;
	cls = v[2] & 0x07;
	num = v[3];
	if (cls < 3 || cls > 6 || num > 99)
		return -1;
	m->error_code = cls * 100 + num;
	copy_text(m->error_reason, sizeof(m->error_reason), v + 4, len - 4);
	return 0;
}

/* Attributes that we understand even though we do not act on them. */
static int
known_attribute(uint16_t type)
{
	switch (type) {
	case STUN_ATTR_USERNAME:
	case STUN_ATTR_UNKNOWN_ATTRIBUTES:
	case STUN_ATTR_REALM:
	case STUN_ATTR_NONCE:
	case STUN_ATTR_PASSWORD_ALGORITHM:
	case STUN_ATTR_USERHASH:
	case STUN_ATTR_PADDING:
	case STUN_ATTR_RESPONSE_PORT:
		return 1;
	}
	return 0;
}

/*
 * REALM and NONCE are kept byte for byte, since they go back into our
 * requests and into the key: no NUL or control characters (they are
 * quoted strings), and one that does not fit is not kept at all.
 */
static int
copy_verbatim(char *dst, size_t dstlen, const uint8_t *src, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (src[i] < 0x20 || src[i] == 0x7f)
			return -1;
	if (len > dstlen - 1)
		return 0;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 1;
}

/*
 * The attributes of TURN methods (RFC 8656 section 18).  A Binding
 * message never gets here, so that what a Binding client sees (and
 * counts as unknown) stays what it was before TURN.
 */
static int
parse_turn_attribute(uint16_t type, const uint8_t *v, size_t len,
    const uint8_t *hdr, struct stun_msg *m)
{
	int	 r;

	switch (type) {
	case STUN_ATTR_XOR_RELAYED_ADDRESS:
		if (m->have & STUN_HAVE_RELAYED)
			return 0;
		m->have |= STUN_HAVE_RELAYED;
		return parse_address(v, len, hdr, 1, &m->relayed);
	case STUN_ATTR_XOR_PEER_ADDRESS:
		if (m->have & STUN_HAVE_PEER)
			return 0;
		m->have |= STUN_HAVE_PEER;
		return parse_address(v, len, hdr, 1, &m->peer);
	case STUN_ATTR_LIFETIME:
		if (m->have & STUN_HAVE_LIFETIME)
			return 0;
		if (len != 4)
			return -1;
		m->have |= STUN_HAVE_LIFETIME;
		m->lifetime = be32_get(v);
		return 0;
	case STUN_ATTR_CHANNEL_NUMBER:
		if (m->have & STUN_HAVE_CHANNEL)
			return 0;
		if (len != 4)
			return -1;
		m->have |= STUN_HAVE_CHANNEL;
		m->channel = be16_get(v);
		return 0;
	case STUN_ATTR_DATA:
		if (m->have & STUN_HAVE_DATA)
			return 0;
		m->have |= STUN_HAVE_DATA;
		m->data = v;
		m->data_len = len;
		return 0;
	case STUN_ATTR_REALM:
		if (m->have & STUN_HAVE_REALM)
			return 0;
		if ((r = copy_verbatim(m->realm, sizeof(m->realm), v,
		    len)) == -1)
			return -1;
		if (r == 1)
			m->have |= STUN_HAVE_REALM;
		return 0;
	case STUN_ATTR_NONCE:
		if (m->have & STUN_HAVE_NONCE)
			return 0;
		if ((r = copy_verbatim(m->nonce, sizeof(m->nonce), v,
		    len)) == -1)
			return -1;
		if (r == 1)
			m->have |= STUN_HAVE_NONCE;
		return 0;
	case STUN_ATTR_REQUESTED_TRANSPORT:
	case STUN_ATTR_DONT_FRAGMENT:
		return 0;
	}
	return 1;	/* not a TURN attribute */
}

/*
 * Parse one attribute.  Only the first occurrence of each is used
 * (RFC 8489 section 14); a malformed one rejects the message.
 */
static int
parse_attribute(uint16_t type, const uint8_t *v, size_t len,
    const uint8_t *hdr, struct stun_msg *m)
{
	int	 r;

	if (m->method != STUN_METHOD_BINDING &&
	    (r = parse_turn_attribute(type, v, len, hdr, m)) != 1)
		return r;
	switch (type) {
	case STUN_ATTR_XOR_MAPPED_ADDRESS:
		if (m->have & STUN_HAVE_XOR_MAPPED)
			return 0;
		m->have |= STUN_HAVE_XOR_MAPPED;
		return parse_address(v, len, hdr, 1, &m->xor_mapped);
	case STUN_ATTR_MAPPED_ADDRESS:
		if (m->have & STUN_HAVE_MAPPED)
			return 0;
		m->have |= STUN_HAVE_MAPPED;
		return parse_address(v, len, hdr, 0, &m->mapped);
	case STUN_ATTR_OTHER_ADDRESS:
		if (m->have & STUN_HAVE_OTHER)
			return 0;
		m->have |= STUN_HAVE_OTHER;
		return parse_address(v, len, hdr, 0, &m->other);
	case STUN_ATTR_RESPONSE_ORIGIN:
		if (m->have & STUN_HAVE_ORIGIN)
			return 0;
		m->have |= STUN_HAVE_ORIGIN;
		return parse_address(v, len, hdr, 0, &m->origin);
	case STUN_ATTR_CHANGE_REQUEST:
		if (m->have & STUN_HAVE_CHANGE)
			return 0;
		if (len != 4)
			return -1;
		m->have |= STUN_HAVE_CHANGE;
		m->change = be32_get(v) & (STUN_CHANGE_IP | STUN_CHANGE_PORT);
		return 0;
	case STUN_ATTR_ERROR_CODE:
		if (m->have & STUN_HAVE_ERROR)
			return 0;
		m->have |= STUN_HAVE_ERROR;
		return parse_error_code(v, len, m);
	case STUN_ATTR_SOFTWARE:
		if (m->have & STUN_HAVE_SOFTWARE)
			return 0;
		m->have |= STUN_HAVE_SOFTWARE;
		copy_text(m->software, sizeof(m->software), v, len);
		return 0;
	}
	if (type < 0x8000 && !known_attribute(type)) {
		if (m->nunknown < STUN_UNKNOWN_MAX)
			m->unknown[m->nunknown] = type;
		m->nunknown++;
	}
	return 0;
}

/*
 * Parse a whole datagram.  Returns 0 and fills m, or -1 if the message
 * is malformed: bad header, an attribute or its padding running past
 * the end, a malformed known attribute, or a FINGERPRINT that is not
 * last or does not match.  MESSAGE-INTEGRITY is noted, not verified.
 */
int
stun_parse(const uint8_t *buf, size_t len, struct stun_msg *m)
{
	size_t		 off, alen, plen;
	uint16_t	 type, atype;
	int		 after_mi = 0;

	memset(m, 0, sizeof(*m));
	if (!stun_is_message(buf, len))
		return -1;

	type = be16_get(buf);
	m->class = ((type >> 7) & 0x02) | ((type >> 4) & 0x01);
	m->method = (type & 0x000f) | ((type >> 1) & 0x0070) |
	    ((type >> 2) & 0x0f80);
	memcpy(m->tid, buf + 8, STUN_TID_LEN);

	off = STUN_HDR_LEN;
	while (off < len) {
		if (len - off < 4)
			return -1;
		atype = be16_get(buf + off);
		alen = be16_get(buf + off + 2);
		plen = (alen + 3) & ~(size_t)3;
		if (plen > len - off - 4)
			return -1;

		if (atype == STUN_ATTR_FINGERPRINT) {
			/* Last, and covering everything before it. */
			if (alen != 4 || off + 8 != len)
				return -1;
			if (be32_get(buf + off + 4) != (stun_crc32(buf, off) ^
			    STUN_FINGERPRINT_XOR))
				return -1;
			m->have |= STUN_HAVE_FINGERPRINT;
		} else if (atype == STUN_ATTR_MESSAGE_INTEGRITY) {
			if (!after_mi) {
				m->have |= STUN_HAVE_INTEGRITY;
				m->integrity_off = off;
			}
			after_mi = 1;
		} else if (after_mi) {
			/* Ignored after MESSAGE-INTEGRITY (section 14.5). */
		} else if (parse_attribute(atype, buf + off + 4, alen, buf,
		    m) == -1)
			return -1;
		off += 4 + plen;
	}
	return 0;
}

/* The server-reflexive address: XOR-MAPPED-ADDRESS, else MAPPED. */
const struct sockaddr *
stun_mapped(const struct stun_msg *m)
{
	if (m->have & STUN_HAVE_XOR_MAPPED)
		return (const struct sockaddr *)&m->xor_mapped;
	if (m->have & STUN_HAVE_MAPPED)
		return (const struct sockaddr *)&m->mapped;
	return NULL;
}

static ssize_t
build_request(uint8_t *buf, size_t len, const uint8_t tid[STUN_TID_LEN],
    const char *software, int change, uint32_t flags)
{
	size_t	 off, slen = 0, need;

	if (software != NULL) {
		slen = strlen(software);
		if (slen > STUN_SOFTWARE_MAX)
			return -1;
	}
	if (flags & ~(uint32_t)(STUN_CHANGE_IP | STUN_CHANGE_PORT))
		return -1;
	need = STUN_HDR_LEN + 8;			/* FINGERPRINT */
	if (change)
		need += 8;
	if (software != NULL)
		need += 4 + ((slen + 3) & ~(size_t)3);
	if (buf == NULL || len < need)
		return -1;

	memset(buf, 0, need);
	be16_put(buf, STUN_METHOD_BINDING);		/* class request */
	be16_put(buf + 2, need - STUN_HDR_LEN);
	be32_put(buf + 4, STUN_COOKIE);
	memcpy(buf + 8, tid, STUN_TID_LEN);
	off = STUN_HDR_LEN;

	if (change) {
		be16_put(buf + off, STUN_ATTR_CHANGE_REQUEST);
		be16_put(buf + off + 2, 4);
		be32_put(buf + off + 4, flags);
		off += 8;
	}
	if (software != NULL) {
		be16_put(buf + off, STUN_ATTR_SOFTWARE);
		be16_put(buf + off + 2, slen);
		memcpy(buf + off + 4, software, slen);
		off += 4 + ((slen + 3) & ~(size_t)3);
	}
	/* The length field already counts the fingerprint, as it must. */
	be16_put(buf + off, STUN_ATTR_FINGERPRINT);
	be16_put(buf + off + 2, 4);
	be32_put(buf + off + 4, stun_crc32(buf, off) ^ STUN_FINGERPRINT_XOR);
	off += 8;
	return (ssize_t)off;
}

/* A Binding request with FINGERPRINT and, if not NULL, SOFTWARE. */
ssize_t
stun_build_binding(uint8_t *buf, size_t len,
    const uint8_t tid[STUN_TID_LEN], const char *software)
{
	return build_request(buf, len, tid, software, 0, 0);
}

/* The same with CHANGE-REQUEST, for RFC 5780 behaviour discovery. */
ssize_t
stun_build_binding_change(uint8_t *buf, size_t len,
    const uint8_t tid[STUN_TID_LEN], const char *software, uint32_t flags)
{
	return build_request(buf, len, tid, software, 1, flags);
}

/* Transaction ids, compared without an early exit. */
int
stun_tid_equal(const uint8_t *a, const uint8_t *b)
{
	uint8_t	 d = 0;
	size_t	 i;

	for (i = 0; i < STUN_TID_LEN; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}
