/*
 * TURN REST credentials (the scheme of coturn's --use-auth-secret):
 * username "<unix expiry>:clawd", password base64(HMAC-SHA1(secret,
 * username)).  The shared secret stays in the parent; netengine gets
 * a credential that expires in a day, and a fresh one every 12 hours.
 */

#include <sys/types.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "clawd.h"
#include "clawd_imsg.h"
#include "log.h"
#include "parent.h"

#define TURN_CRED_VALID		(24 * 3600)	/* seconds */
#define TURN_SECRET_MAX		512		/* bytes, in the file */

/*
 * The secret is the file's first line, without trailing white space:
 * coturn takes it as a string, and an editor's newline is not part
 * of it.
 */
static ssize_t
secret_read(const char *path, uint8_t *buf, size_t size)
{
	ssize_t	 n, off = 0;
	int	 fd;

	if ((fd = secret_open(path, "turn-server secret")) == -1)
		return -1;
	while ((size_t)off < size) {
		if ((n = read(fd, buf + off, size - off)) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("turn-server secret %s", path);
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		off += n;
	}
	close(fd);
	if ((size_t)off == size) {
		log_warnx("turn-server secret %s: longer than %d bytes", path,
		    TURN_SECRET_MAX - 1);
		return -1;
	}
	for (n = 0; n < off && buf[n] != '\n' && buf[n] != '\r'; n++)
		;
	while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		n--;
	if (n == 0) {
		log_warnx("turn-server secret %s: empty", path);
		return -1;
	}
	return n;
}

int
turn_cred_make(const struct clawd_turn *t, struct imsg_conf_turn *ic)
{
	uint8_t		 secret[TURN_SECRET_MAX], mac[EVP_MAX_MD_SIZE];
	unsigned int	 maclen = 0;
	ssize_t		 slen;
	int		 n, ret = -1;

	memset(ic, 0, sizeof(*ic));
	if (strlcpy(ic->name, t->host.name, sizeof(ic->name)) >=
	    sizeof(ic->name))
		return -1;
	memcpy(&ic->ss, &t->host.ss, sizeof(ic->ss));
	if ((slen = secret_read(t->secret_file, secret,
	    sizeof(secret))) == -1)
		goto done;
	n = snprintf(ic->username, sizeof(ic->username), "%lld:clawd",
	    (long long)time(NULL) + TURN_CRED_VALID);
	if (n < 0 || (size_t)n >= sizeof(ic->username))
		goto done;
	if (HMAC(EVP_sha1(), secret, slen, (uint8_t *)ic->username, n, mac,
	    &maclen) == NULL || maclen != 20) {
		log_warnx("turn-server %s: HMAC failed", t->host.name);
		goto done;
	}
	/* 20 bytes make 28 characters of base64, and a NUL. */
	if (EVP_EncodeBlock((uint8_t *)ic->password, mac, maclen) != 28)
		goto done;
	ret = 0;
 done:
	explicit_bzero(secret, sizeof(secret));
	explicit_bzero(mac, sizeof(mac));
	if (ret == -1)
		explicit_bzero(ic, sizeof(*ic));
	return ret;
}
