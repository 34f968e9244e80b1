/*
 * The imsg catalogue: every message clawd's processes and clawctl
 * exchange, and its payload.
 *
 * Who may send a message to whom, its exact length and whether a
 * descriptor comes with it are kept in one place only, the table in
 * catalogue.c: imsg_check() refuses a message whose type, direction,
 * length or descriptor does not match it, and a receiver treats such
 * a message from a less privileged process as fatal.  Payload contents
 * are then validated by the dispatcher that handles the type.
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
	IMSG_SOCKET_IPC,	/* fd: channel to another child */
	IMSG_CHILD_READY,	/* every channel is up */
	IMSG_STARTUP,		/* all children are ready */

	/* Configuration push. */
	IMSG_KEY_FD,		/* fd: the private key file */
	IMSG_UDP_SOCKET,	/* fd: a bound UDP socket */
	IMSG_UDP_SPRAY,		/* many-probe sockets wanted */
	IMSG_UDP_SPRAY_FD,	/* fd: one of them */
	IMSG_UDP_NATD,		/* a socket for NAT discovery wanted */
	IMSG_UDP_NATD_FD,	/* fd: that socket */
	IMSG_CONTROL_FD,	/* fd: the listening control socket */
	IMSG_CONF_START,	/* begin a new configuration */
	IMSG_CONF_STUN,		/* one STUN server */
	IMSG_CONF_TURN,		/* one TURN server and credential */
	IMSG_CONF_END,		/* configuration complete */
	IMSG_NAT_MEMORY,	/* our NAT's behaviour, kept across starts */
	IMSG_HTTPS_CONF,	/* API URL and resolved address */
	IMSG_HTTPS_CA_FD,	/* fd: the CA bundle */
	IMSG_MEGA_CONF,		/* the drop folder and limits */
	IMSG_RESOLVE,		/* a host name in a MEGA reply */
	IMSG_RESOLVED,		/* its address */
	IMSG_TUN_FD,		/* fd: the TUN device */
	IMSG_CONF_PEER,		/* one peer */
	IMSG_CONF_ALLOWED,	/* one allowed-ips prefix of a peer */
	IMSG_CONF_HOSTADDR,	/* one address of this host */
	IMSG_CRYPTO_PEER,	/* a peer's key, fd: its psk file */
	IMSG_CRYPTO_CONF_END,	/* peer list complete */

	/* Key holder reports. */
	IMSG_CRYPTO_PUBKEY,	/* the node's public key */

	/* The WireGuard handshake. */
	IMSG_WG_INITIATE,	/* start a handshake with a peer */
	IMSG_WG_HANDSHAKE_IN,	/* a handshake message received */
	IMSG_WG_HANDSHAKE_OUT,	/* a message to send, and keys */

	/* Control: status, NAT, peers, counters, reload. */
	IMSG_CTL_SHOW_STATUS,	/* request: every process */
	IMSG_CTL_SHOW_NAT,	/* request: the STUN servers */
	IMSG_CTL_SHOW_PEERS,	/* request: the peers */
	IMSG_CTL_SHOW_STATS,	/* request: the counters */
	IMSG_CTL_RELOAD,	/* request: read the configuration again */
	IMSG_CTL_STATUS,	/* one process */
	IMSG_CTL_NAT,		/* one STUN server */
	IMSG_CTL_NAT_BEHAVIOUR,	/* RFC 5780 discovery, once */
	IMSG_CTL_PEER,		/* one peer */
	IMSG_CTL_COUNTER,	/* one counter */
	IMSG_CTL_RESULT,	/* success or an error */
	IMSG_CTL_END,		/* end of a list */

	/* The MEGA account: crypto holds the secrets, signaler talks. */
	IMSG_MEGA_CRED_FD,	/* fd: the credentials file */
	IMSG_MEGA_SESSION_LOAD,	/* the sealed session, may be empty */
	IMSG_MEGA_SESSION_SAVE,	/* a sealed session; empty: forget */
	IMSG_MEGA_ACCOUNT,	/* the e-mail and a resumable sid */
	IMSG_MEGA_PRELOGIN,	/* the us0 reply */
	IMSG_MEGA_UH,		/* the user hash for us */
	IMSG_MEGA_LOGIN,	/* the us reply */
	IMSG_MEGA_SESSION,	/* the sid, or why login failed */
	IMSG_MEGA_NODE_OPEN,	/* decrypt a node's attributes */
	IMSG_MEGA_NODE_ATTR,	/* the attributes' JSON text */
	IMSG_MEGA_NEW_FOLDER,	/* key and attributes for a folder */
	IMSG_MEGA_NEW_NODE,	/* the wrapped key and attributes */
	IMSG_MEGA_SEAL_FILE,	/* encrypt a file for upload */
	IMSG_MEGA_SEALED,	/* its ciphertext, key, attributes */
	IMSG_MEGA_OPEN_FILE,	/* decrypt and check a download */
	IMSG_MEGA_OPENED,	/* its plaintext */

	/* Rendezvous and the drop. */
	IMSG_RDV_SEAL,		/* seal a message for a peer */
	IMSG_RDV_KEY,		/* the probe key of a connection */
	IMSG_RDV_PUT,		/* a sealed file to put in the drop */
	IMSG_RDV_OPEN,		/* a rendezvous file from the drop */
	IMSG_RDV_IN,		/* an opened message, and its key */
	IMSG_RDV_RM,		/* a file no longer wanted */
	IMSG_DROP_READY,	/* the drop can take files; via crypto */
	IMSG_DROP_LISTEN,	/* follow the folder's changes or not */

	/* Control: the drop. */
	IMSG_CTL_SHOW_DROP,	/* request: state and files */
	IMSG_CTL_DROP_PUT,	/* a name and the file */
	IMSG_CTL_DROP_GET,	/* a name */
	IMSG_CTL_DROP_RM,	/* a name */
	IMSG_CTL_DROP_STATE,	/* the client's state */
	IMSG_CTL_DROP_FILE,	/* one file in the drop */
	IMSG_CTL_DROP_DATA,	/* a file's contents */

	IMSG_TYPE_MAX
};

