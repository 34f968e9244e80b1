/*
 * The rendezvous' own state and helpers, shared by its files and no
 * one else: rdv.c (the state machine, the drop's messages, timers),
 * rdv_punch.c (probes, punching, the path), rdv_cand.c (candidates)
 * and rdv_ctl.c (what clawctl shows).
 * rdv.h is what the rest of netengine sees.
 */

#ifndef CLAWD_RDV_LOCAL_H
#define CLAWD_RDV_LOCAL_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <stdint.h>
#include <time.h>

#include <event.h>

#include "clawd.h"
#include "rdv.h"
#include "spray.h"

#define RDV_TICK_MS		100
#define RDV_REFRESH		60	/* s before expiry: a new offer */
#define RDV_OFFER_GAP_MS	10000	/* between offers of one peer */
#define RDV_REQUEST_GAP_MS	60000	/* between requests for an offer */
#define RDV_PUNCH_MS		30000	/* probing without an answer */
#define RDV_REPROBE_MS		15000	/* after a quiet connection */
#define RDV_FAST_MS		3000	/* probes every tick this long */
#define RDV_SLOW_MS		500	/* then this often */
#define RDV_RELAY_GRACE_MS	1000	/* a direct pair may still answer */
#define RDV_UPGRADE_MS		60000	/* relayed: try direct this often */
#define RDV_UPGRADE_LEN_MS	5000	/* for this long */
#define RDV_UPGRADE_GAP_MS	10000	/* at most so often on a request */
#define RDV_ROTATE_DELAY_MS	2000	/* STUN learns the new mapping */
#define RDV_QUIET_MS		60000	/* nothing heard: recover */
#define RDV_LISTEN_LINGER_MS	2000	/* drop unneeded this long: pause */
#define RDV_NATWAIT_MS		6000	/* for discovery, after a new socket */
#define RDV_DEMAND_MS		60000	/* a packet wants its peer this long */
#define RDV_SEEN_MAX		4096	/* accepted ids remembered */
#define RDV_ALIGN		120	/* s: offers refreshed together */
#define RDV_HELD_MIN		30	/* s: a held offer this near expiry */
#define RDV_CATCHUP_MS		3000	/* reading the drop before asking */
#define RDV_TXID_UNIT_MS	100	/* a request's txid tells its time so */
#define RDV_TXID_FRESH		300	/* units: a response this late is stale */
#define RDV_CURRENT_MS		1000	/* a drop read this lately is current */
#define RDV_HELD_FRESH_MS	60000	/* a held offer answered at once */
#define RDV_HOSTS_MAX		16
#define RDV_PREDICT		12	/* ports guessed past a mapping */
#define RDV_REMOTE_MAX		(RDV_CAND_MAX * (1 + RDV_PREDICT) + 8)

enum rdv_state {
	RDV_IDLE = 0,
	RDV_OFFERED,		/* our offer is out */
	RDV_PUNCHING,
	RDV_UP
};

struct rdv_peer {
	TAILQ_ENTRY(rdv_peer)	 entry;
	uint32_t		 id;
	uint32_t		 role;
	int			 on_demand;
	int			 seen;
	enum rdv_state		 state;

	uint8_t			 conn[RDV_ID_LEN];
	uint8_t			 key[RDV_KEY_LEN];
	uint8_t			 hash[RDV_HASH_LEN];
	int			 have_key;
	int64_t			 expiry;	/* of the offer, wall clock */
	char			 myfile[DROP_NAME_MAX];
	char			 reqfile[DROP_NAME_MAX];
	uint64_t		 last_offer;
	uint64_t		 last_request;
	uint64_t		 demand_at;	/* on demand: a packet wanted it */
	uint64_t		 move_at;	/* port rotated: meet anew */
	struct rdv_msg		 offer;		/* answering: the offer */
	char			 offer_name[DROP_NAME_MAX];
	int			 have_deferred;	/* not answered yet */
	int			 held;		/* until a packet wants it */
	uint64_t		 catchup_at;	/* wanted, no offer held */
	int			 catchup;	/* the drop is read first */
	uint64_t		 held_at;	/* when the offer came */
	int			 early;		/* punching before the response */
	uint64_t		 last_upgrade;	/* relayed: last direct try */
	int			 upgrading;	/* probing only direct pairs */

