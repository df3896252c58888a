#!/usr/bin/env bash
# certdeck revocation: what a CA publishes about its certificates. A CA made
# with `openssl ca` revokes some of them; its CRL is served by nginx and a
# real OCSP responder (`openssl ocsp`) answers for others. Both run inside a
# private network namespace with only loopback (`openssl ocsp` can only
# listen on every interface), so nothing leaves the machine.
if [ -z "${CERTDECK_REVOCATION_NETNS:-}" ]; then
	if ! unshare --net true 2> /dev/null; then
		echo "1..0 # SKIP no network namespaces here (needs root)"
		exit 77
	fi
	exec unshare --net env CERTDECK_REVOCATION_NETNS=1 bash -c \
		'ip link set lo up && exec bash "$0"' "$0"
fi
. "$top_srcdir/tests/lib.sh"
set -e

command -v nginx > /dev/null || { echo "Bail out! nginx is not installed"; exit 1; }
{ read -r NGX; read -r OCSP; read -r EVIL_OCSP; read -r DEAD; } \
	< <("$top_builddir/tests/pebble/freeport" 4)
C=$T/ca
mkdir -p "$C/newcerts" "$C/www" "$T/nginx"
export CERTDECK_STORE=$T/store/store.db

# --- the CA: openssl ca with a CRL and an OCSP responder ---------------------
mkca() {	# mkca DIR SUBJECT: a CA database in DIR
	local d=$1
	mkdir -p "$d/newcerts"
	: > "$d/index.txt"
	echo 1000 > "$d/serial"
	echo 1000 > "$d/crlnumber"
	cat > "$d/ca.cnf" <<EOF
[ca]
default_ca = this
[this]
dir = $d
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
crlnumber = \$dir/crlnumber
certificate = \$dir/ca.crt
private_key = \$dir/ca.key
default_md = sha256
default_days = 30
default_crl_days = 7
policy = anything
copy_extensions = copy
unique_subject = no
[anything]
commonName = supplied
[crl]
subjectAltName = \${ENV::SAN}
crlDistributionPoints = URI:http://127.0.0.1:$NGX/ca.crl
[evilcrl]
subjectAltName = \${ENV::SAN}
crlDistributionPoints = URI:http://127.0.0.1:$NGX/evil.crl
[deadcrl]
subjectAltName = \${ENV::SAN}
crlDistributionPoints = URI:http://127.0.0.1:$DEAD/ca.crl
[ocsp]
subjectAltName = \${ENV::SAN}
authorityInfoAccess = OCSP;URI:http://127.0.0.1:$OCSP
[evilocsp]
subjectAltName = \${ENV::SAN}
authorityInfoAccess = OCSP;URI:http://127.0.0.1:$EVIL_OCSP
[none]
subjectAltName = \${ENV::SAN}
EOF
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/ca.key" -out "$d/ca.crt" -subj "/CN=$2" -days 60 2> /dev/null
}
# The extension sections read $SAN; every openssl ca command loads them.
export SAN=DNS:unused.test
mkca "$C" "Revocation Test CA"
# Another CA with the same name: its CRL must not be believed.
mkca "$T/evil" "Revocation Test CA"

# issue NAME EXT: a certificate for NAME with the extensions of section EXT,
# leaf then CA in $C/NAME.pem (what certdeck imports), key in $C/NAME.key.
issue() {
	SAN=DNS:$1 openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$C/$1.key" -out "$C/$1.csr" -subj "/CN=$1" 2> /dev/null
	SAN=DNS:$1 openssl ca -batch -config "$C/ca.cnf" -extensions "$2" \
		-in "$C/$1.csr" -out "$C/$1.crt" -notext 2> /dev/null
	cat "$C/$1.crt" "$C/ca.crt" > "$C/$1.pem"
}
issue crl-good.test crl
issue crl-revoked.test crl
issue crl-hold.test crl
issue ocsp-good.test ocsp
issue ocsp-revoked.test ocsp
issue evil-crl.test evilcrl
issue evil-ocsp.test evilocsp
issue dead-crl.test deadcrl
issue nothing.test none
issue lone.test crl
openssl ca -config "$C/ca.cnf" -revoke "$C/crl-revoked.test.crt" -crl_reason keyCompromise 2> /dev/null
openssl ca -config "$C/ca.cnf" -revoke "$C/ocsp-revoked.test.crt" -crl_reason superseded 2> /dev/null
openssl ca -config "$C/ca.cnf" -revoke "$C/crl-hold.test.crt" -crl_reason certificateHold 2> /dev/null
openssl ca -config "$C/ca.cnf" -gencrl -out "$C/ca.crl.pem" 2> /dev/null
openssl crl -in "$C/ca.crl.pem" -outform DER -out "$C/www/ca.crl"
openssl ca -config "$T/evil/ca.cnf" -gencrl -out "$T/evil/ca.crl.pem" 2> /dev/null
openssl crl -in "$T/evil/ca.crl.pem" -outform DER -out "$C/www/evil.crl"

