/*
 * Cryptokey routing table: a path-compressed binary trie per address
 * family.  Keys are the address as a 128-bit big-endian number in two
 * host-order words (IPv4 in the top 32 bits), so one step of a lookup
 * is two XORs and two ANDs.  Every node holds a prefix masked to its
 * length; a node's children extend its prefix by at least one bit, the
 * child chosen by the first bit after it.  Nodes without an owner only
 * join two subtrees and disappear when they no longer do.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "allowedips.h"

struct aip_node {
	struct aip_node	*child[2];
	void		*peer;		/* NULL: a junction only */
	uint64_t	 key[2];	/* masked to cidr */
	uint64_t	 mask[2];
	uint8_t		 cidr;
};

static int
load(int af, const void *addr, uint64_t k[2], uint8_t *max)
{
	uint32_t	 a4;

	switch (af) {
	case AF_INET:
		memcpy(&a4, addr, sizeof(a4));
		k[0] = (uint64_t)be32toh(a4) << 32;
		k[1] = 0;
		*max = 32;
		return 0;
	case AF_INET6:
		memcpy(k, addr, 2 * sizeof(uint64_t));
		k[0] = be64toh(k[0]);
		k[1] = be64toh(k[1]);
		*max = 128;
		return 0;
	}
	return -1;
}

static void
store(int af, const uint64_t k[2], uint8_t out[16])
{
	uint64_t	 b[2];
	uint32_t	 a4;

	if (af == AF_INET) {
		a4 = htobe32((uint32_t)(k[0] >> 32));
		memcpy(out, &a4, sizeof(a4));
	} else {
		b[0] = htobe64(k[0]);
		b[1] = htobe64(k[1]);
		memcpy(out, b, sizeof(b));
	}
}

static void
mkmask(uint8_t cidr, uint64_t m[2])
{
	m[0] = cidr == 0 ? 0 : cidr >= 64 ? ~0ULL : ~0ULL << (64 - cidr);
	m[1] = cidr <= 64 ? 0 : ~0ULL << (128 - cidr);
}

/* Bit i (0 is the most significant) of a key; i < 128. */
static int
bitat(const uint64_t k[2], uint8_t i)
{
	if (i < 64)
		return (k[0] >> (63 - i)) & 1;
	return (k[1] >> (127 - i)) & 1;
}

/* Length of the common leading bits of two keys. */
static uint8_t
common(const uint64_t a[2], const uint64_t b[2])
{
	uint64_t	 x;

	if ((x = a[0] ^ b[0]) != 0)
		return __builtin_clzll(x);
	if ((x = a[1] ^ b[1]) != 0)
		return 64 + __builtin_clzll(x);
	return 128;
}

static struct aip_node **
rootp(struct allowedips *t, int af)
{
	return af == AF_INET ? &t->root4 : &t->root6;
}

static struct aip_node *
node_new(const uint64_t k[2], uint8_t cidr, void *peer)
{
	struct aip_node	*n;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	mkmask(cidr, n->mask);
	n->key[0] = k[0] & n->mask[0];
	n->key[1] = k[1] & n->mask[1];
	n->cidr = cidr;
	n->peer = peer;
	return n;
}

/* A junction left with fewer than two children is not needed. */
static struct aip_node *
compact(struct aip_node *n)
{
	struct aip_node	*c;

	if (n->peer != NULL || (n->child[0] != NULL && n->child[1] != NULL))
		return n;
	c = n->child[0] != NULL ? n->child[0] : n->child[1];
	free(n);
	return c;
}

void
allowedips_init(struct allowedips *t)
{
	memset(t, 0, sizeof(*t));
}

static void
free_tree(struct aip_node *n)
{
	if (n == NULL)
		return;
	free_tree(n->child[0]);
	free_tree(n->child[1]);
	free(n);
}

void
allowedips_free(struct allowedips *t)
{
	free_tree(t->root4);
	free_tree(t->root6);
	memset(t, 0, sizeof(*t));
}

