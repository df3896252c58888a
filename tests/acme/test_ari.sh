#!/usr/bin/env bash
# ARI (RFC 9773) and certificate profiles, which Pebble lacks, against
# tests/ariserver: the engine through tests/unit/test_ari (ARI and plain
# servers), then the CLI: a profile in the order, an unknown profile refused
# before sending, and hostile challenge tokens and identifiers refused before
# any solver or hook sees them.
. "$top_srcdir/tests/lib.sh"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
set -e

SERVER_PIDS=()
# start_server NAME [MODE]: sets ${NAME}_URL (the directory) and ${NAME}_LOG.
start_server() {
	local name=$1 mode=${2-} pid i=0
	"$top_builddir/tests/ariserver" "$T/$name.port" ${mode:+"$mode"} \
		</dev/null >"$T/$name.stderr" 2>&1 &
	pid=$!
	SERVER_PIDS+=("$pid")
	at_exit "kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null"
	while [ ! -s "$T/$name.port" ] && [ $i -lt 100 ]; do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
		i=$((i + 1))
	done
	if [ ! -s "$T/$name.port" ]; then
		echo "Bail out! ariserver $mode did not start"
		sed 's/^/# /' "$T/$name.stderr"
		exit 1
	fi
	printf -v "${name}_URL" 'https://127.0.0.1:%s/dir' "$(cat "$T/$name.port")"
	printf -v "${name}_LOG" '%s' "$T/$name.port.log"
	printf -v "${name}_CA" '%s' "$T/$name.port.ca"
}

# last_order LOG: the payload of the last newOrder the server got.
last_order() {
	sed -n 's/^POST \/order //p' "$1" | tail -n 1
}
count() {	# count LOG PATTERN
	grep -c -- "$2" "$1" || true
}
no_secrets() {	# the hostile strings never reach stdout or stderr
	! grep -q -e passwd -e pwned "$T/.out" "$T/.err"
}

start_server ARI
start_server PLAIN plain
start_server BAD badtoken
start_server IDENT badident
start_server EMPTY emptyari

# A certificate with the RFC 9773 example's AKI and serial, for the C test.
fixture=$T/leaf.pem
if ! (
	cd "$T" &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout ca.key -subj /CN=ari-test-ca -days 1 -addext \
		subjectKeyIdentifier=69:88:5B:6B:87:46:40:41:E1:B3:7B:84:7B:A0:AE:2C:DE:01:C8:D4 \
		-out ca.pem &&
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout leaf.key -subj /CN=leaf.example.test -out leaf.csr &&
	printf 'authorityKeyIdentifier=keyid:always\n' >ext.cnf &&
	openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -set_serial 0x87654321 \
		-days 1 -extfile ext.cnf -out leaf.pem
) >"$T/openssl.log" 2>&1; then
	diag "fixture certificate not made:" "$(cat "$T/openssl.log")"
	fixture=
fi

# --- the engine: tests/unit/test_ari, its TAP folded into ours ---
set +e
ARI_EMPTY_URL=$EMPTY_URL ARI_EMPTY_LOG=$EMPTY_LOG \
"$top_builddir/tests/unit/test_ari" "$ARI_URL" "$ARI_LOG" "$PLAIN_URL" "$PLAIN_LOG" \
	${fixture:+"$fixture"} >"$T/unit.tap" 2>"$T/unit.err"
urc=$?
set -e
while IFS= read -r line; do
	case $line in
	"ok "*) ok 0 "${line#ok * - }" ;;
	"not ok "*) ok 1 "${line#not ok * - }" ;;
	"#"*) printf '%s\n' "$line" ;;
	esac
done <"$T/unit.tap"
check "test_ari ran to its plan" grep -q '^1\.\.[1-9]' "$T/unit.tap"
check "test_ari exits 0" [ "$urc" -eq 0 ]
[ -s "$T/unit.err" ] && diag "test_ari stderr:" "$(head -n 40 "$T/unit.err")"
check "the certificate fixture was made" [ -n "$fixture" ]

# --- the CLI against the ARI server ---
export CERTDECK_STORE=$T/store.db
"$CERTDECK" init >/dev/null
HTTP_PORT=$("$top_builddir/tests/pebble/freeport" 1)
HTTP=(--http-addr 127.0.0.1 --http-port "$HTTP_PORT")

cd_run account new --server "$ARI_URL" --ca-bundle "$ARI_CA"
check "account new without --agree-tos is refused (the CA has terms)" [ "$rc" -eq 2 ]
cd_run account new --server "$ARI_URL" --ca-bundle "$ARI_CA" --agree-tos
check "account new against the ARI server exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"

orders_before=$(count "$ARI_LOG" '^POST /order ')
cd_run issue -d a.example.test --profile shortlived "${HTTP[@]}"
check "issue --profile shortlived exits 1 (the server never validates)" [ "$rc" -eq 1 ]
check "... one newOrder was sent" [ "$(count "$ARI_LOG" '^POST /order ')" -eq $((orders_before + 1)) ]
check "... carrying \"profile\":\"shortlived\"" \
	[ "$(last_order "$ARI_LOG" | jq -r .profile)" = shortlived ]
check "... for a.example.test" \
	[ "$(last_order "$ARI_LOG" | jq -r '.identifiers[0].value')" = a.example.test ]
check "... no replaces on a first issue" \
	[ "$(last_order "$ARI_LOG" | jq 'has("replaces")')" = false ]
