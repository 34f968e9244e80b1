/*
 * Offer and response messages as bytes, both ways, and the names of
 * the files that carry them.  No I/O: the fuzz target calls these on
 * arbitrary input.  The layout is in docs/rendezvous.md.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdio.h>
#include <string.h>

#include "util.h"
#include "rdv_msg.h"

static const uint8_t	 rdv_magic[4] = { 'C', 'L', 'W', 'D' };

static void
be64_put(uint8_t *p, uint64_t v)
{
	be32_put(p, (uint32_t)(v >> 32));
	be32_put(p + 4, (uint32_t)v);
}

static uint64_t
be64_get(const uint8_t *p)
{
	return (uint64_t)be32_get(p) << 32 | be32_get(p + 4);
}

/* Higher is better: type first, then IPv4 before IPv6. */
uint32_t
rdv_prio(uint8_t type, int af)
{
	uint32_t	 t;

	switch (type) {
	case RDV_CAND_HOST:
		t = 126;
		break;
	case RDV_CAND_PRFLX:
		t = 110;
		break;
	case RDV_CAND_SRFLX:
		t = 100;
		break;
	case RDV_CAND_PREDICTED:
		t = 50;
		break;
	default:
		t = 0;
		break;
	}
	return t << 24 | (af == AF_INET ? 65535 : 65000) << 8;
}

ssize_t
rdv_encode(uint8_t *buf, size_t cap, const struct rdv_msg *m)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	uint8_t				*c;
	size_t				 i, len;

	if (m->ncand > RDV_CAND_MAX)
		return -1;
	len = RDV_HDR_LEN + m->ncand * RDV_CAND_LEN;
	if (cap < len)
		return -1;
	memset(buf, 0, len);
	memcpy(buf, rdv_magic, sizeof(rdv_magic));
	buf[4] = RDV_VERSION;
	buf[5] = m->kind;
	buf[6] = m->mapping;
	buf[7] = m->ncand;
	memcpy(buf + 8, m->conn, RDV_ID_LEN);
	be64_put(buf + 24, (uint64_t)m->ts);
	be64_put(buf + 32, (uint64_t)m->expiry);
	be16_put(buf + 40, (uint16_t)m->delta);
	buf[42] = m->filtering;
	memcpy(buf + 44, m->token, RDV_HASH_LEN);
	for (i = 0; i < m->ncand; i++) {
		c = buf + RDV_HDR_LEN + i * RDV_CAND_LEN;
		c[0] = m->cand[i].type;
		be32_put(c + 4, m->cand[i].prio);
		if (m->cand[i].ss.ss_family == AF_INET) {
			sin = (const struct sockaddr_in *)&m->cand[i].ss;
			c[1] = 4;
			memcpy(c + 2, &sin->sin_port, 2);
			memcpy(c + 8, &sin->sin_addr, 4);
		} else if (m->cand[i].ss.ss_family == AF_INET6) {
			sin6 = (const struct sockaddr_in6 *)&m->cand[i].ss;
			c[1] = 6;
			memcpy(c + 2, &sin6->sin6_port, 2);
			memcpy(c + 8, &sin6->sin6_addr, 16);
		} else
			return -1;
	}
	return len;
}

/*
 * Strict: exact length, known version and kind, zero padding, no
 * candidate with port 0 or an address of an unknown family.
 */
int
rdv_decode(struct rdv_msg *m, const uint8_t *buf, size_t len)
{
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;
	const uint8_t		*c;
	static const uint8_t	 zero[16];
	size_t			 i;

	memset(m, 0, sizeof(*m));
	if (len < RDV_HDR_LEN || memcmp(buf, rdv_magic, 4) != 0 ||
	    buf[4] != RDV_VERSION ||
	    buf[5] < RDV_KIND_OFFER || buf[5] > RDV_KIND_REQUEST ||
	    buf[6] > RDV_NAT_NONE || buf[7] > RDV_CAND_MAX ||
	    len != RDV_HDR_LEN + (size_t)buf[7] * RDV_CAND_LEN ||
	    buf[42] > RDV_FILT_APDF || buf[43] != 0)
		return -1;
	m->kind = buf[5];
	m->mapping = buf[6];
	m->ncand = buf[7];
	memcpy(m->conn, buf + 8, RDV_ID_LEN);
	m->ts = (int64_t)be64_get(buf + 24);
	m->expiry = (int64_t)be64_get(buf + 32);
	m->delta = (int16_t)be16_get(buf + 40);
	m->filtering = buf[42];
	memcpy(m->token, buf + 44, RDV_HASH_LEN);
	if (m->ts < 0 || m->expiry < m->ts)
		return -1;
	for (i = 0; i < m->ncand; i++) {
		c = buf + RDV_HDR_LEN + i * RDV_CAND_LEN;
		if (c[0] < RDV_CAND_HOST || c[0] > RDV_CAND_RELAY ||
		    (c[2] == 0 && c[3] == 0))
			return -1;
		m->cand[i].type = c[0];
		m->cand[i].prio = be32_get(c + 4);
		if (c[1] == 4) {
			if (memcmp(c + 12, zero, 12) != 0)
				return -1;
			sin = (struct sockaddr_in *)&m->cand[i].ss;
			sin->sin_family = AF_INET;
			memcpy(&sin->sin_port, c + 2, 2);
			memcpy(&sin->sin_addr, c + 8, 4);
		} else if (c[1] == 6) {
			sin6 = (struct sockaddr_in6 *)&m->cand[i].ss;
			sin6->sin6_family = AF_INET6;
			memcpy(&sin6->sin6_port, c + 2, 2);
			memcpy(&sin6->sin6_addr, c + 8, 16);
		} else
			return -1;
	}
	return 0;
}

/* offer-<32 hex>, response-<32 hex>, request-<32 hex> */
int
rdv_name(char *buf, size_t len, uint8_t kind, const uint8_t id[RDV_ID_LEN])
{
	char	 hex[RDV_ID_LEN * 2 + 1];
	size_t	 i;
	int	 n;

	for (i = 0; i < RDV_ID_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", id[i]);
	n = snprintf(buf, len, "%s-%s", kind == RDV_KIND_OFFER ?
	    "offer" : kind == RDV_KIND_RESPONSE ? "response" : "request",
	    hex);
	return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
rdv_name_parse(const char *name, uint8_t *kind, uint8_t id[RDV_ID_LEN])
{
	const char	*p;
	size_t		 i;
	int		 hi, lo;

	if (strncmp(name, "offer-", 6) == 0) {
		*kind = RDV_KIND_OFFER;
		p = name + 6;
	} else if (strncmp(name, "response-", 9) == 0) {
		*kind = RDV_KIND_RESPONSE;
		p = name + 9;
	} else if (strncmp(name, "request-", 8) == 0) {
		*kind = RDV_KIND_REQUEST;
		p = name + 8;
	} else
		return -1;
	if (strlen(p) != RDV_ID_LEN * 2)
		return -1;
	for (i = 0; i < RDV_ID_LEN; i++) {
		if ((hi = hexval(p[2 * i])) == -1 ||
		    (lo = hexval(p[2 * i + 1])) == -1)
			return -1;
		id[i] = hi << 4 | lo;
	}
	return 0;
}
