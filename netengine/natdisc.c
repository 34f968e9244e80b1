/*
 * RFC 5780 NAT behaviour discovery, on the data socket.
 *
 * Once the STUN client has a first mapping after a socket change, and
 * every NATDISC_PERIOD_S after that, one run of a few Binding requests
 * toward a server that announces an OTHER-ADDRESS (O, the alternate
 * address and port of the primary P):
 *
 *   T1  to P: our mapping, and O.  A mapping equal to our own address
 *       is no NAT.
 *   F2  to P, CHANGE-REQUEST address and port: an answer from O means
 *       endpoint-independent filtering.
 *   F3  to P, CHANGE-REQUEST port: an answer from P's address and O's
 *       port means address-dependent, none address-and-port-dependent.
 *   M2  to O's address, P's port: the same mapping as T1 is
 *       endpoint-independent mapping.
 *   M3  to O: the same mapping as M2 is address-dependent, another one
 *       address-and-port-dependent.
 *   M4  to P's address, O's port: one more fresh mapping, for the port
 *       step of a sequential allocator.
 *
 * The filtering tests come before the mapping tests because M2 to M4
 * open the very pinholes F2 and F3 look for.  The STUN client holds
 * back its servers other than the first until F2 is over (see
 * stun_release_held()): a request to O's address from our socket
 * would let an address-dependent filter pass F2.  If that address was
 * contacted anyway (a later run), an answer to F2 cannot tell
 * endpoint-independent from address-dependent filtering, and the last
 * clear verdict stands.
 *
 * One transaction at a time, its own transaction id; an answer counts
 * only from the address this test expects it from (for the change
 * tests, the alternate address the server announced), so the port stays
 * as dark as for the plain Binding client.
 *
 * The STUN client (stun_client.c) sits above: it drives discovery, and
 * what discovery needs of it (the servers, releasing the hold) comes
 * through the callbacks it registers with natdisc_register().
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>

#include <event.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clawd.h"
#include "clawd_imsg.h"
#include "log.h"
#include "util.h"
#include "stun.h"
#include "rdv.h"
#include "natdisc.h"
#include "udp.h"

enum natdisc_phase {
	PH_IDLE = 0,
	PH_T1,
	PH_F2,
	PH_F3,
	PH_M2,
	PH_M3,
	PH_M4
};

/*
 * Waits after each send, ms: an answer to a change test often never
 * comes, so those give up sooner, but never before a few round trips
 * as T1 measured them (x CHANGE_RTT_MUL): a slow answer read as none
 * would be a stricter filter than the NAT has.
 */
static const uint32_t	 wait_plain[] = { 250, 500, 1000, 1250 };
static const uint32_t	 wait_change[] = { 300, 600, 1200 };
#define CHANGE_RTT_MUL	3

#define NMAP	4

static struct {
	int			 init;
	uint16_t		 port;		/* our socket, 0: none */
	int			 due;		/* run at the next mapping */
	enum natdisc_phase	 phase;
	struct event		 ev;		/* retransmissions */
	struct event		 period;	/* the next run */

	/* The run in progress. */
	struct natdisc_server	 srv[CLAWD_STUN_MAX];
	size_t			 nsrv, cur;
	int			 saw_unsupported;
	int			 saw_no_nat;
	struct sockaddr_storage	 other;
	struct sockaddr_storage	 dest;
	struct sockaddr_storage	 expect;
	struct sockaddr_storage	 local;
	uint32_t		 change;
	uint8_t			 tid[STUN_TID_LEN];
	size_t			 sent;
	struct sockaddr_storage	 map[NMAP];
	int			 have_map[NMAP];
	int			 ambiguous;
	int			 f2, f3;
	uint32_t		 filtering;
	struct timespec		 t1_sent;
	uint32_t		 rtt_ms;	/* of T1, if not resent */

	/* The last verdict, shown while a new run goes on. */
	uint32_t		 state;		/* CTL_NATD_* */
	char			 res_name[CLAWD_HOST_MAX];
	struct sockaddr_storage	 res_server;
	struct sockaddr_storage	 res_other;
	uint32_t		 res_mapping;
	uint32_t		 res_filtering;
	int32_t			 res_step;
	int			 have_res;
	struct timespec		 res_at;
} nd;

static void	natdisc_timer(int, short, void *);
static void	natdisc_period(int, short, void *);
static void	run_start(void);
static void	run_next_server(void);
static void	test_send(enum natdisc_phase, const struct sockaddr *,
		    const struct sockaddr *, uint32_t);
static void	test_result(const struct stun_msg *, const struct sockaddr *);

