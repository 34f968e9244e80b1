/*
 * Hole punching for the rendezvous (rdv.c): every candidate of the
 * peer is probed at once, fast for a few seconds and then slower; an
 * authenticated probe is answered the way it came, and the best pair
 * that answers becomes the peer's path, handed to WireGuard (at once
 * when direct, after a short grace when relayed).  A connection that
 * goes quiet, or runs through a relay, is probed again here too.  The
 * many-probe technique for a hard NAT is spray.c's; this file only
 * starts and paces it.  docs/rendezvous.md is the specification.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event.h>

#include "clawd.h"
#include "log.h"
#include "util.h"
#include "wgcrypto.h"
#include "natdisc.h"
#include "turn.h"
#include "wg.h"
#include "udp.h"
#include "rdv.h"
#include "spray.h"
#include "rdv_local.h"

static void	rdv_adopt(struct rdv_peer *, struct wg_peer *);
static void	rdv_commit(struct rdv_peer *, struct wg_peer *);
static int	rdv_commit_now(const struct rdv_peer *, uint64_t);

/*
 * A request's transaction id says where it went and when: two bytes of
 * time (RDV_TXID_UNIT_MS) and six of MAC(probe key, "txid" || time ||
 * via || family || port || address).  A response counts only if it
 * carries one we made for the address it comes from, the way it comes
 * (through our relay or not), recently: a response recorded and
 * played back from elsewhere, or much later, moves nothing.  No state
 * is kept per request, however many the many-probe technique sends.
 */
static int
rdv_txid(const struct rdv_peer *rp, uint8_t txid[8], uint16_t t,
    const struct sockaddr *to, int via)
{
	const struct sockaddr_in	*sin = (const struct sockaddr_in *)to;
	const struct sockaddr_in6	*sin6 = (const struct sockaddr_in6 *)to;
	uint8_t				 in[4 + 2 + 2 + 2 + 16], mac[WGC_MAC_LEN];

	memset(in, 0, sizeof(in));
	memcpy(in, "txid", 4);
	be16_put(in + 4, t);
	in[6] = via ? 1 : 0;
	in[7] = to->sa_family == AF_INET ? 4 : 6;
	if (to->sa_family == AF_INET) {
		memcpy(in + 8, &sin->sin_port, 2);
		memcpy(in + 10, &sin->sin_addr, 4);
	} else if (to->sa_family == AF_INET6) {
		memcpy(in + 8, &sin6->sin6_port, 2);
		memcpy(in + 10, &sin6->sin6_addr, 16);
	} else
		return -1;
	if (wgc_mac(mac, rp->key, RDV_KEY_LEN, in, sizeof(in)) == -1)
		return -1;
	be16_put(txid, t);
	memcpy(txid + 2, mac, 6);
	return 0;
}

/* Is TXID one of ours, for FROM (VIA), and fresh? */
static int
rdv_txid_ok(const struct rdv_peer *rp, const uint8_t txid[8],
    const struct sockaddr *from, int via)
{
	uint16_t	 now = (uint16_t)(wg_now_ms() / RDV_TXID_UNIT_MS);
	uint16_t	 t = be16_get(txid);
	uint8_t		 want[8];

	if ((uint16_t)(now - t) > RDV_TXID_FRESH ||
	    rdv_txid(rp, want, t, from, via) == -1)
		return 0;
	return wgc_equal(want, txid, sizeof(want));
}

/*
 * A probe to TO: through our relay (VIA), or from socket SOCK
 * (NE_SOCK_DIRECT: the current one, never through the relay).
 */
