#!/bin/sh
# A dns-01 hook for the tests: pebble-challtestsrv's management API plays the
# DNS provider. certdeck runs it as: HOOK add|del RECORD VALUE (no shell).
set -eu
# certdeck passes a hook only PATH, HOME, LANG, LC_*, TZ and CERTDECK_*.
CHALLTEST_MGMT=${CERTDECK_CHALLTEST_MGMT:?}
action=$1 record=$2 value=$3
body=$(jq -cn --arg h "$record" --arg v "$value" '{host: $h, value: $v}')
case $action in
add) curl -sf --noproxy '*' -d "$body" "$CHALLTEST_MGMT/set-txt" ;;
del) curl -sf --noproxy '*' -d "$body" "$CHALLTEST_MGMT/clear-txt" ;;
*) echo "unknown action $action" >&2; exit 2 ;;
esac
