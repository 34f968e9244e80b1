/*
 * What netengine learned of our NAT, kept in the state directory so
 * that a restarted daemon can write its first rendezvous message at
 * once instead of waiting seconds for RFC 5780 discovery to run again.
 * netengine decides when the memory still applies (the same addresses
 * seen by the same STUN server); here it is only checked, stamped,
 * stored and handed back.
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
#include "rdv_msg.h"

#define NATSTATE_FILE	"nat-behaviour"
#define NATSTATE_MAGIC	"clawdnat"
#define NATSTATE_VERSION 1
#define NATSTATE_GAP_S	10

struct natstate_file {
	char			 magic[8];
	uint32_t		 version;
	uint32_t		 len;
	struct imsg_nat_memory	 mem;
};

static struct {
	char			 dir[CLAWD_PATH_MAX];
	struct imsg_nat_memory	 saved;		/* what the file holds */
	struct imsg_nat_memory	 pending;	/* to write when due */
	int			 have_pending;
	time_t			 written;	/* monotonic, seconds */
	struct event		 ev;
	int			 ev_set;
} ns;

static int
addr_ok(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in	*sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6	*sin6 = (const struct sockaddr_in6 *)ss;

	switch (ss->ss_family) {
	case AF_INET:
		return sin->sin_port == 0;
	case AF_INET6:
		return sin6->sin6_port == 0;
	}
	return 0;
}

/* Could discovery have said this?  UNKNOWN is not worth keeping. */
static int
natstate_valid(const struct imsg_nat_memory *m)
{
	if (m->mapping != RDV_NAT_EIM && m->mapping != RDV_NAT_EDM &&
	    m->mapping != RDV_NAT_NONE)
		return 0;
	if (m->filtering > RDV_FILT_APDF)
		return 0;
	if (m->step < -1 || m->step > NAT_MEMORY_STEP_MAX)
		return 0;
	return addr_ok(&m->public) && addr_ok(&m->local);
}

static time_t
mono_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void
natstate_write(void)
{
	struct natstate_file	 f;

	memset(&f, 0, sizeof(f));
	memcpy(f.magic, NATSTATE_MAGIC, sizeof(f.magic));
	f.version = NATSTATE_VERSION;
	f.len = sizeof(f.mem);
	f.mem = ns.pending;
	f.mem.saved = time(NULL);
	ns.have_pending = 0;
	ns.written = mono_s();
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
	struct natstate_file	 f;
	int64_t			 age;
	size_t			 n;

	strlcpy(ns.dir, dir, sizeof(ns.dir));
	if (!ns.ev_set) {
		evtimer_set(&ns.ev, natstate_due, NULL);
		ns.ev_set = 1;
	}
	memset(&f, 0, sizeof(f));
	if ((n = statefile_read(dir, NATSTATE_FILE, &f, sizeof(f))) == 0)
		return;
	if (n != sizeof(f) ||
	    memcmp(f.magic, NATSTATE_MAGIC, sizeof(f.magic)) != 0 ||
	    f.version != NATSTATE_VERSION || f.len != sizeof(f.mem) ||
	    !natstate_valid(&f.mem)) {
		log_warnx("%s/%s: not a nat behaviour file of this version; "
		    "ignored", dir, NATSTATE_FILE);
		return;
	}
	age = (int64_t)time(NULL) - f.mem.saved;
	if (age < 0 || age > NAT_MEMORY_MAX_AGE) {
		log_debug("%s/%s: %lld s old; ignored", dir, NATSTATE_FILE,
		    (long long)age);
		return;
	}
	ns.saved = f.mem;
	log_debug("%s/%s: nat behaviour from %lld s ago", dir,
	    NATSTATE_FILE, (long long)age);
	imsgev_compose(ne, IMSG_NAT_MEMORY, 0, 0, -1, &f.mem,
	    sizeof(f.mem));
}

/* Only the bytes that mean something: no padding reaches the file. */
static void
addr_copy(struct sockaddr_storage *to, const struct sockaddr_storage *from)
{
	memset(to, 0, sizeof(*to));
	if (from->ss_family == AF_INET)
		memcpy(to, from, sizeof(struct sockaddr_in));
	else if (from->ss_family == AF_INET6)
		memcpy(to, from, sizeof(struct sockaddr_in6));
}

/* A new verdict from netengine: kept, at most once per NATSTATE_GAP_S. */
void
natstate_save(struct imsg *imsg)
{
	struct imsg_nat_memory	 in, m;
	time_t			 since;

	if (imsg_get_data(imsg, &in, sizeof(in)) == -1)
		fatalx("bad NAT_MEMORY");
	if (!natstate_valid(&in)) {
		log_warnx("netengine sent an impossible nat behaviour; "
		    "not saved");
		return;
	}
	memset(&m, 0, sizeof(m));
	m.mapping = in.mapping;
	m.filtering = in.filtering;
	m.step = in.step;
	addr_copy(&m.public, &in.public);
	addr_copy(&m.local, &in.local);
	ns.saved.saved = 0;
	if (memcmp(&m, &ns.saved, sizeof(m)) == 0) {
		ns.have_pending = 0;
		return;
	}
	ns.pending = m;
	ns.have_pending = 1;
	if (!ns.ev_set || evtimer_pending(&ns.ev, NULL))
		return;
	since = mono_s() - ns.written;
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
