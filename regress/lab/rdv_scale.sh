#!/bin/bash
# rdv_scale.sh: one server clawd (host1 behind a port-restricted cone,
# role offer toward N peers, keeping a standing offer for each in the
# drop; with RDV_SCALE_SERVER=ondemand, role offer on-demand, an offer
# only when asked) and N client clawds (role answer on-demand), each in
# its own namespace behind one shared NAT box, all
# meeting through the MEGA emulator with one shared account and a rate
# limit of 20 requests a second.  Measures how many clients get a
# tunnel (ping 100.64.0.1 through it) within the deadline, the MEGA
# requests per connection, the server's memory, and the requests the
# server makes while idle with every client connected (sc polling only:
# not proportional to N).
#
#	rdv_scale.sh [N]		the scale test (default 100, or
#					RDV_SCALE_N or 10 when top_builddir
#					is set; not part of make check: run
#					it by hand or with clawlab)
#	rdv_scale.sh -c [M [R]]		ahead-of-time against on-demand:
#					M configured clients (20), only R
#					of them running (5)
#
# Environment: RDV_SCALE_DEADLINE (300 s), RDV_SCALE_IDLE (120 s, the
# idle window), RDV_SCALE_WINDOW (300 s, the comparison's window),
# RDV_SCALE_MODES (the comparison's modes, "aot ondemand"),
# RDV_SCALE_BATCH (clients started at once, 10), RDV_SCALE_RATE (the
# emulator's rate limit, 20/s), RDV_SCALE_BOUND (MEGA requests per
# connection, emulator total, 120), RDV_SCALE_SETTLE (30 s between the
# last connection and the idle window, for the queues to drain),
# RDV_SCALE_IDLE_BOUND (server requests in the idle window, 30),
# RDV_SCALE_SERVER (aot or ondemand, the server's peers in the scale
# test; aot), RDV_SCALE_CLIENT_V (-v: verbose client logs),
# RDV_SCALE_LOGS (a directory to keep every clawd's log in).
[ -n "$BASH_VERSION" ] || exec bash "$0" "$@"
. "$(dirname "$0")/rdv_lib.sh" || exit 99

SC_DEADLINE=${RDV_SCALE_DEADLINE:-300}
SC_IDLE=${RDV_SCALE_IDLE:-120}
SC_SETTLE=${RDV_SCALE_SETTLE:-30}
SC_WINDOW=${RDV_SCALE_WINDOW:-300}
SC_BATCH=${RDV_SCALE_BATCH:-10}
SC_RATE=${RDV_SCALE_RATE:-20}
SC_BOUND=${RDV_SCALE_BOUND:-120}
SC_IDLE_BOUND=${RDV_SCALE_IDLE_BOUND:-30}
SC_EMU=http://127.0.0.1:8081
declare -A SC_PID SC_START SC_UP

# Client I's addresses: LAN 198.18.(2 + (I-1)/200).(10 + (I-1)%200),
# tunnel 100.64.(1 + (I-1)/250).(1 + (I-1)%250).
sc_lanip()
{
	printf '198.18.%d.%d' $(( 2 + ($1 - 1) / 200 )) \
	    $(( 10 + ($1 - 1) % 200 ))
}

sc_tunip()
{
	printf '100.64.%d.%d' $(( 1 + ($1 - 1) / 250 )) \
	    $(( 1 + ($1 - 1) % 250 ))
}

# Many clawds: TERM to all at once, then KILL what is left, so the
# cleanup of hundreds of processes takes seconds, not minutes.  The
# namespaces are emptied by lab_cleanup (by namespace, not by name).
sc_cleanup()
{
	local rc=$? p i

	for p in "${SC_PID[@]}"; do
		lab_pid_alive "$p" && kill "$p" 2>/dev/null
	done
	for i in $(seq 100); do
		sc_any_alive || break
		sleep 0.1
	done
	for p in "${SC_PID[@]}"; do
		lab_pid_alive "$p" && kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	if [ -n "${RDV_SCALE_LOGS:-}" ] && mkdir -p "$RDV_SCALE_LOGS"; then
		for p in "$LAB_TMP"/clawd-*/clawd.log; do
			[ -f "$p" ] || continue
			i=${p%/clawd.log}
			cp "$p" "$RDV_SCALE_LOGS/${i##*/clawd-}.log"
		done
	fi
	(exit "$rc")
	lab_cleanup
}

