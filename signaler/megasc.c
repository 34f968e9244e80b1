/*
 * Following the drop folder: the sc channel (a request that returns
 * action packets or a wait URL, fetched until the account changes or
 * it times out), pacing and pause as netengine asks (mega_listen()),
 * and polling f every MEGA_POLL_MS where the server has no sc.
 * Packets about the folder's files go to the drop through its events;
 * a change on the folder's path has the tree read again.
 *
 * Above the tree (megatree.c: mega_f_done() for a poll, mega_in_chain(),
 * mega_reload()) and the session's state (mega.c); below the login
 * (megalogin.c), whose mega_init() calls mega_sc_init().  The tree
 * starts the following through the callback given to it here.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/time.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event.h>
#include <jansson.h>

#include "clawd.h"
#include "clawd_imsg.h"
#include "log.h"
#include "proc.h"
#include "signaler.h"
#include "mega.h"
#include "mega_local.h"

#define MEGA_SC_FLOOR_MS	200	/* between two sc requests */
#define MEGA_PACE_MAX_MS	20000	/* paced: sc at least this often */

static void	mega_sc(int, short, void *);
static void	mega_poll(int, short, void *);
static void	mega_follow(void);

/* The timers, and what the tree does once it has found the folder. */
void
mega_sc_init(void)
{
	evtimer_set(&sess.sc_ev, mega_sc, NULL);
	evtimer_set(&sess.poll_ev, mega_poll, NULL);
	sess.pace_ms = MEGA_SC_FLOOR_MS;
	mega_tree_init(mega_follow);
}

int
mega_sc_live(void)
{
	return sess.sc_live;
}

int
mega_following(void)
{
	return sess.paused ? DROP_LISTEN_PAUSE : sess.paced ?
	    DROP_LISTEN_PACED : DROP_LISTEN_EAGER;
}

int64_t
mega_pace_ms(void)
{
	return sess.paced ? sess.pace_ms : 0;
}

/* Following now: netengine wants it, and has said so knowing the tree. */
static int
mega_follows(void)
{
	return sess.decided && !sess.paused;
}

/*
 * Netengine tells us how to follow the folder (DROP_LISTEN_*).  Paused:
 * on an account that many clients share, every file wakes every
 * follower's sc, and an idle client need not pay for that.  Paced: a
 * client that waits for its offer asks sc at most every pace_ms, which
 * doubles while changes keep coming (to MEGA_PACE_MAX_MS) and halves
 * when they are sparse.  Files still go in and out either way.
 *
 * Nothing is followed before a word said READY, after netengine heard
 * that the drop is ready: a client that found its offer in the tree of
 * the login, answered and punches, never asks sc at all (and its own
 * response does not wake it).  The first such word starts following
 * from the tree's sn, or not.
 */
void
mega_listen(uint32_t how, uint32_t ready)
{
	int	 paused = how == DROP_LISTEN_PAUSE;

	sess.paced = how == DROP_LISTEN_PACED;
	if (!sess.decided) {
		if (!ready)
			return;
		sess.decided = 1;
		sess.paused = paused;
		if (paused)
			log_info("mega: no peer needs the drop; not following "
			    "it");
		else if (mega_usable() && sess.drop[0] != '\0')
			mega_follow();
		return;
	}
	if (paused == sess.paused)
		return;
	sess.paused = paused;
	if (sess.paused) {
		log_info("mega: no peer needs the drop; not following it");
		evtimer_del(&sess.sc_ev);
		evtimer_del(&sess.poll_ev);
		return;
	}
	log_info("mega: following the drop again");
	/*
	 * What came meanwhile is read first; the drop hears when.  A wait
	 * still out has seen nothing new (it would have ended): current.
	 */
	sess.catchup = 1;
	if (sess.sc_busy && sess.sc_waiting) {
		sess.catchup = 0;
		sess.ev->on_ready(sess.drop);
	}
	if (mega_usable() && sess.drop[0] != '\0')
		mega_follow();
}

/* --- following changes ----------------------------------------------- */

