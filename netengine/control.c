/*
 * The control socket, served unprivileged.  clawctl's requests are
 * answered here or forwarded, to the parent or for the drop to the
 * signaler, with the connection's id as peerid, so that the answers
 * find their way back.  A client that sends anything outside the
 * catalogue is disconnected.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/queue.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event.h>

#include "clawd.h"
#include "clawd_imsg.h"
#include "log.h"
#include "proc.h"
#include "stun.h"
#include "natdisc.h"
#include "wg.h"
#include "rdv.h"
#include "turn.h"
#include "spray.h"
#include "netengine.h"

#define CONTROL_MAX_CONNS	32
#define CONTROL_MAX_QUEUED	4096	/* replies a client has not read */

struct ctl_conn {
	TAILQ_ENTRY(ctl_conn)	 entry;
	struct imsgev		 iev;
	uint32_t		 id;
};

static TAILQ_HEAD(, ctl_conn) ctl_conns = TAILQ_HEAD_INITIALIZER(ctl_conns);
static struct event	 ctl_ev, ctl_pause;
static int		 ctl_fd = -1;
static int		 ctl_nconns;
static uint32_t		 ctl_nextid = 1;

static void	control_accept(int, short, void *);
static void	control_dispatch(struct imsgev *, struct imsg *);
static void	control_close(struct imsgev *);
static void	control_forward(struct ctl_conn *, int, struct imsg *);

void
control_listen(int fd)
{
	if (ctl_fd != -1)
		fatalx("control socket handed over twice");
	ctl_fd = fd;
	event_set(&ctl_ev, fd, EV_READ | EV_PERSIST, control_accept, NULL);
	event_add(&ctl_ev, NULL);
	evtimer_set(&ctl_pause, control_accept, NULL);
}

