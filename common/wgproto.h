/*
 * WireGuard messages on the wire, constants and timers, as the
 * WireGuard whitepaper (sections 5 and 6) specifies them.  Shared by
 * crypto (the handshake) and netengine (everything else).  All
 * multi-byte integers on the wire are little-endian.
 */

#ifndef CLAWD_WGPROTO_H
#define CLAWD_WGPROTO_H

#include <stdint.h>

#include "wgcrypto.h"

#define WG_CONSTRUCTION	"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"
#define WG_IDENTIFIER	"WireGuard v1 zx2c4 Jason@zx2c4.com"
#define WG_LABEL_MAC1	"mac1----"
#define WG_LABEL_COOKIE	"cookie--"

#define WG_MSG_INITIATION	1
#define WG_MSG_RESPONSE		2
#define WG_MSG_COOKIE		3
#define WG_MSG_DATA		4

/* Timers and limits, whitepaper section 6. */
#define WG_REKEY_AFTER_MESSAGES	(1ULL << 60)
#define WG_REJECT_AFTER_MESSAGES (UINT64_MAX - (1ULL << 13))
#define WG_REKEY_AFTER_TIME	120
#define WG_REJECT_AFTER_TIME	180
#define WG_REKEY_ATTEMPT_TIME	90
#define WG_REKEY_TIMEOUT	5
#define WG_KEEPALIVE_TIMEOUT	10
#define WG_COOKIE_SECRET_LIFE	120
#define WG_REPLAY_WINDOW	2048

/* The two macs that end every handshake message. */
struct wg_macs {
	uint8_t		 mac1[WGC_MAC_LEN];
	uint8_t		 mac2[WGC_MAC_LEN];
} __attribute__((__packed__));

struct wg_msg_initiation {
	uint32_t	 type;		/* 1, then three zero bytes */
	uint32_t	 sender;
	uint8_t		 ephemeral[WGC_KEY_LEN];
	uint8_t		 enc_static[WGC_KEY_LEN + WGC_TAG_LEN];
	uint8_t		 enc_timestamp[WGC_TAI64N_LEN + WGC_TAG_LEN];
	struct wg_macs	 macs;
} __attribute__((__packed__));			/* 148 bytes */

struct wg_msg_response {
	uint32_t	 type;		/* 2 */
	uint32_t	 sender;
	uint32_t	 receiver;
	uint8_t		 ephemeral[WGC_KEY_LEN];
	uint8_t		 enc_empty[WGC_TAG_LEN];
	struct wg_macs	 macs;
} __attribute__((__packed__));			/* 92 bytes */

struct wg_msg_cookie {
	uint32_t	 type;		/* 3 */
	uint32_t	 receiver;
	uint8_t		 nonce[WGC_XNONCE_LEN];
	uint8_t		 enc_cookie[WGC_MAC_LEN + WGC_TAG_LEN];
} __attribute__((__packed__));			/* 64 bytes */

struct wg_msg_data {
	uint32_t	 type;		/* 4 */
	uint32_t	 receiver;
	uint64_t	 counter;
	/* encrypted, padded packet and its tag follow */
} __attribute__((__packed__));			/* 16 bytes */

#define WG_DATA_MIN	(sizeof(struct wg_msg_data) + WGC_TAG_LEN)
#define WG_PAD		16	/* plaintext padded to a multiple */

_Static_assert(sizeof(struct wg_msg_initiation) == 148, "initiation");
_Static_assert(sizeof(struct wg_msg_response) == 92, "response");
_Static_assert(sizeof(struct wg_msg_cookie) == 64, "cookie");
_Static_assert(sizeof(struct wg_msg_data) == 16, "data header");

#endif /* CLAWD_WGPROTO_H */
