#!/bin/sh
# Builds a small PKI with the openssl command (root, intermediate, a look-alike
# intermediate, an EC leaf and an RSA-3072 leaf), writes down what openssl
# itself says about them, and runs the C test program against that directory.
set -u

builddir=${top_builddir:-.}
bin=$(cd "$builddir" && pwd)/tests/unit/test_crypto

if ! command -v openssl >/dev/null 2>&1; then
	echo "1..0 # SKIP openssl command not found"
	exit 0
fi
if [ ! -x "$bin" ]; then
	echo "Bail out! $bin not built"
	exit 1
fi

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP
cd "$tmp" || exit 1

# A fixture step that fails aborts the whole test with openssl's message.
run() {
	if ! "$@" >run.log 2>&1; then
		echo "Bail out! fixture step failed: $*"
		sed 's/^/# /' run.log
		exit 1
	fi
}

cat >ca.cnf <<'CNF'
[req]
distinguished_name = dn
[dn]
[v3_root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[v3_int]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[v3_leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:www.example.test, IP:127.0.0.1, DNS:example.test, IP:2001:db8:0:0:0:0:0:5
crlDistributionPoints = URI:http://crl.example.test/int.crl
[v3_rsa]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:rsa.example.test
CNF

p256="-newkey ec -pkeyopt ec_paramgen_curve:P-256"
# shellcheck disable=SC2086
run openssl req -config ca.cnf -x509 -new $p256 -nodes -keyout root.key \
	-out root.pem -days 3650 -set_serial 1 -extensions v3_root \
	-subj "/O=Certdeck Test/CN=Certdeck Test Root"
run openssl req -config ca.cnf -new -newkey ec -pkeyopt ec_paramgen_curve:P-384 \
	-nodes -keyout int.key -out int.csr \
	-subj "/O=Certdeck Test/CN=Certdeck Test Intermediate"
run openssl x509 -req -in int.csr -CA root.pem -CAkey root.key \
	-set_serial 0x1001 -days 1000 -extfile ca.cnf -extensions v3_int -out int.pem
# Same subject as the intermediate, different key: names chain, signatures don't.
# shellcheck disable=SC2086
run openssl req -config ca.cnf -new $p256 -nodes -keyout evil.key -out evil.csr \
	-subj "/O=Certdeck Test/CN=Certdeck Test Intermediate"
run openssl x509 -req -in evil.csr -CA root.pem -CAkey root.key \
	-set_serial 0x666 -days 1000 -extfile ca.cnf -extensions v3_int -out evil.pem
# shellcheck disable=SC2086
run openssl req -config ca.cnf -new $p256 -nodes -keyout leaf.key -out leaf.csr \
	-subj "/CN=www.example.test"
# The serial's high bit is set: its DER content needs a leading 0x00.
run openssl x509 -req -in leaf.csr -CA int.pem -CAkey int.key \
	-set_serial 0x8a1b2c3d4e5f60718293a4b5c6d7e8f9 -days 90 \
	-extfile ca.cnf -extensions v3_leaf -out leaf.pem
run openssl req -config ca.cnf -new -newkey rsa:3072 -nodes -keyout rsa.key \
	-out rsa.csr -utf8 -subj "/O=Café/CN=rsa.example.test"
run openssl x509 -req -in rsa.csr -CA int.pem -CAkey int.key -set_serial 0x0abc \
	-days 90 -extfile ca.cnf -extensions v3_rsa -out rsa.pem
# The same keys in the older SEC1 and PKCS#1 forms, and an encrypted one.
run openssl ec -in leaf.key -out leaf-sec1.key
run openssl rsa -in rsa.key -traditional -out rsa-pkcs1.key
run openssl pkey -in leaf.key -aes256 -passout pass:secret -out leaf-enc.key

# What openssl says, for the C side to compare against.
# shellcheck disable=SC2086 # $2 may hold two options
field() { # file option prefix
	openssl x509 -in "$1" -noout $2 -nameopt RFC2253 | sed "s/^$3//"
}
epoch() {
	date -u -d "$1" +%s
}
{
	for c in leaf int rsa; do
		echo "${c}_serial=$(field $c.pem -serial 'serial=')"
		echo "${c}_fingerprint=$(field $c.pem '-fingerprint -sha256' '.*Fingerprint=')"
		echo "${c}_not_before=$(epoch "$(field $c.pem -startdate 'notBefore=')")"
		echo "${c}_not_after=$(epoch "$(field $c.pem -enddate 'notAfter=')")"
		echo "${c}_subject=$(field $c.pem -subject 'subject=')"
		echo "${c}_issuer=$(field $c.pem -issuer 'issuer=')"
	done
} >expected.txt || { echo "Bail out! cannot write expected.txt"; exit 1; }

"$bin" "$tmp"
