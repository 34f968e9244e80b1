#!/bin/bash
# rdv_recover.sh: a connection made through the drop survives its NAT:
# a TCP transfer over the tunnel goes on while host2's NAT first loses
# its state (conntrack flushed) and then its public address changes
# (the peers notice the silence, probe again, and meet through the
# drop anew); the transfer completes with every byte.
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/rdv_lib.sh" || exit 99

rdv_start_test
rdv_world prc prc
rdv_clawds
rdv_wait_ping 60 || { rdv_dump; lab_die "no tunnel to start with"; }
lab_ok "tunnel up in ${RDV_SECS}s"

# The receiver counts and hashes what arrives; the sender paces 24 MB
# over about 60 s so that the NAT events fall in the middle.
cat >"$LAB_TMP/xfer.py" <<'PY'
import hashlib, socket, sys, time
mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
if mode == "recv":
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port)); s.listen(1)
    c, _ = s.accept()
    h, n = hashlib.sha256(), 0
    while True:
        b = c.recv(65536)
        if not b:
            break
        h.update(b); n += len(b)
    print(n, h.hexdigest())
else:
    s = socket.create_connection((addr, port), timeout=600)
    h, block = hashlib.sha256(), bytes(range(256)) * 256
    for i in range(384):
        s.sendall(block); h.update(block)
        time.sleep(0.15)
    s.close()
    print(384 * len(block), h.hexdigest())
PY
lab_exec host1 timeout 400 python3 "$LAB_TMP/xfer.py" recv "$RDV_TA" 5001 \
    >"$LAB_TMP/recv.out" 2>&1 &
recv=$!
LAB_PIDS+=($recv)
sleep 0.5
lab_exec host2 timeout 400 python3 "$LAB_TMP/xfer.py" send "$RDV_TA" 5001 \
    >"$LAB_TMP/send.out" 2>&1 &
send=$!
LAB_PIDS+=($send)

sleep 8
lab_exec nat2 conntrack -F >/dev/null 2>&1
lab_log "nat2: conntrack flushed"
sleep 8
# A new public address for site 2: the old mappings are gone for good.
lab_exec nat2 ip addr del "$(lab_nat_wanip 2)/24" dev wan
lab_exec nat2 ip addr add 203.0.113.22/24 dev wan
lab_exec nat2 conntrack -F >/dev/null 2>&1
lab_log "nat2: public address now 203.0.113.22"
t0=$(date +%s)

if rdv_until 200 sh -c "! kill -0 $send 2>/dev/null"; then
	wait "$send"
	rc=$?
else
	rc=timeout
	lab_stop_pid "$send"
fi
rdv_until 10 sh -c "! kill -0 $recv 2>/dev/null" || lab_stop_pid "$recv"
sent=$(cat "$LAB_TMP/send.out")
got=$(cat "$LAB_TMP/recv.out")
if [ "$rc" = 0 ] && [ -n "$sent" ] && [ "$sent" = "$got" ]; then
	lab_ok "transfer complete ($got), $(( $(date +%s) - t0 ))s after the address change"
else
	rdv_dump
	lab_fail "transfer: sender $rc '$sent', receiver '$got'"
fi
if grep -q 'probing again' "$LAB_TMP/clawd-host2/clawd.log"; then
	lab_ok "host2 noticed the silence and probed again"
else
	lab_fail "host2 never probed again"
fi
[ -n "${RDV_VERBOSE:-}" ] && rdv_dump
exit "$LAB_FAILED"
