#!/usr/bin/env bash
# certdeck enroll --est against tests/est_server.py, a minimal RFC 7030
# server (Debian packages none): Python's http.server over TLS on
# 127.0.0.1, the openssl command doing the CA work.
. "$top_srcdir/tests/lib.sh"
set -e

if ! command -v python3 > /dev/null; then
	echo "1..0 # SKIP python3 is not installed"
	exit 0
fi
export CERTDECK_STORE="$T/data/store.db"
port=$("$top_builddir/tests/pebble/freeport")
URL="https://127.0.0.1:$port"
CA=$T/ca
printf 'est-pass\n' > "$T/server-pw"
printf 'est-pass\n' > "$T/pw"
printf 'wrong-pass\n' > "$T/wrong-pw"
chmod 600 "$T/server-pw" "$T/pw" "$T/wrong-pw"

est_pid=
# est_start [ARGS...]: the server, with basic auth for alice, and ARGS.
est_start() {
	python3 "$top_srcdir/tests/est_server.py" --dir "$CA" --port "$port" --user alice \
		--password-file "$T/server-pw" --log "$T/est.log" "$@" >> "$T/est.err" 2>&1 &
	est_pid=$!
	# A guard against a hang, not a timing: wait until it answers.
	local i=0
	until [ -s "$CA/ca.pem" ] &&
		curl -s -o /dev/null --cacert "$CA/ca.pem" "$URL/.well-known/est/cacerts"; do
		i=$((i + 1))
		[ $i -lt 300 ] || return 1
		kill -0 "$est_pid" 2> /dev/null || return 1
		sleep 0.1
	done
}
est_stop() {
	[ -n "$est_pid" ] || return 0
	kill "$est_pid" 2> /dev/null || true
	wait "$est_pid" 2> /dev/null || true
	est_pid=
}
at_exit est_stop
check "the EST server starts on 127.0.0.1" est_start
[ -n "$est_pid" ] && kill -0 "$est_pid" || { diag "$(cat "$T/est.err")"; done_testing; exit 1; }
ca_fp=$(openssl x509 -in "$CA/ca.pem" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' |
	tr 'A-F' 'a-f')
key_of() {
	sqlite3 "$CERTDECK_STORE" "SELECT k.pem FROM keys k JOIN certificates c ON c.key_id = k.id
		WHERE c.id = $1"
}
pubkey_of_key() { openssl pkey -pubout 2> /dev/null; }
pubkey_of_cert() { openssl x509 -noout -pubkey 2> /dev/null; }
last_job() { sqlite3 "$CERTDECK_STORE" "SELECT max(id) FROM jobs"; }

# --info: /cacerts with the fingerprints; without a trust anchor the server
# is not verified (RFC 7030's bootstrap) and says so.
cd_run enroll --est "$URL" --info
check "--info: exit 0" [ "$rc" -eq 0 ]
check "--info shows the CA's SHA-256 fingerprint" grep -q "SHA-256: *$ca_fp\$" "$T/.out"
check "--info without --ca-bundle says the server was not verified" grep -q "not verified" "$T/.out"
cd_run enroll --est "$URL" --info --json --ca-bundle "$CA/ca.pem"
check "--info --json --ca-bundle: exit 0" [ "$rc" -eq 0 ]
check "--json: the CA's fingerprint_sha256" [ "$(jq -r '.certificates[0].fingerprint_sha256' "$T/.out")" = "$ca_fp" ]
check "--json: the server was verified" [ "$(jq -r .server_verified "$T/.out")" = true ]
cd_run enroll --est "$URL" --info --ca-fingerprint "$ca_fp"
check "--info --ca-fingerprint: the CA is among them" grep -q "fingerprint $ca_fp is among them" "$T/.out"
cd_run enroll --est "$URL" --info --ca-fingerprint "$(printf '%064d' 0)"
check "--info with a fingerprint that matches nothing: exit 1" [ "$rc" -eq 1 ]
cd_run enroll --est "http://127.0.0.1:$port" --info
check "an http:// URL: usage error (EST is TLS only)" [ "$rc" -eq 2 ]

