#!/bin/bash
# privsep.sh: the three children of a running clawd run as _clawd with
# no capabilities, no_new_privs, a seccomp filter and /var/empty as
# root, are children of the parent, which runs as root; show status
# says the same as /proc.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh" || exit 99

lab_require_root
lab_require_tools ip nft turnserver conntrack python3
lab_find_clawd
lab_system_setup
lab_init

lab_basic port-restricted
lab_clawd_start host1

json=$LAB_TMP/status.json
lab_ctl -j show status >"$json" || lab_die "clawctl -j show status failed"

echo "checking the processes of clawd pid $LAB_CLAWD_PID against /proc"
python3 - "$json" "$LAB_CLAWD_PID" "$(id -u _clawd)" "$(id -g _clawd)" <<'PY'
import json, os, sys

path, ppid, uid, gid = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
failed = False


def check(cond, what):
    global failed
    print(("ok:   " if cond else "FAIL: ") + what)
    if not cond:
        failed = True


def status(pid):
    d = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            d[k] = v.split()
    return d


try:
    with open(path) as f:
        procs = json.load(f)["processes"]
except (OSError, ValueError, KeyError) as e:
    print("FAIL: show status JSON unreadable: %s" % e)
    sys.exit(1)
byname = {p.get("name"): p for p in procs}

parent = byname.get("parent")
check(parent is not None, "show status lists the parent")
if parent is not None:
    check(parent.get("pid") == ppid,
          "parent pid %s is the pid started (%d)" % (parent.get("pid"), ppid))
    st = status(ppid)
    check(st["Uid"] == ["0"] * 4, "parent runs as root: Uid %s" % st["Uid"])
    check(parent.get("uid") == 0, "show status: parent uid 0")

for name in ("crypto", "signaler", "netengine"):
    p = byname.get(name)
    check(p is not None, "show status lists %s" % name)
    if p is None:
        continue
    pid = p.get("pid")
    try:
        st = status(pid)
        root = os.readlink("/proc/%d/root" % pid)
    except (OSError, TypeError) as e:
        check(False, "%s pid %s in /proc: %s" % (name, pid, e))
        continue
    w = "%s (pid %d): " % (name, pid)
    check(st["PPid"] == [str(ppid)], w + "PPid %s" % st["PPid"])
    check(st["Uid"] == [uid] * 4, w + "Uid %s, want %s" % (st["Uid"], uid))
    check(st["Gid"] == [gid] * 4, w + "Gid %s, want %s" % (st["Gid"], gid))
    check(st.get("Groups", []) in ([], [gid]),
          w + "supplementary groups %s" % st.get("Groups"))
    for cap in ("CapEff", "CapPrm", "CapInh", "CapAmb"):
        if cap in st:
            check(int(st[cap][0], 16) == 0, w + "%s %s" % (cap, st[cap][0]))
    check(st["NoNewPrivs"] == ["1"], w + "NoNewPrivs %s" % st["NoNewPrivs"])
    check(st["Seccomp"] == ["2"], w + "Seccomp %s" % st["Seccomp"])
    check(root == "/var/empty", w + "root directory %s" % root)

    # The JSON must agree with /proc.
    sb = p.get("sandbox", {})
    check(p.get("user") == "_clawd", w + "JSON user %s" % p.get("user"))
    check(str(p.get("uid")) == uid, w + "JSON uid %s" % p.get("uid"))
    check(str(p.get("gid")) == gid, w + "JSON gid %s" % p.get("gid"))
    check(p.get("root") == root, w + "JSON root %s" % p.get("root"))
    caps = p.get("capabilities", "")
    try:
        check(int(caps, 16) == int(st["CapEff"][0], 16),
              w + "JSON capabilities %s" % caps)
    except ValueError:
        check(False, w + "JSON capabilities %r" % caps)
    check(sb.get("chroot") is True, w + "JSON sandbox.chroot")
    check(sb.get("no_new_privs") is True, w + "JSON sandbox.no_new_privs")
    check(sb.get("seccomp") is True, w + "JSON sandbox.seccomp")
    check(sb.get("no_capabilities") is True,
          w + "JSON sandbox.no_capabilities")

sys.exit(1 if failed else 0)
PY
[ $? -eq 0 ] || LAB_FAILED=1

lab_pid_alive "$LAB_CLAWD_PID" || lab_fail "clawd died during the test"
exit "$LAB_FAILED"
