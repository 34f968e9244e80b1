/*
 * clawd: the privileged parent.  It reads the configuration and the
 * secret files, opens sockets, starts and supervises the children and
 * hands each the descriptors it needs.  It never parses bytes from the
 * network, the drop or a control client.
 */

#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <event.h>

#include "clawd.h"
#include "clawd_imsg.h"
#include "key.h"
#include "log.h"
#include "parent.h"
#include "proc.h"
#include "util.h"

struct child {
	pid_t		 pid;
	time_t		 started;
	int		 ready;
	struct imsgev	 iev;
};

static struct child	 children[PROC_MAX];
static struct clawd_conf *conf;
static const char	*conffile = CLAWD_CONF;
static const char	*csock = CLAWD_SOCKET;
static int		 csock_fd = -1;
static int		 opts;
static int		 debug, verbose;
static int		 shutting_down;
static int		 exit_status;
static time_t		 parent_started;
static uint16_t		 udp_port;
static struct event	 ev_refresh;
static struct event	 ev_rotate;

/*
 * TURN credentials last a day: every 12 hours the configuration is
 * pushed again, which also brings new credentials and this host's
 * current addresses.
 */
#define PARENT_REFRESH_SECS	(12 * 3600)
/*
 * What a child may cost the parent: messages queued to it before its
 * requests wait (proc.c), and reloads a minute through the control
 * socket (SIGHUP, root's, is not counted).
 */
#define PARENT_BACKLOG		1024
#define PARENT_RELOADS_PER_MIN	10

static __attribute__((__noreturn__)) void usage(void);
static void	 parent_dispatch(struct imsgev *, struct imsg *);
static void	 parent_refresh(int, short, void *);
static void	 parent_refresh_arm(void);
static void	 parent_rotate_arm(void);
static void	 parent_rotate(int, short, void *);
static void	 parent_closed(struct imsgev *);
static void	 parent_sig(int, short, void *);
static void	 parent_shutdown(int);
static int	 parent_push_crypto(void);
static void	 parent_push_peers(struct imsgev *);
static int	 parent_push_conf(int);
static int	 parent_reload(char *, size_t);
static void	 parent_harden(void);
static __attribute__((__noreturn__)) void child_main(const char *);

static __attribute__((__noreturn__)) void
usage(void)
{
	extern char	*__progname;

	fprintf(stderr, "usage: %s [-dnv] [-D macro=value] [-f file] "
	    "[-s socket]\n", __progname);
	exit(1);
}

