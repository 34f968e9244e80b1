/*
 * The MEGA session as the signaler sees it: resume or log in (crypto
 * does every step that needs the password or the master key), read
 * the tree and find or make the drop folder, then follow changes over
 * the sc channel, or by polling f where the server has no sc.  The
 * call sequence is docs/megaproto.md section 8; docs/megaclient.md has
 * the states and the timers.
 *
 * The session sits between the queue (megaq.c, below: it reaches the
 * session only through the hooks given to mq_init()) and the drop
 * (drop.c, above: it hears of the folder's files through the events it
 * subscribed to).  Nothing here calls the drop.
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

#define MEGA_POLL_MS		15000	/* f without sc, plus jitter */
#define MEGA_SC_FLOOR_MS	200	/* between two sc requests */
#define MEGA_PACE_MAX_MS	20000	/* paced: sc at least this often */
#define MEGA_PATH_DEPTH		16
#define MEGA_CREQ_MAX		2048	/* crypto requests outstanding */

/* A request to crypto, waiting for the answer with its number. */
struct creq {
	TAILQ_ENTRY(creq)	 entry;
	uint32_t		 seq;
	void			(*cb)(struct imsg *, void *);
	void			*arg;
};

static struct {
	int		 state;
	char		 why[MEGA_ERR_MAX];	/* last error */
	char		 folder[CLAWD_PATH_MAX];
	char		 email[MEGA_EMAIL_MAX];
	char		 sid[MEGA_SID_MAX];
	char		 u[MEGA_USER_MAX];
	char		 ci[11];		/* our client id, "i" */
	int		 have_conf;
	int		 have_account;
	unsigned int	 login_failures;
	time_t		 last_login;
	struct event	 login_ev;

	/* Finding the folder: the f reply, walked one level at a time. */
	struct ma_nodes	 nodes;
	char		 path[MEGA_PATH_DEPTH][DROP_NAME_MAX];
	size_t		 depth, level;
	char		 cur[MA_HANDLE_LEN + 1];
	char		 chain[MEGA_PATH_DEPTH + 1][MA_HANDLE_LEN + 1];
	char		 best[MA_HANDLE_LEN + 1];
	char		 drop[MA_HANDLE_LEN + 1];	/* the folder */
	int64_t		 best_ts;
	size_t		 pending;		/* names asked for */
	unsigned int	 generation;		/* of the walk */
	int		 made;			/* we made a folder */

	/* Changes. */
	char		 sn[MA_SN_LEN + 1];
	int		 sc_live;
	int		 sc_busy;
	int		 paused;		/* no peer needs the drop */
	int		 paced;			/* one client among many */
	unsigned int	 pace_ms;		/* paced: sc at most this often */
	struct timespec	 pace_last;		/* the last packets */
	unsigned int	 sc_failures;
	struct timespec	 sc_last;
	struct event	 sc_ev;
	struct event	 poll_ev;

	TAILQ_HEAD(, creq) creqs;
	size_t		 ncreqs;
	uint32_t	 seq;

	const struct mega_events *ev;	/* the drop's */
} m;

static const char *const state_names[] = {
	[MEGA_DISABLED] = "disabled",
	[MEGA_LOGIN] = "login",
	[MEGA_LOADING] = "loading",
	[MEGA_READY] = "ready",
	[MEGA_BADCRED] = "bad-credentials",
	[MEGA_BLOCKED] = "blocked",
	[MEGA_OVERQUOTA] = "over-quota",
	[MEGA_ERROR] = "error",
};

static void	mega_login(int, short, void *);
static void	mega_load(void);
static void	mega_walk(void);
static void	mega_sc(int, short, void *);
static void	mega_poll(int, short, void *);
static void	mega_follow(void);
static void	mega_mq_error(const char *);

/* What the queue below may ask of the session. */
static const struct mq_hooks mega_mq_hooks = {
	.sid = mega_sid,
	.state = mega_state,
	.set_state = mega_set_state,
	.error = mega_mq_error,
	.relogin = mega_relogin,
};

static void
mega_timer(struct event *ev, unsigned int ms)
{
	struct timeval	 tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(ev, &tv);
}

