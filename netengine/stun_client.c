/*
 * STUN Binding client: for every configured server, learn the
 * server-reflexive address of our one UDP socket and keep the NAT
 * mapping toward it alive.
 *
 * One timer per server drives everything: the retransmissions of a
 * transaction (RFC 8489 section 6.2.1), then the periodic refresh, or
 * the retry after a failure.  Responses are accepted only from the
 * address the request went to and only with the transaction id of the
 * request in flight; everything else is dropped and counted, never
 * answered (the port stays dark).
 *
 * RFC 5780 discovery (natdisc.c) shares the socket: its answers are
 * offered to it first, and it starts once we have a first mapping.
 * Its filtering tests run on a socket of their own, so every server
 * is asked at once after a socket change.
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
#include "udp.h"
#include "natdisc.h"

#define STUN_RTO_MS		500	/* initial RTO, doubled each send */
#define STUN_RC			7	/* requests per transaction */
#define STUN_RM			16	/* wait Rm x RTO after the last */
#define STUN_REFRESH_MS		20000	/* under Linux's 30 s UDP timeout */
#define STUN_REFRESH_JITTER_MS	4000	/* so 16 to 20 s */
#define STUN_RETRY_MS		30000	/* after a timeout or an error */
#define STUN_RETRY_JITTER_MS	5000

struct stun_server {
	char			 name[CLAWD_HOST_MAX];
	struct sockaddr_storage	 ss;
	struct sockaddr_storage	 local;
	struct sockaddr_storage	 mapped;
	int			 have_mapped;
	struct timespec		 mapped_at;
	enum ctl_nat_state	 state;
	struct event		 ev;
	int			 inflight;	/* transaction outstanding */
	int			 sent;		/* requests in it so far */
	uint32_t		 rto;		/* ms, next wait */
	uint8_t			 tid[STUN_TID_LEN];
	struct timespec		 last_send;
	uint32_t		 rtt_ms;
	uint32_t		 requests;
	uint32_t		 responses;
	int			 send_warned;	/* one warning per outage */
};

struct stun_conf_entry {
	char			 name[CLAWD_HOST_MAX];
	struct sockaddr_storage	 ss;
};

static struct stun_server	 servers[CLAWD_STUN_MAX];
static size_t			 nservers;
static struct stun_conf_entry	 conf[CLAWD_STUN_MAX];
static size_t			 nconf;
static int			 conf_warned;
static uint16_t			 stun_port;	/* 0: no socket yet */
static struct stun_counters	 counters;

static void	stun_timer(int, short, void *);
static void	stun_start(struct stun_server *);
static void	stun_send(struct stun_server *);
static size_t	stun_natdisc_servers(struct natdisc_server *, size_t);

/* What natdisc.c calls back for. */
static const struct natdisc_upcalls	 stun_natdisc_upcalls = {
	.servers = stun_natdisc_servers
};

static void
now(struct timespec *ts)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
}

static uint32_t
elapsed_ms(const struct timespec *from)
{
	struct timespec	 ts;
	int64_t		 ms;

	now(&ts);
	ms = (int64_t)(ts.tv_sec - from->tv_sec) * 1000 +
	    (ts.tv_nsec - from->tv_nsec) / 1000000;
	return ms < 0 ? 0 : (uint32_t)ms;
}

static void
schedule(struct stun_server *s, uint32_t ms)
{
	struct timeval	 tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(&s->ev, &tv);
}

static void
stop(struct stun_server *s)
{
	event_del(&s->ev);
	s->inflight = 0;
}

void
stun_conf_start(void)
{
	nconf = 0;
	conf_warned = 0;
}

void
stun_conf_add(const struct imsg_conf_stun *c)
{
	struct stun_conf_entry	*e;

	if (c->ss.ss_family != AF_INET && c->ss.ss_family != AF_INET6) {
		log_warnx("stun server %.64s: bad address family",
		    c->name);
		return;
	}
	if (nconf >= CLAWD_STUN_MAX) {
		if (!conf_warned)
			log_warnx("more than %d stun servers, ignoring the "
			    "rest", CLAWD_STUN_MAX);
		conf_warned = 1;
		return;
	}
	e = &conf[nconf++];
	memset(e, 0, sizeof(*e));
	/* The parent sent it NUL-terminated; make sure of it. */
	memcpy(e->name, c->name, sizeof(e->name) - 1);
	e->name[sizeof(e->name) - 1] = '\0';
	memcpy(&e->ss, &c->ss, sizeof(e->ss));
}

