/*
 * RFC 5780 NAT behaviour discovery.
 *
 * Once the STUN client has a first mapping after a socket change, and
 * every NATDISC_PERIOD_S after that, one run of a few Binding requests
 * toward a server that announces an OTHER-ADDRESS (O, the alternate
 * address and port of the primary P).  It has two parts that go on
 * side by side.
 *
 * The mapping tests, on the data socket, one after the other:
 *
 *   T1  to P: our mapping, and O.  A mapping equal to our own address
 *       is no NAT.
 *   M2  to O's address, P's port: the same mapping as T1 is
 *       endpoint-independent mapping.
 *   M3  to O: the same mapping as M2 is address-dependent, another one
 *       address-and-port-dependent.
 *   M4  to P's address, O's port: one more fresh mapping, for the port
 *       step of a sequential allocator.
 *
 * Then the filtering tests, both at once, on a socket of their own
 * that the parent makes for each run and that writes to P alone:
 *
 *   F2  CHANGE-REQUEST address and port: an answer from O means
 *       endpoint-independent filtering.
 *   F3  CHANGE-REQUEST port: an answer from P's address and O's port
 *       means address-dependent, none address-and-port-dependent.
 *
 * A NAT filters all its mappings alike, and a socket that never wrote
 * to O cannot have opened a filter toward it: so the mapping tests,
 * and the STUN client's other servers, need not wait for the
 * filtering tests, which take the longest (an answer that does not
 * come is waited for, about 2 s).  The mapping verdict is published
 * as soon as it is known, since a rendezvous message needs the mapping
 * and the port step (rdv.c); the filtering verdict follows, and the
 * run is done when both are in.  The filtering tests come second
 * because their socket's first packet makes a new mapping on the NAT:
 * between M2 and M4 it would spoil the port step.
 *
 * Each test has its own transaction id; an answer counts only on the
 * socket and from the address the test expects it from (for the
 * change tests, the alternate address the server announced), so the
 * ports stay as dark as for the plain Binding client.
 *
 * The STUN client (stun_client.c) sits above: it drives discovery, and
 * the servers it knows come through the callback it registers with
 * natdisc_register().
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
	PH_M2,
	PH_M3,
	PH_M4
};

enum filt_phase {
	FL_IDLE = 0,
	FL_SOCKET,		/* waiting for the parent's socket */
	FL_TEST			/* F2 and F3 sent */
};

/*
 * Waits after each send, ms: an answer to a change test often never
 * comes, so those give up sooner, but never before a few round trips
 * as T1 measured them (x CHANGE_RTT_MUL): a slow answer read as none
 * would be a stricter filter than the NAT has.
 */
static const uint32_t	 wait_plain[] = { 250, 500, 1000, 1250 };
static const uint32_t	 wait_change[] = { 300, 600, 1200 };
#define NWAIT(w)	(sizeof(w) / sizeof((w)[0]))
#define CHANGE_RTT_MUL	3
#define SOCKET_WAIT_MS	1000	/* for the parent's socket */

#define NMAP	4

static struct {
	int			 init;
	uint16_t		 port;		/* our socket, 0: none */
	int			 due;		/* run at the next mapping */
	enum natdisc_phase	 phase;		/* of the mapping tests */
	struct event		 ev;		/* their retransmissions */
	struct event		 period;	/* the next run */

	/* The run in progress. */
	struct natdisc_server	 srv[CLAWD_STUN_MAX];
	size_t			 nsrv, cur;
	int			 saw_unsupported;
	int			 saw_no_nat;
	int			 mapping_over;
	struct sockaddr_storage	 other;
	struct sockaddr_storage	 dest;
	struct sockaddr_storage	 expect;
	struct sockaddr_storage	 local;
	uint8_t			 tid[STUN_TID_LEN];
	size_t			 sent;
	struct sockaddr_storage	 map[NMAP];
	int			 have_map[NMAP];
	struct timespec		 t1_sent;
	uint32_t		 rtt_ms;	/* of T1, if not resent */

