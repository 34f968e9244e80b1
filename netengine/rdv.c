/*
 * The connection state machine of a peer met through the drop.  The
 * side with "role offer" publishes a sealed offer with its candidates
 * while the peer is not connected, and refreshes it before it
 * expires; the side with "role answer" opens offers, answers with its
 * own candidates and a token bound to the offer, and both then probe
 * every candidate of the other at once.  The first pair that answers
 * an authenticated probe becomes the peer's endpoint, and the
 * answering side starts the WireGuard handshake over it.  A connection
 * that goes quiet is probed again on the pair it had before the drop
 * is used again.  docs/rendezvous.md is the specification.
 *
 * The candidates are rdv_cand.c's, the punching and the choice of a
 * path rdv_punch.c's, and what clawctl shows rdv_ctl.c's; the state
 * the four share is declared in rdv_local.h.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event.h>

#include "clawd.h"
#include "clawd_imsg.h"
#include "log.h"
#include "proc.h"
#include "util.h"
#include "stun.h"
#include "natdisc.h"
#include "turn.h"
#include "wg.h"
#include "udp.h"
#include "rdv.h"
#include "spray.h"
#include "rdv_local.h"

static void	rdv_tick(int, short, void *);
static void	rdv_answer(struct rdv_peer *, uint64_t);
static void	rdv_request(struct rdv_peer *, uint64_t);
static int	rdv_nat_ready(uint64_t);
static int	rdv_answer_ready(uint64_t);
static int	rdv_demand(uint32_t);
static uint32_t	rdv_drop_needed(uint64_t);
static void	rdv_listen_send(void);

void
rdv_init(void)
{
	struct timeval	 tv = { 0, RDV_TICK_MS * 1000 };

	TAILQ_INIT(&rdv.peers);
	rdv.listen = DROP_LISTEN_EAGER;	/* as the signaler starts */
	/* ChannelData: 4 bytes of framing instead of 36 per packet. */
	turn_use_channels(1);
	evtimer_set(&rdv.tick, rdv_tick, NULL);
	evtimer_add(&rdv.tick, &tv);
	wg_demand_hook(rdv_demand);
}

/*
 * Is the peer wanted?  Always, unless it is on demand: then only while
 * packets for it came lately (connect on the first packet).
 */
static int
rdv_wanted(const struct rdv_peer *rp, uint64_t now)
{
	return !rp->on_demand || (rp->demand_at != 0 &&
	    now - rp->demand_at < RDV_DEMAND_MS);
}

/*
 * Answer the offer we hold now?  On demand, only when a packet wants
 * the peer, and not an offer about to expire (its writer will have
 * replaced it: the newer one comes through the drop).
 */
static int
rdv_held_usable(struct rdv_peer *rp, uint64_t now, int64_t wall)
{
	if (!rp->have_deferred || !rdv_answer_ready(now))
		return 0;
	if (!rp->held)
		return 1;
	if (rp->expiry - wall < RDV_HELD_MIN) {
		rp->have_deferred = 0;
		return 0;
	}
	return rdv_wanted(rp, now);
}

/*
 * An idle peer we answer on demand is wanted: answer the offer we hold,
 * or ask for one.  What the drop got while we did not follow it is
 * read first when it matters (the other side may have replaced the
 * offer we hold, or keep a standing one we have not seen): the
 * signaler says when it has caught up (rdv_drop_ready()), after
 * RDV_CATCHUP_MS at most.  A drop read within RDV_CURRENT_MS is
 * current, and an offer held for less than RDV_HELD_FRESH_MS is
 * answered at once.
 */
