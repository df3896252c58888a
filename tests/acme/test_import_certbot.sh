#!/usr/bin/env bash
# import --from certbot: the real certbot (Debian's) issues certificates
# against Pebble (standalone and webroot, ECDSA and RSA), renews two once so
# the archive has history; certdeck imports the tree: current certificates
# with their keys and chains, the older ones as history, the account, the
# renewal settings, and says what it cannot map. A second run stores nothing
# twice; nothing of certbot's is changed. Then --adopt, and certdeck renews
# an adopted lineage with the imported account (no new registration).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/acme/acme-lib.sh"
set -e
command -v certbot >/dev/null || { echo "1..0 # SKIP certbot not installed"; exit 0; }
acme_setup PEBBLE_WFE_NONCEREJECT=0
LE=$T/letsencrypt
# certbot trusts Pebble's HTTPS through requests' CA bundle variable.
export REQUESTS_CA_BUNDLE=$PEBBLE_CA
CB=(--server "$PEBBLE_URL" --config-dir "$LE" --work-dir "$T/cb-work" --logs-dir "$T/cb-logs"
	--non-interactive --agree-tos --register-unsafely-without-email)
STANDALONE=(--standalone --http-01-port "$PEBBLE_HTTP_PORT" --http-01-address 127.0.0.1)
certbot certonly "${CB[@]}" "${STANDALONE[@]}" -d a.certbot.test -d www.a.certbot.test \
	> "$T/cb-a.log" 2>&1 || diag "$(tail -5 "$T/cb-a.log")"
certbot certonly "${CB[@]}" "${STANDALONE[@]}" -d b.certbot.test --key-type rsa \
	--rsa-key-size 3072 > "$T/cb-b.log" 2>&1 || diag "$(tail -5 "$T/cb-b.log")"
# --no-random-sleep-on-renew: without a terminal certbot renew waits up to 8 minutes.
certbot renew "${CB[@]}" --force-renewal --no-random-sleep-on-renew \
	> "$T/cb-renew.log" 2>&1 || diag "$(tail -5 "$T/cb-renew.log")"
# A webroot lineage, validated through a static web server on Pebble's http port.
mkdir -p "$T/www"
python3 -m http.server --bind 127.0.0.1 --directory "$T/www" "$PEBBLE_HTTP_PORT" \
	> "$T/httpd.log" 2>&1 &
hp=$!
at_exit "kill $hp 2>/dev/null; wait $hp 2>/dev/null"
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PEBBLE_HTTP_PORT/" >/dev/null && break; sleep 0.1; done
certbot certonly "${CB[@]}" --webroot -w "$T/www" -d c.certbot.test \
	> "$T/cb-c.log" 2>&1 || diag "$(tail -5 "$T/cb-c.log")"
kill "$hp" 2>/dev/null && wait "$hp" 2>/dev/null || true

check "certbot issued a.certbot.test" [ -s "$LE/live/a.certbot.test/cert.pem" ]
check "certbot issued b.certbot.test" [ -s "$LE/live/b.certbot.test/cert.pem" ]
check "certbot issued c.certbot.test" [ -s "$LE/live/c.certbot.test/cert.pem" ]
check "its renewal left history in the archive" [ -s "$LE/archive/a.certbot.test/cert1.pem" ]
check "... and live/ points at the renewed one" \
	[ "$(readlink "$LE/live/a.certbot.test/cert.pem")" = ../../archive/a.certbot.test/cert2.pem ]

# What certbot's tree looks like now, to show certdeck changes none of it.
tree_sum() { (cd "$LE" && find . -printf '%p %y %m %l\n' | sort && find . -type f -print0 |
	sort -z | xargs -0 sha256sum) | sha256sum; }
before=$(tree_sum)

fp() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f; }
idof() { sqlite3 "$CERTDECK_STORE" "SELECT id FROM certificates WHERE fingerprint = '$1'"; }
jqe() { jq -e "$@" > /dev/null; }
count() { sqlite3 "$CERTDECK_STORE" "SELECT count(*) FROM $1"; }

cd_run import --from certbot "$LE" --dry-run --json
check "--dry-run exits 0" [ "$rc" -eq 0 ]
check "--dry-run plans three lineages" [ "$(jq '.lineages | length' "$T/.out")" -eq 3 ]
check "--dry-run stores no certificate" [ "$(count certificates)" -eq 0 ]
check "--dry-run stores no account" [ "$(count accounts)" -eq 0 ]

cd_run import --from certbot "$LE" --ca-bundle "$PEBBLE_CA" --json
check "import exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
cp "$T/.out" "$T/import1.json"
A=$LE/live/a.certbot.test
a=$(idof "$(fp "$A/cert.pem")")
check "a's current certificate is stored" [ -n "$a" ]
check "... with the chain from fullchain.pem" \
	cmp -s <("$CERTDECK" show "$a" --pem) <(sed -n '/-----BEGIN/,/-----END/p' "$A/fullchain.pem")
