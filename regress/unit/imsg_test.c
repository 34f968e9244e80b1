/*
 * Unit tests for common/imsg.c and common/imsg-buffer.c.
 *
 * Prints one "ok N - description" line per check and exits 0; the first
 * failed check prints "not ok N - description" and the errno it left,
 * then exits 1: later checks build on the state earlier ones left.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"
#include "tap.h"

#define HDR	((ssize_t)IMSG_HEADER_SIZE)

static void	 ok(int, const char *, ...)
		    __attribute__((__format__(__printf__, 2, 3)));
static int	 count_fds(void);
static void	 mkpair(int [2]);
static void	 pair_init(struct imsgbuf *, struct imsgbuf *, int [2], int);
static void	 pair_clear(struct imsgbuf *, struct imsgbuf *, int [2]);
static ssize_t	 get_one(struct imsgbuf *, struct imsg *);
static void	 fill(unsigned char *, size_t, unsigned int);
static size_t	 raw_message(unsigned char *, uint32_t, uint32_t,
		    const void *, size_t);
static void	 test_roundtrip(void);
static void	 test_compose_variants(void);
static void	 test_get_data(void);
static void	 test_fdpass(void);
static void	 test_fd_refused(void);
static void	 test_fd_leaks(void);
static void	 test_partial_read(void);
static void	 test_partial_write(void);
static void	 test_oversized(void);
static void	 test_truncated(void);
static void	 test_maxsize(void);
static void	 test_ibuf(void);

/* tap_vokf() with errno kept for the diagnostic: stop at a failure. */
static void
ok(int cond, const char *fmt, ...)
{
	va_list	 ap;
	int	 saved_errno = errno;

	va_start(ap, fmt);
	tap_vokf(cond, fmt, ap);
	va_end(ap);
	if (!cond) {
		printf("# errno %d: %s\n", saved_errno,
		    strerror(saved_errno));
		exit(tap_done());
	}
}

static int
count_fds(void)
{
	DIR	*d;
	int	 n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL) {
		perror("opendir /proc/self/fd");
		exit(1);
	}
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

static void
mkpair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0, sv) == -1) {
		perror("socketpair");
		exit(1);
	}
}

static void
pair_init(struct imsgbuf *a, struct imsgbuf *b, int sv[2], int fdpass)
{
	mkpair(sv);
	if (imsgbuf_init(a, sv[0]) == -1 || imsgbuf_init(b, sv[1]) == -1) {
		perror("imsgbuf_init");
		exit(1);
	}
	if (fdpass) {
		imsgbuf_allow_fdpass(a);
		imsgbuf_allow_fdpass(b);
	}
}

static void
pair_clear(struct imsgbuf *a, struct imsgbuf *b, int sv[2])
{
	imsgbuf_clear(a);
	imsgbuf_clear(b);
	close(sv[0]);
	close(sv[1]);
}

/* Read until one message is there; -1 on error or EOF. */
static ssize_t
get_one(struct imsgbuf *ib, struct imsg *imsg)
{
	ssize_t	 n;
	int	 i;

	for (i = 0; i < 10000; i++) {
		if ((n = imsg_get(ib, imsg)) != 0)
			return n;
		switch (imsgbuf_read(ib)) {
		case -1:
			return -1;
		case 0:
			errno = ECONNRESET;
			return -1;
		}
	}
	errno = ETIMEDOUT;
	return -1;
}

static void
fill(unsigned char *p, size_t len, unsigned int seed)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 31 + seed);
}

/* A message as it travels, built by hand to feed the reader raw bytes. */
static size_t
raw_message(unsigned char *out, uint32_t type, uint32_t len,
    const void *data, size_t datalen)
{
	struct imsg_hdr	 hdr;

	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.len = len;
	hdr.peerid = 7;
	hdr.pid = 1234;
	memcpy(out, &hdr, sizeof(hdr));
	if (datalen > 0)
		memcpy(out + sizeof(hdr), data, datalen);
	return sizeof(hdr) + datalen;
}

