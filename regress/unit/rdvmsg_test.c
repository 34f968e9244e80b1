/*
 * Unit test for common/rdv_msg.c, the rendezvous wire format of
 * docs/rendezvous.md: an offer with an IPv4 and an IPv6 candidate is
 * encoded to the bytes the specification gives, field by field, and
 * decoded back; the decoder refuses what the specification refuses
 * (another version, a length that is not 76 + 24 n, nonzero padding,
 * port 0); message names are made and parsed both ways, and names of
 * the old file format or with upper-case hex are not ours.  And which
 * candidate addresses a probe may go to (common/util.c, sa_probe_ok).
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <string.h>

#include "rdv_msg.h"
#include "tap.h"
#include "util.h"

/* sa_probe_ok() on ADDR (v4 or v6) port 4000 must give WANT. */
static void
probe_ok(const char *addr, int want)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(4000);
	} else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(4000);
	}
	tap_okf(sa_probe_ok((struct sockaddr *)&ss) == want,
	    "a probe to %s %s", addr, want ? "may go" : "is refused");
}

/* The offer below as bytes, written out from the tables. */
static const char offer_hex[] =
    "434c5744" "02" "01" "01" "02"			/* CLWD v2 offer */
    "000102030405060708090a0b0c0d0e0f"			/* connection id */
    "0000000065000000" "000000006500012c"		/* ts, expiry */
    "fff4" "03" "00"					/* step, filtering */
    "0000000000000000000000000000000000000000000000000000000000000000"
    "02" "04" "9c40" "64ffff00" "cb00710b000000000000000000000000"
    "01" "06" "1f90" "7efde800" "20010db8000000000000000000000001";

static void
offer(struct rdv_msg *m)
{
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;
	size_t			 i;

	memset(m, 0, sizeof(*m));
	m->kind = RDV_KIND_OFFER;
	m->mapping = RDV_NAT_EIM;
	m->filtering = RDV_FILT_APDF;
	m->delta = -12;
	for (i = 0; i < RDV_ID_LEN; i++)
		m->conn[i] = i;
	m->ts = 0x65000000;
	m->expiry = 0x65000000 + 300;
	m->ncand = 2;
	m->cand[0].type = RDV_CAND_SRFLX;
	m->cand[0].prio = rdv_prio(RDV_CAND_SRFLX, AF_INET);
	sin = (struct sockaddr_in *)&m->cand[0].ss;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(40000);
	inet_pton(AF_INET, "203.0.113.11", &sin->sin_addr);
	m->cand[1].type = RDV_CAND_HOST;
	m->cand[1].prio = rdv_prio(RDV_CAND_HOST, AF_INET6);
	sin6 = (struct sockaddr_in6 *)&m->cand[1].ss;
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(8080);
	inet_pton(AF_INET6, "2001:db8::1", &sin6->sin6_addr);
}

