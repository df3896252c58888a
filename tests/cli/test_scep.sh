#!/usr/bin/env bash
# certdeck enroll --scep against Debian's scepserver (micromdm scep 2.1.0).
# That server listens on every interface, so the whole test re-executes
# itself in a private network namespace that has only loopback
# (unshare --net, then ip link set lo up): the server and certdeck both
# run inside it, and nothing it does is reachable from outside.
if [ -z "${SCEP_TEST_NETNS:-}" ]; then
	if [ "$(id -u)" -ne 0 ] || ! unshare --net true 2> /dev/null; then
		echo "1..0 # SKIP needs root and unshare --net"
		exit 0
	fi
	if ! command -v scepserver > /dev/null; then
		echo "1..0 # SKIP scepserver (Debian package scep) is not installed"
		exit 0
	fi
	SCEP_TEST_NETNS=1 exec unshare --net bash "$0" "$@"
fi
ip link set lo up
. "$top_srcdir/tests/lib.sh"
set -e

export CERTDECK_STORE="$T/data/store.db"
port=$("$top_builddir/tests/pebble/freeport")
URL="http://127.0.0.1:$port/scep"
depot=$T/depot
printf 's3cret-challenge\n' > "$T/challenge"
chmod 600 "$T/challenge"

scepserver ca -init -depot "$depot" -keySize 2048 > "$T/ca-init.log" 2>&1
check "scepserver makes its CA" [ -s "$depot/ca.pem" ]
scep_pid=
scep_start() {
	scepserver -depot "$depot" -port "$port" -challenge s3cret-challenge -allowrenew 0 \
		>> "$T/scepserver.log" 2>&1 &
	scep_pid=$!
	# A guard against a hang, not a timing: wait until it answers.
	local i=0
	until curl -sf "$URL?operation=GetCACaps" > /dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] || return 1
		sleep 0.1
	done
}
scep_stop() {
	[ -n "$scep_pid" ] || return 0
	kill "$scep_pid" 2> /dev/null || true
	wait "$scep_pid" 2> /dev/null || true
	scep_pid=
}
at_exit scep_stop
check "scepserver answers on loopback" scep_start
ca_fp=$(openssl x509 -in "$depot/ca.pem" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' |
	tr 'A-F' 'a-f')

# --info: the capabilities and the CA certificate with its fingerprint.
cd_run enroll --scep "$URL" --info
check "--info: exit 0" [ "$rc" -eq 0 ]
check "--info lists POSTPKIOperation" grep -qx '  POSTPKIOperation' "$T/.out"
check "--info lists AES" grep -qx '  AES' "$T/.out"
check "--info shows the CA's SHA-256 fingerprint" grep -q "SHA-256: *$ca_fp\$" "$T/.out"
cd_run enroll --scep "$URL" --info --json
check "--info --json: exit 0" [ "$rc" -eq 0 ]
check "--json: capabilities" [ "$(jq -r '.capabilities | index("Renewal") != null' "$T/.out")" = true ]
check "--json: fingerprint_sha256 of the CA" \
	[ "$(jq -r '.certificates[] | select(.role | startswith("ca")) | .fingerprint_sha256' "$T/.out")" = "$ca_fp" ]
check "--json: the subject" \
	[ "$(jq -r '.certificates[0].subject' "$T/.out")" = "OU=SCEP CA,O=scep-ca,C=US" ]
cd_run enroll --scep "ftp://127.0.0.1/" --info
check "a URL that is not http(s): usage error" [ "$rc" -eq 2 ]

# A server that is down.
scep_stop
cd_run enroll --scep "$URL" --info
check "server down: exit 1" [ "$rc" -eq 1 ]
check "server down: says GetCACaps failed" grep -q "GetCACaps" "$T/.err"
check "scepserver starts again" scep_start

done_testing
