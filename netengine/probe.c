/*
 * Probes: the connectivity checks of hole punching.  Each is 64 bytes
 * and carries a keyed BLAKE2s MAC (RFC 7693) under the connection's
 * probe key, which crypto derived from the two static keys and the
 * connection id; a probe whose MAC does not check gets no answer.
 *
 *   0  0xc1, kind (1 request, 2 response), the sender's NAT as it
 *      knows it now: mapping << 4 | filtering, the port step (signed)
 *   4  connection id, 16 bytes
 *  20  transaction id, 8 bytes
 *  28  response: the requester's address as seen (family 4 or 6,
 *      1 byte zero, port, 16 bytes address); request: zero
 *  48  MAC over bytes 0..47, 16 bytes
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <string.h>

#include "wgcrypto.h"
#include "rdv.h"

int
probe_is_message(const uint8_t *pkt, size_t len)
{
	return len == PROBE_LEN && pkt[0] == PROBE_MAGIC &&
	    (pkt[1] == PROBE_REQUEST || pkt[1] == PROBE_RESPONSE) &&
	    (pkt[2] >> 4) <= RDV_NAT_NONE && (pkt[2] & 0x0f) <= RDV_FILT_APDF;
}

int
probe_build(uint8_t pkt[PROBE_LEN], const struct probe *p,
    const uint8_t key[RDV_KEY_LEN])
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	memset(pkt, 0, PROBE_LEN);
	if (p->mapping > RDV_NAT_NONE || p->filtering > RDV_FILT_APDF)
		return -1;
	pkt[0] = PROBE_MAGIC;
	pkt[1] = p->kind;
	pkt[2] = p->mapping << 4 | p->filtering;
	pkt[3] = (uint8_t)p->step;
	memcpy(pkt + 4, p->conn, RDV_ID_LEN);
	memcpy(pkt + 20, p->txid, sizeof(p->txid));
	if (p->kind == PROBE_RESPONSE) {
		if (p->seen.ss_family == AF_INET) {
			sin = (const struct sockaddr_in *)&p->seen;
			pkt[28] = 4;
			memcpy(pkt + 30, &sin->sin_port, 2);
			memcpy(pkt + 32, &sin->sin_addr, 4);
		} else if (p->seen.ss_family == AF_INET6) {
			sin6 = (const struct sockaddr_in6 *)&p->seen;
			pkt[28] = 6;
			memcpy(pkt + 30, &sin6->sin6_port, 2);
			memcpy(pkt + 32, &sin6->sin6_addr, 16);
		} else
			return -1;
	}
	return wgc_mac(pkt + PROBE_MAC_OFF, key, RDV_KEY_LEN, pkt,
	    PROBE_MAC_OFF);
}

/* The fields, before the MAC is checked: the id picks the key. */
int
probe_parse(struct probe *p, const uint8_t *pkt, size_t len)
{
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;

	memset(p, 0, sizeof(*p));
	if (!probe_is_message(pkt, len))
		return -1;
	p->kind = pkt[1];
	p->mapping = pkt[2] >> 4;
	p->filtering = pkt[2] & 0x0f;
	p->step = (int8_t)pkt[3];
	memcpy(p->conn, pkt + 4, RDV_ID_LEN);
	memcpy(p->txid, pkt + 20, sizeof(p->txid));
	if (p->kind == PROBE_RESPONSE) {
		if (pkt[28] == 4) {
			sin = (struct sockaddr_in *)&p->seen;
			sin->sin_family = AF_INET;
			memcpy(&sin->sin_port, pkt + 30, 2);
			memcpy(&sin->sin_addr, pkt + 32, 4);
		} else if (pkt[28] == 6) {
			sin6 = (struct sockaddr_in6 *)&p->seen;
			sin6->sin6_family = AF_INET6;
			memcpy(&sin6->sin6_port, pkt + 30, 2);
			memcpy(&sin6->sin6_addr, pkt + 32, 16);
		} else
			return -1;
	}
	return 0;
}

int
probe_verify(const uint8_t *pkt, size_t len, const uint8_t key[RDV_KEY_LEN])
{
	uint8_t	 mac[WGC_MAC_LEN];
	int	 ok;

	if (len != PROBE_LEN || wgc_mac(mac, key, RDV_KEY_LEN, pkt,
	    PROBE_MAC_OFF) == -1)
		return -1;
	ok = wgc_equal(mac, pkt + PROBE_MAC_OFF, sizeof(mac));
	return ok ? 0 : -1;
}
