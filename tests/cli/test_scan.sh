#!/usr/bin/env bash
# certdeck scan: a tree made here with openssl (PEM, DER, PKCS#7, PKCS#12
# with and without a password, a bundle of unrelated CAs, a chain, keys
# beside and inside files, a symbolic link loop, a FIFO, an oversize file,
# corrupt and truncated data, an unreadable directory when not root), then
# rescans after changes, moves and removals. What is stored is checked
# against openssl's own view of the files, through sqlite3 and list --json.
. "$top_srcdir/tests/lib.sh"
set -e
export CERTDECK_STORE="$T/store.db"
db=$CERTDECK_STORE
q() { sqlite3 "$db" "$1"; }
ossl() { openssl "$@" 2> /dev/null; }
# fp FILE: the SHA-256 fingerprint of the first certificate in FILE, as certdeck writes it.
fp() { ossl x509 -in "$1" "${@:2}" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f; }
# field FP FIELD: one field of the certificate with fingerprint FP in list --all --json.
field() {
	"$CERTDECK" list --all --json | jq -r --arg f "$1" ".[] | select(.fingerprint_sha256 == \$f) | .$2"
}
# jsum FIELD: a field of the last scan's JSON summary.
jsum() { jq -r ".$1" "$T/scan.json"; }
# has_problem PATH: the last JSON summary reports PATH.
has_problem() { jq -e --arg p "$1" '.problems | any(.path == $p)' "$T/scan.json" > /dev/null; }
scan_json() {	# scan_json ARGS...: scan --json into $T/scan.json, status in $rc
	set +e
	"$CERTDECK" scan --json "$@" > "$T/scan.json" 2> "$T/scan.err"
	rc=$?
	set -e
}

W=$T/work
D=$T/tree
mkdir -p "$W" "$D/nginx" "$D/der" "$D/p7" "$D/p12" "$D/bundle" "$D/bad" "$D/loop/inner"
cd "$W"
# A CA and leaves of each kind it signs. ext NAME LINES...: an extension file.
ext() { f=$1; shift; printf '%s\n' "$@" > "$W/$f.ext"; }
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
	-subj /CN=Scan\ Test\ CA -days 3650 -addext basicConstraints=critical,CA:TRUE \
	-addext keyUsage=critical,keyCertSign,cRLSign
leaf() {	# leaf NAME SUBJ EXTFILE: NAME.key and NAME.pem signed by the CA
	ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2"
	ossl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -out "$1.pem" -days 90 -extfile "$3.ext"
}
ext server 'basicConstraints=CA:FALSE' 'extendedKeyUsage=serverAuth' \
	'subjectAltName=DNS:www.scan.test,DNS:scan.test' 'certificatePolicies=2.23.140.1.2.2'
ext client 'basicConstraints=CA:FALSE' 'extendedKeyUsage=clientAuth'
ext email 'basicConstraints=CA:FALSE' 'extendedKeyUsage=emailProtection,clientAuth' \
	'subjectAltName=email:alice@scan.test' 'certificatePolicies=2.23.140.1.5.4.1'
ext codesign 'basicConstraints=CA:FALSE' 'extendedKeyUsage=codeSigning' \
	'certificatePolicies=2.23.140.1.3'
ext dv 'basicConstraints=CA:FALSE' 'extendedKeyUsage=serverAuth' \
	'subjectAltName=DNS:dv.scan.test' 'certificatePolicies=2.23.140.1.2.1'
ext api 'basicConstraints=CA:FALSE' 'subjectAltName=DNS:api.scan.test'
leaf www "/CN=www.scan.test" server
leaf client "/CN=client one" client
leaf alice "/CN=alice" email
leaf sign "/O=Scan Test/CN=code signer" codesign
leaf dv "/CN=dv.scan.test" dv
leaf api "/CN=api.scan.test" api
leaf orphan "/CN=orphan.scan.test" api
leaf half "/CN=half.scan.test" api
leaf moved "/CN=moved.scan.test" api
leaf gone "/CN=gone.scan.test" api
leaf changed "/CN=changed.scan.test" api
leaf changed2 "/CN=changed2.scan.test" api
printf 'sekrit\n' > pw
printf 'wrong\n' > badpw