int
allowedips_insert(struct allowedips *t, int af, const void *addr,
    uint8_t cidr, void *peer)
{
	struct aip_node	**link, *n, *leaf, *join;
	uint64_t	 k[2], m[2];
	uint8_t		 max, cp;

	if (peer == NULL || load(af, addr, k, &max) == -1 || cidr > max) {
		errno = EINVAL;
		return -1;
	}
	mkmask(cidr, m);
	k[0] &= m[0];
	k[1] &= m[1];
	link = rootp(t, af);
	for (;;) {
		if ((n = *link) == NULL) {
			if ((n = node_new(k, cidr, peer)) == NULL)
				return -1;
			*link = n;
			t->nprefix++;
			return 0;
		}
		cp = common(k, n->key);
		if (cp > cidr)
			cp = cidr;
		if (cp > n->cidr)
			cp = n->cidr;
		if (cp == n->cidr && cp == cidr) {
			/* the same prefix: new owner */
			if (n->peer == NULL)
				t->nprefix++;
			n->peer = peer;
			return 0;
		}
		if (cp == n->cidr) {
			/* n covers the new prefix: go down */
			link = &n->child[bitat(k, n->cidr)];
			continue;
		}
		/* the new prefix covers n, or they part at bit cp */
		if ((leaf = node_new(k, cidr, peer)) == NULL)
			return -1;
		if (cp == cidr) {
			leaf->child[bitat(n->key, cidr)] = n;
			*link = leaf;
		} else {
			if ((join = node_new(k, cp, NULL)) == NULL) {
				free(leaf);
				return -1;
			}
			join->child[bitat(k, cp)] = leaf;
			join->child[bitat(n->key, cp)] = n;
			*link = join;
		}
		t->nprefix++;
		return 0;
	}
}

static struct aip_node *
remove_one(struct aip_node *n, const uint64_t k[2], uint8_t cidr,
    int *found)
{
	int	 b;

	if (n == NULL || n->cidr > cidr ||
	    ((k[0] ^ n->key[0]) & n->mask[0]) != 0 ||
	    ((k[1] ^ n->key[1]) & n->mask[1]) != 0)
		return n;
	if (n->cidr == cidr) {
		if (n->peer != NULL) {
			n->peer = NULL;
			*found = 1;
		}
		return compact(n);
	}
	b = bitat(k, n->cidr);
	n->child[b] = remove_one(n->child[b], k, cidr, found);
	return compact(n);
}

int
allowedips_remove(struct allowedips *t, int af, const void *addr,
    uint8_t cidr)
{
	struct aip_node	**link;
	uint64_t	 k[2], m[2];
	uint8_t		 max;
	int		 found = 0;

	if (load(af, addr, k, &max) == -1 || cidr > max)
		return -1;
	mkmask(cidr, m);
	k[0] &= m[0];
	k[1] &= m[1];
	link = rootp(t, af);
	*link = remove_one(*link, k, cidr, &found);
	if (!found)
		return -1;
	t->nprefix--;
	return 0;
}

static struct aip_node *
remove_peer(struct aip_node *n, const void *peer, size_t *count)
{
	if (n == NULL)
		return NULL;
	n->child[0] = remove_peer(n->child[0], peer, count);
	n->child[1] = remove_peer(n->child[1], peer, count);
	if (n->peer == peer) {
		n->peer = NULL;
		(*count)++;
	}
	return compact(n);
}

size_t
allowedips_remove_peer(struct allowedips *t, const void *peer)
{
	size_t	 count = 0;

	if (peer == NULL)
		return 0;
	t->root4 = remove_peer(t->root4, peer, &count);
	t->root6 = remove_peer(t->root6, peer, &count);
	t->nprefix -= count;
	return count;
}

void *
allowedips_lookup(const struct allowedips *t, int af, const void *addr)
{
	const struct aip_node	*n;
	uint64_t		 k[2];
	void			*best = NULL;
	uint8_t			 max;

	if (load(af, addr, k, &max) == -1)
		return NULL;
	n = af == AF_INET ? t->root4 : t->root6;
	while (n != NULL) {
		if ((((k[0] ^ n->key[0]) & n->mask[0]) |
		    ((k[1] ^ n->key[1]) & n->mask[1])) != 0)
			break;
		if (n->peer != NULL)
			best = n->peer;
		if (n->cidr == max)
			break;
		n = n->child[bitat(k, n->cidr)];
	}
	return best;
}

int
allowedips_check(const struct allowedips *t, int af, const void *addr,
    const void *peer)
{
	return peer != NULL && allowedips_lookup(t, af, addr) == peer;
}

static int
walk(const struct aip_node *n, int af, const void *peer,
    int (*cb)(int, const uint8_t *, uint8_t, void *, void *), void *arg)
{
	uint8_t		 a[16];
	int		 r;

	if (n == NULL)
		return 0;
	if (n->peer != NULL && (peer == NULL || n->peer == peer)) {
		store(af, n->key, a);
		if ((r = cb(af, a, n->cidr, n->peer, arg)) != 0)
			return r;
	}
	if ((r = walk(n->child[0], af, peer, cb, arg)) != 0)
		return r;
	return walk(n->child[1], af, peer, cb, arg);
}

int
allowedips_walk(const struct allowedips *t, const void *peer,
    int (*cb)(int, const uint8_t *, uint8_t, void *, void *), void *arg)
{
	int	 r;

	if ((r = walk(t->root4, AF_INET, peer, cb, arg)) != 0)
		return r;
	return walk(t->root6, AF_INET6, peer, cb, arg);
}
