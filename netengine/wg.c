/*
 * netengine's WireGuard control plane: the peer table, local indices,
 * the handshake glue (mac1/cookies here, static-key work in crypto)
 * and the timers of whitepaper section 6.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/tree.h>

#include <netinet/in.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event.h>

#include "clawd.h"
#include "clawd_imsg.h"
#include "log.h"
#include "proc.h"
#include "util.h"
#include "udp.h"
#include "wg.h"

#define WG_TICK_MS		100
#define WG_PENDING_MAX		64	/* initiations awaiting crypto */
#define WG_LOAD_PER_SEC		200	/* handshakes a second: under load */

RB_HEAD(wg_indices, wg_index);
int		wg_index_cmp(struct wg_index *, struct wg_index *);
RB_PROTOTYPE(wg_indices, wg_index, entry, wg_index_cmp);
RB_GENERATE(wg_indices, wg_index, entry, wg_index_cmp);

/* An initiation handed to crypto: where to send the answer. */
struct wg_pending {
	uint32_t		 index;
	struct sockaddr_storage	 src;
	int			 sock;		/* it came in on */
	int			 relayed;	/* through our relay */
	uint64_t		 when;
};

static struct {
	struct wg_peers		 peers;
	struct wg_indices	 indices;
	struct cookie_checker	 checker;
	int			 have_pubkey;
	struct wg_pending	 pending[WG_PENDING_MAX];
	unsigned int		 npending;
	uint64_t		 load_second;
	unsigned int		 load_count;
	uint64_t		 under_load_until;
	struct event		 tick;
	struct {
		uint64_t	 bad_mac;	/* handshake, mac1/mac2 */
		uint64_t	 cookie_sent;
		uint64_t	 unknown_index;
		uint64_t	 bad_cookie;
	}			 cnt;
} wg;

int
wg_index_cmp(struct wg_index *a, struct wg_index *b)
{
	return a->index < b->index ? -1 : a->index > b->index;
}

/* A fresh random local index, unique among the live ones. */
static struct wg_index *
index_new(struct wg_peer *p, struct wg_keypair *kp)
{
	struct wg_index	*ix;

	if ((ix = calloc(1, sizeof(*ix))) == NULL)
		fatal(NULL);
	ix->peer = p;
	ix->kp = kp;
	do
		ix->index = arc4random();
	while (ix->index == 0 || RB_INSERT(wg_indices, &wg.indices, ix) !=
	    NULL);
	return ix;
}

static struct wg_index *
index_find(uint32_t index)
{
	struct wg_index	 key;

	key.index = index;
	return RB_FIND(wg_indices, &wg.indices, &key);
}

static void
index_free(struct wg_index *ix)
{
	if (ix == NULL)
		return;
	RB_REMOVE(wg_indices, &wg.indices, ix);
	free(ix);
}

static void
keypair_free(struct wg_keypair *kp)
{
	if (kp == NULL)
		return;
	index_free(index_find(kp->local_index));
	wgc_aead_free(&kp->send);
	wgc_aead_free(&kp->recv);
	freezero(kp, sizeof(*kp));
}

static void
peer_clear_keys(struct wg_peer *p)
{
	keypair_free(p->kp_previous);
	keypair_free(p->kp_current);
	keypair_free(p->kp_next);
	p->kp_previous = p->kp_current = p->kp_next = NULL;
}

/*
 * Where the peer is, and on which of our sockets (two during a port
 * rotation).
 */
void
wg_set_endpoint(struct wg_peer *p, const struct sockaddr *sa, int sock)
{
	p->sock = sock;
	if (sa_equal((const struct sockaddr *)&p->endpoint, sa))
		return;
	if (p->endpoint.ss_family != 0)
		log_info("peer %s: endpoint now %s", p->name,
		    log_sockaddr(sa));
	memcpy(&p->endpoint, sa, sa_len(sa));
}

/*
 * The peer is at sa, reached through our relay or not: after an
 * authenticated packet (a verified handshake, a transport message that
 * opened) from there, the way it came, or the path the rendezvous
 * chose.  Nothing else moves either.
 */
