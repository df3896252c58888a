#!/usr/bin/env bash
# certdeck probe, endpoint and check against a real nginx started here on
# 127.0.0.1 with several SNI vhosts: the served chain, its fingerprint and
# names, chain verification (a private CA, the system store), the
# protocol, and what happens at a closed port and at a server that never
# answers; endpoint add/list/remove; check classifying what each vhost
# serves (ok, expiring, stale after a renewal against Pebble that nginx was
# not reloaded for, unknown, name-mismatch, untrusted-chain, unreachable);
# drift as alert conditions (notices, status, metrics); STARTTLS probes of
# a private postfix (SMTP) and dovecot (IMAP, POP3) on 127.0.0.1.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/endpoints/nginx.sh"
. "$top_srcdir/tests/acme/acme-lib.sh"
. "$top_srcdir/tests/mail/postfix.sh"
. "$top_srcdir/tests/endpoints/dovecot.sh"
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
{ read -r P_TLS; read -r P_CLOSED; read -r P_HANG; read -r P_EVIL; } < <("$top_builddir/tests/pebble/freeport" 4)
vhost() {	# vhost PORT NAME CHAIN KEY [default_server]
	printf '\tserver {\n\t\tlisten 127.0.0.1:%s ssl %s;\n\t\tserver_name %s;\n' "$1" "${5:-}" "$2"
	printf '\t\tssl_certificate %s;\n\t\tssl_certificate_key %s;\n' "$3" "$4"
	printf '\t\tlocation / { return 200 "%s\\n"; }\n\t}\n' "$2"
}
servers() {
	vhost "$P_TLS" a.test "$C/a.chain" "$C/a.key" default_server
	vhost "$P_TLS" b.test "$C/$B_FILE.chain" "$C/$B_FILE.key"
	vhost "$P_TLS" self.test "$C/self.crt" "$C/self.key"
	[ -z "${CHECK_VHOSTS:-}" ] || {
		vhost "$P_TLS" e.test "$C/e.chain" "$C/e.key"
		vhost "$P_TLS" stale.test "$N/stale.pem" "$N/stale.key"
	}
}
B_FILE=b
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
s.bind(('127.0.0.1', $P_HANG)); s.listen(8); open('$T/hang.ready', 'w').close(); time.sleep(900)
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
# A server whose greeting carries a terminal escape sequence: it is quoted, escaped.
python3 -c "
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $P_EVIL)); s.listen(8); open('$T/evil.ready', 'w').close()
while True:
    c, _ = s.accept(); c.sendall(b'\x1b]0;owned\x07 welcome\r\n'); c.close()
" & evil_pid=$!
at_exit "kill $evil_pid 2> /dev/null"
for _ in $(seq 100); do [ -e "$T/evil.ready" ] && break; sleep 0.1; done
cd_run probe "127.0.0.1:$P_EVIL" --starttls smtp --timeout 5
check "a greeting that is no SMTP reply fails (exit 1)" [ "$rc" -eq 1 ]
check "... quoted with its control characters escaped" grep -qF 'not an SMTP reply: \x1b]0;owned\x07 welcome' "$T/.err"
check "... and no escape character reaches the terminal" [ "$(tr -cd '\033\007' < "$T/.err" | wc -c)" = 0 ]

