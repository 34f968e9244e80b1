# Shared harness for the MEGA drop tests (drop_*.sh): clawd against the
# MEGA emulator, mega-mock and megajs.  Source it from bash.
#
# Built on regress/lab/lib.sh: clawd, the tools, the temporary
# directory (LAB_TMP), namespaces (lab_ns_add N makes clawd-mega-$$-N,
# lab_ns N names it), pids (LAB_PIDS, lab_pid_alive, lab_stop_pid) and
# the cleanup are the lab's.  Every test's namespaces have only lo, so
# the emulator, clawd, clawctl and node talk over 127.0.0.1 and never
# touch the host's network.  An EXIT trap kills what was started (by
# pid, then what is left in the namespaces), deletes the namespaces and
# the temporary directory (kept with DL_KEEP=1 or LAB_KEEP=1).
#
# Output is TAP-ish: "ok N - ...", "not ok N - ..."; dl_finish exits 0
# when all passed, 1 otherwise.  Skips exit 77.  The lab's messages
# take that form too: lab_log is dl_log, lab_skip dl_skip, lab_die
# dl_bail.

DL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$DL_DIR/../lab/lib.sh" || exit 99
LAB_PREFIX=clawd-mega-$$-
LAB_KEEP=${DL_KEEP:-$LAB_KEEP}
# clawd under a sanitizer may take a while to report and exit.
LAB_STOP_SECS=5
DL_N=0
DL_FAILED=0
DL_TODO=0
DL_FOLDER=/temp-share/clawchat-connections

# Per clawd instance (by name): namespace, directory, socket, log, pid.
declare -A DL_CNS DL_CDIR DL_CSOCK DL_CLOG DL_CPID
# Per emulator instance (by name): namespace, URL, control URL, pid, log.
declare -A DL_ENS DL_EURL DL_ECTL DL_EPID DL_ELOG

DL_V1_EMAIL=v1@test.invalid
DL_V1_PASS=password-v1
DL_V2_EMAIL=v2@test.invalid
DL_V2_PASS=password-v2

dl_log()
{
	printf '# %s\n' "$*"
}

dl_ok()
{
	DL_N=$((DL_N + 1))
	printf 'ok %d - %s\n' "$DL_N" "$*"
}

dl_notok()
{
	DL_N=$((DL_N + 1))
	DL_FAILED=$((DL_FAILED + 1))
	printf 'not ok %d - %s\n' "$DL_N" "$*"
}

# A TAP TODO: reported, not counted as a failure.
dl_todo()
{
	DL_N=$((DL_N + 1))
	DL_TODO=$((DL_TODO + 1))
	printf 'not ok %d - %s # TODO %s\n' "$DL_N" "$1" "$2"
}

# dl_check DESCRIPTION COMMAND...: ok if the command succeeds.
dl_check()
{
	local what=$1

	shift
	if "$@"; then
		dl_ok "$what"
	else
		dl_notok "$what"
	fi
}

dl_skip()
{
	printf '1..0 # SKIP %s\n' "$*"
	exit 77
}

lab_log()
{
	dl_log "$@"
}

lab_skip()
{
	dl_skip "$@"
}

# Stop at once; the EXIT trap cleans up.
dl_bail()
{
	dl_notok "$*"
	printf 'Bail out! %s\n' "$*"
	dl_dump_logs
	exit 1
}

lab_die()
{
	dl_bail "$@"
}

