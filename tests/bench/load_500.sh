#!/usr/bin/env bash
# Load benchmark (issue 11), not part of `make check`: four processes on one
# store against a private Pebble, with N queued issuance jobs (default 500,
# dns-01 through tests/hooks/challtest-dns-hook.sh and pebble-challtestsrv):
# two `certdeck worker --once --workers 4`, a `certdeck renew --workers 4`
# and the screen (`certdeck` in tmux, with its in-process worker of two
# threads). While the load runs it sends keys to the screen at intervals
# (Tab through the five screens, j/k on the jobs list, a filter typed and
# erased on the certificate list) and times each one from the key to the
# screen's redraw with the UI trace, and it captures the pane after every key.
#
# It prints TAP lines for the correctness conditions and exits non-zero when
# one fails: every job done exactly once (one attempt, one "done" event, no
# lease taken over), N certificates for exactly the N names asked for, each
# verified by openssl against Pebble's root and its name, N orders with N
# distinct URLs in the store and N orders and certificates in Pebble's log,
# no "database is locked" in any process's stderr, on any capture of the
# screen, in a job's error or in the audit log, PRAGMA integrity_check ok,
# every key answered. Then the figures: wall time, jobs/s,
# who ran how many jobs, and the key latency (median, 95th percentile, max;
# target under 100 ms), which is reported, not a pass/fail condition.
#
#   tests/bench/load_500.sh [-n N] [-b BUILDDIR] [-i MS]
#     -n  jobs (default 500)
#     -b  the build directory (default: $top_builddir, else ./_build)
#     -i  pause between keys in ms (default 250)
# Needs: a build (test hooks not required), pebble, pebble-challtestsrv,
# tmux, sqlite3, jq, curl, openssl.
set -uo pipefail

n_jobs=500
build=${top_builddir:-}
interval=250
while getopts "n:b:i:" opt; do
	case $opt in
	n) n_jobs=$OPTARG ;;
	b) build=$OPTARG ;;
	i) interval=$OPTARG ;;
	*) echo "usage: $0 [-n N] [-b BUILDDIR] [-i MS]" >&2; exit 2 ;;
	esac
done
here=$(cd "$(dirname "$0")/../.." && pwd)
[ -n "$build" ] || build=$here/_build
export top_srcdir=$here
export top_builddir=$(cd "$build" && pwd)
export CERTDECK=${CERTDECK:-$top_builddir/certdeck}
[ -x "$CERTDECK" ] || { echo "build first: $CERTDECK missing" >&2; exit 2; }
for c in tmux sqlite3 jq curl openssl pebble pebble-challtestsrv; do
	command -v "$c" > /dev/null || { echo "$c is needed" >&2; exit 2; }
done
make -s -C "$top_builddir" tests/pebble/freeport > /dev/null || exit 2

. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/acme/acme-lib.sh"
. "$top_srcdir/tests/ui/tmux-lib.sh"

# The polling below uses bash builtins, so that the script takes little CPU
# from what it measures: a read with a timeout on a pipe nobody writes
# sleeps without a process.
exec {nap_fd}<> <(:)
nap() { read -r -t "$1" -u "$nap_fd" _ || true; }
now_us() { echo "${EPOCHREALTIME/[.,]/}"; }
q() { sqlite3 -cmd '.timeout 10000' "$CERTDECK_STORE" "$1"; }

echo "# certdeck load: $n_jobs jobs, 2 workers + renew + the screen, $(nproc) CPUs"
niced=$(ps -eo ni=,comm= | awk '$1 >= 10 && $2 !~ /^(bash|sh|xargs|timeout|khugepaged)$/ && !seen[$2]++ {
	printf "%s%s (nice %s)", s, $2, $1; s = ", " }')
echo "# niced processes running now: ${niced:-none}; load average $(cut -d' ' -f1-3 /proc/loadavg)"
# cpu_ticks: "busy nice total" clock ticks of all CPUs since boot (/proc/stat).
cpu_ticks() {
	local _cpu u n sy id io irq sirq st
	read -r _cpu u n sy id io irq sirq st _ < /proc/stat
	echo "$((u + sy + irq + sirq + st)) $n $((u + n + sy + id + io + irq + sirq + st))"
}

acme_setup PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0
acme_account
# cd_run (under acme_account) leaves set -e on: a failed check must not end the run.
set +e
[ "$rc" -eq 0 ] || { echo "Bail out! no account"; exit 1; }

