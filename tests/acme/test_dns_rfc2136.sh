#!/usr/bin/env bash
# dns-01 by RFC 2136 against a real BIND 9 authoritative for example.org on
# 127.0.0.1 port 53 in a private network namespace, with Pebble validating
# through it: a wildcard and its apex in one order (two TXT values at one
# name), renewed and revoked; the records are gone afterwards; the TSIG
# secret stays out of the store and the output; a key file other users can
# read is refused.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/dns/netns.sh"
. "$top_srcdir/tests/dns/bind.sh"
DNS_NEEDS=(named tsig-keygen)
dns_netns "$@"
. "$top_srcdir/tests/acme/acme-lib.sh"
set -e
at_exit bind_stop
if ! bind_start "$T/bind"; then
	echo "Bail out! named did not start"
	exit 1
fi
export PEBBLE_FIXTURE_DNS=127.0.0.1:53
acme_setup
acme_account
check "account new exits 0" [ "$rc" -eq 0 ]
secret=$(sed -n 's/.*secret "\(.*\)".*/\1/p' "$BIND_KEY")
setting() {	# setting ORDER-ID KEY: one member of the order's settings
	sqlite3 "$CERTDECK_STORE" "SELECT json_extract(settings, '\$.$2') FROM orders WHERE id = $1"
}
last_order() { sqlite3 "$CERTDECK_STORE" "SELECT max(id) FROM orders"; }
rfc2136=(--challenge dns-01 --dns rfc2136 --dns-server 127.0.0.1 --tsig-key-file "$BIND_KEY"
	--dns-resolver 127.0.0.1:53)

# ---- a wildcard and its apex: two values at _acme-challenge.example.org --
cd_run issue -d '*.example.org' -d example.org "${rfc2136[@]}"
check "issue *.example.org + example.org through rfc2136 exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout" "$(tail -20 "$BIND_DIR/named.log")"
cert=$out
check "the chain verifies for example.org" verify_cert "$cert" example.org
check "... and for a name under the wildcard" verify_cert "$cert" www.example.org
"$CERTDECK" show "$cert" --pem | openssl x509 -noout -ext subjectAltName > "$T/san" 2>&1 || true
check "the certificate names *.example.org and example.org" \
	grep -q 'DNS:\*\.example\.org, DNS:example\.org\|DNS:example\.org, DNS:\*\.example\.org' "$T/san"
check "BIND took two TXT additions" [ "$(grep -c "adding an RR at '_acme-challenge.example.org' TXT" "$BIND_DIR/named.log")" -eq 2 ]
check "... in one UPDATE message (one client port)" [ "$(grep "adding an RR at '_acme-challenge.example.org' TXT" "$BIND_DIR/named.log" | grep -o '127\.0\.0\.1#[0-9]*' | sort -u | wc -l)" -eq 1 ]
check "no TXT record is left at _acme-challenge.example.org" dns_no_txt _acme-challenge.example.org
o=$(last_order)
check "the order keeps the provider" [ "$(setting "$o" dns_provider)" = rfc2136 ]
check "... the server" [ "$(setting "$o" dns_server)" = 127.0.0.1 ]
check "... and the key file's path" [ "$(setting "$o" tsig_key_file)" = "$BIND_KEY" ]
check "the TSIG secret is nowhere in the store" \
	[ "$(sqlite3 "$CERTDECK_STORE" .dump | grep -cF "$secret")" -eq 0 ]
check "... nor in the output" [ "$(printf '%s\n%s\n' "$out" "$errout" | grep -cF "$secret")" -eq 0 ]

# ---- renewal keeps the DNS settings ---------------------------------------
cd_run renew --force "$cert"
check "renew --force through rfc2136 exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
o2=$(last_order)
check "renewal made a new order" [ "$o2" -gt "$o" ]
check "... with the same provider and key file" \
	[ "$(setting "$o2" dns_provider)/$(setting "$o2" tsig_key_file)" = "rfc2136/$BIND_KEY" ]
new=$(sqlite3 "$CERTDECK_STORE" "SELECT cert_id FROM orders WHERE id = $o2")
check "the renewed certificate verifies" verify_cert "$new" example.org
check "no TXT record is left after the renewal" dns_no_txt _acme-challenge.example.org

# ---- revoke -----------------------------------------------------------------
cd_run revoke "$new"
check "revoke exits 0" [ "$rc" -eq 0 ]
check "Pebble says revoked" [ "$(pebble_cert_status "$new")" = Revoked ]
check "no TXT record is left at the end" dns_no_txt _acme-challenge.example.org

