# Pebble on loopback for tests: source this file, then
#
#   . "$top_srcdir/tests/pebble/pebble.sh"
#   trap pebble_stop EXIT
#   pebble_start [VAR=VALUE ...] || { echo "Bail out! pebble did not start"; exit 1; }
#
# pebble_start must run in the test's own shell (not inside $(...) or a
# pipeline): it records the PIDs and exports variables there. The words
# VAR=VALUE become pebble's environment (PEBBLE_VA_NOSLEEP=1 is the
# default; PEBBLE_VA_NOSLEEP=0 turns it off). PEBBLE_FIXTURE_CHAOS=1 in the
# environment adds, after those words, 50% nonce rejection, authorization
# reuse always, chains of 4 with 2 alternate roots and random validation
# delays of up to PEBBLE_VA_SLEEPTIME (3) seconds. PEBBLE_FIXTURE_EAB=1, as a
# word or in the environment, makes Pebble require External Account Binding.
# PEBBLE_FIXTURE_DNS=HOST:PORT in the environment makes Pebble look names up
# there (a real authoritative server) instead of in challtestsrv.
#
# After a successful start these are exported:
#   PEBBLE_DIR        temporary directory (logs, config, certificates)
#   PEBBLE_URL        https://127.0.0.1:PORT/dir, the ACME directory
#   PEBBLE_CA         PEM file that verifies Pebble's HTTPS (WFE and management)
#   PEBBLE_MGMT       https://127.0.0.1:PORT (GET /roots/0, /intermediates/0, ...)
#   PEBBLE_HTTP_PORT  where Pebble validates http-01 (on 127.0.0.1)
#   PEBBLE_TLS_PORT   where Pebble validates tls-alpn-01 (on 127.0.0.1)
#   CHALLTEST_MGMT    http://127.0.0.1:PORT, pebble-challtestsrv management API
#   CHALLTEST_DNS     127.0.0.1:PORT, its DNS server (A queries answer 127.0.0.1)
#   PEBBLE_EAB_KID, PEBBLE_EAB_KEY   with EAB only: key id and base64url HMAC key
# Pebble resolves every name through challtestsrv, whose default A record
# is 127.0.0.1, so any name validates against the ports above.
#
# pebble_stop stops both servers (TERM, then KILL) and removes PEBBLE_DIR;
# it may be called more than once. pebble_diag prints the logs as TAP
# diagnostics ("# " lines). On a failed start pebble_start has already
# printed them and returns 1.
#
# Needs: pebble, pebble-challtestsrv, openssl, curl, and the freeport
# helper built by "make check" ($top_builddir/tests/pebble/freeport).

_pebble_pid=
_chall_pid=

# Prints its arguments and every log file as TAP diagnostics.
pebble_diag() {
	[ $# -gt 0 ] && echo "# $*"
	[ -n "${PEBBLE_DIR:-}" ] && [ -d "$PEBBLE_DIR" ] || return 0
	for _pb_f in "$PEBBLE_DIR"/*.log; do
		[ -f "$_pb_f" ] || continue
		echo "# --- ${_pb_f##*/} ---"
		tail -n 40 "$_pb_f" | sed 's/^/# /'
	done
}

# Kills one PID: TERM, up to 2 s of grace, then KILL; reaps it.
# Every command may fail (the process is already gone): callers may run under
# set -e, where a failing kill would abort the cleanup half-way.
_pebble_kill() {
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null || { wait "$1" 2>/dev/null || true; return 0; }
	_pebble_i=0
	while kill -0 "$1" 2>/dev/null && [ $_pebble_i -lt 20 ]; do
		sleep 0.1
		_pebble_i=$((_pebble_i + 1))
	done
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	return 0
}

pebble_stop() {
	_pebble_kill "$_pebble_pid"
	_pebble_kill "$_chall_pid"
	_pebble_pid=
	_chall_pid=
	if [ -n "${PEBBLE_DIR:-}" ] && [ -d "$PEBBLE_DIR" ]; then
		rm -rf "$PEBBLE_DIR"
	fi
	unset PEBBLE_DIR PEBBLE_URL PEBBLE_CA PEBBLE_MGMT PEBBLE_HTTP_PORT \
	    PEBBLE_TLS_PORT CHALLTEST_MGMT CHALLTEST_DNS CERTDECK_CHALLTEST_MGMT PEBBLE_EAB_KID \
	    PEBBLE_EAB_KEY
	return 0
}