dl_finish()
{
	local c

	# Stop every clawd first: a sanitizer build reports leaks on exit,
	# to stderr, which is the log.
	for c in "${!DL_CPID[@]}"; do
		lab_stop_pid "${DL_CPID[$c]}"
	done
	for c in "${!DL_CLOG[@]}"; do
		[ -f "${DL_CLOG[$c]}" ] || continue
		if grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:' \
		    "${DL_CLOG[$c]}"; then
			dl_notok "clawd $c: sanitizer report in its log"
			grep -E -A5 'Sanitizer|runtime error:' "${DL_CLOG[$c]}" |
			    head -n 20 | sed 's/^/#   /'
		fi
	done
	printf '1..%d\n' "$DL_N"
	printf '# %d passed, %d failed, %d todo\n' \
	    $((DL_N - DL_FAILED - DL_TODO)) "$DL_FAILED" "$DL_TODO"
	[ "$DL_FAILED" -eq 0 ] || dl_dump_logs
	[ "$DL_FAILED" -eq 0 ] && exit 0
	exit 1
}

# The last lines of every clawd log, to see why something failed.
dl_dump_logs()
{
	local c

	for c in "${!DL_CLOG[@]}"; do
		[ -f "${DL_CLOG[$c]}" ] || continue
		printf '# --- clawd %s log (last 40 lines)\n' "$c"
		tail -n 40 "${DL_CLOG[$c]}" | sed 's/^/#   /'
	done
}

# Checks, the npm packages (npm.sh), the temporary directory, the test CA.
dl_init()
{
	lab_require_root
	lab_require_tools node npm ip curl jq openssl
	sh "$DL_DIR/../npm.sh" "$DL_DIR" ||
	    dl_skip "the npm packages of regress/mega cannot be installed"
	lab_find_clawd
	lab_system_setup
	lab_init
	"$DL_DIR/mkca.sh" "$LAB_TMP/ca" || dl_bail "mkca.sh"
}

# dl_emu NAME NS [tls|rogue|plain] [emulator options...]: start an
# emulator; wait (30 s) for its URLs.
dl_emu()
{
	local name=$1 ns=$2 mode=$3 log i url ctl tls=() try t0

	shift 3
	case $mode in
	tls)	tls=(--tls "$LAB_TMP/ca/server.pem" "$LAB_TMP/ca/server.key") ;;
	rogue)	tls=(--tls "$LAB_TMP/ca/rogue.pem" "$LAB_TMP/ca/rogue.key") ;;
	plain)	;;
	*)	dl_bail "dl_emu: mode $mode" ;;
	esac
	log=$LAB_TMP/emu-$name.log
	DL_ENS[$name]=$ns
	DL_ELOG[$name]=$log
	# Three tries of 30 s each, every failure said with its cause.
	for try in 1 2 3; do
		: >"$log"
		t0=$(date +%s.%N)
		ip netns exec "$ns" node "$DL_DIR/emulator.js" \
		    --listen 127.0.0.1:0 --control-port 0 --wait-ms 5000 \
		    "${tls[@]}" "$@" >"$log" 2>&1 &
		DL_EPID[$name]=$!
		LAB_PIDS+=($!)
		for i in $(seq 300); do
			url=$(sed -n 's/.*listening on \([^ ]*\).*/\1/p' "$log")
			ctl=$(sed -n 's/.*control on \([^ ]*\).*/\1/p' "$log")
			[ -n "$url" ] && [ -n "$ctl" ] && break
			lab_pid_alive "${DL_EPID[$name]}" || break
			sleep 0.1
		done
		[ -n "$url" ] && [ -n "$ctl" ] && break
		dl_log "emulator $name did not start (try $try, after" \
		    "$(awk -v a="$t0" -v b="$(date +%s.%N)" \
		    'BEGIN { printf "%.1f", b - a }') s); its log:"
		sed 's/^/# /' "$log"
		lab_proc_why "${DL_EPID[$name]}" | sed 's/^/# /'
		lab_stop_pid "${DL_EPID[$name]}"
	done
	if [ -z "$url" ] || [ -z "$ctl" ]; then
		dl_bail "emulator $name did not start in three tries"
	fi
	case $ctl in */) ;; *) ctl=$ctl/ ;; esac
	DL_EURL[$name]=$url
	DL_ECTL[$name]=$ctl
	dl_log "emulator $name: $url (control $ctl)"
}

