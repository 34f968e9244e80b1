/*
 * The MEGA API's JSON layer: see megaapi.h and docs/megaapi.md;
 * section numbers refer to docs/megaproto.md.
 *
 * Everything the server sends is checked here before the signaler uses
 * it: types, exact handle lengths, base64url alphabet and padding bits,
 * number ranges and string lengths, so that the rest of the signaler
 * works on fixed-size C strings it can trust.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "b64url.h"
#include "megaapi.h"

#define MA_ERRCODE_MIN	(-999)	/* anything below is not an error code */

/* Only the alphabet: handles and sn are opaque (section 1). */
static int
is_handle(const char *s, size_t len, size_t want)
{
	return len == want && b64url_valid(s, len);
}

/*
 * Strict unpadded base64url of minb..maxb bytes: alphabet, no length of
 * 1 mod 4, and zero trailing bits, so one byte string has one encoding.
 */
static int
is_b64(const char *s, size_t len, size_t minb, size_t maxb)
{
	size_t	 nbytes;

	return b64url_canonical(s, len, &nbytes) && nbytes >= minb &&
	    nbytes <= maxb;
}

/* Printable ASCII, no spaces or quotes. */
static int
is_token(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f || s[i] == '"' ||
		    s[i] == '\\')
			return 0;
	return 1;
}

static int
is_url(const char *s, size_t len)
{
	if (len > MA_URL_MAX || !is_token(s, len))
		return 0;
	if (len > 8 && strncmp(s, "https://", 8) == 0)
		return 1;
	if (len > 7 && strncmp(s, "http://", 7) == 0)
		return 1;
	return 0;
}

/* The string member key of o, or NULL (absent or not a string). */
static const char *
getstr(const json_t *o, const char *key, size_t *len)
{
	json_t	*v;

	if ((v = json_object_get(o, key)) == NULL || !json_is_string(v))
		return NULL;
	*len = json_string_length(v);
	return json_string_value(v);
}

/* Copies a string that has passed its checks; len < cap is known. */
static void
copy(char *dst, size_t cap, const char *s, size_t len)
{
	if (len >= cap)
		len = cap - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
}

/*
 * Integer member in [lo, hi]: 1 and *out, 0 if absent, -1 if present
 * but of another type or out of range.
 */
static int
getint(const json_t *o, const char *key, json_int_t lo, json_int_t hi,
    int64_t *out)
{
	json_t		*v;
	json_int_t	 i;

	if ((v = json_object_get(o, key)) == NULL)
		return 0;
	if (!json_is_integer(v))
		return -1;
	i = json_integer_value(v);
	if (i < lo || i > hi)
		return -1;
	*out = i;
	return 1;
}

/*
 * The error forms, accepted wherever a result may stand (2.1): a
 * negative number or {"err":-N}.  Returns the code, 0 if v is not an
 * error, MA_EBADREPLY if it is a number that is no error code.
 */
static int
errform(const json_t *v)
{
	json_t		*e;
	json_int_t	 i;

	if (json_is_object(v) && (e = json_object_get(v, "err")) != NULL) {
		if (!json_is_integer(e))
			return MA_EBADREPLY;
		v = e;
	} else if (!json_is_integer(v))
		return 0;
	i = json_integer_value(v);
	if (i == 0 && !json_is_object(v))
		return 0;
	if (i < MA_ERRCODE_MIN || i >= 0)
		return MA_EBADREPLY;
	return (int)i;
}

/* Start of every typed parser: an error code, or an object to parse. */
static int
result_object(const json_t *v)
{
	int	 rv;

	if (v == NULL)
		return MA_EBADREPLY;
	if ((rv = errform(v)) != 0)
		return rv;
	return json_is_object(v) ? 0 : MA_EBADREPLY;
}

/* --- error strings --------------------------------------------------- */

static const char *const errstr[] = {
	"success",					/* 0 */
	"internal error",				/* -1 */
	"bad arguments",				/* -2 */
	"temporary congestion, try again",		/* -3 */
	"rate limit exceeded",				/* -4 */
	"failed permanently",				/* -5 */
	"too many logins, sessions or updates",		/* -6 */
	"upload range error",				/* -7 */
	"upload URL expired",				/* -8 */
	"not found (or wrong e-mail or password)",	/* -9 */
	"circular move",				/* -10 */
	"access denied",				/* -11 */
	"already exists",				/* -12 */
	"incomplete",					/* -13 */
	"crypto or chunk checksum error",		/* -14 */
	"session id invalid or expired",		/* -15 */
	"account blocked or file taken down",		/* -16 */
	"storage or transfer quota exceeded",		/* -17 */
	"temporarily unavailable",			/* -18 */
	"too many connections",				/* -19 */
	"write error",					/* -20 */
	"read error",					/* -21 */
	"invalid application key",			/* -22 */
	"SSL verification failed",			/* -23 */
	"not enough quota for this upload",		/* -24 */
	"request rolled back",				/* -25 */
	"two-factor authentication required",		/* -26 */
	"only the business master user may do this",	/* -27 */
	"business account past due",			/* -28 */
	"account over its storage quota (paywall)",	/* -29 */
	"sub-user key missing",				/* -30 */
};

