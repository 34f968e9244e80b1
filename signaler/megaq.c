/*
 * The cs request queue: commands are batched, one batch is in flight
 * at a time (as the SDK does), and a failed batch is sent again with
 * the same bytes under the same id, so that the server applies a
 * write once however often it is retried.  Back-off follows the table
 * in megaapi.c.  Transfers and the sc channel use mq_fetch(), which
 * asks the parent for host names the sandbox cannot resolve.
 *
 * The queue sits below the session (mega*.c) and never calls it: the
 * session id, the state, errors and the call for a new login go
 * through the hooks the session hands to mq_init().  The request
 * counters live here, at the bottom, where all layers can count.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/time.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event.h>
#include <openssl/rand.h>

#include "clawd.h"
#include "clawd_imsg.h"
#include "log.h"
#include "proc.h"
#include "b64url.h"
#include "hashcash.h"
#include "signaler.h"
#include "mega.h"

#define MQ_PENDING_MAX	1024	/* commands waiting */
#define MQ_FETCH_MAX	64	/* transfers waiting for a name */
#define MQ_HASHCASH_TRIES 2000	/* each ~12 MiB of SHA-256 */

struct mega_stats	 mega_stats;

struct mq_cmd {
	TAILQ_ENTRY(mq_cmd)	 entry;
	json_t			*cmd;
	int			 flags;
	mq_cb			*cb;
	void			*arg;
	struct timespec		 queued;	/* MQ_LAZY: since when */
};
TAILQ_HEAD(mq_cmds, mq_cmd);

static struct {
	struct mq_cmds	 queue;
	size_t		 nqueued;
	struct mq_cmd	*inflight[MA_BATCH_MAX];
	size_t		 ninflight;
	struct ma_call	 call;
	struct ma_seq	 seq;
	int		 busy;		/* a call is out */
	int		 ctx;		/* MA_CTX_CS or MA_CTX_LOGIN */
	char		 hashcash[160];	/* the answer header, or "" */
	struct event	 timer;
	struct event	 gather;	/* a batch collecting commands */
	int		 gather_lazy;	/* ... lazy ones only, long */
	struct timespec	 until;		/* end of the back-off */
	int		 asked;		/* for the API host's address */
	unsigned int	 failures;	/* in a row, for the back-off */
	const struct mq_hooks *hooks;	/* the session above */
} mq;

/* A transfer waiting for the parent to resolve its host. */
struct mq_fetch {
	TAILQ_ENTRY(mq_fetch)	 entry;
	char			*url;
	int			 post;
	void			*body;
	size_t			 len;
	char			 host[CLAWD_HOST_MAX];
	uint16_t		 port;
	void			(*cb)(const struct https_reply *, void *);
	void			*arg;
};
static TAILQ_HEAD(, mq_fetch)	 fetches = TAILQ_HEAD_INITIALIZER(fetches);
static size_t			 nfetches;

static void	mq_send(void);
static void	mq_done(const struct https_reply *, void *);
static void	mq_timer(int, short, void *);
static void	mq_gathered(int, short, void *);

void
mq_init(const struct mq_hooks *hooks)
{
	uint8_t	 rnd[MA_REQID_LEN];

	mq.hooks = hooks;
	TAILQ_INIT(&mq.queue);
	evtimer_set(&mq.timer, mq_timer, NULL);
	evtimer_set(&mq.gather, mq_gathered, NULL);
	arc4random_buf(rnd, sizeof(rnd));
	ma_seq_init(&mq.seq, rnd);
}

/*
 * The one command a ma_req_* function appended to a fresh batch, or
 * NULL if it refused to build it (mq_cs() then fails the command).
 */
json_t *
mq_take(json_t *batch)
{
	json_t	*cmd = NULL;

	if (batch != NULL && json_array_size(batch) == 1)
		cmd = json_incref(json_array_get(batch, 0));
	json_decref(batch);
	return cmd;
}

/*
 * Queue one command; the callback runs exactly once.  Login commands
 * go first: nothing else can be sent before them.  Takes the reference
 * to cmd.
 */
