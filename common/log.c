/*
 * Logging for every clawd process.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int		 debug;		/* log to stderr */
static int		 verbose;
static char		 procname[32];	/* none: the bare message */

void
log_init(int n_debug, int facility)
{
	debug = n_debug;
	if (!debug)
		openlog("clawd", LOG_PID | LOG_NDELAY, facility);
	tzset();
}

void
log_procinit(const char *name)
{
	if (name != NULL)
		snprintf(procname, sizeof(procname), "%s", name);
}

void
log_setverbose(int v)
{
	verbose = v;
}

int
log_getverbose(void)
{
	return verbose;
}

void
logit(int pri, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(pri, fmt, ap);
	va_end(ap);
}

void
vlog(int pri, const char *fmt, va_list ap)
{
	char		 line[1024], stamp[24] = "";
	struct timespec	 ts;
	struct tm	 tm;
	int		 saved_errno = errno;

	if (vsnprintf(line, sizeof(line), fmt, ap) < 0)
		line[0] = '\0';
	/* Verbose in the foreground: when, to the millisecond. */
	if (debug && verbose > 0 && clock_gettime(CLOCK_REALTIME, &ts) == 0 &&
	    localtime_r(&ts.tv_sec, &tm) != NULL) {
		strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
		snprintf(stamp + strlen(stamp), sizeof(stamp) - strlen(stamp),
		    ".%03ld ", ts.tv_nsec / 1000000);
	}
	if (debug && procname[0] == '\0')
		fprintf(stderr, "%s%s\n", stamp, line);
	else if (debug)
		fprintf(stderr, "%s%s: %s\n", stamp, procname, line);
	else
		syslog(pri, "%s: %s", procname, line);
	errno = saved_errno;
}

static void
vlog_errno(int pri, const char *emsg, va_list ap)
{
	char	 line[1024];
	int	 saved_errno = errno;

	if (emsg == NULL) {
		logit(pri, "%s", strerror(saved_errno));
	} else {
		if (vsnprintf(line, sizeof(line), emsg, ap) < 0)
			line[0] = '\0';
		logit(pri, "%s: %s", line, strerror(saved_errno));
	}
	errno = saved_errno;
}

void
log_warn(const char *emsg, ...)
{
	va_list	 ap;

	va_start(ap, emsg);
	vlog_errno(LOG_ERR, emsg, ap);
	va_end(ap);
}

void
log_warnx(const char *emsg, ...)
{
	va_list	 ap;

	va_start(ap, emsg);
	vlog(LOG_ERR, emsg, ap);
	va_end(ap);
}

void
log_info(const char *emsg, ...)
{
	va_list	 ap;

	va_start(ap, emsg);
	vlog(LOG_INFO, emsg, ap);
	va_end(ap);
}

void
log_debug(const char *emsg, ...)
{
	va_list	 ap;

	if (verbose > 1) {
		va_start(ap, emsg);
		vlog(LOG_DEBUG, emsg, ap);
		va_end(ap);
	}
}

static __attribute__((__noreturn__)) void
vfatalc(int code, const char *emsg, va_list ap)
{
	char		 s[1024];
	const char	*sep;

	if (emsg != NULL) {
		if (vsnprintf(s, sizeof(s), emsg, ap) < 0)
			s[0] = '\0';
		sep = ": ";
	} else {
		s[0] = '\0';
		sep = "";
	}
	if (code)
		logit(LOG_CRIT, "fatal: %s%s%s", s, sep, strerror(code));
	else
		logit(LOG_CRIT, "fatal: %s", s);
	exit(1);
}

void
fatal(const char *emsg, ...)
{
	va_list	 ap;

	va_start(ap, emsg);
	vfatalc(errno, emsg, ap);
	va_end(ap);
}

void
fatalx(const char *emsg, ...)
{
	va_list	 ap;

	va_start(ap, emsg);
	vfatalc(0, emsg, ap);
	va_end(ap);
}
