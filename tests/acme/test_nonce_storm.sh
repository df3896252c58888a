#!/usr/bin/env bash
# Pebble rejecting half of all nonces (badNonce) must not fail any order.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/acme/acme-lib.sh"
set -e
acme_setup PEBBLE_WFE_NONCEREJECT=50
acme_account
check "account created despite rejected nonces" [ "$rc" -eq 0 ]
for i in 1 2 3 4 5; do
	cd_run issue -d "storm$i.example.test" -d "www.storm$i.example.test" \
		--http-addr 127.0.0.1 --http-port "$PEBBLE_HTTP_PORT"
	check "order $i completes under a badNonce storm" [ "$rc" -eq 0 ]
	[ "$rc" -eq 0 ] || diag "$errout"
done
check "Pebble did reject nonces" grep -q 'badNonce\|bad nonce' "$PEBBLE_DIR/pebble.log"
done_testing
