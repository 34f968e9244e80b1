#!/bin/sh
#
# Config tests: every *.conf here must parse and print as its .ok file,
# and the printed text must parse and print the same again; every
# bad/*.conf must fail with exit status 1 and exactly the error lines
# of its .err file.  File names in error lines are compared without
# their directory.
#
# Run by "make check" with top_srcdir and top_builddir set; the driver
# is $top_builddir/regress/config/parse_test unless PARSE_TEST names
# another (a sanitizer build, say).

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
PARSE=${PARSE_TEST:-$top_builddir/regress/config/parse_test}
dir=$top_srcdir/regress/config

if [ ! -x "$PARSE" ]; then
	echo "run.sh: $PARSE not built" >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/clawd-config.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' 0
trap 'exit 1' HUP INT TERM

n=0
failed=0

# The .ok files show the stock defaults; the build may set others
# (./configure --localstatedir), so map them to what this driver uses.
printf 'private-key "/k"\nmega {\ncredentials "/c"\n}\n' >"$tmp/probe.conf"
"$PARSE" "$tmp/probe.conf" >"$tmp/probe" 2>&1
statedir=$(sed -n 's/^state-directory "\(.*\)"$/\1/p' "$tmp/probe")
cafile=$(sed -n 's/^	ca-file "\(.*\)"$/\1/p' "$tmp/probe")
if [ -z "$statedir" ] || [ -z "$cafile" ]; then
	echo "run.sh: cannot find the compiled-in defaults" >&2
	sed 's/^/# /' "$tmp/probe" >&2
	exit 1
fi

expected()
{
	sd='/var/lib/clawd' ca='/etc/ssl/certs/ca-certificates.crt'
	sed -e "s|^\(state-directory \)\"$sd\"\$|\1\"$statedir\"|" \
	    -e "s|^\(	ca-file \)\"$ca\"\$|\1\"$cafile\"|" \
	    "$1" >"$tmp/expected"
}

ok()
{
	n=$((n + 1))
	echo "ok $n - $1"
}

notok()
{
	n=$((n + 1))
	echo "not ok $n - $1"
	failed=$((failed + 1))
}

# Show how the output differs, as TAP comments.
show()
{
	diff -u "$1" "$2" | sed 's/^/# /'
}

# "some/dir/x.conf:3: msg" -> "x.conf:3: msg"; the resolver's reason
# for a failed look-up depends on the host's network.
normalise()
{
	sed -e 's|^[^:]*/\([^/:]*:[0-9][0-9]*: \)|\1|' \
	    -e 's|\(: cannot resolve "[^"]*"\): .*|\1|' "$1"
}

# parse_good name dir file.conf expected.ok [macro ...]
parse_good()
{
	name=$1 d=$2 f=$3 exp=$4
	shift 4
	if (cd "$d" && "$PARSE" "$f" "$@") >"$tmp/out" 2>"$tmp/err"; then
		if [ -z "$exp" ]; then
			ok "$name"
		elif expected "$exp" && cmp -s "$tmp/expected" "$tmp/out"
		then
			ok "$name"
		else
			notok "$name"
			show "$tmp/expected" "$tmp/out"
		fi
	else
		notok "$name (does not parse)"
		sed 's/^/# /' "$tmp/err"
		return 1
	fi
	# What was printed must parse back to the same text.
	if "$PARSE" "$tmp/out" >"$tmp/out2" 2>"$tmp/err"; then
		if cmp -s "$tmp/out" "$tmp/out2"; then
			ok "$name round trip"
		else
			notok "$name round trip"
			show "$tmp/out" "$tmp/out2"
		fi
	else
		notok "$name round trip (does not parse)"
		sed 's/^/# /' "$tmp/err"
	fi
}

for f in "$dir"/*.conf; do
	[ -f "$f" ] || continue
	b=$(basename "$f" .conf)
	parse_good "$b" "$dir" "$b.conf" "$dir/$b.ok"
done

for f in "$dir"/bad/*.conf; do
	[ -f "$f" ] || continue
	b=$(basename "$f" .conf)
	(cd "$dir/bad" && "$PARSE" "$b.conf") >"$tmp/out" 2>"$tmp/err"
	rc=$?
	normalise "$tmp/err" >"$tmp/err.n"
	if [ $rc -ne 1 ]; then
		notok "bad/$b exits $rc, not 1"
	elif [ -s "$tmp/out" ]; then
		notok "bad/$b printed a config"
	elif cmp -s "$dir/bad/$b.err" "$tmp/err.n"; then
		ok "bad/$b"
	else
		notok "bad/$b"
		show "$dir/bad/$b.err" "$tmp/err.n"
	fi
done

# The example shipped in etc/ must parse.
parse_good "etc/clawd.conf" "$top_srcdir/etc" clawd.conf ""

# clawd -D: a command line macro wins over the file's definition.
if (cd "$dir" && "$PARSE" macros.conf wgport=2000) >"$tmp/out" 2>&1 &&
    grep -q '^listen-port 2000$' "$tmp/out"; then
	ok "command line macro"
else
	notok "command line macro"
	sed 's/^/# /' "$tmp/out"
fi

# A file that cannot be opened is an error, not an empty config.
if "$PARSE" "$tmp/no-such.conf" >/dev/null 2>&1; then
	notok "missing file"
else
	ok "missing file"
fi

echo "1..$n"
[ $failed -eq 0 ]