/*
 * Install the new list.  A server that stays (same name and address)
 * keeps what it learnt; every server then starts a new transaction.
 */
void
stun_conf_end(void)
{
	static struct stun_server	 old[CLAWD_STUN_MAX];
	struct stun_server		*s, *o;
	size_t				 nold, i, j;

	for (i = 0; i < nservers; i++)
		stop(&servers[i]);
	memcpy(old, servers, sizeof(old));
	nold = nservers;

	memset(servers, 0, sizeof(servers));
	for (i = 0; i < nconf; i++) {
		s = &servers[i];
		strlcpy(s->name, conf[i].name, sizeof(s->name));
		memcpy(&s->ss, &conf[i].ss, sizeof(s->ss));
		s->state = CTL_NAT_IDLE;
		for (j = 0; j < nold; j++) {
			o = &old[j];
			if (strcmp(o->name, s->name) != 0 ||
			    !sa_equal((struct sockaddr *)&o->ss,
			    (struct sockaddr *)&s->ss))
				continue;
			memcpy(&s->local, &o->local, sizeof(s->local));
			memcpy(&s->mapped, &o->mapped, sizeof(s->mapped));
			s->have_mapped = o->have_mapped;
			s->mapped_at = o->mapped_at;
			s->state = o->state;
			s->rtt_ms = o->rtt_ms;
			s->requests = o->requests;
			s->responses = o->responses;
			break;
		}
		evtimer_set(&s->ev, stun_timer, s);
	}
	nservers = nconf;
	log_debug("stun: %zu server%s configured", nservers,
	    nservers == 1 ? "" : "s");

	for (i = 0; i < nservers; i++)
		stun_start(&servers[i]);
}

/*
 * A new socket means new NAT mappings: forget the old ones and ask
 * again from the new socket.
 */
void
stun_socket_changed(uint16_t port)
{
	struct stun_server	*s;
	size_t			 i;

	stun_port = port;
	natdisc_register(&stun_natdisc_upcalls);
	natdisc_socket_changed(port);
	for (i = 0; i < nservers; i++) {
		s = &servers[i];
		stop(s);
		s->have_mapped = 0;
		memset(&s->mapped, 0, sizeof(s->mapped));
		memset(&s->local, 0, sizeof(s->local));
		s->state = CTL_NAT_IDLE;
		stun_start(s);
	}
}

/* Begin a transaction: a fresh random id, then Rc sends at most. */
static void
stun_start(struct stun_server *s)
{
	stop(s);
	if (stun_port == 0)
		return;		/* stun_socket_changed() will start us */
	arc4random_buf(s->tid, sizeof(s->tid));
	s->inflight = 1;
	s->sent = 0;
	s->rto = STUN_RTO_MS;
	if (!s->have_mapped)
		s->state = CTL_NAT_PENDING;
	stun_send(s);
}

/*
 * Send the request (again) and arm the timer for the next step.  A
 * failed sendto is not fatal: the next timer tries again.
 */
static void
stun_send(struct stun_server *s)
{
	uint8_t		 buf[STUN_MSG_MAX];
	ssize_t		 n;

	/* No SOFTWARE: nothing on the path needs to learn what we run. */
	n = stun_build_binding(buf, sizeof(buf), s->tid, NULL);
	if (n == -1)
		fatalx("%s: cannot build request", __func__);
	s->sent++;
	now(&s->last_send);
	if (udp_send((struct sockaddr *)&s->ss, buf, n) == -1) {
		counters.send_errors++;
		if (!s->send_warned)
			log_warn("stun %s: sendto %s", s->name,
			    log_sockaddr((struct sockaddr *)&s->ss));
		s->send_warned = 1;
	} else
		s->requests++;

	if (s->sent < STUN_RC) {
		schedule(s, s->rto);
		s->rto *= 2;
	} else
		schedule(s, STUN_RM * STUN_RTO_MS);
}

