/*
 * TURN client (RFC 8656 over UDP, long-term credentials of the TURN
 * REST scheme made by the parent).
 *
 * One allocation, on the first configured server that works, made as
 * soon as there is a socket: a relayed candidate must exist before the
 * rendezvous needs it.  Requests go first without credentials; the
 * 401 brings REALM and NONCE, from which the key MD5(user:realm:pass)
 * is made, and every later request carries MESSAGE-INTEGRITY.  Every
 * response acted on must carry a valid MESSAGE-INTEGRITY, except the
 * 401 and 438 that ask for (new) credentials; nothing is ever answered.
 *
 * One timer ticks every second and does all the upkeep: Refresh at half
 * the lifetime, permissions every 4 minutes (they last 5), channels
 * every 9 (they last 10), retries after failures.  Each transaction
 * has its own retransmission timer (RFC 8489 section 6.2.1).
 *
 * The messages are built and checked by the codec, turn_msg.c.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>

#include <errno.h>
#include <event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clawd.h"
#include "clawd_imsg.h"
#include "log.h"
#include "util.h"
#include "stun.h"
#include "turn.h"
#include "udp.h"

#define TURN_RTO_MS		500	/* initial RTO, doubled each send */
#define TURN_RC			7	/* requests per transaction */
#define TURN_RM			16	/* wait Rm x RTO after the last */
#define TURN_AUTH_TRIES		2	/* 401/438 rounds per request */
#define TURN_RETRY_S		30	/* after a failed allocation */
#define TURN_PERM_REFRESH_S	240	/* permissions last 300 s */
#define TURN_BIND_REFRESH_S	540	/* channels last 600 s */
#define TURN_PEER_RETRY_S	10	/* after a refused permission */
#define TURN_ROLLOVER_S		3600	/* new credential this long before */
#define TURN_DATA_MAX		(65535 - 64)	/* STUN length field */

struct turn_perm;

struct turn_txn {
	struct event		 ev;
	int			 evset;
	int			 inflight;
	uint16_t		 method;
	uint32_t		 lifetime;	/* Refresh: what we ask */
	uint8_t			 tid[STUN_TID_LEN];
	int			 sent;
	int			 auth_tries;
	int			 signed_req;	/* had MESSAGE-INTEGRITY */
	uint32_t		 rto;
	uint8_t			 msg[STUN_MSG_MAX];
	size_t			 len;
	struct turn_perm	*perm;
};

struct turn_perm {
	int			 used;
	struct sockaddr_storage	 peer;
	uint16_t		 channel;
	int			 permitted;
	int			 bound;
	time_t			 perm_at;
	time_t			 bind_at;
	time_t			 retry_at;
	struct turn_txn		 ptx;		/* CreatePermission */
	struct turn_txn		 btx;		/* ChannelBind */
};

struct turn_conf {
	char			 name[CLAWD_HOST_MAX];
	struct sockaddr_storage	 ss;
	char			 username[TURN_USER_MAX];
	char			 password[TURN_PASS_MAX];
};

static struct {
	struct turn_conf	 conf[CLAWD_TURN_MAX];
	size_t			 nconf;
	struct turn_conf	 newconf[CLAWD_TURN_MAX];
	size_t			 nnew;
	size_t			 cur;		/* server in conf[] */

	enum turn_state		 state;
	int			 have_socket;
	int			 use_channels;
	time_t			 retry_at;
	int			 warned;

	/* The allocation, and the credential it was made with. */
	char			 name[CLAWD_HOST_MAX];
	struct sockaddr_storage	 server;
	char			 username[TURN_USER_MAX];
	char			 password[TURN_PASS_MAX];
	char			 realm[STUN_REALM_MAX];
	char			 nonce[STUN_NONCE_MAX];
	uint8_t			 key[TURN_KEY_LEN];
	int			 have_key;
	struct sockaddr_storage	 relayed;
	struct sockaddr_storage	 mapped;
	uint32_t		 lifetime;
	time_t			 alloc_at;
	struct turn_txn		 atx;		/* Allocate, Refresh */

	struct turn_perm	 perms[TURN_PEER_MAX];
	struct event		 tick;
	int			 tickset;
	struct turn_counters	 counters;
} turn;

