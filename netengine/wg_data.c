/*
 * The data plane: packets from the TUN device to peers and back,
 * through ChaCha20-Poly1305 with WireGuard's counters and replay
 * window, and cryptokey routing by allowed IPs in both directions.
 *
 * Speed comes from moving few, large units across the kernel
 * boundary: the TUN device hands over TCP super-packets (TSO) that
 * are split here, the encrypted datagrams of one super-packet leave
 * in one UDP GSO send, datagrams arrive coalesced (UDP GRO), and
 * decrypted segments of one flow go back to the TUN device as one
 * super-packet (offload.c).  Nothing is allocated per packet.
 *
 * It sits under wg.c (handshakes, peers, timers): what it needs of it
 * (start a handshake, confirm a session, a peer's new endpoint) goes
 * through the callbacks wg.c registers with wg_data_init().
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event.h>

#include "clawd.h"
#include "log.h"
#include "util.h"
#include "udp.h"
#include "offload.h"
#include "wg.h"

#define HEADROOM	sizeof(struct wg_msg_data)
#define TX_SLOTS	64		/* datagrams of one super-packet */
#define RX_PKTS		256		/* decrypted packets per flush */
#define TUN_READS	32		/* super-packets per event */
#define TX_GSO_MAX	(65535 - 8 - 40)	/* less UDP and IP headers */

static struct {
	int		 fd;
	uint32_t	 mtu;
	struct event	 ev;
	uint8_t		*rbuf;		/* vnet header + packet */
	uint8_t		*slots;		/* TX_SLOTS x slotsz */
	size_t		 slotsz;
	struct gro_pkt	 rx[RX_PKTS];	/* decrypted, not yet written */
	size_t		 nrx;
	struct gro_group groups[RX_PKTS];
	uint64_t	 noroute;	/* no peer for the destination */
	uint64_t	 badsrc;	/* inner source not the peer's */
	uint64_t	 replayed;
	uint64_t	 badauth;
	uint64_t	 badtso;
} tun = { .fd = -1 };

/* Encrypted datagrams waiting to leave for one peer. */
static struct {
	struct wg_peer	*peer;
	struct iovec	 iov[TX_SLOTS];
	size_t		 n;
} tx;

#define SLOT(i)		(tun.slots + (size_t)(i) * tun.slotsz)

/* Peers' allowed IPs, shared with wg.c. */
struct allowedips	 wg_aips;

/* wg.c, called back (wg_data_init()). */
static struct wg_data_upcalls	 up;

void
wg_data_init(const struct wg_data_upcalls *u)
{
	up = *u;
}

uint64_t
wg_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Address family and the source or destination address of a packet. */
static int
ip_addr(const uint8_t *pkt, size_t len, int dst, const uint8_t **addr)
{
	if (len >= sizeof(struct ip) && (pkt[0] >> 4) == 4) {
		*addr = pkt + (dst ? 16 : 12);
		return AF_INET;
	}
	if (len >= sizeof(struct ip6_hdr) && (pkt[0] >> 4) == 6) {
		*addr = pkt + (dst ? 24 : 8);
		return AF_INET6;
	}
	return 0;
}

/* The length the IP header claims, or 0 if it does not fit. */
static size_t
ip_len(const uint8_t *pkt, size_t len)
{
	size_t	 n;

	if (len >= sizeof(struct ip) && (pkt[0] >> 4) == 4)
		n = (size_t)pkt[2] << 8 | pkt[3];
	else if (len >= sizeof(struct ip6_hdr) && (pkt[0] >> 4) == 6)
		n = ((size_t)pkt[4] << 8 | pkt[5]) + sizeof(struct ip6_hdr);
	else
		return 0;
	return n <= len ? n : 0;
}

struct wg_keypair *
wg_send_keypair(struct wg_peer *p)
{
	struct wg_keypair	*kp = p->kp_current;
	uint64_t		 now = wg_now_ms();

	if (kp == NULL ||
	    now - kp->born >= WG_REJECT_AFTER_TIME * 1000ULL ||
	    kp->send_counter >= WG_REJECT_AFTER_MESSAGES)
		return NULL;
	return kp;
}

