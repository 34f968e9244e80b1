/*
 * The drop: the nodes in the drop folder, and put, get, list and
 * delete on them.  Files are clawctl's (an upload and a download
 * each); messages, the rendezvous' way, are folder nodes whose
 * attributes carry a few hundred bytes, made with one request and read
 * from the node itself, as the tree or sc brings it, with none.
 * Anyone with the account can write into the folder, so every node is
 * suspect: a name that does not decrypt, a size over the limit or a
 * flood of nodes costs a table entry at most, and every node older
 * than ten minutes is deleted, whoever made it.  Puts are capped per
 * minute so that clawd cannot flood the account either.
 *
 * The drop is the top of the MEGA client: it calls the session
 * (mega*.c) and the queue (megaq.c), and hears of the folder's files
 * through the events it subscribes to in drop_init(); the session
 * never calls it.  Its roles come from signaler.c with the MEGA
 * configuration.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <errno.h>
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
#include "b64url.h"
#include "rdv_msg.h"
#include "signaler.h"
#include "mega.h"

#define DROP_FILES_MAX		1024	/* entries kept; more are ignored */
#define DROP_MAX_AGE		600	/* seconds, then deleted */
#define DROP_SWEEP_SECS		60
#define DROP_PUTS_PER_MIN	30	/* files */
#define DROP_MSGS_PER_MIN	600	/* messages */
#define DROP_XFER_TRIES		5	/* per upload or download */
#define DROP_RDV_AGE		360	/* s, rendezvous messages read */
#define DROP_PARK_MAX		16	/* requests waiting for the session */
#define DROP_PARK_SECS		60	/* how long they wait at most */

struct drop_file {
	TAILQ_ENTRY(drop_file)	 entry;
	char			 h[MA_HANDLE_LEN + 1];
	char			 k[MA_KEY32_LEN + 1];
	char			 name[DROP_NAME_MAX];
	int			 named;		/* 1 ok, 0 asked, -1 not ours */
	int			 mine;
	int			 seen;
	int			 deleting;
	int			 msg;		/* a message: a folder node */
	int			 taken;		/* rendezvous message, read */
	uint8_t			*blob;		/* the message, once opened */
	int64_t			 size;		/* file, or blob */
	int64_t			 ts;
};

static TAILQ_HEAD(, drop_file)	 files = TAILQ_HEAD_INITIALIZER(files);

static void	 drop_request(struct imsg *);
static void	 drop_park_flush(void);
static void	 drop_ready_tell(void);
static size_t			 nfiles;
static char			 folder[MA_HANDLE_LEN + 1];
static struct event		 sweep_ev;
static int			 sweep_set;
static time_t			 put_window;
static unsigned int		 put_count, msg_count;
static unsigned int		 name_gen;	/* stale name answers */
static unsigned int		 names_asked;	/* names crypto is opening */
static int			 ready_due;	/* DROP_READY once they are in */
static uint32_t			 roles_offer, roles_ahead, roles_ondemand;

/* Names of files we put lately: whose answers are for us. */
#define DROP_MINE_MAX		64
static char			 recent[DROP_MINE_MAX][DROP_NAME_MAX];
static size_t			 recent_next;

/* One control request in progress. */
enum drop_op_type { OP_PUT, OP_GET, OP_RM };
struct drop_op {
	enum drop_op_type	 type;
	uint32_t		 peerid;	/* the clawctl connection */
	char			 name[DROP_NAME_MAX];
	char			 h[MA_HANDLE_LEN + 1];
	char			 k[MEGA_NODEKEY_MAX];
	char			 a[MEGA_ATTR_MAX];
	uint8_t			*data;		/* ciphertext */
	size_t			 len;
	char			 url[MA_URL_MAX + 1];
	unsigned int		 tries;
	int			 msg;		/* a message, not a file */
	struct event		 retry;
};

static void	drop_sweep(int, short, void *);
static void	drop_rdv_take(struct drop_file *);
static void	drop_get_g(struct drop_op *);

int
drop_name_ok(const char *name)
{
	size_t	 i, len = strlen(name);

	if (len == 0 || len >= DROP_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= '0' && name[i] <= '9') ||
		    name[i] == '.' || name[i] == '_' || name[i] == '-'))
			return 0;
	return strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

static struct drop_file *
drop_by_handle(const char *h)
{
	struct drop_file	*f;

	TAILQ_FOREACH(f, &files, entry)
		if (strcmp(f->h, h) == 0)
			return f;
	return NULL;
}

/* The oldest file of that name: with duplicates, the first one made. */
static struct drop_file *
drop_by_name(const char *name)
{
	struct drop_file	*f, *best = NULL;

	TAILQ_FOREACH(f, &files, entry)
		if (f->named == 1 && !f->deleting &&
		    strcmp(f->name, name) == 0 &&
		    (best == NULL || f->ts < best->ts))
			best = f;
	return best;
}

static void
drop_remove(struct drop_file *f)
{
	TAILQ_REMOVE(&files, f, entry);
	nfiles--;
	free(f->blob);
	free(f);
}

static void
drop_clear(void)
{
	struct drop_file	*f;

	while ((f = TAILQ_FIRST(&files)) != NULL)
		drop_remove(f);
	folder[0] = '\0';
	name_gen++;
}

/* --- names ----------------------------------------------------------- */

