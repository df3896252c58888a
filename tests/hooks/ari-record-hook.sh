#!/bin/sh
# dns-01 hook for tests/acme/test_ari.sh: appends one line saying it ran,
# with its arguments and CERTDECK_TOKEN, to $CERTDECK_ARI_HOOK_LOG, then succeeds.
# It never interprets what it was given.
log=${CERTDECK_ARI_HOOK_LOG:?CERTDECK_ARI_HOOK_LOG is not set}
{
	printf 'ran'
	for a in "$@"; do printf ' [%s]' "$a"; done
	printf ' token=[%s]\n' "${CERTDECK_TOKEN-}"
} >>"$log"
exit 0
