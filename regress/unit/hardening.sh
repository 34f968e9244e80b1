#!/bin/bash
#
# The hardening of the installed programs (clawd, clawctl), read from
# the ELF files with readelf(1) (binutils):
#
#  - PIE: ELF type DYN and the PIE bit in FLAGS_1 (-fPIE -pie);
#  - BIND_NOW in FLAGS, or NOW in FLAGS_1 (-Wl,-z,now);
#  - a GNU_RELRO segment (-Wl,-z,relro);
#  - a GNU_STACK segment without the execute bit (-Wl,-z,noexecstack);
#  - an import of __stack_chk_fail (-fstack-protector-strong);
#  - an import of at least one checked function, __memcpy_chk,
#    __snprintf_chk and the like (_FORTIFY_SOURCE); in the sanitizer
#    build, which leaves it out, none;
#  - on x86, the IBT and SHSTK marks in .note.gnu.property
#    (-fcf-protection).  They survive the link only if every object
#    has them, and Debian 12's C library start files (Scrt1.o, crti.o,
#    crtn.o) do not: where configure found that a link drops them, the
#    marks are looked for in every object file of the build instead;
#  - with GCC's debug information (-g), every C compilation unit's
#    DW_AT_producer names each compiler flag: the only trace
#    -fstack-clash-protection leaves, and proof that the flags reached
#    every object, not only some.  (C++ units are the toolchain's, such
#    as AddressSanitizer's start-up code, not ours.)
#
# What to expect comes from regress/unit/hardening.conf, which
# configure writes: the flags the compiler and linker take (tried in
# every build, so a --disable-hardening build is checked against what
# the default build would have).  A build configured with
# --disable-hardening fails here, as does one where a flag configure
# took did not reach the programs.  On Debian 12 on x86-64, the
# reference platform, every flag must have been usable.
#
# Prints "ok: ..." or "FAIL: <what>, <file>" for each check and exits 1
# on any failure, 77 (skip) without readelf.

set -u

if [ -z "${top_srcdir:-}" ] || [ -z "${top_builddir:-}" ]; then
	echo "top_srcdir and top_builddir must be set (make check does)" >&2
	exit 1
fi
READELF=${READELF:-readelf}
if ! command -v "$READELF" >/dev/null 2>&1; then
	echo "hardening.sh: $READELF not found (Debian: binutils); skipped"
	exit 77
fi

# shellcheck source=regress/report.sh
. "$top_srcdir/regress/report.sh" || exit 1

conf=$top_builddir/regress/unit/hardening.conf
if [ ! -r "$conf" ]; then
	fail "no $conf (configure the build again), $top_builddir"
	exit 1
fi
# shellcheck source=regress/unit/hardening.conf.in
. "$conf" || exit 1

progs=("${CLAWD:-$top_builddir/clawd}"
    "${CLAWCTL:-$top_builddir/clawctl/clawctl}")

echo "# hardening: $hardening, sanitizers: $sanitizers"
echo "# HARDEN_CPPFLAGS: $HARDEN_CPPFLAGS"
echo "# HARDEN_CFLAGS: $HARDEN_CFLAGS"
echo "# HARDEN_LDFLAGS: $HARDEN_LDFLAGS"

if [ "$hardening" = no ]; then
	fail "hardening is off (configure --disable-hardening), $conf"
else
	ok "hardening is on (configure), $conf"
fi

# Fortify is expected wherever it is in force, and in every build but
# the sanitizer build (where configure leaves it out) even when not.
expect_fortify=no
if [ "$fortify" = yes ] || [ "$sanitizers" != yes ]; then
	expect_fortify=yes
	[ "$fortify" = yes ] ||
	    echo "# _FORTIFY_SOURCE is not in force: $fortify_why"
fi

# The reference platform has every flag.  The machine is the one the
# programs are built for.
machine=$("$READELF" -hW "${progs[0]}" 2>/dev/null |
    sed -n 's/^ *Machine: *//p')
