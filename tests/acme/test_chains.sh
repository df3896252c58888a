#!/usr/bin/env bash
# Alternate chains (Link rel="alternate") and --preferred-chain.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/acme/acme-lib.sh"
set -e
acme_setup PEBBLE_ALTERNATE_ROOTS=1 PEBBLE_WFE_NONCEREJECT=0
acme_account
HTTP=(--http-addr 127.0.0.1 --http-port "$PEBBLE_HTTP_PORT")
top_issuer() { "$CERTDECK" show "$1" --pem | awk '/BEGIN/{n++} {print > "'"$T"'/c" n ".pem"}'; \
	openssl x509 -in "$(ls "$T"/c*.pem | sort | tail -n 1)" -noout -issuer | sed 's/.*CN *= *//'; rm -f "$T"/c*.pem; }

a=$("$CERTDECK" issue -d chain-a.example.test "${HTTP[@]}" 2>/dev/null)
default_root=$(top_issuer "$a")
check "default chain issued" [ -n "$default_root" ]
alt_root=$(curl -sf --noproxy '*' --cacert "$PEBBLE_CA" "$PEBBLE_MGMT/roots/1" | openssl x509 -noout -subject | sed 's/.*CN *= *//')
check "Pebble offers a second root" [ -n "$alt_root" ]
check "... other than the default one" [ "$alt_root" != "$default_root" ]
cd_run issue -d chain-b.example.test "${HTTP[@]}" --preferred-chain "$alt_root"
check "issue with --preferred-chain exits 0" [ "$rc" -eq 0 ]
check "the stored chain leads to the preferred root" [ "$(top_issuer "$out")" = "$alt_root" ]
cd_run issue -d chain-c.example.test "${HTTP[@]}" --preferred-chain "No Such Root"
check "an unknown preferred chain: issue exits 0" [ "$rc" -eq 0 ]
check "... and the chain falls back to the default root" [ "$(top_issuer "$out")" = "$default_root" ]
done_testing