/* The STUN client, called back (natdisc_register()). */
static struct natdisc_upcalls	 up;

void
natdisc_register(const struct natdisc_upcalls *u)
{
	up = *u;
}

static void
natdisc_init(void)
{
	if (nd.init)
		return;
	evtimer_set(&nd.ev, natdisc_timer, NULL);
	evtimer_set(&nd.period, natdisc_period, NULL);
	nd.init = 1;
}

static void
schedule(struct event *ev, uint32_t ms)
{
	struct timeval	 tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(ev, &tv);
}


static void
ss_set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

/* Same family and address, ports aside. */
static int
same_ip(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	struct sockaddr_storage	 x, y;

	if (a->ss_family != b->ss_family)
		return 0;
	x = *a;
	y = *b;
	ss_set_port(&x, 0);
	ss_set_port(&y, 0);
	return sa_equal((struct sockaddr *)&x, (struct sockaddr *)&y);
}

/* Address of one, port of the other. */
static void
ip_port(struct sockaddr_storage *out, const struct sockaddr_storage *ip,
    const struct sockaddr_storage *port)
{
	*out = *ip;
	ss_set_port(out, sa_port(port));
}

/* A new socket is a new mapping: run again once it is known. */
void
natdisc_socket_changed(uint16_t port)
{
	natdisc_init();
	evtimer_del(&nd.ev);
	evtimer_del(&nd.period);
	nd.port = port;
	nd.phase = PH_IDLE;
	nd.due = port != 0;
	nd.state = CTL_NATD_IDLE;
	nd.have_res = 0;
	nd.res_mapping = nd.res_filtering = CTL_NATD_UNKNOWN;
	nd.res_step = 0;
	nd.res_name[0] = '\0';
	memset(&nd.res_server, 0, sizeof(nd.res_server));
	memset(&nd.res_other, 0, sizeof(nd.res_other));
}

/* The STUN client has a mapping: our cue, if a run is due. */
void
natdisc_mapped(void)
{
	if (nd.due && nd.phase == PH_IDLE && nd.port != 0)
		run_start();
}

/*
 * Is a run before or inside F2, whose verdict a request to the
 * alternate address would spoil?  The STUN client's hold waits for it.
 */
int
natdisc_filtering(void)
{
	return nd.phase == PH_T1 || nd.phase == PH_F2;
}

static void
natdisc_period(int fd, short event, void *arg)
{
	(void)fd;
	(void)event;
	(void)arg;
	nd.due = 1;
	if (nd.phase == PH_IDLE && nd.port != 0)
		run_start();
}

/* Servers that answered the Binding client first, in their order. */
static void
run_start(void)
{
	struct natdisc_server	 all[CLAWD_STUN_MAX];
	size_t			 n, i, k = 0;
	int			 pass;

	n = up.servers(all, CLAWD_STUN_MAX);
	if (n == 0)
		return;
	for (pass = 1; pass >= 0; pass--)
		for (i = 0; i < n; i++)
			if (!!all[i].mapped == pass)
				nd.srv[k++] = all[i];
	nd.nsrv = k;
	nd.cur = 0;
	nd.due = 0;
	nd.saw_unsupported = 0;
	nd.saw_no_nat = 0;
	nd.state = CTL_NATD_RUNNING;
	evtimer_del(&nd.period);
	log_debug("natdisc: starting with %s", nd.srv[0].name);
	test_send(PH_T1, (struct sockaddr *)&nd.srv[0].ss,
	    (struct sockaddr *)&nd.srv[0].ss, 0);
}

static void
xmit(void)
{
	uint8_t		 buf[STUN_MSG_MAX];
	ssize_t		 n;
	const uint32_t	*w;
	uint32_t	 ms;
	size_t		 nw;

	if (nd.change != 0)
		n = stun_build_binding_change(buf, sizeof(buf), nd.tid, NULL,
		    nd.change);
	else
		n = stun_build_binding(buf, sizeof(buf), nd.tid, NULL);
	if (n == -1)
		fatalx("%s: cannot build request", __func__);
	/* A failed send is a lost request: the next one may go. */
	if (udp_send((struct sockaddr *)&nd.dest, buf, n) == -1)
		log_debug("natdisc: sendto %s failed",
		    log_sockaddr((struct sockaddr *)&nd.dest));
	if (nd.change != 0) {
		w = wait_change;
		nw = sizeof(wait_change) / sizeof(wait_change[0]);
	} else {
		w = wait_plain;
		nw = sizeof(wait_plain) / sizeof(wait_plain[0]);
	}
	ms = w[nd.sent < nw ? nd.sent : nw - 1];
	if (nd.change != 0 && ms < nd.rtt_ms * CHANGE_RTT_MUL)
		ms = nd.rtt_ms * CHANGE_RTT_MUL;
	schedule(&nd.ev, ms);
	if (nd.sent == 0)
		clock_gettime(CLOCK_MONOTONIC, &nd.t1_sent);
	nd.sent++;
}