# The tree.
cp www.pem "$D/nginx/www.pem"
cp www.key "$D/nginx/www.key"			# matched beside its certificate
cat www.pem ca.pem > "$D/nginx/zz-fullchain.pem"	# read after www.pem: its chain is kept
cat api.pem ca.pem api.key > "$D/nginx/api-combined.pem"	# chain and key in one file
ossl x509 -in client.pem -outform DER -out "$D/der/client.der"
ossl x509 -in ca.pem -outform DER -out "$D/der/ca.cer"
ossl crl2pkcs7 -nocrl -certfile alice.pem -certfile ca.pem -out "$D/p7/alice.p7b"
ossl crl2pkcs7 -nocrl -certfile alice.pem -outform DER -out "$D/p7/alice-der.p7c"
ossl pkcs12 -export -in sign.pem -inkey sign.key -certfile ca.pem -passout file:pw -out "$D/p12/sign.p12"
ossl pkcs12 -export -in dv.pem -inkey dv.key -passout pass: -out "$D/p12/dv-nopass.p12"
# Root 1 expires in 5 days: a CA certificate is still no expiry alert.
for i in 1 2 3; do
	ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout r$i.key -out r$i.pem \
		-subj "/CN=Bundle Root $i" -days $([ $i = 1 ] && echo 5 || echo 3650)
	cat r$i.pem >> "$D/bundle/roots.crt"
done
# A self-signed server certificate as `openssl req -x509` makes it (CA:TRUE): a server's.
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout self.key -out "$D/nginx/self.pem" \
	-subj /CN=self.scan.test -days 4 -addext subjectAltName=DNS:self.scan.test
cp orphan.key "$D/nginx/orphan.key"		# its certificate is nowhere
cp moved.pem "$D/moved.pem"
cp gone.pem "$D/gone.pem"
cp changed.pem "$D/changed.pem"
# Bad input: a truncated PEM after a good certificate (nothing of the file may be stored).
{ cat half.pem; head -c 300 www.pem; } > "$D/bad/truncated.pem"
head -c 200 /dev/urandom | { printf '\060'; cat; } > "$D/bad/corrupt.der"
truncate -s 5M "$D/bad/huge.pem"
mkfifo "$D/bad/fifo.pem"
ln -s .. "$D/loop/inner/up"			# inner/up -> loop: a loop
ln -s "$D/nowhere.pem" "$D/bad/dangling.pem"
if [ "$(id -u)" -ne 0 ]; then
	mkdir "$D/locked"
	cp r1.pem "$D/locked/r1.pem"
	chmod 000 "$D/locked"
	at_exit "chmod 700 '$D/locked'"
fi
cd "$T"

# ---- the first scan ----
cd_run init
scan_json "$D"
check "scan exits 0 with problems counted" [ "$rc" -eq 0 ]
check "... a JSON summary" [ "$(jsum files_read)" -gt 0 ]
check "... nothing on stderr" [ ! -s "$T/scan.err" ]
n_certs=$(q "SELECT count(*) FROM certificates")
# www, api, client, alice, dv, self, the CA, three roots, moved, gone,
# changed (the p12 with a password is not opened yet).
check "thirteen certificates stored (one per fingerprint)" [ "$n_certs" -eq 13 ]
check "... as many as new in the summary" [ "$(jsum certificates_new)" -eq 13 ]
check "the CA, found in four files, is stored once" [ "$(q "SELECT count(*) FROM certificates WHERE fingerprint = '$(fp "$W/ca.pem")'")" -eq 1 ]
ca_id=$(q "SELECT id FROM certificates WHERE fingerprint = '$(fp "$W/ca.pem")'")
check "... with each file it was found in" [ "$(q "SELECT count(*) FROM cert_locations WHERE cert_id = $ca_id")" -eq 4 ]
check "every certificate has source scan" [ "$(q "SELECT count(*) FROM certificates WHERE source = 'scan'")" -eq 13 ]

www=$(fp "$W/www.pem")
check "PEM: the server certificate's fingerprint matches openssl's" [ "$(field "$www" name)" = www.scan.test ]
check "... kind server" [ "$(field "$www" kind)" = server ]
check "... validation OV from its policy" [ "$(field "$www" validation)" = OV ]
check "... its key, found beside it, is stored with it" [ "$(field "$www" key_held)" = true ]
key_pub=$(q "SELECT k.pem FROM keys k JOIN certificates c ON c.key_id = k.id WHERE c.fingerprint = '$www'" |
	ossl pkey -pubout | sha256sum)
check "... and it is the certificate's key (openssl)" [ "$key_pub" = "$(ossl x509 -in "$W/www.pem" -noout -pubkey | sha256sum)" ]
check "... with the chain of zz-fullchain.pem, read after its own file" [ "$("$CERTDECK" show "$(field "$www" id)" --pem | grep -c 'BEGIN CERTIFICATE')" -eq 2 ]
check "... found in both files" [ "$(field "$www" 'locations | length')" -eq 2 ]
check "show prints where it was found" grep -q "Found in: *$D/nginx/www.pem" <("$CERTDECK" show "$(field "$www" id)")
check "... its location is the file, with inode and size" [ "$(q "SELECT inode || ' ' || size FROM cert_locations WHERE path = '$D/nginx/www.pem'")" = "$(stat -c '%i %s' "$D/nginx/www.pem")" ]