	/* Its filtering tests, on the socket of the run. */
	struct {
		enum filt_phase		 phase;
		int			 over;
		struct event		 ev;
		struct sockaddr_storage	 dest;		/* P */
		struct sockaddr_storage	 from2;		/* O */
		struct sockaddr_storage	 from3;		/* P's address, O's port */
		uint8_t			 tid2[STUN_TID_LEN];
		uint8_t			 tid3[STUN_TID_LEN];
		size_t			 sent;
		int			 f2, f3;
		uint32_t		 verdict;	/* CTL_NATD_* */
	} fl;

	/* The last verdicts, shown while a new run goes on. */
	uint32_t		 state;		/* CTL_NATD_* */
	char			 res_name[CLAWD_HOST_MAX];
	struct sockaddr_storage	 res_server;
	struct sockaddr_storage	 res_other;
	uint32_t		 res_mapping;
	uint32_t		 res_filtering;
	int32_t			 res_step;
	int			 have_res;	/* a mapping verdict */
	int			 have_filt;	/* a filtering verdict */
	struct timespec		 res_at;
} nd;

static void	natdisc_timer(int, short, void *);
static void	natdisc_period(int, short, void *);
static void	filt_timer(int, short, void *);
static void	run_start(void);
static void	run_next_server(void);
static void	test_send(enum natdisc_phase, const struct sockaddr *,
		    const struct sockaddr *);
static void	test_result(const struct stun_msg *, const struct sockaddr *);
static void	filt_stop(void);

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
	evtimer_set(&nd.fl.ev, filt_timer, NULL);
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

/* How long to wait after send number N (from 0) of a test. */
static uint32_t
wait_ms(size_t n, int change)
{
	uint32_t	 ms;

	if (!change)
		return wait_plain[n < NWAIT(wait_plain) ? n :
		    NWAIT(wait_plain) - 1];
	ms = wait_change[n < NWAIT(wait_change) ? n : NWAIT(wait_change) - 1];
	return ms < nd.rtt_ms * CHANGE_RTT_MUL ? nd.rtt_ms * CHANGE_RTT_MUL :
	    ms;
}

/* A new socket is a new mapping: run again once it is known. */
void
natdisc_socket_changed(uint16_t port)
{
	natdisc_init();
	evtimer_del(&nd.ev);
	evtimer_del(&nd.period);
	filt_stop();
	nd.port = port;
	nd.phase = PH_IDLE;
	nd.due = port != 0;
	nd.state = CTL_NATD_IDLE;
	nd.have_res = nd.have_filt = 0;
	nd.res_mapping = nd.res_filtering = CTL_NATD_UNKNOWN;
	nd.res_step = 0;
	nd.res_name[0] = '\0';
	memset(&nd.res_server, 0, sizeof(nd.res_server));
	memset(&nd.res_other, 0, sizeof(nd.res_other));
}

static int
run_idle(void)
{
	return nd.phase == PH_IDLE && nd.fl.phase == FL_IDLE;
}

/* The STUN client has a mapping: our cue, if a run is due. */
void
natdisc_mapped(void)
{
	if (nd.due && run_idle() && nd.port != 0)
		run_start();
}

static void
natdisc_period(int fd, short event, void *arg)
{
	(void)fd;
	(void)event;
	(void)arg;
	nd.due = 1;
	if (run_idle() && nd.port != 0)
		run_start();
}

/*
 * Servers that answered the Binding client first, in their order.  The
 * filtering tests' socket is asked for now, to be there by T1's
 * answer.
 */
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
	nd.mapping_over = 0;
	nd.fl.over = 0;
	nd.state = CTL_NATD_RUNNING;
	evtimer_del(&nd.period);
	udp_natd_want();
	log_debug("natdisc: starting with %s", nd.srv[0].name);
	test_send(PH_T1, (struct sockaddr *)&nd.srv[0].ss,
	    (struct sockaddr *)&nd.srv[0].ss);
}

