/*
 * The crypto side of the WireGuard handshake: the peers' static keys
 * and pre-shared keys, one initiator handshake per peer, and the glue
 * between netengine's requests and the pure Noise code in noise.c.
 * Only session keys and indices leave this process.
 */

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clawd.h"
#include "clawd_imsg.h"
#include "key.h"
#include "log.h"
#include "proc.h"
#include "noise.h"
#include "crypto.h"

/* wireguard-go and the kernel refuse initiations closer than this. */
#define HS_MIN_INTERVAL_NS	(20 * 1000 * 1000ULL)

struct hs_peer {
	uint32_t		 id;
	uint32_t		 role;
	struct noise_remote	 remote;
	struct noise_handshake	 hs;		/* ours, as initiator */
	uint64_t		 last_init;	/* ns, accepted initiation */
};

static struct {
	struct noise_local	*local;		/* in crypto.c's locked page */
	int			 have_local;
	struct hs_peer		*peers;
	size_t			 npeers;
	struct hs_peer		*next;		/* list being received */
	size_t			 nnext;
} hsc;

static uint64_t
mono_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void
peers_free(struct hs_peer *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		noise_remote_clear(&p[i].remote);
		noise_handshake_clear(&p[i].hs);
	}
	freezero(p, n * sizeof(*p));
}

/* Our key pair changed (start-up, reload). */
void
handshake_set_local(struct noise_local *local)
{
	uint8_t	 pub[WGC_KEY_LEN], psk[WGC_KEY_LEN];
	size_t	 i;

	hsc.local = local;
	hsc.have_local = 1;
	/* Precomputed DH values depend on our key: redo them. */
	for (i = 0; i < hsc.npeers; i++) {
		memcpy(pub, hsc.peers[i].remote.pub, sizeof(pub));
		memcpy(psk, hsc.peers[i].remote.psk, sizeof(psk));
		if (noise_remote_init(&hsc.peers[i].remote, hsc.local, pub,
		    psk) == -1)
			log_warnx("peer %u: unusable public key",
			    hsc.peers[i].id);
	}
	explicit_bzero(psk, sizeof(psk));
}

/* One peer of a new list; its psk file, if any, comes as fd. */
void
handshake_conf_peer(const struct imsg_crypto_peer *cp, int fd)
{
	struct hs_peer	*np, *p;
	uint8_t		 psk[CLAWD_KEY_LEN];
	const char	*errstr;
	int		 havepsk = 0;

	if (fd != -1) {
		if (key_read_fd(fd, psk, &errstr) == -1) {
			close(fd);
			fatalx("preshared-key of peer %u: %s", cp->id, errstr);
		}
		close(fd);
		havepsk = 1;
	}
	if (hsc.nnext >= 65536)
		fatalx("too many peers");
	if ((np = recallocarray(hsc.next, hsc.nnext, hsc.nnext + 1,
	    sizeof(*np))) == NULL)
		fatal(NULL);
	hsc.next = np;
	p = &hsc.next[hsc.nnext++];
	p->id = cp->id;
	p->role = cp->role;
	if (!hsc.have_local)
		fatalx("peer before the private key");
	if (noise_remote_init(&p->remote, hsc.local, cp->pubkey,
	    havepsk ? psk : NULL) == -1)
		log_warnx("peer %u: unusable public key", cp->id);
	explicit_bzero(psk, sizeof(psk));
}

/*
 * The new list replaces the old.  A peer that stays (same public key)
 * keeps the newest timestamp it sent, so a reload cannot reopen the
 * door to a replayed initiation.
 */
void
handshake_conf_end(void)
{
	size_t	 i, j;

	for (i = 0; i < hsc.nnext; i++)
		for (j = 0; j < hsc.npeers; j++)
			if (memcmp(hsc.next[i].remote.pub,
			    hsc.peers[j].remote.pub, CLAWD_KEY_LEN) == 0) {
				memcpy(hsc.next[i].remote.last_ts,
				    hsc.peers[j].remote.last_ts,
				    sizeof(hsc.next[i].remote.last_ts));
				hsc.next[i].last_init =
				    hsc.peers[j].last_init;
			}
	peers_free(hsc.peers, hsc.npeers);
	hsc.peers = hsc.next;
	hsc.npeers = hsc.nnext;
	hsc.next = NULL;
	hsc.nnext = 0;
	log_debug("%zu peers", hsc.npeers);
}

/* For the rendezvous: the peers, our key, and each peer's. */
size_t
handshake_npeers(void)
{
	return hsc.npeers;
}

const struct noise_remote *
handshake_peer(size_t i, uint32_t *id, uint32_t *role)
{
	if (i >= hsc.npeers)
		return NULL;
	*id = hsc.peers[i].id;
	*role = hsc.peers[i].role;
	return &hsc.peers[i].remote;
}