/* Large enough for a Send indication of the largest datagram. */
static uint8_t	 sendbuf[65536 + 64];

static void	turn_tick(int, short, void *);
static void	txn_timer(int, short, void *);
static void	txn_start(struct turn_txn *, uint16_t, struct turn_perm *);
static void	txn_begin(struct turn_txn *, uint16_t, struct turn_perm *);
static void	txn_send(struct turn_txn *);
static void	alloc_lost(const char *, time_t);

static void
txn_stop(struct turn_txn *tx)
{
	if (tx->evset)
		event_del(&tx->ev);
	tx->inflight = 0;
}

/* Forget the allocation; the peers stay, to be permitted again. */
static void
alloc_reset(void)
{
	size_t	 i;

	txn_stop(&turn.atx);
	for (i = 0; i < TURN_PEER_MAX; i++) {
		txn_stop(&turn.perms[i].ptx);
		txn_stop(&turn.perms[i].btx);
		turn.perms[i].permitted = 0;
		turn.perms[i].bound = 0;
		turn.perms[i].retry_at = 0;
	}
	memset(&turn.relayed, 0, sizeof(turn.relayed));
	memset(&turn.mapped, 0, sizeof(turn.mapped));
	turn.lifetime = 0;
	turn.have_key = 0;
	explicit_bzero(turn.key, sizeof(turn.key));
	turn.realm[0] = turn.nonce[0] = '\0';
	turn.state = TURN_IDLE;
}

static void
tick_start(void)
{
	struct timeval	 tv = { 1, 0 };

	if (!turn.tickset) {
		event_set(&turn.tick, -1, EV_PERSIST, turn_tick, NULL);
		turn.tickset = 1;
	}
	if (!event_pending(&turn.tick, EV_TIMEOUT, NULL))
		event_add(&turn.tick, &tv);
}

/* Begin an allocation on the current server, with its credential. */
static void
alloc_start(void)
{
	struct turn_conf	*c;

	alloc_reset();
	if (turn.nconf == 0 || !turn.have_socket)
		return;
	c = &turn.conf[turn.cur % turn.nconf];
	strlcpy(turn.name, c->name, sizeof(turn.name));
	memcpy(&turn.server, &c->ss, sizeof(turn.server));
	strlcpy(turn.username, c->username, sizeof(turn.username));
	explicit_bzero(turn.password, sizeof(turn.password));
	strlcpy(turn.password, c->password, sizeof(turn.password));
	turn.state = TURN_ALLOCATING;
	txn_begin(&turn.atx, STUN_METHOD_ALLOCATE, NULL);
}

/* The allocation failed or was lost: try again (maybe elsewhere). */
static void
alloc_lost(const char *why, time_t delay)
{
	if (!turn.warned)
		log_warnx("turn server %.64s: %s", turn.name, why);
	turn.warned = 1;
	alloc_reset();
	turn.state = TURN_FAILED;
	turn.retry_at = monotime() + delay;
	if (delay > 0 && turn.nconf > 1)
		turn.cur = (turn.cur + 1) % turn.nconf;
}

/* Build a transaction's request with the credential we have now. */
static int
txn_build(struct turn_txn *tx)
{
	struct turn_attrs	 a;
	ssize_t			 n;

	memset(&a, 0, sizeof(a));
	a.want = TURN_A_FINGERPRINT;
	switch (tx->method) {
	case STUN_METHOD_ALLOCATE:
		a.want |= TURN_A_TRANSPORT | TURN_A_LIFETIME;
		a.lifetime = TURN_LIFETIME;
		break;
	case STUN_METHOD_REFRESH:
		a.want |= TURN_A_LIFETIME;
		a.lifetime = tx->lifetime;
		break;
	case STUN_METHOD_CREATE_PERMISSION:
		a.want |= TURN_A_PEER;
		a.peer = (struct sockaddr *)&tx->perm->peer;
		break;
	case STUN_METHOD_CHANNEL_BIND:
		a.want |= TURN_A_PEER | TURN_A_CHANNEL;
		a.peer = (struct sockaddr *)&tx->perm->peer;
		a.channel = tx->perm->channel;
		break;
	default:
		return -1;
	}
	if (turn.have_key) {
		a.username = turn.username;
		a.realm = turn.realm;
		a.nonce = turn.nonce;
		a.key = turn.key;
	}
	tx->signed_req = turn.have_key;
	if ((n = turn_build(tx->msg, sizeof(tx->msg), tx->method,
	    STUN_CLASS_REQUEST, tx->tid, &a)) == -1)
		return -1;
	tx->len = n;
	return 0;
}

