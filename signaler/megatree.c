/*
 * The tree and the drop folder: read the whole tree with f, walk the
 * folder path one level at a time (crypto opens each candidate's
 * attributes to tell its name), make a level that is missing, settle
 * on the oldest of two twins, then list the folder's files to the drop
 * through the events it subscribed to.  Read again when the tree
 * changed under us (mega_reload(), from the configuration or sc).
 *
 * Above the session's state (mega.c), below the sc channel (megasc.c)
 * and the login (megalogin.c), which call mega_load(), mega_reload(),
 * mega_f_done() and mega_in_chain().  Once the folder is found, what
 * comes next (following it) is sc's: the callback megasc.c gave to
 * mega_tree_init(), not a call up.
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

static void	mega_walk(void);

/* Once the folder is found: megasc.c's, from mega_tree_init(). */
static void	(*mega_found)(void);

static void	mega_made_reread(int, short, void *);

void
mega_tree_init(void (*found)(void))
{
	mega_found = found;
	evtimer_set(&sess.made_ev, mega_made_reread, NULL);
}

/* --- the tree and the folder ----------------------------------------- */

static const struct ma_node *
mega_node(const char *h)
{
	size_t	 i;

	for (i = 0; i < sess.nodes.n; i++)
		if (strcmp(sess.nodes.v[i].h, h) == 0)
			return &sess.nodes.v[i];
	return NULL;
}

void
mega_f_done(const json_t *res, int err, void *arg)
{
	size_t		 i;

	(void)arg;
	if (sess.state != MEGA_LOADING && !mega_usable())
		return;
	ma_nodes_free(&sess.nodes);
	if (err == 0)
		err = ma_parse_f(res, mega_user(), &sess.nodes);
	if (err != 0) {
		mega_error("reading the tree failed: %s", ma_strerror(err));
		if (err == MQ_EGAVEUP || mega_usable()) {
			/* Try again when the poll comes round. */
			if (!sess.sc_live)
				mega_timer(&sess.poll_ev, MEGA_POLL_MS);
			return;
		}
		mega_set_state(MEGA_ERROR, NULL);
		return;
	}
	if (sess.nodes.sn[0] != '\0')
		strlcpy(sess.sn, sess.nodes.sn, sizeof(sess.sn));
	else
		sess.sn[0] = '\0';
	for (i = 0; i < sess.nodes.n; i++)
		if (sess.nodes.v[i].t == MA_T_ROOT)
			break;
	if (i == sess.nodes.n) {
		mega_error("the account has no root folder");
		mega_set_state(MEGA_ERROR, NULL);
		return;
	}
	strlcpy(sess.cur, sess.nodes.v[i].h, sizeof(sess.cur));
	strlcpy(sess.chain[0], sess.cur, sizeof(sess.chain[0]));
	sess.level = 0;
	sess.generation++;
	mega_walk();
}

static void
mega_ug_done(const json_t *res, int err, void *arg)
{
	struct ma_user	 u;

	(void)arg;
	if (err == 0 && ma_parse_ug(res, &u) == 0 && u.u[0] != '\0')
		strlcpy(sess.u, u.u, sizeof(sess.u));
}