int
mq_cs(json_t *cmd, int flags, mq_cb *cb, void *arg)
{
	struct mq_cmd	*c;

	if (cmd == NULL || mq.nqueued >= MQ_PENDING_MAX ||
	    (c = calloc(1, sizeof(*c))) == NULL) {
		json_decref(cmd);
		cb(NULL, MQ_EGAVEUP, arg);
		return -1;
	}
	c->cmd = cmd;
	c->flags = flags;
	c->cb = cb;
	c->arg = arg;
	clock_gettime(CLOCK_MONOTONIC, &c->queued);
	if (flags & MQ_LOGIN)
		TAILQ_INSERT_HEAD(&mq.queue, c, entry);
	else
		TAILQ_INSERT_TAIL(&mq.queue, c, entry);
	mq.nqueued++;
	mq_kick();
	return 0;
}

static void
mq_finish(struct mq_cmd *c, const json_t *res, int err)
{
	c->cb(res, err, c->arg);
	json_decref(c->cmd);
	free(c);
}

/* Give up on everything queued: the client stopped or starts over. */
void
mq_fail_all(int err)
{
	struct mq_cmd	*c, *out[MA_BATCH_MAX];
	size_t		 i, n;

	/* Detach first: a callback may queue new work. */
	n = mq.ninflight;
	memcpy(out, mq.inflight, n * sizeof(out[0]));
	mq.ninflight = 0;
	if (!mq.busy)
		ma_call_clear(&mq.call);
	for (i = 0; i < n; i++)
		mq_finish(out[i], NULL, err);
	while ((c = TAILQ_FIRST(&mq.queue)) != NULL) {
		TAILQ_REMOVE(&mq.queue, c, entry);
		mq.nqueued--;
		mq_finish(c, NULL, err);
	}
}

/* Send nothing for ms milliseconds. */
void
mq_pause(unsigned int ms, const char *why)
{
	struct timeval	 tv;

	clock_gettime(CLOCK_MONOTONIC, &mq.until);
	mq.until.tv_sec += ms / 1000;
	mq.until.tv_nsec += (long)(ms % 1000) * 1000000;
	if (mq.until.tv_nsec >= 1000000000) {
		mq.until.tv_sec++;
		mq.until.tv_nsec -= 1000000000;
	}
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(&mq.timer, &tv);
	if (why != NULL)
		log_warnx("mega: %s; next try in %u.%u s", why, ms / 1000,
		    ms % 1000 / 100);
}

