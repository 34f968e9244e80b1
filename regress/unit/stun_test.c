/*
 * Unit tests for the STUN codec: the RFC 5769 test vectors, round
 * trips of what we build, and malformed input that must be rejected.
 * Prints TAP-style "ok N - ..." lines; exits 0 only if all pass.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stun.h"
#include "tap.h"

/* RFC 5769 section 2.1: sample request (ICE, with MESSAGE-INTEGRITY). */
static const uint8_t rfc5769_req[] = {
	0x00, 0x01, 0x00, 0x58, 0x21, 0x12, 0xa4, 0x42,
	0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
	0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x10,
	0x53, 0x54, 0x55, 0x4e, 0x20, 0x74, 0x65, 0x73,
	0x74, 0x20, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74,
	0x00, 0x24, 0x00, 0x04, 0x6e, 0x00, 0x01, 0xff,
	0x80, 0x29, 0x00, 0x08, 0x93, 0x2f, 0xf9, 0xb1,
	0x51, 0x26, 0x3b, 0x36, 0x00, 0x06, 0x00, 0x09,
	0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68, 0x36, 0x76,
	0x59, 0x20, 0x20, 0x20, 0x00, 0x08, 0x00, 0x14,
	0x9a, 0xea, 0xa7, 0x0c, 0xbf, 0xd8, 0xcb, 0x56,
	0x78, 0x1e, 0xf2, 0xb5, 0xb2, 0xd3, 0xf2, 0x49,
	0xc1, 0xb5, 0x71, 0xa2, 0x80, 0x28, 0x00, 0x04,
	0xe5, 0x7a, 0x3b, 0xcf
};

/* RFC 5769 section 2.2: sample IPv4 response. */
static const uint8_t rfc5769_resp4[] = {
	0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42,
	0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
	0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b,
	0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
	0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x08,
	0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
	0x00, 0x08, 0x00, 0x14, 0x2b, 0x91, 0xf5, 0x99,
	0xfd, 0x9e, 0x90, 0xc3, 0x8c, 0x74, 0x89, 0xf9,
	0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7,
	0x80, 0x28, 0x00, 0x04, 0xc0, 0x7d, 0x4c, 0x96
};

/* RFC 5769 section 2.3: sample IPv6 response. */
static const uint8_t rfc5769_resp6[] = {
	0x01, 0x01, 0x00, 0x48, 0x21, 0x12, 0xa4, 0x42,
	0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
	0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b,
	0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
	0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x14,
	0x00, 0x02, 0xa1, 0x47, 0x01, 0x13, 0xa9, 0xfa,
	0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25, 0xf4, 0xb5,
	0xbe, 0xd2, 0xb9, 0xd9, 0x00, 0x08, 0x00, 0x14,
	0xa3, 0x82, 0x95, 0x4e, 0x4b, 0xe6, 0x7b, 0xf1,
	0x17, 0x84, 0xc9, 0x7c, 0x82, 0x92, 0xc2, 0x75,
	0xbf, 0xe3, 0xed, 0x41, 0x80, 0x28, 0x00, 0x04,
	0xc8, 0xfb, 0x0b, 0x4c
};

static const uint8_t rfc5769_tid[STUN_TID_LEN] = {
	0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
	0xfa, 0x87, 0xdf, 0xae
};

static int
is_addr(const struct sockaddr *sa, const char *addr, uint16_t port)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	struct in_addr			 a4;
	struct in6_addr			 a6;

	if (sa == NULL)
		return 0;
	if (inet_pton(AF_INET, addr, &a4) == 1) {
		sin = (const struct sockaddr_in *)sa;
		return sa->sa_family == AF_INET &&
		    sin->sin_addr.s_addr == a4.s_addr &&
		    ntohs(sin->sin_port) == port;
	}
	if (inet_pton(AF_INET6, addr, &a6) == 1) {
		sin6 = (const struct sockaddr_in6 *)sa;
		return sa->sa_family == AF_INET6 &&
		    memcmp(&sin6->sin6_addr, &a6, sizeof(a6)) == 0 &&
		    ntohs(sin6->sin6_port) == port;
	}
	return 0;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* Recompute the fingerprint of a message we edited. */
