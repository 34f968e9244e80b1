/*
 * The imsg catalogue: imsg_check() accepts exactly the routes, lengths
 * and descriptors the table allows.  Messages travel over a real
 * socketpair so that what is checked is what a receiver sees.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clawd_imsg.h"
#include "tap.h"

static struct imsgbuf	 tx, rx;

/* Send one message and check it as "self" receiving from "from". */
static int
roundtrip(uint32_t type, const void *data, size_t len, int fd, int from,
    int self, int *err)
{
	struct imsg	 imsg;
	ssize_t		 n;
	int		 r;

	if (imsg_compose(&tx, type, 0, 0, fd, data, len) == -1 ||
	    imsgbuf_flush(&tx) == -1) {
		perror("compose");
		exit(1);
	}
	if (imsgbuf_read(&rx) != 1 || (n = imsg_get(&rx, &imsg)) <= 0) {
		perror("read");
		exit(1);
	}
	errno = 0;
	r = imsg_check(&imsg, from, self);
	*err = errno;
	imsg_free(&imsg);
	return r;
}

static int
open_fds(void)
{
	int	 fd, n = 0;

	for (fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			n++;
	return n;
}

int
main(void)
{
	struct ctl_status	 cs;
	struct imsg_ipc		 ipc;
	char			 big[sizeof(struct ctl_status) + 1];
	static uint8_t		 putbuf[sizeof(struct ctl_drop_name) +
				    DROP_FILE_MAX];
	int			 sp[2], p[2], err, before;
	uint32_t		 t;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == -1)
		return 1;
	imsgbuf_init(&tx, sp[0]);
	imsgbuf_init(&rx, sp[1]);
	imsgbuf_allow_fdpass(&tx);
	imsgbuf_allow_fdpass(&rx);
	memset(&cs, 0, sizeof(cs));
	memset(big, 0, sizeof(big));

	tap_ok(roundtrip(IMSG_CTL_SHOW_STATUS, NULL, 0, -1, PROC_CONTROL,
	    PROC_NETENGINE, &err) == 0, "clawctl may ask netengine for status");
	tap_ok(roundtrip(IMSG_CTL_SHOW_STATUS, NULL, 0, -1, PROC_NETENGINE,
	    PROC_PARENT, &err) == 0, "netengine forwards status to parent");
	tap_ok(roundtrip(IMSG_CTL_SHOW_STATUS, NULL, 0, -1, PROC_CONTROL,
	    PROC_PARENT, &err) == -1 && err == EPERM,
	    "clawctl cannot reach the parent directly");
	tap_ok(roundtrip(IMSG_KEY_FD, NULL, 0, -1, PROC_SIGNALER, PROC_CRYPTO,
	    &err) == -1 && err == EPERM, "only the parent hands crypto a key");
	tap_ok(roundtrip(IMSG_CTL_STATUS, &cs, sizeof(cs), -1, PROC_PARENT,
	    PROC_NETENGINE, &err) == 0, "status of exact length accepted");
	tap_ok(roundtrip(IMSG_CTL_STATUS, big, sizeof(big), -1, PROC_PARENT,
	    PROC_NETENGINE, &err) == -1 && err == EBADMSG,
	    "status one byte too long refused");
	tap_ok(roundtrip(IMSG_CTL_STATUS, &cs, sizeof(cs) - 1, -1, PROC_PARENT,
	    PROC_NETENGINE, &err) == -1 && err == EBADMSG,
	    "status one byte short refused");
	tap_ok(roundtrip(IMSG_CTL_RELOAD, "x", 1, -1, PROC_CONTROL,
	    PROC_NETENGINE, &err) == -1 && err == EBADMSG,
	    "reload with a payload refused");
	tap_ok(roundtrip(IMSG_TYPE_MAX, NULL, 0, -1, PROC_PARENT, PROC_CRYPTO,
	    &err) == -1 && err == EPROTO, "unknown type refused");
	tap_ok(roundtrip(IMSG_NONE, NULL, 0, -1, PROC_PARENT, PROC_CRYPTO,
	    &err) == -1 && err == EPROTO, "type 0 refused");
	tap_ok(roundtrip(IMSG_CTL_SHOW_NAT, NULL, 0, -1, 99, PROC_NETENGINE,
	    &err) == -1, "unknown sender refused");

	/* Variable length: a header, then up to the file limit. */
	memset(putbuf, 0, sizeof(putbuf));
	tap_ok(roundtrip(IMSG_CTL_DROP_PUT, putbuf, sizeof(struct
	    ctl_drop_name) + 1, -1, PROC_CONTROL, PROC_NETENGINE, &err) == 0,
	    "drop put with one byte accepted");
	tap_ok(roundtrip(IMSG_CTL_DROP_PUT, putbuf, sizeof(putbuf), -1,
	    PROC_NETENGINE, PROC_SIGNALER, &err) == 0,
	    "drop put of the largest file accepted");
	tap_ok(roundtrip(IMSG_CTL_DROP_PUT, putbuf, sizeof(struct
	    ctl_drop_name) - 1, -1, PROC_CONTROL, PROC_NETENGINE, &err) == -1 &&
	    err == EBADMSG, "drop put shorter than its header refused");
	tap_ok(roundtrip(IMSG_CTL_DROP_DATA, putbuf, DROP_FILE_MAX + 1, -1,
	    PROC_SIGNALER, PROC_NETENGINE, &err) == -1 && err == EBADMSG,
	    "drop data over the file limit refused");
	tap_ok(roundtrip(IMSG_CTL_DROP_PUT, putbuf, sizeof(putbuf), -1,
	    PROC_CONTROL, PROC_SIGNALER, &err) == -1 && err == EPERM,
	    "clawctl cannot reach the signaler directly");
	tap_ok(roundtrip(IMSG_MEGA_LOGIN, putbuf, sizeof(struct
	    imsg_mega_login), -1, PROC_NETENGINE, PROC_CRYPTO, &err) == -1 &&
	    err == EPERM, "only the signaler sends login replies to crypto");
	tap_ok(roundtrip(IMSG_MEGA_SESSION_SAVE, putbuf, MEGA_SESSION_MAX + 1,
	    -1, PROC_CRYPTO, PROC_PARENT, &err) == -1 && err == EBADMSG,
	    "an oversized session blob refused");

	ipc.proc = PROC_SIGNALER;
	if (pipe(p) == -1)
		return 1;
	tap_ok(roundtrip(IMSG_SOCKET_IPC, &ipc, sizeof(ipc), p[0], PROC_PARENT,
	    PROC_CRYPTO, &err) == 0, "channel with its descriptor accepted");
	close(p[1]);

	before = open_fds();
	if (pipe(p) == -1)
		return 1;
	close(p[1]);
	tap_ok(roundtrip(IMSG_CTL_SHOW_NAT, NULL, 0, p[0], PROC_CONTROL,
	    PROC_NETENGINE, &err) == -1 && err == EBADMSG,
	    "descriptor where none belongs refused");
	tap_ok(open_fds() == before, "refused descriptor closed, not leaked");

	/* Every catalogued type has a name: no hole in the table. */
	for (t = IMSG_NONE + 1; t < IMSG_TYPE_MAX; t++)
		if (strcmp(imsg_type_name(t), "unknown") == 0)
			break;
	tap_ok(t == IMSG_TYPE_MAX, "every message type is in the catalogue");

	return tap_done();
}
