/*
 * The MEGA credentials file and the sealed session blob.
 *
 * The credentials file is parsed here and nowhere else, by a function
 * that sees only a buffer (so it can be fuzzed alone).  The session
 * blob lets a restarted clawd resume its MEGA session: MEGA throttles
 * logins, and a daemon that a service manager restarts must not burn
 * them.  The blob is sealed with AES-256-GCM under a key derived from
 * the password, so the parent, which stores it, learns nothing from it
 * and cannot forge one; and a changed password or account makes it
 * useless instead of resuming the wrong session.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "b64url.h"
#include "hkdf.h"
#include "megacrypto.h"
#include "megasess.h"

#define SESS_LABEL	"clawd mega session v1"
#define SESS_VERSION	1
#define SESS_KEY_LEN	32
#define SESS_NONCE_LEN	12
#define SESS_TAG_LEN	16
/* version, MK, sid length and sid, handle length and handle */
#define SESS_PT_MAX	(1 + MC_KEY_LEN + 1 + (MEGA_SID_MAX - 1) + 1 + \
			    (MEGA_USER_MAX - 1))
#define SESS_PT_MIN	(1 + MC_KEY_LEN + 1 + 1 + 1)

static EVP_CIPHER	*c_gcm;

/* mc_init() first: it loads OpenSSL's configuration. */
int
megasess_init(void)
{
	if (mc_init() == -1 || hkdf_init() == -1)
		return -1;
	if (c_gcm == NULL)
		c_gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	return c_gcm != NULL ? 0 : -1;
}

void
megasess_cred_clear(struct mega_cred *mc)
{
	mc_wipe(mc, sizeof(*mc));
}

void
megasess_clear(struct mega_session *ms)
{
	mc_wipe(ms, sizeof(*ms));
}

/* A plausible address: printable, no blanks, one '@' inside. */
static int
email_ok(const char *s, size_t len)
{
	size_t		 i, at = 0, nat = 0;

	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return 0;
		if (s[i] == '@') {
			at = i;
			nat++;
		}
	}
	return nat == 1 && at > 0 && at < len - 1;
}

/* One "keyword value" line, without its line end. */
static int
parse_line(struct mega_cred *mc, const char *line, size_t llen,
    int *have_email, int *have_pass, const char **errstr)
{
	const char	*val;
	size_t		 vlen, i;

	if (llen >= 5 && strncmp(line, "email", 5) == 0 &&
	    (llen == 5 || line[5] == ' ')) {
		val = line + 6;
		vlen = llen > 6 ? llen - 6 : 0;
		if ((*have_email)++) {
			*errstr = "duplicate email";
			return -1;
		}
		if (vlen == 0) {
			*errstr = "email: missing value";
			return -1;
		}
		if (vlen >= sizeof(mc->email)) {
			*errstr = "email: address too long";
			return -1;
		}
		if (!email_ok(val, vlen)) {
			*errstr = "email: not an e-mail address";
			return -1;
		}
		/* MEGA folds ASCII case only; so do we. */
		for (i = 0; i < vlen; i++)
			mc->email[i] = (val[i] >= 'A' && val[i] <= 'Z') ?
			    val[i] - 'A' + 'a' : val[i];
		mc->email[vlen] = '\0';
		return 0;
	}
	if (llen >= 8 && strncmp(line, "password", 8) == 0 &&
	    (llen == 8 || line[8] == ' ')) {
		/* Verbatim: blanks may be part of a password. */
		val = line + 9;
		vlen = llen > 9 ? llen - 9 : 0;
		if ((*have_pass)++) {
			*errstr = "duplicate password";
			return -1;
		}
		if (vlen == 0) {
			*errstr = "password: missing value";
			return -1;
		}
		if (vlen >= sizeof(mc->password)) {
			*errstr = "password: longer than 256 bytes";
			return -1;
		}
		memcpy(mc->password, val, vlen);
		mc->password[vlen] = '\0';
		mc->passlen = vlen;
		return 0;
	}
	*errstr = "unknown keyword";
	return -1;
}

