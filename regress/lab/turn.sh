#!/bin/bash
# turn.sh: netengine's TURN client (regress/unit/turn_driver) in host1
# behind a symmetric NAT allocates on coturn (203.0.113.1) with a REST
# credential, lets in host2's NAT, and exchanges datagrams with a UDP
# echo in host2 (behind a port-restricted NAT) that sends to the
# relayed address: first through Send and Data indications, then
# through a channel (ChannelData both ways).  The pair no hole punch
# can join, joined through the relay.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh" || exit 99

lab_require_root
lab_require_tools ip nft turnserver conntrack python3

TURN_DRIVER=${TURN_DRIVER:-${top_builddir:-$LAB_TOP}/regress/unit/turn_driver}
lab_is_exec "$TURN_DRIVER" ||
    lab_skip "turn_driver not built (make check, or set TURN_DRIVER)"

lab_init
lab_inet
lab_site 1 sym
lab_site 2 prc

# The credential the parent would make (parent/turncred.c): valid for a
# day, user "<expiry>:clawd".
cred=$(python3 -c 'import base64, hashlib, hmac, sys, time
u = "%d:clawd" % (time.time() + 86400)
k = hmac.new(sys.argv[1].encode(), u.encode(), hashlib.sha1).digest()
print(u, base64.b64encode(k).decode())' "$LAB_TURN_SECRET")
user=${cred% *}
pass=${cred#* }
relfile=$LAB_TMP/relayed

# The echo: probes the relayed address until it hears back, echoes
# everything that is not its own probe.
lab_exec host2 python3 -u - "$relfile" >"$LAB_TMP/echo.log" 2>&1 <<'PY' &
import os, socket, sys, time
path = sys.argv[1]
while not os.path.exists(path) or not open(path).read().strip():
    time.sleep(0.1)
host, _, port = open(path).read().strip().rpartition(":")
relay = (host, int(port))
print("relayed address", relay)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 0))
s.settimeout(0.2)
end = time.time() + 40
n = 0
while time.time() < end:
    s.sendto(b"probe", relay)
    try:
        while True:
            data, src = s.recvfrom(2048)
            n += 1
            if n <= 3:
                print("echo", data, "from", src)
            s.sendto(data, src)
    except socket.timeout:
        pass
PY
LAB_PIDS+=($!)

echo "TURN through coturn: host1 (symmetric NAT) to host2 (prc)"
lab_exec host1 timeout 60 "$TURN_DRIVER" 203.0.113.1 3478 "$user" "$pass" \
    "$(lab_nat_wanip 2)" "$relfile" >"$LAB_TMP/driver.log" 2>&1
rc=$?
cat "$LAB_TMP/driver.log"
if [ "$rc" -eq 0 ]; then
	lab_ok "turn: allocated, echoed through Send/Data and ChannelData"
else
	echo "--- echo log"
	cat "$LAB_TMP/echo.log"
	echo "--- coturn log (last lines)"
	tail -n 30 "$LAB_TMP/coturn/turnserver.log"
	lab_fail "turn: driver exit $rc"
fi

# A wrong password must be refused, and the driver must give up.
lab_exec host1 timeout 60 "$TURN_DRIVER" 203.0.113.1 3478 "$user" \
    "AAAAAAAAAAAAAAAAAAAAAAAAAAA=" "$(lab_nat_wanip 2)" \
    "$LAB_TMP/relayed2" >"$LAB_TMP/driver2.log" 2>&1
if [ $? -ne 0 ] && grep -q "credential refused" "$LAB_TMP/driver2.log" &&
    [ ! -e "$LAB_TMP/relayed2" ]; then
	lab_ok "turn: a wrong password gets no allocation"
else
	cat "$LAB_TMP/driver2.log"
	lab_fail "turn: wrong password"
fi

exit "$LAB_FAILED"
