/*
 * HTTPS for the signaler: libcurl's multi interface driven by
 * libevent.  No DNS and no files inside the sandbox: the parent
 * resolves the API host and passes its address (given to curl with
 * CURLOPT_RESOLVE, so TLS still checks the host name), and the CA
 * bundle arrives as a descriptor that is read into memory once
 * (CURLOPT_CAINFO_BLOB).  Verification is always on.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event.h>

#include "clawd.h"
#include "clawd_imsg.h"
#include "log.h"
#include "url.h"
#include "signaler.h"

#define HTTPS_CA_MAX	(8 * 1024 * 1024)
#define HTTPS_BODY_MAX	(4 * 1024 * 1024)
#define HTTPS_TIMEOUT	60L

struct https_req {
	CURL		*easy;
	struct curl_slist *hdrs;
	uint8_t		*body;
	size_t		 len;
	int		 toobig;
	char		 hashcash[160];
	char		 timeleft[16];
	void		(*cb)(const struct https_reply *, void *);
	void		*arg;
};

struct https_sock {
	struct event	 ev;
	curl_socket_t	 fd;
};

static struct {
	CURLM			*multi;
	struct event		 timer;
	struct curl_slist	*resolve;
	struct imsg_https_conf	 conf;
	int			 have_conf;
	char			*ca;
	size_t			 calen;
	uint16_t		 api_port;
} hs;

static void	https_timer(int, short, void *);
static int	https_resolve_add(const char *, uint16_t,
		    const struct sockaddr_storage *);
static void	https_check_done(void);

static void
https_event(int fd, short event, void *arg)
{
	int	 running, action = 0;

	(void)arg;
	if (event & EV_READ)
		action |= CURL_CSELECT_IN;
	if (event & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	curl_multi_socket_action(hs.multi, fd, action, &running);
	https_check_done();
}

static int
https_socket_cb(CURL *easy, curl_socket_t fd, int what, void *uarg,
    void *sarg)
{
	struct https_sock	*s = sarg;
	short			 events = EV_PERSIST;

	(void)easy;
	(void)uarg;
	if (what == CURL_POLL_REMOVE) {
		if (s != NULL) {
			event_del(&s->ev);
			free(s);
		}
		return 0;
	}
	if (s == NULL) {
		if ((s = calloc(1, sizeof(*s))) == NULL)
			return -1;
		s->fd = fd;
		curl_multi_assign(hs.multi, fd, s);
	} else
		event_del(&s->ev);
	if (what & CURL_POLL_IN)
		events |= EV_READ;
	if (what & CURL_POLL_OUT)
		events |= EV_WRITE;
	event_set(&s->ev, fd, events, https_event, s);
	event_add(&s->ev, NULL);
	return 0;
}

static int
https_timer_cb(CURLM *multi, long ms, void *arg)
{
	struct timeval	 tv;

	(void)multi;
	(void)arg;
	evtimer_del(&hs.timer);
	if (ms < 0)
		return 0;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(&hs.timer, &tv);
	return 0;
}

static void
https_timer(int fd, short event, void *arg)
{
	int	 running;

	(void)fd;
	(void)event;
	(void)arg;
	curl_multi_socket_action(hs.multi, CURL_SOCKET_TIMEOUT, 0, &running);
	https_check_done();
}

/* Before lock-down: everything libcurl and OpenSSL load from disk. */
void
https_init(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("curl_global_init");
	if ((hs.multi = curl_multi_init()) == NULL)
		fatalx("curl_multi_init");
}

static void
https_multi_start(void)
{
	static int	 started;

	if (started)
		return;
	started = 1;
	evtimer_set(&hs.timer, https_timer, NULL);
	curl_multi_setopt(hs.multi, CURLMOPT_SOCKETFUNCTION, https_socket_cb);
	curl_multi_setopt(hs.multi, CURLMOPT_TIMERFUNCTION, https_timer_cb);
}

void
https_conf(const struct imsg_https_conf *hc)
{
	char		 host[CLAWD_HOST_MAX];
	const char	*errstr;

	https_multi_start();
	if (strncmp(hc->url, "https://", 8) != 0 &&
	    !(hc->allow_http && strncmp(hc->url, "http://", 7) == 0))
		fatalx("api-url must be https");
	hs.conf = *hc;
	hs.have_conf = 1;
	curl_slist_free_all(hs.resolve);
	hs.resolve = NULL;
	if (url_host_port(hc->url, host, sizeof(host), &hs.api_port,
	    &errstr) == -1)
		fatalx("api-url %s", errstr);
	if (hc->have_ss && https_resolve_add(hc->host, hs.api_port,
	    &hc->ss) == -1)
		fatalx("api address");
}

/*
 * Names the parent resolved for us: the API host from the
 * configuration, then the storage and wait hosts MEGA's replies name.
 */