static void
stun_retry_later(struct stun_server *s)
{
	stop(s);
	schedule(s, STUN_RETRY_MS + arc4random_uniform(STUN_RETRY_JITTER_MS));
}

static void
stun_timer(int fd, short event, void *arg)
{
	struct stun_server	*s = arg;

	(void)fd;
	(void)event;
	if (!s->inflight) {
		stun_start(s);		/* refresh or retry */
		return;
	}
	if (s->sent < STUN_RC) {
		stun_send(s);
		return;
	}

	/* No answer to any of the Rc requests. */
	if (s->state != CTL_NAT_TIMEOUT)
		log_info("stun %s: no response from %s", s->name,
		    log_sockaddr((struct sockaddr *)&s->ss));
	else
		log_debug("stun %s: still no response", s->name);
	s->state = CTL_NAT_TIMEOUT;
	stun_retry_later(s);
}

static void
stun_failed(struct stun_server *s, const char *why)
{
	if (s->state != CTL_NAT_ERROR)
		log_info("stun %s: %s", s->name, why);
	else
		log_debug("stun %s: %s", s->name, why);
	s->state = CTL_NAT_ERROR;
	stun_retry_later(s);
}

/*
 * Ids are what keeps off-path senders from feeding us a mapped
 * address: stun_tid_equal() compares them in constant time.
 */
static struct stun_server *
find_transaction(const uint8_t *tid)
{
	size_t	 i;

	for (i = 0; i < nservers; i++)
		if (servers[i].inflight && stun_tid_equal(servers[i].tid, tid))
			return &servers[i];
	return NULL;
}

void
stun_input(const uint8_t *buf, size_t len, const struct sockaddr *from,
    const struct sockaddr *local)
{
	struct stun_msg		 m;
	struct stun_server	*s;
	const struct sockaddr	*mapped;
	char			 why[STUN_REASON_MAX + 32];
	int			 changed, r;

	if (stun_parse(buf, len, &m) == -1) {
		counters.invalid++;
		return;
	}
	if (m.method == STUN_METHOD_BINDING &&
	    (m.class == STUN_CLASS_SUCCESS || m.class == STUN_CLASS_ERROR) &&
	    (r = natdisc_input(&m, from, local)) != 0) {
		if (r == -1)
			counters.wrong_source++;
		return;
	}
	/* Discovery's own socket carries nothing of ours. */
	if (udp_rx_sock == NE_SOCK_NATD) {
		counters.unmatched++;
		return;
	}
	if (m.method != STUN_METHOD_BINDING ||
	    (m.class != STUN_CLASS_SUCCESS && m.class != STUN_CLASS_ERROR) ||
	    (s = find_transaction(m.tid)) == NULL) {
		counters.unmatched++;
		return;
	}
	if (from == NULL || !sa_equal(from, (struct sockaddr *)&s->ss)) {
		counters.wrong_source++;
		return;
	}

	s->responses++;
	s->send_warned = 0;
	if (s->sent == 1)	/* Karn: a retransmitted one is ambiguous */
		s->rtt_ms = elapsed_ms(&s->last_send);

	if (m.class == STUN_CLASS_ERROR) {
		snprintf(why, sizeof(why), "error %u %s",
		    m.have & STUN_HAVE_ERROR ? m.error_code : 0,
		    m.error_reason);
		stun_failed(s, why);
		return;
	}
	if (m.nunknown > 0) {
		snprintf(why, sizeof(why), "response with unknown "
		    "attribute 0x%04x", m.unknown[0]);
		stun_failed(s, why);
		return;
	}
	if ((mapped = stun_mapped(&m)) == NULL) {
		stun_failed(s, "response without a mapped address");
		return;
	}

	if (local != NULL && sa_len(local) != 0) {
		memset(&s->local, 0, sizeof(s->local));
		memcpy(&s->local, local, sa_len(local));
		/* IP_PKTINFO gives the address; the port is ours. */
		if (s->local.ss_family == AF_INET &&
		    ((struct sockaddr_in *)&s->local)->sin_port == 0)
			((struct sockaddr_in *)&s->local)->sin_port =
			    htons(stun_port);
		else if (s->local.ss_family == AF_INET6 &&
		    ((struct sockaddr_in6 *)&s->local)->sin6_port == 0)
			((struct sockaddr_in6 *)&s->local)->sin6_port =
			    htons(stun_port);
	}

	changed = !s->have_mapped ||
	    !sa_equal(mapped, (struct sockaddr *)&s->mapped);
	memset(&s->mapped, 0, sizeof(s->mapped));
	memcpy(&s->mapped, mapped, sa_len(mapped));
	s->have_mapped = 1;
	now(&s->mapped_at);
	s->state = CTL_NAT_MAPPED;
	if (changed)
		log_info("stun %s: mapped address %s, local %s", s->name,
		    log_sockaddr(mapped),
		    log_sockaddr((struct sockaddr *)&s->local));
	else
		log_debug("stun %s: mapped address %s unchanged, rtt %u ms",
		    s->name, log_sockaddr(mapped), s->rtt_ms);

	stop(s);
	schedule(s, STUN_REFRESH_MS -
	    arc4random_uniform(STUN_REFRESH_JITTER_MS));
	natdisc_mapped();
}