/*
 * Send what is queued: runs of equal-sized datagrams (the last of a
 * run may be shorter) leave in one GSO send each.
 */
static void
tx_flush(void)
{
	struct wg_peer	*p = tx.peer;
	size_t		 i, j, seg;

	for (i = 0; i < tx.n; i = j) {
		seg = tx.iov[i].iov_len;
		/* A UDP datagram, even a GSO one, holds 64 KB at most. */
		for (j = i + 1; j < tx.n && tx.iov[j - 1].iov_len == seg &&
		    tx.iov[j].iov_len <= seg && (j - i + 1) * seg <= TX_GSO_MAX;
		    j++)
			;
		if (udp_sendv_on(p->sock, (struct sockaddr *)
		    &p->endpoint, &tx.iov[i], j - i, seg) == 0)
			p->last_sent = wg_now_ms();
	}
	tx.n = 0;
	tx.peer = NULL;
}

/*
 * Encrypt one packet that sits at buf + HEADROOM, len bytes (0 for a
 * keepalive), and queue it; buf has room for padding and the tag and
 * stays untouched until tx_flush().
 */
static int
wg_seal(struct wg_peer *p, struct wg_keypair *kp, uint8_t *buf,
    size_t len)
{
	struct wg_msg_data	*d = (struct wg_msg_data *)buf;
	uint64_t		 now = wg_now_ms();
	size_t			 padded;

	if (tx.peer != p || tx.n == TX_SLOTS) {
		if (tx.n > 0)
			tx_flush();
		tx.peer = p;
	}
	padded = (len + WG_PAD - 1) & ~(size_t)(WG_PAD - 1);
	if (padded > tun.mtu && len <= tun.mtu)
		padded = tun.mtu;
	memset(buf + HEADROOM + len, 0, padded - len);
	d->type = htole32(WG_MSG_DATA);
	d->receiver = htole32(kp->remote_index);
	d->counter = htole64(kp->send_counter);
	if (wgc_aead_seal(&kp->send, buf + HEADROOM, buf + HEADROOM, padded,
	    NULL, 0, kp->send_counter) == -1)
		return -1;
	kp->send_counter++;
	tx.iov[tx.n].iov_base = buf;
	tx.iov[tx.n++].iov_len = HEADROOM + padded + WGC_TAG_LEN;
	p->tx_bytes += HEADROOM + padded + WGC_TAG_LEN;
	p->data_recv_unanswered = 0;
	if (len > 0 && p->data_unanswered == 0)
		p->data_unanswered = now;
	/* Rekey: the initiator, after REKEY_AFTER_TIME or messages. */
	if ((kp->initiator &&
	    now - kp->born >= WG_REKEY_AFTER_TIME * 1000ULL) ||
	    kp->send_counter >= WG_REKEY_AFTER_MESSAGES)
		up.initiate(p, 0);
	return 0;
}

void
wg_keepalive(struct wg_peer *p)
{
	struct wg_keypair	*kp;
	uint8_t			 buf[HEADROOM + WGC_TAG_LEN];

	if ((kp = wg_send_keypair(p)) == NULL) {
		up.initiate(p, 0);
		return;
	}
	if (tx.n > 0)
		tx_flush();
	if (wg_seal(p, kp, buf, 0) == 0)
		tx_flush();
}

void
wg_stage(struct wg_peer *p, const uint8_t *pkt, size_t len)
{
	struct wg_staged	*s;

	/* Full: the oldest goes, as in wireguard-go. */
	if (p->nstaged >= WG_STAGED_MAX) {
		s = TAILQ_FIRST(&p->staged);
		TAILQ_REMOVE(&p->staged, s, entry);
		free(s);
		p->nstaged--;
	}
	if ((s = malloc(sizeof(*s) + len)) == NULL)
		return;
	s->len = len;
	memcpy(s->pkt, pkt, len);
	TAILQ_INSERT_TAIL(&p->staged, s, entry);
	p->nstaged++;
}

