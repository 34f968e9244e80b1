/*
 * signaler: all MEGA API traffic, and nothing else.  It holds the MEGA
 * session id and the drop folder's node cache, never a password or a
 * key: crypto opens and seals, the signaler carries ciphertext.
 *
 * This file is the top layer: it dispatches to the drop (drop.c), the
 * session (mega*.c), the queue (megaq.c) and https.c, and hands the
 * drop its roles; below it no file calls one above (see mega.h).
 */

#include <sys/types.h>

#include <pwd.h>
#include <stdlib.h>

#include "clawd.h"
#include "clawd_imsg.h"
#include "log.h"
#include "proc.h"
#include "hashcash.h"
#include "signaler.h"
#include "mega.h"

/* Every answer from crypto starts with the request's number. */
static void
signaler_crypto_answer(struct imsg *imsg)
{
	struct ibuf	 b;
	uint32_t	 seq;

	/* A view: the callback reads the whole message again. */
	if (imsg_get_ibuf(imsg, &b) == -1 ||
	    ibuf_get(&b, &seq, sizeof(seq)) == -1)
		fatalx("bad %s", imsg_type_name(imsg_get_type(imsg)));
	mega_crypto_reply(seq, imsg);
}

static void
signaler_dispatch(struct imsgev *iev, struct imsg *imsg)
{
	struct imsg_https_conf		 hc;
	struct imsg_mega_conf		 mc;
	struct imsg_mega_account	 ma;
	struct imsg_mega_uh		 uh;
	struct imsg_mega_session	 ms;
	struct imsg_resolve		 ir;
	struct ctl_drop_name		 dn;
	struct imsg_drop_listen		 dl;

	switch (imsg_get_type(imsg)) {
	case IMSG_HTTPS_CONF:
		if (imsg_get_data(imsg, &hc, sizeof(hc)) == -1)
			fatalx("bad HTTPS_CONF");
		hc.url[sizeof(hc.url) - 1] = '\0';
		hc.host[sizeof(hc.host) - 1] = '\0';
		https_conf(&hc);
		break;
	case IMSG_HTTPS_CA_FD:
		https_ca(proc_imsg_fd(imsg));
		mq_kick();
		break;
	case IMSG_MEGA_CONF:
		if (imsg_get_data(imsg, &mc, sizeof(mc)) == -1)
			fatalx("bad MEGA_CONF");
		mc.folder[sizeof(mc.folder) - 1] = '\0';
		/* The roles stay as they were if the folder is refused. */
		if (mega_conf(&mc) == 0)
			drop_roles(mc.offer_peers, mc.answer_ahead,
			    mc.answer_ondemand);
		break;
	case IMSG_RESOLVED:
		if (imsg_get_data(imsg, &ir, sizeof(ir)) == -1)
			fatalx("bad RESOLVED");
		ir.host[sizeof(ir.host) - 1] = '\0';
		mq_resolved(&ir);
		break;
	case IMSG_MEGA_ACCOUNT:
		if (imsg_get_data(imsg, &ma, sizeof(ma)) == -1)
			fatalx("bad MEGA_ACCOUNT");
		ma.email[sizeof(ma.email) - 1] = '\0';
		ma.sid[sizeof(ma.sid) - 1] = '\0';
		ma.u[sizeof(ma.u) - 1] = '\0';
		mega_account(&ma);
		break;
	case IMSG_MEGA_UH:
		if (imsg_get_data(imsg, &uh, sizeof(uh)) == -1)
			fatalx("bad MEGA_UH");
		uh.uh[sizeof(uh.uh) - 1] = '\0';
		mega_uh(&uh);
		break;
	case IMSG_MEGA_SESSION:
		if (imsg_get_data(imsg, &ms, sizeof(ms)) == -1)
			fatalx("bad MEGA_SESSION");
		ms.sid[sizeof(ms.sid) - 1] = '\0';
		ms.u[sizeof(ms.u) - 1] = '\0';
		ms.err[sizeof(ms.err) - 1] = '\0';
		mega_session(&ms);
		break;
	case IMSG_MEGA_NODE_ATTR:
	case IMSG_MEGA_NEW_NODE:
	case IMSG_MEGA_SEALED:
	case IMSG_MEGA_OPENED:
		signaler_crypto_answer(imsg);
		break;
	case IMSG_RDV_PUT:
		drop_rdv_put(imsg);
		break;
	case IMSG_RDV_RM:
		if (imsg_get_data(imsg, &dn, sizeof(dn)) == -1)
			fatalx("bad RDV_RM");
		dn.name[sizeof(dn.name) - 1] = '\0';
		drop_rdv_rm(dn.name);
		break;
	case IMSG_DROP_LISTEN:
		if (imsg_get_data(imsg, &dl, sizeof(dl)) == -1)
			fatalx("bad DROP_LISTEN");
		if (dl.listen > DROP_LISTEN_PACED || dl.ready > 1)
			fatalx("bad DROP_LISTEN");
		mega_listen(dl.listen, dl.ready);
		break;
	case IMSG_CTL_SHOW_DROP:
	case IMSG_CTL_DROP_PUT:
	case IMSG_CTL_DROP_GET:
	case IMSG_CTL_DROP_RM:
		drop_ctl(imsg);
		break;
	default:
		proc_unexpected(iev, imsg);
	}
}

/* The session first, then the drop, which subscribes to its events. */
static void
signaler_init(void)
{
	mega_init();
	drop_init();
}

void
signaler_main(const struct passwd *pw)
{
	/* libcurl and OpenSSL read their files now, never again. */
	https_init();
	if (hashcash_init() == -1)
		fatalx("cannot initialise OpenSSL");
	/* Timers need the event base: set up once the channels are. */
	proc_child_run(PROC_SIGNALER, pw, signaler_dispatch,
	    signaler_init);
}
