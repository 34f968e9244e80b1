#!/bin/sh
#
# The process boundaries are the build's: each process directory is a
# library of its own compiled with common/ and that directory on the
# include path and nothing else (Makefile.am), so a file of one process
# cannot include another's header.  This checks it with the flags the
# build really uses (make print-cppflags):
#
#  - for each process and for common/, every header of every other
#    process directory must fail to resolve: a build error;
#  - the process's own main header after common's must compile, so
#    that the flags are known to work and the test can fail;
#  - no #include in the process directories reaches around the path:
#    no "../", no quoted name with a directory in it (-I of the build
#    tree is the source tree in an in-tree build), no <dir/...> of ours.
#
# Everything is compiled with -fsyntax-only in a temporary directory;
# nothing is written into the source or build trees.

set -u

if [ -z "${top_srcdir:-}" ] || [ -z "${top_builddir:-}" ]; then
	echo "top_srcdir and top_builddir must be set (make check does)" >&2
	exit 1
fi
CC=${CC:-cc}
MAKE=${MAKE:-make}
procs="parent crypto signaler netengine"

. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/regress/unit/tap.sh"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM


# The flags of one library, with absolute paths so that the compiler
# can run in $tmp.  The make running the tests must not leak its
# jobserver or flags into this one.
flags_of() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "$MAKE" -s \
	    --no-print-directory -C "$top_builddir" print-cppflags P="$1" \
	    top_srcdir="$top_srcdir" top_builddir="$top_builddir"
}

# Compile the lines given on stdin with flags $1; the compiler's
# messages are left in $tmp/err.  The flags are shell words as make
# passes them (-DX=\"...\"), hence eval.
try() {
	cat >"$tmp/t.c"
	(cd "$tmp" && eval "\"\$CC\" $1 -fsyntax-only t.c") >"$tmp/err" 2>&1
}

# The header each process is built around, included after common's.
main_header() {
	case $1 in
	common)	echo "util.h" ;;
	*)	echo "$1.h" ;;
	esac
}

for p in $procs common; do
	if ! flags=$(flags_of "$p") || [ -z "$flags" ]; then
		notok "$p: make print-cppflags P=$p"
		continue
	fi
	case " $flags " in
	*" -I$top_srcdir/common "*) ;;
	*)	notok "$p: common/ is not on the path: $flags"; continue ;;
	esac
	case "$p: $flags " in
	common:*|*" -I$top_srcdir/$p "*) ;;
	*)	notok "$p: $p/ is not on the path: $flags"; continue ;;
	esac

	# Positive control: what the process may include compiles.
	h=$(main_header "$p")
	if printf '%s\n' '#include <sys/types.h>' '#include "clawd.h"' \
	    '#include "clawd_imsg.h"' '#include "log.h"' '#include "proc.h"' \
	    "#include \"$h\"" 'int boundary_ok;' | try "$flags"; then
		ok "$p: common's headers and $h compile"
	else
		notok "$p: common's headers and $h do not compile"
		sed 's/^/# /' "$tmp/err"
	fi

	for q in $procs; do
		[ "$q" = "$p" ] && continue
		bad=""
		nh=0
		for f in "$top_srcdir/$q"/*.h; do
			[ -e "$f" ] || continue
			h=${f##*/}
			# A header of the same name here shadows it: not a
			# way across, and not what this checks.
			if [ -e "$top_srcdir/$p/$h" ] ||
			    [ -e "$top_srcdir/common/$h" ]; then
				echo "# $p: skipping $q/$h, $h is also here"
				continue
			fi
			nh=$((nh + 1))
			if echo "#include \"$h\"" | try "$flags"; then
				bad="$bad $q/$h"
			elif ! grep -Eq "$h: No such file|'$h' file not found" \
			    "$tmp/err"; then
				# Failed, but not for want of the file.
				bad="$bad $q/$h"
				sed 's/^/# /' "$tmp/err" | head -n 5
			fi
		done
		if [ "$nh" -eq 0 ]; then
			notok "$p: no headers of $q/ to try"
		elif [ -n "$bad" ]; then
			notok "$p can include$bad"
		else
			ok "$p cannot include $q/'s headers ($nh tried)"
		fi
	done
done

# No way around the include path from inside a process directory.
inc='^[[:space:]]*#[[:space:]]*include[[:space:]]*'
ours='(parent|crypto|signaler|netengine|common|clawctl)/'
for p in $procs; do
	hits=$(grep -nE "$inc(\"[^\"]*/|<\\.\\./|<$ours)" \
	    "$top_srcdir/$p"/*.[chy] /dev/null)
	if [ -n "$hits" ]; then
		notok "$p/ has an #include with a path in it"
		echo "$hits" | sed "s|^$top_srcdir/|# |"
	else
		ok "$p/ has no #include with a path in it"
	fi
done

echo "1..$n"
exit $fail
