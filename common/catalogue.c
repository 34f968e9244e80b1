/*
 * The imsg catalogue as a table: for every message type, who may send
 * it to whom, the payload length and whether a descriptor comes with
 * it.  imsg_check() is called by every receiver before it looks at a
 * message; see clawd_imsg.h for the payloads.
 */

#include <sys/types.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include "clawd_imsg.h"

#define P	PROC_PARENT
#define C	PROC_CRYPTO
#define S	PROC_SIGNALER
#define N	PROC_NETENGINE
#define T	PROC_CONTROL
#define NSEND	(PROC_CONTROL + 1)
#define R(from, to)	(1U << ((from) * NSEND + (to)))

#define FD_NO	0
#define FD_YES	1
#define FD_MAYBE 2

struct imsg_rule {
	const char	*name;
	uint32_t	 routes;	/* R(from, to) bits */
	size_t		 len;		/* exact payload length */
	int		 fd;		/* FD_NO, FD_YES or FD_MAYBE */
	size_t		 max;		/* if set, len..max bytes */
};

static const struct imsg_rule rules[IMSG_TYPE_MAX] = {
	[IMSG_SOCKET_IPC] = { "SOCKET_IPC",
	    R(P, C) | R(P, S) | R(P, N), sizeof(struct imsg_ipc), FD_YES, 0 },
	[IMSG_CHILD_READY] = { "CHILD_READY",
	    R(C, P) | R(S, P) | R(N, P), sizeof(struct imsg_ipc), FD_NO, 0 },
	[IMSG_STARTUP] = { "STARTUP",
	    R(P, C) | R(P, S) | R(P, N), 0, FD_NO, 0 },
	[IMSG_KEY_FD] = { "KEY_FD", R(P, C), 0, FD_YES, 0 },
	[IMSG_UDP_SOCKET] = { "UDP_SOCKET",
	    R(P, N), sizeof(struct imsg_udp), FD_YES, 0 },
	[IMSG_UDP_SPRAY] = { "UDP_SPRAY",
	    R(N, P), sizeof(struct imsg_udp_spray), FD_NO, 0 },
	[IMSG_UDP_SPRAY_FD] = { "UDP_SPRAY_FD",
	    R(P, N), sizeof(struct imsg_udp), FD_YES, 0 },
	[IMSG_UDP_NATD] = { "UDP_NATD", R(N, P), 0, FD_NO, 0 },
	[IMSG_UDP_NATD_FD] = { "UDP_NATD_FD",
	    R(P, N), sizeof(struct imsg_udp), FD_YES, 0 },
	[IMSG_CONTROL_FD] = { "CONTROL_FD", R(P, N), 0, FD_YES, 0 },
	[IMSG_CONF_START] = { "CONF_START", R(P, N), 0, FD_NO, 0 },
	[IMSG_CONF_STUN] = { "CONF_STUN",
	    R(P, N), sizeof(struct imsg_conf_stun), FD_NO, 0 },
	[IMSG_CONF_TURN] = { "CONF_TURN",
	    R(P, N), sizeof(struct imsg_conf_turn), FD_NO, 0 },
	[IMSG_CONF_END] = { "CONF_END", R(P, N), 0, FD_NO, 0 },
	[IMSG_NAT_MEMORY] = { "NAT_MEMORY",
	    R(P, N) | R(N, P), sizeof(struct imsg_nat_memory), FD_NO, 0 },
	[IMSG_HTTPS_CONF] = { "HTTPS_CONF",
	    R(P, S), sizeof(struct imsg_https_conf), FD_NO, 0 },
	[IMSG_HTTPS_CA_FD] = { "HTTPS_CA_FD", R(P, S), 0, FD_YES, 0 },
	[IMSG_MEGA_CONF] = { "MEGA_CONF",
	    R(P, S), sizeof(struct imsg_mega_conf), FD_NO, 0 },
	[IMSG_RESOLVE] = { "RESOLVE",
	    R(S, P), sizeof(struct imsg_resolve), FD_NO, 0 },
	[IMSG_RESOLVED] = { "RESOLVED",
	    R(P, S), sizeof(struct imsg_resolve), FD_NO, 0 },
	[IMSG_TUN_FD] = { "TUN_FD",
	    R(P, N), sizeof(struct imsg_tun), FD_YES, 0 },
	[IMSG_CONF_PEER] = { "CONF_PEER",
	    R(P, N), sizeof(struct imsg_conf_peer), FD_NO, 0 },
	[IMSG_CONF_ALLOWED] = { "CONF_ALLOWED",
	    R(P, N), sizeof(struct imsg_conf_allowed), FD_NO, 0 },
	[IMSG_CONF_HOSTADDR] = { "CONF_HOSTADDR",
	    R(P, N), sizeof(struct imsg_hostaddr), FD_NO, 0 },
	[IMSG_CRYPTO_PEER] = { "CRYPTO_PEER",
	    R(P, C), sizeof(struct imsg_crypto_peer), FD_MAYBE, 0 },
	[IMSG_CRYPTO_CONF_END] = { "CRYPTO_CONF_END", R(P, C), 0, FD_NO, 0 },
	[IMSG_WG_INITIATE] = { "WG_INITIATE",
	    R(N, C), sizeof(struct imsg_wg_initiate), FD_NO, 0 },
	[IMSG_WG_HANDSHAKE_IN] = { "WG_HANDSHAKE_IN",
	    R(N, C), sizeof(struct imsg_wg_hs_in), FD_NO, 0 },
	[IMSG_WG_HANDSHAKE_OUT] = { "WG_HANDSHAKE_OUT",
	    R(C, N), sizeof(struct imsg_wg_hs_out), FD_NO, 0 },
	[IMSG_CRYPTO_PUBKEY] = { "CRYPTO_PUBKEY",
	    R(C, P) | R(C, N), sizeof(struct imsg_pubkey), FD_NO, 0 },
	[IMSG_CTL_SHOW_STATUS] = { "CTL_SHOW_STATUS",
	    R(T, N) | R(N, P), 0, FD_NO, 0 },
	[IMSG_CTL_SHOW_NAT] = { "CTL_SHOW_NAT", R(T, N), 0, FD_NO, 0 },
	[IMSG_CTL_SHOW_PEERS] = { "CTL_SHOW_PEERS", R(T, N), 0, FD_NO, 0 },
	[IMSG_CTL_SHOW_STATS] = { "CTL_SHOW_STATS", R(T, N), 0, FD_NO, 0 },
	[IMSG_CTL_RELOAD] = { "CTL_RELOAD", R(T, N) | R(N, P), 0, FD_NO, 0 },
	[IMSG_CTL_STATUS] = { "CTL_STATUS",
	    R(P, N) | R(N, T), sizeof(struct ctl_status), FD_NO, 0 },
	[IMSG_CTL_NAT] = { "CTL_NAT",
	    R(N, T), sizeof(struct ctl_nat), FD_NO, 0 },
	[IMSG_CTL_NAT_BEHAVIOUR] = { "CTL_NAT_BEHAVIOUR",
	    R(N, T), sizeof(struct ctl_nat_behaviour), FD_NO, 0 },
	[IMSG_CTL_PEER] = { "CTL_PEER",
	    R(N, T), sizeof(struct ctl_peer), FD_NO, 0 },
	[IMSG_CTL_COUNTER] = { "CTL_COUNTER",
	    R(N, T), sizeof(struct ctl_counter), FD_NO, 0 },
	[IMSG_CTL_RESULT] = { "CTL_RESULT",
	    R(P, N) | R(S, N) | R(N, T), sizeof(struct ctl_result), FD_NO, 0 },
	[IMSG_CTL_END] = { "CTL_END",
	    R(P, N) | R(S, N) | R(N, T), 0, FD_NO, 0 },
	[IMSG_MEGA_CRED_FD] = { "MEGA_CRED_FD", R(P, C), 0, FD_YES, 0 },
	[IMSG_MEGA_SESSION_LOAD] = { "MEGA_SESSION_LOAD",
	    R(P, C), 0, FD_NO, MEGA_SESSION_MAX },
	[IMSG_MEGA_SESSION_SAVE] = { "MEGA_SESSION_SAVE",
	    R(C, P), 0, FD_NO, MEGA_SESSION_MAX },
	[IMSG_MEGA_ACCOUNT] = { "MEGA_ACCOUNT",
	    R(C, S), sizeof(struct imsg_mega_account), FD_NO, 0 },
	[IMSG_MEGA_PRELOGIN] = { "MEGA_PRELOGIN",
	    R(S, C), sizeof(struct imsg_mega_prelogin), FD_NO, 0 },
	[IMSG_MEGA_UH] = { "MEGA_UH",
	    R(C, S), sizeof(struct imsg_mega_uh), FD_NO, 0 },
	[IMSG_MEGA_LOGIN] = { "MEGA_LOGIN",
	    R(S, C), sizeof(struct imsg_mega_login), FD_NO, 0 },
	[IMSG_MEGA_SESSION] = { "MEGA_SESSION",
	    R(C, S), sizeof(struct imsg_mega_session), FD_NO, 0 },
	[IMSG_MEGA_NODE_OPEN] = { "MEGA_NODE_OPEN",
	    R(S, C), sizeof(struct imsg_mega_node), FD_NO, 0 },
	[IMSG_MEGA_NODE_ATTR] = { "MEGA_NODE_ATTR",
	    R(C, S), sizeof(struct imsg_mega_node_attr), FD_NO, 0 },
	[IMSG_MEGA_NEW_FOLDER] = { "MEGA_NEW_FOLDER",
	    R(S, C), sizeof(struct imsg_mega_new), FD_NO, 0 },
	[IMSG_MEGA_NEW_NODE] = { "MEGA_NEW_NODE",
	    R(C, S), sizeof(struct imsg_mega_new_node), FD_NO, 0 },
	[IMSG_MEGA_SEAL_FILE] = { "MEGA_SEAL_FILE",
	    R(S, C), sizeof(struct imsg_mega_new), FD_NO,
	    sizeof(struct imsg_mega_new) + DROP_FILE_MAX },
	[IMSG_MEGA_SEALED] = { "MEGA_SEALED",
	    R(C, S), sizeof(struct imsg_mega_new_node), FD_NO,
	    sizeof(struct imsg_mega_new_node) + DROP_FILE_MAX },
	[IMSG_MEGA_OPEN_FILE] = { "MEGA_OPEN_FILE",
	    R(S, C), sizeof(struct imsg_mega_open), FD_NO,
	    sizeof(struct imsg_mega_open) + DROP_FILE_MAX },
	[IMSG_MEGA_OPENED] = { "MEGA_OPENED",
	    R(C, S), sizeof(struct imsg_mega_opened), FD_NO,
	    sizeof(struct imsg_mega_opened) + DROP_FILE_MAX },
	[IMSG_RDV_SEAL] = { "RDV_SEAL",
	    R(N, C), sizeof(struct imsg_rdv_seal) + 1, FD_NO,
	    sizeof(struct imsg_rdv_seal) + RDV_MSG_MAX },
	[IMSG_RDV_KEY] = { "RDV_KEY",
	    R(C, N), sizeof(struct imsg_rdv_key), FD_NO, 0 },
	[IMSG_RDV_PUT] = { "RDV_PUT",
	    R(C, S), sizeof(struct ctl_drop_name) + 1, FD_NO,
	    sizeof(struct ctl_drop_name) + DROP_FILE_MAX },
	[IMSG_RDV_OPEN] = { "RDV_OPEN",
	    R(S, C), sizeof(struct ctl_drop_name) + 1, FD_NO,
	    sizeof(struct ctl_drop_name) + DROP_FILE_MAX },
	[IMSG_RDV_IN] = { "RDV_IN",
	    R(C, N), sizeof(struct imsg_rdv_in) + 1, FD_NO,
	    sizeof(struct imsg_rdv_in) + RDV_MSG_MAX },
	[IMSG_RDV_RM] = { "RDV_RM",
	    R(N, S), sizeof(struct ctl_drop_name), FD_NO, 0 },
	[IMSG_DROP_READY] = { "DROP_READY", R(S, C) | R(C, N), 0, FD_NO, 0 },
	[IMSG_DROP_LISTEN] = { "DROP_LISTEN",
	    R(N, S), sizeof(struct imsg_drop_listen), FD_NO, 0 },
	[IMSG_CTL_SHOW_DROP] = { "CTL_SHOW_DROP",
	    R(T, N) | R(N, S), 0, FD_NO, 0 },
	[IMSG_CTL_DROP_PUT] = { "CTL_DROP_PUT",
	    R(T, N) | R(N, S), sizeof(struct ctl_drop_name), FD_NO,
	    sizeof(struct ctl_drop_name) + DROP_FILE_MAX },
	[IMSG_CTL_DROP_GET] = { "CTL_DROP_GET",
	    R(T, N) | R(N, S), sizeof(struct ctl_drop_name), FD_NO, 0 },
	[IMSG_CTL_DROP_RM] = { "CTL_DROP_RM",
	    R(T, N) | R(N, S), sizeof(struct ctl_drop_name), FD_NO, 0 },
	[IMSG_CTL_DROP_STATE] = { "CTL_DROP_STATE",
	    R(S, N) | R(N, T), sizeof(struct ctl_drop_state), FD_NO, 0 },
	[IMSG_CTL_DROP_FILE] = { "CTL_DROP_FILE",
	    R(S, N) | R(N, T), sizeof(struct ctl_drop_file), FD_NO, 0 },
	[IMSG_CTL_DROP_DATA] = { "CTL_DROP_DATA",
	    R(S, N) | R(N, T), 0, FD_NO, DROP_FILE_MAX },
};