#define HTTPS_NAMES_MAX	64

static int
https_is_address(const char *host)
{
	struct in6_addr	 a6;
	struct in_addr	 a4;
	char		 buf[INET6_ADDRSTRLEN + 2];
	size_t		 len = strlen(host);

	if (inet_pton(AF_INET, host, &a4) == 1)
		return 1;
	if (len > 2 && len < sizeof(buf) && host[0] == '[' &&
	    host[len - 1] == ']') {
		memcpy(buf, host + 1, len - 2);
		buf[len - 2] = '\0';
		return inet_pton(AF_INET6, buf, &a6) == 1;
	}
	return 0;
}

/*
 * Does this URL need a name resolved first?  Returns 1 and fills host
 * and port if so, 0 if curl can go ahead, -1 if the URL is unusable.
 */
int
https_need_name(const char *url, char *host, size_t hostlen,
    uint16_t *port)
{
	struct curl_slist	*e;
	char			 prefix[CLAWD_HOST_MAX + 8];
	const char		*errstr;

	if (url_host_port(url, host, hostlen, port, &errstr) == -1)
		return -1;
	if (https_is_address(host))
		return 0;
	snprintf(prefix, sizeof(prefix), "%s:%u:", host, *port);
	for (e = hs.resolve; e != NULL; e = e->next)
		if (strncasecmp(e->data, prefix, strlen(prefix)) == 0)
			return 0;
	return 1;
}

static int
https_resolve_add(const char *host, uint16_t port,
    const struct sockaddr_storage *ss)
{
	struct curl_slist	*e;
	char			 entry[CLAWD_HOST_MAX + 80];
	char			 addr[INET6_ADDRSTRLEN];
	size_t			 n = 0;

	if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->
		    sin_addr, addr, sizeof(addr));
	else if (ss->ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->
		    sin6_addr, addr, sizeof(addr));
	else
		return -1;
	for (e = hs.resolve; e != NULL; e = e->next)
		n++;
	if (n >= HTTPS_NAMES_MAX) {
		/* Storage hosts come and go: start over, keep the API. */
		curl_slist_free_all(hs.resolve);
		hs.resolve = NULL;
		if (hs.have_conf && hs.conf.have_ss)
			https_resolve_add(hs.conf.host, hs.api_port,
			    &hs.conf.ss);
	}
	snprintf(entry, sizeof(entry), "%s:%u:%s%s%s", host, port,
	    ss->ss_family == AF_INET6 ? "[" : "", addr,
	    ss->ss_family == AF_INET6 ? "]" : "");
	if ((e = curl_slist_append(hs.resolve, entry)) == NULL)
		return -1;
	hs.resolve = e;
	log_debug("https: %s at %s", host, addr);
	return 0;
}

/* The parent's answer to a name we asked for. */
int
https_resolved(const char *host, uint16_t port,
    const struct sockaddr_storage *ss)
{
	return https_resolve_add(host, port, ss);
}

/* The CA bundle, read once into memory from the descriptor given. */
void
https_ca(int fd)
{
	char	*buf = NULL, *nbuf;
	size_t	 len = 0, cap = 0;
	ssize_t	 n;

	for (;;) {
		if (len == cap) {
			if (cap >= HTTPS_CA_MAX)
				fatalx("ca-file larger than %d bytes",
				    HTTPS_CA_MAX);
			cap = cap ? cap * 2 : 65536;
			if ((nbuf = realloc(buf, cap)) == NULL)
				fatal("ca-file");
			buf = nbuf;
		}
		if ((n = read(fd, buf + len, cap - len)) == -1) {
			if (errno == EINTR)
				continue;
			fatal("ca-file read");
		}
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	free(hs.ca);
	hs.ca = buf;
	hs.calen = len;
	log_debug("https: CA bundle of %zu bytes", len);
}

const char *
https_api_url(void)
{
	return hs.conf.url;
}

int
https_ready(void)
{
	return hs.have_conf && hs.ca != NULL;
}

static size_t
https_write_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct https_req	*r = arg;
	size_t			 n = size * nmemb;
	uint8_t			*nb;

	if (r->len + n > HTTPS_BODY_MAX) {
		r->toobig = 1;
		return 0;	/* aborts the transfer */
	}
	if ((nb = realloc(r->body, r->len + n)) == NULL)
		return 0;
	memcpy(nb + r->len, ptr, n);
	r->body = nb;
	r->len += n;
	return n;
}