static void
control_accept(int fd, short event, void *arg)
{
	struct ctl_conn	*c;
	struct timeval	 tv = { 1, 0 };
	int		 s;

	(void)fd;
	(void)arg;
	if (event & EV_TIMEOUT)
		event_add(&ctl_ev, NULL);
	if ((s = accept4(ctl_fd, NULL, NULL,
	    SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1) {
		if (errno == ENFILE || errno == EMFILE) {
			/* Out of descriptors: stop accepting a while. */
			event_del(&ctl_ev);
			evtimer_add(&ctl_pause, &tv);
		} else if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("control accept");
		return;
	}
	if (ctl_nconns >= CONTROL_MAX_CONNS) {
		log_warnx("control: too many connections");
		close(s);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("control");
		close(s);
		return;
	}
	c->id = ctl_nextid++;
	if (ctl_nextid == 0)
		ctl_nextid = 1;
	imsgev_init(&c->iev, s, PROC_NETENGINE, PROC_CONTROL, 0,
	    control_dispatch, control_close);
	TAILQ_INSERT_TAIL(&ctl_conns, c, entry);
	ctl_nconns++;
}

static struct ctl_conn *
control_by_id(uint32_t id)
{
	struct ctl_conn	*c;

	TAILQ_FOREACH(c, &ctl_conns, entry)
		if (c->id == id)
			return c;
	return NULL;
}

static void
control_close(struct imsgev *iev)
{
	struct ctl_conn	*c = (struct ctl_conn *)((char *)iev -
			    offsetof(struct ctl_conn, iev));

	imsgev_clear(iev);
	TAILQ_REMOVE(&ctl_conns, c, entry);
	free(c);
	ctl_nconns--;
}

static void
control_emit_nat(const struct ctl_nat *cn, void *arg)
{
	struct imsgev	*iev = arg;

	imsgev_compose(iev, IMSG_CTL_NAT, 0, 0, -1, cn, sizeof(*cn));
}

/* A peer's row from wg.c, with the rendezvous' path and timeline. */
static void
control_emit_peer(struct ctl_peer *cp, uint32_t id, void *arg)
{
	struct imsgev	*iev = arg;
	const char	*path;

	if ((path = rdv_path(id)) == NULL)
		path = cp->endpoint.ss_family ? "direct" : "-";
	strlcpy(cp->path, path, sizeof(cp->path));
	rdv_timeline(id, cp->timeline, sizeof(cp->timeline));
	imsgev_compose(iev, IMSG_CTL_PEER, 0, 0, -1, cp, sizeof(*cp));
}

static void
control_emit_counter(const char *name, uint64_t value, void *arg)
{
	struct imsgev		*iev = arg;
	struct ctl_counter	 cc;

	memset(&cc, 0, sizeof(cc));
	strlcpy(cc.name, name, sizeof(cc.name));
	cc.value = value;
	imsgev_compose(iev, IMSG_CTL_COUNTER, 0, 0, -1, &cc, sizeof(cc));
}

/*
 * Counters for clawctl show stats: each by name and value, from every
 * layer of the engine.
 */
static void
control_counters(void (*emit)(const char *, uint64_t, void *), void *arg)
{
	struct stun_counters	 sc;
	struct turn_counters	 tc;

	udp_counters(emit, arg);
	stun_get_counters(&sc);
	emit("stun.invalid", sc.invalid, arg);
	emit("stun.unmatched", sc.unmatched, arg);
	emit("stun.wrong_source", sc.wrong_source, arg);
	emit("stun.send_errors", sc.send_errors, arg);
	turn_get_counters(&tc);
	emit("turn.requests", tc.requests, arg);
	emit("turn.retransmits", tc.retransmits, arg);
	emit("turn.timeouts", tc.timeouts, arg);
	emit("turn.errors", tc.errors, arg);
	emit("turn.auth_failed", tc.auth_failed, arg);
	emit("turn.invalid", tc.invalid, arg);
	emit("turn.unmatched", tc.unmatched, arg);
	emit("turn.send_indications", tc.send_ind, arg);
	emit("turn.channel_out", tc.channel_out, arg);
	emit("turn.data_indications", tc.data_ind, arg);
	emit("turn.channel_in", tc.channel_in, arg);
	emit("turn.no_permission", tc.no_permission, arg);
	emit("turn.send_errors", tc.send_errors, arg);
	wg_counters(emit, arg);
	rdv_counters(emit, arg);
	spray_counters(emit, arg);
}

static void
control_dispatch(struct imsgev *iev, struct imsg *imsg)
{
	struct ctl_conn	*c = (struct ctl_conn *)((char *)iev -
			    offsetof(struct ctl_conn, iev));
	struct ctl_nat_behaviour nb;
	uint32_t	 type = imsg_get_type(imsg);

	/* A client that asks and never reads must not cost memory. */
	if (imsgbuf_queuelen(&iev->ibuf) > CONTROL_MAX_QUEUED) {
		log_warnx("control: client does not read its replies");
		iev->dead = 1;
		return;
	}
	switch (type) {
	case IMSG_CTL_SHOW_STATUS:
	case IMSG_CTL_RELOAD:
		/* The parent answers; log who asked for a reload. */
		if (type == IMSG_CTL_RELOAD)
			log_info("reload requested over the control socket");
		proc_child_compose(PROC_PARENT, type, c->id, 0, -1, NULL, 0);
		break;
	case IMSG_CTL_SHOW_DROP:
	case IMSG_CTL_DROP_PUT:
	case IMSG_CTL_DROP_GET:
	case IMSG_CTL_DROP_RM:
		/* The signaler holds the MEGA client and answers these. */
		control_forward(c, PROC_SIGNALER, imsg);
		break;
	case IMSG_CTL_SHOW_NAT:
		stun_ctl_nat(control_emit_nat, iev);
		natdisc_ctl(&nb);
		imsgev_compose(iev, IMSG_CTL_NAT_BEHAVIOUR, 0, 0, -1, &nb,
		    sizeof(nb));
		imsgev_compose(iev, IMSG_CTL_END, 0, 0, -1, NULL, 0);
		break;
	case IMSG_CTL_SHOW_PEERS:
		wg_ctl_peers(control_emit_peer, iev);
		imsgev_compose(iev, IMSG_CTL_END, 0, 0, -1, NULL, 0);
		break;
	case IMSG_CTL_SHOW_STATS:
		control_counters(control_emit_counter, iev);
		imsgev_compose(iev, IMSG_CTL_END, 0, 0, -1, NULL, 0);
		break;
	default:
		/* imsg_check() let it through: a request we do not serve. */
		log_warnx("control: unexpected %s", imsg_type_name(type));
		iev->dead = 1;
		break;
	}
}

/*
 * Pass a request on unchanged (imsg_check() has bounded its length),
 * tagged with the client's id.  If the process is not there, say so
 * to the client rather than leave it waiting.
 */
static void
control_forward(struct ctl_conn *c, int to, struct imsg *imsg)
{
	static uint8_t		 buf[MAX_IMSGSIZE];
	struct ctl_result	 res;
	uint32_t		 type = imsg_get_type(imsg);
	size_t			 len = imsg_get_len(imsg);

	if (len > sizeof(buf))
		fatalx("control: %s too long", imsg_type_name(type));
	if (len > 0 && imsg_get_data(imsg, buf, len) == -1)
		fatal("control: %s", imsg_type_name(type));
	if (proc_child_compose(to, type, c->id, 0, -1, len > 0 ? buf : NULL,
	    len) != -1)
		return;
	memset(&res, 0, sizeof(res));
	res.error = errno == ENOTCONN ? ENOTCONN : EIO;
	snprintf(res.msg, sizeof(res.msg), "%s is not available",
	    proc_name(to));
	imsgev_compose(&c->iev, IMSG_CTL_RESULT, 0, 0, -1, &res,
	    sizeof(res));
}

/*
 * An answer from the parent or the signaler: hand it, whatever its
 * payload, to the client that asked.  imsg_check() has already held
 * the type, the sender and the length against the catalogue.
 */
void
control_reply(struct imsg *imsg)
{
	static uint8_t	 buf[MAX_IMSGSIZE];
	struct ctl_conn	*c;
	uint32_t	 type = imsg_get_type(imsg);
	size_t		 len = imsg_get_len(imsg);

	if ((c = control_by_id(imsg_get_id(imsg))) == NULL)
		return;		/* the client left meanwhile */
	if (len > sizeof(buf))
		fatalx("control: %s too long", imsg_type_name(type));
	if (len > 0 && imsg_get_data(imsg, buf, len) == -1)
		fatal("control: %s", imsg_type_name(type));
	/* A long list to a client that does not read: let it go. */
	if (imsgbuf_queuelen(&c->iev.ibuf) > CONTROL_MAX_QUEUED) {
		log_warnx("control: client does not read its replies");
		control_close(&c->iev);
		return;
	}
	imsgev_compose(&c->iev, type, 0, 0, -1, len > 0 ? buf : NULL, len);
}

void
control_shutdown(void)
{
	struct ctl_conn	*c;

	while ((c = TAILQ_FIRST(&ctl_conns)) != NULL)
		control_close(&c->iev);
	if (ctl_fd != -1) {
		event_del(&ctl_ev);
		close(ctl_fd);
		ctl_fd = -1;
	}
}
