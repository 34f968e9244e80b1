/*
 * Rendezvous: the offer and response messages (rdv_msg.c, pure, so
 * that they can be fuzzed), the per-peer connection state machine
 * (rdv.c) and the authenticated probes of hole punching (probe.c).
 * docs/rendezvous.md is the specification.
 */

#ifndef CLAWD_RDV_H
#define CLAWD_RDV_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "clawd_imsg.h"

#define RDV_VERSION		1
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

/* Probes: a request, or a response that says where it came from. */
#define PROBE_MAGIC		0xc1
#define PROBE_REQUEST		1
#define PROBE_RESPONSE		2
#define PROBE_LEN		64
#define PROBE_MAC_OFF		48

struct probe {
	uint8_t			 kind;
	uint8_t			 conn[RDV_ID_LEN];
	uint8_t			 txid[8];
	struct sockaddr_storage	 seen;		/* response: the requester */
};

/* probe.c */
int	 probe_is_message(const uint8_t *, size_t);
int	 probe_build(uint8_t [PROBE_LEN], const struct probe *,
	    const uint8_t [RDV_KEY_LEN]);
int	 probe_parse(struct probe *, const uint8_t *, size_t);
int	 probe_verify(const uint8_t *, size_t, const uint8_t [RDV_KEY_LEN]);

/* rdv.c */
void	 rdv_init(void);
void	 rdv_conf_start(void);
void	 rdv_conf_hostaddr(const struct imsg_hostaddr *);
void	 rdv_conf_peer(const struct imsg_conf_peer *);
void	 rdv_conf_end(void);
void	 rdv_drop_ready(void);
void	 rdv_key(const struct imsg_rdv_key *);
void	 rdv_input(struct imsg *);
void	 rdv_probe_input(const uint8_t *, size_t, const struct sockaddr *,
	    int);
void	 rdv_port(uint16_t);
void	 rdv_rotated(void);
const char *rdv_timeline(uint32_t, char *, size_t);
const char *rdv_path(uint32_t);
void	 rdv_counters(void (*)(const char *, uint64_t, void *), void *);

#endif /* CLAWD_RDV_H */