int
main(int argc, char *argv[], char *envp[])
{
	struct event	 ev_sigint, ev_sigterm, ev_sighup, ev_sigchld;
	struct passwd	*pw;
	const char	*pname = NULL;
	char		 exe[PATH_MAX];
	ssize_t		 n;
	int		 ch, i, j;

	setproctitle_init(argc, argv, envp);
	log_init(1, LOG_DAEMON);
	while ((ch = getopt(argc, argv, "dD:f:nP:s:v")) != -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'D':
			if (cmdline_symset(optarg) < 0)
				errx(1, "could not parse macro definition %s",
				    optarg);
			break;
		case 'f':
			conffile = optarg;
			break;
		case 'n':
			opts |= CLAWD_OPT_NOACTION;
			break;
		case 'P':
			pname = optarg;
			break;
		case 's':
			csock = optarg;
			break;
		case 'v':
			if (opts & CLAWD_OPT_VERBOSE)
				opts |= CLAWD_OPT_VERBOSE2;
			opts |= CLAWD_OPT_VERBOSE;
			verbose++;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	if (argc > 0)
		usage();
	log_setverbose(verbose);

	if (pname != NULL)
		child_main(pname);

	log_procinit("");
	if ((conf = parse_config(conffile, opts)) == NULL)
		exit(1);
	if (secrets_check(conf) == -1)
		exit(1);
	if (opts & CLAWD_OPT_NOACTION) {
		if (opts & CLAWD_OPT_VERBOSE)
			print_config(conf);
		else
			fprintf(stderr, "configuration OK\n");
		exit(0);
	}

	if (geteuid() != 0)
		errx(1, "need root privileges");
	if ((pw = getpwnam(CLAWD_USER)) == NULL)
		errx(1, "unknown user %s", CLAWD_USER);
	if (pw->pw_uid == 0)
		errx(1, "user %s must not be root", CLAWD_USER);
	parent_harden();
	/* Children are exec'd afresh: find our own binary. */
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) == -1)
		err(1, "readlink /proc/self/exe");
	exe[n] = '\0';

	if ((csock_fd = control_open(csock)) == -1)
		exit(1);

	log_init(debug, LOG_DAEMON);
	log_procinit("parent");
	if (!debug && daemon(1, 0) == -1)
		fatal("daemon");
	log_info("starting");
	parent_started = monotime();

	event_init();
	signal_set(&ev_sigint, SIGINT, parent_sig, NULL);
	signal_set(&ev_sigterm, SIGTERM, parent_sig, NULL);
	signal_set(&ev_sighup, SIGHUP, parent_sig, NULL);
	signal_set(&ev_sigchld, SIGCHLD, parent_sig, NULL);
	signal_add(&ev_sigint, NULL);
	signal_add(&ev_sigterm, NULL);
	signal_add(&ev_sighup, NULL);
	signal_add(&ev_sigchld, NULL);
	signal(SIGPIPE, SIG_IGN);

	for (i = PROC_PARENT + 1; i < PROC_MAX; i++) {
		children[i].pid = proc_spawn(exe, i, debug, verbose,
		    &children[i].iev, parent_dispatch, parent_closed);
		children[i].iev.backlog = PARENT_BACKLOG;
		children[i].started = monotime();
	}
	for (i = PROC_PARENT + 1; i < PROC_MAX; i++)
		for (j = i + 1; j < PROC_MAX; j++)
			if (proc_talks(i, j))
				proc_connect(&children[i].iev,
				    &children[j].iev);

	if (imsgev_compose(&children[PROC_NETENGINE].iev, IMSG_CONTROL_FD,
	    0, 0, csock_fd, NULL, 0) == -1)
		fatalx("cannot hand over the control socket");
	evtimer_set(&ev_refresh, parent_refresh, NULL);
	parent_refresh_arm();
	evtimer_set(&ev_rotate, parent_rotate, NULL);
	if (parent_push_conf(1) == -1)
		parent_shutdown(1);
	parent_rotate_arm();

	event_dispatch();
	parent_shutdown(exit_status);
	return exit_status;
}

/* A child: become the process named, or fail. */
static void
child_main(const char *name)
{
	const struct proc_desc	*pd;
	struct passwd		*pw;

	if ((pd = proc_by_name(name)) == NULL || !pd->ischild)
		errx(1, "unknown process %s", name);
	log_init(debug, LOG_DAEMON);
	log_procinit(proc_name(pd->id));
	/*
	 * The parent decides when we stop: a signal to the whole process
	 * group (a terminal's ^C, a service manager) is for it, and we
	 * exit when our channel to it closes.
	 */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	setproctitle("%s", proc_name(pd->id));
	if ((pw = getpwnam(CLAWD_USER)) == NULL)
		fatalx("unknown user %s", CLAWD_USER);
	pd->main(pw);
	exit(0);
}

/* Crypto: the private key, then every peer's key and psk file. */
static int
parent_push_crypto(void)
{
	struct imsgev		*c = &children[PROC_CRYPTO].iev;
	struct imsg_crypto_peer	 cp;
	struct clawd_peer	*p;
	uint32_t		 id = 0;
	int			 fd;

	if ((fd = secret_open(conf->key_file, "private-key")) == -1)
		return -1;
	imsgev_compose(c, IMSG_KEY_FD, 0, 0, fd, NULL, 0);
	TAILQ_FOREACH(p, &conf->peers, entry) {
		memset(&cp, 0, sizeof(cp));
		cp.id = id++;
		cp.role = p->role;
		memcpy(cp.pubkey, p->pubkey, sizeof(cp.pubkey));
		fd = -1;
		if (p->psk_file[0] != '\0' &&
		    (fd = secret_open(p->psk_file, "preshared-key")) == -1)
			return -1;
		imsgev_compose(c, IMSG_CRYPTO_PEER, 0, 0, fd, &cp, sizeof(cp));
	}
	imsgev_compose(c, IMSG_CRYPTO_CONF_END, 0, 0, -1, NULL, 0);
	return 0;
}