static void
test_roundtrip(void)
{
	struct imsgbuf	 a, b;
	struct imsg	 imsg;
	static unsigned char	 data[MAX_IMSGSIZE], got[MAX_IMSGSIZE];
	size_t		 sizes[] = { 0, 1, 100, MAX_IMSGSIZE - HDR };
	size_t		 i;
	int		 sv[2];
	ssize_t		 n;

	pair_init(&a, &b, sv, 0);
	ok(imsgbuf_queuelen(&a) == 0, "empty imsgbuf has nothing queued");
	ok(imsgbuf_read(&b) == 1 && imsg_get(&b, &imsg) == 0,
	    "read with nothing to read returns 1, imsg_get returns 0");

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		fill(data, sizes[i], i);
		ok(imsg_compose(&a, 100 + i, 1000 + i, 5000 + i, -1,
		    sizes[i] ? data : NULL, sizes[i]) == 1,
		    "compose %zu byte message", sizes[i]);
	}
	ok(imsgbuf_queuelen(&a) == 4, "four messages queued");
	ok(imsgbuf_flush(&a) == 0 && imsgbuf_queuelen(&a) == 0,
	    "flush empties the queue");

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		fill(data, sizes[i], i);
		n = get_one(&b, &imsg);
		ok(n == (ssize_t)(sizes[i] + HDR),
		    "imsg_get returns length %zu for %zu byte payload",
		    sizes[i] + HDR, sizes[i]);
		ok(imsg_get_type(&imsg) == 100 + i &&
		    imsg_get_id(&imsg) == 1000 + i &&
		    imsg_get_pid(&imsg) == (pid_t)(5000 + i),
		    "type, peerid and pid preserved (%zu bytes)", sizes[i]);
		ok(imsg_get_len(&imsg) == sizes[i] &&
		    imsg.hdr.len == sizes[i] + HDR,
		    "payload length %zu", sizes[i]);
		ok(sizes[i] == 0 ? imsg.data == NULL :
		    memcmp(imsg.data, data, sizes[i]) == 0,
		    "payload intact (%zu bytes)", sizes[i]);
		if (sizes[i] > 0) {
			memset(got, 0, sizeof(got));
			ok(imsg_get_data(&imsg, got, sizes[i]) == 0 &&
			    memcmp(got, data, sizes[i]) == 0,
			    "imsg_get_data copies %zu bytes", sizes[i]);
		}
		ok(imsg_get_fd(&imsg) == -1, "no fd with plain message");
		imsg_free(&imsg);
	}
	ok(imsg_get(&b, &imsg) == 0, "no more messages");

	/* pid 0 stands for the sending process. */
	ok(imsg_compose(&a, 1, 2, 0, -1, NULL, 0) == 1 &&
	    imsgbuf_flush(&a) == 0 && get_one(&b, &imsg) == (ssize_t)HDR &&
	    imsg_get_pid(&imsg) == getpid(),
	    "pid 0 is replaced by the sender's pid");
	imsg_free(&imsg);

	/* Several messages arriving in one read. */
	for (i = 0; i < 20; i++)
		imsg_compose(&a, 7, i, 1, -1, &i, sizeof(i));
	ok(imsgbuf_flush(&a) == 0 && imsgbuf_read(&b) == 1,
	    "twenty messages sent and read at once");
	for (i = 0; i < 20; i++) {
		size_t	 v;

		if (imsg_get(&b, &imsg) <= 0 ||
		    imsg_get_data(&imsg, &v, sizeof(v)) == -1 || v != i ||
		    imsg_get_id(&imsg) != i)
			break;
		imsg_free(&imsg);
	}
	ok(i == 20 && imsg_get(&b, &imsg) == 0,
	    "twenty messages come out in order");

	/* Peer gone: EPIPE, no SIGPIPE. */
	imsgbuf_clear(&b);
	close(sv[1]);
	imsg_compose(&a, 1, 0, 0, -1, "x", 1);
	errno = 0;
	ok(imsgbuf_write(&a) == -1 && errno == EPIPE,
	    "write to closed peer fails with EPIPE");
	imsgbuf_clear(&a);
	close(sv[0]);
}

static void
test_compose_variants(void)
{
	struct imsgbuf	 a, b, c, d;
	struct imsg	 imsg, fwd;
	struct iovec	 iov[3];
	struct ibuf	*buf, view;
	char		 out[64];
	uint32_t	 v32;
	int		 sv[2], sv2[2];

	pair_init(&a, &b, sv, 0);

	iov[0].iov_base = (void *)(uintptr_t)"abc";
	iov[0].iov_len = 3;
	iov[1].iov_base = NULL;
	iov[1].iov_len = 0;
	iov[2].iov_base = (void *)(uintptr_t)"defgh";
	iov[2].iov_len = 6;
	ok(imsg_composev(&a, 11, 12, 13, -1, iov, 3) == 1,
	    "imsg_composev with three iovecs");
	ok(imsgbuf_flush(&a) == 0 && get_one(&b, &imsg) == HDR + 9 &&
	    imsg_get_type(&imsg) == 11 && imsg_get_len(&imsg) == 9 &&
	    memcmp(imsg.data, "abcdefgh", 9) == 0,
	    "imsg_composev payload is the iovecs concatenated");
	imsg_free(&imsg);

	buf = imsg_create(&a, 21, 22, 23, 4);
	ok(buf != NULL, "imsg_create");
	ok(imsg_add(buf, "12", 2) == 2 && imsg_add(buf, "3456", 4) == 4 &&
	    imsg_add(buf, NULL, 0) == 0,
	    "imsg_add beyond the announced size grows the buffer");
	imsg_close(&a, buf);
	ok(imsgbuf_queuelen(&a) == 1, "imsg_close queues the message");
	ok(imsgbuf_flush(&a) == 0 && get_one(&b, &imsg) == HDR + 6 &&
	    imsg_get_type(&imsg) == 21 && imsg_get_id(&imsg) == 22 &&
	    imsg_get_pid(&imsg) == 23 &&
	    memcmp(imsg.data, "123456", 6) == 0,
	    "imsg_create/imsg_add/imsg_close round trip");

	/* Forward to a third process and check nothing changed. */
	mkpair(sv2);
	if (imsgbuf_init(&c, sv2[0]) == -1 || imsgbuf_init(&d, sv2[1]) == -1)
		exit(1);
	ok(imsg_forward(&c, &imsg) == 1 && imsgbuf_flush(&c) == 0 &&
	    get_one(&d, &fwd) == HDR + 6 && imsg_get_type(&fwd) == 21 &&
	    imsg_get_id(&fwd) == 22 && imsg_get_pid(&fwd) == 23 &&
	    memcmp(fwd.data, "123456", 6) == 0,
	    "imsg_forward re-sends type, peerid, pid and payload");
	imsg_free(&fwd);
	imsg_free(&imsg);

	buf = ibuf_dynamic(0, 64);
	ibuf_add_n32(buf, 0xdeadbeef);
	ok(imsg_compose_ibuf(&a, 31, 32, 33, buf) == 1 &&
	    imsgbuf_queuelen(&a) == 2, "imsg_compose_ibuf queues header "
	    "and payload");
	ok(imsgbuf_flush(&a) == 0 && get_one(&b, &imsg) == HDR + 4 &&
	    imsg_get_type(&imsg) == 31 && imsg_get_ibuf(&imsg, &view) == 0 &&
	    ibuf_get_n32(&view, &v32) == 0 && v32 == 0xdeadbeef &&
	    ibuf_size(&view) == 0 && imsg_get_len(&imsg) == 4,
	    "imsg_compose_ibuf round trip, read back with imsg_get_ibuf");
	/* imsg_get_ibuf gives a view: the message is not consumed. */
	ok(imsg_get_ibuf(&imsg, &view) == 0 && ibuf_size(&view) == 4,
	    "imsg_get_ibuf twice sees the whole payload");
	imsg_free(&imsg);

	buf = ibuf_dynamic(0, 64);
	ok(imsg_compose_ibuf(&a, 41, 0, 1, buf) == 1 &&
	    imsgbuf_flush(&a) == 0 && get_one(&b, &imsg) == HDR &&
	    imsg_get_len(&imsg) == 0 && imsg_get_ibuf(&imsg, &view) == 0 &&
	    ibuf_size(&view) == 0,
	    "imsg_compose_ibuf with an empty payload");
	imsg_free(&imsg);

	snprintf(out, sizeof(out), "string");
	ok(imsg_compose(&a, 1, 0, 0, -1, out, sizeof(out)) == 1 &&
	    imsgbuf_flush(&a) == 0 && get_one(&b, &imsg) > 0 &&
	    imsg_get_ibuf(&imsg, &view) == 0 &&
	    ibuf_get_string(&view, out, sizeof(out)) == 0 &&
	    strcmp(out, "string") == 0,
	    "fixed string field read with ibuf_get_string");
	imsg_free(&imsg);

	pair_clear(&c, &d, sv2);
	pair_clear(&a, &b, sv);
}

