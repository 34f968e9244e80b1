# clawd namespace lab: helpers for the WireGuard data-plane tests
# (wg_*.sh, keymem.sh).  Source from bash after nothing else: it
# sources lib.sh itself.
#
# Topology of wg_pair:
#
#   ns a: clawd, underlay v0 198.18.0.1/24, tunnel claw0 100.64.0.1/24
#         and fd00::1/64
#   ns b: the other side (wireguard-go $WG_IF or a second clawd's
#         claw0),
#         underlay v1 198.18.0.2/24, tunnel 100.64.0.2/24, fd00::2/64
#
# Both sides listen on UDP port 51820.

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh" || exit 99

WG_PORT=51820
WG_A=198.18.0.1
WG_B=198.18.0.2
WG_TA=100.64.0.1
WG_TB=100.64.0.2
WG_TA6=fd00::1
WG_TB6=fd00::2
WG_GO_PID=
# wireguard-go's control socket is /var/run/wireguard/IF.sock, outside
# the namespace: the name must differ between parallel runs.
WG_IF=wgl$$
declare -A WG_SOCK WG_LOG WG_PID

# Root, the tools, the binaries, the system user, the run directory.
wg_start_test()
{
	lab_require_root
	lab_require_tools ip wg wireguard-go python3 ping "$@"
	[ -c /dev/net/tun ] || lab_skip "no /dev/net/tun"
	lab_find_clawd
	lab_system_setup
	lab_init
}

# Namespaces a and b joined by a veth.
wg_pair()
{
	lab_ns_add a
	lab_ns_add b
	ip -n "$(lab_ns a)" link add v0 type veth peer name v1 \
	    netns "$(lab_ns b)" || lab_die "veth a-b"
	ip -n "$(lab_ns a)" addr add "$WG_A/24" dev v0
	ip -n "$(lab_ns b)" addr add "$WG_B/24" dev v1
	ip -n "$(lab_ns a)" link set v0 up
	ip -n "$(lab_ns b)" link set v1 up
}

# A key pair in DIR: DIR/key (0600) and DIR/pub.
wg_keys()
{
	mkdir -p "$1"
	[ -f "$1/key" ] || lab_genkey "$1/key"
	wg pubkey <"$1/key" >"$1/pub" || lab_die "wg pubkey"
}

wg_pub()
{
	cat "$1/pub"
}

# A pre-shared key file, mode 0600.
wg_psk()
{
	(umask 077; wg genpsk >"$1")
	chmod 600 "$1"
}

# The config of a clawd in namespace NS whose tunnel addresses are
# TADDR (v4) and TADDR6, with one peer:
# wg_clawd_conf NS TADDR TADDR6 PEERDIR PEERT PEERT6 ENDPOINT [lines...]
# Extra lines go inside the peer block (keepalive, preshared-key).
# ENDPOINT may be "-" for none (then the peer needs a role: not used).
wg_clawd_conf()
{
	local ns=$1 ta=$2 ta6=$3 pd=$4 pt=$5 pt6=$6 ep=$7 d l

	shift 7
	d=$LAB_TMP/clawd-$ns
	wg_keys "$d"
	{
		printf 'private-key "%s"\n' "$d/key"
		printf 'listen-port %s\n' "$WG_PORT"
		printf 'interface "claw0" {\n'
		printf '\taddress %s/24\n' "$ta"
		printf '\taddress %s/64\n' "$ta6"
		printf '}\n'
		printf 'peer "%s" {\n' "$(basename "$pd")"
		printf '\tpublic-key "%s"\n' "$(wg_pub "$pd")"
		printf '\tallowed-ips %s/32, %s/128\n' "$pt" "$pt6"
		[ "$ep" = - ] ||
		    printf '\tendpoint "%s" port %s\n' "$ep" "$WG_PORT"
		for l in "$@"; do printf '\t%s\n' "$l"; done
		printf '}\n'
	} >"$d/clawd.conf"
	chmod 600 "$d/clawd.conf"
}

# Start the clawd of namespace NS (config from wg_clawd_conf) and
# remember its socket, log and pid under NS.
wg_clawd_start()
{
	local ns=$1

	lab_clawd_start "$ns"
	WG_SOCK[$ns]=$LAB_CLAWD_SOCK
	WG_LOG[$ns]=$LAB_CLAWD_LOG
	WG_PID[$ns]=$LAB_CLAWD_PID
	lab_wait 5 lab_exec "$ns" ip link show claw0 ||
	    lab_die "clawd in $ns did not create claw0"
}

# clawctl on the clawd of namespace NS: wg_ctl NS args...
wg_ctl()
{
	local ns=$1

	shift
	"$CLAWCTL" -s "${WG_SOCK[$ns]}" "$@"
}

# A field of the first peer in clawctl -j show peers: wg_peer NS FIELD
# prints it (null as "null").
wg_peer()
{
	wg_ctl "$1" -j show peers 2>/dev/null | python3 -c '
import json, sys
try:
    p = json.load(sys.stdin)["peers"][0]
    v = p[sys.argv[1]]
    print("null" if v is None else v)
except (ValueError, KeyError, IndexError):
    print("error")' "$2"
}

