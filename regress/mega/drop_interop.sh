#!/bin/bash
# clawd and megajs (an independent MEGA client) share the drop folder on
# the emulator, both directions, v1 and v2 accounts: what clawd puts,
# megajs lists with the right name and size and downloads with a valid
# MAC; what megajs uploads, clawd lists and returns byte for byte.
# (megajs mis-MACs empty files, so every file here has bytes.)  Then
# drop messages (folder nodes whose attributes carry the bytes, the
# rendezvous' carrier): megajs makes them with mkdir and custom
# attributes, clawd lists them and returns their bytes; clawd makes
# one (an offer to a peer it offers to) and megajs finds it and reads
# the same bytes.  That the message opens, with an independent HPKE,
# is lab/rdv_attack.sh's.
# Exit 0 pass, 1 fail, 77 skip.
set -u
. "$(dirname "$0")/drop_lib.sh"
dl_init

lab_ns_add 1
NS=$(lab_ns 1)
dl_emu e "$NS" tls
URL=${DL_EURL[e]}

both_ways()
{
	local c=$1 email=$2 pass=$3 v=$4 s f list

	dl_conf "$c" "$URL" "$email" "$pass"
	dl_clawd "$c" "$NS"
	dl_check "$v: clawd ready" dl_wait_state "$c" ready 60 || return 1

	# clawd -> megajs
	for s in 1 16 1000 8192; do
		f=$LAB_TMP/$v-c$s.bin
		dl_randfile "$f" "$s"
		dl_check "$v: clawd puts $s bytes" dl_put "$c" "$v-c$s.bin" "$f"
	done
	list=$(dl_megajs "$NS" "$URL" "$email" "$pass" list "$DL_FOLDER")
	for s in 1 16 1000 8192; do
		echo "$list" | grep -q "^$v-c$s.bin $s " &&
		    dl_ok "$v: megajs lists $v-c$s.bin, size $s" ||
		    dl_notok "$v: megajs lists $v-c$s.bin, size $s"
		f=$LAB_TMP/$v-c$s.bin
		dl_megajs "$NS" "$URL" "$email" "$pass" get "$DL_FOLDER" \
		    "$v-c$s.bin" >"$f.mj" 2>"$LAB_TMP/err"
		if [ $? -eq 0 ] && cmp -s "$f" "$f.mj"; then
			dl_ok "$v: megajs downloads $v-c$s.bin, MAC valid, same bytes"
		else
			dl_notok "$v: megajs downloads $v-c$s.bin, MAC valid," \
			    "same bytes ($(head -c 200 "$LAB_TMP/err"))"
		fi
	done

	# megajs -> clawd
	for s in 1 17 5000 8192; do
		f=$LAB_TMP/$v-m$s.bin
		dl_randfile "$f" "$s"
		dl_check "$v: megajs uploads $s bytes" dl_megajs "$NS" "$URL" \
		    "$email" "$pass" put "$DL_FOLDER" "$v-m$s.bin" <"$f" \
		    2>/dev/null
	done
	for s in 1 17 5000 8192; do
		f=$LAB_TMP/$v-m$s.bin
		dl_check "$v: clawd lists $v-m$s.bin, size $s" \
		    dl_wait_file "$c" "$v-m$s.bin" 15 "$s"
		dl_get "$c" "$v-m$s.bin" >"$f.cl" 2>"$LAB_TMP/err"
		if [ $? -eq 0 ] && cmp -s "$f" "$f.cl"; then
			dl_ok "$v: clawd gets $v-m$s.bin, same bytes"
		else
			dl_notok "$v: clawd gets $v-m$s.bin, same bytes" \
			    "($(head -c 200 "$LAB_TMP/err"))"
		fi
	done
	[ "$(dl_drop_field "$c" '[.files[]? |
	    select(.name == "'"$v"'-m17.bin")][0].mine')" = false ] &&
	    dl_ok "$v: megajs's file is not mine" ||
	    dl_notok "$v: megajs's file is not mine"

	# Messages from megajs: one p each, read by clawd from the node.
	for s in 1 100 640; do
		f=$LAB_TMP/$v-msg$s
		dl_randfile "$f" "$s"
		dl_check "$v: megajs makes a $s-byte message" dl_megajs "$NS" \
		    "$URL" "$email" "$pass" putmsg "$DL_FOLDER" "$v-msg$s" \
		    <"$f" 2>/dev/null
	done
	for s in 1 100 640; do
		f=$LAB_TMP/$v-msg$s
		dl_check "$v: clawd lists message $v-msg$s, size $s" \
		    dl_wait_file "$c" "$v-msg$s" 15 "$s"
		dl_get "$c" "$v-msg$s" >"$f.cl" 2>"$LAB_TMP/err"
		if [ $? -eq 0 ] && cmp -s "$f" "$f.cl"; then
			dl_ok "$v: clawd gets message $v-msg$s, same bytes"
		else
			dl_notok "$v: clawd gets message $v-msg$s, same bytes" \
			    "($(head -c 200 "$LAB_TMP/err"))"
		fi
	done
	dl_check "$v: clawd rm of megajs's message" dl_rm "$c" "$v-msg100"
	list=$(dl_megajs "$NS" "$URL" "$email" "$pass" msgs "$DL_FOLDER")
	if echo "$list" | grep -q "^$v-msg640 640 " &&
	    ! echo "$list" | grep -q "^$v-msg100 "; then
		dl_ok "$v: megajs lists the messages left, not the deleted one"
	else
		dl_notok "$v: megajs's messages after the rm: $list"
	fi

	# clawd deletes what megajs put; megajs no longer sees it.
	dl_check "$v: clawd rm of megajs's file" dl_rm "$c" "$v-m17.bin"
	list=$(dl_megajs "$NS" "$URL" "$email" "$pass" list "$DL_FOLDER")
	echo "$list" | grep -q "^$v-m17.bin " &&
	    dl_notok "$v: megajs no longer lists it" ||
	    dl_ok "$v: megajs no longer lists it"
	dl_clawd_stop "$c"
}

