/*
 * The many-probe technique, for a pair of peers where one NAT keeps one
 * mapping for every destination but lets in only the address and port
 * it sent to ("easy": endpoint-independent mapping, address- and
 * port-dependent filtering) and the other gives every destination a
 * new random port ("hard": endpoint-dependent mapping, no step to
 * predict).  Neither side can guess the port the other must aim at.
 *
 * The hard side opens SPRAY_SOCKS sockets (the parent makes them) and
 * sends one probe from each to the easy side's mapped address: its NAT
 * now has SPRAY_SOCKS random ports open, each to that address alone.
 * The easy side sends probes to distinct random ports of the hard
 * side's public address, SPRAY_PER_TICK a tick, SPRAY_PROBES at most.
 * A probe that lands on one of the open ports goes through, and its
 * answer, from that socket, goes through the easy NAT as well: the
 * easy side sent to exactly that address and port.  With 256 ports
 * open among 64512 and 2048 tries, all miss with a probability of
 * (1 - 256/64512)^2048, under 0.03 %.  The cost is capped: 2048 probes
 * of 64 bytes over about 20 s from the easy side (as many conntrack
 * entries on its NAT, each gone 30 s later), two rounds of 256 from
 * the hard side; then the TURN relay is all there is.
 *
 * Both sides decide from the same facts (their own NAT's behaviour and
 * the one the other side put in its offer or response), so both take
 * part or neither does.  The probes are the ordinary authenticated
 * ones of rdv.c; what makes a path of an answer is rdv.c's business.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clawd.h"
#include "log.h"
#include "util.h"
#include "rdv.h"
#include "spray.h"

static struct {
	uint64_t	 attempts;
	uint64_t	 probes;
} sp;

/* Which part, if any, we play, from both NATs' behaviour. */
enum spray_kind
spray_kind(const struct spray_nat *ours, const struct spray_nat *peer)
{
	/* A random allocator, toward one that filters by port. */
	if (ours->mapping == RDV_NAT_EDM && ours->delta == 0 &&
	    peer->mapping == RDV_NAT_EIM &&
	    (peer->filtering == RDV_FILT_APDF ||
	    peer->filtering == RDV_FILT_UNKNOWN))
		return SPRAY_HARD;
	if (peer->mapping == RDV_NAT_EDM && peer->delta == 0 &&
	    ours->mapping == RDV_NAT_EIM &&
	    (ours->filtering == RDV_FILT_APDF ||
	    ours->filtering == RDV_FILT_UNKNOWN))
		return SPRAY_EASY;
	return SPRAY_NONE;
}

static uint32_t
gcd(uint32_t a, uint32_t b)
{
	uint32_t	 t;

	while (b != 0) {
		t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/*
 * Begin: TO is the peer's mapped address (hard) or any address of its
 * NAT (easy).  The easy side walks the port range in a random order
 * that repeats no port: base + k * stride, stride prime to the range.
 */
int
spray_begin(struct spray *s, enum spray_kind kind,
    const struct sockaddr_storage *to, uint64_t now)
{
	spray_end(s);
	if (kind == SPRAY_NONE || to->ss_family != AF_INET)
		return -1;
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->start = now;
	s->round = now;
	s->to = *to;
	if (kind == SPRAY_EASY) {
		s->base = arc4random_uniform(SPRAY_PORTS);
		do
			s->stride = 1 + arc4random_uniform(SPRAY_PORTS - 1);
		while (gcd(s->stride, SPRAY_PORTS) != 1);
	} else {
		/* The sockets stay while the hard side ticks (spray_tick). */
		udp_spray_hold(now);
		udp_spray_want();
	}
	sp.attempts++;
	log_debug("spray: %s side, toward %s", kind == SPRAY_HARD ? "hard" :
	    "easy", log_sockaddr((const struct sockaddr *)to));
	return 0;
}

void
spray_end(struct spray *s)
{
	s->kind = SPRAY_NONE;
}

/* One tick: the probes due now.  0 when the attempt is over. */
int
spray_tick(struct spray *s, uint64_t now, spray_send_fn send, void *arg)
{
	struct sockaddr_storage	 to;
	size_t			 i;
	uint32_t		 k;
	int			 sock;

	if (s->kind == SPRAY_NONE)
		return 0;
	if (now - s->start > SPRAY_MS) {
		log_debug("spray: over after %u probes", s->sent);
		spray_end(s);
		return 0;
	}
	if (s->kind == SPRAY_EASY) {
		for (k = 0; k < SPRAY_PER_TICK && s->sent < SPRAY_PROBES;
		    k++, s->sent++) {
			to = s->to;
			sa_set_port(&to, SPRAY_PORT_MIN + (s->base +
			    (uint64_t)s->sent * s->stride) % SPRAY_PORTS);
			send(arg, NE_SOCK_DIRECT, &to);
			sp.probes++;
		}
		return 1;
	}
	/* Hard: every socket once a round; they come from the parent. */
	udp_spray_hold(now);
	if (now - s->round >= SPRAY_REFRESH_MS) {
		s->round = now;
		memset(s->done, 0, sizeof(s->done));
	}
	for (i = 0; i < SPRAY_SOCKS; i++) {
		if (s->done[i / 64] & (1ULL << (i % 64)) ||
		    (sock = udp_spray_sock(i)) == -1)
			continue;
		s->done[i / 64] |= 1ULL << (i % 64);
		send(arg, sock, &s->to);
		sp.probes++;
	}
	return 1;
}

void
spray_counters(void (*emit)(const char *, uint64_t, void *), void *arg)
{
	emit("rdv.spray_attempts", sp.attempts, arg);
	emit("rdv.spray_probes", sp.probes, arg);
}