static void
test_get_data(void)
{
	struct imsgbuf	 a, b;
	struct imsg	 imsg;
	uint32_t	 v = 42, w;
	uint64_t	 big;
	int		 sv[2];

	pair_init(&a, &b, sv, 0);
	imsg_compose(&a, 1, 0, 0, -1, &v, sizeof(v));
	imsgbuf_flush(&a);
	ok(get_one(&b, &imsg) > 0, "message for imsg_get_data");
	errno = 0;
	ok(imsg_get_data(&imsg, &big, sizeof(big)) == -1 && errno == EBADMSG,
	    "imsg_get_data with a longer size fails with EBADMSG");
	errno = 0;
	ok(imsg_get_data(&imsg, &w, 2) == -1 && errno == EBADMSG,
	    "imsg_get_data with a shorter size fails with EBADMSG");
	errno = 0;
	ok(imsg_get_data(&imsg, &w, 0) == -1 && errno == EINVAL,
	    "imsg_get_data with size 0 fails with EINVAL");
	ok(imsg_get_data(&imsg, &w, sizeof(w)) == 0 && w == 42 &&
	    imsg_get_data(&imsg, &w, sizeof(w)) == 0 && w == 42,
	    "imsg_get_data with the exact size, twice");
	imsg_free(&imsg);
	pair_clear(&a, &b, sv);
}