both_ways a "$DL_V1_EMAIL" "$DL_V1_PASS" v1
both_ways b "$DL_V2_EMAIL" "$DL_V2_PASS" v2

# clawd -> megajs, a message: a clawd with a peer it offers to (a TUN
# interface in the namespace, the peer's key made up) writes an offer,
# its candidate the address of a veth pair's end (an offer needs one).
peerkey=$("$CLAWCTL" genkey | "$CLAWCTL" pubkey)
ip -n "$NS" link add dl1 type veth peer name dl2 &&
    ip -n "$NS" addr add 198.18.9.1/24 dev dl1 &&
    ip -n "$NS" link set dl1 up && ip -n "$NS" link set dl2 up ||
    dl_bail "a veth pair in $NS"
DL_CONF_EXTRA="interface \"dl0\" {
	address 100.64.9.1/24
}
peer \"p\" {
	public-key \"$peerkey\"
	allowed-ips 100.64.9.2/32
	role offer
}"
dl_conf o "$URL" "$DL_V1_EMAIL" "$DL_V1_PASS"
DL_CONF_EXTRA=
dl_clawd o "$NS"
dl_check "clawd with a peer: ready" dl_wait_state o ready 60
offer_listed()
{
	offer=$(dl_megajs "$NS" "$URL" "$DL_V1_EMAIL" "$DL_V1_PASS" msgs \
	    "$DL_FOLDER" | grep -E '^offer-[0-9a-f]{32} [0-9]+ ' | head -n 1)
	[ -n "$offer" ]
}
for i in $(seq 20); do
	offer_listed && break
	sleep 1
done
if offer_listed; then
	dl_ok "megajs lists clawd's offer message: $offer"
	name=${offer%% *}
	dl_megajs "$NS" "$URL" "$DL_V1_EMAIL" "$DL_V1_PASS" getmsg \
	    "$DL_FOLDER" "$name" >"$LAB_TMP/offer.mj" 2>/dev/null
	dl_get o "$name" >"$LAB_TMP/offer.cl" 2>/dev/null
	size=$(wc -c <"$LAB_TMP/offer.mj")
	if [ "$size" -gt 32 ] && cmp -s "$LAB_TMP/offer.mj" \
	    "$LAB_TMP/offer.cl" && [ "$size" = "$(echo "$offer" |
	    cut -d' ' -f2)" ]; then
		dl_ok "megajs reads the offer's $size bytes, as clawd has them"
	else
		dl_notok "megajs reads the offer: $size bytes, or not clawd's"
	fi
else
	dl_notok "megajs lists no offer message of clawd's"
	dl_dump_logs
fi
dl_clawd_stop o

dl_finish
