/*
 * The rendezvous wire format: offer, response and request messages,
 * their candidates, and the names of the drop nodes that carry them.
 * Shared by the netengine (which builds and reads the messages), the
 * crypto process (which seals and opens them) and the signaler (which
 * stores them in the drop); rdv_msg.c is pure, so that it can be
 * fuzzed.  docs/rendezvous.md is the specification.
 */

#ifndef CLAWD_RDV_MSG_H
#define CLAWD_RDV_MSG_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "clawd_imsg.h"

#define RDV_VERSION		2
#define RDV_KIND_OFFER		1
#define RDV_KIND_RESPONSE	2
#define RDV_KIND_REQUEST	3	/* on demand: "send me an offer" */
#define RDV_CAND_MAX		16
#define RDV_HDR_LEN		76
#define RDV_CAND_LEN		24
#define RDV_LIFETIME		300	/* s, an offer's life at most */
#define RDV_SKEW		60	/* s, clock difference tolerated */

/* Candidate types, in the order of preference. */
#define RDV_CAND_HOST		1
#define RDV_CAND_SRFLX		2
#define RDV_CAND_PRFLX		3
#define RDV_CAND_PREDICTED	4
#define RDV_CAND_RELAY		5

/* NAT mapping behaviour (RFC 4787), as two STUN servers show it. */
#define RDV_NAT_UNKNOWN		0
#define RDV_NAT_EIM		1	/* endpoint-independent */
#define RDV_NAT_EDM		2	/* endpoint-dependent */
#define RDV_NAT_NONE		3	/* mapped address is our own */

/* NAT filtering behaviour (RFC 4787), as RFC 5780 discovery found it. */
#define RDV_FILT_UNKNOWN	0
#define RDV_FILT_EIF		1	/* endpoint-independent, or none */
#define RDV_FILT_ADF		2	/* address-dependent */
#define RDV_FILT_APDF		3	/* address- and port-dependent */

struct rdv_cand {
	uint8_t			 type;
	uint8_t			 via_relay;	/* ours: reached through it */
	uint32_t		 prio;
	struct sockaddr_storage	 ss;
};

struct rdv_msg {
	uint8_t			 kind;
	uint8_t			 mapping;	/* RDV_NAT_* */
	uint8_t			 filtering;	/* RDV_FILT_* */
	int16_t			 delta;		/* port step, EDM */
	uint8_t			 conn[RDV_ID_LEN];
	int64_t			 ts;		/* s since the epoch */
	int64_t			 expiry;
	uint8_t			 token[RDV_HASH_LEN];	/* response */
	struct rdv_cand		 cand[RDV_CAND_MAX];
	size_t			 ncand;
};

/* rdv_msg.c */
ssize_t	 rdv_encode(uint8_t *, size_t, const struct rdv_msg *);
int	 rdv_decode(struct rdv_msg *, const uint8_t *, size_t);
int	 rdv_name(char *, size_t, uint8_t, const uint8_t [RDV_ID_LEN]);
int	 rdv_name_parse(const char *, uint8_t *, uint8_t [RDV_ID_LEN]);
uint32_t rdv_prio(uint8_t, int);

#endif /* CLAWD_RDV_MSG_H */