static void
test_fdpass(void)
{
	struct imsgbuf	 a, b;
	struct imsg	 imsg;
	char		 rbuf[16];
	int		 sv[2], p[2], fd, fd2;

	pair_init(&a, &b, sv, 1);
	if (pipe(p) == -1)
		exit(1);
	ok(imsg_compose(&a, 50, 0, 0, p[1], "pipe", 4) == 1,
	    "compose with the write end of a pipe");
	ok(imsgbuf_flush(&a) == 0, "flush message with fd");
	ok(fcntl(p[1], F_GETFD) == -1 && errno == EBADF,
	    "sender's copy of the fd closed once sent");
	ok(get_one(&b, &imsg) == HDR + 4 && imsg_get_type(&imsg) == 50 &&
	    imsg_get_len(&imsg) == 4, "message with fd received");
	ok(imsg.hdr.len == HDR + 4, "fd mark masked off hdr.len");
	fd = imsg_get_fd(&imsg);
	ok(fd >= 0, "imsg_get_fd returns the descriptor");
	ok(imsg_get_fd(&imsg) == -1, "imsg_get_fd a second time returns -1");
	ok(fcntl(fd, F_GETFD) & FD_CLOEXEC, "received fd is close-on-exec");
	imsg_free(&imsg);
	ok(write(fd, "hello", 5) == 5, "write through the received fd");
	close(fd);
	ok(read(p[0], rbuf, sizeof(rbuf)) == 5 &&
	    memcmp(rbuf, "hello", 5) == 0,
	    "read it back from the pipe's read end");
	close(p[0]);

	/* fds and messages stay paired when several are queued. */
	if (pipe(p) == -1)
		exit(1);
	fd2 = dup(p[1]);
	imsg_compose(&a, 51, 1, 0, p[1], NULL, 0);
	imsg_compose(&a, 52, 2, 0, -1, "no fd", 5);
	imsg_compose(&a, 53, 3, 0, fd2, NULL, 0);
	imsgbuf_flush(&a);
	ok(get_one(&b, &imsg) > 0 && imsg_get_type(&imsg) == 51 &&
	    (fd = imsg_get_fd(&imsg)) >= 0, "first of three has its fd");
	close(fd);
	imsg_free(&imsg);
	ok(get_one(&b, &imsg) > 0 && imsg_get_type(&imsg) == 52 &&
	    imsg_get_fd(&imsg) == -1, "second of three has none");
	imsg_free(&imsg);
	ok(get_one(&b, &imsg) > 0 && imsg_get_type(&imsg) == 53 &&
	    (fd = imsg_get_fd(&imsg)) >= 0, "third of three has its fd");
	ok(write(fd, "x", 1) == 1 && read(p[0], rbuf, 1) == 1 &&
	    rbuf[0] == 'x', "third fd is the pipe");
	close(fd);
	imsg_free(&imsg);
	close(p[0]);

	/* imsg_forward does not forward the fd. */
	if (pipe(p) == -1)
		exit(1);
	imsg_compose(&a, 54, 0, 0, p[1], "f", 1);
	imsgbuf_flush(&a);
	ok(get_one(&b, &imsg) > 0 && imsg_forward(&b, &imsg) == 1 &&
	    imsgbuf_flush(&b) == 0, "forward a message that has an fd");
	imsg_free(&imsg);
	ok(get_one(&a, &imsg) > 0 && imsg_get_type(&imsg) == 54 &&
	    imsg_get_fd(&imsg) == -1, "forwarded message comes without fd");
	imsg_free(&imsg);
	close(p[0]);
	pair_clear(&a, &b, sv);
}

static void
test_fd_refused(void)
{
	struct imsgbuf	 a, b;
	struct imsg	 imsg;
	struct ibuf	*buf;
	unsigned char	 raw[64];
	int		 sv[2], p[2], before;

	/* No fd passing on either side: compose refuses. */
	pair_init(&a, &b, sv, 0);
	if (pipe(p) == -1)
		exit(1);
	errno = 0;
	ok(imsg_compose(&a, 1, 0, 0, p[1], NULL, 0) == -1 && errno == EINVAL,
	    "compose with fd on a channel without fd passing: EINVAL");
	ok(fcntl(p[1], F_GETFD) != -1, "refused fd still open, caller's");
	ok(imsgbuf_queuelen(&a) == 0, "nothing queued after refusal");
	buf = ibuf_dynamic(0, 16);
	ibuf_fd_set(buf, p[1]);
	errno = 0;
	ok(imsg_compose_ibuf(&a, 1, 0, 0, buf) == -1 && errno == EINVAL &&
	    fcntl(p[1], F_GETFD) == -1,
	    "imsg_compose_ibuf with fd refused, ibuf and fd freed");
	close(p[0]);
	pair_clear(&a, &b, sv);

	/* Sender passes an fd, receiver does not allow it. */
	pair_init(&a, &b, sv, 0);
	imsgbuf_allow_fdpass(&a);
	before = count_fds();
	if (pipe(p) == -1)
		exit(1);
	imsg_compose(&a, 2, 0, 0, p[1], NULL, 0);
	imsgbuf_flush(&a);
	errno = 0;
	ok(imsgbuf_read(&b) == -1 && errno == EBADMSG,
	    "unexpected SCM_RIGHTS fails imsgbuf_read with EBADMSG");
	close(p[0]);
	ok(count_fds() == before, "unexpected descriptor closed");
	errno = 0;
	ok(imsgbuf_read(&b) == -1 && errno == EBADMSG &&
	    imsg_get(&b, &imsg) == -1,
	    "channel stays failed after a protocol error");
	pair_clear(&a, &b, sv);

	/* fd mark without an fd, on both kinds of channel. */
	pair_init(&a, &b, sv, 0);
	raw_message(raw, 1, HDR | 0x80000000U, NULL, 0);
	if (write(sv[0], raw, HDR) != (ssize_t)HDR)
		exit(1);
	errno = 0;
	ok(imsgbuf_read(&b) == -1 && errno == EBADMSG,
	    "fd mark on a channel without fd passing: EBADMSG");
	pair_clear(&a, &b, sv);
	pair_init(&a, &b, sv, 1);
	if (write(sv[0], raw, HDR) != (ssize_t)HDR)
		exit(1);
	errno = 0;
	ok(imsgbuf_read(&b) == -1 && errno == EBADMSG,
	    "fd mark but no descriptor received: EBADMSG");
	pair_clear(&a, &b, sv);
}