int
main(void)
{
	struct rdv_msg	 m, d;
	uint8_t		 buf[RDV_HDR_LEN + RDV_CAND_MAX * RDV_CAND_LEN + 8];
	uint8_t		 bad[sizeof(buf)], id[RDV_ID_LEN], kind;
	char		 name[DROP_NAME_MAX];
	ssize_t		 len;
	size_t		 i;

	offer(&m);
	len = rdv_encode(buf, sizeof(buf), &m);
	tap_okf(len == RDV_HDR_LEN + 2 * RDV_CAND_LEN &&
	    tap_eqhex(buf, len, offer_hex), "an offer encodes as specified "
	    "(%zd bytes)", len);
	tap_ok(rdv_decode(&d, buf, len) == 0 && d.kind == m.kind &&
	    d.mapping == m.mapping && d.filtering == m.filtering &&
	    d.delta == m.delta && d.ts == m.ts && d.expiry == m.expiry &&
	    memcmp(d.conn, m.conn, RDV_ID_LEN) == 0 && d.ncand == 2 &&
	    d.cand[0].type == RDV_CAND_SRFLX && d.cand[1].prio ==
	    m.cand[1].prio && memcmp(&d.cand[1].ss, &m.cand[1].ss,
	    sizeof(struct sockaddr_in6)) == 0, "and decodes back");
	tap_ok(rdv_encode(buf, len - 1, &m) == -1,
	    "no encoding into too small a buffer");

	memcpy(bad, buf, len);
	bad[4] = 1;
	tap_ok(rdv_decode(&d, bad, len) == -1, "version 1 refused");
	tap_ok(rdv_decode(&d, buf, len - 1) == -1 &&
	    rdv_decode(&d, buf, len + 1) == -1 &&
	    rdv_decode(&d, buf, RDV_HDR_LEN - 1) == -1,
	    "lengths other than 76 + 24 n refused");
	memcpy(bad, buf, len);
	bad[43] = 1;
	tap_ok(rdv_decode(&d, bad, len) == -1, "nonzero padding refused");
	memcpy(bad, buf, len);
	bad[RDV_HDR_LEN + 2] = bad[RDV_HDR_LEN + 3] = 0;
	tap_ok(rdv_decode(&d, bad, len) == -1, "port 0 refused");
	memcpy(bad, buf, len);
	bad[5] = 4;
	tap_ok(rdv_decode(&d, bad, len) == -1, "an unknown kind refused");
	memcpy(bad, buf, len);
	bad[RDV_HDR_LEN + 12] = 1;
	tap_ok(rdv_decode(&d, bad, len) == -1,
	    "an IPv4 candidate with bytes past its address refused");

	/* Where a probe may go, whatever a candidate says. */
	probe_ok("203.0.113.7", 1);
	probe_ok("10.1.2.3", 1);
	probe_ok("192.168.1.20", 1);
	probe_ok("100.64.0.1", 1);
	probe_ok("2001:db8::1", 1);
	probe_ok("fd00::5", 1);
	probe_ok("64:ff9b::cb00:7107", 1);
	probe_ok("0.0.0.0", 0);
	probe_ok("0.1.2.3", 0);
	probe_ok("127.0.0.1", 0);
	probe_ok("127.255.0.9", 0);
	probe_ok("169.254.10.1", 0);
	probe_ok("224.0.0.251", 0);
	probe_ok("239.255.255.250", 0);
	probe_ok("240.0.0.1", 0);
	probe_ok("255.255.255.255", 0);
	probe_ok("::", 0);
	probe_ok("::1", 0);
	probe_ok("::ffff:127.0.0.1", 0);
	probe_ok("::127.0.0.1", 0);
	probe_ok("fe80::1", 0);
	probe_ok("ff02::1", 0);
	probe_ok("not an address", 0);

	tap_ok(rdv_name(name, sizeof(name), RDV_KIND_OFFER, m.conn) == 0 &&
	    strcmp(name, "offer-000102030405060708090a0b0c0d0e0f") == 0,
	    "an offer's name");
	tap_ok(rdv_name_parse(name, &kind, id) == 0 &&
	    kind == RDV_KIND_OFFER && memcmp(id, m.conn, RDV_ID_LEN) == 0,
	    "parsed back");
	tap_ok(rdv_name(name, sizeof(name), RDV_KIND_RESPONSE, m.conn) == 0 &&
	    rdv_name_parse(name, &kind, id) == 0 &&
	    kind == RDV_KIND_RESPONSE && strncmp(name, "response-", 9) == 0,
	    "a response's name");
	tap_ok(rdv_name(name, sizeof(name), RDV_KIND_REQUEST, m.conn) == 0 &&
	    rdv_name_parse(name, &kind, id) == 0 &&
	    kind == RDV_KIND_REQUEST && strncmp(name, "request-", 8) == 0,
	    "a request's name");
	tap_ok(rdv_name(name, 38, RDV_KIND_OFFER, m.conn) == -1,
	    "no name into too small a buffer");
	{
		static const char *const notours[] = {
			"pending-000102030405060708090a0b0c0d0e0f.bin",
			"offer-000102030405060708090a0b0c0d0e0f.bin",
			"offer-000102030405060708090A0B0C0D0E0F",
			"offer-000102030405060708090a0b0c0d0e0",
			"offer-000102030405060708090a0b0c0d0e0f0",
			"offer-00010203040506070809xa0b0c0d0e0f",
			"Offer-000102030405060708090a0b0c0d0e0f",
			"answer-000102030405060708090a0b0c0d0e0f",
			"offer-",
			"",
		};
		int	 refused = 1;

		for (i = 0; i < sizeof(notours) / sizeof(notours[0]); i++)
			if (rdv_name_parse(notours[i], &kind, id) != -1) {
				tap_okf(0, "\"%s\" taken for ours",
				    notours[i]);
				refused = 0;
			}
		tap_ok(refused, "names of other formats are not ours");
	}
	return tap_done();
}
