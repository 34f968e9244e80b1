/*
 * Rendezvous: the per-peer connection state machine (rdv.c, with
 * rdv_cand.c and rdv_ctl.c) and the authenticated probes of hole
 * punching (probe.c).  The offer and response messages are in
 * common/rdv_msg.h, shared with the crypto process and the signaler.
 * docs/rendezvous.md is the specification.
 */

#ifndef CLAWD_RDV_H
#define CLAWD_RDV_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "clawd_imsg.h"
#include "rdv_msg.h"

/* Probes: a request, or a response that says where it came from. */
#define PROBE_MAGIC		0xc1
#define PROBE_REQUEST		1
#define PROBE_RESPONSE		2
#define PROBE_LEN		64
#define PROBE_MAC_OFF		48

struct probe {
	uint8_t			 kind;
	uint8_t			 mapping;	/* the sender's NAT, RDV_NAT_* */
	uint8_t			 filtering;	/* RDV_FILT_* */
	int8_t			 step;		/* port step, EDM */
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
void	 rdv_nat_memory(const struct imsg_nat_memory *);
void	 rdv_drop_ready(void);
void	 rdv_key(const struct imsg_rdv_key *);
void	 rdv_input(struct imsg *);
void	 rdv_probe_input(const uint8_t *, size_t, const struct sockaddr *,
	    int);
void	 rdv_port(uint16_t);
void	 rdv_rotated(void);

/* rdv_ctl.c */
const char *rdv_timeline(uint32_t, char *, size_t);
const char *rdv_path(uint32_t);
void	 rdv_counters(void (*)(const char *, uint64_t, void *), void *);

#endif /* CLAWD_RDV_H */
