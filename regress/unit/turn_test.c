/*
 * Unit tests for the TURN client: the codec (RFC 5769 long-term
 * credential vector, Allocate with and without integrity, responses,
 * ChannelData framing and demultiplexing) and one pass of the client
 * against a scripted server, through a stub udp_send().
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "clawd.h"
#include "clawd_imsg.h"
#include "util.h"
#include "stun.h"
#include "turn.h"
#include "netengine.h"
#include "tap.h"

/* RFC 5769 section 2.4: request with long-term authentication. */
static const char rfc5769_lt[] =
    "000100602112a44278ad3433c6ad72c029da412e"
    "00060012e3839ee38388e383aae38383e382afe382b90000"
    "0015001c662f2f3439396b39353464364f4c33346f4c394653547679363473"
    "41"
    "0014000b6578616d706c652e6f726700"
    "00080014f67024656dd64a3e02b8e0712e85c9a28ca89666";
static const char lt_user[] = "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa"
    "\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9";	/* SASLprep'd */

/* What the stub "sent", and what was delivered. */
static uint8_t			 sent[2048];
static size_t			 sent_len;
static struct sockaddr_storage	 sent_to;
static int			 nsent;
static uint8_t			 got[2048];
static size_t			 got_len;
static struct sockaddr_storage	 got_from;

int
udp_send(const struct sockaddr *to, const void *buf, size_t len)
{
	if (len > sizeof(sent))
		return -1;
	memcpy(sent, buf, len);
	sent_len = len;
	memcpy(&sent_to, to, sa_len(to));
	nsent++;
	return 0;
}

static void
deliver(uint8_t *p, size_t len, const struct sockaddr *peer)
{
	if (len > sizeof(got))
		len = sizeof(got);
	memcpy(got, p, len);
	got_len = len;
	memcpy(&got_from, peer, sa_len(peer));
}

static void
sin_set(struct sockaddr_in *sin, const char *a, uint16_t port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	inet_pton(AF_INET, a, &sin->sin_addr);
}

/*
 * A response as a server would write it, attribute by attribute;
 * signed with OpenSSL's one-shot HMAC, independently of turn.c.
 */
struct msgw {
	uint8_t	 b[1024];
	size_t	 off;
};

static void
w_start(struct msgw *w, uint16_t type, const uint8_t *tid)
{
	memset(w, 0, sizeof(*w));
	be16_put(w->b, type);
	be32_put(w->b + 4, STUN_COOKIE);
	memcpy(w->b + 8, tid, STUN_TID_LEN);
	w->off = STUN_HDR_LEN;
}

static void
w_attr(struct msgw *w, uint16_t type, const void *v, size_t len)
{
	be16_put(w->b + w->off, type);
	be16_put(w->b + w->off + 2, len);
	memcpy(w->b + w->off + 4, v, len);
	w->off += 4 + ((len + 3) & ~(size_t)3);
	be16_put(w->b + 2, w->off - STUN_HDR_LEN);
}

static void
w_xaddr(struct msgw *w, uint16_t type, const char *a, uint16_t port)
{
	uint8_t	 v[8];
	size_t	 i;

	v[0] = 0;
	v[1] = 1;
	be16_put(v + 2, port ^ (STUN_COOKIE >> 16));
	inet_pton(AF_INET, a, v + 4);
	for (i = 0; i < 4; i++)
		v[4 + i] ^= w->b[4 + i];
	w_attr(w, type, v, 8);
}

static void
w_sign(struct msgw *w, const uint8_t *key)
{
	uint8_t		 mac[20];
	unsigned int	 len = sizeof(mac);

	be16_put(w->b + 2, w->off + 24 - STUN_HDR_LEN);
	HMAC(EVP_sha1(), key, TURN_KEY_LEN, w->b, w->off, mac, &len);
	w_attr(w, STUN_ATTR_MESSAGE_INTEGRITY, mac, sizeof(mac));
}

