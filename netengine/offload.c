/*
 * TSO splitting and GRO coalescing for the TUN device (offload.h).
 * Every input comes from the kernel (TUN reads) or from a peer after
 * authentication, but it is still parsed defensively: a packet that
 * does not look exactly as expected is passed on unchanged, never
 * read beyond its length.
 */

#include <sys/types.h>
#include <sys/uio.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <string.h>

#include "util.h"
#include "offload.h"

#define TCP_FIN		0x01
#define TCP_SYN		0x02
#define TCP_RST		0x04
#define TCP_PSH		0x08
#define TCP_ACK		0x10
#define TCP_URG		0x20
#define TCP_CWR		0x80
#define IP4_MF		0x2000
#define IP4_OFFMASK	0x1fff
#define GRO_MAX_SEGS	64
#define GRO_MAX_LEN	65535

/* One's complement sum of big-endian 16-bit words (RFC 1071). */
uint32_t
csum_partial(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t	*p = buf;
	uint64_t	 acc = sum;
	uint32_t	 w;

	while (len >= 4) {
		memcpy(&w, p, 4);
		acc += ntohl(w);
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		acc += (uint32_t)be16_get(p) << 16;
		p += 2;
		len -= 2;
	}
	if (len == 1)
		acc += (uint32_t)p[0] << 24;
	/* Words were summed in 32-bit pairs: fold to 32 bits. */
	while (acc >> 32)
		acc = (acc & 0xffffffff) + (acc >> 32);
	return (uint32_t)acc;
}

/* Fold to 16 bits and complement: the value to store. */
uint16_t
csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Source and destination addresses, protocol, length. */
static uint32_t
pseudo_sum(const uint8_t *ip, int v6, size_t l4len)
{
	uint64_t	 sum;

	if (v6)
		sum = csum_partial(ip + 8, 32, 0);
	else
		sum = csum_partial(ip + 12, 8, 0);
	sum += IPPROTO_TCP + (uint64_t)l4len;
	return (uint32_t)((sum & 0xffffffff) + (sum >> 32));
}

/* IP and TCP header lengths of a TCP packet, or -1. */
static int
tcp_headers(const uint8_t *pkt, size_t len, int *v6, size_t *iphlen,
    size_t *thlen)
{
	if (len < 20)
		return -1;
	switch (pkt[0] >> 4) {
	case 4:
		*v6 = 0;
		*iphlen = (size_t)(pkt[0] & 0x0f) * 4;
		if (*iphlen < 20 || pkt[9] != IPPROTO_TCP)
			return -1;
		break;
	case 6:
		*v6 = 1;
		*iphlen = 40;
		if (len < 40 || pkt[6] != IPPROTO_TCP)
			return -1;
		break;
	default:
		return -1;
	}
	if (len < *iphlen + 20)
		return -1;
	*thlen = (size_t)(pkt[*iphlen + 12] >> 4) * 4;
	if (*thlen < 20 || len < *iphlen + *thlen)
		return -1;
	return 0;
}

int
tso_init(struct tso_iter *it, const struct virtio_net_hdr *vh,
    uint8_t *pkt, size_t len)
{
	size_t	 start, off;
	uint8_t	 gso;

	memset(it, 0, sizeof(*it));
	it->vh = vh;
	it->pkt = pkt;
	it->len = len;
	gso = vh->gso_type & ~VIRTIO_NET_HDR_GSO_ECN;

	if (gso == VIRTIO_NET_HDR_GSO_NONE) {
		/* A lone packet whose checksum the kernel left to us. */
		if (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
			start = vh->csum_start;
			off = start + vh->csum_offset;
			if (start >= len || off + 2 > len)
				return -1;
			be16_put(pkt + off, csum_fold(csum_partial(pkt + start,
			    len - start, 0)));
		}
		return 0;
	}
	if (gso != VIRTIO_NET_HDR_GSO_TCPV4 &&
	    gso != VIRTIO_NET_HDR_GSO_TCPV6)
		return -1;
	if (tcp_headers(pkt, len, &it->v6, &it->iphlen, &it->hlen) == -1 ||
	    it->v6 != (gso == VIRTIO_NET_HDR_GSO_TCPV6) ||
	    vh->gso_size == 0)
		return -1;
	/* The length the IP header claims must be all there is. */
	if (it->v6 ? (size_t)be16_get(pkt + 4) + 40 != len :
	    be16_get(pkt + 2) != len)
		return -1;
	it->hlen += it->iphlen;
	it->mss = vh->gso_size;
	return 0;
}

