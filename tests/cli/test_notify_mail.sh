#!/usr/bin/env bash
# certdeck notify add mail: notices through sendmail and over SMTP with
# STARTTLS to Debian's postfix, started here on 127.0.0.1 with its own
# configuration and delivering into Maildirs this test reads; the
# headers and body of what arrived; CA- and certificate-controlled text
# that tries to add headers; a server that is down (the job retries, the
# channel shows failing); --events and --min-days; the password file; an
# SMTP AUTH login (PLAIN over STARTTLS) with the right and a wrong password.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/mail/postfix.sh"
set -e

# postfix's delivery agent runs as nobody and must reach the Maildirs.
chmod 0711 "$T"
"$top_srcdir/tests/demo/make-demo-certs.sh" "$T/certs" > /dev/null
C=$T/certs
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/mx.key" \
	-out "$T/mx.csr" -subj "/CN=127.0.0.1" 2> /dev/null
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\n' > "$T/mx.ext"
openssl x509 -req -in "$T/mx.csr" -CA "$C/ca.crt" -CAkey "$C/ca.key" -CAcreateserial \
	-days 2 -extfile "$T/mx.ext" -out "$T/mx.crt" 2> /dev/null
check "postfix starts on loopback" postfix_start "$T/pf" "$T/mx.crt" "$T/mx.key"
check "... listening on 127.0.0.1 only" \
	bash -c "! ss -Hltn | grep -E ':($PF_TLS_PORT|$PF_PLAIN_PORT) ' | grep -vq '127.0.0.1:'"

export CERTDECK_STORE="$T/data/store.db"
"$CERTDECK" init > /dev/null
# api: 60 days left (fine); www: 10 days, nothing renews it (expiring).
"$CERTDECK" import "$C/api.example.test.pem" "$C/www.example.test.pem" > /dev/null

# A renewal that fails for good (#1 is imported), and a CA and a
# certificate that try to smuggle headers in through its error and name.
cd_run renew --force 1
check "a failed renewal to report: exit 1" [ "$rc" -eq 1 ]
job=$(sqlite3 "$CERTDECK_STORE" "SELECT max(id) FROM jobs WHERE kind = 'renew'")
sqlite3 "$CERTDECK_STORE" "UPDATE jobs SET last_error = json_object('kind', 'proto', 'message',
	'the CA said no' || char(13, 10) || 'Bcc: sec@certdeck.test' || char(13, 10, 13, 10) ||
	'forged body') WHERE id = $job"
sqlite3 "$CERTDECK_STORE" "UPDATE certificates SET name = 'api.example.test' || char(13, 10) ||
	'Bcc: sec@certdeck.test' WHERE id = 1; UPDATE cert_names SET name = 'api.example.test' ||
	char(10) || 'Reply-To: sec@certdeck.test' WHERE cert_id = 1"

# Argument checks.
cd_run notify add mail 'ops@certdeck.test, sec@certdeck.test'
check "two addresses in one: refused (2)" [ "$rc" -eq 2 ]
cd_run notify add mail "$(printf 'ops@certdeck.test\r\nBcc: sec@certdeck.test')"
check "an address with CR LF: refused (2)" [ "$rc" -eq 2 ]
cd_run notify add mail ops@certdeck.test --smtp http://127.0.0.1:$PF_TLS_PORT
check "--smtp with an http:// URL: refused (2)" [ "$rc" -eq 2 ]
cd_run notify add mail ops@certdeck.test --smtp smtp://user:pw@127.0.0.1:$PF_TLS_PORT
check "--smtp with credentials in the URL: refused (2)" [ "$rc" -eq 2 ]
cd_run notify add mail ops@certdeck.test --smtp-user alice
check "--smtp-user without --smtp-password-file: refused (2)" [ "$rc" -eq 2 ]
cd_run notify add mail ops@certdeck.test --events start,bogus
check "--events with an unknown name: refused (2)" [ "$rc" -eq 2 ]
cd_run notify add mail ops@certdeck.test --sendmail "$T/no-such-sendmail"
check "a missing --sendmail program: refused (1)" [ "$rc" -eq 1 ]
printf 'secret\n' > "$T/pw"
chmod 0644 "$T/pw"
cd_run notify add mail ops@certdeck.test --smtp "smtp://127.0.0.1:$PF_TLS_PORT" \
	--smtp-user alice --smtp-password-file "$T/pw"