sc_any_alive()
{
	local p

	for p in "${SC_PID[@]}"; do
		lab_pid_alive "$p" && return 0
	done
	return 1
}

# The client site: NAT box nat2 (port-restricted cone) whose LAN is a
# bridge with a veth to each client namespace cI.
sc_client_site()
{
	local m=$1 i ns nat

	lab_ns_add nat2
	nat=$(lab_ns nat2)
	lab_inet_link "$nat" wan 203.0.113.12 site2
	ip -n "$nat" link add lan type bridge || lab_die "bridge lan"
	ip -n "$nat" addr add 198.18.2.1/16 dev lan
	ip -n "$nat" link set lan up
	lab_exec nat2 sysctl -qw net.ipv4.ip_forward=1
	lab_nat_ruleset prc 203.0.113.12 198.18.0.0/16 |
	    lab_exec nat2 nft -f - || lab_die "nft rules for nat2"
	lab_nat_timeouts nat2
	for i in $(seq "$m"); do
		lab_ns_add "c$i"
		ns=$(lab_ns "c$i")
		ip -n "$nat" link add "c$i" type veth peer name eth0 \
		    netns "$ns" || lab_die "veth c$i"
		ip -n "$nat" link set "c$i" master lan up
		ip -n "$ns" addr add "$(sc_lanip "$i")/16" dev eth0
		ip -n "$ns" link set eth0 up
		ip -n "$ns" route add default via 198.18.2.1
	done
}


# Keys and configuration of the server (host1) and M clients; MODE is
# " on-demand" or empty, for both or, with CMODE, for the server (MODE)
# and the clients (CMODE).
sc_confs()
{
	local m=$1 mode=$2 cmode=${3-$2} i d s=$LAB_TMP/clawd-host1

	for i in host1 $(seq -f 'c%g' "$m"); do
		d=$LAB_TMP/clawd-$i
		mkdir -p "$d"
		lab_genkey "$d/key"
		"$CLAWCTL" pubkey <"$d/key" >"$d/pub" ||
		    lab_die "clawctl pubkey"
	done
	{
		rdv_conf_head "$s"
		printf 'interface "claw0" {\n\taddress 100.64.0.1/16\n}\n'
		for i in $(seq "$m"); do
			printf 'peer "c%s" {\n' "$i"
			printf '\tpublic-key "%s"\n' \
			    "$(cat "$LAB_TMP/clawd-c$i/pub")"
			printf '\tallowed-ips %s/32\n' "$(sc_tunip "$i")"
			printf '\trole offer%s\n}\n' "$mode"
		done
	} >"$s/clawd.conf"
	for i in $(seq "$m"); do
		d=$LAB_TMP/clawd-c$i
		{
			rdv_conf_head "$d"
			printf 'interface "claw0" {\n\taddress %s/16\n}\n' \
			    "$(sc_tunip "$i")"
			printf 'peer "server" {\n\tpublic-key "%s"\n' \
			    "$(cat "$s/pub")"
			printf '\tallowed-ips 100.64.0.1/32\n'
			printf '\trole answer%s\n}\n' "$cmode"
		} >"$d/clawd.conf"
	done
	chmod 600 "$LAB_TMP"/clawd-*/clawd.conf
}

# Start clawd NAME in namespace NAME (quiet: no -v for the clients).
sc_spawn()
{
	local ns=$1 v=$2 d=$LAB_TMP/clawd-$1

	ip netns exec "$(lab_ns "$ns")" "$CLAWD" -d $v -f "$d/clawd.conf" \
	    -s "$d/clawd.sock" >>"$d/clawd.log" 2>&1 &
	SC_PID[$ns]=$!
	LAB_PIDS+=($!)
	SC_START[$ns]=$(date +%s.%N)
}

sc_emu()
{
	lab_exec inet curl -sf "$@"
}

# Total of the emulator's request counts (every endpoint).
sc_emu_total()
{
	sc_emu "$SC_EMU/stats" | jq '[.endpoints[]] | add // 0'
}

sc_emu_rejected()
{
	sc_emu "$SC_EMU/stats" | jq '.injected.rate_limit // 0'
}

# HTTP requests made by clawd NAME's signaler.
sc_requests()
{
	lab_ctl_at "$1" -j show drop 2>/dev/null | jq '.requests // 0'
}

