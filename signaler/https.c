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
#include <unistd.h>

#include <curl/curl.h>
#include <event.h>

#include "clawd.h"
#include "clawd_imsg.h"
#include "log.h"
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
} hs;

static void	https_timer(int, short, void *);
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
	char	 entry[CLAWD_HOST_MAX + 80], addr[INET6_ADDRSTRLEN];
	CURLU	*u;
	char	*port = NULL;

	https_multi_start();
	if (strncmp(hc->url, "https://", 8) != 0 &&
	    !(hc->allow_http && strncmp(hc->url, "http://", 7) == 0))
		fatalx("api-url must be https");
	hs.conf = *hc;
	hs.have_conf = 1;
	curl_slist_free_all(hs.resolve);
	hs.resolve = NULL;
	if (!hc->have_ss)
		return;

	if ((u = curl_url()) == NULL)
		fatalx("curl_url");
	if (curl_url_set(u, CURLUPART_URL, hc->url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) !=
	    CURLUE_OK)
		fatalx("api-url cannot be parsed");
	if (hc->ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)&hc->ss)->
		    sin_addr, addr, sizeof(addr));
	else if (hc->ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&hc->ss)->
		    sin6_addr, addr, sizeof(addr));
	else
		fatalx("api address of unknown family");
	snprintf(entry, sizeof(entry), "%s:%s:%s%s%s", hc->host, port,
	    hc->ss.ss_family == AF_INET6 ? "[" : "", addr,
	    hc->ss.ss_family == AF_INET6 ? "]" : "");
	curl_free(port);
	curl_url_cleanup(u);
	if ((hs.resolve = curl_slist_append(NULL, entry)) == NULL)
		fatalx("curl_slist_append");
	log_debug("https: %s at %s", hc->host, addr);
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

/* POST a body to the API URL plus a suffix; cb gets the reply. */
int
https_post(const char *suffix, const void *body, size_t len,
    void (*cb)(const struct https_reply *, void *), void *arg)
{
	struct https_req	*r;
	struct curl_blob	 ca;
	char			 url[CLAWD_URL_MAX * 2];

	if (!https_ready()) {
		errno = EAGAIN;
		return -1;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return -1;
	r->cb = cb;
	r->arg = arg;
	snprintf(url, sizeof(url), "%s%s", hs.conf.url, suffix);
	if ((r->easy = curl_easy_init()) == NULL) {
		free(r);
		return -1;
	}
	ca.data = hs.ca;
	ca.len = hs.calen;
	ca.flags = CURL_BLOB_NOCOPY;
	r->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	curl_easy_setopt(r->easy, CURLOPT_URL, url);
	curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR,
	    hs.conf.allow_http ? "https,http" : "https");
	curl_easy_setopt(r->easy, CURLOPT_CAINFO_BLOB, &ca);
	curl_easy_setopt(r->easy, CURLOPT_CAPATH, NULL);
	curl_easy_setopt(r->easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(r->easy, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(r->easy, CURLOPT_RESOLVE, hs.resolve);
	curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->easy, CURLOPT_TIMEOUT, HTTPS_TIMEOUT);
	curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->hdrs);
	curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE, (long)len);
	curl_easy_setopt(r->easy, CURLOPT_COPYPOSTFIELDS, body);
	curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, https_write_cb);
	curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r);
	if (curl_multi_add_handle(hs.multi, r->easy) != CURLM_OK) {
		curl_slist_free_all(r->hdrs);
		curl_easy_cleanup(r->easy);
		free(r);
		return -1;
	}
	return 0;
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
		curl_multi_remove_handle(hs.multi, m->easy_handle);
		curl_easy_cleanup(m->easy_handle);
		curl_slist_free_all(r->hdrs);
		r->cb(&rep, r->arg);
		free(r->body);
		free(r);
	}
}