static void
txn_start(struct turn_txn *tx, uint16_t method, struct turn_perm *p)
{
	txn_stop(tx);
	if (!tx->evset) {
		evtimer_set(&tx->ev, txn_timer, tx);
		tx->evset = 1;
	}
	tx->method = method;
	tx->perm = p;
	arc4random_buf(tx->tid, sizeof(tx->tid));
	if (txn_build(tx) == -1) {
		log_warnx("turn: cannot build a request (credential too "
		    "long?)");
		return;
	}
	tx->inflight = 1;
	tx->sent = 0;
	tx->rto = TURN_RTO_MS;
	turn.counters.requests++;
	txn_send(tx);
}

/* A new request, not a signed repeat of a refused one. */
static void
txn_begin(struct turn_txn *tx, uint16_t method, struct turn_perm *p)
{
	tx->auth_tries = 0;
	txn_start(tx, method, p);
}

/* Send (again) and arm the timer for the next retransmission. */
static void
txn_send(struct turn_txn *tx)
{
	struct timeval	 tv;
	uint32_t	 ms;

	if (udp_send((struct sockaddr *)&turn.server, tx->msg,
	    tx->len) == -1)
		turn.counters.send_errors++;
	tx->sent++;
	ms = tx->sent < TURN_RC ? tx->rto : TURN_RM * TURN_RTO_MS;
	tx->rto *= 2;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(&tx->ev, &tv);
}

static void
txn_failed(struct turn_txn *tx, const char *why)
{
	struct turn_perm	*p = tx->perm;

	txn_stop(tx);
	switch (tx->method) {
	case STUN_METHOD_ALLOCATE:
		alloc_lost(why, TURN_RETRY_S);
		break;
	case STUN_METHOD_REFRESH:
		if (tx->lifetime != 0)
			alloc_lost(why, 0);	/* allocate again at once */
		break;
	case STUN_METHOD_CREATE_PERMISSION:
	case STUN_METHOD_CHANNEL_BIND:
		log_debug("turn: %s for %s: %s", tx->method ==
		    STUN_METHOD_CHANNEL_BIND ? "channel" : "permission",
		    log_sockaddr((struct sockaddr *)&p->peer), why);
		p->retry_at = monotime() + TURN_PEER_RETRY_S;
		break;
	}
}

static void
txn_timer(int fd, short event, void *arg)
{
	struct turn_txn	*tx = arg;

	(void)fd;
	(void)event;
	if (!tx->inflight)
		return;
	if (tx->sent < TURN_RC) {
		turn.counters.retransmits++;
		txn_send(tx);
		return;
	}
	turn.counters.timeouts++;
	txn_failed(tx, "no response");
}

static struct turn_txn *
txn_find(const uint8_t tid[STUN_TID_LEN])
{
	struct turn_txn	*tx;
	size_t		 i;

	if (turn.atx.inflight &&
	    memcmp(turn.atx.tid, tid, STUN_TID_LEN) == 0)
		return &turn.atx;
	for (i = 0; i < TURN_PEER_MAX; i++) {
		tx = &turn.perms[i].ptx;
		if (tx->inflight && memcmp(tx->tid, tid, STUN_TID_LEN) == 0)
			return tx;
		tx = &turn.perms[i].btx;
		if (tx->inflight && memcmp(tx->tid, tid, STUN_TID_LEN) == 0)
			return tx;
	}
	return NULL;
}

/*
 * 401 or 438: take the realm and nonce and send the request again,
 * signed, under a new transaction id.  A bounded number of times: a
 * server that keeps refusing has refused.
 */
