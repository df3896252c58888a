#!/usr/bin/env bash
# import --from acme.sh: acme.sh is not packaged in Debian, so the test
# writes its home in the layout and formats acme.sh's own source writes
# (_initpath, _save_conf: NAME_ecc/NAME.cer, ca.cer, fullchain.cer, NAME.key,
# NAME.conf with Le_* = '...' lines and base64-marked hooks;
# ca/HOST/PATH/account.key and ca.conf with ACCOUNT_URL), holding real
# material: an account and certificates lego registered and issued at Pebble.
# certdeck imports it, maps the settings, says what it cannot map, stores
# nothing twice, changes nothing, and renews an adopted certificate with the
# imported account.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/acme/acme-lib.sh"
set -e
command -v lego >/dev/null || { echo "1..0 # SKIP lego not installed"; exit 0; }
acme_setup PEBBLE_WFE_NONCEREJECT=0
export LEGO_CA_CERTIFICATES=$PEBBLE_CA
LEGO=(--server "$PEBBLE_URL" --accept-tos --email admin@acme.test --path "$T/.lego"
	--http --http.port "127.0.0.1:$PEBBLE_HTTP_PORT")
lego "${LEGO[@]}" -d e.acme.test -d www.e.acme.test run > "$T/lego-e.log" 2>&1 ||
	diag "$(tail -5 "$T/lego-e.log")"
lego "${LEGO[@]}" --key-type rsa2048 -d r.acme.test run > "$T/lego-r.log" 2>&1 ||
	diag "$(tail -5 "$T/lego-r.log")"
LC=$T/.lego/certificates
LA=$(ls -d "$T"/.lego/accounts/*/admin@acme.test)
check "lego made the material: an account" [ -s "$LA/account.json" ]
check "... the e.acme.test certificate" [ -s "$LC/e.acme.test.crt" ]
check "... the r.acme.test certificate" [ -s "$LC/r.acme.test.crt" ]

# The acme.sh home. The CA folder is HOST/PATH of the directory URL, the port dropped.
H=$T/acme.sh
CADIR=$H/ca/127.0.0.1/${PEBBLE_URL#https://*/}
mkdir -p "$CADIR" "$H/e.acme.test_ecc" "$H/r.acme.test"
cp "$LA/keys/admin@acme.test.key" "$CADIR/account.key"
jq .registration.body "$LA/account.json" > "$CADIR/account.json"
cat > "$CADIR/ca.conf" <<EOF
CA_EMAIL='admin@acme.test'
ACCOUNT_URL='$(jq -r .registration.uri "$LA/account.json")'
CA_KEY_HASH='bm90IHVzZWQ='
EOF
b64() { printf '__ACME_BASE64__START_%s__ACME_BASE64__END_' "$(printf '%s' "$1" | base64 -w0)"; }
leaf() { sed -n '1,/-----END CERTIFICATE-----/p' "$1"; }
issuer() { sed '1,/-----END CERTIFICATE-----/d' "$1"; }
E=$H/e.acme.test_ecc
leaf "$LC/e.acme.test.crt" > "$E/e.acme.test.cer"
issuer "$LC/e.acme.test.crt" > "$E/ca.cer"
cat "$E/e.acme.test.cer" "$E/ca.cer" > "$E/fullchain.cer"
cp "$LC/e.acme.test.key" "$E/e.acme.test.key"
cat > "$E/e.acme.test.conf" <<EOF
Le_Domain='e.acme.test'
Le_Alt='www.e.acme.test'
Le_Webroot='no'
Le_PreHook=''
Le_PostHook=''
Le_RenewHook=''
Le_API='$PEBBLE_URL'
Le_Keylength='ec-256'
Le_LocalAddress='127.0.0.1,'
Le_HTTPPort='$PEBBLE_HTTP_PORT'
Le_CertCreateTime='$(date +%s)'
Le_NextRenewTime='$(( $(date +%s) + 60 * 86400 ))'
Le_RealCertPath='$T/www/e.cer'
Le_RealCACertPath=''
Le_RealKeyPath='$T/www/e.key'
Le_ReloadCmd='$(b64 "$top_srcdir/tests/hooks/deploy-reload.sh $T/reload.log ok")'
Le_RealFullChainPath='$T/www/e.pem'
EOF
R=$H/r.acme.test
leaf "$LC/r.acme.test.crt" > "$R/r.acme.test.cer"
issuer "$LC/r.acme.test.crt" > "$R/ca.cer"
cp "$LC/r.acme.test.key" "$R/r.acme.test.key"
cat > "$R/r.acme.test.conf" <<EOF
Le_Domain='r.acme.test'
Le_Alt='no'
Le_Webroot='dns_cf'
Le_PreHook=''
Le_API='$PEBBLE_URL'
Le_Keylength='2048'
Le_RealFullChainPath='$T/www/r.pem'
Le_ReloadCmd='$(b64 "systemctl reload nginx && echo done")'
EOF
mkdir -p "$T/www"
mkdir -p "$H/deploy" "$H/dnsapi"
printf "ACCOUNT_EMAIL='admin@acme.test'\nAUTO_UPGRADE='1'\n" > "$H/account.conf"