const struct noise_local *
handshake_local(void)
{
	return hsc.have_local ? hsc.local : NULL;
}

static struct hs_peer *
peer_by_id(uint32_t id)
{
	size_t	 i;

	for (i = 0; i < hsc.npeers; i++)
		if (hsc.peers[i].id == id)
			return &hsc.peers[i];
	return NULL;
}

static struct noise_remote *
peer_by_key(const uint8_t pub[WGC_KEY_LEN], void *arg)
{
	size_t	 i;

	(void)arg;
	for (i = 0; i < hsc.npeers; i++)
		if (memcmp(hsc.peers[i].remote.pub, pub, WGC_KEY_LEN) == 0)
			return &hsc.peers[i].remote;
	return NULL;
}

static void
send_out(struct imsg_wg_hs_out *out, const struct noise_keypair *kp)
{
	if (kp != NULL) {
		out->have_keys = 1;
		out->initiator = kp->initiator;
		out->local_index = kp->local_index;
		out->remote_index = kp->remote_index;
		memcpy(out->send, kp->send, sizeof(out->send));
		memcpy(out->recv, kp->recv, sizeof(out->recv));
	}
	proc_child_compose(PROC_NETENGINE, IMSG_WG_HANDSHAKE_OUT, 0, 0, -1,
	    out, sizeof(*out));
	explicit_bzero(out, sizeof(*out));
}

void
handshake_initiate(const struct imsg_wg_initiate *wi)
{
	struct imsg_wg_hs_out	 out;
	struct hs_peer		*p;
	uint8_t			 ts[WGC_TAI64N_LEN];

	if ((p = peer_by_id(wi->id)) == NULL || !hsc.have_local) {
		log_debug("initiate: no peer %u", wi->id);
		return;
	}
	memset(&out, 0, sizeof(out));
	wgc_tai64n_now(ts);
	if (noise_create_initiation(hsc.local, &p->remote, &p->hs,
	    wi->sender, ts, NULL, &out.msg.init) == -1) {
		log_warnx("peer %u: cannot create an initiation", p->id);
		return;
	}
	out.id = p->id;
	out.type = WG_MSG_INITIATION;
	send_out(&out, NULL);
}

static void
handshake_got_initiation(const struct imsg_wg_hs_in *in)
{
	struct imsg_wg_hs_out	 out;
	struct noise_handshake	 hs;
	struct noise_keypair	 kp;
	struct noise_remote	*r;
	struct hs_peer		*p;
	uint64_t		 now = mono_ns();

	memset(&hs, 0, sizeof(hs));
	if (noise_consume_initiation(hsc.local, &in->msg.init, peer_by_key,
	    NULL, &hs, &r) == -1) {
		log_debug("initiation refused");
		return;
	}
	p = (struct hs_peer *)((char *)r - offsetof(struct hs_peer, remote));
	if (p->last_init != 0 && now - p->last_init < HS_MIN_INTERVAL_NS) {
		log_debug("peer %u: initiation flood", p->id);
		noise_handshake_clear(&hs);
		return;
	}
	p->last_init = now;
	memset(&out, 0, sizeof(out));
	if (noise_create_response(&p->remote, &hs, in->sender, NULL,
	    &out.msg.resp, &kp) == -1) {
		noise_handshake_clear(&hs);
		log_warnx("peer %u: cannot create a response", p->id);
		return;
	}
	out.id = p->id;
	out.type = WG_MSG_RESPONSE;
	send_out(&out, &kp);
	noise_keypair_clear(&kp);
}

static void
handshake_got_response(const struct imsg_wg_hs_in *in)
{
	struct imsg_wg_hs_out	 out;
	struct noise_keypair	 kp;
	struct hs_peer		*p;

	if ((p = peer_by_id(in->id)) == NULL)
		return;
	if (noise_consume_response(hsc.local, &p->remote, &p->hs,
	    &in->msg.resp, &kp) == -1) {
		log_debug("peer %u: response refused", p->id);
		return;
	}
	memset(&out, 0, sizeof(out));
	out.id = p->id;
	send_out(&out, &kp);
	noise_keypair_clear(&kp);
}

/* A message netengine received; anything wrong is dropped silently. */
void
handshake_input(const struct imsg_wg_hs_in *in)
{
	if (!hsc.have_local)
		return;
	switch (in->type) {
	case WG_MSG_INITIATION:
		handshake_got_initiation(in);
		break;
	case WG_MSG_RESPONSE:
		handshake_got_response(in);
		break;
	default:
		fatalx("netengine sent a handshake of type %u", in->type);
	}
}

void
handshake_clear(void)
{
	peers_free(hsc.peers, hsc.npeers);
	peers_free(hsc.next, hsc.nnext);
}
