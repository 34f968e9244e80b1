/*
 * RFC 5780 NAT behaviour discovery: how the NAT in front of us maps
 * (section 4.3, on the data socket) and filters (section 4.4, on a
 * socket of each run's own), found with a handful of Binding requests
 * toward one STUN server that announces an OTHER-ADDRESS.
 */

#ifndef CLAWD_NATDISC_H
#define CLAWD_NATDISC_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stdint.h>

#include "clawd.h"

#define NATDISC_PERIOD_S	600	/* run again every 10 minutes */
#define NATDISC_STEP_MAX	64	/* a larger step is not sequential */

struct stun_msg;
struct ctl_nat_behaviour;

/* A configured STUN server, as stun_client.c hands it to us. */
struct natdisc_server {
	char			 name[CLAWD_HOST_MAX];
	struct sockaddr_storage	 ss;
	int			 mapped;	/* it answered */
};

/* natdisc.c */
void	natdisc_socket_changed(uint16_t);
void	natdisc_mapped(void);
void	natdisc_sock_ready(void);
int	natdisc_input(const struct stun_msg *, const struct sockaddr *,
	    const struct sockaddr *);
void	natdisc_ctl(struct ctl_nat_behaviour *);
int	natdisc_get(uint8_t *, uint8_t *, int *);
void	natdisc_shutdown(void);

/*
 * What natdisc.c calls back in the STUN client, which sits above it and
 * registers these before it hands over a socket.
 */
struct natdisc_upcalls {
	/* The servers that answered the Binding client, in their order. */
	size_t	(*servers)(struct natdisc_server *, size_t);
};
void	natdisc_register(const struct natdisc_upcalls *);

#endif /* CLAWD_NATDISC_H */
