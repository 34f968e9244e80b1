/*
 * STUN (RFC 8489, compatible with RFC 5389) for netengine: a codec of
 * pure functions (stun.c: no I/O, no libevent, fuzzable on its own) and
 * the Binding client that learns our server-reflexive address and keeps
 * the NAT mapping toward each server alive (stun_client.c).
 */

#ifndef CLAWD_STUN_H
#define CLAWD_STUN_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#define CLAWD_STUN_MAX		8	/* configured servers */

#define STUN_HDR_LEN		20
#define STUN_COOKIE		0x2112a442U
#define STUN_TID_LEN		12	/* 96-bit transaction id */
#define STUN_FINGERPRINT_XOR	0x5354554eU
#define STUN_SOFTWARE_MAX	127	/* bytes we send or keep */
#define STUN_REASON_MAX		128	/* error reason we keep, with NUL */
#define STUN_UNKNOWN_MAX	8	/* unknown attributes we note */
#define STUN_MSG_MAX		548	/* what we ever build */

/* Message classes, as decoded from the type field. */
#define STUN_CLASS_REQUEST	0
#define STUN_CLASS_INDICATION	1
#define STUN_CLASS_SUCCESS	2
#define STUN_CLASS_ERROR	3

#define STUN_METHOD_BINDING	0x001
/* TURN (RFC 8656) */
#define STUN_METHOD_ALLOCATE	0x003
#define STUN_METHOD_REFRESH	0x004
#define STUN_METHOD_SEND	0x006
#define STUN_METHOD_DATA	0x007
#define STUN_METHOD_CREATE_PERMISSION	0x008
#define STUN_METHOD_CHANNEL_BIND	0x009

/* Attribute types: < 0x8000 comprehension-required. */
#define STUN_ATTR_MAPPED_ADDRESS	0x0001
#define STUN_ATTR_CHANGE_REQUEST	0x0003	/* RFC 5780 */
#define STUN_ATTR_USERNAME		0x0006
#define STUN_ATTR_MESSAGE_INTEGRITY	0x0008
#define STUN_ATTR_ERROR_CODE		0x0009
#define STUN_ATTR_UNKNOWN_ATTRIBUTES	0x000a
#define STUN_ATTR_CHANNEL_NUMBER	0x000c	/* RFC 8656 */
#define STUN_ATTR_LIFETIME		0x000d	/* RFC 8656 */
#define STUN_ATTR_XOR_PEER_ADDRESS	0x0012	/* RFC 8656 */
#define STUN_ATTR_DATA			0x0013	/* RFC 8656 */
#define STUN_ATTR_REALM			0x0014
#define STUN_ATTR_NONCE			0x0015
#define STUN_ATTR_XOR_RELAYED_ADDRESS	0x0016	/* RFC 8656 */
#define STUN_ATTR_REQUESTED_TRANSPORT	0x0019	/* RFC 8656 */
#define STUN_ATTR_DONT_FRAGMENT		0x001a	/* RFC 8656 */
#define STUN_ATTR_MI_SHA256		0x001c
#define STUN_ATTR_PASSWORD_ALGORITHM	0x001d
#define STUN_ATTR_USERHASH		0x001e
#define STUN_ATTR_XOR_MAPPED_ADDRESS	0x0020
#define STUN_ATTR_PADDING		0x0026	/* RFC 5780 */
#define STUN_ATTR_RESPONSE_PORT		0x0027	/* RFC 5780 */
#define STUN_ATTR_PASSWORD_ALGORITHMS	0x8002
#define STUN_ATTR_ALTERNATE_DOMAIN	0x8003
#define STUN_ATTR_SOFTWARE		0x8022
#define STUN_ATTR_ALTERNATE_SERVER	0x8023
#define STUN_ATTR_FINGERPRINT		0x8028
#define STUN_ATTR_RESPONSE_ORIGIN	0x802b	/* RFC 5780 */
#define STUN_ATTR_OTHER_ADDRESS		0x802c	/* RFC 5780 */

/* CHANGE-REQUEST flags (RFC 5780 section 7.2). */
#define STUN_CHANGE_IP		0x04
#define STUN_CHANGE_PORT	0x02

