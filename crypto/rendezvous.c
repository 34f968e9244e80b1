/*
 * Sealing and opening rendezvous messages.  A message is HPKE (RFC
 * 9180) in Auth mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
 * AES-256-GCM, from our static key to the peer's: confidential to the
 * peer, authenticated to us.  The message's name is the associated
 * data, so a message renamed in the drop does not open.  Each connection's probe key
 * is derived here from the static Diffie-Hellman value (and the
 * pre-shared key) with the connection id as salt, so netengine gets a
 * key for this connection and nothing that outlives it.
 * docs/rendezvous.md has the details.
 */

#include <sys/types.h>

#include <string.h>

#include <openssl/evp.h>

#include "clawd.h"
#include "clawd_imsg.h"
#include "log.h"
#include "proc.h"
#include "rdv_msg.h"
#include "hkdf.h"
#include "hpke.h"
#include "noise.h"
#include "crypto.h"

static const char	 rdv_info[] = "clawd rendezvous v2";
static const char	 probe_info[] = "clawd probe v1";

/* HKDF-SHA256(salt = connection id, ikm = DH || psk, info). */
static int
rendezvous_probe_key(uint8_t key[RDV_KEY_LEN],
    const struct noise_remote *nr, const uint8_t conn[RDV_ID_LEN])
{
	uint8_t		 ikm[2 * WGC_KEY_LEN];
	int		 rv;

	memcpy(ikm, nr->ss, WGC_KEY_LEN);
	memcpy(ikm + WGC_KEY_LEN, nr->psk, WGC_KEY_LEN);
	rv = hkdf_sha256(key, RDV_KEY_LEN, conn, RDV_ID_LEN, ikm,
	    sizeof(ikm), (const uint8_t *)probe_info, sizeof(probe_info) - 1);
	explicit_bzero(ikm, sizeof(ikm));
	return rv;
}

static int
rendezvous_hash(uint8_t out[RDV_HASH_LEN], const uint8_t *buf, size_t len)
{
	unsigned int	 n;

	return EVP_Digest(buf, len, out, &n, EVP_sha256(), NULL) == 1 &&
	    n == RDV_HASH_LEN ? 0 : -1;
}

static const struct noise_remote *
rendezvous_peer(uint32_t id, uint32_t *role)
{
	const struct noise_remote	*nr;
	uint32_t			 pid;
	size_t				 i;

	for (i = 0; (nr = handshake_peer(i, &pid, role)) != NULL; i++)
		if (pid == id)
			return nr;
	return NULL;
}

/* netengine's offer or response: seal it, put it, tell the key. */
void
rendezvous_seal(struct imsg *imsg)
{
	const struct noise_local	*nl;
	const struct noise_remote	*nr;
	struct imsg_rdv_seal		 hdr;
	struct imsg_rdv_key		 rk;
	struct ctl_drop_name		 dn;
	struct ibuf			 b;
	uint8_t				 pt[RDV_MSG_MAX];
	uint8_t				 blob[HPKE_NENC + RDV_MSG_MAX +
					    HPKE_NT];
	size_t				 len, ctlen;
	uint32_t			 role;

	if (imsg_get_ibuf(imsg, &b) == -1 ||
	    ibuf_get(&b, &hdr, sizeof(hdr)) == -1 ||
	    (len = ibuf_size(&b)) > sizeof(pt) ||
	    ibuf_get(&b, pt, len) == -1)
		fatalx("bad RDV_SEAL");
	hdr.name[sizeof(hdr.name) - 1] = '\0';
	if ((nl = handshake_local()) == NULL ||
	    (nr = rendezvous_peer(hdr.peer, &role)) == NULL) {
		log_warnx("rendezvous: no key for peer %u", hdr.peer);
		return;
	}
	ctlen = sizeof(blob) - HPKE_NENC;
	if (hpke_seal_auth(blob, blob + HPKE_NENC, &ctlen, nr->pub, nl->priv,
	    (const uint8_t *)rdv_info, sizeof(rdv_info) - 1,
	    (const uint8_t *)hdr.name, strlen(hdr.name), pt, len,
	    NULL) == -1) {
		log_warnx("rendezvous: sealing %s failed", hdr.name);
		explicit_bzero(pt, sizeof(pt));
		return;
	}
	explicit_bzero(pt, sizeof(pt));
	memset(&rk, 0, sizeof(rk));
	rk.peer = hdr.peer;
	memcpy(rk.conn, hdr.conn, sizeof(rk.conn));
	if (rendezvous_probe_key(rk.key, nr, hdr.conn) == -1 ||
	    rendezvous_hash(rk.hash, blob, HPKE_NENC + ctlen) == -1) {
		log_warnx("rendezvous: key derivation failed");
		return;
	}
	memset(&dn, 0, sizeof(dn));
	strlcpy(dn.name, hdr.name, sizeof(dn.name));
	proc_child_compose2(PROC_SIGNALER, IMSG_RDV_PUT, 0, &dn, sizeof(dn),
	    blob, HPKE_NENC + ctlen);
	proc_child_compose(PROC_NETENGINE, IMSG_RDV_KEY, 0, 0, -1, &rk,
	    sizeof(rk));
	explicit_bzero(&rk, sizeof(rk));
}

