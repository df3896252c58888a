#!/usr/bin/env bash
# TUI benchmark (not a pass/fail test): fills a store with N certificate
# rows (default 1,000,000) and measures, driving the real binary in tmux:
#   - start to the first full screen (the UI's own trace, and wall clock
#     from just before exec),
#   - each filter keystroke and each page down (CERTDECK_UI_TRACE: the
#     loop writes "event ms wall" after each doupdate),
#   - peak resident memory (VmHWM).
# Targets: first screen <= 150 ms, keystroke and page down <= 50 ms,
# RSS < 64 MiB.
#
#   tests/bench/tui_bench.sh [-n N] [-b BUILDDIR] [-s STORE] [-k]
#     -b  the build directory (default: $top_builddir, else ./_build)
#     -s  use (or create, and keep) this store instead of a temporary one
#     -k  keep the store when it was generated here
set -euo pipefail

n=1000000
build=${top_builddir:-}
store=
keep=0
while getopts "n:b:s:k" opt; do
	case $opt in
	n) n=$OPTARG ;;
	b) build=$OPTARG ;;
	s) store=$OPTARG ;;
	k) keep=1 ;;
	*) echo "usage: $0 [-n N] [-b BUILDDIR] [-s STORE] [-k]" >&2; exit 2 ;;
	esac
done
here=$(cd "$(dirname "$0")/../.." && pwd)
[ -n "$build" ] || build=$here/_build
certdeck=$build/certdeck
gen=$build/tests/bench/gen_store
if [ ! -x "$gen" ]; then
	make -C "$build" tests/bench/gen_store >/dev/null
