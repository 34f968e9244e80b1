/*
 * netengine: the top of the engine, with control.c.  It takes the
 * parent's imsgs (sockets, configuration, keys) and hands them to the
 * layers, and tells apart the datagrams udp.c reads.  Every datagram
 * is hostile until proven otherwise; what no protocol takes is dropped
 * without an answer.
 *
 * The files are layered, each calling only those below it (and
 * regress/unit/callcycles.sh fails if a call cycle comes back):
 *
 *	netengine.c, control.c	imsg dispatch, the control socket
 *	rdv_ctl.c		what clawctl shows of the rendezvous
 *	rdv.c			rendezvous, hole punching
 *	rdv_cand.c		its candidates
 *	spray.c			the many-probe technique
 *	wg.c			WireGuard peers, handshakes, timers
 *	wg_data.c		WireGuard's data plane
 *	stun_client.c, turn.c	STUN and TURN clients
 *	natdisc.c		NAT behaviour discovery
 *	udp.c			sockets, sending, the relay marks
 *	stun.c, turn_msg.c, probe.c, cookie.c, offload.c, replay.c,
 *	allowedips.c		codecs and data structures
 *
 * A lower layer tells a higher one through callbacks the higher one
 * registers (udp_init(), wg_data_init(), natdisc_register()).
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <netinet/in.h>
#include <netinet/udp.h>

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event.h>

#include "clawd.h"
#include "clawd_imsg.h"
#include "log.h"
#include "proc.h"
#include "util.h"
#include "stun.h"
#include "wg.h"
#include "rdv.h"
#include "turn.h"
#include "netengine.h"
#include "natdisc.h"
#include "spray.h"

static void	netengine_dispatch(struct imsgev *, struct imsg *);

/* What came through our relay, from the peer it names. */
static void
netengine_relayed(uint8_t *pkt, size_t len, const struct sockaddr *peer)
{
	/*
	 * WireGuard answers where a packet came from: through the relay
	 * for what came through it, once it has proven itself (wg.c).
	 * Probes say themselves which way they go (rdv.c).
	 */
	if (wg_is_message(pkt, len)) {
		udp_rx_relayed = 1;
		wg_input(pkt, len, peer);
		udp_rx_relayed = 0;
	} else if (probe_is_message(pkt, len))
		rdv_probe_input(pkt, len, peer, 1);
	else
		udp_unknown();
}

/* One datagram: told apart by its first bytes. */
static void
netengine_datagram(uint8_t *pkt, size_t len, const struct sockaddr *from,
    const struct sockaddr *local)
{
	if (udp_rx_sock == NE_SOCK_NATD) {
		/* Discovery's: answers to its tests, nothing else. */
		if (stun_is_message(pkt, len))
			stun_input(pkt, len, from, local);
		else
			udp_unknown();
		return;
	}
	if (udp_rx_sock >= NE_SOCK_SPRAY) {
		/* A many-probe socket: probes, then the tunnel, no more. */
		if (wg_is_message(pkt, len))
			wg_input(pkt, len, from);
		else if (probe_is_message(pkt, len))
			rdv_probe_input(pkt, len, from, 0);
		else
			udp_unknown();
		return;
	}
	if (turn_is_from_server(from) &&
	    turn_input(pkt, len, from, netengine_relayed))
		return;
	if (wg_is_message(pkt, len))
		wg_input(pkt, len, from);
	else if (stun_is_message(pkt, len))
		stun_input(pkt, len, from, local);
	else if (probe_is_message(pkt, len))
		rdv_probe_input(pkt, len, from, 0);
	else
		udp_unknown();
}

/* A new current socket: the protocols start over on it. */
static void
netengine_sock_changed(uint16_t port, int rotated)
{
	stun_socket_changed(port);
	turn_socket_changed();
	rdv_port(port);
	if (rotated)
		rdv_rotated();
}

/* What udp.c calls up for. */
static const struct udp_upcalls	 netengine_upcalls = {
	.datagram = netengine_datagram,
	.flush = wg_tun_flush,
	.relay_send = turn_send,
	.sock_changed = netengine_sock_changed,
	.sock_rotated = wg_sock_rotated,
	.sock_closed = wg_sock_closed,
	.sock_used = wg_sock_used,
	.now_ms = wg_now_ms
};