/*
 * The drop.  A file is at most DROP_FILE_MAX bytes, so that it fits in
 * one message with its header; names are DROP_NAME_MAX - 1 characters
 * of [A-Za-z0-9._-] at most.  A message (a folder node whose attributes
 * carry it, the rendezvous' way) is at most DROP_MSG_MAX bytes, so that
 * its attribute text fits MEGA_ATTRJSON_MAX with its name.
 */
#define DROP_FILE_MAX		8192
#define DROP_NAME_MAX		128
#define DROP_MSG_MAX		640

/* IMSG_SOCKET_IPC, IMSG_CHILD_READY */
struct imsg_ipc {
	uint32_t		 proc;		/* enum clawd_proc */
};

/* IMSG_UDP_SOCKET */
struct imsg_udp {
	uint16_t		 port;		/* bound port, host order */
	uint16_t		 pad;
};

/*
 * IMSG_UDP_SPRAY: how many sockets on random ports netengine wants for
 * the many-probe technique (netengine/spray.c); the parent makes at
 * most CLAWD_SPRAY_MAX, once every CLAWD_SPRAY_GAP seconds, each sent
 * as an IMSG_UDP_SPRAY_FD with a struct imsg_udp.
 */
#define CLAWD_SPRAY_MAX		256
#define CLAWD_SPRAY_GAP		20
struct imsg_udp_spray {
	uint32_t		 count;
};

/*
 * IMSG_UDP_NATD (no data): netengine wants a fresh socket on a random
 * port for the filtering tests of one NAT discovery run
 * (netengine/natdisc.c); the parent makes one at most every
 * CLAWD_NATD_GAP seconds, sent as an IMSG_UDP_NATD_FD with a struct
 * imsg_udp.
 */
#define CLAWD_NATD_GAP		1

/* IMSG_CONF_STUN */
struct imsg_conf_stun {
	char			 name[CLAWD_HOST_MAX];
	struct sockaddr_storage	 ss;
};

/*
 * IMSG_CONF_TURN: a time-limited credential the parent made from the
 * server's shared secret (docs/turn.md); the secret stays there.
 */
struct imsg_conf_turn {
	char			 name[CLAWD_HOST_MAX];
	struct sockaddr_storage	 ss;
	char			 username[128];
	char			 password[64];
};