const char *
ma_strerror(int code)
{
	if (code == MA_EBADREPLY)
		return "malformed reply from the MEGA API";
	if (code <= 0 && -code < (int)(sizeof(errstr) / sizeof(errstr[0])))
		return errstr[-code];
	return "unknown MEGA error";
}

/* --- request building ------------------------------------------------ */

json_t *
ma_batch_new(void)
{
	return json_array();
}

/* Appends cmd (a new reference, NULL if building it failed). */
static int
append(json_t *batch, json_t *cmd)
{
	if (cmd == NULL)
		return -1;
	if (!json_is_array(batch) || json_array_size(batch) >= MA_BATCH_MAX) {
		json_decref(cmd);
		return -1;
	}
	return json_array_append_new(batch, cmd) == 0 ? 0 : -1;
}

static int
ok_handle(const char *s)
{
	return s != NULL && is_handle(s, strlen(s), MA_HANDLE_LEN);
}

static int
ok_b64(const char *s, size_t minb, size_t maxb)
{
	return s != NULL && is_b64(s, strlen(s), minb, maxb);
}

/* The optional client id "i" (section 7.1). */
static int
ok_clientid(const char *s)
{
	size_t	 len;

	if (s == NULL)
		return 1;
	len = strlen(s);
	return len > 0 && len <= MA_CLIENTID_MAX && is_token(s, len);
}

/* E-mail addresses are sent lower-cased (3.1); ASCII only, like crypto. */
static int
lower_email(char *dst, size_t cap, const char *s)
{
	size_t	 i, len;

	if (s == NULL || (len = strlen(s)) < 3 || len > MA_EMAIL_MAX ||
	    len >= cap || !is_token(s, len) || strchr(s, '@') == NULL)
		return -1;
	for (i = 0; i < len; i++)
		dst[i] = (s[i] >= 'A' && s[i] <= 'Z') ? s[i] - 'A' + 'a' : s[i];
	dst[len] = '\0';
	return 0;
}

int
ma_req_us0(json_t *batch, const char *email)
{
	char	 e[MA_EMAIL_MAX + 1];

	if (lower_email(e, sizeof(e), email) == -1)
		return -1;
	return append(batch, json_pack("{s:s,s:s}", "a", "us0", "user", e));
}

int
ma_req_us(json_t *batch, const char *email, const char *uh)
{
	char	 e[MA_EMAIL_MAX + 1];

	/* uh: 8 bytes (v1, 11 chars) or 16 bytes (v2, 22 chars). */
	if (lower_email(e, sizeof(e), email) == -1 || uh == NULL ||
	    (!is_b64(uh, strlen(uh), 8, 8) && !is_b64(uh, strlen(uh), 16, 16)))
		return -1;
	return append(batch, json_pack("{s:s,s:s,s:s}", "a", "us",
	    "user", e, "uh", uh));
}

int
ma_req_ug(json_t *batch)
{
	return append(batch, json_pack("{s:s}", "a", "ug"));
}

int
ma_req_f(json_t *batch)
{
	return append(batch, json_pack("{s:s,s:i}", "a", "f", "c", 1));
}

/* One p command with one node; h is a placeholder or an upload token. */
static int
req_p(json_t *batch, const char *parent, const char *h, int type,
    const char *attr, const char *key, const char *ci)
{
	json_t	*cmd;

	if (!ok_handle(parent) || !ok_b64(attr, 1, MA_ATTR_MAX / 4 * 3) ||
	    !ok_clientid(ci))
		return -1;
	cmd = json_pack("{s:s,s:s,s:[{s:s,s:i,s:s,s:s}]}", "a", "p",
	    "t", parent, "n", "h", h, "t", type, "a", attr, "k", key);
	if (cmd != NULL && ci != NULL &&
	    json_object_set_new(cmd, "i", json_string(ci)) == -1) {
		json_decref(cmd);
		return -1;
	}
	return append(batch, cmd);
}

