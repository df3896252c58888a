#!/usr/bin/env bash
# certdeck probe, endpoint and check against a real nginx started here on
# 127.0.0.1 with several SNI vhosts: the served chain, its fingerprint and
# names, chain verification (a private CA, the system store), the
# protocol, and what happens at a closed port and at a server that never
# answers.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/endpoints/nginx.sh"
set -e
export CERTDECK_STORE="$T/store.db"
command -v nginx > /dev/null || { echo "1..0 # SKIP nginx is not installed"; exit 0; }

# ---- certificates: a private CA and leaves made with openssl -------------
C=$T/certs
mkdir -p "$C"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$C/ca.key" \
	-out "$C/ca.crt" -days 30 -subj "/CN=certdeck endpoint test CA" \
	-addext "basicConstraints=critical,CA:TRUE" 2> /dev/null
# leaf NAME FILE DAYS [SANS]: a leaf for NAME signed by the CA, as FILE.crt/.key/.pem.
leaf() {
	local name=$1 f=$C/$2 days=$3 san=${4:-DNS:$1}
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$f.key" \
		-out "$f.csr" -subj "/CN=$name" 2> /dev/null
	openssl x509 -req -in "$f.csr" -CA "$C/ca.crt" -CAkey "$C/ca.key" -CAcreateserial \
		-days "$days" -out "$f.crt" -extfile <(printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$san") 2> /dev/null
	cat "$f.crt" "$C/ca.crt" > "$f.chain"
	cat "$f.crt" "$C/ca.crt" "$f.key" > "$f.pem"
}
leaf a.test a 20 "DNS:a.test,DNS:www.a.test"
leaf b.test b 20
# A self-signed one that no CA vouches for.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$C/self.key" \
	-out "$C/self.crt" -days 20 -subj "/CN=self.test" -addext "subjectAltName=DNS:self.test" \
	2> /dev/null
fp() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f; }

# ---- nginx: a default vhost and SNI vhosts on one port --------------------
{ read -r P_TLS; read -r P_CLOSED; read -r P_HANG; } < <("$top_builddir/tests/pebble/freeport" 3)
vhost() {	# vhost PORT NAME CHAIN KEY [default_server]
	printf '\tserver {\n\t\tlisten 127.0.0.1:%s ssl %s;\n\t\tserver_name %s;\n' "$1" "${5:-}" "$2"
	printf '\t\tssl_certificate %s;\n\t\tssl_certificate_key %s;\n' "$3" "$4"
	printf '\t\tlocation / { return 200 "%s\\n"; }\n\t}\n' "$2"
}
servers() {
	vhost "$P_TLS" a.test "$C/a.chain" "$C/a.key" default_server
	vhost "$P_TLS" b.test "$C/b.chain" "$C/b.key"
	vhost "$P_TLS" self.test "$C/self.crt" "$C/self.key"
}
N=$T/nginx
check "nginx starts on 127.0.0.1:$P_TLS" nginx_start "$N" "$(servers)"

# ---- probe: usage ----------------------------------------------------------
cd_run probe
check "probe without a target is a usage error (2)" [ "$rc" -eq 2 ]
cd_run probe 127.0.0.1:0
check "port 0 is a usage error" [ "$rc" -eq 2 ]
cd_run probe 127.0.0.1:http
check "a named port is a usage error" [ "$rc" -eq 2 ]
cd_run probe ":443"
check "an empty host is a usage error" [ "$rc" -eq 2 ]
cd_run probe 127.0.0.1 --starttls gopher
check "an unknown STARTTLS protocol is a usage error" [ "$rc" -eq 2 ]
check "... naming it" grep -q gopher "$T/.err"
cd_run probe 127.0.0.1 --timeout 0
check "a zero timeout is a usage error" [ "$rc" -eq 2 ]
cd_run probe a b
check "two targets are a usage error" [ "$rc" -eq 2 ]

# ---- probe: what the vhosts serve --------------------------------------------
cd_run probe "127.0.0.1:$P_TLS" --sni a.test --ca-bundle "$C/ca.crt" --json
check "probe of the a.test vhost exits 0" [ "$rc" -eq 0 ]
j=$T/.out
check "... the leaf's SHA-256 is a.test's" [ "$(jq -r .fingerprint "$j")" = "$(fp "$C/a.crt")" ]
check "... its names" [ "$(jq -c .names "$j")" = '["a.test","www.a.test"]' ]
check "... its subject" [ "$(jq -r .subject "$j")" = "CN=a.test" ]
check "... notAfter as openssl says" [ "$(date -u -d "$(jq -r .not_after "$j")" +%s)" = \
	"$(date -u -d "$(openssl x509 -in "$C/a.crt" -noout -enddate | sed 's/.*=//')" +%s)" ]
