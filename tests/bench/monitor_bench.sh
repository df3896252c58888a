#!/usr/bin/env bash
# Monitoring benchmark (not a pass/fail test): on a store of N certificates
# (default 100,000, made by gen_store) with nothing to say, times
#   - the alert conditions and the status summary in one process
#     (alert_bench: best and median of 20 evaluations), target < 50 ms,
#   - `certdeck status` end to end (process start to exit, median of 10),
#     target < 100 ms,
#   - `certdeck metrics` end to end (one run, for the record),
# then the same on the store as generated (expired, due and revoked
# certificates mixed in: plenty to say).
#
#   tests/bench/monitor_bench.sh [-n N] [-g GENERATIONS] [-b BUILDDIR] [-s STORE] [-k]
#     -g  renewal generations per lineage (gen_store's; default 5, so a
#         fifth of the rows are current; 1: every row is current)
set -euo pipefail

n=100000
gens=5
build=${top_builddir:-}
store=
keep=0
while getopts "n:g:b:s:k" opt; do
	case $opt in
	n) n=$OPTARG ;;
	g) gens=$OPTARG ;;
	b) build=$OPTARG ;;
	s) store=$OPTARG ;;
	k) keep=1 ;;
	*) echo "usage: $0 [-n N] [-g GENERATIONS] [-b BUILDDIR] [-s STORE] [-k]" >&2; exit 2 ;;
	esac
done
here=$(cd "$(dirname "$0")/../.." && pwd)
[ -n "$build" ] || build=$here/_build
certdeck=$build/certdeck
for p in tests/bench/gen_store tests/bench/alert_bench; do
	[ -x "$build/$p" ] || make -C "$build" "$p" > /dev/null
done
[ -x "$certdeck" ] || { echo "no $certdeck: build first" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/certdeck-monbench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
if [ -z "$store" ]; then
	store=$tmp/store.db
	[ "$keep" = 1 ] && store=$PWD/monitor-store-$n.db
fi
if [ ! -s "$store" ]; then
	echo "generating $n certificates into $store ..."
	"$build/tests/bench/gen_store" "$store" "$n" "$gens"
fi
cp "$store" "$tmp/mixed.db"
now=$(date +%s)
# Nothing to say: every current certificate valid for 20 to 80 more days,
# a renew run an hour ago, and one finished renew job per certificate (the
# history a store gathers: the job queries must not walk it).
sqlite3 "$tmp/mixed.db" ".backup '$tmp/quiet.db'"
sqlite3 "$tmp/quiet.db" "
	UPDATE certificates SET status = 'valid' WHERE status IN ('revoked', 'failed');
	UPDATE certificates SET not_before = $now - 10 * 86400,
	    not_after = $now + (20 + id % 60) * 86400 WHERE status = 'valid';
	INSERT INTO runs (kind, started, ended, outcome) VALUES ('renew', $now - 3700, $now - 3600, 'ok');
	INSERT INTO jobs (kind, target_id, state, attempt, created, updated)
	    SELECT 'renew', id, 'done', 1, $now - 86400, $now - 86400 FROM certificates;
	ANALYZE;"
sqlite3 "$tmp/mixed.db" "ANALYZE;"

# Median wall time of COUNT runs of a command, in ms.
wall() {	# wall COUNT CMD...
	local count=$1 i a b
	shift
	for i in $(seq "$count"); do
		a=$(date +%s%N)
		"$@" > /dev/null 2>&1 || true
		b=$(date +%s%N)
		echo $(((b - a) / 1000))
	done | sort -n | awk '{ v[NR] = $1 } END { printf "%.1f ms", v[int((NR + 1) / 2)] / 1000 }'
}

for s in quiet mixed; do
	db=$tmp/$s.db
	echo "== $s store ($(sqlite3 "$db" 'SELECT count(*) FROM certificates') certificates, $(du -m "$db" | cut -f1) MiB)"
	"$build/tests/bench/alert_bench" "$db" 20
	echo "certdeck status (median of 10): $(CERTDECK_STORE=$db wall 10 "$certdeck" status)"
	CERTDECK_STORE=$db "$certdeck" status | head -n 1 | cut -c1-160
	echo "certdeck metrics (one run): $(CERTDECK_STORE=$db wall 1 "$certdeck" metrics), $(CERTDECK_STORE=$db "$certdeck" metrics | wc -l) lines"
done
