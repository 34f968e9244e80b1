/*
 * TSO splitting and GRO coalescing (netengine/offload.c): checksums
 * against a plain word-by-word reference, super-packets built the way
 * the kernel hands them split and every segment verified on its own,
 * the segments coalesced back, the cases that must not coalesce, and
 * malformed packets (run it under ASan too: buffers are allocated to
 * their exact size so that any read past the end is caught).
 *
 * Every checksum here is computed and verified by the reference code
 * in this file, never by the functions under test.
 */

#include <sys/types.h>
#include <sys/uio.h>

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "offload.h"
#include "tap.h"

#define T_FIN		0x01
#define T_SYN		0x02
#define T_RST		0x04
#define T_PSH		0x08
#define T_ACK		0x10
#define T_URG		0x20
#define T_ECE		0x40
#define T_CWR		0x80
#define MAXP		128

static uint64_t	 rng;
static uint16_t	 ipid = 0x4000;
static uint32_t	 tso_seq;	/* if set, the next tso_case()'s seq */

/* xorshift64*: reproducible runs from the seed printed at the start */
static uint32_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 2685821657736338717ULL) >> 32);
}

static uint32_t
rndn(uint32_t n)
{
	return rnd() % n;
}

static void
rndfill(uint8_t *p, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		p[i] = rnd() & 0xff;
}

static void *
xmalloc(size_t len)
{
	void	*p;

	/* malloc(0) may return NULL; ask for one byte and never use it */
	if ((p = malloc(len == 0 ? 1 : len)) == NULL) {
		perror("malloc");
		exit(1);
	}
	return p;
}

