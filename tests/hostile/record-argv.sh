#!/bin/sh
# Hook for tests/hostile/test_hostile.sh, as a dns-01 hook (add|del RECORD
# VALUE) and as a deploy reload command (reload ID): appends its argv, each
# argument in brackets, to $CERTDECK_HOOK_LOG (dns-01) or
# $CERTDECK_RELOAD_LOG (reload), then succeeds. It never interprets what
# it was given.
case ${1-} in
reload) log=${CERTDECK_RELOAD_LOG:?} ;;
*) log=${CERTDECK_HOOK_LOG:?} ;;
esac
{
	printf '%s' "${1-}"
	shift
	for a in "$@"; do printf ' [%s]' "$a"; done
	printf '\n'
} >>"$log"
exit 0
