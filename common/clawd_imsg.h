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

	/* Key holder reports. */
	IMSG_CRYPTO_PUBKEY,	/* C->P, the node's public key */

	/* Control: clawctl <-> netengine, forwarded to the parent. */
	IMSG_CTL_SHOW_STATUS,	/* T->N->P */
	IMSG_CTL_SHOW_NAT,	/* T->N */
	IMSG_CTL_RELOAD,	/* T->N->P */
	IMSG_CTL_STATUS,	/* P->N->T, one process */
	IMSG_CTL_NAT,		/* N->T, one STUN server */
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
	uint32_t		 generation;	/* rotation count */
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