/* Netengine: each peer, its endpoint and its allowed IPs. */
static void
parent_push_peers(struct imsgev *ne)
{
	struct imsg_conf_peer	 cp;
	struct imsg_conf_allowed ca;
	struct clawd_peer	*p;
	struct clawd_prefix	*a;
	uint32_t		 id = 0;

	TAILQ_FOREACH(p, &conf->peers, entry) {
		memset(&cp, 0, sizeof(cp));
		cp.id = id++;
		strlcpy(cp.name, p->name, sizeof(cp.name));
		memcpy(cp.pubkey, p->pubkey, sizeof(cp.pubkey));
		if (p->has_endpoint)
			memcpy(&cp.endpoint, &p->endpoint.ss,
			    sizeof(cp.endpoint));
		cp.keepalive = p->keepalive;
		cp.role = p->role;
		cp.on_demand = p->on_demand;
		imsgev_compose(ne, IMSG_CONF_PEER, 0, 0, -1, &cp, sizeof(cp));
		TAILQ_FOREACH(a, &p->allowed, entry) {
			memset(&ca, 0, sizeof(ca));
			ca.id = cp.id;
			ca.af = a->af;
			memcpy(ca.addr, &a->addr, a->af == AF_INET ? 4 : 16);
			ca.plen = a->plen;
			imsgev_compose(ne, IMSG_CONF_ALLOWED, 0, 0, -1, &ca,
			    sizeof(ca));
		}
	}
}

/*
 * Send each child its part of the configuration.  At start-up the
 * UDP socket and the TUN device are always opened; on reload the
 * socket only if the port changed.
 */
