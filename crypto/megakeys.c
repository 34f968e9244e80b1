/*
 * The MEGA account's secrets, held by the crypto process only: the
 * password (from the credentials file the parent hands over as a
 * descriptor), the password key, the master key MK and, briefly, the
 * RSA key.  The signaler speaks the API and asks for each operation;
 * it only ever gets the session id and per-request results.
 *
 * Everything the signaler sends is hostile: strings are checked for
 * their NUL, base64url is decoded strictly, lengths are exact, and any
 * failure is an error reply, never a crash.  A request that needs MK
 * before a login or a resume gets error replies.
 */

#include <sys/types.h>
#include <sys/mman.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "clawd.h"
#include "clawd_imsg.h"
#include "log.h"
#include "proc.h"
#include "b64url.h"
#include "megacrypto.h"
#include "megasess.h"
#include "crypto.h"

/* The node types of the API's "t" field (docs/megaproto.md 4.1). */
#define NODE_T_FILE	0
#define NODE_T_FOLDER	1

/* privk and csid as base64url fit these once decoded. */
#define PRIVK_MAX	(sizeof(((struct imsg_mega_login *)0)->privk) / 4 * 3)
#define CSID_MAX	(sizeof(((struct imsg_mega_login *)0)->csid) / 4 * 3)
/* Attributes as base64url, decoded. */
#define ATTR_BIN_MAX	((MEGA_ATTR_MAX - 1) / 4 * 3)

/* Lives in one locked page that never reaches swap or a core file. */
struct megakeys {
	struct mega_cred	 cred;
	struct mega_session	 sess;		/* MK, sid, u */
	uint8_t			 pk[MC_KEY_LEN];	/* password key */
	int			 have_cred;
	int			 have_pk;
	int			 have_mk;
	int			 want_load;	/* CRED_FD seen, no LOAD yet */
};

static struct megakeys	*mk;

/* Scratch for file data, also locked: plaintext offers pass here. */
struct megabuf {
	uint8_t			 in[DROP_FILE_MAX];
	uint8_t			 out[DROP_FILE_MAX];
};

static struct megabuf	*mb;

static void	*locked_alloc(size_t);

static void *
locked_alloc(size_t len)
{
	void	*p;

	if ((p = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) == MAP_FAILED)
		fatal("mmap");
	(void)mlock(p, len);
	(void)madvise(p, len, MADV_DONTDUMP);
	return p;
}

void
megakeys_init(void)
{
	mk = locked_alloc(sizeof(*mk));
	mb = locked_alloc(sizeof(*mb));
	/* Fetch every algorithm while the file system is still there. */
	if (megasess_init() == -1)
		fatalx("cannot initialise OpenSSL for MEGA");
}

void
megakeys_clear(void)
{
	if (mk != NULL)
		mc_wipe(mk, sizeof(*mk));
	if (mb != NULL)
		mc_wipe(mb, sizeof(*mb));
}

