#!/usr/bin/env bash
# Long fuzzing runs, from a fuzzing build (./configure CC=clang --enable-fuzzing):
#
#   tests/fuzz/fuzz_run.sh [-t SECONDS] [-j PARALLEL] [-b BUILDDIR] [TARGET...]
#
# Runs each target (default: all with a corpus) for SECONDS (default 600),
# PARALLEL at a time (default 1), starting from its seed corpus; new inputs
# are kept in BUILDDIR/fuzz-work/TARGET/ (not the source tree: copy the
# interesting ones into tests/fuzz/corpus/TARGET/ by hand). Prints one line
# per target: executions, coverage (cov: edges) and features (ft:), and any
# crash, leak or timeout input found; exits non-zero if there is one.
set -uo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
secs=600 par=1 b=$here/_fuzz
while getopts t:j:b: o; do
	case $o in
	t) secs=$OPTARG ;;
	j) par=$OPTARG ;;
	b) b=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
b=$(cd "$b" && pwd) || exit 1
if [ $# -eq 0 ]; then
	set -- $(ls "$here/tests/fuzz/corpus")
fi
one() {
	local t=$1 w=$b/fuzz-work/$1
	mkdir -p "$w/corpus" "$w/artifacts"
	"$b/tests/fuzz/fuzz_$t" -max_total_time="$secs" -timeout=25 -print_final_stats=1 \
	    -artifact_prefix="$w/artifacts/" "$w/corpus" "$here/tests/fuzz/corpus/$t" \
	    >"$w/log" 2>&1
	local rc=$? line execs
	line=$(grep -E '^#[0-9]+.*(cov|ft):' "$w/log" | tail -n 1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$w/log")
	printf '%-22s rc=%d execs=%s %s\n' "$t" "$rc" "${execs:-?}" \
	    "$(echo "$line" | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*')"
	ls "$w/artifacts" | sed 's/^/    found: /'
	return $rc
}
export -f one
export b secs here
printf '%s\n' "$@" | xargs -P "$par" -I{} bash -c 'one {}'
