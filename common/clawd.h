/*
 * Definitions shared by every clawd process and clawctl: the process
 * identities, the paths the children and clawctl use (control socket,
 * chroot), the limits that size the imsg payloads of clawd_imsg.h and
 * the peer roles those payloads carry.  The configuration as the parser
 * builds it, its defaults and the parent's options are the parent's
 * alone: parent/conf.h, which no child can include.
 */

#ifndef CLAWD_H
#define CLAWD_H

#include <sys/types.h>

#include <stdint.h>

#ifndef CLAWD_SOCKET
#define CLAWD_SOCKET		"/run/clawd/clawd.sock"
#endif
#ifndef CLAWD_CHROOT
#define CLAWD_CHROOT		"/var/empty"
#endif

#define CLAWD_KEY_LEN		32	/* X25519 keys, pre-shared keys */
#define CLAWD_KEY_B64LEN	44	/* base64 of 32 bytes, with '=' */

#define CLAWD_NAME_MAX		64	/* peer, interface names */
#define CLAWD_HOST_MAX		256	/* host names as written */
#define CLAWD_PATH_MAX		1024
#define CLAWD_URL_MAX		512

/* The processes, in the order of the procs[] table. */
enum clawd_proc {
	PROC_PARENT = 0,
	PROC_CRYPTO,
	PROC_SIGNALER,
	PROC_NETENGINE,
	PROC_MAX
};

enum peer_role {
	PEER_ROLE_NONE = 0,	/* fixed endpoint only, no drop */
	PEER_ROLE_OFFER,	/* we publish offers for this peer */
	PEER_ROLE_ANSWER	/* we answer this peer's offers */
};

#endif /* CLAWD_H */