static void
refinger(uint8_t *buf, size_t len)
{
	uint32_t	 crc;

	crc = stun_crc32(buf, len - 8) ^ STUN_FINGERPRINT_XOR;
	buf[len - 4] = crc >> 24;
	buf[len - 3] = (crc >> 16) & 0xff;
	buf[len - 2] = (crc >> 8) & 0xff;
	buf[len - 1] = crc & 0xff;
}

static void
test_vectors(void)
{
	struct stun_msg	 m;
	uint8_t		 buf[sizeof(rfc5769_req)];

	tap_ok(stun_crc32((const uint8_t *)"123456789", 9) == 0xcbf43926,
	    "crc32 check value");

	tap_ok(stun_is_message(rfc5769_req, sizeof(rfc5769_req)),
	    "rfc5769 2.1 is a STUN message");
	tap_ok(stun_parse(rfc5769_req, sizeof(rfc5769_req), &m) == 0,
	    "rfc5769 2.1 parses");
	tap_ok(m.class == STUN_CLASS_REQUEST &&
	    m.method == STUN_METHOD_BINDING, "rfc5769 2.1 binding request");
	tap_ok(memcmp(m.tid, rfc5769_tid, STUN_TID_LEN) == 0,
	    "rfc5769 2.1 transaction id");
	tap_ok((m.have & STUN_HAVE_FINGERPRINT) &&
	    (m.have & STUN_HAVE_INTEGRITY), "rfc5769 2.1 fingerprint ok");
	tap_ok(strcmp(m.software, "STUN test client") == 0,
	    "rfc5769 2.1 software");
	/* PRIORITY (0x0024) is an ICE attribute we do not know. */
	tap_ok(m.nunknown == 1 && m.unknown[0] == 0x0024,
	    "rfc5769 2.1 unknown comprehension-required noted");

	memcpy(buf, rfc5769_req, sizeof(buf));
	buf[sizeof(buf) - 1] ^= 0x01;
	tap_ok(stun_parse(buf, sizeof(buf), &m) == -1,
	    "rfc5769 2.1 corrupted fingerprint rejected");
	memcpy(buf, rfc5769_req, sizeof(buf));
	buf[30] ^= 0x20;		/* inside SOFTWARE */
	tap_ok(stun_parse(buf, sizeof(buf), &m) == -1,
	    "rfc5769 2.1 corrupted body rejected");

	tap_ok(stun_parse(rfc5769_resp4, sizeof(rfc5769_resp4), &m) == 0,
	    "rfc5769 2.2 parses");
	tap_ok(m.class == STUN_CLASS_SUCCESS &&
	    m.method == STUN_METHOD_BINDING &&
	    (m.have & STUN_HAVE_FINGERPRINT),
	    "rfc5769 2.2 success, fingerprint");
	tap_ok(is_addr(stun_mapped(&m), "192.0.2.1", 32853),
	    "rfc5769 2.2 xor-mapped 192.0.2.1:32853");
	tap_ok(strcmp(m.software, "test vector") == 0,
	    "rfc5769 2.2 software");

	tap_ok(stun_parse(rfc5769_resp6, sizeof(rfc5769_resp6), &m) == 0,
	    "rfc5769 2.3 parses");
	tap_ok(is_addr(stun_mapped(&m),
	    "2001:db8:1234:5678:11:2233:4455:6677", 32853),
	    "rfc5769 2.3 xor-mapped [2001:db8:1234:5678:11:2233:4455:6677]"
	    ":32853");
}

