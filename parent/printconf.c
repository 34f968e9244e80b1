/*
 * Print a parsed configuration in the clawd.conf grammar (clawd -nv).
 * Every setting is printed, defaults included, in a fixed order, so
 * that the output parses back into the same configuration and prints
 * the same again.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/queue.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "clawd.h"
#include "conf.h"
#include "key.h"

static void	print_string(const char *);
static void	print_host(const struct clawd_host *);
static void	print_prefix(const struct clawd_prefix *);

/* Quoted, with the two characters the lexer treats specially escaped. */
static void
print_string(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
	putchar('"');
}

/*
 * A numeric address is printed in its canonical form; a name as it was
 * written, since that is what the next parse resolves.
 */
static void
print_host(const struct clawd_host *h)
{
	struct in6_addr	 a6;
	struct in_addr	 a4;
	char		 buf[NI_MAXHOST];
	socklen_t	 len;

	len = h->ss.ss_family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6);
	if ((inet_pton(AF_INET, h->name, &a4) == 1 ||
	    inet_pton(AF_INET6, h->name, &a6) == 1) &&
	    getnameinfo((const struct sockaddr *)&h->ss, len, buf,
	    sizeof(buf), NULL, 0, NI_NUMERICHOST) == 0)
		print_string(buf);
	else
		print_string(h->name);
	printf(" port %u", h->port);
}

static void
print_prefix(const struct clawd_prefix *pfx)
{
	char	 buf[INET6_ADDRSTRLEN];

	if (inet_ntop(pfx->af, &pfx->addr, buf, sizeof(buf)) == NULL)
		strlcpy(buf, "?", sizeof(buf));
	printf("%s/%u", buf, pfx->plen);
}

void
print_config(struct clawd_conf *conf)
{
	struct clawd_stun	*s;
	struct clawd_turn	*t;
	struct clawd_peer	*p;
	struct clawd_prefix	*pfx;
	char			 b64[KEY_B64_SIZE];
	const char		*sep;

	printf("private-key ");
	print_string(conf->key_file);
	if (conf->listen_port == 0)
		printf("\nlisten-port random\n");
	else
		printf("\nlisten-port %u\n", conf->listen_port);
	if (conf->rotate == 0)
		printf("port-rotation never\n");
	else
		printf("port-rotation %u\n", conf->rotate);
	printf("state-directory ");
	print_string(conf->state_dir);
	putchar('\n');
	TAILQ_FOREACH(s, &conf->stuns, entry) {
		printf("stun-server ");
		print_host(&s->host);
		putchar('\n');
	}
	TAILQ_FOREACH(t, &conf->turns, entry) {
		printf("turn-server ");
		print_host(&t->host);
		printf(" secret ");
		print_string(t->secret_file);
		putchar('\n');
	}

	if (conf->mega.configured) {
		printf("\nmega {\n\tcredentials ");
		print_string(conf->mega.credentials);
		printf("\n\tfolder ");
		print_string(conf->mega.folder);
		printf("\n\tapi-url ");
		print_string(conf->mega.api_url);
		printf("\n\tca-file ");
		print_string(conf->mega.ca_file);
		printf("\n\tallow-plain-http %s\n}\n",
		    conf->mega.allow_http ? "yes" : "no");
	}

	if (conf->iface.configured) {
		printf("\ninterface ");
		print_string(conf->iface.name);
		printf(" {\n");
		TAILQ_FOREACH(pfx, &conf->iface.addrs, entry) {
			printf("\taddress ");
			print_prefix(pfx);
			putchar('\n');
		}
		printf("\tmtu %u\n}\n", conf->iface.mtu);
	}

	TAILQ_FOREACH(p, &conf->peers, entry) {
		printf("\npeer ");
		print_string(p->name);
		key_to_base64(b64, p->pubkey);
		printf(" {\n\tpublic-key \"%s\"\n", b64);
		if (p->psk_file[0] != '\0') {
			printf("\tpreshared-key ");
			print_string(p->psk_file);
			putchar('\n');
		}
		if (!TAILQ_EMPTY(&p->allowed)) {
			printf("\tallowed-ips ");
			sep = "";
			TAILQ_FOREACH(pfx, &p->allowed, entry) {
				printf("%s", sep);
				print_prefix(pfx);
				sep = ", ";
			}
			putchar('\n');
		}
		if (p->has_endpoint) {
			printf("\tendpoint ");
			print_host(&p->endpoint);
			putchar('\n');
		}
		printf("\tkeepalive %u\n", p->keepalive);
		switch (p->role) {
		case PEER_ROLE_OFFER:
			printf("\trole offer%s\n", p->on_demand ?
			    " on-demand" : "");
			break;
		case PEER_ROLE_ANSWER:
			printf("\trole answer%s\n", p->on_demand ?
			    " on-demand" : "");
			break;
		case PEER_ROLE_NONE:
			break;
		}
		printf("}\n");
	}
}
