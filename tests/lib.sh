# Shell helpers for TAP tests. Source it: . "$top_srcdir/tests/lib.sh"
# Gives: a private $T directory removed on exit, ok/check/diag/done_testing,
# and cd_run (run certdeck capturing stdout, stderr and status).
set -u
: "${CERTDECK:?run through make check}"
: "${top_srcdir:?run through make check}"

T=$(mktemp -d "${TMPDIR:-/tmp}/certdeck-test.XXXXXX")
tap_n=0
tap_failed=0
cleanup_hooks=()
run_cleanup() {
	local st=$? h
	# Cleanup must run to the end whatever fails inside it.
	set +e
	for h in "${cleanup_hooks[@]}"; do eval "$h"; done
	rm -rf "$T"
	exit "$st"
}
trap run_cleanup EXIT
at_exit() { cleanup_hooks+=("$1"); }

ok() {	# ok STATUS DESCRIPTION
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}
check() {	# check DESCRIPTION COMMAND...
	local d=$1
	shift
	if "$@"; then ok 0 "$d"; else ok 1 "$d"; fi
}
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }
done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

# cd_run ARGS...: runs certdeck; sets $out, $errout and $rc.
cd_run() {
	set +e
	"$CERTDECK" "$@" > "$T/.out" 2> "$T/.err"
	rc=$?
	set -e
	out=$(cat "$T/.out")
	errout=$(cat "$T/.err")
}