void
wg_set_path(struct wg_peer *p, const struct sockaddr *sa, int sock,
    int relayed)
{
	udp_relay_mark(sa, relayed);
	wg_set_endpoint(p, sa, sock);
}

/*
 * A port rotation: every peer on the current socket stays on the old
 * one for now (one on a many-probe socket stays where it is).
 */
void
wg_sock_rotated(int prev)
{
	struct wg_peer	*p;

	TAILQ_FOREACH(p, &wg.peers, entry)
		if (p->sock == NE_SOCK_CUR)
			p->sock = prev;
}

/* Does a peer's tunnel use this socket? */
int
wg_sock_used(int sock)
{
	struct wg_peer	*p;

	TAILQ_FOREACH(p, &wg.peers, entry)
		if (p->sock == sock)
			return 1;
	return 0;
}

/* The old socket is closed: whoever is still on it tries the new. */
void
wg_sock_closed(int prev)
{
	struct wg_peer	*p;

	TAILQ_FOREACH(p, &wg.peers, entry)
		if (p->sock == prev)
			p->sock = NE_SOCK_CUR;
}

void
wg_set_pubkey(const uint8_t pub[WGC_KEY_LEN])
{
	if (cookie_checker_init(&wg.checker, pub) == -1)
		fatalx("cookie checker");
	wg.have_pubkey = 1;
}

/*
 * Ask crypto for an initiation.  Retries are the timer's business;
 * here only the rate limit: one initiation per REKEY_TIMEOUT.
 */
void
wg_initiate(struct wg_peer *p, int retry)
{
	struct imsg_wg_initiate	 wi;
	uint64_t		 now = wg_now_ms();

	if (p->endpoint.ss_family == 0 || !wg.have_pubkey)
		return;
	if (p->hs != NULL && !retry &&
	    now - p->hs_last < WG_REKEY_TIMEOUT * 1000)
		return;
	if (p->hs == NULL && !retry)
		p->hs_first = now;
	index_free(p->hs);
	p->hs = index_new(p, NULL);
	p->hs_src.ss_family = 0;
	p->hs_last = now;
	p->hs_rekey_jitter = arc4random_uniform(334);
	wi.id = p->id;
	wi.sender = p->hs->index;
	proc_child_compose(PROC_CRYPTO, IMSG_WG_INITIATE, 0, 0, -1, &wi,
	    sizeof(wi));
}

struct wg_peer *
wg_peer_by_id(uint32_t id)
{
	struct wg_peer	*p;

	TAILQ_FOREACH(p, &wg.peers, entry)
		if (p->id == id)
			return p;
	return NULL;
}

static void
peer_send_handshake(struct wg_peer *p, void *msg, size_t len)
{
	if (cookie_maker_mac(&p->cm, msg, len, wg_now_ms() / 1000) == -1)
		return;
	if (p->endpoint.ss_family == 0)
		return;
	if (udp_send_on(p->sock, (struct sockaddr *)&p->endpoint, msg,
	    len) == 0)
		p->last_sent = wg_now_ms();
}

static struct wg_keypair *
keypair_new(struct wg_peer *p, const struct imsg_wg_hs_out *out)
{
	struct wg_keypair	*kp;
	struct wg_index		*ix;

	if ((kp = calloc(1, sizeof(*kp))) == NULL)
		fatal(NULL);
	if (wgc_aead_init(&kp->send, out->send) == -1 ||
	    wgc_aead_init(&kp->recv, out->recv) == -1)
		fatalx("cannot key a session");
	replay_init(&kp->replay);
	kp->remote_index = out->remote_index;
	kp->initiator = out->initiator;
	kp->born = wg_now_ms();
	kp->peer = p;
	/* The index crypto used is the one we chose; register it. */
	if ((ix = index_find(out->local_index)) != NULL) {
		if (ix->peer != p || ix->kp != NULL)
			fatalx("crypto returned a foreign index");
		if (p->hs == ix)
			p->hs = NULL;
		ix->kp = kp;
	} else {
		if ((ix = calloc(1, sizeof(*ix))) == NULL)
			fatal(NULL);
		ix->index = out->local_index;
		ix->peer = p;
		ix->kp = kp;
		if (RB_INSERT(wg_indices, &wg.indices, ix) != NULL)
			fatalx("index collision");
	}
	kp->local_index = ix->index;
	return kp;
}