tree_sum() { (cd "$H" && find . -printf '%p %y %m %l\n' | sort && find . -type f -print0 |
	sort -z | xargs -0 sha256sum) | sha256sum; }
before=$(tree_sum)
fp() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f; }
idof() { sqlite3 "$CERTDECK_STORE" "SELECT id FROM certificates WHERE fingerprint = '$1'"; }
count() { sqlite3 "$CERTDECK_STORE" "SELECT count(*) FROM $1"; }
jqe() { jq -e "$@" > /dev/null; }
lin() { jq -r --arg n "$1" ".lineages[] | select(.name == \$n) | $2" "$T/import1.json"; }

cd_run import --from acme.sh "$H" --dry-run
check "--dry-run exits 0" [ "$rc" -eq 0 ]
check "--dry-run stores nothing" [ "$(count certificates)" -eq 0 ]
HOME=$T/nohome cd_run import --from acme.sh --dry-run
check "the default directory is ~/.acme.sh" grep -q "$T/nohome/.acme.sh" "$T/.err"

cd_run import --from acme.sh "$H" --ca-bundle "$PEBBLE_CA" --json
check "import exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
cp "$T/.out" "$T/import1.json"
e=$(idof "$(fp "$E/e.acme.test.cer")")
check "the ECC certificate is stored" [ -n "$e" ]
check "... with the chain from fullchain.cer" \
	cmp -s <("$CERTDECK" show "$e" --pem) <(sed -n "/-----BEGIN/,/-----END/p" "$E/fullchain.cer")
check "... which verifies against Pebble's root" verify_cert "$e" www.e.acme.test
check "... with its key" [ "$(sqlite3 "$CERTDECK_STORE" "SELECT k.pem FROM keys k JOIN
	certificates c ON c.key_id = k.id WHERE c.id = $e" | openssl pkey -pubout | sha256sum)" = \
	"$(openssl pkey -in "$E/e.acme.test.key" -pubout | sha256sum)" ]
check "... named without the _ecc folder suffix, source acme.sh" [ "$(lin e.acme.test .source)" = acme.sh ]
r=$(idof "$(fp "$R/r.acme.test.cer")")
check "the RSA one, without fullchain.cer, gets its chain from ca.cer" verify_cert "$r" r.acme.test
check "the account is stored with ca.conf's ACCOUNT_URL" [ "$(sqlite3 "$CERTDECK_STORE" \
	"SELECT url FROM accounts")" = "$(jq -r .registration.uri "$LA/account.json")" ]
check "... with account.key" [ "$(sqlite3 "$CERTDECK_STORE" "SELECT k.pem FROM keys k JOIN
	accounts a ON a.key_id = k.id" | openssl pkey -pubout | sha256sum)" = \
	"$(openssl pkey -in "$CADIR/account.key" -pubout | sha256sum)" ]
check "... at the CA of Le_API (with its port)" [ "$(sqlite3 "$CERTDECK_STORE" "SELECT
	c.directory_url FROM cas c JOIN accounts a ON a.ca_id = c.id")" = "$PEBBLE_URL" ]
check "... and CA_EMAIL as its contact" [ "$(sqlite3 "$CERTDECK_STORE" "SELECT contacts FROM
	accounts")" = '["mailto:admin@acme.test"]' ]