static void
test_send(enum natdisc_phase ph, const struct sockaddr *dest,
    const struct sockaddr *expect, uint32_t change)
{
	evtimer_del(&nd.ev);
	nd.phase = ph;
	memset(&nd.dest, 0, sizeof(nd.dest));
	memcpy(&nd.dest, dest, sa_len(dest));
	memset(&nd.expect, 0, sizeof(nd.expect));
	memcpy(&nd.expect, expect, sa_len(expect));
	nd.change = change;
	nd.sent = 0;
	arc4random_buf(nd.tid, sizeof(nd.tid));
	xmit();
}

static void
natdisc_timer(int fd, short event, void *arg)
{
	size_t	 nw;

	(void)fd;
	(void)event;
	(void)arg;
	if (nd.phase == PH_IDLE)
		return;
	nw = nd.change != 0 ? sizeof(wait_change) / sizeof(wait_change[0]) :
	    sizeof(wait_plain) / sizeof(wait_plain[0]);
	if (nd.sent < nw) {
		xmit();
		return;
	}
	test_result(NULL, NULL);
}

/*
 * 1: an answer to our test, taken; -1: our transaction id from another
 * address (dropped); 0: not ours.
 */
int
natdisc_input(const struct stun_msg *m, const struct sockaddr *from,
    const struct sockaddr *local)
{
	if (nd.phase == PH_IDLE || !stun_tid_equal(m->tid, nd.tid))
		return 0;
	if (from == NULL || !sa_equal(from, (struct sockaddr *)&nd.expect))
		return -1;
	evtimer_del(&nd.ev);
	if (m->class != STUN_CLASS_SUCCESS || m->nunknown > 0 ||
	    stun_mapped(m) == NULL) {
		/* An error is no answer; T1 moves on, others give up. */
		test_result(NULL, NULL);
		return 1;
	}
	test_result(m, local);
	return 1;
}

static void
publish(uint32_t state, uint32_t mapping, uint32_t filtering, int32_t step)
{
	const struct natdisc_server	*s;

	evtimer_del(&nd.ev);
	nd.phase = PH_IDLE;
	nd.state = state;
	nd.res_mapping = mapping;
	nd.res_filtering = filtering;
	nd.res_step = step;
	memset(&nd.res_other, 0, sizeof(nd.res_other));
	if (nd.cur < nd.nsrv) {
		s = &nd.srv[nd.cur];
		strlcpy(nd.res_name, s->name, sizeof(nd.res_name));
		nd.res_server = s->ss;
		nd.res_other = nd.other;
	} else {
		nd.res_name[0] = '\0';
		memset(&nd.res_server, 0, sizeof(nd.res_server));
	}
	nd.have_res = 1;
	clock_gettime(CLOCK_MONOTONIC, &nd.res_at);
	up.release_held();
	schedule(&nd.period, NATDISC_PERIOD_S * 1000);

	log_debug("natdisc: f2 %d, f3 %d, ambiguous %d, rtt %u ms", nd.f2,
	    nd.f3, nd.ambiguous, nd.rtt_ms);
	if (state == CTL_NATD_DONE)
		log_info("natdisc %s: mapping %s, filtering %s%s", nd.res_name,
		    natd_kind_name(mapping), natd_kind_name(filtering),
		    step > 0 ? ", sequential ports" :
		    step < 0 ? ", random ports" : "");
	else
		log_info("natdisc: %s", state == CTL_NATD_UNSUPPORTED ?
		    "no server supports RFC 5780" :
		    "no server answered");
}

/* T1 got nowhere with this server: the next one, or give up. */
static void
run_next_server(void)
{
	nd.cur++;
	if (nd.cur < nd.nsrv) {
		test_send(PH_T1, (struct sockaddr *)&nd.srv[nd.cur].ss,
		    (struct sockaddr *)&nd.srv[nd.cur].ss, 0);
		return;
	}
	/* Without OTHER-ADDRESS, no NAT is all we can tell. */
	publish(nd.saw_unsupported ? CTL_NATD_UNSUPPORTED : CTL_NATD_FAILED,
	    nd.saw_no_nat ? CTL_NATD_NONE : CTL_NATD_UNKNOWN,
	    CTL_NATD_UNKNOWN, 0);
}