	struct rdv_cand		 remote[RDV_REMOTE_MAX];
	size_t			 nremote;
	struct spray_nat	 peer_nat;	/* as its message said */
	struct spray		 spray;
	int			 spray_wait;	/* a NAT unknown: try later */
	uint64_t		 punch_start;
	uint64_t		 punch_len;
	uint64_t		 punch_last;
	uint32_t		 probes;
	struct sockaddr_storage	 path;
	int			 path_sock;	/* ours: NE_SOCK_CUR, a spray */
	uint32_t		 path_prio;
	int			 have_path;
	int			 path_relayed;	/* through a TURN relay */
	int			 path_via;	/* through ours */
	int			 committed;	/* WireGuard told of it */
	uint64_t		 t_commit;
	time_t			 hs_before;

	/* The timeline, ms on the monotonic clock. */
	uint64_t		 t_begin, t_msg, t_path, t_hs;
};

struct rdv_global {
	TAILQ_HEAD(, rdv_peer)	 peers;
	struct event		 tick;
	struct sockaddr_storage	 hosts[RDV_HOSTS_MAX];
	size_t			 nhosts, nhosts_next;
	struct sockaddr_storage	 hosts_next[RDV_HOSTS_MAX];
	uint16_t		 port;
	uint64_t		 port_at;	/* when the socket came */
	int			 drop_ready;
	uint64_t		 drop_at;	/* it was read up to now */
	uint32_t		 listen;	/* DROP_LISTEN_*, told */
	struct spray_nat	 nat_told;	/* our NAT, as probes say it */
	struct imsg_nat_memory	 natmem;	/* from the last run, if any */
	int			 have_natmem;
	struct imsg_nat_memory	 natmem_sent;	/* to the parent, to keep */
	uint64_t		 need_at;	/* a peer needed the drop */
	struct {
		uint8_t		 id[RDV_ID_LEN];
		int64_t		 expiry;
	}			 seen[RDV_SEEN_MAX];
	size_t			 nseen;
	uint64_t		 offers_out, offers_in, responses_out;
	uint64_t		 responses_in, rejected, probes_out;
	uint64_t		 requests_out, requests_in;
	uint64_t		 probes_in, probes_bad, paths;
	uint64_t		 probes_unmatched;
};
extern struct rdv_global	 rdv;	/* in rdv_cand.c */

/* rdv.c */
struct rdv_peer	*rdv_peer(uint32_t);

/* rdv_punch.c */
struct rdv_peer	*rdv_peer_by_conn(const uint8_t [RDV_ID_LEN]);
void	 rdv_probe_send(struct rdv_peer *, const struct sockaddr_storage *,
	    uint8_t, const uint8_t *, const struct sockaddr *, int, int);
void	 rdv_punch(struct rdv_peer *, uint64_t, uint64_t);
void	 rdv_punch_tick(struct rdv_peer *, uint64_t);
void	 rdv_punch_probe(struct rdv_peer *, const struct probe *,
	    const struct sockaddr *, int);
void	 rdv_spray_start(struct rdv_peer *, uint64_t);
void	 rdv_spray_tick(struct rdv_peer *, uint64_t);
void	 rdv_punch_nat_changed(struct rdv_peer *);
void	 rdv_upgrade(struct rdv_peer *, uint64_t);
void	 rdv_up_tick(struct rdv_peer *, uint64_t);

/* rdv_cand.c */
int	 rdv_cand_add_via(struct rdv_cand *, size_t *, size_t, uint8_t,
	    const struct sockaddr_storage *, int);
int	 rdv_cand_add(struct rdv_cand *, size_t *, size_t, uint8_t,
	    const struct sockaddr_storage *);
/* Where our idea of our own NAT comes from (rdv_nat_src()). */
#define RDV_NATSRC_NONE		0	/* nothing yet */
#define RDV_NATSRC_SERVERS	1	/* what the STUN servers see */
#define RDV_NATSRC_MEMORY	2	/* discovery, at our last start */
#define RDV_NATSRC_DISCOVERY	3	/* discovery, on this socket */
#define RDV_NATSRC_DISC_MEMORY	4	/* its mapping, the last start's filtering */
int	 rdv_nat_src(uint8_t *, int16_t *, uint8_t *);
void	 rdv_nat(uint8_t *, int16_t *, uint8_t *);
void	 rdv_nat_keep(void);
void	 rdv_gather(struct rdv_msg *, int);
int	 rdv_has_relay(const struct rdv_msg *);
void	 rdv_remote_set(struct rdv_peer *, const struct rdv_msg *, int);
int	 rdv_peer_nat_learn(struct rdv_peer *, uint8_t, uint8_t, int);

#endif /* CLAWD_RDV_LOCAL_H */