"$CERTDECK" init > /dev/null
# First contact: no trust anchor shows the fingerprint and queues nothing.
cd_run enroll --est "$URL" -d dev1.example.test --user alice --password-file "$T/pw"
check "first contact without a trust anchor: exit 1" [ "$rc" -eq 1 ]
check "... shows the CA's fingerprint" grep -q "$ca_fp" "$T/.err"
check "... and queues no job" [ "$(sqlite3 "$CERTDECK_STORE" "SELECT count(*) FROM jobs")" -eq 0 ]
cd_run enroll --est "$URL" -d dev1.example.test --user alice --ca-bundle "$CA/ca.pem"
check "--user without --password-file: usage error" [ "$rc" -eq 2 ]

# Basic authentication, the server trusted by --ca-bundle.
cd_run enroll --est "$URL" -d dev1.example.test -d 10.0.0.7 --subject "/CN=dev1.example.test/O=certdeck test" \
	--user alice --password-file "$T/pw" --ca-bundle "$CA/ca.pem"
check "enrol with basic auth: exit 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
id1=$out
"$CERTDECK" show "$id1" --pem > "$T/c1.pem"
check "... verifies against the test CA" openssl verify -CAfile "$CA/ca.pem" "$T/c1.pem"
check "... its key is the one certdeck holds" \
	[ "$(key_of "$id1" | pubkey_of_key)" = "$(pubkey_of_cert < "$T/c1.pem")" ]
openssl x509 -in "$T/c1.pem" -noout -ext subjectAltName > "$T/c1.san"
check "... names as asked (DNS)" grep -q "DNS:dev1.example.test" "$T/c1.san"
check "... names as asked (IP)" grep -q "IP Address:10.0.0.7" "$T/c1.san"
check "... the subject as asked" bash -c "openssl x509 -in '$T/c1.pem' -noout -subject | grep -q 'CN = dev1.example.test, O = certdeck test'"
check "... usage: server and client" bash -c "openssl x509 -in '$T/c1.pem' -noout -ext extendedKeyUsage |
	grep -q 'TLS Web Server Authentication, TLS Web Client Authentication'"
check "... stored with source est" [ "$("$CERTDECK" show "$id1" --json | jq -r .source)" = est ]
check "... and its chain (leaf and CA)" [ "$(grep -c 'BEGIN CERTIFICATE' "$T/c1.pem")" -eq 2 ]
check "... the server saw basic auth" grep -q "^simpleenroll 200 .*CN=dev1.example.test auth=basic" "$T/est.log"
check "... the password is nowhere in the store" \
	bash -c "! sqlite3 '$CERTDECK_STORE' .dump | grep -q est-pass"

# The same EST server named in the config file: enroll --est NAME takes its
# URL, trust and credentials from the [ca NAME] section.
cat > "$T/config" <<CONF
[ca corp-est]
est = $URL
ca-bundle = $CA/ca.pem
est-user = alice
est-password-file = $T/pw
CONF
CERTDECK_CONFIG=$T/config cd_run config check
check "config check: a [ca] section with only an est URL is fine" [ "$rc" -eq 0 ]
CERTDECK_CONFIG=$T/config cd_run enroll --est corp-est -d dev5.example.test
check "enroll --est NAME from the config file: exit 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
"$CERTDECK" show "$out" --pem > "$T/c5.pem" 2> /dev/null
check "... the certificate verifies against the test CA" openssl verify -CAfile "$CA/ca.pem" "$T/c5.pem"
check "... the server saw the section's user" grep -q "^simpleenroll 200 .*CN=dev5.example.test auth=basic" "$T/est.log"
CERTDECK_CONFIG=$T/config cd_run enroll --est nosuch -d dev6.example.test
check "enroll --est with an unknown name: usage error" [ "$rc" -eq 2 ]
check "... saying what it is not" grep -q "'nosuch' is neither an EST URL nor a \[ca\] section" "$T/.err"
CERTDECK_CONFIG=$T/config cd_run account new --server corp-est --email ops@example.test --agree-tos
check "account new --server with an EST-only section: refused" [ "$rc" -ne 0 ]
check "... saying it has no ACME directory" grep -q "has no ACME directory" "$T/.err"