# ---- a key file other users can read is refused ---------------------------
cp "$BIND_KEY" "$T/open.key"
chmod 0644 "$T/open.key"
cd_run issue -d example.org "${rfc2136[@]/$BIND_KEY/$T/open.key}"
check "a key file readable by others is refused" [ "$rc" -ne 0 ]
check "... with a message naming it" grep -q "refusing the TSIG key file $T/open.key" <<< "$errout"
check "... and no order is made" [ "$(last_order)" = "$o2" ]

# ---- bad input: one clear message each, the order resumable, nothing left --
# bad NAME MESSAGE ISSUE-ARGS...: issue fails with MESSAGE once, the order
# stays pending (resumable), no record is left at NAME's _acme-challenge.
bad() {
	local name=$1 msg=$2 before
	shift 2
	before=$(last_order)
	cd_run issue -d "$name" --challenge dns-01 --dns rfc2136 --dns-resolver 127.0.0.1:53 "$@"
	check "$name: issue fails" [ "$rc" -ne 0 ]
	check "$name: the message says: $msg" [ "$(grep -cF -- "$msg" <<< "$errout")" -eq 1 ]
	[ "$(grep -cF -- "$msg" <<< "$errout")" -eq 1 ] || diag "$errout"
	check "$name: the order is kept, pending (resumable)" \
		[ "$(last_order)" -gt "$before" ] && [ "$(sqlite3 "$CERTDECK_STORE" "SELECT status FROM orders WHERE id = $(last_order)")" = pending ]
	# (No zone, or a CNAME loop: nothing can be published there to check.)
	[ -n "${NO_TXT_CHECK:-}" ] || check "$name: no TXT record is left" dns_no_txt "_acme-challenge.$name"
	check "$name: no cleanup is pending in the store" [ -z "$(setting "$(last_order)" dns_cleanup)" ]
}
bad bad-sig.example.org "DNS server 127.0.0.1 rejected the TSIG key certdeck-test. from $BIND_WRONG_KEY: BADSIG" \
	--dns-server 127.0.0.1 --tsig-key-file "$BIND_WRONG_KEY"
bad bad-key.example.org "DNS server 127.0.0.1 rejected the TSIG key nobody-knows-me. from $BIND_UNKNOWN_KEY: BADKEY" \
	--dns-server 127.0.0.1 --tsig-key-file "$BIND_UNKNOWN_KEY"
bad locked.test "DNS server 127.0.0.1 refused to add TXT _acme-challenge.locked.test. in zone locked.test. with the TSIG key certdeck-test." \
	--dns-server 127.0.0.1 --tsig-key-file "$BIND_KEY"
down=$("$top_builddir/tests/pebble/freeport" 1)
bad down.example.org "no answer from DNS server 127.0.0.1:$down to the update of zone example.org." \
	--dns-server "127.0.0.1:$down" --tsig-key-file "$BIND_KEY"
bad two-ns.test "TXT record _acme-challenge.two-ns.test. not served after 2 s by these nameservers of two-ns.test.: ns2.two-ns.test. (127.0.0.2)" \
	--dns-server 127.0.0.1 --tsig-key-file "$BIND_KEY" --dns-timeout 2
check "two-ns.test: the update itself went through" \
	grep -q "adding an RR at '_acme-challenge.two-ns.test' TXT" "$BIND_DIR/named.log"
NO_TXT_CHECK=1 bad nowhere.invalid "cannot find the DNS zone of _acme-challenge.nowhere.invalid." \
	--dns-server 127.0.0.1 --tsig-key-file "$BIND_KEY"

# ---- CNAME delegation: only the zone the alias leads to is updated ---------
zone_updates() { grep -c "updating zone '$1/IN'" "$BIND_DIR/named.log" || true; }
ex_before=$(zone_updates example.org)
cd_run issue -d cname.example.org --challenge dns-01 --dns rfc2136 --dns-server 127.0.0.1 \
	--tsig-key-file "$BIND_DELEGATED_KEY" --dns-resolver 127.0.0.1:53
check "cname: issue through the CNAME into delegated.test exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout" "$(tail -5 "$BIND_DIR/named.log")"
check "cname: the certificate verifies" verify_cert "$out" cname.example.org
check "cname: delegated.test got the record (added and deleted)" \
	grep -q "updating zone 'delegated.test/IN': adding an RR at 'cname.delegated.test' TXT" "$BIND_DIR/named.log"
check "cname: example.org was not touched" [ "$(zone_updates example.org)" -eq "$ex_before" ]
check "cname: no record is left at the target" dns_no_txt cname.delegated.test

