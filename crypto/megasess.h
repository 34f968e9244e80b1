/*
 * The MEGA account's secrets at rest: the credentials file the parent
 * hands the crypto process as a descriptor, and the sealed session the
 * parent keeps in its state directory so that a restart resumes the
 * session instead of logging in again.  Pure functions over buffers;
 * docs/megasession.md describes the formats.
 */

#ifndef CLAWD_MEGASESS_H
#define CLAWD_MEGASESS_H

#include <stddef.h>
#include <stdint.h>

#include "clawd_imsg.h"
#include "megacrypto.h"

#define MEGA_PASSWORD_MAX	257	/* 256 bytes and the NUL */
#define MEGA_CRED_FILE_MAX	4096	/* largest credentials file read */

struct mega_cred {
	char		 email[MEGA_EMAIL_MAX];		/* lower-case */
	char		 password[MEGA_PASSWORD_MAX];
	size_t		 passlen;
};

/* What a sealed session holds: enough to resume without a login. */
struct mega_session {
	uint8_t		 mk[MC_KEY_LEN];
	char		 sid[MEGA_SID_MAX];
	char		 u[MEGA_USER_MAX];		/* "" if unknown */
};

/* Fetch the algorithms; call once before the sandbox. */
int	megasess_init(void);

/*
 * Parse a credentials file.  On failure *errstr says why (with the line
 * number, never the password) and the structure is wiped.
 */
int	megasess_cred_parse(struct mega_cred *, const char *, size_t,
	    const char **);
void	megasess_cred_clear(struct mega_cred *);

/*
 * AES-256-GCM under a key derived from the credentials.  seal writes at
 * most cap bytes (MEGA_SESSION_MAX is always enough) and their count;
 * open wipes its output on any failure.
 */
int	megasess_seal(uint8_t *, size_t, size_t *, const struct mega_cred *,
	    const struct mega_session *);
int	megasess_open(struct mega_session *, const struct mega_cred *,
	    const uint8_t *, size_t);
void	megasess_clear(struct mega_session *);

#endif /* CLAWD_MEGASESS_H */
