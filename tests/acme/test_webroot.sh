#!/usr/bin/env bash
# http-01 through a webroot, end to end: a plain static web server (python3's
# http.server) serves the directory where Pebble validates; certdeck only
# writes the challenge files, and removes them afterwards.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/acme/acme-lib.sh"
set -e
command -v python3 >/dev/null || { echo "1..0 # SKIP python3 not installed"; exit 0; }
acme_setup PEBBLE_WFE_NONCEREJECT=0
acme_account
mkdir -p "$T/www"
echo "hello" > "$T/www/index.html"
python3 -m http.server --bind 127.0.0.1 --directory "$T/www" "$PEBBLE_HTTP_PORT" \
	> "$T/httpd.log" 2>&1 &
hp=$!
at_exit "kill $hp 2>/dev/null; wait $hp 2>/dev/null"
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PEBBLE_HTTP_PORT/index.html" >/dev/null && break; sleep 0.1; done
cd_run issue -d webroot.example.test -d www.webroot.example.test --webroot "$T/www"
check "issue --webroot exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
check "the certificate verifies" verify_cert "$out"
check "the web server served the challenge files" grep -q 'GET /.well-known/acme-challenge/' "$T/httpd.log"
check "the challenge files are gone afterwards" [ -z "$(ls -A "$T/www/.well-known/acme-challenge" 2>/dev/null)" ]
check "the site's own files are untouched" [ "$(cat "$T/www/index.html")" = hello ]
cd_run issue -d nowebroot.example.test --webroot "$T/missing"
check "a webroot that does not exist: exit 1" [ "$rc" -eq 1 ]
check "... naming it" grep -q missing "$T/.err"
done_testing