/* A string field must end inside its field; anything else is refused. */
static int
field_ok(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static int
b64_field(uint8_t *out, size_t cap, size_t *outlen, const char *s,
    size_t size)
{
	if (!field_ok(s, size))
		return -1;
	return b64url_decode(out, cap, outlen, s, strlen(s));
}

static void
send_session(uint32_t result, const char *err)
{
	struct imsg_mega_session	 ms;

	memset(&ms, 0, sizeof(ms));
	ms.result = result;
	if (result == MEGA_LOGIN_OK) {
		strlcpy(ms.sid, mk->sess.sid, sizeof(ms.sid));
		strlcpy(ms.u, mk->sess.u, sizeof(ms.u));
	} else
		strlcpy(ms.err, err, sizeof(ms.err));
	proc_child_compose(PROC_SIGNALER, IMSG_MEGA_SESSION, 0, 0, -1, &ms,
	    sizeof(ms));
	mc_wipe(&ms, sizeof(ms));
}

static void
send_account(void)
{
	struct imsg_mega_account	 ma;

	memset(&ma, 0, sizeof(ma));
	strlcpy(ma.email, mk->cred.email, sizeof(ma.email));
	if (mk->have_mk) {
		strlcpy(ma.sid, mk->sess.sid, sizeof(ma.sid));
		strlcpy(ma.u, mk->sess.u, sizeof(ma.u));
	}
	proc_child_compose(PROC_SIGNALER, IMSG_MEGA_ACCOUNT, 0, 0, -1, &ma,
	    sizeof(ma));
	mc_wipe(&ma, sizeof(ma));
}

/* Forget the password key, and the session too if it failed. */
static void
forget(int session)
{
	mc_wipe(mk->pk, sizeof(mk->pk));
	mk->have_pk = 0;
	if (session) {
		megasess_clear(&mk->sess);
		mk->have_mk = 0;
	}
}

/*
 * New credentials: everything derived from the old ones goes.  The
 * parent checked the file's owner and mode; its contents are ours to
 * judge, and bad contents leave the account unusable, not the daemon.
 */
void
megakeys_cred_fd(int fd)
{
	char		 buf[MEGA_CRED_FILE_MAX + 1];
	const char	*errstr;
	size_t		 len = 0;
	ssize_t		 n;

	mc_wipe(mk, sizeof(*mk));
	mk->want_load = 1;
	for (;;) {
		n = read(fd, buf + len, sizeof(buf) - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
		if (len == sizeof(buf))
			break;
	}
	close(fd);
	if (n == -1)
		log_warn("mega credentials: read");
	else if (len > MEGA_CRED_FILE_MAX)
		log_warnx("mega credentials: file larger than %d bytes",
		    MEGA_CRED_FILE_MAX);
	else if (megasess_cred_parse(&mk->cred, buf, len, &errstr) == -1)
		log_warnx("mega credentials: %s", errstr);
	else {
		mk->have_cred = 1;
		log_debug("mega credentials loaded for %s", mk->cred.email);
	}
	mc_wipe(buf, sizeof(buf));
}

/* The saved session, if any: resume it rather than log in again. */
void
megakeys_session_load(struct imsg *imsg)
{
	struct ibuf	 ib;
	size_t		 len;

	if (!mk->want_load)
		fatalx("MEGA_SESSION_LOAD without MEGA_CRED_FD");
	mk->want_load = 0;
	if (!mk->have_cred) {
		send_session(MEGA_LOGIN_NOCRED,
		    "no usable credentials (see the log)");
		return;
	}
	(void)imsg_get_ibuf(imsg, &ib);
	len = ibuf_size(&ib);
	if (len > 0) {
		if (megasess_open(&mk->sess, &mk->cred, ibuf_data(&ib),
		    len) == 0) {
			mk->have_mk = 1;
			log_debug("mega: saved session restored");
		} else
			log_info("mega: the saved session is unusable "
			    "(other credentials?); a login is needed");
	}
	send_account();
}

static void
prelogin_fail(uint32_t result, const char *err)
{
	forget(0);
	send_session(result, err);
}

void
megakeys_prelogin(struct imsg *imsg)
{
	struct imsg_mega_prelogin	 pl;
	struct imsg_mega_uh		 uh;
	uint8_t				 salt[MC_V2_SALT_LEN];
	char				 h[MC_UH_MAX];
	size_t				 saltlen;
	int				 rv;

	if (imsg_get_data(imsg, &pl, sizeof(pl)) == -1)
		fatalx("bad MEGA_PRELOGIN");
	forget(0);
	if (!mk->have_cred) {
		send_session(MEGA_LOGIN_NOCRED, "no usable credentials");
		return;
	}
	switch (pl.v) {
	case 1:
		rv = mc_v1_password_key(mk->pk, mk->cred.password,
		    mk->cred.passlen);
		if (rv == 0)
			rv = mc_v1_user_hash(h, mk->pk, mk->cred.email,
			    strlen(mk->cred.email));
		break;
	case 2:
		if (b64_field(salt, sizeof(salt), &saltlen, pl.salt,
		    sizeof(pl.salt)) == -1 || saltlen != sizeof(salt)) {
			prelogin_fail(MEGA_LOGIN_BADREPLY,
			    "prelogin: bad v2 salt");
			return;
		}
		rv = mc_v2_derive(mk->pk, h, mk->cred.password,
		    mk->cred.passlen, salt, saltlen);
		break;
	default:
		prelogin_fail(MEGA_LOGIN_BADREPLY,
		    "prelogin: unknown account version");
		return;
	}
	if (rv == -1) {
		prelogin_fail(MEGA_LOGIN_BADREPLY,
		    "prelogin: cannot derive the password key");
		return;
	}
	mk->have_pk = 1;
	memset(&uh, 0, sizeof(uh));
	strlcpy(uh.uh, h, sizeof(uh.uh));
	proc_child_compose(PROC_SIGNALER, IMSG_MEGA_UH, 0, 0, -1, &uh,
	    sizeof(uh));
}

static void
session_save(void)
{
	uint8_t		 blob[MEGA_SESSION_MAX];
	size_t		 len;

	if (megasess_seal(blob, sizeof(blob), &len, &mk->cred,
	    &mk->sess) == -1) {
		log_warnx("mega: cannot seal the session; a restart will "
		    "log in again");
		return;
	}
	proc_child_compose(PROC_PARENT, IMSG_MEGA_SESSION_SAVE, 0, 0, -1,
	    blob, len);
}

static void
login_fail(uint32_t result, const char *err)
{
	forget(1);
	log_warnx("mega login: %s", err);
	send_session(result, err);
}

void
megakeys_login(struct imsg *imsg)
{
	struct imsg_mega_login	*ml;
	struct mc_rsa		*rsa = NULL;
	uint8_t			 k[MC_KEY_LEN], *buf = NULL;
	char			 sid[MC_SID_LEN + 1];
	size_t			 klen, privklen, csidlen, ulen = 0;

	/* Too large for the stack with everything else. */
	if ((ml = calloc(1, sizeof(*ml))) == NULL)
		fatal("calloc");
	if (imsg_get_data(imsg, ml, sizeof(*ml)) == -1)
		fatalx("bad MEGA_LOGIN");
	if (!mk->have_cred) {
		send_session(MEGA_LOGIN_NOCRED, "no usable credentials");
		goto done;
	}
	if (!mk->have_pk) {
		login_fail(MEGA_LOGIN_BADREPLY, "login without prelogin");
		goto done;
	}
	megasess_clear(&mk->sess);
	mk->have_mk = 0;
	if (!field_ok(ml->privk, sizeof(ml->privk)) ||
	    !field_ok(ml->csid, sizeof(ml->csid)) ||
	    !field_ok(ml->tsid, sizeof(ml->tsid)) ||
	    !field_ok(ml->u, sizeof(ml->u)) ||
	    ((ulen = strlen(ml->u)) != 0 && ulen != MC_HANDLE_B64_LEN)) {
		login_fail(MEGA_LOGIN_BADREPLY, "malformed login reply");
		goto done;
	}
	if (b64_field(k, sizeof(k), &klen, ml->k, sizeof(ml->k)) == -1 ||
	    klen != sizeof(k) ||
	    mc_master_key(mk->sess.mk, mk->pk, k, klen) == -1) {
		login_fail(MEGA_LOGIN_BADREPLY, "bad master key in the reply");
		goto done;
	}
	forget(0);	/* the password key has done its work */

	if (ml->csid[0] != '\0') {
		if ((buf = malloc(PRIVK_MAX)) == NULL)
			fatal("malloc");
		if (b64url_decode(buf, PRIVK_MAX, &privklen, ml->privk,
		    strlen(ml->privk)) == -1) {
			login_fail(MEGA_LOGIN_BADREPLY,
			    "bad private key in the reply");
			goto done;
		}
		/* The one place a wrong password shows: MK is garbage. */
		rsa = mc_rsa_from_privk(mk->sess.mk, buf, privklen);
		mc_wipe(buf, PRIVK_MAX);
		if (rsa == NULL) {
			login_fail(MEGA_LOGIN_BADPASS, "wrong password");
			goto done;
		}
		if (b64url_decode(buf, CSID_MAX, &csidlen, ml->csid,
		    strlen(ml->csid)) == -1 ||
		    mc_sid_from_csid(sid, rsa, buf, csidlen,
		    ulen ? ml->u : NULL) == -1) {
			login_fail(MEGA_LOGIN_BADREPLY,
			    "bad session id in the reply");
			goto done;
		}
	} else if (ml->tsid[0] != '\0') {
		if (mc_sid_from_tsid(sid, mk->sess.mk, ml->tsid,
		    strlen(ml->tsid)) == -1) {
			login_fail(MEGA_LOGIN_BADPASS, "wrong password");
			goto done;
		}
	} else {
		login_fail(MEGA_LOGIN_BADREPLY, "no session id in the reply");
		goto done;
	}
	strlcpy(mk->sess.sid, sid, sizeof(mk->sess.sid));
	strlcpy(mk->sess.u, ml->u, sizeof(mk->sess.u));
	mk->have_mk = 1;
	log_info("mega: logged in as %s", mk->cred.email);
	send_session(MEGA_LOGIN_OK, NULL);
	session_save();
 done:
	/* The RSA key is needed for the sid only: freed at once. */
	mc_rsa_free(rsa);
	if (buf != NULL) {
		mc_wipe(buf, PRIVK_MAX);
		free(buf);
	}
	forget(0);
	mc_wipe(k, sizeof(k));
	mc_wipe(sid, sizeof(sid));
	mc_wipe(ml, sizeof(*ml));
	free(ml);
}

void
megakeys_node_open(struct imsg *imsg)
{
	struct imsg_mega_node		 mn;
	struct imsg_mega_node_attr	 na;
	uint8_t				 key[MC_NODEKEY_LEN];
	uint8_t				 enc[MC_NODEKEY_LEN];
	uint8_t				 attr[ATTR_BIN_MAX];
	uint8_t				 akey[MC_KEY_LEN];
	uint8_t				 n[MC_NONCE_LEN], m[MC_MAC_LEN];
	size_t				 klen, alen, want;

	if (imsg_get_data(imsg, &mn, sizeof(mn)) == -1)
		fatalx("bad MEGA_NODE_OPEN");
	memset(&na, 0, sizeof(na));
	na.seq = mn.seq;
	na.error = -1;
	if (field_ok(mn.h, sizeof(mn.h)))
		strlcpy(na.h, mn.h, sizeof(na.h));
	if (!mk->have_mk)
		goto reply;
	if (mn.t == NODE_T_FOLDER)
		want = MC_KEY_LEN;
	else if (mn.t == NODE_T_FILE)
		want = MC_NODEKEY_LEN;
	else
		goto reply;
	if (b64_field(enc, sizeof(enc), &klen, mn.k, sizeof(mn.k)) == -1 ||
	    klen != want ||
	    mc_node_key_unwrap(key, mk->sess.mk, enc, klen) == -1)
		goto reply;
	if (mn.t == NODE_T_FOLDER)
		memcpy(akey, key, MC_KEY_LEN);
	else
		mc_file_key_unpack(akey, n, m, key);
	/* Decryption checks the MEGA{ prefix; the signaler parses JSON. */
	if (b64_field(attr, sizeof(attr), &alen, mn.a, sizeof(mn.a)) == -1 ||
	    mc_attr_decrypt(na.json, sizeof(na.json), akey, attr,
	    alen) == -1) {
		memset(na.json, 0, sizeof(na.json));
		goto reply;
	}
	na.error = 0;
 reply:
	proc_child_compose(PROC_SIGNALER, IMSG_MEGA_NODE_ATTR, 0, 0, -1, &na,
	    sizeof(na));
	mc_wipe(key, sizeof(key));
	mc_wipe(akey, sizeof(akey));
	mc_wipe(n, sizeof(n));
	mc_wipe(m, sizeof(m));
	mc_wipe(&na, sizeof(na));
}

/* Wrapped key and encrypted attributes, as base64url, into nn. */
static int
new_node(struct imsg_mega_new_node *nn, const uint8_t *key, size_t klen,
    const uint8_t akey[MC_KEY_LEN], const char *json)
{
	uint8_t		 wrapped[MC_NODEKEY_LEN], attr[ATTR_BIN_MAX];
	size_t		 alen;
	int		 rv = -1;

	if (mc_node_key_wrap(wrapped, mk->sess.mk, key, klen) == -1 ||
	    b64url_encode(nn->k, sizeof(nn->k), wrapped, klen) == -1 ||
	    mc_attr_encrypt(attr, sizeof(attr), &alen, akey, json,
	    strlen(json)) == -1 ||
	    b64url_encode(nn->a, sizeof(nn->a), attr, alen) == -1)
		goto done;
	rv = 0;
 done:
	mc_wipe(wrapped, sizeof(wrapped));
	return rv;
}

/* The attribute JSON the signaler built: a string that looks like it. */
static int
json_ok(const char *json, size_t size)
{
	return field_ok(json, size) && json[0] == '{';
}

void
megakeys_new_folder(struct imsg *imsg)
{
	struct imsg_mega_new		 nf;
	struct imsg_mega_new_node	 nn;
	uint8_t				 f[MC_KEY_LEN];

	if (imsg_get_data(imsg, &nf, sizeof(nf)) == -1)
		fatalx("bad MEGA_NEW_FOLDER");
	memset(&nn, 0, sizeof(nn));
	nn.seq = nf.seq;
	nn.error = -1;
	if (mk->have_mk && json_ok(nf.json, sizeof(nf.json)) &&
	    RAND_priv_bytes(f, sizeof(f)) == 1 &&
	    new_node(&nn, f, sizeof(f), f, nf.json) == 0)
		nn.error = 0;
	if (nn.error != 0) {
		memset(nn.k, 0, sizeof(nn.k));
		memset(nn.a, 0, sizeof(nn.a));
	}
	proc_child_compose(PROC_SIGNALER, IMSG_MEGA_NEW_NODE, 0, 0, -1, &nn,
	    sizeof(nn));
	mc_wipe(f, sizeof(f));
}

void
megakeys_seal_file(struct imsg *imsg)
{
	struct imsg_mega_new		 hdr;
	struct imsg_mega_new_node	 nn;
	struct ibuf			 ib;
	uint8_t				 a[MC_KEY_LEN], n[MC_NONCE_LEN];
	uint8_t				 k[MC_NODEKEY_LEN];
	size_t				 len;

	if (imsg_get_ibuf(imsg, &ib) == -1 ||
	    ibuf_get(&ib, &hdr, sizeof(hdr)) == -1 ||
	    (len = ibuf_size(&ib)) > DROP_FILE_MAX)
		fatalx("bad MEGA_SEAL_FILE");
	memset(&nn, 0, sizeof(nn));
	nn.seq = hdr.seq;
	nn.error = -1;
	if (len > 0)
		memcpy(mb->in, ibuf_data(&ib), len);
	if (mk->have_mk && json_ok(hdr.json, sizeof(hdr.json)) &&
	    mc_file_new_key(a, n) == 0 &&
	    mc_file_encrypt(mb->out, k, mb->in, len, a, n) == 0 &&
	    new_node(&nn, k, sizeof(k), a, hdr.json) == 0)
		nn.error = 0;
	if (nn.error == 0)
		proc_child_compose2(PROC_SIGNALER, IMSG_MEGA_SEALED, 0, &nn,
		    sizeof(nn), mb->out, len);
	else {
		memset(nn.k, 0, sizeof(nn.k));
		memset(nn.a, 0, sizeof(nn.a));
		proc_child_compose(PROC_SIGNALER, IMSG_MEGA_SEALED, 0, 0, -1,
		    &nn, sizeof(nn));
	}
	mc_wipe(a, sizeof(a));
	mc_wipe(n, sizeof(n));
	mc_wipe(k, sizeof(k));
	mc_wipe(mb, sizeof(*mb));
}

void
megakeys_open_file(struct imsg *imsg)
{
	struct imsg_mega_open	 hdr;
	struct imsg_mega_opened	 op;
	struct ibuf		 ib;
	uint8_t			 enc[MC_NODEKEY_LEN], k[MC_NODEKEY_LEN];
	size_t			 len, klen;

	if (imsg_get_ibuf(imsg, &ib) == -1 ||
	    ibuf_get(&ib, &hdr, sizeof(hdr)) == -1 ||
	    (len = ibuf_size(&ib)) > DROP_FILE_MAX)
		fatalx("bad MEGA_OPEN_FILE");
	memset(&op, 0, sizeof(op));
	op.seq = hdr.seq;
	op.error = -1;
	if (len > 0)
		memcpy(mb->in, ibuf_data(&ib), len);
	if (mk->have_mk &&
	    b64_field(enc, sizeof(enc), &klen, hdr.k, sizeof(hdr.k)) == 0 &&
	    klen == sizeof(enc) &&
	    mc_node_key_unwrap(k, mk->sess.mk, enc, klen) == 0 &&
	    mc_file_decrypt(mb->out, mb->in, len, k) == 0)
		op.error = 0;
	if (op.error == 0)
		proc_child_compose2(PROC_SIGNALER, IMSG_MEGA_OPENED, 0, &op,
		    sizeof(op), mb->out, len);
	else
		proc_child_compose(PROC_SIGNALER, IMSG_MEGA_OPENED, 0, 0, -1,
		    &op, sizeof(op));
	mc_wipe(k, sizeof(k));
	mc_wipe(mb, sizeof(*mb));
}
