/*
 * imsg: framed messages over a stream socket, with descriptor passing.
 *
 * Wire format: struct imsg_hdr (four uint32_t in host byte order, both
 * ends are the same host) followed by the payload; hdr.len counts the
 * header too.  Bit 31 of hdr.len says that a descriptor travels with the
 * message; it is sent with SCM_RIGHTS together with the first byte of
 * the header.  See docs/imsg.md.
 *
 * imsgbuf_read() does all the checking: it cuts the byte stream into
 * complete messages and fails on anything malformed, so imsg_get() only
 * hands out messages that are whole and within the size limit.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"

#define IMSG_ALLOW_FDPASS	0x01
#define IMSG_FD_MARK		0x80000000U
#define IMSG_MAXSIZE_LIMIT	0x7fffffffU	/* bit 31 is the fd mark */

/* Descriptors received but not yet claimed by a message header. */
#define IMSG_MAXFDS		16
/* Descriptors accepted per recvmsg(); more is a protocol error. */
#define IMSG_FDS_PER_READ	4
/* Buffers gathered into one sendmsg(). */
#define IMSG_IOV		64

TAILQ_HEAD(ibufq, ibuf);

struct msgbuf {
	struct ibufq	 wq;		/* to send, in order */
	uint32_t	 wqlen;
	struct ibufq	 rq;		/* complete received messages */
	struct ibuf	*rmsg;		/* received message being assembled */
	unsigned char	*rbuf;		/* IBUF_READ_SIZE bytes */
	size_t		 rlen;		/* start of a header kept in rbuf */
	int		 rfds[IMSG_MAXFDS];
	int		 nrfds;
	int		 rerr;		/* sticky protocol error */
};

static int	imsg_recv_fds(struct imsgbuf *, struct msghdr *);
static int	imsg_frame(struct imsgbuf *, size_t);
static void	imsg_queue(struct imsgbuf *, struct ibuf *, size_t);

int
imsgbuf_init(struct imsgbuf *ib, int fd)
{
	struct msgbuf	*mb;

	if ((mb = calloc(1, sizeof(*mb))) == NULL)
		return -1;
	if ((mb->rbuf = malloc(IBUF_READ_SIZE)) == NULL) {
		free(mb);
		return -1;
	}
	TAILQ_INIT(&mb->wq);
	TAILQ_INIT(&mb->rq);
	ib->w = mb;
	ib->pid = getpid();
	ib->maxsize = MAX_IMSGSIZE;
	ib->fd = fd;
	ib->flags = 0;
	return 0;
}

void
imsgbuf_allow_fdpass(struct imsgbuf *ib)
{
	ib->flags |= IMSG_ALLOW_FDPASS;
}

/* max includes the header; bit 31 of hdr.len is taken by the fd mark. */
int
imsgbuf_set_maxsize(struct imsgbuf *ib, uint32_t max)
{
	if (max <= IMSG_HEADER_SIZE || max > IMSG_MAXSIZE_LIMIT) {
		errno = EINVAL;
		return -1;
	}
	ib->maxsize = max;
	return 0;
}

/*
 * Take the descriptors that came with a recvmsg().  Any descriptor on a
 * channel that does not pass them, or more than we can hold, is closed
 * and fails the channel: the peer is not following the protocol.
 */
static int
imsg_recv_fds(struct imsgbuf *ib, struct msghdr *msg)
{
	struct msgbuf	*mb = ib->w;
	struct cmsghdr	*cmsg;
	size_t		 i, n;
	int		 fd, bad = 0;

	if (msg->msg_flags & MSG_CTRUNC)
		bad = 1;
	for (cmsg = CMSG_FIRSTHDR(msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int),
			    sizeof(fd));
			if (bad || !(ib->flags & IMSG_ALLOW_FDPASS) ||
			    mb->nrfds >= IMSG_MAXFDS) {
				close(fd);
				bad = 1;
				continue;
			}
			mb->rfds[mb->nrfds++] = fd;
		}
	}
	if (bad) {
		errno = EBADMSG;
		return -1;
	}
	return 0;
}