if [ -r /etc/os-release ] && (. /etc/os-release && [ "$ID" = debian ] &&
    [ "${VERSION_ID%%.*}" = 12 ]) && [[ $machine == *X86-64* ]]; then
	missing=
	for v in harden_ssp harden_clash harden_cet harden_pie \
	    harden_relro harden_now harden_noexecstack; do
		[ -n "${!v}" ] || missing="$missing ${v#harden_}"
	done
	if [ -n "$missing" ]; then
		fail "unusable on Debian 12 (x86-64):$missing," \
		    "$conf"
	else
		ok "every flag usable (Debian 12, x86-64), $conf"
	fi
fi

# The compiler flags each C compilation unit must have, from its
# DW_AT_producer: cu FLAG FAMILY WANTED, where the last option of the
# family (a later -fno-stack-protector undoes -fstack-protector-strong)
# must be one of WANTED (extended regular expressions).
cu_flag=() cu_fam=() cu_want=()
cu() {
	cu_flag+=("$1")
	cu_fam+=("$2")
	cu_want+=("$3")
}
[ -z "$harden_ssp" ] || cu "$harden_ssp" \
    '-f(no-)?stack-protector(-[a-z]+)?' '-fstack-protector-(strong|all)'
[ -z "$harden_clash" ] || cu "$harden_clash" \
    '-f(no-)?stack-clash-protection' '-fstack-clash-protection'
[ -z "$harden_cet" ] || cu "$harden_cet" \
    '-f(no-)?cf-protection(=[a-z]+)?' '-fcf-protection(=full)?'
[ -z "$harden_pie" ] || cu -fPIE '-f(no-)?(pie|PIE|pic|PIC)' '-f(pie|PIE)'