static void
test_build(void)
{
	struct stun_msg	 m;
	uint8_t		 buf[STUN_MSG_MAX], tid[STUN_TID_LEN];
	ssize_t		 n;
	size_t		 i;
	char		 big[200];

	for (i = 0; i < sizeof(tid); i++)
		tid[i] = (uint8_t)(i * 37 + 1);

	n = stun_build_binding(buf, sizeof(buf), tid, NULL);
	tap_ok(n == 28, "plain binding request is 28 bytes");
	tap_ok(n > 0 && stun_is_message(buf, n), "built request demuxes");
	tap_ok(n > 0 && stun_parse(buf, n, &m) == 0 &&
	    m.class == STUN_CLASS_REQUEST &&
	    m.method == STUN_METHOD_BINDING &&
	    memcmp(m.tid, tid, sizeof(tid)) == 0 &&
	    m.have == STUN_HAVE_FINGERPRINT, "built request parses back");

	n = stun_build_binding(buf, sizeof(buf), tid, "clawd");
	tap_ok(n == 40 && stun_parse(buf, n, &m) == 0 &&
	    strcmp(m.software, "clawd") == 0 &&
	    (m.have & STUN_HAVE_FINGERPRINT), "request with software");
	buf[n - 2] ^= 0x80;
	tap_ok(stun_parse(buf, n, &m) == -1, "bad fingerprint rejected");

	n = stun_build_binding_change(buf, sizeof(buf), tid, NULL,
	    STUN_CHANGE_IP | STUN_CHANGE_PORT);
	tap_ok(n == 36 && stun_parse(buf, n, &m) == 0 &&
	    (m.have & STUN_HAVE_CHANGE) &&
	    m.change == (STUN_CHANGE_IP | STUN_CHANGE_PORT),
	    "change-request round trip");
	tap_ok(stun_build_binding_change(buf, sizeof(buf), tid, NULL, 0x01) ==
	    -1, "bad change flags refused");

	tap_ok(stun_build_binding(buf, 27, tid, NULL) == -1,
	    "short buffer refused");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	tap_ok(stun_build_binding(buf, sizeof(buf), tid, big) == -1,
	    "over-long software refused");
}