/* The headers MEGA uses for flow control; others are ignored. */
static size_t
https_header_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct https_req	*r = arg;
	size_t			 n = size * nmemb, klen;
	const char		*key;
	char			*dst;
	size_t			 cap;

	if (strncasecmp(ptr, "X-Hashcash:", 11) == 0) {
		key = ptr + 11;
		klen = n - 11;
		dst = r->hashcash;
		cap = sizeof(r->hashcash);
	} else if (strncasecmp(ptr, "X-MEGA-Time-Left:", 17) == 0) {
		key = ptr + 17;
		klen = n - 17;
		dst = r->timeleft;
		cap = sizeof(r->timeleft);
	} else
		return n;
	while (klen > 0 && (*key == ' ' || *key == '\t')) {
		key++;
		klen--;
	}
	while (klen > 0 && (key[klen - 1] == '\r' || key[klen - 1] == '\n' ||
	    key[klen - 1] == ' '))
		klen--;
	if (klen < cap) {
		memcpy(dst, key, klen);
		dst[klen] = '\0';
	}
	return n;
}

/*
 * One request.  url is absolute; it must use https unless plain HTTP is
 * allowed, and its host must be the API host, an address, or a name
 * the parent resolved for us (https_resolved()).  With post, body is
 * sent with its Content-Length (MEGA's upload servers refuse chunked
 * bodies); else a GET.  hdr is one extra header line, or NULL.
 */
int
https_request(const char *url, int post, const void *body, size_t len,
    const char *hdr, void (*cb)(const struct https_reply *, void *),
    void *arg)
{
	struct https_req	*r;
	struct curl_blob	 ca;

	if (!https_ready()) {
		errno = EAGAIN;
		return -1;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return -1;
	r->cb = cb;
	r->arg = arg;
	if ((r->easy = curl_easy_init()) == NULL) {
		free(r);
		return -1;
	}
	ca.data = hs.ca;
	ca.len = hs.calen;
	ca.flags = CURL_BLOB_NOCOPY;
	if (post)
		r->hdrs = curl_slist_append(r->hdrs,
		    "Content-Type: application/json");
	/* No 100-continue round trip: bodies are small. */
	r->hdrs = curl_slist_append(r->hdrs, "Expect:");
	if (hdr != NULL)
		r->hdrs = curl_slist_append(r->hdrs, hdr);
	curl_easy_setopt(r->easy, CURLOPT_URL, url);
	curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR,
	    hs.conf.allow_http ? "https,http" : "https");
	curl_easy_setopt(r->easy, CURLOPT_CAINFO_BLOB, &ca);
	curl_easy_setopt(r->easy, CURLOPT_CAPATH, NULL);
	curl_easy_setopt(r->easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(r->easy, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(r->easy, CURLOPT_RESOLVE, hs.resolve);
	curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT, 20L);
	curl_easy_setopt(r->easy, CURLOPT_TIMEOUT, HTTPS_TIMEOUT);
	curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->hdrs);
	curl_easy_setopt(r->easy, CURLOPT_USERAGENT, "clawd/" PACKAGE_VERSION);
	if (post) {
		curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)len);
		curl_easy_setopt(r->easy, CURLOPT_COPYPOSTFIELDS,
		    len > 0 ? body : "");
	}
	curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, https_write_cb);
	curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(r->easy, CURLOPT_HEADERFUNCTION, https_header_cb);
	curl_easy_setopt(r->easy, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r);
	if (curl_multi_add_handle(hs.multi, r->easy) != CURLM_OK) {
		curl_slist_free_all(r->hdrs);
		curl_easy_cleanup(r->easy);
		free(r);
		return -1;
	}
	return 0;
}

/* POST to the API URL plus a suffix ("cs?id=..."). */
int
https_post(const char *suffix, const void *body, size_t len,
    const char *hdr, void (*cb)(const struct https_reply *, void *),
    void *arg)
{
	char	 url[CLAWD_URL_MAX * 2];

	if ((size_t)snprintf(url, sizeof(url), "%s%s", hs.conf.url,
	    suffix) >= sizeof(url)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return https_request(url, 1, body, len, hdr, cb, arg);
}

static void
https_check_done(void)
{
	struct https_reply	 rep;
	struct https_req	*r;
	CURLMsg			*m;
	int			 left;

	while ((m = curl_multi_info_read(hs.multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &r);
		memset(&rep, 0, sizeof(rep));
		if (m->data.result == CURLE_OK)
			curl_easy_getinfo(m->easy_handle,
			    CURLINFO_RESPONSE_CODE, &rep.status);
		else
			rep.error = r->toobig ? "reply too large" :
			    curl_easy_strerror(m->data.result);
		rep.body = r->body;
		rep.len = r->len;
		rep.hashcash = r->hashcash[0] ? r->hashcash : NULL;
		rep.timeleft = r->timeleft[0] ? atoi(r->timeleft) : -1;
		curl_multi_remove_handle(hs.multi, m->easy_handle);
		curl_easy_cleanup(m->easy_handle);
		curl_slist_free_all(r->hdrs);
		r->cb(&rep, r->arg);
		free(r->body);
		free(r);
	}
}