void
wg_drop_staged(struct wg_peer *p)
{
	struct wg_staged	*s;

	while ((s = TAILQ_FIRST(&p->staged)) != NULL) {
		TAILQ_REMOVE(&p->staged, s, entry);
		free(s);
	}
	p->nstaged = 0;
}

void
wg_flush_staged(struct wg_peer *p)
{
	struct wg_keypair	*kp;
	struct wg_staged	*s;
	size_t			 i = 0;

	if (tun.slots == NULL)
		return;
	if (tx.n > 0)
		tx_flush();
	while ((s = TAILQ_FIRST(&p->staged)) != NULL) {
		if ((kp = wg_send_keypair(p)) == NULL)
			break;
		TAILQ_REMOVE(&p->staged, s, entry);
		p->nstaged--;
		if (s->len + HEADROOM + WG_PAD + WGC_TAG_LEN <= tun.slotsz) {
			memcpy(SLOT(i) + HEADROOM, s->pkt, s->len);
			(void)wg_seal(p, kp, SLOT(i), s->len);
			if (++i == TX_SLOTS) {
				tx_flush();
				i = 0;
			}
		}
		free(s);
	}
	if (tx.n > 0)
		tx_flush();
}

/* One packet (or TSO super-packet) the kernel routed into the tunnel. */
static void
wg_tun_packet(const struct virtio_net_hdr *vh, uint8_t *pkt, size_t len)
{
	struct tso_iter		 it;
	struct wg_keypair	*kp;
	struct wg_peer		*p;
	const uint8_t		*dst;
	ssize_t			 n;
	size_t			 i;
	int			 af, wanted = 0;

	if ((af = ip_addr(pkt, len, 1, &dst)) == 0 ||
	    (p = allowedips_lookup(&wg_aips, af, dst)) == NULL) {
		tun.noroute++;
		return;
	}
	/*
	 * No endpoint: a rendezvous peer not met yet (on demand, this
	 * packet is what asks for it) keeps the packet until it is; any
	 * other has no route.
	 */
	if (p->endpoint.ss_family == 0) {
		if (!up.demand(p)) {
			tun.noroute++;
			return;
		}
		wanted = 1;
	}
	if (tso_init(&it, vh, pkt, len) == -1) {
		tun.badtso++;
		return;
	}
	kp = wanted ? NULL : wg_send_keypair(p);
	if (tx.n > 0)
		tx_flush();
	for (i = 0; ; i++) {
		if (i == TX_SLOTS) {
			tx_flush();
			i = 0;
		}
		n = tso_next(&it, SLOT(i) + HEADROOM,
		    tun.slotsz - HEADROOM - WG_PAD - WGC_TAG_LEN);
		if (n == 0)
			break;
		if (n == -1) {
			tun.badtso++;
			break;
		}
		if (kp == NULL)
			wg_stage(p, SLOT(i) + HEADROOM, n);
		else
			(void)wg_seal(p, kp, SLOT(i), n);
	}
	if (tx.n > 0)
		tx_flush();
	if (kp == NULL && !wanted)
		up.initiate(p, 0);
}

static void
wg_tun_read(int fd, short event, void *arg)
{
	struct virtio_net_hdr	 vh;
	ssize_t			 n;
	int			 i;

	(void)event;
	(void)arg;
	for (i = 0; i < TUN_READS; i++) {
		if ((n = read(fd, tun.rbuf, VNET_HDR_LEN + 65535)) == -1) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("tun read");
			return;
		}
		if ((size_t)n <= VNET_HDR_LEN)
			continue;
		memcpy(&vh, tun.rbuf, sizeof(vh));
		wg_tun_packet(&vh, tun.rbuf + VNET_HDR_LEN, n - VNET_HDR_LEN);
	}
}