cd_run issue -d alias.example.org -d '*.alias.example.org' --challenge dns-01 --dns rfc2136 \
	--dns-server 127.0.0.1 --tsig-key-file "$BIND_DELEGATED_KEY" --dns-resolver 127.0.0.1:53 \
	--challenge-alias delegated.test
check "--challenge-alias delegated.test: issue exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
check "--challenge-alias: the certificate verifies" verify_cert "$out" alias.example.org
check "--challenge-alias: both values went to _acme-challenge.delegated.test" \
	[ "$(grep -c "adding an RR at '_acme-challenge.delegated.test' TXT" "$BIND_DIR/named.log")" -eq 2 ]
check "--challenge-alias: the order keeps it" [ "$(setting "$(last_order)" challenge_alias)" = delegated.test ]
check "--challenge-alias: no record is left" dns_no_txt _acme-challenge.delegated.test
NO_TXT_CHECK=1 bad loop.example.org "CNAME loop: _acme-challenge.loop.example.org. leads back to _acme-challenge.loop.example.org." \
	--dns-server 127.0.0.1 --tsig-key-file "$BIND_KEY"

# ends PID: true when PID exits (reaped) within 20 s, a bound far above the
# second it takes; else it is killed, so that a broken stop fails the check
# instead of hanging the test for the 600 s wait.
ends() {
	local i
	for ((i = 0; i < 200; i++)); do
		kill -0 "$1" 2> /dev/null || { wait "$1" 2> /dev/null; return 0; }
		sleep 0.1
	done
	kill -KILL "$1" 2> /dev/null
	wait "$1" 2> /dev/null
	return 1
}

# ---- stopped (SIGTERM) while waiting for propagation: the records go -------
# two-ns.test's second nameserver never answers, so the wait lasts until the
# worker is told to stop.
job=$("$CERTDECK" issue -d two-ns.test "${rfc2136[@]}" --dns-timeout 600 --no-wait)
"$CERTDECK" worker --once > "$T/stop.out" 2>&1 &
wpid=$!
for ((i = 0; i < 100; i++)); do
	[ -n "$(dns_txt _acme-challenge.two-ns.test)" ] && break
	sleep 0.1
done
check "stop: the record is published while the worker waits" [ -n "$(dns_txt _acme-challenge.two-ns.test)" ]
kill -TERM "$wpid"
check "stop: the worker stops waiting" ends "$wpid"
check "stop: the record is gone after the worker stopped" dns_no_txt _acme-challenge.two-ns.test
check "stop: nothing is left to clean up in the store" [ -z "$(setting "$(last_order)" dns_cleanup)" ]
check "stop: the job waits to be run again" \
	[ "$(sqlite3 "$CERTDECK_STORE" "SELECT state FROM jobs WHERE id = $job")" = queued ]
"$CERTDECK" cancel "$job" > /dev/null

# ---- cancelled while waiting for propagation: the records go -----------------
job=$("$CERTDECK" issue -d two-ns.test "${rfc2136[@]}" --dns-timeout 600 --no-wait)
"$CERTDECK" worker --once > "$T/cancel.out" 2>&1 &
wpid=$!
for ((i = 0; i < 100; i++)); do
	[ -n "$(dns_txt _acme-challenge.two-ns.test)" ] && break
	sleep 0.1
done
check "cancel: the record is published while the worker waits" [ -n "$(dns_txt _acme-challenge.two-ns.test)" ]
cd_run cancel "$job"
check "cancel: certdeck cancel exits 0" [ "$rc" -eq 0 ]
check "cancel: the worker stops waiting" ends "$wpid"
check "cancel: the record is gone" dns_no_txt _acme-challenge.two-ns.test
check "cancel: the job is cancelled" \
	[ "$(sqlite3 "$CERTDECK_STORE" "SELECT state FROM jobs WHERE id = $job")" = cancelled ]
check "cancel: nothing is left to clean up in the store" [ -z "$(setting "$(last_order)" dns_cleanup)" ]

# ---- killed with the records published: the next run removes them first ----
# (the unreachable server's job waits for a retry: not this worker's business)
"$CERTDECK" jobs --json 2> /dev/null | jq -r '.[] | select(.state == "queued") | .id' |
	while read -r j; do "$CERTDECK" cancel "$j" > /dev/null; done
export CERTDECK_TEST_LEASE_SECONDS=1
job=$("$CERTDECK" issue -d crash.example.org -d '*.crash.example.org' "${rfc2136[@]}" --no-wait)
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
