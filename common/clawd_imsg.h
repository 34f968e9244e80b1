/*
 * The imsg catalogue: every message clawd's processes and clawctl
 * exchange, its payload, and who may send it to whom.
 *
 * The table in catalogue.c is the authority: imsg_check() refuses a
 * message whose type, direction, length or descriptor does not match
 * it, and a receiver treats such a message from a less privileged
 * process as fatal.  Payload contents are then validated by the
 * dispatcher that handles the type.
 *
 * Abbreviations in the direction column:
 *   P parent, C crypto, S signaler, N netengine, T clawctl (control).
 */

#ifndef CLAWD_IMSG_CATALOGUE_H
#define CLAWD_IMSG_CATALOGUE_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stdint.h>

#include "clawd.h"
#include "imsg.h"
#include "wgproto.h"

enum imsg_type {
	IMSG_NONE = 0,

	/* Wiring and life cycle. */
	IMSG_SOCKET_IPC,	/* P->CSN, fd: channel to another child */
	IMSG_CHILD_READY,	/* CSN->P, every channel is up */
	IMSG_STARTUP,		/* P->CSN, all children are ready */

	/* Configuration push. */
	IMSG_KEY_FD,		/* P->C, fd: the private key file */
	IMSG_UDP_SOCKET,	/* P->N, fd: a bound UDP socket */
	IMSG_CONTROL_FD,	/* P->N, fd: the listening control socket */
	IMSG_CONF_START,	/* P->N, begin a new configuration */
	IMSG_CONF_STUN,		/* P->N, one STUN server */
	IMSG_CONF_END,		/* P->N, configuration complete */
	IMSG_HTTPS_CONF,	/* P->S, API URL and resolved address */
	IMSG_HTTPS_CA_FD,	/* P->S, fd: the CA bundle */
	IMSG_TUN_FD,		/* P->N, fd: the TUN device */
	IMSG_CONF_PEER,		/* P->N, one peer */
	IMSG_CONF_ALLOWED,	/* P->N, one allowed-ips prefix of a peer */
	IMSG_CRYPTO_PEER,	/* P->C, a peer's key, fd: its psk file */
	IMSG_CRYPTO_CONF_END,	/* P->C, peer list complete */

	/* Key holder reports. */
	IMSG_CRYPTO_PUBKEY,	/* C->P, C->N: the node's public key */

	/* The WireGuard handshake: netengine asks, crypto answers. */
	IMSG_WG_INITIATE,	/* N->C, start a handshake with a peer */
	IMSG_WG_HANDSHAKE_IN,	/* N->C, a handshake message received */
	IMSG_WG_HANDSHAKE_OUT,	/* C->N, a message to send, and keys */

	/* Control: clawctl <-> netengine, forwarded to the parent. */
	IMSG_CTL_SHOW_STATUS,	/* T->N->P */
	IMSG_CTL_SHOW_NAT,	/* T->N */
	IMSG_CTL_SHOW_PEERS,	/* T->N */
	IMSG_CTL_SHOW_STATS,	/* T->N */
	IMSG_CTL_RELOAD,	/* T->N->P */
	IMSG_CTL_STATUS,	/* P->N->T, one process */
	IMSG_CTL_NAT,		/* N->T, one STUN server */
	IMSG_CTL_PEER,		/* N->T, one peer */
	IMSG_CTL_COUNTER,	/* N->T, one counter */
	IMSG_CTL_RESULT,	/* P->N->T, N->T: success or an error */
	IMSG_CTL_END,		/* P->N->T, N->T: end of a list */

	IMSG_TYPE_MAX
};

/* IMSG_SOCKET_IPC, IMSG_CHILD_READY */
struct imsg_ipc {
	uint32_t		 proc;		/* enum clawd_proc */
};

/* IMSG_UDP_SOCKET */
struct imsg_udp {
	uint16_t		 port;		/* bound port, host order */
	uint16_t		 pad;
};

/* IMSG_CONF_STUN */
struct imsg_conf_stun {
	char			 name[CLAWD_HOST_MAX];
	struct sockaddr_storage	 ss;
};

/* IMSG_HTTPS_CONF */
struct imsg_https_conf {
	char			 url[CLAWD_URL_MAX];
	char			 host[CLAWD_HOST_MAX];
	struct sockaddr_storage	 ss;		/* the host, resolved */
	uint32_t		 have_ss;
	uint32_t		 allow_http;
};

/* IMSG_TUN_FD */
struct imsg_tun {
	char			 name[CLAWD_NAME_MAX];
	uint32_t		 mtu;
};

/* IMSG_CONF_PEER */
struct imsg_conf_peer {
	uint32_t		 id;		/* index in the peer list */
	char			 name[CLAWD_NAME_MAX];
	uint8_t			 pubkey[CLAWD_KEY_LEN];
	struct sockaddr_storage	 endpoint;	/* family 0: none */
	uint32_t		 keepalive;	/* seconds, 0 off */
	uint32_t		 role;		/* enum peer_role */
};

