/*
 * ibuf: growable byte buffers with a read and a write position, and an
 * optional descriptor that travels with the buffer.
 *
 * Buffers made by ibuf_from_buffer() (and ibuf_from_ibuf(),
 * ibuf_get_ibuf()) are views on memory owned by someone else: they never
 * grow, never own a descriptor and ibuf_free() leaves them alone.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/uio.h>

#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"

/* fd value marking a view on foreign memory (see above). */
#define IBUF_FD_VIEW	(-2)

static int	ibuf_grow(struct ibuf *, size_t);

struct ibuf *
ibuf_open(size_t len)
{
	struct ibuf	*buf;

	if (len == 0) {
		errno = EINVAL;
		return NULL;
	}
	if ((buf = calloc(1, sizeof(*buf))) == NULL)
		return NULL;
	if ((buf->buf = calloc(len, 1)) == NULL) {
		free(buf);
		return NULL;
	}
	buf->size = buf->max = len;
	buf->fd = -1;
	return buf;
}

struct ibuf *
ibuf_dynamic(size_t len, size_t max)
{
	struct ibuf	*buf;

	if (max == 0 || max < len) {
		errno = EINVAL;
		return NULL;
	}
	if ((buf = calloc(1, sizeof(*buf))) == NULL)
		return NULL;
	if (len > 0 && (buf->buf = calloc(len, 1)) == NULL) {
		free(buf);
		return NULL;
	}
	buf->size = len;
	buf->max = max;
	buf->fd = -1;
	return buf;
}

/*
 * Make room for at least need bytes.  recallocarray() wipes the old
 * allocation, so secrets do not linger in freed memory.
 */
static int
ibuf_grow(struct ibuf *buf, size_t need)
{
	unsigned char	*p;
	size_t		 nsize;

	if (buf->fd == IBUF_FD_VIEW || need > buf->max) {
		errno = ERANGE;
		return -1;
	}
	/* Double to keep appends amortised, but never beyond max. */
	nsize = need;
	if (buf->size < buf->max / 2 && buf->size * 2 > nsize)
		nsize = buf->size * 2;
	else if (buf->size >= buf->max / 2 && buf->max > nsize)
		nsize = buf->max;
	if (nsize == 0)
		nsize = 1;
	if ((p = recallocarray(buf->buf, buf->size, nsize, 1)) == NULL)
		return -1;
	buf->buf = p;
	buf->size = nsize;
	return 0;
}

void *
ibuf_reserve(struct ibuf *buf, size_t len)
{
	void	*p;

	if (len > SIZE_MAX - buf->wpos) {
		errno = ERANGE;
		return NULL;
	}
	if (buf->buf == NULL || buf->wpos + len > buf->size)
		if (ibuf_grow(buf, buf->wpos + len) == -1)
			return NULL;
	p = buf->buf + buf->wpos;
	buf->wpos += len;
	return p;
}

int
ibuf_add(struct ibuf *buf, const void *data, size_t len)
{
	void	*p;

	if (len == 0)
		return 0;
	if ((p = ibuf_reserve(buf, len)) == NULL)
		return -1;
	memcpy(p, data, len);
	return 0;
}

int
ibuf_add_ibuf(struct ibuf *buf, const struct ibuf *from)
{
	return ibuf_add(buf, ibuf_data(from), ibuf_size(from));
}

int
ibuf_add_zero(struct ibuf *buf, size_t len)
{
	void	*p;

	if (len == 0)
		return 0;
	if ((p = ibuf_reserve(buf, len)) == NULL)
		return -1;
	memset(p, 0, len);
	return 0;
}

/* The _n variants store in network byte order. */
int
ibuf_add_n8(struct ibuf *buf, uint64_t value)
{
	uint8_t	 v;

	if (value > UINT8_MAX) {
		errno = ERANGE;
		return -1;
	}
	v = value;
	return ibuf_add(buf, &v, sizeof(v));
}

int
ibuf_add_n16(struct ibuf *buf, uint64_t value)
{
	uint16_t	 v;

	if (value > UINT16_MAX) {
		errno = ERANGE;
		return -1;
	}
	v = htobe16(value);
	return ibuf_add(buf, &v, sizeof(v));
}

int
ibuf_add_n32(struct ibuf *buf, uint64_t value)
{
	uint32_t	 v;

	if (value > UINT32_MAX) {
		errno = ERANGE;
		return -1;
	}
	v = htobe32(value);
	return ibuf_add(buf, &v, sizeof(v));
}

int
ibuf_add_n64(struct ibuf *buf, uint64_t value)
{
	uint64_t	 v;

	v = htobe64(value);
	return ibuf_add(buf, &v, sizeof(v));
}

/* Positions are relative to the read position, as ibuf_data() is. */
void *
ibuf_seek(struct ibuf *buf, size_t pos, size_t len)
{
	size_t	 size;

	size = ibuf_size(buf);
	if (buf->buf == NULL || pos > size || len > size - pos) {
		errno = ERANGE;
		return NULL;
	}
	return buf->buf + buf->rpos + pos;
}

