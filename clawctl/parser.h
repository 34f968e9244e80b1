/*
 * clawctl's command line: token tables matched by unique prefix.
 */

#ifndef CLAWCTL_PARSER_H
#define CLAWCTL_PARSER_H

enum actions {
	NONE = 0,
	SHOW_STATUS,
	SHOW_NAT,
	SHOW_PEERS,
	SHOW_STATS,
	RELOAD,
	GENKEY,
	PUBKEY,
	SHOW_DROP,
	DROP_PUT,
	DROP_GET,
	DROP_RM
};

/* name and file point into argv. */
struct parse_result {
	enum actions	 action;
	const char	*name;		/* a drop file's name */
	const char	*file;		/* drop put: a path, or "-" */
};

const struct parse_result	*parse(int, char *[]);

#endif /* CLAWCTL_PARSER_H */
