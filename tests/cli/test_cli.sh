#!/usr/bin/env bash
# The CLI skeleton: help, version, exit codes, init, import, list, show, bad input.
. "$top_srcdir/tests/lib.sh"
set -e
export CERTDECK_STORE="$T/data/certdeck/store.db"

cd_run --version
check "--version exits 0" [ "$rc" -eq 0 ]
check "--version names the program" grep -q '^certdeck [0-9]' "$T/.out"
cd_run --help
check "--help exits 0 and lists commands" [ "$rc" -eq 0 ]
check "--help lists import" grep -q 'import' "$T/.out"
cd_run
check "no command is a usage error (2)" [ "$rc" -eq 2 ]
cd_run frobnicate
check "unknown command exits 2" [ "$rc" -eq 2 ]
check "unknown command is named" grep -q frobnicate "$T/.err"
cd_run list --bogus
check "unknown option exits 2" [ "$rc" -eq 2 ]
cd_run list --help
check "subcommand --help exits 0" [ "$rc" -eq 0 ]
check "subcommand --help shows --json" grep -q -- '--json' "$T/.out"
cd_run list --expiring soon
check "bad --expiring value exits 2" [ "$rc" -eq 2 ]

cd_run list
check "list without a store fails (1)" [ "$rc" -eq 1 ]
check "... and says to run init" grep -q 'init' "$T/.err"

cd_run init
check "init exits 0" [ "$rc" -eq 0 ]
check "store file is 0600" [ "$(stat -c %a "$CERTDECK_STORE")" = 600 ]
check "store directory is 0700" [ "$(stat -c %a "$(dirname "$CERTDECK_STORE")")" = 700 ]
cd_run init
check "init again is fine" [ "$rc" -eq 0 ]

"$top_srcdir/tests/demo/make-demo-certs.sh" "$T/certs" > /dev/null
C=$T/certs
cd_run list --json
check "empty list --json is []" [ "$(jq length "$T/.out")" = 0 ]

# Bad input: nothing written, exit 1, the file named.
printf 'hello\n' > "$T/garbage.pem"
head -c 300 "$C/api.example.test.crt" > "$T/truncated.pem"
cd_run import "$C/api.example.test.pem" "$T/truncated.pem"
check "truncated PEM exits 1" [ "$rc" -eq 1 ]
check "... names the file" grep -q truncated.pem "$T/.err"
cd_run import "$T/garbage.pem"
check "a non-PEM file exits 1" [ "$rc" -eq 1 ]
check "... names the file" grep -q garbage.pem "$T/.err"
cd_run import "$C/api.example.test.key"
check "a key is not a certificate" [ "$rc" -eq 1 ]
cd_run import "$T/missing.pem"
check "a missing file exits 1" [ "$rc" -eq 1 ]
cd_run import --key "$C/www.example.test.key" "$C/api.example.test.crt"
check "a key that does not match is refused" [ "$rc" -eq 1 ]
cd_run list --json
check "nothing was written by the failed imports" [ "$(jq length "$T/.out")" = 0 ]

# Good imports.
cd_run import "$C"/www.example.test.pem "$C"/api.example.test.pem "$C"/old.example.test.pem \
	"$C"/shop.example.test.pem
check "import of combined PEMs exits 0" [ "$rc" -eq 0 ]
check "import reports each" [ "$(grep -c '^Imported' "$T/.out")" -eq 4 ]
cd_run import --key "$C/intranet.example.test.key" "$C/intranet.example.test.crt"
check "import with --key exits 0" [ "$rc" -eq 0 ]
cd_run import "$C/api.example.test.pem"
check "importing the same certificate twice fails" [ "$rc" -eq 1 ]
check "... saying it is already stored" grep -qi 'already' "$T/.err"