check "standalone ('no') maps onto http-01 on Le_HTTPPort and Le_LocalAddress" \
	[ "$(lin e.acme.test .settings.http_port)" = "$PEBBLE_HTTP_PORT" ] &&
	[ "$(lin e.acme.test .settings.http_addr)" = 127.0.0.1 ]
check "ec-256 maps onto ec256" [ "$(lin e.acme.test .settings.key_type)" = ec256 ]
check "--install-cert's files become the deploy target" [ "$(lin e.acme.test .deploy.fullchain)" = \
	"$T/www/e.pem" ] && [ "$(lin e.acme.test .deploy.key)" = "$T/www/e.key" ] &&
	[ "$(lin e.acme.test .deploy.cert)" = "$T/www/e.cer" ]
check "... with the reload command decoded, as a program and its arguments" \
	[ "$(lin e.acme.test '.deploy.reload | join(" ")')" = "$top_srcdir/tests/hooks/deploy-reload.sh $T/reload.log ok" ]
check "a shell line as reload command is not carried over, and said so" jqe '.lineages[] |
	select(.name == "r.acme.test") | (.deploy.reload == null) and (.notes | any(test("shell command.*echo done")))' "$T/import1.json"
check "a DNS API script (dns_cf) cannot be adopted" [ "$(lin r.acme.test .mappable)" = false ]
check "... and the plan names it" jqe '.lineages[] | select(.name == "r.acme.test") |
	.notes | any(test("dns_cf"))' "$T/import1.json"
check "2048 maps onto rsa2048" [ "$(lin r.acme.test .settings.key_type)" = rsa2048 ]

n_certs=$(count certificates) n_keys=$(count keys)
cd_run import --from acme.sh "$H" --ca-bundle "$PEBBLE_CA"
check "a second import exits 0" [ "$rc" -eq 0 ]
check "... storing no certificate twice" [ "$(count certificates)" -eq "$n_certs" ]
check "... no key twice" [ "$(count keys)" -eq "$n_keys" ]
check "... no account twice" [ "$(count accounts)" -eq 1 ]
check "certdeck changed nothing in acme.sh's home" [ "$(tree_sum)" = "$before" ]

cd_run import --from acme.sh "$H" --adopt
check "--adopt exits 0" [ "$rc" -eq 0 ]
check "... adopts the standalone one, not the dns_cf one" \
	[ "$(grep -c "adopted: certdeck renews it" "$T/.out")" -eq 1 ] && grep -q "not adopted" "$T/.out"
check "... tells how to remove acme.sh's cron job" grep -q -- "--uninstall-cronjob" "$T/.out"
check "... giving it acme.sh's deploy target" [ "$("$CERTDECK" deploy list "$e" --json | jq -r '.[0].fullchain')" = "$T/www/e.pem" ]
cd_run import --from acme.sh "$H" --adopt
check "adopting again adds no second deploy target" [ "$("$CERTDECK" deploy list "$e" --json | jq length)" -eq 1 ]
cd_run renew --force "$e"
check "renew --force of the adopted acme.sh certificate exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
ne=$("$CERTDECK" show "$e" --json | jq -r .replaced_by)
check "... a successor replaces it" [ "$ne" != null ]
check "... a newer certificate" [ "$ne" -gt "$e" ]
check "... which verifies against Pebble's root" verify_cert "$ne" e.acme.test
check "... no account registered" [ "$(count accounts)" -eq 1 ]
check "... ordered with the imported account" \
	[ "$("$CERTDECK" show "$ne" --json | jq .account_id)" = "$(sqlite3 "$CERTDECK_STORE" "SELECT id FROM accounts")" ]
check "the successor is installed where acme.sh installed it" [ "$(fp "$T/www/e.pem")" = \
	"$("$CERTDECK" show "$ne" --json | jq -r .fingerprint_sha256)" ]
check "... with its key, mode 0600" [ "$(openssl pkey -in "$T/www/e.key" -pubout | sha256sum)" = \
	"$(openssl x509 -in "$T/www/e.pem" -pubkey -noout | sha256sum)" ] && [ "$(stat -c %a "$T/www/e.key")" = 600 ]
check "... and acme.sh's reload command ran" grep -q "CERTDECK_CERT_ID=$ne" "$T/reload.log"
check "certdeck changed nothing in acme.sh's home on renewing" [ "$(tree_sum)" = "$before" ]
done_testing