static void
rdv_idle_wanted(struct rdv_peer *rp, uint64_t now, int64_t wall)
{
	int	 caught;

	if (rp->catchup_at == 0) {
		rp->catchup_at = now;
		rp->catchup = rdv.listen == DROP_LISTEN_PAUSE &&
		    now - rdv.drop_at > RDV_CURRENT_MS;
	}
	caught = !rp->catchup || rdv.drop_at >= rp->catchup_at ||
	    now - rp->catchup_at >= RDV_CATCHUP_MS;
	if (rdv_held_usable(rp, now, wall) &&
	    (caught || now - rp->held_at < RDV_HELD_FRESH_MS)) {
		rdv_answer(rp, now);
		return;
	}
	if (rp->have_deferred || !caught)
		return;		/* our NAT first, or the drop */
	if (rp->last_request == 0 ||
	    now - rp->last_request >= RDV_REQUEST_GAP_MS)
		rdv_request(rp, now);
}

/*
 * wg.c: a packet for a peer with no endpoint yet.  A peer we answer is
 * ours to meet (WireGuard keeps the packet until we have); an idle one
 * on demand asks for an offer now.  Any other has no route.
 */
static int
rdv_demand(uint32_t id)
{
	struct rdv_peer	*rp;
	uint64_t	 now = wg_now_ms();

	if ((rp = rdv_peer(id)) == NULL || rp->role != PEER_ROLE_ANSWER)
		return 0;
	if (!rdv_wanted(rp, now))
		log_info("rdv: peer %u: wanted by a packet", rp->id);
	rp->demand_at = now;
	if (rp->on_demand && rp->state == RDV_IDLE && rdv.drop_ready)
		rdv_idle_wanted(rp, now, time(NULL));
	return 1;
}

void
rdv_port(uint16_t port)
{
	rdv.port = port;
	rdv.port_at = wg_now_ms();
}

/*
 * May a message leave now?  Once our NAT's mapping is known: at once
 * when two STUN servers see one mapping (or none), or when what
 * discovery found at our last start still applies (rdv_nat_src()),
 * else when RFC 5780 discovery has its mapping verdict (a few round
 * trips after the first STUN answer; the filtering one comes later),
 * RDV_NATWAIT_MS after a new socket at most.  Port guesses past a
 * sequential NAT are made from the mapping and step in the message,
 * which must be the ones discovery settles on; what discovery learns
 * after a message left goes in every probe.
 */
static int
rdv_nat_ready(uint64_t now)
{
	uint8_t	 m, f;
	int16_t	 d;
	int	 step;

	if (natdisc_get(&m, &f, &step) >= 0 ||
	    now - rdv.port_at >= RDV_NATWAIT_MS)
		return 1;
	switch (rdv_nat_src(&m, &d, &f)) {
	case RDV_NATSRC_MEMORY:
		return 1;
	case RDV_NATSRC_SERVERS:
		return m == RDV_NAT_EIM || m == RDV_NAT_NONE;
	}
	return 0;
}

/*
 * May a response leave now?  The offer's side is waiting, so without
 * waiting for our NAT's discovery when the first STUN server's answer
 * already suggests a NAT that keeps one mapping per socket: one that
 * kept our local port (Linux's and most home routers' cone NATs do).
 * Its server-reflexive address is then the one the peer must aim at,
 * and what discovery finds later reaches the peer in our probes.  A
 * NAT that changed our port may be symmetric, whose port guesses need
 * the step discovery measures: that side waits for discovery's
 * mapping tests (rdv_nat_ready()), a few round trips.
 */
static int
rdv_answer_ready(uint64_t now)
{
	struct sockaddr_storage	 pub, loc;

	if (rdv_nat_ready(now))
		return 1;
	return stun_first(&pub, &loc) == 0 && sa_port(&pub) == sa_port(&loc);
}

struct rdv_peer *
rdv_peer(uint32_t id)
{
	struct rdv_peer	*rp;

	TAILQ_FOREACH(rp, &rdv.peers, entry)
		if (rp->id == id)
			return rp;
	return NULL;
}

/* --- configuration --------------------------------------------------- */

static void
rdv_peer_free(struct rdv_peer *rp)
{
	spray_end(&rp->spray);
	TAILQ_REMOVE(&rdv.peers, rp, entry);
	explicit_bzero(rp, sizeof(*rp));
	free(rp);
}

void
rdv_conf_start(void)
{
	struct rdv_peer	*rp;

	TAILQ_FOREACH(rp, &rdv.peers, entry)
		rp->seen = 0;
	rdv.nhosts_next = 0;
}