/* Hand what was decrypted to the kernel, coalesced where possible. */
void
wg_tun_flush(void)
{
	struct iovec	 iov[65];
	size_t		 ng, g;
	int		 niov;

	if (tun.nrx == 0)
		return;
	ng = gro_plan(tun.rx, tun.nrx, tun.groups, RX_PKTS);
	for (g = 0; g < ng; g++) {
		if ((niov = gro_iov(tun.rx, &tun.groups[g], iov, 65)) == -1)
			continue;
		if (writev(tun.fd, iov, niov) == -1 && errno != EAGAIN)
			log_debug("tun write: %s", strerror(errno));
	}
	tun.nrx = 0;
}

/*
 * A transport message for one of our sessions.  The decrypted packet
 * stays where it is, in the caller's buffer, until wg_tun_flush().
 */
void
wg_data_input(struct wg_keypair *kp, uint8_t *pkt, size_t len,
    const struct sockaddr *src)
{
	const struct wg_msg_data	*d = (const void *)pkt;
	struct wg_peer			*p = kp->peer;
	uint8_t				*inner = pkt + HEADROOM;
	const uint8_t			*saddr;
	uint64_t			 counter, now = wg_now_ms();
	size_t				 clen = len - HEADROOM, plen;
	int				 af;

	counter = le64toh(d->counter);
	if (now - kp->born >= WG_REJECT_AFTER_TIME * 1000ULL ||
	    replay_check(&kp->replay, counter) == -1) {
		tun.replayed++;
		return;
	}
	if (wgc_aead_open(&kp->recv, inner, inner, clen, NULL, 0,
	    counter) == -1) {
		tun.badauth++;
		return;
	}
	if (replay_update(&kp->replay, counter) == -1) {
		tun.replayed++;
		return;
	}
	/* Authenticated: this is where the peer is now. */
	up.set_path(p, src, udp_rx_sock, udp_rx_relayed);
	p->rx_bytes += len;
	p->last_recv = now;
	p->data_unanswered = 0;
	up.confirm(p, kp);

	plen = clen - WGC_TAG_LEN;
	if (plen == 0)
		return;		/* keepalive */
	if (p->data_recv_unanswered == 0)
		p->data_recv_unanswered = now;
	if ((plen = ip_len(inner, plen)) == 0 ||
	    (af = ip_addr(inner, plen, 0, &saddr)) == 0 ||
	    !allowedips_check(&wg_aips, af, saddr, p)) {
		tun.badsrc++;
		return;
	}
	if (tun.fd != -1) {
		if (tun.nrx == RX_PKTS)
			wg_tun_flush();
		tun.rx[tun.nrx].pkt = inner;
		tun.rx[tun.nrx++].len = plen;
	}
	/* Near the end of a session we initiated: rekey now. */
	if (kp->initiator && now - kp->born >= (WG_REJECT_AFTER_TIME -
	    WG_KEEPALIVE_TIMEOUT - WG_REKEY_TIMEOUT) * 1000ULL)
		up.initiate(p, 0);
}

void
wg_data_counters(void (*emit)(const char *, uint64_t, void *), void *arg)
{
	emit("data.no_route", tun.noroute, arg);
	emit("data.bad_inner_source", tun.badsrc, arg);
	emit("data.replayed_or_expired", tun.replayed, arg);
	emit("data.bad_authentication", tun.badauth, arg);
	emit("data.bad_tso_packet", tun.badtso, arg);
}

void
wg_tun_set(int fd, const struct imsg_tun *it)
{
	if (tun.fd != -1)
		fatalx("TUN device handed over twice");
	if (it->mtu < 576 || it->mtu > 9000)
		fatalx("bad TUN mtu");
	tun.fd = fd;
	tun.mtu = it->mtu;
	tun.slotsz = (HEADROOM + it->mtu + WG_PAD + WGC_TAG_LEN + 63) &
	    ~(size_t)63;
	if ((tun.slots = calloc(TX_SLOTS, tun.slotsz)) == NULL ||
	    (tun.rbuf = malloc(VNET_HDR_LEN + 65535)) == NULL)
		fatal(NULL);
	event_set(&tun.ev, fd, EV_READ | EV_PERSIST, wg_tun_read, NULL);
	event_add(&tun.ev, NULL);
	log_debug("tun %s, mtu %u", it->name, it->mtu);
}
