#!/bin/sh
# http.c against the fault-injection server (tests/faultsrv).
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy

tmp=$(mktemp -d) || exit 1
srv_pid=
cleanup() {
	if [ -n "$srv_pid" ]; then
		kill -TERM "$srv_pid" 2>/dev/null
		wait "$srv_pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

"$top_builddir/tests/faultsrv" "$tmp/port" </dev/null >"$tmp/faultsrv.log" 2>&1 &
srv_pid=$!
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do
	kill -0 "$srv_pid" 2>/dev/null || break
	sleep 0.05
	i=$((i + 1))
done
if [ ! -s "$tmp/port" ]; then
	echo "Bail out! faultsrv did not start"
	sed 's/^/# /' "$tmp/faultsrv.log"
	exit 1
fi
"$top_builddir/tests/unit/test_http" "http://127.0.0.1:$(cat "$tmp/port")"
