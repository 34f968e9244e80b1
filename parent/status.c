/*
 * What each process really runs with, read from /proc by the parent,
 * which is the one process that can still see it.  Reading it here
 * rather than trusting each child's word is what makes `clawctl show
 * status` worth checking.
 */

#include <sys/types.h>

#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clawd.h"
#include "clawd_imsg.h"
#include "log.h"
#include "parent.h"

static int
status_field(const char *line, const char *key, char *val, size_t len)
{
	size_t	 n = strlen(key);

	if (strncmp(line, key, n) != 0 || line[n] != ':')
		return 0;
	line += n + 1;
	line += strspn(line, " \t");
	strlcpy(val, line, len);
	val[strcspn(val, "\n")] = '\0';
	return 1;
}

int
status_read(const char *name, pid_t pid, time_t started,
    struct ctl_status *cs)
{
	struct passwd	*pw;
	struct timespec	 now;
	char		 path[64], line[256], val[128];
	FILE		*f;
	ssize_t		 n;
	int		 nnp = 0, seccomp = 0;

	memset(cs, 0, sizeof(*cs));
	strlcpy(cs->name, name, sizeof(cs->name));
	cs->pid = pid;
	clock_gettime(CLOCK_MONOTONIC, &now);
	cs->uptime = now.tv_sec - started;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "re")) == NULL) {
		log_warn("%s", path);
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		/* Real, effective, saved, file system: show effective. */
		if (status_field(line, "Uid", val, sizeof(val)))
			sscanf(val, "%*u %u", &cs->uid);
		else if (status_field(line, "Gid", val, sizeof(val)))
			sscanf(val, "%*u %u", &cs->gid);
		else if (status_field(line, "CapEff", val, sizeof(val)))
			cs->capeff = strtoull(val, NULL, 16);
		else if (status_field(line, "NoNewPrivs", val, sizeof(val)))
			nnp = atoi(val);
		else if (status_field(line, "Seccomp", val, sizeof(val)))
			seccomp = atoi(val);
	}
	fclose(f);

	snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
	if ((n = readlink(path, cs->root, sizeof(cs->root) - 1)) == -1)
		strlcpy(cs->root, "?", sizeof(cs->root));
	else
		cs->root[n] = '\0';

	if ((pw = getpwuid(cs->uid)) != NULL)
		strlcpy(cs->user, pw->pw_name, sizeof(cs->user));
	else
		snprintf(cs->user, sizeof(cs->user), "%u", cs->uid);

	if (strcmp(cs->root, "/") != 0)
		cs->sandbox |= CTL_SANDBOX_CHROOT;
	if (nnp == 1)
		cs->sandbox |= CTL_SANDBOX_NNP;
	if (seccomp == 2)
		cs->sandbox |= CTL_SANDBOX_SECCOMP;
	if (cs->capeff == 0)
		cs->sandbox |= CTL_SANDBOX_NOCAPS;
	return 0;
}
