/*
 * clawctl's JSON back end (jansson): the replies are collected into
 * one document and printed by tail(), so a failure part way through
 * never leaves half a document on stdout.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <err.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "clawctl.h"
#include "key.h"
#include "util.h"

static void	json_head(enum actions);
static void	json_status(const struct ctl_status *);
static void	json_nat(const struct ctl_nat *);
static void	json_nat_behaviour(const struct ctl_nat_behaviour *);
static void	json_peer(const struct ctl_peer *);
static void	json_counter(const struct ctl_counter *);
static void	json_drop_state(const struct ctl_drop_state *);
static void	json_drop_file(const struct ctl_drop_file *);
static int	json_result(const struct ctl_result *);
static void	json_tail(void);

const struct output json_output = {
	.head = json_head,
	.status = json_status,
	.nat = json_nat,
	.nat_behaviour = json_nat_behaviour,
	.peer = json_peer,
	.counter = json_counter,
	.drop_state = json_drop_state,
	.drop_file = json_drop_file,
	.result = json_result,
	.tail = json_tail,
};

static json_t	*root;
static json_t	*list;

/* Every jansson constructor can fail; clawctl cannot go on then. */
static json_t *
jcheck(json_t *j)
{
	if (j == NULL)
		errx(1, "out of memory or invalid UTF-8 in a reply");
	return j;
}

static void
jset(json_t *obj, const char *key, json_t *val)
{
	if (json_object_set_new(obj, key, jcheck(val)) == -1)
		errx(1, "json_object_set");
}

static json_t *
jaddr(const struct sockaddr_storage *ss)
{
	char	 buf[SA_STRLEN];

	if (!addr_isset(ss))
		return json_null();
	return json_string(fmt_addr(ss, buf, sizeof(buf)));
}

static void
json_head(enum actions action)
{
	root = jcheck(json_object());
	switch (action) {
	case SHOW_STATUS:
		list = jcheck(json_array());
		jset(root, "processes", list);
		break;
	case SHOW_NAT:
		list = jcheck(json_array());
		jset(root, "stun", list);
		break;
	case SHOW_PEERS:
		list = jcheck(json_array());
		jset(root, "peers", list);
		break;
	case SHOW_STATS:
		/* An object of counters, by name. */
		list = jcheck(json_object());
		jset(root, "counters", list);
		break;
	default:
		list = NULL;
		break;
	}
}

static void
json_status(const struct ctl_status *st)
{
	json_t	*o, *sb;

	o = jcheck(json_object());
	jset(o, "name", json_string(st->name));
	jset(o, "pid", json_integer(st->pid));
	jset(o, "user", json_string(st->user));
	jset(o, "uid", json_integer(st->uid));
	jset(o, "gid", json_integer(st->gid));
	jset(o, "root", json_string(st->root));
	jset(o, "uptime", json_integer((json_int_t)st->uptime));
	jset(o, "capabilities", json_string(fmt_capeff(st->capeff)));
	sb = jcheck(json_object());
	jset(sb, "chroot",
	    json_boolean(st->sandbox & CTL_SANDBOX_CHROOT));
	jset(sb, "landlock",
	    json_boolean(st->sandbox & CTL_SANDBOX_LANDLOCK));
	jset(sb, "no_new_privs",
	    json_boolean(st->sandbox & CTL_SANDBOX_NNP));
	jset(sb, "seccomp",
	    json_boolean(st->sandbox & CTL_SANDBOX_SECCOMP));
	jset(sb, "no_capabilities",
	    json_boolean(st->sandbox & CTL_SANDBOX_NOCAPS));
	jset(o, "sandbox", sb);
	if (json_array_append_new(list, o) == -1)
		errx(1, "json_array_append");
}

static void
json_nat(const struct ctl_nat *n)
{
	json_t	*o;

	o = jcheck(json_object());
	jset(o, "server", jaddr(&n->server));
	jset(o, "name", json_string(n->server_name));
	jset(o, "local", jaddr(&n->local));
	jset(o, "mapped", jaddr(&n->mapped));
	jset(o, "state", json_string(nat_state_name(n->state)));
	jset(o, "rtt_ms", json_integer(n->rtt_ms));
	jset(o, "age", json_integer(n->age));
	jset(o, "requests", json_integer(n->requests));
	jset(o, "responses", json_integer(n->responses));
	if (json_array_append_new(list, o) == -1)
		errx(1, "json_array_append");
}


static const char *
natd_state_name(uint32_t state)
{
	switch (state) {
	case CTL_NATD_RUNNING:
		return "running";
	case CTL_NATD_DONE:
		return "done";
	case CTL_NATD_UNSUPPORTED:
		return "unsupported";
	case CTL_NATD_FAILED:
		return "failed";
	default:
		return "idle";
	}
}

