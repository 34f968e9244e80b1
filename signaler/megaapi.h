/*
 * The MEGA API's JSON, both ways, with no I/O: request builders that
 * append one command object to a batch, the request sequence id, reply
 * parsers into fixed-size structs, and the retry policy.  This is the
 * only place where MEGA's JSON is parsed (jansson), so it can be fuzzed
 * on its own.  Section numbers refer to docs/megaproto.md;
 * docs/megaapi.md has the limits and the retry table.
 *
 * Reply parsers return 0 on success, a negative MEGA error code when the
 * server answered one (-3, -9, ...), or MA_EBADREPLY when the reply is
 * malformed or exceeds a limit.  Builders return 0 or -1.
 */

#ifndef CLAWD_MEGAAPI_H
#define CLAWD_MEGAAPI_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define MA_HANDLE_LEN		8	/* node handle, 6 bytes */
#define MA_USER_LEN		11	/* user handle, 8 bytes */
#define MA_SN_LEN		11	/* sc sequence number, 8 bytes */
#define MA_SID_LEN		58	/* session id, 43 bytes */
#define MA_REQID_LEN		10	/* cs ?id=, ten letters */
#define MA_CLIENTID_MAX		16	/* "i" on writes and packets */
#define MA_KEY16_LEN		22	/* folder key / MK, 16 bytes */
#define MA_KEY32_LEN		43	/* file key K, 32 bytes */
#define MA_SALT_LEN		43	/* v2 salt, 32 bytes */
#define MA_ATTR_MAX		1408	/* base64url of an attribute blob */
#define MA_KEYFIELD_MAX		4096	/* a node's whole "k" field */
#define MA_CSID_MAX		1024	/* csid MPI, up to RSA-4096 */
#define MA_PRIVK_MAX		2048	/* privk, up to RSA-4096 */
#define MA_TOKEN_MAX		64	/* upload token, 48 bytes today */
#define MA_URL_MAX		512
#define MA_EMAIL_MAX		254
#define MA_NODES_MAX		10000	/* nodes in one f, p or sc reply */
#define MA_PACKETS_MAX		10000	/* action packets in one sc reply */
#define MA_BATCH_MAX		64	/* commands in one cs batch */
#define MA_BODY_MAX		(32 * 1024 * 1024)
#define MA_SIZE_MAX		(1LL << 53)	/* file sizes, as JSON allows */
#define MA_TS_MAX		(1LL << 40)

/* Not a MEGA code: the reply was not what the protocol allows. */
#define MA_EBADREPLY		(-1000)

/* MEGA error codes used by the policy (section 2.2). */
#define MA_EINTERNAL		(-1)
#define MA_EARGS		(-2)
#define MA_EAGAIN		(-3)
#define MA_ERATELIMIT		(-4)
#define MA_EFAILED		(-5)
#define MA_ETOOMANY		(-6)
#define MA_ERANGE		(-7)
#define MA_EEXPIRED		(-8)
#define MA_ENOENT		(-9)
#define MA_EACCESS		(-11)
#define MA_EKEY			(-14)
#define MA_ESID			(-15)
#define MA_EBLOCKED		(-16)
#define MA_EOVERQUOTA		(-17)
#define MA_ETEMPUNAVAIL		(-18)
#define MA_ETOOMANYCONN		(-19)
#define MA_EGOINGOVERQUOTA	(-24)
#define MA_EMFAREQUIRED		(-26)
#define MA_EPAYWALL		(-29)

const char	*ma_strerror(int);

/* Node types (section 4.1). */
#define MA_T_FILE	0
#define MA_T_FOLDER	1
#define MA_T_ROOT	2
#define MA_T_VAULT	3
#define MA_T_RUBBISH	4

/* ma_node flags */
#define MA_NODE_NOKEY	0x01	/* no usable key of ours in "k" */
#define MA_NODE_BIGATTR	0x02	/* "a" over MA_ATTR_MAX; left empty */

struct ma_node {
	char		h[MA_HANDLE_LEN + 1];
	char		p[MA_HANDLE_LEN + 1];	/* "" for the roots */
	char		u[MA_USER_LEN + 1];	/* "" if absent */
	int		t;
	int		flags;
	int64_t		s;			/* files only, else 0 */
	int64_t		ts;
	char		a[MA_ATTR_MAX + 1];	/* base64url, may be "" */
	char		k[MA_KEY32_LEN + 1];	/* our key, base64url */
};

/* The reply of f, or the "f" array of a p reply. */
struct ma_nodes {
	struct ma_node	*v;
	size_t		 n;
	char		 sn[MA_SN_LEN + 1];	/* "" if absent */
};
void	ma_nodes_free(struct ma_nodes *);

/* A cs batch: a json_t array of command objects. */
json_t	*ma_batch_new(void);
int	 ma_req_us0(json_t *, const char *);
int	 ma_req_us(json_t *, const char *, const char *);
int	 ma_req_ug(json_t *);
int	 ma_req_f(json_t *);
int	 ma_req_p_folder(json_t *, const char *, const char *,
	    const char *, const char *);
int	 ma_req_p_file(json_t *, const char *, const char *, const char *,
	    const char *, const char *);
int	 ma_req_u(json_t *, int64_t);
int	 ma_req_g(json_t *, const char *);
int	 ma_req_d(json_t *, const char *, const char *);

/*
 * One cs call: the bytes and the id, kept unchanged across retries of
 * the same batch so that the server applies a write once (2.1).
 */
struct ma_seq {
	char		id[MA_REQID_LEN + 1];
};
void	ma_seq_init(struct ma_seq *, const uint8_t [MA_REQID_LEN]);
void	ma_seq_next(struct ma_seq *);

