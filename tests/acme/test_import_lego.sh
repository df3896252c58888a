#!/usr/bin/env bash
# import --from lego: the real lego (Debian's) issues certificates against
# Pebble (ECDSA with its issuer bundled, RSA, one without the bundle);
# certdeck imports its .lego directory: certificates with keys and chains,
# the account with its key and URL; a second run stores nothing twice and
# nothing of lego's is changed. Then --adopt and certdeck renews a lego
# certificate with the imported account (no new registration).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/acme/acme-lib.sh"
set -e
command -v lego >/dev/null || { echo "1..0 # SKIP lego not installed"; exit 0; }
acme_setup PEBBLE_WFE_NONCEREJECT=0
LG=$T/.lego
# lego trusts Pebble's HTTPS through this variable.
export LEGO_CA_CERTIFICATES=$PEBBLE_CA
LEGO=(--server "$PEBBLE_URL" --accept-tos --email admin@lego.test --path "$LG"
	--http --http.port "127.0.0.1:$PEBBLE_HTTP_PORT")
lego "${LEGO[@]}" -d l.lego.test -d www.l.lego.test run > "$T/lego-l.log" 2>&1 ||
	diag "$(tail -5 "$T/lego-l.log")"
lego "${LEGO[@]}" --key-type rsa2048 -d m.lego.test run > "$T/lego-m.log" 2>&1 ||
	diag "$(tail -5 "$T/lego-m.log")"
lego "${LEGO[@]}" -d n.lego.test run --no-bundle > "$T/lego-n.log" 2>&1 ||
	diag "$(tail -5 "$T/lego-n.log")"
C=$LG/certificates
check "lego issued l.lego.test" [ -s "$C/l.lego.test.crt" ]
check "lego issued m.lego.test" [ -s "$C/m.lego.test.crt" ]
check "lego issued n.lego.test" [ -s "$C/n.lego.test.crt" ]
check "one of them without its issuer bundled" [ "$(grep -c BEGIN "$C/n.lego.test.crt")" -eq 1 ]

tree_sum() { (cd "$LG" && find . -printf '%p %y %m %l\n' | sort && find . -type f -print0 |
	sort -z | xargs -0 sha256sum) | sha256sum; }
before=$(tree_sum)
fp() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f; }
idof() { sqlite3 "$CERTDECK_STORE" "SELECT id FROM certificates WHERE fingerprint = '$1'"; }
count() { sqlite3 "$CERTDECK_STORE" "SELECT count(*) FROM $1"; }
jqe() { jq -e "$@" > /dev/null; }

cd_run import --from lego "$LG" --dry-run --json
check "--dry-run without --server exits 0" [ "$rc" -eq 0 ]
check "... says the account needs --server (lego keeps only the host)" \
	jqe '.problems | any(test("--server"))' "$T/.out"
check "... and that nothing can be adopted without the account" \
	[ "$(jq '[.lineages[] | select(.mappable)] | length' "$T/.out")" -eq 0 ]
check "--dry-run stores nothing" [ "$(count certificates)" -eq 0 ]

IMPORT=(import --from lego "$LG" --server "$PEBBLE_URL" --ca-bundle "$PEBBLE_CA"
	--http-addr 127.0.0.1 --http-port "$PEBBLE_HTTP_PORT")
cd_run "${IMPORT[@]}" --json
check "import exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
cp "$T/.out" "$T/import1.json"
l=$(idof "$(fp "$C/l.lego.test.crt")")
check "l's certificate is stored" [ -n "$l" ]
check "... with the chain lego bundled" \
	cmp -s <("$CERTDECK" show "$l" --pem) <(sed -n '/-----BEGIN/,/-----END/p' "$C/l.lego.test.crt")
check "... which verifies against Pebble's root" verify_cert "$l" www.l.lego.test
check "... with its key" [ "$(sqlite3 "$CERTDECK_STORE" "SELECT k.pem FROM keys k JOIN
	certificates c ON c.key_id = k.id WHERE c.id = $l" | openssl pkey -pubout | sha256sum)" = \
	"$(openssl pkey -in "$C/l.lego.test.key" -pubout | sha256sum)" ]