api=$(fp "$W/api.pem")
check "combined PEM: the leaf is stored with its chain" [ "$("$CERTDECK" show "$(field "$api" id)" --pem | grep -c 'BEGIN CERTIFICATE')" -eq 2 ]
check "... and the key from the same file" [ "$(field "$api" key_held)" = true ]
check "... no EKU and DNS names: kind server" [ "$(field "$api" kind)" = server ]
check "... no policy: validation null" [ "$(field "$api" validation)" = null ]

check "DER: the client certificate" [ "$(field "$(fp "$W/client.pem")" kind)" = client ]
alice=$(fp "$W/alice.pem")
check "PKCS#7 (PEM and DER): the e-mail certificate, kind email" [ "$(field "$alice" kind)" = email ]
check "... validation IV (S/MIME individual)" [ "$(field "$alice" validation)" = IV ]
check "... found in both files" [ "$(field "$alice" 'locations | length')" -eq 2 ]
check "PKCS#12 without a password: opened" [ "$(field "$(fp "$W/dv.pem")" validation)" = DV ]
check "... with its key" [ "$(field "$(fp "$W/dv.pem")" key_held)" = true ]
check "PKCS#12 with a password and no --password-file: reported" has_problem "$D/p12/sign.p12"
check "... not stored" [ -z "$(field "$(fp "$W/sign.pem")" id)" ]
check "bundle: the three unrelated roots are stored, each alone" [ "$(q "SELECT count(*) FROM certificates c JOIN cert_locations l ON l.cert_id = c.id WHERE l.path = '$D/bundle/roots.crt' AND c.kind = 'ca' AND length(c.pem_chain) - length(replace(c.pem_chain, 'BEGIN', '')) = 5")" -eq 3 ]
check "the CA is kind ca" [ "$(q "SELECT kind FROM certificates WHERE id = $ca_id")" = ca ]

check "a key matching no certificate is reported" has_problem "$D/nginx/orphan.key"
check "... and stored nowhere (three keys: www, api, dv)" [ "$(q "SELECT count(*) FROM keys")" -eq 3 ]
check "truncated PEM: reported" has_problem "$D/bad/truncated.pem"
check "... and the good certificate before it is not stored (nothing half-stored)" [ -z "$(field "$(fp "$W/half.pem")" id)" ]
check "corrupt DER: reported" has_problem "$D/bad/corrupt.der"
check "oversize file: reported" has_problem "$D/bad/huge.pem"
check "FIFO: reported, not opened" has_problem "$D/bad/fifo.pem"
check "dangling symbolic link: reported" has_problem "$D/bad/dangling.pem"
check "symbolic link loop: reported" has_problem "$D/loop/inner/up"
if [ "$(id -u)" -ne 0 ]; then
	check "unreadable directory: reported" has_problem "$D/locked"
	problems=9
else
	echo "ok $((tap_n += 1)) # SKIP unreadable directory here (root reads everything; see below)"
	problems=8
fi
check "one line per problem, all counted" [ "$(jsum 'problems | length')" -eq "$problems" ]

check "a self-signed server certificate (CA:TRUE, DNS names) is kind server" [ "$(field "$(fp "$D/nginx/self.pem")" kind)" = server ]

# ---- CA certificates: stored, kept out of the list and the alerts ----
jlen() { "$CERTDECK" list --json "$@" | jq length; }
check "list leaves the four CA certificates out" [ "$(jlen)" -eq 9 ]
check "list --all shows them" [ "$(jlen --all)" -eq 13 ]
check "list --filter kind:ca shows only them" [ "$("$CERTDECK" list --json --filter kind:ca | jq '[.[] | select(.kind == "ca")] | length')" -eq 4 ]
check "... and nothing else" [ "$(jlen --filter kind:ca)" -eq 4 ]
check "kind:client" [ "$("$CERTDECK" list --json --filter kind:client | jq -r '.[].name')" = "client one" ]
check "source:scan (CA certificates still hidden)" [ "$(jlen --filter source:scan)" -eq 9 ]
check "source:import finds none" [ "$(jlen --filter source:import)" -eq 0 ]
check "path:$D/nginx/ finds the certificates found there" [ "$("$CERTDECK" list --json --filter "path:$D/nginx/" | jq -r '[.[].name] | sort | join(" ")')" = "api.scan.test self.scan.test www.scan.test" ]
check "... kind:all path: adds the CA of the combined file" [ "$(jlen --filter "kind:all path:$D/nginx/")" -eq 4 ]
check "issuer: and kind:ca combine" [ "$(jlen --filter "kind:ca issuer:Bundle")" -eq 3 ]
"$CERTDECK" status --json > "$T/status.json" || true
check "status counts no CA certificate" [ "$(jq .certificates "$T/status.json")" -eq 9 ]
check "... the expiring self-signed server certificate is an alert" [ "$(jq '[.alerts[] | select(.name == "self.scan.test")] | length' "$T/status.json")" -eq 1 ]
check "... the root expiring in 5 days is none" [ "$(jq '[.alerts[] | select(.name | startswith("Bundle Root"))] | length' "$T/status.json")" -eq 0 ]