check "a password file others can read: refused (1)" [ "$rc" -eq 1 ]
check "... the message names the file" grep -q "$T/pw" "$T/.err"
check "... the secret is not in the message" bash -c "! grep -q secret '$T/.err'"
cd_run notify list
check "... and nothing was added" grep -q 'No notification channels' "$T/.out"

# Through sendmail: postfix's, run against the test instance (a wrapper
# adding -C; the system's postfix is never involved).
cd_run notify add mail ops@certdeck.test --sendmail "$PF_SENDMAIL" --from certdeck@certdeck.test
check "notify add mail --sendmail: exit 0" [ "$rc" -eq 0 ]
sm=$out
cd_run notify list --json
check "... stored with the sendmail's absolute path" \
	[ "$(jq -r ".[] | select(.id == $sm) | .sendmail" "$T/.out")" = "$PF_SENDMAIL" ]

cd_run renew
check "renew with two conditions and a mail channel: not failed by it" [ "$rc" -ne 1 ]
check "two notices arrive in ops' Maildir" postfix_wait_mail ops 2
mails=$(postfix_mails ops)
expiring=$(grep -l '^X-Certdeck-Condition: expiring' $mails)
failed=$(grep -l '^X-Certdeck-Condition: job-failed' $mails)
check "... one about the expiring certificate" [ -n "$expiring" ]
check "... one about the failed job" [ -n "$failed" ]

# What a person reads (python's email parser decodes quoted-printable).
cat > "$T/mail.py" <<'PY'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
what = sys.argv[2]
if what == 'body':
    sys.stdout.write(m.get_content())
elif what == 'headers':
    for k in m.keys():
        print(k)
else:
    v = m.get_all(what)
    print('\n'.join(str(x) for x in v) if v else '')
PY
hdr() { python3 "$T/mail.py" "$1" "$2"; }
body() { python3 "$T/mail.py" "$1" body; }
check "Subject names the condition and the certificate" \
	[ "$(hdr "$expiring" Subject)" = "[certdeck] WARNING expiring: www.example.test (#2)" ]
check "From: the --from address" [ "$(hdr "$expiring" From)" = "certdeck <certdeck@certdeck.test>" ]
check "To: the channel's address" [ "$(hdr "$expiring" To)" = "ops@certdeck.test" ]
check "a Date header in RFC 5322 form" \
	grep -Eq '^Date: [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} \+0000$' "$expiring"
check "a Message-ID" grep -Eq '^Message-ID: <[0-9]+\.[0-9a-f]{16}\.certdeck@[A-Za-z0-9.-]+>$' "$expiring"
check "MIME-Version 1.0" grep -qx 'MIME-Version: 1.0' "$expiring"
check "text/plain in UTF-8" grep -qx 'Content-Type: text/plain; charset=UTF-8' "$expiring"
check "quoted-printable" grep -qx 'Content-Transfer-Encoding: quoted-printable' "$expiring"
check "Auto-Submitted: auto-generated (no vacation replies)" \
	grep -qx 'Auto-Submitted: auto-generated' "$expiring"
check "the envelope sender is --from" grep -qx 'Return-Path: <certdeck@certdeck.test>' "$expiring"
check "no line longer than 78 characters" bash -c "! awk 'length > 78' '$expiring' | grep -q ."
body "$expiring" > "$T/expiring.txt"
check "the body says what happened" \
	grep -Eq '^www.example.test \(#2\) expires in [0-9]+ days and certdeck does not renew it$' "$T/expiring.txt"
check "... which certificate, every name" \
	grep -Eq '^Certificate: +#2 www.example.test, example.test, mail.example.test$' "$T/expiring.txt"
