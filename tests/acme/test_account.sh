#!/usr/bin/env bash
# Accounts against Pebble: registration rules, listing, contact update, key
# rollover (the new key signs afterwards), deactivation.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/acme/acme-lib.sh"
set -e
acme_setup PEBBLE_WFE_NONCEREJECT=0

cd_run account new --server "$PEBBLE_URL" --ca-bundle "$PEBBLE_CA" --email a@example.test
check "without --agree-tos: usage error" [ "$rc" -eq 2 ]
check "... mentioning the terms" grep -qi 'terms' "$T/.err"
cd_run account new --server "$PEBBLE_URL" --email a@example.test --agree-tos
check "without the CA bundle: TLS failure, exit 1" [ "$rc" -eq 1 ]
check "... saying the certificate did not verify" grep -qi 'certificate' "$T/.err"
cd_run account new --server "https://127.0.0.1:$("$top_builddir/tests/pebble/freeport" 1)/dir" \
	--ca-bundle "$PEBBLE_CA" --email a@example.test --agree-tos
check "an unreachable CA: exit 1" [ "$rc" -eq 1 ]

acme_account --key-type ec384
check "account new exits 0" [ "$rc" -eq 0 ]
cd_run account list --json
check "one account listed" [ "$(jq length "$T/.out")" -eq 1 ]
check "it is valid" [ "$(jq -r '.[0].status' "$T/.out")" = valid ]
check "contact recorded" [ "$(jq -r '.[0].contacts[0]' "$T/.out")" = mailto:admin@example.test ]
check "key type ec384" [ "$(jq -r '.[0].key_type' "$T/.out")" = ec384 ]
url=$(jq -r '.[0].url' "$T/.out")
check "the account URL is Pebble's" [ "${url#https://127.0.0.1}" != "$url" ]

cd_run account update "$ACCOUNT" --email ops@example.test --email sec@example.test
check "update exits 0" [ "$rc" -eq 0 ]
check "contacts replaced" [ "$("$CERTDECK" account show "$ACCOUNT" --json | jq -r '.contacts | join(",")')" = mailto:ops@example.test,mailto:sec@example.test ]

oldkey=$(sqlite3 "$CERTDECK_STORE" "SELECT key_id FROM accounts WHERE id = $ACCOUNT")
cd_run account rollover "$ACCOUNT"
check "rollover exits 0" [ "$rc" -eq 0 ]
newkey=$(sqlite3 "$CERTDECK_STORE" "SELECT key_id FROM accounts WHERE id = $ACCOUNT")
check "the account has a new key" [ "$newkey" != "$oldkey" ]
check "no rollover left in flight" [ "$(sqlite3 "$CERTDECK_STORE" "SELECT old_key_id IS NULL FROM accounts")" = 1 ]
check "the old key is still in the store" \
	[ "$(sqlite3 "$CERTDECK_STORE" "SELECT count(*) FROM keys WHERE id = $oldkey")" = 1 ]
cd_run issue -d after-rollover.example.test --http-addr 127.0.0.1 --http-port "$PEBBLE_HTTP_PORT"
check "the new key signs an order" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
check "same account URL after rollover" [ "$("$CERTDECK" account show "$ACCOUNT" --json | jq -r .url)" = "$url" ]

# Recover the account into another store from its key (onlyReturnExisting).
sqlite3 "$CERTDECK_STORE" "SELECT k.pem FROM keys k JOIN accounts a ON a.key_id = k.id WHERE a.id = $ACCOUNT" > "$T/acct.key"
cd_run --store "$T/other.db" account recover --server "$PEBBLE_URL" --ca-bundle "$PEBBLE_CA" --key "$T/acct.key"
check "account recover exits 0" [ "$rc" -eq 0 ]
check "it finds the same account URL" [ "$("$CERTDECK" --store "$T/other.db" account show "$out" --json | jq -r .url)" = "$url" ]
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/stranger.key" 2>/dev/null
cd_run --store "$T/other.db" account recover --server "$PEBBLE_URL" --ca-bundle "$PEBBLE_CA" --key "$T/stranger.key"
check "recover with an unknown key exits 1" [ "$rc" -eq 1 ]
check "... with the CA's accountDoesNotExist" grep -q accountDoesNotExist "$T/.err"

cd_run account deactivate "$ACCOUNT"
check "deactivate exits 0" [ "$rc" -eq 0 ]
check "status deactivated" [ "$("$CERTDECK" account show "$ACCOUNT" --json | jq -r .status)" = deactivated ]
cd_run issue --account "$ACCOUNT" -d late.example.test --http-addr 127.0.0.1 --http-port "$PEBBLE_HTTP_PORT"
check "a deactivated account cannot order" [ "$rc" -eq 1 ]
check "... the CA said why" grep -qi 'the CA said' "$T/.err"
cd_run account show 42
check "show of a missing account exits 1" [ "$rc" -eq 1 ]

done_testing