# ---- scanning again ----
scan_json "$D"
check "rescan: nothing new" [ "$(jsum certificates_new)" -eq 0 ]
check "... nothing stored twice" [ "$(q "SELECT count(*) FROM certificates")" -eq 13 ]
check "... no key twice" [ "$(q "SELECT count(*) FROM keys")" -eq 3 ]
check "... no location twice" [ "$(q "SELECT count(*) FROM cert_locations")" -eq "$(q "SELECT count(DISTINCT path || '|' || cert_id) FROM cert_locations")" ]
# Files with certificates: www, zz-fullchain, self, api-combined, client.der,
# ca.cer, two p7, dv p12, roots, moved, gone, changed.
check "... the thirteen certificate files are not read again" [ "$(jsum files_unchanged)" -eq 13 ]
check "... every certificate counted known" [ "$(jsum certificates_known)" -ge 13 ]
"$CERTDECK" scan --json --password-file "$W/badpw" "$D/p12" > "$T/scan.json"
check "a wrong password: reported, not fatal" has_problem "$D/p12/sign.p12"
scan_json --password-file "$W/pw" "$D/p12"
check "--password-file opens the PKCS#12 file" [ "$(field "$(fp "$W/sign.pem")" kind)" = codesign ]
check "... validation EV (code signing)" [ "$(field "$(fp "$W/sign.pem")" validation)" = EV ]
check "... with its key" [ "$(field "$(fp "$W/sign.pem")" key_held)" = true ]

# Changed, moved, removed.
moved_id=$(field "$(fp "$W/moved.pem")" id)
mv "$D/moved.pem" "$D/nginx/moved-here.pem"
rm "$D/gone.pem"
cp "$W/changed2.pem" "$D/changed.pem"
scan_json "$D"
check "a changed file is noticed" [ "$(jsum files_changed)" -eq 1 ]
check "... what it holds now is stored" [ "$(field "$(fp "$W/changed2.pem")" 'locations[0].path')" = "$D/changed.pem" ]
check "... and the old certificate is no longer there" [ "$(field "$(fp "$W/changed.pem")" 'locations | length')" -eq 0 ]
check "a moved file: counted moved" [ "$(jsum locations_moved)" -eq 1 ]
check "... its certificate is at the new path only" [ "$(q "SELECT group_concat(path) FROM cert_locations WHERE cert_id = $moved_id")" = "$D/nginx/moved-here.pem" ]
check "a removed file: counted removed" [ "$(jsum locations_removed)" -eq 1 ]
check "... its certificate stays stored, without locations" [ "$(field "$(fp "$W/gone.pem")" 'locations | length')" -eq 0 ]
touch -d '2001-01-01' "$D/nginx/www.pem"
scan_json "$D/nginx"
check "a touched file is read again" [ "$(jsum files_changed)" -eq 1 ]
check "... and its certificate is known" [ "$(jsum certificates_new)" -eq 0 ]
check "... its location records the new mtime" [ "$(q "SELECT mtime / 1000000000 FROM cert_locations WHERE path = '$D/nginx/www.pem'")" -eq "$(stat -c %Y "$D/nginx/www.pem")" ]

