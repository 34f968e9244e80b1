/*
 * The rendezvous' candidates: ours (host addresses, what the STUN
 * servers saw, our TURN relay) with our NAT's behaviour for the
 * messages, and the other side's from its message, with guesses past
 * a sequential NAT.  Below rdv.c, which calls these; they call only
 * the STUN and TURN clients and NAT discovery.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdio.h>
#include <string.h>

#include <event.h>

#include "clawd.h"
#include "clawd_imsg.h"
#include "log.h"
#include "proc.h"
#include "util.h"
#include "stun.h"
#include "natdisc.h"
#include "turn.h"
#include "wg.h"
#include "udp.h"
#include "rdv.h"
#include "spray.h"
#include "rdv_local.h"

/*
 * The rendezvous' state (rdv_local.h), defined here, in the lowest of
 * its files, so that none of them refers to one above it.
 */
struct rdv_global	 rdv;

/* --- candidates ------------------------------------------------------ */

/*
 * A candidate, once: an address reached directly and the same address
 * reached through our relay are two candidates.
 */
int
rdv_cand_add_via(struct rdv_cand *c, size_t *n, size_t max, uint8_t type,
    const struct sockaddr_storage *ss, int via)
{
	size_t	 i;

	for (i = 0; i < *n; i++)
		if (c[i].via_relay == via &&
		    sa_equal((const struct sockaddr *)&c[i].ss,
		    (const struct sockaddr *)ss))
			return 0;
	if (*n == max)
		return -1;
	c[*n].via_relay = via;
	c[*n].type = type;
	c[*n].prio = rdv_prio(type, ss->ss_family);
	c[*n].ss = *ss;
	(*n)++;
	return 0;
}

int
rdv_cand_add(struct rdv_cand *c, size_t *n, size_t max, uint8_t type,
    const struct sockaddr_storage *ss)
{
	return rdv_cand_add_via(c, n, max, type, ss, 0);
}

/*
 * Our NAT's behaviour, and where that idea comes from.  RFC 5780
 * discovery on this socket knows best (natdisc.c); its filtering
 * verdict comes a few seconds after its mapping one, and meanwhile the
 * one kept from our last start stands in if it applies.  Until then,
 * what the STUN servers saw of our one socket: the same address for
 * all is endpoint-independent mapping; different ports from one
 * address with a steady step are a sequential allocator, whose next
 * mapping can be guessed.  And what discovery found at our last start
 * (rdv_nat_memory()), while the first STUN server sees us at the same
 * public address from the same local one and the servers do not
 * contradict it: the same NAT, most likely, with its filtering and
 * port step, which the servers alone cannot tell.
 */
static int
rdv_natmem_applies(uint8_t servers)
{
	struct sockaddr_storage	 pub, loc;

	if (!rdv.have_natmem || stun_first(&pub, &loc) == -1)
		return 0;
	sa_set_port(&pub, 0);
	sa_set_port(&loc, 0);
	if (!sa_equal((struct sockaddr *)&pub,
	    (struct sockaddr *)&rdv.natmem.public) ||
	    !sa_equal((struct sockaddr *)&loc,
	    (struct sockaddr *)&rdv.natmem.local))
		return 0;
	return servers == RDV_NAT_UNKNOWN || servers == rdv.natmem.mapping;
}