/* The responder's new session becomes current with its first packet. */
void
wg_confirm(struct wg_peer *p, struct wg_keypair *kp)
{
	if (kp != p->kp_next)
		return;
	keypair_free(p->kp_previous);
	p->kp_previous = p->kp_current;
	p->kp_current = kp;
	p->kp_next = NULL;
	/* Only now has the handshake completed, as wg(8) counts it. */
	p->last_handshake = time(NULL);
	wg_flush_staged(p);
}

static struct wg_pending *
pending_take(uint32_t index)
{
	unsigned int	 i;

	for (i = 0; i < WG_PENDING_MAX; i++)
		if (wg.pending[i].index == index && index != 0)
			return &wg.pending[i];
	return NULL;
}

/* Crypto answered: a message to send, keys, or both. */
void
wg_handshake_out(const struct imsg_wg_hs_out *out)
{
	struct wg_msg_initiation init;
	struct wg_msg_response	 resp;
	struct wg_pending	*pd;
	struct wg_keypair	*kp;
	struct wg_peer		*p;

	if ((p = wg_peer_by_id(out->id)) == NULL)
		return;
	switch (out->type) {
	case WG_MSG_INITIATION:
		if (p->hs == NULL || p->hs->index != out->msg.init.sender)
			return;		/* superseded meanwhile */
		init = out->msg.init;
		peer_send_handshake(p, &init, sizeof(init));
		return;
	case WG_MSG_RESPONSE:
		if (!out->have_keys ||
		    (pd = pending_take(out->local_index)) == NULL)
			return;
		wg_set_path(p, (struct sockaddr *)&pd->src, pd->sock, pd->relayed);
		pd->index = 0;
		kp = keypair_new(p, out);
		keypair_free(p->kp_next);
		p->kp_next = kp;
		resp = out->msg.resp;
		peer_send_handshake(p, &resp, sizeof(resp));
		break;
	case 0:
		if (!out->have_keys || p->hs == NULL ||
		    p->hs->index != out->local_index)
			return;
		/* Verified: now the response's source may move the peer. */
		if (p->hs_src.ss_family != 0)
			wg_set_path(p, (struct sockaddr *)&p->hs_src, p->hs_sock,
			    p->hs_relayed);
		kp = keypair_new(p, out);
		keypair_free(p->kp_previous);
		if (p->kp_next != NULL) {
			/*
			 * Both sides initiated at once: the session we
			 * answered is the one the peer sends on now.  Keep it
			 * to receive with (as previous), not the old current;
			 * freeing it left each side sending on a session the
			 * other had dropped until the next handshake, 15 s.
			 */
			p->kp_previous = p->kp_next;
			p->kp_next = NULL;
			keypair_free(p->kp_current);
		} else
			p->kp_previous = p->kp_current;
		p->kp_current = kp;
		p->last_handshake = time(NULL);
		/* Send something, so the responder can confirm. */
		if (p->nstaged > 0)
			wg_flush_staged(p);
		else
			wg_keepalive(p);
		break;
	default:
		fatalx("crypto sent a handshake of type %u", out->type);
	}
	p->last_recv = wg_now_ms();
	log_debug("peer %s: session %s", p->name,
	    out->initiator ? "initiated" : "answered");
}

static int
wg_under_load(uint64_t now)
{
	if (now / 1000 != wg.load_second) {
		wg.load_second = now / 1000;
		wg.load_count = 0;
	}
	if (++wg.load_count > WG_LOAD_PER_SEC)
		wg.under_load_until = now + 1000;
	return now < wg.under_load_until;
}

