#!/usr/bin/env bash
# Issuance against Pebble: http-01 (standalone and webroot), dns-01 with a
# wildcard, tls-alpn-01, an IP identifier, key types; each certificate checked
# with openssl.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/acme/acme-lib.sh"
set -e
acme_setup PEBBLE_WFE_NONCEREJECT=0
acme_account
check "account new exits 0" [ "$rc" -eq 0 ]
check "account new prints an id" [ "$ACCOUNT" = 1 ]

HTTP=(--http-addr 127.0.0.1 --http-port "$PEBBLE_HTTP_PORT")

cd_run issue -d www.example.test -d example.test "${HTTP[@]}"
check "http-01 issue exits 0" [ "$rc" -eq 0 ]
id=$out
check "issue prints the certificate id" [ "$id" = 1 ]
check "issue reports progress on stderr" grep -q '^\[6/6\]' "$T/.err"
check "the chain verifies against Pebble's root" verify_cert "$id" www.example.test
cd_run show "$id" --json
check "both names are on it" [ "$(jq -r '.names | sort | join(",")' "$T/.out")" = "example.test,www.example.test" ]
check "the key is held" [ "$(jq -r .key_held "$T/.out")" = true ]
check "default key type is ec256" [ "$(jq -r .key_type "$T/.out")" = ec256 ]
check "source is certdeck" [ "$(jq -r .source "$T/.out")" = certdeck ]
check "the order is valid in the store" \
	[ "$(sqlite3 "$CERTDECK_STORE" "SELECT status FROM orders WHERE cert_id = $id")" = valid ]
check "authorizations were recorded" \
	[ "$(sqlite3 "$CERTDECK_STORE" "SELECT count(*) FROM authorizations WHERE status = 'valid'")" -ge 2 ]

cd_run issue -d rsa.example.test --key-type rsa2048 "${HTTP[@]}"
check "rsa2048 issue exits 0" [ "$rc" -eq 0 ]
check "rsa2048 key type kept" [ "$("$CERTDECK" show "$out" --json | jq -r .key_type)" = rsa2048 ]
check "rsa chain verifies" verify_cert "$out"

cd_run issue -d ip.example.test -d 127.0.0.1 "${HTTP[@]}"
check "IP identifier issue exits 0" [ "$rc" -eq 0 ]
check "the IP is a SAN" sh -c "'$CERTDECK' show '$out' --pem | openssl x509 -noout -ext subjectAltName | grep -q 'IP Address:127.0.0.1'"

cd_run issue -d '*.wild.example.test' -d wild.example.test --challenge dns-01 \
	--dns-hook "$top_srcdir/tests/hooks/challtest-dns-hook.sh" --dns-resolver "$CHALLTEST_DNS"
check "wildcard over dns-01 exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
check "the wildcard is a SAN" sh -c "'$CERTDECK' show '$out' --json | jq -e '.names | index(\"*.wild.example.test\")' > /dev/null"
check "wildcard chain verifies" verify_cert "$out"

cd_run issue -d alpn.example.test --challenge tls-alpn-01 --tls-addr 127.0.0.1 \
	--tls-port "$PEBBLE_TLS_PORT" --key-type ec384
check "tls-alpn-01 issue exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
check "ec384 kept" [ "$("$CERTDECK" show "$out" --json | jq -r .key_type)" = ec384 ]

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out "$T/own.key" 2>/dev/null
cd_run issue -d ownkey.example.test --key "$T/own.key" "${HTTP[@]}"
check "issue --key FILE exits 0" [ "$rc" -eq 0 ]
check "the certificate carries the given key" [ "$("$CERTDECK" show "$out" --pem | openssl x509 -pubkey -noout | sha256sum)" = \
	"$(openssl pkey -in "$T/own.key" -pubout | sha256sum)" ]
check "its key type is recorded (rsa3072)" [ "$("$CERTDECK" show "$out" --json | jq -r .key_type)" = rsa3072 ]
check "... in the order's settings too (kept on renewal)" \
	[ "$(sqlite3 "$CERTDECK_STORE" "SELECT json_extract(settings, '$.key_type') FROM orders WHERE cert_id = $out")" = rsa3072 ]
printf 'not a key\n' > "$T/bad.key"
cd_run issue -d badkey.example.test --key "$T/bad.key" "${HTTP[@]}"
check "issue --key with a non-key file exits 1" [ "$rc" -eq 1 ]
check "... naming it" grep -q bad.key "$T/.err"
check "... and leaves no order behind" \
	[ "$(sqlite3 "$CERTDECK_STORE" "SELECT count(*) FROM orders WHERE identifiers LIKE '%badkey.example%'")" -eq 0 ]

cd_run list --json
check "list shows the six certificates" [ "$(jq length "$T/.out")" -eq 6 ]
check "no private key in any output" sh -c "! grep -rq 'PRIVATE KEY' '$T/.out'"
check "integrity check" [ "$(sqlite3 "$CERTDECK_STORE" 'PRAGMA integrity_check')" = ok ]

# Bad input: names the domain, keeps the order, stores nothing.
cd_run issue -d 'bad name' "${HTTP[@]}"
check "a malformed name is a usage error" [ "$rc" -eq 2 ]
cd_run issue -d fail.example.test --http-addr 127.0.0.1 --http-port "$(
	"$top_builddir/tests/pebble/freeport" 1)"
check "a challenge the CA cannot validate exits 1" [ "$rc" -eq 1 ]
check "... naming the domain" grep -q 'fail.example.test' "$T/.err"
check "... with the CA's detail" grep -qi 'the CA said' "$T/.err"
check "the failed order is kept" \
	[ "$(sqlite3 "$CERTDECK_STORE" "SELECT status FROM orders WHERE identifiers LIKE '%fail.example%'")" = invalid ]
check "no certificate was stored for it" [ "$("$CERTDECK" list --json | jq length)" -eq 6 ]

done_testing