void
rdv_probe_send(struct rdv_peer *rp, const struct sockaddr_storage *to,
    uint8_t kind, const uint8_t *txid, const struct sockaddr *seen, int via,
    int sock)
{
	struct probe	 p;
	uint8_t		 pkt[PROBE_LEN];
	int16_t		 delta;

	/* Predicted ports and answers too: one gate for every probe. */
	if (!sa_probe_ok((const struct sockaddr *)to))
		return;
	memset(&p, 0, sizeof(p));
	p.kind = kind;
	/* What we know of our NAT now: our message may have left before. */
	rdv_nat(&p.mapping, &delta, &p.filtering);
	p.step = delta >= -128 && delta <= 127 ? delta : 0;
	memcpy(p.conn, rp->conn, sizeof(p.conn));
	if (txid != NULL)
		memcpy(p.txid, txid, sizeof(p.txid));
	else if (rdv_txid(rp, p.txid, (uint16_t)(wg_now_ms() /
	    RDV_TXID_UNIT_MS), (const struct sockaddr *)to, via) == -1)
		return;
	if (seen != NULL)
		memcpy(&p.seen, seen, sa_len(seen));
	if (probe_build(pkt, &p, rp->key) == -1)
		return;
	/* A direct probe goes direct, even to an address we relay to. */
	if ((via ? turn_send((const struct sockaddr *)to, pkt, sizeof(pkt)) :
	    udp_send_on(sock, (const struct sockaddr *)to,
	    pkt, sizeof(pkt))) == 0)
		rdv.probes_out++;
}

/* The many-probe technique's probes (spray.c). */
static void
rdv_spray_send(void *arg, int sock, const struct sockaddr_storage *to)
{
	rdv_probe_send(arg, to, PROBE_REQUEST, NULL, NULL, 0, sock);
}

/*
 * Punching begins: if one NAT is hard and the other easy (spray.c),
 * the many-probe technique too, toward the peer's mapped address.
 */
void
rdv_spray_start(struct rdv_peer *rp, uint64_t now)
{
	struct spray_nat	 ours;
	enum spray_kind		 kind;
	size_t			 i;

	memset(&ours, 0, sizeof(ours));
	rdv_nat(&ours.mapping, &ours.delta, &ours.filtering);
	/* Not knowing one side yet, try again when more is known. */
	rp->spray_wait = ours.mapping == RDV_NAT_UNKNOWN ||
	    rp->peer_nat.mapping == RDV_NAT_UNKNOWN;
	if ((kind = spray_kind(&ours, &rp->peer_nat)) == SPRAY_NONE) {
		spray_end(&rp->spray);
		return;
	}
	rp->spray_wait = 0;
	for (i = 0; i < rp->nremote; i++)
		if (rp->remote[i].type == RDV_CAND_SRFLX &&
		    !rp->remote[i].via_relay)
			break;
	if (i == rp->nremote ||
	    spray_begin(&rp->spray, kind, &rp->remote[i].ss, now) == -1)
		return;
	log_info("rdv: peer %u: many-probe technique, the %s side", rp->id,
	    kind == SPRAY_HARD ? "hard" : "easy");
}

void
rdv_punch(struct rdv_peer *rp, uint64_t now, uint64_t len)
{
	struct wg_peer	*wp;

	rp->state = RDV_PUNCHING;
	rp->punch_start = now;
	rp->punch_len = len;
	rp->punch_last = 0;
	rp->probes = 0;
	rp->have_path = 0;
	rp->path_sock = NE_SOCK_CUR;
	rp->path_prio = 0;
	rp->path_relayed = 0;
	rp->path_via = 0;
	rp->committed = 0;
	rp->upgrading = 0;
	wp = wg_peer_by_id(rp->id);
	rp->hs_before = wp != NULL ? wp->last_handshake : 0;
}