static void
test_rfc5769(void)
{
	uint8_t			 vec[256], buf[256], key[TURN_KEY_LEN];
	uint8_t			 tid[STUN_TID_LEN];
	struct turn_attrs	 a;
	struct stun_msg		 m;
	size_t			 len;
	ssize_t			 n;

	len = tap_unhex(vec, sizeof(vec), rfc5769_lt);
	tap_ok(len == 116, "rfc5769 2.4: vector decoded");
	tap_ok(turn_key(lt_user, "example.org", "TheMatrIX", key) == 0 &&
	    tap_eqhex(key, sizeof(key), "e8ca7ad59d5eb0518e312911d2dab2a9"),
	    "rfc5769 2.4: long-term key MD5(user:realm:pass)");
	tap_ok(stun_parse(vec, len, &m) == 0 &&
	    (m.have & STUN_HAVE_INTEGRITY) && m.integrity_off == 92,
	    "rfc5769 2.4: parses, integrity at 92");
	tap_ok(turn_integrity_ok(vec, len, &m, key),
	    "rfc5769 2.4: MESSAGE-INTEGRITY verifies");
	vec[30] ^= 1;
	tap_ok(!turn_integrity_ok(vec, len, &m, key),
	    "rfc5769 2.4: one flipped bit fails");
	vec[30] ^= 1;
	key[0] ^= 1;
	tap_ok(!turn_integrity_ok(vec, len, &m, key),
	    "rfc5769 2.4: wrong key fails");
	key[0] ^= 1;

	/* Our builder makes the very same bytes. */
	memcpy(tid, vec + 8, sizeof(tid));
	memset(&a, 0, sizeof(a));
	a.username = lt_user;
	a.realm = "example.org";
	a.nonce = "f//499k954d6OL34oL9FSTvy64sA";
	a.key = key;
	n = turn_build(buf, sizeof(buf), STUN_METHOD_BINDING,
	    STUN_CLASS_REQUEST, tid, &a);
	tap_ok(n == (ssize_t)len && memcmp(buf, vec, len) == 0,
	    "rfc5769 2.4: turn_build reproduces the vector");
}

static void
test_allocate(void)
{
	uint8_t			 buf[STUN_MSG_MAX], key[TURN_KEY_LEN];
	uint8_t			 tid[STUN_TID_LEN];
	struct turn_attrs	 a;
	struct stun_msg		 m;
	ssize_t			 n;

	memset(tid, 0x5a, sizeof(tid));
	memset(&a, 0, sizeof(a));
	a.want = TURN_A_TRANSPORT | TURN_A_LIFETIME | TURN_A_FINGERPRINT;
	a.lifetime = 600;
	n = turn_build(buf, sizeof(buf), STUN_METHOD_ALLOCATE,
	    STUN_CLASS_REQUEST, tid, &a);
	tap_ok(n == 44, "allocate: 44 bytes unsigned");
	tap_ok(n > 0 && tap_eqhex(buf, 8, "000300182112a442") &&
	    tap_eqhex(buf + 20, 8, "0019000411000000") &&
	    tap_eqhex(buf + 28, 8, "000d000400000258"),
	    "allocate: header, REQUESTED-TRANSPORT udp, LIFETIME 600");
	tap_ok(stun_parse(buf, n, &m) == 0 &&
	    m.method == STUN_METHOD_ALLOCATE &&
	    m.class == STUN_CLASS_REQUEST &&
	    (m.have & STUN_HAVE_FINGERPRINT) && m.lifetime == 600 &&
	    m.nunknown == 0 && !(m.have & STUN_HAVE_INTEGRITY),
	    "allocate: parses back, fingerprint good, nothing unknown");

	turn_key("1700000000:clawd", "clawlab.test", "c2VjcmV0", key);
	a.username = "1700000000:clawd";
	a.realm = "clawlab.test";
	a.nonce = "0123456789abcdef";
	a.key = key;
	n = turn_build(buf, sizeof(buf), STUN_METHOD_ALLOCATE,
	    STUN_CLASS_REQUEST, tid, &a);
	tap_ok(n > 44 && stun_parse(buf, n, &m) == 0 &&
	    (m.have & STUN_HAVE_FINGERPRINT) &&
	    (m.have & STUN_HAVE_INTEGRITY) &&
	    strcmp(m.realm, "clawlab.test") == 0 &&
	    strcmp(m.nonce, "0123456789abcdef") == 0,
	    "allocate signed: parses, fingerprint after integrity");
	tap_ok(n > 0 && turn_integrity_ok(buf, n, &m, key),
	    "allocate signed: integrity verifies");
	tap_ok(turn_build(buf, 60, STUN_METHOD_ALLOCATE, STUN_CLASS_REQUEST,
	    tid, &a) == -1, "allocate signed: short buffer refused");
	a.nonce = NULL;
	tap_ok(turn_build(buf, sizeof(buf), STUN_METHOD_ALLOCATE,
	    STUN_CLASS_REQUEST, tid, &a) == -1,
	    "allocate: username without nonce refused");
}

