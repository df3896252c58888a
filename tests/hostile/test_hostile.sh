#!/usr/bin/env bash
# A CA that lies (issue 11): tests/hostile/hostile_ca.py, one lie per case.
# Two good certificates come first (one by webroot, one by a dns-01 hook),
# each with a deploy target whose reload command records its argv. Then each
# case renews one of them against a lie, and checks that certdeck
# - ends within its (test-shortened) timeouts, with the case's message and
#   the job failed for good or queued for a retry;
# - stores nothing as current: the same certificates, none replaced;
# - deploys nothing: the deployed files and the reload log are unchanged;
# - runs no hook for a name it did not ask for (the dns-01 hook's log);
# - writes nothing outside its store and the webroot's challenge folder
#   (the sandbox, with a canary folder next to the webroot, is compared
#   before and after).
. "$top_srcdir/tests/lib.sh"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
set -e

# certdeck's own limits, shortened (honoured only with --enable-test-hooks).
export CERTDECK_TEST_HTTP_TIMEOUT=4 CERTDECK_TEST_HTTP_LOW_SPEED_TIME=2
export CERTDECK_TEST_POLL_STALL=3
# No case may take longer than this (the unshortened limits are 30 s and 90 s).
WALL_MAX=20

# --- a throwaway TLS CA for the server, and an issuing hierarchy ---
SB=$T/sandbox
mkdir -p "$T/tls" "$T/ca/new" "$SB/www" "$SB/canary" "$SB/deploy" "$SB/cwd" "$SB/home"
echo "do not touch" >"$SB/canary/keep"
ossl() { openssl "$@" 2>/dev/null; }
ecg() { ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }
ecg "$T/tls/ca.key"
ossl req -x509 -new -key "$T/tls/ca.key" -subj "/CN=hostile TLS root" -days 2 -out "$T/tls/ca.pem"
ecg "$T/tls/srv.key"
ossl req -new -key "$T/tls/srv.key" -subj "/CN=127.0.0.1" -out "$T/tls/srv.csr"
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$T/tls/ext"
ossl x509 -req -in "$T/tls/srv.csr" -CA "$T/tls/ca.pem" -CAkey "$T/tls/ca.key" \
	-CAcreateserial -days 2 -extfile "$T/tls/ext" -out "$T/tls/srv.pem"
C=$T/ca
ecg "$C/root.key"
ossl req -x509 -new -key "$C/root.key" -subj "/CN=hostile root" -days 30 -out "$C/root.pem"
mkcacert() {	# mkcacert NAME SUBJECT: an intermediate signed by root
	ecg "$C/$1.key"
	ossl req -new -key "$C/$1.key" -subj "$2" -out "$C/$1.csr"
	printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' >"$C/ext"
	ossl x509 -req -in "$C/$1.csr" -CA "$C/root.pem" -CAkey "$C/root.key" -set_serial "0x$(openssl rand -hex 8)" \
		-days 30 -extfile "$C/ext" -out "$C/$1.pem"
}
mkcacert int "/CN=hostile intermediate"
mkcacert stranger "/CN=hostile stranger"	# also a CA, but it signed nothing of ours
ecg "$C/other.key"
: >"$C/index.txt"
echo 1000 >"$C/serial"
cat >"$C/ca.cnf" <<EOF
[ca]
default_ca = d
[d]
database = $C/index.txt
new_certs_dir = $C/new
serial = $C/serial
certificate = $C/int.pem
private_key = $C/int.key
default_md = sha256
policy = pol
unique_subject = no
copy_extensions = none
[pol]
commonName = supplied
EOF
[ -s "$C/int.pem" ] && [ -s "$T/tls/srv.pem" ] || { echo "Bail out! openssl could not make the test CAs"; exit 1; }

python3 "$top_srcdir/tests/hostile/hostile_ca.py" "$T/port" "$T/tls/srv.pem" "$T/tls/srv.key" \
	"$C" "$T/log" "$SB/canary" </dev/null >"$T/srv.stderr" 2>&1 &