void
rdv_punch_tick(struct rdv_peer *rp, uint64_t now)
{
	struct wg_peer	*wp;
	size_t		 i;
	uint64_t	 gap;

	wp = wg_peer_by_id(rp->id);
	/*
	 * Up when a handshake completed after the punching began, or,
	 * when a session was already running (a move after a port
	 * rotation), when it carries packets on the new path.
	 */
	if (rp->have_path && wp != NULL && !(rp->upgrading &&
	    rp->path_relayed) && (wp->last_handshake >
	    rp->hs_before || (rp->committed && wp->last_recv > rp->t_commit &&
	    sa_equal((struct sockaddr *)&wp->endpoint,
	    (struct sockaddr *)&rp->path)))) {
		/*
		 * The peer's handshake beat our grace time: the path is the
		 * one WireGuard already uses, whatever we would have chosen.
		 */
		if (!rp->committed)
			rdv_adopt(rp, wp);
		rp->state = RDV_UP;
		rp->t_hs = now;
		rp->upgrading = 0;
		log_info("rdv: peer %s: connected, %s path to %s", wp->name,
		    rp->path_relayed ? "relayed" : "direct",
		    log_sockaddr((struct sockaddr *)&rp->path));
		return;
	}
	if (now - rp->punch_start > rp->punch_len) {
		if (rp->upgrading)
			log_debug("rdv: peer %u: still no direct path",
			    rp->id);
		else
			log_warnx("rdv: peer %u: no path after %llu probes",
			    rp->id, (unsigned long long)rp->probes);
		rp->upgrading = 0;
		/* The old path may still be fine (a rotation's attempt). */
		if (wp != NULL && wp->last_recv != 0 &&
		    now - wp->last_recv < RDV_QUIET_MS && rp->t_hs != 0)
			rp->state = RDV_UP;
		else {
			rp->state = RDV_IDLE;
			rp->t_begin = 0;
		}
		return;
	}
	if (rp->have_path && !rp->committed && rdv_commit_now(rp, now))
		rdv_commit(rp, wp);
	/* With a path, the handshake is WireGuard's: it retries itself. */
	if (rp->committed)
		return;
	gap = now - rp->punch_start < RDV_FAST_MS ? RDV_TICK_MS :
	    RDV_SLOW_MS;
	if (rp->punch_last != 0 && now - rp->punch_last < gap)
		return;
	rp->punch_last = now;
	for (i = 0; i < rp->nremote; i++) {
		if (rp->upgrading && (rp->remote[i].via_relay ||
		    rp->remote[i].type == RDV_CAND_RELAY))
			continue;
		rdv_probe_send(rp, &rp->remote[i].ss, PROBE_REQUEST, NULL,
		    NULL, rp->remote[i].via_relay, NE_SOCK_DIRECT);
		rp->probes++;
	}
}

/* The peer chose for us: take the endpoint its handshake came from. */
static void
rdv_adopt(struct rdv_peer *rp, struct wg_peer *wp)
{
	size_t	 i;

	rp->committed = 1;
	rp->t_commit = wg_now_ms();
	rp->path = wp->endpoint;
	rp->path_sock = wp->sock;
	/* Through our relay, or to the peer's, or direct. */
	rp->path_via = udp_is_relayed((struct sockaddr *)&rp->path);
	rp->path_relayed = rp->path_via;
	for (i = 0; i < rp->nremote; i++)
		if (rp->remote[i].type == RDV_CAND_RELAY &&
		    sa_equal((struct sockaddr *)&rp->remote[i].ss,
		    (struct sockaddr *)&rp->path))
			rp->path_relayed = 1;
}

/*
 * May the path found be taken now?  A direct one at once.  A relayed
 * one waits RDV_RELAY_GRACE_MS for a direct pair to answer, unless
 * the many-probe technique is what can find one: that takes longer
 * than any grace, and its answer replaces the relay when it comes.
 */
static int
rdv_commit_now(const struct rdv_peer *rp, uint64_t now)
{
	return !rp->path_relayed || rp->spray.kind != SPRAY_NONE ||
	    now - rp->t_path >= RDV_RELAY_GRACE_MS;
}

/* The path is chosen: WireGuard uses it, the answering side starts. */
static void
rdv_commit(struct rdv_peer *rp, struct wg_peer *wp)
{
	if (wp == NULL)
		return;
	rp->committed = 1;
	rp->t_commit = wg_now_ms();
	/*
	 * The tunnel goes out where the probes that found it did, through
	 * our relay or not.
	 */
	wg_set_path(wp, (struct sockaddr *)&rp->path, rp->path_sock,
	    rp->path_via);
	if (rp->role == PEER_ROLE_ANSWER)
		wg_initiate(wp, 0);
}

struct rdv_peer *
rdv_peer_by_conn(const uint8_t conn[RDV_ID_LEN])
{
	struct rdv_peer	*rp;

	TAILQ_FOREACH(rp, &rdv.peers, entry)
		if (rp->have_key && memcmp(rp->conn, conn,
		    RDV_ID_LEN) == 0)
			return rp;
	return NULL;
}