static void
wg_input_handshake(uint8_t *pkt, size_t len, const struct sockaddr *src)
{
	struct imsg_wg_hs_in	 in;
	struct wg_msg_cookie	 reply;
	struct wg_pending	*pd;
	struct wg_index		*ix;
	uint64_t		 now = wg_now_ms();
	uint32_t		 type = pkt[0];
	int			 load;

	if (!wg.have_pubkey)
		return;
	load = wg_under_load(now);
	switch (cookie_checker_validate(&wg.checker, pkt, len, src, load,
	    now / 1000, &reply)) {
	case COOKIE_NEED_REPLY:
		wg.cnt.cookie_sent++;
		(void)udp_reply(src, &reply, sizeof(reply));
		return;
	case COOKIE_VALID:
		break;
	default:
		wg.cnt.bad_mac++;
		return;
	}
	memset(&in, 0, sizeof(in));
	in.type = type;
	if (type == WG_MSG_INITIATION) {
		memcpy(&in.msg.init, pkt, sizeof(in.msg.init));
		/* Choose the index for our answer; remember the source. */
		pd = &wg.pending[wg.npending++ % WG_PENDING_MAX];
		do
			pd->index = arc4random();
		while (pd->index == 0 || index_find(pd->index) != NULL);
		memcpy(&pd->src, src, sa_len(src));
		pd->sock = udp_rx_sock;
		pd->relayed = udp_rx_relayed;
		pd->when = now;
		in.sender = pd->index;
	} else {
		memcpy(&in.msg.resp, pkt, sizeof(in.msg.resp));
		if ((ix = index_find(le32toh(in.msg.resp.receiver))) == NULL ||
		    ix->kp != NULL || ix->peer->hs != ix) {
			wg.cnt.unknown_index++;
			return;
		}
		in.id = ix->peer->id;
		/*
		 * Roaming: answers go where the response came from, once
		 * crypto has verified it.  The first copy is the one crypto
		 * takes; later ones (replays, races) fail there.
		 */
		if (ix->peer->hs_src.ss_family == 0) {
			memcpy(&ix->peer->hs_src, src, sa_len(src));
			ix->peer->hs_sock = udp_rx_sock;
			ix->peer->hs_relayed = udp_rx_relayed;
		}
	}
	proc_child_compose(PROC_CRYPTO, IMSG_WG_HANDSHAKE_IN, 0, 0, -1, &in,
	    sizeof(in));
}

static void
wg_input_cookie(const uint8_t *pkt, size_t len)
{
	const struct wg_msg_cookie	*c = (const void *)pkt;
	struct wg_index			*ix;

	if ((ix = index_find(le32toh(c->receiver))) == NULL ||
	    cookie_maker_consume(&ix->peer->cm, pkt, len,
	    wg_now_ms() / 1000) == -1) {
		wg.cnt.bad_cookie++;
		return;
	}
	log_debug("peer %s: cookie received", ix->peer->name);
}

/* Types 1-4 with three zero bytes, at exactly their lengths. */
int
wg_is_message(const uint8_t *pkt, size_t len)
{
	if (len < 4 || pkt[1] != 0 || pkt[2] != 0 || pkt[3] != 0)
		return 0;
	switch (pkt[0]) {
	case WG_MSG_INITIATION:
		return len == sizeof(struct wg_msg_initiation);
	case WG_MSG_RESPONSE:
		return len == sizeof(struct wg_msg_response);
	case WG_MSG_COOKIE:
		return len == sizeof(struct wg_msg_cookie);
	case WG_MSG_DATA:
		return len >= WG_DATA_MIN;
	}
	return 0;
}

/* Every datagram that wg_is_message() accepted. */
void
wg_input(uint8_t *pkt, size_t len, const struct sockaddr *src)
{
	const struct wg_msg_data	*d;
	struct wg_index			*ix;

	switch (pkt[0]) {
	case WG_MSG_INITIATION:
	case WG_MSG_RESPONSE:
		wg_input_handshake(pkt, len, src);
		break;
	case WG_MSG_COOKIE:
		wg_input_cookie(pkt, len);
		break;
	case WG_MSG_DATA:
		d = (const void *)pkt;
		if ((ix = index_find(le32toh(d->receiver))) == NULL ||
		    ix->kp == NULL) {
			wg.cnt.unknown_index++;
			return;
		}
		wg_data_input(ix->kp, pkt, len, src);
		break;
	}
}