# ---- dry run, exit status, text output ----
mkdir "$T/fresh"
cp "$W/orphan.pem" "$T/fresh/"
before=$(q "SELECT count(*) FROM certificates")
scan_json --dry-run "$T/fresh"
check "--dry-run reports the new certificate" [ "$(jsum certificates_new)" -eq 1 ]
check "... and stores nothing" [ "$(q "SELECT count(*) FROM certificates")" -eq "$before" ]
check "... not even a location" [ "$(q "SELECT count(*) FROM cert_locations WHERE path LIKE '$T/fresh/%'")" -eq 0 ]
scan_json "$T/fresh" "$T/missing"
check "a missing PATH: exit 1" [ "$rc" -eq 1 ]
check "... reported" has_problem "$T/missing"
check "... and the other PATH scanned anyway" [ "$(jsum certificates_new)" -eq 1 ]
cd_run scan
check "no PATH: usage error (2)" [ "$rc" -eq 2 ]
cd_run scan --bogus "$T/fresh"
check "unknown option: usage error (2)" [ "$rc" -eq 2 ]
cd_run scan "$D/bad"
check "text output: exit 0" [ "$rc" -eq 0 ]
check "... a problem line per bad file" [ "$(grep -c '^problem: ' "$T/.out")" -eq 5 ]
check "... and the summary" grep -q '^Files: .* read' "$T/.out"
cd_run scan --password-file "$T/nope" "$D"
check "an unreadable --password-file: exit 1" [ "$rc" -eq 1 ]

# ---- an unreadable directory, as another user when the test runs as root ----
if [ "$(id -u)" -eq 0 ] && command -v setpriv > /dev/null && id nobody > /dev/null 2>&1; then
	U=$T/as-nobody
	mkdir -p "$U/tree/locked" "$U/tree/open" "$U/store"
	cp "$W/api.pem" "$U/tree/open/"
	cp "$W/client.pem" "$U/tree/locked/"
	chown -R nobody "$U"
	chmod 700 "$U/store"
	chmod 000 "$U/tree/locked"
	chmod 711 "$T"	# nobody may pass through, not list
	as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups env CERTDECK_STORE="$U/store/s.db" "$CERTDECK" "$@"; }
	set +e
	as_nobody scan --json "$U/tree" > "$T/scan.json" 2> "$T/scan.err"
	rc=$?
	as_nobody scan --json "$U/tree/locked" > "$T/locked.json" 2>> "$T/scan.err"
	rc_root=$?
	set -e
	check "unreadable directory (as nobody): the scan completes, exit 0" [ "$rc" -eq 0 ]
	check "... it is reported" has_problem "$U/tree/locked"
	check "... and the readable one beside it is scanned" [ "$(jsum certificates_new)" -eq 1 ]
	check "an unreadable PATH: exit 1" [ "$rc_root" -eq 1 ]
	chmod 700 "$U/tree/locked"
	chmod 700 "$T"
else
	for _ in 1 2 3 4; do echo "ok $((tap_n += 1)) # SKIP no setpriv or no user nobody"; done
fi

# ---- import FILE of a bundle ----
export CERTDECK_STORE=$T/import.db
db=$CERTDECK_STORE
cd_run init
cd_run import "$D/bundle/roots.crt"
check "import of a bundle of unrelated roots: exit 0" [ "$rc" -eq 0 ]
check "... each root stored" [ "$(q "SELECT count(*) FROM certificates WHERE kind = 'ca' AND source = 'import'")" -eq 3 ]
check "... each alone (its chain is itself)" [ "$(q "SELECT count(*) FROM certificates WHERE length(pem_chain) - length(replace(pem_chain, 'BEGIN', '')) = 5")" -eq 3 ]
check "... the fingerprints are openssl's" [ "$(q "SELECT count(*) FROM certificates WHERE fingerprint IN ('$(fp "$W/r1.pem")', '$(fp "$W/r2.pem")', '$(fp "$W/r3.pem")')")" -eq 3 ]
cd_run import "$D/bundle/roots.crt"
check "importing the bundle again: exit 0" [ "$rc" -eq 0 ]
check "... says all were stored already" grep -q '3 certificates, 3 of them stored already' "$T/.out"
check "... and stores nothing twice" [ "$(q "SELECT count(*) FROM certificates")" -eq 3 ]
cat "$W/www.pem" "$W/r1.pem" > "$T/wrong-chain.pem"
cd_run import "$T/wrong-chain.pem"
check "a leaf followed by a CA that did not issue it is still a broken chain" [ "$rc" -eq 1 ]
check "... said so" grep -q 'broken chain' "$T/.err"
if [ -r /etc/ssl/certs/ca-certificates.crt ]; then
	cd_run import /etc/ssl/certs/ca-certificates.crt
	check "import of the system's ca-certificates.crt: exit 0" [ "$rc" -eq 0 ]
	check "... every certificate in it is stored" [ "$(q "SELECT count(*) FROM certificates")" -ge "$(grep -c 'BEGIN CERTIFICATE' /etc/ssl/certs/ca-certificates.crt)" ]
else
	echo "ok $((tap_n += 1)) # SKIP no /etc/ssl/certs/ca-certificates.crt"
	echo "ok $((tap_n += 1)) # SKIP no /etc/ssl/certs/ca-certificates.crt"
fi

done_testing
