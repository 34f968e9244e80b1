/*
 * Sandboxing of the children.
 *
 * Order matters: everything that needs root or the file system is done
 * by the caller first; then chroot to an empty directory, drop to the
 * unprivileged user (groups, gid, uid: all of real, effective and
 * saved), set no_new_privs and install a seccomp allow-list.  A system
 * call outside the list kills the process with SIGSYS, which the
 * parent reports.  A few calls that libraries probe harmlessly (open
 * of a configuration file, socket for a syslog reconnect) fail with
 * EACCES instead, as OpenSSH's filter does.
 */

#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <seccomp.h>

#include "clawd.h"
#include "clawd_imsg.h"
#include "log.h"
#include "sandbox.h"

/* What every child's event loop, imsg and malloc need. */
static const int sc_base[] = {
	SCMP_SYS(brk), SCMP_SYS(clock_gettime), SCMP_SYS(clock_nanosleep),
	SCMP_SYS(close), SCMP_SYS(epoll_ctl), SCMP_SYS(epoll_pwait),
	SCMP_SYS(epoll_wait), SCMP_SYS(exit), SCMP_SYS(exit_group),
	SCMP_SYS(fcntl), SCMP_SYS(fstat), SCMP_SYS(futex),
	SCMP_SYS(getpid), SCMP_SYS(getrandom), SCMP_SYS(gettid),
	SCMP_SYS(gettimeofday), SCMP_SYS(lseek), SCMP_SYS(madvise),
	SCMP_SYS(mmap), SCMP_SYS(mprotect), SCMP_SYS(mremap),
	SCMP_SYS(munmap), SCMP_SYS(nanosleep), SCMP_SYS(newfstatat),
	SCMP_SYS(read), SCMP_SYS(readv), SCMP_SYS(recvmsg),
	SCMP_SYS(restart_syscall), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(sendmsg), SCMP_SYS(sendto),
	SCMP_SYS(time), SCMP_SYS(timerfd_settime), SCMP_SYS(write),
	SCMP_SYS(writev),
#ifdef CLAWD_SANITIZERS
	/* AddressSanitizer's run time, in the test build only. */
	SCMP_SYS(sigaltstack), SCMP_SYS(prctl), SCMP_SYS(sched_yield),
	SCMP_SYS(getrlimit), SCMP_SYS(prlimit64), SCMP_SYS(rt_sigaction),
	SCMP_SYS(readlink), SCMP_SYS(getppid), SCMP_SYS(kill),
	SCMP_SYS(tgkill), SCMP_SYS(sched_getaffinity),
#endif
	-1
};

/* The key holder: nothing more than the base. */
static const int sc_crypto[] = { -1 };

/* The UDP and control sockets it was handed. */
static const int sc_netengine[] = {
	SCMP_SYS(accept), SCMP_SYS(accept4), SCMP_SYS(getsockname),
	SCMP_SYS(getsockopt), SCMP_SYS(recvfrom), SCMP_SYS(recvmmsg),
	SCMP_SYS(sendmmsg), SCMP_SYS(setsockopt), SCMP_SYS(shutdown),
	-1
};

/* Outbound HTTPS to numeric addresses through libcurl. */
static const int sc_signaler[] = {
	SCMP_SYS(connect), SCMP_SYS(getpeername), SCMP_SYS(getsockname),
	SCMP_SYS(getsockopt), SCMP_SYS(poll), SCMP_SYS(ppoll),
	SCMP_SYS(recvfrom), SCMP_SYS(setsockopt), SCMP_SYS(shutdown),
	SCMP_SYS(pipe2), SCMP_SYS(socketpair), SCMP_SYS(uname),
	SCMP_SYS(sysinfo), SCMP_SYS(rt_sigaction),
	-1
};

static void
sc_allow(scmp_filter_ctx ctx, const int *list)
{
	for (; *list != -1; list++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, *list, 0) < 0)
			fatalx("seccomp_rule_add %d", *list);
}

static void
sc_install(int proc)
{
	scmp_filter_ctx	 ctx;
	const int	*extra;

	/* Anything not allowed, and any foreign architecture, kills. */
	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL)
		fatalx("seccomp_init");
	sc_allow(ctx, sc_base);

	switch (proc) {
	case PROC_CRYPTO:
		extra = sc_crypto;
		break;
	case PROC_NETENGINE:
		extra = sc_netengine;
		break;
	case PROC_SIGNALER:
		extra = sc_signaler;
		break;
	default:
		fatalx("no sandbox for %s", proc_name(proc));
	}
	sc_allow(ctx, extra);

	/* Harmless probes fail gracefully. */
	if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(openat),
	    0) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(open),
	    0) < 0)
		fatalx("seccomp_rule_add open");

	/* Only the signaler makes sockets, and only TCP over IP. */
	if (proc == PROC_SIGNALER) {
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
		    SCMP_A0(SCMP_CMP_EQ, AF_INET)) < 0 ||
		    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
		    SCMP_A0(SCMP_CMP_EQ, AF_INET6)) < 0 ||
		    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES),
		    SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, AF_UNIX)) < 0)
			fatalx("seccomp_rule_add socket");
	} else if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES),
	    SCMP_SYS(socket), 0) < 0)
		fatalx("seccomp_rule_add socket");

	if (seccomp_load(ctx) < 0)
		fatalx("seccomp_load");
	seccomp_release(ctx);
}

/*
 * Test hook: CLAWD_REGRESS_SANDBOX=<process> makes that child try a
 * call its allow-list forbids, to prove that the filter is in place
 * and that the parent reports the death.  It can do no more than
 * stop the daemon, which whoever sets root's environment can anyway.
 */
static void
sandbox_regress(int proc)
{
	const char	*s;

	if ((s = getenv("CLAWD_REGRESS_SANDBOX")) == NULL ||
	    strcmp(s, proc_name(proc)) != 0)
		return;
	log_warnx("regress: calling a forbidden system call");
	syscall(SYS_ptrace, 0, 0, 0, 0);
	fatalx("regress: forbidden system call returned");
}

void
sandbox_lockdown(int proc, const struct passwd *pw, const char *root)
{
	if (chroot(root) == -1)
		fatal("chroot %s", root);
	if (chdir("/") == -1)
		fatal("chdir /");
	if (setgroups(1, &pw->pw_gid) == -1 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1)
		fatal("cannot drop privileges");
	/* A process that could get root back must not go on. */
	if (setuid(0) != -1)
		fatalx("privileges could be regained");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("prctl no_new_privs");
	sc_install(proc);
	sandbox_regress(proc);
}