/* IMSG_HTTPS_CONF */
struct imsg_https_conf {
	char			 url[CLAWD_URL_MAX];
	char			 host[CLAWD_HOST_MAX];
	struct sockaddr_storage	 ss;		/* the host, resolved */
	uint32_t		 have_ss;
	uint32_t		 allow_http;
};

/*
 * IMSG_MEGA_CONF.  The roles tell the signaler which rendezvous files
 * can be for us, so that it fetches no others.
 */
struct imsg_mega_conf {
	char			 folder[CLAWD_PATH_MAX];
	uint32_t		 offer_peers;	/* peers we offer to */
	uint32_t		 answer_ahead;	/* peers we answer, ahead */
	uint32_t		 answer_ondemand; /* ... and on demand */
};

/* IMSG_RESOLVE, IMSG_RESOLVED; error is 0 or an EAI_* code. */
struct imsg_resolve {
	char			 host[CLAWD_HOST_MAX];
	uint16_t		 port;
	uint16_t		 pad;
	int32_t			 error;
	struct sockaddr_storage	 ss;
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
	uint32_t		 on_demand;	/* offers only on request */
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
	uint32_t		 role;		/* enum peer_role */
	uint8_t			 pubkey[CLAWD_KEY_LEN];
};

/* IMSG_CONF_HOSTADDR */
struct imsg_hostaddr {
	uint32_t		 af;
	uint8_t			 addr[16];
};

/*
 * IMSG_NAT_MEMORY: what RFC 5780 discovery last found of our NAT
 * (mapping and filtering as RDV_NAT_* and RDV_FILT_* in rdv_msg.h, the
 * port step: 0 none, -1 random, 1 to NAT_MEMORY_STEP_MAX sequential),
 * and where: the address the first STUN server saw us at and the local
 * address our request left from, both with port 0.  netengine sends it
 * to the parent when discovery reaches a new verdict; the parent keeps
 * it in the state directory, sets saved (wall clock, seconds) and
 * hands it back at the next start if it is at most
 * NAT_MEMORY_MAX_AGE old.  netengine trusts it only while the first
 * STUN server still sees the same two addresses.
 */
#define NAT_MEMORY_STEP_MAX	64
#define NAT_MEMORY_MAX_AGE	(7 * 24 * 3600)
struct imsg_nat_memory {
	uint8_t			 mapping;
	uint8_t			 filtering;
	int16_t			 step;
	uint32_t		 pad;
	int64_t			 saved;
	struct sockaddr_storage	 public;
	struct sockaddr_storage	 local;
};

/*
 * Rendezvous messages (docs/rendezvous.md).  A file's name carries the
 * connection id; the body after the header is at most RDV_MSG_MAX.
 */
#define RDV_ID_LEN		16
#define RDV_MSG_MAX		1024
#define RDV_KEY_LEN		32
#define RDV_HASH_LEN		32

/* Header of IMSG_RDV_SEAL; the plaintext follows. */
struct imsg_rdv_seal {
	uint32_t		 peer;
	char			 name[DROP_NAME_MAX];
	uint8_t			 conn[RDV_ID_LEN];
};

/* IMSG_RDV_KEY: for a message we sealed. */
struct imsg_rdv_key {
	uint32_t		 peer;
	uint8_t			 conn[RDV_ID_LEN];
	uint8_t			 key[RDV_KEY_LEN];	/* probes */
	uint8_t			 hash[RDV_HASH_LEN];	/* of the file */
};