static void
test_responses(void)
{
	struct msgw		 w;
	struct stun_msg		 m;
	struct sockaddr_in	*sin;
	uint8_t			 tid[STUN_TID_LEN], v[8];
	char			 ip[INET_ADDRSTRLEN];

	memset(tid, 0x11, sizeof(tid));
	w_start(&w, 0x0103, tid);	/* Allocate success */
	w_xaddr(&w, STUN_ATTR_XOR_RELAYED_ADDRESS, "203.0.113.1", 49152);
	be32_put(v, 600);
	w_attr(&w, STUN_ATTR_LIFETIME, v, 4);
	w_xaddr(&w, STUN_ATTR_XOR_MAPPED_ADDRESS, "203.0.113.11", 40000);
	tap_ok(stun_parse(w.b, w.off, &m) == 0 &&
	    m.method == STUN_METHOD_ALLOCATE &&
	    m.class == STUN_CLASS_SUCCESS &&
	    (m.have & STUN_HAVE_RELAYED) && m.lifetime == 600 &&
	    m.nunknown == 0, "allocate success: parses");
	sin = (struct sockaddr_in *)&m.relayed;
	inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
	tap_okf(strcmp(ip, "203.0.113.1") == 0 &&
	    ntohs(sin->sin_port) == 49152,
	    "allocate success: relayed %s:%u", ip, ntohs(sin->sin_port));
	sin = (struct sockaddr_in *)&m.xor_mapped;
	tap_ok(ntohs(sin->sin_port) == 40000, "allocate success: mapped");

	w_start(&w, 0x0113, tid);	/* Allocate error */
	memset(v, 0, sizeof(v));
	v[2] = 4;
	v[3] = 1;
	memcpy(v + 4, "Unau", 4);
	w_attr(&w, STUN_ATTR_ERROR_CODE, v, 8);
	w_attr(&w, STUN_ATTR_REALM, "clawlab.test", 12);
	w_attr(&w, STUN_ATTR_NONCE, "a1b2c3d4e5", 10);
	tap_ok(stun_parse(w.b, w.off, &m) == 0 &&
	    m.class == STUN_CLASS_ERROR && m.error_code == 401 &&
	    (m.have & STUN_HAVE_REALM) && (m.have & STUN_HAVE_NONCE) &&
	    strcmp(m.realm, "clawlab.test") == 0 &&
	    strcmp(m.nonce, "a1b2c3d4e5") == 0,
	    "401: error code, realm and nonce");
	w_attr(&w, STUN_ATTR_REALM, "x", 1);	/* second one ignored */
	tap_ok(stun_parse(w.b, w.off, &m) == 0 &&
	    strcmp(m.realm, "clawlab.test") == 0, "401: first REALM kept");

	w_start(&w, 0x0113, tid);
	w_attr(&w, STUN_ATTR_NONCE, "bad\nnonce", 9);
	tap_ok(stun_parse(w.b, w.off, &m) == -1,
	    "nonce with a control character rejected");

	/* Binding keeps its old view: TURN attributes are unknown. */
	w_start(&w, 0x0101, tid);
	w_xaddr(&w, STUN_ATTR_XOR_RELAYED_ADDRESS, "203.0.113.1", 1);
	tap_ok(stun_parse(w.b, w.off, &m) == 0 && m.nunknown == 1 &&
	    m.unknown[0] == STUN_ATTR_XOR_RELAYED_ADDRESS &&
	    !(m.have & STUN_HAVE_RELAYED),
	    "binding: XOR-RELAYED-ADDRESS still unknown");

	w_start(&w, 0x0103, tid);
	w_attr(&w, STUN_ATTR_LIFETIME, v, 3);
	tap_ok(stun_parse(w.b, w.off, &m) == -1, "short LIFETIME rejected");
}

