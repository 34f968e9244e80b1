#!/bin/bash
# stun.sh: clawd behind a NAT learns its mapped address from two STUN
# servers (coturn on 203.0.113.1 and .2): the mapped address is the NAT
# box's wan address, the local one the host's.  Behind a port-restricted
# cone NAT both servers see one mapping; behind a symmetric NAT with
# random ports they see one address and (almost surely) two ports.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh" || exit 99

lab_require_root
lab_require_tools ip nft turnserver conntrack python3
lab_find_clawd
lab_system_setup
lab_init

# Poll show nat until both servers are mapped (15 s), then check it.
# check_nat PROFILE
check_nat()
{
	local profile=$1 json=$LAB_TMP/nat-$1.json i

	for i in $(seq 150); do
		if lab_ctl -j show nat >"$json" 2>/dev/null && python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))["stun"]
sys.exit(0 if len(s) >= 2 and all(e.get("state") == "mapped"
    for e in s) else 1)' "$json" 2>/dev/null; then
			break
		fi
		sleep 0.1
	done
	python3 - "$json" "$profile" "$(lab_nat_wanip 1)" "$(lab_host_ip 1)" \
	    <<'PY'
import json, sys

path, profile, wanip, hostip = sys.argv[1:5]
failed = False


def check(cond, what):
    global failed
    print(("ok:   " if cond else "FAIL: ") + what)
    if not cond:
        failed = True


def split(addr):
    host, _, port = (addr or "").rpartition(":")
    return host, port


try:
    stun = json.load(open(path))["stun"]
except (OSError, ValueError, KeyError) as e:
    print("FAIL: %s: show nat JSON unreadable: %s" % (profile, e))
    sys.exit(1)
byserver = {e.get("server"): e for e in stun}
mapped = {}
local = {}
for srv in ("203.0.113.1:3478", "203.0.113.2:3478"):
    e = byserver.get(srv)
    w = "%s: %s: " % (profile, srv)
    check(e is not None, w + "listed by show nat")
    if e is None:
        continue
    check(e.get("state") == "mapped", w + "state %s" % e.get("state"))
    mh, mp = split(e.get("mapped"))
    lh, lp = split(e.get("local"))
    check(mh == wanip, w + "mapped %s on the NAT's wan address %s"
          % (e.get("mapped"), wanip))
    check(lh == hostip, w + "local %s on the host's address %s"
          % (e.get("local"), hostip))
    check(e.get("responses", 0) >= 1, w + "%s responses to %s requests"
          % (e.get("responses"), e.get("requests")))
    mapped[srv] = mp
    local[srv] = lp

if len(mapped) == 2:
    a, b = mapped.values()
    la, lb = local.values()
    if profile == "port-restricted":
        if la == lb:
            check(a == b, "%s: one local port, one mapping (ports %s, %s)"
                  % (profile, a, b))
        else:
            print("note: %s: two local ports %s and %s" % (profile, la, lb))
    else:
        print("note: %s: mapped ports %s and %s: %s" % (profile, a, b,
              "they differ, as expected" if a != b else
              "the same port (unlikely with fully-random)"))
sys.exit(1 if failed else 0)
PY
	[ $? -eq 0 ] || LAB_FAILED=1
}

lab_basic port-restricted

# The lab itself first: coturn's own client sees the NAT's address.
m=$(lab_stunclient host1)
if [ "${m%:*}" = "$(lab_nat_wanip 1)" ]; then
	lab_ok "lab: turnutils_stunclient from host1 is mapped to $m"
else
	lab_die "lab: turnutils_stunclient from host1 mapped to '$m'"
fi

echo "checking STUN behind a port-restricted cone NAT"
lab_clawd_start host1
check_nat port-restricted
lab_clawd_stop

echo "checking STUN behind a symmetric NAT with random ports"
lab_nat_profile 1 symmetric
lab_clawd_start host1
check_nat symmetric
lab_clawd_stop

exit "$LAB_FAILED"
