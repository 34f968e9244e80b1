/*
 * The parent's file and socket work: secret files, the UDP socket, the
 * control socket and the address of the MEGA API.  Everything here
 * runs as root before a descriptor is handed to a child.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <net/if.h>
#include <netinet/in.h>
#include <netinet/udp.h>

#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <libgen.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "clawd.h"
#include "log.h"
#include "proc.h"
#include "url.h"
#include "parent.h"

/*
 * Open a file holding a secret.  It must be a regular file that only
 * its owner (root, or whoever runs clawd -n) can read or write: a key
 * others could read is a key others have.
 */
int
secret_open(const char *path, const char *what)
{
	struct stat	 st;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		log_warn("%s %s", what, path);
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		log_warn("%s %s: fstat", what, path);
		goto bad;
	}
	if (!S_ISREG(st.st_mode)) {
		log_warnx("%s %s: not a regular file", what, path);
		goto bad;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		log_warnx("%s %s: group- or world-accessible (mode %04o); "
		    "refusing it, chmod 600 it", what, path,
		    (unsigned int)(st.st_mode & 07777));
		goto bad;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		log_warnx("%s %s: owned by uid %u, not by root; refusing it",
		    what, path, (unsigned int)st.st_uid);
		goto bad;
	}
	return fd;
 bad:
	close(fd);
	return -1;
}

static int
secret_check(const char *path, const char *what)
{
	int	 fd;

	if ((fd = secret_open(path, what)) == -1)
		return -1;
	close(fd);
	return 0;
}

/* Check every secret file of a configuration; report all problems. */
int
secrets_check(struct clawd_conf *conf)
{
	struct clawd_peer	*p;
	struct clawd_turn	*t;
	int			 errs = 0;

	if (secret_check(conf->key_file, "private-key") == -1)
		errs++;
	TAILQ_FOREACH(p, &conf->peers, entry)
		if (p->psk_file[0] != '\0' &&
		    secret_check(p->psk_file, "preshared-key") == -1)
			errs++;
	TAILQ_FOREACH(t, &conf->turns, entry)
		if (secret_check(t->secret_file, "turn-server secret") == -1)
			errs++;
	if (conf->mega.configured &&
	    secret_check(conf->mega.credentials, "mega credentials") == -1)
		errs++;
	return errs ? -1 : 0;
}

/*
 * The UDP socket netengine serves WireGuard, STUN and probes on.
 * IPv4 for now; port 0 lets the kernel pick a random one, which keeps
 * several hosts behind one NAT from colliding.
 */
int
udp_open(uint16_t port, uint16_t *bound)
{
	return udp_open_sized(port, bound, 4 * 1024 * 1024);
}

/* The same with buffers of BUFSZ bytes, or the system's for 0. */
int
udp_open_sized(uint16_t port, uint16_t *bound, int bufsz)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 fd, on = 1;

	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		log_warn("udp socket");
		return -1;
	}
	if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)) == -1) {
		log_warn("setsockopt IP_PKTINFO");
		goto bad;
	}
	/* Coalesced receives; without them only speed suffers. */
	(void)setsockopt(fd, IPPROTO_UDP, UDP_GRO, &on, sizeof(on));
	/* Large buffers; failing to get them only costs speed. */
	if (bufsz > 0) {
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz,
		    sizeof(bufsz));
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsz,
		    sizeof(bufsz));
	}

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_ANY);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		log_warn("bind udp port %u", port);
		goto bad;
	}
	if (getsockname(fd, (struct sockaddr *)&sin, &len) == -1) {
		log_warn("getsockname");
		goto bad;
	}
	*bound = ntohs(sin.sin_port);
	return fd;
 bad:
	close(fd);
	return -1;
}

/*
 * The control socket: created by root, readable and writable by root
 * only, served by netengine.  A socket file that answers belongs to a
 * running clawd; one that does not is a leftover and is replaced.
 */