/*
 * Cut the bytes in rbuf (the rlen kept plus n new) into messages.  Only
 * the start of a header (under IMSG_HEADER_SIZE bytes) stays in rbuf;
 * everything else moves into the message being assembled.
 */
static int
imsg_frame(struct imsgbuf *ib, size_t n)
{
	struct msgbuf	*mb = ib->w;
	struct imsg_hdr	 hdr;
	unsigned char	*p = mb->rbuf;
	size_t		 avail = mb->rlen + n, take;
	uint32_t	 len;

	while (avail > 0) {
		if (mb->rmsg == NULL) {
			if (avail < IMSG_HEADER_SIZE)
				break;
			memcpy(&hdr, p, sizeof(hdr));
			len = hdr.len & ~IMSG_FD_MARK;
			if (len < IMSG_HEADER_SIZE) {
				errno = EBADMSG;
				return -1;
			}
			if (len > ib->maxsize) {
				errno = ERANGE;
				return -1;
			}
			if ((hdr.len & IMSG_FD_MARK) &&
			    (!(ib->flags & IMSG_ALLOW_FDPASS) ||
			    mb->nrfds == 0)) {
				errno = EBADMSG;
				return -1;
			}
			if ((mb->rmsg = ibuf_open(len)) == NULL)
				return -1;
			if (hdr.len & IMSG_FD_MARK) {
				ibuf_fd_set(mb->rmsg, mb->rfds[0]);
				mb->nrfds--;
				memmove(&mb->rfds[0], &mb->rfds[1],
				    mb->nrfds * sizeof(int));
			}
		}
		take = ibuf_left(mb->rmsg);
		if (take > avail)
			take = avail;
		if (ibuf_add(mb->rmsg, p, take) == -1)
			return -1;
		p += take;
		avail -= take;
		if (ibuf_left(mb->rmsg) == 0) {
			TAILQ_INSERT_TAIL(&mb->rq, mb->rmsg, entry);
			mb->rmsg = NULL;
		}
	}
	if (avail > 0)
		memmove(mb->rbuf, p, avail);
	mb->rlen = avail;
	return 0;
}

int
imsgbuf_read(struct imsgbuf *ib)
{
	struct msgbuf	*mb = ib->w;
	struct msghdr	 msg;
	struct iovec	 iov;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) *
				    IMSG_FDS_PER_READ)];
	}		 cmsgbuf;
	ssize_t		 n;

	if (mb == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (mb->rerr != 0) {
		errno = mb->rerr;
		return -1;
	}

	memset(&msg, 0, sizeof(msg));
	memset(&cmsgbuf, 0, sizeof(cmsgbuf));
	iov.iov_base = mb->rbuf + mb->rlen;
	iov.iov_len = IBUF_READ_SIZE - mb->rlen;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = &cmsgbuf.buf;
	msg.msg_controllen = sizeof(cmsgbuf.buf);

	while ((n = recvmsg(ib->fd, &msg, MSG_CMSG_CLOEXEC)) == -1) {
		if (errno == EINTR)
			continue;
		/* Nothing to read now is not an error. */
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 1;
		return -1;
	}
	if (imsg_recv_fds(ib, &msg) == -1 ||
	    (n > 0 && imsg_frame(ib, n) == -1)) {
		/* The stream is out of step: nothing after this is valid. */
		mb->rerr = errno;
		return -1;
	}
	/* A message cut short by EOF is dropped by imsgbuf_clear(). */
	if (n == 0)
		return 0;
	return 1;
}

/*
 * Send as much of the queue as the socket takes.  A buffer carrying a
 * descriptor always starts its own sendmsg(), so the descriptor arrives
 * with the first byte of its message.
 */