/* A message's bytes, from its attributes; a rendezvous one goes on. */
static void
drop_msg_read(struct drop_file *f, const char *json)
{
	uint8_t	 blob[DROP_MSG_MAX];
	size_t	 len;

	if (mega_attr_msg(json, blob, sizeof(blob), &len) == -1)
		return;		/* a folder with a name and nothing else */
	free(f->blob);
	if ((f->blob = malloc(len)) == NULL) {
		f->size = 0;
		return;
	}
	memcpy(f->blob, blob, len);
	f->size = len;
	drop_rdv_take(f);
}

struct name_arg {
	unsigned int	 gen;
	char		 h[MA_HANDLE_LEN + 1];
};

static void
drop_name_done(struct imsg *imsg, void *arg)
{
	struct imsg_mega_node_attr	 na;
	struct name_arg			*a = arg;
	struct drop_file		*f;
	char				 name[DROP_NAME_MAX];

	if (imsg_get_data(imsg, &na, sizeof(na)) == -1)
		fatalx("bad MEGA_NODE_ATTR");
	na.json[sizeof(na.json) - 1] = '\0';
	if (a->gen == name_gen && (f = drop_by_handle(a->h)) != NULL) {
		if (na.error == 0 && mega_attr_name(na.json, name,
		    sizeof(name)) == 0 && drop_name_ok(name)) {
			strlcpy(f->name, name, sizeof(f->name));
			f->named = 1;
			if (f->msg)
				drop_msg_read(f, na.json);
		} else
			f->named = -1;
	}
	explicit_bzero(&na, sizeof(na));
	free(a);
	if (--names_asked == 0 && ready_due)
		drop_ready_tell();
}

static void
drop_ask_name(struct drop_file *f, const char *attr)
{
	struct imsg_mega_node	 nd;
	struct name_arg		*a;

	f->named = -1;
	if (f->k[0] == '\0' || attr[0] == '\0' ||
	    (a = calloc(1, sizeof(*a))) == NULL)
		return;
	a->gen = name_gen;
	strlcpy(a->h, f->h, sizeof(a->h));
	memset(&nd, 0, sizeof(nd));
	nd.t = f->msg ? MA_T_FOLDER : MA_T_FILE;
	strlcpy(nd.h, f->h, sizeof(nd.h));
	strlcpy(nd.k, f->k, sizeof(nd.k));
	strlcpy(nd.a, attr, sizeof(nd.a));
	if (mega_crypto(IMSG_MEGA_NODE_OPEN, &nd, sizeof(nd), NULL, 0,
	    drop_name_done, a) == 0) {
		free(a);
		return;
	}
	names_asked++;
	f->named = 0;
}

/* --- the file table, from f and from sc -------------------------------- */

static void
drop_sync_begin(void)
{
	struct drop_file	*f;

	TAILQ_FOREACH(f, &files, entry)
		f->seen = 0;
}

/*
 * Make room in a full table: the oldest node that is not a fresh
 * rendezvous message still to be read goes, so that junk in the folder
 * cannot hide the next offer.
 */
static int
drop_evict(void)
{
	struct drop_file	*f, *victim = NULL;
	static time_t		 warned;
	time_t			 now = time(NULL);
	uint8_t			 kind, id[RDV_ID_LEN];

	TAILQ_FOREACH(f, &files, entry) {
		if (f->deleting || f->mine || (f->named == 1 && !f->taken &&
		    rdv_name_parse(f->name, &kind, id) == 0))
			continue;
		if (victim == NULL || f->ts < victim->ts)
			victim = f;
	}
	if (victim == NULL)
		return -1;
	if (now - warned >= 60) {
		warned = now;
		log_warnx("drop: more than %d files in the folder; "
		    "forgetting the oldest", DROP_FILES_MAX);
	}
	drop_remove(victim);
	return 0;
}