/*
 * The next packet to send, written to out; 0 when there are no more,
 * -1 if out is too small or the packet is malformed.
 */
ssize_t
tso_next(struct tso_iter *it, uint8_t *out, size_t outsz)
{
	const uint8_t	*pkt = it->pkt;
	size_t		 plen, seglen, total, l4len;
	uint8_t		*tcp;
	uint32_t	 sum;

	if (it->done)
		return 0;
	if (it->mss == 0) {
		it->done = 1;
		if (it->len > outsz)
			return -1;
		memcpy(out, pkt, it->len);
		return it->len;
	}
	plen = it->len - it->hlen;
	if (it->off >= plen && (plen > 0 || it->seg > 0)) {
		it->done = 1;
		return 0;
	}
	seglen = plen - it->off < it->mss ? plen - it->off : it->mss;
	total = it->hlen + seglen;
	if (total > outsz)
		return -1;
	memcpy(out, pkt, it->hlen);
	memcpy(out + it->hlen, pkt + it->hlen + it->off, seglen);

	if (it->v6)
		be16_put(out + 4, (uint16_t)(total - 40));
	else {
		be16_put(out + 2, (uint16_t)total);
		be16_put(out + 4, (uint16_t)(be16_get(pkt + 4) + it->seg));
		be16_put(out + 10, 0);
		be16_put(out + 10, csum_fold(csum_partial(out, it->iphlen, 0)));
	}
	tcp = out + it->iphlen;
	be32_put(tcp + 4, be32_get(pkt + it->iphlen + 4) + (uint32_t)it->off);
	if (it->off + seglen < plen)
		tcp[13] &= ~(TCP_FIN | TCP_PSH);
	if (it->seg > 0)
		tcp[13] &= ~TCP_CWR;
	l4len = total - it->iphlen;
	be16_put(tcp + 16, 0);
	sum = pseudo_sum(out, it->v6, l4len);
	be16_put(tcp + 16, csum_fold(csum_partial(tcp, l4len, sum)));

	it->off += seglen;
	it->seg++;
	if (it->off >= plen)
		it->done = 1;
	return total;
}

/* What decides whether two segments belong to one flow and run. */
struct gro_key {
	int		 ok;
	int		 v6;
	size_t		 iphlen;
	size_t		 thlen;
	size_t		 paylen;
	uint32_t	 seq;
	uint8_t		 flags;
};

static void
gro_parse(const struct gro_pkt *p, struct gro_key *k)
{
	const uint8_t	*ip = p->pkt;

	memset(k, 0, sizeof(*k));
	if (tcp_headers(ip, p->len, &k->v6, &k->iphlen, &k->thlen) == -1)
		return;
	if (k->v6) {
		if ((size_t)be16_get(ip + 4) + 40 != p->len)
			return;
	} else {
		if (k->iphlen != 20 || be16_get(ip + 2) != p->len ||
		    (be16_get(ip + 6) & (IP4_MF | IP4_OFFMASK)) != 0)
			return;
	}
	k->flags = ip[k->iphlen + 13];
	if ((k->flags & (TCP_SYN | TCP_FIN | TCP_RST | TCP_URG | TCP_CWR)) ||
	    !(k->flags & TCP_ACK))
		return;
	k->paylen = p->len - k->iphlen - k->thlen;
	if (k->paylen == 0)
		return;
	k->seq = be32_get(ip + k->iphlen + 4);
	k->ok = 1;
}

/* May b follow a (the group's last) in a group whose first is f? */
static int
gro_follows(const struct gro_pkt *f, const struct gro_key *fk,
    const struct gro_key *ak, const struct gro_pkt *b,
    const struct gro_key *bk, size_t total)
{
	const uint8_t	*x = f->pkt, *y = b->pkt;

	if (!bk->ok || bk->v6 != fk->v6 || bk->thlen != fk->thlen ||
	    (ak->flags & TCP_PSH) || ak->paylen != fk->paylen ||
	    bk->paylen > fk->paylen ||
	    bk->seq != (uint32_t)(ak->seq + ak->paylen) ||
	    total + bk->paylen > GRO_MAX_LEN)
		return 0;
	if (fk->v6) {
		/* version, class, flow label; addresses; hop limit */
		if (memcmp(x, y, 4) != 0 || memcmp(x + 8, y + 8, 32) != 0 ||
		    x[7] != y[7])
			return 0;
	} else {
		/* tos, DF, ttl, protocol, addresses */
		if (x[1] != y[1] || (x[6] & 0x40) != (y[6] & 0x40) ||
		    x[8] != y[8] || memcmp(x + 12, y + 12, 8) != 0)
			return 0;
	}
	x += fk->iphlen;
	y += bk->iphlen;
	/* ports, ack, flags but PSH, window, identical options */
	return memcmp(x, y, 4) == 0 && x[12] == y[12] &&
	    ((x[13] ^ y[13]) & ~TCP_PSH) == 0 &&
	    memcmp(x + 8, y + 8, 4) == 0 &&
	    memcmp(x + 14, y + 14, 2) == 0 &&
	    memcmp(x + 20, y + 20, fk->thlen - 20) == 0;
}