days=$(sed -En 's/^www.* expires in ([0-9]+) days.*/\1/p' "$T/expiring.txt")
check "... when it expires" grep -Eq "^Expires: +[0-9-]{10} [0-9:]{8} UTC \(in $days days\)$" "$T/expiring.txt"
check "... the command to renew it" grep -Eq '^  certdeck renew --force 2 ' "$T/expiring.txt"
check "... and to inspect it" grep -qx '  certdeck show 2' "$T/expiring.txt"
body "$failed" > "$T/failed.txt"
check "the failed job's mail: critical" grep -q '^Subject: \[certdeck\] CRITICAL job-failed: ' "$failed"
check "... the last error" grep -Eq '^Last error: +the CA said no' "$T/failed.txt"
check "... the job's events to inspect" grep -Eq "^  certdeck events --job $job " "$T/failed.txt"
check "... the command to retry" grep -Eq '^  certdeck renew --force 1 ' "$T/failed.txt"

# The smuggled lines: no header came of them, no one else got mail.
check "the injected Bcc is no header" [ -z "$(hdr "$failed" Bcc)" ]
check "... nor the injected Reply-To" [ -z "$(hdr "$failed" Reply-To)" ]
check "... no header but certdeck's and postfix's" [ "$(hdr "$failed" headers | sort | tr '\n' ' ')" = \
	"Auto-Submitted Content-Transfer-Encoding Content-Type Date Delivered-To From MIME-Version Message-ID Received Return-Path Subject To X-Certdeck-Condition X-Certdeck-Event X-Original-To " ]
check "... the Subject stayed one header" [ "$(hdr "$failed" Subject | wc -l)" -eq 1 ]
check "... the forged body line is text inside the error line" \
	grep -Eq '^Last error: +the CA said no *Bcc: sec@certdeck.test *forged body' "$T/failed.txt"
check "... and sec got nothing" [ "$(postfix_mails sec | wc -l)" -eq 0 ]

# Over SMTP with STARTTLS, trusting the test CA; the test notice.
cd_run notify add mail ops@certdeck.test --smtp "smtp://127.0.0.1:$PF_TLS_PORT" --ca-bundle "$C/ca.crt"
check "notify add mail --smtp: exit 0" [ "$rc" -eq 0 ]
smtp=$out
cd_run notify test "$smtp"
check "notify test over SMTP: exit 0" [ "$rc" -eq 0 ]
check "... says it was sent" grep -q "^#$smtp mail ops@certdeck.test: sent" "$T/.out"
check "... it arrives" postfix_wait_mail ops 3
m=$(postfix_mails ops | tail -n 1)
check "... the test notice" [ "$(hdr "$m" Subject)" = "[certdeck] test notice: this channel works" ]
check "... submitted over TLS (ESMTPS)" grep -q 'with ESMTPS' "$m"
check "... the default From: certdeck@ this host" grep -Eq '^From: certdeck <certdeck@[A-Za-z0-9.-]+>$' "$m"
check "... channel #$smtp named at the foot" grep -q "notification channel #$smtp\$" <(body "$m")
cd_run notify list --json
check "notify list: the SMTP channel's last delivery ok" \
	[ "$(jq -r ".[] | select(.id == $smtp) | .last_status" "$T/.out")" = ok ]

# A server that does not offer STARTTLS: refused, nothing sent in clear.
cd_run notify add mail ops@certdeck.test --smtp "smtp://127.0.0.1:$PF_PLAIN_PORT"
plain=$out
cd_run notify test "$plain"
check "a server without STARTTLS: notify test exit 1" [ "$rc" -eq 1 ]
check "... says so" grep -q 'does not offer STARTTLS' "$T/.out"
check "... and nothing arrived" [ "$(postfix_mails ops | wc -l)" -eq 3 ]
cd_run notify remove "$plain"

