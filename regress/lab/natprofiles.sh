# clawd namespace lab: NAT profiles (RFC 4787) as nftables rulesets.
# Sourced by lib.sh.
#
# A profile is a base behaviour with optional modifiers joined by "+":
#
#   none	no NAT: the host has a public address on the internet
#   fc		full cone: EIM + EIF
#   rc		restricted cone: EIM + ADF
#   prc		port-restricted cone: EIM + APDF (the Linux default)
#   sym		symmetric, random ports: APDM + APDF (fully-random)
#   seq		symmetric, sequential ports: a new flow gets the port
#		after the previous flow's, from a random base
#   double	a port-restricted home NAT behind a port-restricted
#		carrier NAT (the carrier side in 198.51.100.0/24)
#   double-sym	the same behind a symmetric (fully-random) carrier
#
#   +hairpin	hairpinning on: packets from the LAN to the box's own
#		public address loop back (off by default, as in Linux)
#   +lossN	drop N % of forwarded UDP packets, each direction
#   +timeoutN	UDP mappings expire after N s (conntrack and the
#		learnt maps), instead of 30 s unreplied / 120 s replied
#
# Long names are accepted too: full-cone, restricted-cone,
# port-restricted, symmetric (= symmetric-random), symmetric-seq.

LAB_PROFILES_ALL="none fc rc prc sym seq double double-sym"

# The canonical short name of a base profile, or nothing.
lab_profile_base()
{
	case $1 in
	none|public)			echo none ;;
	fc|full-cone)			echo fc ;;
	rc|restricted-cone)		echo rc ;;
	prc|port-restricted)		echo prc ;;
	sym|symmetric|symmetric-random)	echo sym ;;
	seq|symmetric-seq|symmetric-sequential) echo seq ;;
	double|double-nat)		echo double ;;
	double-sym)			echo double-sym ;;
	esac
}

# Check a profile string; print its canonical form.
lab_profile_parse()
{
	local p=$1 base m out

	base=$(lab_profile_base "${p%%+*}")
	[ -n "$base" ] || return 1
	out=$base
	[ "$p" = "${p#*+}" ] && { echo "$out"; return 0; }
	for m in $(echo "${p#*+}" | tr + ' '); do
		case $m in
		hairpin)	;;
		loss[0-9]|loss[0-9][0-9])	;;
		timeout[1-9]|timeout[1-9][0-9]|timeout[1-9][0-9][0-9]) ;;
		*)		return 1 ;;
		esac
		[ "$base" = none ] && return 1
		out=$out+$m
	done
	echo "$out"
}

# Value of modifier NAME in profile $1 (empty if absent): hairpin
# gives "1", loss and timeout their number.
lab_profile_mod()
{
	local p=$1 name=$2 m

	[ "$p" = "${p#*+}" ] && return 0
	for m in $(echo "${p#*+}" | tr + ' '); do
		case $m in
		"$name")	echo 1 ;;
		"$name"[0-9]*)	echo "${m#"$name"}" ;;
		esac
	done
}

# What RFC 5780 discovery should report for a base profile:
# "MAPPING FILTERING" in turnutils_natdiscovery's words.
lab_profile_expect()
{
	case $1 in
	none)		echo "none none" ;;
	fc)		echo "EIM EIF" ;;
	rc)		echo "EIM ADF" ;;
	prc|double)	echo "EIM APDF" ;;
	sym|seq|double-sym) echo "APDM APDF" ;;
	esac
}

# The ruleset of one NAT box:
# lab_nat_ruleset BEHAVIOUR WANIP LANNET [hairpin] [loss%] [timeout]
# BEHAVIOUR is fc, rc, prc, sym or seq.
#
# Every box has the home-router firewall: nothing from wan reaches the
# box itself unless it answers something, and only answers or
# deliberately forwarded (DNAT) flows cross it inwards.  Cone filtering
# is built from a map learnt after SNAT: external port -> internal
# address and port, and for rc a set of (external port, remote address)
# already contacted.  The same map gives hairpinning.
lab_nat_ruleset()
{
	local beh=$1 wan=$2 lannet=$3 hairpin=${4:-} loss=${5:-}
	local tmo=${6:-120} masq i base learn orig

	learn='oifname "wan" ct direction original meta l4proto udp'
	orig='ct original ip saddr . ct original proto-src'

	case $beh in
	fc|rc|prc)	masq='oifname "wan" masquerade' ;;
	sym)		masq='oifname "wan" masquerade fully-random' ;;
	seq)
		# numgen ... offset byte-swaps the port on these kernels:
		# map every counter value to its port instead.
		base=$(( 20000 + RANDOM % 40000 ))
		masq="oifname \"wan\" meta l4proto udp snat to $wan : numgen"
		masq="$masq inc mod 1024 map {"
		for i in $(seq 0 1023); do
			masq="$masq $i : $(( base + i )),"
		done
		masq="${masq%,} }
		oifname \"wan\" masquerade"
		;;
	*)	return 1 ;;
	esac
	cat <<EOF
flush ruleset
table inet filter {
	chain input {
		type filter hook input priority filter; policy accept;
		iifname "wan" ct state established,related accept
		iifname "wan" drop
	}
	chain forward {
		type filter hook forward priority filter; policy drop;
		iifname "lan" accept
		ct state established,related accept
		ct status dnat accept
	}
}
table ip nat {
	map fc {
		type inet_service : ipv4_addr . inet_service
		flags dynamic,timeout
		timeout ${tmo}s
	}
	set adf {
		type inet_service . ipv4_addr
		flags dynamic,timeout
		timeout ${tmo}s
	}
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
EOF
	case $beh in
	fc)	echo "		iifname \"wan\" ip daddr $wan meta l4proto udp" \
		    "dnat to udp dport map @fc" ;;
	rc)	echo "		iifname \"wan\" ip daddr $wan" \
		    "udp dport . ip saddr @adf dnat to udp dport map @fc" ;;
	esac
	[ -n "$hairpin" ] &&
	    echo "		iifname \"lan\" ip daddr $wan meta l4proto udp" \
	    "dnat to udp dport map @fc"
	cat <<EOF
	}
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
EOF
	[ -n "$hairpin" ] &&
	    echo "		oifname \"lan\" ip saddr $lannet ct status dnat" \
	    "snat to $wan"
	cat <<EOF
		$masq
	}
	# Learn mappings after SNAT, from outbound flows only.
	chain learn {
		type filter hook postrouting priority srcnat + 1;
		$learn update @fc { udp sport timeout ${tmo}s : $orig }
		$learn update @adf { udp sport . ip daddr timeout ${tmo}s }
	}
}
EOF
	if [ -n "$loss" ] && [ "$loss" -gt 0 ]; then
		cat <<EOF
table inet loss {
	chain forward {
		type filter hook forward priority filter - 10;
		meta l4proto udp numgen random mod 100 < $loss drop
	}
}
EOF
	fi
}