static void
mega_follow(void)
{
	struct timeval	 tv;

	evtimer_del(&sess.sc_ev);
	evtimer_del(&sess.poll_ev);
	if (sess.sn[0] != '\0') {
		sess.sc_live = 1;
		if (!sess.sc_busy && mega_follows())
			mega_timer(&sess.sc_ev, 0);
		return;
	}
	if (sess.sc_live)
		log_info("mega: no sc channel; polling every %d s",
		    MEGA_POLL_MS / 1000);
	sess.sc_live = 0;
	if (!mega_follows())
		return;
	tv.tv_sec = MEGA_POLL_MS / 1000 + arc4random_uniform(5);
	tv.tv_usec = arc4random_uniform(1000000);
	evtimer_add(&sess.poll_ev, &tv);
}

/* Without sc: read the tree again and compare. */
static void
mega_poll(int fd, short ev, void *arg)
{
	json_t	*b;

	(void)fd;
	(void)ev;
	(void)arg;
	if (!mega_usable() || !mega_follows())
		return;
	b = ma_batch_new();
	ma_req_f(b);
	mq_cs(mq_take(b), MQ_ALONE, mega_f_done, NULL);
}

static void
mega_sc_again(unsigned int ms)
{
	mega_timer(&sess.sc_ev, ms);
}

static long long
mega_ms_since(const struct timespec *t)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000LL +
	    (now.tv_nsec - t->tv_nsec) / 1000000;
}

/* A busy account: the paced interval doubles, to MEGA_PACE_MAX_MS. */
static void
mega_pace_busy(void)
{
	sess.pace_ms = sess.pace_ms * 2 > MEGA_PACE_MAX_MS ? MEGA_PACE_MAX_MS :
	    sess.pace_ms * 2;
}

/*
 * Packets came: when to ask sc again.  Paced, packets again within
 * twice the interval mean a busy account (double it), fewer a quiet
 * one (halve it; after a long silence start from the floor).
 */
static unsigned int
mega_pace_packets(void)
{
	long long	 since;

	if (!sess.paced)
		return MEGA_SC_FLOOR_MS;
	since = mega_ms_since(&sess.pace_last);
	clock_gettime(CLOCK_MONOTONIC, &sess.pace_last);
	if (since < 2LL * sess.pace_ms)
		mega_pace_busy();
	else if (since > 4LL * MEGA_PACE_MAX_MS ||
	    sess.pace_ms / 2 < MEGA_SC_FLOOR_MS)
		sess.pace_ms = MEGA_SC_FLOOR_MS;
	else
		sess.pace_ms /= 2;
	return sess.pace_ms;
}

/*
 * sc failed (a rate limit, most often): paced, a busy account too;
 * the retry waits for the back-off or the interval, the longer.
 */
static unsigned int
mega_pace_failed(unsigned int backoff_ms)
{
	if (!sess.paced)
		return backoff_ms;
	mega_pace_busy();
	return backoff_ms > sess.pace_ms ? backoff_ms : sess.pace_ms;
}

/* A wait ended: paced, not before the interval since the last packets. */
static unsigned int
mega_pace_wait(void)
{
	long long	 since;

	if (!sess.paced)
		return 0;
	since = mega_ms_since(&sess.pace_last);
	return since >= sess.pace_ms ? 0 : (unsigned int)(sess.pace_ms - since);
}

static void
mega_sc_packets(const struct ma_sc *sc)
{
	const struct ma_packet	*p;
	const struct ma_node	*n;
	size_t			 i, j;
	int			 reload = 0;

	for (i = 0; i < sc->npkt; i++) {
		p = &sc->pkt[i];
		switch (p->type) {
		case MA_PKT_T:
			for (j = 0; j < p->nnodes; j++) {
				n = &sc->nodes.v[p->node0 + j];
				if ((n->t == MA_T_FILE ||
				    n->t == MA_T_FOLDER) &&
				    strcmp(n->p, sess.drop) == 0)
					sess.ev->on_node(n);
				/*
				 * A folder next to one on our path may be
				 * a twin made at the same time by another
				 * client: read the tree, settle on one.
				 */
				if (n->t == MA_T_FOLDER &&
				    strcmp(n->p, sess.drop) != 0 &&
				    mega_in_chain(n->p))
					reload = 1;
			}
			break;
		case MA_PKT_D:
			if (mega_in_chain(p->n))
				reload = 1;
			else
				sess.ev->on_node_gone(p->n);
			break;
		case MA_PKT_U:
			sess.ev->on_node_attr(p->n, p->at);
			break;
		}
	}
	if (reload) {
		log_info("mega: folders on the drop's path changed; reading "
		    "the tree again");
		mega_reload();
	}
}

