# pids.sh: a test's own processes, told apart from the machine's others
# by ancestry.  Sourced (from bash) by regress/lab/lib.sh, the harness
# the lab, drop and bench tests all build on.
#
# A pid saved when a process was started names some other process once
# the first one has exited and been reaped: the kernel hands pids out
# again, and pid_max is 32768 on many machines while a full make check
# starts more processes than that.  A test that signals a saved pid
# after its process ended could stop another test's process (a MEGA
# emulator that "did not start", its log empty).  So a test signals a
# pid only when pid_alive says it is still its own.

# pid_alive PID: PID runs (is not a zombie) and descends from this
# test's shell ($$).
pid_alive()
{
	local p=$1 st i

	for ((i = 0; i < 16; i++)); do
		[ "$p" = "$$" ] && return 0
		read -r st 2>/dev/null <"/proc/$p/stat" || return 1
		# comm, in parentheses, may hold spaces: the fields after it.
		st=${st##*) }
		set -- $st
		if [ $i -eq 0 ] && { [ "$1" = Z ] || [ "$1" = X ]; }; then
			return 1
		fi
		p=$2
		[ "$p" -gt 1 ] 2>/dev/null || return 1
	done
	return 1
}
