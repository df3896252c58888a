#!/usr/bin/env bash
# What is served and what the CA says, on the screen: the detail view's
# revocation status (good, REVOKED with reason and time, unknown with why,
# not checked) and endpoints with their last verdict and when it was
# checked. Endpoints are added with 'certdeck endpoint add'; the verdicts
# and revocation answers (what 'certdeck check' and 'certdeck revocation'
# record, tested against real servers in tests/cli/) are written into the
# store here, as other UI tests prepare stores. Then the list's Served
# column and the served:/revocation: filters; P on the detail view, whose
# check job probes a real TLS server (openssl s_server on 127.0.0.1) and a
# closed port; and the Endpoints screen (:endpoints), problems first.
. "$top_srcdir/tests/lib.sh"
if ! command -v tmux >/dev/null 2>&1; then
	echo "1..0 # SKIP tmux is not installed"
	exit 0
fi
. "$top_srcdir/tests/ui/tmux-lib.sh"
set -e

"$top_srcdir/tests/demo/make-demo-certs.sh" "$T/certs" > /dev/null
export CERTDECK_STORE="$T/data/store.db"
"$CERTDECK" init > /dev/null
"$CERTDECK" import "$T/certs/api.example.test.pem" "$T/certs/www.example.test.pem" \
	"$T/certs/intranet.example.test.pem" "$T/certs/shop.example.test.pem" > /dev/null
sql() { sqlite3 "$CERTDECK_STORE" "$1"; }
id_of() { sql "SELECT id FROM certificates WHERE name = '$1'"; }
api=$(id_of api.example.test)
www=$(id_of www.example.test)
intra=$(id_of intranet.example.test)
shop=$(id_of shop.example.test)
check "api is stored" [ -n "$api" ]
check "www is stored" [ -n "$www" ]
check "intranet is stored" [ -n "$intra" ]
check "shop is stored" [ -n "$shop" ]

cd_run endpoint add "$api" 127.0.0.1:8443 --sni api.example.test
check "endpoint add (api, served right)" [ "$rc" -eq 0 ]
cd_run endpoint add "$api" 127.0.0.2:443 --sni api.example.test
check "endpoint add (api, not checked yet)" [ "$rc" -eq 0 ]
cd_run endpoint add "$www" 127.0.0.1:8444 --sni www.example.test
check "endpoint add (www, stale)" [ "$rc" -eq 0 ]
cd_run endpoint add "$www" 127.0.0.1:2525 --sni mail.example.test --starttls smtp
check "endpoint add (www, unreachable mail server)" [ "$rc" -eq 0 ]
ep() { sql "SELECT id FROM endpoints WHERE host = '$1' AND port = $2"; }
now=$(date +%s)
checked=$((now - 3600))
when=$(date -u -d "@$checked" '+%Y-%m-%d %H:%M')
sql "UPDATE endpoints SET checked = $checked, state = 'ok', state_since = $checked,
	served_cert_id = cert_id WHERE id = $(ep 127.0.0.1 8443)"
sql "UPDATE endpoints SET checked = $checked, state = 'stale', state_since = $checked,
	message = 'serves #1, replaced' WHERE id = $(ep 127.0.0.1 8444)"
sql "UPDATE endpoints SET checked = $checked, state = 'unreachable', state_since = $checked,
	message = 'connection refused' WHERE id = $(ep 127.0.0.1 2525)"
revoked_at=$((now - 86400))
sql "INSERT INTO revocation_status (cert_id, state, method, source_url, reason, revoked_at,
	checked_at, next_check) VALUES ($api, 'revoked', 'crl', 'http://ca.test/demo.crl', 1,
	$revoked_at, $checked, $now + 3600)"
sql "INSERT INTO revocation_status (cert_id, state, method, source_url, checked_at, next_check)
	VALUES ($www, 'good', 'ocsp', 'http://ocsp.ca.test/', $checked, $now + 3600)"
sql "INSERT INTO revocation_status (cert_id, state, detail, checked_at, next_check)
	VALUES ($intra, 'unknown', 'no CRL distribution point and no OCSP URL', $checked, $now + 3600)"

tui_script
tmux_start 150 50 "$T/ui.sh"
check "the list comes up" wait_for 'Name +Days'