static int
port_diff(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	return (int16_t)(uint16_t)(sa_port(b) - sa_port(a));
}

/*
 * The port step of an address-and-port-dependent mapping.  M3 and M4
 * are fresh flows made one after the other; a sequential allocator
 * gives them ports a small constant step apart.  One step alone could
 * be chance, so it must match the step before it (M2 to M3, true on
 * the first run when the flows toward both server addresses are new)
 * or the step seen by an earlier run.  -1: random.
 */
static int32_t
port_step(void)
{
	int	 d34, d23;

	if (!nd.have_map[3])
		return 0;
	d34 = port_diff(&nd.map[2], &nd.map[3]);
	d23 = port_diff(&nd.map[1], &nd.map[2]);
	if (d34 >= 1 && d34 <= NATDISC_STEP_MAX &&
	    (d23 == d34 || nd.res_step == d34))
		return d34;
	return -1;
}

/* The filtering verdict from F2 and F3. */
static uint32_t
filtering(void)
{
	if (nd.f2) {
		if (!nd.ambiguous)
			return CTL_NATD_EI;
		/* Endpoint-independent or address-dependent. */
		if (nd.res_filtering == CTL_NATD_EI ||
		    nd.res_filtering == CTL_NATD_NONE)
			return CTL_NATD_EI;
		return CTL_NATD_AD;
	}
	return nd.f3 ? CTL_NATD_AD : CTL_NATD_APD;
}

static void
done_mapping(uint32_t mapping, int32_t step)
{
	uint32_t	 f = nd.filtering;

	/* Without a NAT, letting everything in is no filtering at all. */
	if (mapping == CTL_NATD_NONE && f == CTL_NATD_EI)
		f = CTL_NATD_NONE;
	publish(CTL_NATD_DONE, mapping, f, step);
}

static void
start_mapping_tests(void)
{
	struct sockaddr_storage	 d;
	const struct natdisc_server *s = &nd.srv[nd.cur];

	nd.filtering = filtering();
	if (nd.saw_no_nat) {
		done_mapping(CTL_NATD_NONE, 0);
		return;
	}
	ip_port(&d, &nd.other, &s->ss);
	test_send(PH_M2, (struct sockaddr *)&d, (struct sockaddr *)&d, 0);
}

static void
t1_result(const struct stun_msg *m, const struct sockaddr *local)
{
	const struct natdisc_server	*s = &nd.srv[nd.cur];
	struct timespec			 ts;
	int64_t				 d;
	size_t				 i;

	if (m == NULL) {
		log_debug("natdisc %s: no answer", s->name);
		run_next_server();
		return;
	}
	nd.rtt_ms = 0;
	if (nd.sent == 1) {	/* Karn: a resent one is ambiguous */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		d = (int64_t)(ts.tv_sec - nd.t1_sent.tv_sec) * 1000 +
		    (ts.tv_nsec - nd.t1_sent.tv_nsec) / 1000000;
		nd.rtt_ms = d < 0 ? 0 : d > 2000 ? 2000 : (uint32_t)d;
	}
	memset(&nd.map[0], 0, sizeof(nd.map[0]));
	memcpy(&nd.map[0], stun_mapped(m), sa_len(stun_mapped(m)));
	nd.have_map[0] = 1;
	for (i = 1; i < NMAP; i++)
		nd.have_map[i] = 0;
	memset(&nd.local, 0, sizeof(nd.local));
	if (local != NULL && sa_len(local) != 0) {
		memcpy(&nd.local, local, sa_len(local));
		if (sa_port(&nd.local) == 0)
			ss_set_port(&nd.local, nd.port);
		if (sa_equal((struct sockaddr *)&nd.local,
		    (struct sockaddr *)&nd.map[0]))
			nd.saw_no_nat = 1;
	}
	/* The alternate must differ in both address and port. */
	if (!(m->have & STUN_HAVE_OTHER) ||
	    m->other.ss_family != s->ss.ss_family ||
	    same_ip(&m->other, &s->ss) ||
	    sa_port(&m->other) == sa_port(&s->ss) ||
	    sa_port(&m->other) == 0) {
		log_debug("natdisc %s: no usable OTHER-ADDRESS", s->name);
		nd.saw_unsupported = 1;
		run_next_server();
		return;
	}
	nd.other = m->other;

	/* Has our socket already talked to the alternate address? */
	nd.ambiguous = 0;
	for (i = 0; i < nd.nsrv; i++)
		if (i != nd.cur && nd.srv[i].contacted &&
		    same_ip(&nd.srv[i].ss, &nd.other))
			nd.ambiguous = 1;
	nd.f2 = nd.f3 = 0;
	test_send(PH_F2, (const struct sockaddr *)&s->ss,
	    (struct sockaddr *)&nd.other, STUN_CHANGE_IP | STUN_CHANGE_PORT);
}

