/*
 * Process spawning, the channel mesh and imsg event plumbing.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event.h>

#include "clawd.h"
#include "clawd_imsg.h"
#include "log.h"
#include "proc.h"
#include "sandbox.h"
#include "util.h"

void	crypto_main(const struct passwd *);
void	signaler_main(const struct passwd *);
void	netengine_main(const struct passwd *);

static void	imsgev_dispatch(int, short, void *);

/*
 * The procs[] table: who exists and how each child starts.  The names
 * are the catalogue's (proc_name()), so that there is one list of them.
 */
static const struct proc_desc procs[PROC_MAX] = {
	{ PROC_PARENT,		NULL,		0 },
	{ PROC_CRYPTO,		crypto_main,	1 },
	{ PROC_SIGNALER,	signaler_main,	1 },
	{ PROC_NETENGINE,	netengine_main,	1 },
};

/*
 * Which children have a channel between them.  Crypto seals what the
 * signaler carries and derives what netengine uses; netengine and the
 * signaler exchange candidates and drop events.  The parent talks to
 * everyone.
 */
int
proc_talks(int a, int b)
{
	if (a == b || a < 0 || b < 0 || a >= PROC_MAX || b >= PROC_MAX)
		return 0;
	return 1;
}

const struct proc_desc *
proc_by_name(const char *name)
{
	int	 i;

	for (i = 0; i < PROC_MAX; i++)
		if (strcmp(proc_name(procs[i].id), name) == 0)
			return &procs[i];
	return NULL;
}

const struct proc_desc *
proc_by_id(int id)
{
	if (id < 0 || id >= PROC_MAX)
		return NULL;
	return &procs[id];
}

void
imsgev_init(struct imsgev *iev, int fd, int self, int peer, int fdpass,
    void (*handle)(struct imsgev *, struct imsg *),
    void (*closed)(struct imsgev *))
{
	memset(iev, 0, sizeof(*iev));
	if (imsgbuf_init(&iev->ibuf, fd) == -1)
		fatal("imsgbuf_init");
	if (fdpass)
		imsgbuf_allow_fdpass(&iev->ibuf);
	iev->self = self;
	iev->peer = peer;
	iev->handle = handle;
	iev->closed = closed;
	iev->events = EV_READ;
	event_set(&iev->ev, fd, iev->events, imsgev_dispatch, iev);
	event_add(&iev->ev, NULL);
}

void
imsgev_add(struct imsgev *iev)
{
	static time_t	 warned;
	uint32_t	 queued = imsgbuf_queuelen(&iev->ibuf);
	short		 events = EV_READ;

	/*
	 * Back-pressure: a peer that sends requests and never reads the
	 * answers would grow our write queue without end.  With a backlog
	 * set (the parent's, for its children), nothing more is read from
	 * it until the queue falls below it again: a queue at most that
	 * long plus the answers to one read's worth of requests.
	 */
	if (iev->backlog > 0 && queued >= iev->backlog) {
		events = 0;
		if (!iev->held && monotime() - warned >= 60) {
			log_warnx("%s is not reading its messages (%u "
			    "queued): its requests wait", proc_name(iev->peer),
			    queued);
			warned = monotime();
		}
		iev->held = 1;
	} else
		iev->held = 0;
	/* Events are one-shot: set them again after every dispatch. */
	if (queued > 0)
		events |= EV_WRITE;
	event_del(&iev->ev);
	iev->events = events;
	event_set(&iev->ev, iev->ibuf.fd, events, imsgev_dispatch, iev);
	event_add(&iev->ev, NULL);
}

void
imsgev_clear(struct imsgev *iev)
{
	event_del(&iev->ev);
	imsgbuf_clear(&iev->ibuf);
	close(iev->ibuf.fd);
	iev->ibuf.fd = -1;
}

int
imsgev_compose(struct imsgev *iev, uint32_t type, uint32_t peerid,
    pid_t pid, int fd, const void *data, size_t len)
{
	int	 ret;

	if ((ret = imsg_compose(&iev->ibuf, type, peerid, pid, fd, data,
	    len)) == -1)
		log_warn("imsg_compose %s to %s", imsg_type_name(type),
		    proc_name(iev->peer));
	else
		imsgev_add(iev);
	return ret;
}

/* A header and a body in one message, without copying them together. */
int
imsgev_compose2(struct imsgev *iev, uint32_t type, uint32_t peerid,
    const void *hdr, size_t hlen, const void *data, size_t len)
{
	struct iovec	 iov[2];
	int		 ret;

	iov[0].iov_base = (void *)(uintptr_t)hdr;
	iov[0].iov_len = hlen;
	iov[1].iov_base = (void *)(uintptr_t)data;
	iov[1].iov_len = len;
	if ((ret = imsg_composev(&iev->ibuf, type, peerid, 0, -1, iov,
	    len > 0 ? 2 : 1)) == -1)
		log_warn("imsg_composev %s to %s", imsg_type_name(type),
		    proc_name(iev->peer));
	else
		imsgev_add(iev);
	return ret;
}