static void
test_fd_leaks(void)
{
	struct imsgbuf	 a, b;
	struct imsg	 imsg;
	int		 sv[2], p[2], before, i;

	pair_init(&a, &b, sv, 1);
	before = count_fds();

	/* Received and never taken: imsg_free closes it. */
	if (pipe(p) == -1)
		exit(1);
	imsg_compose(&a, 1, 0, 0, p[1], NULL, 0);
	imsgbuf_flush(&a);
	ok(get_one(&b, &imsg) > 0, "message with fd not taken");
	imsg_free(&imsg);
	close(p[0]);
	ok(count_fds() == before, "imsg_free closes an untaken fd");

	/* Queued and never sent: imsgbuf_clear closes them. */
	for (i = 0; i < 3; i++) {
		if (pipe(p) == -1)
			exit(1);
		imsg_compose(&a, 1, 0, 0, p[1], NULL, 0);
		close(p[0]);
	}
	ok(imsgbuf_queuelen(&a) == 3 && count_fds() == before + 3,
	    "three fds queued");
	/* Received but never fetched: clear closes them too. */
	if (pipe(p) == -1)
		exit(1);
	close(p[0]);
	imsg_compose(&b, 1, 0, 0, p[1], NULL, 0);
	imsgbuf_flush(&b);
	imsgbuf_read(&a);
	pair_clear(&a, &b, sv);
	ok(count_fds() == before - 2,
	    "imsgbuf_clear closes queued and received fds");
}

static void
test_partial_read(void)
{
	struct imsgbuf	 a, b;
	struct imsg	 imsg, tmp;
	unsigned char	 raw[HDR + 300], payload[300];
	ssize_t		 n = 0, len;
	int		 sv[2], i, early = 0;

	/* Take the bytes of a composed message off the wire. */
	pair_init(&a, &b, sv, 0);
	fill(payload, sizeof(payload), 3);
	imsg_compose(&a, 77, 78, 79, -1, payload, sizeof(payload));
	imsgbuf_flush(&a);
	len = read(sv[1], raw, sizeof(raw));
	ok(len == (ssize_t)sizeof(raw), "raw bytes of a composed message");

	for (i = 0; i < len; i++) {
		if (write(sv[0], raw + i, 1) != 1)
			exit(1);
		if (imsgbuf_read(&b) != 1)
			break;
		n = imsg_get(&b, &imsg);
		if (i < len - 1 && n != 0) {
			early = 1;
			break;
		}
	}
	ok(!early && i == len, "imsg_get returns 0 until the last byte");
	ok(n == len && imsg_get_type(&imsg) == 77 &&
	    imsg_get_id(&imsg) == 78 && imsg_get_len(&imsg) == 300 &&
	    memcmp(imsg.data, payload, 300) == 0,
	    "message assembled from single bytes");
	imsg_free(&imsg);

	/* Two messages split across a header boundary. */
	if (write(sv[0], raw, len - 5) != len - 5 ||
	    imsgbuf_read(&b) != 1)
		exit(1);
	ok(imsg_get(&b, &imsg) == 0, "incomplete message not returned");
	if (write(sv[0], raw + len - 5, 5) != 5 ||
	    write(sv[0], raw, 10) != 10 || imsgbuf_read(&b) != 1)
		exit(1);
	ok(imsg_get(&b, &imsg) == len && imsg_get(&b, &tmp) == 0,
	    "completed message returned, half header kept back");
	imsg_free(&imsg);
	if (write(sv[0], raw + 10, len - 10) != len - 10)
		exit(1);
	ok(get_one(&b, &imsg) == len &&
	    memcmp(imsg.data, payload, 300) == 0,
	    "message with a split header assembled");
	imsg_free(&imsg);
	pair_clear(&a, &b, sv);
}

static void
test_partial_write(void)
{
	struct imsgbuf	 a, b;
	struct imsg	 imsg;
	static unsigned char	 data[8000];
	int		 sv[2], i, sndbuf = 4096, got = 0, partial = 0;
	int		 bad = 0, rounds;

	pair_init(&a, &b, sv, 0);
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &sndbuf, sizeof(sndbuf));
	for (i = 0; i < 100; i++) {
		fill(data, sizeof(data), i);
		if (imsg_compose(&a, 9, i, 1, -1, data, sizeof(data)) != 1)
			exit(1);
	}
	ok(imsgbuf_write(&a) == 0 && imsgbuf_queuelen(&a) > 0,
	    "write into a full socket returns 0 and keeps the rest queued");

	for (rounds = 0; rounds < 100000 && got < 100; rounds++) {
		if (imsgbuf_queuelen(&a) > 0) {
			if (imsgbuf_write(&a) == -1)
				break;
			if (imsgbuf_queuelen(&a) > 0)
				partial++;
		}
		if (imsgbuf_read(&b) == -1)
			break;
		while (imsg_get(&b, &imsg) > 0) {
			fill(data, sizeof(data), got);
			if (imsg_get_id(&imsg) != (uint32_t)got ||
			    imsg_get_len(&imsg) != sizeof(data) ||
			    memcmp(imsg.data, data, sizeof(data)) != 0)
				bad = 1;
			got++;
			imsg_free(&imsg);
		}
	}
	ok(partial > 0, "writes were partial (%d times)", partial);
	ok(got == 100 && !bad, "100 messages of 8000 bytes intact, in order");
	pair_clear(&a, &b, sv);
}

