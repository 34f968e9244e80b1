/*
 * Small helpers shared by the processes and clawctl.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clawd_imsg.h"
#include "util.h"

const char *
sa_str(const struct sockaddr *sa, char *buf, size_t len)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	char				 a[INET6_ADDRSTRLEN];

	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)sa;
		if (inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a)) == NULL)
			break;
		snprintf(buf, len, "%s:%u", a, ntohs(sin->sin_port));
		return buf;
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)sa;
		if (inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a)) == NULL)
			break;
		snprintf(buf, len, "[%s]:%u", a, ntohs(sin6->sin6_port));
		return buf;
	}
	snprintf(buf, len, "-");
	return buf;
}

/* For log lines: a rotating set of static buffers. */
const char *
log_sockaddr(const struct sockaddr *sa)
{
	static char	 bufs[4][SA_STRLEN];
	static int	 i;

	i = (i + 1) % 4;
	return sa_str(sa, bufs[i], sizeof(bufs[i]));
}

socklen_t
sa_len(const struct sockaddr *sa)
{
	switch (sa->sa_family) {
	case AF_INET:
		return sizeof(struct sockaddr_in);
	case AF_INET6:
		return sizeof(struct sockaddr_in6);
	}
	return 0;
}

int
sa_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	const struct sockaddr_in	*a4, *b4;
	const struct sockaddr_in6	*a6, *b6;

	if (a->sa_family != b->sa_family)
		return 0;
	switch (a->sa_family) {
	case AF_INET:
		a4 = (const struct sockaddr_in *)a;
		b4 = (const struct sockaddr_in *)b;
		return a4->sin_port == b4->sin_port &&
		    a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	case AF_INET6:
		a6 = (const struct sockaddr_in6 *)a;
		b6 = (const struct sockaddr_in6 *)b;
		return a6->sin6_port == b6->sin6_port &&
		    memcmp(&a6->sin6_addr, &b6->sin6_addr,
		    sizeof(a6->sin6_addr)) == 0;
	}
	return 0;
}

/*
 * May a probe go there?  A peer names the addresses: only unicast ones
 * reachable from another host, public or private (a LAN's host
 * candidates are private), with a port.  Never the unspecified
 * address, loopback, link-local (no scope to send it with),
 * multicast, broadcast, the reserved 240/4 and 0/8, or an IPv4
 * address dressed as IPv6 (mapped or compatible), which would get
 * round the IPv4 rules.
 */
int
sa_probe_ok(const struct sockaddr *sa)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	const uint8_t			*a;
	static const uint8_t		 v4pfx[12];
	uint32_t			 h;

	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)sa;
		h = ntohl(sin->sin_addr.s_addr);
		return sin->sin_port != 0 && (h >> 24) != 0 &&
		    (h >> 24) != 127 && (h >> 16) != 0xa9fe &&
		    (h >> 28) < 0xe;
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)sa;
		a = sin6->sin6_addr.s6_addr;
		return sin6->sin6_port != 0 && a[0] != 0xff &&
		    !(a[0] == 0xfe && (a[1] & 0xc0) == 0x80) &&
		    memcmp(a, v4pfx, 10) != 0;
	}
	return 0;
}

/* The port of an IPv4 or IPv6 address, host order; 0 for others. */
uint16_t
sa_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return 0;
}

void
sa_set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

/*
 * An RFC 5780 behaviour (enum ctl_natd_kind), as netengine logs it and
 * clawctl prints it.
 */
const char *
natd_kind_name(uint32_t kind)
{
	switch (kind) {
	case CTL_NATD_NONE:
		return "none";
	case CTL_NATD_EI:
		return "endpoint-independent";
	case CTL_NATD_AD:
		return "address-dependent";
	case CTL_NATD_APD:
		return "address-and-port-dependent";
	default:
		return "unknown";
	}
}

/* Seconds on the monotonic clock: for intervals, never for dates. */
time_t
monotime(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

int
ratewin_take(struct ratewin *w, unsigned int max, time_t secs,
    unsigned int *prev)
{
	time_t	 now = monotime();

	*prev = 0;
	if (w->start == 0 || now - w->start >= secs) {
		*prev = w->refused;
		w->start = now;
		w->count = w->refused = 0;
	}
	if (w->count >= max) {
		w->refused++;
		return 0;
	}
	w->count++;
	return 1;
}