# dl_emu_ctl NAME METHOD PATH [JSON]: a control request; prints the reply.
dl_emu_ctl()
{
	local name=$1 method=$2 path=$3 body=${4:-}

	if [ -n "$body" ]; then
		ip netns exec "${DL_ENS[$name]}" curl -s -m 10 -X "$method" \
		    -d "$body" "${DL_ECTL[$name]}$path"
	else
		ip netns exec "${DL_ENS[$name]}" curl -s -m 10 -X "$method" \
		    "${DL_ECTL[$name]}$path"
	fi
}

dl_fault()
{
	dl_emu_ctl "$1" POST faults "$2" >/dev/null
}

dl_faults_reset()
{
	dl_emu_ctl "$1" DELETE faults >/dev/null
}

# dl_stat NAME TABLE KEY: one counter of /stats (0 if absent).
dl_stat()
{
	dl_emu_ctl "$1" GET stats | jq -r ".$2[\"$3\"] // 0"
}

# dl_cred FILE EMAIL PASSWORD: a credentials file, mode 0600.
dl_cred()
{
	(umask 077; printf '# MEGA login for the drop test\nemail %s\npassword %s\n' \
	    "$2" "$3" >"$1")
	chmod 600 "$1"
}

# dl_conf NAME URL EMAIL PASSWORD [mega block lines...]: a clawd
# directory with key, credentials, state directory and clawd.conf.
dl_conf()
{
	local name=$1 url=$2 email=$3 pass=$4 d l

	shift 4
	d=$LAB_TMP/clawd-$name
	mkdir -p "$d/state"
	chmod 700 "$d" "$d/state"
	if [ ! -f "$d/key" ]; then
		(umask 077; "$CLAWCTL" genkey >"$d/key") ||
		    dl_bail "clawctl genkey"
		chmod 600 "$d/key"
	fi
	dl_cred "$d/cred" "$email" "$pass"
	{
		printf 'private-key "%s"\n' "$d/key"
		printf 'state-directory "%s"\n' "$d/state"
		printf 'mega {\n'
		printf '\tcredentials "%s"\n' "$d/cred"
		printf '\tapi-url "%s"\n' "$url"
		printf '\tca-file "%s"\n' "$LAB_TMP/ca/ca.pem"
		for l in "$@"; do printf '\t%s\n' "$l"; done
		printf '}\n'
		# Top-level lines after the mega block (interface, peers).
		[ -n "${DL_CONF_EXTRA:-}" ] && printf '%s\n' "$DL_CONF_EXTRA"
	} >"$d/clawd.conf"
	chmod 600 "$d/clawd.conf"
	DL_CDIR[$name]=$d
}

# dl_clawd NAME NS: start clawd -d (conf from dl_conf); wait (15 s)
# until show status answers.
dl_clawd()
{
	local name=$1 ns=$2 d i

	d=${DL_CDIR[$name]}
	[ -n "$d" ] || dl_bail "dl_clawd: no conf for $name"
	DL_CNS[$name]=$ns
	DL_CSOCK[$name]=$d/clawd.sock
	DL_CLOG[$name]=$d/clawd.log
	ip netns exec "$ns" "$CLAWD" -d -f "$d/clawd.conf" \
	    -s "$d/clawd.sock" >>"$d/clawd.log" 2>&1 &
	DL_CPID[$name]=$!
	LAB_PIDS+=($!)
	for i in $(seq 150); do
		if dl_ctl "$name" show status >/dev/null 2>&1; then
			dl_log "clawd $name started in $ns, pid ${DL_CPID[$name]}"
			return 0
		fi
		lab_pid_alive "${DL_CPID[$name]}" || break
		sleep 0.1
	done
	tail -n 40 "$d/clawd.log" | sed 's/^/#   /'
	dl_bail "clawd $name did not answer show status within 15 s"
}

# dl_clawd_stop NAME: SIGTERM and wait.
dl_clawd_stop()
{
	lab_stop_pid "${DL_CPID[$1]}"
}

