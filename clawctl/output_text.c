/*
 * clawctl's text back end: one line per item in aligned columns, as
 * bgpctl prints them.  Columns widen no further than their header;
 * an unusually long value pushes the rest of its line right.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <stdio.h>
#include <string.h>

#include "clawctl.h"
#include "key.h"
#include "util.h"

static void	text_head(enum actions);
static void	text_status(const struct ctl_status *);
static void	text_nat(const struct ctl_nat *);
static void	text_nat_behaviour(const struct ctl_nat_behaviour *);
static void	text_peer(const struct ctl_peer *);
static void	text_counter(const struct ctl_counter *);
static void	text_drop_state(const struct ctl_drop_state *);
static void	text_drop_file(const struct ctl_drop_file *);
static int	text_result(const struct ctl_result *);
static void	text_tail(void);

const struct output text_output = {
	.head = text_head,
	.status = text_status,
	.nat = text_nat,
	.nat_behaviour = text_nat_behaviour,
	.peer = text_peer,
	.counter = text_counter,
	.drop_state = text_drop_state,
	.drop_file = text_drop_file,
	.result = text_result,
	.tail = text_tail,
};

static enum actions	 text_action;

#define STATUS_FMT	"%-10s %7s %-10s %-16s %s\n"
#define NAT_FMT		"%-22s %-22s %-22s %-8s %6s %6s\n"
#define PEER_FMT	"%-12s %-44s %-22s %-8s %9s %10s %10s\n"
#define DROP_FMT	"%-41s %-6s %-5s %s\n"	/* response-<32 hex> fits */

static void
text_head(enum actions action)
{
	text_action = action;
	switch (action) {
	case SHOW_STATUS:
		printf(STATUS_FMT, "NAME", "PID", "USER", "ROOT", "SANDBOX");
		break;
	case SHOW_NAT:
		printf(NAT_FMT, "SERVER", "LOCAL", "MAPPED", "STATE", "RTT",
		    "AGE");
		break;
	case SHOW_PEERS:
		printf(PEER_FMT, "NAME", "PUBLIC KEY", "ENDPOINT", "PATH",
		    "HANDSHAKE", "RX", "TX");
		break;
	default:
		break;
	}
}

static void
text_status(const struct ctl_status *st)
{
	static const struct {
		uint32_t	 flag;
		const char	*name;
	} flags[] = {
		{ CTL_SANDBOX_CHROOT,	"chroot" },
		{ CTL_SANDBOX_LANDLOCK,	"landlock" },
		{ CTL_SANDBOX_NNP,	"nnp" },
		{ CTL_SANDBOX_SECCOMP,	"seccomp" },
		{ CTL_SANDBOX_NOCAPS,	"nocaps" },
	};
	char		 sandbox[64], pid[16];
	size_t		 i;

	sandbox[0] = '\0';
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if ((st->sandbox & flags[i].flag) == 0)
			continue;
		if (sandbox[0] != '\0')
			strlcat(sandbox, ",", sizeof(sandbox));
		strlcat(sandbox, flags[i].name, sizeof(sandbox));
	}
	if (sandbox[0] == '\0')
		strlcpy(sandbox, "-", sizeof(sandbox));
	snprintf(pid, sizeof(pid), "%d", (int)st->pid);
	printf(STATUS_FMT, st->name, pid, st->user, st->root, sandbox);
}

static void
text_nat(const struct ctl_nat *n)
{
	char	 server[SA_STRLEN], local[SA_STRLEN], mapped[SA_STRLEN];
	char	 rtt[16], age[24];

	fmt_addr(&n->server, server, sizeof(server));
	fmt_addr(&n->local, local, sizeof(local));
	fmt_addr(&n->mapped, mapped, sizeof(mapped));
	/* Without an answer there is no round trip or mapping to age. */
	if (n->responses == 0)
		strlcpy(rtt, "-", sizeof(rtt));
	else
		snprintf(rtt, sizeof(rtt), "%ums", n->rtt_ms);
	if (!addr_isset(&n->mapped) || n->age < 0)
		strlcpy(age, "-", sizeof(age));
	else
		snprintf(age, sizeof(age), "%llds", (long long)n->age);
	printf(NAT_FMT, server, local, mapped, nat_state_name(n->state),
	    rtt, age);
}