int
control_open(const char *path)
{
	struct sockaddr_un	 sun;
	char			 dir[sizeof(sun.sun_path)];
	mode_t			 old;
	int			 fd, probe;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		log_warnx("control socket %s: path too long", path);
		return -1;
	}
	strlcpy(dir, path, sizeof(dir));
	if (mkdir(dirname(dir), 0755) == -1 && errno != EEXIST) {
		log_warn("mkdir %s", dir);
		return -1;
	}

	if ((probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("socket");
		return -1;
	}
	if (connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		close(probe);
		log_warnx("control socket %s: in use; is clawd running?",
		    path);
		return -1;
	}
	close(probe);
	if (unlink(path) == -1 && errno != ENOENT) {
		log_warn("unlink %s", path);
		return -1;
	}

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		log_warn("socket");
		return -1;
	}
	old = umask(S_IXUSR | S_IRWXG | S_IRWXO);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		log_warn("bind %s", path);
		umask(old);
		goto bad;
	}
	umask(old);
	if (chmod(path, S_IRUSR | S_IWUSR) == -1) {
		log_warn("chmod %s", path);
		goto bad;
	}
	if (listen(fd, 16) == -1) {
		log_warn("listen %s", path);
		goto bad;
	}
	return fd;
 bad:
	close(fd);
	(void)unlink(path);
	return -1;
}

void
control_cleanup(const char *path)
{
	(void)unlink(path);
}

/*
 * The signaler may not resolve names: look the API host up here and
 * hand it the address with the URL, as OpenNTPD does for constraints.
 */
int
https_conf_make(struct clawd_mega *mega, struct imsg_https_conf *hc)
{
	struct addrinfo	 hints, *res;
	const char	*errstr;
	char		 port[8], name[sizeof(hc->host)];
	size_t		 len;
	uint16_t	 portnum;
	int		 error;

	memset(hc, 0, sizeof(*hc));
	if (strlcpy(hc->url, mega->api_url, sizeof(hc->url)) >=
	    sizeof(hc->url)) {
		log_warnx("api-url too long");
		return -1;
	}
	hc->allow_http = mega->allow_http;
	if (url_host_port(mega->api_url, hc->host, sizeof(hc->host),
	    &portnum, &errstr) == -1) {
		log_warnx("api-url %s %s", mega->api_url, errstr);
		return -1;
	}
	snprintf(port, sizeof(port), "%u", portnum);
	/* An IPv6 literal comes in brackets, as the URL writes it. */
	strlcpy(name, hc->host, sizeof(name));
	if ((len = strlen(name)) > 2 && name[0] == '[' &&
	    name[len - 1] == ']') {
		memmove(name, name + 1, len - 2);
		name[len - 2] = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((error = getaddrinfo(name, port, &hints, &res)) != 0) {
		/* Not fatal: MEGA may be unreachable at boot. */
		log_warnx("api-url host %s: %s", hc->host,
		    gai_strerror(error));
		return 0;
	}
	if (res->ai_addrlen <= sizeof(hc->ss)) {
		memcpy(&hc->ss, res->ai_addr, res->ai_addrlen);
		hc->have_ss = 1;
	}
	freeaddrinfo(res);
	return 0;
}

/*
 * This host's addresses, the host candidates of the rendezvous.  The
 * children cannot list them (no netlink in their sandboxes), so the
 * parent does, at start-up and on reload.  Loopback and link-local
 * addresses are of no use to a peer elsewhere, and the tunnel's own
 * would route probes through the tunnel: they are left out.
 */
void
hostaddr_push(struct imsgev *iev, const char *tun)
{
	struct ifaddrs		*ifa, *i;
	struct imsg_hostaddr	 ha;
	struct sockaddr_in	*sin;

	if (getifaddrs(&ifa) == -1) {
		log_warn("getifaddrs");
		return;
	}
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET ||
		    (i->ifa_flags & IFF_LOOPBACK) || !(i->ifa_flags & IFF_UP))
			continue;
		/* Our own tunnel: a path through it would be circular. */
		if (tun != NULL && strcmp(i->ifa_name, tun) == 0)
			continue;
		sin = (struct sockaddr_in *)i->ifa_addr;
		if ((ntohl(sin->sin_addr.s_addr) >> 16) == 0xa9fe)
			continue;	/* 169.254/16 */
		memset(&ha, 0, sizeof(ha));
		ha.af = AF_INET;
		memcpy(ha.addr, &sin->sin_addr, 4);
		imsgev_compose(iev, IMSG_CONF_HOSTADDR, 0, 0, -1, &ha,
		    sizeof(ha));
	}
	freeifaddrs(ifa);
}
