/*
 * udp: netengine's sockets and sending, the layer under everything
 * that speaks on the network (STUN, TURN, WireGuard, the rendezvous).
 * It holds the UDP socket the parent hands over, the previous one for
 * a while after a port rotation, NAT discovery's socket and the
 * many-probe sockets of spray.c; it sends, through our TURN relay for
 * the peers marked as reached that way, and reads in batches.
 *
 * It calls nothing above it: what it reads, and what it has to tell
 * (a socket closed, the relay to send through, whether a peer still
 * uses a socket), goes through the upcalls netengine.c registers with
 * udp_init().
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <netinet/in.h>
#include <netinet/udp.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event.h>

#include "clawd.h"
#include "clawd_imsg.h"
#include "log.h"
#include "proc.h"
#include "util.h"
#include "udp.h"
#include "spray.h"

#define NE_RX_BUFS	8		/* GRO buffers per recvmmsg */
#define NE_RX_BUFSZ	65536
#define NE_RX_ROUNDS	8

/*
 * The UDP socket, and after a port rotation the previous one, kept
 * open a while so that peers can move to the new one without losing
 * the tunnel (rdv.c makes each peer's new path; wg.c says which socket
 * a peer is on).
 */
#define NE_SOCK_GRACE	120	/* s the previous socket stays open */
#define NE_SPRAY_ASK_S	(CLAWD_SPRAY_GAP + 1)	/* s between requests */

struct ne_sock {
	int		 fd;
	uint16_t	 port;
	struct event	 ev;
	int		 idx;
};
static struct ne_sock	 socks[NE_SOCKS];
static struct event	 sock_grace;

/* The many-probe sockets (spray.c): asked for, held, closed unused. */
static struct {
	time_t		 asked;		/* last request to the parent */
	uint64_t	 hold;		/* ms: an attempt wanted them then */
	struct event	 gc;
	size_t		 open;
} spray;
int			 udp_rx_sock;	/* socket of the packet in hand */
int			 udp_rx_relayed; /* set by whoever unwraps it */

static struct {
	int		 fd;		/* socks[NE_SOCK_CUR].fd */
	uint16_t	 port;
	int		 gso;		/* UDP_SEGMENT works */
	uint64_t	 dropped;
	uint64_t	 rotations;
} udp = { .fd = -1, .gso = 1 };

/* Receive buffers; decrypted packets stay in them until flushed. */
static uint8_t		(*rxbuf)[NE_RX_BUFSZ];

static struct udp_upcalls	 up;

int
udp_send(const struct sockaddr *to, const void *buf, size_t len)
{
	return udp_send_on(NE_SOCK_CUR, to, buf, len);
}

int
udp_send_on(int sock, const struct sockaddr *to, const void *buf,
    size_t len)
{
	struct iovec	 iov;

	iov.iov_base = (void *)(uintptr_t)buf;
	iov.iov_len = len;
	return udp_sendv_on(sock, to, &iov, 1, len);
}

/* Answer the packet in hand the way it came, relayed or not. */
int
udp_reply(const struct sockaddr *to, const void *buf, size_t len)
{
	if (udp_rx_relayed)
		return up.relay_send(to, buf, len);
	return udp_send_on(udp_rx_sock, to, buf, len);
}

/*
 * Send n datagrams of seg bytes each (the last may be shorter) to one
 * destination: one sendmsg with UDP_SEGMENT where the kernel can, one
 * datagram at a time where it cannot.
 */
/*
 * Peers reached through our TURN relay: packets to them go to the
 * server, wrapped.  An address is marked when the rendezvous settles
 * on a path through our relay to it (rdv.c), unmarked when it settles
 * on a direct one.
 */
#define NE_RELAYED_MAX	16
static struct sockaddr_storage	 relayed[NE_RELAYED_MAX];
static size_t			 nrelayed, relayed_next;

int
udp_is_relayed(const struct sockaddr *sa)
{
	size_t	 i;

	for (i = 0; i < nrelayed; i++)
		if (sa_equal((struct sockaddr *)&relayed[i], sa))
			return 1;
	return 0;
}

void
udp_relay_mark(const struct sockaddr *sa, int on)
{
	size_t	 i;

	if (!on) {
		for (i = 0; i < nrelayed; i++)
			if (sa_equal((struct sockaddr *)&relayed[i], sa))
				memset(&relayed[i], 0, sizeof(relayed[i]));
		return;
	}
	if (udp_is_relayed(sa))
		return;
	memset(&relayed[relayed_next], 0, sizeof(relayed[0]));
	memcpy(&relayed[relayed_next], sa, sa_len(sa));
	relayed_next = (relayed_next + 1) % NE_RELAYED_MAX;
	if (nrelayed < NE_RELAYED_MAX)
		nrelayed++;
}