# An untrusted server certificate (no --ca-bundle).
cd_run notify add mail ops@certdeck.test --smtp "smtp://127.0.0.1:$PF_TLS_PORT"
untrusted=$out
cd_run notify test "$untrusted"
check "an untrusted SMTP server: notify test exit 1" [ "$rc" -eq 1 ]
check "... a certificate error" grep -qi 'certificate' "$T/.out"
cd_run notify remove "$untrusted"

# Recovery through mail: the expiring condition clears.
sqlite3 "$CERTDECK_STORE" "UPDATE certificates SET alert_days = 3 WHERE id = 2"
cd_run renew
check "cleared: recovery notices through both mail channels" postfix_wait_mail ops 5
resolved=$(grep -l '^Subject: \[certdeck\] resolved expiring: www.example.test (#2)' $(postfix_mails ops) | wc -l)
check "... one per channel, with a 'resolved' Subject" [ "$resolved" -eq 2 ]

# --events and --min-days: a channel only for expiry within 5 days.
cd_run notify add mail sec@certdeck.test --sendmail "$PF_SENDMAIL" --events expiring --min-days 5
check "notify add --events expiring --min-days 5: exit 0" [ "$rc" -eq 0 ]
filtered=$out
cd_run notify list
check "notify list shows the filter" grep -q 'only: expiring within 5 days of expiry' "$T/.out"
sqlite3 "$CERTDECK_STORE" "UPDATE certificates SET alert_days = NULL WHERE id = 2"
later=$(( $(date +%s) + 25 * 3600 ))
CERTDECK_NOW=$later cd_run renew
check "10 days left: ops hears of it again (start)" postfix_wait_mail ops 7
check "... the --min-days 5 channel does not" \
	[ "$(sqlite3 "$CERTDECK_STORE" "SELECT count(*) FROM jobs WHERE kind = 'notify' AND target_id = $filtered")" -eq 0 ]
soon=$(( $(date +%s) + 6 * 86400 ))
CERTDECK_NOW=$soon cd_run renew
check "4 days left: the reminder reaches the --min-days 5 channel" postfix_wait_mail sec 1
check "... about expiry only, not the failed job" \
	[ "$(grep -l '^X-Certdeck-Condition: job-failed' $(postfix_mails sec) | wc -l)" -eq 0 ]
check "... a reminder, critical now" \
	[ "$(hdr "$(postfix_mails sec | tail -n 1)" Subject)" = "[certdeck] still CRITICAL expiring: www.example.test (#2)" ]
cd_run notify remove "$filtered"

# A server that is down: the job waits for a retry, the channel shows failing.
port=$("$top_builddir/tests/pebble/freeport")
cd_run notify add mail ops@certdeck.test --smtp "smtp://127.0.0.1:$port" --ca-bundle "$C/ca.crt"
down=$out
sqlite3 "$CERTDECK_STORE" "UPDATE certificates SET alert_days = 3 WHERE id = 2"
CERTDECK_NOW=$soon cd_run renew
check "renew with the server down: not failed by it" [ "$rc" -ne 1 ]
check "... says a notification waits" grep -q 'could not be delivered' "$T/.err"
check "... the down channel's job is queued for a retry" \
	[ "$(sqlite3 "$CERTDECK_STORE" "SELECT state || ' ' || attempt || ' ' || (run_after > $soon) FROM jobs WHERE kind = 'notify' AND target_id = $down")" = "queued 1 1" ]
cd_run notify list --json
check "... notify list: failed, once" \
	[ "$(jq -r ".[] | select(.id == $down) | \"\(.last_status) \(.failures)\"" "$T/.out")" = "failed 1" ]
check "... the reason names the server" \
	grep -q "smtp://127.0.0.1:$port" <<< "$(jq -r ".[] | select(.id == $down) | .last_message" "$T/.out")"
