#!/usr/bin/env bash
# Renewal driven by ARI (RFC 9773) against tests/ariserver, and a CA that asks
# to come back in two minutes: the foreground command exits 75 and leaves the
# job queued for a worker.
. "$top_srcdir/tests/lib.sh"
set -e
start_server() {	# start_server NAME [MODE]: sets ${NAME}_URL and ${NAME}_LOG
	local name=$1 mode=${2-} pid i=0
	"$top_builddir/tests/ariserver" "$T/$name.port" ${mode:+"$mode"} </dev/null \
		>"$T/$name.stderr" 2>&1 &
	pid=$!
	at_exit "kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null"
	while [ ! -s "$T/$name.port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	[ -s "$T/$name.port" ] || { echo "Bail out! ariserver did not start"; exit 1; }
	printf -v "${name}_URL" 'https://127.0.0.1:%s/dir' "$(cat "$T/$name.port")"
	printf -v "${name}_LOG" '%s' "$T/$name.port.log"
	printf -v "${name}_CA" '%s' "$T/$name.port.ca"
}
start_server ARI
start_server SLOW slow
start_server YEAR wait-year
start_server ZERO wait-zero
start_server LATE ari-late
start_server MINUTE wait-minute
q() { sqlite3 "$CERTDECK_STORE" "$1"; }
b64url_hex() { printf "$(echo "$1" | sed 's/../\\x&/g')" | basenc --base64url | tr -d '=\n'; }

# --- a CA that asks to wait: exit 75, job left queued ---
export CERTDECK_STORE=$T/slow.db
"$CERTDECK" init >/dev/null
"$CERTDECK" account new --server "$SLOW_URL" --ca-bundle "$SLOW_CA" --agree-tos >/dev/null 2>&1
port=$("$top_builddir/tests/pebble/freeport" 1)
cd_run issue -d slow.example.test --http-addr 127.0.0.1 --http-port "$port"
check "a CA asking for 120 s: the foreground command exits 75" [ "$rc" -eq 75 ]
check "... saying when the job will be retried" grep -q 'will be retried at' "$T/.err"
check "the job stays queued" [ "$(q "SELECT state FROM jobs")" = queued ]
wait_s=$(( $(q "SELECT run_after FROM jobs") - $(date +%s) ))
check "... to run in about two minutes: not before 100 s ($wait_s s)" [ "$wait_s" -ge 100 ]
check "... and not after 200 s ($wait_s s)" [ "$wait_s" -le 200 ]
cd_run worker --once
check "worker --once exits 0" [ "$rc" -eq 0 ]
check "... and leaves the job alone (not runnable yet): still queued" [ "$(q "SELECT state FROM jobs")" = queued ]

# --- a CA that asks to wait a year: a clear failure, not a job parked until expiry ---
export CERTDECK_STORE=$T/year.db
"$CERTDECK" init >/dev/null
"$CERTDECK" account new --server "$YEAR_URL" --ca-bundle "$YEAR_CA" --agree-tos >/dev/null 2>&1
cd_run issue -d year.example.test --http-addr 127.0.0.1 --http-port "$port"
check "a CA asking to wait a year: the command fails (exit 1)" [ "$rc" -eq 1 ]
check "... saying what the CA asked" grep -q 'asked to wait 31536000 seconds' "$T/.err"
check "... the job failed, not queued for next year" [ "$(q "SELECT state FROM jobs")" = failed ]

# --- Retry-After: 0 still waits the poll interval (the server says "now" for 2 s) ---
export CERTDECK_STORE=$T/zero.db
"$CERTDECK" init >/dev/null
"$CERTDECK" account new --server "$ZERO_URL" --ca-bundle "$ZERO_CA" --agree-tos >/dev/null 2>&1
cd_run issue -d zero.example.test --http-addr 127.0.0.1 --http-port "$port"
check "Retry-After 0: the order fails when the CA says so (exit 1)" [ "$rc" -eq 1 ]
polls=$(grep -c '^POST /order/1 -' "$ZERO_LOG" || true)
check "... polled with back-off, not in a busy loop: $polls polls in 2 s (fewer than 100)" \
	[ "$polls" -lt 100 ]

# --- Ctrl-C during a 50 s Retry-After wait: the command stops now, the job stays queued ---
export CERTDECK_STORE=$T/minute.db
"$CERTDECK" init >/dev/null
"$CERTDECK" account new --server "$MINUTE_URL" --ca-bundle "$MINUTE_CA" --agree-tos >/dev/null 2>&1
"$CERTDECK" issue -d minute.example.test --http-addr 127.0.0.1 --http-port "$port" \
	>"$T/minute.out" 2>"$T/minute.err" &
ipid=$!
i=0	# until the CA has said "come back in 50 s" (a guard of 20 s, not a measure)
while ! grep -q '^POST /order/1 -' "$MINUTE_LOG" && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.3
kill -INT "$ipid"
i=0	# the guard against a hang: 20 s, well under the 50 s wait
while kill -0 "$ipid" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
stopped=0
kill -0 "$ipid" 2>/dev/null || stopped=1
kill -KILL "$ipid" 2>/dev/null || true
set +e; wait "$ipid"; irc=$?; set -e
check "Ctrl-C in a 50 s wait: the command stops (within the 20 s guard)" [ "$stopped" -eq 1 ]
check "... exit 75 (interrupted, resumable)" [ "$irc" -eq 75 ]
check "... saying the job stays queued" grep -q 'interrupted: job #1 stays queued' "$T/minute.err"
check "... and it is queued" [ "$(q "SELECT state FROM jobs")" = queued ]

# --- Ctrl-C during a DNS propagation wait (a resolver that never has the record) ---
export CERTDECK_STORE=$T/dnswait.db CERTDECK_ARI_HOOK_LOG=$T/dnswait-hook.log
"$CERTDECK" init >/dev/null
"$CERTDECK" account new --server "$MINUTE_URL" --ca-bundle "$MINUTE_CA" --agree-tos >/dev/null 2>&1
dead=$("$top_builddir/tests/pebble/freeport" 1)
"$CERTDECK" issue -d dnswait.example.test --challenge dns-01 \
	--dns-hook "$top_srcdir/tests/hooks/ari-record-hook.sh" \
	--dns-resolver "127.0.0.1:$dead" --dns-timeout 100 >"$T/dnswait.out" 2>"$T/dnswait.err" &
ipid=$!
i=0
while [ ! -s "$CERTDECK_ARI_HOOK_LOG" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.3
kill -INT "$ipid"
i=0	# the guard against a hang: 20 s, well under the 100 s wait
while kill -0 "$ipid" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
stopped=0
kill -0 "$ipid" 2>/dev/null || stopped=1
kill -KILL "$ipid" 2>/dev/null || true
set +e; wait "$ipid"; irc=$?; set -e
check "Ctrl-C in a 100 s DNS propagation wait: the command stops (within the 20 s guard)" \
	[ "$stopped" -eq 1 ]
check "... exit 75 (interrupted, resumable)" [ "$irc" -eq 75 ]
check "... the hook removed the record on the way out" grep -q '^ran \[del\]' "$CERTDECK_ARI_HOOK_LOG"

# --- renewal inside the ARI window ---
export CERTDECK_STORE=$T/ari.db
"$CERTDECK" init >/dev/null
"$CERTDECK" account new --server "$ARI_URL" --ca-bundle "$ARI_CA" --agree-tos >/dev/null 2>&1
"$top_srcdir/tests/demo/make-demo-certs.sh" "$T/certs" >/dev/null
"$CERTDECK" import "$T/certs/api.example.test.pem" >/dev/null
now=$(date +%s)
# Make the imported certificate look issued by this CA through an order.
q "INSERT INTO orders (account_id, status, identifiers, settings, created, updated)
   VALUES (1, 'valid', '[{\"type\":\"dns\",\"value\":\"api.example.test\"}]',
   '{\"challenge\":\"http-01\",\"http_addr\":\"127.0.0.1\",\"http_port\":$port}', $now, $now);
   UPDATE certificates SET order_id = 1, account_id = 1 WHERE id = 1; UPDATE orders SET cert_id = 1"
aki=$(openssl x509 -in "$T/certs/api.example.test.crt" -noout -ext authorityKeyIdentifier |
	sed -n 's/^ *\(keyid:\)\{0,1\}\([0-9A-F:]*\)$/\2/p' | tr -d ':\n')
serial=$(openssl x509 -in "$T/certs/api.example.test.crt" -noout -serial | sed 's/serial=//')
case $serial in [89A-Fa-f]*) serial=00$serial ;; esac
want_id="$(b64url_hex "$aki").$(b64url_hex "$serial")"

cd_run renew --dry-run
check "renew --dry-run exits 0" [ "$rc" -eq 0 ]
check "it asked the CA for the renewal window of exactly this certificate" \
	grep -q "^GET /renewalInfo/$want_id" "$ARI_LOG"
check "nothing due yet (window opens tomorrow)" grep -q 'Nothing is due' "$T/.err"
start=$(q "SELECT ari_window_start FROM certificates WHERE id = 1")
at=$(q "SELECT renew_at FROM certificates WHERE id = 1")
check "the window is stored: it starts no sooner than 86000 s from now" [ $((start - now)) -ge 86000 ]
check "... and no later than 87000 s (about a day)" [ $((start - now)) -le 87000 ]
check "renew_at is not before the window starts" [ "$at" -ge "$start" ]
check "... nor after it ends" [ "$at" -le "$(q "SELECT ari_window_end FROM certificates WHERE id = 1")" ]
check "the next check honours Retry-After (6 h)" \
	[ $(( $(q "SELECT ari_next_check FROM certificates WHERE id = 1") - now )) -ge 21500 ]
check "the explanation URL is kept" [ "$(q "SELECT ari_explanation FROM certificates WHERE id = 1")" = http://127.0.0.1/why ]
check "show --json reports the ARI window" \
	[ "$("$CERTDECK" show 1 --json | jq -r '.ari_window.explanation_url')" = http://127.0.0.1/why ]
check "... and when renewal is due (renew_at)" [ "$("$CERTDECK" show 1 --json | jq -r '.renew_at | fromdateiso8601')" = "$at" ]
check "show prints them" sh -c "'$CERTDECK' show 1 | grep -q 'ARI window:' && '$CERTDECK' show 1 | grep -q 'Renewal due:'"
gets=$(grep -c '^GET /renewalInfo/' "$ARI_LOG")
cd_run renew --dry-run
check "a second run within 6 h does not ask again" [ "$(grep -c '^GET /renewalInfo/' "$ARI_LOG")" -eq "$gets" ]

# Three days on, the window has passed: due now, and the new order says what it replaces.
CERTDECK_NOW=$((now + 3 * 86400)) cd_run renew
check "past the window: renewed (the test CA then refuses: exit 1)" [ "$rc" -eq 1 ]
check "... one line for the failure" [ "$(grep -c '^certdeck: job #' "$T/.err")" -eq 1 ]
check "the CA was asked again (the check was due)" [ "$(grep -c '^GET /renewalInfo/' "$ARI_LOG")" -gt "$gets" ]
check "the new order carries replaces" grep -q "^POST /order .*\"replaces\":\"$want_id\"" "$ARI_LOG"

# --- an ARI window a year away: renewal still lands before the certificate expires ---
export CERTDECK_STORE=$T/late.db
"$CERTDECK" init >/dev/null
"$CERTDECK" account new --server "$LATE_URL" --ca-bundle "$LATE_CA" --agree-tos >/dev/null 2>&1
"$CERTDECK" import "$T/certs/api.example.test.pem" >/dev/null
q "INSERT INTO orders (account_id, status, identifiers, settings, created, updated)
   VALUES (1, 'valid', '[{\"type\":\"dns\",\"value\":\"api.example.test\"}]',
   '{\"challenge\":\"http-01\",\"http_addr\":\"127.0.0.1\",\"http_port\":$port}', $now, $now);
   UPDATE certificates SET order_id = 1, account_id = 1 WHERE id = 1; UPDATE orders SET cert_id = 1"
cd_run renew --dry-run
check "renew --dry-run against a CA whose window is a year away exits 0" [ "$rc" -eq 0 ]
na=$(q "SELECT not_after FROM certificates WHERE id = 1")
check "the window was asked for" grep -q '^GET /renewalInfo/' "$LATE_LOG"
check "renew_at is before the certificate's end (minus a margin)" \
	[ "$(q "SELECT renew_at FROM certificates WHERE id = 1")" -lt "$na" ]
check "... a notice says so" [ "$(q "SELECT count(*) FROM events WHERE level = 'warning' AND message LIKE '%renewal window%'")" -eq 1 ]
check "the next ARI check is not after the renewal" \
	[ "$(q "SELECT ari_next_check <= renew_at FROM certificates WHERE id = 1")" -eq 1 ]
done_testing