static void
txn_reauth(struct turn_txn *tx, const struct stun_msg *m)
{
	if (!(m->have & STUN_HAVE_NONCE) || (m->error_code == 401 &&
	    !(m->have & STUN_HAVE_REALM)) || (!(m->have & STUN_HAVE_REALM) &&
	    turn.realm[0] == '\0')) {
		turn.counters.errors++;
		txn_failed(tx, "401 without realm or nonce");
		return;
	}
	if (++tx->auth_tries > TURN_AUTH_TRIES) {
		turn.counters.auth_failed++;
		txn_failed(tx, m->error_code == 401 ? "credential refused" :
		    "nonce refused");
		return;
	}
	if (m->have & STUN_HAVE_REALM)
		strlcpy(turn.realm, m->realm, sizeof(turn.realm));
	strlcpy(turn.nonce, m->nonce, sizeof(turn.nonce));
	if (turn_key(turn.username, turn.realm, turn.password,
	    turn.key) == -1) {
		txn_failed(tx, "cannot make the key");
		return;
	}
	turn.have_key = 1;
	txn_start(tx, tx->method, tx->perm);
}

static void
txn_success(struct turn_txn *tx, const struct stun_msg *m)
{
	struct turn_perm	*p = tx->perm;
	char			 buf[SA_STRLEN];

	tx->auth_tries = 0;
	switch (tx->method) {
	case STUN_METHOD_ALLOCATE:
		if (!(m->have & STUN_HAVE_RELAYED)) {
			txn_failed(tx, "no relayed address");
			return;
		}
		memcpy(&turn.relayed, &m->relayed, sizeof(turn.relayed));
		if (m->have & STUN_HAVE_XOR_MAPPED)
			memcpy(&turn.mapped, &m->xor_mapped,
			    sizeof(turn.mapped));
		turn.lifetime = (m->have & STUN_HAVE_LIFETIME) &&
		    m->lifetime > 0 ? m->lifetime : TURN_LIFETIME;
		turn.alloc_at = monotime();
		turn.state = TURN_ALLOCATED;
		turn.warned = 0;
		log_info("turn server %.64s: relayed address %s, %u s",
		    turn.name, sa_str((struct sockaddr *)&turn.relayed, buf,
		    sizeof(buf)), turn.lifetime);
		break;
	case STUN_METHOD_REFRESH:
		if (tx->lifetime == 0)
			break;
		if ((m->have & STUN_HAVE_LIFETIME) && m->lifetime > 0)
			turn.lifetime = m->lifetime;
		turn.alloc_at = monotime();
		break;
	case STUN_METHOD_CREATE_PERMISSION:
		p->permitted = 1;
		p->perm_at = monotime();
		break;
	case STUN_METHOD_CHANNEL_BIND:
		p->bound = 1;
		p->bind_at = monotime();
		break;
	}
	txn_stop(tx);
}

static void
turn_response(const uint8_t *pkt, size_t len, const struct stun_msg *m)
{
	struct turn_txn	*tx;
	char		 why[64];

	if ((tx = txn_find(m->tid)) == NULL || tx->method != m->method) {
		turn.counters.unmatched++;
		return;
	}
	if (m->class == STUN_CLASS_ERROR && (m->error_code == 401 ||
	    m->error_code == 438)) {
		txn_reauth(tx, m);
		return;
	}
	/*
	 * Anything else must be signed with our key if we signed the
	 * request; a forgery is dropped and the transaction goes on.
	 */
	if (tx->signed_req && !turn_integrity_ok(pkt, len, m, turn.key)) {
		turn.counters.auth_failed++;
		return;
	}
	if (m->class == STUN_CLASS_SUCCESS) {
		txn_success(tx, m);
		return;
	}
	turn.counters.errors++;
	snprintf(why, sizeof(why), "error %u %.32s", m->error_code,
	    m->error_reason);
	txn_failed(tx, why);
}

static struct turn_perm *
perm_find(const struct sockaddr *sa)
{
	size_t	 i;

	for (i = 0; i < TURN_PEER_MAX; i++)
		if (turn.perms[i].used && sa_equal(sa,
		    (struct sockaddr *)&turn.perms[i].peer))
			return &turn.perms[i];
	return NULL;
}

/* Is there a permission for the address of sa (any port)? */
static int
perm_address(const struct sockaddr *sa)
{
	const struct sockaddr_in	*a, *b;
	size_t				 i;

	if (sa->sa_family != AF_INET)
		return 0;
	a = (const struct sockaddr_in *)sa;
	for (i = 0; i < TURN_PEER_MAX; i++) {
		b = (const struct sockaddr_in *)&turn.perms[i].peer;
		if (turn.perms[i].used && turn.perms[i].permitted &&
		    b->sin_family == AF_INET &&
		    a->sin_addr.s_addr == b->sin_addr.s_addr)
			return 1;
	}
	return 0;
}

