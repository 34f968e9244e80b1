/*
 * udp: netengine's sockets and sending (udp.c), under every protocol
 * of the engine.  What it must tell the layers above goes through the
 * upcalls netengine.c registers.
 */

#ifndef CLAWD_UDP_H
#define CLAWD_UDP_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <stdint.h>

#include "clawd_imsg.h"

#define NE_SOCK_CUR	0	/* the socket now */
#define NE_SOCK_PREV	1	/* the one before a rotation */
#define NE_SOCK_NATD	2	/* NAT discovery's filtering tests */
#define NE_SOCK_SPRAY	3	/* the first of the many-probe sockets */
#define NE_SPRAY_SOCKS	CLAWD_SPRAY_MAX
#define NE_SOCKS	(NE_SOCK_SPRAY + NE_SPRAY_SOCKS)
#define NE_SOCK_DIRECT	(-1)	/* the current one, never via the relay */
extern int	udp_rx_sock;
extern int	udp_rx_relayed;	/* ...and it came through our relay */

/* What udp.c calls above it, registered with udp_init(). */
struct udp_upcalls {
	/* One datagram read, from where, to which of our addresses. */
	void	 (*datagram)(uint8_t *, size_t, const struct sockaddr *,
		    const struct sockaddr *);
	/* A batch read: the receive buffers are about to be reused. */
	void	 (*flush)(void);
	/* Send through our TURN relay to a peer marked as behind it. */
	int	 (*relay_send)(const struct sockaddr *, const void *, size_t);
	/* A new current socket (port), after a rotation or the first. */
	void	 (*sock_changed)(uint16_t, int);
	/* Peers on the current socket are now on this one. */
	void	 (*sock_rotated)(int);
	/* This socket is closed. */
	void	 (*sock_closed)(int);
	/* Does a peer's tunnel use this socket? */
	int	 (*sock_used)(int);
	/* The monotonic clock, ms. */
	uint64_t (*now_ms)(void);
};

void	udp_init(const struct udp_upcalls *);
void	udp_ready(void);
void	udp_set(int, const struct imsg_udp *);
void	udp_spray_add(int, const struct imsg_udp *);
void	udp_unknown(void);
void	udp_counters(void (*)(const char *, uint64_t, void *), void *);

int	udp_send(const struct sockaddr *, const void *, size_t);
int	udp_send_on(int, const struct sockaddr *, const void *, size_t);
int	udp_reply(const struct sockaddr *, const void *, size_t);
int	udp_sendv_on(int, const struct sockaddr *, struct iovec *,
	    size_t, size_t);
void	udp_relay_mark(const struct sockaddr *, int);
int	udp_is_relayed(const struct sockaddr *);
int	udp_sendv(const struct sockaddr *, struct iovec *, size_t,
	    size_t);

/* NAT discovery's own socket, one a run, from the parent. */
void	udp_natd_want(void);
void	udp_natd_set(int, const struct imsg_udp *);
int	udp_natd_open(void);
void	udp_natd_close(void);

/* The hard side's sockets of spray.c, from the parent. */
void	udp_spray_want(void);
int	udp_spray_sock(size_t);
void	udp_spray_hold(uint64_t);

#endif /* CLAWD_UDP_H */