/*
 * The one table of process names: logs, "-P name" on a child's command
 * line, the sandbox and proc.c's procs[] all take them from here.
 */
const char proc_names[PROC_CONTROL + 1][PROC_NAME_MAX] = {
	[PROC_PARENT] = "parent",
	[PROC_CRYPTO] = "crypto",
	[PROC_SIGNALER] = "signaler",
	[PROC_NETENGINE] = "netengine",
	[PROC_CONTROL] = "control",
};

const char *
proc_name(int p)
{
	if (p < 0 || p > PROC_CONTROL)
		return "unknown";
	return proc_names[p];
}

const char *
imsg_type_name(uint32_t type)
{
	if (type >= IMSG_TYPE_MAX || rules[type].name == NULL)
		return "unknown";
	return rules[type].name;
}

/*
 * May "from" send this message to "self", with this length and
 * descriptor?  Returns 0 if so, else -1 with errno set.  A descriptor
 * that should not be there is closed here so it cannot leak; one the
 * table requires must be there, so that a handler can count on it.
 */
int
imsg_check(struct imsg *imsg, int from, int self)
{
	const struct imsg_rule	*r;
	uint32_t		 type;
	int			 fd;

	type = imsg_get_type(imsg);
	if (from < 0 || from > PROC_CONTROL || self < 0 ||
	    self > PROC_CONTROL || type >= IMSG_TYPE_MAX ||
	    rules[type].name == NULL) {
		errno = EPROTO;
		goto bad;
	}
	r = &rules[type];
	if ((r->routes & R(from, self)) == 0) {
		errno = EPERM;
		goto bad;
	}
	if (r->max != 0 ? imsg_get_len(imsg) < r->len ||
	    imsg_get_len(imsg) > r->max : imsg_get_len(imsg) != r->len) {
		errno = EBADMSG;
		goto bad;
	}
	if (r->fd == FD_NO && (fd = imsg_get_fd(imsg)) != -1) {
		close(fd);
		errno = EBADMSG;
		goto bad;
	}
	if (r->fd == FD_YES &&
	    (imsg->buf == NULL || !ibuf_fd_avail(imsg->buf))) {
		errno = EBADMSG;
		goto bad;
	}
	return 0;
 bad:
	return -1;
}
