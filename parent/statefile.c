/*
 * Small files of the parent's own in the state directory: read one
 * only if it is ours (a regular file, our owner, mode 0600, not too
 * large), replace one atomically (a crash leaves the old file or the
 * new one, never half of one).  What a file holds is its caller's
 * business; a file that fails a check is ignored, never trusted.
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

static int
statefile_path(char *buf, size_t len, const char *dir, const char *name)
{
	int	 n;

	n = snprintf(buf, len, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= len) {
		log_warnx("%s/%s: path too long", dir, name);
		return -1;
	}
	return 0;
}

/* The file's bytes, or 0 if there is none or it is not to be trusted. */
size_t
statefile_read(const char *dir, const char *name, void *out, size_t cap)
{
	char		 path[CLAWD_PATH_MAX];
	struct stat	 st;
	uint8_t		*buf = out;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd;

	if (statefile_path(path, sizeof(path), dir, name) == -1)
		return 0;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			log_debug("%s: none saved", path);
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
	log_debug("%s: %zu bytes", path, len);
	return len;
 bad:
	close(fd);
	explicit_bzero(buf, cap);
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
 * Replace the file with these bytes, mode 0600, through a temporary
 * file renamed over it; nothing (len 0) removes it.  -1 if it could
 * not be done, said in the log.
 */
int
statefile_write(const char *dir, const char *name, const void *data,
    size_t len)
{
	char		 path[CLAWD_PATH_MAX], tmp[CLAWD_PATH_MAX];
	const uint8_t	*buf = data;
	size_t		 off = 0;
	ssize_t		 n;
	int		 fd, r;

	if (statefile_path(path, sizeof(path), dir, name) == -1)
		return -1;
	if (len == 0) {
		if (unlink(path) == -1 && errno != ENOENT) {
			log_warn("%s: unlink", path);
			return -1;
		}
		return 0;
	}
	r = snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, name);
	if (r < 0 || (size_t)r >= sizeof(tmp)) {
		log_warnx("%s: path too long", path);
		return -1;
	}
	if (state_dir_ok(dir) == -1)
		return -1;
	if ((fd = mkstemp(tmp)) == -1) {
		log_warn("%s: mkstemp", tmp);
		return -1;
	}
	if (fchmod(fd, 0600) == -1) {
		log_warn("%s: fchmod", tmp);
		goto bad;
	}
	while (off < len) {
		if ((n = write(fd, buf + off, len - off)) == -1) {
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
	return 0;
 bad:
	if (fd != -1)
		close(fd);
	(void)unlink(tmp);
	return -1;
}