pid=$!
at_exit "kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null"
i=0
while [ ! -s "$T/port" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
[ -s "$T/port" ] || { echo "Bail out! hostile_ca.py did not start"; cat "$T/srv.stderr"; exit 1; }
BASE=https://127.0.0.1:$(cat "$T/port")
mode() { curl -sf --cacert "$T/tls/ca.pem" "$BASE/mode/$1" >/dev/null; }
count() { grep -c -- "$1" "$T/log" || true; }

export CERTDECK_STORE=$SB/store/store.db HOME=$SB/home XDG_CONFIG_HOME=$SB/home/.config \
	XDG_DATA_HOME=$SB/home/.local/share XDG_CACHE_HOME=$SB/home/.cache
export CERTDECK_HOOK_LOG=$SB/hook.log CERTDECK_RELOAD_LOG=$SB/reload.log
mkdir -p "$SB/store"
cd "$SB/cwd"
"$CERTDECK" init >/dev/null
cd_run account new --server "$BASE/dir" --ca-bundle "$T/tls/ca.pem" --agree-tos
check "account new against the hostile CA, in its honest mode, exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"

HOOK=$top_srcdir/tests/hostile/record-argv.sh
cd_run issue -d web.hostile.test --webroot "$SB/www"
check "a good certificate by webroot is issued" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
cd_run issue -d dns.hostile.test --challenge dns-01 --dns-hook "$HOOK"
check "a good certificate by a dns-01 hook is issued" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
check "... the chain certdeck stored verifies against the issuing root" \
	sh -c "'$CERTDECK' show 2 --pem | openssl verify -CAfile '$C/root.pem' -untrusted /dev/stdin /dev/stdin >/dev/null 2>&1 ||
		{ '$CERTDECK' show 2 --pem >'$T/c2.pem' && openssl verify -CAfile '$C/root.pem' -untrusted '$T/c2.pem' '$T/c2.pem' >/dev/null; }"
for id in 1 2; do
	cd_run deploy add $id --fullchain "$SB/deploy/$id.full.pem" --key "$SB/deploy/$id.key.pem" \
		--reload-cmd "$top_srcdir/tests/hostile/record-argv.sh" reload "$id"
	check "deploy add $id exits 0" [ "$rc" -eq 0 ]
	cd_run deploy run $id
	check "deploy run $id exits 0" [ "$rc" -eq 0 ]
done
check "... the reload command ran once per target" [ "$(grep -c '^reload' "$CERTDECK_RELOAD_LOG")" -eq 2 ]

# What the sandbox holds, apart from the store and the webroot's challenge
# folder: every file with its size, mtime and mode, every directory with its
# mode (a directory's mtime moves when the challenge folder comes and goes).
snapshot() {
	(cd "$SB" && find . -path ./store -prune -o -path ./www/.well-known -prune \
		-o -path ./hook.log -prune -o -type d -printf '%p %m\n' -o -printf '%p %s %T@ %m\n') |
		sort
}
# The store's certificates as far as "current" goes (days_left moves by itself).
certs_json() {
	"$CERTDECK" list --json --all | python3 -c 'import json,sys
for c in json.load(sys.stdin):
	print(c["id"], c["name"], c["names"], c["serial"], c["fingerprint_sha256"], c["not_after"], c["replaced_by"])'
}
job_json() { "$CERTDECK" jobs --json | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)[0]))'; }
jfield() { python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print(j.get(sys.argv[2]) if j.get(sys.argv[2]) is not None else "")' "$1" "$2"; }

cases=0
# hostile NAME MODE CERT OUTCOME PATTERN
#   OUTCOME: failed (exit 1, the job failed for good) or retry (the job is
#   queued again with a later run_after); PATTERN: in stderr and the job's error.
hostile() {
	local name=$1 m=$2 cert=$3 want=$4 pat=$5 before certs_before t0 t1 job state failed0=$tap_failed
	# HOSTILE_ONLY=REGEX runs only the matching modes (while working on one).
	[[ $m =~ ${HOSTILE_ONLY:-.} ]] || return 0
	cases=$((cases + 1))
	before=$(snapshot)
	certs_before=$(certs_json)
	cp "$CERTDECK_RELOAD_LOG" "$T/reload.before"
	: >"$CERTDECK_HOOK_LOG"
	mode "$m"
	t0=$(date +%s)
	set +e
	timeout 120 "$CERTDECK" renew --force "$cert" >"$T/.out" 2>"$T/.err"
	rc=$?
	set -e
	t1=$(date +%s)
	errout=$(cat "$T/.err")
	check "$name: certdeck ends within $WALL_MAX s (took $((t1 - t0)) s)" \
		eval '[ "$rc" -ne 124 ] && [ $((t1 - t0)) -le "$WALL_MAX" ]'
	job=$(job_json)
	state=$(jfield "$job" state)
	if [ "$want" = retry ]; then
		check "$name: exit 75 (the CA asked to wait) or 1" eval '[ "$rc" -eq 75 ] || [ "$rc" -eq 1 ]'
		check "$name: the job is queued for a retry later" \
			eval '[ "$state" = queued ] && [ "$(jfield "$job" run_after)" \> "$(date -u +%Y-%m-%dT%H:%M:%SZ)" ]'
	else
		check "$name: exit 1" [ "$rc" -eq 1 ]
		check "$name: the job failed for good" [ "$state" = failed ]
	fi
	check "$name: a clear message: '$pat'" grep -q -- "$pat" "$T/.err"
	check "$name: ... which the job keeps" grep -q -- "$pat" <<<"$(jfield "$job" last_error)"
	check "$name: nothing stored as current" [ "$(certs_json)" = "$certs_before" ]
	check "$name: nothing deployed, no reload" cmp -s "$T/reload.before" "$CERTDECK_RELOAD_LOG"
	check "$name: no hook ran for a name not asked for" \
		eval '! grep -v "^\(add\|del\) \[_acme-challenge\.dns\.hostile\.test\.\?\]" "$CERTDECK_HOOK_LOG" | grep -q .'
	check "$name: nothing written outside the store and the challenge folder" \
		[ "$(snapshot)" = "$before" ]
	check "$name: the challenge folder holds no stray name" \
		eval '! find "$SB/www/.well-known/acme-challenge" -mindepth 1 2>/dev/null ! -regex ".*/[A-Za-z0-9_-]*" | grep -q .'
	if [ "$tap_failed" -ne "$failed0" ] || [ -n "${HOSTILE_ONLY-}" ]; then
		diag "rc=$rc" "$errout" "job: $job" "hooks:" "$(cat "$CERTDECK_HOOK_LOG")"
		[ "$(snapshot)" = "$before" ] || diff <(echo "$before") <(snapshot) | sed 's/^/# /' || true
	fi
	"$CERTDECK" cancel "$(jfield "$job" id)" >/dev/null 2>&1 || true
}
W=1 D=2

# --- bodies ---
hostile "a garbage directory" garbage@dir $W failed 'not valid JSON\|not JSON\|JSON'
hostile "an HTML directory (a captive portal)" html@dir $W failed 'JSON'
hostile "an empty directory" empty@dir $W failed 'JSON'
hostile "a truncated order" truncated@neworder $W failed 'JSON'
hostile "an HTML page for the order" html@neworder $W failed 'JSON'
hostile "a garbage authorization" garbage@authz $D failed 'JSON'
hostile "a PEM served for the order (wrong content type)" pem@neworder $W failed 'JSON'
hostile "a 400 with an HTML body (wrong content type for a problem)" problemhtml@neworder $W failed 'HTTP 400'
# --- nonces ---
hostile "no Replay-Nonce at all" nonce-missing $W failed 'nonce'
hostile "the same nonce handed out again and again" nonce-reused $W failed 'badNonce\|nonce'
hostile "an endless badNonce" badnonce $W failed 'badNonce\|nonce'
# --- server errors and waits ---
hostile "a 500 for the order, every time" e500@neworder $W retry 'HTTP 500'
hostile "a 500 with an HTML body" e500html@finalize $W retry 'HTTP 500'
hostile "a 429 with Retry-After of a year" e429year@neworder $W failed "the CA asks to wait 365 days"
hostile "a 503 with Retry-After of an hour" e503hour@authz $D retry 'HTTP 503'
hostile "an order processing with Retry-After of a year" retry-year $W failed 'asked to wait 31536000 seconds'
hostile "an order pending with Retry-After: 0, never ready" order-never-ready $W retry 'stayed pending for 3 seconds'
hostile "an authorization that never validates" authz-never-valid $D retry 'stayed pending for 3 seconds'
# --- sizes, speeds, connections ---
hostile "a 100 MiB order" big@neworder $W failed 'larger\|too large\|exceed\|MiB\|bytes'
hostile "a 100 MiB chunked certificate" bigchunked@cert $W failed 'larger\|too large\|exceed\|MiB\|bytes'
hostile "a slow drip under the speed limit" drip@order $W retry 'slow\|speed\|timed out\|Timeout'
hostile "a drip above the speed limit, for ever" dripfast@authz $D retry 'timed out\|Timeout'
hostile "a connection reset" reset@neworder $W retry 'reset\|Recv failure\|connection'
hostile "a reset in the middle of a body" resetmid@authz $D retry 'reset\|Recv failure\|connection\|partial'
hostile "a connection closed without an answer" close@finalize $W retry 'Empty reply\|closed\|connection'
# --- redirects, origins, plain http ---
hostile "a 302 to another origin for a signed request" redirect@neworder $W failed 'redirect'
hostile "a 301 for the certificate" redirect301@cert $W failed 'redirect'
hostile "a 302 for the directory" redirect@dir $W failed 'redirect\|HTTP 302'
hostile "an order Location on another origin" order-offorigin $W failed "not on the directory's origin"
hostile "authorizations on another origin" authz-offorigin $D failed "not on the directory's origin"
hostile "a certificate URL on another origin" cert-offorigin $W failed "not on the directory's origin"
hostile "an order Location over plain http" order-http $W failed 'not an absolute https URL'
hostile "an authorization URL over plain http" authz-http $D failed 'not an absolute https URL'
hostile "a finalize URL over plain http" finalize-http $W failed 'not an absolute https URL'
# --- tokens ---
for tok in shell dotdot newline bytes empty; do
	hostile "a token with $tok (webroot)" token-$tok $W failed 'challenge token that is not'
	hostile "a token with $tok (dns-01 hook)" token-$tok $D failed 'challenge token that is not'
done
# --- authorizations ---
hostile "an authorization for a name never asked for (dns-01 hook)" authz-othername $D failed 'which the order did not ask for'
hostile "an authorization for a name never asked for (webroot)" authz-othername $W failed 'which the order did not ask for'
# --- certificates ---
hostile "a certificate for another key" cert-wrongkey $W failed "does not hold the order's key"
hostile "a certificate for other names" cert-othername $W failed 'which the order did not ask for'
hostile "a certificate with an extra name" cert-extraname $D failed 'names extra.hostile.test'
hostile "an expired certificate" cert-expired $W failed 'it has expired'
hostile "a certificate not yet valid" cert-notyet $W failed 'not valid yet'
hostile "a chain that does not link" cert-badchain $W failed 'chain is broken'
hostile "a JSON body served as the certificate" cert-json $W failed 'PEM\|certificate'
hostile "a certificate that is not base64" cert-garbage $W failed 'PEM\|certificate'
hostile "a chain of 1,000 certificates" cert-1000 $W failed 'chain'

# --- a 500, then success: the retry issues a good certificate ---
mode "e500:1@neworder"
cd_run renew --force $W
check "500s then success: the first run ends with a retry scheduled" eval '[ "$rc" -eq 75 ] || [ "$rc" -eq 1 ]'
check "... nothing stored yet" [ "$("$CERTDECK" list --json --all | grep -c '"id"')" -eq 2 ]
# The retry, brought forward: the CA answers now, the renewal completes.
cp "$CERTDECK_RELOAD_LOG" "$T/reload.before"
sqlite3 "$CERTDECK_STORE" "UPDATE jobs SET run_after = 0 WHERE state = 'queued'"
cd_run worker --once
check "... the retry succeeds: worker exit 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$(cat "$T/.err")" "$(job_json)"
check "... the job is done" [ "$(jfield "$(job_json)" state)" = done ]
check "... a new certificate, replacing the old one" \
	[ "$("$CERTDECK" list --json --all | python3 -c 'import json,sys; print(sum(1 for c in json.load(sys.stdin) if c["replaced_by"]))')" -eq 1 ]
check "... and it was deployed, the reload ran once more" \
	[ "$(wc -l < "$CERTDECK_RELOAD_LOG")" -eq $(( $(wc -l < "$T/reload.before") + 1 )) ]
check "the test CA could parse every request" [ "$(count '^!')" -eq 0 ]
check "at least 30 cases ran ($cases)" [ "$cases" -ge 30 ]
done_testing