static void
netengine_dispatch(struct imsgev *iev, struct imsg *imsg)
{
	struct imsg_conf_stun	 cs;
	struct imsg_conf_peer	 cp;
	struct imsg_conf_allowed ca;
	struct imsg_hostaddr	 ha;
	struct imsg_nat_memory	 nm;
	struct imsg_conf_turn	 ct;
	struct imsg_rdv_key	 rk;
	struct imsg_wg_hs_out	 hout;
	struct imsg_pubkey	 pk;
	struct imsg_tun		 it;
	struct imsg_udp		 iu;

	switch (imsg_get_type(imsg)) {
	case IMSG_UDP_SOCKET:
		if (imsg_get_data(imsg, &iu, sizeof(iu)) == -1)
			fatalx("bad UDP_SOCKET");
		udp_set(proc_imsg_fd(imsg), &iu);
		break;
	case IMSG_UDP_SPRAY_FD:
		if (imsg_get_data(imsg, &iu, sizeof(iu)) == -1)
			fatalx("bad UDP_SPRAY_FD");
		udp_spray_add(proc_imsg_fd(imsg), &iu);
		break;
	case IMSG_UDP_NATD_FD:
		if (imsg_get_data(imsg, &iu, sizeof(iu)) == -1)
			fatalx("bad UDP_NATD_FD");
		udp_natd_set(proc_imsg_fd(imsg), &iu);
		natdisc_sock_ready();
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
		turn_conf_start();
		wg_conf_start();
		rdv_conf_start();
		break;
	case IMSG_CONF_TURN:
		if (imsg_get_data(imsg, &ct, sizeof(ct)) == -1)
			fatalx("bad CONF_TURN");
		ct.name[sizeof(ct.name) - 1] = '\0';
		ct.username[sizeof(ct.username) - 1] = '\0';
		ct.password[sizeof(ct.password) - 1] = '\0';
		turn_conf_add(&ct);
		explicit_bzero(&ct, sizeof(ct));
		break;
	case IMSG_CONF_HOSTADDR:
		if (imsg_get_data(imsg, &ha, sizeof(ha)) == -1)
			fatalx("bad CONF_HOSTADDR");
		rdv_conf_hostaddr(&ha);
		break;
	case IMSG_CONF_PEER:
		if (imsg_get_data(imsg, &cp, sizeof(cp)) == -1)
			fatalx("bad CONF_PEER");
		cp.name[sizeof(cp.name) - 1] = '\0';
		wg_conf_peer(&cp);
		rdv_conf_peer(&cp);
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
	case IMSG_NAT_MEMORY:
		if (imsg_get_data(imsg, &nm, sizeof(nm)) == -1)
			fatalx("bad NAT_MEMORY");
		rdv_nat_memory(&nm);
		break;
	case IMSG_CONF_END:
		stun_conf_end();
		turn_conf_end();
		wg_conf_end();
		rdv_conf_end();
		break;
	case IMSG_RDV_KEY:
		if (imsg_get_data(imsg, &rk, sizeof(rk)) == -1)
			fatalx("bad RDV_KEY");
		rdv_key(&rk);
		explicit_bzero(&rk, sizeof(rk));
		break;
	case IMSG_RDV_IN:
		rdv_input(imsg);
		break;
	case IMSG_DROP_READY:
		rdv_drop_ready();
		break;
	case IMSG_CTL_STATUS:
	case IMSG_CTL_RESULT:
	case IMSG_CTL_END:
	case IMSG_CTL_DROP_STATE:
	case IMSG_CTL_DROP_FILE:
	case IMSG_CTL_DROP_DATA:
		/* Answers from the parent or the signaler to a client. */
		control_reply(imsg);
		break;
	default:
		proc_unexpected(iev, imsg);
	}
}

/*
 * Test hook: CLAWD_REGRESS_FLOOD=netengine makes netengine behave as a
 * compromised one might: ask the parent for its status as fast as it
 * can and never read an answer.  regress/lab/flood.sh checks that
 * the parent stops reading it and that its memory stays bounded.  It
 * can do no more than stall the daemon, which whoever sets root's
 * environment can anyway.
 */
static void
netengine_regress_flood(void)
{
	struct timespec	 ms = { 0, 1000 * 1000 };
	struct imsgev	*iev = iev_peer[PROC_PARENT];
	const char	*s;

	if ((s = getenv("CLAWD_REGRESS_FLOOD")) == NULL ||
	    strcmp(s, "netengine") != 0)
		return;
	log_warnx("regress: flooding the parent, reading nothing");
	for (;;) {
		/* Our own queue stays short: we wait when the parent does. */
		if (imsgbuf_queuelen(&iev->ibuf) < 64 &&
		    proc_child_compose(PROC_PARENT, IMSG_CTL_SHOW_STATUS, 0,
		    0, -1, NULL, 0) == -1)
			fatal("regress: flood");
		if (imsgbuf_write(&iev->ibuf) == -1)
			fatal("regress: flood");
		if (imsgbuf_queuelen(&iev->ibuf) >= 64)
			nanosleep(&ms, NULL);
	}
}

static void
netengine_ready(void)
{
	netengine_regress_flood();
	udp_ready();
	wg_init();
	rdv_init();
}

void
netengine_main(const struct passwd *pw)
{
	udp_init(&netengine_upcalls);
	/* OpenSSL's algorithms, fetched while files can still be read. */
	if (wgc_init() == -1)
		fatalx("cannot initialise OpenSSL");
	turn_init();
	proc_child_run(PROC_NETENGINE, pw, netengine_dispatch,
	    netengine_ready);
}
