/*
 * clawctl: control and inspect clawd over its control socket, and
 * make keys the way wg(8) does (genkey and pubkey need no daemon).
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clawd.h"
#include "clawd_imsg.h"
#include "imsg.h"
#include "key.h"
#include "clawctl.h"

/* What one request has received so far. */
struct reply_state {
	int		 done;
	int		 have_state;		/* show drop */
	int		 have_data;		/* drop get */
	size_t		 datalen;
	uint8_t		 data[DROP_FILE_MAX];
};

static __attribute__((__noreturn__)) void usage(void);
static int	do_genkey(void);
static int	do_pubkey(void);
static size_t	read_drop_file(const char *, uint8_t *, size_t);
static void	write_all(const uint8_t *, size_t);
static int	do_request(const char *, const struct parse_result *,
		    const struct output *, const uint8_t *, size_t);
static int	handle_reply(struct imsg *, enum actions,
		    const struct output *, struct reply_state *);
static void	check_string(const char *, size_t, const char *);
static ssize_t	utf8_bad(const unsigned char *, size_t, int, int *);
static void	check_addr(const struct sockaddr_storage *, const char *);

static void
usage(void)
{
	fprintf(stderr,
	    "usage: clawctl [-j] [-s socket] command [argument ...]\n");
	exit(1);
}