check "the http-01 challenge was answered" grep -q '^POST /chall/[0-9]* {}$' "$ARI_LOG"
check "stderr carries the server's problem detail" grep -q 'test server never validates' "$T/.err"
check "... naming the domain" grep -q 'a.example.test' "$T/.err"
check "the order is invalid in the store, with its profile" \
	[ "$(sqlite3 "$CERTDECK_STORE" "SELECT status || ' ' || profile FROM orders ORDER BY id DESC LIMIT 1")" = "invalid shortlived" ]

orders_before=$(count "$ARI_LOG" '^POST /order')
cd_run issue -d b.example.test --profile nosuch "${HTTP[@]}"
check "issue --profile nosuch fails" [ "$rc" -ne 0 ]
check "... saying the CA has no profile nosuch" grep -q "no profile 'nosuch'" "$T/.err"
check "... listing the profiles it offers" sh -c "grep -q classic '$T/.err' && grep -q shortlived '$T/.err'"
check "... and nothing was POSTed to /order" [ "$(count "$ARI_LOG" '^POST /order')" -eq "$orders_before" ]
diag "$errout"

# dns-01 against the ARI server: the hook runs (the control for badtoken below).
export CERTDECK_ARI_HOOK_LOG=$T/hook-good.log
HOOK=$top_srcdir/tests/hooks/ari-record-hook.sh
cd_run issue -d c.example.test --challenge dns-01 --dns-hook "$HOOK"
check "dns-01 on the ARI server exits 1" [ "$rc" -eq 1 ]
check "... its hook ran add with the CA's token" \
	grep -q '^ran \[add\] \[_acme-challenge\.c\.example\.test\.\] \[[A-Za-z0-9_-]\{43\}\] token=\[LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0\]$' "$CERTDECK_ARI_HOOK_LOG"
check "... and del afterwards" grep -q '^ran \[del\]' "$CERTDECK_ARI_HOOK_LOG"
check "... the dns-01 challenge was answered" grep -q '^POST /chall/[0-9]*/dns {}$' "$ARI_LOG"
check "the ARI server refused none of certdeck's requests" [ "$(count "$ARI_LOG" '^!')" -eq 0 ]

# --- hostile tokens: refused before any solver, hook, file or record ---
pwned_before=0
[ -e /tmp/pwned ] && pwned_before=1
export CERTDECK_STORE=$T/bad.db
"$CERTDECK" init >/dev/null
cd_run account new --server "$BAD_URL" --ca-bundle "$BAD_CA" --agree-tos
check "account new against the badtoken server exits 0" [ "$rc" -eq 0 ]

cd_run issue -d a.example.test --challenge http-01 "${HTTP[@]}"
check "badtoken http-01: exits 1" [ "$rc" -eq 1 ]
check "... stderr says the token was refused" grep -q 'token that is not base64url; refusing it' "$T/.err"
check "... neither passwd nor pwned in stdout or stderr" no_secrets
check "... the challenge was never answered" [ "$(count "$BAD_LOG" '^POST /chall')" -eq 0 ]
check "... the token is not in the store" \
	[ "$(sqlite3 "$CERTDECK_STORE" "SELECT count(*) FROM challenges WHERE token LIKE '%passwd%'")" -eq 0 ]
diag "$errout"

export CERTDECK_ARI_HOOK_LOG=$T/hook-bad.log
cd_run issue -d a.example.test --challenge dns-01 --dns-hook "$HOOK"
check "badtoken dns-01: exits 1" [ "$rc" -eq 1 ]
check "... stderr says the token was refused" grep -q 'token that is not base64url; refusing it' "$T/.err"
check "... the hook never ran" [ ! -e "$CERTDECK_ARI_HOOK_LOG" ]
check "... neither passwd nor pwned in stdout or stderr" no_secrets
check "... the challenge was never answered" [ "$(count "$BAD_LOG" '^POST /chall')" -eq 0 ]
if [ "$pwned_before" -eq 0 ]; then
	check "/tmp/pwned does not exist" [ ! -e /tmp/pwned ]
else
	echo "ok $((tap_n += 1)) # SKIP /tmp/pwned existed before the test"
fi

# --- a hostile identifier in the authorization: refused the same way ---
export CERTDECK_STORE=$T/ident.db CERTDECK_ARI_HOOK_LOG=$T/hook-ident.log
"$CERTDECK" init >/dev/null
cd_run account new --server "$IDENT_URL" --ca-bundle "$IDENT_CA" --agree-tos
check "account new against the badident server exits 0" [ "$rc" -eq 0 ]
cd_run issue -d a.example.test --challenge dns-01 --dns-hook "$HOOK"
check "badident dns-01: exits 1" [ "$rc" -eq 1 ]
check "... stderr says the identifier was refused" grep -q 'malformed identifier; refusing it' "$T/.err"
check "... the hook never ran" [ ! -e "$CERTDECK_ARI_HOOK_LOG" ]
check "... pwned not in stdout or stderr" no_secrets
check "... nothing about it in the store" \
	[ "$(sqlite3 "$CERTDECK_STORE" "SELECT count(*) FROM authorizations WHERE identifier_value LIKE '%pwned%'")" -eq 0 ]
check "the badtoken and badident servers refused no request" \
	[ "$(cat "$BAD_LOG" "$IDENT_LOG" | grep -c '^!' || true)" -eq 0 ]

# Stopped here rather than at exit, so what they said on the way out is checked
# (MHD errors; sanitizer reports in a sanitizer build).
srv_rc=0
for pid in "${SERVER_PIDS[@]}"; do
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || srv_rc=$?
done
check "the servers exited 0 on SIGTERM" [ "$srv_rc" -eq 0 ]
check "the servers wrote nothing to stderr" [ -z "$(cat "$T"/*.stderr)" ]
[ -z "$(cat "$T"/*.stderr)" ] || diag "$(head -n 40 "$T"/*.stderr)"

done_testing