# VmRSS in kB of clawd NAME's processes (parent and children).
sc_rss()
{
	local p=${SC_PID[$1]} c kb=0 r

	for c in $p $(cat /proc/"$p"/task/*/children 2>/dev/null); do
		r=$(awk '/^VmRSS:/ { print $2 }' "/proc/$c/status" \
		    2>/dev/null)
		kb=$(( kb + ${r:-0} ))
	done
	echo "$kb"
}

# Processes of clawd NAME: 4 while it is whole.
sc_nproc()
{
	local p=${SC_PID[$1]}

	lab_pid_alive "$p" || { echo 0; return; }
	echo $(( 1 + $(cat /proc/"$p"/task/*/children 2>/dev/null |
	    wc -w) ))
}

sc_now()
{
	date +%s.%N
}

sc_sub()
{
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a - b }'
}

# One pass over the started clients not yet up: ping the server in
# parallel, record the time of the first answer (so a time to connect
# is known to within the 1 s ping timeout and the pause between passes).
sc_ping_pass()
{
	local pids=() ns

	for ns in "$@"; do
		[ -n "${SC_UP[$ns]:-}" ] || [ -z "${SC_PID[$ns]:-}" ] &&
		    continue
		( rdv_ping "$ns" "$RDV_TA" && sc_now >"$LAB_TMP/up-$ns" ) &
		pids+=($!)
	done
	[ ${#pids[@]} -gt 0 ] && wait "${pids[@]}"
	for ns in "$@"; do
		[ -z "${SC_UP[$ns]:-}" ] && [ -f "$LAB_TMP/up-$ns" ] &&
		    SC_UP[$ns]=$(cat "$LAB_TMP/up-$ns")
	done
	return 0
}

sc_count_up()
{
	local ns n=0

	for ns in "$@"; do
		[ -n "${SC_UP[$ns]:-}" ] && n=$(( n + 1 ))
	done
	echo "$n"
}

# Start the clients (names in arguments) in batches, pinging between
# batches, then until all are up or the deadline passes; sets SC_WALL.
sc_start_clients()
{
	local t0 end i=0 ns

	t0=$(sc_now)
	end=$(( $(date +%s) + SC_DEADLINE ))
	for ns in "$@"; do
		sc_spawn "$ns" "${RDV_SCALE_CLIENT_V:-}"
		i=$(( i + 1 ))
		if [ $(( i % SC_BATCH )) -eq 0 ]; then
			sleep 1
			sc_ping_pass "$@"
		fi
	done
	while [ "$(date +%s)" -lt "$end" ] &&
	    [ "$(sc_count_up "$@")" -lt $# ]; do
		sc_ping_pass "$@"
		sleep 1
	done
	SC_WALL=$(sc_sub "$(sc_now)" "$t0")
}

# Median and maximum of numbers on stdin: "median max".
sc_medmax()
{
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "- -"; exit }
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.1f %.1f\n", m, v[NR] }'
}

sc_dead()
{
	local ns n=0

	for ns in "$@"; do
		[ "$(sc_nproc "$ns")" -eq 4 ] || {
			lab_log "clawd $ns has $(sc_nproc "$ns") processes"
			tail -n 20 "$LAB_TMP/clawd-$ns/clawd.log"
			n=$(( n + 1 ))
		}
	done
	echo "$n" >"$LAB_TMP/dead"
}

sc_world()
{
	local m=$1

	lab_inet
	lab_site 1 prc
	sc_client_site "$m"
	rdv_emulator
	sc_emu -d "{\"rate_limit\":{\"per_sec\":$SC_RATE}}" \
	    "$SC_EMU/faults" >/dev/null || lab_die "emulator faults"
}

sc_server_ready()
{
	lab_ctl_at host1 -j show drop 2>/dev/null |
	    jq -e '.state == "ready"' >/dev/null
}

sc_server_offers()
{
	lab_ctl_at host1 -j show drop 2>/dev/null |
	    jq -e --argjson n "$1" '.puts >= $n' >/dev/null
}

sc_wait_server_ready()
{
	rdv_until 30 sc_server_ready ||
	    lab_die "the server's drop is not ready within 30 s"
}

# The scale test.
sc_scale()
{
	local n=$1 clients=() i ns e0 e1 r0 r1 up mm req emu rej srv
	local rss0 rss1 dead

	for i in $(seq "$n"); do clients+=("c$i"); done
	sc_world "$n"
	case ${RDV_SCALE_SERVER:-aot} in
	aot)		sc_confs "$n" "" " on-demand" ;;
	ondemand)	sc_confs "$n" " on-demand" ;;
	*)		lab_die "RDV_SCALE_SERVER: aot or ondemand" ;;
	esac
	sc_spawn host1 -v
	sc_wait_server_ready
	# Ahead of time, its standing offers are in the drop first.
	[ "${RDV_SCALE_SERVER:-aot}" = aot ] &&
	    ! rdv_until 60 sc_server_offers "$n" &&
	    lab_log "the server's $n offers are not all in the drop"
	rss0=$(sc_rss host1)
	lab_log "server ready, $rss0 kB; starting $n clients"
	sc_start_clients "${clients[@]}"
	up=$(sc_count_up "${clients[@]}")
	for ns in "${clients[@]}"; do
		[ -n "${SC_UP[$ns]:-}" ] &&
		    sc_sub "${SC_UP[$ns]}" "${SC_START[$ns]}"
		echo
	done | grep . | sc_medmax >"$LAB_TMP/mm"
	mm=$(cat "$LAB_TMP/mm")
	emu=$(sc_emu_total)
	rej=$(sc_emu_rejected)
	srv=$(sc_requests host1)
	for ns in "${clients[@]}"; do sc_requests "$ns"; done |
	    sc_medmax >"$LAB_TMP/mm"
	req=$(cat "$LAB_TMP/mm")
	rss1=$(sc_rss host1)
	lab_log "connected: $up of $n in ${SC_WALL}s (time to connect" \
	    "from each client's start: median ${mm% *}s, worst ${mm#* }s)"
	lab_log "MEGA requests: emulator total $emu ($(( emu / n )) per" \
	    "connection, $rej refused by the rate limit), server $srv" \
	    "($(( srv / n )) per connection), per client median ${req% *}" \
	    "worst ${req#* }"
	lab_log "server memory (4 processes, VmRSS): ${rss0} kB ready," \
	    "${rss1} kB with $up clients"
	if [ "$up" -eq "$n" ]; then
		lab_ok "all $n clients connected within ${SC_DEADLINE}s"
	else
		for ns in "${clients[@]}"; do
			[ -z "${SC_UP[$ns]:-}" ] || continue
			lab_log "--- $ns not connected"
			tail -n 10 "$LAB_TMP/clawd-$ns/clawd.log"
			lab_ctl_at "$ns" show peers 2>&1
		done | head -n 80
		lab_fail "$up of $n clients connected within ${SC_DEADLINE}s"
	fi
	if [ $(( emu / n )) -le "$SC_BOUND" ]; then
		lab_ok "$(( emu / n )) MEGA requests per connection" \
		    "(bound $SC_BOUND)"
	else
		lab_fail "$(( emu / n )) MEGA requests per connection," \
		    "above $SC_BOUND"
	fi

	# Idle: every client connected, the server should only poll sc
	# (after the retries and sweeps of the connection phase).
	sleep "$SC_SETTLE"
	r0=$(sc_requests host1)
	e0=$(sc_emu_total)
	lab_log "idle for ${SC_IDLE}s"
	sleep "$SC_IDLE"
	r1=$(sc_requests host1)
	e1=$(sc_emu_total)
	rss1=$(sc_rss host1)
	lab_log "idle ${SC_IDLE}s: server $(( r1 - r0 )) requests," \
	    "emulator $(( e1 - e0 )) from everyone; server ${rss1} kB"
	if [ $(( r1 - r0 )) -le "$SC_IDLE_BOUND" ]; then
		lab_ok "idle server: $(( r1 - r0 )) requests in ${SC_IDLE}s" \
		    "(bound $SC_IDLE_BOUND)"
	else
		lab_fail "idle server: $(( r1 - r0 )) requests in" \
		    "${SC_IDLE}s, above $SC_IDLE_BOUND"
	fi
	SC_UP=()
	rm -f "$LAB_TMP"/up-*
	sc_ping_pass "${clients[@]}"
	i=$(sc_count_up "${clients[@]}")
	[ "$i" -ge "$up" ] && lab_ok "$i clients still connected" ||
	    lab_fail "only $i of $up clients still connected after idle"
	sc_dead host1 "${clients[@]}"
	dead=$(cat "$LAB_TMP/dead")
	[ "$dead" -eq 0 ] && lab_ok "no clawd died" ||
	    lab_fail "$dead clawds died"
	printf 'SCALE n=%s up=%s wall=%s ttc_med=%s ttc_max=%s emu=%s' \
	    "$n" "$up" "$SC_WALL" "${mm% *}" "${mm#* }" "$emu"
	printf ' rejected=%s server=%s client_med=%s client_max=%s' \
	    "$rej" "$srv" "${req% *}" "${req#* }"
	printf ' rss_ready=%s rss=%s idle_server=%s idle_emu=%s\n' \
	    "$rss0" "$rss1" "$(( r1 - r0 ))" "$(( e1 - e0 ))"
}

