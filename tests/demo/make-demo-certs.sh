#!/usr/bin/env bash
# Makes a small demo CA and certificates with varied lifetimes (expired, days,
# weeks, months) under DIR, as combined PEM files (certificate, chain, key) that
# `certdeck import` takes. Used by ./quickstart and by the tests.
#   make-demo-certs.sh DIR
set -euo pipefail
dir=${1:?usage: make-demo-certs.sh DIR}
umask 077
mkdir -p "$dir"
cd "$dir"

cat > ca.cnf <<'CNF'
[ ca ]
default_ca = demo
[ demo ]
dir = .
database = index.txt
new_certs_dir = issued
serial = serial
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
[ any ]
commonName = supplied
[ leaf ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid
subjectKeyIdentifier = hash
crlDistributionPoints = URI:http://crl.demo.invalid/demo.crl
CNF
: > index.txt
mkdir -p issued
echo 1000 > serial

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
	-out ca.crt -days 3650 -subj "/O=certdeck demo/CN=certdeck Demo Root" \
	-addext "basicConstraints=critical,CA:TRUE" 2>/dev/null

# name  days-from-now-start  days-from-now-end  key  extra-names
make_leaf() {
	local name=$1 start=$2 end=$3 key=$4 extra=$5 san="DNS:$1" n
	for n in $extra; do san="$san,DNS:$n"; done
	case $key in
	rsa*) openssl req -newkey "rsa:${key#rsa}" -nodes -keyout "$name.key" -out "$name.csr" \
		-subj "/CN=$name" -addext "subjectAltName=$san" 2>/dev/null ;;
	*) openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$name.key" \
		-out "$name.csr" -subj "/CN=$name" -addext "subjectAltName=$san" 2>/dev/null ;;
	esac
	openssl ca -batch -config ca.cnf -extensions leaf -cert ca.crt -keyfile ca.key \
		-in "$name.csr" -out "$name.crt" -notext \
		-startdate "$(date -u -d "$start days" +%Y%m%d%H%M%SZ)" \
		-enddate "$(date -u -d "$end days" +%Y%m%d%H%M%SZ)" 2>/dev/null
	cat "$name.crt" ca.crt "$name.key" > "$name.pem"
	rm -f "$name.csr"
}

make_leaf www.example.test -80 10 ec "example.test mail.example.test"
make_leaf api.example.test -30 60 ec ""
make_leaf old.example.test -90 -2 ec ""
make_leaf shop.example.test -1 5 rsa2048 "cdn.shop.example.test"
make_leaf intranet.example.test -10 80 rsa2048 "wiki.intranet.example.test git.intranet.example.test"
ls "$dir"/*.pem
