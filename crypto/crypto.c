/*
 * crypto: the only process that holds the node's static private key
 * (and, in later work, pre-shared keys and MEGA's keys).  It has no
 * network, no files and no socket but its imsg channels; the parent
 * hands it the key file as an open descriptor.
 */

#include <sys/types.h>
#include <sys/mman.h>

#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event.h>
#include <openssl/crypto.h>

#include "clawd.h"
#include "clawd_imsg.h"
#include "key.h"
#include "log.h"
#include "proc.h"
#include "crypto.h"

/* The static key; wiped on replacement and at exit. */
static struct {
	uint8_t		 priv[CLAWD_KEY_LEN];
	uint8_t		 pub[CLAWD_KEY_LEN];
	int		 loaded;
} *ck;

static void	crypto_dispatch(struct imsgev *, struct imsg *);

static void
crypto_wipe(void)
{
	if (ck != NULL)
		explicit_bzero(ck, sizeof(*ck));
}

static void
crypto_load_key(int fd)
{
	struct imsg_pubkey	 pk;
	uint8_t			 key[CLAWD_KEY_LEN];
	const char		*errstr;

	if (key_read_fd(fd, key, &errstr) == -1) {
		close(fd);
		/* The parent checked the file; garbage in it is fatal. */
		fatalx("private-key: %s", errstr);
	}
	close(fd);
	if (key_public(pk.key, key) == -1) {
		explicit_bzero(key, sizeof(key));
		fatalx("private-key: cannot derive the public key");
	}
	memcpy(ck->priv, key, sizeof(ck->priv));
	memcpy(ck->pub, pk.key, sizeof(ck->pub));
	explicit_bzero(key, sizeof(key));
	ck->loaded = 1;
	log_debug("private key loaded");
	proc_child_compose(PROC_PARENT, IMSG_CRYPTO_PUBKEY, 0, 0, -1, &pk,
	    sizeof(pk));
}

static void
crypto_dispatch(struct imsgev *iev, struct imsg *imsg)
{
	switch (imsg_get_type(imsg)) {
	case IMSG_KEY_FD:
		crypto_load_key(proc_imsg_fd(imsg));
		break;
	default:
		proc_unexpected(iev, imsg);
	}
}

void
crypto_main(const struct passwd *pw)
{
	/* Keys live in locked memory, never in swap or a core file. */
	if ((ck = mmap(NULL, sizeof(*ck), PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) == MAP_FAILED)
		fatal("mmap");
	(void)mlock(ck, sizeof(*ck));
	(void)madvise(ck, sizeof(*ck), MADV_DONTDUMP);
	atexit(crypto_wipe);
	/* Load OpenSSL's algorithms before the file system goes away. */
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);

	proc_child_run(PROC_CRYPTO, pw, crypto_dispatch, NULL);
}