static struct drop_file *
drop_add(const struct ma_node *n)
{
	struct drop_file	*f;

	if (nfiles >= DROP_FILES_MAX && drop_evict() == -1) {
		log_debug("drop: table full, file %s ignored", n->h);
		return NULL;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	strlcpy(f->h, n->h, sizeof(f->h));
	if (!(n->flags & MA_NODE_NOKEY))
		strlcpy(f->k, n->k, sizeof(f->k));
	f->msg = n->t == MA_T_FOLDER;
	f->size = f->msg ? 0 : n->s;
	f->ts = n->ts;
	f->seen = 1;
	f->named = -1;
	TAILQ_INSERT_TAIL(&files, f, entry);
	nfiles++;
	log_debug("drop: %s %s, %lld bytes", f->msg ? "message" : "file",
	    f->h, (long long)f->size);
	return f;
}

/* A file node in the drop folder, new or known. */
static void
drop_sync_node(const struct ma_node *n)
{
	struct drop_file	*f;

	if ((f = drop_by_handle(n->h)) != NULL)
		f->seen = 1;
	else if ((f = drop_add(n)) != NULL)
		drop_ask_name(f, n->a);
}

static void
drop_sync_end(void)
{
	struct drop_file	*f, *next;

	TAILQ_FOREACH_SAFE(f, &files, entry, next)
		if (!f->seen)
			drop_remove(f);
}

static void
drop_node_gone(const char *h)
{
	struct drop_file	*f;

	if ((f = drop_by_handle(h)) != NULL)
		drop_remove(f);
}

static void
drop_node_attr(const char *h, const char *attr)
{
	struct drop_file	*f;

	if ((f = drop_by_handle(h)) != NULL)
		drop_ask_name(f, attr);
}

/*
 * Netengine hears that the drop is ready after every message the tree
 * held: through crypto, behind the messages it opens, once every name
 * asked for is known.  A client that finds its offer there does not
 * ask for another one.
 */
static void
drop_ready_tell(void)
{
	ready_due = 0;
	proc_child_compose(PROC_CRYPTO, IMSG_DROP_READY, 0, 0, -1, NULL, 0);
}

static void
drop_ready(const char *h)
{
	struct timeval	 tv = { DROP_SWEEP_SECS, 0 };

	if (strcmp(folder, h) != 0)
		log_debug("drop: folder handle %s", h);
	strlcpy(folder, h, sizeof(folder));
	ready_due = 1;
	if (names_asked == 0)
		drop_ready_tell();
	if (!sweep_set) {
		evtimer_set(&sweep_ev, drop_sweep, NULL);
		sweep_set = 1;
	}
	if (!evtimer_pending(&sweep_ev, NULL)) {
		tv.tv_sec = 1;	/* the first sweep soon after start */
		evtimer_add(&sweep_ev, &tv);
	}
	drop_park_flush();
}

/* --- control replies ------------------------------------------------- */

static void
drop_result(uint32_t peerid, int error, const char *fmt, ...)
    __attribute__((__format__(printf, 3, 4)));

static void
drop_result(uint32_t peerid, int error, const char *fmt, ...)
{
	struct ctl_result	 res;
	va_list			 ap;

	if (peerid == 0)
		return;		/* our own request, not clawctl's */
	memset(&res, 0, sizeof(res));
	res.error = error;
	va_start(ap, fmt);
	vsnprintf(res.msg, sizeof(res.msg), fmt, ap);
	va_end(ap);
	proc_child_compose(PROC_NETENGINE, IMSG_CTL_RESULT, peerid, 0, -1,
	    &res, sizeof(res));
}

static void
drop_op_free(struct drop_op *op)
{
	if (op == NULL)
		return;
	if (event_initialized(&op->retry))
		evtimer_del(&op->retry);
	free(op->data);
	free(op);
}

static void
drop_op_fail(struct drop_op *op, const char *fmt, ...)
    __attribute__((__format__(printf, 2, 3)));

static void
drop_op_fail(struct drop_op *op, const char *fmt, ...)
{
	char	 msg[200];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("drop: %s %s: %s", op->type == OP_PUT ? "put" :
	    op->type == OP_GET ? "get" : "rm", op->name, msg);
	if (op->msg && op->type == OP_PUT)
		log_warnx("drop: a rendezvous message is lost");
	drop_result(op->peerid, EIO, "%s: %s", op->name, msg);
	drop_op_free(op);
}

static const char *
drop_errstr(int err)
{
	if (err == MQ_EGAVEUP)
		return mega_last_error()[0] ? mega_last_error() :
		    "the MEGA client gave up";
	return ma_strerror(err);
}

/* Wait before the next try of a transfer: 1, 2, 4, ... s. */
static int
drop_op_later(struct drop_op *op, void (*fn)(int, short, void *))
{
	struct timeval	 tv;

	if (++op->tries >= DROP_XFER_TRIES)
		return -1;
	mega_stats.retries++;
	tv.tv_sec = 1 << (op->tries - 1);
	tv.tv_usec = arc4random_uniform(500000);
	evtimer_set(&op->retry, fn, op);
	evtimer_add(&op->retry, &tv);
	return 0;
}

/* --- put: seal, u, upload, p; a message: p alone ------------------------ */

static void	drop_put_u(struct drop_op *);

static void
drop_put_done(const json_t *res, int err, void *arg)
{
	struct drop_op		*op = arg;
	struct drop_file	*f;
	struct ma_nodes		 out;

	if (err == 0)
		err = ma_parse_p(res, mega_user(), &out);
	if (err != 0) {
		drop_op_fail(op, "storing the file failed: %s",
		    drop_errstr(err));
		return;
	}
	/* The key is the one we sent, whatever the reply shows. */
	if ((f = drop_by_handle(out.v[0].h)) == NULL)
		f = drop_add(&out.v[0]);
	ma_nodes_free(&out);
	if (f != NULL) {
		strlcpy(f->name, op->name, sizeof(f->name));
		strlcpy(f->k, op->k, sizeof(f->k));
		f->named = 1;
		f->mine = 1;
		if (f->ts == 0)
			f->ts = time(NULL);
		if (op->msg && f->blob == NULL) {
			f->blob = op->data;
			f->size = op->len;
			op->data = NULL;
		}
	}
	mega_stats.puts++;
	strlcpy(recent[recent_next], op->name, sizeof(recent[0]));
	recent_next = (recent_next + 1) % DROP_MINE_MAX;
	/* Stored again: the quota has room. */
	if (mega_state() == MEGA_OVERQUOTA)
		mega_set_state(MEGA_READY, NULL);
	log_info("drop: put %s (%zu bytes)", op->name, op->len);
	drop_result(op->peerid, 0, "stored %s", op->name);
	drop_op_free(op);
}

static void
drop_put_retry(int fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	drop_put_u(arg);
}

static void
drop_put_uploaded(const struct https_reply *rep, void *arg)
{
	struct drop_op	*op = arg;
	char		 token[B64URL_LEN(MA_TOKEN_MAX) + 1];
	json_t		*b;
	const char	*errstr;
	long long	 code;
	char		 num[16];

	if (rep->error != NULL || rep->status != 200) {
		mega_stats.errors++;
		if (rep->status == 509 || drop_op_later(op,
		    drop_put_retry) == -1)
			drop_op_fail(op, "upload failed: %s",
			    rep->error != NULL ? rep->error : "HTTP error");
		return;
	}
	/* A short negative number is an error; anything else the token. */
	if (rep->len > 0 && rep->len < sizeof(num) && rep->body[0] == '-') {
		memcpy(num, rep->body, rep->len);
		num[rep->len] = '\0';
		code = strtonum(num, -100, -1, &errstr);
		mega_stats.errors++;
		if (errstr == NULL && code == MA_EOVERQUOTA) {
			mega_set_state(MEGA_OVERQUOTA, "upload over quota");
			drop_op_fail(op, "over quota");
		} else if (drop_op_later(op, drop_put_retry) == -1)
			drop_op_fail(op, "upload refused: %s", num);
		return;
	}
	if (rep->len == 0 || rep->len > MA_TOKEN_MAX ||
	    b64url_encode(token, sizeof(token), rep->body, rep->len) == -1) {
		mega_stats.errors++;
		if (drop_op_later(op, drop_put_retry) == -1)
			drop_op_fail(op, "upload gave no completion token");
		return;
	}
	b = ma_batch_new();
	ma_req_p_file(b, folder, token, op->a, op->k, mega_client_id());
	mq_cs(mq_take(b), 0, drop_put_done, op);
}

static void
drop_put_url(const json_t *res, int err, void *arg)
{
	struct drop_op		*op = arg;
	struct ma_upload	 up;
	char			 url[MA_URL_MAX + 8];

	if (err == 0)
		err = ma_parse_u(res, &up);
	if (err != 0) {
		if (err == MA_EOVERQUOTA || err == MA_EGOINGOVERQUOTA)
			mega_set_state(MEGA_OVERQUOTA, "storage quota "
			    "exceeded");
		drop_op_fail(op, "no upload URL: %s", drop_errstr(err));
		return;
	}
	snprintf(url, sizeof(url), "%s/0", up.p);
	if (mq_fetch(url, 1, op->data, op->len, drop_put_uploaded,
	    op) == -1)
		drop_op_fail(op, "upload: %s", strerror(errno));
}

static void
drop_put_u(struct drop_op *op)
{
	json_t	*b;

	b = ma_batch_new();
	ma_req_u(b, op->len);
	mq_cs(mq_take(b), 0, drop_put_url, op);
}

static void
drop_put_sealed(struct imsg *imsg, void *arg)
{
	struct drop_op			*op = arg;
	struct imsg_mega_new_node	 nn;
	struct ibuf			 b;
	size_t				 len;

	if (imsg_get_ibuf(imsg, &b) == -1 || ibuf_get(&b, &nn,
	    sizeof(nn)) == -1)
		fatalx("bad MEGA_SEALED");
	len = ibuf_size(&b);
	nn.k[sizeof(nn.k) - 1] = '\0';
	nn.a[sizeof(nn.a) - 1] = '\0';
	if (nn.error != 0 || len != op->len) {
		drop_op_fail(op, "crypto could not encrypt the file");
		return;
	}
	if (ibuf_get(&b, op->data, len) == -1)
		fatalx("bad MEGA_SEALED");
	strlcpy(op->k, nn.k, sizeof(op->k));
	strlcpy(op->a, nn.a, sizeof(op->a));
	drop_put_u(op);
}

/* The per-minute counts of puts start again every minute. */
static void
drop_window(void)
{
	time_t	 now = time(NULL);

	if (now - put_window >= 60) {
		put_window = now;
		put_count = msg_count = 0;
	}
}

static void	drop_msg_keys(struct imsg *, void *);

/*
 * Start a put: the bytes copied, the attribute text (JSON, freed here)
 * to crypto, which encrypts a file with its attributes or makes a
 * message's node key and attributes.  -1 when out of memory.
 */
static int
drop_put_start(uint32_t peerid, const char *name, const uint8_t *data,
    size_t len, int msg, char *json)
{
	struct imsg_mega_new	 hdr;
	struct drop_op		*op = NULL;
	int			 sent;

	if (json == NULL || (op = calloc(1, sizeof(*op))) == NULL ||
	    (op->data = malloc(len)) == NULL) {
		drop_op_free(op);
		free(json);
		return -1;
	}
	op->type = OP_PUT;
	op->peerid = peerid;
	op->msg = msg;
	op->len = len;
	strlcpy(op->name, name, sizeof(op->name));
	memcpy(op->data, data, len);
	memset(&hdr, 0, sizeof(hdr));
	strlcpy(hdr.json, json, sizeof(hdr.json));
	free(json);
	if (msg)
		sent = mega_crypto(IMSG_MEGA_NEW_FOLDER, &hdr, sizeof(hdr),
		    NULL, 0, drop_msg_keys, op);
	else
		sent = mega_crypto(IMSG_MEGA_SEAL_FILE, &hdr, sizeof(hdr),
		    op->data, len, drop_put_sealed, op);
	if (sent == 0)
		drop_op_fail(op, "crypto is not reachable");
	explicit_bzero(&hdr, sizeof(hdr));
	return 0;
}

/* Store a file for clawctl (peerid). */
static void
drop_put_data(uint32_t peerid, const char *name, const uint8_t *data,
    size_t len)
{
	if (!drop_name_ok(name)) {
		drop_result(peerid, EINVAL, "bad file name");
		return;
	}
	if (len == 0 || len > DROP_FILE_MAX) {
		drop_result(peerid, EINVAL, "a file must have 1 to %d bytes",
		    DROP_FILE_MAX);
		return;
	}
	if (drop_by_name(name) != NULL) {
		drop_result(peerid, EEXIST, "%s exists in the drop", name);
		return;
	}
	drop_window();
	if (put_count >= DROP_PUTS_PER_MIN) {
		drop_result(peerid, EAGAIN, "rate limit: at most %d files "
		    "a minute", DROP_PUTS_PER_MIN);
		return;
	}
	put_count++;
	if (drop_put_start(peerid, name, data, len, 0,
	    mega_attr_json(name)) == -1)
		drop_result(peerid, ENOMEM, "out of memory");
}

static void
drop_msg_keys(struct imsg *imsg, void *arg)
{
	struct drop_op	*op = arg;

	if (mega_p_folder(imsg, folder, op->k, sizeof(op->k), drop_put_done,
	    op) == -1)
		drop_op_fail(op, "crypto could not make the node");
}

/*
 * Store a message for crypto: it makes a folder key and encrypts the
 * attributes that carry the message, then one p command (batched with
 * whatever else is queued) makes the node.
 */
static void
drop_msg_put(const char *name, const uint8_t *data, size_t len)
{
	if (!drop_name_ok(name) || len == 0 || len > DROP_MSG_MAX) {
		log_warnx("drop: a message of %zu bytes refused", len);
		return;
	}
	if (drop_by_name(name) != NULL) {
		log_warnx("drop: %s exists in the drop", name);
		return;
	}
	drop_window();
	if (msg_count >= DROP_MSGS_PER_MIN) {
		log_warnx("drop: rate limit, %s not stored", name);
		return;
	}
	msg_count++;
	if (drop_put_start(0, name, data, len, 1,
	    mega_attr_json_msg(name, data, len)) == -1)
		log_warnx("drop: %s not stored: out of memory", name);
}

/*
 * CTL_DROP_PUT from clawctl (a file), RDV_PUT from crypto (a message):
 * a name, the bytes (the catalogue has checked that the name is there).
 */
static void
drop_put(uint32_t type, uint32_t peerid, const uint8_t *msg, size_t msglen)
{
	struct ctl_drop_name	 dn;

	if (msglen < sizeof(dn) || msglen - sizeof(dn) > DROP_FILE_MAX)
		fatalx("bad drop put of %zu bytes", msglen);
	memcpy(&dn, msg, sizeof(dn));
	dn.name[sizeof(dn.name) - 1] = '\0';
	if (type == IMSG_RDV_PUT)
		drop_msg_put(dn.name, msg + sizeof(dn), msglen - sizeof(dn));
	else
		drop_put_data(peerid, dn.name, msg + sizeof(dn),
		    msglen - sizeof(dn));
}

/* --- get: g, download, open ------------------------------------------ */

static void
drop_get_opened(struct imsg *imsg, void *arg)
{
	struct drop_op		*op = arg;
	struct imsg_mega_opened	 oh;
	struct ibuf		 b;
	uint8_t			 buf[DROP_FILE_MAX];
	size_t			 len;

	if (imsg_get_ibuf(imsg, &b) == -1 || ibuf_get(&b, &oh,
	    sizeof(oh)) == -1)
		fatalx("bad MEGA_OPENED");
	len = ibuf_size(&b);
	if (oh.error != 0 || len != op->len) {
		drop_op_fail(op, "the file does not decrypt (wrong key or "
		    "MAC)");
		return;
	}
	if (ibuf_get(&b, buf, len) == -1)
		fatalx("bad MEGA_OPENED");
	mega_stats.gets++;
	proc_child_compose(PROC_NETENGINE, IMSG_CTL_DROP_DATA, op->peerid, 0,
	    -1, buf, len);
	proc_child_compose(PROC_NETENGINE, IMSG_CTL_END, op->peerid, 0, -1,
	    NULL, 0);
	explicit_bzero(buf, len);
	drop_op_free(op);
}

static void
drop_get_retry(int fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	drop_get_g(arg);
}

static void
drop_get_downloaded(const struct https_reply *rep, void *arg)
{
	struct drop_op		*op = arg;
	struct imsg_mega_open	 hdr;

	if (rep->status == 509) {
		mega_set_state(MEGA_OVERQUOTA, "transfer quota exceeded");
		drop_op_fail(op, "transfer quota exceeded; %d s left",
		    rep->timeleft);
		return;
	}
	if (rep->error != NULL || (rep->status != 200 &&
	    rep->status != 206) || rep->len != op->len) {
		mega_stats.errors++;
		if (drop_op_later(op, drop_get_retry) == -1)
			drop_op_fail(op, "download failed: %s",
			    rep->error != NULL ? rep->error :
			    rep->status != 200 && rep->status != 206 ?
			    "HTTP error" : "wrong length");
		return;
	}
	memset(&hdr, 0, sizeof(hdr));
	strlcpy(hdr.k, op->k, sizeof(hdr.k));
	if (mega_crypto(IMSG_MEGA_OPEN_FILE, &hdr, sizeof(hdr), rep->body,
	    rep->len, drop_get_opened, op) == 0)
		drop_op_fail(op, "crypto is not reachable");
}

static void
drop_get_url(const json_t *res, int err, void *arg)
{
	struct drop_op		*op = arg;
	struct ma_download	 dl;
	char			 url[MA_URL_MAX + 48];

	if (err == 0)
		err = ma_parse_g(res, &dl);
	if (err != 0) {
		drop_op_fail(op, "no download URL: %s", drop_errstr(err));
		return;
	}
	if (dl.s <= 0 || dl.s > DROP_FILE_MAX) {
		drop_op_fail(op, "size %lld is not a drop file's",
		    (long long)dl.s);
		return;
	}
	op->len = dl.s;
	snprintf(url, sizeof(url), "%s/0-%lld", dl.g, (long long)dl.s - 1);
	if (mq_fetch(url, 0, NULL, 0, drop_get_downloaded, op) == -1)
		drop_op_fail(op, "download: %s", strerror(errno));
}

static void
drop_get_g(struct drop_op *op)
{
	json_t	*b;

	b = ma_batch_new();
	ma_req_g(b, op->h);
	mq_cs(mq_take(b), 0, drop_get_url, op);
}

static void
drop_get(uint32_t peerid, const char *name)
{
	struct drop_file	*f;
	struct drop_op		*op;

	if ((f = drop_by_name(name)) == NULL) {
		drop_result(peerid, ENOENT, "%s: no such file in the drop",
		    name);
		return;
	}
	if (f->msg) {
		/* A message: its bytes are here already. */
		if (f->blob == NULL) {
			drop_result(peerid, ENOENT, "%s: a folder, not a "
			    "message", name);
			return;
		}
		proc_child_compose(PROC_NETENGINE, IMSG_CTL_DROP_DATA, peerid,
		    0, -1, f->blob, f->size);
		proc_child_compose(PROC_NETENGINE, IMSG_CTL_END, peerid, 0,
		    -1, NULL, 0);
		return;
	}
	if ((op = calloc(1, sizeof(*op))) == NULL) {
		drop_result(peerid, ENOMEM, "out of memory");
		return;
	}
	op->type = OP_GET;
	op->peerid = peerid;
	strlcpy(op->name, name, sizeof(op->name));
	strlcpy(op->h, f->h, sizeof(op->h));
	strlcpy(op->k, f->k, sizeof(op->k));
	drop_get_g(op);
}

/* --- delete ---------------------------------------------------------- */

static void
drop_rm_done(const json_t *res, int err, void *arg)
{
	struct drop_op		*op = arg;
	struct drop_file	*f;

	if (err == 0)
		err = ma_parse_d(res);
	f = drop_by_handle(op->h);
	/* Gone already is as good as deleted. */
	if (err != 0 && err != MA_ENOENT) {
		if (f != NULL)
			f->deleting = 0;
		if (op->peerid != 0)
			drop_op_fail(op, "delete failed: %s",
			    drop_errstr(err));
		else {
			log_debug("drop: sweeping %s failed: %s", op->h,
			    drop_errstr(err));
			drop_op_free(op);
		}
		return;
	}
	if (f != NULL)
		drop_remove(f);
	mega_stats.deletes++;
	if (op->peerid != 0)
		drop_result(op->peerid, 0, "deleted %s", op->name);
	drop_op_free(op);
}

/* Delete a node; for no one waiting (peerid 0), in the next batch. */
static void
drop_rm_file(uint32_t peerid, struct drop_file *f)
{
	struct drop_op	*op;
	json_t		*b;

	if ((op = calloc(1, sizeof(*op))) == NULL) {
		if (peerid != 0)
			drop_result(peerid, ENOMEM, "out of memory");
		return;
	}
	op->type = OP_RM;
	op->peerid = peerid;
	strlcpy(op->name, f->name, sizeof(op->name));
	strlcpy(op->h, f->h, sizeof(op->h));
	f->deleting = 1;
	b = ma_batch_new();
	ma_req_d(b, f->h, mega_client_id());
	mq_cs(mq_take(b), peerid == 0 ? MQ_LAZY : 0, drop_rm_done, op);
}

/* Every node older than ten minutes goes, ours or not. */
static void
drop_sweep(int fd, short ev, void *arg)
{
	struct drop_file	*f, *next;
	struct timeval		 tv = { DROP_SWEEP_SECS, 0 };
	time_t			 now = time(NULL);
	unsigned int		 n = 0;

	(void)fd;
	(void)ev;
	(void)arg;
	evtimer_add(&sweep_ev, &tv);
	if (!mega_usable())
		return;
	TAILQ_FOREACH_SAFE(f, &files, entry, next) {
		if (f->deleting || now - f->ts < DROP_MAX_AGE)
			continue;
		drop_rm_file(0, f);
		n++;
	}
	if (n > 0)
		log_info("drop: deleting %u file%s older than %d minutes", n,
		    n == 1 ? "" : "s", DROP_MAX_AGE / 60);
}

/* --- rendezvous messages ---------------------------------------------- */

void
drop_roles(uint32_t offer, uint32_t ahead, uint32_t ondemand)
{
	roles_offer = offer;
	roles_ahead = ahead;
	roles_ondemand = ondemand;
}

/* Did we put a message of this kind with this id lately? */
static int
drop_put_lately(uint8_t kind, const uint8_t id[RDV_ID_LEN])
{
	char	 name[DROP_NAME_MAX];
	size_t	 i;

	if (rdv_name(name, sizeof(name), kind, id) == -1)
		return 0;
	for (i = 0; i < DROP_MINE_MAX; i++)
		if (strcmp(recent[i], name) == 0)
			return 1;
	return 0;
}

/*
 * Can this message be for us?  Offers, if we answer a peer ahead of time
 * (then any offer may be ours), or if it answers a request of ours;
 * responses to our offers; requests, if we offer to anyone.  Everything
 * else stays unread: with many clients sharing a folder, each must not
 * fetch what the others exchange.
 */
static int
drop_rdv_wanted(uint8_t kind, const uint8_t id[RDV_ID_LEN])
{
	switch (kind) {
	case RDV_KIND_OFFER:
		/* On demand too: the other side may keep one for us. */
		return roles_ahead > 0 || roles_ondemand > 0;
	case RDV_KIND_RESPONSE:
		return roles_offer > 0 && drop_put_lately(RDV_KIND_OFFER, id);
	case RDV_KIND_REQUEST:
		return roles_offer > 0;
	}
	return 0;
}

/*
 * A rendezvous message from someone else, fresh and maybe ours: crypto
 * tries to open it.  Its bytes came with the node: nothing to fetch.
 */
static void
drop_rdv_take(struct drop_file *f)
{
	struct ctl_drop_name	 dn;
	uint8_t			 kind, id[RDV_ID_LEN];

	if (f->mine || f->taken || f->named != 1 || f->blob == NULL ||
	    rdv_name_parse(f->name, &kind, id) == -1 ||
	    !drop_rdv_wanted(kind, id) ||
	    time(NULL) - f->ts > DROP_RDV_AGE || !mega_usable())
		return;
	f->taken = 1;
	mega_stats.gets++;
	memset(&dn, 0, sizeof(dn));
	strlcpy(dn.name, f->name, sizeof(dn.name));
	log_debug("drop: reading %s", f->name);
	proc_child_compose2(PROC_CRYPTO, IMSG_RDV_OPEN, 0, &dn, sizeof(dn),
	    f->blob, f->size);
}

/* From crypto: a sealed offer, response or request to store. */
void
drop_rdv_put(struct imsg *imsg)
{
	drop_request(imsg);
}

/* From netengine: a message of ours, or an answer, is no longer needed. */
void
drop_rdv_rm(const char *name)
{
	struct drop_file	*f;

	if ((f = drop_by_name(name)) != NULL && mega_usable())
		drop_rm_file(0, f);
}

/* --- show drop ------------------------------------------------------- */

static void
drop_show(uint32_t peerid)
{
	struct ctl_drop_state	 ds;
	struct ctl_drop_file	 df;
	struct drop_file	*f;
	time_t			 now = time(NULL);

	memset(&ds, 0, sizeof(ds));
	strlcpy(ds.state, mega_state_name(), sizeof(ds.state));
	strlcpy(ds.account, mega_account_name(), sizeof(ds.account));
	strlcpy(ds.folder, mega_folder(), sizeof(ds.folder));
	strlcpy(ds.last_error, mega_last_error(), sizeof(ds.last_error));
	ds.sc_live = mega_sc_live();
	ds.following = mega_following();
	ds.pace_ms = mega_pace_ms();
	ds.files = nfiles;
	ds.backoff_ms = mq_backoff_left();
	ds.requests = mega_stats.requests;
	ds.errors = mega_stats.errors;
	ds.retries = mega_stats.retries;
	ds.logins = mega_stats.logins;
	ds.puts = mega_stats.puts;
	ds.gets = mega_stats.gets;
	ds.deletes = mega_stats.deletes;
	proc_child_compose(PROC_NETENGINE, IMSG_CTL_DROP_STATE, peerid, 0, -1,
	    &ds, sizeof(ds));
	TAILQ_FOREACH(f, &files, entry) {
		if (f->deleting)
			continue;
		memset(&df, 0, sizeof(df));
		strlcpy(df.name, f->named == 1 ? f->name : f->named == 0 ?
		    "(opening)" : "(foreign)", sizeof(df.name));
		strlcpy(df.h, f->h, sizeof(df.h));
		df.mine = f->mine;
		df.size = f->size;
		df.age = now - f->ts;
		proc_child_compose(PROC_NETENGINE, IMSG_CTL_DROP_FILE, peerid,
		    0, -1, &df, sizeof(df));
	}
	proc_child_compose(PROC_NETENGINE, IMSG_CTL_END, peerid, 0, -1,
	    NULL, 0);
}

/* --- requests: run now, or once the session is back ----------------- */

/*
 * A request that came while the session was being made (a login after
 * the session expired, the tree being read again) waits for the drop
 * instead of failing: DROP_PARK_MAX of them, DROP_PARK_SECS each at
 * most, run in the order they came when the drop is ready again.
 */
struct drop_parked {
	TAILQ_ENTRY(drop_parked) entry;
	struct event		 ev;
	uint32_t		 type;
	uint32_t		 peerid;
	size_t			 len;
	uint8_t			 data[];
};
static TAILQ_HEAD(, drop_parked) parked = TAILQ_HEAD_INITIALIZER(parked);
static int			 nparked;

static void
drop_run(uint32_t type, uint32_t peerid, const uint8_t *data, size_t len)
{
	struct ctl_drop_name	 dn;
	struct drop_file	*f;

	switch (type) {
	case IMSG_CTL_DROP_PUT:
	case IMSG_RDV_PUT:
		drop_put(type, peerid, data, len);
		break;
	case IMSG_CTL_DROP_GET:
	case IMSG_CTL_DROP_RM:
		if (len != sizeof(dn))
			fatalx("bad %s", imsg_type_name(type));
		memcpy(&dn, data, sizeof(dn));
		dn.name[sizeof(dn.name) - 1] = '\0';
		if (!drop_name_ok(dn.name)) {
			drop_result(peerid, EINVAL, "bad file name");
			break;
		}
		if (type == IMSG_CTL_DROP_GET)
			drop_get(peerid, dn.name);
		else if ((f = drop_by_name(dn.name)) == NULL)
			drop_result(peerid, ENOENT, "%s: no such file in the "
			    "drop", dn.name);
		else
			drop_rm_file(peerid, f);
		break;
	default:
		fatalx("%s: not a drop request", imsg_type_name(type));
	}
}

/* Why the drop cannot serve a request now. */
static void
drop_refuse(uint32_t type, uint32_t peerid, const char *what)
{
	if (type == IMSG_RDV_PUT)
		log_warnx("drop: %s (%s%s%s); a rendezvous file is lost",
		    what, mega_state_name(), mega_last_error()[0] ? ": " : "",
		    mega_last_error());
	drop_result(peerid, EAGAIN, "%s: %s%s%s", what, mega_state_name(),
	    mega_last_error()[0] ? ": " : "", mega_last_error());
}

static void
drop_unpark(struct drop_parked *pk)
{
	evtimer_del(&pk->ev);
	TAILQ_REMOVE(&parked, pk, entry);
	nparked--;
}

static void
drop_park_expired(int fd, short ev, void *arg)
{
	struct drop_parked	*pk = arg;
	char			 what[64];

	(void)fd;
	(void)ev;
	drop_unpark(pk);
	snprintf(what, sizeof(what), "the drop was not ready within %d s",
	    DROP_PARK_SECS);
	drop_refuse(pk->type, pk->peerid, what);
	free(pk);
}

/* Run what waited, now that the drop is ready. */
static void
drop_park_flush(void)
{
	struct drop_parked	*pk;

	while ((pk = TAILQ_FIRST(&parked)) != NULL && mega_usable()) {
		drop_unpark(pk);
		drop_run(pk->type, pk->peerid, pk->data, pk->len);
		free(pk);
	}
}

/*
 * A drop request from clawctl (forwarded by netengine with the client's
 * id) or a rendezvous file from crypto.  Run at once when the drop is
 * usable; kept while the session is being made; refused otherwise.
 */
static void
drop_request(struct imsg *imsg)
{
	struct drop_parked	*pk;
	struct ibuf		 b;
	struct timeval		 tv = { DROP_PARK_SECS, 0 };
	uint32_t		 type = imsg_get_type(imsg);
	uint32_t		 peerid = imsg_get_id(imsg);
	size_t			 len;

	if (imsg_get_ibuf(imsg, &b) == -1)
		fatalx("bad %s", imsg_type_name(type));
	len = ibuf_size(&b);
	if (mega_usable() && TAILQ_EMPTY(&parked)) {
		drop_run(type, peerid, ibuf_data(&b), len);
		return;
	}
	if ((mega_state() != MEGA_LOGIN && mega_state() != MEGA_LOADING &&
	    !mega_usable()) || nparked >= DROP_PARK_MAX) {
		drop_refuse(type, peerid, "the drop is not ready");
		return;
	}
	if ((pk = calloc(1, sizeof(*pk) + len)) == NULL) {
		log_warn("drop: park");
		drop_refuse(type, peerid, "the drop is not ready");
		return;
	}
	pk->type = type;
	pk->peerid = peerid;
	pk->len = len;
	memcpy(pk->data, ibuf_data(&b), len);
	evtimer_set(&pk->ev, drop_park_expired, pk);
	evtimer_add(&pk->ev, &tv);
	TAILQ_INSERT_TAIL(&parked, pk, entry);
	nparked++;
	log_debug("drop: %s waits for the session (%s)",
	    imsg_type_name(type), mega_state_name());
	drop_park_flush();
}

/* A clawctl request, forwarded by netengine with the client's id. */
void
drop_ctl(struct imsg *imsg)
{
	uint32_t		 peerid = imsg_get_id(imsg);

	if (imsg_get_type(imsg) == IMSG_CTL_SHOW_DROP) {
		if (mega_state() == MEGA_DISABLED)
			drop_result(peerid, ENOTCONN, "MEGA is not "
			    "configured");
		else
			drop_show(peerid);
		return;
	}
	drop_request(imsg);
}

/* --- the session's events -------------------------------------------- */

static const struct mega_events drop_events = {
	.on_sync_begin = drop_sync_begin,
	.on_node = drop_sync_node,
	.on_sync_end = drop_sync_end,
	.on_ready = drop_ready,
	.on_node_gone = drop_node_gone,
	.on_node_attr = drop_node_attr,
	.on_clear = drop_clear,
};

void
drop_init(void)
{
	mega_subscribe(&drop_events);
}