static void
test_oversized(void)
{
	struct imsgbuf	 a, b;
	struct imsg	 imsg;
	struct iovec	 iov[2];
	static unsigned char	 data[MAX_IMSGSIZE + 1];
	unsigned char	 raw[64];
	struct ibuf	*buf;
	int		 sv[2];

	pair_init(&a, &b, sv, 0);
	errno = 0;
	ok(imsg_compose(&a, 1, 0, 0, -1, data, MAX_IMSGSIZE - HDR + 1) == -1 &&
	    errno == ERANGE, "compose one byte over maxsize: ERANGE");
	errno = 0;
	ok(imsg_create(&a, 1, 0, 0, MAX_IMSGSIZE) == NULL && errno == ERANGE,
	    "imsg_create over maxsize: ERANGE");
	iov[0].iov_base = data;
	iov[0].iov_len = MAX_IMSGSIZE - HDR;
	iov[1].iov_base = data;
	iov[1].iov_len = 1;
	errno = 0;
	ok(imsg_composev(&a, 1, 0, 0, -1, iov, 2) == -1 && errno == ERANGE,
	    "imsg_composev over maxsize: ERANGE");
	iov[1].iov_len = SIZE_MAX;
	errno = 0;
	ok(imsg_composev(&a, 1, 0, 0, -1, iov, 2) == -1 && errno == ERANGE,
	    "imsg_composev with overflowing iovec lengths: ERANGE");
	buf = imsg_create(&a, 1, 0, 0, 10);
	ok(imsg_add(buf, data, MAX_IMSGSIZE - HDR) > 0 &&
	    imsg_add(buf, data, 1) == -1, "imsg_add past maxsize fails");
	buf = ibuf_dynamic(0, MAX_IMSGSIZE);
	ibuf_add_zero(buf, MAX_IMSGSIZE - HDR + 1);
	errno = 0;
	ok(imsg_compose_ibuf(&a, 1, 0, 0, buf) == -1 && errno == ERANGE,
	    "imsg_compose_ibuf over maxsize: ERANGE");
	ok(imsgbuf_queuelen(&a) == 0, "nothing queued");

	raw_message(raw, 1, MAX_IMSGSIZE + 1, NULL, 0);
	if (write(sv[0], raw, HDR) != (ssize_t)HDR)
		exit(1);
	errno = 0;
	ok(imsgbuf_read(&b) == -1 && errno == ERANGE,
	    "header claiming len > maxsize rejected by the reader");
	errno = 0;
	ok(imsg_get(&b, &imsg) == -1 && errno == ERANGE,
	    "imsg_get fails after an oversized header");
	pair_clear(&a, &b, sv);

	/* Receiver's limit is what counts, whatever the sender allows. */
	pair_init(&a, &b, sv, 0);
	imsgbuf_set_maxsize(&a, 100000);
	ok(imsg_compose(&a, 1, 0, 0, -1, data, MAX_IMSGSIZE) == 1 &&
	    imsgbuf_flush(&a) == 0 && get_one(&b, &imsg) == -1 &&
	    errno == ERANGE, "message over the receiver's maxsize: ERANGE");
	pair_clear(&a, &b, sv);
}

static void
test_truncated(void)
{
	struct imsgbuf	 a, b;
	struct imsg	 imsg;
	unsigned char	 raw[256];
	size_t		 len;
	int		 sv[2];

	pair_init(&a, &b, sv, 0);
	raw_message(raw, 1, HDR - 1, NULL, 0);
	if (write(sv[0], raw, HDR) != (ssize_t)HDR)
		exit(1);
	errno = 0;
	ok(imsgbuf_read(&b) == -1 && errno == EBADMSG,
	    "header with len < header size: EBADMSG");
	pair_clear(&a, &b, sv);

	pair_init(&a, &b, sv, 0);
	raw_message(raw, 1, 0, NULL, 0);
	if (write(sv[0], raw, HDR) != (ssize_t)HDR)
		exit(1);
	errno = 0;
	ok(imsgbuf_read(&b) == -1 && errno == EBADMSG,
	    "header with len 0: EBADMSG");
	pair_clear(&a, &b, sv);

	/* Closed mid-payload. */
	pair_init(&a, &b, sv, 0);
	len = raw_message(raw, 1, HDR + 100, "0123456789", 10);
	if (write(sv[0], raw, len) != (ssize_t)len)
		exit(1);
	close(sv[0]);
	ok(imsgbuf_read(&b) == 1 && imsg_get(&b, &imsg) == 0,
	    "partial message read, not returned");
	ok(imsgbuf_read(&b) == 0 && imsg_get(&b, &imsg) == 0,
	    "EOF mid-message: imsgbuf_read returns 0, no message");
	sv[0] = -1;
	pair_clear(&a, &b, sv);

	/* Closed mid-header. */
	pair_init(&a, &b, sv, 0);
	raw_message(raw, 1, HDR + 4, NULL, 0);
	if (write(sv[0], raw, 7) != 7)
		exit(1);
	close(sv[0]);
	ok(imsgbuf_read(&b) == 1 && imsgbuf_read(&b) == 0 &&
	    imsg_get(&b, &imsg) == 0,
	    "EOF mid-header: imsgbuf_read returns 0, no message");
	sv[0] = -1;
	pair_clear(&a, &b, sv);
}

