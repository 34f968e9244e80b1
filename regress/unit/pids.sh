#!/bin/bash
#
# regress/pids.sh's pid_alive, which every harness asks before it
# signals a saved pid: a running child and a grandchild are this
# test's; a child that has exited and been reaped is not (its pid may
# name another process by now), nor this shell's parent, nor init, nor
# a pid that does not exist.

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top_srcdir/regress/unit/tap.sh"
. "$top_srcdir/regress/pids.sh" || exit 1

sleep 30 &
child=$!
bash -c 'sleep 30 & echo $! >"$1"; wait' sh "${TMPDIR:-/tmp}/pids.$$" &
sub=$!
for i in $(seq 50); do
	[ -s "${TMPDIR:-/tmp}/pids.$$" ] && break
	sleep 0.1
done
grandchild=$(cat "${TMPDIR:-/tmp}/pids.$$")
rm -f "${TMPDIR:-/tmp}/pids.$$"
(exit 0) &
done_pid=$!
wait "$done_pid"

pid_alive "$child" && ok "a running child is ours" ||
    notok "a running child is ours"
[ -n "$grandchild" ] && pid_alive "$grandchild" &&
    ok "a grandchild is ours" || notok "a grandchild is ours"
pid_alive "$done_pid" && notok "a reaped child is not ours" ||
    ok "a reaped child is not ours"
pid_alive "$PPID" && notok "our parent is not ours" ||
    ok "our parent is not ours"
pid_alive 1 && notok "init is not ours" || ok "init is not ours"
pid_alive 99999999 && notok "no such pid" || ok "no such pid"
kill "$child" "$sub" "$grandchild" 2>/dev/null
wait 2>/dev/null

echo "1..$n"
exit $fail