int
ibuf_set(struct ibuf *buf, size_t pos, const void *data, size_t len)
{
	void	*p;

	if ((p = ibuf_seek(buf, pos, len)) == NULL)
		return -1;
	if (len > 0)
		memcpy(p, data, len);
	return 0;
}

void *
ibuf_data(const struct ibuf *buf)
{
	if (buf->buf == NULL)
		return NULL;
	return buf->buf + buf->rpos;
}

size_t
ibuf_size(const struct ibuf *buf)
{
	return buf->wpos - buf->rpos;
}

size_t
ibuf_left(const struct ibuf *buf)
{
	if (buf->fd == IBUF_FD_VIEW)
		return 0;
	return buf->max - buf->wpos;
}

int
ibuf_truncate(struct ibuf *buf, size_t len)
{
	size_t	 size;

	size = ibuf_size(buf);
	if (len <= size) {
		buf->wpos = buf->rpos + len;
		return 0;
	}
	if (buf->fd == IBUF_FD_VIEW) {
		errno = ERANGE;
		return -1;
	}
	return ibuf_add_zero(buf, len - size);
}

void
ibuf_rewind(struct ibuf *buf)
{
	buf->rpos = 0;
}

void
ibuf_from_buffer(struct ibuf *buf, void *data, size_t len)
{
	memset(buf, 0, sizeof(*buf));
	buf->buf = data;
	buf->size = buf->wpos = len;
	buf->fd = IBUF_FD_VIEW;
}

void
ibuf_from_ibuf(struct ibuf *buf, const struct ibuf *from)
{
	ibuf_from_buffer(buf, ibuf_data(from), ibuf_size(from));
}

int
ibuf_get(struct ibuf *buf, void *data, size_t len)
{
	if (ibuf_size(buf) < len) {
		errno = EBADMSG;
		return -1;
	}
	if (len > 0)
		memcpy(data, ibuf_data(buf), len);
	buf->rpos += len;
	return 0;
}

int
ibuf_get_ibuf(struct ibuf *buf, size_t len, struct ibuf *new)
{
	if (ibuf_size(buf) < len) {
		errno = EBADMSG;
		return -1;
	}
	ibuf_from_buffer(new, ibuf_data(buf), len);
	buf->rpos += len;
	return 0;
}

int
ibuf_get_n8(struct ibuf *buf, uint8_t *value)
{
	return ibuf_get(buf, value, sizeof(*value));
}

int
ibuf_get_n16(struct ibuf *buf, uint16_t *value)
{
	uint16_t	 v;

	if (ibuf_get(buf, &v, sizeof(v)) == -1)
		return -1;
	*value = be16toh(v);
	return 0;
}

int
ibuf_get_n32(struct ibuf *buf, uint32_t *value)
{
	uint32_t	 v;

	if (ibuf_get(buf, &v, sizeof(v)) == -1)
		return -1;
	*value = be32toh(v);
	return 0;
}

int
ibuf_get_n64(struct ibuf *buf, uint64_t *value)
{
	uint64_t	 v;

	if (ibuf_get(buf, &v, sizeof(v)) == -1)
		return -1;
	*value = be64toh(v);
	return 0;
}

/*
 * Take a fixed-size string field of len bytes (a char array in a
 * payload struct).  It must hold its terminating NUL: a peer cannot make
 * us read past the field.
 */
int
ibuf_get_string(struct ibuf *buf, char *str, size_t len)
{
	if (len == 0) {
		errno = EINVAL;
		return -1;
	}
	if (ibuf_size(buf) < len ||
	    memchr(ibuf_data(buf), '\0', len) == NULL) {
		errno = EBADMSG;
		return -1;
	}
	memcpy(str, ibuf_data(buf), len);
	buf->rpos += len;
	return 0;
}

int
ibuf_skip(struct ibuf *buf, size_t len)
{
	if (ibuf_size(buf) < len) {
		errno = EBADMSG;
		return -1;
	}
	buf->rpos += len;
	return 0;
}

void
ibuf_free(struct ibuf *buf)
{
	int	 saved_errno;

	if (buf == NULL || buf->fd == IBUF_FD_VIEW)
		return;
	/* Callers free on their error paths: keep their errno. */
	saved_errno = errno;
	if (buf->fd >= 0)
		close(buf->fd);
	freezero(buf->buf, buf->size);
	free(buf);
	errno = saved_errno;
}

int
ibuf_fd_avail(struct ibuf *buf)
{
	return buf->fd >= 0;
}

int
ibuf_fd_get(struct ibuf *buf)
{
	int	 fd;

	if (buf->fd < 0)
		return -1;
	fd = buf->fd;
	buf->fd = -1;
	return fd;
}

/* The buffer owns fd from now on; a view cannot own one, so it is closed. */
void
ibuf_fd_set(struct ibuf *buf, int fd)
{
	if (buf->fd == IBUF_FD_VIEW) {
		if (fd >= 0)
			close(fd);
		return;
	}
	if (buf->fd >= 0)
		close(buf->fd);
	buf->fd = fd >= 0 ? fd : -1;
}