int
main(int argc, char *argv[])
{
	const struct parse_result	*res;
	const struct output		*out = &text_output;
	const char			*sockpath = CLAWD_SOCKET;
	static uint8_t			 file[DROP_FILE_MAX];
	size_t				 filelen;
	int				 ch;

	/*
	 * "+": options come before the command only, so that a drop
	 * name or a file name that starts with '-' is left alone.
	 */
	while ((ch = getopt(argc, argv, "+js:")) != -1) {
		switch (ch) {
		case 'j':
			out = &json_output;
			break;
		case 's':
			sockpath = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();

	res = parse(argc, argv);
	switch (res->action) {
	case GENKEY:
		return do_genkey();
	case PUBKEY:
		return do_pubkey();
	case SHOW_STATUS:
	case SHOW_NAT:
	case SHOW_PEERS:
	case SHOW_STATS:
	case RELOAD:
	case SHOW_DROP:
	case DROP_RM:
		return do_request(sockpath, res, out, NULL, 0);
	case DROP_PUT:
		/* Refuse what the drop cannot take before connecting. */
		filelen = read_drop_file(res->file, file, sizeof(file));
		return do_request(sockpath, res, out, file, filelen);
	case DROP_GET:
		/* The file itself goes to stdout, with or without -j. */
		return do_request(sockpath, res, &text_output, NULL, 0);
	case NONE:
		break;
	}
	usage();
}

static int
do_genkey(void)
{
	uint8_t		 key[CLAWD_KEY_LEN];
	char		 b64[KEY_B64_SIZE];
	struct stat	 sb;

	/* As wg genkey does: a private key in a file others can read. */
	if (fstat(STDOUT_FILENO, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    (sb.st_mode & S_IRWXO) != 0)
		fprintf(stderr, "clawctl: warning: writing a private key to "
		    "a world accessible file; consider umask 077\n");

	if (key_generate(key) == -1)
		errx(1, "genkey: cannot get random bytes");
	key_to_base64(b64, key);
	explicit_bzero(key, sizeof(key));
	if (printf("%s\n", b64) < 0 || fflush(stdout) == EOF) {
		explicit_bzero(b64, sizeof(b64));
		err(1, "genkey: stdout");
	}
	explicit_bzero(b64, sizeof(b64));
	return 0;
}

static int
do_pubkey(void)
{
	uint8_t		 priv[CLAWD_KEY_LEN], pub[CLAWD_KEY_LEN];
	char		 b64[KEY_B64_SIZE];
	const char	*errstr;

	if (key_read_fd(STDIN_FILENO, priv, &errstr) == -1)
		errx(1, "pubkey: %s", errstr);
	if (key_public(pub, priv) == -1) {
		explicit_bzero(priv, sizeof(priv));
		errx(1, "pubkey: cannot compute the public key");
	}
	explicit_bzero(priv, sizeof(priv));
	key_to_base64(b64, pub);
	if (printf("%s\n", b64) < 0 || fflush(stdout) == EOF)
		err(1, "pubkey: stdout");
	return 0;
}

/*
 * A file for drop put: 1 to max bytes, from a path or "-" for the
 * standard input.  Exits with a message if it does not fit.
 */
static size_t
read_drop_file(const char *path, uint8_t *buf, size_t max)
{
	uint8_t		 extra;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd, isstdin;

	isstdin = strcmp(path, "-") == 0;
	if (isstdin)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		err(1, "%s", path);
	for (;;) {
		/* One byte past max tells a full file from a long one. */
		if (len < max)
			n = read(fd, buf + len, max - len);
		else
			n = read(fd, &extra, 1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			err(1, "%s", isstdin ? "standard input" : path);
		}
		if (n == 0)
			break;
		if (len == max)
			errx(1, "%s: larger than %zu bytes, the most a drop "
			    "file may hold", isstdin ? "standard input" :
			    path, max);
		len += n;
	}
	if (!isstdin)
		close(fd);
	if (len == 0)
		errx(1, "%s: empty; the drop takes no empty files",
		    isstdin ? "standard input" : path);
	return len;
}

/*
 * A file from the drop is anybody's bytes: to a terminal they go only
 * as text (UTF-8, no control character but tab and newline), which
 * cannot make it act.  Elsewhere, as they are.
 */
static void
write_all(const uint8_t *buf, size_t len)
{
	ssize_t		 n, bad;
	int		 ctl;

	if (isatty(STDOUT_FILENO) &&
	    (bad = utf8_bad(buf, len, 1, &ctl)) != -1)
		errx(1, "not written to a terminal: the file is not text "
		    "(%s at offset %zd); send the output to a file or a "
		    "pipe", ctl ? "a control character" : "not UTF-8", bad);
	while (len > 0) {
		if ((n = write(STDOUT_FILENO, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "stdout");
		}
		buf += n;
		len -= n;
	}
}

/*
 * Send one request and print its replies.  There is no timeout: a
 * drop request may wait minutes for the MEGA servers, the signaler
 * answers with an error when it gives up, and a daemon that goes away
 * closes the socket.
 */
static int
do_request(const char *sockpath, const struct parse_result *pr,
    const struct output *out, const uint8_t *data, size_t datalen)
{
	static struct reply_state st;
	struct sockaddr_un	 sun;
	struct imsgbuf		 ibuf;
	struct imsg		 imsg;
	struct ctl_drop_name	 dn;
	struct iovec		 iov[2];
	enum actions		 action = pr->action;
	uint32_t		 type;
	ssize_t			 n;
	int			 fd, iovcnt = 0, rv = 0;

	switch (action) {
	case SHOW_STATUS:
		type = IMSG_CTL_SHOW_STATUS;
		break;
	case SHOW_NAT:
		type = IMSG_CTL_SHOW_NAT;
		break;
	case SHOW_PEERS:
		type = IMSG_CTL_SHOW_PEERS;
		break;
	case SHOW_STATS:
		type = IMSG_CTL_SHOW_STATS;
		break;
	case RELOAD:
		type = IMSG_CTL_RELOAD;
		break;
	case SHOW_DROP:
		type = IMSG_CTL_SHOW_DROP;
		break;
	case DROP_PUT:
		type = IMSG_CTL_DROP_PUT;
		break;
	case DROP_GET:
		type = IMSG_CTL_DROP_GET;
		break;
	case DROP_RM:
		type = IMSG_CTL_DROP_RM;
		break;
	default:
		errx(1, "internal error: no request for action %d", action);
	}
	if (action == DROP_PUT || action == DROP_GET || action == DROP_RM) {
		/* The parser has checked the name already. */
		memset(&dn, 0, sizeof(dn));
		if (strlcpy(dn.name, pr->name, sizeof(dn.name)) >=
		    sizeof(dn.name))
			errx(1, "drop name too long");
		iov[iovcnt].iov_base = &dn;
		iov[iovcnt++].iov_len = sizeof(dn);
	}
	if (datalen > 0) {
		iov[iovcnt].iov_base = (void *)(uintptr_t)data;
		iov[iovcnt++].iov_len = datalen;
	}

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, sockpath, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		errx(1, "socket path too long: %s", sockpath);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		err(1, "socket");
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		err(1, "connect: %s", sockpath);

	if (imsgbuf_init(&ibuf, fd) == -1)
		err(1, "imsgbuf_init");
	if (imsg_composev(&ibuf, type, 0, getpid(), -1, iov, iovcnt) == -1)
		err(1, "imsg_compose");
	if (imsgbuf_flush(&ibuf) == -1)
		err(1, "write to %s", sockpath);

	out->head(action);
	while (!st.done) {
		switch (imsgbuf_read(&ibuf)) {
		case -1:
			err(1, "read from %s", sockpath);
		case 0:
			errx(1, "connection closed by the daemon");
		}
		while (!st.done) {
			if ((n = imsg_get(&ibuf, &imsg)) == -1)
				err(1, "invalid reply from the daemon");
			if (n == 0)
				break;
			rv = handle_reply(&imsg, action, out, &st);
			imsg_free(&imsg);
		}
	}
	/* A file is written only once it has all arrived. */
	if (rv == 0 && st.have_data)
		write_all(st.data, st.datalen);
	out->tail();
	imsgbuf_clear(&ibuf);
	close(fd);
	return rv;
}

/*
 * Check one reply against what this request may receive and hand it
 * to the output back end.  Anything unexpected ends clawctl: the
 * daemon and clawctl come from the same source, so a mismatch is a
 * bug or something else on the socket.
 */
static int
handle_reply(struct imsg *imsg, enum actions action,
    const struct output *out, struct reply_state *rs)
{
	struct ctl_status	 st;
	struct ctl_nat		 nat;
	struct ctl_nat_behaviour nb;
	struct ctl_peer		 peer;
	struct ctl_counter	 cnt;
	struct ctl_drop_state	 ds;
	struct ctl_drop_file	 df;
	struct ctl_result	 res;
	uint32_t		 type;
	size_t			 len;

	type = imsg_get_type(imsg);
	if (imsg_check(imsg, PROC_NETENGINE, PROC_CONTROL) == -1)
		errx(1, "invalid reply from the daemon: type %u (%s), "
		    "%zu bytes", type, imsg_type_name(type),
		    imsg_get_len(imsg));

	switch (type) {
	case IMSG_CTL_STATUS:
		if (action != SHOW_STATUS)
			break;
		if (imsg_get_data(imsg, &st, sizeof(st)) == -1)
			errx(1, "invalid CTL_STATUS reply: bad length");
		check_string(st.name, sizeof(st.name), "process name");
		check_string(st.user, sizeof(st.user), "user name");
		check_string(st.root, sizeof(st.root), "root directory");
		if ((st.sandbox & ~(CTL_SANDBOX_CHROOT |
		    CTL_SANDBOX_LANDLOCK | CTL_SANDBOX_NNP |
		    CTL_SANDBOX_SECCOMP | CTL_SANDBOX_NOCAPS)) != 0)
			errx(1, "invalid CTL_STATUS reply: sandbox flags "
			    "0x%x", st.sandbox);
		out->status(&st);
		return 0;
	case IMSG_CTL_NAT:
		if (action != SHOW_NAT)
			break;
		if (imsg_get_data(imsg, &nat, sizeof(nat)) == -1)
			errx(1, "invalid CTL_NAT reply: bad length");
		check_string(nat.server_name, sizeof(nat.server_name),
		    "server name");
		check_addr(&nat.server, "server address");
		check_addr(&nat.local, "local address");
		check_addr(&nat.mapped, "mapped address");
		if (nat.state > CTL_NAT_ERROR)
			errx(1, "invalid CTL_NAT reply: state %u",
			    nat.state);
		out->nat(&nat);
		return 0;
	case IMSG_CTL_NAT_BEHAVIOUR:
		if (action != SHOW_NAT)
			break;
		if (imsg_get_data(imsg, &nb, sizeof(nb)) == -1)
			errx(1, "invalid CTL_NAT_BEHAVIOUR reply: bad length");
		check_string(nb.server_name, sizeof(nb.server_name),
		    "server name");
		check_addr(&nb.server, "server address");
		check_addr(&nb.other, "other address");
		if (nb.state > CTL_NATD_FAILED || nb.mapping > CTL_NATD_APD ||
		    nb.filtering > CTL_NATD_APD)
			errx(1, "invalid CTL_NAT_BEHAVIOUR reply: state %u, "
			    "mapping %u, filtering %u", nb.state, nb.mapping,
			    nb.filtering);
		out->nat_behaviour(&nb);
		return 0;
	case IMSG_CTL_PEER:
		if (action != SHOW_PEERS)
			break;
		if (imsg_get_data(imsg, &peer, sizeof(peer)) == -1)
			errx(1, "invalid CTL_PEER reply: bad length");
		check_string(peer.name, sizeof(peer.name), "peer name");
		check_string(peer.path, sizeof(peer.path), "path kind");
		check_string(peer.timeline, sizeof(peer.timeline), "timeline");
		check_addr(&peer.endpoint, "endpoint");
		out->peer(&peer);
		return 0;
	case IMSG_CTL_COUNTER:
		if (action != SHOW_STATS)
			break;
		if (imsg_get_data(imsg, &cnt, sizeof(cnt)) == -1)
			errx(1, "invalid CTL_COUNTER reply: bad length");
		check_string(cnt.name, sizeof(cnt.name), "counter name");
		out->counter(&cnt);
		return 0;
	case IMSG_CTL_DROP_STATE:
		if (action != SHOW_DROP || rs->have_state)
			break;
		if (imsg_get_data(imsg, &ds, sizeof(ds)) == -1)
			errx(1, "invalid CTL_DROP_STATE reply: bad length");
		check_string(ds.state, sizeof(ds.state), "drop state");
		check_string(ds.account, sizeof(ds.account), "account");
		check_string(ds.folder, sizeof(ds.folder), "folder");
		check_string(ds.last_error, sizeof(ds.last_error),
		    "last error");
		rs->have_state = 1;
		out->drop_state(&ds);
		return 0;
	case IMSG_CTL_DROP_FILE:
		/* Files follow the state. */
		if (action != SHOW_DROP || !rs->have_state)
			break;
		if (imsg_get_data(imsg, &df, sizeof(df)) == -1)
			errx(1, "invalid CTL_DROP_FILE reply: bad length");
		check_string(df.name, sizeof(df.name), "file name");
		check_string(df.h, sizeof(df.h), "file handle");
		out->drop_file(&df);
		return 0;
	case IMSG_CTL_DROP_DATA:
		if (action != DROP_GET || rs->have_data)
			break;
		len = imsg_get_len(imsg);
		if (len > sizeof(rs->data))
			errx(1, "invalid CTL_DROP_DATA reply: %zu bytes", len);
		if (len > 0 && imsg_get_data(imsg, rs->data, len) == -1)
			errx(1, "invalid CTL_DROP_DATA reply: bad length");
		rs->datalen = len;
		rs->have_data = 1;
		return 0;
	case IMSG_CTL_END:
		if (action != SHOW_STATUS && action != SHOW_NAT &&
		    action != SHOW_PEERS && action != SHOW_STATS &&
		    action != SHOW_DROP && action != DROP_GET)
			break;
		if (action == SHOW_DROP && !rs->have_state)
			errx(1, "invalid reply: the drop's state is missing");
		if (action == DROP_GET && !rs->have_data)
			errx(1, "invalid reply: the file's data is missing");
		rs->done = 1;
		return 0;
	case IMSG_CTL_RESULT:
		if (imsg_get_data(imsg, &res, sizeof(res)) == -1)
			errx(1, "invalid CTL_RESULT reply: bad length");
		check_string(res.msg, sizeof(res.msg), "result message");
		rs->done = 1;
		return out->result(&res);
	}
	errx(1, "unexpected reply from the daemon: type %u (%s)", type,
	    imsg_type_name(type));
}

/*
 * The first byte of s[0..len) that is not well-formed UTF-8 (*ctl = 0)
 * or begins a control character that could drive a terminal, C1
 * controls included (*ctl = 1); tab and newline pass when text is
 * set.  -1 if there is none.
 */
static ssize_t
utf8_bad(const unsigned char *s, size_t len, int text, int *ctl)
{
	const unsigned char	*p = s, *at, *end = s + len;
	uint32_t		 cp, min = 0;
	int			 n;

	while (p < end) {
		at = p;
		*ctl = 0;
		if (*p < 0x80) {
			cp = *p++;
			n = 0;
		} else if ((*p & 0xe0) == 0xc0) {
			cp = *p++ & 0x1f;
			n = 1;
			min = 0x80;
		} else if ((*p & 0xf0) == 0xe0) {
			cp = *p++ & 0x0f;
			n = 2;
			min = 0x800;
		} else if ((*p & 0xf8) == 0xf0) {
			cp = *p++ & 0x07;
			n = 3;
			min = 0x10000;
		} else
			return at - s;
		if (n > 0) {
			for (; n > 0; n--, p++) {
				if (p >= end || (*p & 0xc0) != 0x80)
					return at - s;
				cp = cp << 6 | (*p & 0x3f);
			}
			/* Overlong forms, surrogates, beyond Unicode. */
			if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) ||
			    cp > 0x10ffff)
				return at - s;
		}
		if (text && (cp == '\t' || cp == '\n'))
			continue;
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
			*ctl = 1;
			return at - s;
		}
	}
	return -1;
}

/*
 * NUL-terminated, well-formed UTF-8 (JSON needs it), and no control
 * character that could drive a terminal.
 */
static void
check_string(const char *str, size_t size, const char *what)
{
	const unsigned char	*s = (const unsigned char *)str, *end;
	int			 ctl;

	if ((end = memchr(s, '\0', size)) == NULL)
		errx(1, "invalid reply: %s not terminated", what);
	if (utf8_bad(s, end - s, 0, &ctl) == -1)
		return;
	if (ctl)
		errx(1, "invalid reply: control character in %s", what);
	errx(1, "invalid reply: %s is not UTF-8", what);
}

static void
check_addr(const struct sockaddr_storage *ss, const char *what)
{
	if (ss->ss_family != 0 && ss->ss_family != AF_INET &&
	    ss->ss_family != AF_INET6)
		errx(1, "invalid reply: %s has address family %u", what,
		    ss->ss_family);
}