static void
turn_tick(int fd, short event, void *arg)
{
	struct turn_perm	*p;
	struct turn_conf	*c;
	time_t			 t = monotime();
	long long		 expiry;
	size_t			 i;

	(void)fd;
	(void)event;
	(void)arg;
	if (turn.nconf == 0 || !turn.have_socket)
		return;
	switch (turn.state) {
	case TURN_IDLE:
	case TURN_FAILED:
		if (t >= turn.retry_at)
			alloc_start();
		return;
	case TURN_ALLOCATING:
		return;
	case TURN_ALLOCATED:
		break;
	}

	/*
	 * A REST credential names its expiry; the allocation is bound to
	 * its username, so a new credential means a new allocation, made
	 * while the old one still works.
	 */
	c = &turn.conf[turn.cur % turn.nconf];
	if (strcmp(c->username, turn.username) != 0 &&
	    sscanf(turn.username, "%lld:", &expiry) == 1 &&
	    expiry - (long long)time(NULL) < TURN_ROLLOVER_S) {
		log_info("turn server %.64s: new credential, allocating "
		    "again", turn.name);
		alloc_start();
		return;
	}
	if (!turn.atx.inflight &&
	    t - turn.alloc_at >= (time_t)turn.lifetime / 2) {
		turn.atx.lifetime = TURN_LIFETIME;
		txn_begin(&turn.atx, STUN_METHOD_REFRESH, NULL);
	}
	for (i = 0; i < TURN_PEER_MAX; i++) {
		p = &turn.perms[i];
		if (!p->used || t < p->retry_at)
			continue;
		if (!p->ptx.inflight && (!p->permitted ||
		    t - p->perm_at >= TURN_PERM_REFRESH_S))
			txn_begin(&p->ptx, STUN_METHOD_CREATE_PERMISSION, p);
		/* Port 0 asks for a permission alone: no channel. */
		if (turn.use_channels && p->permitted && !p->btx.inflight &&
		    ((struct sockaddr_in *)&p->peer)->sin_port != 0 &&
		    (!p->bound || t - p->bind_at >= TURN_BIND_REFRESH_S))
			txn_begin(&p->btx, STUN_METHOD_CHANNEL_BIND, p);
	}
}

void
turn_conf_start(void)
{
	explicit_bzero(turn.newconf, sizeof(turn.newconf));
	turn.nnew = 0;
}

void
turn_conf_add(const struct imsg_conf_turn *ic)
{
	struct turn_conf	*c;

	if (ic->ss.ss_family != AF_INET) {
		log_warnx("turn server %.64s: not IPv4, ignored", ic->name);
		return;
	}
	if (turn.nnew >= CLAWD_TURN_MAX) {
		log_warnx("more than %d turn servers, ignoring %.64s",
		    CLAWD_TURN_MAX, ic->name);
		return;
	}
	if (memchr(ic->username, '\0', sizeof(ic->username)) == NULL ||
	    memchr(ic->password, '\0', sizeof(ic->password)) == NULL) {
		log_warnx("turn server %.64s: bad credential", ic->name);
		return;
	}
	c = &turn.newconf[turn.nnew++];
	memcpy(c->name, ic->name, sizeof(c->name) - 1);
	c->name[sizeof(c->name) - 1] = '\0';
	memcpy(&c->ss, &ic->ss, sizeof(c->ss));
	strlcpy(c->username, ic->username, sizeof(c->username));
	strlcpy(c->password, ic->password, sizeof(c->password));
}

/*
 * Install the new list.  If the server of the allocation stays, the
 * allocation stays (a new credential is taken up by turn_tick before
 * the old one runs out); otherwise start over on the new first one.
 */