int
ma_req_p_folder(json_t *batch, const char *parent, const char *attr,
    const char *key, const char *ci)
{
	/* The handle of a new folder is a placeholder (5.10). */
	if (!ok_b64(key, 16, 16))
		return -1;
	return req_p(batch, parent, "xxxxxxxx", MA_T_FOLDER, attr, key, ci);
}

int
ma_req_p_file(json_t *batch, const char *parent, const char *token,
    const char *attr, const char *key, const char *ci)
{
	if (!ok_b64(token, 1, MA_TOKEN_MAX / 4 * 3) || !ok_b64(key, 32, 32))
		return -1;
	return req_p(batch, parent, token, MA_T_FILE, attr, key, ci);
}

int
ma_req_u(json_t *batch, int64_t size)
{
	if (size < 0 || size > MA_SIZE_MAX)
		return -1;
	return append(batch, json_pack("{s:s,s:I,s:i}", "a", "u",
	    "s", (json_int_t)size, "ssl", 2));
}

int
ma_req_g(json_t *batch, const char *h)
{
	/* g:1 for the URL, ssl:2 for https; never v:2 (section 6). */
	if (!ok_handle(h))
		return -1;
	return append(batch, json_pack("{s:s,s:i,s:i,s:s}", "a", "g",
	    "g", 1, "ssl", 2, "n", h));
}

int
ma_req_d(json_t *batch, const char *h, const char *ci)
{
	json_t	*cmd;

	if (!ok_handle(h) || !ok_clientid(ci))
		return -1;
	cmd = json_pack("{s:s,s:s}", "a", "d", "n", h);
	if (cmd != NULL && ci != NULL &&
	    json_object_set_new(cmd, "i", json_string(ci)) == -1) {
		json_decref(cmd);
		return -1;
	}
	return append(batch, cmd);
}

/* --- sequence id and calls ------------------------------------------ */

void
ma_seq_init(struct ma_seq *seq, const uint8_t rnd[MA_REQID_LEN])
{
	size_t	 i;

	for (i = 0; i < MA_REQID_LEN; i++)
		seq->id[i] = 'a' + rnd[i] % 26;
	seq->id[MA_REQID_LEN] = '\0';
}

/* Counts in letters, last one fastest, as the SDK does. */
void
ma_seq_next(struct ma_seq *seq)
{
	size_t	 i;

	for (i = MA_REQID_LEN; i-- > 0; ) {
		if (seq->id[i] != 'z') {
			seq->id[i]++;
			return;
		}
		seq->id[i] = 'a';
	}
}

int
ma_call_start(struct ma_call *call, struct ma_seq *seq, const json_t *batch)
{
	size_t	 n;

	memset(call, 0, sizeof(*call));
	if (!json_is_array(batch) || (n = json_array_size(batch)) == 0 ||
	    n > MA_BATCH_MAX)
		return -1;
	if ((call->body = json_dumps(batch, JSON_COMPACT)) == NULL)
		return -1;
	call->len = strlen(call->body);
	call->ncmd = n;
	ma_seq_next(seq);
	memcpy(call->id, seq->id, sizeof(call->id));
	return 0;
}

/* A retry sends the same bytes under the same id: nothing to rebuild. */
void
ma_call_retry(struct ma_call *call)
{
	call->attempt++;
}

void
ma_call_clear(struct ma_call *call)
{
	free(call->body);
	memset(call, 0, sizeof(*call));
}

static int
ok_sid(const char *sid)
{
	return sid == NULL || is_handle(sid, strlen(sid), MA_SID_LEN);
}