# Throwaway CA and a localhost/127.0.0.1 server certificate, EC P-256.
_pebble_certs() {
	_pb_d=$PEBBLE_DIR
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$_pb_d/ca.key" -out "$_pb_d/ca.pem" -days 2 \
	    -subj "/CN=certdeck test CA for Pebble" \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" \
	    >>"$_pb_d/openssl.log" 2>&1 || return 1
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$_pb_d/key.pem" -out "$_pb_d/csr.pem" -subj "/CN=localhost" \
	    >>"$_pb_d/openssl.log" 2>&1 || return 1
	cat >"$_pb_d/ext.cnf" <<-EOF
	basicConstraints=critical,CA:FALSE
	keyUsage=critical,digitalSignature
	extendedKeyUsage=serverAuth
	subjectAltName=DNS:localhost,IP:127.0.0.1
	subjectKeyIdentifier=hash
	authorityKeyIdentifier=keyid
	EOF
	openssl x509 -req -in "$_pb_d/csr.pem" -CA "$_pb_d/ca.pem" -CAkey "$_pb_d/ca.key" \
	    -set_serial "0x$(openssl rand -hex 8)" -days 2 -extfile "$_pb_d/ext.cnf" \
	    -out "$_pb_d/cert.pem" >>"$_pb_d/openssl.log" 2>&1 || return 1
}

# Fails when a server of ours listens anywhere but on 127.0.0.1.
_pebble_check_loopback() {
	command -v ss >/dev/null 2>&1 || return 0
	_pb_bad=$(ss -Hltunp 2>/dev/null | awk -v a="pid=$_pebble_pid," \
	    -v b="pid=$_chall_pid," \
	    'index($0, a) || index($0, b) { if ($5 !~ /^127\.0\.0\.1:/) print $5 }')
	if [ -n "$_pb_bad" ]; then
		pebble_diag "pebble fixture: listening beyond loopback: $_pb_bad"
		return 1
	fi
}