void
turn_conf_end(void)
{
	size_t	 i;
	int	 keep = 0;

	for (i = 0; i < turn.nnew; i++)
		if (turn.state != TURN_IDLE &&
		    strcmp(turn.newconf[i].name, turn.name) == 0 &&
		    sa_equal((struct sockaddr *)&turn.newconf[i].ss,
		    (struct sockaddr *)&turn.server)) {
			keep = 1;
			turn.cur = i;
			break;
		}
	explicit_bzero(turn.conf, sizeof(turn.conf));
	memcpy(turn.conf, turn.newconf, sizeof(turn.conf));
	turn.nconf = turn.nnew;
	explicit_bzero(turn.newconf, sizeof(turn.newconf));
	turn.nnew = 0;
	log_debug("turn: %zu server%s configured", turn.nconf,
	    turn.nconf == 1 ? "" : "s");
	if (keep)
		return;
	alloc_reset();
	turn.cur = 0;
	turn.retry_at = 0;
	turn.warned = 0;
	if (turn.nconf > 0) {
		tick_start();
		if (turn.have_socket)
			alloc_start();
	} else if (turn.tickset)
		event_del(&turn.tick);
}

/* A new socket is a new 5-tuple: the old allocation is not ours. */
void
turn_socket_changed(void)
{
	turn.have_socket = 1;
	alloc_reset();
	turn.retry_at = 0;
	if (turn.nconf > 0) {
		tick_start();
		alloc_start();
	}
}

/* Bind channels to the permitted peers (on by default in clawd). */
void
turn_use_channels(int on)
{
	turn.use_channels = on;
}

int
turn_relayed(struct sockaddr_storage *ss)
{
	if (turn.state != TURN_ALLOCATED)
		return -1;
	memcpy(ss, &turn.relayed, sizeof(*ss));
	return 0;
}

/*
 * Ask for a permission (and, with channels on, a channel) toward a
 * peer's address; port 0 asks for the permission alone.
 */
int
turn_permit(const struct sockaddr *peer)
{
	struct turn_perm	*p;
	size_t			 i;

	if (peer->sa_family != AF_INET) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if ((p = perm_find(peer)) == NULL) {
		for (i = 0; i < TURN_PEER_MAX; i++)
			if (!turn.perms[i].used)
				break;
		if (i == TURN_PEER_MAX) {
			errno = ENOSPC;
			return -1;
		}
		p = &turn.perms[i];
		txn_stop(&p->ptx);
		txn_stop(&p->btx);
		memset(p, 0, sizeof(*p));
		p->used = 1;
		memcpy(&p->peer, peer, sa_len(peer));
		/* Fixed per slot: a channel never moves to another peer. */
		p->channel = TURN_CHANNEL_MIN + i;
	}
	p->retry_at = 0;
	if (turn.state == TURN_ALLOCATED && !p->ptx.inflight && !p->permitted)
		txn_begin(&p->ptx, STUN_METHOD_CREATE_PERMISSION, p);
	return 0;
}

/* 0: nothing yet, 1: permission, 2: permission and channel. */
int
turn_permitted(const struct sockaddr *peer)
{
	struct turn_perm	*p;

	if (turn.state != TURN_ALLOCATED || (p = perm_find(peer)) == NULL ||
	    !p->permitted)
		return 0;
	return p->bound ? 2 : 1;
}

