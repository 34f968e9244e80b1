/*
 * TURN client (RFC 8656) for netengine: one allocation on a relay, made
 * at start so that it is there when hole punching fails, permissions
 * and channels toward the peers that need it, and the framing of what
 * goes through it.  The codec part (turn_msg.c: turn_build,
 * turn_integrity_*, turn_channel_*) is pure and fuzzable; the client
 * (turn.c) runs on libevent timers and sends through udp_send().
 */

#ifndef CLAWD_TURN_H
#define CLAWD_TURN_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "clawd.h"
#include "stun.h"

#define CLAWD_TURN_MAX		4	/* configured servers */
#define TURN_PEER_MAX		16	/* permissions we hold */
#define TURN_KEY_LEN		16	/* MD5(username:realm:password) */
#define TURN_MI_LEN		20	/* HMAC-SHA1 */
#define TURN_USER_MAX		128
#define TURN_PASS_MAX		64
#define TURN_TRANSPORT_UDP	17	/* REQUESTED-TRANSPORT */
#define TURN_LIFETIME		600	/* what we ask for, seconds */

/* ChannelData (RFC 8656 section 12.4) */
#define TURN_CHANNEL_MIN	0x4000
#define TURN_CHANNEL_MAX	0x4fff	/* what we use; 0x7fff on the wire */
#define TURN_CHANNEL_HDR	4

/* Optional attributes of a message we build (struct turn_attrs.want). */
#define TURN_A_TRANSPORT	0x01	/* REQUESTED-TRANSPORT UDP */
#define TURN_A_LIFETIME		0x02
#define TURN_A_PEER		0x04	/* XOR-PEER-ADDRESS */
#define TURN_A_CHANNEL		0x08	/* CHANNEL-NUMBER */
#define TURN_A_DATA		0x10
#define TURN_A_FINGERPRINT	0x20

struct turn_attrs {
	uint32_t		 want;		/* TURN_A_* */
	uint32_t		 lifetime;
	const struct sockaddr	*peer;
	uint16_t		 channel;
	const uint8_t		*data;
	size_t			 data_len;
	/* Long-term credential: all set, or username NULL for none. */
	const char		*username;
	const char		*realm;
	const char		*nonce;
	const uint8_t		*key;		/* TURN_KEY_LEN bytes */
};

/* Codec (turn_msg.c): pure functions, once turn_init() fetched MD5/HMAC. */
void	 turn_init(void);
ssize_t	 turn_build(uint8_t *, size_t, uint16_t, uint8_t,
	    const uint8_t [STUN_TID_LEN], const struct turn_attrs *);
int	 turn_key(const char *, const char *, const char *,
	    uint8_t [TURN_KEY_LEN]);
int	 turn_integrity_ok(const uint8_t *, size_t, const struct stun_msg *,
	    const uint8_t [TURN_KEY_LEN]);
int	 turn_is_channel_data(const uint8_t *, size_t);
int	 turn_channel_parse(const uint8_t *, size_t, uint16_t *, size_t *);
void	 turn_channel_header(uint8_t [TURN_CHANNEL_HDR], uint16_t, size_t);

/* Client (turn.c). */
struct imsg_conf_turn;

enum turn_state {
	TURN_IDLE = 0,		/* nothing configured or no socket */
	TURN_ALLOCATING,	/* Allocate in flight */
	TURN_ALLOCATED,		/* a relayed address is ours */
	TURN_FAILED		/* the last attempt failed; retry later */
};

struct turn_counters {
	uint64_t		 requests;	/* transactions started */
	uint64_t		 retransmits;
	uint64_t		 timeouts;
	uint64_t		 errors;	/* other than 401 and 438 */
	uint64_t		 auth_failed;	/* bad or missing integrity */
	uint64_t		 invalid;	/* from the server, malformed */
	uint64_t		 unmatched;	/* no transaction of ours */
	uint64_t		 send_ind;	/* datagrams out: Send */
	uint64_t		 channel_out;	/* datagrams out: ChannelData */
	uint64_t		 data_ind;	/* datagrams in: Data */
	uint64_t		 channel_in;	/* datagrams in: ChannelData */
	uint64_t		 no_permission;	/* from a peer not let in */
	uint64_t		 send_errors;
};

struct turn_status {
	char			 server_name[CLAWD_HOST_MAX];
	struct sockaddr_storage	 server;
	struct sockaddr_storage	 relayed;
	struct sockaddr_storage	 mapped;	/* as the relay sees us */
	uint32_t		 state;		/* enum turn_state */
	uint32_t		 lifetime;	/* granted, seconds */
	uint32_t		 npermissions;
	uint32_t		 nchannels;	/* bound */
};

void	turn_conf_start(void);
void	turn_conf_add(const struct imsg_conf_turn *);
void	turn_conf_end(void);
void	turn_socket_changed(void);
void	turn_use_channels(int);
int	turn_relayed(struct sockaddr_storage *);
int	turn_permit(const struct sockaddr *);
int	turn_permitted(const struct sockaddr *);
int	turn_send(const struct sockaddr *, const void *, size_t);
int	turn_is_from_server(const struct sockaddr *);
int	turn_input(uint8_t *, size_t, const struct sockaddr *,
	    void (*)(uint8_t *, size_t, const struct sockaddr *));
void	turn_get_status(struct turn_status *);
void	turn_get_counters(struct turn_counters *);
void	turn_shutdown(void);

#endif /* CLAWD_TURN_H */