int
udp_sendv(const struct sockaddr *to, struct iovec *iov, size_t n,
    size_t seg)
{
	return udp_sendv_on(NE_SOCK_CUR, to, iov, n, seg);
}

/* The same, on a given socket: a peer still on the previous one. */
int
udp_sendv_on(int sock, const struct sockaddr *to, struct iovec *iov,
    size_t n, size_t seg)
{
	union {
		struct cmsghdr	 hdr;
		uint8_t		 buf[CMSG_SPACE(sizeof(uint16_t))];
	}			 cbuf;
	struct msghdr		 msg;
	struct cmsghdr		*cm;
	uint16_t		 gso = seg;
	size_t			 i;
	int			 ret = 0, fd;

	/* Discovery's tests must leave from its socket or not at all. */
	fd = sock >= 0 && sock < NE_SOCKS && (socks[sock].fd != -1 ||
	    sock == NE_SOCK_NATD) ? socks[sock].fd : socks[NE_SOCK_CUR].fd;
	if (fd == -1 || to->sa_family != AF_INET) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	/* The relay is the current socket's; the others' are their own. */
	if ((sock == NE_SOCK_CUR || sock == NE_SOCK_PREV) && nrelayed > 0 &&
	    udp_is_relayed(to)) {
		for (i = 0; i < n; i++)
			if (up.relay_send(to, iov[i].iov_base,
			    iov[i].iov_len) == -1)
				ret = -1;
		return ret;
	}
	memset(&msg, 0, sizeof(msg));
	msg.msg_name = (void *)(uintptr_t)to;
	msg.msg_namelen = sa_len(to);
	if (n > 1 && udp.gso) {
		msg.msg_iov = iov;
		msg.msg_iovlen = n;
		msg.msg_control = &cbuf;
		msg.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_UDP;
		cm->cmsg_type = UDP_SEGMENT;
		cm->cmsg_len = CMSG_LEN(sizeof(gso));
		memcpy(CMSG_DATA(cm), &gso, sizeof(gso));
		if (sendmsg(fd, &msg, 0) != -1)
			return 0;
		if (errno != EIO && errno != EINVAL && errno != EOPNOTSUPP)
			goto fail;
		/* No GSO on this path: never try again. */
		log_info("udp: no segmentation offload, sending singly");
		udp.gso = 0;
	}
	for (i = 0; i < n; i++) {
		msg.msg_iov = &iov[i];
		msg.msg_iovlen = 1;
		msg.msg_control = NULL;
		msg.msg_controllen = 0;
		if (sendmsg(fd, &msg, 0) == -1)
			ret = -1;
	}
	if (ret == 0)
		return 0;
 fail:
	if (errno != EAGAIN && errno != ENOBUFS)
		log_debug("sendto %s: %s", log_sockaddr(to), strerror(errno));
	return -1;
}

/* Counters for clawctl show stats (control.c). */
void
udp_counters(void (*emit)(const char *, uint64_t, void *), void *arg)
{
	emit("udp.unknown_protocol", udp.dropped, arg);
	emit("udp.port_rotations", udp.rotations, arg);
}

/* A datagram none of the protocols took (netengine.c). */
void
udp_unknown(void)
{
	udp.dropped++;
}

/*
 * Read what is queued, in batches.  IP_PKTINFO tells which of our
 * addresses a packet came to (the host candidate); UDP_GRO hands
 * over runs of equal-sized datagrams from one sender at once.
 */