static void
test_result(const struct stun_msg *m, const struct sockaddr *local)
{
	const struct natdisc_server	*s = &nd.srv[nd.cur];
	struct sockaddr_storage		 d;
	int				 i;

	switch (nd.phase) {
	case PH_IDLE:
		break;
	case PH_T1:
		t1_result(m, local);
		break;
	case PH_F2:
		up.release_held();
		nd.f2 = m != NULL;
		if (nd.f2) {
			start_mapping_tests();
			break;
		}
		ip_port(&d, &s->ss, &nd.other);
		test_send(PH_F3, (const struct sockaddr *)&s->ss,
		    (struct sockaddr *)&d, STUN_CHANGE_PORT);
		break;
	case PH_F3:
		nd.f3 = m != NULL;
		start_mapping_tests();
		break;
	case PH_M2:
	case PH_M3:
	case PH_M4:
		i = nd.phase - PH_M2 + 1;
		if (m == NULL) {
			/* M2 and M3 decide; without M4, no step. */
			if (nd.phase == PH_M4)
				done_mapping(CTL_NATD_APD, port_step());
			else
				done_mapping(CTL_NATD_UNKNOWN, 0);
			break;
		}
		memset(&nd.map[i], 0, sizeof(nd.map[i]));
		memcpy(&nd.map[i], stun_mapped(m), sa_len(stun_mapped(m)));
		nd.have_map[i] = 1;
		if (nd.phase == PH_M2) {
			if (sa_equal((struct sockaddr *)&nd.map[0],
			    (struct sockaddr *)&nd.map[1])) {
				done_mapping(CTL_NATD_EI, 0);
				break;
			}
			test_send(PH_M3, (struct sockaddr *)&nd.other,
			    (struct sockaddr *)&nd.other, 0);
		} else if (nd.phase == PH_M3) {
			if (sa_equal((struct sockaddr *)&nd.map[1],
			    (struct sockaddr *)&nd.map[2])) {
				done_mapping(CTL_NATD_AD, 0);
				break;
			}
			ip_port(&d, &s->ss, &nd.other);
			test_send(PH_M4, (struct sockaddr *)&d,
			    (struct sockaddr *)&d, 0);
		} else
			done_mapping(CTL_NATD_APD, port_step());
		break;
	}
}

void
natdisc_ctl(struct ctl_nat_behaviour *nb)
{
	struct timespec	 ts;

	memset(nb, 0, sizeof(*nb));
	nb->state = nd.state;
	nb->age = -1;
	if (!nd.have_res)
		return;
	strlcpy(nb->server_name, nd.res_name, sizeof(nb->server_name));
	nb->server = nd.res_server;
	nb->other = nd.res_other;
	nb->mapping = nd.res_mapping;
	nb->filtering = nd.res_filtering;
	nb->port_step = nd.res_step;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	nb->age = ts.tv_sec - nd.res_at.tv_sec;
}

/*
 * For the rendezvous: the mapping as RDV_NAT_*, the filtering as
 * RDV_FILT_*, the port step (0 none known, -1 random, N sequential).
 * -1 if no run has finished on this socket.
 */
int
natdisc_get(uint8_t *mapping, uint8_t *filt, int *step)
{
	*mapping = RDV_NAT_UNKNOWN;
	*filt = RDV_FILT_UNKNOWN;
	*step = 0;
	if (!nd.have_res)
		return -1;
	switch (nd.res_mapping) {
	case CTL_NATD_NONE:
		*mapping = RDV_NAT_NONE;
		break;
	case CTL_NATD_EI:
		*mapping = RDV_NAT_EIM;
		break;
	case CTL_NATD_AD:
	case CTL_NATD_APD:
		*mapping = RDV_NAT_EDM;
		break;
	}
	switch (nd.res_filtering) {
	case CTL_NATD_NONE:
	case CTL_NATD_EI:
		*filt = RDV_FILT_EIF;
		break;
	case CTL_NATD_AD:
		*filt = RDV_FILT_ADF;
		break;
	case CTL_NATD_APD:
		*filt = RDV_FILT_APDF;
		break;
	}
	*step = nd.res_step;
	return 0;
}

void
natdisc_shutdown(void)
{
	if (nd.init) {
		evtimer_del(&nd.ev);
		evtimer_del(&nd.period);
	}
	nd.phase = PH_IDLE;
	nd.port = 0;
	nd.due = 0;
}