static void
test_maxsize(void)
{
	struct imsgbuf	 a, b;
	struct imsg	 imsg;
	unsigned char	*data;
	size_t		 big = 200000;
	int		 sv[2];

	pair_init(&a, &b, sv, 0);
	ok(a.maxsize == MAX_IMSGSIZE, "default maxsize is MAX_IMSGSIZE");
	errno = 0;
	ok(imsgbuf_set_maxsize(&a, HDR) == -1 && errno == EINVAL,
	    "maxsize == header size refused (EINVAL)");
	ok(imsgbuf_set_maxsize(&a, 0) == -1, "maxsize 0 refused");
	errno = 0;
	ok(imsgbuf_set_maxsize(&a, 0x80000000U) == -1 && errno == EINVAL,
	    "maxsize 2^31 refused (EINVAL)");
	ok(imsgbuf_set_maxsize(&a, UINT32_MAX) == -1,
	    "maxsize 2^32-1 refused");
	ok(a.maxsize == MAX_IMSGSIZE, "refusals leave maxsize unchanged");
	ok(imsgbuf_set_maxsize(&a, HDR + 1) == 0 && a.maxsize == HDR + 1,
	    "maxsize header+1 accepted");
	ok(imsg_compose(&a, 1, 0, 0, -1, "x", 1) == 1 &&
	    imsg_compose(&a, 1, 0, 0, -1, "xy", 2) == -1,
	    "maxsize header+1 allows exactly one payload byte");
	ok(imsgbuf_set_maxsize(&a, 0x7fffffffU) == 0,
	    "maxsize 2^31-1 accepted");

	/* A message bigger than the read buffer, in many reads. */
	if ((data = malloc(big)) == NULL)
		exit(1);
	fill(data, big, 9);
	imsgbuf_set_maxsize(&b, big + HDR);
	ok(imsg_compose(&a, 2, 0, 0, -1, data, big) == 1,
	    "compose %zu bytes with a raised maxsize", big);
	while (imsgbuf_queuelen(&a) > 0) {
		if (imsgbuf_write(&a) == -1 || imsgbuf_read(&b) == -1)
			break;
	}
	ok(get_one(&b, &imsg) == HDR + 1 && imsg_get_len(&imsg) == 1,
	    "one-byte message sent under the small maxsize");
	imsg_free(&imsg);
	ok(get_one(&b, &imsg) == (ssize_t)(big + HDR) &&
	    imsg_get_type(&imsg) == 2 && imsg_get_len(&imsg) == big &&
	    memcmp(imsg.data, data, big) == 0,
	    "%zu byte message (> IBUF_READ_SIZE) assembled", big);
	imsg_free(&imsg);
	free(data);
	pair_clear(&a, &b, sv);
}

