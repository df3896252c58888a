#!/usr/bin/env bash
# Scan benchmark (not a pass/fail test): N PEM files (default 10,000, made by
# tests/bench/gen_pem: distinct leaves of one CA) in one directory. Times, in
# the same run and on the same files:
#   the loop a sysadmin would write,
#     for f in *.pem; do openssl x509 -noout -enddate -subject -in "$f"; done
#   'certdeck scan DIR' into an empty store (every file read and stored),
#   'certdeck scan DIR' again (nothing changed: no file is read),
# and prints the wall and CPU times and the ratios. Targets: the scan at
# least 50x faster than the loop, the rescan at least 5x faster than the
# first scan. The loop is slow enough to time on a sample (-l, default all
# N files; a sample is scaled to N and said so).
#
#   tests/bench/scan_bench.sh [-n N] [-l LOOP_FILES] [-b BUILDDIR]
set -euo pipefail
n=10000
loop_n=
build=${top_builddir:-}
while getopts "n:l:b:" opt; do
	case $opt in
	n) n=$OPTARG ;;
	l) loop_n=$OPTARG ;;
	b) build=$OPTARG ;;
	*) echo "usage: $0 [-n N] [-l LOOP_FILES] [-b BUILDDIR]" >&2; exit 2 ;;
	esac
done
[ -n "$loop_n" ] || loop_n=$n
here=$(cd "$(dirname "$0")/../.." && pwd)
[ -n "$build" ] || build=$here/_build
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 700 "$tmp"
make -s -C "$build" tests/bench/gen_pem certdeck > /dev/null
mkdir "$tmp/pem"
echo "generating $n PEM files" >&2
"$build/tests/bench/gen_pem" "$tmp/pem" "$n"
export CERTDECK_STORE=$tmp/store.db
cd_bin=$build/certdeck
"$cd_bin" init > /dev/null

# timed LABEL CMD...: runs CMD once; sets $wall_ms and $cpu_ms (user+sys) and prints them.
timed() {
	local label=$1 t0 t1 u s
	shift
	t0=$(date +%s%N)
	/usr/bin/time -f '%U %S' -o "$tmp/cpu" "$@" > "$tmp/out" 2>&1
	t1=$(date +%s%N)
	wall_ms=$(( (t1 - t0) / 1000000 ))
	read -r u s < <(tail -1 "$tmp/cpu")
	cpu_ms=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%d", (u + s) * 1000 }')
	printf '%-34s %8d ms wall %8d ms cpu\n' "$label" "$wall_ms" "$cpu_ms"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }'; }

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)  files: $n  cores: $(nproc)"
# The loop, on the first loop_n files (all of them by default).
ls "$tmp/pem" > "$tmp/all"
head -n "$loop_n" "$tmp/all" > "$tmp/sample"
loop() {
	cd "$tmp/pem"
	while read -r f; do openssl x509 -noout -enddate -subject -in "$f"; done < "$tmp/sample"
}
export -f loop
export tmp
timed "openssl x509 loop ($loop_n files)" bash -c loop
loop_wall=$(( wall_ms * n / loop_n ))
loop_cpu=$(( cpu_ms * n / loop_n ))
[ "$loop_n" -eq "$n" ] || printf '%-34s %8d ms wall %8d ms cpu\n' "  ... scaled to $n files" "$loop_wall" "$loop_cpu"
timed "certdeck scan (first)" "$cd_bin" scan "$tmp/pem"
scan_wall=$wall_ms scan_cpu=$cpu_ms
grep -q "Certificates: $n new" "$tmp/out" || { echo "the scan did not store $n certificates:" >&2; cat "$tmp/out" >&2; exit 1; }
timed "certdeck scan (again, unchanged)" "$cd_bin" scan "$tmp/pem"
re_wall=$wall_ms re_cpu=$cpu_ms
grep -q "$n unchanged" "$tmp/out" || { echo "the rescan read files again:" >&2; cat "$tmp/out" >&2; exit 1; }
echo "scan vs loop:      $(ratio "$loop_wall" "$scan_wall")x wall, $(ratio "$loop_cpu" "$scan_cpu")x cpu (target 50x)"
echo "rescan vs scan:    $(ratio "$scan_wall" "$re_wall")x wall, $(ratio "$scan_cpu" "$re_cpu")x cpu (target 5x)"
echo "store: $(sqlite3 "$CERTDECK_STORE" 'SELECT count(*) FROM certificates') certificates, $(sqlite3 "$CERTDECK_STORE" 'SELECT count(*) FROM cert_locations') locations"
