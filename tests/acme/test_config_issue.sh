#!/usr/bin/env bash
# The config file end to end against Pebble: a [ca NAME] with EAB whose HMAC
# key is read from its file, [defaults] for the http-01 responder, and a
# [names PATTERN] section choosing the key type, with a flag beating it.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/acme/acme-lib.sh"
set -e
acme_setup PEBBLE_FIXTURE_EAB=1 PEBBLE_WFE_NONCEREJECT=0
( umask 077; printf '%s\n' "$PEBBLE_EAB_KEY" > "$T/pebble.hmac" )
cat > "$T/config" <<CONF
[defaults]
server = pebble
email = cfg@example.test
http-addr = 127.0.0.1
http-port = $PEBBLE_HTTP_PORT
[ca pebble]
directory = $PEBBLE_URL
ca-bundle = $PEBBLE_CA
eab-kid = $PEBBLE_EAB_KID
eab-hmac-key-file = $T/pebble.hmac
[names *.rsa.example.test]
key-type = rsa2048
CONF
export CERTDECK_CONFIG="$T/config"
cd_run config check
check "the file checks" [ "$rc" -eq 0 ]
cd_run account new --agree-tos
check "account new: server, CA bundle and EAB (key from its file) from the config" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
check "... with the config's email" [ "$("$CERTDECK" account show "$out" --json | jq -r '.contacts[0]')" = mailto:cfg@example.test ]
check "the HMAC key is in no argv or output" bash -c "! grep -qF '$PEBBLE_EAB_KEY' '$T/.out' '$T/.err'"
cd_run issue -d www.rsa.example.test
check "issue: the http-01 responder from [defaults]" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
check "... the key type from [names *.rsa.example.test]" [ "$("$CERTDECK" show "$out" --json | jq -r .key_type)" = rsa2048 ]
cd_run issue -d plain.example.test
check "a name no [names] matches" [ "$rc" -eq 0 ]
check "... gets the built-in key type" [ "$("$CERTDECK" show "$out" --json | jq -r .key_type)" = ec256 ]
CERTDECK_KEY_TYPE=ec384 cd_run issue -d env.rsa.example.test
check "the environment beats [names]" [ "$("$CERTDECK" show "$out" --json | jq -r .key_type)" = ec384 ]
CERTDECK_KEY_TYPE=ec384 cd_run issue -d flag.rsa.example.test --key-type rsa3072
check "a flag beats the environment" [ "$("$CERTDECK" show "$out" --json | jq -r .key_type)" = rsa3072 ]
done_testing