/*
 * A message from the drop: try the keys of the peers who may have sent
 * it (offers come from peers we answer, responses from peers we offer
 * to).  A message that opens with none is dropped quietly: the folder
 * is open to anyone with the account.
 */
void
rendezvous_open(struct imsg *imsg)
{
	const struct noise_local	*nl;
	const struct noise_remote	*nr;
	struct ctl_drop_name		 dn;
	struct imsg_rdv_in		 in;
	struct ibuf			 b;
	uint8_t				 blob[DROP_FILE_MAX];
	uint8_t				 pt[DROP_FILE_MAX];
	uint8_t				 conn[RDV_ID_LEN], kind;
	size_t				 len, ptlen, i;
	uint32_t			 id, role, want;

	if (imsg_get_ibuf(imsg, &b) == -1 ||
	    ibuf_get(&b, &dn, sizeof(dn)) == -1 ||
	    (len = ibuf_size(&b)) > sizeof(blob) ||
	    ibuf_get(&b, blob, len) == -1)
		fatalx("bad RDV_OPEN");
	dn.name[sizeof(dn.name) - 1] = '\0';
	if (rdv_name_parse(dn.name, &kind, conn) == -1 ||
	    len <= HPKE_NENC + HPKE_NT || len - HPKE_NENC - HPKE_NT >
	    RDV_MSG_MAX || (nl = handshake_local()) == NULL)
		return;
	/* Offers come from peers we answer; the rest from those we offer to. */
	want = kind == RDV_KIND_OFFER ? PEER_ROLE_ANSWER : PEER_ROLE_OFFER;
	for (i = 0; (nr = handshake_peer(i, &id, &role)) != NULL; i++) {
		if (role != want)
			continue;
		ptlen = sizeof(pt);
		if (hpke_open_auth(pt, &ptlen, blob, nl->priv, nr->pub,
		    (const uint8_t *)rdv_info, sizeof(rdv_info) - 1,
		    (const uint8_t *)dn.name, strlen(dn.name),
		    blob + HPKE_NENC, len - HPKE_NENC) == -1)
			continue;
		memset(&in, 0, sizeof(in));
		in.peer = id;
		strlcpy(in.name, dn.name, sizeof(in.name));
		memcpy(in.conn, conn, sizeof(in.conn));
		if (rendezvous_probe_key(in.key, nr, conn) == -1 ||
		    rendezvous_hash(in.hash, blob, len) == -1) {
			explicit_bzero(pt, sizeof(pt));
			return;
		}
		proc_child_compose2(PROC_NETENGINE, IMSG_RDV_IN, 0, &in,
		    sizeof(in), pt, ptlen);
		explicit_bzero(&in, sizeof(in));
		explicit_bzero(pt, sizeof(pt));
		return;
	}
	log_debug("rendezvous: %s opens with no peer's key", dn.name);
}