/* Rewrite a group's first packet to describe the whole group. */
static void
gro_finish(struct gro_pkt *f, const struct gro_key *fk, size_t total,
    size_t count, uint8_t lastflags, struct gro_group *g)
{
	uint8_t		*ip = f->pkt, *tcp = f->pkt + fk->iphlen;
	uint32_t	 sum;

	memset(&g->vh, 0, sizeof(g->vh));
	if (count == 1) {
		/* Authenticated by the tunnel; the peer's checksum stands. */
		g->vh.flags = VIRTIO_NET_HDR_F_DATA_VALID;
		return;
	}
	if (fk->v6)
		be16_put(ip + 4, (uint16_t)(total - 40));
	else {
		be16_put(ip + 2, (uint16_t)total);
		be16_put(ip + 10, 0);
		be16_put(ip + 10, csum_fold(csum_partial(ip, fk->iphlen, 0)));
	}
	tcp[13] |= lastflags & TCP_PSH;
	/* The kernel completes it: seed with the pseudo-header sum. */
	sum = pseudo_sum(ip, fk->v6, total - fk->iphlen);
	be16_put(tcp + 16, (uint16_t)~csum_fold(sum));
	g->vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	g->vh.gso_type = fk->v6 ? VIRTIO_NET_HDR_GSO_TCPV6 :
	    VIRTIO_NET_HDR_GSO_TCPV4;
	g->vh.hdr_len = fk->iphlen + fk->thlen;
	g->vh.gso_size = fk->paylen;
	g->vh.csum_start = fk->iphlen;
	g->vh.csum_offset = 16;
}

/*
 * Group consecutive packets; returns the number of groups written to
 * groups (at most ngroups: the rest of the packets are then left for
 * the next call's caller to handle, in order).
 */
size_t
gro_plan(struct gro_pkt *pkts, size_t n, struct gro_group *groups,
    size_t ngroups)
{
	struct gro_key	 fk, ak, bk;
	size_t		 i, ng = 0, total;
	struct gro_group *g;

	i = 0;
	while (i < n && ng < ngroups) {
		g = &groups[ng++];
		g->first = i;
		g->count = 1;
		gro_parse(&pkts[i], &fk);
		total = pkts[i].len;
		ak = fk;
		i++;
		while (fk.ok && i < n && g->count < GRO_MAX_SEGS) {
			gro_parse(&pkts[i], &bk);
			if (!gro_follows(&pkts[g->first], &fk, &ak, &pkts[i],
			    &bk, total))
				break;
			total += bk.paylen;
			ak = bk;
			g->count++;
			i++;
		}
		gro_finish(&pkts[g->first], &fk, total, g->count, ak.flags,
		    g);
	}
	return ng;
}

/* The iovec for writing one group: vnet header, packet, payloads. */
int
gro_iov(const struct gro_pkt *pkts, const struct gro_group *g,
    struct iovec *iov, int maxiov)
{
	size_t		 i, hlen;
	int		 n = 0;

	if ((size_t)maxiov < g->count + 1)
		return -1;
	iov[n].iov_base = (void *)(uintptr_t)&g->vh;
	iov[n++].iov_len = sizeof(g->vh);
	iov[n].iov_base = pkts[g->first].pkt;
	iov[n++].iov_len = pkts[g->first].len;
	hlen = g->vh.hdr_len;
	for (i = 1; i < g->count; i++) {
		iov[n].iov_base = pkts[g->first + i].pkt + hlen;
		iov[n++].iov_len = pkts[g->first + i].len - hlen;
	}
	return n;
}