/* A Binding request, with a CHANGE-REQUEST if CHANGE is not 0. */
static int
send_binding(int sock, const struct sockaddr_storage *to,
    const uint8_t *tid, uint32_t change)
{
	uint8_t		 buf[STUN_MSG_MAX];
	ssize_t		 n;

	if (change != 0)
		n = stun_build_binding_change(buf, sizeof(buf), tid, NULL,
		    change);
	else
		n = stun_build_binding(buf, sizeof(buf), tid, NULL);
	if (n == -1)
		fatalx("%s: cannot build request", __func__);
	/* A failed send is a lost request: the next one may go. */
	if (udp_send_on(sock, (const struct sockaddr *)to, buf, n) == -1) {
		log_debug("natdisc: sendto %s failed",
		    log_sockaddr((const struct sockaddr *)to));
		return -1;
	}
	return 0;
}

static void
xmit(void)
{
	(void)send_binding(NE_SOCK_CUR, &nd.dest, nd.tid, 0);
	schedule(&nd.ev, wait_ms(nd.sent, 0));
	if (nd.sent == 0)
		clock_gettime(CLOCK_MONOTONIC, &nd.t1_sent);
	nd.sent++;
}

static void
test_send(enum natdisc_phase ph, const struct sockaddr *dest,
    const struct sockaddr *expect)
{
	evtimer_del(&nd.ev);
	nd.phase = ph;
	memset(&nd.dest, 0, sizeof(nd.dest));
	memcpy(&nd.dest, dest, sa_len(dest));
	memset(&nd.expect, 0, sizeof(nd.expect));
	memcpy(&nd.expect, expect, sa_len(expect));
	nd.sent = 0;
	arc4random_buf(nd.tid, sizeof(nd.tid));
	xmit();
}

static void
natdisc_timer(int fd, short event, void *arg)
{
	(void)fd;
	(void)event;
	(void)arg;
	if (nd.phase == PH_IDLE)
		return;
	if (nd.sent < NWAIT(wait_plain)) {
		xmit();
		return;
	}
	test_result(NULL, NULL);
}

/* --- the filtering tests ------------------------------------------- */

static void
filt_stop(void)
{
	if (nd.init)
		evtimer_del(&nd.fl.ev);
	nd.fl.phase = FL_IDLE;
	udp_natd_close();
}

static void
filt_xmit(void)
{
	if (!nd.fl.f2)
		(void)send_binding(NE_SOCK_NATD, &nd.fl.dest, nd.fl.tid2,
		    STUN_CHANGE_IP | STUN_CHANGE_PORT);
	if (!nd.fl.f3)
		(void)send_binding(NE_SOCK_NATD, &nd.fl.dest, nd.fl.tid3,
		    STUN_CHANGE_PORT);
	schedule(&nd.fl.ev, wait_ms(nd.fl.sent, 1));
	nd.fl.sent++;
}

static void
filt_begin(void)
{
	evtimer_del(&nd.fl.ev);
	nd.fl.phase = FL_TEST;
	nd.fl.sent = 0;
	nd.fl.f2 = nd.fl.f3 = 0;
	arc4random_buf(nd.fl.tid2, sizeof(nd.fl.tid2));
	arc4random_buf(nd.fl.tid3, sizeof(nd.fl.tid3));
	filt_xmit();
}

static void	run_over(void);

/* The verdict: F2's answer, else F3's, else none (or no socket). */
static void
filt_done(void)
{
	if (nd.fl.phase == FL_SOCKET) {
		log_debug("natdisc: no socket for the filtering tests");
		nd.fl.verdict = CTL_NATD_UNKNOWN;
	} else
		nd.fl.verdict = nd.fl.f2 ? CTL_NATD_EI :
		    nd.fl.f3 ? CTL_NATD_AD : CTL_NATD_APD;
	filt_stop();
	nd.fl.over = 1;
	run_over();
}