for f in "${progs[@]}"; do
	name=${f#"$top_builddir"/}
	if ! hdr=$("$READELF" -hW "$f" 2>/dev/null); then
		fail "not an ELF file, $name"
		continue
	fi
	dyn=$("$READELF" -dW "$f")
	phdrs=$("$READELF" -lW "$f")
	syms=$("$READELF" --dyn-syms -W "$f")

	if [ -n "$harden_pie" ]; then
		if ! grep -Eq '^ *Type: *DYN' <<<"$hdr"; then
			fail "PIE: ELF type is not DYN, $name"
		elif ! grep -Eq '\(FLAGS_1\).* PIE( |$)' <<<"$dyn"; then
			fail "PIE: no PIE in FLAGS_1, $name"
		else
			ok "PIE (type DYN, FLAGS_1 PIE), $name"
		fi
	fi

	if [ -n "$harden_now" ]; then
		if grep -Eq '\(FLAGS\).* BIND_NOW( |$)|\(FLAGS_1\).* NOW( |$)' \
		    <<<"$dyn"; then
			ok "BIND_NOW, $name"
		else
			fail "BIND_NOW: neither FLAGS BIND_NOW nor" \
			    "FLAGS_1 NOW, $name"
		fi
	fi

	if [ -n "$harden_relro" ]; then
		if grep -Eq '^ *GNU_RELRO ' <<<"$phdrs"; then
			ok "GNU_RELRO segment, $name"
		else
			fail "RELRO: no GNU_RELRO segment, $name"
		fi
	fi

	if [ -n "$harden_noexecstack" ]; then
		# Type Offset VirtAddr PhysAddr FileSiz MemSiz Flg Align
		flg=$(awk '$1 == "GNU_STACK" { print $7 }' <<<"$phdrs")
		case $flg in
		'')	fail "no GNU_STACK (executable stack), $name" ;;
		*E*)	fail "GNU_STACK is executable ($flg), $name" ;;
		*)	ok "GNU_STACK not executable ($flg), $name" ;;
		esac
	fi

	if [ -n "$harden_ssp" ]; then
		if grep -Eq ' UND +__stack_chk_fail(@| |$)' <<<"$syms"; then
			ok "stack protector (imports __stack_chk_fail), $name"
		else
			fail "stack protector: no __stack_chk_fail" \
			    "import, $name"
		fi
	fi

	chk=$(grep -Eo ' UND +__[A-Za-z0-9_]+_chk(@|$)' <<<"$syms" |
	    sed -E 's/ UND +//; s/@$//' | sort -u)
	if [ "$expect_fortify" = yes ]; then
		if [ -n "$chk" ]; then
			# shellcheck disable=SC2086
			set -- $chk
			ok "fortify (imports $# *_chk: ${*:1:3}$(
			    [ $# -le 3 ] || echo ' ...')), $name"
		else
			fail "fortify: no *_chk import, $name"
		fi
	elif [ -n "$chk" ]; then
		fail "fortify in the sanitizer build ($(tr '\n' ' ' \
		    <<<"$chk")), $name"
	else
		ok "no fortify in the sanitizer build (no *_chk import), $name"
	fi

	if [ -n "$harden_cet" ] && [ "$harden_cet_link" = yes ]; then
		prop=$("$READELF" -nW "$f" | grep 'x86 feature:')
		if [[ $prop == *IBT* && $prop == *SHSTK* ]]; then
			ok "IBT and SHSTK in .note.gnu.property, $name"
		else
			fail "CET: .note.gnu.property lacks IBT or SHSTK" \
			    "(${prop:-no x86 feature}), $name"
		fi
	fi

	# Each C compilation unit and the flags it was built with.
	if [ ${#cu_flag[@]} -gt 0 ]; then
		producers=$("$READELF" --debug-dump=info "$f" 2>/dev/null |
		    grep -E 'DW_AT_producer.*: GNU C[^+]' |
		    sed 's/.*: GNU C/GNU C/')
		ncu=$(grep -c . <<<"$producers")
		if [ -z "$producers" ]; then
			echo "# $name: no GCC debug information (-g) to" \
			    "read the flags from: ${cu_flag[*]} not" \
			    "checked per compilation unit"
		else
			bad=0
			for i in "${!cu_flag[@]}"; do
				nlack=$(awk -v fam="^(${cu_fam[i]})\$" \
				    -v want="^(${cu_want[i]})\$" '{
					last = ""
					for (i = 1; i <= NF; i++)
						if ($i ~ fam)
							last = $i
					if (last !~ want)
						n++
				    } END { print n + 0 }' <<<"$producers")
				if [ "$nlack" != 0 ]; then
					fail "${cu_flag[i]} missing in" \
					    "${nlack:-?} of $ncu compilation" \
					    "units, $name"
					bad=1
				fi
			done
			[ $bad -eq 1 ] ||
			    ok "all $ncu compilation units have" \
			    "${cu_flag[*]}, $name"
		fi
	fi
done

# The CET marks where the link cannot keep them: in every object.
if [ -n "$harden_cet" ] && [ "$harden_cet_link" != yes ]; then
	echo "# a program linked here loses the IBT and SHSTK marks (the C" \
	    "library's start files lack them); checking the objects"
	nobj=0 nbad=0
	while IFS= read -r -d '' o; do
		nobj=$((nobj + 1))
		prop=$("$READELF" -nW "$o" 2>/dev/null | grep 'x86 feature:')
		if [[ $prop != *IBT* || $prop != *SHSTK* ]]; then
			nbad=$((nbad + 1))
			[ $nbad -le 10 ] &&
			    fail "CET: no IBT and SHSTK marks," \
			    "${o#"$top_builddir"/}"
		fi
	done < <(find "$top_builddir" -mindepth 1 -type d \
	    -exec test -e '{}/config.status' ';' -prune -o \
	    -name '*.o' -type f -print0 | sort -z)
	if [ $nobj -eq 0 ]; then
		fail "CET: no object files to check, $top_builddir"
	elif [ $nbad -gt 10 ]; then
		fail "CET: $nbad of $nobj objects without IBT and SHSTK marks"
	elif [ $nbad -eq 0 ]; then
		ok "IBT and SHSTK in all $nobj objects, $top_builddir"
	fi
fi

[ "$failures" -eq 0 ]
