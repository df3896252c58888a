#!/bin/sh
# Reload command for the deploy tests:  deploy-reload.sh LOG MODE [ARG...]
# Appends its extra arguments, the CERTDECK_* environment and what it sees of
# the deployed files to LOG, then acts according to MODE:
#   ok    print a line and succeed
#   fail  print a lot, then an error on stderr, exit 3
#   hang  start a background sleep (its pid goes to LOG.pid) and wait for
#         it: certdeck must kill both at the reload timeout
log=${1:?usage: deploy-reload.sh LOG MODE [ARG...]}
mode=${2:?usage: deploy-reload.sh LOG MODE [ARG...]}
shift 2
{
	echo "run"
	echo "argc=$#"
	for a in "$@"; do printf 'arg=%s\n' "$a"; done
	for v in CERTDECK_CERT_ID CERTDECK_DOMAINS CERTDECK_CERT CERTDECK_CHAIN \
	    CERTDECK_FULLCHAIN CERTDECK_KEY CERTDECK_COMBINED; do
		eval "printf '%s=%s\n' $v \"\${$v-(unset)}\""
	done
	printf 'INHERITED=%s\n' "${DEPLOY_HOOK_INHERITED-(unset)}"
	printf 'stdin=%s\n' "$(cat)"
	if [ -n "${CERTDECK_FULLCHAIN-}" ] && [ -s "$CERTDECK_FULLCHAIN" ]; then
		echo "fullchain_present=yes"
	fi
	# Its own process group: the pgid is its pid.
	printf 'own_pgrp=%s\n' "$([ "$(ps -o pgid= -p $$ | tr -d ' ')" = "$$" ] && echo yes || echo no)"
} >>"$log"

case $mode in
ok)
	echo "reloaded fine"
	;;
fail)
	echo "first line of output"
	i=0
	while [ $i -lt 200 ]; do
		echo "noise line $i"
		i=$((i + 1))
	done
	echo "configuration test failed: bad certificate" >&2
	exit 3
	;;
hang)
	sleep 30 &
	echo $! >"$log.pid"
	wait
	;;
esac
exit 0
