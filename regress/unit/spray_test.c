/*
 * Unit tests for the many-probe technique's schedule (netengine/spray.c):
 * which side plays which part, the easy side's 2048 distinct ports in
 * range at 10 a tick, the hard side's one probe per socket per round
 * from sockets that arrive late, the end after SPRAY_MS, and the
 * chance of a miss the design claims.  netengine's socket pool is
 * replaced by a table here.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clawd.h"
#include "util.h"
#include "rdv.h"
#include "spray.h"
#include "tap.h"

/* netengine.c's part, as a table: slot I open iff open_socks > I. */
static size_t	 open_socks;
static int	 wanted;
static uint64_t	 held;

void
udp_spray_want(void)
{
	wanted++;
}

int
udp_spray_sock(size_t i)
{
	return i < open_socks ? NE_SOCK_SPRAY + (int)i : -1;
}

void
udp_spray_hold(uint64_t now)
{
	held = now;
}

/* What was sent: socket and port of each probe. */
static struct {
	int		 sock;
	uint16_t	 port;
	uint32_t	 addr;
} sent[SPRAY_PROBES * 2];
static size_t	 nsent;

static void
record(void *arg, int sock, const struct sockaddr_storage *to)
{
	const struct sockaddr_in	*sin = (const struct sockaddr_in *)to;

	(void)arg;
	if (nsent < sizeof(sent) / sizeof(sent[0])) {
		sent[nsent].sock = sock;
		sent[nsent].port = ntohs(sin->sin_port);
		sent[nsent].addr = sin->sin_addr.s_addr;
	}
	nsent++;
}

static void
addr(struct sockaddr_storage *ss, const char *ip, uint16_t port)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	inet_pton(AF_INET, ip, &sin->sin_addr);
}

static void
test_kind(void)
{
	struct spray_nat	 eim_apdf = { RDV_NAT_EIM, RDV_FILT_APDF, 0 };
	struct spray_nat	 eim_unk = { RDV_NAT_EIM, RDV_FILT_UNKNOWN, 0 };
	struct spray_nat	 eim_adf = { RDV_NAT_EIM, RDV_FILT_ADF, 0 };
	struct spray_nat	 eim_eif = { RDV_NAT_EIM, RDV_FILT_EIF, 0 };
	struct spray_nat	 rnd = { RDV_NAT_EDM, RDV_FILT_APDF, 0 };
	struct spray_nat	 seq = { RDV_NAT_EDM, RDV_FILT_APDF, 1 };
	struct spray_nat	 none = { RDV_NAT_NONE, RDV_FILT_EIF, 0 };
	struct spray_nat	 unk = { RDV_NAT_UNKNOWN, RDV_FILT_UNKNOWN, 0 };

	tap_ok(spray_kind(&rnd, &eim_apdf) == SPRAY_HARD &&
	    spray_kind(&eim_apdf, &rnd) == SPRAY_EASY,
	    "random symmetric against port-restricted: hard and easy");
	tap_ok(spray_kind(&rnd, &eim_unk) == SPRAY_HARD &&
	    spray_kind(&eim_unk, &rnd) == SPRAY_EASY,
	    "filtering unknown: sprayed all the same");
	tap_ok(spray_kind(&rnd, &eim_adf) == SPRAY_NONE &&
	    spray_kind(&eim_adf, &rnd) == SPRAY_NONE &&
	    spray_kind(&rnd, &eim_eif) == SPRAY_NONE &&
	    spray_kind(&eim_eif, &rnd) == SPRAY_NONE,
	    "address-dependent or open filtering: ordinary probes do");
	tap_ok(spray_kind(&seq, &eim_apdf) == SPRAY_NONE &&
	    spray_kind(&eim_apdf, &seq) == SPRAY_NONE,
	    "sequential ports: prediction, not many probes");
	tap_ok(spray_kind(&rnd, &rnd) == SPRAY_NONE &&
	    spray_kind(&eim_apdf, &eim_apdf) == SPRAY_NONE &&
	    spray_kind(&rnd, &none) == SPRAY_NONE &&
	    spray_kind(&unk, &eim_apdf) == SPRAY_NONE &&
	    spray_kind(&rnd, &unk) == SPRAY_NONE,
	    "both hard, both easy, no NAT, unknown mapping: none");
}

