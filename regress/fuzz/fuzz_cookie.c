/*
 * libFuzzer target for netengine/cookie.c: arbitrary bytes as
 * handshake messages to the checker and as cookie replies to the
 * maker, and a round trip (maker stamps a message, checker asks for a
 * cookie, maker takes it, the retry passes) that must always work.
 *
 * Input: flags (1 byte), clock (8 bytes), source (18 bytes: address
 * and port), then the message.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <endian.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cookie.h"

#define HDR_LEN		(1 + 8 + 18)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct cookie_checker	 ck;
static struct cookie_maker	 mk;
static int			 ready;

static void
setup(void)
{
	uint8_t	 pub[WGC_KEY_LEN];

	memset(pub, 0x5a, sizeof(pub));
	if (wgc_init() == -1 || cookie_checker_init(&ck, pub) == -1 ||
	    cookie_maker_init(&mk, pub) == -1)
		__builtin_trap();
	ready = 1;
}

static void
source(uint8_t flags, const uint8_t *p, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	switch ((flags >> 2) & 3) {
	case 0:
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, p, 4);
		memcpy(&sin->sin_port, p + 16, 2);
		break;
	case 1:
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, p, 16);
		memcpy(&sin6->sin6_port, p + 16, 2);
		break;
	case 2:
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr.s6_addr[10] = 0xff;
		sin6->sin6_addr.s6_addr[11] = 0xff;
		memcpy(&sin6->sin6_addr.s6_addr[12], p, 4);
		memcpy(&sin6->sin6_port, p + 16, 2);
		break;
	default:
		ss->ss_family = p[0];	/* most likely unknown */
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_storage	 ss;
	struct wg_msg_cookie	 reply;
	const struct sockaddr	*sa = (const struct sockaddr *)&ss;
	uint8_t			 msg[sizeof(struct wg_msg_initiation)];
	uint64_t		 now;
	size_t			 len;
	uint8_t			 flags;
	int			 r, load;

	if (!ready)
		setup();
	if (size < HDR_LEN)
		return 0;
	flags = data[0];
	memcpy(&now, data + 1, sizeof(now));
	source(flags, data + 9, &ss);
	data += HDR_LEN;
	size -= HDR_LEN;
	load = flags & 1;

	/* raw bytes, both ways */
	r = cookie_checker_validate(&ck, data, size, sa, load, now, &reply);
	if (r != COOKIE_INVALID && r != COOKIE_NEED_REPLY &&
	    r != COOKIE_VALID)
		__builtin_trap();
	(void)cookie_maker_consume(&mk, data, size, now);

	/* the round trip, on a message built from the input */
	len = flags & 2 ? sizeof(struct wg_msg_response) :
	    sizeof(struct wg_msg_initiation);
	memset(msg, 0, sizeof(msg));
	memcpy(msg, data, size < len ? size : len);
	msg[0] = flags & 2 ? WG_MSG_RESPONSE : WG_MSG_INITIATION;
	msg[1] = msg[2] = msg[3] = 0;
	if (cookie_maker_mac(&mk, msg, len, now) == -1)
		__builtin_trap();
	if (cookie_checker_validate(&ck, msg, len, sa, 0, now, NULL) !=
	    COOKIE_VALID)
		__builtin_trap();
	r = cookie_checker_validate(&ck, msg, len, sa, 1, now, &reply);
	if (ss.ss_family != AF_INET && ss.ss_family != AF_INET6) {
		if (r != COOKIE_INVALID)
			__builtin_trap();
		return 0;
	}
	if (r == COOKIE_VALID)
		return 0;
	if (r != COOKIE_NEED_REPLY ||
	    le32toh(reply.type) != WG_MSG_COOKIE ||
	    cookie_maker_consume(&mk, &reply, sizeof(reply), now) == -1 ||
	    cookie_maker_mac(&mk, msg, len, now) == -1 ||
	    cookie_checker_validate(&ck, msg, len, sa, 1, now, NULL) !=
	    COOKIE_VALID)
		__builtin_trap();
	return 0;
}
