#!/usr/bin/env bash
# Bulk issuance benchmark against a local Pebble (PEBBLE_VA_NOSLEEP=1), not a
# pass/fail test. Prints a table: certificates per second and peak memory for
# certdeck with --workers 1, 2, 4, 8 and 16, lego and certbot one after another, a
# single `certdeck issue` from process start, and one 50-name order.
#   tests/bench/bulk_issue.sh [N] [N_OTHERS]   (from a built tree; defaults 100 and 10)
# Needs: a build in _build/ (or $CERTDECK), pebble, lego and certbot (Debian packages).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
N=${1:-100}
NO=${2:-10}
export top_srcdir=$here
export top_builddir=${top_builddir:-$here/_build}
CERTDECK=${CERTDECK:-$top_builddir/certdeck}
[ -x "$CERTDECK" ] || { echo "build first: $CERTDECK missing" >&2; exit 2; }
make -s -C "$top_builddir" tests/pebble/freeport >/dev/null
. "$here/tests/pebble/pebble.sh"
W=$(mktemp -d)
trap 'pebble_stop; rm -rf "$W"' EXIT
pebble_start PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0 || exit 1
HTTP=(--http-addr 127.0.0.1 --http-port "$PEBBLE_HTTP_PORT")

# Bash's own clock: forking date(1) around a 60 ms run would add milliseconds.
now_us() { local t=${EPOCHREALTIME/[.,]/}; echo "$t"; }
now_ms() { local t=$(now_us); echo "$((t / 1000))"; }
rows=()
row() { rows+=("$(printf '%-34s %8s %10s %12s %10s' "$@")"); }

setup_store() {
	export CERTDECK_STORE=$W/$1.db
	"$CERTDECK" init >/dev/null
	"$CERTDECK" account new --server "$PEBBLE_URL" --ca-bundle "$PEBBLE_CA" \
		--agree-tos >/dev/null 2>&1
}

# The single issue goes first: Pebble keeps every order in memory and
# answers more slowly as they pile up (after the bulk runs' 500 orders a
# single issue takes about 10 ms longer, all of it on Pebble's side).
setup_store single
# One warm-up run (page cache, Pebble's first-request costs), then
# twenty runs: the median and the best, since one sample says little on a VM.
# The warm-up also gives the peak memory (time(1) would skew the timings).
/usr/bin/time -f %M -o "$W/rss" "$CERTDECK" issue -d warm.bench.test "${HTTP[@]}" \
	>/dev/null 2>&1
singles=()
for i in $(seq 20); do
	t0=${EPOCHREALTIME/[.,]/}
	"$CERTDECK" issue -d "one$i.bench.test" "${HTTP[@]}" >/dev/null 2>&1
	t1=${EPOCHREALTIME/[.,]/}
	singles+=("$(( (t1 - t0) / 100 ))")
done
read -r s_min s_med < <(printf '%s\n' "${singles[@]}" | sort -n |
	awk '{ a[NR] = $1 } END { printf "%.1f %.1f\n", a[1] / 10, a[int((NR + 1) / 2)] / 10 }')
row "certdeck issue, process start→exit, best" 1 "$s_min" "-" "$(( $(cat "$W/rss") / 1024 )) MiB"
row "certdeck issue, process start→exit, median" 1 "$s_med" "-" "-"

for workers in 1 2 4 8 16; do
	setup_store "w$workers"
	for i in $(seq "$N"); do
		"$CERTDECK" issue -d "b$i.w$workers.bench.test" "${HTTP[@]}" --no-wait >/dev/null
	done
	t0=$(now_ms)
	/usr/bin/time -f %M -o "$W/rss" "$CERTDECK" worker --once --workers "$workers" 2>/dev/null
	t1=$(now_ms)
	ms=$((t1 - t0))
	done_n=$(sqlite3 "$CERTDECK_STORE" "SELECT count(*) FROM certificates")
	row "certdeck --workers $workers" "$done_n" "$ms" \
		"$(awk -v n="$done_n" -v ms="$ms" 'BEGIN { printf "%.1f", n * 1000 / ms }')" \
		"$(( $(cat "$W/rss") / 1024 )) MiB"
done

names=()
for i in $(seq 50); do names+=(-d "n$i.fifty.bench.test"); done
t0=$(now_ms)
"$CERTDECK" issue "${names[@]}" "${HTTP[@]}" >/dev/null 2>&1
t1=$(now_ms)
row "certdeck issue, one 50-name order" 1 "$((t1 - t0))" "-" "-"

if command -v lego >/dev/null; then
	t0=$(now_ms)
	ok=0
	for i in $(seq "$NO"); do
		LEGO_CA_CERTIFICATES=$PEBBLE_CA lego --server "$PEBBLE_URL" --email bench@example.test \
			--accept-tos --key-type ec256 --http --http.port "127.0.0.1:$PEBBLE_HTTP_PORT" \
			--path "$W/lego" -d "l$i.lego.bench.test" run >/dev/null 2>&1 && ok=$((ok + 1))
	done
	t1=$(now_ms)
	row "lego (sequential)" "$ok" "$((t1 - t0))" \
		"$(awk -v n="$ok" -v ms="$((t1 - t0))" 'BEGIN { printf "%.2f", n * 1000 / ms }')" "-"
fi
if command -v certbot >/dev/null; then
	t0=$(now_ms)
	ok=0
	for i in $(seq "$NO"); do
		REQUESTS_CA_BUNDLE=$PEBBLE_CA certbot certonly --standalone --non-interactive \
			--agree-tos -m bench@example.test --no-eff-email --server "$PEBBLE_URL" \
			--http-01-port "$PEBBLE_HTTP_PORT" --http-01-address 127.0.0.1 \
			--key-type ecdsa --config-dir "$W/cb" --work-dir "$W/cb" --logs-dir "$W/cb" \
			-d "c$i.certbot.bench.test" >/dev/null 2>&1 && ok=$((ok + 1))
	done
	t1=$(now_ms)
	row "certbot (sequential)" "$ok" "$((t1 - t0))" \
		"$(awk -v n="$ok" -v ms="$((t1 - t0))" 'BEGIN { printf "%.2f", n * 1000 / ms }')" "-"
fi

printf '%-34s %8s %10s %12s %10s\n' "client" "certs" "ms" "certs/s" "peak RSS"
printf '%s\n' "${rows[@]}"