int
rdv_nat_src(uint8_t *mapping, int16_t *delta, uint8_t *filt)
{
	struct sockaddr_storage	 m[CLAWD_STUN_MAX];
	size_t			 n, i;
	int			 d, r;

	if ((r = natdisc_get(mapping, filt, &d)) >= 0 &&
	    *mapping != RDV_NAT_UNKNOWN) {
		*delta = d > 0 && d <= NATDISC_STEP_MAX ? d : 0;
		/* Filtering still under test: as last time, if it holds. */
		if (r == 1 && rdv_natmem_applies(*mapping) &&
		    rdv.natmem.step == d) {
			*filt = rdv.natmem.filtering;
			return RDV_NATSRC_DISC_MEMORY;
		}
		return RDV_NATSRC_DISCOVERY;
	}
	*filt = RDV_FILT_UNKNOWN;
	*mapping = RDV_NAT_UNKNOWN;
	*delta = 0;
	if ((n = stun_mapped_all(m, CLAWD_STUN_MAX)) == 0)
		return RDV_NATSRC_NONE;
	for (i = 0; i < rdv.nhosts; i++) {
		sa_set_port(&rdv.hosts[i], rdv.port);
		if (sa_equal((struct sockaddr *)&rdv.hosts[i],
		    (struct sockaddr *)&m[0])) {
			*mapping = RDV_NAT_NONE;
			return RDV_NATSRC_SERVERS;
		}
	}
	if (n >= 2) {
		*mapping = RDV_NAT_EIM;
		for (i = 1; i < n; i++)
			if (!sa_equal((struct sockaddr *)&m[i],
			    (struct sockaddr *)&m[0]))
				*mapping = RDV_NAT_EDM;
		if (*mapping == RDV_NAT_EDM) {
			d = (int)sa_port(&m[1]) - (int)sa_port(&m[0]);
			if (d >= -NATDISC_STEP_MAX && d <= NATDISC_STEP_MAX)
				*delta = d;
		}
	}
	if (rdv_natmem_applies(*mapping)) {
		*mapping = rdv.natmem.mapping;
		*filt = rdv.natmem.filtering;
		*delta = rdv.natmem.step > 0 ? rdv.natmem.step : 0;
		return RDV_NATSRC_MEMORY;
	}
	return *mapping == RDV_NAT_UNKNOWN ? RDV_NATSRC_NONE :
	    RDV_NATSRC_SERVERS;
}

void
rdv_nat(uint8_t *mapping, int16_t *delta, uint8_t *filt)
{
	(void)rdv_nat_src(mapping, delta, filt);
}

/* What discovery found at our last start, from the parent. */
void
rdv_nat_memory(const struct imsg_nat_memory *m)
{
	rdv.natmem = *m;
	rdv.have_natmem = 1;
	/* The parent has it already. */
	rdv.natmem_sent = *m;
	rdv.natmem_sent.saved = 0;
}

/*
 * A verdict of discovery the parent has not kept yet goes to it, with
 * the addresses it holds for: called every tick, it costs a compare.
 */
void
rdv_nat_keep(void)
{
	struct imsg_nat_memory	 m;
	struct sockaddr_storage	 pub, loc;
	uint8_t			 mapping, filt;
	int			 step;

	if (natdisc_get(&mapping, &filt, &step) != 0 ||
	    mapping == RDV_NAT_UNKNOWN || stun_first(&pub, &loc) == -1)
		return;
	memset(&m, 0, sizeof(m));
	m.mapping = mapping;
	m.filtering = filt;
	m.step = step >= -1 && step <= NAT_MEMORY_STEP_MAX ? step : -1;
	sa_set_port(&pub, 0);
	sa_set_port(&loc, 0);
	memcpy(&m.public, &pub, sa_len((struct sockaddr *)&pub));
	memcpy(&m.local, &loc, sa_len((struct sockaddr *)&loc));
	if (memcmp(&m, &rdv.natmem_sent, sizeof(m)) == 0)
		return;
	rdv.natmem_sent = m;
	proc_child_compose(PROC_PARENT, IMSG_NAT_MEMORY, 0, 0, -1, &m,
	    sizeof(m));
}

/*
 * Host addresses, then what the STUN servers saw, then our relay if
 * we have one and the other side offered none: one relay per
 * connection, so that both sides agree on which one carries it.
 */
void
rdv_gather(struct rdv_msg *msg, int relay)
{
	struct sockaddr_storage	 m[CLAWD_STUN_MAX], ss;
	size_t			 i, n;

	msg->ncand = 0;
	for (i = 0; i < rdv.nhosts; i++) {
		ss = rdv.hosts[i];
		sa_set_port(&ss, rdv.port);
		rdv_cand_add(msg->cand, &msg->ncand, RDV_CAND_MAX,
		    RDV_CAND_HOST, &ss);
	}
	n = stun_mapped_all(m, CLAWD_STUN_MAX);
	for (i = 0; i < n; i++)
		rdv_cand_add(msg->cand, &msg->ncand, RDV_CAND_MAX,
		    RDV_CAND_SRFLX, &m[i]);
	/* Our relay, allocated before it is needed: the last resort. */
	if (relay && turn_relayed(&ss) == 0)
		rdv_cand_add(msg->cand, &msg->ncand, RDV_CAND_MAX,
		    RDV_CAND_RELAY, &ss);
	rdv_nat(&msg->mapping, &msg->delta, &msg->filtering);
}