check "... and its source is lego" [ "$(jq -r '.lineages[] | select(.name == "l.lego.test") |
	.source' "$T/import1.json")" = lego ]
n=$(idof "$(fp "$C/n.lego.test.crt")")
check "the unbundled certificate gets its chain from the .issuer.crt" verify_cert "$n" n.lego.test
m=$(idof "$(fp "$C/m.lego.test.crt")")
check "the RSA certificate keeps rsa2048" [ "$(jq -r '.lineages[] | select(.name == "m.lego.test") |
	.settings.key_type' "$T/import1.json")" = rsa2048 ]
adir=$(ls -d "$LG"/accounts/*/admin@lego.test)
check "the account is stored with lego's account URL" [ "$(sqlite3 "$CERTDECK_STORE" \
	"SELECT url FROM accounts")" = "$(jq -r .registration.uri "$adir/account.json")" ]
check "... with lego's account key" [ "$(sqlite3 "$CERTDECK_STORE" "SELECT k.pem FROM keys k JOIN
	accounts a ON a.key_id = k.id" | openssl pkey -pubout | sha256sum)" = \
	"$(openssl pkey -in "$adir/keys/admin@lego.test.key" -pubout | sha256sum)" ]
check "... at the CA given with --server" [ "$(sqlite3 "$CERTDECK_STORE" "SELECT c.directory_url
	FROM cas c JOIN accounts a ON a.ca_id = c.id")" = "$PEBBLE_URL" ]
check "the settings say http-01 on the port given" [ "$(jq -r '.lineages[] | select(.name ==
	"l.lego.test") | .settings.http_port' "$T/import1.json")" = "$PEBBLE_HTTP_PORT" ]
check "... and say lego kept none" jqe '.lineages[0].notes | any(test("lego keeps no challenge"))' \
	"$T/import1.json"

n_certs=$(count certificates) n_keys=$(count keys)
cd_run "${IMPORT[@]}"
check "a second import exits 0" [ "$rc" -eq 0 ]
check "... storing no certificate twice" [ "$(count certificates)" -eq "$n_certs" ]
check "... no key twice" [ "$(count keys)" -eq "$n_keys" ]
check "... no account twice" [ "$(count accounts)" -eq 1 ]
check "certdeck changed nothing in lego's directory" [ "$(tree_sum)" = "$before" ]

cd_run "${IMPORT[@]}" --adopt
check "--adopt exits 0" [ "$rc" -eq 0 ]
check "... adopts all three" [ "$(grep -c "adopted: certdeck renews it" "$T/.out")" -eq 3 ]
check "... tells how to stop lego renewing" grep -q "lego renew" "$T/.out"
cd_run renew --force "$l"
check "renew --force of the adopted lego certificate exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
nl=$("$CERTDECK" show "$l" --json | jq -r .replaced_by)
check "... a successor replaces it" [ "$nl" != null ]
check "... a newer certificate" [ "$nl" -gt "$l" ]
check "... which verifies against Pebble's root" verify_cert "$nl" l.lego.test
cd_run show "$nl" --json
check "... same names" [ "$(jq -r '.names | sort | join(",")' "$T/.out")" = l.lego.test,www.l.lego.test ]
check "... ordered with the imported account" [ "$(jq .account_id "$T/.out")" = \
	"$(sqlite3 "$CERTDECK_STORE" "SELECT id FROM accounts")" ]
check "... no new account was registered" [ "$(count accounts)" -eq 1 ]
cd_run renew --force "$m"
check "the RSA one renews too" [ "$rc" -eq 0 ]
nm=$("$CERTDECK" show "$m" --json | jq -r .replaced_by)
check "... keeping rsa2048" [ "$("$CERTDECK" show "$nm" --json | jq -r .key_type)" = rsa2048 ]
check "certdeck changed nothing in lego's directory on renewing" [ "$(tree_sum)" = "$before" ]
done_testing
