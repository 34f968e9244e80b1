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
	/* Every message the catalogue says must carry a descriptor. */
	static const struct {
		uint32_t	 type;
		size_t		 len;
		int		 to;
	} fdmsgs[] = {
		{ IMSG_SOCKET_IPC, sizeof(struct imsg_ipc), PROC_SIGNALER },
		{ IMSG_KEY_FD, 0, PROC_CRYPTO },
		{ IMSG_UDP_SOCKET, sizeof(struct imsg_udp), PROC_NETENGINE },
		{ IMSG_UDP_SPRAY_FD, sizeof(struct imsg_udp), PROC_NETENGINE },
		{ IMSG_UDP_NATD_FD, sizeof(struct imsg_udp), PROC_NETENGINE },
		{ IMSG_CONTROL_FD, 0, PROC_NETENGINE },
		{ IMSG_HTTPS_CA_FD, 0, PROC_SIGNALER },
		{ IMSG_TUN_FD, sizeof(struct imsg_tun), PROC_NETENGINE },
		{ IMSG_MEGA_CRED_FD, 0, PROC_CRYPTO },
	};
	int			 sp[2], p[2], err, before, n;
	uint32_t		 t;
	size_t			 i;

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

	/*
	 * A descriptor the table requires must come with the message:
	 * its handler takes it for granted.
	 */
	tap_ok(roundtrip(IMSG_KEY_FD, NULL, 0, -1, PROC_PARENT, PROC_CRYPTO,
	    &err) == -1 && err == EBADMSG, "key file without its descriptor "
	    "refused");
	tap_ok(roundtrip(IMSG_SOCKET_IPC, &ipc, sizeof(ipc), -1, PROC_PARENT,
	    PROC_NETENGINE, &err) == -1 && err == EBADMSG,
	    "channel without its descriptor refused");
	for (i = 0; i < sizeof(fdmsgs) / sizeof(fdmsgs[0]); i++) {
		memset(putbuf, 0, sizeof(putbuf));
		tap_okf(roundtrip(fdmsgs[i].type, putbuf, fdmsgs[i].len, -1,
		    PROC_PARENT, fdmsgs[i].to, &err) == -1 && err == EBADMSG,
		    "%s without a descriptor refused",
		    imsg_type_name(fdmsgs[i].type));
		if (pipe(p) == -1)
			return 1;
		close(p[1]);
		tap_okf(roundtrip(fdmsgs[i].type, putbuf, fdmsgs[i].len, p[0],
		    PROC_PARENT, fdmsgs[i].to, &err) == 0,
		    "%s with its descriptor accepted",
		    imsg_type_name(fdmsgs[i].type));
	}

	/* A descriptor that may come: with or without, both are fine. */
	memset(putbuf, 0, sizeof(putbuf));
	tap_ok(roundtrip(IMSG_CRYPTO_PEER, putbuf, sizeof(struct
	    imsg_crypto_peer), -1, PROC_PARENT, PROC_CRYPTO, &err) == 0,
	    "peer without a psk descriptor accepted");
	if (pipe(p) == -1)
		return 1;
	close(p[1]);
	tap_ok(roundtrip(IMSG_CRYPTO_PEER, putbuf, sizeof(struct
	    imsg_crypto_peer), p[0], PROC_PARENT, PROC_CRYPTO, &err) == 0,
	    "peer with a psk descriptor accepted");

	/* A descriptor on a parent message of the right route and length. */
	before = open_fds();
	if (pipe(p) == -1)
		return 1;
	close(p[1]);
	tap_ok(roundtrip(IMSG_CONF_START, NULL, 0, p[0], PROC_PARENT,
	    PROC_NETENGINE, &err) == -1 && err == EBADMSG,
	    "descriptor on a configuration message refused");
	tap_ok(open_fds() == before, "and closed, not leaked");

	/* Control results come from the signaler too (the drop). */
	memset(putbuf, 0, sizeof(putbuf));
	tap_ok(roundtrip(IMSG_CTL_RESULT, putbuf, sizeof(struct ctl_result),
	    -1, PROC_SIGNALER, PROC_NETENGINE, &err) == 0 &&
	    roundtrip(IMSG_CTL_END, NULL, 0, -1, PROC_SIGNALER,
	    PROC_NETENGINE, &err) == 0, "signaler results reach netengine");
	tap_ok(roundtrip(IMSG_CTL_RESULT, putbuf, sizeof(struct ctl_result),
	    -1, PROC_SIGNALER, PROC_CONTROL, &err) == -1 && err == EPERM,
	    "but not clawctl directly");

	/* One table of process names. */
	tap_ok(strcmp(proc_name(PROC_PARENT), "parent") == 0 &&
	    strcmp(proc_name(PROC_CRYPTO), "crypto") == 0 &&
	    strcmp(proc_name(PROC_SIGNALER), "signaler") == 0 &&
	    strcmp(proc_name(PROC_NETENGINE), "netengine") == 0 &&
	    strcmp(proc_name(PROC_CONTROL), "control") == 0,
	    "process names");
	tap_ok(strcmp(proc_name(-1), "unknown") == 0 &&
	    strcmp(proc_name(PROC_CONTROL + 1), "unknown") == 0,
	    "no name for an unknown process");
	for (n = 0; n <= PROC_CONTROL; n++)
		if (proc_name(n) != proc_names[n] ||
		    strlen(proc_names[n]) == 0)
			break;
	tap_ok(n == PROC_CONTROL + 1, "proc_name() reads proc_names[]");

	/* Every catalogued type has a name: no hole in the table. */
	for (t = IMSG_NONE + 1; t < IMSG_TYPE_MAX; t++)
		if (strcmp(imsg_type_name(t), "unknown") == 0)
			break;
	tap_ok(t == IMSG_TYPE_MAX, "every message type is in the catalogue");

	return tap_done();
}
