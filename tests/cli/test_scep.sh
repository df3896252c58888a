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
	scepserver -depot "$depot" -port "$port" -challenge s3cret-challenge -allowrenew 0 -debug \
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

"$CERTDECK" init > /dev/null
# key_of ID: the private key certdeck holds for certificate ID.
key_of() {
	sqlite3 "$CERTDECK_STORE" "SELECT k.pem FROM keys k JOIN certificates c ON c.key_id = k.id
		WHERE c.id = $1"
}
pubkey_of_key() { openssl pkey -pubout 2> /dev/null; }
pubkey_of_cert() { openssl x509 -noout -pubkey 2> /dev/null; }

# First contact: no --ca-fingerprint shows it and refuses, queueing nothing.
cd_run enroll --scep "$URL" -d dev1.example.test --challenge-file "$T/challenge"
check "first contact without --ca-fingerprint: exit 1" [ "$rc" -eq 1 ]
check "... shows the CA's fingerprint" grep -q "$ca_fp" "$T/.err"
check "... and queues no job" [ "$(sqlite3 "$CERTDECK_STORE" "SELECT count(*) FROM jobs")" -eq 0 ]
cd_run enroll --scep "$URL" -d dev1.example.test --key-type ec256 --ca-fingerprint "$ca_fp"
check "an EC key: usage error (SCEP encrypts the answer to the key)" [ "$rc" -eq 2 ]

# The right challenge: a certificate for the names asked, from the depot's CA.
fp_colons=$(openssl x509 -in "$depot/ca.pem" -noout -fingerprint -sha256 | sed 's/.*=//')
cd_run enroll --scep "$URL" -d dev1.example.test -d 10.0.0.7 --subject "/CN=dev1.example.test/O=certdeck test" \
	--challenge-file "$T/challenge" --ca-fingerprint "$fp_colons"
check "enrol with the right challenge: exit 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
id1=$out
check "... prints the certificate's ID" [ "$id1" -gt 0 ] 2> /dev/null
"$CERTDECK" show "$id1" --pem > "$T/c1.pem"
check "... verifies against the depot's CA" openssl verify -CAfile "$depot/ca.pem" "$T/c1.pem"
check "... its key is the one certdeck holds" \
	[ "$(key_of "$id1" | pubkey_of_key)" = "$(pubkey_of_cert < "$T/c1.pem")" ]
openssl x509 -in "$T/c1.pem" -noout -ext subjectAltName > "$T/c1.san"
check "... names as asked (DNS)" grep -q "DNS:dev1.example.test" "$T/c1.san"
check "... names as asked (IP)" grep -q "IP Address:10.0.0.7" "$T/c1.san"
check "... the subject as asked" \
	openssl x509 -in "$T/c1.pem" -noout -subject -nameopt RFC2253 -checkhost dev1.example.test
check "... subject O as asked" bash -c "openssl x509 -in '$T/c1.pem' -noout -subject | grep -q 'O = certdeck test'"
check "... a clientAuth certificate is a valid result" \
	bash -c "openssl x509 -in '$T/c1.pem' -noout -ext extendedKeyUsage | grep -q 'Client Authentication'"
cd_run show "$id1" --json
check "... stored with source scep" [ "$(jq -r .source "$T/.out")" = scep ]
check "... and its chain (leaf and CA)" [ "$(grep -c 'BEGIN CERTIFICATE' "$T/c1.pem")" -eq 2 ]
cd_run events --job "$(sqlite3 "$CERTDECK_STORE" "SELECT max(id) FROM jobs")"
check "... AES-128-CBC with SHA-256 was chosen" grep -q "AES-128-CBC, SHA256" "$T/.out"
check "... the single-DES answer is warned about" grep -q "single DES" "$T/.out"
check "... the challenge is nowhere in the store" \
	bash -c "! sqlite3 '$CERTDECK_STORE' .dump | grep -q s3cret-challenge"

