#!/usr/bin/env bash
# Renewal: nothing due costs nothing; due certificates (time moved forward with
# CERTDECK_NOW) are renewed with the same names, settings and key type on a new
# key; the old one is marked replaced and linked; --force, --dry-run, --reuse-key.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/acme/acme-lib.sh"
set -e
acme_setup PEBBLE_WFE_NONCEREJECT=0
acme_account
HTTP=(--http-addr 127.0.0.1 --http-port "$PEBBLE_HTTP_PORT")
a=$("$CERTDECK" issue -d a.renew.test -d www.a.renew.test --key-type rsa2048 "${HTTP[@]}" 2>/dev/null)
b=$("$CERTDECK" issue -d b.renew.test --challenge dns-01 \
	--dns-hook "$top_srcdir/tests/hooks/challtest-dns-hook.sh" 2>/dev/null)
check "a first certificate to renew (http-01)" [ -n "$a" ]
check "a second certificate to renew (dns-01)" [ -n "$b" ]

mkdir -p "$T/www"
cd_run deploy add "$a" --fullchain "$T/www/a.pem" --key "$T/www/a.key" \
	--reload-cmd "$top_srcdir/tests/hooks/deploy-reload.sh" "$T/reload.log" ok
check "deploy target added to the first certificate" [ "$rc" -eq 0 ]
cd_run deploy run "$a"
check "first deployment runs" [ "$rc" -eq 0 ]
check "the reload command ran once" [ "$(grep -c '^run$' "$T/reload.log")" -eq 1 ]

cd_run renew
check "renew with nothing due exits 0" [ "$rc" -eq 0 ]
check "... saying so" grep -q "Nothing is due" "$T/.err"
check "... and queues nothing" [ "$("$CERTDECK" jobs --json | jq '[.[] | select(.kind == "renew")] | length')" -eq 0 ]

# Pebble's certificates last 5 years; 4 years on, two thirds have passed.
later=$(( $(date +%s) + 4 * 365 * 86400 ))
CERTDECK_NOW=$later cd_run renew --dry-run
check "--dry-run lists both" [ "$(grep -c 'would renew' "$T/.out")" -eq 2 ]
check "--dry-run queues nothing" [ "$("$CERTDECK" jobs --json | jq '[.[] | select(.kind == "renew")] | length')" -eq 0 ]

CERTDECK_NOW=$later cd_run renew --workers 2
check "renew exits 0 when all renewed" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
cd_run show "$a" --json
check "the old certificate is replaced" [ "$(jq -r .status "$T/.out")" = replaced ]
na=$(jq -r .replaced_by "$T/.out")
check "and linked to a successor" [ "$na" != null ]
check "... a new one (its id is past both old ones)" [ "$na" -gt "$b" ]
cd_run show "$na" --json
check "same names" [ "$(jq -r '.names | sort | join(",")' "$T/.out")" = "a.renew.test,www.a.renew.test" ]
check "same key type" [ "$(jq -r .key_type "$T/.out")" = rsa2048 ]
check "a new key" [ "$(sqlite3 "$CERTDECK_STORE" "SELECT count(DISTINCT key_id) FROM certificates WHERE id IN ($a, $na)")" -eq 2 ]
check "the successor verifies" verify_cert "$na"
check "the deploy target moved to the successor" [ "$("$CERTDECK" deploy list "$na" --json | jq length)" -eq 1 ]
check "the deployed file is now the successor" \
	[ "$(openssl x509 -in "$T/www/a.pem" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f)" = \
	  "$("$CERTDECK" show "$na" --json | jq -r .fingerprint_sha256)" ]
check "the deployed key matches it" [ "$(openssl pkey -in "$T/www/a.key" -pubout | sha256sum)" = \
	"$(openssl x509 -in "$T/www/a.pem" -pubkey -noout | sha256sum)" ]
check "the key file is 0600" [ "$(stat -c %a "$T/www/a.key")" = 600 ]
check "the reload command ran again, for the successor" \
	[ "$(grep -c '^run$' "$T/reload.log")" -eq 2 ] && grep -q "CERTDECK_CERT_ID=$na" "$T/reload.log"
nb=$("$CERTDECK" show "$b" --json | jq -r .replaced_by)
check "the dns-01 certificate renewed with dns-01" \
	[ "$(sqlite3 "$CERTDECK_STORE" "SELECT json_extract(settings, '$.challenge') FROM orders WHERE cert_id = $nb")" = dns-01 ]
check "list hides replaced certificates" [ "$("$CERTDECK" list --json | jq length)" -eq 2 ]
check "list --all shows them" [ "$("$CERTDECK" list --all --json | jq length)" -eq 4 ]

cd_run renew
check "renewing again today: nothing due" grep -q "Nothing is due" "$T/.err"
CERTDECK_NOW=$later cd_run renew --dry-run
check "four years on, only the two successors are due, not the replaced" \
	[ "$(grep -c 'would renew' "$T/.out")" -eq 2 ] && ! grep -q "#$a " "$T/.out"

cd_run renew --force "$na" --reuse-key
check "--force --reuse-key exits 0" [ "$rc" -eq 0 ]
nna=$("$CERTDECK" show "$na" --json | jq -r .replaced_by)
check "--reuse-key keeps the key" [ "$(sqlite3 "$CERTDECK_STORE" "SELECT count(DISTINCT key_id) FROM certificates WHERE id IN ($na, $nna)")" -eq 1 ]
cd_run renew --force 999
check "--force of an unknown id exits 1" [ "$rc" -eq 1 ]
cd_run renew --force "$a"
check "--force of a replaced certificate exits 1" [ "$rc" -eq 1 ]
check "... naming its successor" grep -q "#$na" "$T/.err"

cd_run rotate-key "$nb" --revoke-old
check "rotate-key --revoke-old exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
check "the old one is revoked at the CA" [ "$(pebble_cert_status "$nb")" = Revoked ]
check "rotate-key made a new key" [ "$(sqlite3 "$CERTDECK_STORE" "SELECT count(DISTINCT key_id) FROM certificates WHERE id IN ($nb, $out)")" -eq 2 ]

"$top_srcdir/tests/demo/make-demo-certs.sh" "$T/certs" > /dev/null
imp=$("$CERTDECK" import "$T/certs/api.example.test.pem" | sed 's/.*#\([0-9]*\):.*/\1/')
cd_run renew --force "$imp"
check "an imported certificate cannot be renewed: exit 1" [ "$rc" -eq 1 ]
check "... one line saying why" grep -q "imported" "$T/.err"
done_testing