/* struct stun_msg.have */
#define STUN_HAVE_XOR_MAPPED	0x0001
#define STUN_HAVE_MAPPED	0x0002
#define STUN_HAVE_ERROR		0x0004
#define STUN_HAVE_OTHER		0x0008
#define STUN_HAVE_ORIGIN	0x0010
#define STUN_HAVE_CHANGE	0x0020
#define STUN_HAVE_SOFTWARE	0x0040
#define STUN_HAVE_INTEGRITY	0x0080	/* present, not verified */
#define STUN_HAVE_FINGERPRINT	0x0100	/* present and verified */
/* Parsed only in messages of TURN methods (not Binding). */
#define STUN_HAVE_RELAYED	0x0200
#define STUN_HAVE_PEER		0x0400
#define STUN_HAVE_LIFETIME	0x0800
#define STUN_HAVE_CHANNEL	0x1000
#define STUN_HAVE_DATA		0x2000
#define STUN_HAVE_REALM		0x4000
#define STUN_HAVE_NONCE		0x8000

#define STUN_REALM_MAX		128	/* REALM we keep, with NUL */
#define STUN_NONCE_MAX		128	/* NONCE we keep, with NUL */

/* A parsed message; addresses are decoded, ports set. */
struct stun_msg {
	uint16_t		 method;
	uint8_t			 class;		/* STUN_CLASS_* */
	uint8_t			 tid[STUN_TID_LEN];
	uint32_t		 have;		/* STUN_HAVE_* */
	struct sockaddr_storage	 xor_mapped;
	struct sockaddr_storage	 mapped;
	struct sockaddr_storage	 other;		/* OTHER-ADDRESS */
	struct sockaddr_storage	 origin;	/* RESPONSE-ORIGIN */
	uint32_t		 change;	/* STUN_CHANGE_* */
	uint16_t		 error_code;	/* 300..699 */
	char			 error_reason[STUN_REASON_MAX];
	char			 software[STUN_SOFTWARE_MAX + 1];
	/* Comprehension-required attributes we do not know. */
	uint16_t		 unknown[STUN_UNKNOWN_MAX];
	size_t			 nunknown;	/* may exceed the array */
	/* TURN: filled only for methods other than Binding. */
	struct sockaddr_storage	 relayed;	/* XOR-RELAYED-ADDRESS */
	struct sockaddr_storage	 peer;		/* XOR-PEER-ADDRESS */
	uint32_t		 lifetime;	/* seconds */
	uint16_t		 channel;	/* CHANNEL-NUMBER */
	const uint8_t		*data;		/* DATA, in the buffer */
	size_t			 data_len;
	char			 realm[STUN_REALM_MAX];	/* verbatim */
	char			 nonce[STUN_NONCE_MAX];	/* verbatim */
	size_t			 integrity_off;	/* MESSAGE-INTEGRITY, or 0 */
};

/* stun.c: the codec */
int		 stun_is_message(const uint8_t *, size_t);
int		 stun_parse(const uint8_t *, size_t, struct stun_msg *);
const struct sockaddr *stun_mapped(const struct stun_msg *);
ssize_t		 stun_build_binding(uint8_t *, size_t,
		    const uint8_t [STUN_TID_LEN], const char *);
ssize_t		 stun_build_binding_change(uint8_t *, size_t,
		    const uint8_t [STUN_TID_LEN], const char *, uint32_t);
uint32_t	 stun_crc32(const uint8_t *, size_t);

/* stun_client.c: Binding transactions toward the configured servers */
struct imsg_conf_stun;
struct ctl_nat;

/* Packets dropped or not sent, for debugging. */
struct stun_counters {
	uint64_t		 invalid;	/* failed to parse */
	uint64_t		 unmatched;	/* no such transaction */
	uint64_t		 wrong_source;	/* tid known, other sender */
	uint64_t		 send_errors;
};

void	stun_conf_start(void);
void	stun_conf_add(const struct imsg_conf_stun *);
void	stun_conf_end(void);
void	stun_socket_changed(uint16_t);
void	stun_input(const uint8_t *, size_t, const struct sockaddr *,
	    const struct sockaddr *);
void	stun_ctl_nat(void (*)(const struct ctl_nat *, void *), void *);
void	stun_get_counters(struct stun_counters *);
void	stun_shutdown(void);

size_t	stun_mapped_all(struct sockaddr_storage *, size_t);
int	stun_first(struct sockaddr_storage *, struct sockaddr_storage *);
int	stun_tid_equal(const uint8_t *, const uint8_t *);

#endif /* CLAWD_STUN_H */