# The Served column: the worst verdict among a certificate's endpoints.
check "the list has a Served column" wait_for 'Name +Days.* Served +Acct *$'
check "www: unreachable (its worst: stale and unreachable)" wait_for '^www\.example\.test .* unreachable +- *$'
check "api: ok (one ok, one not checked yet)" wait_for '^api\.example\.test .* ok +- *$'
check "intranet: none" wait_for '^intranet\.example\.test .* - +- *$'
# filter TEXT: the list narrowed to TEXT, one name per line.
filter() {
	tmx send-keys -t t / C-u "$1" Enter
	settle > /dev/null
	screen | grep -oE '^[a-z]+\.example\.test' | sort | tr '\n' ' '
}
check "served:stale: the certificate with a stale endpoint" [ "$(filter served:stale)" = "www.example.test " ]
check "served:unreachable: the same one" [ "$(filter served:unreachable)" = "www.example.test " ]
check "served:ok: api" [ "$(filter served:ok)" = "api.example.test " ]
check "served:none: those without endpoints" [ "$(filter served:none)" = "intranet.example.test shop.example.test " ]
check "revocation:revoked: api" [ "$(filter revocation:revoked)" = "api.example.test " ]
check "revocation:good: www" [ "$(filter revocation:good)" = "www.example.test " ]
check "revocation:unknown: intranet" [ "$(filter revocation:unknown)" = "intranet.example.test " ]
check "revocation:unchecked: shop" [ "$(filter revocation:unchecked)" = "shop.example.test " ]
check "served:none revocation:unchecked: both must hold" \
	[ "$(filter 'served:none revocation:unchecked')" = "shop.example.test " ]
tmx send-keys -t t / C-u served:bogus
check "an unknown verdict says which there are" wait_for 'unknown served:bogus \(ok, expiring'
tmx send-keys -t t Escape
check "Esc clears the filter: all four again" eval 'wait_for "^shop\.example" && [ "$(screen | grep -cE "^[a-z]+\.example\.test")" -eq 4 ]'

# detail NAME: opens NAME's detail view from the list.
detail() {
	tmx send-keys -t t / C-u "$1" Enter
	wait_for "^$1" || return 1
	tmx send-keys -t t Enter
	wait_for "#[0-9]+ $1"
}
check "api: Enter opens the detail view" detail api.example.test
check "api: REVOKED with its reason and time" \
	wait_for "Revocation +REVOKED by its CA: keyCompromise, $(date -u -d "@$revoked_at" '+%Y-%m-%d')"
check "... where it was asked and when" wait_for "^ +CRL http://ca\.test/demo\.crl, checked $when"
check "api: the endpoint served right, with when" \
	wait_for "Endpoints +127\.0\.0\.1:8443 \(api\.example\.test\): ok, checked $when"
check "... the one never checked says so" wait_for "^ +127\.0\.0\.2:443 \(api\.example\.test\): not checked yet"
tmx send-keys -t t Escape
wait_gone 'Revocation'

check "www: Enter opens the detail view" detail www.example.test
check "www: revocation good" wait_for "Revocation +good"
check "... asked through OCSP" wait_for "^ +OCSP http://ocsp\.ca\.test/, checked $when"
check "www: the stale endpoint" wait_for "Endpoints +127\.0\.0\.1:8444 \(www\.example\.test\): stale, checked $when"
check "... with the check's message" wait_for "^ +serves #1, replaced"
check "www: the unreachable STARTTLS endpoint" \
	wait_for "^ +127\.0\.0\.1:2525 \(mail\.example\.test\) starttls smtp: unreachable, checked $when"
check "... why" wait_for "^ +connection refused"
tmx send-keys -t t Escape
wait_gone 'Revocation'

check "intranet: Enter opens the detail view" detail intranet.example.test
check "intranet: revocation unknown, with why" \
	wait_for "Revocation +unknown: no CRL distribution point and no OCSP URL"
check "... no endpoints" wait_for "Endpoints +none"
tmx send-keys -t t Escape
wait_gone 'Revocation'

check "shop: Enter opens the detail view" detail shop.example.test
check "shop: revocation not checked" wait_for "Revocation +not checked"
tmx send-keys -t t Escape
wait_gone 'Revocation'

# P on the detail view: a check job probes the certificate's endpoints (the
# worker does the network I/O): a real TLS server here on 127.0.0.1
# (openssl s_server with shop's certificate and chain; the demo CA is not
# in the system's trust store) and a closed port.
{ read -r P_TLS; read -r P_CLOSED; } < <("$top_builddir/tests/pebble/freeport" 2)
openssl s_server -quiet -accept "127.0.0.1:$P_TLS" -cert "$T/certs/shop.example.test.crt" \
	-key "$T/certs/shop.example.test.key" -cert_chain "$T/certs/ca.crt" \
	> "$T/s_server.log" 2>&1 < /dev/null &
