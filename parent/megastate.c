/*
 * The parent's part of the MEGA account: it hands the crypto process
 * the credentials file as a descriptor (it never reads it itself) and
 * keeps the sealed session crypto gives it in the state directory, so
 * that a restart resumes the session instead of logging in again.  The
 * blob is opaque here: sealed under a key derived from the password,
 * which only crypto holds.
 */

#include <sys/types.h>

#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "clawd.h"
#include "clawd_imsg.h"
#include "log.h"
#include "parent.h"
#include "proc.h"

#define SESSION_FILE	"mega-session"

/*
 * Credentials first, then the saved session: crypto needs both before
 * it can tell the signaler whom to log in as and which session to try.
 */
int
megastate_push(struct clawd_conf *conf, struct imsgev *crypto)
{
	uint8_t		 blob[MEGA_SESSION_MAX];
	size_t		 len;
	int		 fd;

	if ((fd = secret_open(conf->mega.credentials,
	    "mega credentials")) == -1)
		return -1;
	if (imsgev_compose(crypto, IMSG_MEGA_CRED_FD, 0, 0, fd, NULL,
	    0) == -1) {
		close(fd);
		return -1;
	}
	len = statefile_read(conf->state_dir, SESSION_FILE, blob,
	    sizeof(blob));
	imsgev_compose(crypto, IMSG_MEGA_SESSION_LOAD, 0, 0, -1,
	    len ? blob : NULL, len);
	explicit_bzero(blob, sizeof(blob));
	return 0;
}

/* Replace the saved session; empty means forget it. */
void
megastate_save(const char *dir, const uint8_t *blob, size_t len)
{
	if (statefile_write(dir, SESSION_FILE, blob, len) == 0)
		log_debug("%s/%s: mega session %s", dir, SESSION_FILE,
		    len ? "saved" : "forgotten");
}