int
megasess_cred_parse(struct mega_cred *mc, const char *buf, size_t len,
    const char **errstr)
{
	static char	 err[96];
	const char	*line, *nl;
	size_t		 off, llen, vlen, i;
	unsigned int	 lineno = 0;
	int		 have_email = 0, have_pass = 0;

	memset(mc, 0, sizeof(*mc));
	*errstr = NULL;
	if (memchr(buf, '\0', len) != NULL) {
		*errstr = "NUL byte in the file";
		goto fail;
	}
	for (off = 0; off < len; off += llen + 1) {
		lineno++;
		line = buf + off;
		if ((nl = memchr(line, '\n', len - off)) == NULL)
			nl = buf + len;
		llen = nl - line;
		vlen = llen;
		/* Files written on other systems end lines with CR LF. */
		if (vlen > 0 && line[vlen - 1] == '\r')
			vlen--;
		for (i = 0; i < vlen; i++)
			if (line[i] != ' ' && line[i] != '\t')
				break;
		if (i == vlen || line[i] == '#')
			continue;
		if (parse_line(mc, line, vlen, &have_email, &have_pass,
		    errstr) == -1)
			goto lfail;
	}
	if (!have_email) {
		*errstr = "no email line";
		goto fail;
	}
	if (!have_pass) {
		*errstr = "no password line";
		goto fail;
	}
	return 0;
 lfail:
	(void)snprintf(err, sizeof(err), "line %u: %s", lineno, *errstr);
	*errstr = err;
 fail:
	megasess_cred_clear(mc);
	return -1;
}

/* HKDF-SHA256(ikm = password, salt = label, info = e-mail). */
static int
sess_key(uint8_t key[SESS_KEY_LEN], const struct mega_cred *mc)
{
	if (megasess_init() == -1 || mc->passlen == 0 ||
	    mc->email[0] == '\0')
		return -1;
	/* hkdf_sha256() wipes key if it fails. */
	return hkdf_sha256(key, SESS_KEY_LEN, (const uint8_t *)SESS_LABEL,
	    sizeof(SESS_LABEL) - 1, (const uint8_t *)mc->password,
	    mc->passlen, (const uint8_t *)mc->email, strlen(mc->email));
}

/* AAD = label || e-mail: binds the blob to this account. */
static int
sess_aad(EVP_CIPHER_CTX *ctx, const struct mega_cred *mc, int enc)
{
	int	 n;

	if (enc)
		return EVP_EncryptUpdate(ctx, NULL, &n,
		    (const uint8_t *)SESS_LABEL, sizeof(SESS_LABEL) - 1) == 1 &&
		    EVP_EncryptUpdate(ctx, NULL, &n,
		    (const uint8_t *)mc->email, strlen(mc->email)) == 1 ?
		    0 : -1;
	return EVP_DecryptUpdate(ctx, NULL, &n,
	    (const uint8_t *)SESS_LABEL, sizeof(SESS_LABEL) - 1) == 1 &&
	    EVP_DecryptUpdate(ctx, NULL, &n,
	    (const uint8_t *)mc->email, strlen(mc->email)) == 1 ? 0 : -1;
}

