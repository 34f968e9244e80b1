/*
 * signaler: all MEGA API traffic, and nothing else.  It holds the MEGA
 * session id and the drop folder's node cache, never a password or a
 * key: crypto opens and seals, the signaler carries ciphertext.
 */

#include <sys/types.h>

#include <pwd.h>
#include <stdlib.h>

#include "clawd.h"
#include "clawd_imsg.h"
#include "log.h"
#include "proc.h"
#include "signaler.h"

static void
signaler_dispatch(struct imsgev *iev, struct imsg *imsg)
{
	struct imsg_https_conf	 hc;

	switch (imsg_get_type(imsg)) {
	case IMSG_HTTPS_CONF:
		if (imsg_get_data(imsg, &hc, sizeof(hc)) == -1)
			fatalx("bad HTTPS_CONF");
		hc.url[sizeof(hc.url) - 1] = '\0';
		hc.host[sizeof(hc.host) - 1] = '\0';
		https_conf(&hc);
		break;
	case IMSG_HTTPS_CA_FD:
		https_ca(proc_imsg_fd(imsg));
		break;
	default:
		proc_unexpected(iev, imsg);
	}
}

void
signaler_main(const struct passwd *pw)
{
	/* libcurl and OpenSSL read their files now, never again. */
	https_init();
	proc_child_run(PROC_SIGNALER, pw, signaler_dispatch, NULL);
}