# Managed like an ACME certificate: its renewal is scheduled, so expiring
# within the warning window is no problem yet.
cd_run status --warning 400 --critical 1
check "status: an EST certificate whose renewal is scheduled is not expiring" \
	grep -q " expiring=0;" "$T/.out"

# A wrong password: the server's 401, said clearly; nothing stored.
cd_run enroll --est "$URL" -d dev2.example.test --user alice --password-file "$T/wrong-pw" \
	--ca-bundle "$CA/ca.pem"
check "a wrong password: exit 1" [ "$rc" -eq 1 ]
check "... says the server refused the credentials" grep -q "refused the credentials (HTTP 401)" "$T/.err"
check "... nothing stored for the name" \
	[ "$(sqlite3 "$CERTDECK_STORE" "SELECT count(*) FROM cert_names WHERE name = 'dev2.example.test'")" -eq 0 ]

# An untrusted server certificate: a bundle of another CA is refused at TLS.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=other CA" -keyout "$T/other.key" \
	-out "$T/other.pem" > /dev/null 2>&1
cd_run enroll --est "$URL" -d dev3.example.test --user alice --password-file "$T/pw" \
	--ca-bundle "$T/other.pem"
check "an untrusted server certificate: exit 1" [ "$rc" -eq 1 ]
check "... refused at certificate verification" grep -q "certificate verification failed" "$T/.err"
check "... nothing was sent to the server" bash -c "! grep -q 'CN=dev3' '$T/est.log'"

# --ca-fingerprint: RFC 7030's bootstrap, then the checked CA is the anchor.
wrong_fp=$(printf '%064d' 0)
cd_run enroll --est "$URL" -d dev4.example.test --user alice --password-file "$T/pw" --ca-fingerprint "$wrong_fp"
check "a fingerprint that matches no CA certificate: exit 1" [ "$rc" -eq 1 ]
check "... says so" grep -q "no CA certificate of the EST server .* has the SHA-256 fingerprint $wrong_fp" "$T/.err"
cd_run enroll --est "$URL" -d dev4.example.test --user alice --password-file "$T/pw" --ca-fingerprint "$ca_fp"
check "enrol with --ca-fingerprint: exit 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
"$CERTDECK" show "${out:-0}" --pem > "$T/c4.pem" 2> /dev/null || :
check "... verifies against the test CA" openssl verify -CAfile "$CA/ca.pem" "$T/c4.pem"

# TLS client-certificate authentication with a certificate from the store.
cd_run enroll --est "$URL" -d dev5.example.test --client-cert "$id1" --ca-bundle "$CA/ca.pem" --key-type ec256
check "enrol with --client-cert: exit 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
check "... the server saw the client certificate" grep -q "^simpleenroll 200 CN=dev5.example.test auth=cert" "$T/est.log"
"$CERTDECK" show "${out:-0}" --pem > "$T/c5.pem" 2> /dev/null || :
check "... an EC key as asked" bash -c "openssl x509 -in '$T/c5.pem' -noout -text | grep -q 'id-ecPublicKey'"

# kill -9 after the key is recorded, and after the server answered but
# before the certificate is stored: the next worker (once the lease ran
# out: the store's clock is moved on) resumes with the same key, and
# exactly one certificate is stored.
n=0
for point in est-key est-reply; do
	n=$((n + 1))
	name=crash$n.example.test
	job=$("$CERTDECK" enroll --est "$URL" -d "$name" --user alice --password-file "$T/pw" \
		--ca-bundle "$CA/ca.pem" --no-wait)
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

# Re-enrolment: renew --force uses /simplereenroll with the current certificate.
cd_run renew
check "renew: a fresh EST certificate is not due" grep -q "Nothing is due" "$T/.err"
cd_run renew --force "$id1"
check "renew --force: exit 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
id2=$(sqlite3 "$CERTDECK_STORE" "SELECT replaced_by FROM certificates WHERE id = $id1")
check "... the old certificate is replaced by a new one" [ "${id2:-0}" -gt "$id1" ]
check "... by /simplereenroll with the current certificate" \
	grep -q "^simplereenroll 200 .*CN=dev1.example.test auth=cert" "$T/est.log"
