/*
 * Definitions shared by every clawd process: process identities, paths,
 * limits and the configuration as the parser builds it and the parent
 * pushes it to the children.
 */

#ifndef CLAWD_H
#define CLAWD_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/queue.h>

#include <netinet/in.h>

#include <stdint.h>

#ifndef CLAWD_CONF
#define CLAWD_CONF		"/etc/clawd/clawd.conf"
#endif
#ifndef CLAWD_SOCKET
#define CLAWD_SOCKET		"/run/clawd/clawd.sock"
#endif
#ifndef CLAWD_USER
#define CLAWD_USER		"_clawd"
#endif
#ifndef CLAWD_CHROOT
#define CLAWD_CHROOT		"/var/empty"
#endif
#ifndef CLAWD_STATEDIR
#define CLAWD_STATEDIR		"/var/lib/clawd"
#endif
#ifndef CLAWD_CAFILE
#define CLAWD_CAFILE		"/etc/ssl/certs/ca-certificates.crt"
#endif

#define CLAWD_KEY_LEN		32	/* X25519 keys, pre-shared keys */
#define CLAWD_KEY_B64LEN	44	/* base64 of 32 bytes, with '=' */

#define CLAWD_NAME_MAX		64	/* peer, interface names */
#define CLAWD_HOST_MAX		256	/* host names as written */
#define CLAWD_PATH_MAX		1024
#define CLAWD_URL_MAX		512

#define STUN_DEFAULT_PORT	3478
#define CLAWD_ROTATE_DEFAULT	3600	/* listen-port rotation, seconds */
#define CLAWD_ROTATE_MIN	10
#define CLAWD_KEEPALIVE_MAX	3600
#define MEGA_DEFAULT_API	"https://g.api.mega.co.nz/"
#define MEGA_DEFAULT_FOLDER	"/temp-share/clawchat-connections"

/* The processes, in the order of the procs[] table. */
enum clawd_proc {
	PROC_PARENT = 0,
	PROC_CRYPTO,
	PROC_SIGNALER,
	PROC_NETENGINE,
	PROC_MAX
};

/* An address with the name it was written as, resolved by the parent. */
struct clawd_host {
	char			 name[CLAWD_HOST_MAX];
	uint16_t		 port;
	struct sockaddr_storage	 ss;	/* resolved, port set */
};

struct clawd_prefix {
	TAILQ_ENTRY(clawd_prefix) entry;
	int			 af;
	union {
		struct in_addr	 v4;
		struct in6_addr	 v6;
	}			 addr;
	uint8_t			 plen;
};
TAILQ_HEAD(clawd_prefixes, clawd_prefix);

struct clawd_stun {
	TAILQ_ENTRY(clawd_stun)	 entry;
	struct clawd_host	 host;
};
TAILQ_HEAD(clawd_stuns, clawd_stun);

struct clawd_turn {
	TAILQ_ENTRY(clawd_turn)	 entry;
	struct clawd_host	 host;
	char			 secret_file[CLAWD_PATH_MAX];
};
TAILQ_HEAD(clawd_turns, clawd_turn);

enum peer_role {
	PEER_ROLE_NONE = 0,	/* fixed endpoint only, no drop */
	PEER_ROLE_OFFER,	/* we publish offers for this peer */
	PEER_ROLE_ANSWER	/* we answer this peer's offers */
};

struct clawd_peer {
	TAILQ_ENTRY(clawd_peer)	 entry;
	char			 name[CLAWD_NAME_MAX];
	uint8_t			 pubkey[CLAWD_KEY_LEN];
	char			 psk_file[CLAWD_PATH_MAX];	/* "" if none */
	struct clawd_prefixes	 allowed;
	int			 has_endpoint;
	struct clawd_host	 endpoint;
	uint16_t		 keepalive;	/* seconds, 0 off */
	enum peer_role		 role;
	int			 on_demand;	/* offers only on request */
};
TAILQ_HEAD(clawd_peers, clawd_peer);

struct clawd_mega {
	int			 configured;
	char			 credentials[CLAWD_PATH_MAX];
	char			 folder[CLAWD_PATH_MAX];
	char			 api_url[CLAWD_URL_MAX];
	char			 ca_file[CLAWD_PATH_MAX];
	int			 allow_http;	/* plain http:// API URL */
};

struct clawd_iface {
	int			 configured;
	char			 name[CLAWD_NAME_MAX];
	struct clawd_prefixes	 addrs;
	uint16_t		 mtu;
};

struct clawd_conf {
	char			 key_file[CLAWD_PATH_MAX];
	uint16_t		 listen_port;	/* 0: random */
	uint32_t		 rotate;	/* seconds, 0: never */
	char			 state_dir[CLAWD_PATH_MAX];
	struct clawd_stuns	 stuns;
	struct clawd_turns	 turns;
	struct clawd_mega	 mega;
	struct clawd_iface	 iface;
	struct clawd_peers	 peers;
};

/* parse.y */
struct clawd_conf	*parse_config(const char *, int);
int			 cmdline_symset(char *);
void			 free_config(struct clawd_conf *);

/* printconf.c */
void			 print_config(struct clawd_conf *);

#define CLAWD_OPT_VERBOSE	0x01
#define CLAWD_OPT_VERBOSE2	0x02
#define CLAWD_OPT_NOACTION	0x04

#endif /* CLAWD_H */