static void
netengine_udp_read(int fd, short event, void *arg)
{
	struct ne_sock		*ns = arg;
	struct sockaddr_storage	 from[NE_RX_BUFS], local;
	struct sockaddr_in	*lin;
	struct in_pktinfo	*pi;
	struct cmsghdr		*cm;
	struct mmsghdr		 mm[NE_RX_BUFS];
	struct iovec		 iov[NE_RX_BUFS];
	union {
		struct cmsghdr	 hdr;
		uint8_t		 buf[CMSG_SPACE(sizeof(struct in_pktinfo)) +
				    CMSG_SPACE(sizeof(int))];
	}			 cbuf[NE_RX_BUFS];
	size_t			 len, off, seg;
	int			 i, n, round, gso;

	(void)event;
	udp_rx_sock = ns->idx;
	for (round = 0; round < NE_RX_ROUNDS; round++) {
		memset(mm, 0, sizeof(mm));
		for (i = 0; i < NE_RX_BUFS; i++) {
			iov[i].iov_base = rxbuf[i];
			iov[i].iov_len = NE_RX_BUFSZ;
			mm[i].msg_hdr.msg_name = &from[i];
			mm[i].msg_hdr.msg_namelen = sizeof(from[i]);
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
			mm[i].msg_hdr.msg_control = &cbuf[i];
			mm[i].msg_hdr.msg_controllen = sizeof(cbuf[i]);
		}
		if ((n = recvmmsg(fd, mm, NE_RX_BUFS, MSG_DONTWAIT,
		    NULL)) == -1) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("recvmmsg");
			break;
		}
		for (i = 0; i < n; i++) {
			memset(&local, 0, sizeof(local));
			lin = (struct sockaddr_in *)&local;
			lin->sin_family = AF_INET;
			lin->sin_port = htons(ns->port);
			gso = 0;
			for (cm = CMSG_FIRSTHDR(&mm[i].msg_hdr); cm != NULL;
			    cm = CMSG_NXTHDR(&mm[i].msg_hdr, cm)) {
				if (cm->cmsg_level == IPPROTO_IP &&
				    cm->cmsg_type == IP_PKTINFO &&
				    cm->cmsg_len >= CMSG_LEN(sizeof(*pi))) {
					pi = (struct in_pktinfo *)
					    CMSG_DATA(cm);
					lin->sin_addr = pi->ipi_addr;
				} else if (cm->cmsg_level == SOL_UDP &&
				    cm->cmsg_type == UDP_GRO &&
				    cm->cmsg_len >= CMSG_LEN(sizeof(int)))
					memcpy(&gso, CMSG_DATA(cm),
					    sizeof(gso));
			}
			len = mm[i].msg_len;
			seg = gso > 0 ? (size_t)gso : len;
			for (off = 0; off < len; off += seg)
				up.datagram(rxbuf[i] + off,
				    len - off < seg ? len - off : seg,
				    (struct sockaddr *)&from[i],
				    (struct sockaddr *)&local);
		}
		/* The buffers are reused next round: write out first. */
		up.flush();
		if (n < NE_RX_BUFS)
			break;
	}
}

/* Slot IDX of the table takes socket FD, read from now on. */
static void
netengine_sock_open(int idx, int fd, uint16_t port)
{
	socks[idx].fd = fd;
	socks[idx].port = port;
	socks[idx].idx = idx;
	event_set(&socks[idx].ev, fd, EV_READ | EV_PERSIST,
	    netengine_udp_read, &socks[idx]);
	event_add(&socks[idx].ev, NULL);
}

static void
netengine_sock_close(struct ne_sock *ns)
{
	if (ns->fd == -1)
		return;
	event_del(&ns->ev);
	close(ns->fd);
	ns->fd = -1;
}

/* The previous socket's time is up: peers still on it move over. */
static void
netengine_sock_expire(int fd, short event, void *arg)
{
	(void)fd;
	(void)event;
	(void)arg;
	if (socks[NE_SOCK_PREV].fd == -1)
		return;
	log_info("udp: port %u closed", socks[NE_SOCK_PREV].port);
	netengine_sock_close(&socks[NE_SOCK_PREV]);
	up.sock_closed(NE_SOCK_PREV);
}

/*
 * A socket from the parent: the first, or a new one for a port
 * rotation (or a reload with another port).  The old one stays open
 * for NE_SOCK_GRACE seconds; the peers are moved by a new rendezvous.
 */
void
udp_set(int fd, const struct imsg_udp *iu)
{
	struct timeval	 tv = { NE_SOCK_GRACE, 0 };
	int		 rotated = socks[NE_SOCK_CUR].fd != -1;

	if (rotated) {
		netengine_sock_close(&socks[NE_SOCK_PREV]);
		socks[NE_SOCK_PREV] = socks[NE_SOCK_CUR];
		socks[NE_SOCK_PREV].idx = NE_SOCK_PREV;
		event_del(&socks[NE_SOCK_PREV].ev);
		event_set(&socks[NE_SOCK_PREV].ev, socks[NE_SOCK_PREV].fd,
		    EV_READ | EV_PERSIST, netengine_udp_read,
		    &socks[NE_SOCK_PREV]);
		event_add(&socks[NE_SOCK_PREV].ev, NULL);
		evtimer_set(&sock_grace, netengine_sock_expire, NULL);
		evtimer_add(&sock_grace, &tv);
		udp.rotations++;
		log_info("udp: port %u replaces %u", iu->port,
		    socks[NE_SOCK_PREV].port);
		up.sock_rotated(NE_SOCK_PREV);
	}
	netengine_sock_open(NE_SOCK_CUR, fd, iu->port);
	udp.fd = fd;
	udp.port = iu->port;
	log_debug("udp socket, port %u", udp.port);
	up.sock_changed(udp.port, rotated);
}