/* Drop sessions past REJECT_AFTER_TIME; everything after 3x that. */
static void
peer_expire(struct wg_peer *p, uint64_t now)
{
	const uint64_t	 reject = WG_REJECT_AFTER_TIME * 1000ULL;

	if (p->kp_previous != NULL && now - p->kp_previous->born >= reject) {
		keypair_free(p->kp_previous);
		p->kp_previous = NULL;
	}
	if (p->kp_next != NULL && now - p->kp_next->born >= reject) {
		keypair_free(p->kp_next);
		p->kp_next = NULL;
	}
	if (p->kp_current != NULL &&
	    now - p->kp_current->born >= 3 * reject)
		peer_clear_keys(p);
}

/* Whitepaper section 6, once every tick for every peer. */
static void
peer_timers(struct wg_peer *p, uint64_t now)
{
	/* Retransmit our initiation, or give up after 90 s. */
	if (p->hs != NULL && now - p->hs_last >=
	    WG_REKEY_TIMEOUT * 1000ULL + p->hs_rekey_jitter) {
		if (now - p->hs_first >= WG_REKEY_ATTEMPT_TIME * 1000ULL) {
			log_debug("peer %s: handshake gave up", p->name);
			index_free(p->hs);
			p->hs = NULL;
			wg_drop_staged(p);
		} else
			wg_initiate(p, 1);
	}
	/* Data received, nothing sent back: a passive keepalive. */
	if (p->data_recv_unanswered != 0 && now - p->data_recv_unanswered >=
	    WG_KEEPALIVE_TIMEOUT * 1000ULL)
		wg_keepalive(p);
	/* Data sent, nothing heard: the session may be dead. */
	if (p->data_unanswered != 0 && now - p->data_unanswered >=
	    (WG_KEEPALIVE_TIMEOUT + WG_REKEY_TIMEOUT) * 1000ULL) {
		p->data_unanswered = 0;
		wg_initiate(p, 0);
	}
	/* Persistent keepalive, holding NAT mappings open. */
	if (p->keepalive != 0 && now - p->last_sent >=
	    p->keepalive * 1000ULL)
		wg_keepalive(p);
	peer_expire(p, now);
}

static void
wg_tick(int fd, short event, void *arg)
{
	struct timeval	 tv = { 0, WG_TICK_MS * 1000 };
	struct wg_peer	*p;
	uint64_t	 now = wg_now_ms();

	(void)fd;
	(void)event;
	(void)arg;
	TAILQ_FOREACH(p, &wg.peers, entry)
		peer_timers(p, now);
	evtimer_add(&wg.tick, &tv);
}

/*
 * A packet for a peer with no endpoint yet: the rendezvous (above us)
 * registers whether it will find one, and is told the peer is wanted.
 */
static int	(*demand_hook)(uint32_t);

void
wg_demand_hook(int (*fn)(uint32_t))
{
	demand_hook = fn;
}

static int
wg_demand(struct wg_peer *p)
{
	return demand_hook != NULL && demand_hook(p->id);
}

/* What wg_data.c calls back for. */
static const struct wg_data_upcalls	 wg_upcalls = {
	.initiate = wg_initiate,
	.confirm = wg_confirm,
	.set_path = wg_set_path,
	.demand = wg_demand
};

void
wg_init(void)
{
	struct timeval	 tv = { 0, WG_TICK_MS * 1000 };

	wg_data_init(&wg_upcalls);
	TAILQ_INIT(&wg.peers);
	RB_INIT(&wg.indices);
	allowedips_init(&wg_aips);
	evtimer_set(&wg.tick, wg_tick, NULL);
	evtimer_add(&wg.tick, &tv);
}

static void
peer_free(struct wg_peer *p)
{
	allowedips_remove_peer(&wg_aips, p);
	peer_clear_keys(p);
	index_free(p->hs);
	wg_drop_staged(p);
	cookie_maker_wipe(&p->cm);
	TAILQ_REMOVE(&wg.peers, p, entry);
	free(p);
}

void
wg_conf_start(void)
{
	struct wg_peer	*p;

	TAILQ_FOREACH(p, &wg.peers, entry)
		p->seen = 0;
}

