/*
 * The clawd.conf grammar.  The parser reports every error it finds as
 * "file:line: message" on stderr and keeps going, so that one run shows
 * all of them; parse_config() returns NULL if there was any.
 *
 * Secret files (private-key, preshared-key, TURN secret, MEGA
 * credentials) are only named here: the parent opens and checks them
 * later, so that a syntax check never touches a secret.
 */

%{
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/queue.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clawd.h"
#include "conf.h"
#include "key.h"
#include "log.h"

#define MAXPUSHBACK	1024	/* macro expansion and look-ahead */
#define MAXINCLUDE	8	/* nesting depth; also stops include loops */
#define MAXWORD		8192

#define ROTATE_MAX	604800	/* a week */
#define MTU_MIN		576
#define MTU_MIN6	1280
#define MTU_MAX		9000
#define MTU_DEFAULT	1420
#define KEEPALIVE_ROLE	25

/* Where a keyword may start a statement. */
#define CTX_TOP		0x01
#define CTX_MEGA	0x02
#define CTX_IFACE	0x04
#define CTX_PEER	0x08

struct file {
	TAILQ_ENTRY(file)	 entry;		/* include stack */
	TAILQ_ENTRY(file)	 all;		/* freed after the parse */
	FILE			*stream;
	char			*name;
	int			 lineno;
	int			 lastc;		/* to find the last line */
	int			 depth;
	int			 expanding;	/* no macros inside a macro */
	int			 pbindex;
	unsigned char		 pushback[MAXPUSHBACK];
};
TAILQ_HEAD(files, file);

struct sym {
	TAILQ_ENTRY(sym)	 entry;
	int			 persist;	/* from -D, beats the file */
	char			*nam;
	char			*val;
};
TAILQ_HEAD(syms, sym);

/* Where each peer was written, for the checks made after the parse. */
struct peerinfo {
	TAILQ_ENTRY(peerinfo)	 entry;
	struct clawd_peer	*peer;
	const char		*file;
	int			 line;
	int			 role_line;
	int			 has_key;
	int			 keepalive_set;
	int			 errors;	/* before the block */
};
TAILQ_HEAD(peerinfos, peerinfo);

static struct files		 files = TAILQ_HEAD_INITIALIZER(files);
static struct files		 allfiles = TAILQ_HEAD_INITIALIZER(allfiles);
static struct syms		 symhead = TAILQ_HEAD_INITIALIZER(symhead);
static struct peerinfos		 peerinfos = TAILQ_HEAD_INITIALIZER(peerinfos);
static struct file		*file, *topfile;
static struct clawd_conf	*conf;
static struct peerinfo		*curpi;
static int			 errors;
static int			 lexerr;	/* lexer already said why */
static int			 lasttok;
static int			 inlist;	/* newlines after ',' */
static int			 stmtkw;	/* the statement's keyword */
static int			 ctx;		/* block the lexer is in */
static int			 pending_nl;
static int			 block_line;
static int			 block_errors;	/* before the block */
static int			 mtu_line;
static int			 apiurl_line;
static int			 has_private_key;

int		 yyparse(void);
static int	 yylex(void);
static int	 yyerror(const char *, ...)
		    __attribute__((__format__ (printf, 1, 2)));
static void	 yyerror_at(int, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
static void	 yyerror_file(const char *, int, const char *, ...)
		    __attribute__((__format__ (printf, 3, 4)));
static void	 vyyerror(const char *, int, const char *, va_list)
		    __attribute__((__format__ (printf, 3, 0)));
static int	 kw_lookup(const char *, int *);
static const char *kw_name(int);
static int	 lgetc(int);
static void	 lungetc(int);
static int	 lexerror(void);
static int	 peek_nonblank(void);
static struct file *pushfile(const char *, int);
static void	 popfile(void);
static int	 symset(const char *, const char *, int);
static char	*symget(const char *);
static void	 macro_set(int, const char *, const char *);
static int	 check_path(int, const char *, const char *, char *, size_t);
static int	 check_port(int, long long);
static int	 host_set(int, struct clawd_host *, const char *, uint16_t);
static int	 prefix_parse(int, const char *, struct clawd_prefix *);
static int	 prefix_equal(const struct clawd_prefix *,
		    const struct clawd_prefix *);
static int	 prefix_hostbits(const struct clawd_prefix *);
static const char *prefix_str(const struct clawd_prefix *);
static void	 prefixes_free(struct clawd_prefixes *);
static void	 peer_new(int, char *);
static void	 peer_end(void);
static void	 peer_allowed(int, const char *);
static void	 iface_address(int, const char *);
static void	 iface_end(void);
static void	 mega_end(void);
static void	 conf_end(void);

%}

%union {
	long long	 number;
	char		*string;
}

%locations

%token	ADDRESS ALLOWEDIPS ALLOWPLAINHTTP ANSWER APIURL CAFILE CREDENTIALS
%token	ENDPOINT FOLDER INCLUDE INTERFACE KEEPALIVE LISTENPORT MEGA MTU
%token	NEVER NO OFFER ONDEMAND PEER PORT PORTROTATION PRESHAREDKEY PRIVATEKEY
%token	PUBLICKEY RANDOM ROLE SECRET STATEDIRECTORY STUNSERVER TURNSERVER
%token	YES ERROR
%token	<string>	STRING
%token	<number>	NUMBER
%type	<number>	yesno optport optondemand

%destructor { free($$); } <string>

%%

grammar		: /* empty */
		| grammar '\n'
		| grammar include '\n'
		| grammar varset '\n'
		| grammar main '\n'
		| grammar megablock '\n'
		| grammar ifaceblock '\n'
		| grammar peerblock '\n'
		| grammar error '\n'		{ yyerrok; }
		;

include		: INCLUDE STRING {
			struct file	*nfile;

			if ((nfile = pushfile($2, @2.first_line)) != NULL) {
				file = nfile;
				/* ends the include statement in the new file */
				pending_nl = 1;
			}
			free($2);
		}
		;

varset		: STRING '=' STRING {
			macro_set(@1.first_line, $1, $3);
			free($1);
			free($3);
		}
		| STRING '=' NUMBER {
			char		 buf[32];

			snprintf(buf, sizeof(buf), "%lld", $3);
			macro_set(@1.first_line, $1, buf);
			free($1);
		}
		;

optnl		: /* empty */
		| optnl '\n'
		;

yesno		: YES		{ $$ = 1; }
		| NO		{ $$ = 0; }
		;

optport		: /* empty */	{ $$ = 0; }
		| PORT NUMBER {
			if (check_port(@2.first_line, $2) == -1)
				$$ = -1;
			else
				$$ = $2;
		}
		;

main		: PRIVATEKEY STRING {
			check_path(@2.first_line, "private-key", $2,
			    conf->key_file, sizeof(conf->key_file));
			has_private_key = 1;
			free($2);
		}
		| LISTENPORT NUMBER {
			if (check_port(@2.first_line, $2) == 0)
				conf->listen_port = $2;
		}
		| LISTENPORT RANDOM {
			conf->listen_port = 0;
		}
		| PORTROTATION NUMBER {
			if ($2 < CLAWD_ROTATE_MIN || $2 > ROTATE_MAX)
				yyerror_at(@2.first_line,
				    "port-rotation %lld out of range (%d..%d)",
				    $2, CLAWD_ROTATE_MIN, ROTATE_MAX);
			else
				conf->rotate = $2;
		}
		| PORTROTATION NEVER {
			conf->rotate = 0;
		}
		| STATEDIRECTORY STRING {
			check_path(@2.first_line, "state-directory", $2,
			    conf->state_dir, sizeof(conf->state_dir));
			free($2);
		}
		| STUNSERVER STRING optport {
			struct clawd_stun	*s;

			if ((s = calloc(1, sizeof(*s))) == NULL)
				fatal(NULL);
			if ($3 != -1 && host_set(@2.first_line, &s->host, $2,
			    $3 == 0 ? STUN_DEFAULT_PORT : $3) == 0)
				TAILQ_INSERT_TAIL(&conf->stuns, s, entry);
			else
				free(s);
			free($2);
		}
		| TURNSERVER STRING optport SECRET STRING {
			struct clawd_turn	*t;

			if ((t = calloc(1, sizeof(*t))) == NULL)
				fatal(NULL);
			if ($3 != -1 && host_set(@2.first_line, &t->host, $2,
			    $3 == 0 ? STUN_DEFAULT_PORT : $3) == 0 &&
			    check_path(@5.first_line, "secret", $5,
			    t->secret_file, sizeof(t->secret_file)) == 0)
				TAILQ_INSERT_TAIL(&conf->turns, t, entry);
			else
				free(t);
			free($2);
			free($5);
		}
		;

megablock	: MEGA {
			block_line = @1.first_line;
			block_errors = errors;
			apiurl_line = 0;
			if (conf->mega.configured)
				yyerror_at(@1.first_line,
				    "mega block given twice");
			conf->mega.configured = 1;
			conf->mega.credentials[0] = '\0';
		} '{' megaopts_l '}' {
			mega_end();
		}
		;

megaopts_l	: /* empty */
		| megaopts_l '\n'
		| megaopts_l megaopt '\n'
		| megaopts_l error '\n'	{ yyerrok; }
		;

megaopt		: CREDENTIALS STRING {
			check_path(@2.first_line, "credentials", $2,
			    conf->mega.credentials,
			    sizeof(conf->mega.credentials));
			free($2);
		}
		| FOLDER STRING {
			if ($2[0] != '/')
				yyerror_at(@2.first_line,
				    "folder \"%s\" is not absolute", $2);
			else if (strlcpy(conf->mega.folder, $2,
			    sizeof(conf->mega.folder)) >=
			    sizeof(conf->mega.folder))
				yyerror_at(@2.first_line, "folder too long");
			free($2);
		}
		| APIURL STRING {
			apiurl_line = @2.first_line;
			if (strncmp($2, "https://", 8) != 0 &&
			    strncmp($2, "http://", 7) != 0)
				yyerror_at(@2.first_line,
				    "api-url \"%s\" is not an http or "
				    "https URL",
				    $2);
			else if (strlcpy(conf->mega.api_url, $2,
			    sizeof(conf->mega.api_url)) >=
			    sizeof(conf->mega.api_url))
				yyerror_at(@2.first_line, "api-url too long");
			free($2);
		}
		| CAFILE STRING {
			check_path(@2.first_line, "ca-file", $2,
			    conf->mega.ca_file, sizeof(conf->mega.ca_file));
			free($2);
		}
		| ALLOWPLAINHTTP yesno {
			conf->mega.allow_http = $2;
		}
		;

ifaceblock	: INTERFACE STRING {
			const char	*s;

			block_line = @1.first_line;
			mtu_line = 0;
			if (conf->iface.configured)
				yyerror_at(@1.first_line,
				    "interface block given twice");
			conf->iface.configured = 1;
			/* Linux interface names: IFNAMSIZ 16, no '/'. */
			for (s = $2; *s != '\0'; s++)
				if (!isalnum((unsigned char)*s) &&
				    strchr("-_.", *s) == NULL)
					break;
			if (*s != '\0' || s == $2 || s - $2 > 15)
				yyerror_at(@2.first_line,
				    "invalid interface name \"%s\"", $2);
			else
				strlcpy(conf->iface.name, $2,
				    sizeof(conf->iface.name));
			free($2);
			$2 = NULL;
		} '{' ifaceopts_l '}' {
			iface_end();
		}
		;

ifaceopts_l	: /* empty */
		| ifaceopts_l '\n'
		| ifaceopts_l ifaceopt '\n'
		| ifaceopts_l error '\n'	{ yyerrok; }
		;

ifaceopt	: ADDRESS STRING {
			iface_address(@2.first_line, $2);
			free($2);
		}
		| MTU NUMBER {
			mtu_line = @2.first_line;
			if ($2 < MTU_MIN || $2 > MTU_MAX)
				yyerror_at(@2.first_line,
				    "mtu %lld out of range (%d..%d)", $2,
				    MTU_MIN, MTU_MAX);
			else
				conf->iface.mtu = $2;
		}
		;

peerblock	: PEER STRING {
			peer_new(@2.first_line, $2);
			/* error recovery may still pop it */
			free($2);
			$2 = NULL;
		} '{' peeropts_l '}' {
			peer_end();
		}
		;

peeropts_l	: /* empty */
		| peeropts_l '\n'
		| peeropts_l peeropt '\n'
		| peeropts_l error '\n'	{ yyerrok; }
		;

peeropt		: PUBLICKEY STRING {
			struct peerinfo	*pi;
			struct clawd_peer *p = curpi->peer;

			if (key_from_base64(p->pubkey, $2) == -1)
				yyerror_at(@2.first_line, "invalid public-key");
			else
				curpi->has_key = 1;
			TAILQ_FOREACH(pi, &peerinfos, entry) {
				if (pi == curpi || !pi->has_key ||
				    !curpi->has_key)
					continue;
				if (memcmp(pi->peer->pubkey, p->pubkey,
				    CLAWD_KEY_LEN) == 0) {
					yyerror_at(@2.first_line,
					    "public-key already used by peer"
					    " \"%s\"", pi->peer->name);
					break;
				}
			}
			free($2);
		}
		| PRESHAREDKEY STRING {
			check_path(@2.first_line, "preshared-key", $2,
			    curpi->peer->psk_file,
			    sizeof(curpi->peer->psk_file));
			free($2);
		}
		| ALLOWEDIPS prefixlist
		| ENDPOINT STRING optport {
			struct clawd_peer *p = curpi->peer;

			if ($3 == 0)
				yyerror_at(@2.first_line,
				    "endpoint needs a port");
			else if ($3 != -1 && host_set(@2.first_line,
			    &p->endpoint, $2, $3) == 0)
				p->has_endpoint = 1;
			free($2);
		}
		| KEEPALIVE NUMBER {
			curpi->keepalive_set = 1;
			if ($2 > CLAWD_KEEPALIVE_MAX)
				yyerror_at(@2.first_line,
				    "keepalive %lld out of range (0..%d)",
				    $2, CLAWD_KEEPALIVE_MAX);
			else
				curpi->peer->keepalive = $2;
		}
		| ROLE OFFER optondemand {
			curpi->role_line = @1.first_line;
			curpi->peer->role = PEER_ROLE_OFFER;
			curpi->peer->on_demand = $3;
		}
		| ROLE ANSWER optondemand {
			curpi->role_line = @1.first_line;
			curpi->peer->role = PEER_ROLE_ANSWER;
			curpi->peer->on_demand = $3;
		}
		;

optondemand	: /* empty */		{ $$ = 0; }
		| ONDEMAND		{ $$ = 1; }
		;

prefixlist	: STRING {
			peer_allowed(@1.first_line, $1);
			free($1);
		}
		| prefixlist ',' optnl STRING {
			peer_allowed(@4.first_line, $4);
			free($4);
		}
		;

%%

struct keyword {
	const char	*name;
	int		 token;
	int		 where;		/* CTX_*: may start a statement */
};

/* Sorted for bsearch(3). */
static const struct keyword keywords[] = {
	{ "address",		ADDRESS,	CTX_IFACE },
	{ "allow-plain-http",	ALLOWPLAINHTTP,	CTX_MEGA },
	{ "allowed-ips",	ALLOWEDIPS,	CTX_PEER },
	{ "answer",		ANSWER,		0 },
	{ "api-url",		APIURL,		CTX_MEGA },
	{ "ca-file",		CAFILE,		CTX_MEGA },
	{ "credentials",	CREDENTIALS,	CTX_MEGA },
	{ "endpoint",		ENDPOINT,	CTX_PEER },
	{ "folder",		FOLDER,		CTX_MEGA },
	{ "include",		INCLUDE,	CTX_TOP },
	{ "interface",		INTERFACE,	CTX_TOP },
	{ "keepalive",		KEEPALIVE,	CTX_PEER },
	{ "listen-port",	LISTENPORT,	CTX_TOP },
	{ "mega",		MEGA,		CTX_TOP },
	{ "mtu",		MTU,		CTX_IFACE },
	{ "never",		NEVER,		0 },
	{ "no",			NO,		0 },
	{ "offer",		OFFER,		0 },
	{ "on-demand",		ONDEMAND,	CTX_PEER },
	{ "peer",		PEER,		CTX_TOP },
	{ "port",		PORT,		0 },
	{ "port-rotation",	PORTROTATION,	CTX_TOP },
	{ "preshared-key",	PRESHAREDKEY,	CTX_PEER },
	{ "private-key",	PRIVATEKEY,	CTX_TOP },
	{ "public-key",		PUBLICKEY,	CTX_PEER },
	{ "random",		RANDOM,		0 },
	{ "role",		ROLE,		CTX_PEER },
	{ "secret",		SECRET,		0 },
	{ "state-directory",	STATEDIRECTORY,	CTX_TOP },
	{ "stun-server",	STUNSERVER,	CTX_TOP },
	{ "turn-server",	TURNSERVER,	CTX_TOP },
	{ "yes",		YES,		0 }
};

static int
kw_cmp(const void *k, const void *e)
{
	return strcmp(k, ((const struct keyword *)e)->name);
}

static int
kw_lookup(const char *s, int *where)
{
	const struct keyword	*kw;

	kw = bsearch(s, keywords, sizeof(keywords) / sizeof(keywords[0]),
	    sizeof(keywords[0]), kw_cmp);
	if (kw == NULL)
		return STRING;
	*where = kw->where;
	return kw->token;
}

static const char *
kw_name(int token)
{
	size_t	 i;

	for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (keywords[i].token == token)
			return keywords[i].name;
	return "?";
}

/* Through the log, so that a reload's errors reach syslog too. */
static void
vyyerror(const char *fname, int line, const char *fmt, va_list ap)
{
	char	 msg[512];

	errors++;
	if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
		msg[0] = '\0';
	log_warnx("%s:%d: %s", fname, line, msg);
}

/* Called by the parser, with the line of the look-ahead token. */
static int
yyerror(const char *fmt, ...)
{
	va_list	 ap;

	/* The lexer has reported this token already. */
	if (lexerr && strcmp(fmt, "syntax error") == 0) {
		lexerr = 0;
		return 0;
	}
	va_start(ap, fmt);
	vyyerror(file->name, yylloc.first_line, fmt, ap);
	va_end(ap);
	return 0;
}

static void
yyerror_at(int line, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vyyerror(file->name, line, fmt, ap);
	va_end(ap);
}

static void
yyerror_file(const char *fname, int line, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vyyerror(fname, line, fmt, ap);
	va_end(ap);
}

static int
lgetc(int quoted)
{
	int	 c, next;

	if (file->pbindex > 0) {
		c = file->pushback[--file->pbindex];
		if (file->pbindex == 0)
			file->expanding = 0;
		return c;
	}
	c = getc(file->stream);
	if (c != EOF)
		file->lastc = c;
	if (quoted || c != '\\')
		return c;
	/* Backslash-newline outside quotes continues the line. */
	next = getc(file->stream);
	if (next != '\n') {
		if (next != EOF)
			ungetc(next, file->stream);
		return c;
	}
	file->lastc = next;
	file->lineno++;
	return ' ';
}

static void
lungetc(int c)
{
	if (c == EOF)
		return;
	if (file->pbindex < MAXPUSHBACK)
		file->pushback[file->pbindex++] = c;
}

/* Report nothing more on this line: skip to its end. */
static int
lexerror(void)
{
	int	 c;

	while ((c = lgetc(0)) != '\n' && c != EOF)
		;
	lungetc(c);
	lexerr = 1;
	return ERROR;
}

static int
peek_nonblank(void)
{
	int	 c;

	while ((c = lgetc(0)) == ' ' || c == '\t')
		;
	lungetc(c);
	return c;
}

static int
word_char(int c)
{
	return c != EOF && (isalnum(c) || strchr("-_./:+@%~*[]!?", c) != NULL);
}

static int
yylex_token(void)
{
	char		 buf[MAXWORD];
	const char	*errstr;
	char		*p, *val;
	int		 c, next, token, where, start, line, i;

	if (pending_nl) {
		pending_nl = 0;
		yylloc.first_line = yylloc.last_line = file->lineno;
		return '\n';
	}
	start = (lasttok == 0 || lasttok == '\n' || lasttok == '{') &&
	    !inlist;
top:
	p = buf;
	while ((c = lgetc(0)) == ' ' || c == '\t')
		;
	line = file->lineno;
	yylloc.first_line = yylloc.last_line = line;
	if (c == '#')
		while ((c = lgetc(0)) != '\n' && c != EOF)
			;

	if (c == '$' && !file->expanding) {
		while ((c = lgetc(0)) != EOF &&
		    (isalnum(c) || c == '_')) {
			if (p + 1 >= buf + sizeof(buf)) {
				yyerror_at(line, "macro name too long");
				return lexerror();
			}
			*p++ = c;
		}
		*p = '\0';
		lungetc(c);
		if ((val = symget(buf)) == NULL) {
			yyerror_at(line, "macro \"%s\" not defined", buf);
			return lexerror();
		}
		if (strlen(val) > MAXPUSHBACK - (size_t)file->pbindex) {
			yyerror_at(line, "macro \"%s\" too long", buf);
			return lexerror();
		}
		for (i = strlen(val) - 1; i >= 0; i--)
			lungetc((unsigned char)val[i]);
		file->expanding = 1;
		goto top;
	}

	switch (c) {
	case EOF:
		if (lasttok != '\n' && lasttok != 0)
			return '\n';	/* a last line without newline */
		if (file == topfile)
			return 0;
		popfile();
		goto top;
	case '\n':
		file->lineno++;
		return '\n';
	case '{':
		switch (stmtkw) {
		case MEGA:
			ctx = CTX_MEGA;
			break;
		case INTERFACE:
			ctx = CTX_IFACE;
			break;
		case PEER:
			ctx = CTX_PEER;
			break;
		}
		return c;
	case '}':
		/*
		 * End the last statement of a one-line block; it also keeps
		 * error recovery, which skips to a newline, from eating the
		 * brace and leaving the parser inside the block.
		 */
		if (lasttok != '\n' && lasttok != '{' && lasttok != 0) {
			lungetc(c);
			return '\n';
		}
		ctx = CTX_TOP;
		return c;
	case ',':
	case '=':
		return c;
	case '"':
		for (;;) {
			if ((c = lgetc(1)) == EOF || c == '\n') {
				yyerror_at(line, "unterminated quoted string");
				lungetc(c);
				lexerr = 1;
				return ERROR;
			}
			if (c == '\\') {
				next = lgetc(1);
				if (next == '\n') {
					file->lineno++;
					continue;
				}
				if (next == '"' || next == '\\')
					c = next;
				else
					lungetc(next);
			} else if (c == '"')
				break;
			else if (c == '\0') {
				yyerror_at(line, "NUL in quoted string");
				return lexerror();
			}
			if (p + 1 >= buf + sizeof(buf)) {
				yyerror_at(line, "string too long");
				return lexerror();
			}
			*p++ = c;
		}
		*p = '\0';
		if ((yylval.string = strdup(buf)) == NULL)
			fatal("%s", __func__);
		return STRING;
	}

	if (!word_char(c)) {
		if (isprint(c))
			yyerror_at(line, "unexpected character '%c'", c);
		else
			yyerror_at(line, "unexpected character 0x%02x", c);
		return lexerror();
	}
	do {
		if (p + 1 >= buf + sizeof(buf)) {
			yyerror_at(line, "string too long");
			return lexerror();
		}
		*p++ = c;
		c = lgetc(0);
		/* '=' ends a macro name, but is part of a base64 value. */
	} while (word_char(c) || (c == '=' && !start));
	lungetc(c);
	*p = '\0';

	if (strspn(buf, "0123456789") == strlen(buf)) {
		yylval.number = strtonum(buf, 0, INT_MAX, &errstr);
		if (errstr != NULL) {
			yyerror_at(line, "number %s is %s", buf, errstr);
			return lexerror();
		}
		return NUMBER;
	}

	token = kw_lookup(buf, &where);
	if (token != STRING) {
		if (start && where != 0 && (where & ctx) == 0) {
			yyerror_at(line, "%s is not valid %s", buf,
			    ctx == CTX_TOP ? "at top level" :
			    ctx == CTX_MEGA ? "in a mega block" :
			    ctx == CTX_IFACE ? "in an interface block" :
			    "in a peer block");
			return lexerror();
		}
		if (start)
			stmtkw = token;
		return token;
	}
	if (start && peek_nonblank() != '=') {
		yyerror_at(line, "unknown keyword \"%s\"", buf);
		return lexerror();
	}
	if ((yylval.string = strdup(buf)) == NULL)
		fatal("%s", __func__);
	return STRING;
}

static int
yylex(void)
{
	int	 token;

	lexerr = 0;
	token = yylex_token();
	if (token == ERROR)
		lexerr = 1;
	if (token == ',')
		inlist = 1;
	else if (token != '\n')
		inlist = 0;
	lasttok = token;
	return token;
}

static struct file *
pushfile(const char *name, int line)
{
	struct file	*nfile;
	char		*path;
	const char	*slash;
	size_t		 len;
	int		 depth = 0;

	if (file != NULL) {
		depth = file->depth + 1;
		if (depth > MAXINCLUDE) {
			yyerror_at(line, "include nested too deeply");
			return NULL;
		}
	}
	/* A relative include is relative to the including file. */
	if (file != NULL && name[0] != '/' &&
	    (slash = strrchr(file->name, '/')) != NULL) {
		len = (slash - file->name) + 1 + strlen(name) + 1;
		if ((path = malloc(len)) == NULL)
			fatal("%s", __func__);
		snprintf(path, len, "%.*s/%s", (int)(slash - file->name),
		    file->name, name);
	} else if ((path = strdup(name)) == NULL)
		fatal("%s", __func__);

	if ((nfile = calloc(1, sizeof(*nfile))) == NULL)
		fatal("%s", __func__);
	nfile->name = path;
	if ((nfile->stream = fopen(path, "r")) == NULL) {
		if (file != NULL)
			yyerror_at(line, "cannot open include file \"%s\": %s",
			    name, strerror(errno));
		else
			log_warn("%s", path);
		free(path);
		free(nfile);
		return NULL;
	}
	nfile->lineno = 1;
	nfile->lastc = EOF;
	nfile->depth = depth;
	TAILQ_INSERT_TAIL(&files, nfile, entry);
	TAILQ_INSERT_TAIL(&allfiles, nfile, all);
	return nfile;
}

/* The file stays on allfiles: error reports may still name it. */
static void
popfile(void)
{
	struct file	*prev;

	prev = TAILQ_PREV(file, files, entry);
	TAILQ_REMOVE(&files, file, entry);
	fclose(file->stream);
	file->stream = NULL;
	file = prev;
}

static int
symset(const char *nam, const char *val, int persist)
{
	struct sym	*sym;

	TAILQ_FOREACH(sym, &symhead, entry)
		if (strcmp(nam, sym->nam) == 0)
			break;
	if (sym != NULL) {
		if (sym->persist && !persist)
			return 0;
		TAILQ_REMOVE(&symhead, sym, entry);
		free(sym->nam);
		free(sym->val);
		free(sym);
	}
	if ((sym = calloc(1, sizeof(*sym))) == NULL)
		return -1;
	if ((sym->nam = strdup(nam)) == NULL ||
	    (sym->val = strdup(val)) == NULL) {
		free(sym->nam);
		free(sym);
		return -1;
	}
	sym->persist = persist;
	TAILQ_INSERT_TAIL(&symhead, sym, entry);
	return 0;
}

static char *
symget(const char *nam)
{
	struct sym	*sym;

	TAILQ_FOREACH(sym, &symhead, entry)
		if (strcmp(nam, sym->nam) == 0)
			return sym->val;
	return NULL;
}

static void
macro_set(int line, const char *nam, const char *val)
{
	const char	*s;

	for (s = nam; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			break;
	if (*s != '\0' || s == nam)
		yyerror_at(line, "invalid macro name \"%s\"", nam);
	else if (symset(nam, val, 0) == -1)
		fatal("%s", __func__);
}

int
cmdline_symset(char *s)
{
	char	*val, *nam;
	int	 rv;

	if ((val = strchr(s, '=')) == NULL || val == s)
		return -1;
	if ((nam = strndup(s, val - s)) == NULL)
		return -1;
	rv = symset(nam, val + 1, 1);
	free(nam);
	return rv;
}

static int
check_path(int line, const char *what, const char *path, char *dst,
    size_t len)
{
	if (path[0] != '/') {
		yyerror_at(line, "%s \"%s\" is not an absolute path", what,
		    path);
		return -1;
	}
	if (strlcpy(dst, path, len) >= len) {
		yyerror_at(line, "%s path too long", what);
		return -1;
	}
	return 0;
}

static int
check_port(int line, long long port)
{
	if (port < 1 || port > 65535) {
		yyerror_at(line, "port %lld out of range (1..65535)", port);
		return -1;
	}
	return 0;
}

/*
 * Numeric addresses resolve without DNS; a name goes through the
 * resolver once, here, and is kept as written for printing and logs.
 */
static int
host_set(int line, struct clawd_host *h, const char *name, uint16_t port)
{
	struct addrinfo		 hints, *res;
	int			 error;

	if (strlcpy(h->name, name, sizeof(h->name)) >= sizeof(h->name)) {
		yyerror_at(line, "host name too long");
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	if ((error = getaddrinfo(name, NULL, &hints, &res)) != 0) {
		yyerror_at(line, "cannot resolve \"%s\": %s", name,
		    gai_strerror(error));
		return -1;
	}
	if (res->ai_addrlen > sizeof(h->ss)) {
		freeaddrinfo(res);
		yyerror_at(line, "cannot resolve \"%s\"", name);
		return -1;
	}
	memset(&h->ss, 0, sizeof(h->ss));
	memcpy(&h->ss, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	h->port = port;
	if (h->ss.ss_family == AF_INET)
		((struct sockaddr_in *)&h->ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&h->ss)->sin6_port = htons(port);
	return 0;
}

/* "addr" or "addr/len"; without a length the prefix is a host. */
static int
prefix_parse(int line, const char *s, struct clawd_prefix *pfx)
{
	char		 buf[INET6_ADDRSTRLEN + 8], *slash;
	const char	*errstr;
	long long	 plen = -1;
	int		 max;

	memset(pfx, 0, sizeof(*pfx));
	if (strlcpy(buf, s, sizeof(buf)) >= sizeof(buf)) {
		yyerror_at(line, "invalid address \"%s\"", s);
		return -1;
	}
	if ((slash = strchr(buf, '/')) != NULL) {
		*slash++ = '\0';
		plen = strtonum(slash, 0, 255, &errstr);
		if (errstr != NULL || slash[0] == '\0') {
			yyerror_at(line, "invalid prefix length in \"%s\"", s);
			return -1;
		}
	}
	if (inet_pton(AF_INET, buf, &pfx->addr.v4) == 1) {
		pfx->af = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, &pfx->addr.v6) == 1) {
		pfx->af = AF_INET6;
		max = 128;
	} else {
		yyerror_at(line, "invalid address \"%s\"", s);
		return -1;
	}
	if (plen == -1)
		plen = max;
	if (plen > max) {
		yyerror_at(line, "prefix length %lld out of range in \"%s\"",
		    plen, s);
		return -1;
	}
	pfx->plen = plen;
	return 0;
}

static int
prefix_equal(const struct clawd_prefix *a, const struct clawd_prefix *b)
{
	if (a->af != b->af || a->plen != b->plen)
		return 0;
	if (a->af == AF_INET)
		return a->addr.v4.s_addr == b->addr.v4.s_addr;
	return memcmp(&a->addr.v6, &b->addr.v6, sizeof(a->addr.v6)) == 0;
}

static int
prefix_hostbits(const struct clawd_prefix *pfx)
{
	const uint8_t	*b;
	int		 len, i, bits;

	if (pfx->af == AF_INET) {
		b = (const uint8_t *)&pfx->addr.v4;
		len = 4;
	} else {
		b = (const uint8_t *)&pfx->addr.v6;
		len = 16;
	}
	for (i = 0; i < len; i++) {
		bits = pfx->plen - i * 8;
		if (bits >= 8)
			continue;
		if (bits <= 0) {
			if (b[i] != 0)
				return 1;
		} else if ((b[i] & (0xff >> bits)) != 0)
			return 1;
	}
	return 0;
}

static const char *
prefix_str(const struct clawd_prefix *pfx)
{
	static char	 buf[INET6_ADDRSTRLEN + 8];
	char		 a[INET6_ADDRSTRLEN];

	if (inet_ntop(pfx->af, &pfx->addr, a, sizeof(a)) == NULL)
		strlcpy(a, "?", sizeof(a));
	snprintf(buf, sizeof(buf), "%s/%u", a, pfx->plen);
	return buf;
}

static void
prefixes_free(struct clawd_prefixes *head)
{
	struct clawd_prefix	*pfx;

	while ((pfx = TAILQ_FIRST(head)) != NULL) {
		TAILQ_REMOVE(head, pfx, entry);
		free(pfx);
	}
}

static void
peer_new(int line, char *name)
{
	struct clawd_peer	*p, *o;
	struct peerinfo		*pi;
	const char		*s;

	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (pi = calloc(1, sizeof(*pi))) == NULL)
		fatal("%s", __func__);
	TAILQ_INIT(&p->allowed);
	/* Names go into logs and clawctl output: keep them plain. */
	for (s = name; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("-_.@+", *s) == NULL)
			break;
	if (*s != '\0' || s == name ||
	    strlcpy(p->name, name, sizeof(p->name)) >= sizeof(p->name))
		yyerror_at(line, "invalid peer name \"%s\"", name);
	else
		TAILQ_FOREACH(o, &conf->peers, entry)
			if (strcmp(o->name, name) == 0) {
				yyerror_at(line, "duplicate peer \"%s\"",
				    name);
				break;
			}
	pi->errors = errors;
	pi->peer = p;
	pi->file = file->name;
	pi->line = line;
	curpi = pi;
	TAILQ_INSERT_TAIL(&conf->peers, p, entry);
	TAILQ_INSERT_TAIL(&peerinfos, pi, entry);
}

static void
peer_end(void)
{
	struct clawd_peer	*p = curpi->peer;

	if (!curpi->keepalive_set && p->role != PEER_ROLE_NONE)
		p->keepalive = KEEPALIVE_ROLE;
	/* An error inside the block may have caused these. */
	if (errors == curpi->errors) {
		/* Neither endpoint nor role: it calls us, as wg allows. */
		if (!curpi->has_key)
			yyerror_at(curpi->line,
			    "peer \"%s\" has no public-key", p->name);
	}
	curpi = NULL;
}

static void
peer_allowed(int line, const char *s)
{
	struct clawd_prefix	*pfx, *o;
	struct clawd_peer	*p;

	if ((pfx = calloc(1, sizeof(*pfx))) == NULL)
		fatal("%s", __func__);
	if (prefix_parse(line, s, pfx) == -1) {
		free(pfx);
		return;
	}
	if (prefix_hostbits(pfx)) {
		yyerror_at(line, "allowed-ips %s has host bits set", s);
		free(pfx);
		return;
	}
	/* Identical prefixes would make routing depend on file order. */
	TAILQ_FOREACH(p, &conf->peers, entry)
		TAILQ_FOREACH(o, &p->allowed, entry)
			if (prefix_equal(o, pfx)) {
				if (p == curpi->peer)
					yyerror_at(line, "duplicate allowed-ips"
					    " %s", prefix_str(pfx));
				else
					yyerror_at(line, "allowed-ips %s"
					    " already used by peer \"%s\"",
					    prefix_str(pfx), p->name);
				free(pfx);
				return;
			}
	TAILQ_INSERT_TAIL(&curpi->peer->allowed, pfx, entry);
}

static void
iface_address(int line, const char *s)
{
	struct clawd_prefix	*pfx, *o;

	if ((pfx = calloc(1, sizeof(*pfx))) == NULL)
		fatal("%s", __func__);
	if (prefix_parse(line, s, pfx) == -1) {
		free(pfx);
		return;
	}
	TAILQ_FOREACH(o, &conf->iface.addrs, entry)
		if (prefix_equal(o, pfx)) {
			yyerror_at(line, "duplicate address %s",
			    prefix_str(pfx));
			free(pfx);
			return;
		}
	TAILQ_INSERT_TAIL(&conf->iface.addrs, pfx, entry);
}

static void
iface_end(void)
{
	struct clawd_prefix	*pfx;

	TAILQ_FOREACH(pfx, &conf->iface.addrs, entry)
		if (pfx->af == AF_INET6 && conf->iface.mtu < MTU_MIN6) {
			yyerror_at(mtu_line ? mtu_line : block_line,
			    "mtu %u too small for IPv6 (minimum %d)",
			    conf->iface.mtu, MTU_MIN6);
			break;
		}
}

static void
mega_end(void)
{
	/* An error inside the block may have caused these. */
	if (errors > block_errors)
		return;
	if (conf->mega.credentials[0] == '\0')
		yyerror_at(block_line, "mega block without credentials");
	if (strncmp(conf->mega.api_url, "http://", 7) == 0 &&
	    !conf->mega.allow_http)
		yyerror_at(apiurl_line ? apiurl_line : block_line,
		    "plain http api-url needs allow-plain-http yes");
}

/* Checks that need the whole file. */
static void
conf_end(void)
{
	struct peerinfo	*pi;
	int		 line;

	if (!has_private_key) {
		line = topfile->lineno;
		if (topfile->lastc == '\n' || topfile->lastc == EOF)
			line--;
		if (line < 1)
			line = 1;
		yyerror_file(topfile->name, line, "missing private-key");
	}
	TAILQ_FOREACH(pi, &peerinfos, entry)
		if (pi->peer->role != PEER_ROLE_NONE &&
		    !conf->mega.configured) {
			yyerror_file(pi->file, pi->role_line, "peer \"%s\":"
			    " role %s needs a mega block", pi->peer->name,
			    kw_name(pi->peer->role == PEER_ROLE_OFFER ?
			    OFFER : ANSWER));
		}
}

struct clawd_conf *
parse_config(const char *filename, int opts)
{
	struct file	*f;
	struct peerinfo	*pi;
	struct sym	*sym, *next;

	(void)opts;
	if ((conf = calloc(1, sizeof(*conf))) == NULL) {
		log_warn("%s", __func__);
		return NULL;
	}
	conf->listen_port = 0;
	conf->rotate = CLAWD_ROTATE_DEFAULT;
	strlcpy(conf->state_dir, CLAWD_STATEDIR, sizeof(conf->state_dir));
	TAILQ_INIT(&conf->stuns);
	TAILQ_INIT(&conf->turns);
	TAILQ_INIT(&conf->peers);
	TAILQ_INIT(&conf->iface.addrs);
	strlcpy(conf->mega.folder, MEGA_DEFAULT_FOLDER,
	    sizeof(conf->mega.folder));
	strlcpy(conf->mega.api_url, MEGA_DEFAULT_API,
	    sizeof(conf->mega.api_url));
	strlcpy(conf->mega.ca_file, CLAWD_CAFILE, sizeof(conf->mega.ca_file));
	conf->iface.mtu = MTU_DEFAULT;

	errors = lexerr = lasttok = inlist = stmtkw = pending_nl = 0;
	has_private_key = 0;
	ctx = CTX_TOP;
	curpi = NULL;
	file = NULL;
	if ((file = topfile = pushfile(filename, 0)) == NULL) {
		free_config(conf);
		return NULL;
	}

	yyparse();
	/* After a parse error the include stack may not be empty. */
	while (file != topfile)
		popfile();
	conf_end();

	while ((f = TAILQ_FIRST(&allfiles)) != NULL) {
		TAILQ_REMOVE(&allfiles, f, all);
		if (f->stream != NULL)
			fclose(f->stream);
		free(f->name);
		free(f);
	}
	TAILQ_INIT(&files);
	file = topfile = NULL;
	while ((pi = TAILQ_FIRST(&peerinfos)) != NULL) {
		TAILQ_REMOVE(&peerinfos, pi, entry);
		free(pi);
	}
	/* Macros from the file die with it; -D ones last for reloads. */
	for (sym = TAILQ_FIRST(&symhead); sym != NULL; sym = next) {
		next = TAILQ_NEXT(sym, entry);
		if (sym->persist)
			continue;
		TAILQ_REMOVE(&symhead, sym, entry);
		free(sym->nam);
		free(sym->val);
		free(sym);
	}

	if (errors) {
		free_config(conf);
		conf = NULL;
		return NULL;
	}
	return conf;
}

void
free_config(struct clawd_conf *c)
{
	struct clawd_stun	*s;
	struct clawd_turn	*t;
	struct clawd_peer	*p;

	if (c == NULL)
		return;
	while ((s = TAILQ_FIRST(&c->stuns)) != NULL) {
		TAILQ_REMOVE(&c->stuns, s, entry);
		free(s);
	}
	while ((t = TAILQ_FIRST(&c->turns)) != NULL) {
		TAILQ_REMOVE(&c->turns, t, entry);
		free(t);
	}
	while ((p = TAILQ_FIRST(&c->peers)) != NULL) {
		TAILQ_REMOVE(&c->peers, p, entry);
		prefixes_free(&p->allowed);
		free(p);
	}
	prefixes_free(&c->iface.addrs);
	free(c);
}