"$CERTDECK" show "${id2:-0}" --pem > "$T/c2.pem" 2> /dev/null || :
check "... the new one verifies against the test CA" openssl verify -CAfile "$CA/ca.pem" "$T/c2.pem"
check "... for the same names" bash -c "openssl x509 -in '$T/c2.pem' -noout -ext subjectAltName |
	grep -q 'DNS:dev1.example.test, IP Address:10.0.0.7'"
check "... with a new key" [ "$(key_of "${id2:-0}" | pubkey_of_key)" != "$(key_of "$id1" | pubkey_of_key)" ]
check "... which it holds" [ "$(key_of "${id2:-0}" | pubkey_of_key)" = "$(pubkey_of_cert < "$T/c2.pem")" ]
check "... stored with source est" [ "$("$CERTDECK" show "${id2:-0}" --json | jq -r .source)" = est ]
cd_run renew --force "${id2:-0}" --reuse-key
id3=$(sqlite3 "$CERTDECK_STORE" "SELECT replaced_by FROM certificates WHERE id = ${id2:-0}")
check "renew --reuse-key: exit 0" [ "$rc" -eq 0 ]
check "... with the same key" [ "$(key_of "${id3:-0}" | pubkey_of_key)" = "$(key_of "${id2:-0}" | pubkey_of_key)" ]
# Due by the lifetime rule: 80 days on (the store's clock), a 90-day one is.
CERTDECK_NOW=$(($(date +%s) + 80 * 86400)) cd_run renew
id4=$(sqlite3 "$CERTDECK_STORE" "SELECT replaced_by FROM certificates WHERE id = ${id3:-0}")
check "renew when due (no --force): exit 0" [ "$rc" -eq 0 ]
check "... replaced by a new one" [ "${id4:-0}" -gt "${id3:-0}" ]

# EST has no revocation operation, and a new key comes by renewal.
cd_run revoke "${id4:-0}"
check "revoke an EST certificate: exit 1" [ "$rc" -eq 1 ]
check "... says EST has no revocation operation" grep -q "EST has no revocation operation" "$T/.err"
cd_run rotate-key "${id4:-0}"
check "rotate-key an EST certificate: refused, pointing at renew" grep -q "certdeck renew --force" "$T/.err"

# --server-keygen: the server makes the key (/serverkeygen, multipart/mixed).
cd_run enroll --est "$URL" -d keygen.example.test --server-keygen --user alice \
	--password-file "$T/pw" --ca-bundle "$CA/ca.pem"
check "--server-keygen: exit 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
kid=${out:-0}
check "... asked /serverkeygen" grep -q "^serverkeygen 200 CN=keygen.example.test auth=basic" "$T/est.log"
"$CERTDECK" show "$kid" --pem > "$T/k1.pem" 2> /dev/null || :
check "... verifies against the test CA" openssl verify -CAfile "$CA/ca.pem" "$T/k1.pem"
check "... the server's key is stored and is the certificate's" \
	[ "$(key_of "$kid" | pubkey_of_key)" = "$(pubkey_of_cert < "$T/k1.pem")" ]
cd_run renew --force "$kid"
kid2=$(sqlite3 "$CERTDECK_STORE" "SELECT replaced_by FROM certificates WHERE id = $kid")
check "renew --force a server-keygen certificate: exit 0" [ "$rc" -eq 0 ]
check "... /serverkeygen again, authenticated with the current certificate" \
	grep -q "^serverkeygen 200 CN=keygen.example.test auth=cert" "$T/est.log"
