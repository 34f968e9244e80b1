/*
 * The nat-behaviour file's format (natfile.h): a magic, a version, the
 * size of what follows, and one struct imsg_nat_memory of this
 * machine's layout (the file never leaves it), with the time it was
 * written.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdint.h>
#include <string.h>

#include "clawd_imsg.h"
#include "rdv_msg.h"
#include "natfile.h"

/* An address with its port 0, of a family we use. */
static int
addr_ok(const struct sockaddr_storage *ss)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;

	switch (ss->ss_family) {
	case AF_INET:
		memcpy(&sin, ss, sizeof(sin));
		return sin.sin_port == 0;
	case AF_INET6:
		memcpy(&sin6, ss, sizeof(sin6));
		return sin6.sin6_port == 0;
	}
	return 0;
}

/* Could discovery have said this?  UNKNOWN is not worth keeping. */
int
natfile_valid(const struct imsg_nat_memory *m)
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

/* Only the bytes that mean something: no padding is kept. */
static void
addr_copy(struct sockaddr_storage *to, const struct sockaddr_storage *from)
{
	memset(to, 0, sizeof(*to));
	if (from->ss_family == AF_INET)
		memcpy(to, from, sizeof(struct sockaddr_in));
	else if (from->ss_family == AF_INET6)
		memcpy(to, from, sizeof(struct sockaddr_in6));
}

/* A valid IN, copied field by field into OUT (saved left 0). */
void
natfile_clean(struct imsg_nat_memory *out, const struct imsg_nat_memory *in)
{
	memset(out, 0, sizeof(*out));
	out->mapping = in->mapping;
	out->filtering = in->filtering;
	out->step = in->step;
	addr_copy(&out->public, &in->public);
	addr_copy(&out->local, &in->local);
}

void
natfile_encode(struct natfile *f, const struct imsg_nat_memory *m,
    int64_t now)
{
	memset(f, 0, sizeof(*f));
	memcpy(f->magic, NATFILE_MAGIC, sizeof(f->magic));
	f->version = NATFILE_VERSION;
	f->len = sizeof(f->mem);
	natfile_clean(&f->mem, m);
	f->mem.saved = now;
}

/*
 * The memory in a file's LEN bytes, if it is one of ours, of this
 * version, valid and at most NAT_MEMORY_MAX_AGE old at NOW: 0, or -1
 * and why.
 */
int
natfile_decode(const void *buf, size_t len, int64_t now,
    struct imsg_nat_memory *out, const char **why)
{
	struct natfile	 f;

	if (len != sizeof(f)) {
		*why = "not a nat behaviour file of this version";
		return -1;
	}
	memcpy(&f, buf, sizeof(f));
	if (memcmp(f.magic, NATFILE_MAGIC, sizeof(f.magic)) != 0 ||
	    f.version != NATFILE_VERSION || f.len != sizeof(f.mem) ||
	    !natfile_valid(&f.mem)) {
		*why = "not a nat behaviour file of this version";
		return -1;
	}
	if (f.mem.saved < 0 || f.mem.saved > now ||
	    now - f.mem.saved > NAT_MEMORY_MAX_AGE) {
		*why = "too old, or from the future";
		return -1;
	}
	natfile_clean(out, &f.mem);
	out->saved = f.mem.saved;
	return 0;
}