HOOK=(--challenge dns-01 --dns-hook "$top_srcdir/tests/hooks/challtest-dns-hook.sh")
t_q0=$(now_us)
: > "$T/names"
for ((i = 1; i <= n_jobs; i++)); do
	echo "j$i.load.test" >> "$T/names"
	"$CERTDECK" issue -d "j$i.load.test" "${HOOK[@]}" --no-wait > /dev/null 2>> "$T/queue.err" ||
		echo "issue -d j$i.load.test failed" >> "$T/queue.err"
done
t_q1=$(now_us)
check "$n_jobs jobs queued" [ "$(q "SELECT count(*) FROM jobs WHERE state = 'queued'")" -eq "$n_jobs" ]

# The screen first (it starts its worker at once), then the three others.
tui_script
tmux_start 100 30 "$T/ui.sh"
exec {trace_fd}< "$UI_TRACE"
# next_line: the trace's next whole line into $line (1), or nothing yet (0).
partial=
next_line() {
	local l
	if IFS= read -r l <&"$trace_fd"; then
		line=$partial$l
		partial=
		return 0
	fi
	# A line the UI has half written: keep it for the next read.
	partial=$partial$l
	return 1
}
# wait_kind MS KIND...: reads the trace until a line of one of KINDs; sets
# $line. Fails after MS ms.
wait_kind() {
	local ms=$1 k t0
	shift
	t0=$(now_us)
	seen=
	while :; do
		while next_line; do
			seen="$seen ${line%% *}"
			for k in "$@"; do
				[ "${line%% *}" = "$k" ] && return 0
			done
		done
		[ $(($(now_us) - t0)) -lt $((ms * 1000)) ] || return 1
		nap 0.002
	done
}
if ! wait_kind 20000 start; then
	echo "Bail out! the screen did not start"
	screen | sed 's/^/# | /'
	exit 1
fi
ui=$(ui_pid)
t_load0=$(now_us)
read -r busy0 nice0 total0 <<< "$(cpu_ticks)"
"$CERTDECK" worker --once --workers 4 > /dev/null 2> "$T/w1.err" &
p1=$!
"$CERTDECK" worker --once --workers 4 > /dev/null 2> "$T/w2.err" &
p2=$!
"$CERTDECK" renew --workers 4 > /dev/null 2> "$T/r.err" &
p3=$!
at_exit 'kill -TERM $p1 $p2 $p3 2> /dev/null'

# The keys: a filter typed and erased on the certificate list, Tab to the
# jobs screen, j/k there (500 rows: each moves the selection), Tab back.
# Each entry is "tmux key name|trace kinds that answer it|what it does".
keys=("/|filter|open the filter" "c|filter_edit filter_edit_pending|filter c"
	"1|filter_edit filter_edit_pending|filter c1"
	"BSpace|filter_edit filter_edit_pending|filter c" "BSpace|filter_edit filter_edit_pending|filter none"
	"BSpace|filter_edit|close the filter"
	"Tab|next_screen|Tab to accounts" "Tab|next_screen|Tab to orders" "Tab|next_screen|Tab to jobs"
	"j|down|j on jobs" "j|down|j on jobs" "j|down|j on jobs" "k|up|k on jobs"
	"Tab|next_screen|Tab to events" "Tab|next_screen|Tab to certificates")