struct ma_call {
	char		 id[MA_REQID_LEN + 1];
	char		*body;
	size_t		 len;
	size_t		 ncmd;
	unsigned int	 attempt;
};
int	ma_call_start(struct ma_call *, struct ma_seq *, const json_t *);
void	ma_call_retry(struct ma_call *);
void	ma_call_clear(struct ma_call *);
/* URL suffixes for https_post(): cs?id=..[&sid=..], sc?sn=..[&sid=..]. */
int	ma_cs_url(char *, size_t, const struct ma_call *, const char *);
int	ma_sc_url(char *, size_t, const char *, const char *);

/* A cs reply split into per-command results. */
struct ma_batch {
	json_t		*root;
	size_t		 n;
};
int	ma_batch_parse(struct ma_batch *, const void *, size_t, size_t);
/* 0 if result i is a success, else its (negative) error code. */
int	ma_batch_err(const struct ma_batch *, size_t);
const json_t *ma_batch_get(const struct ma_batch *, size_t);
void	ma_batch_free(struct ma_batch *);

/* Typed results; the json_t is one element of a parsed batch. */
struct ma_prelogin {
	int		v;			/* 1 or 2 */
	char		s[MA_SALT_LEN + 1];	/* v2 salt */
};
struct ma_login {
	char		k[MA_KEY16_LEN + 1];
	char		privk[MA_PRIVK_MAX + 1];	/* "" with tsid */
	char		csid[MA_CSID_MAX + 1];		/* "" with tsid */
	char		tsid[MA_SID_LEN + 1];
	char		u[MA_USER_LEN + 1];		/* "" if absent */
};
struct ma_user {
	char		u[MA_USER_LEN + 1];
};
struct ma_upload {
	char		p[MA_URL_MAX + 1];
};
struct ma_download {
	int64_t		s;
	int64_t		tl;			/* -1 if absent */
	int		e;			/* 0 if absent */
	char		at[MA_ATTR_MAX + 1];
	char		g[MA_URL_MAX + 1];
};

int	ma_parse_us0(const json_t *, struct ma_prelogin *);
int	ma_parse_us(const json_t *, struct ma_login *);
int	ma_parse_ug(const json_t *, struct ma_user *);
/* The user handle picks our entry in "k"; NULL takes the first. */
int	ma_parse_f(const json_t *, const char *, struct ma_nodes *);
int	ma_parse_p(const json_t *, const char *, struct ma_nodes *);
int	ma_parse_u(const json_t *, struct ma_upload *);
int	ma_parse_g(const json_t *, struct ma_download *);
int	ma_parse_d(const json_t *);

/* sc replies (section 7). */
#define MA_SC_PACKETS	1
#define MA_SC_WAIT	2

#define MA_PKT_T	1	/* new nodes */
#define MA_PKT_D	2	/* deletion */
#define MA_PKT_U	3	/* attribute update */

struct ma_packet {
	int		type;
	int		move;			/* d with m:1 */
	char		i[MA_CLIENTID_MAX + 1];	/* "" if absent */
	char		ou[MA_USER_LEN + 1];	/* "" if absent */
	char		n[MA_HANDLE_LEN + 1];	/* d, u */
	char		u[MA_USER_LEN + 1];	/* u */
	char		at[MA_ATTR_MAX + 1];	/* u */
	int64_t		ts;			/* u */
	size_t		node0, nnodes;		/* t: slice of nodes.v */
};
struct ma_sc {
	int		 kind;
	char		 sn[MA_SN_LEN + 1];
	char		 w[MA_URL_MAX + 1];
	struct ma_packet *pkt;
	size_t		 npkt;
	struct ma_nodes	 nodes;
};
int	ma_parse_sc(const void *, size_t, const char *, struct ma_sc *);
void	ma_sc_free(struct ma_sc *);

/* Retry policy (section 2.3); the table is in megaapi.c. */
#define MA_CTX_CS	1	/* a cs batch or one of its commands */
#define MA_CTX_LOGIN	2	/* us0, us */
#define MA_CTX_SC	3	/* the sc poll */

#define MA_ACT_RETRY	1	/* resend the same call after delay_ms */
#define MA_ACT_RELOGIN	2	/* session gone: log in after delay_ms */
#define MA_ACT_RELOAD	3	/* sc history gone: send f, new sn */
#define MA_ACT_HASHCASH	4	/* solve X-Hashcash, resend */
#define MA_ACT_QUOTA	5	/* quota: alert, retry after delay_ms */
#define MA_ACT_STOP	6	/* account blocked: alert, stop */
#define MA_ACT_FAIL	7	/* permanent: give up this call */

#define MA_BACKOFF_MIN_MS	1000
#define MA_BACKOFF_MAX_MS	600000	/* 10 min, the SDK's cap */
/*
 * -4 is a quota of requests per time: on an account many clients share
 * it is the normal state under load, and a client silent for minutes
 * misses its peer's five-minute offer.  Its base stops at 30 s.
 */
#define MA_RATE_MAX_MS		30000
#define MA_LOGIN_MIN_MS		60000	/* floor between logins */
#define MA_LOGIN_MAX_MS		3600000
#define MA_QUOTA_MS		3600000
#define MA_HASHCASH_MAX		3

struct ma_retry {
	int		 action;
	unsigned int	 delay_ms;
	const char	*why;
};
/*
 * http: the HTTP status, 0 for a transport error or timeout; with 200,
 * code is the MEGA error (or MA_EBADREPLY).  attempt counts failures
 * of this call from 0; rnd is a random value for the jitter.
 */
void	ma_retry(struct ma_retry *, int, long, int, unsigned int, uint32_t);

#endif /* CLAWD_MEGAAPI_H */