static void
test_easy(void)
{
	struct spray		 s;
	struct sockaddr_storage	 to, to6;
	static uint8_t		 seen[65536];
	uint64_t		 t;
	size_t			 i, dup = 0, low = 0, other = 0, ticks = 0;
	int			 sockok = 1;

	memset(&s, 0, sizeof(s));
	memset(&to6, 0, sizeof(to6));
	to6.ss_family = AF_INET6;
	tap_ok(spray_begin(&s, SPRAY_EASY, &to6, 1000) == -1,
	    "IPv4 only");
	addr(&to, "203.0.113.12", 40000);
	nsent = 0;
	tap_ok(spray_begin(&s, SPRAY_EASY, &to, 1000) == 0 && wanted == 0,
	    "easy side begins, asks for no sockets");
	for (t = 1000; spray_tick(&s, t, record, NULL); t += 100) {
		ticks++;
		if (ticks == 1 && nsent != SPRAY_PER_TICK)
			break;
	}
	tap_okf(nsent == SPRAY_PROBES, "%zu probes in all (%d)", nsent,
	    SPRAY_PROBES);
	tap_okf(ticks * SPRAY_PER_TICK >= SPRAY_PROBES,
	    "%d a tick: %zu ticks", SPRAY_PER_TICK, ticks);
	for (i = 0; i < nsent && i < SPRAY_PROBES; i++) {
		if (seen[sent[i].port]++)
			dup++;
		if (sent[i].port < SPRAY_PORT_MIN)
			low++;
		if (sent[i].addr != ((struct sockaddr_in *)&to)->sin_addr.s_addr)
			other++;
		if (sent[i].sock != NE_SOCK_DIRECT)
			sockok = 0;
	}
	tap_okf(dup == 0 && low == 0 && other == 0,
	    "distinct ports >= %d, one address (%zu repeats, %zu low, "
	    "%zu elsewhere)", SPRAY_PORT_MIN, dup, low, other);
	tap_ok(sockok, "from the current socket, never the relay");
	tap_ok(s.kind == SPRAY_NONE && t - 1000 <= SPRAY_MS + 100,
	    "over after SPRAY_MS");
}

static void
test_hard(void)
{
	struct spray		 s;
	struct sockaddr_storage	 to;
	size_t			 i, n1, bad = 0;

	memset(&s, 0, sizeof(s));
	addr(&to, "203.0.113.11", 51000);
	wanted = 0;
	open_socks = 0;
	nsent = 0;
	held = 0;
	tap_ok(spray_begin(&s, SPRAY_HARD, &to, 5000) == 0 && wanted == 1 &&
	    held == 5000, "hard side begins, asks for its sockets, holds them");
	held = 0;
	spray_tick(&s, 5000, record, NULL);
	tap_ok(nsent == 0 && held == 5000,
	    "no sockets yet: nothing sent, the pool held");
	open_socks = 100;
	spray_tick(&s, 5100, record, NULL);
	open_socks = SPRAY_SOCKS;
	spray_tick(&s, 5200, record, NULL);
	spray_tick(&s, 5300, record, NULL);
	n1 = nsent;
	for (i = 0; i < nsent; i++)
		if (sent[i].sock != NE_SOCK_SPRAY + (int)i ||
		    sent[i].port != 51000)
			bad++;
	tap_okf(n1 == SPRAY_SOCKS && bad == 0,
	    "each socket once as it comes, to the peer's mapping (%zu, "
	    "%zu wrong)", n1, bad);
	spray_tick(&s, 5000 + SPRAY_REFRESH_MS, record, NULL);
	tap_okf(nsent == 2 * SPRAY_SOCKS, "a second round after %d ms",
	    SPRAY_REFRESH_MS);
	held = 0;
	spray_tick(&s, 5001 + SPRAY_MS, record, NULL);
	spray_tick(&s, 5101 + SPRAY_MS, record, NULL);
	tap_ok(s.kind == SPRAY_NONE && held == 0 &&
	    nsent == 2 * SPRAY_SOCKS, "over after SPRAY_MS: nothing sent, "
	    "the pool no longer held");
}

/* The design's claim: all miss with a probability under 0.03 %. */
static void
test_odds(void)
{
	double	 miss = pow(1.0 - (double)SPRAY_SOCKS / SPRAY_PORTS,
		    SPRAY_PROBES);

	tap_okf(miss < 0.0003, "all %d probes miss %d open ports: %.5f %%",
	    SPRAY_PROBES, SPRAY_SOCKS, miss * 100);
}

int
main(void)
{
	test_kind();
	test_easy();
	test_hard();
	test_odds();
	return tap_done();
}
