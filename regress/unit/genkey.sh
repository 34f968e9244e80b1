#!/bin/sh
#
# clawctl genkey/pubkey against wg(8) from wireguard-tools: each must
# read the other's keys and derive the same public keys.  Skips (77)
# when wg is not installed.

CLAWCTL=${CLAWCTL:-${top_builddir:-.}/clawctl}

if ! command -v wg >/dev/null 2>&1; then
	echo "wg(8) not found, skipping"
	exit 77
fi
if [ ! -f "$CLAWCTL" ] || [ ! -x "$CLAWCTL" ]; then
	echo "clawctl not found at $CLAWCTL" >&2
	exit 1
fi

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/regress/unit/tap.sh"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
umask 077


check() {
	if [ "$2" = "$3" ] && [ -n "$2" ]; then
		ok "$1"
	else
		notok "$1 ('$2' != '$3')"
	fi
}

i=0
while [ $i -lt 8 ]; do
	i=$((i + 1))

	# clawctl's private key, public key from both tools.
	"$CLAWCTL" genkey > "$tmp/c.key" || notok "clawctl genkey"
	priv=$(cat "$tmp/c.key")
	case "$priv" in
	???????????????????????????????????????????=) ;;
	*) notok "clawctl genkey output is 44 characters: '$priv'" ;;
	esac
	[ "$(wc -l < "$tmp/c.key")" -eq 1 ] ||
	    notok "clawctl genkey prints one line"
	wpub=$(wg pubkey < "$tmp/c.key")
	cpub=$("$CLAWCTL" pubkey < "$tmp/c.key")
	check "clawctl genkey $i: wg pubkey = clawctl pubkey" "$wpub" "$cpub"
	cmp -s "$tmp/c.key" - <<-KEY || notok "genkey $i: exact output"
	$priv
	KEY

	# wg's private key, public key from both tools.
	wg genkey > "$tmp/w.key"
	wpub=$(wg pubkey < "$tmp/w.key")
	cpub=$("$CLAWCTL" pubkey < "$tmp/w.key")
	check "wg genkey $i: clawctl pubkey = wg pubkey" "$cpub" "$wpub"

	# Byte for byte: the same output, newline included.
	wg pubkey < "$tmp/w.key" > "$tmp/w.pub"
	"$CLAWCTL" pubkey < "$tmp/w.key" > "$tmp/c.pub"
	if cmp -s "$tmp/w.pub" "$tmp/c.pub"; then
		ok "wg genkey $i: identical pubkey output"
	else
		notok "wg genkey $i: identical pubkey output"
	fi

	# Without the trailing newline too.
	printf '%s' "$(cat "$tmp/w.key")" > "$tmp/w.nonl"
	cpub=$("$CLAWCTL" pubkey < "$tmp/w.nonl")
	check "wg genkey $i: key without newline" "$cpub" "$wpub"
done

# A public key derived by pubkey pipes straight through.
cpub=$("$CLAWCTL" genkey | tee "$tmp/p.key" | "$CLAWCTL" pubkey)
wpub=$(wg pubkey < "$tmp/p.key")
check "clawctl genkey | clawctl pubkey" "$cpub" "$wpub"

# Bad input: exit 1, a message on stderr, nothing on stdout.
bad() {
	printf "$2" > "$tmp/bad"
	"$CLAWCTL" pubkey < "$tmp/bad" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	if [ $rc -eq 1 ] && [ -s "$tmp/err" ] && [ ! -s "$tmp/out" ]; then
		ok "pubkey rejects $1: $(cat "$tmp/err")"
	else
		notok "pubkey rejects $1 (exit $rc)"
	fi
}
k=$(wg genkey)
bad "an empty input" ''
bad "a short key" 'AAAA\n'
bad "a key and junk" "$k junk\n"
bad "a key and two newlines" "$k\n\n"
bad "url-safe characters" \
    'AAAAAAAAAAAAAAAAAAAA-_AAAAAAAAAAAAAAAAAAAAA=\n'
bad "non-zero trailing bits" \
    'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=\n'
bad "a long input" "$k\n$k\n$k\n"

echo "1..$n"
exit $fail