static int
parent_push_conf(int startup)
{
	struct imsgev		*ne = &children[PROC_NETENGINE].iev;
	struct imsg_conf_stun	 cs;
	struct imsg_conf_turn	 ct;
	struct imsg_https_conf	 hc;
	struct imsg_mega_conf	 mc;
	struct imsg_udp		 iu;
	struct imsg_tun		 it;
	struct clawd_stun	*s;
	struct clawd_turn	*t;
	struct clawd_peer	*p;
	int			 fd;

	if (parent_push_crypto() == -1)
		return -1;

	if (startup && conf->iface.configured) {
		if ((fd = tun_open(&conf->iface)) == -1)
			return -1;
		memset(&it, 0, sizeof(it));
		strlcpy(it.name, conf->iface.name, sizeof(it.name));
		it.mtu = conf->iface.mtu;
		imsgev_compose(ne, IMSG_TUN_FD, 0, 0, fd, &it, sizeof(it));
	}

	if (startup || (conf->listen_port != 0 &&
	    conf->listen_port != udp_port)) {
		memset(&iu, 0, sizeof(iu));
		if ((fd = udp_open(conf->listen_port, &iu.port)) == -1)
			return -1;
		udp_port = iu.port;
		log_info("listening on udp port %u", iu.port);
		imsgev_compose(ne, IMSG_UDP_SOCKET, 0, 0, fd, &iu,
		    sizeof(iu));
	}

	imsgev_compose(ne, IMSG_CONF_START, 0, 0, -1, NULL, 0);
	TAILQ_FOREACH(s, &conf->stuns, entry) {
		memset(&cs, 0, sizeof(cs));
		strlcpy(cs.name, s->host.name, sizeof(cs.name));
		memcpy(&cs.ss, &s->host.ss, sizeof(cs.ss));
		imsgev_compose(ne, IMSG_CONF_STUN, 0, 0, -1, &cs, sizeof(cs));
	}
	TAILQ_FOREACH(t, &conf->turns, entry) {
		if (turn_cred_make(t, &ct) == -1) {
			log_warnx("turn-server %s: no credential", t->host.name);
			continue;
		}
		imsgev_compose(ne, IMSG_CONF_TURN, 0, 0, -1, &ct, sizeof(ct));
		explicit_bzero(&ct, sizeof(ct));
	}
	parent_push_peers(ne);
	hostaddr_push(ne, conf->iface.configured ? conf->iface.name : NULL);
	imsgev_compose(ne, IMSG_CONF_END, 0, 0, -1, NULL, 0);
	if (startup)
		natstate_push(conf->state_dir, ne);

	if (conf->mega.configured) {
		if (https_conf_make(&conf->mega, &hc) == -1)
			return -1;
		if ((fd = open(conf->mega.ca_file,
		    O_RDONLY | O_CLOEXEC)) == -1) {
			log_warn("ca-file %s", conf->mega.ca_file);
			return -1;
		}
		imsgev_compose(&children[PROC_SIGNALER].iev, IMSG_HTTPS_CONF,
		    0, 0, -1, &hc, sizeof(hc));
		imsgev_compose(&children[PROC_SIGNALER].iev, IMSG_HTTPS_CA_FD,
		    0, 0, fd, NULL, 0);
		memset(&mc, 0, sizeof(mc));
		strlcpy(mc.folder, conf->mega.folder, sizeof(mc.folder));
		TAILQ_FOREACH(p, &conf->peers, entry) {
			if (p->has_endpoint)
				continue;
			if (p->role == PEER_ROLE_OFFER)
				mc.offer_peers++;
			else if (p->role == PEER_ROLE_ANSWER && p->on_demand)
				mc.answer_ondemand++;
			else if (p->role == PEER_ROLE_ANSWER)
				mc.answer_ahead++;
		}
		imsgev_compose(&children[PROC_SIGNALER].iev, IMSG_MEGA_CONF,
		    0, 0, -1, &mc, sizeof(mc));
	}

	/*
	 * Crypto reads the credentials again on every reload, so that a
	 * corrected password takes effect; the signaler keeps a running
	 * session of the same account rather than log in again.
	 */
	if (conf->mega.configured &&
	    megastate_push(conf, &children[PROC_CRYPTO].iev) == -1)
		return -1;
	return 0;
}

static void
parent_refresh_arm(void)
{
	struct timeval	 tv = { PARENT_REFRESH_SECS, 0 };

	evtimer_add(&ev_refresh, &tv);
}

/*
 * Port rotation: a new socket on a random port every so often, so
 * that no path is tied to one port for long.  netengine keeps the old
 * socket open while the peers move (docs/rendezvous.md).  A fixed
 * listen-port is never rotated.
 */
static void
parent_rotate_arm(void)
{
	struct timeval	 tv;

	evtimer_del(&ev_rotate);
	if (conf->rotate == 0 || conf->listen_port != 0)
		return;
	tv.tv_sec = conf->rotate;
	tv.tv_usec = arc4random_uniform(1000000);
	evtimer_add(&ev_rotate, &tv);
}

static void
parent_rotate(int fd, short ev, void *arg)
{
	struct imsg_udp	 iu;
	int		 s;

	(void)fd;
	(void)ev;
	(void)arg;
	memset(&iu, 0, sizeof(iu));
	if ((s = udp_open(0, &iu.port)) == -1)
		log_warnx("port rotation: no new socket; keeping port %u",
		    udp_port);
	else {
		log_info("port rotation: udp port %u replaces %u", iu.port,
		    udp_port);
		udp_port = iu.port;
		imsgev_compose(&children[PROC_NETENGINE].iev, IMSG_UDP_SOCKET,
		    0, 0, s, &iu, sizeof(iu));
	}
	parent_rotate_arm();
}