/*
 * Errors on a channel to another clawd process are fatal; a control
 * client that misbehaves is only disconnected.
 */
static int
imsgev_failed(struct imsgev *iev, const char *what)
{
	if (iev->peer != PROC_CONTROL)
		fatal("%s %s", what, proc_name(iev->peer));
	log_warn("control client: %s", what);
	iev->closed(iev);
	return -1;
}

static void
imsgev_dispatch(int fd, short event, void *arg)
{
	struct imsgev	*iev = arg;
	struct imsg	 imsg;
	ssize_t		 n;

	(void)fd;
	if (event & EV_READ) {
		switch (imsgbuf_read(&iev->ibuf)) {
		case -1:
			if (errno == ECONNRESET) {
				iev->closed(iev);
				return;
			}
			imsgev_failed(iev, "imsgbuf_read");
			return;
		case 0:
			iev->closed(iev);
			return;
		}
	}
	if (event & EV_WRITE) {
		if (imsgbuf_write(&iev->ibuf) == -1) {
			if (errno == EPIPE) {
				iev->closed(iev);
				return;
			}
			imsgev_failed(iev, "imsgbuf_write");
			return;
		}
	}
	for (;;) {
		if ((n = imsg_get(&iev->ibuf, &imsg)) == -1) {
			imsgev_failed(iev, "imsg_get");
			return;
		}
		if (n == 0)
			break;
		if (imsg_check(&imsg, iev->peer, iev->self) == -1) {
			imsg_free(&imsg);
			imsgev_failed(iev, "bad message");
			return;
		}
		iev->handle(iev, &imsg);
		imsg_free(&imsg);
		if (iev->dead) {
			iev->closed(iev);
			return;
		}
	}
	imsgev_add(iev);
}

/*
 * Start a child: a fresh address space (exec of our own binary) with
 * its end of the parent channel on fd 3.
 */
pid_t
proc_spawn(const char *exe, int id, int debug, int verbose,
    struct imsgev *iev, void (*handle)(struct imsgev *, struct imsg *),
    void (*closed)(struct imsgev *))
{
	const struct proc_desc	*pd = proc_by_id(id);
	char			*argv[8], name[32];
	int			 argc = 0, sp[2];
	pid_t			 pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    PF_UNSPEC, sp) == -1)
		fatal("socketpair");

	switch ((pid = fork())) {
	case -1:
		fatal("fork");
	case 0:
		break;
	default:
		close(sp[1]);
		imsgev_init(iev, sp[0], PROC_PARENT, id, 1, handle, closed);
		return pid;
	}

	/* Child. */
	if (sp[1] == PROC_PARENT_FD) {
		if (fcntl(sp[1], F_SETFD, 0) == -1)
			fatal("fcntl");
	} else if (dup2(sp[1], PROC_PARENT_FD) == -1)
		fatal("dup2");

	argv[argc++] = (char *)"clawd";
	argv[argc++] = (char *)"-P";
	strlcpy(name, proc_name(pd->id), sizeof(name));
	argv[argc++] = name;
	if (debug)
		argv[argc++] = (char *)"-d";
	if (verbose > 1)
		argv[argc++] = (char *)"-vv";
	else if (verbose)
		argv[argc++] = (char *)"-v";
	argv[argc++] = NULL;
	execv(exe, argv);
	fatal("execv %s", exe);
}

/* Give the children at the end of two parent channels one of their own. */
void
proc_connect(struct imsgev *a, struct imsgev *b)
{
	struct imsg_ipc	 ipc;
	int		 sp[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    PF_UNSPEC, sp) == -1)
		fatal("socketpair");
	ipc.proc = b->peer;
	imsgev_compose(a, IMSG_SOCKET_IPC, 0, 0, sp[0], &ipc, sizeof(ipc));
	ipc.proc = a->peer;
	imsgev_compose(b, IMSG_SOCKET_IPC, 0, 0, sp[1], &ipc, sizeof(ipc));
}

/* Child side: one imsgev per process we talk to. */
struct imsgev		*iev_peer[PROC_MAX];
static int		 child_self;
static void		(*child_handle)(struct imsgev *, struct imsg *);
static void		(*child_ready)(void);

static int	 proc_child_ipc(struct imsgev *, struct imsg *);

/* What every child handles alike; the rest is the child's own. */
static void
child_dispatch(struct imsgev *iev, struct imsg *imsg)
{
	switch (imsg_get_type(imsg)) {
	case IMSG_SOCKET_IPC:
		proc_child_ipc(iev, imsg);
		break;
	case IMSG_STARTUP:
		log_debug("startup");
		break;
	default:
		child_handle(iev, imsg);
		break;
	}
}