static void
test_channel(void)
{
	uint8_t			 buf[64];
	uint8_t			 tid[STUN_TID_LEN];
	struct turn_attrs	 a;
	struct sockaddr_in	 peer, *p;
	struct stun_msg		 m;
	uint16_t		 ch;
	size_t			 dlen;
	ssize_t			 n;

	turn_channel_header(buf, 0x4001, 5);
	memcpy(buf + 4, "hello", 5);
	tap_ok(tap_eqhex(buf, 4, "40010005"), "channeldata: header");
	tap_ok(turn_channel_parse(buf, 9, &ch, &dlen) == 0 &&
	    ch == 0x4001 && dlen == 5, "channeldata: parses unpadded");
	tap_ok(turn_channel_parse(buf, 12, &ch, &dlen) == 0 && dlen == 5,
	    "channeldata: padding to 4 accepted");
	tap_ok(turn_channel_parse(buf, 13, &ch, &dlen) == -1,
	    "channeldata: more than padding rejected");
	tap_ok(turn_channel_parse(buf, 8, &ch, &dlen) == -1,
	    "channeldata: truncated rejected");
	buf[0] = 0x7f;
	tap_ok(turn_is_channel_data(buf, 9), "demux: 0x7f is channeldata");
	buf[0] = 0x00;
	tap_ok(!turn_is_channel_data(buf, 9), "demux: STUN 0x00 is not");
	buf[0] = 0x01;
	tap_ok(!turn_is_channel_data(buf, 9), "demux: 0x01 is not");
	memcpy(buf, "\x04\x00\x00\x00", 4);
	tap_ok(!turn_is_channel_data(buf, 9), "demux: WireGuard 4 is not");
	buf[0] = 0xc1;
	tap_ok(!turn_is_channel_data(buf, 9), "demux: probe 0xc1 is not");
	buf[0] = 0x80;
	tap_ok(!turn_is_channel_data(buf, 9), "demux: 0x80 is not");
	tap_ok(!turn_is_channel_data(buf, 3), "demux: 3 bytes is not");

	/* A Send indication, read back as the server would. */
	sin_set(&peer, "203.0.113.12", 51820);
	memset(tid, 7, sizeof(tid));
	memset(&a, 0, sizeof(a));
	a.want = TURN_A_PEER | TURN_A_DATA;
	a.peer = (struct sockaddr *)&peer;
	a.data = (const uint8_t *)"abc";
	a.data_len = 3;
	n = turn_build(buf, sizeof(buf), STUN_METHOD_SEND,
	    STUN_CLASS_INDICATION, tid, &a);
	p = (struct sockaddr_in *)&m.peer;
	tap_ok(n == 40 && be16_get(buf) == 0x0016 &&
	    stun_parse(buf, n, &m) == 0 &&
	    m.class == STUN_CLASS_INDICATION &&
	    m.method == STUN_METHOD_SEND &&
	    (m.have & STUN_HAVE_PEER) && m.data_len == 3 &&
	    memcmp(m.data, "abc", 3) == 0 &&
	    p->sin_addr.s_addr == peer.sin_addr.s_addr &&
	    p->sin_port == peer.sin_port,
	    "send indication: peer and data round trip");
	a.want |= TURN_A_CHANNEL;
	a.channel = 0x3fff;
	tap_ok(turn_build(buf, sizeof(buf), STUN_METHOD_CHANNEL_BIND,
	    STUN_CLASS_REQUEST, tid, &a) == -1,
	    "channel bind: channel 0x3fff refused");
}