/* After the servers, one line: what RFC 5780 discovery made of it. */
static void
text_nat_behaviour(const struct ctl_nat_behaviour *nb)
{
	char	 server[SA_STRLEN], step[48];

	if (nb->age < 0) {
		printf("nat: %s\n", nb->state == CTL_NATD_RUNNING ?
		    "discovery running" : "not discovered yet");
		return;
	}
	if (nb->state == CTL_NATD_UNSUPPORTED ||
	    nb->state == CTL_NATD_FAILED) {
		printf("nat: mapping %s, filtering unknown (%s)\n",
		    natd_kind_name(nb->mapping),
		    nb->state == CTL_NATD_UNSUPPORTED ?
		    "no server supports RFC 5780" : "no server answered");
		return;
	}
	step[0] = '\0';
	if (nb->port_step > 0)
		snprintf(step, sizeof(step), ", ports sequential, step %d",
		    (int)nb->port_step);
	else if (nb->port_step < 0)
		strlcpy(step, ", ports random", sizeof(step));
	fmt_addr(&nb->server, server, sizeof(server));
	printf("nat: mapping %s, filtering %s%s (server %s, %llds ago)\n",
	    natd_kind_name(nb->mapping), natd_kind_name(nb->filtering), step,
	    nb->server_name[0] != '\0' ? nb->server_name : server,
	    (long long)nb->age);
}

static void
text_peer(const struct ctl_peer *p)
{
	char	 key[KEY_B64_SIZE], ep[SA_STRLEN], hs[32], rx[24], tx[24];

	fmt_key(p->pubkey, key, sizeof(key));
	fmt_addr(&p->endpoint, ep, sizeof(ep));
	if (p->last_handshake < 0)
		strlcpy(hs, "never", sizeof(hs));
	else
		snprintf(hs, sizeof(hs), "%llds ago",
		    (long long)p->last_handshake);
	snprintf(rx, sizeof(rx), "%llu", (unsigned long long)p->rx_bytes);
	snprintf(tx, sizeof(tx), "%llu", (unsigned long long)p->tx_bytes);
	printf(PEER_FMT, p->name, key, ep, p->path, hs, rx, tx);
	/* A peer met through the drop: how the connection came about. */
	if (p->timeline[0] != '\0')
		printf("  %.*s\n", (int)sizeof(p->timeline), p->timeline);
}

static void
text_counter(const struct ctl_counter *c)
{
	printf("%-32s %20llu\n", c->name, (unsigned long long)c->value);
}

static void
text_drop_state(const struct ctl_drop_state *ds)
{
	char	 backoff[32];

	/* How changes reach us matters only once the client runs. */
	if (strcmp(ds->state, "disabled") == 0)
		printf("drop: %s\n", ds->state);
	else
		printf("drop: %s (%s%s)\n", ds->state,
		    ds->following == DROP_LISTEN_PAUSE ? "paused" :
		    ds->sc_live ? "sc live" : "polling",
		    ds->following == DROP_LISTEN_PACED ? ", paced" : "");
	printf("account: %s\n", ds->account[0] != '\0' ? ds->account : "-");
	printf("folder: %s\n", ds->folder[0] != '\0' ? ds->folder : "-");
	printf("requests %llu, errors %llu, retries %llu, logins %llu, "
	    "puts %llu, gets %llu, deletes %llu\n",
	    (unsigned long long)ds->requests,
	    (unsigned long long)ds->errors,
	    (unsigned long long)ds->retries,
	    (unsigned long long)ds->logins,
	    (unsigned long long)ds->puts,
	    (unsigned long long)ds->gets,
	    (unsigned long long)ds->deletes);
	printf("back-off: %s\n", fmt_backoff(ds->backoff_ms, backoff,
	    sizeof(backoff)));
	if (ds->last_error[0] != '\0')
		printf("last error: %s\n", ds->last_error);
	printf(DROP_FMT, "NAME", "SIZE", "AGE", "MINE");
}

static void
text_drop_file(const struct ctl_drop_file *df)
{
	char	 size[24], age[24];

	snprintf(size, sizeof(size), "%lld", (long long)df->size);
	printf(DROP_FMT, df->name, size, fmt_age(df->age, age, sizeof(age)),
	    df->mine ? "yes" : "no");
}

static const char *
text_action_name(void)
{
	switch (text_action) {
	case RELOAD:
		return "reload";
	case SHOW_DROP:
		return "show drop";
	case DROP_PUT:
		return "drop put";
	case DROP_GET:
		return "drop get";
	case DROP_RM:
		return "drop rm";
	default:
		return "request";
	}
}

static int
text_result(const struct ctl_result *r)
{
	if (r->error != 0) {
		fflush(stdout);
		fprintf(stderr, "clawctl: %s failed: %s\n",
		    text_action_name(),
		    r->msg[0] != '\0' ? r->msg : "unknown error");
		return 1;
	}
	if (text_action == RELOAD)
		printf("reload: ok\n");
	return 0;
}

static void
text_tail(void)
{
}