void
rdv_conf_hostaddr(const struct imsg_hostaddr *ha)
{
	struct sockaddr_in	*sin;

	/* The socket is IPv4 (clawd.8, CAVEATS). */
	if (ha->af != AF_INET || rdv.nhosts_next == RDV_HOSTS_MAX)
		return;
	sin = (struct sockaddr_in *)&rdv.hosts_next[rdv.nhosts_next++];
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	memcpy(&sin->sin_addr, ha->addr, 4);
}

/* A peer with a role and no fixed endpoint is met through the drop. */
void
rdv_conf_peer(const struct imsg_conf_peer *cp)
{
	struct rdv_peer	*rp;

	if (cp->role == PEER_ROLE_NONE || cp->endpoint.ss_family != 0)
		return;
	if ((rp = rdv_peer(cp->id)) != NULL) {
		if (rp->role == cp->role) {
			rp->on_demand = cp->on_demand != 0;
			rp->seen = 1;
			return;
		}
		rdv_peer_free(rp);
	}
	if ((rp = calloc(1, sizeof(*rp))) == NULL)
		fatal("rdv");
	rp->id = cp->id;
	rp->role = cp->role;
	rp->on_demand = cp->on_demand != 0;
	rp->seen = 1;
	rp->state = RDV_IDLE;
	TAILQ_INSERT_TAIL(&rdv.peers, rp, entry);
}

void
rdv_conf_end(void)
{
	struct rdv_peer	*rp, *next;

	TAILQ_FOREACH_SAFE(rp, &rdv.peers, entry, next)
		if (!rp->seen)
			rdv_peer_free(rp);
	memcpy(rdv.hosts, rdv.hosts_next, sizeof(rdv.hosts));
	rdv.nhosts = rdv.nhosts_next;
}

void
rdv_drop_ready(void)
{
	uint64_t	 now = wg_now_ms();

	rdv.drop_at = now;
	/*
	 * The signaler waits for our word, given knowing what the drop
	 * held: the first time as we need it now (it has not followed
	 * yet, there is nothing to linger on), later as we follow.
	 */
	if (!rdv.drop_ready) {
		log_debug("rdv: the drop is ready");
		rdv.drop_ready = 1;
		rdv.listen = rdv_drop_needed(now);
		rdv.need_at = rdv.listen != DROP_LISTEN_PAUSE ? now : 0;
	}
	rdv_listen_send();
}

/* --- publishing ------------------------------------------------------ */

static void
rdv_remove_file(const char *name)
{
	struct ctl_drop_name	 dn;

	if (name[0] == '\0')
		return;
	memset(&dn, 0, sizeof(dn));
	strlcpy(dn.name, name, sizeof(dn.name));
	proc_child_compose(PROC_SIGNALER, IMSG_RDV_RM, 0, 0, -1, &dn,
	    sizeof(dn));
}

static int
rdv_seal(struct rdv_peer *rp, const struct rdv_msg *msg)
{
	struct imsg_rdv_seal	 hdr;
	uint8_t			 buf[RDV_MSG_MAX];
	ssize_t			 len;

	if ((len = rdv_encode(buf, sizeof(buf), msg)) == -1)
		return -1;
	memset(&hdr, 0, sizeof(hdr));
	hdr.peer = rp->id;
	memcpy(hdr.conn, msg->conn, sizeof(hdr.conn));
	if (rdv_name(hdr.name, sizeof(hdr.name), msg->kind, msg->conn) == -1)
		return -1;
	return proc_child_compose2(PROC_CRYPTO, IMSG_RDV_SEAL, 0, &hdr,
	    sizeof(hdr), buf, len) == -1 ? -1 : 0;
}

/*
 * An offer: a fresh id, or on demand the id of the request it answers,
 * so that the peer can tell its offer from others' without reading them.
 */