fi
[ -x "$certdeck" ] || { echo "no $certdeck: build first" >&2; exit 1; }
command -v tmux >/dev/null || { echo "tmux is needed" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/certdeck-bench.XXXXXX")
sock="certdeck-bench-$$"
tmx() { tmux -L "$sock" -f /dev/null "$@"; }
cleanup() {
	tmx kill-server >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT

if [ -z "$store" ]; then
	store=$tmp/store.db
	[ "$keep" = 1 ] && store=$PWD/bench-store-$n.db
fi
if [ ! -s "$store" ]; then
	echo "generating $n certificates into $store ..."
	"$gen" "$store" "$n"
fi
rows=$(sqlite3 "$store" 'SELECT count(*) FROM certificates' 2>/dev/null || echo "$n")
echo "store: $store ($rows certificates, $(du -m "$store" | cut -f1) MiB)"

trace=$tmp/trace
# The polling below uses bash builtins only, so that the benchmark does not
# compete with the UI for the CPU: a read with a timeout on a pipe nobody
# writes sleeps without a process.
exec {nap}<> <(:)
nap() { read -r -t "$1" -u "$nap" _ || true; }
# Sets $n_lines to the trace's line count and $last to its newest line.
count_trace() {
	local l
	n_lines=0
	last=
	[ -f "$trace" ] || return 0
	while IFS= read -r l; do
		n_lines=$((n_lines + 1))
		last=$l
	done < "$trace"
}
# Waits until the trace has more than $1 lines; sets $last to the newest.
wait_trace() {
	local t=0
	count_trace
	while [ "$n_lines" -le "$1" ]; do
		nap 0.002
		t=$((t + 1))
		[ "$t" -lt 5000 ] || { echo "timeout waiting for the UI" >&2; return 1; }
		count_trace
	done
}
# Starts the TUI at 80x24; sets $pid.
start_ui() {
	rm -f "$trace"
	tmx kill-server >/dev/null 2>&1 || true
	tmx new-session -d -x 80 -y 24 "exec env CERTDECK_UI_TRACE='$trace' \
		CERTDECK_STORE='$store' TERM=xterm-256color LC_ALL=C.UTF-8 \
		sh -c 'date +%s%3N > $tmp/t0; exec \"$certdeck\"'"
	wait_trace 0
	pid=$(tmx display-message -p '#{pane_pid}')
}
# Sends one key and waits until the UI drew its answer, a trace line of
# the given kind; sets $ms (the UI's own milliseconds for it).
key() {	# KIND KEY...
	local kind=$1
	shift
	count_trace
	local before=$n_lines
	tmx send-keys "$@"
	wait_trace "$before"
	while [ "${last%% *}" != "$kind" ]; do
		wait_trace "$n_lines"
	done
	read -r _ ms _ <<< "$last"
}
# A filter key: the answer may come in two steps ("filter_edit_pending",
# then "filter_result" once the unhurried query is done). Sets $ms (the
# first answer) and $result_ms (the results on screen).
fkey() {
	count_trace
	local before=$n_lines
	tmx send-keys "$@"
	wait_trace "$before"
	while [ "${last%% *}" != filter_edit ] &&
	    [ "${last%% *}" != filter_edit_pending ]; do
		wait_trace "$n_lines"
	done
	read -r _ ms _ <<< "$last"
	while [ "${last%% *}" = filter_edit_pending ]; do
		wait_trace "$n_lines"
	done
	read -r _ result_ms _ <<< "$last"
}
stats() {	# label, then numbers on stdin: n, median, mean, max
	sort -n | awk -v l="$1" '{ v[NR] = $1; s += $1 }
		END { if (NR == 0) { printf "%-34s (none)\n", l; exit }
		      printf "%-34s n=%-3d median %7.2f ms  mean %7.2f ms  max %7.2f ms\n",
		          l, NR, v[int((NR + 1) / 2)], s / NR, v[NR] }'
}

# 1. Start to the first full screen, five times (the store is in the page
# cache after the first).
: > "$tmp/start"
: > "$tmp/start_wall"
for i in 1 2 3 4 5; do
	start_ui
	read -r _ ms wall < "$trace"
	echo "$ms" >> "$tmp/start"
	read -r t0 < "$tmp/t0"
	echo $((wall - t0)) >> "$tmp/start_wall"
	tmx send-keys q
	nap 0.2
done

# 2. Page down and up, one key at a time.
start_ui
: > "$tmp/pgdn"
for i in $(seq 1 100); do
	key page_down NPage
	echo "$ms" >> "$tmp/pgdn"
done
: > "$tmp/pgup"
for i in $(seq 1 30); do
	key page_up PPage
	echo "$ms" >> "$tmp/pgup"
done
: > "$tmp/jk"
for i in $(seq 1 40); do
	key down j
	echo "$ms" >> "$tmp/jk"
done
key bottom G
echo "G (last page): $ms ms" > "$tmp/ends"
key top g
echo "g (first page): $ms ms" >> "$tmp/ends"

# 3. Filter keystrokes: each character of realistic filters, one by one.
: > "$tmp/filter"
: > "$tmp/filter_result"
: > "$tmp/filter_detail"
type_filter() {
	local text=$1 i ch
	key filter /
	for ((i = 0; i < ${#text}; i++)); do
		ch=${text:i:1}
		if [ "$ch" = " " ]; then
			fkey Space
		else
			fkey -l "$ch"
		fi
		echo "$ms" >> "$tmp/filter"
		echo "$result_ms" >> "$tmp/filter_result"
		printf '%-24s answer %8s ms  results %8s ms\n' "${text:0:i+1}" \
			"$ms" "$result_ms" >> "$tmp/filter_detail"
	done
	fkey Escape
}
type_filter "api-12.graphic"
type_filter "kibana-450.eu"
type_filter "status:revoked exp<30d"
type_filter "exp<7d key:rsa"
type_filter "issuer:E5 mail"
type_filter "account:3 www"
type_filter "zzq"

# 4. Sorting (first page of each order).
: > "$tmp/sort"
for k in N N S S D; do
	case $k in N) kind=sort_name ;; S) kind=sort_status ;; D) kind=sort_expiry ;; esac
	key "$kind" "$k"
	echo "Shift+$k: $ms ms" >> "$tmp/sort"
done

# The pane's process is certdeck itself (everything before it exec'd).
hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status")
tmx send-keys q

echo
echo "certdeck TUI benchmark, $rows certificates, 80x24, $(nproc) CPUs"
stats "first screen (since ui_main)" < "$tmp/start"
stats "first screen (wall, before exec)" < "$tmp/start_wall"
stats "page down" < "$tmp/pgdn"
stats "page up" < "$tmp/pgup"
stats "j (next row, scrolling)" < "$tmp/jk"
stats "filter keystroke: answer" < "$tmp/filter"
stats "filter keystroke: results shown" < "$tmp/filter_result"
cat "$tmp/ends" "$tmp/sort"
echo "peak RSS (VmHWM): $((hwm / 1024)) MiB ($hwm kB)"
echo
echo "filter keystrokes one by one:"
cat "$tmp/filter_detail"
