#!/usr/bin/env bash
# Revocation against Pebble: by the account key and by the certificate's key.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/acme/acme-lib.sh"
set -e
acme_setup PEBBLE_WFE_NONCEREJECT=0
acme_account
HTTP=(--http-addr 127.0.0.1 --http-port "$PEBBLE_HTTP_PORT")

a=$("$CERTDECK" issue -d revoke-a.example.test "${HTTP[@]}" 2>/dev/null)
b=$("$CERTDECK" issue -d revoke-b.example.test "${HTTP[@]}" 2>/dev/null)
check "the first certificate issued" [ -n "$a" ]
check "the second certificate issued" [ -n "$b" ]
check "Pebble sees the first as valid" [ "$(pebble_cert_status "$a")" = Valid ]

cd_run revoke "$a" --reason superseded
check "revoke by account key exits 0" [ "$rc" -eq 0 ]
check "Pebble sees it revoked" [ "$(pebble_cert_status "$a")" = Revoked ]
check "the store says revoked" [ "$("$CERTDECK" show "$a" --json | jq -r .status)" = revoked ]
check "reason recorded" [ "$(sqlite3 "$CERTDECK_STORE" "SELECT revocation_reason FROM certificates WHERE id = $a")" = 4 ]

cd_run revoke "$b" --reason keyCompromise
check "keyCompromise revocation (signed by the certificate key) exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
check "Pebble sees it revoked" [ "$(pebble_cert_status "$b")" = Revoked ]

cd_run revoke "$a"
check "revoking twice is refused" [ "$rc" -eq 1 ]
cd_run revoke "$b" --reason because
check "an unknown reason is a usage error" [ "$rc" -eq 2 ]
cd_run revoke 99
check "an unknown certificate exits 1" [ "$rc" -eq 1 ]

done_testing
