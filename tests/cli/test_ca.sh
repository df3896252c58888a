#!/usr/bin/env bash
# certdeck ca list: the preset table (never the network), and --server NAME.
. "$top_srcdir/tests/lib.sh"
set -e
export CERTDECK_STORE="$T/store.db"

cd_run ca list --json
check "ca list --json exits 0" [ "$rc" -eq 0 ]
j=$T/.out
dir() { jq -r --arg n "$1" '.[] | select(.name == $n) | .directory' "$j"; }
field() { jq -r --arg n "$1" ".[] | select(.name == \$n) | .$2" "$j"; }
check "Let's Encrypt" [ "$(dir letsencrypt)" = https://acme-v02.api.letsencrypt.org/directory ]
check "Let's Encrypt staging" [ "$(dir letsencrypt-staging)" = https://acme-staging-v02.api.letsencrypt.org/directory ]
check "ZeroSSL" [ "$(dir zerossl)" = https://acme.zerossl.com/v2/DV90 ]
check "Google Trust Services" [ "$(dir google)" = https://dv.acme-v02.api.pki.goog/directory ]
check "Google Trust Services staging" [ "$(dir google-staging)" = https://dv.acme-v02.test-api.pki.goog/directory ]
check "Buypass" [ "$(dir buypass)" = https://api.buypass.com/acme/directory ]
check "Buypass test" [ "$(dir buypass-test)" = https://api.test4.buypass.no/acme/directory ]
check "SSL.com RSA" [ "$(dir sslcom-rsa)" = https://acme.ssl.com/sslcom-dv-rsa ]
check "SSL.com ECC" [ "$(dir sslcom-ecc)" = https://acme.ssl.com/sslcom-dv-ecc ]
check "nine presets" [ "$(jq length "$j")" = 9 ]
check "ZeroSSL, Google and SSL.com need EAB" [ "$(jq -r '[.[] | select(.eab) | .name] | join(" ")' "$j")" = "zerossl google google-staging sslcom-rsa sslcom-ecc" ]
check "Let's Encrypt offers profiles, ARI and IP identifiers" \
	[ "$(field letsencrypt profiles),$(field letsencrypt ari),$(field letsencrypt ip_identifiers)" = true,true,true ]
check "every entry says eab, profiles, ari and ip_identifiers" \
	[ "$(jq '[.[] | select((.eab|type) == "boolean" and (.profiles|type) == "boolean" and (.ari|type) == "boolean" and (.ip_identifiers|type) == "boolean")] | length' "$j")" = 9 ]
cd_run ca list
check "ca list (text) exits 0" [ "$rc" -eq 0 ]
check "... one row per preset and a heading" [ "$(wc -l < "$T/.out")" = 10 ]

# [ca NAME] sections are listed too.
printf '[ca corp]\ndirectory = https://acme.corp.test/dir\n' > "$T/config"
cd_run --config "$T/config" ca list --json
check "a config [ca] is listed" [ "$(dir corp)" = https://acme.corp.test/dir ]
check "... as from the config" [ "$(field corp source)" = config ]

# --server NAME is the preset's URL wherever a URL is taken: a closed loopback
# port stands in for the CA via a [ca] section; the presets resolve without
# contacting anyone (the registration message comes before any request).
port=$("$top_builddir/tests/pebble/freeport")
printf '[ca local]\ndirectory = https://127.0.0.1:%s/dir\n' "$port" > "$T/local.conf"
"$CERTDECK" init > /dev/null
cd_run --config "$T/local.conf" account new --server local --agree-tos
check "account new --server takes a [ca] name" grep -qF "https://127.0.0.1:$port/dir" "$T/.err"
check "... and fails (nothing listens) with exit 1" [ "$rc" -eq 1 ]
cd_run --config "$T/local.conf" account recover --server local --key /nonexistent.key
check "account recover --server takes it too (the key is read first)" grep -q nonexistent.key "$T/.err"
cd_run account new --server no-such-ca --agree-tos
check "an unknown name is refused" [ "$rc" -eq 1 ]
check "... pointing at ca list" grep -q 'ca list' "$T/.err"
done_testing
