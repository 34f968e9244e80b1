/*
 * libFuzzer target for the STUN parser: every datagram the netengine
 * hands to stun_input() goes through stun_is_message() and
 * stun_parse() first, so those must survive any input.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "stun.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stun_msg		 m;
	const struct sockaddr	*sa;
	uint8_t			 buf[STUN_MSG_MAX], fix[2048];
	uint32_t		 crc;
	char			 sw[STUN_SOFTWARE_MAX + 1];
	size_t			 n;
	volatile size_t		 sink = 0;

	/* The demux test must agree with the parser on the header. */
	if (stun_parse(data, size, &m) == 0) {
		if (!stun_is_message(data, size))
			__builtin_trap();
		if ((sa = stun_mapped(&m)) != NULL)
			sink += sa->sa_family;
		sink += strlen(m.software) + strlen(m.error_reason);
		if (m.nunknown > 0)
			sink += m.unknown[0];
	}

	/*
	 * A mutated message ending in FINGERPRINT almost never has the
	 * right CRC: parse a copy with it corrected, to get past it.
	 */
	if (stun_is_message(data, size) && size >= STUN_HDR_LEN + 8 &&
	    size <= sizeof(fix) && data[size - 8] == 0x80 &&
	    data[size - 7] == 0x28) {
		memcpy(fix, data, size);
		crc = stun_crc32(fix, size - 8) ^ STUN_FINGERPRINT_XOR;
		fix[size - 4] = crc >> 24;
		fix[size - 3] = (crc >> 16) & 0xff;
		fix[size - 2] = (crc >> 8) & 0xff;
		fix[size - 1] = crc & 0xff;
		if (stun_parse(fix, size, &m) == 0 &&
		    (sa = stun_mapped(&m)) != NULL)
			sink += sa->sa_family;
	}

	/* What we build from any id and text must parse back. */
	if (size >= STUN_TID_LEN) {
		n = size - STUN_TID_LEN;
		if (n > STUN_SOFTWARE_MAX)
			n = STUN_SOFTWARE_MAX;
		memcpy(sw, data + STUN_TID_LEN, n);
		sw[n] = '\0';
		if (stun_build_binding(buf, sizeof(buf), data, sw) > 0) {
			n = 20 + ((buf[2] << 8) | buf[3]);
			if (stun_parse(buf, n, &m) != 0 ||
			    memcmp(m.tid, data, STUN_TID_LEN) != 0 ||
			    !(m.have & STUN_HAVE_FINGERPRINT))
				__builtin_trap();
		}
	}
	(void)sink;
	return 0;
}