static uint8_t *
dup(const uint8_t *p, size_t len)
{
	uint8_t	*q;

	q = xmalloc(len);
	memcpy(q, p, len);
	return q;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/* RFC 1071 the slow way: word by word, folded, not complemented. */
static uint16_t
ref_sum(const uint8_t *p, size_t len, uint32_t init)
{
	uint64_t	 s = init;
	size_t		 i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* The value to store in a checksum field. */
static uint16_t
ref_csum(const uint8_t *p, size_t len, uint32_t init)
{
	return (uint16_t)(0xffff - ref_sum(p, len, init));
}

/* Pseudo-header sum of a TCP packet (protocol 6), folded. */
static uint16_t
ref_pseudo(const uint8_t *ip, int v6, size_t l4len)
{
	uint8_t	 ph[40];

	memset(ph, 0, sizeof(ph));
	if (v6) {
		memcpy(ph, ip + 8, 32);
		put32(ph + 32, (uint32_t)l4len);
		ph[39] = 6;
		return ref_sum(ph, 40, 0);
	}
	memcpy(ph, ip + 12, 8);
	ph[9] = 6;
	put16(ph + 10, (uint16_t)l4len);
	return ref_sum(ph, 12, 0);
}

static int
ip4_valid(const uint8_t *ip)
{
	return ref_sum(ip, (size_t)(ip[0] & 0x0f) * 4, 0) == 0xffff;
}

static int
tcp_valid(const uint8_t *ip, size_t len, int v6, size_t iphlen)
{
	size_t	 l4 = len - iphlen;

	return ref_sum(ip + iphlen, l4, ref_pseudo(ip, v6, l4)) == 0xffff;
}

/* What makes a TCP packet's headers; mkpkt() writes one. */
struct flow {
	int		 v6;
	uint8_t		 src[16];
	uint8_t		 dst[16];
	uint16_t	 sport;
	uint16_t	 dport;
	uint32_t	 ack;
	uint16_t	 win;
	uint8_t		 ttl;
	uint8_t		 tos;
	int		 df;
	uint32_t	 label;
	size_t		 ip4opt;	/* bytes, multiple of 4 */
	size_t		 optlen;	/* TCP option bytes */
	uint8_t		 opt[40];
};

static void
flow_init(struct flow *f, int v6, size_t optlen)
{
	static const uint8_t	 s6[16] = { 0x20, 0x01, 0x0d, 0xb8,
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	static const uint8_t	 s4[4] = { 198, 18, 0, 1 };

	memset(f, 0, sizeof(*f));
	f->v6 = v6;
	if (v6) {
		memcpy(f->src, s6, 16);
		memcpy(f->dst, s6, 16);
		f->dst[15] = 2;
	} else {
		memcpy(f->src, s4, 4);
		memcpy(f->dst, s4, 4);
		f->dst[3] = 2;
	}
	f->sport = 40000;
	f->dport = 443;
	f->ack = 0x11223344;
	f->win = 502;
	f->ttl = 64;
	f->df = 1;
	f->label = 0x12345;
	f->optlen = optlen;
	if (optlen >= 12) {
		/* NOP, NOP, timestamps */
		f->opt[0] = 1;
		f->opt[1] = 1;
		f->opt[2] = 8;
		f->opt[3] = 10;
		put32(f->opt + 4, 0xa1b2c3d4);
		put32(f->opt + 8, 0x01020304);
	}
	if (optlen > 12)
		memset(f->opt + 12, 1, optlen - 12);
}

static size_t
iphlen_of(const struct flow *f)
{
	return f->v6 ? 40 : 20 + f->ip4opt;
}

static size_t
hlen_of(const struct flow *f)
{
	return iphlen_of(f) + 20 + f->optlen;
}

static void
ip4_fix(uint8_t *ip)
{
	put16(ip + 10, 0);
	put16(ip + 10, ref_csum(ip, (size_t)(ip[0] & 0xf) * 4, 0));
}

/*
 * A TCP packet; partial leaves the checksum as the kernel does for
 * NEEDS_CSUM (the pseudo-header sum, not complemented), otherwise it
 * is complete.
 */
static size_t
mkpkt(uint8_t *out, const struct flow *f, uint16_t id, uint32_t seq,
    uint8_t flags, const uint8_t *pay, size_t paylen, int partial)
{
	size_t		 iph = iphlen_of(f), th = 20 + f->optlen;
	size_t		 len = iph + th + paylen;
	uint8_t		*tcp = out + iph;
	uint16_t	 s;

	memset(out, 0, iph + th);
	if (f->v6) {
		put32(out, 6U << 28 | (uint32_t)f->tos << 20 | f->label);
		put16(out + 4, (uint16_t)(th + paylen));
		out[6] = 6;
		out[7] = f->ttl;
		memcpy(out + 8, f->src, 16);
		memcpy(out + 24, f->dst, 16);
	} else {
		out[0] = 0x40 | (uint8_t)(iph / 4);
		out[1] = f->tos;
		put16(out + 2, (uint16_t)len);
		put16(out + 4, id);
		put16(out + 6, f->df ? 0x4000 : 0);
		out[8] = f->ttl;
		out[9] = 6;
		memcpy(out + 12, f->src, 4);
		memcpy(out + 16, f->dst, 4);
		memset(out + 20, 1, f->ip4opt);
		ip4_fix(out);
	}
	put16(tcp, f->sport);
	put16(tcp + 2, f->dport);
	put32(tcp + 4, seq);
	put32(tcp + 8, f->ack);
	tcp[12] = (uint8_t)(th / 4) << 4;
	tcp[13] = flags;
	put16(tcp + 14, f->win);
	memcpy(tcp + 20, f->opt, f->optlen);
	if (paylen > 0)
		memcpy(tcp + th, pay, paylen);
	s = ref_pseudo(out, f->v6, th + paylen);
	if (partial)
		put16(tcp + 16, s);
	else
		put16(tcp + 16, ref_csum(tcp, th + paylen, s));
	return len;
}

/* The virtio header the kernel puts before a TSO packet. */
static void
kernel_vh(struct virtio_net_hdr *vh, const struct flow *f, size_t mss,
    int ecn)
{
	memset(vh, 0, sizeof(*vh));
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->gso_type = f->v6 ? VIRTIO_NET_HDR_GSO_TCPV6 :
	    VIRTIO_NET_HDR_GSO_TCPV4;
	if (ecn)
		vh->gso_type |= VIRTIO_NET_HDR_GSO_ECN;
	vh->hdr_len = (uint16_t)hlen_of(f);
	vh->gso_size = (uint16_t)mss;
	vh->csum_start = (uint16_t)iphlen_of(f);
	vh->csum_offset = 16;
}

/* ---- checksums ---------------------------------------------------- */

static void
test_csum(void)
{
	/* RFC 1071 section 3 */
	static const uint8_t	 ex[8] = { 0x00, 0x01, 0xf2, 0x03,
	    0xf4, 0xf5, 0xf6, 0xf7 };
	uint8_t			*buf, big[4096];
	size_t			 len, i, cut;
	uint32_t		 init;
	int			 bad;

	tap_ok(csum_fold(csum_partial(ex, 8, 0)) == 0xffff - 0xddf2,
	    "csum: RFC 1071 example folds to ~0xddf2");
	tap_ok(csum_fold(csum_partial(ex, 0, 0)) == 0xffff,
	    "csum: empty buffer");
	tap_ok(csum_fold(csum_partial(ex, 1, 0x1234)) == 0xffff - 0x1234,
	    "csum: single zero byte keeps the initial sum");
	tap_ok(csum_fold(csum_partial(ex + 2, 1, 0)) == 0xffff - 0xf200,
	    "csum: odd byte is the high half of a word");

	memset(big, 0xff, sizeof(big));
	tap_ok(csum_fold(csum_partial(big, sizeof(big), 0)) ==
	    ref_csum(big, sizeof(big), 0),
	    "csum: all ones, 4096 bytes");
	tap_ok(csum_fold(csum_partial(big, sizeof(big), 0xffffffff)) ==
	    ref_csum(big, sizeof(big), 0xffffffff),
	    "csum: all ones with an all-ones initial sum");

	bad = 0;
	for (i = 0; i < 3000; i++) {
		len = rndn(i < 100 ? 16 : 2000);
		init = i % 3 == 0 ? 0 : rnd();
		buf = xmalloc(len);
		rndfill(buf, len);
		if (csum_fold(csum_partial(buf, len, init)) !=
		    ref_csum(buf, len, init)) {
			if (bad++ == 0)
				printf("# csum mismatch: len %zu init "
				    "%08x\n", len, init);
		}
		/* chained over an even cut, as for a pseudo-header */
		cut = len == 0 ? 0 : rndn((uint32_t)len) & ~(size_t)1;
		if (csum_fold(csum_partial(buf + cut, len - cut,
		    csum_partial(buf, cut, init))) !=
		    ref_csum(buf, len, init)) {
			if (bad++ == 0)
				printf("# chained mismatch: len %zu cut %zu\n",
				    len, cut);
		}
		/* unaligned start */
		if (len > 1 && csum_fold(csum_partial(buf + 1, len - 1,
		    0)) != ref_csum(buf + 1, len - 1, 0)) {
			if (bad++ == 0)
				printf("# unaligned mismatch: len %zu\n", len);
		}
		free(buf);
	}
	tap_ok(bad == 0, "csum: 3000 random buffers, odd and even lengths, "
	    "random initial sums, chained and unaligned");
	tap_ok(csum_fold(0) == 0xffff && csum_fold(0xffff) == 0 &&
	    csum_fold(0x1fffe) == 0 && csum_fold(0xffffffff) == 0,
	    "csum_fold: carries folded twice");
}

/* ---- TSO ---------------------------------------------------------- */

/* Split the packet; returns the segments (malloc'd) or -1. */
static int
split(const struct virtio_net_hdr *vh, uint8_t *pkt, size_t len,
    size_t outsz, uint8_t **segs, size_t *lens, size_t maxsegs)
{
	struct tso_iter	 it;
	uint8_t		*out;
	ssize_t		 n;
	size_t		 ns = 0;

	if (tso_init(&it, vh, pkt, len) != 0)
		return -1;
	out = xmalloc(outsz);
	while ((n = tso_next(&it, out, outsz)) > 0) {
		if ((size_t)n > outsz || ns == maxsegs) {
			free(out);
			return -1;
		}
		segs[ns] = dup(out, (size_t)n);
		lens[ns++] = (size_t)n;
	}
	free(out);
	if (n == -1) {
		while (ns > 0)
			free(segs[--ns]);
		return -1;
	}
	/* once done, stays done */
	return (int)ns;
}

static void
freesegs(uint8_t **segs, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(segs[i]);
}

/* Everything one segment of a split must satisfy. */
static const char *
check_seg(const uint8_t *seg, size_t len, const uint8_t *orig,
    const struct flow *f, size_t i, size_t nseg, size_t off, size_t want)
{
	size_t		 iph = iphlen_of(f), hlen = hlen_of(f);
	const uint8_t	*t = seg + iph, *ot = orig + iph;
	uint8_t		 flags = ot[13];

	if (len != hlen + want)
		return "segment length";
	if (f->v6) {
		if (get16(seg + 4) != len - 40)
			return "IPv6 payload length";
		if (memcmp(seg, orig, 4) != 0 || seg[6] != 6 ||
		    seg[7] != orig[7] || memcmp(seg + 8, orig + 8, 32) != 0)
			return "IPv6 header changed";
	} else {
		if (seg[0] != orig[0] || get16(seg + 2) != len)
			return "IPv4 total length";
		if (get16(seg + 4) != (uint16_t)(get16(orig + 4) + i))
			return "IPv4 id";
		if (!ip4_valid(seg))
			return "IPv4 header checksum";
		if (seg[1] != orig[1] || memcmp(seg + 6, orig + 6, 4) != 0 ||
		    memcmp(seg + 12, orig + 12, iph - 12) != 0)
			return "IPv4 header changed";
	}
	if (get32(t + 4) != get32(ot + 4) + (uint32_t)off)
		return "sequence number";
	if (i + 1 < nseg)
		flags &= ~(T_FIN | T_PSH);
	if (i > 0)
		flags &= ~T_CWR;
	if (t[13] != flags)
		return "TCP flags";
	/* all but seq, flags and checksum */
	if (memcmp(t, ot, 4) != 0 || memcmp(t + 8, ot + 8, 5) != 0 ||
	    memcmp(t + 14, ot + 14, 2) != 0 ||
	    memcmp(t + 18, ot + 18, hlen - iph - 18) != 0)
		return "TCP header changed";
	if (!tcp_valid(seg, len, f->v6, iph))
		return "TCP checksum";
	if (memcmp(seg + hlen, orig + hlen + off, want) != 0)
		return "payload";
	return NULL;
}

static void
tso_case(int v6, size_t optlen, size_t paylen, size_t mss, uint8_t flags,
    int ecn)
{
	struct flow		 f;
	struct virtio_net_hdr	 vh;
	uint8_t			*pkt, *orig, *pay, **segs;
	size_t			*lens, len, hlen, off, want, i, nseg;
	const char		*why = NULL;
	char			 what[160];
	int			 n;

	flow_init(&f, v6, optlen);
	hlen = hlen_of(&f);
	pay = xmalloc(paylen);
	rndfill(pay, paylen);
	pkt = xmalloc(hlen + paylen);
	len = mkpkt(pkt, &f, (uint16_t)rnd(), tso_seq ? tso_seq : rnd(),
	    flags, pay, paylen, 1);
	tso_seq = 0;
	orig = dup(pkt, len);
	kernel_vh(&vh, &f, mss, ecn);
	nseg = paylen == 0 ? 1 : (paylen + mss - 1) / mss;
	segs = xmalloc(sizeof(*segs) * (nseg + 1));
	lens = xmalloc(sizeof(*lens) * (nseg + 1));

	/* output buffer of exactly one full segment */
	n = split(&vh, pkt, len, hlen + mss, segs, lens, nseg + 1);
	if (n == -1)
		why = "tso_init/tso_next failed";
	else if ((size_t)n != nseg)
		why = "number of segments";
	for (i = 0, off = 0; why == NULL && i < nseg; i++) {
		want = paylen - off < mss ? paylen - off : mss;
		why = check_seg(segs[i], lens[i], orig, &f, i, nseg, off,
		    want);
		off += want;
	}
	if (why == NULL && off != paylen)
		why = "concatenated payload length";
	snprintf(what, sizeof(what), "tso: IPv%d opt %zu payload %zu "
	    "mss %zu flags 0x%02x%s%s%s", v6 ? 6 : 4, optlen, paylen, mss,
	    flags, ecn ? " ecn" : "", why ? ": " : "", why ? why : "");
	tap_ok(why == NULL, what);
	if (n > 0)
		freesegs(segs, (size_t)n);
	free(segs);
	free(lens);
	free(pay);
	free(pkt);
	free(orig);
}

static void
test_tso(void)
{
	static const size_t	 pays[] = { 1, 535, 536, 537, 1000, 1448,
	    1449, 2896, 4000, 9001, 30000 };
	size_t			 i, o;
	int			 v6;

	for (v6 = 0; v6 <= 1; v6++)
		for (o = 0; o <= 12; o += 12)
			for (i = 0; i < sizeof(pays) / sizeof(pays[0]); i++)
				tso_case(v6, o, pays[i],
				    v6 ? 1428 - o : 1448 - o,
				    T_ACK | T_PSH, 0);
	tso_case(0, 12, 7 * 1000 + 3, 1000, T_ACK | T_PSH | T_FIN, 0);
	tso_case(1, 12, 7 * 1000 + 3, 1000, T_ACK | T_PSH | T_FIN, 0);
	tso_case(0, 0, 5000, 536, T_ACK | T_CWR | T_ECE, 1);
	tso_case(1, 12, 5000, 1208, T_ACK | T_CWR | T_PSH, 1);
	tso_case(0, 12, 65535 - 20 - 32, 1448, T_ACK | T_PSH, 0);
	tso_case(1, 40, 65535 - 60, 1388, T_ACK | T_PSH, 0);
	tso_case(0, 0, 200, 1, T_ACK | T_FIN, 0);
	tso_case(0, 0, 0, 1448, T_ACK | T_FIN, 0);
	/* sequence numbers and IPv4 ids wrap */
	tso_seq = 0xffffffff - 2000;
	tso_case(0, 12, 5000, 1000, T_ACK, 0);
	tso_seq = 0xffffffff;
	tso_case(1, 0, 5000, 1000, T_ACK, 0);
	/* gso_size larger than the payload: one segment */
	tso_case(0, 0, 700, 1448, T_ACK | T_PSH | T_CWR, 0);
}

static void
test_nogso(void)
{
	struct virtio_net_hdr	 vh;
	struct tso_iter		 it;
	struct flow		 f;
	uint8_t			 pay[777], *pkt, *orig, *out;
	uint8_t			*u;
	size_t			 len, ulen, iph;
	ssize_t			 n;
	int			 v6, okay = 0;

	pkt = orig = out = NULL;
	rndfill(pay, sizeof(pay));
	for (v6 = 0; v6 <= 1; v6++) {
		flow_init(&f, v6, 12);
		iph = iphlen_of(&f);
		pkt = xmalloc(hlen_of(&f) + sizeof(pay));
		len = mkpkt(pkt, &f, 7, 1000, T_ACK | T_PSH, pay,
		    sizeof(pay), 1);
		memset(&vh, 0, sizeof(vh));
		vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		vh.csum_start = (uint16_t)iph;
		vh.csum_offset = 16;
		out = xmalloc(len);
		okay = tso_init(&it, &vh, pkt, len) == 0 &&
		    tso_next(&it, out, len) == (ssize_t)len &&
		    tcp_valid(out, len, v6, iph) &&
		    (v6 || ip4_valid(out)) &&
		    tso_next(&it, out, len) == 0 &&
		    tso_next(&it, out, len) == 0;
		tap_ok(okay, v6 ? "no gso: IPv6 TCP with NEEDS_CSUM completed" :
		    "no gso: IPv4 TCP with NEEDS_CSUM completed");
		free(pkt);
		free(out);
	}

	/* IPv4 UDP, odd length: checksum at offset 6 */
	ulen = 20 + 8 + 301;
	u = xmalloc(ulen);
	memset(u, 0, 28);
	u[0] = 0x45;
	put16(u + 2, (uint16_t)ulen);
	u[8] = 64;
	u[9] = 17;
	u[12] = 198; u[13] = 18; u[14] = 0; u[15] = 1;
	u[16] = 198; u[17] = 18; u[18] = 0; u[19] = 2;
	ip4_fix(u);
	put16(u + 20, 5000);
	put16(u + 22, 6000);
	put16(u + 24, (uint16_t)(ulen - 20));
	rndfill(u + 28, ulen - 28);
	{
		uint8_t	 ph[12];

		memcpy(ph, u + 12, 8);
		ph[8] = 0;
		ph[9] = 17;
		put16(ph + 10, (uint16_t)(ulen - 20));
		put16(u + 26, ref_sum(ph, 12, 0));
		memset(&vh, 0, sizeof(vh));
		vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		vh.csum_start = 20;
		vh.csum_offset = 6;
		out = xmalloc(ulen);
		okay = tso_init(&it, &vh, u, ulen) == 0 &&
		    tso_next(&it, out, ulen) == (ssize_t)ulen &&
		    ref_sum(out + 20, ulen - 20, ref_sum(ph, 12, 0)) ==
		    0xffff;
		tap_ok(okay, "no gso: IPv4 UDP odd length with NEEDS_CSUM "
		    "completed");
		free(out);
	}
	free(u);

	/* No flags: any bytes at all pass unchanged. */
	for (len = 0; len < 200; len += 13) {
		pkt = xmalloc(len);
		rndfill(pkt, len);
		if (len > 0)
			pkt[0] = 0x45;
		orig = dup(pkt, len);
		out = xmalloc(len);
		memset(&vh, 0, sizeof(vh));
		vh.flags = len % 2 ? VIRTIO_NET_HDR_F_DATA_VALID : 0;
		okay = tso_init(&it, &vh, pkt, len) == 0 &&
		    (n = tso_next(&it, out, len)) == (ssize_t)len &&
		    memcmp(out, orig, len) == 0 &&
		    tso_next(&it, out, len) == 0;
		if (!okay)
			break;
		/* and a too small buffer is an error, not an overflow */
		if (len > 0) {
			okay = tso_init(&it, &vh, pkt, len) == 0 &&
			    tso_next(&it, out, len - 1) == -1;
			if (!okay)
				break;
		}
		free(pkt);
		free(orig);
		free(out);
		pkt = orig = out = NULL;
	}
	tap_ok(okay, "no gso, no NEEDS_CSUM: packets pass unchanged");
	free(pkt);
	free(orig);
	free(out);
}

/* ---- GRO ---------------------------------------------------------- */

struct plist {
	uint8_t		*pkt[MAXP];
	size_t		 len[MAXP];
	size_t		 n;
};

static void
padd(struct plist *l, const struct flow *f, uint32_t seq, uint8_t flags,
    size_t paylen)
{
	uint8_t	*pay;

	if (l->n == MAXP)
		abort();
	pay = xmalloc(paylen);
	rndfill(pay, paylen);
	l->pkt[l->n] = xmalloc(hlen_of(f) + paylen);
	l->len[l->n] = mkpkt(l->pkt[l->n], f, ipid++, seq, flags, pay,
	    paylen, 0);
	l->n++;
	free(pay);
}

/* n packets of one flow, back to back from seq */
static uint32_t
pstream(struct plist *l, const struct flow *f, uint32_t seq, size_t n,
    size_t paylen, uint8_t flags)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		padd(l, f, seq, flags, paylen);
		seq += (uint32_t)paylen;
	}
	return seq;
}

static void
praw(struct plist *l, const uint8_t *p, size_t len)
{
	if (l->n == MAXP)
		abort();
	l->pkt[l->n] = dup(p, len);
	l->len[l->n++] = len;
}

static void
pfree(struct plist *l)
{
	freesegs(l->pkt, l->n);
	l->n = 0;
}

/* Headers of a TCP packet this test built, or -1. */
static int
tcp_hdrs(const uint8_t *p, size_t len, int *v6, size_t *iph, size_t *th)
{
	if (len < 20 || (p[0] >> 4 != 4 && p[0] >> 4 != 6))
		return -1;
	*v6 = p[0] >> 4 == 6;
	*iph = *v6 ? 40 : (size_t)(p[0] & 0xf) * 4;
	if (len < *iph + 20 || p[*v6 ? 6 : 9] != 6)
		return -1;
	*th = (size_t)(p[*iph + 12] >> 4) * 4;
	return len < *iph + *th ? -1 : 0;
}

/*
 * What the kernel receives for a group, checked against the original
 * packets: one of them unchanged, or a super-packet that, once its
 * checksum is completed, is a valid TCP packet with all the payloads.
 */
static const char *
check_group(const struct gro_group *g, uint8_t **orig, const size_t *olen,
    struct gro_pkt *pkts)
{
	struct iovec		 iov[MAXP + 2];
	struct virtio_net_hdr	 vh;
	uint8_t			*buf, *tcp, *ot, *p;
	size_t			 len, i, k, iph, th, hlen, off, plen;
	size_t			 s, o, ftot;
	int			 n, v6;
	const char		*why = NULL;

	if ((n = gro_iov(pkts, g, iov, MAXP + 2)) != (int)g->count + 1)
		return "gro_iov count";
	if (gro_iov(pkts, g, iov, (int)g->count) != -1)
		return "gro_iov ignores maxiov";
	if (iov[0].iov_len != sizeof(vh))
		return "first iovec is not the vnet header";
	memcpy(&vh, iov[0].iov_base, sizeof(vh));
	for (len = 0, i = 1; i < (size_t)n; i++)
		len += iov[i].iov_len;
	buf = p = xmalloc(len);
	for (i = 1; i < (size_t)n; i++) {
		memcpy(p, iov[i].iov_base, iov[i].iov_len);
		p += iov[i].iov_len;
	}

	if (g->count == 1) {
		if (vh.gso_type != VIRTIO_NET_HDR_GSO_NONE ||
		    (vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
			why = "single packet with a GSO header";
		else if (len != olen[g->first] ||
		    memcmp(buf, orig[g->first], len) != 0)
			why = "single packet changed";
		free(buf);
		return why;
	}

	ot = orig[g->first];
	if (tcp_hdrs(ot, olen[g->first], &v6, &iph, &th) == -1) {
		free(buf);
		return "merged a non-TCP packet";
	}
	hlen = iph + th;
	tcp = buf + iph;
	if (vh.flags != VIRTIO_NET_HDR_F_NEEDS_CSUM ||
	    vh.gso_type != (v6 ? VIRTIO_NET_HDR_GSO_TCPV6 :
	    VIRTIO_NET_HDR_GSO_TCPV4) || vh.hdr_len != hlen ||
	    vh.gso_size != olen[g->first] - hlen ||
	    vh.csum_start != iph || vh.csum_offset != 16)
		why = "vnet header fields";
	else if (v6 ? get16(buf + 4) != len - 40 : get16(buf + 2) != len)
		why = "IP length of the super-packet";
	else if (!v6 && !ip4_valid(buf))
		why = "IPv4 header checksum of the super-packet";
	else if (!v6 && (get16(buf + 4) != get16(ot + 4) ||
	    memcmp(buf + 6, ot + 6, 4) != 0 ||
	    memcmp(buf + 12, ot + 12, 8) != 0))
		why = "IPv4 header changed";
	else if (v6 && (memcmp(buf, ot, 4) != 0 ||
	    memcmp(buf + 6, ot + 6, 34) != 0))
		why = "IPv6 header changed";
	else if (memcmp(tcp, ot + iph, 13) != 0 ||
	    memcmp(tcp + 14, ot + iph + 14, 2) != 0 ||
	    memcmp(tcp + 20, ot + iph + 20, th - 20) != 0)
		why = "TCP header changed";
	else if (tcp[13] != (ot[iph + 13] |
	    (orig[g->first + g->count - 1][iph + 13] & T_PSH)))
		why = "TCP flags (PSH of the last)";
	if (why != NULL) {
		free(buf);
		return why;
	}
	/* what the kernel does with a CHECKSUM_PARTIAL packet */
	s = ref_sum(buf + vh.csum_start, len - vh.csum_start, 0);
	put16(buf + vh.csum_start + vh.csum_offset, (uint16_t)~s);
	if (!tcp_valid(buf, len, v6, iph))
		why = "completed TCP checksum";
	/* and all the payloads, in order */
	off = hlen;
	ftot = 0;
	for (k = 0; why == NULL && k < g->count; k++) {
		o = g->first + k;
		plen = olen[o] - hlen;
		if (off + plen > len ||
		    memcmp(buf + off, orig[o] + hlen, plen) != 0)
			why = "payloads";
		off += plen;
		ftot += plen;
	}
	if (why == NULL && off != len)
		why = "super-packet length";
	if (why == NULL && (ftot > 65535 || g->count > 64))
		why = "group too large";
	free(buf);
	return why;
}

/*
 * Plan the packets of l and check the groups' sizes against want (0
 * ends it), that every packet is in exactly one group, in order, and
 * what each group becomes.
 */
static void
gro_check(const char *name, struct plist *l, const size_t *want)
{
	struct gro_pkt		 pkts[MAXP];
	struct gro_group	 groups[MAXP];
	uint8_t			*orig[MAXP];
	size_t			 i, ng, next, nwant;
	const char		*why = NULL;
	char			 what[200];

	for (i = 0; i < l->n; i++) {
		orig[i] = dup(l->pkt[i], l->len[i]);
		pkts[i].pkt = l->pkt[i];
		pkts[i].len = l->len[i];
	}
	for (nwant = 0; want[nwant] != 0; nwant++)
		;
	ng = gro_plan(pkts, l->n, groups, MAXP);
	for (i = 0, next = 0; why == NULL && i < ng; i++) {
		if (groups[i].first != next || groups[i].count == 0)
			why = "packets not in exactly one group, in order";
		else if (i >= nwant || groups[i].count != want[i])
			why = "group sizes";
		else
			why = check_group(&groups[i], orig, l->len, pkts);
		next += groups[i].count;
	}
	if (why == NULL && (ng != nwant || next != l->n))
		why = ng != nwant ? "number of groups" : "packets left out";
	if (why != NULL) {
		printf("# groups:");
		for (i = 0; i < ng; i++)
			printf(" %zu", groups[i].count);
		printf("\n");
	}
	snprintf(what, sizeof(what), "gro: %s%s%s", name, why ? ": " : "",
	    why ? why : "");
	tap_ok(why == NULL, what);
	freesegs(orig, l->n);
	pfree(l);
}

/* split a super-packet and coalesce the segments again */
static void
roundtrip(int v6, size_t optlen, size_t paylen, size_t mss, uint8_t flags,
    const size_t *want)
{
	struct flow		 f;
	struct virtio_net_hdr	 vh;
	struct plist		 l;
	uint8_t			*pkt, *pay;
	size_t			 len;
	int			 n;
	char			 what[160];

	memset(&l, 0, sizeof(l));
	flow_init(&f, v6, optlen);
	pay = xmalloc(paylen);
	rndfill(pay, paylen);
	pkt = xmalloc(hlen_of(&f) + paylen);
	len = mkpkt(pkt, &f, 99, rnd(), flags, pay, paylen, 1);
	kernel_vh(&vh, &f, mss, 0);
	n = split(&vh, pkt, len, hlen_of(&f) + mss, l.pkt, l.len, MAXP);
	snprintf(what, sizeof(what), "round trip IPv%d opt %zu payload %zu "
	    "mss %zu flags 0x%02x", v6 ? 6 : 4, optlen, paylen, mss, flags);
	if (n <= 0)
		tap_ok(0, what);
	else {
		l.n = (size_t)n;
		gro_check(what, &l, want);
	}
	free(pay);
	free(pkt);
}

static void
test_roundtrip(void)
{
	static const size_t	 w1[] = { 7, 0 }, w2[] = { 28, 0 };
	static const size_t	 w3[] = { 45, 0 }, w4[] = { 1, 6, 0 };
	static const size_t	 w5[] = { 6, 1, 0 }, w6[] = { 64, 36, 0 };
	static const size_t	 w7[] = { 1, 0 }, w8[] = { 4, 0 };

	roundtrip(0, 0, 6 * 1448 + 100, 1448, T_ACK | T_PSH, w1);
	roundtrip(1, 12, 6 * 1416 + 1, 1416, T_ACK | T_PSH, w1);
	roundtrip(0, 12, 40000, 1436, T_ACK, w2);
	/* the largest that fits: 65535 - 40 header bytes */
	roundtrip(0, 0, 65495, 1460, T_ACK | T_PSH, w3);
	roundtrip(1, 0, 4 * 1000, 1000, T_ACK | T_ECE, w8);
	/* CWR only on the first, FIN on the last: those stay alone */
	roundtrip(0, 12, 7 * 1000, 1000, T_ACK | T_CWR, w4);
	roundtrip(1, 12, 7 * 1000, 1000, T_ACK | T_FIN | T_PSH, w5);
	/* more than 64 segments */
	roundtrip(0, 0, 100 * 500, 500, T_ACK, w6);
	roundtrip(0, 0, 1000, 1448, T_ACK | T_PSH, w7);
}

static void
test_gro_nomerge(void)
{
	struct plist	 l;
	struct flow	 f, g;
	uint8_t		 raw[1200];
	uint32_t	 s;
	size_t		 i, iph;
	static const size_t	 all4[] = { 4, 0 }, w211[] = { 2, 1, 1, 0 };
	static const size_t	 w112[] = { 1, 1, 2, 0 }, w22[] = { 2, 2, 0 };
	static const size_t	 w31[] = { 3, 1, 0 }, w13[] = { 1, 3, 0 };
	static const size_t	 w1111[] = { 1, 1, 1, 1, 0 };

	memset(&l, 0, sizeof(l));
	for (i = 0; i < 2; i++) {
		flow_init(&f, (int)i, 12);
		pstream(&l, &f, 1000, 4, 1000, T_ACK);
		gro_check(i ? "IPv6 flow of 4 merges" :
		    "IPv4 flow of 4 merges", &l, all4);
	}

	flow_init(&f, 0, 12);
	s = pstream(&l, &f, 0xfffffc00, 3, 1000, T_ACK);
	pstream(&l, &f, s, 1, 1000, T_ACK | T_PSH);
	gro_check("sequence wraps, PSH on the last still merges", &l, all4);

	g = f;
	g.sport++;
	s = pstream(&l, &f, 1, 2, 1000, T_ACK);
	s = pstream(&l, &g, s, 1, 1000, T_ACK);
	pstream(&l, &f, s, 1, 1000, T_ACK);
	gro_check("different source port", &l, w211);

	g = f;
	g.dport++;
	s = pstream(&l, &g, 1, 1, 1000, T_ACK);
	pstream(&l, &f, s, 3, 1000, T_ACK);
	gro_check("different destination port", &l, w13);

	g = f;
	g.dst[3] = 9;
	s = pstream(&l, &f, 1, 1, 1000, T_ACK);
	s = pstream(&l, &g, s, 1, 1000, T_ACK);
	pstream(&l, &f, s, 2, 1000, T_ACK);
	gro_check("different IPv4 destination", &l, w112);

	flow_init(&f, 1, 0);
	g = f;
	g.src[7] = 9;
	s = pstream(&l, &f, 1, 2, 1000, T_ACK);
	s = pstream(&l, &g, s, 1, 1000, T_ACK);
	pstream(&l, &f, s, 1, 1000, T_ACK);
	gro_check("different IPv6 source", &l, w211);

	g = f;
	g.label ^= 1;
	s = pstream(&l, &f, 1, 2, 1000, T_ACK);
	pstream(&l, &g, s, 2, 1000, T_ACK);
	gro_check("different IPv6 flow label", &l, w22);

	g = f;
	g.ttl--;
	s = pstream(&l, &f, 1, 2, 1000, T_ACK);
	pstream(&l, &g, s, 2, 1000, T_ACK);
	gro_check("different IPv6 hop limit", &l, w22);

	flow_init(&f, 0, 12);
	g = f;
	g.ttl--;
	s = pstream(&l, &f, 1, 2, 1000, T_ACK);
	pstream(&l, &g, s, 2, 1000, T_ACK);
	gro_check("different IPv4 TTL", &l, w22);

	g = f;
	g.tos = 0x02;
	s = pstream(&l, &f, 1, 2, 1000, T_ACK);
	pstream(&l, &g, s, 2, 1000, T_ACK);
	gro_check("different IPv4 TOS/ECN", &l, w22);

	g = f;
	g.df = 0;
	s = pstream(&l, &f, 1, 2, 1000, T_ACK);
	pstream(&l, &g, s, 2, 1000, T_ACK);
	gro_check("different DF", &l, w22);

	g = f;
	g.ack += 1000;
	s = pstream(&l, &f, 1, 2, 1000, T_ACK);
	pstream(&l, &g, s, 2, 1000, T_ACK);
	gro_check("different acknowledgment number", &l, w22);

	g = f;
	g.win++;
	s = pstream(&l, &f, 1, 2, 1000, T_ACK);
	pstream(&l, &g, s, 2, 1000, T_ACK);
	gro_check("different window", &l, w22);

	g = f;
	put32(g.opt + 4, 0xa1b2c3d5);
	s = pstream(&l, &f, 1, 2, 1000, T_ACK);
	s = pstream(&l, &g, s, 1, 1000, T_ACK);
	pstream(&l, &f, s, 1, 1000, T_ACK);
	gro_check("different TCP options (timestamp)", &l, w211);

	flow_init(&g, 0, 0);
	s = pstream(&l, &f, 1, 2, 1000, T_ACK);
	pstream(&l, &g, s, 2, 1000, T_ACK);
	gro_check("options, then none", &l, w22);

	s = pstream(&l, &f, 1, 2, 1000, T_ACK);
	pstream(&l, &f, s + 1, 2, 1000, T_ACK);
	gro_check("gap in sequence numbers", &l, w22);

	s = pstream(&l, &f, 1, 2, 1000, T_ACK);
	pstream(&l, &f, s - 1000, 2, 1000, T_ACK);
	gro_check("retransmission (sequence goes back)", &l, w22);

	s = pstream(&l, &f, 1, 1, 1000, T_ACK);
	s = pstream(&l, &f, s, 1, 1000, T_ACK | T_PSH);
	pstream(&l, &f, s, 2, 1000, T_ACK);
	gro_check("PSH in the middle ends the group", &l, w22);

	s = pstream(&l, &f, 1, 2, 1000, T_ACK);
	s = pstream(&l, &f, s, 1, 1000, T_ACK | T_SYN);
	pstream(&l, &f, s, 1, 1000, T_ACK);
	gro_check("SYN", &l, w211);

	s = pstream(&l, &f, 1, 3, 1000, T_ACK);
	pstream(&l, &f, s, 1, 1000, T_ACK | T_FIN);
	gro_check("FIN", &l, w31);

	s = pstream(&l, &f, 1, 1, 1000, T_ACK | T_RST);
	pstream(&l, &f, s, 3, 1000, T_ACK);
	gro_check("RST", &l, w13);

	s = pstream(&l, &f, 1, 1, 1000, T_ACK | T_URG);
	pstream(&l, &f, s, 3, 1000, T_ACK);
	gro_check("URG", &l, w13);

	s = pstream(&l, &f, 1, 1, 1000, T_ACK | T_CWR);
	pstream(&l, &f, s, 3, 1000, T_ACK);
	gro_check("CWR on the first", &l, w13);

	/* Linux flushes on any flag difference except CWR, FIN, PSH */
	s = pstream(&l, &f, 1, 2, 1000, T_ACK);
	s = pstream(&l, &f, s, 1, 1000, T_ACK | T_ECE);
	pstream(&l, &f, s, 1, 1000, T_ACK);
	gro_check("ECE differs", &l, w211);

	s = pstream(&l, &f, 1, 1, 1000, 0);
	pstream(&l, &f, s, 3, 1000, T_ACK);
	gro_check("no ACK", &l, w13);

	s = pstream(&l, &f, 1, 1, 1000, T_ACK);
	s = pstream(&l, &f, s, 1, 500, T_ACK);
	pstream(&l, &f, s, 2, 1000, T_ACK);
	gro_check("short middle segment ends the group", &l, w22);

	s = pstream(&l, &f, 1, 3, 1000, T_ACK);
	pstream(&l, &f, s, 1, 10, T_ACK);
	gro_check("short last segment merges", &l, all4);

	s = pstream(&l, &f, 1, 1, 1000, T_ACK);
	s = pstream(&l, &f, s, 2, 1200, T_ACK);
	pstream(&l, &f, s, 1, 1000, T_ACK);
	gro_check("longer segment after the first", &l, w13);

	s = pstream(&l, &f, 1, 2, 1000, T_ACK);
	padd(&l, &f, s, T_ACK, 0);
	pstream(&l, &f, s, 1, 1000, T_ACK);
	gro_check("pure ACK in between", &l, w211);

	g = f;
	g.ip4opt = 4;
	s = pstream(&l, &g, 1, 1, 1000, T_ACK);
	pstream(&l, &f, s, 3, 1000, T_ACK);
	gro_check("IPv4 options on the first", &l, w13);
	s = pstream(&l, &f, 1, 2, 1000, T_ACK);
	s = pstream(&l, &g, s, 1, 1000, T_ACK);
	pstream(&l, &f, s, 1, 1000, T_ACK);
	gro_check("IPv4 options in the middle", &l, w211);

	s = pstream(&l, &f, 1, 4, 1000, T_ACK);
	put16(l.pkt[2] + 6, 0x2000);	/* MF */
	ip4_fix(l.pkt[2]);
	put16(l.pkt[0] + 6, 0x4000 | 185);	/* offset, DF */
	ip4_fix(l.pkt[0]);
	gro_check("IPv4 fragments", &l, w1111);

	/* lengths that do not match the IP header */
	s = pstream(&l, &f, 1, 4, 1000, T_ACK);
	l.len[1]--;
	gro_check("IPv4 total length longer than the packet", &l, w112);
	flow_init(&g, 1, 0);
	s = pstream(&l, &g, 1, 4, 1000, T_ACK);
	put16(l.pkt[3] + 4, get16(l.pkt[3] + 4) - 1);
	gro_check("IPv6 payload length shorter than the packet", &l, w31);

	/* UDP in between */
	s = pstream(&l, &f, 1, 1, 1000, T_ACK);
	memcpy(raw, l.pkt[0], l.len[0]);
	raw[9] = 17;
	ip4_fix(raw);
	praw(&l, raw, l.len[0]);
	pstream(&l, &f, s, 2, 1000, T_ACK);
	gro_check("UDP in between", &l, w112);

	flow_init(&g, 1, 0);
	s = pstream(&l, &g, 1, 1, 1000, T_ACK);
	memcpy(raw, l.pkt[0], l.len[0]);
	raw[6] = 0;	/* hop-by-hop options header */
	praw(&l, raw, l.len[0]);
	pstream(&l, &g, s, 2, 1000, T_ACK);
	gro_check("IPv6 extension header in between", &l, w112);

	/* garbage: never merged, never read past its end */
	for (i = 0; i < 60; i++) {
		rndfill(raw, i);
		if (i > 0)
			raw[0] = i & 1 ? 0x45 : 0x60;
		if (i > 9)
			raw[9] = 6;
		if (i > 6)
			raw[6] = 6;
		praw(&l, raw, i);
	}
	{
		size_t	 w[61];

		for (i = 0; i < 60; i++)
			w[i] = 1;
		w[60] = 0;
		gro_check("60 truncated and garbage packets", &l, w);
	}

	/* 65535 bytes at most: 40 + 46 * 1400 fits, 47 do not */
	flow_init(&f, 0, 0);
	pstream(&l, &f, 1, 70, 1400, T_ACK);
	{
		static const size_t	 w[] = { 46, 24, 0 };

		gro_check("group limited to 65535 bytes", &l, w);
	}
	flow_init(&f, 1, 0);
	pstream(&l, &f, 1, 100, 500, T_ACK);
	{
		static const size_t	 w[] = { 64, 36, 0 };

		gro_check("group limited to 64 segments", &l, w);
	}

	/* mixed: A A A, B B B, UDP, A A (new group), A (PSH) A */
	flow_init(&f, 0, 12);
	flow_init(&g, 1, 12);
	s = pstream(&l, &f, 1, 3, 1000, T_ACK);
	pstream(&l, &g, 5, 3, 1200, T_ACK);
	iph = l.len[0];
	memcpy(raw, l.pkt[0], iph);
	raw[9] = 17;
	ip4_fix(raw);
	praw(&l, raw, iph);
	s = pstream(&l, &f, s, 2, 1000, T_ACK);
	s = pstream(&l, &f, s, 1, 1000, T_ACK | T_PSH);
	pstream(&l, &f, s, 1, 1000, T_ACK);
	{
		static const size_t	 w[] = { 3, 3, 1, 3, 1, 0 };

		gro_check("mixed flows, in order", &l, w);
	}

	/* fewer groups than needed: the rest is left, not lost */
	{
		struct gro_pkt		 pk[6];
		struct gro_group	 gr[2];
		size_t			 ng;

		flow_init(&f, 0, 0);
		s = pstream(&l, &f, 1, 2, 1000, T_ACK);
		s = pstream(&l, &f, s + 5, 2, 1000, T_ACK);
		pstream(&l, &f, s + 5, 2, 1000, T_ACK);
		for (i = 0; i < 6; i++) {
			pk[i].pkt = l.pkt[i];
			pk[i].len = l.len[i];
		}
		ng = gro_plan(pk, 6, gr, 2);
		tap_ok(ng == 2 && gr[0].first == 0 && gr[0].count == 2 &&
		    gr[1].first == 2 && gr[1].count == 2,
		    "gro: stops at ngroups");
		tap_ok(gro_plan(pk, 0, gr, 2) == 0 &&
		    gro_plan(pk, 6, gr, 0) == 0,
		    "gro: no packets, no groups");
		pfree(&l);
	}
}

/* ---- malformed TSO input ------------------------------------------ */

/*
 * Run one packet through; 1 if it was rejected (-1) or the outputs
 * stayed within bounds.  Every output must fit outsz; with unchanged
 * set, a packet that is not rejected must come out as it went in.
 */
static int
tso_try(const struct virtio_net_hdr *vh, const uint8_t *p, size_t len,
    size_t outsz, int *rejected, int unchanged)
{
	struct tso_iter	 it;
	uint8_t		*pkt, *out;
	size_t		 nout = 0;
	ssize_t		 n;
	int		 good = 1;

	pkt = dup(p, len);
	out = xmalloc(outsz);
	*rejected = 0;
	if (tso_init(&it, vh, pkt, len) != 0)
		*rejected = 1;
	else {
		while ((n = tso_next(&it, out, outsz)) > 0) {
			if ((size_t)n > outsz || ++nout > len + 1) {
				good = 0;
				break;
			}
			if (unchanged && ((size_t)n != len ||
			    memcmp(out, p, len) != 0))
				good = 0;
		}
		if (n == -1)
			*rejected = 1;
	}
	if (unchanged && !*rejected && nout != 1)
		good = 0;
	free(pkt);
	free(out);
	return good;
}

static void
test_malformed(void)
{
	struct virtio_net_hdr	 vh, v;
	struct flow		 f;
	uint8_t			 pay[3000], *pkt, *q;
	size_t			 len, hlen, iph, i, cut;
	int			 v6, rej, good, allrej;
	char			 what[120];

	rndfill(pay, sizeof(pay));
	pkt = xmalloc(60 + 60 + sizeof(pay));
	for (v6 = 0; v6 <= 1; v6++) {
		flow_init(&f, v6, 12);
		hlen = hlen_of(&f);
		iph = iphlen_of(&f);
		len = mkpkt(pkt, &f, 1, 1, T_ACK, pay, sizeof(pay), 1);
		kernel_vh(&vh, &f, 1000, 0);

		/* every truncation of the headers */
		good = allrej = 1;
		for (cut = 0; cut < hlen; cut++) {
			good &= tso_try(&vh, pkt, cut, 2000, &rej, 0);
			allrej &= rej;
		}
		snprintf(what, sizeof(what), "malformed IPv%d: truncated "
		    "headers rejected", v6 ? 6 : 4);
		tap_ok(good && allrej, what);

		/* truncated payload: the IP length no longer matches */
		good = tso_try(&vh, pkt, len - 1001, 2000, &rej, 0);
		snprintf(what, sizeof(what), "malformed IPv%d: packet "
		    "shorter than its IP length rejected", v6 ? 6 : 4);
		tap_ok(good && rej, what);

		q = dup(pkt, len);
		if (v6)
			put16(q + 4, get16(q + 4) - 100);
		else {
			put16(q + 2, get16(q + 2) - 100);
			ip4_fix(q);
		}
		good = tso_try(&vh, q, len, 2000, &rej, 0);
		snprintf(what, sizeof(what), "malformed IPv%d: packet "
		    "longer than its IP length rejected", v6 ? 6 : 4);
		tap_ok(good && rej, what);
		free(q);

		q = dup(pkt, len);
		q[iph + 12] = 4 << 4;
		good = tso_try(&vh, q, len, 2000, &rej, 0);
		q[iph + 12] = 0;
		good &= tso_try(&vh, q, len, 2000, &rej, 0) && rej;
		snprintf(what, sizeof(what), "malformed IPv%d: doff < 5 "
		    "rejected", v6 ? 6 : 4);
		tap_ok(good && rej, what);
		q[iph + 12] = 15 << 4;
		good = tso_try(&vh, q, hlen + 10, 2000, &rej, 0);
		snprintf(what, sizeof(what), "malformed IPv%d: doff past the "
		    "end rejected", v6 ? 6 : 4);
		tap_ok(good && rej, what);
		free(q);

		v = vh;
		v.gso_size = 0;
		good = tso_try(&v, pkt, len, 2000, &rej, 0);
		snprintf(what, sizeof(what), "malformed IPv%d: gso_size 0 "
		    "rejected", v6 ? 6 : 4);
		tap_ok(good && rej, what);

		v = vh;
		v.gso_type = v6 ? VIRTIO_NET_HDR_GSO_TCPV4 :
		    VIRTIO_NET_HDR_GSO_TCPV6;
		good = tso_try(&v, pkt, len, 2000, &rej, 0) && rej;
		v.gso_type = VIRTIO_NET_HDR_GSO_UDP;
		good &= tso_try(&v, pkt, len, 2000, &rej, 0) && rej;
		v.gso_type = 5;		/* UDP_L4 */
		good &= tso_try(&v, pkt, len, 2000, &rej, 0) && rej;
		snprintf(what, sizeof(what), "malformed IPv%d: wrong "
		    "gso_type rejected", v6 ? 6 : 4);
		tap_ok(good, what);

		q = dup(pkt, len);
		q[v6 ? 6 : 9] = 17;
		if (!v6)
			ip4_fix(q);
		good = tso_try(&vh, q, len, 2000, &rej, 0);
		snprintf(what, sizeof(what), "malformed IPv%d: not TCP "
		    "rejected", v6 ? 6 : 4);
		tap_ok(good && rej, what);
		q[0] = (q[0] & 0x0f) | 0x50;
		good = tso_try(&vh, q, len, 2000, &rej, 0);
		snprintf(what, sizeof(what), "malformed IPv%d: IP version 5 "
		    "rejected", v6 ? 6 : 4);
		tap_ok(good && rej, what);
		free(q);

		/*
		 * csum_start/hdr_len are not needed to split (the headers
		 * are parsed): rejected or ignored, never trusted.
		 */
		v = vh;
		v.csum_start = (uint16_t)(len + 10);
		v.hdr_len = 0xffff;
		good = tso_try(&v, pkt, len, 2000, &rej, 0);
		snprintf(what, sizeof(what), "malformed IPv%d: csum_start "
		    "and hdr_len beyond the packet", v6 ? 6 : 4);
		tap_ok(good, what);

		good = tso_try(&vh, pkt, len, hlen + 999, &rej, 0);
		snprintf(what, sizeof(what), "malformed IPv%d: output buffer "
		    "too small is an error", v6 ? 6 : 4);
		tap_ok(good && rej, what);
	}

	/* IPv4 header length field */
	flow_init(&f, 0, 0);
	len = mkpkt(pkt, &f, 1, 1, T_ACK, pay, 100, 1);
	kernel_vh(&vh, &f, 50, 0);
	q = dup(pkt, len);
	q[0] = 0x44;
	good = tso_try(&vh, q, len, 2000, &rej, 0) && rej;
	q[0] = 0x4f;
	good &= tso_try(&vh, q, 70, 2000, &rej, 0) && rej;
	tap_ok(good && rej, "malformed IPv4: IHL < 5 or past the end rejected");
	free(q);

	/* no GSO, NEEDS_CSUM pointing outside the packet */
	memset(&v, 0, sizeof(v));
	v.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	v.csum_start = (uint16_t)len;
	v.csum_offset = 0;
	good = tso_try(&v, pkt, len, 2000, &rej, 0) && rej;
	v.csum_start = 20;
	v.csum_offset = (uint16_t)(len - 21);
	good &= tso_try(&v, pkt, len, 2000, &rej, 0) && rej;
	v.csum_start = 0xffff;
	v.csum_offset = 0xffff;
	good &= tso_try(&v, pkt, len, 2000, &rej, 0) && rej;
	good &= tso_try(&v, pkt, 0, 2000, &rej, 0) && rej;
	tap_ok(good, "malformed: NEEDS_CSUM outside the packet rejected");
	v.csum_start = 20;
	v.csum_offset = (uint16_t)(len - 22);
	good = tso_try(&v, pkt, len, len, &rej, 0) && !rej;
	tap_ok(good, "NEEDS_CSUM: checksum in the last two bytes accepted");

	/* random damage to good packets and random headers */
	good = 1;
	for (i = 0; i < 3000; i++) {
		v6 = (int)(i & 1);
		flow_init(&f, v6, rndn(11) * 4);
		len = mkpkt(pkt, &f, 1, rnd(), (uint8_t)rnd(), pay,
		    rndn(3000), 1);
		kernel_vh(&vh, &f, 1 + rndn(2000), rndn(2));
		switch (rndn(4)) {
		case 0:
			len = rndn((uint32_t)len + 1);
			break;
		case 1:
			pkt[rndn((uint32_t)hlen_of(&f))] = (uint8_t)rnd();
			break;
		case 2:
			vh.gso_type = (uint8_t)rnd();
			vh.flags = (uint8_t)rnd();
			vh.csum_start = (uint16_t)rnd();
			vh.csum_offset = (uint16_t)rnd();
			break;
		default:
			rndfill(pkt, 80);
			break;
		}
		good &= tso_try(&vh, pkt, len, 1 + rndn(2200), &rej, 0);
	}
	tap_ok(good, "malformed: 3000 damaged packets, outputs within bounds");
	free(pkt);
}

int
main(int argc, char *argv[])
{
	const char	*errstr;

	/* a seed on the command line replays a failed run */
	if (argc > 1) {
		rng = (uint64_t)strtonum(argv[1], 1, LLONG_MAX, &errstr);
		if (errstr != NULL) {
			fprintf(stderr, "seed %s: %s\n", argv[1], errstr);
			return 1;
		}
	} else
		rng = (uint64_t)arc4random() << 32 | arc4random() | 1;
	printf("# seed %llu\n", (unsigned long long)rng);

	test_csum();
	test_tso();
	test_nogso();
	test_roundtrip();
	test_gro_nomerge();
	test_malformed();

	return tap_done();
}