int64_t
mq_backoff_left(void)
{
	struct timespec	 now;
	int64_t		 ms;

	if (!evtimer_pending(&mq.timer, NULL))
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (int64_t)(mq.until.tv_sec - now.tv_sec) * 1000 +
	    (mq.until.tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? ms : 0;
}

static void
mq_timer(int fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	if (mq.busy)
		return;
	if (mq.ninflight > 0)
		mq_send();	/* the same call again */
	else
		mq_kick();
}

/*
 * How long the queue may still wait: 0 to send now, else the
 * milliseconds until the oldest lazy command's time is up (every
 * queued command is lazy).
 */
static long long
mq_lazy_wait(void)
{
	struct mq_cmd	*c;
	struct timespec	 now;
	long long	 ms, wait = MQ_LAZY_MS;

	clock_gettime(CLOCK_MONOTONIC, &now);
	TAILQ_FOREACH(c, &mq.queue, entry) {
		if (!(c->flags & MQ_LAZY))
			return 0;
		ms = MQ_LAZY_MS - ((long long)(now.tv_sec -
		    c->queued.tv_sec) * 1000 + (now.tv_nsec -
		    c->queued.tv_nsec) / 1000000);
		if (ms <= 0)
			return 0;
		if (ms < wait)
			wait = ms;
	}
	return wait;
}

/*
 * Start the next batch if nothing is out and nothing holds us back:
 * after MQ_GATHER_MS, so that what comes meanwhile goes too, or when
 * the lazy commands' time is up.
 */
void
mq_kick(void)
{
	struct timeval	 tv;
	long long	 wait;

	if (mq.busy || mq.ninflight > 0 || evtimer_pending(&mq.timer, NULL) ||
	    TAILQ_EMPTY(&mq.queue) || !https_ready())
		return;
	wait = mq_lazy_wait();
	if (evtimer_pending(&mq.gather, NULL)) {
		/* Gathering already; only a lazy wait gives way. */
		if (!mq.gather_lazy || wait > 0)
			return;
		evtimer_del(&mq.gather);
	}
	mq.gather_lazy = wait > 0;
	if (wait < MQ_GATHER_MS)
		wait = MQ_GATHER_MS;
	tv.tv_sec = wait / 1000;
	tv.tv_usec = (wait % 1000) * 1000;
	evtimer_add(&mq.gather, &tv);
}

static void
mq_gathered(int fd, short ev, void *arg)
{
	struct mq_cmd	*c, *next;
	json_t		*batch;
	size_t		 i;
	int		 login;

	(void)fd;
	(void)ev;
	(void)arg;
	mq.gather_lazy = 0;
	if (mq.busy || mq.ninflight > 0 || evtimer_pending(&mq.timer, NULL) ||
	    TAILQ_EMPTY(&mq.queue) || !https_ready())
		return;
	if (mq_lazy_wait() > 0) {
		mq_kick();	/* only lazy ones, not due yet */
		return;
	}
	login = mq.hooks->sid() == NULL;
	c = TAILQ_FIRST(&mq.queue);
	if (login && !(c->flags & MQ_LOGIN))
		return;		/* wait for the session */
	for (; c != NULL && mq.ninflight < MA_BATCH_MAX; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (login && !(c->flags & MQ_LOGIN))
			break;
		if (mq.ninflight > 0 && (c->flags & MQ_ALONE))
			break;
		TAILQ_REMOVE(&mq.queue, c, entry);
		mq.nqueued--;
		mq.inflight[mq.ninflight++] = c;
		if (c->flags & MQ_ALONE)
			break;
	}
	if ((batch = ma_batch_new()) == NULL)
		fatalx("mega: out of memory");
	for (i = 0; i < mq.ninflight; i++)
		json_array_append(batch, mq.inflight[i]->cmd);
	ma_call_clear(&mq.call);
	mq.ctx = (mq.inflight[0]->flags & MQ_LOGIN) ? MA_CTX_LOGIN :
	    MA_CTX_CS;
	if (ma_call_start(&mq.call, &mq.seq, batch) == -1)
		fatalx("mega: cannot encode a request");
	json_decref(batch);
	mq.hashcash[0] = '\0';
	mq_send();
}

static void
mq_send(void)
{
	struct imsg_resolve	 ir;
	char			 suffix[256];

	/* No address for the API host (none at start-up): ask again. */
	memset(&ir, 0, sizeof(ir));
	if (https_need_name(https_api_url(), ir.host, sizeof(ir.host),
	    &ir.port) == 1) {
		if (!mq.asked) {
			mq.asked = 1;
			proc_child_compose(PROC_PARENT, IMSG_RESOLVE, 0, 0,
			    -1, &ir, sizeof(ir));
		}
		mq_pause(1000 << (mq.failures < 8 ? mq.failures++ : 8),
		    NULL);
		return;
	}
	if (ma_cs_url(suffix, sizeof(suffix), &mq.call,
	    mq.hooks->sid()) == -1)
		fatalx("mega: bad request id or session id");
	mq.busy = 1;
	mega_stats.requests++;
	if (https_post(suffix, mq.call.body, mq.call.len,
	    mq.hashcash[0] ? mq.hashcash : NULL, mq_done, NULL) == -1) {
		mq.busy = 0;
		log_warn("mega: request");
		mq_pause(MA_BACKOFF_MIN_MS, NULL);
	}
}

/* "1:<easiness>:<x>:<token>" -> the header that answers it. */
static int
mq_hashcash(const char *challenge)
{
	uint8_t		 token[HASHCASH_TOKEN_LEN];
	uint8_t		 nonce[HASHCASH_NONCE_LEN];
	char		 buf[160], b64[16], *p, *e, *x, *t;
	const char	*errstr;
	size_t		 len;
	int		 easiness;

	if (challenge == NULL || strlcpy(buf, challenge, sizeof(buf)) >=
	    sizeof(buf) || strncmp(buf, "1:", 2) != 0)
		return -1;
	p = buf + 2;
	if ((e = strchr(p, ':')) == NULL)
		return -1;
	*e++ = '\0';
	easiness = strtonum(p, 0, 255, &errstr);
	if (errstr != NULL || (x = strchr(e, ':')) == NULL)
		return -1;
	t = x + 1;
	if (b64url_decode(token, sizeof(token), &len, t, strlen(t)) == -1 ||
	    len != sizeof(token))
		return -1;
	log_info("mega: solving a proof of work (easiness %d)", easiness);
	if (hashcash_solve(nonce, token, easiness, MQ_HASHCASH_TRIES) ==
	    -1 || b64url_encode(b64, sizeof(b64), nonce, sizeof(nonce)) == -1)
		return -1;
	snprintf(mq.hashcash, sizeof(mq.hashcash), "X-Hashcash: 1:%s:%s", t,
	    b64);
	return 0;
}

/* Act on a failure of the whole call. */
static void
mq_call_failed(long http, int code, const char *detail, const char *error)
{
	struct ma_retry	 r;
	struct mq_cmd	*out[MA_BATCH_MAX];
	size_t		 i, n;

	mega_stats.errors++;
	ma_retry(&r, mq.ctx, http, code, mq.failures, arc4random());
	switch (r.action) {
	case MA_ACT_HASHCASH:
		if (mq_hashcash(detail) == 0) {
			mq.call.attempt++;
			mega_stats.retries++;
			mq_send();
			return;
		}
		r.why = "proof of work demanded but not solved";
		break;
	case MA_ACT_RETRY:
		mq.failures++;
		mq.call.attempt++;
		mega_stats.retries++;
		/* curl's words say what went wrong: a certificate, say. */
		if (error != NULL) {
			mq.hooks->error(error);
			mq_pause(r.delay_ms, error);
		} else {
			mq.hooks->error(r.why);
			mq_pause(r.delay_ms, r.why);
		}
		return;
	case MA_ACT_RELOGIN:
		/* The session died: send these again after a new login. */
		for (i = mq.ninflight; i-- > 0; ) {
			TAILQ_INSERT_HEAD(&mq.queue, mq.inflight[i], entry);
			mq.nqueued++;
		}
		mq.ninflight = 0;
		ma_call_clear(&mq.call);
		mq.hooks->relogin();
		return;
	case MA_ACT_STOP:
		mq.hooks->set_state(MEGA_BLOCKED, r.why);
		break;
	case MA_ACT_QUOTA:
		mq.hooks->set_state(MEGA_OVERQUOTA, r.why);
		break;
	default:
		mq.hooks->error(r.why);
		break;
	}
	n = mq.ninflight;
	memcpy(out, mq.inflight, n * sizeof(out[0]));
	mq.ninflight = 0;
	ma_call_clear(&mq.call);
	for (i = 0; i < n; i++)
		mq_finish(out[i], NULL, code != 0 ? code : MQ_EGAVEUP);
	mq_kick();
}

static void
mq_done(const struct https_reply *rep, void *arg)
{
	struct ma_batch	 b;
	struct ma_retry	 r;
	struct mq_cmd	*c, *cmds[MA_BATCH_MAX], *again[MA_BATCH_MAX];
	size_t		 i, n, nagain = 0;
	unsigned int	 delay = 0;
	int		 rv, err, relogin = 0;

	(void)arg;
	mq.busy = 0;
	if (mq.ninflight == 0) {
		/* mq_fail_all() gave up on this batch meanwhile. */
		ma_call_clear(&mq.call);
		mq_kick();
		return;
	}
	if (rep->error != NULL || rep->status != 200) {
		mq_call_failed(rep->status, 0, rep->hashcash, rep->error);
		return;
	}
	if ((rv = ma_batch_parse(&b, rep->body, rep->len,
	    mq.call.ncmd)) != 0) {
		mq_call_failed(200, rv, NULL, NULL);
		return;
	}
	mq.failures = 0;
	/* Detach the batch first: callbacks may start the next one. */
	n = mq.ninflight;
	memcpy(cmds, mq.inflight, n * sizeof(cmds[0]));
	mq.ninflight = 0;
	ma_call_clear(&mq.call);
	for (i = 0; i < n; i++) {
		c = cmds[i];
		err = ma_batch_err(&b, i);
		if (err != 0) {
			ma_retry(&r, mq.ctx, 200, err, 0, arc4random());
			if (r.action == MA_ACT_RETRY) {
				/* Only this command, in a later batch. */
				again[nagain++] = c;
				if (r.delay_ms > delay)
					delay = r.delay_ms;
				mega_stats.retries++;
				continue;
			}
			if (r.action == MA_ACT_RELOGIN) {
				again[nagain++] = c;
				relogin = 1;
				continue;
			}
			if (r.action == MA_ACT_STOP)
				mq.hooks->set_state(MEGA_BLOCKED, r.why);
		}
		mq_finish(c, ma_batch_get(&b, i), err);
	}
	ma_batch_free(&b);
	if (mq.hooks->state() == MEGA_BADCRED ||
	    mq.hooks->state() == MEGA_BLOCKED) {
		for (i = 0; i < nagain; i++)
			mq_finish(again[i], NULL, MQ_EGAVEUP);
		return;
	}
	for (i = nagain; i-- > 0; ) {
		TAILQ_INSERT_HEAD(&mq.queue, again[i], entry);
		mq.nqueued++;
	}
	if (relogin)
		mq.hooks->relogin();
	else if (nagain > 0 && !mq.busy)
		mq_pause(delay, "a command was refused for now");
	else
		mq_kick();
}

/* --- transfers and the sc channel ------------------------------------ */

static void
mq_fetch_free(struct mq_fetch *f)
{
	free(f->url);
	free(f->body);
	free(f);
}

/*
 * An HTTPS request to a URL from a reply (upload, download, wait).
 * When its host is a name, the parent resolves it first.
 */
int
mq_fetch(const char *url, int post, const void *body, size_t len,
    void (*cb)(const struct https_reply *, void *), void *arg)
{
	struct imsg_resolve	 ir;
	struct mq_fetch		*f, *o;
	char			 host[CLAWD_HOST_MAX];
	uint16_t		 port;
	int			 rv, asked = 0;

	if ((rv = https_need_name(url, host, sizeof(host), &port)) == -1) {
		errno = EINVAL;
		return -1;
	}
	mega_stats.requests++;
	if (rv == 0)
		return https_request(url, post, body, len, NULL, cb, arg);
	if (nfetches >= MQ_FETCH_MAX || (f = calloc(1, sizeof(*f))) == NULL) {
		errno = ENOBUFS;
		return -1;
	}
	if ((f->url = strdup(url)) == NULL || (len > 0 &&
	    (f->body = malloc(len)) == NULL)) {
		mq_fetch_free(f);
		return -1;
	}
	if (len > 0)
		memcpy(f->body, body, len);
	f->len = len;
	f->post = post;
	f->cb = cb;
	f->arg = arg;
	strlcpy(f->host, host, sizeof(f->host));
	f->port = port;
	TAILQ_FOREACH(o, &fetches, entry)
		if (strcasecmp(o->host, host) == 0 && o->port == port)
			asked = 1;
	TAILQ_INSERT_TAIL(&fetches, f, entry);
	nfetches++;
	if (!asked) {
		memset(&ir, 0, sizeof(ir));
		strlcpy(ir.host, host, sizeof(ir.host));
		ir.port = port;
		proc_child_compose(PROC_PARENT, IMSG_RESOLVE, 0, 0, -1, &ir,
		    sizeof(ir));
	}
	return 0;
}

/* The parent's answer: send what waited for it, or fail it. */
void
mq_resolved(const struct imsg_resolve *ir)
{
	struct https_reply	 rep;
	struct mq_fetch		*f, *next;
	int			 ok;

	ok = ir->error == 0 && https_resolved(ir->host, ir->port, &ir->ss) ==
	    0;
	if (!ok)
		log_warnx("mega: cannot resolve %s", ir->host);
	if (mq.asked) {
		/* It may have been the API host: try the call now. */
		mq.asked = 0;
		if (ok && !mq.busy && evtimer_pending(&mq.timer, NULL)) {
			evtimer_del(&mq.timer);
			mq_timer(-1, 0, NULL);
		}
	}
	TAILQ_FOREACH_SAFE(f, &fetches, entry, next) {
		if (strcasecmp(f->host, ir->host) != 0 || f->port != ir->port)
			continue;
		TAILQ_REMOVE(&fetches, f, entry);
		nfetches--;
		if (!ok || https_request(f->url, f->post, f->body, f->len,
		    NULL, f->cb, f->arg) == -1) {
			memset(&rep, 0, sizeof(rep));
			rep.error = "cannot resolve the host name";
			rep.timeleft = -1;
			f->cb(&rep, f->arg);
		}
		mq_fetch_free(f);
	}
}
