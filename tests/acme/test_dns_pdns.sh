#!/usr/bin/env bash
# dns-01 through the PowerDNS HTTP API against a real pdns_server (sqlite
# backend) authoritative for example.org on 127.0.0.1 port 53 in a private
# network namespace, with Pebble validating through it: a wildcard and its
# apex in one order (two TXT values at one name), renewed and revoked; the
# records are gone afterwards; the API key stays out of the store and the
# output; a wrong key gives one clear message and leaves nothing; a key file
# other users can read is refused; a run killed with the records published
# leaves them to the next run, which removes them.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/dns/netns.sh"
. "$top_srcdir/tests/dns/pdns.sh"
DNS_NEEDS=(pdns_server pdnsutil sqlite3 curl)
dns_netns "$@"
. "$top_srcdir/tests/acme/acme-lib.sh"
set -e
at_exit pdns_stop
if ! pdns_start "$T/pdns" "$("$top_builddir/tests/pebble/freeport" 1)"; then
	echo "Bail out! pdns_server did not start"
	exit 1
fi
export PEBBLE_FIXTURE_DNS=127.0.0.1:53
acme_setup
acme_account
check "account new exits 0" [ "$rc" -eq 0 ]
key=$(cat "$PDNS_KEY")
setting() {	# setting ORDER-ID KEY: one member of the order's settings
	sqlite3 "$CERTDECK_STORE" "SELECT json_extract(settings, '\$.$2') FROM orders WHERE id = $1"
}
last_order() { sqlite3 "$CERTDECK_STORE" "SELECT max(id) FROM orders"; }
pdns=(--challenge dns-01 --dns pdns --pdns-url "$PDNS_URL" --pdns-api-key-file "$PDNS_KEY"
	--dns-resolver 127.0.0.1:53)

# ---- a wildcard and its apex: two values at _acme-challenge.example.org --
cd_run issue -d '*.example.org' -d example.org "${pdns[@]}"
check "issue *.example.org + example.org through pdns exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout" "$(tail -20 "$PDNS_DIR/pdns.log")"
cert=$out
check "the chain verifies for example.org" verify_cert "$cert" example.org
check "... and for a name under the wildcard" verify_cert "$cert" www.example.org
"$CERTDECK" show "$cert" --pem | openssl x509 -noout -ext subjectAltName > "$T/san" 2>&1 || true
check "the certificate names *.example.org and example.org" \
	grep -q 'DNS:\*\.example\.org, DNS:example\.org\|DNS:example\.org, DNS:\*\.example\.org' "$T/san"
check "no TXT record is left at _acme-challenge.example.org" dns_no_txt _acme-challenge.example.org
o=$(last_order)
check "the order keeps the provider" [ "$(setting "$o" dns_provider)" = pdns ]
check "... the URL" [ "$(setting "$o" pdns_url)" = "$PDNS_URL" ]
check "... and the key file's path" [ "$(setting "$o" pdns_api_key_file)" = "$PDNS_KEY" ]
check "the API key is nowhere in the store" \
	[ "$(sqlite3 "$CERTDECK_STORE" .dump | grep -cF "$key")" -eq 0 ]
check "... nor in the output" [ "$(printf '%s\n%s\n' "$out" "$errout" | grep -cF "$key")" -eq 0 ]

# ---- a record of someone else at the name stays ----------------------------
pdnsutil --config-dir="$PDNS_DIR" add-record example.org _acme-challenge TXT 60 '"keep-me"' > /dev/null 2>&1
cd_run issue -d example.org "${pdns[@]}"
check "issue example.org with another TXT value at the name exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
check "... and only that other value is left" [ "$(dns_txt _acme-challenge.example.org)" = keep-me ]
[ "$(dns_txt _acme-challenge.example.org)" = keep-me ] || diag "$(dns_txt _acme-challenge.example.org)" "$errout"
pdnsutil --config-dir="$PDNS_DIR" delete-rrset example.org _acme-challenge TXT > /dev/null 2>&1