/* One datagram to a peer through the relay. */
int
turn_send(const struct sockaddr *peer, const void *buf, size_t len)
{
	struct turn_attrs	 a;
	struct turn_perm	*p;
	uint8_t			 tid[STUN_TID_LEN];
	ssize_t			 n;

	if (turn.state != TURN_ALLOCATED) {
		errno = ENOTCONN;
		return -1;
	}
	if (len > TURN_DATA_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	if ((p = perm_find(peer)) != NULL && p->bound) {
		turn_channel_header(sendbuf, p->channel, len);
		memcpy(sendbuf + TURN_CHANNEL_HDR, buf, len);
		n = TURN_CHANNEL_HDR + len;
		turn.counters.channel_out++;
	} else if (perm_address(peer)) {
		memset(&a, 0, sizeof(a));
		a.want = TURN_A_PEER | TURN_A_DATA;
		a.peer = peer;
		a.data = buf;
		a.data_len = len;
		/* Indications are not retransmitted; any id will do. */
		arc4random_buf(tid, sizeof(tid));
		if ((n = turn_build(sendbuf, sizeof(sendbuf), STUN_METHOD_SEND,
		    STUN_CLASS_INDICATION, tid, &a)) == -1) {
			errno = EMSGSIZE;
			return -1;
		}
		turn.counters.send_ind++;
	} else {
		errno = EHOSTUNREACH;
		return -1;
	}
	if (udp_send((struct sockaddr *)&turn.server, sendbuf,
	    n) == -1) {
		turn.counters.send_errors++;
		return -1;
	}
	return 0;
}

int
turn_is_from_server(const struct sockaddr *from)
{
	return turn.state != TURN_IDLE &&
	    sa_equal(from, (struct sockaddr *)&turn.server);
}

/*
 * A datagram from the server's address: our responses, Data
 * indications and ChannelData.  Returns 1 if it was ours (the inner
 * datagrams handed to deliver), 0 to let the caller try the others
 * (the same server answers our STUN Binding requests too).
 */
int
turn_input(uint8_t *pkt, size_t len, const struct sockaddr *from,
    void (*deliver)(uint8_t *, size_t, const struct sockaddr *))
{
	struct stun_msg		 m;
	struct turn_perm	*p;
	uint16_t		 ch;
	size_t			 dlen, i;

	if (!turn_is_from_server(from))
		return 0;
	if (turn_is_channel_data(pkt, len)) {
		if (turn_channel_parse(pkt, len, &ch, &dlen) == -1) {
			turn.counters.invalid++;
			return 1;
		}
		for (i = 0; i < TURN_PEER_MAX; i++) {
			p = &turn.perms[i];
			if (p->used && p->channel == ch &&
			    (p->bound || p->btx.inflight))
				break;
		}
		if (i == TURN_PEER_MAX) {
			turn.counters.no_permission++;
			return 1;
		}
		turn.counters.channel_in++;
		deliver(pkt + TURN_CHANNEL_HDR, dlen,
		    (struct sockaddr *)&p->peer);
		return 1;
	}
	if (!stun_is_message(pkt, len) || stun_parse(pkt, len, &m) == -1 ||
	    m.method == STUN_METHOD_BINDING)
		return 0;

	switch (m.class) {
	case STUN_CLASS_INDICATION:
		if (m.method != STUN_METHOD_DATA ||
		    (m.have & (STUN_HAVE_PEER | STUN_HAVE_DATA)) !=
		    (STUN_HAVE_PEER | STUN_HAVE_DATA)) {
			turn.counters.invalid++;
			return 1;
		}
		if (!perm_address((struct sockaddr *)&m.peer)) {
			turn.counters.no_permission++;
			return 1;
		}
		turn.counters.data_ind++;
		deliver(pkt + (m.data - pkt), m.data_len,
		    (struct sockaddr *)&m.peer);
		return 1;
	case STUN_CLASS_SUCCESS:
	case STUN_CLASS_ERROR:
		turn_response(pkt, len, &m);
		return 1;
	}
	/* A request to a client: never answered. */
	turn.counters.invalid++;
	return 1;
}

void
turn_get_status(struct turn_status *st)
{
	size_t	 i;

	memset(st, 0, sizeof(*st));
	strlcpy(st->server_name, turn.name, sizeof(st->server_name));
	memcpy(&st->server, &turn.server, sizeof(st->server));
	memcpy(&st->relayed, &turn.relayed, sizeof(st->relayed));
	memcpy(&st->mapped, &turn.mapped, sizeof(st->mapped));
	st->state = turn.state;
	st->lifetime = turn.lifetime;
	for (i = 0; i < TURN_PEER_MAX; i++) {
		if (turn.perms[i].used && turn.perms[i].permitted)
			st->npermissions++;
		if (turn.perms[i].used && turn.perms[i].bound)
			st->nchannels++;
	}
}

void
turn_get_counters(struct turn_counters *c)
{
	memcpy(c, &turn.counters, sizeof(*c));
}

/* Give the relay back (one unretransmitted Refresh 0), forget it all. */
void
turn_shutdown(void)
{
	if (turn.state == TURN_ALLOCATED && turn.have_key) {
		turn.atx.lifetime = 0;
		txn_begin(&turn.atx, STUN_METHOD_REFRESH, NULL);
	}
	alloc_reset();
	if (turn.tickset)
		event_del(&turn.tick);
	explicit_bzero(turn.conf, sizeof(turn.conf));
	explicit_bzero(turn.password, sizeof(turn.password));
	turn.nconf = 0;
}
