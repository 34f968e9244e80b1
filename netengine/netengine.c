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
#include "wg.h"
#include "netengine.h"

#define NE_PKT_MAX	65536

static struct {
	int		 fd;
	uint16_t	 port;
	uint32_t	 generation;
	struct event	 ev;
	uint64_t	 dropped;
} udp = { .fd = -1 };

/* Aligned and with room to decrypt in place. */
static uint8_t		 pktbuf[NE_PKT_MAX] __attribute__((aligned(16)));

int
netengine_send(const struct sockaddr *to, const void *buf, size_t len)
{
	if (udp.fd == -1 || to->sa_family != AF_INET) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (sendto(udp.fd, buf, len, 0, to, sa_len(to)) == -1) {
		if (errno != EAGAIN && errno != ENOBUFS)
			log_debug("sendto %s: %s", log_sockaddr(to),
			    strerror(errno));
		return -1;
	}
	return 0;
}

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
		/* One port, three protocols, told apart by their heads. */
		if (wg_is_message(pktbuf, n))
			wg_input(pktbuf, n, (struct sockaddr *)&from);
		else if (stun_is_message(pktbuf, n))
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
	struct imsg_conf_peer	 cp;
	struct imsg_conf_allowed ca;
	struct imsg_wg_hs_out	 hout;
	struct imsg_pubkey	 pk;
	struct imsg_tun		 it;
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
	case IMSG_TUN_FD:
		if (imsg_get_data(imsg, &it, sizeof(it)) == -1)
			fatalx("bad TUN_FD");
		it.name[sizeof(it.name) - 1] = '\0';
		wg_tun_set(proc_imsg_fd(imsg), &it);
		break;
	case IMSG_CRYPTO_PUBKEY:
		if (imsg_get_data(imsg, &pk, sizeof(pk)) == -1)
			fatalx("bad CRYPTO_PUBKEY");
		wg_set_pubkey(pk.key);
		break;
	case IMSG_CONF_START:
		stun_conf_start();
		wg_conf_start();
		break;
	case IMSG_CONF_PEER:
		if (imsg_get_data(imsg, &cp, sizeof(cp)) == -1)
			fatalx("bad CONF_PEER");
		cp.name[sizeof(cp.name) - 1] = '\0';
		wg_conf_peer(&cp);
		break;
	case IMSG_CONF_ALLOWED:
		if (imsg_get_data(imsg, &ca, sizeof(ca)) == -1)
			fatalx("bad CONF_ALLOWED");
		wg_conf_allowed(&ca);
		break;
	case IMSG_WG_HANDSHAKE_OUT:
		if (imsg_get_data(imsg, &hout, sizeof(hout)) == -1)
			fatalx("bad WG_HANDSHAKE_OUT");
		wg_handshake_out(&hout);
		explicit_bzero(&hout, sizeof(hout));
		break;
	case IMSG_CONF_STUN:
		if (imsg_get_data(imsg, &cs, sizeof(cs)) == -1)
			fatalx("bad CONF_STUN");
		cs.name[sizeof(cs.name) - 1] = '\0';
		stun_conf_add(&cs);
		break;
	case IMSG_CONF_END:
		stun_conf_end();
		wg_conf_end();
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

static void
netengine_ready(void)
{
	wg_init();
}

void
netengine_main(const struct passwd *pw)
{
	/* OpenSSL's algorithms, fetched while files can still be read. */
	if (wgc_init() == -1)
		fatalx("cannot initialise OpenSSL");
	proc_child_run(PROC_NETENGINE, pw, netengine_dispatch,
	    netengine_ready);
}
