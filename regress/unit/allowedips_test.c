/*
 * The cryptokey routing table: fixed cases, then random tables checked
 * against a linear scan over the same prefixes.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allowedips.h"
#include "tap.h"

static int	 peer[64];	/* their addresses are the owners */

static int
ins(struct allowedips *t, const char *s, int cidr, int p)
{
	uint8_t	 a[16];
	int	 af;

	af = strchr(s, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(af, s, a) != 1)
		abort();
	return allowedips_insert(t, af, a, cidr, &peer[p]);
}

/* The owner's index, or -1. */
static int
look(struct allowedips *t, const char *s)
{
	uint8_t	 a[16];
	void	*p;
	int	 af;

	af = strchr(s, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(af, s, a) != 1)
		abort();
	if ((p = allowedips_lookup(t, af, a)) == NULL)
		return -1;
	return (int *)p - peer;
}

/* The reference: every prefix in a list, longest match by scan. */
struct ref {
	int	 af;
	uint8_t	 a[16];
	int	 cidr;
	int	 p;
};
#define REF_MAX	4096
static struct ref	 refs[REF_MAX];
static int		 nref;

static void
maskbytes(uint8_t *a, int cidr, int len)
{
	int	 i;

	for (i = 0; i < len; i++) {
		if (cidr >= 8)
			cidr -= 8;
		else {
			a[i] &= (uint8_t)(0xff00 >> cidr);
			cidr = 0;
		}
	}
}

static int
covers(const struct ref *r, int af, const uint8_t *a)
{
	uint8_t	 m[16];
	int	 len = af == AF_INET ? 4 : 16;

	if (r->af != af)
		return 0;
	memcpy(m, a, len);
	maskbytes(m, r->cidr, len);
	return memcmp(m, r->a, len) == 0;
}

static void
ref_insert(int af, const uint8_t *a, int cidr, int p)
{
	struct ref	 r;
	int		 i, len = af == AF_INET ? 4 : 16;

	memset(&r, 0, sizeof(r));
	r.af = af;
	memcpy(r.a, a, len);
	maskbytes(r.a, cidr, len);
	r.cidr = cidr;
	r.p = p;
	for (i = 0; i < nref; i++)
		if (refs[i].af == af && refs[i].cidr == cidr &&
		    memcmp(refs[i].a, r.a, 16) == 0) {
			refs[i].p = p;
			return;
		}
	refs[nref++] = r;
}

static int
ref_lookup(int af, const uint8_t *a)
{
	int	 i, best = -1, bestlen = -1;

	for (i = 0; i < nref; i++)
		if (refs[i].cidr > bestlen && covers(&refs[i], af, a)) {
			best = refs[i].p;
			bestlen = refs[i].cidr;
		}
	return best;
}

/* Random addresses clustered so that prefixes nest and overlap. */
static void
rnd_addr(int af, uint8_t *a)
{
	int	 len = af == AF_INET ? 4 : 16;

	arc4random_buf(a, len);
	switch (arc4random_uniform(3)) {
	case 0:
		a[0] = 10;
		a[1] &= 3;
		break;
	case 1:
		a[0] = 0xfd;
		a[1] = 0;
		break;
	}
}

static int
count_cb(int af, const uint8_t *a, uint8_t cidr, void *p, void *arg)
{
	(void)af;
	(void)a;
	(void)cidr;
	(void)p;
	(*(int *)arg)++;
	return 0;
}

static int
random_table(int nprefix, int nlook, int *mismatch)
{
	struct allowedips	 t;
	uint8_t			 a[16];
	int			 i, af, cidr, p, want, got, n;

	allowedips_init(&t);
	nref = 0;
	for (i = 0; i < nprefix; i++) {
		af = arc4random_uniform(2) ? AF_INET : AF_INET6;
		rnd_addr(af, a);
		cidr = arc4random_uniform(af == AF_INET ? 33 : 129);
		p = arc4random_uniform(16);
		if (allowedips_insert(&t, af, a, cidr, &peer[p]) == -1)
			return 0;
		ref_insert(af, a, cidr, p);
	}
	if (t.nprefix != (size_t)nref)
		return 0;
	/* drop three peers and a few single prefixes from both */
	for (p = 0; p < 3; p++) {
		n = 0;
		for (i = 0; i < nref; i++)
			if (refs[i].p == p)
				n++;
		if (allowedips_remove_peer(&t, &peer[p]) != (size_t)n)
			return 0;
		for (i = 0; i < nref; i++)
			if (refs[i].p == p)
				refs[i--] = refs[--nref];
	}
	for (i = 0; i < 20 && nref > 0; i++) {
		n = arc4random_uniform(nref);
		if (allowedips_remove(&t, refs[n].af, refs[n].a,
		    refs[n].cidr) == -1)
			return 0;
		refs[n] = refs[--nref];
	}
	n = 0;
	allowedips_walk(&t, NULL, count_cb, &n);
	if (t.nprefix != (size_t)nref || n != nref)
		return 0;
	for (i = 0; i < nlook; i++) {
		af = arc4random_uniform(2) ? AF_INET : AF_INET6;
		if (arc4random_uniform(2) && nref > 0) {
			/* inside a known prefix, random host bits */
			n = arc4random_uniform(nref);
			af = refs[n].af;
			rnd_addr(af, a);
			memcpy(a, refs[n].a, refs[n].cidr / 8);
		} else
			rnd_addr(af, a);
		want = ref_lookup(af, a);
		got = -1;
		if (allowedips_lookup(&t, af, a) != NULL)
			got = (int *)allowedips_lookup(&t, af, a) - peer;
		if (want != got) {
			(*mismatch)++;
			return 0;
		}
		if (want != -1 &&
		    (!allowedips_check(&t, af, a, &peer[want]) ||
		    allowedips_check(&t, af, a, &peer[(want + 1) % 16])))
			return 0;
	}
	allowedips_free(&t);
	return 1;
}

