/*
 * The host and port of a URL, as the parent (which resolves the MEGA
 * API's host for the signaler) and the signaler (which hands curl the
 * address it was given) both need them.  libcurl's own URL parser does
 * the work, so that both read a URL exactly as curl will; the port is
 * the scheme's default when none is written.
 *
 * url_host_port returns 0 and fills host (NUL-terminated, at most
 * hostlen bytes with the NUL) and port, or -1 with *errstr saying why:
 * a URL curl cannot parse, a host too long, a port out of range.
 */

#ifndef CLAWD_URL_H
#define CLAWD_URL_H

#include <stddef.h>
#include <stdint.h>

int	url_host_port(const char *, char *, size_t, uint16_t *,
	    const char **);

#endif /* CLAWD_URL_H */