static void
rdv_offer(struct rdv_peer *rp, uint64_t now, const uint8_t *id)
{
	struct rdv_msg	 msg;

	memset(&msg, 0, sizeof(msg));
	msg.kind = RDV_KIND_OFFER;
	if (id != NULL)
		memcpy(msg.conn, id, sizeof(msg.conn));
	else
		arc4random_buf(msg.conn, sizeof(msg.conn));
	msg.ts = time(NULL);
	msg.expiry = msg.ts + RDV_LIFETIME;
	rdv_gather(&msg, 1);
	if (msg.ncand == 0) {
		log_debug("rdv: peer %u: no candidates yet", rp->id);
		rp->last_offer = now;
		return;
	}
	/* The old offer goes once crypto has sealed the new one. */
	memcpy(rp->conn, msg.conn, sizeof(rp->conn));
	rp->have_key = 0;
	rp->expiry = msg.expiry;
	rp->last_offer = now;
	if (rp->t_begin == 0 || rp->state == RDV_IDLE)
		rp->t_begin = now;
	rp->state = RDV_OFFERED;
	rp->early = 0;
	if (rdv_seal(rp, &msg) == -1)
		log_warnx("rdv: peer %u: cannot seal an offer", rp->id);
	rdv.offers_out++;
}

/*
 * On demand: ask the offering side for an offer, with a sealed file
 * that says nothing but "now" (an id, a time, an expiry).
 */
static void
rdv_request(struct rdv_peer *rp, uint64_t now)
{
	struct rdv_msg	 msg;

	memset(&msg, 0, sizeof(msg));
	msg.kind = RDV_KIND_REQUEST;
	arc4random_buf(msg.conn, sizeof(msg.conn));
	msg.ts = time(NULL);
	msg.expiry = msg.ts + RDV_LIFETIME;
	rp->last_request = now;
	if (rp->t_begin == 0)
		rp->t_begin = now;
	rdv_remove_file(rp->reqfile);
	if (rdv_name(rp->reqfile, sizeof(rp->reqfile), msg.kind,
	    msg.conn) == -1 || rdv_seal(rp, &msg) == -1) {
		log_warnx("rdv: peer %u: cannot seal a request", rp->id);
		return;
	}
	rdv.requests_out++;
}

/* Crypto sealed a message of ours: its probe key and file hash. */
void
rdv_key(const struct imsg_rdv_key *k)
{
	struct rdv_peer	*rp;
	uint8_t		 kind;
	char		 name[DROP_NAME_MAX];

	if ((rp = rdv_peer(k->peer)) == NULL ||
	    memcmp(rp->conn, k->conn, sizeof(rp->conn)) != 0)
		return;		/* superseded meanwhile */
	kind = rp->role == PEER_ROLE_OFFER ? RDV_KIND_OFFER :
	    RDV_KIND_RESPONSE;
	if (kind == RDV_KIND_OFFER) {
		memcpy(rp->key, k->key, sizeof(rp->key));
		memcpy(rp->hash, k->hash, sizeof(rp->hash));
		rp->have_key = 1;
	}
	rdv_name(name, sizeof(name), kind, k->conn);
	if (kind == RDV_KIND_OFFER && strcmp(name, rp->myfile) != 0) {
		rdv_remove_file(rp->myfile);
		strlcpy(rp->myfile, name, sizeof(rp->myfile));
	}
}

/* --- probes --------------------------------------------------------- */

/*
 * A probe: believed only if its MAC checks; rdv_punch.c answers it
 * and chooses the path.
 */
void
rdv_probe_input(const uint8_t *pkt, size_t len, const struct sockaddr *from,
    int relayed)
{
	struct rdv_peer		*rp;
	struct probe		 p;

	if (probe_parse(&p, pkt, len) == -1 ||
	    (rp = rdv_peer_by_conn(p.conn)) == NULL ||
	    probe_verify(pkt, len, rp->key) == -1) {
		rdv.probes_bad++;
		return;
	}
	rdv.probes_in++;
	/*
	 * Our offer taken: its probes can come long before its response
	 * does (a drop slow with many clients).  Only the peer has this
	 * connection's key: punch toward them now.
	 */
	if (p.kind == PROBE_REQUEST && rp->state == RDV_OFFERED &&
	    rp->role == PEER_ROLE_OFFER) {
		rp->nremote = 0;
		rp->early = 1;
		rdv_remove_file(rp->myfile);
		rp->myfile[0] = '\0';
		rp->t_msg = wg_now_ms();
		rdv_punch(rp, rp->t_msg, RDV_PUNCH_MS);
		log_info("rdv: peer %u: offer taken, probed before its "
		    "response", rp->id);
	}
	rdv_punch_probe(rp, &p, from, relayed);
}