# wireguard-go in namespace NS as $WG_IF, with the tunnel addresses
# TADDR and TADDR6.  Its peer is configured with wg_go_peer.
wg_go_start()
{
	local ns=$1 ta=$2 ta6=$3 d

	d=$LAB_TMP/wggo-$ns
	mkdir -p "$d"
	wg_keys "$d"
	LOG_LEVEL=verbose WG_PROCESS_FOREGROUND=1 ip netns exec "$(lab_ns "$ns")" \
	    wireguard-go "$WG_IF" >"$d/log" 2>&1 &
	WG_GO_PID=$!
	LAB_PIDS+=("$WG_GO_PID")
	lab_wait 5 lab_exec "$ns" ip link show "$WG_IF" ||
	    lab_die "wireguard-go did not create $WG_IF"
	lab_exec "$ns" wg set "$WG_IF" private-key "$d/key" \
	    listen-port "$WG_PORT" ||
	    lab_die "wg set private-key"
	lab_exec "$ns" ip addr add "$ta/24" dev "$WG_IF"
	lab_exec "$ns" ip addr add "$ta6/64" dev "$WG_IF" nodad
	lab_exec "$ns" ip link set "$WG_IF" up
}

# The peer of a wireguard-go: wg_go_peer NS PEERDIR PEERT PEERT6
# [wg set peer options...]
wg_go_peer()
{
	local ns=$1 pd=$2 pt=$3 pt6=$4

	shift 4
	lab_exec "$ns" wg set "$WG_IF" peer "$(wg_pub "$pd")" \
	    allowed-ips "$pt/32,$pt6/128" "$@" || lab_die "wg set peer"
}

# Seconds since wireguard-go's latest handshake with its (only) peer,
# or "never".
wg_go_hs_age()
{
	local t

	t=$(lab_exec "$1" wg show "$WG_IF" latest-handshakes |
	    awk '{ print $2 }')
	if [ -z "$t" ] || [ "$t" = 0 ]; then
		echo never
	else
		echo $(( $(date +%s) - t ))
	fi
}

wg_go_endpoint()
{
	lab_exec "$1" wg show "$WG_IF" endpoints | awk '{ print $2 }'
}

# ping: wg_ping NS ADDR [COUNT]: all but at most one answered.
wg_ping()
{
	local ns=$1 addr=$2 n=${3:-3}

	lab_exec "$ns" ping -q -c "$n" -i 0.2 -W 2 "$addr" >/dev/null 2>&1
}

# Ping until one answers (up to S seconds): wg_ping_up NS ADDR S
wg_ping_up()
{
	local ns=$1 addr=$2 s=${3:-10} i

	for i in $(seq "$s"); do
		lab_exec "$ns" ping -q -c 1 -W 1 "$addr" >/dev/null 2>&1 &&
		    return 0
	done
	return 1
}

# Check a ping and report (1 if it failed): wg_check_ping NS ADDR WHAT
wg_check_ping()
{
	if wg_ping_up "$1" "$2" 10 && wg_ping "$1" "$2" 5; then
		lab_ok "$3: ping $2 from $1"
	else
		lab_fail "$3: ping $2 from $1"
		return 1
	fi
}

# TCP transfer of MB megabytes of random data from CLIENTNS to
# SERVERNS's ADDR, checked by sha256: wg_xfer SERVERNS ADDR CLIENTNS MB
wg_xfer()
{
	local sns=$1 addr=$2 cns=$3 mb=${4:-20} src dst spid port=5201 rc

	src=$LAB_TMP/xfer.src
	dst=$LAB_TMP/xfer.dst
	rm -f "$dst"
	[ -f "$src" ] && [ "$(stat -c %s "$src")" -eq $(( mb << 20 )) ] ||
	    head -c $(( mb << 20 )) /dev/urandom >"$src"
	lab_exec "$sns" timeout 60 python3 -c '
import socket, sys
a = sys.argv[1]
s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((a, int(sys.argv[2])))
s.listen(1)
c, _ = s.accept()
with open(sys.argv[3], "wb") as f:
    while True:
        b = c.recv(65536)
        if not b:
            break
        f.write(b)
' "$addr" "$port" "$dst" &
	spid=$!
	LAB_PIDS+=("$spid")
	lab_wait 5 lab_exec "$sns" sh -c "ss -Hntl | grep -q ':$port '"
	lab_exec "$cns" timeout 60 python3 -c '
import socket, sys
a = sys.argv[1]
s = socket.create_connection((a, int(sys.argv[2])), timeout=30)
with open(sys.argv[3], "rb") as f:
    while True:
        b = f.read(65536)
        if not b:
            break
        s.sendall(b)
s.shutdown(socket.SHUT_WR)
s.recv(1)
s.close()
' "$addr" "$port" "$src"
	rc=$?
	wait "$spid"
	[ "$rc" -eq 0 ] &&
	    [ "$(sha256sum <"$src")" = "$(sha256sum <"$dst" 2>/dev/null)" ]
}

wg_check_xfer()
{
	if wg_xfer "$1" "$2" "$3" "${5:-20}"; then
		lab_ok "$4: ${5:-20} MB over TCP from $3 to $2, sha256 equal"
	else
		lab_fail "$4: ${5:-20} MB over TCP from $3 to $2"
	fi
}

# clawd of NS still up: status answers, no lost child in its log.
wg_check_alive()
{
	local ns=$1

	if ! lab_pid_alive "${WG_PID[$ns]}"; then
		lab_fail "clawd in $ns died"
	elif ! wg_ctl "$ns" show status >/dev/null 2>&1; then
		lab_fail "clawd in $ns: show status does not answer"
	elif grep -qi "lost child" "${WG_LOG[$ns]}"; then
		lab_fail "clawd in $ns lost a child"
	else
		lab_ok "clawd in $ns is up, all children alive"
	fi
}
