#!/usr/bin/env bash
# What a CA returns is checked before certdeck uses it (issue 10), against
# tests/ariserver switched between modes (GET /mode/NAME):
# - a certificate for other names, an extra name, expired, not yet valid, a
#   chain that does not link, another key, an intermediate that is no CA:
#   the renewal fails with one clear message, the order is invalid, nothing
#   is stored, nothing deployed, the old certificate is not replaced;
# - an authorization for a name not asked for, or more authorizations than
#   identifiers: refused before any challenge is answered or hook run;
# - an order Location on another origin, a 302 to a signed request: refused.
. "$top_srcdir/tests/lib.sh"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
set -e

"$top_builddir/tests/ariserver" "$T/ca.port" issue </dev/null >"$T/ca.stderr" 2>&1 &
pid=$!
at_exit "kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null"
i=0
while [ ! -s "$T/ca.port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -s "$T/ca.port" ] || { echo "Bail out! ariserver did not start"; exit 1; }
BASE=https://127.0.0.1:$(cat "$T/ca.port")
LOG=$T/ca.port.log
mode() { curl -sf --cacert "$T/ca.port.ca" "$BASE/mode/$1" >/dev/null; }
q() { sqlite3 "$CERTDECK_STORE" "$1"; }
count() { grep -c -- "$1" "$LOG" || true; }

export CERTDECK_STORE=$T/store.db
"$CERTDECK" init >/dev/null
cd_run account new --server "$BASE/dir" --ca-bundle "$T/ca.port.ca" --agree-tos
check "account new against the issuing test CA exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
HTTP=(--http-addr 127.0.0.1 --http-port "$("$top_builddir/tests/pebble/freeport" 1)")

# --- a good certificate first: stored, and deployed to a file ---
cd_run issue -d good.example.test "${HTTP[@]}"
check "a good certificate is issued and stored" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
check "... one certificate in the store" [ "$(q 'SELECT count(*) FROM certificates')" -eq 1 ]
mkdir -p "$T/deploy"
cd_run deploy add 1 --fullchain "$T/deploy/full.pem"
check "deploy add exits 0" [ "$rc" -eq 0 ]
cd_run deploy run 1
check "deploy run exits 0" [ "$rc" -eq 0 ]
sum_before=$(sha256sum <"$T/deploy/full.pem")

mode issue-upper
cd_run issue -d upper.example.test "${HTTP[@]}"
check "a certificate naming the domain in upper case is accepted (DNS is case-insensitive)" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"

# refused MODE PATTERN WHAT: a renewal of #1 against MODE fails as it should.
refused() {
	local m=$1 pat=$2 what=$3 certs orders
	certs=$(q 'SELECT count(*) FROM certificates')
	mode "$m"
	cd_run renew --force 1
	check "$what: the renewal fails (exit 1)" [ "$rc" -eq 1 ]
	check "$what: ... saying so" grep -q -- "$pat" "$T/.err"
	# The job's own report says it once; renew's closing list of active
	# conditions ("certdeck: CRITICAL: ...") may name it again.
	check "$what: ... in one message" \
		[ "$(grep -v '^certdeck: \(CRITICAL\|WARNING\): ' "$T/.err" |
			grep -c "the CA's certificate is refused")" -eq 1 ]
	check "$what: nothing was stored" [ "$(q 'SELECT count(*) FROM certificates')" -eq "$certs" ]
	check "$what: the order is invalid" \
		[ "$(q 'SELECT status FROM orders ORDER BY id DESC LIMIT 1')" = invalid ]
	check "$what: the job failed (no retry)" \
		[ "$(q 'SELECT state FROM jobs ORDER BY id DESC LIMIT 1')" = failed ]
	check "$what: the old certificate is not replaced" \
		[ "$(q 'SELECT coalesce(replaced_by, 0) FROM certificates WHERE id = 1')" -eq 0 ]
	check "$what: the deployed file is untouched" [ "$(sha256sum <"$T/deploy/full.pem")" = "$sum_before" ]
	[ "$rc" -eq 1 ] || diag "$errout"
}
refused issue-othername 'names other.example.test, which the order did not ask for' "other names"
refused issue-extraname 'names extra.example.test, which the order did not ask for' "an extra name"
refused issue-expired 'it has expired' "expired"
refused issue-notyet 'it is not valid yet' "not yet valid"
refused issue-badchain 'chain is broken: certificate 1' "a chain that does not link"
refused issue-wrongkey "does not hold the order's key" "another key"
refused issue-caleaf 'certificate 2 of its chain is not a CA' "an intermediate that is no CA"

# --- a rate limit's Retry-After never schedules a renewal past the end ---
# #1 lives 7 days; a week's wait would land after it: the retry comes
# before it instead, with a warning. A year's wait is given up on at once.
mode ratelimit-week
cd_run renew --force 1
check "a week's rate limit: the renewal is deferred (exit 75)" [ "$rc" -eq 75 ]
[ "$rc" -eq 75 ] || diag "$errout"
job=$(q 'SELECT max(id) FROM jobs')
check "... the job is queued for a retry" [ "$(q "SELECT state FROM jobs WHERE id = $job")" = queued ]
check "... not after the certificate's end less an hour" \
	[ "$(q "SELECT run_after <= (SELECT not_after FROM certificates WHERE id = 1) - 3600 FROM jobs WHERE id = $job")" = 1 ]
check "... but later than the backoff alone would (the CA's wait counts)" \
	[ "$(q "SELECT run_after > strftime('%s','now') + 86400 FROM jobs WHERE id = $job")" = 1 ]
check "... a warning event says it was brought forward" \
	[ "$(q "SELECT count(*) FROM events WHERE job_id = $job AND level = 'warn' AND message LIKE '%brought forward%before certificate #1 expires%'")" -eq 1 ]
"$CERTDECK" cancel "$job" >/dev/null 2>&1

mode ratelimit-year
cd_run renew --force 1
check "a year's rate limit: the renewal fails (exit 1)" [ "$rc" -eq 1 ]
[ "$rc" -eq 1 ] || diag "$errout"
check "... saying certdeck does not wait that long" grep -q 'the CA asks to wait 365 days, longer than certdeck waits (8 days): giving up' "$T/.err"
check "... the job failed for good (no retry a year on)" \
	[ "$(q 'SELECT state FROM jobs ORDER BY id DESC LIMIT 1')" = failed ]
job=$(q 'SELECT max(id) FROM jobs')
check "... and renew ends by reporting it as a critical alert" \
	grep -q "^certdeck: CRITICAL: renewal of .* (job #$job) failed" "$T/.err"

# --- authorizations for names not asked for, or too many ---
HOOK=$top_srcdir/tests/hooks/ari-record-hook.sh
export ARI_HOOK_LOG=$T/hook.log
mode otherauthz
answered=$(count '^POST /chall')
cd_run issue -d asked.example.test --challenge dns-01 --dns-hook "$HOOK"
check "an authorization for another name: exit 1" [ "$rc" -eq 1 ]
check "... naming it" grep -q 'authorization for other.example.test, which the order did not ask for' "$T/.err"
check "... no challenge was answered" [ "$(count '^POST /chall')" -eq "$answered" ]
check "... the hook never ran" [ ! -e "$ARI_HOOK_LOG" ]
check "... nothing about it in the store" \
	[ "$(q "SELECT count(*) FROM authorizations WHERE identifier_value = 'other.example.test'")" -eq 0 ]

mode manyauthz
cd_run issue -d many.example.test --challenge dns-01 --dns-hook "$HOOK"
check "three authorizations for one identifier: exit 1" [ "$rc" -eq 1 ]
check "... saying so" grep -q 'listed 3 authorizations for 1 identifiers' "$T/.err"
check "... no challenge was answered" [ "$(count '^POST /chall')" -eq "$answered" ]
check "... the hook never ran" [ ! -e "$ARI_HOOK_LOG" ]

# --- URLs: another origin, a redirect ---
mode offorigin
cd_run issue -d origin.example.test "${HTTP[@]}"
check "an order Location on another origin: exit 1" [ "$rc" -eq 1 ]
check "... naming the URL" grep -q "https://localhost:[0-9]*/order/[0-9]*.*not on the directory's origin" "$T/.err"
check "... no challenge was answered" [ "$(count '^POST /chall')" -eq "$answered" ]
check "... the job failed for good (not queued for a retry)" \
	[ "$(q 'SELECT state FROM jobs ORDER BY id DESC LIMIT 1')" = failed ]

# The same origin allowed for this CA (account new --allow-origin): the order goes on.
export CERTDECK_STORE=$T/allowed.db
"$CERTDECK" init >/dev/null
other=https://localhost:$(cat "$T/ca.port")
cd_run account new --server "$BASE/dir" --ca-bundle "$T/ca.port.ca" --agree-tos \
	--allow-origin "$other/"
check "account new --allow-origin exits 0" [ "$rc" -eq 0 ]
check "... the CA row keeps the origin" [ "$(q 'SELECT allowed_origins FROM cas')" = "$other" ]
cd_run issue -d allowed.example.test "${HTTP[@]}"
check "with the origin allowed, the order is not refused for it" \
	eval '! grep -q "not on the directory" "$T/.err"'
check "... its challenge was answered" [ "$(count '^POST /chall')" -gt "$answered" ]
answered=$(count '^POST /chall')
cd_run account new --server "$BASE/dir" --ca-bundle "$T/ca.port.ca" --agree-tos \
	--allow-origin "http://localhost/"
check "--allow-origin with a plain http URL is refused" [ "$rc" -eq 2 ]
export CERTDECK_STORE=$T/store.db

mode redirect
cd_run issue -d redirect.example.test "${HTTP[@]}"
check "a 302 to a signed request: exit 1" [ "$rc" -eq 1 ]
check "... saying it was a redirect" grep -q 'HTTP 302 (a redirect) to a signed request' "$T/.err"
check "... no challenge was answered" [ "$(count '^POST /chall')" -eq "$answered" ]

cd_run account new --server "http://127.0.0.1:$(cat "$T/ca.port")/dir" --agree-tos
check "a directory over plain http is refused" [ "$rc" -ne 0 ]
check "... saying it must be https" grep -q 'must be an https:// URL' "$T/.err"

check "the test CA refused none of certdeck's requests" [ "$(count '^!')" -eq 0 ]
done_testing