/* --- messages from the drop ------------------------------------------ */

static int
rdv_seen(const uint8_t id[RDV_ID_LEN], int64_t expiry, int64_t now)
{
	size_t	 i, j;

	for (i = j = 0; i < rdv.nseen; i++) {
		if (rdv.seen[i].expiry + RDV_SKEW < now)
			continue;	/* forgotten once expired */
		if (memcmp(rdv.seen[i].id, id, RDV_ID_LEN) == 0)
			return 1;
		rdv.seen[j++] = rdv.seen[i];
	}
	rdv.nseen = j;
	if (rdv.nseen == RDV_SEEN_MAX) {
		/* Full of live ids: refuse rather than forget one. */
		return 1;
	}
	memcpy(rdv.seen[rdv.nseen].id, id, RDV_ID_LEN);
	rdv.seen[rdv.nseen].expiry = expiry;
	rdv.nseen++;
	return 0;
}

static void
rdv_reject(const char *name, const char *why)
{
	rdv.rejected++;
	log_warnx("rdv: %s refused: %s", name, why);
}

void
rdv_input(struct imsg *imsg)
{
	struct imsg_rdv_in	 hdr;
	struct rdv_peer		*rp;
	struct rdv_msg		 msg;
	struct ibuf		 b;
	uint8_t			 body[RDV_MSG_MAX];
	size_t			 len;
	int64_t			 now = time(NULL);
	uint64_t		 mnow = wg_now_ms();

	if (imsg_get_ibuf(imsg, &b) == -1 ||
	    ibuf_get(&b, &hdr, sizeof(hdr)) == -1 ||
	    (len = ibuf_size(&b)) > sizeof(body) ||
	    ibuf_get(&b, body, len) == -1)
		fatalx("bad RDV_IN");
	hdr.name[sizeof(hdr.name) - 1] = '\0';
	if ((rp = rdv_peer(hdr.peer)) == NULL)
		return;
	if (rdv_decode(&msg, body, len) == -1) {
		rdv_reject(hdr.name, "malformed");
		return;
	}
	if (memcmp(msg.conn, hdr.conn, RDV_ID_LEN) != 0) {
		rdv_reject(hdr.name, "id does not match its name");
		return;
	}
	if (msg.ts > now + RDV_SKEW || msg.expiry < now - RDV_SKEW ||
	    msg.expiry - msg.ts > RDV_LIFETIME) {
		rdv_reject(hdr.name, "stale or from the future");
		return;
	}
	if (msg.kind == RDV_KIND_REQUEST) {
		if (rp->role != PEER_ROLE_OFFER) {
			rdv_reject(hdr.name, "a request from a peer we answer");
			return;
		}
		if (rdv_seen(msg.conn, msg.expiry, now)) {
			rdv_reject(hdr.name, "replayed");
			return;
		}
		/* Only the peer can seal it: an offer at once, gap or not. */
		rdv.requests_in++;
		rdv_remove_file(hdr.name);
		log_info("rdv: peer %u: asked for an offer", rp->id);
		rdv_offer(rp, mnow, msg.conn);
		return;
	}
	if (msg.kind == RDV_KIND_OFFER) {
		if (rp->role != PEER_ROLE_ANSWER) {
			rdv_reject(hdr.name, "an offer from a peer we offer "
			    "to");
			return;
		}
		if (rp->have_deferred && msg.ts < rp->offer.ts) {
			log_debug("rdv: peer %u: %s older than the offer held; "
			    "ignored", rp->id, hdr.name);
			return;
		}
		if (rdv_seen(msg.conn, msg.expiry, now)) {
			rdv_reject(hdr.name, "replayed");
			return;
		}
		rdv.offers_in++;
		rdv_remove_file(rp->reqfile);
		rp->reqfile[0] = '\0';
		memcpy(rp->conn, msg.conn, sizeof(rp->conn));
		memcpy(rp->key, hdr.key, sizeof(rp->key));
		memcpy(rp->hash, hdr.hash, sizeof(rp->hash));
		rp->have_key = 1;
		rp->expiry = msg.expiry;
		rp->offer = msg;
		strlcpy(rp->offer_name, hdr.name, sizeof(rp->offer_name));
		rp->t_begin = mnow;
		rp->t_msg = mnow;
		/*
		 * Once our NAT's mapping is known (rdv_nat_ready()); an
		 * idle peer on demand, held until a packet wants it.
		 */
		rp->held = rp->on_demand && rp->state == RDV_IDLE &&
		    !rdv_wanted(rp, mnow);
		rp->held_at = mnow;
		rp->state = RDV_IDLE;
		rp->have_deferred = 1;
		if (rdv_held_usable(rp, mnow, now))
			rdv_answer(rp, mnow);
		return;
	}
	/* A response to our offer: its token is our file's hash. */
	if (rp->role != PEER_ROLE_OFFER || (rp->state != RDV_OFFERED &&
	    !rp->early) || !rp->have_key ||
	    memcmp(rp->conn, msg.conn, RDV_ID_LEN) != 0) {
		rdv_reject(hdr.name, "not an answer to our current offer");
		return;
	}
	if (memcmp(msg.token, rp->hash, RDV_HASH_LEN) != 0) {
		rdv_reject(hdr.name, "token does not match our offer");
		return;
	}
	rdv.responses_in++;
	if (rp->early) {
		/* Its probes came first: their candidates and these. */
		rp->early = 0;
		rdv_remote_set(rp, &msg, 1);
		rdv_remove_file(hdr.name);
		if (rp->state == RDV_PUNCHING)
			rdv_spray_start(rp, mnow);
		log_info("rdv: peer %u: response %s after its probes",
		    rp->id, hdr.name);
		return;
	}
	rdv_remote_set(rp, &msg, 0);
	rdv_remove_file(rp->myfile);
	rp->myfile[0] = '\0';
	rdv_remove_file(hdr.name);
	rp->t_msg = mnow;
	rdv_punch(rp, mnow, RDV_PUNCH_MS);
	rdv_spray_start(rp, mnow);
	log_info("rdv: peer %u: response %s with %zu candidates", rp->id,
	    hdr.name, msg.ncand);
}