static void
test_malformed(void)
{
	struct stun_msg	 m;
	uint8_t		 buf[256], tid[STUN_TID_LEN] = { 0 };
	ssize_t		 n;
	size_t		 len, i;
	int		 ok;

	/* Every truncation of a valid message is rejected. */
	ok = 1;
	for (len = 0; len < sizeof(rfc5769_resp4); len++) {
		if (stun_is_message(rfc5769_resp4, len) ||
		    stun_parse(rfc5769_resp4, len, &m) != -1)
			ok = 0;
	}
	tap_ok(ok, "truncated messages rejected");
	tap_ok(stun_parse(NULL, 0, &m) == -1, "NULL rejected");

	/* Length field not matching the datagram, or not a multiple of 4. */
	memcpy(buf, rfc5769_resp4, sizeof(rfc5769_resp4));
	put16(buf + 2, 0x40);
	tap_ok(stun_parse(buf, sizeof(rfc5769_resp4), &m) == -1,
	    "length field too large rejected");
	put16(buf + 2, 0x3a);
	tap_ok(stun_parse(buf, sizeof(rfc5769_resp4) - 2, &m) == -1,
	    "odd message length rejected");
	memcpy(buf, rfc5769_resp4, sizeof(rfc5769_resp4));
	buf[0] |= 0x80;
	tap_ok(!stun_is_message(buf, sizeof(rfc5769_resp4)),
	    "top bits set rejected");
	memcpy(buf, rfc5769_resp4, sizeof(rfc5769_resp4));
	buf[5] ^= 1;
	tap_ok(!stun_is_message(buf, sizeof(rfc5769_resp4)),
	    "bad cookie rejected");

	/* An attribute running past the end. */
	n = stun_build_binding(buf, sizeof(buf), tid, "abcd");
	put16(buf + 22, 0x10);		/* SOFTWARE length 4 -> 16 */
	tap_ok(stun_parse(buf, n, &m) == -1, "attribute past the end rejected");
	put16(buf + 22, 5);		/* 5 + pad 3 = 8 > 4 present */
	tap_ok(stun_parse(buf, n, &m) == -1,
	    "padding past the end rejected");

	/* Anything after FINGERPRINT. */
	n = stun_build_binding(buf, sizeof(buf), tid, NULL);
	memset(buf + n, 0, 4);
	put16(buf + 2, n - STUN_HDR_LEN + 4);
	tap_ok(stun_parse(buf, n + 4, &m) == -1,
	    "attribute after fingerprint rejected");

	/* Unpadded attribute at the end (length not a multiple of 4). */
	memset(buf, 0, sizeof(buf));
	n = stun_build_binding(buf, sizeof(buf), tid, NULL);
	buf[1] = 0x01;			/* make it a success response */
	buf[n - 8] = 0x80;		/* FINGERPRINT -> SOFTWARE, len 4 */
	buf[n - 7] = 0x22;
	put16(buf + n - 6, 3);		/* 3 + 1 pad: fine */
	tap_ok(stun_parse(buf, n, &m) == 0, "padded odd attribute accepted");
	put16(buf + n - 6, 6);		/* 6 + 2 pad: 8 > 4 */
	tap_ok(stun_parse(buf, n, &m) == -1, "short padding rejected");

	/* Bad address families and lengths. */
	memcpy(buf, rfc5769_resp4, sizeof(rfc5769_resp4));
	buf[41] = 0x03;			/* family */
	refinger(buf, sizeof(rfc5769_resp4));
	tap_ok(stun_parse(buf, sizeof(rfc5769_resp4), &m) == -1,
	    "unknown address family rejected");
	memcpy(buf, rfc5769_resp4, sizeof(rfc5769_resp4));
	buf[41] = 0x02;			/* v6 in 8 bytes */
	refinger(buf, sizeof(rfc5769_resp4));
	tap_ok(stun_parse(buf, sizeof(rfc5769_resp4), &m) == -1,
	    "short v6 address rejected");

	/* Comprehension-optional unknown attribute skipped. */
	memcpy(buf, rfc5769_resp4, sizeof(rfc5769_resp4));
	put16(buf + 20, 0xc0de);	/* SOFTWARE -> unknown optional */
	refinger(buf, sizeof(rfc5769_resp4));
	tap_ok(stun_parse(buf, sizeof(rfc5769_resp4), &m) == 0 &&
	    m.nunknown == 0 && !(m.have & STUN_HAVE_SOFTWARE) &&
	    is_addr(stun_mapped(&m), "192.0.2.1", 32853),
	    "unknown optional attribute skipped");
	put16(buf + 20, 0x4000);
	refinger(buf, sizeof(rfc5769_resp4));
	tap_ok(stun_parse(buf, sizeof(rfc5769_resp4), &m) == 0 &&
	    m.nunknown == 1 && m.unknown[0] == 0x4000,
	    "unknown required attribute noted");

	/* An error response, MAPPED-ADDRESS, RFC 5780 attributes. */
	{
		static const uint8_t errresp[] = {
			0x01, 0x11, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42,
			0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
			0x00, 0x09, 0x00, 0x0a,	/* ERROR-CODE 420 */
			0x00, 0x00, 0x04, 0x14, 'B', 'a', 'd', '\n',
			'x', 'y', 0x00, 0x00,
			0x00, 0x01, 0x00, 0x08,	/* MAPPED-ADDRESS */
			0x00, 0x01, 0x0d, 0x96, 198, 51, 100, 7,
			0x80, 0x2c, 0x00, 0x08,	/* OTHER-ADDRESS */
			0x00, 0x01, 0x0d, 0x97, 203, 0, 113, 2,
			0x80, 0x2b, 0x00, 0x08,	/* RESPONSE-ORIGIN */
			0x00, 0x01, 0x0d, 0x96, 203, 0, 113, 1,
			0x00, 0x03, 0x00, 0x04,	/* CHANGE-REQUEST */
			0x00, 0x00, 0x00, 0x06
		};

		tap_ok(stun_parse(errresp, sizeof(errresp), &m) == 0 &&
		    m.class == STUN_CLASS_ERROR && m.error_code == 420 &&
		    strcmp(m.error_reason, "Bad?xy") == 0,
		    "error response decoded, reason sanitised");
		tap_ok(is_addr(stun_mapped(&m), "198.51.100.7", 3478) &&
		    is_addr((struct sockaddr *)&m.other, "203.0.113.2",
		    3479) &&
		    is_addr((struct sockaddr *)&m.origin, "203.0.113.1",
		    3478) && m.change == 6,
		    "mapped, other-address, response-origin, change-request");
	}

	/* Random garbage with a valid header never crashes. */
	srandom(1);
	ok = 1;
	for (i = 0; i < 100000; i++) {
		len = STUN_HDR_LEN + 4 * (random() % 40);
		for (n = 0; (size_t)n < len; n++)
			buf[n] = random() & 0xff;
		buf[0] &= 0x3f;
		put16(buf + 2, len - STUN_HDR_LEN);
		memcpy(buf + 4, "\x21\x12\xa4\x42", 4);
		if (!stun_is_message(buf, len))
			ok = 0;
		(void)stun_parse(buf, len, &m);
	}
	tap_ok(ok, "random messages parsed without crash");
}

int
main(void)
{
	test_vectors();
	test_build();
	test_malformed();
	return tap_done();
}