# ---- endpoint add, list, remove ------------------------------------------------
cd_run init
cd_run import "$C/a.pem" "$C/b.pem"
check "import a.test and b.test" [ "$rc" -eq 0 ]
id_of() { "$CERTDECK" list --json | jq -r --arg n "$1" '.[] | select(.name == $n) | .id'; }
A=$(id_of a.test)
B=$(id_of b.test)
cd_run endpoint
check "endpoint alone is a usage error" [ "$rc" -eq 2 ]
cd_run endpoint frob
check "an unknown endpoint command exits 2" [ "$rc" -eq 2 ]
cd_run endpoint add "$A"
check "add without HOST[:PORT] exits 2" [ "$rc" -eq 2 ]
cd_run endpoint add abc 127.0.0.1
check "add with a non-numeric certificate ID exits 2" [ "$rc" -eq 2 ]
cd_run endpoint add 9999 127.0.0.1
check "add for a missing certificate exits 1" [ "$rc" -eq 1 ]
cd_run endpoint add "$A" 127.0.0.1:99999
check "add with a bad port exits 2" [ "$rc" -eq 2 ]
cd_run endpoint add "$A" 127.0.0.1 --starttls ftp
check "add with an unknown STARTTLS protocol exits 2" [ "$rc" -eq 2 ]
cd_run endpoint list --json
check "nothing was added by the refused commands" [ "$(jq length "$T/.out")" = 0 ]
cd_run endpoint list
check "an empty list exits 0" [ "$rc" -eq 0 ]
cd_run endpoint add "$A" "127.0.0.1:$P_TLS" --sni a.test
check "add exits 0" [ "$rc" -eq 0 ]
EA=$out
check "... and prints the new endpoint's ID" [ "$EA" -gt 0 ]
cd_run endpoint add "$A" "127.0.0.1:$P_TLS" --sni a.test
check "the same host, port and name again exits 1" [ "$rc" -eq 1 ]
check "... naming the endpoint it has" grep -q "already endpoint #$EA" "$T/.err"
cd_run endpoint add "$B" 127.0.0.1 --starttls smtp
check "a STARTTLS endpoint without a port" [ "$rc" -eq 0 ]
ES=$out
cd_run endpoint list --json
j=$T/.out
check "list --json has both" [ "$(jq length "$j")" = 2 ]
check "... the first as added" [ "$(jq -c --argjson id "$EA" '.[] | select(.id == $id) | [.cert_id, .host, .port, .sni, .starttls, .last_check]' "$j")" = "[$A,\"127.0.0.1\",$P_TLS,\"a.test\",null,null]" ]
check "... the STARTTLS one on port 25 with no server name" [ "$(jq -c --argjson id "$ES" '.[] | select(.id == $id) | [.port, .sni, .starttls]' "$j")" = '[25,null,"smtp"]' ]
cd_run endpoint list
check "the text list names the endpoint" grep -q "127.0.0.1:$P_TLS .*a.test" "$T/.out"
cd_run endpoint remove "$ES"
check "remove exits 0" [ "$rc" -eq 0 ]
check "... and the endpoint is gone" [ "$("$CERTDECK" endpoint list --json | jq length)" = 1 ]
cd_run endpoint remove "$ES"
check "removing it again exits 1" [ "$rc" -eq 1 ]
cd_run endpoint remove x
check "remove with a non-numeric ID exits 2" [ "$rc" -eq 2 ]
cd_run endpoint add "$A" "[::1]:$P_TLS" --sni a.test
check "an IPv6 endpoint is taken" [ "$rc" -eq 0 ]
check "... its host without brackets" [ "$("$CERTDECK" endpoint list --json | jq -r --argjson id "$out" '.[] | select(.id == $id) | .host')" = ::1 ]
"$CERTDECK" endpoint remove "$out" 2> /dev/null

# ---- check: what each endpoint serves, judged against the store -----------------
leaf b.test b2 20	# another b.test certificate, never imported
leaf e.test e 5		# expires in 5 days
leaf m.test m 20	# stored, and served nowhere under its name
cd_run import "$C/e.pem" "$C/m.pem" "$C/self.crt"
check "import e.test, m.test and the self-signed one" [ "$rc" -eq 0 ]
E=$(id_of e.test)
M=$(id_of m.test)
SELF=$(id_of self.test)
# A lineage from Pebble: issued, deployed to files nginx serves, then renewed.
acme_setup
acme_account
cd_run issue -d stale.test --http-addr 127.0.0.1 --http-port "$PEBBLE_HTTP_PORT"
check "Pebble issues stale.test" [ "$rc" -eq 0 ]
S=$out
cd_run deploy add "$S" --fullchain "$N/stale.pem" --key "$N/stale.key"
cd_run deploy run "$S"
check "... deployed where nginx reads it" [ "$rc" -eq 0 ]
pebble_root "$T/pebble-root.pem"
cat "$C/ca.crt" "$T/pebble-root.pem" > "$T/trust.pem"
B_FILE=b2
CHECK_VHOSTS=1
check "nginx loads the e.test and stale.test vhosts, b.test now serving another certificate" \
	nginx_reload "$N" "$(servers)"
cd_run renew --force "$S"
check "renew --force renews stale.test (and deploys the files; nginx is not reloaded)" [ "$rc" -eq 0 ]
S2=$("$CERTDECK" show "$S" --json | jq -r .replaced_by)
check "... the old one is replaced by a new one" [ "$S2" -gt "$S" ]
check "... whose files are deployed" [ "$(fp "$N/stale.pem")" = "$(jq -r .fingerprint_sha256 <("$CERTDECK" show "$S2" --json))" ]

