/*
 * clawctl's command line, as token tables in the bgpctl shape: each
 * table lists the keywords valid at one position and the table for the
 * next one.  A keyword may be shortened to any unique prefix.
 */

#include <sys/types.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clawd_imsg.h"
#include "parser.h"

enum token_type {
	ENDTOKEN = 0,
	NOTOKEN,	/* nothing more is also valid here */
	KEYWORD,
	DROPNAME,	/* a file name in the drop */
	FILENAME	/* a local file, or "-" */
};

struct token {
	enum token_type		 type;
	const char		*keyword;
	int			 value;
	const struct token	*next;
};

static const struct token t_show[];
static const struct token t_drop[];
static const struct token t_drop_name[];
static const struct token t_put_name[];
static const struct token t_put_file[];

static const struct token t_main[] = {
	{ KEYWORD,	"show",		NONE,		t_show },
	{ KEYWORD,	"drop",		NONE,		t_drop },
	{ KEYWORD,	"reload",	RELOAD,		NULL },
	{ KEYWORD,	"genkey",	GENKEY,		NULL },
	{ KEYWORD,	"pubkey",	PUBKEY,		NULL },
	{ ENDTOKEN,	"",		NONE,		NULL }
};

static const struct token t_show[] = {
	{ KEYWORD,	"status",	SHOW_STATUS,	NULL },
	{ KEYWORD,	"nat",		SHOW_NAT,	NULL },
	{ KEYWORD,	"peers",	SHOW_PEERS,	NULL },
	{ KEYWORD,	"stats",	SHOW_STATS,	NULL },
	{ KEYWORD,	"drop",		SHOW_DROP,	NULL },
	{ ENDTOKEN,	"",		NONE,		NULL }
};

static const struct token t_drop[] = {
	{ KEYWORD,	"put",		DROP_PUT,	t_put_name },
	{ KEYWORD,	"get",		DROP_GET,	t_drop_name },
	{ KEYWORD,	"rm",		DROP_RM,	t_drop_name },
	{ ENDTOKEN,	"",		NONE,		NULL }
};

static const struct token t_drop_name[] = {
	{ DROPNAME,	"name",		NONE,		NULL },
	{ ENDTOKEN,	"",		NONE,		NULL }
};

static const struct token t_put_name[] = {
	{ DROPNAME,	"name",		NONE,		t_put_file },
	{ ENDTOKEN,	"",		NONE,		NULL }
};

static const struct token t_put_file[] = {
	{ FILENAME,	"file",		NONE,		NULL },
	{ ENDTOKEN,	"",		NONE,		NULL }
};

static struct parse_result	 res;

static const struct token	*match_token(const char *,
				    const struct token *, const char *);
static void			 show_valid_args(const struct token *);
static int			 drop_name_valid(const char *);

const struct parse_result *
parse(int argc, char *argv[])
{
	const struct token	*table = t_main, *match;
	const char		*prev = NULL;
	int			 i;

	memset(&res, 0, sizeof(res));
	for (i = 0; i < argc; i++) {
		if (table == NULL) {
			fprintf(stderr, "clawctl: unexpected argument \"%s\""
			    " after \"%s\"\n", argv[i], prev);
			exit(1);
		}
		if ((match = match_token(argv[i], table, prev)) == NULL)
			exit(1);
		if (match->value != NONE)
			res.action = match->value;
		if (match->type == DROPNAME)
			res.name = argv[i];
		else if (match->type == FILENAME)
			res.file = argv[i];
		prev = match->type == KEYWORD ? match->keyword : argv[i];
		table = match->next;
	}
	if (table != NULL) {
		for (match = table; match->type != ENDTOKEN; match++)
			if (match->type == NOTOKEN)
				break;
		if (match->type != NOTOKEN) {
			if (prev == NULL)
				fprintf(stderr, "clawctl: missing command\n");
			else
				fprintf(stderr, "clawctl: missing argument "
				    "after \"%s\"\n", prev);
			show_valid_args(table);
			exit(1);
		}
	}
	return &res;
}

/*
 * What the signaler accepts too: 1 to DROP_NAME_MAX - 1 characters of
 * [A-Za-z0-9._-], so a name is safe in a path, a log line and JSON.
 */
static int
drop_name_valid(const char *name)
{
	size_t	 len = strlen(name);

	if (len == 0 || len >= DROP_NAME_MAX)
		return 0;
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789._-") == len;
}

/*
 * An argument token takes any word it can use.  Otherwise an exact
 * match wins, or the word must be the prefix of exactly one keyword.
 * Errors are reported here.
 */
static const struct token *
match_token(const char *word, const struct token *table, const char *prev)
{
	const struct token	*t, *match = NULL;
	size_t			 len = strlen(word);
	int			 n = 0;

	for (t = table; t->type != ENDTOKEN; t++) {
		switch (t->type) {
		case DROPNAME:
			if (drop_name_valid(word))
				return t;
			fprintf(stderr, "clawctl: invalid drop name \"%s\": "
			    "1 to %d characters of A-Z a-z 0-9 . _ -\n",
			    word, DROP_NAME_MAX - 1);
			return NULL;
		case FILENAME:
			if (*word != '\0')
				return t;
			fprintf(stderr, "clawctl: empty file name\n");
			return NULL;
		case KEYWORD:
			break;
		default:
			continue;
		}
		if (strcmp(word, t->keyword) == 0)
			return t;
		if (len > 0 && strncmp(word, t->keyword, len) == 0) {
			match = t;
			n++;
		}
	}
	if (n == 1)
		return match;

	if (n == 0) {
		fprintf(stderr, "clawctl: unknown %s \"%s\"\n",
		    prev == NULL ? "command" : "argument", word);
		show_valid_args(table);
		return NULL;
	}
	fprintf(stderr, "clawctl: ambiguous %s \"%s\", candidates:\n",
	    prev == NULL ? "command" : "argument", word);
	for (t = table; t->type != ENDTOKEN; t++)
		if (t->type == KEYWORD &&
		    strncmp(word, t->keyword, len) == 0)
			fprintf(stderr, "  %s\n", t->keyword);
	return NULL;
}

static void
show_valid_args(const struct token *table)
{
	const struct token	*t;

	fprintf(stderr, "valid choices:\n");
	for (t = table; t->type != ENDTOKEN; t++) {
		if (t->type == KEYWORD)
			fprintf(stderr, "  %s\n", t->keyword);
		else if (t->type == DROPNAME || t->type == FILENAME)
			fprintf(stderr, "  <%s>\n", t->keyword);
		else if (t->type == NOTOKEN)
			fprintf(stderr, "  <cr>\n");
	}
}
