/*
 * Cryptokey routing (whitepaper section 2): which peer owns which
 * IPv4 and IPv6 prefixes.  Outgoing packets go to the peer owning the
 * longest prefix that covers the destination; incoming packets are
 * accepted only if their source falls in a prefix of the peer whose
 * key decrypted them.  A path-compressed binary trie per family:
 * lookups walk at most 33 or 129 nodes and never allocate.  Pure: no
 * I/O.  See docs/transport.md.
 */

#ifndef CLAWD_ALLOWEDIPS_H
#define CLAWD_ALLOWEDIPS_H

#include <stddef.h>
#include <stdint.h>

struct aip_node;

struct allowedips {
	struct aip_node	*root4;
	struct aip_node	*root6;
	size_t		 nprefix;	/* prefixes with an owner */
};

/*
 * Addresses are network byte order: 4 bytes for AF_INET, 16 for
 * AF_INET6, at any alignment (they may point into a packet).  Peers
 * are opaque, non-NULL pointers owned by the caller.
 */
void	 allowedips_init(struct allowedips *);
void	 allowedips_free(struct allowedips *);
/* Host bits are masked; an identical prefix changes owner.  -1: errno. */
int	 allowedips_insert(struct allowedips *, int, const void *, uint8_t,
	    void *);
/* Remove one prefix, whoever owns it: 0, or -1 if it was not there. */
int	 allowedips_remove(struct allowedips *, int, const void *, uint8_t);
/* Remove every prefix of a peer; returns how many. */
size_t	 allowedips_remove_peer(struct allowedips *, const void *);
/* Longest-prefix match: the owner, or NULL. */
void	*allowedips_lookup(const struct allowedips *, int, const void *);
/* 1 if the longest prefix covering the address belongs to the peer. */
int	 allowedips_check(const struct allowedips *, int, const void *,
	    const void *);
/*
 * Call cb(af, address, cidr, owner, arg) for every prefix of a peer
 * (of every peer if it is NULL), the address in network byte order; a
 * non-zero return from cb stops the walk and is returned.
 */
int	 allowedips_walk(const struct allowedips *, const void *,
	    int (*)(int, const uint8_t *, uint8_t, void *, void *), void *);

#endif /* CLAWD_ALLOWEDIPS_H */