# dl_ctl NAME ARGS...: clawctl in clawd NAME's namespace (30 s limit).
dl_ctl()
{
	local name=$1

	shift
	timeout 30 ip netns exec "${DL_CNS[$name]}" \
	    "$CLAWCTL" -s "${DL_CSOCK[$name]}" "$@"
}

# dl_drop NAME: show drop as JSON.
dl_drop()
{
	dl_ctl "$1" -j show drop
}

# dl_drop_field NAME JQ: one field of show drop.
dl_drop_field()
{
	dl_drop "$1" 2>/dev/null | jq -r "$2" 2>/dev/null
}

# dl_wait_state NAME STATE SECONDS: until show drop says STATE.
dl_wait_state()
{
	local name=$1 want=$2 secs=$3 end s

	end=$((SECONDS + secs))
	while [ "$SECONDS" -lt "$end" ]; do
		s=$(dl_drop_field "$name" .state)
		[ "$s" = "$want" ] && return 0
		lab_pid_alive "${DL_CPID[$name]}" || return 1
		sleep 0.2
	done
	dl_log "clawd $name: state ${s:-?}, wanted $want"
	return 1
}

# dl_wait_file NAME FILE SECONDS [SIZE]: until show drop lists FILE.
dl_wait_file()
{
	local name=$1 file=$2 secs=$3 size=${4:-} end n

	end=$((SECONDS + secs))
	while [ "$SECONDS" -lt "$end" ]; do
		if [ -n "$size" ]; then
			n=$(dl_drop_field "$name" "[.files[]? |
			    select(.name == \"$file\" and .size == $size)] |
			    length")
		else
			n=$(dl_drop_field "$name" "[.files[]? |
			    select(.name == \"$file\")] | length")
		fi
		[ "${n:-0}" -ge 1 ] && return 0
		sleep 0.2
	done
	return 1
}

# dl_wait_nofile NAME FILE SECONDS: until show drop no longer lists it.
dl_wait_nofile()
{
	local name=$1 file=$2 secs=$3 end n

	end=$((SECONDS + secs))
	while [ "$SECONDS" -lt "$end" ]; do
		n=$(dl_drop_field "$name" "[.files[]? |
		    select(.name == \"$file\")] | length")
		[ "$n" = 0 ] && return 0
		sleep 0.2
	done
	return 1
}

# dl_count NAME FILE: how many files of that name show drop lists.
dl_count()
{
	dl_drop_field "$1" "[.files[]? | select(.name == \"$2\")] | length"
}

# dl_put NAME FILE PATH / dl_get NAME FILE > out / dl_rm NAME FILE
dl_put()
{
	dl_ctl "$1" drop put "$2" "$3"
}

dl_get()
{
	dl_ctl "$1" drop get "$2"
}

dl_rm()
{
	dl_ctl "$1" drop rm "$2"
}

# dl_megajs NS URL EMAIL PASSWORD ARGS...: megajs-tool.js in NS,
# trusting the test CA (60 s limit).
dl_megajs()
{
	local ns=$1 url=$2 email=$3 pass=$4

	shift 4
	timeout 60 ip netns exec "$ns" env \
	    NODE_EXTRA_CA_CERTS="$LAB_TMP/ca/ca.pem" \
	    node "$DL_DIR/megajs-tool.js" --gateway "$url" --email "$email" \
	    --password "$pass" "$@"
}

# dl_randfile PATH SIZE: SIZE random bytes.
dl_randfile()
{
	head -c "$2" /dev/urandom >"$1"
}

# dl_allbytes PATH: the 256 byte values, twice, NULs included.
dl_allbytes()
{
	python3 -c 'import sys
sys.stdout.buffer.write(bytes(range(256)) * 2)' >"$1"
}

# dl_grep_log NAME REGEX: does clawd NAME's log match (case blind)?
dl_grep_log()
{
	grep -Eiq "$2" "${DL_CLOG[$1]}"
}
