/*
 * libFuzzer target for netengine/offload.c.
 *
 * Input: a struct virtio_net_hdr (as read from the TUN device), then
 * a packet.  The packet goes through tso_init/tso_next into a bounded
 * buffer; then the same bytes, cut into packets by their own IP
 * length fields (so that concatenated real packets make good seeds),
 * go through gro_plan and gro_iov.  Besides the sanitizers, the
 * target checks what must always hold: outputs fit their buffer, a
 * split TCP packet has valid checksums and lengths, every packet is
 * in exactly one group, and a coalesced group's lengths add up.
 */

#include <sys/types.h>
#include <sys/uio.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "offload.h"

#define OUT_LEN		2048
#define MAX_PKTS	80

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static volatile uint16_t	 sink;

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* One's complement sum, folded; written apart from the code tested. */
static uint16_t
sum16(const uint8_t *p, size_t len, uint32_t init)
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

/* Is this IPv4/IPv6 TCP segment's TCP checksum (and IPv4's) valid? */
static int
seg_valid(const uint8_t *p, size_t len)
{
	uint8_t		 ph[40];
	size_t		 iph, l4;
	int		 v6 = p[0] >> 4 == 6;

	memset(ph, 0, sizeof(ph));
	iph = v6 ? 40 : (size_t)(p[0] & 0xf) * 4;
	if (len < iph + 20)
		return 0;
	l4 = len - iph;
	if (v6) {
		if (get16(p + 4) != l4)
			return 0;
		memcpy(ph, p + 8, 32);
		ph[34] = (l4 >> 8) & 0xff;
		ph[35] = l4 & 0xff;
		ph[39] = 6;
		return sum16(p + iph, l4, sum16(ph, 40, 0)) == 0xffff;
	}
	if (get16(p + 2) != len || sum16(p, iph, 0) != 0xffff)
		return 0;
	memcpy(ph, p + 12, 8);
	ph[9] = 6;
	ph[10] = (l4 >> 8) & 0xff;
	ph[11] = l4 & 0xff;
	return sum16(p + iph, l4, sum16(ph, 12, 0)) == 0xffff;
}

static void
fuzz_tso(const struct virtio_net_hdr *vh, const uint8_t *data, size_t len)
{
	struct tso_iter	 it;
	uint8_t		*pkt, *out;
	ssize_t		 n;
	size_t		 nseg = 0;
	int		 gso;

	/* exact sizes, so that the sanitizer sees any overrun */
	if ((pkt = malloc(len + 1)) == NULL ||
	    (out = malloc(OUT_LEN)) == NULL)
		abort();
	memcpy(pkt, data, len);
	gso = (vh->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) !=
	    VIRTIO_NET_HDR_GSO_NONE;
	if (tso_init(&it, vh, pkt, len) == 0) {
		while ((n = tso_next(&it, out, OUT_LEN)) > 0) {
			if (n > OUT_LEN || ++nseg > len + 1)
				__builtin_trap();
			if (gso && !seg_valid(out, (size_t)n))
				__builtin_trap();
		}
		/* once finished, it stays so */
		if (n == 0 && tso_next(&it, out, OUT_LEN) != 0)
			__builtin_trap();
	}
	free(out);
	free(pkt);
}

/* The length an IP header claims, at least 1, at most what is left. */
static size_t
chunk_len(const uint8_t *p, size_t left)
{
	size_t	 l = 0;

	if (left >= 4 && p[0] >> 4 == 4)
		l = get16(p + 2);
	else if (left >= 6 && p[0] >> 4 == 6)
		l = (size_t)get16(p + 4) + 40;
	if (l == 0 || l > left)
		l = left < 40 ? left : 40 + (size_t)(p[0] % 64);
	return l > left ? left : l;
}

static void
fuzz_gro(const uint8_t *data, size_t len)
{
	struct gro_pkt		 pkts[MAX_PKTS];
	struct gro_group	 groups[MAX_PKTS];
	struct iovec		 iov[MAX_PKTS + 1];
	size_t			 n = 0, ng, nmax, g, next, total, l, i;
	int			 niov, k;

	while (len > 0 && n < MAX_PKTS) {
		l = chunk_len(data, len);
		if ((pkts[n].pkt = malloc(l == 0 ? 1 : l)) == NULL)
			abort();
		memcpy(pkts[n].pkt, data, l);
		pkts[n++].len = l;
		data += l;
		len -= l;
	}
	/* sometimes fewer groups than needed */
	nmax = n > 3 && n % 3 == 0 ? n / 3 : n;
	ng = gro_plan(pkts, n, groups, nmax);
	if (ng > nmax)
		__builtin_trap();
	for (g = 0, next = 0; g < ng; g++) {
		if (groups[g].first != next || groups[g].count == 0 ||
		    groups[g].count > 64)
			__builtin_trap();
		next += groups[g].count;
		if (next > n)
			__builtin_trap();
		niov = gro_iov(pkts, &groups[g], iov, MAX_PKTS + 1);
		if (niov != (int)groups[g].count + 1 ||
		    iov[0].iov_len != sizeof(struct virtio_net_hdr))
			__builtin_trap();
		for (k = 1, total = 0; k < niov; k++) {
			/* touch every byte: ASan checks the bounds */
			sink = sum16(iov[k].iov_base, iov[k].iov_len, sink);
			total += iov[k].iov_len;
		}
		if (groups[g].count > 1) {
			const uint8_t	*p = pkts[groups[g].first].pkt;

			if (total > 65535 || (p[0] >> 4 == 4 ?
			    get16(p + 2) != total :
			    (size_t)get16(p + 4) + 40 != total))
				__builtin_trap();
		}
	}
	/* it stops early only when out of groups */
	if (ng < nmax && next != n)
		__builtin_trap();
	for (i = 0; i < n; i++)
		free(pkts[i].pkt);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct virtio_net_hdr	 vh;

	if (size < sizeof(vh))
		return 0;
	memcpy(&vh, data, sizeof(vh));
	data += sizeof(vh);
	size -= sizeof(vh);
	fuzz_tso(&vh, data, size);
	fuzz_gro(data, size);
	return 0;
}