# Managed like an ACME certificate: its renewal is scheduled, so expiring
# within the warning window is no problem yet (an imported one would be),
# and a store with one wants 'certdeck renew' to run (the dead man's switch).
cd_run status --warning 400 --critical 1
check "status: a SCEP certificate whose renewal is scheduled is not expiring" \
	grep -q " expiring=0;" "$T/.out"
check "status: certdeck renews it, so renew must have run" grep -q "renew' has never completed" "$T/.out"

# A wrong challenge: the CA's FAILURE, badRequest in words.
printf 'not-the-challenge\n' > "$T/wrong"
cd_run enroll --scep "$URL" -d dev2.example.test --challenge-file "$T/wrong" --ca-fingerprint "$ca_fp"
check "a wrong challenge: exit 1" [ "$rc" -eq 1 ]
check "... FAILURE badRequest in words" grep -q "the CA answered FAILURE: badRequest: the CA refused the request" "$T/.err"
check "... nothing stored for the name" \
	[ "$(sqlite3 "$CERTDECK_STORE" "SELECT count(*) FROM cert_names WHERE name = 'dev2.example.test'")" -eq 0 ]

# A CA fingerprint that does not match: refused before any request.
wrong_fp=$(printf '%064d' 0)
cd_run enroll --scep "$URL" -d dev3.example.test --challenge-file "$T/challenge" --ca-fingerprint "$wrong_fp"
check "a fingerprint mismatch: exit 1" [ "$rc" -eq 1 ]
check "... says whose fingerprint it is" grep -q "fingerprint $ca_fp, not the expected $wrong_fp" "$T/.err"
check "... no certificate for the name" \
	[ "$(sqlite3 "$CERTDECK_STORE" "SELECT count(*) FROM cert_names WHERE name = 'dev3.example.test'")" -eq 0 ]
cd_run enroll --scep "$URL" -d dev3.example.test --ca-fingerprint "abc"
check "a malformed fingerprint: usage error" [ "$rc" -eq 2 ]

# A server that is down: the job stays queued with the connection error.
scep_stop
cd_run enroll --scep "$URL" -d dev4.example.test --challenge-file "$T/challenge" \
	--ca-fingerprint "$ca_fp" --no-wait
check "server down: --no-wait queues the job" [ "$rc" -eq 0 ]
job=$out
cd_run worker --once
check "server down: the worker defers it (exit 75)" [ "$rc" -eq 75 ]
check "... the job stays queued" [ "$(sqlite3 "$CERTDECK_STORE" "SELECT state FROM jobs WHERE id = $job")" = queued ]
check "... with the connection error" bash -c "sqlite3 '$CERTDECK_STORE' \"SELECT last_error FROM jobs WHERE id = $job\" | grep -q GetCACaps"
check "scepserver starts again" scep_start
# The retry is due later: the store's clock (CERTDECK_NOW) is moved past it.
CERTDECK_NOW=$(($(date +%s) + 3600)) cd_run worker --once
check "... and the queued enrolment then succeeds" [ "$(sqlite3 "$CERTDECK_STORE" "SELECT state FROM jobs WHERE id = $job")" = done ]