__attribute__((__noreturn__)) void
proc_unexpected(struct imsgev *iev, struct imsg *imsg)
{
	fatalx("unexpected %s from %s", imsg_type_name(imsg_get_type(imsg)),
	    proc_name(iev->peer));
}

/*
 * The descriptor the catalogue says comes with this message.
 * imsg_check() has already refused the message without it; the check
 * here stays as a second line.
 */
int
proc_imsg_fd(struct imsg *imsg)
{
	int	 fd;

	if ((fd = imsg_get_fd(imsg)) == -1)
		fatalx("%s without a descriptor",
		    imsg_type_name(imsg_get_type(imsg)));
	return fd;
}

static void
child_closed(struct imsgev *iev)
{
	/* The parent went away: a clean shutdown, nothing to report. */
	if (iev->peer == PROC_PARENT)
		exit(0);
	/*
	 * A sibling died.  The parent learns why from SIGCHLD, logs it
	 * and stops us all; dying here too would only blur the cause.
	 */
	log_debug("channel to %s closed", proc_name(iev->peer));
	event_del(&iev->ev);
}

static int
child_all_connected(void)
{
	int	 i;

	for (i = 0; i < PROC_MAX; i++)
		if (i != child_self && proc_talks(child_self, i) &&
		    iev_peer[i] == NULL)
			return 0;
	return 1;
}

void
proc_child_start(int self, void (*handle)(struct imsgev *, struct imsg *),
    void (*ready)(void))
{
	struct imsgev	*iev;

	child_self = self;
	child_handle = handle;
	child_ready = ready;
	if ((iev = calloc(1, sizeof(*iev))) == NULL)
		fatal(NULL);
	if (fcntl(PROC_PARENT_FD, F_SETFL, O_NONBLOCK) == -1 ||
	    fcntl(PROC_PARENT_FD, F_SETFD, FD_CLOEXEC) == -1)
		fatal("parent channel");
	imsgev_init(iev, PROC_PARENT_FD, self, PROC_PARENT, 1, child_dispatch,
	    child_closed);
	iev_peer[PROC_PARENT] = iev;
}

/*
 * Lock down and serve: every child ends here once it has done what
 * needs the file system.
 */
void
proc_child_run(int self, const struct passwd *pw,
    void (*handle)(struct imsgev *, struct imsg *), void (*ready)(void))
{
	event_init();
	sandbox_lockdown(self, pw, CLAWD_CHROOT);
	proc_child_start(self, handle, ready);
	event_dispatch();
	exit(0);
}

/* A channel to a sibling, from the parent. */
static int
proc_child_ipc(struct imsgev *from, struct imsg *imsg)
{
	struct imsg_ipc	 ipc;
	struct imsgev	*iev;
	struct imsg_ipc	 me;
	int		 fd;

	if (from->peer != PROC_PARENT ||
	    imsg_get_data(imsg, &ipc, sizeof(ipc)) == -1)
		fatalx("bad IMSG_SOCKET_IPC");
	fd = proc_imsg_fd(imsg);
	if (ipc.proc >= PROC_MAX || ipc.proc == PROC_PARENT ||
	    !proc_talks(child_self, ipc.proc) || iev_peer[ipc.proc] != NULL)
		fatalx("unexpected channel to %s", proc_name(ipc.proc));
	if ((iev = calloc(1, sizeof(*iev))) == NULL)
		fatal(NULL);
	imsgev_init(iev, fd, child_self, ipc.proc, 0, child_dispatch,
	    child_closed);
	iev_peer[ipc.proc] = iev;
	if (child_all_connected()) {
		me.proc = child_self;
		imsgev_compose(iev_peer[PROC_PARENT], IMSG_CHILD_READY, 0, 0,
		    -1, &me, sizeof(me));
		if (child_ready != NULL)
			child_ready();
	}
	return 1;
}

int
proc_child_compose(int to, uint32_t type, uint32_t peerid, pid_t pid,
    int fd, const void *data, size_t len)
{
	if (to < 0 || to >= PROC_MAX || iev_peer[to] == NULL) {
		errno = ENOTCONN;
		return -1;
	}
	return imsgev_compose(iev_peer[to], type, peerid, pid, fd, data,
	    len);
}

int
proc_child_compose2(int to, uint32_t type, uint32_t peerid,
    const void *hdr, size_t hlen, const void *data, size_t len)
{
	if (to < 0 || to >= PROC_MAX || iev_peer[to] == NULL) {
		errno = ENOTCONN;
		return -1;
	}
	return imsgev_compose2(iev_peer[to], type, peerid, hdr, hlen, data,
	    len);
}
