# tap.sh: "ok N - ..." and "not ok N - ..." lines for the shell unit
# tests, as tap.c prints them for the C ones.  Source it from sh; n
# counts the checks, fail is 1 after a failed one; end with
# 'echo "1..$n"' and exit non-zero if $fail is 1.

n=0
fail=0

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

notok() {
	n=$((n + 1))
	fail=1
	echo "not ok $n - $1"
}