/*
 * UDP sockets on random ports for netengine, which cannot make them:
 * the many-probe technique's (netengine/spray.c) and a fresh one for
 * each run of NAT discovery, whose filtering tests need a port that
 * has written to nobody else.  Each kind is bounded (so many at once,
 * once a gap), so that netengine, which parses what the network
 * sends, cannot use the parent to use up the host's ports; a refusal
 * is logged once a CLAWD_SPRAY_GAP, so that a netengine that insists
 * cannot flood the log either.
 */
struct udp_grant {
	const char	*what;
	uint32_t	 type;		/* IMSG_UDP_*_FD */
	uint32_t	 max;
	time_t		 gap;		/* one grant a gap */
	struct ratewin	 win;
	time_t		 warned;
};
static struct udp_grant grant_spray = { "spray", IMSG_UDP_SPRAY_FD,
    CLAWD_SPRAY_MAX, CLAWD_SPRAY_GAP, { 0, 0, 0 }, 0 };
static struct udp_grant grant_natd = { "natdisc", IMSG_UDP_NATD_FD,
    1, CLAWD_NATD_GAP, { 0, 0, 0 }, 0 };

static void
parent_udp_grant(struct imsgev *iev, struct udp_grant *g, uint32_t count)
{
	struct imsg_udp		 iu;
	time_t			 now = monotime();
	uint32_t		 i;
	unsigned int		 prev;
	int			 s;

	if (count > g->max || !ratewin_take(&g->win, 1, g->gap, &prev)) {
		if (g->warned == 0 || now - g->warned >= CLAWD_SPRAY_GAP) {
			g->warned = now;
			log_warnx("%s: %u socket%s refused (too many, or too "
			    "soon)", g->what, count, count == 1 ? "" : "s");
		}
		return;
	}
	for (i = 0; i < count; i++) {
		memset(&iu, 0, sizeof(iu));
		if ((s = udp_open_sized(0, &iu.port, 0)) == -1)
			break;
		imsgev_compose(iev, g->type, 0, 0, s, &iu, sizeof(iu));
	}
	log_debug("%s: %u socket%s for netengine", g->what, i,
	    i == 1 ? "" : "s");
}

static void
parent_spray(struct imsgev *iev, struct imsg *imsg)
{
	struct imsg_udp_spray	 us;

	if (iev->peer != PROC_NETENGINE ||
	    imsg_get_data(imsg, &us, sizeof(us)) == -1)
		fatalx("bad UDP_SPRAY from %s", proc_name(iev->peer));
	parent_udp_grant(iev, &grant_spray, us.count);
}

static void
parent_refresh(int fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	log_debug("refreshing credentials and addresses");
	if (parent_push_conf(0) == -1)
		log_warnx("refreshing the configuration failed");
	parent_refresh_arm();
}

static int
parent_reload(char *msg, size_t len)
{
	struct clawd_conf	*nconf, *oconf;

	log_info("reloading %s", conffile);
	if ((nconf = parse_config(conffile, 0)) == NULL ||
	    secrets_check(nconf) == -1) {
		if (nconf != NULL)
			free_config(nconf);
		snprintf(msg, len, "%s has errors; the running "
		    "configuration is kept (see the log)", conffile);
		log_warnx("%s", msg);
		return -1;
	}
	oconf = conf;
	conf = nconf;
	if (parent_push_conf(0) == -1) {
		conf = oconf;
		free_config(nconf);
		snprintf(msg, len, "could not apply %s; the running "
		    "configuration is kept (see the log)", conffile);
		log_warnx("%s", msg);
		(void)parent_push_conf(0);
		return -1;
	}
	free_config(oconf);
	parent_rotate_arm();
	snprintf(msg, len, "configuration reloaded");
	log_info("%s", msg);
	return 0;
}

