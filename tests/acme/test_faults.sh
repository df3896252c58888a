#!/usr/bin/env bash
# A misbehaving CA (fault-injection server): garbage JSON, an incomplete
# directory, HTTP 500, an oversized body, a dropped connection. Each gives a
# clear message and exit 1, writes no account, and does not crash.
. "$top_srcdir/tests/lib.sh"
set -e
export CERTDECK_STORE="$T/store.db"
"$CERTDECK" init > /dev/null
"$top_builddir/tests/faultsrv" "$T/port" &
fpid=$!
at_exit "kill $fpid 2>/dev/null; wait $fpid 2>/dev/null"
for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
base="http://127.0.0.1:$(cat "$T/port")"

try() {	# try PATH PATTERN DESCRIPTION
	cd_run account new --server "$base$1" --email x@example.test --agree-tos
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
done_testing