# kill -9 after the key is recorded, and after the CA answered but before
# the certificate is stored: the next worker (once the lease ran out: the
# store's clock is moved on) resumes with the same key and the same
# transactionID, and exactly one certificate is stored.
n=0
for point in scep-key scep-reply; do
	n=$((n + 1))
	name=crash$n.example.test
	job=$("$CERTDECK" enroll --scep "$URL" -d "$name" --challenge-file "$T/challenge" \
		--ca-fingerprint "$ca_fp" --no-wait)
	set +e
	CERTDECK_TEST_CRASH_AT=$point "$CERTDECK" worker --once > /dev/null 2>&1
	krc=$?
	set -e
	check "$point: the worker was killed (SIGKILL)" [ "$krc" -eq 137 ]
	key=$(sqlite3 "$CERTDECK_STORE" "SELECT json_extract(params, '$.key_id') FROM jobs WHERE id = $job")
	check "$point: the key was recorded first" [ -n "$key" ]
	CERTDECK_NOW=$(($(date +%s) + 600)) cd_run worker --once
	check "$point: a new worker finishes the job" \
		[ "$(sqlite3 "$CERTDECK_STORE" "SELECT state FROM jobs WHERE id = $job")" = done ]
	check "$point: exactly one certificate for the name" \
		[ "$(sqlite3 "$CERTDECK_STORE" "SELECT count(*) FROM cert_names WHERE name = '$name'")" -eq 1 ]
	check "$point: with the recorded key" [ "$(sqlite3 "$CERTDECK_STORE" "SELECT key_id FROM certificates
		WHERE id = (SELECT result_id FROM jobs WHERE id = $job)")" = "$key" ]
done
check "scep-reply: the request was sent again with the same transactionID" [ "$(grep 'msg="parsed scep pkiMessage"' "$T/scepserver.log" |
	tail -n 2 | sed 's/.*transaction_id=//' | sort -u | wc -l)" -eq 1 ]

# Renewal: a RenewalReq signed with the current certificate (the CA offers
# Renewal), with the challenge (this CA wants it on renewals too).
cd_run renew
check "renew: a fresh SCEP certificate is not due" grep -q "Nothing is due" "$T/.err"
cd_run renew --force "$id1"
check "renew --force: exit 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
id2=$(sqlite3 "$CERTDECK_STORE" "SELECT replaced_by FROM certificates WHERE id = $id1")
check "... the old certificate is replaced by a new one" [ "${id2:-0}" -gt "$id1" ]
check "... sent as a RenewalReq" grep -q 'scep_message_type="RenewalReq (17)"' "$T/scepserver.log"
"$CERTDECK" show "$id2" --pem > "$T/c2.pem"
check "... the new one verifies against the depot's CA" openssl verify -CAfile "$depot/ca.pem" "$T/c2.pem"
check "... for the same names" bash -c "openssl x509 -in '$T/c2.pem' -noout -ext subjectAltName |
	grep -q 'DNS:dev1.example.test, IP Address:10.0.0.7'"
check "... with a new key" [ "$(key_of "$id2" | pubkey_of_key)" != "$(key_of "$id1" | pubkey_of_key)" ]
check "... which it holds" [ "$(key_of "$id2" | pubkey_of_key)" = "$(pubkey_of_cert < "$T/c2.pem")" ]
check "... stored with source scep" [ "$("$CERTDECK" show "$id2" --json | jq -r .source)" = scep ]
cd_run renew --force "$id2" --reuse-key
id3=$(sqlite3 "$CERTDECK_STORE" "SELECT replaced_by FROM certificates WHERE id = $id2")
check "renew --reuse-key: exit 0" [ "$rc" -eq 0 ]
check "... replaced by a new one" [ "${id3:-0}" -gt "$id2" ]
check "... with the same key" [ "$(key_of "$id3" | pubkey_of_key)" = "$(key_of "$id2" | pubkey_of_key)" ]
# Due by the lifetime rule: a year from now (the store's clock) it is.
CERTDECK_NOW=$(($(date +%s) + 300 * 86400)) cd_run renew
id4=$(sqlite3 "$CERTDECK_STORE" "SELECT replaced_by FROM certificates WHERE id = $id3")
check "renew when due (no --force): exit 0" [ "$rc" -eq 0 ]
check "... replaced by a new one" [ "${id4:-0}" -gt "$id3" ]
# The challenge is read again on renewal: a wrong one now fails it.
printf 'changed\n' > "$T/challenge"
cd_run renew --force "$id4"
check "renewal with a wrong challenge: exit 1" [ "$rc" -eq 1 ]
check "... badRequest in words" grep -q "badRequest: " "$T/.err"
check "... the certificate stays current" \
	[ "$(sqlite3 "$CERTDECK_STORE" "SELECT status FROM certificates WHERE id = $id4")" = valid ]

