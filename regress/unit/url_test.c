/*
 * Unit test for common/url.c: the host and port of the URLs clawd
 * meets (MEGA's API, the lab's emulator by address, IPv6 literals),
 * the scheme's default port, and the refusals: unparsable, port out of
 * range, a host longer than the caller's buffer.
 */

#include <sys/types.h>

#include <stdint.h>
#include <string.h>

#include "url.h"
#include "tap.h"

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

struct urlcase {
	const char	*url;
	size_t		 hostlen;
	const char	*host;		/* NULL: refused */
	uint16_t	 port;
};

static const struct urlcase cases[] = {
	{ "https://g.api.mega.co.nz/", 256, "g.api.mega.co.nz", 443 },
	{ "https://g.api.mega.co.nz", 256, "g.api.mega.co.nz", 443 },
	{ "http://198.51.100.7:8080/cs?id=1", 256, "198.51.100.7", 8080 },
	{ "http://example.org", 256, "example.org", 80 },
	{ "https://[2001:db8::7]:8443/", 256, "[2001:db8::7]", 8443 },
	{ "https://USER:pw@Host.Example:444/x", 256, "Host.Example", 444 },
	{ "https://g.api.mega.co.nz/", 16, NULL, 0 },
	{ "https://a:99999/", 256, NULL, 0 },
	{ "not a url", 256, NULL, 0 },
	{ "", 256, NULL, 0 },
	{ "https://", 256, NULL, 0 },
};

int
main(void)
{
	const struct urlcase	*c;
	const char		*errstr;
	char			 host[256];
	uint16_t		 port;
	size_t			 i;
	int			 rv;

	for (i = 0; i < NITEMS(cases); i++) {
		c = &cases[i];
		memset(host, 'x', sizeof(host));
		port = 0;
		rv = url_host_port(c->url, host, c->hostlen, &port, &errstr);
		if (c->host == NULL)
			tap_okf(rv == -1 && errstr != NULL,
			    "\"%s\" (host room %zu) refused: %s", c->url,
			    c->hostlen, errstr != NULL ? errstr : "(none)");
		else
			tap_okf(rv == 0 && strcmp(host, c->host) == 0 &&
			    port == c->port, "\"%s\": host %s port %u "
			    "(got %s, %u)", c->url, c->host, c->port,
			    rv == 0 ? host : "refused", port);
	}
	return tap_done();
}