sp=$!
at_exit "kill $sp 2>/dev/null; wait $sp 2>/dev/null"
for _ in $(seq 100); do
	(exec 3<> "/dev/tcp/127.0.0.1/$P_TLS") 2> /dev/null && break
	sleep 0.1
done
cd_run endpoint add "$shop" "127.0.0.1:$P_TLS" --sni shop.example.test
check "endpoint add (shop, a real TLS server)" [ "$rc" -eq 0 ]
cd_run endpoint add "$shop" "127.0.0.1:$P_CLOSED" --sni cdn.shop.example.test
check "endpoint add (shop, a closed port)" [ "$rc" -eq 0 ]
check "shop: Enter opens the detail view" detail shop.example.test
check "... its endpoints not checked yet" wait_for "^ +127\.0\.0\.1:$P_CLOSED \(cdn\.shop\.example\.test\): not checked yet"
check "the bottom bar offers P Probe" eval 'row 50 | grep -q "P Probe"'
tmx send-keys -t t P
check "P queues a check job" wait_for 'queued job #[0-9]+'
pj=$(queued_job)
check "... of kind check, for shop" \
	[ "$(sql "SELECT kind || ' ' || target_id FROM jobs WHERE id = $pj")" = "check $shop" ]
check "the check job finishes" wait_job "$pj" done
check "the served chain: untrusted (a private CA)" \
	wait_for "Endpoints +127\.0\.0\.1:$P_TLS \(shop\.example\.test\): untrusted-chain, checked [0-9-]+ [0-9:]+"
check "the closed port: unreachable" \
	wait_for "^ +127\.0\.0\.1:$P_CLOSED \(cdn\.shop\.example\.test\): unreachable, checked"
check "the probe reached the server (it served shop's certificate)" \
	[ "$(sql "SELECT served_cert_id FROM endpoints WHERE port = $P_TLS")" = "$shop" ]
check "the job reported its steps" \
	[ "$(sql "SELECT group_concat(message, '|') FROM events WHERE job_id = $pj AND message LIKE '%endpoint%'")" = "probing 2 endpoints|0 of 2 endpoints ok" ]
help=$(help_text)
check "help lists Shift+P under the detail view" eval 'grep -Eq "Shift\+P +probe the certificate.s endpoints now" <<< "$help"'
tmx send-keys -t t q
settle > /dev/null
tmx send-keys -t t Escape
wait_gone 'Revocation'
check "intranet: Enter opens the detail view" detail intranet.example.test
tmx send-keys -t t P
check "P without endpoints says how to add one" wait_for "#$intra has no endpoints to probe"
tmx send-keys -t t Escape
wait_gone 'Revocation'

# The Endpoints screen: every endpoint, problems first.
tmx send-keys -t t : e n d p o i n t s Enter
check ":endpoints shows the unreachable one" \
	wait_for "unreachable +127\.0\.0\.1:2525 +mail\.example\.test +smtp +www\.example\.test +$when +connection refused"
check "... the stale one" wait_for "stale +127\.0\.0\.1:8444 +www\.example\.test +- +www\.example\.test +$when +serves #1, replaced"
check "... the one never checked" wait_for "not checked +127\.0\.0\.2:443 +api\.example\.test +- +api\.example\.test +- *$"
check "... and the one that is fine" wait_for "ok +127\.0\.0\.1:8443 +api\.example\.test +- +api\.example\.test +$when"
order=$(screen | grep -oE '^(unreachable|untrusted-chain|stale|not checked|ok) ' | tr -d ' ' | tr '\n' ,)
check "... problems first, then never checked, then ok" [ "$order" = "unreachable,unreachable,untrusted-chain,stale,notchecked,ok," ]
help=$(help_text)
check "help lists the served: filter" eval 'grep -Eq "served:WORD +" <<< "$help"'
check "... and revocation:" eval 'grep -Eq "revocation:WORD +good, revoked, unknown, unchecked" <<< "$help"'
check "help lists :endpoints" eval 'grep -Eq ":endpoints +the endpoints and what their last check found" <<< "$help"'
tmx send-keys -t t q
settle > /dev/null
# A verdict changed by another process (a 'certdeck check' run) shows.
sql "UPDATE endpoints SET state = 'ok', message = NULL WHERE id = $(ep 127.0.0.1 8444)"
check "... and a new verdict moves the row" wait_for "^ok +127\.0\.0\.1:8444"

tmx send-keys -t t F10
check "F10 quits" wait_exit 0
check "no sanitizer reports" eval '! ls "$T"/san.* > /dev/null 2>&1'
done_testing