int
imsgbuf_write(struct imsgbuf *ib)
{
	struct msgbuf	*mb = ib->w;
	struct ibuf	*buf;
	struct msghdr	 msg;
	struct cmsghdr	*cmsg;
	struct iovec	 iov[IMSG_IOV];
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	}		 cmsgbuf;
	ssize_t		 n;
	size_t		 left;
	int		 i, fd;

	if (mb == NULL) {
		errno = EINVAL;
		return -1;
	}
	while (!TAILQ_EMPTY(&mb->wq)) {
		memset(&msg, 0, sizeof(msg));
		i = 0;
		TAILQ_FOREACH(buf, &mb->wq, entry) {
			if (i == IMSG_IOV || (i > 0 && ibuf_fd_avail(buf)))
				break;
			iov[i].iov_base = ibuf_data(buf);
			iov[i].iov_len = ibuf_size(buf);
			i++;
		}
		msg.msg_iov = iov;
		msg.msg_iovlen = i;

		buf = TAILQ_FIRST(&mb->wq);
		fd = buf->fd;
		if (ibuf_fd_avail(buf)) {
			memset(&cmsgbuf, 0, sizeof(cmsgbuf));
			msg.msg_control = &cmsgbuf.buf;
			msg.msg_controllen = sizeof(cmsgbuf.buf);
			cmsg = CMSG_FIRSTHDR(&msg);
			cmsg->cmsg_len = CMSG_LEN(sizeof(int));
			cmsg->cmsg_level = SOL_SOCKET;
			cmsg->cmsg_type = SCM_RIGHTS;
			memcpy(CMSG_DATA(cmsg), &fd, sizeof(fd));
		}

		/* MSG_NOSIGNAL: a dead peer is EPIPE, not SIGPIPE. */
		if ((n = sendmsg(ib->fd, &msg, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == ENOBUFS)
				return 0;
			return -1;
		}
		/* The descriptor went with the first byte; ours is done. */
		if (ibuf_fd_avail(buf))
			close(ibuf_fd_get(buf));

		left = n;
		while ((buf = TAILQ_FIRST(&mb->wq)) != NULL) {
			if (left < ibuf_size(buf)) {
				buf->rpos += left;
				break;
			}
			left -= ibuf_size(buf);
			TAILQ_REMOVE(&mb->wq, buf, entry);
			ibuf_free(buf);
			mb->wqlen--;
		}
	}
	return 0;
}

/* Write everything, waiting for the socket when it is full. */
int
imsgbuf_flush(struct imsgbuf *ib)
{
	struct pollfd	 pfd;

	while (imsgbuf_queuelen(ib) > 0) {
		if (imsgbuf_write(ib) == -1)
			return -1;
		if (imsgbuf_queuelen(ib) == 0)
			break;
		pfd.fd = ib->fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
			return -1;
	}
	return 0;
}

/*
 * Free everything, closing descriptors queued or received and never
 * handed out.  The socket itself belongs to the caller.  The imsgbuf
 * needs imsgbuf_init() before it can be used again.
 */
void
imsgbuf_clear(struct imsgbuf *ib)
{
	struct msgbuf	*mb = ib->w;
	struct ibuf	*buf;
	int		 i;

	if (mb == NULL)
		return;
	while ((buf = TAILQ_FIRST(&mb->wq)) != NULL) {
		TAILQ_REMOVE(&mb->wq, buf, entry);
		ibuf_free(buf);
	}
	while ((buf = TAILQ_FIRST(&mb->rq)) != NULL) {
		TAILQ_REMOVE(&mb->rq, buf, entry);
		ibuf_free(buf);
	}
	ibuf_free(mb->rmsg);
	for (i = 0; i < mb->nrfds; i++)
		close(mb->rfds[i]);
	freezero(mb->rbuf, IBUF_READ_SIZE);
	free(mb);
	ib->w = NULL;
}

uint32_t
imsgbuf_queuelen(struct imsgbuf *ib)
{
	if (ib->w == NULL)
		return 0;
	return ib->w->wqlen;
}

ssize_t
imsg_get(struct imsgbuf *ib, struct imsg *imsg)
{
	struct msgbuf	*mb = ib->w;
	struct ibuf	*buf;

	if (mb == NULL) {
		errno = EINVAL;
		return -1;
	}
	/* Messages that were whole before an error are still good. */
	if ((buf = TAILQ_FIRST(&mb->rq)) == NULL) {
		if (mb->rerr != 0) {
			errno = mb->rerr;
			return -1;
		}
		return 0;
	}
	TAILQ_REMOVE(&mb->rq, buf, entry);

	memset(imsg, 0, sizeof(*imsg));
	/* Cannot fail: imsg_frame() made it at least a header long. */
	(void)ibuf_get(buf, &imsg->hdr, sizeof(imsg->hdr));
	imsg->hdr.len &= ~IMSG_FD_MARK;
	imsg->buf = buf;
	imsg->data = ibuf_size(buf) > 0 ? ibuf_data(buf) : NULL;
	return imsg->hdr.len;
}