static void
mega_wait_done(const struct https_reply *rep, void *arg)
{
	long long	 waited;
	unsigned int	 pace;

	(void)arg;
	sess.sc_busy = 0;
	sess.sc_waiting = 0;
	if (!mega_usable() || !sess.sc_live)
		return;
	/* A wait ends with a change or a time-out; both mean "ask again". */
	if (rep->error != NULL && rep->status == 0 &&
	    strstr(rep->error, "imeout") == NULL) {
		sess.sc_failures++;
		mega_sc_again(1000 << (sess.sc_failures < 8 ?
		    sess.sc_failures : 8));
		return;
	}
	/* At once after a long wait; a wait that ends at once is paced. */
	waited = mega_ms_since(&sess.sc_last);
	pace = mega_pace_wait();
	if (waited < MEGA_SC_FLOOR_MS && pace < MEGA_SC_FLOOR_MS)
		pace = MEGA_SC_FLOOR_MS;
	mega_sc_again(pace);
}

static void
mega_sc_done(const struct https_reply *rep, void *arg)
{
	struct ma_sc	 sc;
	struct ma_retry	 r;
	int		 rv;

	(void)arg;
	sess.sc_busy = 0;
	if (!mega_usable() || !sess.sc_live)
		return;
	if (rep->error != NULL || rep->status != 200)
		rv = 0;
	else if ((rv = ma_parse_sc(rep->body, rep->len, mega_user(),
	    &sc)) == 0) {
		sess.sc_failures = 0;
		if (sc.kind == MA_SC_PACKETS)
			mega_sc_packets(&sc);
		if (sess.catchup) {
			/* Up to date again since the pause. */
			sess.catchup = 0;
			sess.ev->on_ready(sess.drop);
		}
		if (sc.kind == MA_SC_PACKETS) {
			strlcpy(sess.sn, sc.sn, sizeof(sess.sn));
			ma_sc_free(&sc);
			if (mega_usable())
				mega_sc_again(mega_pace_packets());
			return;
		}
		if (sess.paused) {
			/* mega_listen() asks again, from this sn. */
			ma_sc_free(&sc);
			return;
		}
		sess.sc_busy = 1;
		sess.sc_waiting = 1;
		clock_gettime(CLOCK_MONOTONIC, &sess.sc_last);
		if (mq_fetch(sc.w, 1, NULL, 0, mega_wait_done, NULL) == -1) {
			sess.sc_busy = 0;
			sess.sc_waiting = 0;
			mega_sc_again(1000);
		}
		ma_sc_free(&sc);
		return;
	}
	mega_stats.errors++;
	ma_retry(&r, MA_CTX_SC, rep->error != NULL ? 0 : rep->status, rv,
	    sess.sc_failures++, arc4random());
	switch (r.action) {
	case MA_ACT_RETRY:
		mega_sc_again(mega_pace_failed(r.delay_ms));
		break;
	case MA_ACT_RELOGIN:
		mega_relogin();
		break;
	case MA_ACT_RELOAD:
		mega_reload();
		break;
	case MA_ACT_STOP:
		mega_set_state(MEGA_BLOCKED, r.why);
		break;
	default:
		/* No sc here (mega-mock answers 400): poll instead. */
		log_info("mega: sc failed (%s)", r.why);
		sess.sn[0] = '\0';
		mega_follow();
		break;
	}
}

static void
mega_sc(int fd, short ev, void *arg)
{
	char	 suffix[256], url[CLAWD_URL_MAX * 2];

	(void)fd;
	(void)ev;
	(void)arg;
	if (!mega_usable() || sess.sc_busy || !mega_follows() ||
	    mega_sid() == NULL)
		return;
	if (ma_sc_url(suffix, sizeof(suffix), sess.sn, mega_sid()) == -1) {
		sess.sn[0] = '\0';
		mega_follow();
		return;
	}
	snprintf(url, sizeof(url), "%s%s", https_api_url(), suffix);
	sess.sc_busy = 1;
	if (mq_fetch(url, 1, NULL, 0, mega_sc_done, NULL) == -1) {
		sess.sc_busy = 0;
		mega_sc_again(1000);
	}
}
