/*
 * The MEGA session's state and what every layer of the client asks of
 * it: the state and the last error, the session id and the user, the
 * requests to crypto (answered by sequence number), the attribute
 * text, the call for a new login, and the hooks the queue below was
 * given.  The login itself, the tree and the sc channel are the files
 * above (megalogin.c, megatree.c, megasc.c; mega_local.h has the
 * order); this one, the bottom of the session, calls none of them: a
 * new login is a timer it arms, which megalogin.c set.
 *
 * The session sits between the queue (megaq.c, below: it reaches the
 * session only through mega_mq_hooks, which mega_init() gives to
 * mq_init()) and the drop (drop.c, above: it hears of the folder's
 * files through the events it subscribed to).  Nothing here calls the
 * drop.
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
#include "b64url.h"
#include "proc.h"
#include "signaler.h"
#include "mega.h"
#include "mega_local.h"

#define MEGA_CREQ_MAX		2048	/* crypto requests outstanding */

/* A request to crypto, waiting for the answer with its number. */
struct creq {
	TAILQ_ENTRY(creq)	 entry;
	uint32_t		 seq;
	void			(*cb)(struct imsg *, void *);
	void			*arg;
};

struct mega_session	 sess;

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

static void	mega_mq_error(const char *);

/* What the queue below may ask of the session. */
const struct mq_hooks mega_mq_hooks = {
	.sid = mega_sid,
	.state = mega_state,
	.set_state = mega_set_state,
	.error = mega_mq_error,
	.relogin = mega_relogin,
};

void
mega_timer(struct event *ev, unsigned int ms)
{
	struct timeval	 tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(ev, &tv);
}

/* The layer above: the drop, told of the folder's files. */
void
mega_subscribe(const struct mega_events *ev)
{
	sess.ev = ev;
}

const char *
mega_sid(void)
{
	return sess.sid[0] != '\0' ? sess.sid : NULL;
}

const char *
mega_user(void)
{
	return sess.u[0] != '\0' ? sess.u : NULL;
}

const char *
mega_client_id(void)
{
	return sess.ci;
}

int
mega_state(void)
{
	return sess.state;
}

/* Ready, or over quota: reading and deleting still work. */
int
mega_usable(void)
{
	return sess.state == MEGA_READY || sess.state == MEGA_OVERQUOTA;
}

const char *
mega_state_name(void)
{
	if (sess.state == MEGA_READY && mq_backoff_left() > 0)
		return "backoff";
	return state_names[sess.state];
}

const char *
mega_last_error(void)
{
	return sess.why;
}

const char *
mega_folder(void)
{
	return sess.folder;
}

const char *
mega_account_name(void)
{
	return sess.email;
}

void
mega_error(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(sess.why, sizeof(sess.why), fmt, ap);
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
	if (state == sess.state)
		return;
	if (state == MEGA_BADCRED || state == MEGA_BLOCKED)
		log_warnx("mega: %s: %s; no more requests until a reload",
		    sess.email, why != NULL ? why : state_names[state]);
	else if (state == MEGA_OVERQUOTA)
		log_warnx("mega: %s: over quota: %s", sess.email,
		    why != NULL ? why : "");
	else
		log_debug("mega: %s", state_names[state]);
	sess.state = state;
	if (state == MEGA_BADCRED || state == MEGA_BLOCKED) {
		evtimer_del(&sess.sc_ev);
		evtimer_del(&sess.poll_ev);
		evtimer_del(&sess.made_ev);
		evtimer_del(&sess.login_ev);
		mq_fail_all(MQ_EGAVEUP);
	}
}

/* --- crypto requests ------------------------------------------------- */

uint32_t
mega_crypto(uint32_t type, void *hdr, size_t hlen, const void *data,
    size_t len, void (*cb)(struct imsg *, void *), void *arg)
{
	struct creq	*c;

	if (sess.ncreqs >= MEGA_CREQ_MAX || (c = calloc(1, sizeof(*c))) == NULL)
		return 0;
	if (++sess.seq == 0)
		sess.seq = 1;
	c->seq = sess.seq;
	c->cb = cb;
	c->arg = arg;
	/* Every request header starts with the sequence number. */
	memcpy(hdr, &c->seq, sizeof(c->seq));
	if (proc_child_compose2(PROC_CRYPTO, type, 0, hdr, hlen, data,
	    len) == -1) {
		free(c);
		return 0;
	}
	TAILQ_INSERT_TAIL(&sess.creqs, c, entry);
	sess.ncreqs++;
	return c->seq;
}