check "... a new key from the server, which certdeck holds" bash -c "
	[ \"\$(sqlite3 '$CERTDECK_STORE' 'SELECT key_id FROM certificates WHERE id = ${kid2:-0}')\" != \
	  \"\$(sqlite3 '$CERTDECK_STORE' 'SELECT key_id FROM certificates WHERE id = $kid')\" ]"
"$CERTDECK" show "${kid2:-0}" --pem > "$T/k2.pem" 2> /dev/null || :
check "... and the certificate is for it" \
	[ "$(key_of "${kid2:-0}" | pubkey_of_key)" = "$(pubkey_of_cert < "$T/k2.pem")" ]

# /csrattrs asking for SHA-384: the CSR follows (the server refuses others).
est_stop
check "the server starts with /csrattrs asking for SHA-384 and a label" est_start --csrattrs sha384 --label arena
cd_run enroll --est "$URL" --label arena -d dev6.example.test --user alice --password-file "$T/pw" --ca-bundle "$CA/ca.pem"
check "enrol where /csrattrs asks for sha384WithRSAEncryption: exit 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
check "... the server found the CSR signed as asked" grep -q "^simpleenroll 200 CN=dev6.example.test" "$T/est.log"
cd_run enroll --est "$URL" -d dev6.example.test --user alice --password-file "$T/pw" --ca-bundle "$CA/ca.pem"
check "without the label the server has no such CA: exit 1" [ "$rc" -eq 1 ]
check "... HTTP 404 said" grep -q "HTTP 404" "$T/.err"
cd_run enroll --est "$URL" --label "a/b" --info
check "a label that is not one path segment: usage error" [ "$rc" -eq 2 ]

# 202 Accepted with Retry-After: a scheduled retry, then the certificate.
est_stop
check "the server starts holding the first request" est_start --pending 1
cd_run enroll --est "$URL" -d held.example.test --user alice --password-file "$T/pw" --ca-bundle "$CA/ca.pem"
check "202 Accepted: exit 75 (try again later)" [ "$rc" -eq 75 ]
check "... says the server holds the request" grep -q "202 Accepted" "$T/.err"
pjob=$(last_job)
check "... the server answered 202" grep -q "^simpleenroll 202 CN=held.example.test" "$T/est.log"
check "... the job stays queued" [ "$(sqlite3 "$CERTDECK_STORE" "SELECT state FROM jobs WHERE id = $pjob")" = queued ]
check "... retried after the server's Retry-After (120 s), not before" \
	[ "$(sqlite3 "$CERTDECK_STORE" "SELECT run_after - strftime('%s','now') >= 110 FROM jobs WHERE id = $pjob")" = 1 ]
CERTDECK_NOW=$(($(date +%s) + 3600)) cd_run worker --once
check "the retry gets the certificate: the job is done" \
	[ "$(sqlite3 "$CERTDECK_STORE" "SELECT state FROM jobs WHERE id = $pjob")" = done ]
check "... the server answered 200" grep -q "^simpleenroll 200 CN=held.example.test" "$T/est.log"
pid=$(sqlite3 "$CERTDECK_STORE" "SELECT result_id FROM jobs WHERE id = $pjob")
"$CERTDECK" show "${pid:-0}" --pem > "$T/c7.pem" 2> /dev/null || :
check "... it verifies against the test CA" openssl verify -CAfile "$CA/ca.pem" "$T/c7.pem"
check "... its key is the one certdeck holds" \
	[ "$(key_of "${pid:-0}" | pubkey_of_key)" = "$(pubkey_of_cert < "$T/c7.pem")" ]

# A server that is down: the job stays queued with the connection error.
est_stop
cd_run enroll --est "$URL" -d down.example.test --user alice --password-file "$T/pw" \
	--ca-bundle "$CA/ca.pem" --no-wait
check "server down: --no-wait queues the job" [ "$rc" -eq 0 ]
job=$out
cd_run worker --once
check "server down: the worker defers it (exit 75)" [ "$rc" -eq 75 ]
check "... the job stays queued" [ "$(sqlite3 "$CERTDECK_STORE" "SELECT state FROM jobs WHERE id = $job")" = queued ]
check "... with the connection error" bash -c "sqlite3 '$CERTDECK_STORE' \"SELECT last_error FROM jobs WHERE id = $job\" | grep -q 'EST /cacerts'"
cd_run enroll --est "$URL" --info --ca-bundle "$CA/ca.pem"
check "server down: --info exit 1" [ "$rc" -eq 1 ]

done_testing
