/*
 * The many-probe technique between an "easy" NAT (one mapping for all
 * destinations, filtering by address and port) and a "hard" one (a new
 * random port for every destination), where no single pair of probes
 * can meet: the birthday paradox does it.  See spray.c.
 */

#ifndef CLAWD_SPRAY_H
#define CLAWD_SPRAY_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stdint.h>

#include "udp.h"

#define SPRAY_SOCKS		NE_SPRAY_SOCKS	/* the hard side's */
#define SPRAY_PROBES		2048	/* the easy side's probes, at most */
#define SPRAY_PER_TICK		10	/* ... per tick of rdv.c (100 ms) */
#define SPRAY_MS		25000	/* one attempt at most */
#define SPRAY_REFRESH_MS	10000	/* the hard side sends again */
#define SPRAY_IDLE_MS		60000	/* unused sockets closed after */
#define SPRAY_PORT_MIN		1024	/* ports a NAT hands out */
#define SPRAY_PORTS		(65536 - SPRAY_PORT_MIN)

enum spray_kind {
	SPRAY_NONE = 0,
	SPRAY_HARD,		/* we open many ports toward one address */
	SPRAY_EASY		/* we probe many ports of one address */
};

/* A NAT's behaviour as a rendezvous message carries it (RDV_NAT_*). */
struct spray_nat {
	uint8_t			 mapping;
	uint8_t			 filtering;
	int16_t			 delta;
};

/* One peer's attempt. */
struct spray {
	enum spray_kind		 kind;
	uint64_t		 start;
	uint64_t		 round;		/* hard: this round began */
	struct sockaddr_storage	 to;	/* hard: its mapping; easy: address */
	uint32_t		 sent;		/* easy: probes so far */
	uint32_t		 base, stride;	/* easy: the ports' order */
	uint64_t		 done[SPRAY_SOCKS / 64]; /* hard: this round */
};

/* Sends one probe to an address from one of our sockets (rdv.c). */
typedef void	(*spray_send_fn)(void *, int, const struct sockaddr_storage *);

/* spray.c */
enum spray_kind	 spray_kind(const struct spray_nat *,
		    const struct spray_nat *);
int		 spray_begin(struct spray *, enum spray_kind,
		    const struct sockaddr_storage *, uint64_t);
int		 spray_tick(struct spray *, uint64_t, spray_send_fn, void *);
void		 spray_end(struct spray *);
void		 spray_counters(void (*)(const char *, uint64_t, void *),
		    void *);

#endif /* CLAWD_SPRAY_H */
