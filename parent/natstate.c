/*
 * What netengine learned of our NAT, kept in the state directory so
 * that a restarted daemon can write its first rendezvous message at
 * once instead of waiting seconds for RFC 5780 discovery to run again.
 * netengine decides when the memory still applies (the same addresses
 * seen by the same STUN server); here it is only checked, stamped,
 * stored and handed back.  The file's format is natfile.c's.
 *
 * netengine parses hostile packets, so what it sends is validated like
 * the file itself, and writes are paced: the root process syncs a
 * small file at most once every NATSTATE_GAP_S, whatever it is sent.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <event.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "clawd.h"
#include "clawd_imsg.h"
#include "log.h"
#include "parent.h"
#include "proc.h"
#include "util.h"
#include "natfile.h"

#define NATSTATE_FILE	"nat-behaviour"
#define NATSTATE_GAP_S	10

static struct {
	char			 dir[CLAWD_PATH_MAX];
	struct imsg_nat_memory	 saved;		/* what the file holds */
	struct imsg_nat_memory	 pending;	/* to write when due */
	int			 have_pending;
	time_t			 written;	/* monotonic, seconds */
	struct event		 ev;
	int			 ev_set;
} ns;

static void
natstate_write(void)
{
	struct natfile	 f;

	natfile_encode(&f, &ns.pending, time(NULL));
	ns.have_pending = 0;
	ns.written = monotime();
	if (statefile_write(ns.dir, NATSTATE_FILE, &f, sizeof(f)) == 0) {
		ns.saved = ns.pending;
		log_debug("%s/%s: nat behaviour saved", ns.dir, NATSTATE_FILE);
	}
}

static void
natstate_due(int fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	if (ns.have_pending)
		natstate_write();
}

/*
 * The saved behaviour, if any, to netengine, after its configuration.
 * A file from another version, of the wrong size, that does not
 * validate, or too old, is left alone and not sent.
 */
void
natstate_push(const char *dir, struct imsgev *ne)
{
	struct natfile		 f;
	struct imsg_nat_memory	 m;
	const char		*why;
	size_t			 n;

	strlcpy(ns.dir, dir, sizeof(ns.dir));
	if (!ns.ev_set) {
		evtimer_set(&ns.ev, natstate_due, NULL);
		ns.ev_set = 1;
	}
	if ((n = statefile_read(dir, NATSTATE_FILE, &f, sizeof(f))) == 0)
		return;
	if (natfile_decode(&f, n, time(NULL), &m, &why) == -1) {
		log_warnx("%s/%s: %s; ignored", dir, NATSTATE_FILE, why);
		return;
	}
	ns.saved = m;
	ns.saved.saved = 0;
	log_debug("%s/%s: nat behaviour from %lld s ago", dir, NATSTATE_FILE,
	    (long long)(time(NULL) - m.saved));
	imsgev_compose(ne, IMSG_NAT_MEMORY, 0, 0, -1, &m, sizeof(m));
}

/* A new verdict from netengine: kept, at most once per NATSTATE_GAP_S. */
void
natstate_save(struct imsg *imsg)
{
	struct imsg_nat_memory	 in, m;
	time_t			 since;

	if (imsg_get_data(imsg, &in, sizeof(in)) == -1)
		fatalx("bad NAT_MEMORY");
	if (!natfile_valid(&in)) {
		log_warnx("netengine sent an impossible nat behaviour; "
		    "not saved");
		return;
	}
	natfile_clean(&m, &in);
	if (memcmp(&m, &ns.saved, sizeof(m)) == 0) {
		ns.have_pending = 0;
		return;
	}
	ns.pending = m;
	ns.have_pending = 1;
	if (!ns.ev_set || evtimer_pending(&ns.ev, NULL))
		return;
	since = monotime() - ns.written;
	if (ns.written == 0 || since >= NATSTATE_GAP_S)
		natstate_write();
	else {
		struct timeval	 tv = { NATSTATE_GAP_S - since, 0 };

		evtimer_add(&ns.ev, &tv);
	}
}

/* At exit: what is still waiting for its turn is written now. */
void
natstate_flush(void)
{
	if (ns.ev_set)
		evtimer_del(&ns.ev);
	if (ns.have_pending)
		natstate_write();
}