/* The mapping tests are over: test from the run's socket, once here. */
static void
filt_start(void)
{
	const struct natdisc_server	*s = &nd.srv[nd.cur];

	nd.fl.dest = s->ss;
	nd.fl.from2 = nd.other;
	ip_port(&nd.fl.from3, &s->ss, &nd.other);
	if (udp_natd_open()) {
		filt_begin();
		return;
	}
	nd.fl.phase = FL_SOCKET;
	schedule(&nd.fl.ev, SOCKET_WAIT_MS);
}

/* The parent's socket came (netengine.c). */
void
natdisc_sock_ready(void)
{
	if (nd.fl.phase == FL_SOCKET && udp_natd_open())
		filt_begin();
	else if (run_idle() && !nd.due)
		udp_natd_close();	/* late: the run is over */
}

static void
filt_timer(int fd, short event, void *arg)
{
	(void)fd;
	(void)event;
	(void)arg;
	if (nd.fl.phase == FL_TEST && nd.fl.sent < NWAIT(wait_change)) {
		filt_xmit();
		return;
	}
	filt_done();
}

/* An answer to F2 settles it; one to F3 waits for F2's. */
static int
filt_input(const struct stun_msg *m, const struct sockaddr *from)
{
	int	 f2;

	if (stun_tid_equal(m->tid, nd.fl.tid2))
		f2 = 1;
	else if (stun_tid_equal(m->tid, nd.fl.tid3))
		f2 = 0;
	else
		return 0;
	if (udp_rx_sock != NE_SOCK_NATD || from == NULL ||
	    !sa_equal(from, (struct sockaddr *)(f2 ? &nd.fl.from2 :
	    &nd.fl.from3)))
		return -1;
	if (m->class != STUN_CLASS_SUCCESS || m->nunknown > 0 ||
	    stun_mapped(m) == NULL)
		return 1;	/* an error is no answer */
	if (f2) {
		nd.fl.f2 = 1;
		filt_done();
	} else
		nd.fl.f3 = 1;
	return 1;
}

/* --- the mapping tests and the verdicts ----------------------------- */

/*
 * 1: an answer to our test, taken; -1: our transaction id on another
 * socket or from another address (dropped); 0: not ours.
 */