/*
 * A relayed connection tries the direct pairs at once when it is up
 * (the relay may just have been faster), then every minute: a NAT may
 * have changed.
 * The relayed path carries the tunnel meanwhile; a direct pair that
 * answers replaces it.
 */
void
rdv_upgrade(struct rdv_peer *rp, uint64_t now)
{
	struct sockaddr_storage	 path = rp->path;
	int			 via = rp->path_via;
	uint32_t		 prio = rp->path_prio;

	rp->last_upgrade = now;
	rdv_punch(rp, now, RDV_UPGRADE_LEN_MS);
	/* Keep the relayed path as the one in use until a better one. */
	rp->path = path;
	rp->path_via = via;
	rp->path_relayed = 1;
	rp->path_prio = prio;
	rp->have_path = 1;
	rp->committed = 1;
	rp->upgrading = 1;
}

void
rdv_up_tick(struct rdv_peer *rp, uint64_t now)
{
	struct wg_peer	*wp;
	uint64_t	 quiet;

	if ((wp = wg_peer_by_id(rp->id)) == NULL)
		return;
	/* Two keepalives missed and then some. */
	quiet = (uint64_t)wp->keepalive * 2500;
	if (quiet < RDV_QUIET_MS)
		quiet = RDV_QUIET_MS;
	if (wp->last_recv != 0 && now - wp->last_recv < quiet)
		return;
	/* Quiet: try the pair we had, and the rest, before the drop. */
	log_info("rdv: peer %s: quiet for %llu s; probing again", wp->name,
	    (unsigned long long)(now - wp->last_recv) / 1000);
	if (rp->have_path)
		rdv_cand_add_via(rp->remote, &rp->nremote, RDV_REMOTE_MAX,
		    rp->path_relayed ? RDV_CAND_RELAY : RDV_CAND_PRFLX,
		    &rp->path, rp->path_via);
	rdv_punch(rp, now, RDV_REPROBE_MS);
	rdv_spray_start(rp, now);
}

/*
 * Our NAT is better known than when our message left (discovery takes
 * seconds): tell the peer in a probe on the path it uses now, its
 * relay too, so that its guesses and many probes can start; and try
 * our own many probes again.
 */
void
rdv_punch_nat_changed(struct rdv_peer *rp)
{
	if (rp->state != RDV_PUNCHING && !(rp->state == RDV_UP &&
	    rp->path_relayed))
		return;
	rp->spray_wait = 1;
	if (rp->have_path)
		rdv_probe_send(rp, &rp->path, PROBE_REQUEST, NULL, NULL,
		    rp->path_via, NE_SOCK_DIRECT);
}

/*
 * The many probes, until a direct path carries the tunnel; started late
 * when a side's NAT became known after punching began (our discovery,
 * the peer's probes).
 */
void
rdv_spray_tick(struct rdv_peer *rp, uint64_t now)
{
	if (rp->spray.kind == SPRAY_NONE) {
		if (rp->spray_wait && (rp->state == RDV_PUNCHING ||
		    (rp->state == RDV_UP && rp->path_relayed)))
			rdv_spray_start(rp, now);
		return;
	}
	if (rp->state == RDV_IDLE || rp->state == RDV_OFFERED ||
	    (rp->state == RDV_UP && !rp->path_relayed))
		spray_end(&rp->spray);
	else
		spray_tick(&rp->spray, now, rdv_spray_send, rp);
}

/*
 * An authenticated probe from FROM (through our relay: RELAYED).  A
 * request is answered the way it came and teaches a way back; a
 * response is a working pair, the best of which becomes the path.
 */