/*
 * Our port rotated: each connected peer is met again, in the
 * background, on the new socket; the tunnel stays on the old one until
 * the new path is chosen (netengine.c keeps the old socket a while).
 */
void
rdv_rotated(void)
{
	struct rdv_peer	*rp;
	uint64_t	 now = wg_now_ms();

	TAILQ_FOREACH(rp, &rdv.peers, entry)
		if (rp->state == RDV_UP)
			rp->move_at = now + RDV_ROTATE_DELAY_MS;
}

static void
rdv_move(struct rdv_peer *rp, uint64_t now)
{
	rp->move_at = 0;
	log_info("rdv: peer %u: moving to the new port", rp->id);
	if (rp->role == PEER_ROLE_OFFER)
		rdv_offer(rp, now, NULL);
	else
		rdv_request(rp, now);
}

/* The answer to the offer in hand: our candidates, then punching. */
static void
rdv_answer(struct rdv_peer *rp, uint64_t now)
{
	struct rdv_msg	 resp;

	rp->have_deferred = 0;
	rp->catchup_at = 0;
	if (rp->held)
		rp->t_begin = rp->t_msg = now;	/* held until wanted */
	rp->held = 0;
	rdv_remote_set(rp, &rp->offer, 0);
	memset(&resp, 0, sizeof(resp));
	resp.kind = RDV_KIND_RESPONSE;
	memcpy(resp.conn, rp->offer.conn, sizeof(resp.conn));
	resp.ts = time(NULL);
	resp.expiry = rp->offer.expiry;
	memcpy(resp.token, rp->hash, sizeof(resp.token));
	rdv_gather(&resp, !rdv_has_relay(&rp->offer));
	if (rdv_seal(rp, &resp) == -1) {
		log_warnx("rdv: cannot seal a response");
		return;
	}
	rdv.responses_out++;
	rdv_punch(rp, now, RDV_PUNCH_MS);
	rdv_spray_start(rp, now);
	log_info("rdv: peer %u: answered offer %s with %zu candidates",
	    rp->id, rp->offer_name, resp.ncand);
}