# ---- renewal keeps the DNS settings ---------------------------------------
cd_run renew --force "$cert"
check "renew --force through pdns exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
o2=$(last_order)
check "renewal made a new order" [ "$o2" -gt "$o" ]
check "... with the same provider and key file" \
	[ "$(setting "$o2" dns_provider)/$(setting "$o2" pdns_api_key_file)" = "pdns/$PDNS_KEY" ]
new=$(sqlite3 "$CERTDECK_STORE" "SELECT cert_id FROM orders WHERE id = $o2")
check "the renewed certificate verifies" verify_cert "$new" example.org
check "no TXT record is left after the renewal" dns_no_txt _acme-challenge.example.org

# ---- revoke -----------------------------------------------------------------
cd_run revoke "$new"
check "revoke exits 0" [ "$rc" -eq 0 ]
check "Pebble says revoked" [ "$(pebble_cert_status "$new")" = Revoked ]
check "no TXT record is left at the end" dns_no_txt _acme-challenge.example.org

# ---- a key file other users can read is refused ---------------------------
cp "$PDNS_KEY" "$T/open.key"
chmod 0644 "$T/open.key"
cd_run issue -d example.org "${pdns[@]/$PDNS_KEY/$T/open.key}"
check "a key file readable by others is refused" [ "$rc" -ne 0 ]
check "... with a message naming it" grep -q "refusing the PowerDNS API key file $T/open.key" <<< "$errout"
check "... and no order is made" [ "$(last_order)" = "$o2" ]

# ---- a wrong API key: one clear message, nothing left ----------------------
before=$(last_order)
msg="the PowerDNS API at $PDNS_URL rejected the API key from $PDNS_WRONG_KEY (HTTP 401)"
cd_run issue -d wrong.example.org "${pdns[@]/$PDNS_KEY/$PDNS_WRONG_KEY}"
check "wrong key: issue fails" [ "$rc" -ne 0 ]
check "wrong key: the message says: $msg" [ "$(grep -cF -- "$msg" <<< "$errout")" -eq 1 ]
[ "$(grep -cF -- "$msg" <<< "$errout")" -eq 1 ] || diag "$errout"
check "wrong key: the order is kept, pending (resumable)" \
	[ "$(last_order)" -gt "$before" ] && [ "$(sqlite3 "$CERTDECK_STORE" "SELECT status FROM orders WHERE id = $(last_order)")" = pending ]
check "wrong key: no TXT record is left" dns_no_txt _acme-challenge.wrong.example.org
check "wrong key: no cleanup is pending in the store" [ -z "$(setting "$(last_order)" dns_cleanup)" ]
check "wrong key: the key is not in the output" [ "$(printf '%s\n%s\n' "$out" "$errout" | grep -cF "$(cat "$PDNS_WRONG_KEY")")" -eq 0 ]

# ---- killed with the records published: the next run removes them first ----
export CERTDECK_TEST_LEASE_SECONDS=1
job=$("$CERTDECK" issue -d crash.example.org -d '*.crash.example.org' "${pdns[@]}" --no-wait)
set +e
CERTDECK_TEST_CRASH_AT=authz "$CERTDECK" worker --once > /dev/null 2>&1
krc=$?
set -e
check "crash: the worker was killed (SIGKILL)" [ "$krc" -eq 137 ]
o=$(last_order)
check "crash: the store lists both records to remove" \
	[ "$(sqlite3 "$CERTDECK_STORE" "SELECT json_array_length(settings, '\$.dns_cleanup') FROM orders WHERE id = $o")" -eq 2 ]
check "crash: both values are still published" [ "$(dns_txt _acme-challenge.crash.example.org | wc -l)" -eq 2 ]
check "crash: the lease runs out" lease_wait
cd_run worker --once
check "crash: a new worker finishes the job" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
check "crash: the job is done" [ "$(sqlite3 "$CERTDECK_STORE" "SELECT state FROM jobs WHERE id = $job")" = done ]
check "crash: the records are gone" dns_no_txt _acme-challenge.crash.example.org
check "crash: nothing is left to clean up" [ -z "$(setting "$o" dns_cleanup)" ]

done_testing
