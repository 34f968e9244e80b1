/*
 * The parent's part of the MEGA account: it hands the crypto process
 * the credentials file as a descriptor (it never reads it itself) and
 * keeps the sealed session crypto gives it in the state directory, so
 * that a restart resumes the session instead of logging in again.  The
 * blob is opaque here: sealed under a key derived from the password,
 * which only crypto holds.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clawd.h"
#include "clawd_imsg.h"
#include "log.h"
#include "parent.h"
#include "proc.h"

#define SESSION_FILE	"mega-session"

static int
session_path(char *buf, size_t len, const char *dir, const char *name)
{
	int	 n;

	n = snprintf(buf, len, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= len) {
		log_warnx("%s/%s: path too long", dir, name);
		return -1;
	}
	return 0;
}

/*
 * The saved session, or nothing.  A file we did not write (wrong owner
 * or mode, not a regular file, too large) is ignored, not trusted: the
 * worst a missing session costs is one login.
 */
static size_t
session_read(const char *path, uint8_t *buf, size_t cap)
{
	struct stat	 st;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			log_debug("%s: no saved mega session", path);
		else
			log_warn("%s: ignored", path);
		return 0;
	}
	if (fstat(fd, &st) == -1) {
		log_warn("%s: fstat; ignored", path);
		goto bad;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		log_warnx("%s: not a regular file of ours with mode 0600; "
		    "ignored", path);
		goto bad;
	}
	if (st.st_size > (off_t)cap) {
		log_warnx("%s: larger than %zu bytes; ignored", path, cap);
		goto bad;
	}
	while (len < cap) {
		if ((n = read(fd, buf + len, cap - len)) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("%s: read; ignored", path);
			goto bad;
		}
		if (n == 0)
			break;
		len += n;
	}
	if (len != (size_t)st.st_size) {
		log_warnx("%s: changed while read; ignored", path);
		goto bad;
	}
	close(fd);
	log_debug("%s: %zu bytes of saved mega session", path, len);
	return len;
 bad:
	close(fd);
	explicit_bzero(buf, cap);
	return 0;
}

/*
 * Credentials first, then the saved session: crypto needs both before
 * it can tell the signaler whom to log in as and which session to try.
 */
int
megastate_push(struct clawd_conf *conf, struct imsgev *crypto)
{
	uint8_t		 blob[MEGA_SESSION_MAX];
	char		 path[CLAWD_PATH_MAX];
	size_t		 len = 0;
	int		 fd;

	if ((fd = secret_open(conf->mega.credentials,
	    "mega credentials")) == -1)
		return -1;
	if (imsgev_compose(crypto, IMSG_MEGA_CRED_FD, 0, 0, fd, NULL,
	    0) == -1) {
		close(fd);
		return -1;
	}
	if (session_path(path, sizeof(path), conf->state_dir,
	    SESSION_FILE) == 0)
		len = session_read(path, blob, sizeof(blob));
	imsgev_compose(crypto, IMSG_MEGA_SESSION_LOAD, 0, 0, -1,
	    len ? blob : NULL, len);
	explicit_bzero(blob, sizeof(blob));
	return 0;
}

/* The state directory: ours, private; created if missing. */
static int
state_dir_ok(const char *dir)
{
	struct stat	 st;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		log_warn("state directory %s", dir);
		return -1;
	}
	if (lstat(dir, &st) == -1) {
		log_warn("state directory %s", dir);
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		log_warnx("state directory %s: not a directory of ours "
		    "that only we can write", dir);
		return -1;
	}
	return 0;
}

/* Make a rename durable: sync the directory that holds the entry. */
static void
dir_sync(const char *dir)
{
	int	 fd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return;
	(void)fsync(fd);
	close(fd);
}

/*
 * Replace the saved session atomically: a crash leaves the old file or
 * the new one, never half of one.  Empty means forget it.
 */
void
megastate_save(const char *dir, const uint8_t *blob, size_t len)
{
	char		 path[CLAWD_PATH_MAX], tmp[CLAWD_PATH_MAX];
	size_t		 off = 0;
	ssize_t		 n;
	int		 fd;

	if (session_path(path, sizeof(path), dir, SESSION_FILE) == -1 ||
	    session_path(tmp, sizeof(tmp), dir,
	    "." SESSION_FILE ".XXXXXX") == -1)
		return;
	if (len == 0) {
		if (unlink(path) == -1 && errno != ENOENT)
			log_warn("%s: unlink", path);
		else
			log_debug("%s: mega session forgotten", path);
		return;
	}
	if (state_dir_ok(dir) == -1)
		return;
	if ((fd = mkstemp(tmp)) == -1) {
		log_warn("%s: mkstemp", tmp);
		return;
	}
	if (fchmod(fd, 0600) == -1) {
		log_warn("%s: fchmod", tmp);
		goto bad;
	}
	while (off < len) {
		if ((n = write(fd, blob + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("%s: write", tmp);
			goto bad;
		}
		off += n;
	}
	if (fsync(fd) == -1) {
		log_warn("%s: fsync", tmp);
		goto bad;
	}
	if (close(fd) == -1) {
		fd = -1;
		log_warn("%s: close", tmp);
		goto bad;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		log_warn("rename %s to %s", tmp, path);
		goto bad;
	}
	dir_sync(dir);
	log_debug("%s: mega session saved (%zu bytes)", path, len);
	return;
 bad:
	if (fd != -1)
		close(fd);
	(void)unlink(tmp);
}