/* Header of IMSG_RDV_IN; the plaintext follows. */
struct imsg_rdv_in {
	uint32_t		 peer;
	char			 name[DROP_NAME_MAX];
	uint8_t			 conn[RDV_ID_LEN];
	uint8_t			 key[RDV_KEY_LEN];
	uint8_t			 hash[RDV_HASH_LEN];
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

/* IMSG_CTL_NAT_BEHAVIOUR: what RFC 5780 discovery found. */
enum ctl_natd_state {
	CTL_NATD_IDLE = 0,	/* not run yet */
	CTL_NATD_RUNNING,	/* tests in flight */
	CTL_NATD_DONE,		/* mapping and filtering known */
	CTL_NATD_UNSUPPORTED,	/* no server sends OTHER-ADDRESS */
	CTL_NATD_FAILED		/* no answer to the first test */
};
enum ctl_natd_kind {
	CTL_NATD_UNKNOWN = 0,
	CTL_NATD_NONE,		/* no NAT (mapping), nothing filters */
	CTL_NATD_EI,		/* endpoint-independent */
	CTL_NATD_AD,		/* address-dependent */
	CTL_NATD_APD		/* address- and port-dependent */
};
struct ctl_nat_behaviour {
	char			 server_name[CLAWD_HOST_MAX];
	struct sockaddr_storage	 server;
	struct sockaddr_storage	 other;		/* OTHER-ADDRESS */
	uint32_t		 state;		/* enum ctl_natd_state */
	uint32_t		 mapping;	/* enum ctl_natd_kind */
	uint32_t		 filtering;	/* enum ctl_natd_kind */
	int32_t			 port_step;	/* 0 n/a, -1 random, N */
	int64_t			 age;		/* seconds since, -1 never */
};

/* IMSG_CTL_PEER: one peer, as wg show would print it. */
struct ctl_peer {
	char			 name[CLAWD_NAME_MAX];
	uint8_t			 pubkey[CLAWD_KEY_LEN];
	struct sockaddr_storage	 endpoint;
	char			 path[16];	/* "direct", "relayed", "-" */
	char			 timeline[96];	/* rendezvous, or "" */
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

/*
 * The MEGA account.  Sizes follow signaler/megaapi.h; the strings are
 * NUL-terminated, and receivers terminate them again before use.
 */
#define MEGA_EMAIL_MAX		255	/* with the NUL */
#define MEGA_SID_MAX		59	/* 58 characters */
#define MEGA_USER_MAX		12	/* user handle, 11 characters */
#define MEGA_SESSION_MAX	1024	/* a sealed session blob */
#define MEGA_ERR_MAX		128

/* IMSG_MEGA_ACCOUNT: who to log in as, and a session to try first. */
struct imsg_mega_account {
	char			 email[MEGA_EMAIL_MAX];
	char			 sid[MEGA_SID_MAX];	/* "" if none */
	char			 u[MEGA_USER_MAX];
};

/* IMSG_MEGA_PRELOGIN */
struct imsg_mega_prelogin {
	uint32_t		 v;		/* 1 or 2 */
	char			 salt[44];	/* v2: base64url, 32 bytes */
};

/* IMSG_MEGA_UH */
struct imsg_mega_uh {
	char			 uh[24];
};

/* IMSG_MEGA_LOGIN: the us reply's fields, base64url. */
struct imsg_mega_login {
	char			 k[23];
	char			 privk[2049];
	char			 csid[1025];
	char			 tsid[MEGA_SID_MAX];
	char			 u[MEGA_USER_MAX];
};

/* IMSG_MEGA_SESSION */
#define MEGA_LOGIN_OK		0
#define MEGA_LOGIN_BADPASS	1	/* the keys do not decrypt */
#define MEGA_LOGIN_BADREPLY	2	/* malformed reply */
#define MEGA_LOGIN_NOCRED	3	/* no usable credentials */
struct imsg_mega_session {
	uint32_t		 result;	/* MEGA_LOGIN_* */
	char			 sid[MEGA_SID_MAX];
	char			 u[MEGA_USER_MAX];
	char			 err[MEGA_ERR_MAX];
};

/*
 * Node requests carry a sequence number chosen by the signaler, which
 * the answer repeats.  Keys and attributes are base64url as in the API.
 */
#define MEGA_HANDLE_MAX		9
#define MEGA_NODEKEY_MAX	44	/* a 32-byte key */
#define MEGA_ATTR_MAX		1409	/* base64url attributes, MA_ATTR_MAX + 1 */
#define MEGA_ATTRJSON_MAX	1056	/* their JSON; holds a rendezvous message */

/* IMSG_MEGA_NODE_OPEN */
struct imsg_mega_node {
	uint32_t		 seq;
	uint32_t		 t;		/* MA_T_FILE, MA_T_FOLDER */
	char			 h[MEGA_HANDLE_MAX];
	char			 k[MEGA_NODEKEY_MAX];	/* our key entry */
	char			 a[MEGA_ATTR_MAX];
};

/* IMSG_MEGA_NODE_ATTR */
struct imsg_mega_node_attr {
	uint32_t		 seq;
	int32_t			 error;		/* 0, or -1: not ours */
	char			 h[MEGA_HANDLE_MAX];
	char			 json[MEGA_ATTRJSON_MAX];
};

/* IMSG_MEGA_NEW_FOLDER, and the header of IMSG_MEGA_SEAL_FILE. */
struct imsg_mega_new {
	uint32_t		 seq;
	char			 json[MEGA_ATTRJSON_MAX];	/* {"n":..} */
};

/* IMSG_MEGA_NEW_NODE, and the header of IMSG_MEGA_SEALED. */
struct imsg_mega_new_node {
	uint32_t		 seq;
	int32_t			 error;
	char			 k[MEGA_NODEKEY_MAX];	/* wrapped with MK */
	char			 a[MEGA_ATTR_MAX];
};

/* Header of IMSG_MEGA_OPEN_FILE; the ciphertext follows. */
struct imsg_mega_open {
	uint32_t		 seq;
	char			 k[MEGA_NODEKEY_MAX];
};

/* Header of IMSG_MEGA_OPENED; the plaintext follows. */
struct imsg_mega_opened {
	uint32_t		 seq;
	int32_t			 error;		/* -1: bad key or MAC */
};


/*
 * IMSG_DROP_LISTEN: how the signaler follows the folder.  Eagerly
 * while we offer to a peer (its requests and responses want a prompt
 * answer) or have no rendezvous peers; paced while the only need is a
 * peer we answer that is not connected (a client among many on one
 * account: at most one sc request per interval that grows while the
 * account is busy); not at all when every peer we answer is connected,
 * so that idle clients of a busy shared account cost nothing.  The
 * signaler follows nothing before netengine's first word with ready
 * set: a decision made after IMSG_DROP_READY, knowing what the tree of
 * the login held (a client that found its offer there never follows).
 */
#define DROP_LISTEN_PAUSE	0
#define DROP_LISTEN_EAGER	1
#define DROP_LISTEN_PACED	2
struct imsg_drop_listen {
	uint32_t		 listen;
	uint32_t		 ready;		/* 1: after IMSG_DROP_READY */
};

/* IMSG_CTL_DROP_GET, IMSG_CTL_DROP_RM, the header of IMSG_CTL_DROP_PUT */
struct ctl_drop_name {
	char			 name[DROP_NAME_MAX];
};

/* IMSG_CTL_DROP_STATE */
struct ctl_drop_state {
	char			 state[32];	/* see clawctl(8) */
	char			 account[MEGA_EMAIL_MAX];
	char			 folder[CLAWD_PATH_MAX];
	char			 last_error[MEGA_ERR_MAX];
	uint32_t		 sc_live;	/* 1: sc, 0: polling f */
	uint32_t		 following;	/* DROP_LISTEN_* */
	uint32_t		 files;
	int64_t			 backoff_ms;	/* until the next try, or 0 */
	int64_t			 pace_ms;	/* paced: sc interval now */
	uint64_t		 requests;	/* HTTP requests made */
	uint64_t		 errors;	/* failed requests */
	uint64_t		 retries;
	uint64_t		 logins;
	uint64_t		 puts;
	uint64_t		 gets;
	uint64_t		 deletes;
};

/* IMSG_CTL_DROP_FILE */
struct ctl_drop_file {
	char			 name[DROP_NAME_MAX];
	char			 h[MEGA_HANDLE_MAX];
	uint8_t			 mine;		/* put by this clawd */
	uint8_t			 pad[6];
	int64_t			 size;
	int64_t			 age;		/* seconds */
};

/* catalogue.c */
#define PROC_CONTROL		PROC_MAX	/* clawctl, as a sender */
#define PROC_NAME_MAX		16
extern const char	 proc_names[PROC_CONTROL + 1][PROC_NAME_MAX];
const char	*imsg_type_name(uint32_t);
const char	*proc_name(int);
int		 imsg_check(struct imsg *, int, int);

#endif /* CLAWD_IMSG_CATALOGUE_H */
