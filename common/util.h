/*
 * Small helpers shared by the processes and clawctl.
 */

#ifndef CLAWD_UTIL_H
#define CLAWD_UTIL_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stdint.h>

/* "192.0.2.1:3478" or "[2001:db8::1]:3478" */
#define SA_STRLEN	64
const char	*sa_str(const struct sockaddr *, char *, size_t);
socklen_t	 sa_len(const struct sockaddr *);
int		 sa_equal(const struct sockaddr *, const struct sockaddr *);
uint16_t	 sa_port(const struct sockaddr_storage *);
int		 sa_probe_ok(const struct sockaddr *);
void		 sa_set_port(struct sockaddr_storage *, uint16_t);
const char	*natd_kind_name(uint32_t);
const char	*log_sockaddr(const struct sockaddr *);
time_t		 monotime(void);

/*
 * At most max events a window of secs seconds (monotonic): ratewin_take()
 * is 1 if this one may go, 0 if not; refused counts the others of the
 * window, and ratewin_take() sets *prev to the previous window's count
 * when a new window starts (else 0), for one summary line.
 */
struct ratewin {
	time_t		 start;
	unsigned int	 count;
	unsigned int	 refused;
};
int		 ratewin_take(struct ratewin *, unsigned int, time_t,
		    unsigned int *);

/* Big-endian fields of packets, at any alignment. */
static inline uint16_t
be16_get(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
be32_get(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static inline void
be16_put(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static inline void
be32_put(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

#endif /* CLAWD_UTIL_H */