add_ep() {	# add_ep CERT HOST:PORT SNI: adds an endpoint, prints its ID
	"$CERTDECK" endpoint add "$1" "$2" --sni "$3" 2> /dev/null
}
ES=$(add_ep "$S" "127.0.0.1:$P_TLS" stale.test)
EB=$(add_ep "$B" "127.0.0.1:$P_TLS" b.test)
EE=$(add_ep "$E" "127.0.0.1:$P_TLS" e.test)
EM=$(add_ep "$M" "127.0.0.1:$P_TLS" m.test)
EU=$(add_ep "$SELF" "127.0.0.1:$P_TLS" self.test)
EC=$(add_ep "$A" "127.0.0.1:$P_CLOSED" a.test)
EH=$(add_ep "$A" "127.0.0.1:$P_HANG" a.test)
check "seven more endpoints" [ "$("$CERTDECK" endpoint list --json | jq length)" = 8 ]

# A hook channel for the drift conditions only, recording each notice's JSON.
mkdir -p "$T/calls"
cat > "$T/hook" <<HOOK
#!/bin/sh
n=\$(ls "$T/calls" | wc -l)
cat > "$T/calls/\$n.json"
HOOK
chmod 0755 "$T/hook"
DRIFT=drift-stale,drift-unknown,drift-name-mismatch,drift-untrusted-chain,drift-unreachable,drift-revoked
cd_run notify add hook "$T/hook" --events "$DRIFT"
check "a hook channel for the drift conditions (--events takes their names)" [ "$rc" -eq 0 ]
# notices EVENT CONDITION [ENDPOINT]: how many notices the hook got of that.
notices() {
	cat "$T"/calls/*.json 2> /dev/null | jq -s --arg ev "$1" --arg c "$2" --arg ep "${3:-}" \
		'[.[] | select(.event == $ev and .condition == $c and ($ep == "" or (.endpoint_id | tostring) == $ep))] | length'
}

cd_run check --json --ca-bundle "$T/trust.pem" --timeout 2
check "check exits 1 when an endpoint is not ok" [ "$rc" -eq 1 ]
cp "$T/.out" "$T/check.json"
state() { jq -r --argjson id "$1" '.[] | select(.id == $id) | .last_check.state' "$T/check.json"; }
field() { jq -r --argjson id "$1" ".[] | select(.id == \$id) | .last_check.$2" "$T/check.json"; }
check "a.test serves its certificate: ok" [ "$(state "$EA")" = ok ]
check "... with no message" [ "$(field "$EA" message)" = null ]
check "... naming the served certificate" [ "$(field "$EA" served_cert_id)" = "$A" ]
check "stale.test serves the certificate its renewal replaced: stale" [ "$(state "$ES")" = stale ]
check "... the served one is the old one" [ "$(field "$ES" served_cert_id)" = "$S" ]
check "... saying what replaced it" grep -q "replaced by #$S2: renewed but not deployed" <(field "$ES" message)
check "... and the endpoint now follows the renewed certificate" [ "$(jq -r --argjson id "$ES" '.[] | select(.id == $id) | .cert_id' "$T/check.json")" = "$S2" ]
check "b.test serves a certificate not in the store: unknown" [ "$(state "$EB")" = unknown ]
check "... its fingerprint recorded" [ "$(field "$EB" fingerprint)" = "$(fp "$C/b2.crt")" ]
check "... no stored certificate" [ "$(field "$EB" served_cert_id)" = null ]
check "e.test serves its certificate, 5 days from expiry: expiring" [ "$(state "$EE")" = expiring ]
check "m.test gets the default vhost's a.test certificate: name-mismatch" [ "$(state "$EM")" = name-mismatch ]
check "... which is a stored certificate" [ "$(field "$EM" served_cert_id)" = "$A" ]
check "self.test serves a self-signed certificate: untrusted-chain" [ "$(state "$EU")" = untrusted-chain ]
check "a closed port: unreachable" [ "$(state "$EC")" = unreachable ]
check "... saying the connection was refused" grep -q refused <(field "$EC" message)
check "a server that never answers: unreachable" [ "$(state "$EH")" = unreachable ]
check "... after its timeout" grep -q 'timed out' <(field "$EH" message)
check "TLS facts are kept" [ "$(field "$EA" protocol)" = TLSv1.3 ]

# ---- drift as alert conditions: notified, counted in status, in metrics --------
check "the stale endpoint's start was notified" [ "$(notices start drift-stale "$ES")" = 1 ]
check "... naming the certificate that should be served" [ "$(cat "$T"/calls/*.json | jq -s -r --argjson ep "$ES" '.[] | select(.endpoint_id == $ep) | .cert_id')" = "$S2" ]
check "the unknown one's start" [ "$(notices start drift-unknown "$EB")" = 1 ]
check "the name mismatch's start" [ "$(notices start drift-name-mismatch "$EM")" = 1 ]
check "the untrusted chain's start" [ "$(notices start drift-untrusted-chain "$EU")" = 1 ]
check "both unreachable ones' starts" [ "$(notices start drift-unreachable)" = 2 ]
check "expiring is the certificate's own condition, not drift: no notice for e.test" \
	[ "$(cat "$T"/calls/*.json | jq -s --argjson ep "$EE" '[.[] | select(.endpoint_id == $ep)] | length')" = 0 ]
n_before=$(ls "$T/calls" | wc -l)
cd_run status --json
check "status is critical (exit 2): unreachable, untrusted and mismatched endpoints" [ "$rc" -eq 2 ]
check "... counting each drift condition" [ "$(jq -c '.counts | [."drift-stale", ."drift-unknown", ."drift-name-mismatch", ."drift-untrusted-chain", ."drift-unreachable"]' "$T/.out")" = '[1,1,1,1,2]' ]
check "... stale is a warning" [ "$(jq -r '.alerts[] | select(.kind == "drift-stale") | .severity' "$T/.out")" = warning ]
check "... unknown is a warning" [ "$(jq -r '.alerts[] | select(.kind == "drift-unknown") | .severity' "$T/.out")" = warning ]
check "... unreachable is critical" [ "$(jq -r '[.alerts[] | select(.kind == "drift-unreachable") | .severity] | unique | .[]' "$T/.out")" = critical ]
cd_run status
check "status's text has the drift in its perfdata" grep -q ' drift=6;;;0' "$T/.out"
check "... and a line for the stale endpoint" grep -q "^WARNING: endpoint #$ES .*stale.test.* is stale: .*renewed but not deployed" "$T/.out"
cd_run metrics
check "metrics: exit 0" [ "$rc" -eq 0 ]
printf '%s\n' "$out" > "$T/m.prom"
check "... promtool check metrics passes" promtool check metrics < "$T/m.prom"
check "... certdeck_endpoint_state 1 for the stale endpoint's state" \
	grep -q "^certdeck_endpoint_state{endpoint_id=\"$ES\",cert_id=\"$S2\",host=\"127.0.0.1\",port=\"$P_TLS\",sni=\"stale.test\",state=\"stale\"} 1$" "$T/m.prom"
check "... 0 for its other states" [ "$(grep -c "^certdeck_endpoint_state{endpoint_id=\"$ES\",.*} 0$" "$T/m.prom")" = 7 ]
check "... a state set for each of the 8 endpoints" [ "$(grep -c '^certdeck_endpoint_state{.*} 1$' "$T/m.prom")" = 8 ]
check "... the drift conditions counted" grep -q '^certdeck_alerts{condition="drift-unreachable"} 2$' "$T/m.prom"
check "... when each was checked" grep -Eq "^certdeck_endpoint_last_check_timestamp_seconds\{endpoint_id=\"$EA\",.*\} [0-9]+$" "$T/m.prom"

cd_run endpoint list --json
check "endpoint list shows the stored results" [ "$(jq -r --argjson id "$ES" '.[] | select(.id == $id) | .last_check.state' "$T/.out")" = stale ]
cd_run endpoint list
check "... and so does its text form" grep -q "stale.test .*stale" "$T/.out"
cd_run check --ca-bundle "$T/trust.pem" --timeout 2
check "check's text form exits 1 too" [ "$rc" -eq 1 ]
check "... a line per endpoint" [ "$(grep -c '^#' "$T/.out")" = 8 ]
check "... and the count of each state" grep -q '^8 endpoints: 1 ok, 1 expiring, 1 stale, 1 unknown, 1 untrusted-chain, 1 name-mismatch, 2 unreachable$' "$T/.out"
check "checking again the same day notifies nothing new" [ "$(ls "$T/calls" | wc -l)" = "$n_before" ]
CERTDECK_NOW=$(( $(date +%s) + 90000 )) cd_run check --ca-bundle "$T/trust.pem" --timeout 2
check "a day later: one reminder for the stale endpoint" [ "$(notices reminder drift-stale "$ES")" = 1 ]
cd_run check --ca-bundle "$T/trust.pem" --days 0 --json
check "--days 0: e.test is no longer expiring" [ "$(jq -r --argjson id "$EE" '.[] | select(.id == $id) | .last_check.state' "$T/.out")" = ok ]
cd_run check --timeout 0
check "a zero timeout is a usage error" [ "$rc" -eq 2 ]
cd_run check extra
check "an operand is a usage error" [ "$rc" -eq 2 ]

# A job queued for the worker: check delivers its notices, and runs nothing else.
"$CERTDECK" deploy add "$A" --fullchain "$T/queued/a.pem" > /dev/null 2>&1
mkdir -p "$T/queued"
cd_run deploy run "$A" --no-wait
QJ=$(jq -r '[.[] | select(.kind == "deploy" and .state == "queued")] | .[0].id' <("$CERTDECK" jobs --json))
check "a deploy job is queued" [ "$QJ" != null ]
# nginx reloaded: it now serves the renewed certificate.
check "nginx reloads" nginx_reload "$N" "$(servers)"
cd_run check --json --ca-bundle "$T/trust.pem" --timeout 2
cp "$T/.out" "$T/check.json"
check "check left the queued deploy job alone" [ "$(jq -r --argjson id "$QJ" '.[] | select(.id == $id) | .state' <("$CERTDECK" jobs --json))" = queued ]
check "... its file is not written" [ ! -e "$T/queued/a.pem" ]
"$CERTDECK" cancel "$QJ" > /dev/null 2>&1
check "after the reload stale.test is ok" [ "$(state "$ES")" = ok ]
check "... serving the new certificate" [ "$(field "$ES" served_cert_id)" = "$S2" ]
check "... and its clearing is notified" [ "$(notices clear drift-stale "$ES")" = 1 ]
check "... the others still last" [ "$(notices clear drift-unreachable)" = 0 ]
for id in "$EB" "$EE" "$EM" "$EU" "$EC" "$EH"; do "$CERTDECK" endpoint remove "$id" 2> /dev/null; done
cd_run check --ca-bundle "$T/trust.pem"
check "check exits 0 when every endpoint is ok" [ "$rc" -eq 0 ]
check "... saying so" grep -q '^2 endpoints: 2 ok$' "$T/.out"
check "removed endpoints' conditions clear too" [ "$(notices clear drift-unreachable)" = 2 ]
cd_run status --json
check "status counts no drift once all are ok" [ "$(jq '[.counts | to_entries[] | select(.key | startswith("drift-")) | .value] | add' "$T/.out")" = 0 ]

# The certificate an endpoint serves is revoked: the endpoint says so, critically.
cd_run revoke "$S2" --reason superseded
check "revoke the certificate stale.test serves now" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
cd_run check --ca-bundle "$T/trust.pem" --json
cp "$T/.out" "$T/check.json"
check "check: exit 1 once a served certificate is revoked" [ "$rc" -eq 1 ]
check "... stale.test's endpoint is revoked" [ "$(state "$ES")" = revoked ]
check "... naming the revoked certificate" \
	[ "$(field "$ES" message)" = "serves certificate #$S2, which is revoked" ]
cd_run status --json
check "... drift-revoked is critical in status" \
	[ "$(jq -r '.alerts[] | select(.kind == "drift-revoked") | .severity' "$T/.out")" = critical ]
check "... the revoked start was notified" [ "$(notices start drift-revoked "$ES")" = 1 ]
"$CERTDECK" endpoint remove "$ES" > /dev/null
cd_run check --ca-bundle "$T/trust.pem"
check "its endpoint removed: check exits 0 again" [ "$rc" -eq 0 ]
check "... and the revoked condition's clearing is notified" [ "$(notices clear drift-revoked "$ES")" = 1 ]

# ---- STARTTLS: postfix (SMTP) and dovecot (IMAP) on 127.0.0.1 --------------------
leaf mx.test mx 20
leaf imap.test imap 20
# postfix's own users must reach its directories under $T (as test_notify_mail.sh).
chmod 0711 "$T"
started() { ok "$1" "$2"; return "$1"; }	# started STATUS WHAT: a check whose result is used
pf=1
command -v postfix > /dev/null && postfix_start "$T/postfix" "$C/mx.chain" "$C/mx.key" && pf=0
if started "$pf" "postfix starts on 127.0.0.1 (Debian: postfix, in ./quickstart's DEPS)"; then
	cd_run probe "127.0.0.1:$PF_TLS_PORT" --starttls smtp --sni mx.test --ca-bundle "$C/ca.crt" --json
	check "probe --starttls smtp: exit 0" [ "$rc" -eq 0 ]
	[ "$rc" -eq 0 ] || diag "$errout"
	check "... postfix's certificate, after EHLO and STARTTLS" [ "$(jq -r .fingerprint "$T/.out")" = "$(fp "$C/mx.crt")" ]
	check "... verified, valid for mx.test" [ "$(jq -r '[.chain_verified, .name_matches] | @tsv' "$T/.out")" = "$(printf 'true\ttrue')" ]
	check "... with its STARTTLS protocol in the JSON" [ "$(jq -r .starttls "$T/.out")" = smtp ]
	cd_run probe "127.0.0.1:$PF_PLAIN_PORT" --starttls smtp --timeout 5
	check "an SMTP port without STARTTLS: exit 1" [ "$rc" -eq 1 ]
	check "... saying the server refused STARTTLS" grep -q 'refused STARTTLS' "$T/.err"
	cd_run probe "127.0.0.1:$PF_TLS_PORT" --timeout 5
	check "TLS from the first byte at an SMTP port fails (exit 1)" [ "$rc" -eq 1 ]
fi
dc=1
command -v dovecot > /dev/null && dovecot_start "$T/dovecot" "$C/imap.chain" "$C/imap.key" && dc=0
if started "$dc" "dovecot starts on 127.0.0.1 (Debian: dovecot-imapd and dovecot-pop3d, in ./quickstart's DEPS)"; then
	cd_run probe "127.0.0.1:$DC_IMAP_PORT" --starttls imap --sni imap.test --ca-bundle "$C/ca.crt" --json
	check "probe --starttls imap: exit 0" [ "$rc" -eq 0 ]
	[ "$rc" -eq 0 ] || diag "$errout"
	check "... dovecot's certificate, after the IMAP STARTTLS" [ "$(jq -r .fingerprint "$T/.out")" = "$(fp "$C/imap.crt")" ]
	check "... verified, valid for imap.test" [ "$(jq -r '[.chain_verified, .name_matches] | @tsv' "$T/.out")" = "$(printf 'true\ttrue')" ]
	cd_run probe "127.0.0.1:$DC_IMAP_PORT" --starttls smtp --timeout 5
	check "SMTP's dialogue at an IMAP server fails (exit 1)" [ "$rc" -eq 1 ]
	check "... saying it is not an SMTP reply" grep -q 'not an SMTP reply' "$T/.err"
	cd_run probe "127.0.0.1:$DC_POP3_PORT" --starttls pop3 --sni imap.test --ca-bundle "$C/ca.crt" --json
	check "probe --starttls pop3 (STLS): exit 0" [ "$rc" -eq 0 ]
	[ "$rc" -eq 0 ] || diag "$errout"
	check "... dovecot's certificate" [ "$(jq -r .fingerprint "$T/.out")" = "$(fp "$C/imap.crt")" ]
	cd_run probe "127.0.0.1:$DC_POP3_PORT" --starttls imap --timeout 5
	check "IMAP's dialogue at a POP3 server fails (exit 1)" [ "$rc" -eq 1 ]
	check "... saying the server refused STARTTLS" grep -q 'IMAP server refused STARTTLS' "$T/.err"
fi
if [ "$pf" -eq 0 ] && [ "$dc" -eq 0 ]; then
	cd_run import "$C/mx.pem" "$C/imap.pem"
	EMX=$("$CERTDECK" endpoint add "$(id_of mx.test)" "127.0.0.1:$PF_TLS_PORT" --sni mx.test --starttls smtp 2> /dev/null)
	EIM=$("$CERTDECK" endpoint add "$(id_of imap.test)" "127.0.0.1:$DC_IMAP_PORT" --sni imap.test --starttls imap 2> /dev/null)
	cd_run check --ca-bundle "$T/trust.pem" --json
	check "check with the SMTP and IMAP endpoints: exit 0" [ "$rc" -eq 0 ]
	check "... the SMTP one is ok" [ "$(jq -r --argjson id "$EMX" '.[] | select(.id == $id) | .last_check.state' "$T/.out")" = ok ]
	check "... the IMAP one is ok" [ "$(jq -r --argjson id "$EIM" '.[] | select(.id == $id) | .last_check.state' "$T/.out")" = ok ]
	check "... probed through STARTTLS" [ "$(jq -r --argjson id "$EIM" '.[] | select(.id == $id) | .starttls' "$T/.out")" = imap ]
fi

done_testing