int
imsg_get_ibuf(struct imsg *imsg, struct ibuf *ibuf)
{
	if (imsg->buf == NULL)
		ibuf_from_buffer(ibuf, NULL, 0);
	else
		ibuf_from_ibuf(ibuf, imsg->buf);
	return 0;
}

/* The payload must be exactly len bytes: the usual fixed-struct case. */
int
imsg_get_data(struct imsg *imsg, void *data, size_t len)
{
	struct ibuf	 b;

	if (len == 0) {
		errno = EINVAL;
		return -1;
	}
	if (imsg->buf == NULL || ibuf_size(imsg->buf) != len) {
		errno = EBADMSG;
		return -1;
	}
	ibuf_from_ibuf(&b, imsg->buf);
	return ibuf_get(&b, data, len);
}

/* The caller owns the descriptor; a second call returns -1. */
int
imsg_get_fd(struct imsg *imsg)
{
	if (imsg->buf == NULL)
		return -1;
	return ibuf_fd_get(imsg->buf);
}

uint32_t
imsg_get_id(struct imsg *imsg)
{
	return imsg->hdr.peerid;
}

size_t
imsg_get_len(struct imsg *imsg)
{
	if (imsg->buf == NULL)
		return 0;
	return ibuf_size(imsg->buf);
}

pid_t
imsg_get_pid(struct imsg *imsg)
{
	return imsg->hdr.pid;
}

uint32_t
imsg_get_type(struct imsg *imsg)
{
	return imsg->hdr.type;
}

/*
 * Send a received message on, header fields and whole payload.  As in
 * OpenBSD, a descriptor is not forwarded: it stays with msg.
 */
int
imsg_forward(struct imsgbuf *ib, struct imsg *msg)
{
	struct ibuf	 b;

	if (msg->buf == NULL)
		ibuf_from_buffer(&b, NULL, 0);
	else {
		ibuf_from_buffer(&b, msg->buf->buf, msg->buf->wpos);
		if (ibuf_skip(&b, IMSG_HEADER_SIZE) == -1)
			return -1;
	}
	return imsg_compose(ib, msg->hdr.type, msg->hdr.peerid,
	    msg->hdr.pid, -1, ibuf_data(&b), ibuf_size(&b));
}

int
imsg_compose(struct imsgbuf *ib, uint32_t type, uint32_t id, pid_t pid,
    int fd, const void *data, size_t datalen)
{
	struct iovec	 iov;

	if (datalen > 0 && data == NULL) {
		errno = EINVAL;
		return -1;
	}
	/* imsg_composev() does not write through it. */
	iov.iov_base = (void *)(uintptr_t)data;
	iov.iov_len = datalen;
	return imsg_composev(ib, type, id, pid, fd, &iov, datalen > 0);
}

/*
 * On failure the caller still owns fd; on success the imsgbuf does, and
 * closes it once sent (or in imsgbuf_clear()).
 */
int
imsg_composev(struct imsgbuf *ib, uint32_t type, uint32_t id, pid_t pid,
    int fd, const struct iovec *iov, int iovcnt)
{
	struct ibuf	*buf;
	size_t		 datalen = 0;
	int		 i;

	if (iovcnt < 0 || (iovcnt > 0 && iov == NULL) ||
	    (fd != -1 && (fd < 0 || !(ib->flags & IMSG_ALLOW_FDPASS)))) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > ib->maxsize - IMSG_HEADER_SIZE - datalen) {
			errno = ERANGE;
			return -1;
		}
		datalen += iov[i].iov_len;
	}
	if ((buf = imsg_create(ib, type, id, pid, datalen)) == NULL)
		return -1;
	for (i = 0; i < iovcnt; i++)
		if (imsg_add(buf, iov[i].iov_base, iov[i].iov_len) == -1)
			return -1;
	if (fd != -1)
		ibuf_fd_set(buf, fd);
	imsg_close(ib, buf);
	return 1;
}

