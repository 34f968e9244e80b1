/*
 * The MEGA session's start: the configuration (the folder path) and
 * the account from the parent, then resume the saved session or log
 * in (us0, then us with the user hash crypto derived; crypto does
 * every step that needs the password or the master key, and answers
 * with the session).  Then the tree is read (megatree.c), and the
 * folder followed (megasc.c).  The call sequence is docs/megaproto.md
 * section 8; docs/megaclient.md has the states and the timers.
 *
 * The top of the session: it calls the tree, sc and the state below
 * (mega_init() sets them all up), and none of them calls it: a new
 * login that any layer wants is mega_relogin() in mega.c, which arms
 * the login timer set here.
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

static void	mega_login(int, short, void *);

void
mega_init(void)
{
	static const char	 letters[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	size_t			 i;

	TAILQ_INIT(&sess.creqs);
	evtimer_set(&sess.login_ev, mega_login, NULL);
	mega_sc_init();
	for (i = 0; i < sizeof(sess.ci) - 1; i++)
		sess.ci[i] = letters[arc4random_uniform(sizeof(letters) - 1)];
	mq_init(&mega_mq_hooks);
}

/* --- configuration and login ----------------------------------------- */

static int
mega_split(const char *folder)
{
	char		 buf[CLAWD_PATH_MAX], *p, *s;

	sess.depth = 0;
	if (strlcpy(buf, folder, sizeof(buf)) >= sizeof(buf))
		return -1;
	for (s = buf; (p = strsep(&s, "/")) != NULL; ) {
		if (*p == '\0')
			continue;
		if (sess.depth == MEGA_PATH_DEPTH ||
		    strlcpy(sess.path[sess.depth], p, sizeof(sess.path[0])) >=
		    sizeof(sess.path[0]))
			return -1;
		sess.depth++;
	}
	return sess.depth > 0 ? 0 : -1;
}

static void
mega_start(void)
{
	if (!sess.have_conf || !sess.have_account || sess.state != MEGA_LOGIN)
		return;
	if (sess.sid[0] != '\0') {
		log_info("mega: resuming the session of %s", sess.email);
		mega_load();
	} else
		mega_timer(&sess.login_ev, 0);
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
	if (sess.have_conf && strcmp(folder, sess.folder) == 0)
		return 0;
	if (mega_split(folder) == -1) {
		mega_set_state(MEGA_ERROR, "unusable folder path");
		return -1;
	}
	strlcpy(sess.folder, folder, sizeof(sess.folder));
	sess.have_conf = 1;
	if (sess.state == MEGA_DISABLED)
		sess.state = MEGA_LOGIN;
	else if (sess.state == MEGA_READY)
		mega_reload();
	mega_start();
	return 0;
}

void
mega_account(const struct imsg_mega_account *ma)
{
	/* A reload with the same account keeps the running session. */
	if ((sess.state == MEGA_READY || sess.state == MEGA_LOADING) &&
	    strcmp(sess.email, ma->email) == 0 && (ma->sid[0] == '\0' ||
	    strcmp(sess.sid, ma->sid) == 0))
		return;
	strlcpy(sess.email, ma->email, sizeof(sess.email));
	strlcpy(sess.sid, ma->sid, sizeof(sess.sid));
	strlcpy(sess.u, ma->u, sizeof(sess.u));
	if (sess.sid[0] != '\0' && strlen(sess.sid) != MA_SID_LEN) {
		log_warnx("mega: saved session id unusable");
		sess.sid[0] = '\0';
	}
	sess.have_account = 1;
	/* A new account or password (reload): start over. */
	if (sess.state != MEGA_DISABLED && sess.state != MEGA_LOGIN) {
		mq_fail_all(MQ_EGAVEUP);
		sess.ev->on_clear();
		evtimer_del(&sess.sc_ev);
		evtimer_del(&sess.poll_ev);
		evtimer_del(&sess.made_ev);
	}
	if (sess.state != MEGA_DISABLED || sess.have_conf)
		sess.state = MEGA_LOGIN;
	sess.login_failures = 0;
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

	if (sess.state != MEGA_LOGIN)
		return;
	strlcpy(uh, iu->uh, sizeof(uh));
	b = ma_batch_new();
	ma_req_us(b, sess.email, uh);
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
		if (sess.state == MEGA_LOGIN) {
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
	if (sess.state != MEGA_LOGIN)
		return;
	log_info("mega: logging in as %s", sess.email);
	mega_stats.logins++;
	sess.last_login = time(NULL);
	b = ma_batch_new();
	ma_req_us0(b, sess.email);
	mq_cs(mq_take(b), MQ_ALONE | MQ_LOGIN, mega_us0_done, NULL);
}

/* Crypto's verdict on a login or a resumed session. */
void
mega_session(const struct imsg_mega_session *is)
{
	char	 err[MEGA_ERR_MAX];

	strlcpy(err, is->err, sizeof(err));
	switch (is->result) {
	case MEGA_LOGIN_OK:
		if (sess.state != MEGA_LOGIN)
			return;
		strlcpy(sess.sid, is->sid, sizeof(sess.sid));
		strlcpy(sess.u, is->u, sizeof(sess.u));
		if (strlen(sess.sid) != MA_SID_LEN) {
			sess.sid[0] = '\0';
			mega_error("crypto returned an unusable session id");
			mega_relogin();
			return;
		}
		log_info("mega: logged in as %s", sess.email);
		mega_load();
		break;
	case MEGA_LOGIN_BADPASS:
	case MEGA_LOGIN_NOCRED:
		sess.have_account = is->result != MEGA_LOGIN_NOCRED;
		if (sess.state == MEGA_DISABLED && !sess.have_conf)
			sess.state = MEGA_LOGIN;
		mega_set_state(MEGA_BADCRED, err[0] ? err : "login failed");
		break;
	default:
		mega_error("login failed: %s", err[0] ? err : "bad reply");
		mega_relogin();
		break;
	}
}