int
natdisc_input(const struct stun_msg *m, const struct sockaddr *from,
    const struct sockaddr *local)
{
	if (nd.fl.phase == FL_TEST)
		switch (filt_input(m, from)) {
		case 1:
			return 1;
		case -1:
			return -1;
		}
	if (nd.phase == PH_IDLE || !stun_tid_equal(m->tid, nd.tid))
		return 0;
	if (udp_rx_sock != NE_SOCK_CUR || from == NULL ||
	    !sa_equal(from, (struct sockaddr *)&nd.expect))
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

/* Where the verdicts came from, for the control socket. */
static void
publish_server(void)
{
	const struct natdisc_server	*s;

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
	clock_gettime(CLOCK_MONOTONIC, &nd.res_at);
}

/* The run is over: its state, and the next one. */
static void
publish(uint32_t state)
{
	evtimer_del(&nd.ev);
	filt_stop();
	nd.phase = PH_IDLE;
	nd.state = state;
	publish_server();
	schedule(&nd.period, NATDISC_PERIOD_S * 1000);

	log_debug("natdisc: f2 %d, f3 %d, rtt %u ms", nd.fl.f2, nd.fl.f3,
	    nd.rtt_ms);
	if (state == CTL_NATD_DONE)
		log_info("natdisc %s: mapping %s, filtering %s%s", nd.res_name,
		    natd_kind_name(nd.res_mapping),
		    natd_kind_name(nd.res_filtering),
		    nd.res_step > 0 ? ", sequential ports" :
		    nd.res_step < 0 ? ", random ports" : "");
	else
		log_info("natdisc: %s", state == CTL_NATD_UNSUPPORTED ?
		    "no server supports RFC 5780" :
		    "no server answered");
}

/* Both parts are in: the filtering verdict joins the mapping one. */
static void
run_over(void)
{
	uint32_t	 f = nd.fl.verdict;

	if (!nd.mapping_over || !nd.fl.over)
		return;
	/* Without a NAT, letting everything in is no filtering at all. */
	if (nd.res_mapping == CTL_NATD_NONE && f == CTL_NATD_EI)
		f = CTL_NATD_NONE;
	if (f != CTL_NATD_UNKNOWN || !nd.have_filt) {
		nd.res_filtering = f;
		nd.have_filt = f != CTL_NATD_UNKNOWN;
	}
	publish(CTL_NATD_DONE);
}

/* T1 got nowhere with this server: the next one, or give up. */
static void
run_next_server(void)
{
	nd.cur++;
	if (nd.cur < nd.nsrv) {
		test_send(PH_T1, (struct sockaddr *)&nd.srv[nd.cur].ss,
		    (struct sockaddr *)&nd.srv[nd.cur].ss);
		return;
	}
	/* Without OTHER-ADDRESS, no NAT is all we can tell. */
	nd.res_mapping = nd.saw_no_nat ? CTL_NATD_NONE : CTL_NATD_UNKNOWN;
	nd.res_filtering = CTL_NATD_UNKNOWN;
	nd.res_step = 0;
	nd.have_res = 1;
	nd.have_filt = 0;
	publish(nd.saw_unsupported ? CTL_NATD_UNSUPPORTED : CTL_NATD_FAILED);
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

/*
 * The mapping verdict, published at once: a rendezvous message may
 * leave with it (natdisc_get()) while the filtering tests go on.
 */
static void
done_mapping(uint32_t mapping, int32_t step)
{
	evtimer_del(&nd.ev);
	nd.phase = PH_IDLE;
	nd.res_mapping = mapping;
	nd.res_step = step;
	nd.have_res = 1;
	nd.mapping_over = 1;
	publish_server();
	log_debug("natdisc %s: mapping %s, step %d", nd.res_name,
	    natd_kind_name(mapping), step);
	filt_start();
}

static void
t1_result(const struct stun_msg *m, const struct sockaddr *local)
{
	const struct natdisc_server	*s = &nd.srv[nd.cur];
	struct sockaddr_storage		 d;
	struct timespec			 ts;
	int64_t				 ms;
	size_t				 i;

	if (m == NULL) {
		log_debug("natdisc %s: no answer", s->name);
		run_next_server();
		return;
	}
	nd.rtt_ms = 0;
	if (nd.sent == 1) {	/* Karn: a resent one is ambiguous */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ms = (int64_t)(ts.tv_sec - nd.t1_sent.tv_sec) * 1000 +
		    (ts.tv_nsec - nd.t1_sent.tv_nsec) / 1000000;
		nd.rtt_ms = ms < 0 ? 0 : ms > 2000 ? 2000 : (uint32_t)ms;
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
	if (nd.saw_no_nat) {
		done_mapping(CTL_NATD_NONE, 0);
		return;
	}
	ip_port(&d, &nd.other, &s->ss);
	test_send(PH_M2, (struct sockaddr *)&d, (struct sockaddr *)&d);
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
			    (struct sockaddr *)&nd.other);
		} else if (nd.phase == PH_M3) {
			if (sa_equal((struct sockaddr *)&nd.map[1],
			    (struct sockaddr *)&nd.map[2])) {
				done_mapping(CTL_NATD_AD, 0);
				break;
			}
			ip_port(&d, &s->ss, &nd.other);
			test_send(PH_M4, (struct sockaddr *)&d,
			    (struct sockaddr *)&d);
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
 * -1 if no run has come to a mapping verdict on this socket yet, 1 if
 * one has but the filtering is still being tested, 0 once both are
 * known (or were, in an earlier run on this socket).
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
	return nd.have_filt ? 0 : 1;
}

void
natdisc_shutdown(void)
{
	if (nd.init) {
		evtimer_del(&nd.ev);
		evtimer_del(&nd.period);
	}
	filt_stop();
	nd.phase = PH_IDLE;
	nd.port = 0;
	nd.due = 0;
}
