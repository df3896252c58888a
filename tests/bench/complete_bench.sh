#!/usr/bin/env bash
# Completion benchmark (not a pass/fail test): certificate IDs for Tab on a
# store of N certificate rows (default 100,000; gen_store makes renewal
# lineages, so a fifth of them are current). Prints, for a few prefixes, the
# median wall time and CPU time of 'certdeck __complete ids PREFIX' over R
# runs, and the same for 'certdeck --version' (process start alone).
# Target: under 50 ms wall.
#
#   tests/bench/complete_bench.sh [-n N] [-r RUNS] [-b BUILDDIR] [-s STORE]
set -euo pipefail
n=100000
runs=21
build=${top_builddir:-}
store=
while getopts "n:r:b:s:" opt; do
	case $opt in
	n) n=$OPTARG ;;
	r) runs=$OPTARG ;;
	b) build=$OPTARG ;;
	s) store=$OPTARG ;;
	*) echo "usage: $0 [-n N] [-r RUNS] [-b BUILDDIR] [-s STORE]" >&2; exit 2 ;;
	esac
done
here=$(cd "$(dirname "$0")/../.." && pwd)
[ -n "$build" ] || build=$here/_build
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -z "$store" ]; then
	store=$tmp/store.db
fi
if [ ! -f "$store" ]; then
	make -s -C "$build" tests/bench/gen_store certdeck >/dev/null
	echo "generating $n certificate rows in $store" >&2
	"$build/tests/bench/gen_store" "$store" "$n" >/dev/null
fi
cd_bin=$build/certdeck
# measure LABEL CMD...: median wall and CPU (user+sys) milliseconds of RUNS runs.
measure() {
	local label=$1 i t0 t1 walls=() cpus=() w c
	shift
	for ((i = 0; i < runs; i++)); do
		t0=$(date +%s%N)
		/usr/bin/time -f '%U %S' -o "$tmp/cpu" "$@" >/dev/null 2>&1
		t1=$(date +%s%N)
		walls+=($(( (t1 - t0) / 1000000 )))
		read -r u s < "$tmp/cpu"
		cpus+=($(awk -v u="$u" -v s="$s" 'BEGIN { printf "%d", (u + s) * 1000 }'))
	done
	w=$(printf '%s\n' "${walls[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
	c=$(printf '%s\n' "${cpus[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
	printf '%-28s %6s ms wall %6s ms cpu  (%s lines)\n' "$label" "$w" "$c" \
		"$("$@" 2>/dev/null | wc -l)"
}
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)  runs: $runs  rows: $(sqlite3 "$store" 'SELECT count(*) FROM certificates' 2>/dev/null || echo "$n")"
measure "--version (start-up)" "$cd_bin" --version
for p in "" 9 99 9999 99999; do
	measure "__complete ids '$p'" "$cd_bin" --store "$store" __complete ids $p
done
measure "__complete commands" "$cd_bin" __complete commands
