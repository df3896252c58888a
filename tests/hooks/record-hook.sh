#!/bin/sh
# Test hook for the dns-01 solver. Appends its arguments and the CERTDECK_*
# environment to the file named by CERTDECK_RECORD_HOOK_LOG, then acts according to
# CERTDECK_RECORD_HOOK_MODE:
#   (unset)   succeed
#   fail      print a lot, then an error on stderr, exit 3
#   hang      start a background sleep (its pid goes to $CERTDECK_RECORD_HOOK_LOG.pid)
#             and wait for it: the solver must kill both
#   dns       add/del the TXT record at pebble-challtestsrv's management
#             API $CERTDECK_RECORD_HOOK_MGMT (host:port)
#   dns-late  like dns, but add the record 300 ms after exiting
log=${CERTDECK_RECORD_HOOK_LOG:?CERTDECK_RECORD_HOOK_LOG is not set}
{
	printf 'argc=%s\n' "$#"
	printf 'argv:'
	for a in "$@"; do printf ' %s' "$a"; done
	printf '\n'
	printf 'CERTDECK_DOMAIN=%s\n' "${CERTDECK_DOMAIN-(unset)}"
	printf 'CERTDECK_RECORD=%s\n' "${CERTDECK_RECORD-(unset)}"
	printf 'CERTDECK_VALUE=%s\n' "${CERTDECK_VALUE-(unset)}"
	printf 'CERTDECK_TOKEN=%s\n' "${CERTDECK_TOKEN-(unset)}"
	printf 'CERTDECK_ACTION=%s\n' "${CERTDECK_ACTION-(unset)}"
	printf 'INHERITED=%s\n' "${RECORD_HOOK_INHERITED-(unset)}"
	printf 'stdin=%s\n' "$(cat)"
} >>"$log"

mgmt() {
	if [ "$1" = add ]; then
		curl -s -f -o /dev/null -d "{\"host\":\"$2\",\"value\":\"$3\"}" \
		    "http://$CERTDECK_RECORD_HOOK_MGMT/set-txt"
	else
		curl -s -f -o /dev/null -d "{\"host\":\"$2\"}" \
		    "http://$CERTDECK_RECORD_HOOK_MGMT/clear-txt"
	fi
}

case ${CERTDECK_RECORD_HOOK_MODE-} in
fail)
	echo "first line of output"
	i=0
	while [ $i -lt 100 ]; do
		echo "noise line $i"
		i=$((i + 1))
	done
	echo "zone update refused" >&2
	exit 3
	;;
hang)
	sleep 30 &
	echo $! >"$log.pid"
	wait
	;;
dns)
	mgmt "$@"
	;;
dns-late)
	(sleep 0.3; mgmt "$@") &
	;;
esac
exit 0