# --- nginx serving the CRLs, two OCSP responders -----------------------------
cat > "$T/nginx/nginx.conf" <<EOF
daemon off;
master_process off;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log;
events { worker_connections 64; }
http {
	access_log $T/nginx/access.log;
	client_body_temp_path $T/nginx/body;
	proxy_temp_path $T/nginx/proxy;
	fastcgi_temp_path $T/nginx/fastcgi;
	uwsgi_temp_path $T/nginx/uwsgi;
	scgi_temp_path $T/nginx/scgi;
	server {
		listen 127.0.0.1:$NGX;
		root $C/www;
	}
}
EOF
nginx -p "$T/nginx" -c "$T/nginx/nginx.conf" &
ngx_pid=$!
at_exit "kill $ngx_pid 2>/dev/null; wait $ngx_pid 2>/dev/null"
openssl ocsp -index "$C/index.txt" -port "$OCSP" -rsigner "$C/ca.crt" -rkey "$C/ca.key" \
	-CA "$C/ca.crt" -ndays 1 -ignore_err > "$T/ocsp.log" 2>&1 &
ocsp_pid=$!
at_exit "kill $ocsp_pid 2>/dev/null; wait $ocsp_pid 2>/dev/null"
# A responder that signs with a key the CA never authorised.
openssl ocsp -index "$C/index.txt" -port "$EVIL_OCSP" -rsigner "$T/evil/ca.crt" \
	-rkey "$T/evil/ca.key" -CA "$C/ca.crt" -ndays 1 -ignore_err > "$T/evil-ocsp.log" 2>&1 &
evil_pid=$!
at_exit "kill $evil_pid 2>/dev/null; wait $evil_pid 2>/dev/null"
up() { curl -s -o /dev/null "http://127.0.0.1:$1/" || [ $? -ne 7 ]; }
for _ in $(seq 100); do
	up "$NGX" && up "$OCSP" && up "$EVIL_OCSP" && break
	sleep 0.1
done
check "nginx serves the CRL" curl -sf -o /dev/null "http://127.0.0.1:$NGX/ca.crl"

# --- the store ---------------------------------------------------------------
"$CERTDECK" init > /dev/null
for n in crl-good crl-revoked crl-hold ocsp-good ocsp-revoked evil-crl evil-ocsp dead-crl \
    nothing; do
	"$CERTDECK" import "$C/$n.test.pem" > /dev/null
done
# A certificate stored without its issuer: nothing can be checked.
"$CERTDECK" import "$C/lone.test.crt" > /dev/null
id_of() { "$CERTDECK" list --json | jq -r --arg n "$1" '.[] | select(.name == $n) | .id' | head -n 1; }
rev() {	# rev NAME FIELD: the revocation field of NAME in show --json
	"$CERTDECK" show "$(id_of "$1")" --json | jq -r ".revocation.$2"
}
crl_fetches() { grep -c 'GET /ca.crl ' "$T/nginx/access.log" || true; }

cd_run show "$(id_of crl-good.test)" --json
check "before any check: revocation is null" [ "$(jq -r .revocation <<< "$out")" = null ]
fetched_before=$(crl_fetches)

cd_run revocation
check "revocation: exit 1 when a certificate is revoked" [ "$rc" -eq 1 ]
[ "$rc" -eq 1 ] || diag "$out" "$errout"
check "... a summary line" grep -Eq '^[0-9]+ good, 3 revoked, [0-9]+ unknown$' <(tail -n 1 <<< "$out")
check "... the revoked one is named with its reason" \
	grep -q "crl-revoked.test: REVOKED (keyCompromise)" <<< "$out"

check "CRL, not listed: good" [ "$(rev crl-good.test state)" = good ]
check "... through the CRL" [ "$(rev crl-good.test method)" = crl ]
check "... whose URL is recorded" [ "$(rev crl-good.test url)" = "http://127.0.0.1:$NGX/ca.crl" ]
check "... next check no later than a day from now" \
	[ "$(( $(date -d "$(rev crl-good.test next_check)" +%s) - $(date +%s) ))" -le 86400 ]
check "CRL, listed: revoked" [ "$(rev crl-revoked.test state)" = revoked ]
check "... reason keyCompromise" [ "$(rev crl-revoked.test reason)" = keyCompromise ]
crl_time=$(openssl crl -in "$C/ca.crl.pem" -noout -text | sed -n '/Serial Number: 1001/,/Revocation Date/s/.*Revocation Date: //p')
check "... revoked_at is the CRL's revocation date" \
	[ "$(date -d "$(rev crl-revoked.test revoked_at)" +%s)" = "$(date -d "$crl_time" +%s)" ]
