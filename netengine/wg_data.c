/*
 * The data plane: packets from the TUN device to peers and back,
 * through ChaCha20-Poly1305 with WireGuard's counters and replay
 * window, and cryptokey routing by allowed IPs in both directions.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event.h>

#include "clawd.h"
#include "log.h"
#include "util.h"
#include "netengine.h"
#include "wg.h"

static struct {
	int		 fd;
	uint32_t	 mtu;
	struct event	 ev;
	uint64_t	 noroute;	/* no peer for the destination */
	uint64_t	 badsrc;	/* inner source not the peer's */
	uint64_t	 replayed;
	uint64_t	 badauth;
} tun = { .fd = -1 };

/* Room for the data header in front of a packet read from the TUN. */
static uint8_t	 tunbuf[WG_BUF_SIZE] __attribute__((aligned(16)));
#define HEADROOM	sizeof(struct wg_msg_data)

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
 * Encrypt and send one packet that sits at buf + HEADROOM, len bytes
 * (0 for a keepalive); buf has room for padding and the tag.
 */
int
wg_send_data(struct wg_peer *p, struct wg_keypair *kp, uint8_t *buf,
    size_t len)
{
	struct wg_msg_data	*d = (struct wg_msg_data *)buf;
	uint64_t		 now = wg_now_ms();
	size_t			 padded;

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
	if (netengine_send((struct sockaddr *)&p->endpoint, buf,
	    HEADROOM + padded + WGC_TAG_LEN) == -1)
		return -1;
	p->tx_bytes += HEADROOM + padded + WGC_TAG_LEN;
	p->last_sent = now;
	p->data_recv_unanswered = 0;
	if (len > 0 && p->data_unanswered == 0)
		p->data_unanswered = now;
	/* Rekey: the initiator, after REKEY_AFTER_TIME or messages. */
	if ((kp->initiator &&
	    now - kp->born >= WG_REKEY_AFTER_TIME * 1000ULL) ||
	    kp->send_counter >= WG_REKEY_AFTER_MESSAGES)
		wg_initiate(p, 0);
	return 0;
}

void
wg_keepalive(struct wg_peer *p)
{
	struct wg_keypair	*kp;
	uint8_t			 buf[HEADROOM + WGC_TAG_LEN];

	if ((kp = wg_send_keypair(p)) == NULL) {
		wg_initiate(p, 0);
		return;
	}
	(void)wg_send_data(p, kp, buf, 0);
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

	while ((s = TAILQ_FIRST(&p->staged)) != NULL) {
		if ((kp = wg_send_keypair(p)) == NULL)
			return;
		TAILQ_REMOVE(&p->staged, s, entry);
		p->nstaged--;
		memcpy(tunbuf + HEADROOM, s->pkt, s->len);
		(void)wg_send_data(p, kp, tunbuf, s->len);
		free(s);
	}
}

/* Packets the kernel routed into the tunnel. */
static void
wg_tun_read(int fd, short event, void *arg)
{
	struct wg_keypair	*kp;
	struct wg_peer		*p;
	const uint8_t		*dst;
	ssize_t			 n;
	int			 af, i;

	(void)event;
	(void)arg;
	for (i = 0; i < 64; i++) {
		if ((n = read(fd, tunbuf + HEADROOM, tun.mtu)) == -1) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("tun read");
			return;
		}
		if ((af = ip_addr(tunbuf + HEADROOM, n, 1, &dst)) == 0 ||
		    (p = allowedips_lookup(&wg_aips, af, dst)) == NULL) {
			tun.noroute++;
			continue;
		}
		if (p->endpoint.ss_family == 0) {
			tun.noroute++;
			continue;
		}
		if ((kp = wg_send_keypair(p)) == NULL) {
			wg_stage(p, tunbuf + HEADROOM, n);
			wg_initiate(p, 0);
			continue;
		}
		(void)wg_send_data(p, kp, tunbuf, n);
	}
}

/* A transport message for one of our sessions. */
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
	wg_set_endpoint(p, src);
	p->rx_bytes += len;
	p->last_recv = now;
	p->data_unanswered = 0;
	wg_confirm(p, kp);

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
	if (tun.fd != -1 && write(tun.fd, inner, plen) == -1 &&
	    errno != EAGAIN)
		log_warn("tun write");
	/* Near the end of a session we initiated: rekey now. */
	if (kp->initiator && now - kp->born >= (WG_REJECT_AFTER_TIME -
	    WG_KEEPALIVE_TIMEOUT - WG_REKEY_TIMEOUT) * 1000ULL)
		wg_initiate(p, 0);
}

void
wg_tun_set(int fd, const struct imsg_tun *it)
{
	if (tun.fd != -1)
		fatalx("TUN device handed over twice");
	if (it->mtu < 576 || it->mtu > 65535)
		fatalx("bad TUN mtu");
	tun.fd = fd;
	tun.mtu = it->mtu;
	event_set(&tun.ev, fd, EV_READ | EV_PERSIST, wg_tun_read, NULL);
	event_add(&tun.ev, NULL);
	log_debug("tun %s, mtu %u", it->name, it->mtu);
}
