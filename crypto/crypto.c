/*
 * crypto: the only process that holds the node's static private key,
 * the pre-shared keys and the MEGA account's secrets.  It has no
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

#include "clawd.h"
#include "clawd_imsg.h"
#include "key.h"
#include "log.h"
#include "proc.h"
#include "noise.h"
#include "wgcrypto.h"
#include "megacrypto.h"
#include "hkdf.h"
#include "crypto.h"

/* The static key pair, in locked memory; wiped at exit. */
static struct noise_local	*ck;

static void	crypto_dispatch(struct imsgev *, struct imsg *);

static void
crypto_wipe(void)
{
	handshake_clear();
	megakeys_clear();
	if (ck != NULL)
		noise_local_clear(ck);
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
	if (noise_local_init(ck, key) == -1) {
		explicit_bzero(key, sizeof(key));
		fatalx("private-key: not a usable X25519 key");
	}
	explicit_bzero(key, sizeof(key));
	handshake_set_local(ck);
	log_debug("private key loaded");
	memcpy(pk.key, ck->pub, sizeof(pk.key));
	proc_child_compose(PROC_PARENT, IMSG_CRYPTO_PUBKEY, 0, 0, -1, &pk,
	    sizeof(pk));
	proc_child_compose(PROC_NETENGINE, IMSG_CRYPTO_PUBKEY, 0, 0, -1, &pk,
	    sizeof(pk));
}

static void
crypto_dispatch(struct imsgev *iev, struct imsg *imsg)
{
	struct imsg_crypto_peer	 cp;
	struct imsg_wg_initiate	 wi;
	struct imsg_wg_hs_in	 hin;

	switch (imsg_get_type(imsg)) {
	case IMSG_KEY_FD:
		crypto_load_key(proc_imsg_fd(imsg));
		break;
	case IMSG_CRYPTO_PEER:
		if (imsg_get_data(imsg, &cp, sizeof(cp)) == -1)
			fatalx("bad CRYPTO_PEER");
		handshake_conf_peer(&cp, imsg_get_fd(imsg));
		break;
	case IMSG_CRYPTO_CONF_END:
		handshake_conf_end();
		break;
	case IMSG_WG_INITIATE:
		if (imsg_get_data(imsg, &wi, sizeof(wi)) == -1)
			fatalx("bad WG_INITIATE");
		handshake_initiate(&wi);
		break;
	case IMSG_WG_HANDSHAKE_IN:
		if (imsg_get_data(imsg, &hin, sizeof(hin)) == -1)
			fatalx("bad WG_HANDSHAKE_IN");
		handshake_input(&hin);
		break;
	case IMSG_MEGA_CRED_FD:
		megakeys_cred_fd(proc_imsg_fd(imsg));
		break;
	case IMSG_MEGA_SESSION_LOAD:
		megakeys_session_load(imsg);
		break;
	case IMSG_MEGA_PRELOGIN:
		megakeys_prelogin(imsg);
		break;
	case IMSG_MEGA_LOGIN:
		megakeys_login(imsg);
		break;
	case IMSG_MEGA_NODE_OPEN:
		megakeys_node_open(imsg);
		break;
	case IMSG_MEGA_NEW_FOLDER:
		megakeys_new_folder(imsg);
		break;
	case IMSG_MEGA_SEAL_FILE:
		megakeys_seal_file(imsg);
		break;
	case IMSG_MEGA_OPEN_FILE:
		megakeys_open_file(imsg);
		break;
	case IMSG_RDV_SEAL:
		rendezvous_seal(imsg);
		break;
	case IMSG_RDV_OPEN:
		rendezvous_open(imsg);
		break;
	case IMSG_DROP_READY:
		/* Behind the messages opened before it (signaler/drop.c). */
		proc_child_compose(PROC_NETENGINE, IMSG_DROP_READY, 0, 0, -1,
		    NULL, 0);
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
	if (wgc_init() == -1 || mc_init() == -1 || hkdf_init() == -1)
		fatalx("cannot initialise OpenSSL");
	megakeys_init();

	proc_child_run(PROC_CRYPTO, pw, crypto_dispatch, NULL);
}