/* --- the clock ------------------------------------------------------- */

/* Does this peer wait for an offer from the drop now? */
static int
rdv_waits_offer(const struct rdv_peer *rp, uint64_t now)
{
	if (!rdv_wanted(rp, now))
		return 0;
	switch (rp->state) {
	case RDV_IDLE:
		/*
		 * Ahead of time, until the offer comes; on demand, while
		 * reading what came when we did not follow (above).
		 */
		if (!rp->on_demand)
			return !rp->have_deferred;
		return rp->catchup_at != 0 && rp->catchup &&
		    rdv.drop_at < rp->catchup_at;
	case RDV_PUNCHING:
		/*
		 * The probes are the acknowledgement: we do not follow the
		 * drop for what becomes of our answer (a client among many
		 * would pay for every other client's message), and if
		 * punching gives up we read the drop again, idle.
		 */
		return 0;
	default:
		return rp->state != RDV_UP;
	}
}

/*
 * How the drop is needed (DROP_LISTEN_*).  Eagerly when we offer to a
 * peer: its request or response can come at any time, from a client
 * that restarted too.  Paced when a peer we answer waits for an offer
 * (rdv_waits_offer(): ahead of time, until one comes; on demand, only
 * while we read what came during a pause; never while we punch), or
 * our request for an offer is out (met again after a port rotation,
 * the offer comes through the drop).  Not at all when every peer we
 * answer is connected, punching or idle, with nothing asked.  Without
 * rendezvous peers the drop is clawctl's alone, and is followed as
 * ever.
 */
static uint32_t
rdv_drop_needed(uint64_t now)
{
	struct rdv_peer	*rp;
	uint32_t	 need = DROP_LISTEN_PAUSE;
	int		 roles = 0;

	TAILQ_FOREACH(rp, &rdv.peers, entry) {
		if (rp->role == PEER_ROLE_OFFER)
			return DROP_LISTEN_EAGER;
		if (rp->role != PEER_ROLE_ANSWER)
			continue;
		roles = 1;
		if (rdv_waits_offer(rp, now) || (rp->reqfile[0] != '\0' &&
		    now - rp->last_request < RDV_LIFETIME * 1000ULL))
			need = DROP_LISTEN_PACED;
	}
	return roles ? need : DROP_LISTEN_EAGER;
}

static void
rdv_listen_send(void)
{
	struct imsg_drop_listen	 dl;

	memset(&dl, 0, sizeof(dl));
	dl.listen = rdv.listen;
	dl.ready = rdv.drop_ready;
	proc_child_compose(PROC_SIGNALER, IMSG_DROP_LISTEN, 0, 0, -1, &dl,
	    sizeof(dl));
}

/* Tell the signaler to follow the folder, or to pause after a while. */
static void
rdv_listen_tick(uint64_t now)
{
	uint32_t		 need;

	if ((need = rdv_drop_needed(now)) != DROP_LISTEN_PAUSE)
		rdv.need_at = now;
	else if (rdv.need_at != 0 && now - rdv.need_at < RDV_LISTEN_LINGER_MS)
		return;
	if (need == rdv.listen)
		return;
	rdv.listen = need;
	rdv_listen_send();
}