/* A reload asked through the control socket, at most so many a minute. */
static void
parent_ctl_reload(struct imsgev *iev, uint32_t peerid)
{
	static struct ratewin	 win;
	struct ctl_result	 res;
	unsigned int		 prev;

	memset(&res, 0, sizeof(res));
	if (!ratewin_take(&win, PARENT_RELOADS_PER_MIN, 60, &prev)) {
		res.error = 1;
		snprintf(res.msg, sizeof(res.msg), "more than %d reloads "
		    "in a minute; this one is refused", PARENT_RELOADS_PER_MIN);
		if (win.refused == 1)
			log_warnx("%s", res.msg);
	} else
		res.error = parent_reload(res.msg, sizeof(res.msg)) == -1;
	imsgev_compose(iev, IMSG_CTL_RESULT, peerid, 0, -1, &res,
	    sizeof(res));
}

/*
 * Before any child exists: no core files from any of us (a core of
 * crypto would hold the keys; the children, whose uid changed, are
 * not dumpable anyway, and the parent is made so too), and a chroot
 * that only root can change, or the children's jail is not one.
 */
static void
parent_harden(void)
{
	struct rlimit	 rl = { 0, 0 };
	struct stat	 st;

	if (setrlimit(RLIMIT_CORE, &rl) == -1)
		err(1, "setrlimit core");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		err(1, "prctl dumpable");
	if (lstat(CLAWD_CHROOT, &st) == -1)
		err(1, "the children's chroot %s", CLAWD_CHROOT);
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		errx(1, "the children's chroot %s must be a directory "
		    "owned by root and writable by root alone", CLAWD_CHROOT);
}

static void
parent_ctl_status(struct imsgev *iev, uint32_t peerid)
{
	struct ctl_status	 cs;
	int			 i;

	if (status_read("parent", getpid(), parent_started, &cs) == 0)
		imsgev_compose(iev, IMSG_CTL_STATUS, peerid, 0, -1, &cs,
		    sizeof(cs));
	for (i = PROC_PARENT + 1; i < PROC_MAX; i++) {
		if (children[i].pid == 0)
			continue;
		if (status_read(proc_name(i), children[i].pid,
		    children[i].started, &cs) == 0)
			imsgev_compose(iev, IMSG_CTL_STATUS, peerid, 0, -1,
			    &cs, sizeof(cs));
	}
	imsgev_compose(iev, IMSG_CTL_END, peerid, 0, -1, NULL, 0);
}

static void
parent_dispatch(struct imsgev *iev, struct imsg *imsg)
{
	struct imsg_pubkey	 pk;
	struct imsg_ipc		 ipc;
	struct ibuf		 ib;
	char			 b64[KEY_B64_SIZE];
	int			 i, all;

	switch (imsg_get_type(imsg)) {
	case IMSG_CHILD_READY:
		if (imsg_get_data(imsg, &ipc, sizeof(ipc)) == -1 ||
		    ipc.proc != (uint32_t)iev->peer)
			fatalx("bad CHILD_READY from %s",
			    proc_name(iev->peer));
		children[iev->peer].ready = 1;
		for (all = 1, i = PROC_PARENT + 1; i < PROC_MAX; i++)
			all &= children[i].ready;
		if (all) {
			for (i = PROC_PARENT + 1; i < PROC_MAX; i++)
				imsgev_compose(&children[i].iev,
				    IMSG_STARTUP, 0, 0, -1, NULL, 0);
			log_info("all processes up");
		}
		break;
	case IMSG_CRYPTO_PUBKEY:
		if (imsg_get_data(imsg, &pk, sizeof(pk)) == -1)
			fatalx("bad CRYPTO_PUBKEY");
		key_to_base64(b64, pk.key);
		log_info("public key %s", b64);
		break;
	case IMSG_MEGA_SESSION_SAVE:
		if (iev->peer != PROC_CRYPTO ||
		    imsg_get_ibuf(imsg, &ib) == -1)
			fatalx("bad MEGA_SESSION_SAVE from %s",
			    proc_name(iev->peer));
		megastate_save(conf->state_dir, ibuf_data(&ib),
		    ibuf_size(&ib));
		break;
	case IMSG_NAT_MEMORY:
		natstate_save(imsg);
		break;
	case IMSG_RESOLVE:
		parent_resolve(iev, imsg);
		break;
	case IMSG_UDP_SPRAY:
		parent_spray(iev, imsg);
		break;
	case IMSG_UDP_NATD:
		parent_udp_grant(iev, &grant_natd, 1);
		break;
	case IMSG_CTL_SHOW_STATUS:
		parent_ctl_status(iev, imsg_get_id(imsg));
		break;
	case IMSG_CTL_RELOAD:
		parent_ctl_reload(iev, imsg_get_id(imsg));
		break;
	default:
		fatalx("unexpected %s from %s",
		    imsg_type_name(imsg_get_type(imsg)),
		    proc_name(iev->peer));
	}
}

