/*
 * Name resolution for the signaler, which has no resolver in its
 * sandbox: MEGA's replies name upload, download and wait hosts that
 * are not the API host.  Names are checked and rate-limited, since
 * the signaler parses hostile input and the lookup blocks the parent.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clawd.h"
#include "clawd_imsg.h"
#include "log.h"
#include "proc.h"
#include "parent.h"
#include "util.h"

#define RESOLVE_PER_MIN	30

static int
resolve_name_ok(const char *host)
{
	size_t	 i, len = strlen(host);

	if (len == 0 || len > 253)
		return 0;
	for (i = 0; i < len; i++)
		if (!((host[i] >= 'a' && host[i] <= 'z') ||
		    (host[i] >= 'A' && host[i] <= 'Z') ||
		    (host[i] >= '0' && host[i] <= '9') ||
		    host[i] == '.' || host[i] == '-'))
			return 0;
	return 1;
}

void
parent_resolve(struct imsgev *iev, struct imsg *imsg)
{
	static struct ratewin	 win;
	struct imsg_resolve	 ir;
	struct addrinfo		 hints, *res;
	char			 port[8];
	unsigned int		 prev;
	int			 ok;

	if (imsg_get_data(imsg, &ir, sizeof(ir)) == -1)
		fatalx("bad RESOLVE");
	ir.host[sizeof(ir.host) - 1] = '\0';
	memset(&ir.ss, 0, sizeof(ir.ss));
	/*
	 * Every request counts, bad names too; past the limit one line
	 * a minute says how many were refused, not one per request.
	 */
	ok = ratewin_take(&win, RESOLVE_PER_MIN, 60, &prev);
	if (prev > 0)
		log_warnx("signaler: %u names refused in the last minute",
		    prev);
	if (!ok) {
		if (win.refused == 1)
			log_warnx("signaler asks for too many names; %s and "
			    "the rest of this minute's refused", ir.host);
		ir.error = EAI_AGAIN;
	} else if (!resolve_name_ok(ir.host) || ir.port == 0) {
		log_warnx("signaler asked to resolve a bad name");
		ir.error = EAI_NONAME;
	} else {
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		snprintf(port, sizeof(port), "%u", ir.port);
		if ((ir.error = getaddrinfo(ir.host, port, &hints,
		    &res)) == 0) {
			if (res->ai_addrlen <= sizeof(ir.ss))
				memcpy(&ir.ss, res->ai_addr,
				    res->ai_addrlen);
			else
				ir.error = EAI_FAMILY;
			freeaddrinfo(res);
		} else
			log_warnx("resolving %s: %s", ir.host,
			    gai_strerror(ir.error));
	}
	imsgev_compose(iev, IMSG_RESOLVED, 0, 0, -1, &ir, sizeof(ir));
}