# The comparison: M configured clients, R running, in MODE; the server's
# requests in the first SC_WINDOW seconds after the R are up.
sc_compare_one()
{
	local m=$1 r=$2 mode=$3 clients=() i r0 r1 e0 e1 up rs0

	for i in $(seq "$r"); do clients+=("c$i"); done
	sc_world "$m"
	sc_confs "$m" "$mode"
	sc_spawn host1 -v
	sc_wait_server_ready
	sc_start_clients "${clients[@]}"
	up=$(sc_count_up "${clients[@]}")
	rs0=$(sc_requests host1)
	r0=$rs0
	e0=$(sc_emu_total)
	sleep "$SC_WINDOW"
	r1=$(sc_requests host1)
	e1=$(sc_emu_total)
	lab_log "mode ${mode:- ahead-of-time}: $up of $r up in ${SC_WALL}s;" \
	    "server: $rs0 requests until then; then $(( r1 - r0 ))" \
	    "requests in ${SC_WINDOW}s (emulator total $(( e1 - e0 )));" \
	    "server $(sc_rss host1) kB"
	printf 'COMPARE mode=%s configured=%s running=%s up=%s setup_req=%s' \
	    "${mode:-aot}" "$m" "$r" "$up" "$rs0"
	printf ' window=%s server_req=%s per_min=%s emu_req=%s\n' \
	    "$SC_WINDOW" "$(( r1 - r0 ))" \
	    "$(awk -v a=$(( r1 - r0 )) -v w="$SC_WINDOW" \
	    'BEGIN { printf "%.1f", a * 60 / w }')" "$(( e1 - e0 ))"
	[ "$up" -eq "$r" ] && lab_ok "${mode:-ahead-of-time}: $r up" ||
	    lab_fail "${mode:-ahead-of-time}: $up of $r up"
	sc_dead host1 "${clients[@]}"
	[ "$(cat "$LAB_TMP/dead")" -eq 0 ] || lab_fail "a clawd died"
	sc_teardown
}

