/*
 * The configuration as parent/parse.y builds it, parent/printconf.c
 * prints it and the parent uses it: the children never see these
 * structures, only the imsg payloads of common/clawd_imsg.h that the
 * parent fills from them.  Also the defaults and bounds the parser
 * applies and the parent's command-line options.  Only parent/ and
 * the config test driver (regress/config/parse_main.c) include it.
 */

#ifndef CLAWD_CONF_H
#define CLAWD_CONF_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/queue.h>

#include <netinet/in.h>

#include <stdint.h>

#include "clawd.h"

#ifndef CLAWD_CONF
#define CLAWD_CONF		"/etc/clawd/clawd.conf"
#endif
#ifndef CLAWD_USER
#define CLAWD_USER		"_clawd"
#endif
#ifndef CLAWD_STATEDIR
#define CLAWD_STATEDIR		"/var/lib/clawd"
#endif
#ifndef CLAWD_CAFILE
#define CLAWD_CAFILE		"/etc/ssl/certs/ca-certificates.crt"
#endif

#define STUN_DEFAULT_PORT	3478
#define CLAWD_ROTATE_DEFAULT	3600	/* listen-port rotation, seconds */
#define CLAWD_ROTATE_MIN	10
#define CLAWD_KEEPALIVE_MAX	3600
#define MEGA_DEFAULT_API	"https://g.api.mega.co.nz/"
#define MEGA_DEFAULT_FOLDER	"/temp-share/clawchat-connections"

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

/* clawd.c: the command-line options */
#define CLAWD_OPT_VERBOSE	0x01
#define CLAWD_OPT_VERBOSE2	0x02
#define CLAWD_OPT_NOACTION	0x04

#endif /* CLAWD_CONF_H */