check "... the chain as served: leaf and CA" [ "$(jq .chain_length "$j")" = 2 ]
check "... verified against the CA bundle" [ "$(jq .chain_verified "$j")" = true ]
check "... valid for the name asked" [ "$(jq -r '.name_matches, .checked_name' "$j" | paste -sd' ')" = "true a.test" ]
check "... TLS 1.3 (nginx's best)" [ "$(jq -r .protocol "$j")" = TLSv1.3 ]
check "... a cipher" [ -n "$(jq -r .cipher "$j")" ]
cd_run probe "127.0.0.1:$P_TLS" --sni b.test --ca-bundle "$C/ca.crt" --json
check "the b.test vhost serves b.test's certificate (SNI picks the vhost)" \
	[ "$(jq -r .fingerprint "$j")" = "$(fp "$C/b.crt")" ]
cd_run probe "127.0.0.1:$P_TLS" --sni b.test --json
check "without the bundle the private CA is untrusted (system store)" \
	[ "$(jq -r .chain_verified "$j")" = false ]
check "... saying why" grep -q 'self-signed certificate in certificate chain' "$j"
cd_run probe "127.0.0.1:$P_TLS" --sni nobody.test --ca-bundle "$C/ca.crt" --json
check "an unknown name gets the default vhost's certificate" \
	[ "$(jq -r .fingerprint "$j")" = "$(fp "$C/a.crt")" ]
check "... which is not valid for that name" [ "$(jq -r .name_matches "$j")" = false ]
cd_run probe "127.0.0.1:$P_TLS" --sni www.a.test --ca-bundle "$C/ca.crt" --json
check "a second name of a certificate is valid" [ "$(jq -r .name_matches "$j")" = true ]
cd_run probe "127.0.0.1:$P_TLS" --sni self.test --ca-bundle "$C/ca.crt" --json
check "a self-signed certificate's chain does not verify" [ "$(jq -r .chain_verified "$j")" = false ]
check "... and is still read" [ "$(jq -r .fingerprint "$j")" = "$(fp "$C/self.crt")" ]
cd_run probe "127.0.0.1:$P_TLS" --sni self.test --ca-bundle "$C/self.crt" --json
check "... but verifies when it is the bundle" [ "$(jq -r .chain_verified "$j")" = true ]
cd_run probe "127.0.0.1:$P_TLS" --ca-bundle "$C/ca.crt" --json
check "an address sends no server name: the default vhost" \
	[ "$(jq -r .fingerprint "$j")" = "$(fp "$C/a.crt")" ]
check "... and the address is what is checked" [ "$(jq -r .checked_name "$j")" = 127.0.0.1 ]
cd_run probe "localhost:$P_TLS" --sni a.test --ca-bundle "$C/ca.crt"
check "the text form exits 0" [ "$rc" -eq 0 ]
check "... shows the fingerprint" grep -q "$(fp "$C/a.crt")" "$T/.out"
check "... says the chain is verified" grep -q 'verified' "$T/.out"
check "... and the protocol" grep -q 'TLSv1.3' "$T/.out"
cd_run probe "127.0.0.1:$P_TLS" --ca-bundle "$T/no-such-bundle.pem"
check "a missing CA bundle exits 1" [ "$rc" -eq 1 ]

# ---- probe: servers that are not there or do not answer ----------------------
cd_run probe "127.0.0.1:$P_CLOSED"
check "a closed port exits 1" [ "$rc" -eq 1 ]
check "... saying the connection was refused" grep -q 'refused' "$T/.err"
# A listener that accepts and never says a word: the handshake must time out.
python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $P_HANG)); s.listen(8); open('$T/hang.ready', 'w').close(); time.sleep(120)
" & hang_pid=$!
at_exit "kill $hang_pid 2> /dev/null"
for _ in $(seq 100); do [ -e "$T/hang.ready" ] && break; sleep 0.1; done
cd_run probe "127.0.0.1:$P_HANG" --timeout 1
check "a server that never answers exits 1" [ "$rc" -eq 1 ]
check "... saying it timed out in the handshake" grep -q 'timed out in the TLS handshake' "$T/.err"
cd_run probe "127.0.0.1:$P_HANG" --timeout 1 --starttls smtp
check "... and in a STARTTLS dialogue" grep -q 'timed out waiting for the server' "$T/.err"
cd_run probe "127.0.0.1:$P_TLS" --starttls imap --timeout 5
check "STARTTLS against a TLS port fails (exit 1)" [ "$rc" -eq 1 ]

done_testing