# Stop everything of one world, for the next.
sc_teardown()
{
	local p

	for p in "${SC_PID[@]}"; do
		lab_pid_alive "$p" && kill "$p" 2>/dev/null
	done
	for p in "${SC_PID[@]}"; do
		lab_stop_pid "$p"
	done
	SC_PID=()
	SC_START=()
	SC_UP=()
	rdv_teardown
	rm -rf "$LAB_TMP"/clawd-* "$LAB_TMP"/up-*
}

rdv_start_test
lab_require_tools jq curl
trap sc_cleanup EXIT
ulimit -n 65536 2>/dev/null
if [ "${1:-}" = -c ]; then
	for mode in ${RDV_SCALE_MODES:-aot ondemand}; do
		case $mode in
		aot)		sc_compare_one "${2:-20}" "${3:-5}" "" ;;
		ondemand)	sc_compare_one "${2:-20}" "${3:-5}" \
				    " on-demand" ;;
		*)		lab_die "RDV_SCALE_MODES: aot, ondemand" ;;
		esac
	done
else
	if [ -n "${top_builddir:-}" ]; then
		n=${1:-${RDV_SCALE_N:-10}}
	else
		n=${1:-${RDV_SCALE_N:-100}}
	fi
	case $n in
	''|*[!0-9]*|0)	lab_die "usage: rdv_scale.sh [N] | -c [M [R]]" ;;
	esac
	[ "$n" -le 1000 ] || lab_die "N at most 1000"
	sc_scale "$n"
fi
exit "$LAB_FAILED"