/* Read the whole tree (alone in its batch, as the SDK sends it). */
void
mega_load(void)
{
	json_t	*b;

	if (sess.state == MEGA_LOGIN)
		sess.state = MEGA_LOADING;
	sess.login_failures = 0;
	evtimer_del(&sess.made_ev);
	if (sess.u[0] == '\0') {
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
	if (!mega_usable() && sess.state != MEGA_LOADING)
		return;
	evtimer_del(&sess.sc_ev);
	evtimer_del(&sess.poll_ev);
	sess.state = MEGA_LOADING;
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

	stale = wa->generation != sess.generation || wa->level != sess.level;
	free(wa);
	if (stale)
		return;
	if (imsg_get_data(imsg, &na, sizeof(na)) == -1)
		fatalx("bad MEGA_NODE_ATTR");
	na.h[sizeof(na.h) - 1] = '\0';
	na.json[sizeof(na.json) - 1] = '\0';
	if (na.error == 0 && mega_attr_name(na.json, name,
	    sizeof(name)) == 0 && strcmp(name, sess.path[sess.level]) == 0 &&
	    (n = mega_node(na.h)) != NULL) {
		/*
		 * Two clients that made the folder at once both settle
		 * on the oldest (then the smallest handle).
		 */
		if (sess.best[0] == '\0' || n->ts < sess.best_ts ||
		    (n->ts == sess.best_ts && strcmp(n->h, sess.best) < 0)) {
			strlcpy(sess.best, n->h, sizeof(sess.best));
			sess.best_ts = n->ts;
		}
	}
	if (--sess.pending == 0)
		mega_walk_decide();
}

static void
mega_mkdir_done(const json_t *res, int err, void *arg)
{
	struct ma_nodes	 out;

	(void)arg;
	if (sess.state != MEGA_LOADING && !mega_usable())
		return;
	if (err == 0)
		err = ma_parse_p(res, mega_user(), &out);
	if (err != 0) {
		mega_error("making folder %s failed: %s", sess.path[sess.level],
		    ma_strerror(err));
		mega_set_state(MEGA_ERROR, NULL);
		return;
	}
	log_info("mega: made folder %s", sess.path[sess.level]);
	sess.made = 1;
	ma_nodes_free(&out);
	/*
	 * Read the tree again: someone may have made it at the same time.
	 * Not at once: a client that read the tree just before our folder
	 * was there makes its own a request later, and a read that came
	 * before that would settle on ours alone, never to look again
	 * unless it followed the folder.  Two seconds on, both are there.
	 */
	mega_timer(&sess.made_ev, MEGA_MADE_MS);
}

static void
mega_made_reread(int fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	if (sess.state == MEGA_LOADING)
		mega_load();
}

static void
mega_mkdir_keys(struct imsg *imsg, void *arg)
{
	(void)arg;
	if (mega_p_folder(imsg, sess.cur, NULL, 0, mega_mkdir_done,
	    NULL) == -1)
		mega_set_state(MEGA_ERROR, "crypto cannot make a folder key");
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

	sess.best[0] = '\0';
	sess.best_ts = 0;
	sess.pending = 0;
	for (i = 0; i < sess.nodes.n; i++) {
		n = &sess.nodes.v[i];
		if (n->t != MA_T_FOLDER || strcmp(n->p, sess.cur) != 0 ||
		    (n->flags & MA_NODE_NOKEY) || n->a[0] == '\0')
			continue;
		if ((wa = calloc(1, sizeof(*wa))) == NULL)
			fatal("mega");
		wa->generation = sess.generation;
		wa->level = sess.level;
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
		sess.pending++;
	}
	if (sess.pending == 0)
		mega_walk_decide();
}

static void
mega_walk_decide(void)
{
	struct imsg_mega_new	 nf;
	const struct ma_node	*n;
	char			*json;
	size_t			 i;

	if (sess.best[0] == '\0') {
		/* Not there: make it. */
		memset(&nf, 0, sizeof(nf));
		if ((json = mega_attr_json(sess.path[sess.level])) == NULL) {
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
	strlcpy(sess.cur, sess.best, sizeof(sess.cur));
	sess.level++;
	strlcpy(sess.chain[sess.level], sess.cur, sizeof(sess.chain[0]));
	if (sess.level < sess.depth) {
		mega_walk();
		return;
	}
	sess.ev->on_sync_begin();
	for (i = 0; i < sess.nodes.n; i++) {
		n = &sess.nodes.v[i];
		if ((n->t == MA_T_FILE || n->t == MA_T_FOLDER) &&
		    strcmp(n->p, sess.cur) == 0)
			sess.ev->on_node(n);
	}
	sess.ev->on_sync_end();
	ma_nodes_free(&sess.nodes);
	if (!mega_usable()) {
		log_info("mega: drop folder %s ready%s", sess.folder,
		    sess.made ? " (made)" : "");
		sess.state = MEGA_READY;
	}
	sess.made = 0;
	strlcpy(sess.drop, sess.cur, sizeof(sess.drop));
	sess.ev->on_ready(sess.drop);
	mega_found();
}

/* Is this handle our folder or one above it? */
int
mega_in_chain(const char *h)
{
	size_t	 i;

	for (i = 0; i <= sess.depth; i++)
		if (strcmp(sess.chain[i], h) == 0)
			return 1;
	return 0;
}
