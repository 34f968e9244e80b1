/*
 * netengine: the unprivileged network engine.
 */

#ifndef CLAWD_NETENGINE_H
#define CLAWD_NETENGINE_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <pwd.h>

#include "clawd_imsg.h"
#include "proc.h"

void	netengine_main(const struct passwd *);
#define NE_SOCK_CUR	0	/* the socket now */
#define NE_SOCK_PREV	1	/* the one before a rotation */
#define NE_SOCK_SPRAY	2	/* the first of the many-probe sockets */
#define NE_SPRAY_SOCKS	CLAWD_SPRAY_MAX
#define NE_SOCKS	(NE_SOCK_SPRAY + NE_SPRAY_SOCKS)
#define NE_SOCK_DIRECT	(-1)	/* the current one, never via the relay */
extern int	netengine_rx_sock;

int	netengine_send(const struct sockaddr *, const void *, size_t);
int	netengine_send_on(int, const struct sockaddr *, const void *, size_t);
int	netengine_sendv_on(int, const struct sockaddr *, struct iovec *,
	    size_t, size_t);
void	netengine_relay_mark(const struct sockaddr *, int);
int	netengine_is_relayed(const struct sockaddr *);
int	netengine_sendv(const struct sockaddr *, struct iovec *, size_t,
	    size_t);

/* Counters for clawctl show stats: each by name and value. */
void	netengine_counters(void (*)(const char *, uint64_t, void *), void *);

/* control.c */
void	control_listen(int);
void	control_reply(struct imsg *);
void	control_shutdown(void);

#endif /* CLAWD_NETENGINE_H */