check "CRL, on hold: revoked (certificateHold)" [ "$(rev crl-hold.test reason)" = certificateHold ]
check "OCSP good: good" [ "$(rev ocsp-good.test state)" = good ]
[ "$(rev ocsp-good.test state)" = good ] || diag "$(rev ocsp-good.test detail)" "$(cat "$T/ocsp.log")"
check "... through OCSP" [ "$(rev ocsp-good.test method)" = ocsp ]
check "OCSP revoked: revoked" [ "$(rev ocsp-revoked.test state)" = revoked ]
check "... reason superseded" [ "$(rev ocsp-revoked.test reason)" = superseded ]
check "a CRL signed by another CA of the same name: unknown" [ "$(rev evil-crl.test state)" = unknown ]
check "... saying it is not signed by the issuer" \
	grep -q "not signed by the certificate's issuer" <<< "$(rev evil-crl.test detail)"
check "an OCSP answer signed by an unauthorised key: unknown" \
	[ "$(rev evil-ocsp.test state)" = unknown ]
check "... saying so" grep -q "not signed by the certificate's issuer or a responder" \
	<<< "$(rev evil-ocsp.test detail)"
check "a CRL server that is down: unknown" [ "$(rev dead-crl.test state)" = unknown ]
check "... naming the URL" grep -q "cannot fetch the CRL at http://127.0.0.1:$DEAD/ca.crl" \
	<<< "$(rev dead-crl.test detail)"
check "neither CRL nor OCSP named: unknown" [ "$(rev nothing.test state)" = unknown ]
check "... saying so" grep -q "names no CRL distribution point and no OCSP responder" \
	<<< "$(rev nothing.test detail)"
check "stored without its issuer: unknown" [ "$(rev lone.test state)" = unknown ]
check "... saying why" grep -q "issuer's certificate is not in the stored chain" \
	<<< "$(rev lone.test detail)"
check "the CA's CRL was fetched once for its three certificates" \
	[ "$(( $(crl_fetches) - fetched_before ))" -eq 1 ]

cd_run list --json
check "list --json carries each certificate's revocation" \
	[ "$(jq '[.[] | select(.revocation.state == "revoked")] | length' <<< "$out")" -eq 3 ]
cd_run show "$(id_of crl-revoked.test)"
check "show: the revocation in words" grep -q 'REVOKED by its CA' <<< "$out"
check "... with the reason" grep -q 'keyCompromise' <<< "$out"

# Nothing is due again yet: no fetch, no output rows.
cd_run revocation
check "a second run right after: nothing due, exit 0" [ "$rc" -eq 0 ]
check "... nothing checked" [ "$(tail -n 1 <<< "$out")" = "0 good, 0 revoked, 0 unknown" ]
cd_run revocation --force
check "--force checks them all again" grep -q '3 revoked' <<< "$out"
check "... from the cached CRL (nextUpdate is a week away): no new fetch" \
	[ "$(( $(crl_fetches) - fetched_before ))" -eq 1 ]
cd_run revocation "$(id_of ocsp-good.test)"
check "one ID: checks that one" [ "$(tail -n 1 <<< "$out")" = "1 good, 0 revoked, 0 unknown" ]
check "... exit 0" [ "$rc" -eq 0 ]
cd_run revocation 99999
check "an unknown ID: an error" [ "$rc" -ne 0 ]
check "... saying so" grep -q 'no certificate #99999' <<< "$errout"
cd_run revocation --force 3
check "--force with IDs: usage error" [ "$rc" -eq 2 ]

# Alerts: a certificate its CA revoked is critical.
cd_run status
check "status: critical" [ "$rc" -eq 2 ]
check "... naming the certificate its CA revoked" grep -q 'crl-revoked.test (#[0-9]*) is revoked' <<< "$out"

# Eight days later the cached CRL is past its nextUpdate: fetched again, and
# the CA has not published a new one, so the answer is unknown, not good.
later=$(( $(date +%s) + 8 * 86400 ))
CERTDECK_NOW=$later cd_run revocation --force
check "past the CRL's nextUpdate: fetched again" [ "$(( $(crl_fetches) - fetched_before ))" -ge 2 ]
check "... an out-of-date CRL: unknown" [ "$(rev crl-good.test state)" = unknown ]
check "... saying it is out of date" grep -q 'out of date' <<< "$(rev crl-good.test detail)"
# The CA publishes a fresh CRL: good again.
openssl ca -config "$C/ca.cnf" -gencrl -crldays 30 -out "$C/ca.crl.pem" 2> /dev/null
openssl crl -in "$C/ca.crl.pem" -outform DER -out "$C/www/ca.crl"
cd_run revocation --force
check "a fresh CRL: good again" [ "$(rev crl-good.test state)" = good ]
check "the store's integrity" [ "$(sqlite3 "$CERTDECK_STORE" 'PRAGMA integrity_check')" = ok ]
done_testing
