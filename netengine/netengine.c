/*
 * netengine: owns the UDP socket and serves the control socket, both
 * handed over by the parent.  Every datagram is hostile until proven
 * otherwise; for now only STUN responses to our own requests are
 * taken, everything else is dropped without an answer.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event.h>

#include "clawd.h"
#include "clawd_imsg.h"
#include "log.h"
#include "proc.h"
#include "util.h"
#include "stun.h"
#include "netengine.h"

#define NE_PKT_MAX	65536

static struct {
	int		 fd;
	uint16_t	 port;
	uint32_t	 generation;
	struct event	 ev;
	uint64_t	 dropped;
} udp = { .fd = -1 };

static uint8_t		 pktbuf[NE_PKT_MAX];

static void	netengine_dispatch(struct imsgev *, struct imsg *);

/*
 * Read what is queued.  IP_PKTINFO tells which of our addresses a
 * packet came to: that is the host candidate a peer can reach.
 */
static void
netengine_udp_read(int fd, short event, void *arg)
{
	struct sockaddr_storage	 from, local;
	struct sockaddr_in	*lin;
	struct in_pktinfo	*pi;
	struct cmsghdr		*cm;
	struct msghdr		 msg;
	struct iovec		 iov;
	union {
		struct cmsghdr	 hdr;
		uint8_t		 buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
	}			 cmsgbuf;
	ssize_t			 n;
	int			 i;

	(void)event;
	(void)arg;
	for (i = 0; i < 64; i++) {
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = pktbuf;
		iov.iov_len = sizeof(pktbuf);
		msg.msg_name = &from;
		msg.msg_namelen = sizeof(from);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = &cmsgbuf;
		msg.msg_controllen = sizeof(cmsgbuf);
		if ((n = recvmsg(fd, &msg, 0)) == -1) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("recvmsg");
			return;
		}
		memset(&local, 0, sizeof(local));
		lin = (struct sockaddr_in *)&local;
		lin->sin_family = AF_INET;
		lin->sin_port = htons(udp.port);
		for (cm = CMSG_FIRSTHDR(&msg); cm != NULL;
		    cm = CMSG_NXTHDR(&msg, cm)) {
			if (cm->cmsg_level == IPPROTO_IP &&
			    cm->cmsg_type == IP_PKTINFO &&
			    cm->cmsg_len >= CMSG_LEN(sizeof(*pi))) {
				pi = (struct in_pktinfo *)CMSG_DATA(cm);
				lin->sin_addr = pi->ipi_addr;
			}
		}
		if (stun_is_message(pktbuf, n))
			stun_input(pktbuf, n, (struct sockaddr *)&from,
			    (struct sockaddr *)&local);
		else
			udp.dropped++;
	}
}

static void
netengine_udp_set(int fd, const struct imsg_udp *iu)
{
	if (udp.fd != -1) {
		event_del(&udp.ev);
		close(udp.fd);
	}
	udp.fd = fd;
	udp.port = iu->port;
	udp.generation = iu->generation;
	event_set(&udp.ev, fd, EV_READ | EV_PERSIST, netengine_udp_read,
	    NULL);
	event_add(&udp.ev, NULL);
	log_debug("udp socket, port %u", udp.port);
	stun_socket_changed(fd, udp.port);
}

static void
netengine_dispatch(struct imsgev *iev, struct imsg *imsg)
{
	struct imsg_conf_stun	 cs;
	struct imsg_udp		 iu;

	switch (imsg_get_type(imsg)) {
	case IMSG_UDP_SOCKET:
		if (imsg_get_data(imsg, &iu, sizeof(iu)) == -1)
			fatalx("bad UDP_SOCKET");
		netengine_udp_set(proc_imsg_fd(imsg), &iu);
		break;
	case IMSG_CONTROL_FD:
		control_listen(proc_imsg_fd(imsg));
		break;
	case IMSG_CONF_START:
		stun_conf_start();
		break;
	case IMSG_CONF_STUN:
		if (imsg_get_data(imsg, &cs, sizeof(cs)) == -1)
			fatalx("bad CONF_STUN");
		cs.name[sizeof(cs.name) - 1] = '\0';
		stun_conf_add(&cs);
		break;
	case IMSG_CONF_END:
		stun_conf_end();
		break;
	case IMSG_CTL_STATUS:
	case IMSG_CTL_RESULT:
	case IMSG_CTL_END:
		control_reply(imsg);
		break;
	default:
		proc_unexpected(iev, imsg);
	}
}

void
netengine_main(const struct passwd *pw)
{
	proc_child_run(PROC_NETENGINE, pw, netengine_dispatch, NULL);
}