void
rdv_punch_probe(struct rdv_peer *rp, const struct probe *p,
    const struct sockaddr *from, int relayed)
{
	struct wg_peer		*wp;
	struct sockaddr_storage	 ss;
	uint32_t		 prio;
	size_t			 i;
	uint8_t			 type = RDV_CAND_PRFLX;
	/* A many-probe socket answers for itself; else the current one. */
	int			 sock = udp_rx_sock >= NE_SOCK_SPRAY ?
				    udp_rx_sock : NE_SOCK_DIRECT;

	/* A response to none of our requests, or not from there: nothing. */
	if (p->kind != PROBE_REQUEST &&
	    !rdv_txid_ok(rp, p->txid, from, relayed)) {
		rdv.probes_unmatched++;
		return;
	}
	/*
	 * The peer knows its NAT better now: guesses, many probes.  A
	 * relayed connection tries the direct pairs again at once.
	 */
	if (rdv_peer_nat_learn(rp, p->mapping, p->filtering, p->step)) {
		rp->spray_wait = 1;
		if (rp->state == RDV_UP && rp->path_relayed && !rp->upgrading)
			rdv_upgrade(rp, wg_now_ms());
	}
	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, from, sa_len(from));
	if (p->kind == PROBE_REQUEST) {
		/* Answered the way it came, through our relay or not. */
		rdv_probe_send(rp, &ss, PROBE_RESPONSE, p->txid, from,
		    relayed, sock);
		/*
		 * The peer's many probes found one of our sockets: ask back
		 * from it at once, so that our side has the path too.
		 */
		if (sock != NE_SOCK_DIRECT && rp->spray.kind != SPRAY_NONE)
			rdv_probe_send(rp, &ss, PROBE_REQUEST, NULL, NULL, 0,
			    sock);
		/* Peer-reflexive: a new way back, probe it too. */
		if (rp->state == RDV_PUNCHING && (!rp->committed ||
		    rp->upgrading))
			rdv_cand_add_via(rp->remote, &rp->nremote,
			    RDV_REMOTE_MAX, RDV_CAND_PRFLX, &ss, relayed);
		/*
		 * The peer found a direct way to us: look for ours.  A
		 * request can be played back from anywhere (only a response
		 * is bound to where it comes from), so it starts a round
		 * of probes at most every RDV_UPGRADE_GAP_MS.
		 */
		if (!relayed && rp->state == RDV_UP && rp->path_relayed &&
		    wg_now_ms() - rp->last_upgrade >= RDV_UPGRADE_GAP_MS) {
			rdv_cand_add_via(rp->remote, &rp->nremote,
			    RDV_REMOTE_MAX, RDV_CAND_PRFLX, &ss, 0);
			rdv_upgrade(rp, wg_now_ms());
		}
		return;
	}
	/* A many-probe answer while relayed: the direct path replaces it. */
	if (rp->state == RDV_UP && rp->path_relayed && !relayed &&
	    rp->spray.kind != SPRAY_NONE)
		rdv_upgrade(rp, wg_now_ms());
	if (rp->state != RDV_PUNCHING)
		return;
	for (i = 0; i < rp->nremote; i++)
		if (rp->remote[i].via_relay == relayed &&
		    sa_equal((struct sockaddr *)&rp->remote[i].ss, from))
			type = rp->remote[i].type;
	if (relayed)
		type = RDV_CAND_RELAY;
	prio = rdv_prio(type, from->sa_family);
	if (rp->have_path && prio <= rp->path_prio)
		return;
	if ((wp = wg_peer_by_id(rp->id)) == NULL)
		return;
	rp->path = ss;
	rp->path_sock = relayed || sock == NE_SOCK_DIRECT ? NE_SOCK_CUR :
	    sock;
	rp->path_prio = prio;
	rp->path_relayed = type == RDV_CAND_RELAY;
	rp->path_via = relayed;
	if (!rp->have_path) {
		rp->t_path = wg_now_ms();
		rdv.paths++;
	}
	rp->have_path = 1;
	log_info("rdv: peer %s: path to %s (%s)", wp->name,
	    log_sockaddr(from), type == RDV_CAND_HOST ? "host" :
	    type == RDV_CAND_SRFLX ? "server-reflexive" :
	    type == RDV_CAND_PREDICTED ? "predicted" :
	    type == RDV_CAND_RELAY ? "relayed" : "peer-reflexive");
	if (rp->committed || rdv_commit_now(rp, wg_now_ms()))
		rdv_commit(rp, wp);
}