/* A channel closed: its child is gone; SIGCHLD tells how. */
static void
parent_closed(struct imsgev *iev)
{
	event_del(&iev->ev);
	if (!shutting_down)
		log_debug("channel to %s closed", proc_name(iev->peer));
}

static const char *
death_cause(int status, char *buf, size_t len)
{
	const char	*abbrev;

	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d",
		    WEXITSTATUS(status));
	else if (WIFSIGNALED(status)) {
		abbrev = sigabbrev_np(WTERMSIG(status));
		snprintf(buf, len, "killed by signal %d (SIG%s)%s",
		    WTERMSIG(status), abbrev ? abbrev : "?",
		    WTERMSIG(status) == SIGSYS ?
		    ": sandbox violation" : "");
	} else
		snprintf(buf, len, "stopped, status 0x%x", status);
	return buf;
}

static void
parent_reap(void)
{
	char	 cause[128];
	pid_t	 pid;
	int	 status, i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = PROC_PARENT + 1; i < PROC_MAX; i++)
			if (children[i].pid == pid)
				break;
		if (i == PROC_MAX)
			continue;
		children[i].pid = 0;
		if (shutting_down)
			continue;
		log_warnx("lost child: %s (pid %d) %s", proc_name(i),
		    (int)pid, death_cause(status, cause, sizeof(cause)));
		exit_status = 1;
		event_loopexit(NULL);
	}
}

static void
parent_sig(int sig, short event, void *arg)
{
	char	 msg[256];

	(void)event;
	(void)arg;
	switch (sig) {
	case SIGINT:
	case SIGTERM:
		log_info("terminating on signal %d", sig);
		event_loopexit(NULL);
		break;
	case SIGHUP:
		(void)parent_reload(msg, sizeof(msg));
		break;
	case SIGCHLD:
		parent_reap();
		break;
	}
}

/*
 * Stop every child by closing its channel, wait for them (killing any
 * that lingers), remove the socket, exit.
 */
static void
parent_shutdown(int status)
{
	struct timespec	 ts = { 0, 50 * 1000 * 1000 };
	int		 i, tries, alive;

	shutting_down = 1;
	natstate_flush();
	for (i = PROC_PARENT + 1; i < PROC_MAX; i++)
		if (children[i].iev.handle != NULL &&
		    children[i].iev.ibuf.fd != -1)
			imsgev_clear(&children[i].iev);
	for (tries = 0; tries < 100; tries++) {
		for (alive = 0, i = PROC_PARENT + 1; i < PROC_MAX; i++) {
			if (children[i].pid <= 0)
				continue;
			if (waitpid(children[i].pid, NULL, WNOHANG) ==
			    children[i].pid)
				children[i].pid = 0;
			else
				alive++;
		}
		if (alive == 0)
			break;
		nanosleep(&ts, NULL);
	}
	for (i = PROC_PARENT + 1; i < PROC_MAX; i++)
		if (children[i].pid > 0) {
			kill(children[i].pid, SIGKILL);
			waitpid(children[i].pid, NULL, 0);
		}
	control_cleanup(csock);
	log_info("exiting%s", status ? " after an error" : "");
	exit(status);
}