/* The servers, for discovery: whom it may test, whom we talk to. */
static size_t
stun_natdisc_servers(struct natdisc_server *out, size_t max)
{
	size_t	 i, n = 0;

	for (i = 0; i < nservers && n < max; i++) {
		memset(&out[n], 0, sizeof(out[n]));
		strlcpy(out[n].name, servers[i].name, sizeof(out[n].name));
		out[n].ss = servers[i].ss;
		out[n].mapped = servers[i].have_mapped;
		n++;
	}
	return n;
}

/* The server-reflexive addresses known, one per server, in order. */
size_t
stun_mapped_all(struct sockaddr_storage *out, size_t max)
{
	size_t	 i, n = 0;

	for (i = 0; i < nservers && n < max; i++)
		if (servers[i].have_mapped)
			out[n++] = servers[i].mapped;
	return n;
}

/* The first server's view of us: our mapping, and the local address. */
int
stun_first(struct sockaddr_storage *mapped, struct sockaddr_storage *local)
{
	if (nservers == 0 || !servers[0].have_mapped)
		return -1;
	*mapped = servers[0].mapped;
	*local = servers[0].local;
	return 0;
}

void
stun_ctl_nat(void (*emit)(const struct ctl_nat *, void *), void *arg)
{
	struct ctl_nat		 cn;
	struct stun_server	*s;
	struct timespec		 ts;
	size_t			 i;

	now(&ts);
	for (i = 0; i < nservers; i++) {
		s = &servers[i];
		memset(&cn, 0, sizeof(cn));
		strlcpy(cn.server_name, s->name, sizeof(cn.server_name));
		memcpy(&cn.server, &s->ss, sizeof(cn.server));
		memcpy(&cn.local, &s->local, sizeof(cn.local));
		memcpy(&cn.mapped, &s->mapped, sizeof(cn.mapped));
		cn.state = s->state;
		cn.rtt_ms = s->rtt_ms;
		cn.age = s->have_mapped ? ts.tv_sec - s->mapped_at.tv_sec : -1;
		cn.requests = s->requests;
		cn.responses = s->responses;
		emit(&cn, arg);
	}
}

void
stun_get_counters(struct stun_counters *c)
{
	memcpy(c, &counters, sizeof(*c));
}

void
stun_shutdown(void)
{
	size_t	 i;

	for (i = 0; i < nservers; i++)
		stop(&servers[i]);
	natdisc_shutdown();
	log_debug("stun: dropped %llu invalid, %llu unmatched, "
	    "%llu from wrong source; %llu send errors",
	    (unsigned long long)counters.invalid,
	    (unsigned long long)counters.unmatched,
	    (unsigned long long)counters.wrong_source,
	    (unsigned long long)counters.send_errors);
	nservers = 0;
	stun_port = 0;
}