/*
 * "nat": the last verdict of RFC 5780 discovery.  port_step is the
 * step of a sequential allocator, "random", or null.
 */
static void
json_nat_behaviour(const struct ctl_nat_behaviour *nb)
{
	json_t	*o;

	o = jcheck(json_object());
	jset(o, "state", json_string(natd_state_name(nb->state)));
	jset(o, "mapping", json_string(natd_kind_name(nb->mapping)));
	jset(o, "filtering", json_string(natd_kind_name(nb->filtering)));
	if (nb->port_step > 0)
		jset(o, "port_step", json_integer(nb->port_step));
	else if (nb->port_step < 0)
		jset(o, "port_step", json_string("random"));
	else
		jset(o, "port_step", json_null());
	jset(o, "server", nb->server_name[0] != '\0' ?
	    json_string(nb->server_name) : json_null());
	jset(o, "server_address", jaddr(&nb->server));
	jset(o, "other_address", jaddr(&nb->other));
	jset(o, "age", nb->age < 0 ? json_null() : json_integer(nb->age));
	jset(root, "nat", o);
}

static void
json_peer(const struct ctl_peer *p)
{
	char	 key[KEY_B64_SIZE];
	json_t	*o;

	o = jcheck(json_object());
	jset(o, "name", json_string(p->name));
	jset(o, "public_key", json_string(fmt_key(p->pubkey, key,
	    sizeof(key))));
	jset(o, "endpoint", jaddr(&p->endpoint));
	jset(o, "path", json_string(p->path));
	if (p->timeline[0] != '\0')
		jset(o, "timeline", json_stringn(p->timeline,
		    strnlen(p->timeline, sizeof(p->timeline))));
	jset(o, "latest_handshake", p->last_handshake < 0 ? json_null() :
	    json_integer(p->last_handshake));
	jset(o, "rx_bytes", json_integer(p->rx_bytes));
	jset(o, "tx_bytes", json_integer(p->tx_bytes));
	jset(o, "keepalive", json_integer(p->keepalive));
	if (json_array_append_new(list, o) == -1)
		errx(1, "json_array_append");
}

static void
json_counter(const struct ctl_counter *c)
{
	jset(list, c->name, json_integer((json_int_t)c->value));
}

/* The drop's state at the top level, its files in "files". */
static void
json_drop_state(const struct ctl_drop_state *ds)
{
	jset(root, "state", json_string(ds->state));
	jset(root, "sc_live", json_boolean(ds->sc_live));
	jset(root, "following", json_boolean(ds->following !=
	    DROP_LISTEN_PAUSE));
	jset(root, "pace_ms", ds->following == DROP_LISTEN_PACED ?
	    json_integer(ds->pace_ms) : json_null());
	jset(root, "account", ds->account[0] != '\0' ?
	    json_string(ds->account) : json_null());
	jset(root, "folder", ds->folder[0] != '\0' ?
	    json_string(ds->folder) : json_null());
	jset(root, "backoff_ms", json_integer(ds->backoff_ms));
	jset(root, "last_error", ds->last_error[0] != '\0' ?
	    json_string(ds->last_error) : json_null());
	jset(root, "requests", json_integer((json_int_t)ds->requests));
	jset(root, "errors", json_integer((json_int_t)ds->errors));
	jset(root, "retries", json_integer((json_int_t)ds->retries));
	jset(root, "logins", json_integer((json_int_t)ds->logins));
	jset(root, "puts", json_integer((json_int_t)ds->puts));
	jset(root, "gets", json_integer((json_int_t)ds->gets));
	jset(root, "deletes", json_integer((json_int_t)ds->deletes));
	list = jcheck(json_array());
	jset(root, "files", list);
}

static void
json_drop_file(const struct ctl_drop_file *df)
{
	json_t	*o;

	o = jcheck(json_object());
	jset(o, "name", json_string(df->name));
	jset(o, "handle", json_string(df->h));
	jset(o, "size", json_integer(df->size));
	jset(o, "age", json_integer(df->age));
	jset(o, "mine", json_boolean(df->mine));
	if (json_array_append_new(list, o) == -1)
		errx(1, "json_array_append");
}

static int
json_result(const struct ctl_result *r)
{
	/* An error replaces whatever was collected. */
	if (r->error != 0) {
		json_decref(root);
		root = jcheck(json_object());
		list = NULL;
		jset(root, "result", json_string("error"));
		jset(root, "message", json_string(r->msg[0] != '\0' ?
		    r->msg : "unknown error"));
		return 1;
	}
	if (list == NULL)
		jset(root, "result", json_string("ok"));
	return 0;
}

static void
json_tail(void)
{
	if (json_dumpf(root, stdout, JSON_INDENT(2)) == -1)
		errx(1, "json_dumpf");
	putchar('\n');
	json_decref(root);
	root = list = NULL;
}