for _ in 1 2; do "$CERTDECK" notify test "$down" > /dev/null || true; done
cd_run notify list
check "three failures: notify list says failing" grep -q 'failing: 3 deliveries in a row' "$T/.out"
CERTDECK_NOW=$soon cd_run status --json
check "... status counts the failing channel" [ "$(jq '.counts."channel-failing"' "$T/.out")" = 1 ]
check "... naming it" [ "$(jq ".alerts[] | select(.kind == \"channel-failing\") | .channel_id" "$T/.out")" = "$down" ]

# The server back (the channel now points at postfix): the queued job is
# retried by the next run and its notice arrives.
retry_job=$(sqlite3 "$CERTDECK_STORE" "SELECT min(id) FROM jobs WHERE kind = 'notify' AND target_id = $down AND state = 'queued'")
sqlite3 "$CERTDECK_STORE" "UPDATE notify_channels SET smtp = 'smtp://127.0.0.1:$PF_TLS_PORT' WHERE id = $down"
before=$(postfix_mails ops | wc -l)
CERTDECK_NOW=$(( soon + 3 * 3600 )) cd_run renew
check "the server back: the retried job is done" \
	[ "$(sqlite3 "$CERTDECK_STORE" "SELECT state || ' ' || attempt FROM jobs WHERE id = $retry_job")" = "done 2" ]
postfix_wait_mail ops $(( before + 1 )) || true
check "... its notice arrives, from channel #$down, over TLS" \
	[ "$(for m in $(postfix_mails ops | tail -n +$(( before + 1 ))); do
		body "$m" | grep -q "notification channel #$down\$" && grep -q 'with ESMTPS' "$m" && echo "$m"
	done | wc -l)" -eq 1 ]

# SMTP AUTH: a port that takes mail only after a login (Cyrus SASL's
# sasldb); the password comes from a 0600 file, read at each delivery.
saslpw='sAsl-pw 7%x'
check "a SASL user for the login port" postfix_sasl_user alice "$saslpw"
printf '%s\n' "$saslpw" > "$T/smtp-pw"
chmod 0600 "$T/smtp-pw"
cd_run notify add mail ops@certdeck.test --smtp "smtp://127.0.0.1:$PF_AUTH_PORT" \
	--ca-bundle "$C/ca.crt" --smtp-user alice@certdeck.test --smtp-password-file "$T/smtp-pw"
check "notify add mail with --smtp-user: exit 0" [ "$rc" -eq 0 ]
auth=$out
before=$(postfix_mails ops | wc -l)
cd_run notify test "$auth"
check "a login with the right password: notify test exit 0" [ "$rc" -eq 0 ]
check "... it arrives" postfix_wait_mail ops $(( before + 1 ))
m=$(postfix_mails ops | tail -n 1)
check "... postfix says who logged in" grep -q 'Authenticated sender: alice@certdeck.test' "$m"
check "... over TLS" grep -q 'with ESMTPSA' "$m"
check "... the password is nowhere in the store" \
	bash -c "! grep -aq '$saslpw' '$CERTDECK_STORE'"
cd_run notify list --json
check "... notify list names the file, not the secret" \
	[ "$(jq -r ".[] | select(.id == $auth) | .smtp_password_file" "$T/.out")" = "$T/smtp-pw" ]
check "... and never shows it" bash -c "! grep -q '$saslpw' '$T/.out'"
# Without a login the port refuses the recipient: proof that it checks.
cd_run notify add mail ops@certdeck.test --smtp "smtp://127.0.0.1:$PF_AUTH_PORT" --ca-bundle "$C/ca.crt"
nologin=$out
cd_run notify test "$nologin"
check "the login port without a login: notify test exit 1" [ "$rc" -eq 1 ]
cd_run notify remove "$nologin"
printf 'wrong\n' > "$T/smtp-pw"
cd_run notify test "$auth"
check "a wrong password: notify test exit 1" [ "$rc" -eq 1 ]
check "... says the login failed" grep -Eqi 'login|auth' "$T/.out"
check "... nothing more arrived" [ "$(postfix_mails ops | wc -l)" -eq $(( before + 1 )) ]
check "... neither password in the output" bash -c "! grep -Eq 'wrong|$saslpw' '$T/.out'"
cd_run notify remove "$auth"

done_testing