/*
 * Send a payload built by the caller.  buf is consumed in every case,
 * its descriptor (if any) included.
 */
int
imsg_compose_ibuf(struct imsgbuf *ib, uint32_t type, uint32_t id,
    pid_t pid, struct ibuf *buf)
{
	struct ibuf	*hbuf;

	if (buf == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (ib->w == NULL || (ibuf_fd_avail(buf) &&
	    !(ib->flags & IMSG_ALLOW_FDPASS))) {
		ibuf_free(buf);
		errno = EINVAL;
		return -1;
	}
	if (ibuf_size(buf) > ib->maxsize - IMSG_HEADER_SIZE) {
		ibuf_free(buf);
		errno = ERANGE;
		return -1;
	}
	if ((hbuf = imsg_create(ib, type, id, pid, 0)) == NULL) {
		ibuf_free(buf);
		return -1;
	}
	/* The descriptor must ride on the header, the message's start. */
	if (ibuf_fd_avail(buf))
		ibuf_fd_set(hbuf, ibuf_fd_get(buf));
	imsg_queue(ib, hbuf, ibuf_size(buf));
	if (ibuf_size(buf) == 0)
		ibuf_free(buf);
	else {
		TAILQ_INSERT_TAIL(&ib->w->wq, buf, entry);
		ib->w->wqlen++;
	}
	return 1;
}

struct ibuf *
imsg_create(struct imsgbuf *ib, uint32_t type, uint32_t id, pid_t pid,
    size_t datalen)
{
	struct ibuf	*buf;
	struct imsg_hdr	 hdr;

	if (ib->w == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if (datalen > ib->maxsize - IMSG_HEADER_SIZE) {
		errno = ERANGE;
		return NULL;
	}
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.peerid = id;
	/* pid 0 means "this process", as in OpenBSD. */
	hdr.pid = pid == 0 ? ib->pid : pid;
	if ((buf = ibuf_dynamic(IMSG_HEADER_SIZE + datalen,
	    ib->maxsize)) == NULL)
		return NULL;
	if (ibuf_add(buf, &hdr, sizeof(hdr)) == -1) {
		ibuf_free(buf);
		return NULL;
	}
	return buf;
}

/* On failure msg is freed, so a chain of imsg_add() needs one check. */
int
imsg_add(struct ibuf *msg, const void *data, size_t datalen)
{
	if (msg == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (datalen > 0 && ibuf_add(msg, data, datalen) == -1) {
		ibuf_free(msg);
		return -1;
	}
	return datalen;
}

/*
 * Set hdr.len (msg plus extra bytes queued after it by the caller) and
 * the fd mark, and queue.  A descriptor attached on a
 * channel without descriptor passing cannot be reported from here: it
 * is closed and the message goes without it (imsg_get_fd() returns -1
 * at the other end).
 */
static void
imsg_queue(struct imsgbuf *ib, struct ibuf *msg, size_t extra)
{
	uint32_t	 len;

	if (ibuf_fd_avail(msg) && !(ib->flags & IMSG_ALLOW_FDPASS))
		close(ibuf_fd_get(msg));
	len = ibuf_size(msg) + extra;
	if (ibuf_fd_avail(msg))
		len |= IMSG_FD_MARK;
	(void)ibuf_set(msg, offsetof(struct imsg_hdr, len), &len, sizeof(len));
	TAILQ_INSERT_TAIL(&ib->w->wq, msg, entry);
	ib->w->wqlen++;
}

void
imsg_close(struct imsgbuf *ib, struct ibuf *msg)
{
	if (msg == NULL)
		return;
	if (ib->w == NULL) {
		ibuf_free(msg);
		return;
	}
	imsg_queue(ib, msg, 0);
}

void
imsg_free(struct imsg *imsg)
{
	ibuf_free(imsg->buf);
	imsg->buf = NULL;
	imsg->data = NULL;
}