/*
 * NAT discovery's socket (natdisc.c): a fresh one for each run's
 * filtering tests, asked of the parent when the run starts, closed
 * when those tests are over.  It writes to one server address only,
 * and reads only that server's answers (netengine.c).  One that comes
 * while another is open (a late answer to an earlier request) is
 * closed: it is the open one that the tests use.
 */
void
udp_natd_want(void)
{
	udp_natd_close();
	proc_child_compose(PROC_PARENT, IMSG_UDP_NATD, 0, 0, -1, NULL, 0);
}

void
udp_natd_set(int fd, const struct imsg_udp *iu)
{
	if (socks[NE_SOCK_NATD].fd != -1) {
		close(fd);
		return;
	}
	netengine_sock_open(NE_SOCK_NATD, fd, iu->port);
}

int
udp_natd_open(void)
{
	return socks[NE_SOCK_NATD].fd != -1;
}

void
udp_natd_close(void)
{
	netengine_sock_close(&socks[NE_SOCK_NATD]);
}

/*
 * The many-probe sockets.  netengine cannot make sockets: the parent
 * does, on request, at most every NE_SPRAY_ASK_S seconds.  They stay
 * while an attempt holds them, and while a peer's tunnel uses one;
 * the rest are closed SPRAY_IDLE_MS after the last attempt.
 */
void
udp_spray_want(void)
{
	struct imsg_udp_spray	 us;
	time_t			 now = time(NULL);

	if (spray.open >= NE_SPRAY_SOCKS ||
	    (spray.asked != 0 && now - spray.asked < NE_SPRAY_ASK_S))
		return;
	spray.asked = now;
	memset(&us, 0, sizeof(us));
	us.count = NE_SPRAY_SOCKS - spray.open;
	proc_child_compose(PROC_PARENT, IMSG_UDP_SPRAY, 0, 0, -1, &us,
	    sizeof(us));
}

/* The socket of slot I, if open: its index for udp_send_on(). */
int
udp_spray_sock(size_t i)
{
	if (i >= NE_SPRAY_SOCKS || socks[NE_SOCK_SPRAY + i].fd == -1)
		return -1;
	return NE_SOCK_SPRAY + i;
}

void
udp_spray_hold(uint64_t now)
{
	spray.hold = now;
}

static void
netengine_spray_gc(int fd, short event, void *arg)
{
	struct timeval	 tv = { 5, 0 };
	size_t		 i;
	int		 idx;

	(void)fd;
	(void)event;
	(void)arg;
	if (spray.open == 0)
		return;
	evtimer_add(&spray.gc, &tv);
	if (up.now_ms() - spray.hold < SPRAY_IDLE_MS)
		return;
	for (i = 0; i < NE_SPRAY_SOCKS; i++) {
		idx = NE_SOCK_SPRAY + i;
		if (socks[idx].fd == -1 || up.sock_used(idx))
			continue;
		netengine_sock_close(&socks[idx]);
		spray.open--;
	}
	if (spray.open == 0)
		log_debug("spray: sockets closed");
}

void
udp_spray_add(int fd, const struct imsg_udp *iu)
{
	struct timeval	 tv = { 5, 0 };
	size_t		 i;

	for (i = 0; i < NE_SPRAY_SOCKS; i++)
		if (socks[NE_SOCK_SPRAY + i].fd == -1)
			break;
	if (i == NE_SPRAY_SOCKS) {
		close(fd);
		return;
	}
	netengine_sock_open(NE_SOCK_SPRAY + i, fd, iu->port);
	if (spray.open++ == 0)
		evtimer_add(&spray.gc, &tv);
}

/*
 * Before the event loop: no socket yet, and what to call above.  The
 * receive buffers and the spray timer come with udp_ready().
 */
void
udp_init(const struct udp_upcalls *u)
{
	size_t	 i;

	up = *u;
	for (i = 0; i < NE_SOCKS; i++)
		socks[i].fd = -1;
}

void
udp_ready(void)
{
	if ((rxbuf = calloc(NE_RX_BUFS, sizeof(*rxbuf))) == NULL)
		fatal(NULL);
	evtimer_set(&spray.gc, netengine_spray_gc, NULL);
}