# One attempt on fresh ports: 0 started, 1 failed, 2 a port was taken (retry).
_pebble_try() {
	_pb_ports=$("$_pb_freeport" 6 | tr '\n' ' ') || return 1
	read -r _pb_p_wfe _pb_p_mgmt _pb_p_http _pb_p_tls _pb_p_dns _pb_p_cmgmt <<-EOF
	$_pb_ports
	EOF
	[ -n "$_pb_p_cmgmt" ] || return 1
	if [ "$_pb_eab" = 1 ]; then
		_pb_eab_json=",
    \"externalAccountBindingRequired\": true,
    \"externalAccountMACKeys\": { \"$PEBBLE_EAB_KID\": \"$PEBBLE_EAB_KEY\" }"
	else
		_pb_eab_json=",
    \"externalAccountBindingRequired\": false"
	fi
	cat >"$PEBBLE_DIR/pebble.json" <<-EOF
	{
	  "pebble": {
	    "listenAddress": "127.0.0.1:$_pb_p_wfe",
	    "managementListenAddress": "127.0.0.1:$_pb_p_mgmt",
	    "certificate": "$PEBBLE_DIR/cert.pem",
	    "privateKey": "$PEBBLE_DIR/key.pem",
	    "httpPort": $_pb_p_http,
	    "tlsPort": $_pb_p_tls,
	    "ocspResponderURL": ""$_pb_eab_json
	  }
	}
	EOF
	: >"$PEBBLE_DIR/challtestsrv.log"
	: >"$PEBBLE_DIR/pebble.log"
	pebble-challtestsrv -defaultIPv4 127.0.0.1 -defaultIPv6 "" \
	    -dns01 "127.0.0.1:$_pb_p_dns" -management "127.0.0.1:$_pb_p_cmgmt" \
	    -http01 "" -https01 "" -tlsalpn01 "" \
	    </dev/null >>"$PEBBLE_DIR/challtestsrv.log" 2>&1 &
	_chall_pid=$!
	env PEBBLE_VA_NOSLEEP=1 "$@" pebble -config "$PEBBLE_DIR/pebble.json" \
	    -dnsserver "${PEBBLE_FIXTURE_DNS:-127.0.0.1:$_pb_p_dns}" \
	    </dev/null >>"$PEBBLE_DIR/pebble.log" 2>&1 &
	_pebble_pid=$!

	_pb_url="https://127.0.0.1:$_pb_p_wfe/dir"
	_pb_i=0
	while [ $_pb_i -lt 100 ]; do
		if ! kill -0 "$_pebble_pid" 2>/dev/null ||
		    ! kill -0 "$_chall_pid" 2>/dev/null; then
			_pebble_kill "$_pebble_pid"
			_pebble_kill "$_chall_pid"
			_pebble_pid= _chall_pid=
			if grep -qi "address already in use" "$PEBBLE_DIR"/*.log; then
				return 2
			fi
			pebble_diag "pebble fixture: a server exited during startup"
			return 1
		fi
		if curl -sf --noproxy '*' --cacert "$PEBBLE_DIR/ca.pem" \
		    -o /dev/null "$_pb_url" 2>/dev/null &&
		    curl -sf --noproxy '*' --cacert "$PEBBLE_DIR/ca.pem" \
		    -o /dev/null "https://127.0.0.1:$_pb_p_mgmt/roots/0" 2>/dev/null &&
		    curl -s --noproxy '*' -o /dev/null \
		    "http://127.0.0.1:$_pb_p_cmgmt/" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
		_pb_i=$((_pb_i + 1))
	done
	pebble_diag "pebble fixture: no answer from $_pb_url within 10 s"
	return 1
}

pebble_start() {
	_pb_eab=${PEBBLE_FIXTURE_EAB:-0}
	for _pb_a in "$@"; do
		case $_pb_a in
		PEBBLE_FIXTURE_EAB=*) _pb_eab=${_pb_a#*=} ;;
		[A-Za-z_]*=*) ;;
		*) echo "# pebble_start: not VAR=VALUE: $_pb_a"; return 1 ;;
		esac
	done
	for _pb_c in pebble pebble-challtestsrv openssl curl; do
		if ! command -v "$_pb_c" >/dev/null 2>&1; then
			echo "# pebble fixture: $_pb_c not found"
			return 1
		fi
	done
	_pb_freeport=${top_builddir:-.}/tests/pebble/freeport
	if [ ! -x "$_pb_freeport" ]; then
		echo "# pebble fixture: $_pb_freeport not built (run make check)"
		return 1
	fi
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
	# PEBBLE_FIXTURE_DIR keeps the instance somewhere lasting (the demo).
	if [ -n "${PEBBLE_FIXTURE_DIR:-}" ]; then
		mkdir -p -m 0700 "$PEBBLE_FIXTURE_DIR" || return 1
		PEBBLE_DIR=$PEBBLE_FIXTURE_DIR
	else
		PEBBLE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pebble.XXXXXX") || return 1
	fi
	export PEBBLE_DIR
	if ! _pebble_certs; then
		pebble_diag "pebble fixture: cannot make certificates"
		return 1
	fi
	if [ "$_pb_eab" = 1 ]; then
		PEBBLE_EAB_KID=certdeck-test-kid
		PEBBLE_EAB_KEY=$(openssl rand -base64 32 | tr '+/' '-_' | tr -d '=\n')
		export PEBBLE_EAB_KID PEBBLE_EAB_KEY
	else
		unset PEBBLE_EAB_KID PEBBLE_EAB_KEY
	fi
	# PEBBLE_FIXTURE_CHAOS=1 (the CI chaos job): Pebble at its most hostile,
	# over whatever the test asked for.
	if [ "${PEBBLE_FIXTURE_CHAOS:-0}" = 1 ]; then
		set -- "$@" PEBBLE_WFE_NONCEREJECT=50 PEBBLE_AUTHZREUSE=100 \
		    PEBBLE_CHAIN_LENGTH=4 PEBBLE_ALTERNATE_ROOTS=2 PEBBLE_VA_NOSLEEP=0 \
		    PEBBLE_VA_SLEEPTIME="${PEBBLE_VA_SLEEPTIME:-3}"
	fi
	_pb_n=0
	while :; do
		_pebble_try "$@"
		case $? in
		0) break ;;
		2) _pb_n=$((_pb_n + 1))
		   [ $_pb_n -lt 3 ] && continue
		   pebble_diag "pebble fixture: ports kept clashing"
		   return 1 ;;
		*) return 1 ;;
		esac
	done
	_pebble_check_loopback || return 1
	PEBBLE_URL="https://127.0.0.1:$_pb_p_wfe/dir"
	PEBBLE_CA=$PEBBLE_DIR/ca.pem
	PEBBLE_MGMT="https://127.0.0.1:$_pb_p_mgmt"
	PEBBLE_HTTP_PORT=$_pb_p_http
	PEBBLE_TLS_PORT=$_pb_p_tls
	CHALLTEST_MGMT="http://127.0.0.1:$_pb_p_cmgmt"
	CHALLTEST_DNS="127.0.0.1:$_pb_p_dns"
	# For tests/hooks/challtest-dns-hook.sh: hooks see only CERTDECK_* of ours.
	CERTDECK_CHALLTEST_MGMT=$CHALLTEST_MGMT
	export PEBBLE_URL PEBBLE_CA PEBBLE_MGMT PEBBLE_HTTP_PORT PEBBLE_TLS_PORT \
	    CHALLTEST_MGMT CHALLTEST_DNS CERTDECK_CHALLTEST_MGMT
	return 0
}

# pebble_save_env FILE: writes the variables and PIDs so that another shell
# can source FILE, use the servers and pebble_stop them (the demo does).
pebble_save_env() {
	{
		for _pb_v in PEBBLE_DIR PEBBLE_URL PEBBLE_CA PEBBLE_MGMT PEBBLE_HTTP_PORT \
		    PEBBLE_TLS_PORT CHALLTEST_MGMT CHALLTEST_DNS CERTDECK_CHALLTEST_MGMT; do
			printf "%s='%s'; export %s\n" "$_pb_v" "$(eval echo "\$$_pb_v")" "$_pb_v"
		done
		printf "_pebble_pid=%s\n_chall_pid=%s\n" "$_pebble_pid" "$_chall_pid"
	} >"$1"
}

# pebble_alive FILE: true when the servers recorded in FILE still answer.
pebble_alive() {
	(
		. "$1" || exit 1
		kill -0 "$_pebble_pid" 2>/dev/null && kill -0 "$_chall_pid" 2>/dev/null &&
		    curl -sf --noproxy '*' --cacert "$PEBBLE_CA" -o /dev/null "$PEBBLE_URL"
	)
}
