/*
 * Helpers shared by clawctl's text and JSON back ends, so both name
 * states and format values the same way.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <stdint.h>
#include <stdio.h>

#include <string.h>

#include "clawctl.h"
#include "key.h"
#include "util.h"

static const char *const nat_states[] = {
	[CTL_NAT_IDLE] = "idle",
	[CTL_NAT_PENDING] = "pending",
	[CTL_NAT_MAPPED] = "mapped",
	[CTL_NAT_TIMEOUT] = "timeout",
	[CTL_NAT_ERROR] = "error",
};

/* A public key as wg(8) prints it. */
const char *
fmt_key(const uint8_t *key, char *buf, size_t len)
{
	char	 b64[KEY_B64_SIZE];

	key_to_base64(b64, key);
	strlcpy(buf, b64, len);
	return buf;
}

const char *
nat_state_name(uint32_t state)
{
	if (state >= sizeof(nat_states) / sizeof(nat_states[0]))
		return "unknown";
	return nat_states[state];
}

/* CapEff as /proc/<pid>/status shows it: 16 hex digits. */
const char *
fmt_capeff(uint64_t capeff)
{
	static char	 buf[17];

	snprintf(buf, sizeof(buf), "%016llx", (unsigned long long)capeff);
	return buf;
}

int
addr_isset(const struct sockaddr_storage *ss)
{
	return ss->ss_family != 0;
}

const char *
fmt_addr(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	return sa_str((const struct sockaddr *)ss, buf, len);
}

/* An age in the largest unit that keeps it short: 12s, 5m, 3h, 2d. */
const char *
fmt_age(int64_t secs, char *buf, size_t len)
{
	if (secs < 0)
		strlcpy(buf, "-", len);
	else if (secs < 120)
		snprintf(buf, len, "%llds", (long long)secs);
	else if (secs < 2 * 3600)
		snprintf(buf, len, "%lldm", (long long)secs / 60);
	else if (secs < 2 * 86400)
		snprintf(buf, len, "%lldh", (long long)secs / 3600);
	else
		snprintf(buf, len, "%lldd", (long long)secs / 86400);
	return buf;
}

/* Milliseconds as seconds with one decimal, or "none". */
const char *
fmt_backoff(int64_t ms, char *buf, size_t len)
{
	if (ms <= 0)
		strlcpy(buf, "none", len);
	else
		snprintf(buf, len, "%lld.%lld s", (long long)ms / 1000,
		    (long long)(ms % 1000) / 100);
	return buf;
}
