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
# Evidence that the storm happened: 20 registrations need more than 20 POSTs
# (the chance that Pebble rejects none of 20 nonces is one in a million).
fails=0
for i in $(seq 20); do
	"$CERTDECK" account new --server "$PEBBLE_URL" --ca-bundle "$PEBBLE_CA" \
		--agree-tos > /dev/null 2>&1 || fails=$((fails + 1))
done
check "20 more registrations all succeed" [ "$fails" -eq 0 ]
posts=$(grep -c 'POST /sign-me-up' "$PEBBLE_DIR/pebble.log")
check "Pebble rejected nonces and certdeck retried ($posts POSTs for 21 accounts)" [ "$posts" -gt 21 ]
done_testing