# send_key MEASURE: sends the next key of the cycle and waits for its
# answer; with MEASURE 1 it records the latency.
send_key() {
	local entry key kinds what kind ui_ms wall wall2 t_a
	entry=${keys[k % ${#keys[@]}]}
	IFS='|' read -r key kinds what <<< "$entry"
	read -r -a kinds <<< "$kinds"
	k=$((k + 1))
	while next_line; do :; done
	t_a=$(now_us)
	echo "send-keys -t t $key" >&"$ctl"
	if ! wait_kind 5000 "${kinds[@]}"; then
		unanswered=$((unanswered + 1))
		echo "key $key (#$k) not answered within 5 s; the trace had:${seen:- nothing}" >> "$T/unanswered"
		return 1
	fi
	read -r kind ui_ms wall <<< "$line"
	if [ "$kind" = filter_edit_pending ] && wait_kind 5000 filter_result; then
		read -r _ _ wall2 <<< "$line"
		[ "$1" = 1 ] && awk -v w="$wall2" -v a="$t_a" 'BEGIN { printf "%.3f\n", w + 0.5 - a / 1000 }' >> "$T/results"
	fi
	[ "$1" = 1 ] || return 0
	awk -v k="$kind" -v w="$wall" -v a="$t_a" -v u="$ui_ms" -v z="$t_load0" -v d="$what" \
		'BEGIN { printf "%s %.3f %s %.1f %s\n", k, w + 0.5 - a / 1000, u, (a - z) / 1e6, d }' >> "$T/lat"
}
# The keys go through one tmux client in control mode: a line written to
# it is a key in the pane at once, with no tmux process started per key.
exec {ctl}> >(exec tmux -L "$TMUX_SOCK" -f /dev/null -C attach -t t > /dev/null 2>&1)
: > "$T/lat"	# kind, key to draw (ms, wall clock), the UI's own ms, s into the load
: > "$T/results"	# a filter key to its results shown (ms)
: > "$T/panes"
unanswered=0
k=0
captures=0
last_poll=0
left=$n_jobs
deadline=$((t_load0 + 1800 * 1000000))
while :; do
	now=$(now_us)
	if [ $((now - last_poll)) -ge 1000000 ]; then
		last_poll=$now
		left=$(q "SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')")
		[ "${left:-1}" = 0 ] && break
		[ "$now" -lt "$deadline" ] || break
		# Without a live worker a queued job would wait for ever.
		kill -0 "$ui" 2> /dev/null || break
	fi
	send_key 1
	# Every capture goes into the file: a message shown for a moment counts.
	tmx capture-pane -p -t t >> "$T/panes"
	captures=$((captures + 1))
	nap "$(awk -v i="$interval" 'BEGIN { printf "%.3f", i / 1000 }')"
done
t_load1=$(now_us)
read -r busy1 nice1 total1 <<< "$(cpu_ticks)"
# The rest of the cycle, unmeasured: it ends on the certificate list with
# the filter closed, where q quits.
while [ $((k % ${#keys[@]})) -ne 0 ] && [ "$unanswered" -lt 3 ]; do send_key 0; done
# Stuck (the deadline passed): the workers would never end.
[ "$left" = 0 ] || kill -TERM "$p1" "$p2" "$p3" 2> /dev/null

wait "$p1"; r1=$?
wait "$p2"; r2=$?
wait "$p3"; r3=$?
exec {ctl}>&-
# Once the queue is empty the screen's worker has nothing left: q quits.
tmx send-keys -t t q
wait_exit 0
r_ui=$(cat "$T/exit" 2> /dev/null || echo none)

check "no job left queued or running (none stuck)" [ "$left" = 0 ]
check "both workers and renew exit 0 (got $r1 $r2 $r3)" [ "$r1$r2$r3" = 000 ]
check "the screen quits with 0 (got $r_ui)" [ "$r_ui" = 0 ]
check "all $n_jobs jobs done" [ "$(q "SELECT count(*) FROM jobs WHERE state = 'done'")" -eq "$n_jobs" ]
check "each ran exactly once (attempt 1)" [ "$(q "SELECT count(*) FROM jobs WHERE attempt != 1")" -eq 0 ]
check "one 'done' event for each job" [ "$(q "SELECT count(*) FROM (SELECT job_id FROM events
	WHERE message LIKE 'job #% done' GROUP BY job_id HAVING count(*) = 1)")" -eq "$n_jobs" ]
check "no lease taken over, no retry" [ "$(q "SELECT count(*) FROM events WHERE message LIKE '%taken over%'
	OR message LIKE '%retrying in%' OR message LIKE '%stopped for shutdown%'")" -eq 0 ]
check "$n_jobs distinct certificates as the jobs' results" \
	[ "$(q "SELECT count(DISTINCT result_id) FROM jobs WHERE result_id IS NOT NULL")" -eq "$n_jobs" ]
check "$n_jobs certificates stored, no duplicates" [ "$(q "SELECT count(*) FROM certificates")" -eq "$n_jobs" ]
q "SELECT name FROM certificates" | sort > "$T/got_names"
sort "$T/names" > "$T/want_names"
check "the certificates are for exactly the names asked for" cmp -s "$T/got_names" "$T/want_names"
check "$n_jobs orders, no duplicate" [ "$(q "SELECT count(*) || ' ' || count(DISTINCT url) || ' ' ||
	count(DISTINCT cert_id) FROM orders")" = "$n_jobs $n_jobs $n_jobs" ]
# The CA's side: an order made twice (a job run twice, a resume that did
# not find its order) would show here even if the store kept only one.
check "Pebble made $n_jobs orders" [ "$(grep -c 'Added order' "$PEBBLE_DIR/pebble.log")" -eq "$n_jobs" ]
check "Pebble issued $n_jobs certificates" \
	[ "$(grep -c 'Issued certificate serial' "$PEBBLE_DIR/pebble.log")" -eq "$n_jobs" ]
# The chains, checked by openssl against Pebble's root and each name.
mkdir "$T/certs"
pebble_root "$T/root.pem"
q "SELECT writefile('$T/certs/' || id || '.pem', pem_chain) FROM certificates" > /dev/null
bad=0
while IFS='|' read -r id name; do
	openssl verify -CAfile "$T/root.pem" -untrusted "$T/certs/$id.pem" \
		-verify_hostname "$name" "$T/certs/$id.pem" > /dev/null 2>&1 || bad=$((bad + 1))
done < <(q "SELECT id, name FROM certificates")
check "openssl verifies every chain and name ($bad bad)" [ "$bad" -eq 0 ]

locked='database (table )?is locked|SQLITE_BUSY|SQLITE_LOCKED'
for f in w1 w2 r; do
	check "no lock error in $f's stderr" bash -c '! grep -Eiq "$0" "$1"' "$locked" "$T/$f.err"
done
check "no lock error on any of the screen's $captures captures" bash -c '! grep -Eiq "$0" "$1"' "$locked" "$T/panes"
check "no lock error in a job's error or the audit log" [ "$(q "SELECT (SELECT count(*) FROM jobs
	WHERE last_error LIKE '%locked%') + (SELECT count(*) FROM events WHERE message LIKE '%locked%')")" -eq 0 ]
check "no sanitizer report from the screen" bash -c '! ls "$0"/san.* > /dev/null 2>&1' "$T"
check "integrity_check ok" [ "$(q 'PRAGMA integrity_check')" = ok ]
check "every key answered ($unanswered of $k not)" [ "$unanswered" -eq 0 ]

# The figures.
wall_s=$(awk -v a="$t_load0" -v b="$t_load1" 'BEGIN { printf "%.1f", (b - a) / 1e6 }')
echo "# queueing $n_jobs jobs (one certdeck issue --no-wait each): $(awk -v a="$t_q0" -v b="$t_q1" 'BEGIN { printf "%.1f", (b - a) / 1e6 }') s"
echo "# load: $n_jobs jobs in $wall_s s wall, $(awk -v n="$n_jobs" -v s="$wall_s" 'BEGIN { printf "%.2f", n / s }') jobs/s"
who() {	# FILE: the "N done" of a worker's or renew's last line
	sed -n 's/^[a-z]*: \([0-9]*\) done.*/\1/p' "$1" | tail -1
}
d1=$(who "$T/w1.err") d2=$(who "$T/w2.err") d3=$(who "$T/r.err")
echo "# CPU during the load ($(nproc) CPUs): $(awk -v b=$((busy1 - busy0)) -v n=$((nice1 - nice0)) \
	-v t=$((total1 - total0)) 'BEGIN { printf "%.0f%% busy at normal priority, %.0f%% to niced processes (the fuzzing run, nice 19), %.0f%% idle", 100 * b / t, 100 * n / t, 100 * (t - b - n) / t }')"
echo "# jobs done by: worker 1 ${d1:-?}, worker 2 ${d2:-?}, renew ${d3:-?}," \
	"the screen $((n_jobs - ${d1:-0} - ${d2:-0} - ${d3:-0}))"
stats() {	# LABEL, then numbers on stdin
	sort -n | awk -v l="$1" '{ v[NR] = $1 }
		END { if (NR == 0) { printf "# %-30s (none)\n", l; exit }
		      p = int(NR * 0.95 + 0.999); if (p > NR) p = NR
		      printf "# %-30s n=%-4d median %7.1f ms  p95 %7.1f ms  max %7.1f ms\n",
		          l, NR, v[int((NR + 1) / 2)], v[p], v[NR] }'
}
echo "# key latency (target < 100 ms), from the key written to tmux (control mode) to the UI's"
echo "# doupdate (the trace's wall clock has whole ms: +-0.5 ms):"
awk '{ print $2 }' "$T/lat" | stats "all keys"
cut -d' ' -f5- "$T/lat" | sort -u > "$T/whats"
while IFS= read -r what; do
	awk -v d="$what" '{ w = $5; for (i = 6; i <= NF; i++) w = w " " $i } w == d { print $2 }' \
		"$T/lat" | stats "$what"
done < "$T/whats"
stats "filter: results shown" < "$T/results"
awk '{ print $3 }' "$T/lat" | stats "the UI's own (key read->drawn)"
over=$(awk '$2 >= 100' "$T/lat" | wc -l)
echo "# keys at or over 100 ms: $over of $(wc -l < "$T/lat")"
echo "# the five slowest (trace kind, key to draw ms, the UI's own ms, s into the load, key):"
sort -k2,2nr "$T/lat" | head -5 | sed 's/^/#   /'
[ -s "$T/unanswered" ] && sed 's/^/# /' "$T/unanswered"
done_testing