/*
 * Offers written ahead of time are refreshed together: when one is
 * due, every one due within RDV_ALIGN seconds goes with it, so that a
 * server's standing offers for many clients cost one MEGA request per
 * round, not one each.
 */
static int64_t
rdv_refresh_align(uint64_t now, int64_t wall)
{
	struct rdv_peer	*rp;

	TAILQ_FOREACH(rp, &rdv.peers, entry)
		if (rp->state == RDV_OFFERED && !rp->on_demand &&
		    wall >= rp->expiry - RDV_REFRESH &&
		    now - rp->last_offer >= RDV_OFFER_GAP_MS)
			return RDV_ALIGN;
	return 0;
}

static const char *const natsrc_names[] = {
	[RDV_NATSRC_NONE] = "nothing yet",
	[RDV_NATSRC_SERVERS] = "the STUN servers",
	[RDV_NATSRC_MEMORY] = "discovery at the last start",
	[RDV_NATSRC_DISCOVERY] = "discovery",
	[RDV_NATSRC_DISC_MEMORY] = "discovery (filtering: at the last start)"
};

static void
rdv_tick(int fd, short ev, void *arg)
{
	struct timeval		 tv = { 0, RDV_TICK_MS * 1000 };
	struct rdv_peer		*rp;
	struct spray_nat	 nat;
	uint64_t		 now = wg_now_ms();
	int64_t			 wall = time(NULL), align;
	int			 src;

	(void)fd;
	(void)ev;
	(void)arg;
	evtimer_add(&rdv.tick, &tv);
	rdv_listen_tick(now);
	rdv_nat_keep();
	src = rdv_nat_src(&nat.mapping, &nat.delta, &nat.filtering);
	if (memcmp(&nat, &rdv.nat_told, sizeof(nat)) != 0) {
		rdv.nat_told = nat;
		log_info("rdv: our NAT: mapping %u, filtering %u, step %d, "
		    "from %s", nat.mapping, nat.filtering, nat.delta,
		    natsrc_names[src]);
		TAILQ_FOREACH(rp, &rdv.peers, entry)
			rdv_punch_nat_changed(rp);
	}
	align = rdv_refresh_align(now, wall);
	TAILQ_FOREACH(rp, &rdv.peers, entry) {
		rdv_spray_tick(rp, now);
		switch (rp->state) {
		case RDV_IDLE:
			if (!rdv.drop_ready)
				break;
			/* Ahead of time, or when the peer asks for it. */
			if (rp->role == PEER_ROLE_OFFER && !rp->on_demand &&
			    rdv_nat_ready(now) && (rp->last_offer == 0 ||
			    now - rp->last_offer >= RDV_OFFER_GAP_MS))
				rdv_offer(rp, now, NULL);
			if (rp->role == PEER_ROLE_ANSWER && rp->on_demand) {
				if (rdv_wanted(rp, now))
					rdv_idle_wanted(rp, now, wall);
				else
					rp->catchup_at = 0;
			} else if (rdv_held_usable(rp, now, wall))
				rdv_answer(rp, now);
			break;
		case RDV_OFFERED:
			if (rp->on_demand && wall >= rp->expiry) {
				/* Not taken up: wait for the next request. */
				rdv_remove_file(rp->myfile);
				rp->myfile[0] = '\0';
				rp->state = RDV_IDLE;
			} else if (!rp->on_demand &&
			    wall >= rp->expiry - RDV_REFRESH - align &&
			    now - rp->last_offer >= RDV_OFFER_GAP_MS)
				rdv_offer(rp, now, NULL);
			break;
		case RDV_PUNCHING:
			rdv_punch_tick(rp, now);
			break;
		case RDV_UP:
			if (rp->move_at != 0 && now >= rp->move_at)
				rdv_move(rp, now);
			else if (rp->path_relayed &&
			    (rp->last_upgrade < rp->t_hs ||
			    now - rp->last_upgrade >= RDV_UPGRADE_MS))
				rdv_upgrade(rp, now);
			else
				rdv_up_tick(rp, now);
			break;
		}
	}
}
