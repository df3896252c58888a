#!/usr/bin/env bash
# dns-01 by RFC 2136 against Knot DNS authoritative for example.org on
# 127.0.0.1 port 53 in a private network namespace, with Pebble validating
# through it and the key in Knot's own format (keymgr -t): a wildcard and its
# apex in one order, renewed and revoked; the records are gone afterwards; a
# wrong secret gives one message naming the server and the key.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/dns/netns.sh"
. "$top_srcdir/tests/dns/knot.sh"
DNS_NEEDS=(knotd keymgr)
dns_netns "$@"
. "$top_srcdir/tests/acme/acme-lib.sh"
set -e
at_exit knot_stop
if ! knot_start "$T/knot"; then
	echo "Bail out! knotd did not start"
	exit 1
fi
export PEBBLE_FIXTURE_DNS=127.0.0.1:53
acme_setup
acme_account
check "account new exits 0" [ "$rc" -eq 0 ]
rfc2136=(--challenge dns-01 --dns rfc2136 --dns-server 127.0.0.1 --dns-resolver 127.0.0.1:53)

cd_run issue -d '*.example.org' -d example.org "${rfc2136[@]}" --tsig-key-file "$KNOT_KEY"
check "issue *.example.org + example.org through Knot exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout" "$(tail -20 "$KNOT_DIR/knot.log")"
cert=$out
check "the chain verifies for example.org" verify_cert "$cert" example.org
check "... and for a name under the wildcard" verify_cert "$cert" www.example.org
check "Knot took the update" grep -q "example.org.*DDNS" "$KNOT_DIR/knot.log"
check "no TXT record is left" dns_no_txt _acme-challenge.example.org

cd_run renew --force "$cert"
check "renew --force through Knot exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
new=$(sqlite3 "$CERTDECK_STORE" "SELECT cert_id FROM orders WHERE id = (SELECT max(id) FROM orders)")
check "the renewed certificate is another one" [ "$new" != "$cert" ]
check "it verifies" verify_cert "$new" example.org
check "no TXT record is left after the renewal" dns_no_txt _acme-challenge.example.org

cd_run revoke "$new"
check "revoke exits 0" [ "$rc" -eq 0 ]
check "Pebble says revoked" [ "$(pebble_cert_status "$new")" = Revoked ]

cd_run issue -d bad.example.org "${rfc2136[@]}" --tsig-key-file "$KNOT_WRONG_KEY"
check "a wrong secret fails" [ "$rc" -ne 0 ]
check "... with one message naming the server and the key" \
	[ "$(grep -cF "DNS server 127.0.0.1 rejected the TSIG key certdeck-knot. from $KNOT_WRONG_KEY: BADSIG" <<< "$errout")" -eq 1 ]
[ "$rc" -ne 0 ] && grep -q BADSIG <<< "$errout" || diag "$errout"
check "... and no record is left" dns_no_txt _acme-challenge.bad.example.org

done_testing