int
main(void)
{
	struct allowedips	 t;
	uint8_t			 a[16];
	int			 good, mismatch = 0, i, n;

	allowedips_init(&t);
	tap_ok(look(&t, "10.0.0.1") == -1 && look(&t, "::1") == -1,
	    "empty table: no owner");

	ins(&t, "10.0.0.0", 8, 1);
	ins(&t, "10.1.0.0", 16, 2);
	ins(&t, "10.1.2.0", 24, 3);
	ins(&t, "10.1.2.3", 32, 4);
	tap_ok(look(&t, "10.9.9.9") == 1 && look(&t, "10.1.9.9") == 2 &&
	    look(&t, "10.1.2.9") == 3 && look(&t, "10.1.2.3") == 4,
	    "longest prefix wins");
	tap_ok(look(&t, "11.0.0.0") == -1 && look(&t, "9.255.255.255") == -1,
	    "outside every prefix");
	ins(&t, "0.0.0.0", 0, 5);
	tap_ok(look(&t, "11.0.0.0") == 5 && look(&t, "10.1.2.3") == 4,
	    "/0 catches the rest, /32 still wins");
	tap_ok(look(&t, "::1") == -1, "IPv4 /0 does not cover IPv6");

	ins(&t, "10.1.255.255", 16, 6);
	tap_ok(look(&t, "10.1.9.9") == 6 && look(&t, "10.1.2.9") == 3,
	    "same prefix, host bits set: masked, owner replaced");
	tap_ok(t.nprefix == 5, "replacement adds no prefix");
	tap_ok(ins(&t, "10.0.0.0", 33, 1) == -1 && ins(&t, "::", 129, 1) == -1,
	    "over-long prefix refused");
	inet_pton(AF_INET, "10.0.0.0", a);
	tap_ok(allowedips_insert(&t, AF_INET, a, 8, NULL) == -1 &&
	    allowedips_insert(&t, AF_UNIX, a, 8, &peer[1]) == -1,
	    "NULL owner, unknown family refused");

	ins(&t, "2001:db8::", 32, 7);
	ins(&t, "2001:db8:1::", 48, 8);
	ins(&t, "2001:db8:1::1", 128, 9);
	ins(&t, "2001:db8:1::", 127, 10);
	tap_ok(look(&t, "2001:db8:1::1") == 9 &&
	    look(&t, "2001:db8:1::") == 10 &&
	    look(&t, "2001:db8:1::2") == 8 && look(&t, "2001:db8:2::") == 7 &&
	    look(&t, "2001:db9::") == -1, "IPv6 /32 /48 /127 /128");
	ins(&t, "::", 0, 11);
	tap_ok(look(&t, "2001:db9::") == 11 && look(&t, "2001:db8:1::1") == 9,
	    "IPv6 /0");
	tap_ok(look(&t, "10.9.9.9") == 1, "IPv6 /0 does not cover IPv4");

	/* overlapping peers, then one removed */
	tap_ok(allowedips_remove_peer(&t, &peer[3]) == 1 &&
	    look(&t, "10.1.2.9") == 6 && look(&t, "10.1.2.3") == 4,
	    "remove a peer: its addresses fall to the covering prefix");
	tap_ok(allowedips_remove_peer(&t, &peer[6]) == 1 &&
	    look(&t, "10.1.2.9") == 1, "remove the next one");
	tap_ok(allowedips_remove_peer(&t, &peer[6]) == 0,
	    "removing it again removes nothing");
	inet_pton(AF_INET6, "2001:db8:1::", a);
	tap_ok(allowedips_remove(&t, AF_INET6, a, 127) == 0 &&
	    allowedips_remove(&t, AF_INET6, a, 127) == -1 &&
	    allowedips_remove(&t, AF_INET6, a, 100) == -1 &&
	    look(&t, "2001:db8:1::") == 8 && look(&t, "2001:db8:1::1") == 9,
	    "remove one prefix");
	inet_pton(AF_INET, "10.1.2.3", a);
	tap_ok(allowedips_check(&t, AF_INET, a, &peer[4]) &&
	    !allowedips_check(&t, AF_INET, a, &peer[1]) &&
	    !allowedips_check(&t, AF_INET, a, NULL),
	    "source check: only the owner of the longest prefix");
	n = 0;
	allowedips_walk(&t, &peer[9], count_cb, &n);
	tap_ok(n == 1, "walk one peer's prefixes");
	allowedips_free(&t);
	tap_ok(t.root4 == NULL && t.root6 == NULL && t.nprefix == 0, "free");

	good = 1;
	for (i = 0; i < 10 && good; i++)
		good = random_table(1000, 1000, &mismatch);
	tap_ok(good && mismatch == 0,
	    "1000 random prefixes, 10 x 1000 lookups match a linear scan");
	good = 1;
	for (i = 0; i < 5 && good; i++)
		good = random_table(3000, 2000, &mismatch);
	tap_ok(good && mismatch == 0, "3000 prefixes, removals, 10000 lookups");

	return tap_done();
}