/* IMSG_CONF_ALLOWED */
struct imsg_conf_allowed {
	uint32_t		 id;
	uint32_t		 af;
	uint8_t			 addr[16];
	uint32_t		 plen;
};

/* IMSG_CRYPTO_PEER; the psk file comes as the descriptor, if any. */
struct imsg_crypto_peer {
	uint32_t		 id;
	uint8_t			 pubkey[CLAWD_KEY_LEN];
};

/* IMSG_WG_INITIATE */
struct imsg_wg_initiate {
	uint32_t		 id;		/* peer */
	uint32_t		 sender;	/* our index for it */
};

/*
 * IMSG_WG_HANDSHAKE_IN: an initiation (id unknown, sender is the index
 * netengine chose for the answer) or a response (id known).  Only
 * messages whose mac1 checked out are passed on.
 */
struct imsg_wg_hs_in {
	uint32_t		 id;		/* peer, for a response */
	uint32_t		 sender;	/* our index, for an initiation */
	uint32_t		 type;		/* WG_MSG_INITIATION, _RESPONSE */
	union {
		struct wg_msg_initiation init;
		struct wg_msg_response	 resp;
	}			 msg;
};

/*
 * IMSG_WG_HANDSHAKE_OUT: a message to send (macs left to netengine)
 * and/or the session keys a completed handshake derived.
 */
struct imsg_wg_hs_out {
	uint32_t		 id;		/* peer */
	uint32_t		 type;		/* message to send, or 0 */
	union {
		struct wg_msg_initiation init;
		struct wg_msg_response	 resp;
	}			 msg;
	uint32_t		 have_keys;
	uint32_t		 initiator;
	uint32_t		 local_index;
	uint32_t		 remote_index;
	uint8_t			 send[WGC_KEY_LEN];
	uint8_t			 recv[WGC_KEY_LEN];
};

/* IMSG_CRYPTO_PUBKEY */
struct imsg_pubkey {
	uint8_t			 key[CLAWD_KEY_LEN];
};

/* IMSG_CTL_STATUS: one process, as the parent sees it in /proc. */
#define CTL_SANDBOX_CHROOT	0x01
#define CTL_SANDBOX_LANDLOCK	0x02
#define CTL_SANDBOX_NNP		0x04	/* no_new_privs */
#define CTL_SANDBOX_SECCOMP	0x08	/* seccomp filter mode */
#define CTL_SANDBOX_NOCAPS	0x10	/* no effective capabilities */
struct ctl_status {
	char			 name[16];
	char			 user[32];
	int32_t			 pid;
	uint32_t		 uid;
	uint32_t		 gid;
	uint32_t		 sandbox;	/* CTL_SANDBOX_* */
	uint64_t		 capeff;
	uint64_t		 uptime;	/* seconds */
	char			 root[64];	/* root directory seen */
};

/* IMSG_CTL_NAT: one STUN server and what it told us. */
enum ctl_nat_state {
	CTL_NAT_IDLE = 0,	/* not asked yet */
	CTL_NAT_PENDING,	/* first request in flight */
	CTL_NAT_MAPPED,		/* a mapped address is known */
	CTL_NAT_TIMEOUT,	/* the last transaction timed out */
	CTL_NAT_ERROR		/* error response */
};
struct ctl_nat {
	char			 server_name[CLAWD_HOST_MAX];
	struct sockaddr_storage	 server;
	struct sockaddr_storage	 local;		/* our socket */
	struct sockaddr_storage	 mapped;	/* server-reflexive */
	uint32_t		 state;		/* enum ctl_nat_state */
	uint32_t		 rtt_ms;	/* last round trip */
	int64_t			 age;		/* seconds since mapped */
	uint32_t		 requests;
	uint32_t		 responses;
};

/* IMSG_CTL_PEER: one peer, as wg show would print it. */
struct ctl_peer {
	char			 name[CLAWD_NAME_MAX];
	uint8_t			 pubkey[CLAWD_KEY_LEN];
	struct sockaddr_storage	 endpoint;
	char			 path[16];	/* "direct", "relayed", "-" */
	int64_t			 last_handshake;	/* seconds ago, -1 never */
	uint64_t		 rx_bytes;
	uint64_t		 tx_bytes;
	uint32_t		 keepalive;
	uint32_t		 pad;
};

/* IMSG_CTL_COUNTER: what was dropped and why, and other events. */
struct ctl_counter {
	char			 name[48];
	uint64_t		 value;
};

/* IMSG_CTL_RESULT */
struct ctl_result {
	int32_t			 error;		/* 0 success */
	char			 msg[256];
};

/* catalogue.c */
#define PROC_CONTROL		PROC_MAX	/* clawctl, as a sender */
const char	*imsg_type_name(uint32_t);
const char	*proc_name(int);
int		 imsg_check(struct imsg *, int, int);

#endif /* CLAWD_IMSG_CATALOGUE_H */