check "... which verifies against Pebble's root" verify_cert "$a" a.certbot.test
check "... with its key (the one in privkey.pem)" [ "$(sqlite3 "$CERTDECK_STORE" \
	"SELECT k.pem FROM keys k JOIN certificates c ON c.key_id = k.id WHERE c.id = $a" |
	openssl pkey -pubout | sha256sum)" = "$(openssl pkey -in "$A/privkey.pem" -pubout | sha256sum)" ]
check "... and its source is certbot" [ "$(jq -r '.lineages[] | select(.name == "a.certbot.test") |
	.source' "$T/import1.json")" = certbot ]
a1=$(idof "$(fp "$LE/archive/a.certbot.test/cert1.pem")")
check "the archive's older certificate is its history" [ -n "$a1" ]
cd_run show "$a1" --json
check "... replaced" [ "$(jq -r .status "$T/.out")" = replaced ]
check "... by the current one" [ "$(jq -r .replaced_by "$T/.out")" = "$a" ]
check "... with its own key" [ "$(sqlite3 "$CERTDECK_STORE" "SELECT count(DISTINCT key_id) FROM
	certificates WHERE id IN ($a, $a1)")" -eq 2 ]
check "list shows the three current certificates only" [ "$("$CERTDECK" list --json | jq length)" -eq 3 ]
b=$(idof "$(fp "$LE/live/b.certbot.test/cert.pem")")
check "b's current certificate is RSA 3072" [ "$("$CERTDECK" show "$b" --json | jq -r .key_type)" = rsa3072 ]

acct=$(ls -d "$LE"/accounts/*/*/*)
check "the account is stored with certbot's account URL" [ "$(sqlite3 "$CERTDECK_STORE" \
	"SELECT url FROM accounts")" = "$(jq -r .uri "$acct/regr.json")" ]
# The JWK's modulus, as openssl prints it.
jwk_n=$(jq -r .n "$acct/private_key.json" | tr _- /+ | awk '{ while (length($0) % 4) $0 = $0 "="; print }' |
	base64 -d | od -An -tx1 -v | tr -d ' \n' | tr a-f A-F | sed 's/^0*//')
check "... with certbot's account key" [ "$(sqlite3 "$CERTDECK_STORE" "SELECT k.pem FROM keys k JOIN
	accounts a ON a.key_id = k.id" | openssl rsa -noout -modulus 2>/dev/null | sed 's/Modulus=//; s/^0*//')" = "$jwk_n" ]
check "... linked to the imported certificates" [ "$("$CERTDECK" show "$a" --json | jq .account_id)" = \
	"$(sqlite3 "$CERTDECK_STORE" "SELECT id FROM accounts")" ]

lin() { jq -r --arg n "$1" ".lineages[] | select(.name == \$n) | $2" "$T/import1.json"; }
check "standalone maps onto http-01 on certbot's port" [ "$(lin a.certbot.test .settings.http_port)" = \
	"$PEBBLE_HTTP_PORT" ] && [ "$(lin a.certbot.test .settings.http_addr)" = 127.0.0.1 ]
check "ECDSA maps onto ec256" [ "$(lin a.certbot.test .settings.key_type)" = ec256 ]
check "RSA 3072 maps onto rsa3072" [ "$(lin b.certbot.test .settings.key_type)" = rsa3072 ]
check "the webroot map onto the webroot" [ "$(lin c.certbot.test .settings.webroot)" = "$T/www" ]
check "the server is Pebble" [ "$(lin a.certbot.test .server)" = "$PEBBLE_URL" ]
check "all three can be adopted" [ "$(jq '[.lineages[] | select(.mappable)] | length' "$T/import1.json")" -eq 3 ]

n_certs=$(count certificates) n_keys=$(count keys)
cd_run import --from certbot "$LE" --ca-bundle "$PEBBLE_CA" --json
check "a second import exits 0" [ "$rc" -eq 0 ]
check "... and stores no certificate twice" [ "$(count certificates)" -eq "$n_certs" ]
check "... no key twice" [ "$(count keys)" -eq "$n_keys" ]
check "... no account twice" [ "$(count accounts)" -eq 1 ]
check "... saying every certificate existed" [ "$(jq '[.lineages[].versions[] | select(.existed | not)] |
	length' "$T/.out")" -eq 0 ]
cd_run import --from certbot "$LE" --dry-run --json
check "--dry-run after an import finds every certificate stored" [ "$(jq '[.lineages[].versions[] |
	select(.existed | not)] | length' "$T/.out")" -eq 0 ] && [ "$(jq '.accounts[0].existed' "$T/.out")" = true ]
check "... and stores nothing" [ "$(count certificates)" -eq "$n_certs" ]
check "certdeck changed nothing in certbot's directory" [ "$(tree_sum)" = "$before" ]

# A copy where one lineage renews through a DNS plugin and one links out of the tree.
cp -a "$LE" "$T/le2"
sed -i 's/^authenticator = .*/authenticator = dns-cloudflare/' "$T/le2/renewal/b.certbot.test.conf"
mkdir -p "$T/outside" "$T/le2/live/evil.test"
cp "$A/fullchain.pem" "$T/outside/fullchain.pem"
ln -s "$T/outside/fullchain.pem" "$T/le2/live/evil.test/fullchain.pem"
ln -s "$T/outside/fullchain.pem" "$T/le2/live/evil.test/cert.pem"
# And a lineage whose account is gone: it is imported but cannot be adopted.
cp -a "$LE/live/c.certbot.test" "$T/le2/live/d.certbot.test"
sed 's/^account = .*/account = 0123456789abcdef/' "$LE/renewal/c.certbot.test.conf" \
	> "$T/le2/renewal/d.certbot.test.conf"
cd_run import --from certbot "$T/le2" --dry-run --json
check "a lineage without its account cannot be adopted, and the plan says why" jqe '.lineages[] |
	select(.name == "d.certbot.test") | (.mappable | not) and (.notes | any(test("0123456789abcdef")))' "$T/.out"
check "a DNS plugin lineage cannot be adopted" [ "$(jq -r '.lineages[] | select(.name ==
	"b.certbot.test") | .mappable' "$T/.out")" = false ]
check "... and the plan says why, naming the plugin" jqe '.lineages[] | select(.name ==
	"b.certbot.test") | .notes | any(test("dns-cloudflare"))' "$T/.out"
check "a link out of the directory is not followed" [ "$(jq '[.lineages[] | select(.name ==
	"evil.test")] | length' "$T/.out")" -eq 0 ]
