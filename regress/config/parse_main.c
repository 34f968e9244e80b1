/*
 * Config test driver: parse a file, print it normalised.  Exits 1 if
 * the file does not parse.  Extra arguments are -D style macros.
 */

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>

#include "clawd.h"
#include "conf.h"
#include "log.h"

int
main(int argc, char *argv[])
{
	struct clawd_conf	*conf;
	int			 i;

	if (argc < 2) {
		fprintf(stderr, "usage: parse_test file [name=value ...]\n");
		return 2;
	}
	log_init(1, LOG_DAEMON);
	log_procinit("");
	for (i = 2; i < argc; i++)
		if (cmdline_symset(argv[i]) == -1) {
			fprintf(stderr, "bad macro %s\n", argv[i]);
			return 2;
		}
	if ((conf = parse_config(argv[1], 0)) == NULL)
		return 1;
	print_config(conf);
	free_config(conf);
	return 0;
}