void
mega_crypto_reply(uint32_t seq, struct imsg *imsg)
{
	struct creq	*c;

	TAILQ_FOREACH(c, &sess.creqs, entry)
		if (c->seq == seq)
			break;
	if (c == NULL) {
		log_warnx("mega: answer %u from crypto matches no request",
		    seq);
		return;
	}
	TAILQ_REMOVE(&sess.creqs, c, entry);
	sess.ncreqs--;
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

/* Attributes as the JSON text crypto encrypts, if it fits; o is freed. */
static char *
mega_attr_dump(json_t *o)
{
	char	*s;

	if (o == NULL)
		return NULL;
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (s != NULL && strlen(s) >= MEGA_ATTRJSON_MAX) {
		free(s);
		return NULL;
	}
	return s;
}

/* {"n":name} */
char *
mega_attr_json(const char *name)
{
	return mega_attr_dump(json_pack("{s:s}", "n", name));
}

/*
 * A drop message's attributes: {"n":name,"cw":"<base64url of blob>"}.
 * "cw" is clawd's key; MEGA's clients keep keys they do not know.
 */
char *
mega_attr_json_msg(const char *name, const uint8_t *blob, size_t len)
{
	char	 b64[B64URL_LEN(DROP_MSG_MAX) + 1];

	if (len == 0 || len > DROP_MSG_MAX ||
	    b64url_encode(b64, sizeof(b64), blob, len) == -1)
		return NULL;
	return mega_attr_dump(json_pack("{s:s, s:s}", "n", name, "cw", b64));
}

/* The blob of a drop message's attributes; -1 if there is none. */
int
mega_attr_msg(const char *json, uint8_t *blob, size_t cap, size_t *len)
{
	json_t		*o, *cw;
	const char	*s;
	int		 rv = -1;

	if ((o = json_loads(json, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return -1;
	if (json_is_object(o) && (cw = json_object_get(o, "cw")) != NULL &&
	    json_is_string(cw) && (s = json_string_value(cw)) != NULL &&
	    b64url_decode(blob, cap, len, s, strlen(s)) == 0 && *len > 0)
		rv = 0;
	json_decref(o);
	return rv;
}

/*
 * Crypto's answer to IMSG_MEGA_NEW_FOLDER: the new folder's wrapped key
 * and encrypted attributes, made a node under parent with one p (the
 * key also copied to k unless NULL).  -1 if crypto could not make them.
 */
int
mega_p_folder(struct imsg *imsg, const char *parent, char *k, size_t klen,
    mq_cb *cb, void *arg)
{
	struct imsg_mega_new_node	 nn;
	json_t				*b;

	if (imsg_get_data(imsg, &nn, sizeof(nn)) == -1)
		fatalx("bad MEGA_NEW_NODE");
	nn.k[sizeof(nn.k) - 1] = '\0';
	nn.a[sizeof(nn.a) - 1] = '\0';
	if (nn.error != 0)
		return -1;
	if (k != NULL)
		strlcpy(k, nn.k, klen);
	b = ma_batch_new();
	ma_req_p_folder(b, parent, nn.a, nn.k, sess.ci);
	mq_cs(mq_take(b), 0, cb, arg);
	return 0;
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

	if (sess.state == MEGA_BADCRED || sess.state == MEGA_BLOCKED ||
	    sess.state == MEGA_DISABLED)
		return;
	sess.sid[0] = '\0';
	evtimer_del(&sess.sc_ev);
	evtimer_del(&sess.poll_ev);
	evtimer_del(&sess.made_ev);
	sess.sc_live = 0;
	sess.state = MEGA_LOGIN;
	ma_retry(&r, MA_CTX_CS, 200, MA_ESID, sess.login_failures++,
	    arc4random());
	tv.tv_sec = r.delay_ms / 1000;
	tv.tv_usec = (r.delay_ms % 1000) * 1000;
	if (r.delay_ms > 0)
		log_warnx("mega: next login in %u s", r.delay_ms / 1000);
	evtimer_add(&sess.login_ev, &tv);
}