/*
 * A peer of the new configuration.  One that stays (same public key)
 * keeps its sessions and learnt endpoint; its allowed IPs are set anew.
 */
void
wg_conf_peer(const struct imsg_conf_peer *cp)
{
	struct wg_peer	*p;

	TAILQ_FOREACH(p, &wg.peers, entry)
		if (memcmp(p->pubkey, cp->pubkey, sizeof(p->pubkey)) == 0)
			break;
	if (p == NULL) {
		if ((p = calloc(1, sizeof(*p))) == NULL)
			fatal(NULL);
		memcpy(p->pubkey, cp->pubkey, sizeof(p->pubkey));
		if (cookie_maker_init(&p->cm, p->pubkey) == -1)
			fatalx("cookie maker");
		TAILQ_INIT(&p->staged);
		TAILQ_INSERT_TAIL(&wg.peers, p, entry);
	} else
		allowedips_remove_peer(&wg_aips, p);
	p->id = cp->id;
	strlcpy(p->name, cp->name, sizeof(p->name));
	if (cp->endpoint.ss_family == AF_INET ||
	    cp->endpoint.ss_family == AF_INET6)
		memcpy(&p->endpoint, &cp->endpoint, sizeof(p->endpoint));
	p->keepalive = cp->keepalive;
	p->role = cp->role;
	p->seen = 1;
}

void
wg_conf_allowed(const struct imsg_conf_allowed *ca)
{
	struct wg_peer	*p;

	/* Only peers of this configuration: ids may have moved. */
	TAILQ_FOREACH(p, &wg.peers, entry)
		if (p->seen && p->id == ca->id)
			break;
	if (p == NULL ||
	    (ca->af != AF_INET && ca->af != AF_INET6) ||
	    ca->plen > (ca->af == AF_INET ? 32U : 128U))
		fatalx("bad CONF_ALLOWED");
	if (allowedips_insert(&wg_aips, ca->af, ca->addr, ca->plen, p) == -1)
		fatal("allowed-ips");
}

void
wg_conf_end(void)
{
	struct wg_peer	*p, *np;

	TAILQ_FOREACH_SAFE(p, &wg.peers, entry, np)
		if (!p->seen)
			peer_free(p);
	/* Peers with a known endpoint and a keepalive come up at once. */
	TAILQ_FOREACH(p, &wg.peers, entry)
		if (p->keepalive != 0 && p->kp_current == NULL)
			wg_initiate(p, 0);
}

void
wg_ctl_peers(void (*emit)(struct ctl_peer *, uint32_t, void *), void *arg)
{
	struct ctl_peer	 cp;
	struct wg_peer	*p;
	time_t		 now = time(NULL);

	TAILQ_FOREACH(p, &wg.peers, entry) {
		memset(&cp, 0, sizeof(cp));
		strlcpy(cp.name, p->name, sizeof(cp.name));
		memcpy(cp.pubkey, p->pubkey, sizeof(cp.pubkey));
		memcpy(&cp.endpoint, &p->endpoint, sizeof(cp.endpoint));
		cp.last_handshake = p->last_handshake ?
		    now - p->last_handshake : -1;
		cp.rx_bytes = p->rx_bytes;
		cp.tx_bytes = p->tx_bytes;
		cp.keepalive = p->keepalive;
		emit(&cp, p->id, arg);
	}
}

void
wg_counters(void (*emit)(const char *, uint64_t, void *), void *arg)
{
	emit("wg.handshake_bad_mac", wg.cnt.bad_mac, arg);
	emit("wg.cookie_replies_sent", wg.cnt.cookie_sent, arg);
	emit("wg.unknown_index", wg.cnt.unknown_index, arg);
	emit("wg.cookie_reply_bad", wg.cnt.bad_cookie, arg);
	wg_data_counters(emit, arg);
}

void
wg_shutdown(void)
{
	struct wg_peer	*p;

	while ((p = TAILQ_FIRST(&wg.peers)) != NULL)
		peer_free(p);
	allowedips_free(&wg_aips);
	cookie_checker_wipe(&wg.checker);
}