int
megasess_seal(uint8_t *out, size_t cap, size_t *outlen,
    const struct mega_cred *mc, const struct mega_session *ms)
{
	EVP_CIPHER_CTX	*ctx = NULL;
	uint8_t		 key[SESS_KEY_LEN], pt[SESS_PT_MAX];
	size_t		 sidlen, ulen, ptlen = 0, total;
	int		 n, m, rv = -1;

	*outlen = 0;
	sidlen = strnlen(ms->sid, sizeof(ms->sid));
	ulen = strnlen(ms->u, sizeof(ms->u));
	if (sidlen == 0 || sidlen >= sizeof(ms->sid) ||
	    !b64url_valid(ms->sid, sidlen) ||
	    (ulen != 0 && ulen != MC_HANDLE_B64_LEN) ||
	    !b64url_valid(ms->u, ulen))
		return -1;

	pt[ptlen++] = SESS_VERSION;
	memcpy(pt + ptlen, ms->mk, MC_KEY_LEN);
	ptlen += MC_KEY_LEN;
	pt[ptlen++] = (uint8_t)sidlen;
	memcpy(pt + ptlen, ms->sid, sidlen);
	ptlen += sidlen;
	pt[ptlen++] = (uint8_t)ulen;
	memcpy(pt + ptlen, ms->u, ulen);
	ptlen += ulen;

	total = SESS_NONCE_LEN + ptlen + SESS_TAG_LEN;
	if (total > cap || total > MEGA_SESSION_MAX)
		goto done;
	if (sess_key(key, mc) == -1)
		goto done;
	if (RAND_priv_bytes(out, SESS_NONCE_LEN) != 1)
		goto done;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex2(ctx, c_gcm, key, out, NULL) != 1 ||
	    sess_aad(ctx, mc, 1) == -1 ||
	    EVP_EncryptUpdate(ctx, out + SESS_NONCE_LEN, &n, pt,
	    (int)ptlen) != 1 ||
	    EVP_EncryptFinal_ex(ctx, out + SESS_NONCE_LEN + n, &m) != 1 ||
	    (size_t)(n + m) != ptlen ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SESS_TAG_LEN,
	    out + SESS_NONCE_LEN + ptlen) != 1)
		goto done;
	*outlen = total;
	rv = 0;
 done:
	if (rv == -1)
		mc_wipe(out, cap);
	EVP_CIPHER_CTX_free(ctx);
	mc_wipe(key, sizeof(key));
	mc_wipe(pt, sizeof(pt));
	return rv;
}

int
megasess_open(struct mega_session *ms, const struct mega_cred *mc,
    const uint8_t *blob, size_t len)
{
	EVP_CIPHER_CTX	*ctx = NULL;
	uint8_t		 key[SESS_KEY_LEN], pt[SESS_PT_MAX];
	uint8_t		 tag[SESS_TAG_LEN];
	size_t		 ptlen, off, sidlen, ulen;
	int		 n, m, rv = -1;

	memset(ms, 0, sizeof(*ms));
	if (len < SESS_NONCE_LEN + SESS_PT_MIN + SESS_TAG_LEN ||
	    len > SESS_NONCE_LEN + SESS_PT_MAX + SESS_TAG_LEN)
		return -1;
	ptlen = len - SESS_NONCE_LEN - SESS_TAG_LEN;
	memcpy(tag, blob + len - SESS_TAG_LEN, SESS_TAG_LEN);
	if (sess_key(key, mc) == -1)
		goto done;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_DecryptInit_ex2(ctx, c_gcm, key, blob, NULL) != 1 ||
	    sess_aad(ctx, mc, 0) == -1 ||
	    EVP_DecryptUpdate(ctx, pt, &n, blob + SESS_NONCE_LEN,
	    (int)ptlen) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SESS_TAG_LEN,
	    tag) != 1 ||
	    EVP_DecryptFinal_ex(ctx, pt + n, &m) != 1 ||
	    (size_t)(n + m) != ptlen)
		goto done;

	/* Authentic, but parsed as strictly as if it were not. */
	off = 0;
	if (pt[off++] != SESS_VERSION)
		goto done;
	memcpy(ms->mk, pt + off, MC_KEY_LEN);
	off += MC_KEY_LEN;
	sidlen = pt[off++];
	if (sidlen == 0 || sidlen >= sizeof(ms->sid) ||
	    off + sidlen + 1 > ptlen)
		goto done;
	memcpy(ms->sid, pt + off, sidlen);
	off += sidlen;
	ulen = pt[off++];
	if ((ulen != 0 && ulen != MC_HANDLE_B64_LEN) || off + ulen != ptlen)
		goto done;
	memcpy(ms->u, pt + off, ulen);
	if (!b64url_valid(ms->sid, sidlen) || !b64url_valid(ms->u, ulen))
		goto done;
	rv = 0;
 done:
	if (rv == -1)
		megasess_clear(ms);
	EVP_CIPHER_CTX_free(ctx);
	mc_wipe(key, sizeof(key));
	mc_wipe(pt, sizeof(pt));
	return rv;
}
