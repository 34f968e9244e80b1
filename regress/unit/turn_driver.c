/*
 * turn_driver: netengine's TURN client on a UDP socket of its own, for
 * regress/lab/turn.sh.  It allocates on a server, writes the relayed
 * address to a file, lets in one peer address, then echoes through
 * the relay twice: with Send and Data indications, then over a
 * channel.  Exit 0 if both directions worked both ways.
 *
 * usage: turn_driver server-ip port username password peer-ip outfile
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clawd.h"
#include "clawd_imsg.h"
#include "log.h"
#include "util.h"
#include "stun.h"
#include "turn.h"
#include "netengine.h"

#define DRIVER_TIMEOUT	40	/* seconds for the whole run */

static int			 sock = -1;
static int			 phase;		/* 0 wait, 1 ind, 2 chan */
static struct sockaddr_in	 peer;		/* learnt from its probes */
static int			 have_peer;
static int			 echoed[3];
static unsigned int		 sent_n;
static const char		*outfile;
static struct event		 tmo;
static int			 result = 1;

int
udp_send(const struct sockaddr *to, const void *buf, size_t len)
{
	return sendto(sock, buf, len, 0, to, sa_len(to)) == -1 ? -1 : 0;
}

static void
deliver(uint8_t *p, size_t len, const struct sockaddr *from)
{
	char	 expect[32];

	if (from->sa_family != AF_INET)
		return;
	if (len >= 5 && memcmp(p, "probe", 5) == 0) {
		if (!have_peer)
			printf("peer %s\n", log_sockaddr(from));
		memcpy(&peer, from, sizeof(peer));
		have_peer = 1;
		return;
	}
	snprintf(expect, sizeof(expect), "%s-", phase == 1 ? "ind" : "chan");
	if (len > strlen(expect) && memcmp(p, expect, strlen(expect)) == 0) {
		printf("echo %.*s\n", (int)len, p);
		echoed[phase] = 1;
	}
}

static void
udp_read(int fd, short ev, void *arg)
{
	struct sockaddr_storage	 from;
	socklen_t		 fl = sizeof(from);
	uint8_t			 buf[65536];
	ssize_t			 n;

	(void)ev;
	(void)arg;
	if ((n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
	    &fl)) == -1)
		return;
	if (!turn_input(buf, n, (struct sockaddr *)&from, deliver))
		printf("not for turn: %zd bytes from %s\n", n,
		    log_sockaddr((struct sockaddr *)&from));
}

static void
step(int fd, short ev, void *arg)
{
	struct sockaddr_storage	 rel;
	struct turn_status	 st;
	struct turn_counters	 c;
	struct timeval		 tv = { 0, 200000 };
	char			 msg[32];
	FILE			*f;
	static int		 wrote;

	(void)fd;
	(void)ev;
	(void)arg;
	turn_get_status(&st);
	if (st.state == TURN_FAILED) {
		printf("allocation failed\n");
		event_loopexit(NULL);
		return;
	}
	if (!wrote && turn_relayed(&rel) == 0) {
		printf("relayed %s\n", log_sockaddr((struct sockaddr *)&rel));
		if ((f = fopen(outfile, "w")) == NULL)
			err(1, "%s", outfile);
		fprintf(f, "%s\n", log_sockaddr((struct sockaddr *)&rel));
		fclose(f);
		wrote = 1;
		turn_permit((struct sockaddr *)&peer);	/* port 0: any */
	}
	if (phase == 0 && have_peer && turn_permitted((struct sockaddr *)
	    &peer) >= 0) {
		phase = 1;
		printf("phase 1: Send and Data indications\n");
	}
	if (phase == 1 && echoed[1]) {
		phase = 2;
		printf("phase 2: a channel\n");
		turn_use_channels(1);
		turn_permit((struct sockaddr *)&peer);
	}
	if (phase == 2 && echoed[2]) {
		turn_get_counters(&c);
		printf("counters: requests %llu retransmits %llu send %llu "
		    "data %llu channel out %llu in %llu auth_failed %llu\n",
		    (unsigned long long)c.requests,
		    (unsigned long long)c.retransmits,
		    (unsigned long long)c.send_ind,
		    (unsigned long long)c.data_ind,
		    (unsigned long long)c.channel_out,
		    (unsigned long long)c.channel_in,
		    (unsigned long long)c.auth_failed);
		result = c.send_ind > 0 && c.data_ind > 0 &&
		    c.channel_out > 0 && c.channel_in > 0 ? 0 : 1;
		turn_shutdown();
		event_loopexit(NULL);
		return;
	}
	if ((phase == 1) || (phase == 2 && turn_permitted(
	    (struct sockaddr *)&peer) == 2)) {
		snprintf(msg, sizeof(msg), "%s-%u", phase == 1 ? "ind" :
		    "chan", sent_n++);
		if (turn_send((struct sockaddr *)&peer, msg, strlen(msg)) == -1)
			printf("turn_send: %s\n", strerror(errno));
	}
	evtimer_add(&tmo, &tv);
}

static void
timeout(int fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	printf("timeout in phase %d\n", phase);
	event_loopexit(NULL);
}

int
main(int argc, char *argv[])
{
	struct imsg_conf_turn	 ic;
	struct sockaddr_in	*sin, local;
	struct event		 rev, gev;
	struct timeval		 tv = { DRIVER_TIMEOUT, 0 };

	if (argc != 7)
		errx(2, "usage: turn_driver server-ip port username "
		    "password peer-ip outfile");
	setvbuf(stdout, NULL, _IOLBF, 0);
	log_init(1, 0);
	log_setverbose(2);
	outfile = argv[6];

	memset(&ic, 0, sizeof(ic));
	strlcpy(ic.name, argv[1], sizeof(ic.name));
	sin = (struct sockaddr_in *)&ic.ss;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &sin->sin_addr) != 1)
		errx(2, "bad server %s", argv[1]);
	if (strlcpy(ic.username, argv[3], sizeof(ic.username)) >=
	    sizeof(ic.username) || strlcpy(ic.password, argv[4],
	    sizeof(ic.password)) >= sizeof(ic.password))
		errx(2, "credential too long");
	memset(&peer, 0, sizeof(peer));
	peer.sin_family = AF_INET;
	if (inet_pton(AF_INET, argv[5], &peer.sin_addr) != 1)
		errx(2, "bad peer %s", argv[5]);

	if ((sock = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0)) == -1)
		err(1, "socket");
	memset(&local, 0, sizeof(local));
	local.sin_family = AF_INET;
	if (bind(sock, (struct sockaddr *)&local, sizeof(local)) == -1)
		err(1, "bind");

	event_init();
	turn_init();
	event_set(&rev, sock, EV_READ | EV_PERSIST, udp_read, NULL);
	event_add(&rev, NULL);
	evtimer_set(&gev, timeout, NULL);
	evtimer_add(&gev, &tv);
	evtimer_set(&tmo, step, NULL);
	tv.tv_sec = 0;
	tv.tv_usec = 200000;
	evtimer_add(&tmo, &tv);

	turn_socket_changed();
	turn_conf_start();
	turn_conf_add(&ic);
	turn_conf_end();
	explicit_bzero(&ic, sizeof(ic));

	event_dispatch();
	printf("%s\n", result == 0 ? "PASS" : "FAIL");
	return result;
}
