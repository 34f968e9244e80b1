/*
 * A URL's host and port through libcurl's parser (url.h).
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "util.h"
#include "url.h"

int
url_host_port(const char *url, char *host, size_t hostlen, uint16_t *port,
    const char **errstr)
{
	CURLU		*u;
	char		*h = NULL, *p = NULL;
	const char	*perr;
	int		 rv = -1;

	*errstr = NULL;
	if ((u = curl_url()) == NULL) {
		*errstr = "out of memory";
		return -1;
	}
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) !=
	    CURLUE_OK) {
		*errstr = "cannot be parsed";
		goto done;
	}
	*port = strtonum(p, 1, 65535, &perr);
	if (perr != NULL) {
		*errstr = "has a port out of range";
		goto done;
	}
	if (strlcpy(host, h, hostlen) >= hostlen) {
		*errstr = "has a host name too long";
		goto done;
	}
	rv = 0;
 done:
	curl_free(h);
	curl_free(p);
	curl_url_cleanup(u);
	return rv;
}