void
mega_init(void)
{
	static const char	 letters[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	size_t			 i;

	TAILQ_INIT(&m.creqs);
	evtimer_set(&m.login_ev, mega_login, NULL);
	evtimer_set(&m.sc_ev, mega_sc, NULL);
	evtimer_set(&m.poll_ev, mega_poll, NULL);
	m.pace_ms = MEGA_SC_FLOOR_MS;
	for (i = 0; i < sizeof(m.ci) - 1; i++)
		m.ci[i] = letters[arc4random_uniform(sizeof(letters) - 1)];
	mq_init(&mega_mq_hooks);
}

/* The layer above: the drop, told of the folder's files. */
void
mega_subscribe(const struct mega_events *ev)
{
	m.ev = ev;
}

const char *
mega_sid(void)
{
	return m.sid[0] != '\0' ? m.sid : NULL;
}

const char *
mega_user(void)
{
	return m.u[0] != '\0' ? m.u : NULL;
}

const char *
mega_client_id(void)
{
	return m.ci;
}

int
mega_state(void)
{
	return m.state;
}

/* Ready, or over quota: reading and deleting still work. */
int
mega_usable(void)
{
	return m.state == MEGA_READY || m.state == MEGA_OVERQUOTA;
}

const char *
mega_state_name(void)
{
	if (m.state == MEGA_READY && mq_backoff_left() > 0)
		return "backoff";
	return state_names[m.state];
}

const char *
mega_last_error(void)
{
	return m.why;
}

int
mega_sc_live(void)
{
	return m.sc_live;
}

int
mega_following(void)
{
	return m.paused ? DROP_LISTEN_PAUSE : m.paced ? DROP_LISTEN_PACED :
	    DROP_LISTEN_EAGER;
}

int64_t
mega_pace_ms(void)
{
	return m.paced ? m.pace_ms : 0;
}

/*
 * Netengine tells us how to follow the folder (DROP_LISTEN_*).  Paused:
 * on an account that many clients share, every file wakes every
 * follower's sc, and an idle client need not pay for that.  Paced: a
 * client that waits for its offer asks sc at most every pace_ms, which
 * doubles while changes keep coming (to MEGA_PACE_MAX_MS) and halves
 * when they are sparse.  Files still go in and out either way.
 */
void
mega_listen(uint32_t how)
{
	int	 paused = how == DROP_LISTEN_PAUSE;

	m.paced = how == DROP_LISTEN_PACED;
	if (paused == m.paused)
		return;
	m.paused = paused;
	if (m.paused) {
		log_info("mega: no peer needs the drop; not following it");
		evtimer_del(&m.sc_ev);
		evtimer_del(&m.poll_ev);
		return;
	}
	log_info("mega: following the drop again");
	if (mega_usable() && m.drop[0] != '\0')
		mega_follow();
}

const char *
mega_folder(void)
{
	return m.folder;
}

const char *
mega_account_name(void)
{
	return m.email;
}

void
mega_error(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(m.why, sizeof(m.why), fmt, ap);
	va_end(ap);
}

static void
mega_mq_error(const char *why)
{
	mega_error("%s", why);
}

/* States that end in "wait for the operator" stop all traffic. */
void
mega_set_state(int state, const char *why)
{
	if (why != NULL)
		mega_error("%s", why);
	if (state == m.state)
		return;
	if (state == MEGA_BADCRED || state == MEGA_BLOCKED)
		log_warnx("mega: %s: %s; no more requests until a reload",
		    m.email, why != NULL ? why : state_names[state]);
	else if (state == MEGA_OVERQUOTA)
		log_warnx("mega: %s: over quota: %s", m.email,
		    why != NULL ? why : "");
	else
		log_debug("mega: %s", state_names[state]);
	m.state = state;
	if (state == MEGA_BADCRED || state == MEGA_BLOCKED) {
		evtimer_del(&m.sc_ev);
		evtimer_del(&m.poll_ev);
		evtimer_del(&m.login_ev);
		mq_fail_all(MQ_EGAVEUP);
	}
}

/* --- crypto requests ------------------------------------------------- */

uint32_t
mega_crypto(uint32_t type, void *hdr, size_t hlen, const void *data,
    size_t len, void (*cb)(struct imsg *, void *), void *arg)
{
	struct creq	*c;

	if (m.ncreqs >= MEGA_CREQ_MAX || (c = calloc(1, sizeof(*c))) == NULL)
		return 0;
	if (++m.seq == 0)
		m.seq = 1;
	c->seq = m.seq;
	c->cb = cb;
	c->arg = arg;
	/* Every request header starts with the sequence number. */
	memcpy(hdr, &c->seq, sizeof(c->seq));
	if (proc_child_compose2(PROC_CRYPTO, type, 0, hdr, hlen, data,
	    len) == -1) {
		free(c);
		return 0;
	}
	TAILQ_INSERT_TAIL(&m.creqs, c, entry);
	m.ncreqs++;
	return c->seq;
}

void
mega_crypto_reply(uint32_t seq, struct imsg *imsg)
{
	struct creq	*c;

	TAILQ_FOREACH(c, &m.creqs, entry)
		if (c->seq == seq)
			break;
	if (c == NULL) {
		log_warnx("mega: answer %u from crypto matches no request",
		    seq);
		return;
	}
	TAILQ_REMOVE(&m.creqs, c, entry);
	m.ncreqs--;
	c->cb(imsg, c->arg);
	free(c);
}

/* --- attributes ------------------------------------------------------ */

/* The name in decrypted attributes; only names drop_name_ok() likes. */
int
mega_attr_name(const char *json, char *name, size_t len)
{
	json_t		*o, *n;
	int		 rv = -1;

	if ((o = json_loads(json, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return -1;
	if (json_is_object(o) && (n = json_object_get(o, "n")) != NULL &&
	    json_is_string(n) && strlcpy(name, json_string_value(n), len) <
	    len)
		rv = 0;
	json_decref(o);
	return rv;
}

/* {"n":name} as the JSON text crypto encrypts. */
char *
mega_attr_json(const char *name)
{
	json_t	*o;
	char	*s;

	if ((o = json_pack("{s:s}", "n", name)) == NULL)
		return NULL;
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (s != NULL && strlen(s) >= MEGA_ATTRJSON_MAX) {
		free(s);
		return NULL;
	}
	return s;
}

/* --- configuration and login ----------------------------------------- */

static int
mega_split(const char *folder)
{
	char		 buf[CLAWD_PATH_MAX], *p, *s;

	m.depth = 0;
	if (strlcpy(buf, folder, sizeof(buf)) >= sizeof(buf))
		return -1;
	for (s = buf; (p = strsep(&s, "/")) != NULL; ) {
		if (*p == '\0')
			continue;
		if (m.depth == MEGA_PATH_DEPTH || strlcpy(m.path[m.depth], p,
		    sizeof(m.path[0])) >= sizeof(m.path[0]))
			return -1;
		m.depth++;
	}
	return m.depth > 0 ? 0 : -1;
}

static void
mega_start(void)
{
	if (!m.have_conf || !m.have_account || m.state != MEGA_LOGIN)
		return;
	if (m.sid[0] != '\0') {
		log_info("mega: resuming the session of %s", m.email);
		mega_load();
	} else
		mega_timer(&m.login_ev, 0);
}

/*
 * -1 if the folder path is unusable: the caller then keeps the drop's
 * roles as they were.
 */
int
mega_conf(const struct imsg_mega_conf *mc)
{
	char	 folder[CLAWD_PATH_MAX];

	strlcpy(folder, mc->folder, sizeof(folder));
	if (m.have_conf && strcmp(folder, m.folder) == 0)
		return 0;
	if (mega_split(folder) == -1) {
		mega_set_state(MEGA_ERROR, "unusable folder path");
		return -1;
	}
	strlcpy(m.folder, folder, sizeof(m.folder));
	m.have_conf = 1;
	if (m.state == MEGA_DISABLED)
		m.state = MEGA_LOGIN;
	else if (m.state == MEGA_READY)
		mega_reload();
	mega_start();
	return 0;
}

void
mega_account(const struct imsg_mega_account *ma)
{
	/* A reload with the same account keeps the running session. */
	if ((m.state == MEGA_READY || m.state == MEGA_LOADING) &&
	    strcmp(m.email, ma->email) == 0 && (ma->sid[0] == '\0' ||
	    strcmp(m.sid, ma->sid) == 0))
		return;
	strlcpy(m.email, ma->email, sizeof(m.email));
	strlcpy(m.sid, ma->sid, sizeof(m.sid));
	strlcpy(m.u, ma->u, sizeof(m.u));
	if (m.sid[0] != '\0' && strlen(m.sid) != MA_SID_LEN) {
		log_warnx("mega: saved session id unusable");
		m.sid[0] = '\0';
	}
	m.have_account = 1;
	/* A new account or password (reload): start over. */
	if (m.state != MEGA_DISABLED && m.state != MEGA_LOGIN) {
		mq_fail_all(MQ_EGAVEUP);
		m.ev->on_clear();
		evtimer_del(&m.sc_ev);
		evtimer_del(&m.poll_ev);
	}
	if (m.state != MEGA_DISABLED || m.have_conf)
		m.state = MEGA_LOGIN;
	m.login_failures = 0;
	mega_start();
}

static void
mega_us_done(const json_t *res, int err, void *arg)
{
	struct imsg_mega_login	 il;
	struct ma_login		 l;

	(void)arg;
	if (err == 0)
		err = ma_parse_us(res, &l);
	if (err == MA_ENOENT) {
		mega_set_state(MEGA_BADCRED, "login failed: wrong e-mail or "
		    "password");
		return;
	}
	if (err == MA_EBLOCKED) {
		mega_set_state(MEGA_BLOCKED, "login failed: account blocked");
		return;
	}
	if (err != 0) {
		mega_error("login failed: %s", ma_strerror(err));
		mega_relogin();
		return;
	}
	memset(&il, 0, sizeof(il));
	strlcpy(il.k, l.k, sizeof(il.k));
	strlcpy(il.privk, l.privk, sizeof(il.privk));
	strlcpy(il.csid, l.csid, sizeof(il.csid));
	strlcpy(il.tsid, l.tsid, sizeof(il.tsid));
	strlcpy(il.u, l.u, sizeof(il.u));
	proc_child_compose(PROC_CRYPTO, IMSG_MEGA_LOGIN, 0, 0, -1, &il,
	    sizeof(il));
}

/* Crypto derived the user hash: send us. */
void
mega_uh(const struct imsg_mega_uh *iu)
{
	json_t	*b;
	char	 uh[sizeof(iu->uh)];

	if (m.state != MEGA_LOGIN)
		return;
	strlcpy(uh, iu->uh, sizeof(uh));
	b = ma_batch_new();
	ma_req_us(b, m.email, uh);
	mq_cs(mq_take(b), MQ_ALONE | MQ_LOGIN, mega_us_done, NULL);
}

static void
mega_us0_done(const json_t *res, int err, void *arg)
{
	struct imsg_mega_prelogin	 ip;
	struct ma_prelogin		 pl;

	(void)arg;
	if (err == 0)
		err = ma_parse_us0(res, &pl);
	if (err != 0) {
		if (m.state == MEGA_LOGIN) {
			mega_error("prelogin failed: %s", ma_strerror(err));
			mega_relogin();
		}
		return;
	}
	memset(&ip, 0, sizeof(ip));
	ip.v = pl.v;
	strlcpy(ip.salt, pl.s, sizeof(ip.salt));
	proc_child_compose(PROC_CRYPTO, IMSG_MEGA_PRELOGIN, 0, 0, -1, &ip,
	    sizeof(ip));
}

static void
mega_login(int fd, short ev, void *arg)
{
	json_t	*b;

	(void)fd;
	(void)ev;
	(void)arg;
	if (m.state != MEGA_LOGIN)
		return;
	log_info("mega: logging in as %s", m.email);
	mega_stats.logins++;
	m.last_login = time(NULL);
	b = ma_batch_new();
	ma_req_us0(b, m.email);
	mq_cs(mq_take(b), MQ_ALONE | MQ_LOGIN, mega_us0_done, NULL);
}

/*
 * The session is gone (-15) or a login step failed: log in again, at
 * once the first time, then no more than the back-off allows, since
 * MEGA throttles accounts that log in often.
 */
void
mega_relogin(void)
{
	struct ma_retry	 r;
	struct timeval	 tv;

	if (m.state == MEGA_BADCRED || m.state == MEGA_BLOCKED ||
	    m.state == MEGA_DISABLED)
		return;
	m.sid[0] = '\0';
	evtimer_del(&m.sc_ev);
	evtimer_del(&m.poll_ev);
	m.sc_live = 0;
	m.state = MEGA_LOGIN;
	ma_retry(&r, MA_CTX_CS, 200, MA_ESID, m.login_failures++,
	    arc4random());
	tv.tv_sec = r.delay_ms / 1000;
	tv.tv_usec = (r.delay_ms % 1000) * 1000;
	if (r.delay_ms > 0)
		log_warnx("mega: next login in %u s", r.delay_ms / 1000);
	evtimer_add(&m.login_ev, &tv);
}

/* Crypto's verdict on a login or a resumed session. */
void
mega_session(const struct imsg_mega_session *is)
{
	char	 err[MEGA_ERR_MAX];

	strlcpy(err, is->err, sizeof(err));
	switch (is->result) {
	case MEGA_LOGIN_OK:
		if (m.state != MEGA_LOGIN)
			return;
		strlcpy(m.sid, is->sid, sizeof(m.sid));
		strlcpy(m.u, is->u, sizeof(m.u));
		if (strlen(m.sid) != MA_SID_LEN) {
			m.sid[0] = '\0';
			mega_error("crypto returned an unusable session id");
			mega_relogin();
			return;
		}
		log_info("mega: logged in as %s", m.email);
		mega_load();
		break;
	case MEGA_LOGIN_BADPASS:
	case MEGA_LOGIN_NOCRED:
		m.have_account = is->result != MEGA_LOGIN_NOCRED;
		if (m.state == MEGA_DISABLED && !m.have_conf)
			m.state = MEGA_LOGIN;
		mega_set_state(MEGA_BADCRED, err[0] ? err : "login failed");
		break;
	default:
		mega_error("login failed: %s", err[0] ? err : "bad reply");
		mega_relogin();
		break;
	}
}

/* --- the tree and the folder ----------------------------------------- */

static const struct ma_node *
mega_node(const char *h)
{
	size_t	 i;

	for (i = 0; i < m.nodes.n; i++)
		if (strcmp(m.nodes.v[i].h, h) == 0)
			return &m.nodes.v[i];
	return NULL;
}

static void
mega_f_done(const json_t *res, int err, void *arg)
{
	size_t		 i;

	(void)arg;
	if (m.state != MEGA_LOADING && !mega_usable())
		return;
	ma_nodes_free(&m.nodes);
	if (err == 0)
		err = ma_parse_f(res, mega_user(), &m.nodes);
	if (err != 0) {
		mega_error("reading the tree failed: %s", ma_strerror(err));
		if (err == MQ_EGAVEUP || mega_usable()) {
			/* Try again when the poll comes round. */
			if (!m.sc_live)
				mega_timer(&m.poll_ev, MEGA_POLL_MS);
			return;
		}
		mega_set_state(MEGA_ERROR, NULL);
		return;
	}
	if (m.nodes.sn[0] != '\0')
		strlcpy(m.sn, m.nodes.sn, sizeof(m.sn));
	else
		m.sn[0] = '\0';
	for (i = 0; i < m.nodes.n; i++)
		if (m.nodes.v[i].t == MA_T_ROOT)
			break;
	if (i == m.nodes.n) {
		mega_error("the account has no root folder");
		mega_set_state(MEGA_ERROR, NULL);
		return;
	}
	strlcpy(m.cur, m.nodes.v[i].h, sizeof(m.cur));
	strlcpy(m.chain[0], m.cur, sizeof(m.chain[0]));
	m.level = 0;
	m.generation++;
	mega_walk();
}

static void
mega_ug_done(const json_t *res, int err, void *arg)
{
	struct ma_user	 u;

	(void)arg;
	if (err == 0 && ma_parse_ug(res, &u) == 0 && u.u[0] != '\0')
		strlcpy(m.u, u.u, sizeof(m.u));
}

/* Read the whole tree (alone in its batch, as the SDK sends it). */
static void
mega_load(void)
{
	json_t	*b;

	if (m.state == MEGA_LOGIN)
		m.state = MEGA_LOADING;
	m.login_failures = 0;
	if (m.u[0] == '\0') {
		b = ma_batch_new();
		ma_req_ug(b);
		mq_cs(mq_take(b), 0, mega_ug_done, NULL);
	}
	b = ma_batch_new();
	ma_req_f(b);
	mq_cs(mq_take(b), MQ_ALONE, mega_f_done, NULL);
}

/* The tree changed under us (sc -6, our folder deleted): read it again. */
void
mega_reload(void)
{
	if (!mega_usable() && m.state != MEGA_LOADING)
		return;
	evtimer_del(&m.sc_ev);
	evtimer_del(&m.poll_ev);
	m.state = MEGA_LOADING;
	mega_load();
}

struct walk_arg {
	unsigned int	 generation;
	size_t		 level;
};

static void	mega_walk_decide(void);

static void
mega_walk_name(struct imsg *imsg, void *arg)
{
	struct imsg_mega_node_attr	 na;
	struct walk_arg			*wa = arg;
	const struct ma_node		*n;
	char				 name[DROP_NAME_MAX];
	int				 stale;

	stale = wa->generation != m.generation || wa->level != m.level;
	free(wa);
	if (stale)
		return;
	if (imsg_get_data(imsg, &na, sizeof(na)) == -1)
		fatalx("bad MEGA_NODE_ATTR");
	na.h[sizeof(na.h) - 1] = '\0';
	na.json[sizeof(na.json) - 1] = '\0';
	if (na.error == 0 && mega_attr_name(na.json, name,
	    sizeof(name)) == 0 && strcmp(name, m.path[m.level]) == 0 &&
	    (n = mega_node(na.h)) != NULL) {
		/*
		 * Two clients that made the folder at once both settle
		 * on the oldest (then the smallest handle).
		 */
		if (m.best[0] == '\0' || n->ts < m.best_ts ||
		    (n->ts == m.best_ts && strcmp(n->h, m.best) < 0)) {
			strlcpy(m.best, n->h, sizeof(m.best));
			m.best_ts = n->ts;
		}
	}
	if (--m.pending == 0)
		mega_walk_decide();
}

static void
mega_mkdir_done(const json_t *res, int err, void *arg)
{
	struct ma_nodes	 out;

	(void)arg;
	if (m.state != MEGA_LOADING && !mega_usable())
		return;
	if (err == 0)
		err = ma_parse_p(res, mega_user(), &out);
	if (err != 0) {
		mega_error("making folder %s failed: %s", m.path[m.level],
		    ma_strerror(err));
		mega_set_state(MEGA_ERROR, NULL);
		return;
	}
	log_info("mega: made folder %s", m.path[m.level]);
	m.made = 1;
	ma_nodes_free(&out);
	/* Read the tree again: someone may have made it at the same time. */
	mega_load();
}

static void
mega_mkdir_keys(struct imsg *imsg, void *arg)
{
	struct imsg_mega_new_node	 nn;
	json_t				*b;

	(void)arg;
	if (imsg_get_data(imsg, &nn, sizeof(nn)) == -1)
		fatalx("bad MEGA_NEW_NODE");
	nn.k[sizeof(nn.k) - 1] = '\0';
	nn.a[sizeof(nn.a) - 1] = '\0';
	if (nn.error != 0) {
		mega_set_state(MEGA_ERROR, "crypto cannot make a folder key");
		return;
	}
	b = ma_batch_new();
	ma_req_p_folder(b, m.cur, nn.a, nn.k, m.ci);
	mq_cs(mq_take(b), 0, mega_mkdir_done, NULL);
}

/*
 * One level of the folder path: ask crypto for the names of the
 * folders under the current one; mega_walk_decide() then picks the
 * match or makes the folder.
 */
static void
mega_walk(void)
{
	struct imsg_mega_node	 nd;
	struct walk_arg		*wa;
	const struct ma_node	*n;
	size_t			 i;

	m.best[0] = '\0';
	m.best_ts = 0;
	m.pending = 0;
	for (i = 0; i < m.nodes.n; i++) {
		n = &m.nodes.v[i];
		if (n->t != MA_T_FOLDER || strcmp(n->p, m.cur) != 0 ||
		    (n->flags & MA_NODE_NOKEY) || n->a[0] == '\0')
			continue;
		if ((wa = calloc(1, sizeof(*wa))) == NULL)
			fatal("mega");
		wa->generation = m.generation;
		wa->level = m.level;
		memset(&nd, 0, sizeof(nd));
		nd.t = n->t;
		strlcpy(nd.h, n->h, sizeof(nd.h));
		strlcpy(nd.k, n->k, sizeof(nd.k));
		strlcpy(nd.a, n->a, sizeof(nd.a));
		if (mega_crypto(IMSG_MEGA_NODE_OPEN, &nd, sizeof(nd), NULL, 0,
		    mega_walk_name, wa) == 0) {
			free(wa);
			continue;
		}
		m.pending++;
	}
	if (m.pending == 0)
		mega_walk_decide();
}

static void
mega_walk_decide(void)
{
	struct imsg_mega_new	 nf;
	const struct ma_node	*n;
	char			*json;
	size_t			 i;

	if (m.best[0] == '\0') {
		/* Not there: make it. */
		memset(&nf, 0, sizeof(nf));
		if ((json = mega_attr_json(m.path[m.level])) == NULL) {
			mega_set_state(MEGA_ERROR, "folder name too long");
			return;
		}
		strlcpy(nf.json, json, sizeof(nf.json));
		free(json);
		if (mega_crypto(IMSG_MEGA_NEW_FOLDER, &nf, sizeof(nf), NULL,
		    0, mega_mkdir_keys, NULL) == 0)
			mega_set_state(MEGA_ERROR, "crypto is not reachable");
		return;
	}
	strlcpy(m.cur, m.best, sizeof(m.cur));
	m.level++;
	strlcpy(m.chain[m.level], m.cur, sizeof(m.chain[0]));
	if (m.level < m.depth) {
		mega_walk();
		return;
	}
	m.ev->on_sync_begin();
	for (i = 0; i < m.nodes.n; i++) {
		n = &m.nodes.v[i];
		if (n->t == MA_T_FILE && strcmp(n->p, m.cur) == 0)
			m.ev->on_node(n);
	}
	m.ev->on_sync_end();
	ma_nodes_free(&m.nodes);
	if (!mega_usable()) {
		log_info("mega: drop folder %s ready%s", m.folder,
		    m.made ? " (made)" : "");
		m.state = MEGA_READY;
	}
	m.made = 0;
	strlcpy(m.drop, m.cur, sizeof(m.drop));
	m.ev->on_ready(m.drop);
	mega_follow();
}

/* Is this handle our folder or one above it? */
static int
mega_in_chain(const char *h)
{
	size_t	 i;

	for (i = 0; i <= m.depth; i++)
		if (strcmp(m.chain[i], h) == 0)
			return 1;
	return 0;
}

/* --- following changes ----------------------------------------------- */

static void
mega_follow(void)
{
	struct timeval	 tv;

	evtimer_del(&m.sc_ev);
	evtimer_del(&m.poll_ev);
	if (m.sn[0] != '\0') {
		m.sc_live = 1;
		if (!m.sc_busy && !m.paused)
			mega_timer(&m.sc_ev, 0);
		return;
	}
	if (m.sc_live)
		log_info("mega: no sc channel; polling every %d s",
		    MEGA_POLL_MS / 1000);
	m.sc_live = 0;
	if (m.paused)
		return;
	tv.tv_sec = MEGA_POLL_MS / 1000 + arc4random_uniform(5);
	tv.tv_usec = arc4random_uniform(1000000);
	evtimer_add(&m.poll_ev, &tv);
}

/* Without sc: read the tree again and compare. */
static void
mega_poll(int fd, short ev, void *arg)
{
	json_t	*b;

	(void)fd;
	(void)ev;
	(void)arg;
	if (!mega_usable() || m.paused)
		return;
	b = ma_batch_new();
	ma_req_f(b);
	mq_cs(mq_take(b), MQ_ALONE, mega_f_done, NULL);
}

static void
mega_sc_again(unsigned int ms)
{
	mega_timer(&m.sc_ev, ms);
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
	m.pace_ms = m.pace_ms * 2 > MEGA_PACE_MAX_MS ? MEGA_PACE_MAX_MS :
	    m.pace_ms * 2;
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

	if (!m.paced)
		return MEGA_SC_FLOOR_MS;
	since = mega_ms_since(&m.pace_last);
	clock_gettime(CLOCK_MONOTONIC, &m.pace_last);
	if (since < 2LL * m.pace_ms)
		mega_pace_busy();
	else if (since > 4LL * MEGA_PACE_MAX_MS ||
	    m.pace_ms / 2 < MEGA_SC_FLOOR_MS)
		m.pace_ms = MEGA_SC_FLOOR_MS;
	else
		m.pace_ms /= 2;
	return m.pace_ms;
}

/*
 * sc failed (a rate limit, most often): paced, a busy account too;
 * the retry waits for the back-off or the interval, the longer.
 */
static unsigned int
mega_pace_failed(unsigned int backoff_ms)
{
	if (!m.paced)
		return backoff_ms;
	mega_pace_busy();
	return backoff_ms > m.pace_ms ? backoff_ms : m.pace_ms;
}

/* A wait ended: paced, not before the interval since the last packets. */
static unsigned int
mega_pace_wait(void)
{
	long long	 since;

	if (!m.paced)
		return 0;
	since = mega_ms_since(&m.pace_last);
	return since >= m.pace_ms ? 0 : (unsigned int)(m.pace_ms - since);
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
				if (n->t == MA_T_FILE &&
				    strcmp(n->p, m.drop) == 0)
					m.ev->on_node(n);
				/*
				 * A folder next to one on our path may be
				 * a twin made at the same time by another
				 * client: read the tree, settle on one.
				 */
				if (n->t == MA_T_FOLDER &&
				    strcmp(n->p, m.drop) != 0 &&
				    mega_in_chain(n->p))
					reload = 1;
			}
			break;
		case MA_PKT_D:
			if (mega_in_chain(p->n))
				reload = 1;
			else
				m.ev->on_node_gone(p->n);
			break;
		case MA_PKT_U:
			m.ev->on_node_attr(p->n, p->at);
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
	m.sc_busy = 0;
	if (!mega_usable() || !m.sc_live)
		return;
	/* A wait ends with a change or a time-out; both mean "ask again". */
	if (rep->error != NULL && rep->status == 0 &&
	    strstr(rep->error, "imeout") == NULL) {
		m.sc_failures++;
		mega_sc_again(1000 << (m.sc_failures < 8 ? m.sc_failures : 8));
		return;
	}
	/* At once after a long wait; a wait that ends at once is paced. */
	waited = mega_ms_since(&m.sc_last);
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
	m.sc_busy = 0;
	if (!mega_usable() || !m.sc_live)
		return;
	if (rep->error != NULL || rep->status != 200)
		rv = 0;
	else if ((rv = ma_parse_sc(rep->body, rep->len, mega_user(),
	    &sc)) == 0) {
		m.sc_failures = 0;
		if (sc.kind == MA_SC_PACKETS) {
			mega_sc_packets(&sc);
			strlcpy(m.sn, sc.sn, sizeof(m.sn));
			ma_sc_free(&sc);
			if (mega_usable())
				mega_sc_again(mega_pace_packets());
			return;
		}
		if (m.paused) {
			/* mega_listen() asks again, from this sn. */
			ma_sc_free(&sc);
			return;
		}
		m.sc_busy = 1;
		clock_gettime(CLOCK_MONOTONIC, &m.sc_last);
		if (mq_fetch(sc.w, 1, NULL, 0, mega_wait_done, NULL) == -1) {
			m.sc_busy = 0;
			mega_sc_again(1000);
		}
		ma_sc_free(&sc);
		return;
	}
	mega_stats.errors++;
	ma_retry(&r, MA_CTX_SC, rep->error != NULL ? 0 : rep->status, rv,
	    m.sc_failures++, arc4random());
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
		m.sn[0] = '\0';
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
	if (!mega_usable() || m.sc_busy || m.paused || mega_sid() == NULL)
		return;
	if (ma_sc_url(suffix, sizeof(suffix), m.sn, mega_sid()) == -1) {
		m.sn[0] = '\0';
		mega_follow();
		return;
	}
	snprintf(url, sizeof(url), "%s%s", https_api_url(), suffix);
	m.sc_busy = 1;
	if (mq_fetch(url, 1, NULL, 0, mega_sc_done, NULL) == -1) {
		m.sc_busy = 0;
		mega_sc_again(1000);
	}
}
