#!/usr/bin/env bash
# External Account Binding against a Pebble that requires it.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/acme/acme-lib.sh"
set -e
acme_setup PEBBLE_FIXTURE_EAB=1 PEBBLE_WFE_NONCEREJECT=0
cd_run account new --server "$PEBBLE_URL" --ca-bundle "$PEBBLE_CA" --agree-tos --email e@example.test
check "without EAB: refused before contacting newAccount" [ "$rc" -eq 2 ]
check "... saying EAB is required" grep -qi 'external account' "$T/.err"
cd_run account new --server "$PEBBLE_URL" --ca-bundle "$PEBBLE_CA" --agree-tos \
	--eab-kid "$PEBBLE_EAB_KID" --eab-hmac-key "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
check "a wrong HMAC key is refused by the CA" [ "$rc" -eq 1 ]
check "... with its problem" grep -qi 'the CA said' "$T/.err"
acme_account --eab-kid "$PEBBLE_EAB_KID" --eab-hmac-key "$PEBBLE_EAB_KEY"
check "with the right EAB key the account is created" [ "$rc" -eq 0 ]
check "... --eab-hmac-key warns that the key is visible to others" \
	grep -q 'warning: --eab-hmac-key.*process list' "$T/.err"
cd_run issue -d eab.example.test --http-addr 127.0.0.1 --http-port "$PEBBLE_HTTP_PORT"
check "and it can issue" [ "$rc" -eq 0 ]
# The key from a file or standard input: never on the command line.
: > "$T/empty.key"
cd_run account new --server "$PEBBLE_URL" --ca-bundle "$PEBBLE_CA" --agree-tos \
	--eab-kid "$PEBBLE_EAB_KID" --eab-hmac-key-file "$T/empty.key"
check "an empty key file is a usage error" [ "$rc" -eq 2 ]
cd_run account new --server "$PEBBLE_URL" --ca-bundle "$PEBBLE_CA" --agree-tos \
	--eab-kid "$PEBBLE_EAB_KID" --eab-hmac-key-file "$T/missing"
check "a missing key file fails, naming it" eval '[ "$rc" -eq 1 ] && grep -q "$T/missing" "$T/.err"'
printf '%s\n' "$PEBBLE_EAB_KEY" > "$T/eab.key"
chmod 600 "$T/eab.key"
acme_account --eab-kid "$PEBBLE_EAB_KID" --eab-hmac-key-file "$T/eab.key"
check "with the right EAB key from a file the account is created" [ "$rc" -eq 0 ]
check "... without a warning" eval '! grep -qi warning "$T/.err"'
set +e
printf '%s\n' "$PEBBLE_EAB_KEY" | "$CERTDECK" account new --server "$PEBBLE_URL" --ca-bundle "$PEBBLE_CA" \
	--agree-tos --email stdin@example.test --eab-kid "$PEBBLE_EAB_KID" --eab-hmac-key-file - \
	> "$T/.out" 2> "$T/.err"
rc=$?
set -e
check "... and from standard input" [ "$rc" -eq 0 ]
cd_run account new --server "$PEBBLE_URL" --ca-bundle "$PEBBLE_CA" --agree-tos \
	--eab-kid "$PEBBLE_EAB_KID" --eab-hmac-key x --eab-hmac-key-file "$T/eab.key"
check "both options at once is a usage error" [ "$rc" -eq 2 ]
done_testing