# SCEP has no revocation operation, and a new key comes by renewal.
cd_run revoke "$id4"
check "revoke a SCEP certificate: exit 1" [ "$rc" -eq 1 ]
check "... says SCEP has no revocation operation" grep -q "SCEP has no revocation operation" "$T/.err"
check "... still valid" [ "$(sqlite3 "$CERTDECK_STORE" "SELECT status FROM certificates WHERE id = $id4")" = valid ]
cd_run rotate-key "$id4"
check "rotate-key a SCEP certificate: refused, pointing at renew" grep -q "certdeck renew --force" "$T/.err"

# PENDING: tests/scep_pending holds requests for an operator and serves an RA
# certificate with the CA (a degenerate PKCS#7), which scepserver does not.
"$top_builddir/tests/scep_pending" "$T/pend.port" 2> "$T/pend.err" &
pend_pid=$!
at_exit "kill $pend_pid 2> /dev/null; wait $pend_pid 2> /dev/null"
i=0
until [ -s "$T/pend.port" ] || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
PURL="http://127.0.0.1:$(cat "$T/pend.port")/scep"
pend_fp=$(openssl x509 -in "$T/pend.port.ca" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g')
cd_run enroll --scep "$PURL" --info --json
check "RA + CA: --info shows the RA" [ "$(jq -r '.certificates[0].role' "$T/.out")" = ra ]
check "... and the CA, whose fingerprint is the one to trust" \
	[ "$(jq -r .ca_fingerprint_sha256 "$T/.out")" = "$(echo "$pend_fp" | tr 'A-F' 'a-f')" ]
cd_run enroll --scep "$PURL" -d held.example.test --ca-fingerprint "$pend_fp"
check "PENDING: exit 75 (try again later)" [ "$rc" -eq 75 ]
check "... says the CA holds the request" grep -q "PENDING" "$T/.err"
pjob=$(sqlite3 "$CERTDECK_STORE" "SELECT max(id) FROM jobs WHERE kind = 'scep-enroll'")
check "... the request went to the RA (PKCSReq held)" grep -q "^PKCSReq .* PENDING$" "$T/pend.port.log"
check "... the job stays queued" [ "$(sqlite3 "$CERTDECK_STORE" "SELECT state FROM jobs WHERE id = $pjob")" = queued ]
CERTDECK_NOW=$(($(date +%s) + 3600)) cd_run worker --once
check "still held: the retry polls with CertPoll" grep -q "^CertPoll .* PENDING$" "$T/pend.port.log"
check "... and the job stays queued" [ "$(sqlite3 "$CERTDECK_STORE" "SELECT state FROM jobs WHERE id = $pjob")" = queued ]
curl -sf "${PURL%/scep}/approve" > /dev/null
CERTDECK_NOW=$(($(date +%s) + 7200)) cd_run worker --once
check "approved: the next CertPoll gets the certificate" grep -q "^CertPoll .* SUCCESS$" "$T/pend.port.log"
check "... the job is done" [ "$(sqlite3 "$CERTDECK_STORE" "SELECT state FROM jobs WHERE id = $pjob")" = done ]
check "... the request was sent once (no second PKCSReq)" [ "$(grep -c '^PKCSReq' "$T/pend.port.log")" -eq 1 ]
pid5=$(sqlite3 "$CERTDECK_STORE" "SELECT result_id FROM jobs WHERE id = $pjob")
"$CERTDECK" show "$pid5" --pem > "$T/c5.pem"
check "... it verifies against that CA" openssl verify -CAfile "$T/pend.port.ca" "$T/c5.pem"
check "... its key is the one certdeck holds" \
	[ "$(key_of "$pid5" | pubkey_of_key)" = "$(pubkey_of_cert < "$T/c5.pem")" ]
check "... the chain is leaf and CA, not the RA" bash -c "[ \$(grep -c 'BEGIN CERTIFICATE' '$T/c5.pem') -eq 2 ] &&
	! openssl crl2pkcs7 -nocrl -certfile '$T/c5.pem' | openssl pkcs7 -print_certs -noout | grep -q 'RA'"
# Renewal at a CA that does not offer Renewal: a fresh PKCSReq (held, then
# polled: this CA has approved everything by now).
CERTDECK_NOW=$(($(date +%s) + 9000)) cd_run renew --force "$pid5"
check "renew without the Renewal capability: a PKCSReq, not a RenewalReq" \
	[ "$(grep -c '^PKCSReq' "$T/pend.port.log")" -eq 2 ]
check "... none of them a RenewalReq" bash -c "! grep -q '^RenewalReq' '$T/pend.port.log'"
check "... held: exit 75" [ "$rc" -eq 75 ]
CERTDECK_NOW=$(($(date +%s) + 9600)) cd_run worker --once
pid6=$(sqlite3 "$CERTDECK_STORE" "SELECT replaced_by FROM certificates WHERE id = $pid5")
check "... the poll renews it" [ "${pid6:-0}" -gt "$pid5" ]
"$CERTDECK" show "${pid6:-0}" --pem > "$T/c6.pem" 2> /dev/null || :
check "... the new one verifies against that CA" openssl verify -CAfile "$T/pend.port.ca" "$T/c6.pem"

# Rejected while held: the poll's FAILURE ends the job.
cd_run enroll --scep "$PURL" -d refused.example.test --ca-fingerprint "$pend_fp" --no-wait
rjob=$out
CERTDECK_NOW=$(($(date +%s) + 10800)) cd_run worker --once
curl -sf "${PURL%/scep}/reject" > /dev/null
CERTDECK_NOW=$(($(date +%s) + 14400)) cd_run worker --once
check "rejected while held: the job failed" [ "$(sqlite3 "$CERTDECK_STORE" "SELECT state FROM jobs WHERE id = $rjob")" = failed ]
check "... badRequest in words" bash -c "sqlite3 '$CERTDECK_STORE' \"SELECT last_error FROM jobs WHERE id = $rjob\" | grep -q 'badRequest: '"

# A CA from before AES (GetCACaps: DES3 and SHA-1 only, no POSTPKIOperation):
# DES3 and SHA-1 with a warning, the request by GET.
"$top_builddir/tests/scep_pending" "$T/old.port" legacy 2> "$T/old.err" &
old_pid=$!
at_exit "kill $old_pid 2> /dev/null; wait $old_pid 2> /dev/null"
i=0
until [ -s "$T/old.port" ] || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
OURL="http://127.0.0.1:$(cat "$T/old.port")/scep"
old_fp=$(openssl x509 -in "$T/old.port.ca" -noout -fingerprint -sha256 | sed 's/.*=//')
cd_run enroll --scep "$OURL" -d old.example.test --ca-fingerprint "$old_fp"
check "DES3/SHA-1 CA: enrolled" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
check "... with DES3 and SHA-1 by GET" grep -q "sending PKCSReq (DES-EDE3-CBC, SHA1) by GET" "$T/.err"
check "... and a warning that nothing stronger was offered" \
	grep -q "warning: the CA offers nothing stronger than DES-EDE3-CBC with SHA1" "$T/.err"
check "... the CA answered at once" grep -q "^PKCSReq .* SUCCESS$" "$T/old.port.log"
"$CERTDECK" show "$out" --pem > "$T/c7.pem" 2> /dev/null || :
check "... the certificate verifies against that CA" openssl verify -CAfile "$T/old.port.ca" "$T/c7.pem"

done_testing
