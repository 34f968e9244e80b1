#!/bin/bash
# control.sh: clawctl show status, show nat and reload in text and JSON;
# a missing socket is an error; junk on the control socket does not
# hurt the daemon; a broken config on reload is refused and the old one
# stays in force; the fixed one then loads.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh" || exit 99

lab_require_root
lab_require_tools ip nft turnserver conntrack python3
lab_find_clawd
lab_system_setup
lab_init

lab_basic port-restricted
lab_clawd_start host1

out=$LAB_TMP/out
err=$LAB_TMP/err

# run WHAT GREP clawctl-args...: exit 0 and output matching GREP.
run()
{
	local what=$1 re=$2 rc

	shift 2
	lab_ctl "$@" >"$out" 2>"$err"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		lab_fail "$what: exit $rc: $(cat "$err")"
	elif ! grep -qE "$re" "$out"; then
		lab_fail "$what: output does not match /$re/:"
		cat "$out"
	else
		lab_ok "$what"
	fi
}

# json WHAT PYTHON-EXPR clawctl-args...: the JSON output satisfies the
# expression, in which j is the parsed document.
json()
{
	local what=$1 expr=$2 rc

	shift 2
	lab_ctl -j "$@" >"$out" 2>"$err"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		lab_fail "$what: exit $rc: $(cat "$err")"
		return
	fi
	if python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)' "$out" "$expr"; then
		lab_ok "$what"
	else
		lab_fail "$what: JSON fails $expr:"
		cat "$out"
	fi
}

# The pids of the four processes, to see that nobody was restarted.
pids()
{
	lab_ctl -j show status 2>/dev/null | python3 -c '
import json, sys
print(" ".join("%s=%s" % (p["name"], p["pid"])
    for p in sorted(json.load(sys.stdin)["processes"],
    key=lambda p: p["name"])))'
}

echo "checking show status, show nat and reload"
run "show status (text)" 'netengine' show status
run "show nat (text)" '203\.0\.113\.1' show nat
run "reload (text)" '.' reload
json "show status (JSON)" \
    'sorted(p["name"] for p in j["processes"]) ==
    ["crypto", "netengine", "parent", "signaler"]' show status
json "show nat (JSON)" \
    'sorted(e["server"] for e in j["stun"]) ==
    ["203.0.113.1:3478", "203.0.113.2:3478"]' show nat
json "reload (JSON)" 'j["result"] == "ok"' reload

echo "checking clawctl with a missing socket"
"$CLAWCTL" -s /nonexistent/clawd.sock show status >"$out" 2>"$err"
rc=$?
if [ "$rc" -eq 1 ] && [ -s "$err" ]; then
	lab_ok "missing socket: exit 1: $(head -n 1 "$err")"
else
	lab_fail "missing socket: exit $rc, stderr: $(cat "$err")"
fi

echo "checking junk on the control socket"
before=$(pids)
python3 - "$LAB_CLAWD_SOCK" <<'PY'
import os, socket, struct, sys

def send(data, wait=True):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(2)
    try:
        s.connect(sys.argv[1])
        s.sendall(data)
        if wait:
            s.recv(65536)
    except OSError:
        pass
    s.close()

send(os.urandom(4096))
send(b"\0" * 16)
# imsg-shaped headers: type, absurd or short lengths, flags, peer, pid.
for ln in (0, 1, 15, 16, 17, 0xffff, 65535):
    send(struct.pack("=IHHII", 0xffffffff, ln, 0, 0, 0) + b"x" * 64)
for t in range(0, 64):
    send(struct.pack("=IHHII", t, 16 + 8, 0, 0, os.getpid()) + os.urandom(8))
send(b"show status\n")
send(os.urandom(100000), wait=False)
# Many clients at once, left open.
held = []
for i in range(64):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(2)
    try:
        s.connect(sys.argv[1])
        s.send(os.urandom(7))
    except OSError:
        pass
    held.append(s)
for s in held:
    s.close()
PY
sleep 0.5
after=$(pids)
if [ -n "$before" ] && [ "$before" = "$after" ]; then
	lab_ok "daemon unharmed by junk: $after"
else
	lab_fail "after junk: before '$before', after '$after'"
fi
run "show status after junk" 'netengine' show status

echo "checking reload with a broken config"
cp "$LAB_CLAWD_CONF" "$LAB_TMP/good.conf"
{
	cat "$LAB_TMP/good.conf"
	echo 'stun-server "203.0.113.3" port 3478'
	echo 'this is { not a config'
} >"$LAB_CLAWD_CONF"
lab_ctl -j reload >"$out" 2>"$err"
rc=$?
if [ "$rc" -eq 1 ] && python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
sys.exit(0 if j["result"] == "error" and j.get("message") else 1)' "$out"
then
	lab_ok "broken reload refused: $(cat "$out")"
else
	lab_fail "broken reload: exit $rc: $(cat "$out" "$err")"
fi
lab_ctl reload >"$out" 2>"$err"
rc=$?
if [ "$rc" -eq 1 ]; then
	lab_ok "broken reload refused (text): $(cat "$out" "$err" | head -n 1)"
else
	lab_fail "broken reload (text): exit $rc"
fi
lab_pid_alive "$LAB_CLAWD_PID" || lab_die "clawd died on a broken reload"
json "old config still in force" \
    'sorted(e["server"] for e in j["stun"]) ==
    ["203.0.113.1:3478", "203.0.113.2:3478"]' show nat
[ "$(pids)" = "$before" ] || lab_fail "processes changed: $(pids)"

echo "checking reload with the config fixed"
{
	cat "$LAB_TMP/good.conf"
	echo 'stun-server "203.0.113.3" port 3478'
} >"$LAB_CLAWD_CONF"
json "fixed reload accepted" 'j["result"] == "ok"' reload
json "new config in force" \
    'sorted(e["server"] for e in j["stun"]) ==
    ["203.0.113.1:3478", "203.0.113.2:3478", "203.0.113.3:3478"]' show nat
run "show status after reloads" 'netengine' show status
lab_pid_alive "$LAB_CLAWD_PID" || lab_fail "clawd died"

exit "$LAB_FAILED"