/* The client against a scripted server. */
static void
test_client(void)
{
	struct imsg_conf_turn	 ic;
	struct sockaddr_in	 srv, peer, other;
	struct sockaddr_storage	 rel;
	struct stun_msg		 m;
	struct turn_counters	 c;
	struct msgw		 w;
	struct timeval		 tv = { 1, 200000 };
	uint8_t			 key[TURN_KEY_LEN], v[8], tid[STUN_TID_LEN];
	const char		*user = "1900000000:clawd", *pass = "cGFzcw==";

	event_init();
	sin_set(&srv, "203.0.113.1", 3478);
	sin_set(&peer, "203.0.113.12", 40001);
	sin_set(&other, "203.0.113.2", 3478);
	memset(&ic, 0, sizeof(ic));
	strlcpy(ic.name, "203.0.113.1", sizeof(ic.name));
	memcpy(&ic.ss, &srv, sizeof(srv));
	strlcpy(ic.username, user, sizeof(ic.username));
	strlcpy(ic.password, pass, sizeof(ic.password));
	turn_socket_changed();
	turn_conf_start();
	turn_conf_add(&ic);
	turn_conf_end();

	tap_ok(nsent == 1 && stun_parse(sent, sent_len, &m) == 0 &&
	    m.method == STUN_METHOD_ALLOCATE &&
	    !(m.have & STUN_HAVE_INTEGRITY) &&
	    sa_equal((struct sockaddr *)&sent_to, (struct sockaddr *)&srv),
	    "client: unsigned Allocate to the server");
	memcpy(tid, m.tid, sizeof(tid));

	/* From elsewhere: not ours to take. */
	w_start(&w, 0x0113, tid);
	tap_ok(turn_input(w.b, w.off, (struct sockaddr *)&other,
	    deliver) == 0, "client: other source ignored");

	memset(v, 0, sizeof(v));
	v[2] = 4;
	v[3] = 1;
	w_attr(&w, STUN_ATTR_ERROR_CODE, v, 4);
	w_attr(&w, STUN_ATTR_REALM, "clawlab.test", 12);
	w_attr(&w, STUN_ATTR_NONCE, "n0nce", 5);
	tap_ok(turn_input(w.b, w.off, (struct sockaddr *)&srv,
	    deliver) == 1 && nsent == 2, "client: 401 taken, request again");
	turn_key(user, "clawlab.test", pass, key);
	tap_ok(stun_parse(sent, sent_len, &m) == 0 &&
	    m.method == STUN_METHOD_ALLOCATE &&
	    memcmp(m.tid, tid, sizeof(tid)) != 0 &&
	    turn_integrity_ok(sent, sent_len, &m, key),
	    "client: signed Allocate, new transaction id");
	memcpy(tid, m.tid, sizeof(tid));

	/* A success that is not signed with the key: dropped. */
	w_start(&w, 0x0103, tid);
	w_xaddr(&w, STUN_ATTR_XOR_RELAYED_ADDRESS, "203.0.113.1", 50000);
	turn_input(w.b, w.off, (struct sockaddr *)&srv, deliver);
	tap_ok(turn_relayed(&rel) == -1, "client: unsigned success dropped");
	w_sign(&w, key);
	turn_input(w.b, w.off, (struct sockaddr *)&srv, deliver);
	tap_ok(turn_relayed(&rel) == 0 &&
	    ntohs(((struct sockaddr_in *)&rel)->sin_port) == 50000,
	    "client: signed success, relayed address");
	turn_input(w.b, w.off, (struct sockaddr *)&srv, deliver);
	turn_get_counters(&c);
	tap_ok(c.unmatched == 1 && c.auth_failed == 1,
	    "client: replay unmatched, forgery counted");

	tap_ok(turn_send((struct sockaddr *)&peer, "x", 1) == -1,
	    "client: no send before a permission");
	turn_permit((struct sockaddr *)&peer);
	tap_ok(stun_parse(sent, sent_len, &m) == 0 &&
	    m.method == STUN_METHOD_CREATE_PERMISSION &&
	    turn_integrity_ok(sent, sent_len, &m, key) &&
	    sa_equal((struct sockaddr *)&m.peer, (struct sockaddr *)&peer),
	    "client: signed CreatePermission for the peer");
	/* 438: the same request again, signed, with the new nonce. */
	w_start(&w, 0x0118, m.tid);
	memset(v, 0, sizeof(v));
	v[2] = 4;
	v[3] = 38;
	w_attr(&w, STUN_ATTR_ERROR_CODE, v, 4);
	w_attr(&w, STUN_ATTR_NONCE, "n0nce2", 6);
	w_sign(&w, key);
	turn_input(w.b, w.off, (struct sockaddr *)&srv, deliver);
	tap_ok(stun_parse(sent, sent_len, &m) == 0 &&
	    m.method == STUN_METHOD_CREATE_PERMISSION &&
	    strcmp(m.nonce, "n0nce2") == 0 &&
	    strcmp(m.realm, "clawlab.test") == 0 &&
	    turn_integrity_ok(sent, sent_len, &m, key),
	    "client: 438 stale nonce, sent again with the new one");
	w_start(&w, 0x0108, m.tid);
	w_sign(&w, key);
	turn_input(w.b, w.off, (struct sockaddr *)&srv, deliver);
	tap_ok(turn_permitted((struct sockaddr *)&peer) == 1,
	    "client: permitted");
	tap_ok(turn_send((struct sockaddr *)&peer, "ping", 4) == 0 &&
	    stun_parse(sent, sent_len, &m) == 0 &&
	    m.method == STUN_METHOD_SEND && m.data_len == 4 &&
	    memcmp(m.data, "ping", 4) == 0, "client: Send indication");

	w_start(&w, 0x0017, tid);	/* Data indication */
	w_xaddr(&w, STUN_ATTR_XOR_PEER_ADDRESS, "203.0.113.12", 40001);
	w_attr(&w, STUN_ATTR_DATA, "pong", 4);
	tap_ok(turn_input(w.b, w.off, (struct sockaddr *)&srv,
	    deliver) == 1 && got_len == 4 && memcmp(got, "pong", 4) == 0 &&
	    sa_equal((struct sockaddr *)&got_from, (struct sockaddr *)&peer),
	    "client: Data indication delivered from the peer");
	w_start(&w, 0x0017, tid);
	w_xaddr(&w, STUN_ATTR_XOR_PEER_ADDRESS, "203.0.113.99", 40001);
	w_attr(&w, STUN_ATTR_DATA, "evil", 4);
	got_len = 0;
	turn_input(w.b, w.off, (struct sockaddr *)&srv, deliver);
	tap_ok(got_len == 0, "client: Data from an unpermitted peer dropped");

	/* Channels: bound by the next tick. */
	turn_use_channels(1);
	event_loopexit(&tv);
	event_dispatch();
	tap_ok(stun_parse(sent, sent_len, &m) == 0 &&
	    m.method == STUN_METHOD_CHANNEL_BIND &&
	    m.channel == TURN_CHANNEL_MIN &&
	    turn_integrity_ok(sent, sent_len, &m, key),
	    "client: signed ChannelBind on the tick");
	w_start(&w, 0x0109, m.tid);
	w_sign(&w, key);
	turn_input(w.b, w.off, (struct sockaddr *)&srv, deliver);
	tap_ok(turn_permitted((struct sockaddr *)&peer) == 2 &&
	    turn_send((struct sockaddr *)&peer, "ping", 4) == 0 &&
	    sent_len == 8 && tap_eqhex(sent, 8, "4000000470696e67"),
	    "client: bound, ChannelData out");
	memcpy(w.b, "\x40\x00\x00\x04pong", 8);
	got_len = 0;
	tap_ok(turn_input(w.b, 8, (struct sockaddr *)&srv, deliver) == 1 &&
	    got_len == 4 && memcmp(got, "pong", 4) == 0 &&
	    sa_equal((struct sockaddr *)&got_from, (struct sockaddr *)&peer),
	    "client: ChannelData in, from the peer");
	memcpy(w.b, "\x40\x05\x00\x04pong", 8);
	got_len = 0;
	turn_input(w.b, 8, (struct sockaddr *)&srv, deliver);
	tap_ok(got_len == 0, "client: unknown channel dropped");

	/* A Binding response from the same server goes to STUN. */
	w_start(&w, 0x0101, tid);
	tap_ok(turn_input(w.b, w.off, (struct sockaddr *)&srv,
	    deliver) == 0, "client: Binding left to the STUN client");
	turn_shutdown();
	tap_ok(stun_parse(sent, sent_len, &m) == 0 &&
	    m.method == STUN_METHOD_REFRESH && m.lifetime == 0,
	    "client: shutdown sends Refresh 0");
}

int
main(void)
{
	test_rfc5769();
	test_allocate();
	test_responses();
	test_channel();
	test_client();
	return tap_done();
}
