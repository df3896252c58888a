#!/usr/bin/env bash
# A misbehaving CA (fault-injection server): garbage JSON, an incomplete
# directory, HTTP 500, an oversized body, a dropped connection. Each gives a
# clear message and exit 1, writes no account, and does not crash. An issue
# for an account whose CA broke since asks it once, not twice.
. "$top_srcdir/tests/lib.sh"
set -e
export CERTDECK_STORE="$T/store.db"
"$CERTDECK" init > /dev/null
"$top_builddir/tests/faultsrv" "$T/port" tls &
fpid=$!
at_exit "kill $fpid 2>/dev/null; wait $fpid 2>/dev/null"
for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
base="https://127.0.0.1:$(cat "$T/port")"
CA=(--ca-bundle "$T/port.ca")
curl() { command curl --cacert "$T/port.ca" "$@"; }

try() {	# try PATH PATTERN DESCRIPTION
	cd_run account new --server "$base$1" "${CA[@]}" --email x@example.test --agree-tos
	check "$3: exit 1" [ "$rc" -eq 1 ]
	check "$3: one clear message" grep -qi "$2" "$T/.err"
	check "$3: no crash (no signal)" [ "$rc" -lt 128 ]
}
try /garbage 'not a JSON object' "garbage JSON directory"
try /dir-incomplete 'newAccount' "directory missing fields"
try /500 'serverInternal\|500' "HTTP 500"
try /big '1 MiB' "oversized body"
try /drop "$base" "dropped connection"
check "no account was stored" [ "$(sqlite3 "$CERTDECK_STORE" 'SELECT count(*) FROM accounts')" = 0 ]
check "store integrity" [ "$(sqlite3 "$CERTDECK_STORE" 'PRAGMA integrity_check')" = ok ]

# An account whose CA has since broken (its directory is garbage, which is
# not worth retrying): 'certdeck issue' reports it after asking once. (Its connection is made beside the store work;
# a failure there must not be tried again, or a CA that hangs costs the wait
# twice.)
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/acct.key" 2>/dev/null
sqlite3 "$CERTDECK_STORE" "INSERT INTO cas (directory_url, ca_bundle_pem, created)
	VALUES ('$base/garbage', readfile('$T/port.ca'), 1);
	INSERT INTO keys (type, pem, created) VALUES ('ec256', readfile('$T/acct.key'), 1);
	INSERT INTO accounts (ca_id, key_id, url, status, tos_agreed, created, updated)
	VALUES (last_insert_rowid(), last_insert_rowid(), '$base/acct/1', 'valid', 1, 1, 1);"
before=$(curl -s "$base/hits")
cd_run issue -d broken-ca.example.test --http-port "$("$top_builddir/tests/pebble/freeport" 1)"
check "issue with a broken CA: exit 1" [ "$rc" -eq 1 ]
check "... saying what is wrong" grep -q 'not a JSON object' "$T/.err"
check "... after asking the CA once" [ "$(( $(curl -s "$base/hits") - before ))" -eq 1 ]
done_testing
