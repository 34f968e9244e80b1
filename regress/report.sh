# report.sh: "ok:" and "FAIL:" lines and a failure count for the
# stand-alone regress scripts (package.sh, systemd_boot.sh).  Source it
# from bash; exit with [ "$failures" -eq 0 ] at the end.

failures=0

fail()
{
	echo "FAIL: $*"
	failures=$((failures + 1))
}

ok()
{
	echo "ok: $*"
}