cd_run list
check "list exits 0" [ "$rc" -eq 0 ]
check "list has a header and 5 rows" [ "$(wc -l < "$T/.out")" -eq 6 ]
check "soonest expiry first (the expired one)" \
	[ "$(sed -n 2p "$T/.out" | awk '{print $2}')" = old.example.test ]
check "the expired one says expired" grep -q 'old.example.test.*expired' "$T/.out"
check "extra names are counted" grep -q 'www.example.test (+2)' "$T/.out"

cd_run list --json
check "list --json has 5 entries" [ "$(jq length "$T/.out")" = 5 ]
check "JSON is sorted by expiry" [ "$(jq -r '.[0].name' "$T/.out")" = old.example.test ]
check "JSON status expired" [ "$(jq -r '.[0].status' "$T/.out")" = expired ]
check "JSON names array" [ "$(jq -r '.[] | select(.name=="www.example.test") | .names | length' "$T/.out")" = 3 ]
check "JSON days_left" [ "$(jq -r '.[] | select(.name=="api.example.test") | .days_left' "$T/.out")" -ge 59 ]
check "JSON key_held" [ "$(jq -r '.[] | select(.name=="intranet.example.test") | .key_held' "$T/.out")" = true ]
check "JSON issuer_cn" [ "$(jq -r '.[0].issuer_cn' "$T/.out")" = "certdeck Demo Root" ]
want_fp=$(openssl x509 -in "$C/api.example.test.crt" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f)
check "JSON fingerprint matches openssl" \
	[ "$(jq -r '.[] | select(.name=="api.example.test") | .fingerprint_sha256' "$T/.out")" = "$want_fp" ]
check "JSON keys never appear" sh -c "! grep -q 'PRIVATE KEY' '$T/.out'"

cd_run list --expiring 7 --json
check "--expiring 7 keeps the expired and the 5-day one" [ "$(jq length "$T/.out")" = 2 ]
cd_run list --filter shop --json
check "--filter matches a name" [ "$(jq -r '.[0].name' "$T/.out")" = shop.example.test ]

id=$(jq -r '.[] | select(.name=="api.example.test") | .id' <("$CERTDECK" list --json))
cd_run show "$id"
check "show exits 0" [ "$rc" -eq 0 ]
check "show prints the serial" grep -q 'Serial:' "$T/.out"
cd_run show "$id" --json
check "show --json has the PEM" [ "$(jq -r .pem "$T/.out" | head -n 1)" = "-----BEGIN CERTIFICATE-----" ]
cd_run show "$id" --pem
check "show --pem is the chain only" sh -c "openssl x509 -noout < '$T/.out' && ! grep -q PRIVATE '$T/.out'"
check "show --pem has leaf and CA" [ "$(grep -c 'BEGIN CERTIFICATE' "$T/.out")" -eq 2 ]
cd_run show 99999
check "show of a missing id exits 1" [ "$rc" -eq 1 ]
cd_run show abc
check "show of a non-number exits 2" [ "$rc" -eq 2 ]

# The store itself: corrupt, newer, unwritable.
cp "$CERTDECK_STORE" "$T/copy.db"
sqlite3 "$T/copy.db" 'PRAGMA user_version = 99'
cd_run --store "$T/copy.db" list
check "a newer store is refused" [ "$rc" -eq 1 ]
check "... saying so" grep -qi 'newer' "$T/.err"
head -c 8192 /dev/urandom > "$T/junk.db"
cd_run --store "$T/junk.db" list
check "a non-SQLite file is refused" [ "$rc" -eq 1 ]
check "... naming it" grep -q junk.db "$T/.err"
cd_run --store /dev/null/x/store.db init
check "an impossible directory fails cleanly" [ "$rc" -eq 1 ]
check "integrity check is ok" [ "$(sqlite3 "$CERTDECK_STORE" 'PRAGMA integrity_check')" = ok ]
check "the private keys are in the store only once each" \
	[ "$(sqlite3 "$CERTDECK_STORE" 'SELECT count(*) FROM keys')" -eq 5 ]

done_testing