int
rdv_has_relay(const struct rdv_msg *msg)
{
	size_t	 i;

	for (i = 0; i < msg->ncand; i++)
		if (msg->cand[i].type == RDV_CAND_RELAY)
			return 1;
	return 0;
}

/*
 * Guesses past a sequential NAT: the next RDV_PREDICT ports after each
 * of the peer's server-reflexive candidates, DELTA apart.
 */
static void
rdv_predict(struct rdv_peer *rp, int delta)
{
	struct sockaddr_storage	 ss;
	size_t			 i, n = rp->nremote;
	int			 k, port;

	if (delta == 0)
		return;
	for (i = 0; i < n; i++) {
		if (rp->remote[i].type != RDV_CAND_SRFLX)
			continue;
		for (k = 1; k <= RDV_PREDICT; k++) {
			ss = rp->remote[i].ss;
			port = sa_port(&ss) + k * delta;
			if (port <= 0 || port > 65535)
				continue;
			sa_set_port(&ss, port);
			rdv_cand_add(rp->remote, &rp->nremote,
			    RDV_REMOTE_MAX, RDV_CAND_PREDICTED, &ss);
		}
	}
}

/* The other side's candidates, and guesses past a sequential NAT. */
void
rdv_remote_set(struct rdv_peer *rp, const struct rdv_msg *msg, int keep)
{
	size_t			 i;

	if (!keep)
		rp->nremote = 0;
	rp->peer_nat.mapping = msg->mapping;
	rp->peer_nat.filtering = msg->filtering;
	rp->peer_nat.delta = msg->delta;
	for (i = 0; i < msg->ncand; i++) {
		/* No loopback, multicast and the like, whoever names it. */
		if (!sa_probe_ok((const struct sockaddr *)&msg->cand[i].ss)) {
			log_info("rdv: peer %u: candidate %s ignored: not an "
			    "address to probe", rp->id,
			    log_sockaddr((const struct sockaddr *)
			    &msg->cand[i].ss));
			continue;
		}
		rdv_cand_add(rp->remote, &rp->nremote, RDV_REMOTE_MAX,
		    msg->cand[i].type, &msg->cand[i].ss);
		/* Let the peer in through our relay (by address). */
		if (msg->cand[i].type != RDV_CAND_HOST &&
		    msg->cand[i].type != RDV_CAND_RELAY)
			turn_permit((const struct sockaddr *)&msg->cand[i].ss);
	}
	if (msg->mapping == RDV_NAT_EDM)
		rdv_predict(rp, msg->delta);
}

/*
 * The peer's NAT as its authenticated probe says it knows it now: it
 * may have learned more since its message left (discovery takes a few
 * seconds, the message does not wait).  Returns 1 if it changed.
 */
int
rdv_peer_nat_learn(struct rdv_peer *rp, uint8_t mapping, uint8_t filtering,
    int step)
{
	struct spray_nat	*pn = &rp->peer_nat;

	if (mapping == RDV_NAT_UNKNOWN || (pn->mapping == mapping &&
	    (filtering == RDV_FILT_UNKNOWN || pn->filtering == filtering) &&
	    pn->delta == step))
		return 0;
	pn->mapping = mapping;
	if (filtering != RDV_FILT_UNKNOWN)
		pn->filtering = filtering;
	if (pn->delta != step && mapping == RDV_NAT_EDM)
		rdv_predict(rp, step);
	pn->delta = step;
	log_info("rdv: peer %u: its NAT from its probes: mapping %u, "
	    "filtering %u, step %d", rp->id, mapping, pn->filtering, step);
	return 1;
}
