/*
 * netengine's WireGuard: peers, sessions, timers and transport.  The
 * handshake's static-key work is crypto's; everything here holds only
 * session keys.
 */

#ifndef CLAWD_WG_H
#define CLAWD_WG_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <stdint.h>

#include "clawd_imsg.h"
#include "wgcrypto.h"
#include "wgproto.h"
#include "allowedips.h"
#include "cookie.h"
#include "replay.h"

#define WG_STAGED_MAX	128		/* packets held for a handshake */
#define WG_BUF_SIZE	(65536 + 64)

struct wg_peer;

/* One session: keys, counters, replay window. */
struct wg_keypair {
	struct wgc_aead		 send;
	struct wgc_aead		 recv;
	uint64_t		 send_counter;
	struct replay		 replay;
	uint32_t		 local_index;
	uint32_t		 remote_index;
	uint64_t		 born;		/* ms, monotonic */
	int			 initiator;
	struct wg_peer		*peer;
};

/* What a local index names: a handshake in flight or a session. */
struct wg_index {
	RB_ENTRY(wg_index)	 entry;
	uint32_t		 index;
	struct wg_peer		*peer;
	struct wg_keypair	*kp;		/* NULL: our initiation */
};

struct wg_staged {
	TAILQ_ENTRY(wg_staged)	 entry;
	size_t			 len;
	uint8_t			 pkt[];
};

struct wg_peer {
	TAILQ_ENTRY(wg_peer)	 entry;
	uint32_t		 id;
	char			 name[CLAWD_NAME_MAX];
	uint8_t			 pubkey[WGC_KEY_LEN];
	struct cookie_maker	 cm;
	struct sockaddr_storage	 endpoint;	/* family 0: unknown */
	int			 sock;		/* NE_SOCK_*, a spray one */
	uint32_t		 keepalive;	/* s, 0 off */
	uint32_t		 role;

	struct wg_keypair	*kp_current;
	struct wg_keypair	*kp_previous;
	struct wg_keypair	*kp_next;	/* responder, unconfirmed */

	struct wg_index		*hs;		/* our initiation in flight */
	/*
	 * Where the first response to it came from: the endpoint once
	 * crypto has verified that response, not before.
	 */
	struct sockaddr_storage	 hs_src;	/* family 0: none yet */
	int			 hs_sock;
	int			 hs_relayed;
	uint64_t		 hs_first;	/* ms, first try of a series */
	uint64_t		 hs_last;	/* ms, last initiation sent */
	uint64_t		 hs_rekey_jitter;
	time_t			 last_handshake;	/* wall clock, 0 never */

	uint64_t		 last_sent;	/* ms, any packet */
	uint64_t		 last_recv;	/* ms, authenticated packet */
	uint64_t		 data_unanswered; /* ms, data sent, no reply */
	uint64_t		 data_recv_unanswered; /* ms */

	TAILQ_HEAD(, wg_staged)	 staged;
	size_t			 nstaged;

	uint64_t		 rx_bytes;
	uint64_t		 tx_bytes;
	int			 seen;		/* in the latest conf */
};
TAILQ_HEAD(wg_peers, wg_peer);

/* wg.c */
void	 wg_init(void);
void	 wg_set_pubkey(const uint8_t [WGC_KEY_LEN]);
void	 wg_conf_start(void);
void	 wg_conf_peer(const struct imsg_conf_peer *);
void	 wg_conf_allowed(const struct imsg_conf_allowed *);
void	 wg_conf_end(void);
void	 wg_handshake_out(const struct imsg_wg_hs_out *);
void	 wg_input(uint8_t *, size_t, const struct sockaddr *);
int	 wg_is_message(const uint8_t *, size_t);
/* Each peer's row without its path and timeline (control.c adds them). */
void	 wg_ctl_peers(void (*)(struct ctl_peer *, uint32_t, void *), void *);
void	 wg_counters(void (*)(const char *, uint64_t, void *), void *);
void	 wg_shutdown(void);

/* wg_data.c */
void	 wg_tun_set(int, const struct imsg_tun *);
void	 wg_data_input(struct wg_keypair *, uint8_t *, size_t,
	    const struct sockaddr *);
void	 wg_tun_flush(void);
void	 wg_data_counters(void (*)(const char *, uint64_t, void *),
	    void *);
struct wg_keypair *wg_send_keypair(struct wg_peer *);
void	 wg_stage(struct wg_peer *, const uint8_t *, size_t);
void	 wg_flush_staged(struct wg_peer *);
void	 wg_drop_staged(struct wg_peer *);
void	 wg_keepalive(struct wg_peer *);

/* wg_data.c calls wg.c back through these, registered by wg_init(). */
struct wg_data_upcalls {
	void	(*initiate)(struct wg_peer *, int);
	void	(*confirm)(struct wg_peer *, struct wg_keypair *);
	void	(*set_path)(struct wg_peer *, const struct sockaddr *, int,
		    int);
	int	(*demand)(struct wg_peer *);	/* 1: stage, a path comes */
};
void	 wg_data_init(const struct wg_data_upcalls *);

/* wg_data.c, shared with wg.c */
extern struct allowedips	 wg_aips;
uint64_t wg_now_ms(void);

/* wg.c, for wg_data.c (through wg_data_upcalls) and rdv.c */
void	 wg_initiate(struct wg_peer *, int);
void	 wg_confirm(struct wg_peer *, struct wg_keypair *);

void	 wg_set_endpoint(struct wg_peer *, const struct sockaddr *, int);
void	 wg_set_path(struct wg_peer *, const struct sockaddr *, int, int);
void	 wg_demand_hook(int (*)(uint32_t));
void	 wg_sock_rotated(int);
int	 wg_sock_used(int);
void	 wg_sock_closed(int);
struct wg_peer *wg_peer_by_id(uint32_t);

#endif /* CLAWD_WG_H */
