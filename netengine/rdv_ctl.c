/*
 * What the rendezvous tells clawctl: each peer's path and timeline
 * (control.c adds them to wg.c's rows) and the counters.  Reads the
 * state of rdv.c, changes nothing.
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
#include "util.h"
#include "stun.h"
#include "natdisc.h"
#include "turn.h"
#include "wg.h"
#include "udp.h"
#include "rdv.h"
#include "spray.h"
#include "rdv_local.h"

static const char *const rdv_state_names[] = {
	"idle", "offered", "punching", "up"
};

/* --- reporting ------------------------------------------------------- */

const char *
rdv_path(uint32_t id)
{
	struct rdv_peer	*rp;
	size_t		 i;

	/*
	 * The path in use, also while a better one is sought; before the
	 * first is up, the best one found so far, or none ("-"), whatever
	 * endpoint WireGuard may have taken from a handshake meanwhile.
	 * Punching again after being up, the tunnel still runs where
	 * WireGuard sends (the caller's to say).
	 */
	if ((rp = rdv_peer(id)) == NULL)
		return NULL;
	if (!rp->have_path)
		return rp->t_hs != 0 ? NULL : "-";
	if (rp->path_relayed)
		return "relayed";
	for (i = 0; i < rp->nremote; i++)
		if (sa_equal((struct sockaddr *)&rp->remote[i].ss,
		    (struct sockaddr *)&rp->path) &&
		    rp->remote[i].type == RDV_CAND_RELAY)
			return "relayed";
	return "direct";
}

/* "offered 2.1s, punch 0.3s, handshake 0.1s" and the like. */
const char *
rdv_timeline(uint32_t id, char *buf, size_t len)
{
	struct rdv_peer	*rp;

	if ((rp = rdv_peer(id)) == NULL)
		return NULL;
	if (rp->t_begin == 0 || rp->t_msg < rp->t_begin) {
		snprintf(buf, len, "%s", rdv_state_names[rp->state]);
		return buf;
	}
	snprintf(buf, len, "%s: drop %.1fs", rdv_state_names[rp->state],
	    (rp->t_msg - rp->t_begin) / 1000.0);
	if (rp->t_path >= rp->t_msg && rp->have_path)
		snprintf(buf + strlen(buf), len - strlen(buf),
		    ", punch %.1fs", (rp->t_path - rp->t_msg) / 1000.0);
	if (rp->state == RDV_UP && rp->t_hs >= rp->t_path)
		snprintf(buf + strlen(buf), len - strlen(buf),
		    ", handshake %.1fs", (rp->t_hs - rp->t_path) / 1000.0);
	return buf;
}

void
rdv_counters(void (*emit)(const char *, uint64_t, void *), void *arg)
{
	emit("rdv.offers_out", rdv.offers_out, arg);
	emit("rdv.offers_in", rdv.offers_in, arg);
	emit("rdv.responses_out", rdv.responses_out, arg);
	emit("rdv.responses_in", rdv.responses_in, arg);
	emit("rdv.requests_out", rdv.requests_out, arg);
	emit("rdv.requests_in", rdv.requests_in, arg);
	emit("rdv.rejected", rdv.rejected, arg);
	emit("rdv.probes_out", rdv.probes_out, arg);
	emit("rdv.probes_in", rdv.probes_in, arg);
	emit("rdv.probes_bad", rdv.probes_bad, arg);
	emit("rdv.probes_unmatched", rdv.probes_unmatched, arg);
	emit("rdv.paths", rdv.paths, arg);
}