check "... and is reported" jqe '.problems | any(test("evil.test.*leads out"))' "$T/.out"

# A copy made without its links (cp -L): the live files are plain copies.
cp -rL "$LE" "$T/le3"
cd_run import --from certbot "$T/le3" --dry-run --json
check "a tree copied without links still has a's history once" [ "$(jq '.lineages[] |
	select(.name == "a.certbot.test") | .versions | length' "$T/.out")" -eq 2 ]

# --- adopt: certdeck renews from now on ---
cd_run import --from certbot "$T/le2" --adopt
check "--adopt exits 0" [ "$rc" -eq 0 ]
check "... tells how to switch certbot's timer off" grep -q "systemctl disable --now certbot.timer" "$T/.out"
check "... adopts a" [ -n "$(sqlite3 "$CERTDECK_STORE" "SELECT order_id FROM certificates WHERE id = $a")" ]
check "... not the DNS plugin lineage" [ -z "$(sqlite3 "$CERTDECK_STORE" "SELECT order_id FROM
	certificates WHERE id = $b")" ]
check "... saying so" grep -q "not adopted" "$T/.out"
check "certdeck changed nothing in certbot's directory on adopting" [ "$(tree_sum)" = "$before" ]

# Pebble's certificates last 5 years; 4 years on, the adopted ones are due.
later=$(( $(date +%s) + 4 * 365 * 86400 ))
CERTDECK_NOW=$later cd_run renew --dry-run
check "when due, certdeck renew would renew the adopted lineages" grep -q "#$a " "$T/.out"
check "... not the one it could not adopt" sh -c "! grep -q '#$b ' '$T/.out'"
cd_run renew --force "$a"
check "renew --force of the adopted certbot lineage exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
na=$("$CERTDECK" show "$a" --json | jq -r .replaced_by)
check "... a successor replaces it" [ "$na" != null ]
check "... a newer certificate" [ "$na" -gt "$a" ]
check "... which verifies against Pebble's root" verify_cert "$na" www.a.certbot.test
cd_run show "$na" --json
check "... same names" [ "$(jq -r '.names | sort | join(",")' "$T/.out")" = a.certbot.test,www.a.certbot.test ]
check "... same key type" [ "$(jq -r .key_type "$T/.out")" = ec256 ]
check "... ordered with the imported account" [ "$(jq .account_id "$T/.out")" = \
	"$(sqlite3 "$CERTDECK_STORE" "SELECT id FROM accounts")" ]
check "... no new account was stored" [ "$(count accounts)" -eq 1 ]
check "... and no account job ran" \
	[ "$(sqlite3 "$CERTDECK_STORE" "SELECT count(*) FROM jobs WHERE kind LIKE 'account%'")" -eq 0 ]
check "... the CA knows the order under certbot's account" [ "$(sqlite3 "$CERTDECK_STORE" \
	"SELECT count(*) FROM orders WHERE cert_id = $na AND url LIKE 'https://%'")" -eq 1 ]
check "certdeck changed nothing in certbot's directory on renewing" [ "$(tree_sum)" = "$before" ]
c=$(idof "$(fp "$LE/live/c.certbot.test/cert.pem")")
check "the webroot lineage was adopted with its webroot" [ "$(sqlite3 "$CERTDECK_STORE" \
	"SELECT json_extract(o.settings, '$.webroot') FROM orders o JOIN certificates c ON
	c.order_id = o.id WHERE c.id = $c")" = "$T/www" ]
done_testing