int
ma_cs_url(char *buf, size_t len, const struct ma_call *call,
    const char *sid)
{
	int	 n;

	if (!is_handle(call->id, strlen(call->id), MA_REQID_LEN) ||
	    !ok_sid(sid))
		return -1;
	if (sid != NULL)
		n = snprintf(buf, len, "cs?id=%s&sid=%s", call->id, sid);
	else
		n = snprintf(buf, len, "cs?id=%s", call->id);
	return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

int
ma_sc_url(char *buf, size_t len, const char *sn, const char *sid)
{
	int	 n;

	/* ssl=1 asks for an https wait URL (7.3). */
	if (sn == NULL || !is_handle(sn, strlen(sn), MA_SN_LEN) ||
	    !ok_sid(sid))
		return -1;
	if (sid != NULL)
		n = snprintf(buf, len, "sc?sn=%s&sid=%s&ssl=1", sn, sid);
	else
		n = snprintf(buf, len, "sc?sn=%s&ssl=1", sn);
	return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

/* --- cs replies ------------------------------------------------------ */

static json_t *
load(const void *body, size_t len)
{
	if (body == NULL || len == 0 || len > MA_BODY_MAX)
		return NULL;
	return json_loadb(body, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES,
	    NULL);
}

int
ma_batch_parse(struct ma_batch *b, const void *body, size_t len,
    size_t ncmd)
{
	json_t	*root, *v;
	size_t	 i;
	int	 rv;

	memset(b, 0, sizeof(*b));
	if (ncmd == 0 || ncmd > MA_BATCH_MAX ||
	    (root = load(body, len)) == NULL)
		return MA_EBADREPLY;
	/* A bare number or {"err":-N} fails the whole batch (2.1). */
	if (!json_is_array(root)) {
		rv = errform(root);
		json_decref(root);
		return rv == 0 ? MA_EBADREPLY : rv;
	}
	if (json_array_size(root) != ncmd)
		goto bad;
	json_array_foreach(root, i, v) {
		if (json_is_integer(v) || json_is_object(v)) {
			if (errform(v) == MA_EBADREPLY)
				goto bad;
		} else if (!json_is_array(v) && !json_is_string(v))
			goto bad;
	}
	b->root = root;
	b->n = ncmd;
	return 0;
 bad:
	json_decref(root);
	return MA_EBADREPLY;
}

const json_t *
ma_batch_get(const struct ma_batch *b, size_t i)
{
	if (b->root == NULL || i >= b->n)
		return NULL;
	return json_array_get(b->root, i);
}

int
ma_batch_err(const struct ma_batch *b, size_t i)
{
	const json_t	*v;

	if ((v = ma_batch_get(b, i)) == NULL)
		return MA_EBADREPLY;
	return errform(v);
}

void
ma_batch_free(struct ma_batch *b)
{
	json_decref(b->root);
	memset(b, 0, sizeof(*b));
}

int
ma_parse_us0(const json_t *v, struct ma_prelogin *out)
{
	const char	*s;
	size_t		 len;
	int64_t		 ver;
	int		 rv;

	memset(out, 0, sizeof(*out));
	if ((rv = result_object(v)) != 0)
		return rv;
	if (getint(v, "v", 1, 2, &ver) != 1)
		return MA_EBADREPLY;
	out->v = ver;
	if (ver == 2) {
		if ((s = getstr(v, "s", &len)) == NULL ||
		    !is_b64(s, len, 32, 32))
			return MA_EBADREPLY;
		copy(out->s, sizeof(out->s), s, len);
	}
	return 0;
}

int
ma_parse_us(const json_t *v, struct ma_login *out)
{
	const char	*s;
	size_t		 len;
	int		 rv;

	memset(out, 0, sizeof(*out));
	if ((rv = result_object(v)) != 0)
		return rv;
	if ((s = getstr(v, "k", &len)) == NULL || !is_b64(s, len, 16, 16))
		goto bad;
	copy(out->k, sizeof(out->k), s, len);
	if ((s = getstr(v, "u", &len)) != NULL) {
		if (!is_handle(s, len, MA_USER_LEN))
			goto bad;
		copy(out->u, sizeof(out->u), s, len);
	} else if (json_object_get(v, "u") != NULL)
		goto bad;
	/* An RSA account sends csid and privk; one without, tsid (3.4). */
	if ((s = getstr(v, "csid", &len)) != NULL) {
		if (len > MA_CSID_MAX || !is_b64(s, len, 3, MA_CSID_MAX))
			goto bad;
		copy(out->csid, sizeof(out->csid), s, len);
		if ((s = getstr(v, "privk", &len)) == NULL ||
		    len > MA_PRIVK_MAX || !is_b64(s, len, 16, MA_PRIVK_MAX) ||
		    (len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0)) % 16 != 0)
			goto bad;
		copy(out->privk, sizeof(out->privk), s, len);
	} else if ((s = getstr(v, "tsid", &len)) != NULL) {
		if (!is_b64(s, len, 43, 43))
			goto bad;
		copy(out->tsid, sizeof(out->tsid), s, len);
	} else
		goto bad;
	return 0;
 bad:
	memset(out, 0, sizeof(*out));
	return MA_EBADREPLY;
}

int
ma_parse_ug(const json_t *v, struct ma_user *out)
{
	const char	*s;
	size_t		 len;
	int		 rv;

	memset(out, 0, sizeof(*out));
	if ((rv = result_object(v)) != 0)
		return rv;
	if ((s = getstr(v, "u", &len)) == NULL ||
	    !is_handle(s, len, MA_USER_LEN))
		return MA_EBADREPLY;
	copy(out->u, sizeof(out->u), s, len);
	return 0;
}

/*
 * "k" is "<id>:<key>[/<id>:<key>...]" (4.2).  Ours is the entry whose
 * id is me (any entry if me is NULL); an entry with no id is ours too,
 * as the mock stores keys that way.  Keys of other lengths (RSA, from
 * shares) are not ours to use: the node is kept without a key.
 */
static int
node_key(struct ma_node *n, const char *k, size_t klen, const char *me)
{
	const char	*e, *end, *colon, *slash, *key;
	size_t		 elen, keylen, want;

	n->flags |= MA_NODE_NOKEY;
	if (klen > MA_KEYFIELD_MAX || !is_token(k, klen))
		return -1;
	if (n->t != MA_T_FILE && n->t != MA_T_FOLDER)
		return 0;
	want = n->t == MA_T_FILE ? 32 : 16;
	for (e = k, end = k + klen; e < end; e += elen + 1) {
		slash = memchr(e, '/', end - e);
		elen = (slash != NULL ? slash : end) - e;
		colon = memchr(e, ':', elen);
		if (colon != NULL) {
			if (colon == e)
				return -1;
			if (me != NULL && ((size_t)(colon - e) != strlen(me) ||
			    memcmp(e, me, colon - e) != 0))
				continue;
			key = colon + 1;
			keylen = elen - (colon - e) - 1;
		} else {
			key = e;
			keylen = elen;
		}
		if (!is_b64(key, keylen, 1, MA_KEYFIELD_MAX))
			return -1;
		if (is_b64(key, keylen, want, want)) {
			copy(n->k, sizeof(n->k), key, keylen);
			n->flags &= ~MA_NODE_NOKEY;
		}
		return 0;
	}
	return 0;
}

static int
parse_node(const json_t *o, const char *me, struct ma_node *n)
{
	const char	*s;
	size_t		 len;
	int64_t		 i;

	memset(n, 0, sizeof(*n));
	if (!json_is_object(o))
		return -1;
	if ((s = getstr(o, "h", &len)) == NULL ||
	    !is_handle(s, len, MA_HANDLE_LEN))
		return -1;
	copy(n->h, sizeof(n->h), s, len);
	if (getint(o, "t", MA_T_FILE, MA_T_RUBBISH, &i) != 1)
		return -1;
	n->t = i;
	if ((s = getstr(o, "p", &len)) != NULL) {
		if (len != 0 && !is_handle(s, len, MA_HANDLE_LEN))
			return -1;
		copy(n->p, sizeof(n->p), s, len);
	} else if (json_object_get(o, "p") != NULL)
		return -1;
	if ((s = getstr(o, "u", &len)) != NULL) {
		if (!is_handle(s, len, MA_USER_LEN))
			return -1;
		copy(n->u, sizeof(n->u), s, len);
	} else if (json_object_get(o, "u") != NULL)
		return -1;
	/* Someone else's long file name must not hide our drop folder. */
	if ((s = getstr(o, "a", &len)) != NULL) {
		if (len > MA_ATTR_MAX)
			n->flags |= MA_NODE_BIGATTR;
		else if (!is_b64(s, len, 0, MA_ATTR_MAX))
			return -1;
		else
			copy(n->a, sizeof(n->a), s, len);
	} else if (json_object_get(o, "a") != NULL)
		return -1;
	if ((s = getstr(o, "k", &len)) != NULL) {
		if (node_key(n, s, len, me) == -1)
			return -1;
	} else if (json_object_get(o, "k") != NULL)
		return -1;
	else
		n->flags |= MA_NODE_NOKEY;
	if (getint(o, "s", 0, MA_SIZE_MAX, &n->s) == -1 ||
	    getint(o, "ts", 0, MA_TS_MAX, &n->ts) == -1)
		return -1;
	return 0;
}

/* Appends the nodes of array f to out, keeping out->n <= MA_NODES_MAX. */
static int
parse_nodes(const json_t *f, const char *me, struct ma_nodes *out)
{
	struct ma_node	*nv;
	const json_t	*o;
	size_t		 i, n;

	if (!json_is_array(f) || (n = json_array_size(f)) >
	    MA_NODES_MAX - out->n)
		return -1;
	if (n == 0)
		return 0;
	if ((nv = reallocarray(out->v, out->n + n, sizeof(*nv))) == NULL)
		return -1;
	out->v = nv;
	json_array_foreach(f, i, o) {
		if (parse_node(o, me, &out->v[out->n]) == -1)
			return -1;
		out->n++;
	}
	return 0;
}

void
ma_nodes_free(struct ma_nodes *nodes)
{
	free(nodes->v);
	memset(nodes, 0, sizeof(*nodes));
}

static int
ok_me(const char *me)
{
	return me == NULL || is_handle(me, strlen(me), MA_USER_LEN);
}

int
ma_parse_f(const json_t *v, const char *me, struct ma_nodes *out)
{
	const char	*s;
	size_t		 len;
	int		 rv;

	memset(out, 0, sizeof(*out));
	if ((rv = result_object(v)) != 0)
		return rv;
	if (!ok_me(me) || parse_nodes(json_object_get(v, "f"), me, out) == -1)
		goto bad;
	/* The mock sends no sn; then sc cannot be used (9). */
	if ((s = getstr(v, "sn", &len)) != NULL) {
		if (!is_handle(s, len, MA_SN_LEN))
			goto bad;
		copy(out->sn, sizeof(out->sn), s, len);
	} else if (json_object_get(v, "sn") != NULL)
		goto bad;
	return 0;
 bad:
	ma_nodes_free(out);
	return MA_EBADREPLY;
}

int
ma_parse_p(const json_t *v, const char *me, struct ma_nodes *out)
{
	int	 rv;

	memset(out, 0, sizeof(*out));
	if ((rv = result_object(v)) != 0)
		return rv;
	if (!ok_me(me) || parse_nodes(json_object_get(v, "f"), me, out) == -1 ||
	    out->n == 0) {
		ma_nodes_free(out);
		return MA_EBADREPLY;
	}
	return 0;
}

int
ma_parse_u(const json_t *v, struct ma_upload *out)
{
	const char	*s;
	size_t		 len;
	int		 rv;

	memset(out, 0, sizeof(*out));
	if ((rv = result_object(v)) != 0)
		return rv;
	if ((s = getstr(v, "p", &len)) == NULL || !is_url(s, len))
		return MA_EBADREPLY;
	copy(out->p, sizeof(out->p), s, len);
	return 0;
}

int
ma_parse_g(const json_t *v, struct ma_download *out)
{
	const char	*s;
	size_t		 len;
	int64_t		 e;
	int		 rv;

	memset(out, 0, sizeof(*out));
	out->tl = -1;
	if ((rv = result_object(v)) != 0)
		return rv;
	/* "e" marks a file that is unavailable or taken down (6). */
	if ((rv = getint(v, "e", MA_ERRCODE_MIN, 0, &e)) == -1)
		goto bad;
	if (rv == 1 && e < 0) {
		memset(out, 0, sizeof(*out));
		return (int)e;
	}
	if (getint(v, "s", 0, MA_SIZE_MAX, &out->s) != 1 ||
	    getint(v, "tl", 0, MA_TS_MAX, &out->tl) == -1)
		goto bad;
	if ((s = getstr(v, "at", &len)) != NULL) {
		if (len > MA_ATTR_MAX || !is_b64(s, len, 0, MA_ATTR_MAX))
			goto bad;
		copy(out->at, sizeof(out->at), s, len);
	} else if (json_object_get(v, "at") != NULL)
		goto bad;
	/* An array of URLs (CloudRAID) only comes with v:2, never sent. */
	if ((s = getstr(v, "g", &len)) == NULL || !is_url(s, len))
		goto bad;
	copy(out->g, sizeof(out->g), s, len);
	return 0;
 bad:
	memset(out, 0, sizeof(*out));
	return MA_EBADREPLY;
}

int
ma_parse_d(const json_t *v)
{
	int	 rv;

	if (v == NULL)
		return MA_EBADREPLY;
	if ((rv = errform(v)) != 0)
		return rv;
	if (json_is_integer(v))
		return 0;
	/* The mock answers {} (9). */
	if (json_is_object(v) && json_object_size(v) == 0)
		return 0;
	return MA_EBADREPLY;
}

/* --- sc replies ------------------------------------------------------ */

static int
parse_packet(const json_t *o, const char *me, struct ma_sc *sc)
{
	struct ma_packet	*p = &sc->pkt[sc->npkt];
	const char		*s, *type;
	size_t			 len, tlen;
	int64_t			 m = 0;
	json_t			*t;

	memset(p, 0, sizeof(*p));
	if (!json_is_object(o) || (type = getstr(o, "a", &tlen)) == NULL)
		return -1;
	/* Unknown packet kinds (shares, contacts, ...) are skipped (7.5). */
	if (tlen != 1 || strchr("tdu", type[0]) == NULL)
		return 0;
	if ((s = getstr(o, "i", &len)) != NULL && len <= MA_CLIENTID_MAX &&
	    is_token(s, len))
		copy(p->i, sizeof(p->i), s, len);
	if ((s = getstr(o, "ou", &len)) != NULL) {
		if (!is_handle(s, len, MA_USER_LEN))
			return -1;
		copy(p->ou, sizeof(p->ou), s, len);
	}
	switch (type[0]) {
	case 't':
		p->type = MA_PKT_T;
		p->node0 = sc->nodes.n;
		if ((t = json_object_get(o, "t")) == NULL ||
		    !json_is_object(t) ||
		    parse_nodes(json_object_get(t, "f"), me, &sc->nodes) == -1)
			return -1;
		p->nnodes = sc->nodes.n - p->node0;
		break;
	case 'd':
		p->type = MA_PKT_D;
		if (getint(o, "m", 0, 1, &m) == -1)
			return -1;
		p->move = m == 1;
		break;
	case 'u':
		p->type = MA_PKT_U;
		if ((s = getstr(o, "u", &len)) != NULL) {
			if (!is_handle(s, len, MA_USER_LEN))
				return -1;
			copy(p->u, sizeof(p->u), s, len);
		}
		if ((s = getstr(o, "at", &len)) == NULL ||
		    len > MA_ATTR_MAX || !is_b64(s, len, 1, MA_ATTR_MAX))
			return -1;
		copy(p->at, sizeof(p->at), s, len);
		if (getint(o, "ts", 0, MA_TS_MAX, &p->ts) == -1)
			return -1;
		break;
	}
	if (p->type != MA_PKT_T) {
		if ((s = getstr(o, "n", &len)) == NULL ||
		    !is_handle(s, len, MA_HANDLE_LEN))
			return -1;
		copy(p->n, sizeof(p->n), s, len);
	}
	sc->npkt++;
	return 0;
}

int
ma_parse_sc(const void *body, size_t len, const char *me, struct ma_sc *sc)
{
	json_t		*root, *a, *o;
	const char	*s;
	size_t		 i, slen, n;
	int		 rv = MA_EBADREPLY;

	memset(sc, 0, sizeof(*sc));
	if (!ok_me(me) || (root = load(body, len)) == NULL)
		return MA_EBADREPLY;
	if ((rv = errform(root)) != 0 || !json_is_object(root)) {
		json_decref(root);
		return rv != 0 ? rv : MA_EBADREPLY;
	}
	rv = MA_EBADREPLY;
	if ((a = json_object_get(root, "a")) != NULL) {
		if (!json_is_array(a) ||
		    (n = json_array_size(a)) > MA_PACKETS_MAX ||
		    (s = getstr(root, "sn", &slen)) == NULL ||
		    !is_handle(s, slen, MA_SN_LEN))
			goto done;
		copy(sc->sn, sizeof(sc->sn), s, slen);
		if (n > 0 && (sc->pkt = calloc(n, sizeof(*sc->pkt))) == NULL)
			goto done;
		json_array_foreach(a, i, o)
			if (parse_packet(o, me, sc) == -1)
				goto done;
		sc->kind = MA_SC_PACKETS;
	} else if ((s = getstr(root, "w", &slen)) != NULL) {
		if (!is_url(s, slen))
			goto done;
		copy(sc->w, sizeof(sc->w), s, slen);
		sc->kind = MA_SC_WAIT;
	} else
		goto done;
	rv = 0;
 done:
	json_decref(root);
	if (rv != 0)
		ma_sc_free(sc);
	return rv;
}

void
ma_sc_free(struct ma_sc *sc)
{
	free(sc->pkt);
	ma_nodes_free(&sc->nodes);
	memset(sc, 0, sizeof(*sc));
}

/* --- retry policy ---------------------------------------------------- */

/* HTTP outcomes, in the same space as MEGA codes for the table. */
#define R_TRANSPORT	(-2000)
#define R_HTTP5XX	(-2001)
#define R_HTTP429	(-2002)
#define R_HTTP402	(-2003)
#define R_HTTP509	(-2004)
#define R_HTTPOTHER	(-2005)
#define R_ANY		(-9999)

#define D_NONE		0
#define D_BACKOFF	1	/* 1 s doubling to 10 min, +0..50 % */
#define D_LOGIN		2	/* now, then 1 min doubling to 1 h */
#define D_QUOTA		3	/* 1 h */
#define D_RATE		4	/* 1 s doubling to 30 s, +0..50 % */

/* First match wins; ctx 0 matches every context. */
static const struct {
	int		 code;
	int		 ctx;
	int		 action;
	int		 delay;
	const char	*why;
} rules[] = {
	{ R_TRANSPORT, 0, MA_ACT_RETRY, D_BACKOFF,
	    "transport error or timeout" },
	{ R_HTTP5XX, 0, MA_ACT_RETRY, D_BACKOFF, "server error (HTTP 5xx)" },
	{ R_HTTP429, 0, MA_ACT_RETRY, D_RATE,
	    "too many requests (HTTP 429)" },
	{ R_HTTP402, 0, MA_ACT_HASHCASH, D_NONE,
	    "proof of work demanded (HTTP 402)" },
	{ R_HTTP509, 0, MA_ACT_QUOTA, D_QUOTA,
	    "transfer quota exceeded (HTTP 509)" },
	{ R_HTTPOTHER, 0, MA_ACT_FAIL, D_NONE, "unexpected HTTP status" },
	{ MA_EBADREPLY, 0, MA_ACT_RETRY, D_BACKOFF,
	    "malformed reply from the MEGA API" },
	{ MA_EAGAIN, 0, MA_ACT_RETRY, D_BACKOFF, NULL },
	{ MA_ERATELIMIT, 0, MA_ACT_RETRY, D_RATE, NULL },
	{ MA_ETEMPUNAVAIL, 0, MA_ACT_RETRY, D_BACKOFF, NULL },
	{ MA_ETOOMANYCONN, 0, MA_ACT_RETRY, D_BACKOFF, NULL },
	{ MA_ESID, MA_CTX_CS, MA_ACT_RELOGIN, D_LOGIN, NULL },
	{ MA_ESID, MA_CTX_SC, MA_ACT_RELOGIN, D_LOGIN, NULL },
	{ MA_ETOOMANY, MA_CTX_SC, MA_ACT_RELOAD, D_NONE,
	    "too many pending updates: reload with f" },
	{ MA_ETOOMANY, MA_CTX_LOGIN, MA_ACT_RETRY, D_QUOTA,
	    "too many logins: waiting" },
	{ MA_ENOENT, MA_CTX_LOGIN, MA_ACT_FAIL, D_NONE,
	    "wrong e-mail or password" },
	{ MA_EBLOCKED, 0, MA_ACT_STOP, D_NONE, NULL },
	{ MA_EOVERQUOTA, 0, MA_ACT_QUOTA, D_QUOTA, NULL },
	{ MA_EGOINGOVERQUOTA, 0, MA_ACT_QUOTA, D_QUOTA, NULL },
	{ MA_EPAYWALL, 0, MA_ACT_QUOTA, D_QUOTA, NULL },
	{ R_ANY, 0, MA_ACT_FAIL, D_NONE, NULL },
};

/* base << attempt, capped, plus up to half of it as jitter. */
static unsigned int
backoff(unsigned int base, unsigned int cap, unsigned int attempt,
    uint32_t rnd)
{
	uint64_t	 d = base;

	while (attempt-- > 0 && d < cap)
		d *= 2;
	if (d > cap)
		d = cap;
	return (unsigned int)(d + rnd % (d / 2 + 1));
}

void
ma_retry(struct ma_retry *r, int ctx, long http, int code,
    unsigned int attempt, uint32_t rnd)
{
	size_t	 i;

	if (http == 0)
		code = R_TRANSPORT;
	else if (http >= 500 && http != 509)
		code = R_HTTP5XX;
	else if (http == 429)
		code = R_HTTP429;
	else if (http == 402)
		code = R_HTTP402;
	else if (http == 509)
		code = R_HTTP509;
	else if (http != 200)
		code = R_HTTPOTHER;
	for (i = 0; rules[i].code != R_ANY; i++)
		if (rules[i].code == code &&
		    (rules[i].ctx == 0 || rules[i].ctx == ctx))
			break;
	r->action = rules[i].action;
	r->why = rules[i].why != NULL ? rules[i].why : ma_strerror(code);
	switch (rules[i].delay) {
	case D_BACKOFF:
		r->delay_ms = backoff(MA_BACKOFF_MIN_MS, MA_BACKOFF_MAX_MS,
		    attempt, rnd);
		break;
	case D_LOGIN:
		/* One re-login at once; a session that keeps dying waits. */
		r->delay_ms = attempt == 0 ? 0 : backoff(MA_LOGIN_MIN_MS,
		    MA_LOGIN_MAX_MS, attempt - 1, rnd);
		break;
	case D_QUOTA:
		r->delay_ms = MA_QUOTA_MS;
		break;
	case D_RATE:
		r->delay_ms = backoff(MA_BACKOFF_MIN_MS, MA_RATE_MAX_MS,
		    attempt, rnd);
		break;
	default:
		r->delay_ms = 0;
		break;
	}
	if (r->action == MA_ACT_HASHCASH && attempt >= MA_HASHCASH_MAX) {
		r->action = MA_ACT_FAIL;
		r->why = "proof of work refused too often (HTTP 402)";
	}
}