static void
test_ibuf(void)
{
	struct ibuf	*buf, view, sub;
	unsigned char	 bytes[16], *p;
	char		 str[8];
	uint8_t		 u8;
	uint16_t	 u16;
	uint32_t	 u32;
	uint64_t	 u64;
	int		 p2[2];

	errno = 0;
	ok(ibuf_open(0) == NULL && errno == EINVAL, "ibuf_open(0): EINVAL");
	errno = 0;
	ok(ibuf_dynamic(10, 5) == NULL && errno == EINVAL,
	    "ibuf_dynamic with len > max: EINVAL");

	buf = ibuf_open(8);
	ok(buf != NULL && ibuf_size(buf) == 0 && ibuf_left(buf) == 8,
	    "fixed ibuf of 8 bytes");
	ok(ibuf_add(buf, "abcdefgh", 8) == 0 && ibuf_left(buf) == 0,
	    "fill it");
	errno = 0;
	ok(ibuf_add(buf, "i", 1) == -1 && errno == ERANGE,
	    "fixed ibuf does not grow: ERANGE");
	ok(ibuf_set(buf, 2, "XY", 2) == 0 &&
	    memcmp(ibuf_data(buf), "abXYefgh", 8) == 0, "ibuf_set");
	ok(ibuf_seek(buf, 6, 2) != NULL && ibuf_seek(buf, 7, 2) == NULL &&
	    ibuf_seek(buf, 9, 0) == NULL && ibuf_seek(buf, 1, SIZE_MAX) == NULL,
	    "ibuf_seek in and out of range");
	ok(ibuf_get(buf, bytes, 3) == 0 && memcmp(bytes, "abX", 3) == 0 &&
	    ibuf_size(buf) == 5, "ibuf_get advances the read position");
	errno = 0;
	ok(ibuf_get(buf, bytes, 6) == -1 && errno == EBADMSG &&
	    ibuf_size(buf) == 5, "ibuf_get beyond the end: -1, EBADMSG");
	errno = 0;
	ok(ibuf_skip(buf, 6) == -1 && errno == EBADMSG,
	    "ibuf_skip beyond the end: EBADMSG");
	ok(ibuf_skip(buf, 1) == 0 && ibuf_size(buf) == 4 &&
	    memcmp(ibuf_data(buf), "efgh", 4) == 0, "ibuf_skip");
	ibuf_rewind(buf);
	ok(ibuf_size(buf) == 8, "ibuf_rewind");
	ok(ibuf_truncate(buf, 3) == 0 && ibuf_size(buf) == 3,
	    "ibuf_truncate shrinks");
	ok(ibuf_truncate(buf, 5) == 0 && ibuf_size(buf) == 5 &&
	    memcmp(ibuf_data(buf), "abX\0\0", 5) == 0,
	    "ibuf_truncate grows with zeroes");
	ibuf_free(buf);

	buf = ibuf_dynamic(0, 24);
	ok(buf != NULL && ibuf_add_n8(buf, 0x12) == 0 &&
	    ibuf_add_n16(buf, 0x3456) == 0 &&
	    ibuf_add_n32(buf, 0x789abcde) == 0 &&
	    ibuf_add_n64(buf, 0x0102030405060708ULL) == 0 &&
	    ibuf_size(buf) == 15, "ibuf_add_n8/16/32/64");
	ok(memcmp(ibuf_data(buf), "\x12\x34\x56\x78\x9a\xbc\xde"
	    "\x01\x02\x03\x04\x05\x06\x07\x08", 15) == 0,
	    "numbers stored in network byte order");
	errno = 0;
	ok(ibuf_add_n8(buf, 256) == -1 && errno == ERANGE &&
	    ibuf_add_n16(buf, 0x10000) == -1 &&
	    ibuf_add_n32(buf, 0x100000000ULL) == -1 && ibuf_size(buf) == 15,
	    "values too big for the field: ERANGE");
	ok(ibuf_add_zero(buf, 9) == 0 && ibuf_size(buf) == 24 &&
	    ibuf_left(buf) == 0, "dynamic ibuf grows up to max");
	errno = 0;
	ok(ibuf_add_zero(buf, 1) == -1 && errno == ERANGE &&
	    ibuf_reserve(buf, 1) == NULL,
	    "dynamic ibuf past max: ERANGE");
	ok(ibuf_get_n8(buf, &u8) == 0 && u8 == 0x12 &&
	    ibuf_get_n16(buf, &u16) == 0 && u16 == 0x3456 &&
	    ibuf_get_n32(buf, &u32) == 0 && u32 == 0x789abcde &&
	    ibuf_get_n64(buf, &u64) == 0 && u64 == 0x0102030405060708ULL,
	    "ibuf_get_n8/16/32/64 read them back");
	errno = 0;
	ok(ibuf_get_n64(buf, &u64) == 0 && ibuf_size(buf) == 1 &&
	    ibuf_get_n16(buf, &u16) == -1 && errno == EBADMSG &&
	    ibuf_get_n32(buf, &u32) == -1 && ibuf_get_n64(buf, &u64) == -1 &&
	    ibuf_get_n8(buf, &u8) == 0 && ibuf_get_n8(buf, &u8) == -1,
	    "short reads of numbers fail with EBADMSG");
	ibuf_free(buf);

	/* Views on foreign memory. */
	memcpy(bytes, "hello\0worldXXXXX", 16);
	ibuf_from_buffer(&view, bytes, 16);
	ok(ibuf_size(&view) == 16 && ibuf_left(&view) == 0,
	    "ibuf_from_buffer");
	errno = 0;
	ok(ibuf_add(&view, "x", 1) == -1 && errno == ERANGE,
	    "a view cannot grow");
	ok(ibuf_get_string(&view, str, 6) == 0 &&
	    strcmp(str, "hello") == 0, "ibuf_get_string with its NUL");
	errno = 0;
	ok(ibuf_get_string(&view, str, 5) == -1 && errno == EBADMSG &&
	    ibuf_size(&view) == 10,
	    "ibuf_get_string without a NUL: EBADMSG, nothing consumed");
	ok(ibuf_get_string(&view, str, 0) == -1,
	    "ibuf_get_string of size 0 fails");
	errno = 0;
	ok(ibuf_get_ibuf(&view, 11, &sub) == -1 && errno == EBADMSG,
	    "ibuf_get_ibuf beyond the end: EBADMSG");
	ok(ibuf_get_ibuf(&view, 5, &sub) == 0 && ibuf_size(&sub) == 5 &&
	    memcmp(ibuf_data(&sub), "world", 5) == 0 &&
	    ibuf_size(&view) == 5, "ibuf_get_ibuf");
	ibuf_from_ibuf(&sub, &view);
	ok(ibuf_size(&sub) == 5 && ibuf_data(&sub) == ibuf_data(&view),
	    "ibuf_from_ibuf");
	ibuf_free(&view);	/* must be a no-op on a view */

	buf = ibuf_dynamic(4, 64);
	ibuf_add(buf, "ab", 2);
	ibuf_from_buffer(&view, (void *)(uintptr_t)"cdef", 4);
	ok(ibuf_add_ibuf(buf, &view) == 0 && ibuf_size(buf) == 6 &&
	    memcmp(ibuf_data(buf), "abcdef", 6) == 0, "ibuf_add_ibuf");
	p = ibuf_reserve(buf, 3);
	ok(p != NULL && ibuf_size(buf) == 9, "ibuf_reserve");
	ok(!ibuf_fd_avail(buf) && ibuf_fd_get(buf) == -1, "no fd on ibuf");
	if (pipe(p2) == -1)
		exit(1);
	ibuf_fd_set(buf, p2[0]);
	ok(ibuf_fd_avail(buf) && ibuf_fd_get(buf) == p2[0] &&
	    !ibuf_fd_avail(buf), "ibuf_fd_set/ibuf_fd_get");
	ibuf_fd_set(buf, p2[0]);
	ibuf_free(buf);
	ok(fcntl(p2[0], F_GETFD) == -1, "ibuf_free closes the fd");
	close(p2[1]);
	ibuf_free(NULL);
}

int
main(void)
{
	int	 before;

	before = count_fds();

	test_roundtrip();
	test_compose_variants();
	test_get_data();
	test_fdpass();
	test_fd_refused();
	test_fd_leaks();
	test_partial_read();
	test_partial_write();
	test_oversized();
	test_truncated();
	test_maxsize();
	test_ibuf();

	ok(count_fds() == before, "no descriptor leaked (%d entries in "
	    "/proc/self/fd)", before);
	return tap_done();
}
