/*
 * Unit test for netengine/probe.c, the probes of docs/rendezvous.md: a
 * request and a response are built, parsed and verified; the sender's
 * NAT (mapping, filtering, port step) travels in bytes 2 and 3 and
 * comes back, a negative step too; a wrong key, a flipped bit, a
 * mapping or filtering past the known values and other lengths are
 * refused; a MAC is over bytes 0 to 47.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <string.h>

#include "rdv.h"
#include "tap.h"

int
main(void)
{
	struct probe		 p, q;
	struct sockaddr_in	*sin;
	uint8_t			 key[RDV_KEY_LEN], other[RDV_KEY_LEN];
	uint8_t			 pkt[PROBE_LEN], bad[PROBE_LEN + 1];
	size_t			 i;

	for (i = 0; i < sizeof(key); i++) {
		key[i] = i;
		other[i] = i ^ 0x80;
	}
	memset(&p, 0, sizeof(p));
	p.kind = PROBE_REQUEST;
	p.mapping = RDV_NAT_EDM;
	p.filtering = RDV_FILT_APDF;
	p.step = -3;
	for (i = 0; i < RDV_ID_LEN; i++)
		p.conn[i] = 0xa0 + i;
	memcpy(p.txid, "txid0001", 8);
	tap_ok(probe_build(pkt, &p, key) == 0, "a request builds");
	tap_ok(pkt[0] == PROBE_MAGIC && pkt[1] == PROBE_REQUEST &&
	    pkt[2] == 0x23 && pkt[3] == 0xfd && pkt[4] == 0xa0 &&
	    pkt[20] == 't', "its header: magic, kind, NAT 0x23, step -3, id");
	tap_ok(probe_is_message(pkt, sizeof(pkt)) &&
	    probe_parse(&q, pkt, sizeof(pkt)) == 0 &&
	    q.kind == PROBE_REQUEST && q.mapping == RDV_NAT_EDM &&
	    q.filtering == RDV_FILT_APDF && q.step == -3 &&
	    memcmp(q.conn, p.conn, RDV_ID_LEN) == 0 &&
	    memcmp(q.txid, p.txid, 8) == 0, "parses back");
	tap_ok(probe_verify(pkt, sizeof(pkt), key) == 0, "verifies");
	tap_ok(probe_verify(pkt, sizeof(pkt), other) == -1,
	    "not under another key");
	memcpy(bad, pkt, sizeof(pkt));
	bad[3] ^= 1;
	tap_ok(probe_verify(bad, PROBE_LEN, key) == -1,
	    "the NAT bytes are under the MAC");
	memcpy(bad, pkt, sizeof(pkt));
	bad[PROBE_MAC_OFF + 5] ^= 0x10;
	tap_ok(probe_verify(bad, PROBE_LEN, key) == -1, "a bad MAC fails");
	tap_ok(!probe_is_message(pkt, PROBE_LEN - 1) &&
	    probe_parse(&q, pkt, PROBE_LEN - 1) == -1 &&
	    probe_verify(bad, PROBE_LEN + 1, key) == -1,
	    "other lengths refused");
	memcpy(bad, pkt, sizeof(pkt));
	bad[2] = (RDV_NAT_NONE + 1) << 4;
	tap_ok(!probe_is_message(bad, PROBE_LEN), "mapping 4 is no probe");
	bad[2] = RDV_FILT_APDF + 1;
	tap_ok(!probe_is_message(bad, PROBE_LEN), "filtering 4 is no probe");
	p.mapping = RDV_NAT_NONE + 1;
	tap_ok(probe_build(pkt, &p, key) == -1, "nor does one build");

	memset(&p, 0, sizeof(p));
	p.kind = PROBE_RESPONSE;
	sin = (struct sockaddr_in *)&p.seen;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(40001);
	inet_pton(AF_INET, "203.0.113.12", &sin->sin_addr);
	tap_ok(probe_build(pkt, &p, key) == 0 && pkt[2] == 0 &&
	    pkt[3] == 0 && probe_parse(&q, pkt, sizeof(pkt)) == 0 &&
	    q.kind == PROBE_RESPONSE && q.mapping == RDV_NAT_UNKNOWN &&
	    q.seen.ss_family == AF_INET && memcmp(&((struct sockaddr_in *)
	    &q.seen)->sin_addr, &sin->sin_addr, 4) == 0 &&
	    ((struct sockaddr_in *)&q.seen)->sin_port == htons(40001),
	    "a response carries the address it saw; unknown NAT is 0");
	p.seen.ss_family = AF_UNIX;
	tap_ok(probe_build(pkt, &p, key) == -1,
	    "a response without an address does not build");
	return tap_done();
}
