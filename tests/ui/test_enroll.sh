#!/usr/bin/env bash
# The new-certificate form's EST half, driven in tmux against
# tests/est_server.py on 127.0.0.1 (as tests/cli/test_est.sh starts it):
# the protocol choice, the first-contact refusal in the form, the queued
# est-enroll job run by the TUI's worker, the certificate in the list and
# detail with source est, and R refusing it (EST has no revocation).
# SCEP's form is checked only up to its refusals (no SCEP CA is started
# here, so no SCEP job runs).
. "$top_srcdir/tests/lib.sh"
if ! command -v tmux > /dev/null 2>&1 || ! command -v python3 > /dev/null; then
	echo "1..0 # SKIP tmux or python3 is not installed"
	exit 0
fi
. "$top_srcdir/tests/ui/tmux-lib.sh"
set -e
export CERTDECK_STORE="$T/data/store.db"
port=$("$top_builddir/tests/pebble/freeport")
URL="https://127.0.0.1:$port"
CA=$T/ca
printf 'est-pass\n' > "$T/server-pw"
printf 'est-pass\n' > "$T/pw"
chmod 600 "$T/server-pw" "$T/pw"

est_pid=
est_start() {
	python3 "$top_srcdir/tests/est_server.py" --dir "$CA" --port "$port" --user alice \
		--password-file "$T/server-pw" --log "$T/est.log" >> "$T/est.err" 2>&1 &
	est_pid=$!
	# A guard against a hang, not a timing: wait until it answers.
	local i=0
	until [ -s "$CA/ca.pem" ] &&
		curl -s -o /dev/null --cacert "$CA/ca.pem" "$URL/.well-known/est/cacerts"; do
		i=$((i + 1))
		[ $i -lt 300 ] || return 1
		kill -0 "$est_pid" 2> /dev/null || return 1
		sleep 0.1
	done
}
est_stop() {
	[ -n "$est_pid" ] || return 0
	kill "$est_pid" 2> /dev/null || true
	wait "$est_pid" 2> /dev/null || true
	est_pid=
}
at_exit est_stop
check "the EST server starts on 127.0.0.1" est_start
[ -n "$est_pid" ] && kill -0 "$est_pid" || { diag "$(cat "$T/est.err")"; done_testing; exit 1; }
ca_fp=$(openssl x509 -in "$CA/ca.pem" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' |
	tr 'A-F' 'a-f')
jobs_count() { sqlite3 "$CERTDECK_STORE" "SELECT count(*) FROM jobs"; }

"$CERTDECK" init > /dev/null
tui_script
tmux_start 140 34 "$T/ui.sh"
check "the list comes up" wait_for 'Name +Days'

tmx send-keys -t t n
check "n asks for the protocol" wait_for 'Which protocol'
check "... offering SCEP" eval 'screen | grep -q "SCEP"'
# The SCEP form's checks (no SCEP CA here: nothing is queued).
tmx send-keys -t t s
check "s opens the SCEP form" wait_for 'New certificate \(SCEP\)'
tmx send-keys -t t "http://127.0.0.1:$port/scep" Tab scep1.example.test Enter
check "SCEP: first contact without a fingerprint is refused in the form" wait_for 'not trusted'
tmx send-keys -t t Tab Tab Tab nothex Enter
check "SCEP: a malformed fingerprint is refused" wait_for "CA fingerprint: 'nothex' is not a SHA-256 fingerprint"
check "... and nothing is queued" [ "$(jobs_count)" -eq 0 ]
tmx send-keys -t t Escape
wait_gone 'New certificate \(SCEP\)'
tmx send-keys -t t n
wait_for 'Which protocol'
tmx send-keys -t t e
check "e opens the EST form" wait_for 'New certificate \(EST\)'
# URL, Names, Subject, CA bundle, CA fingerprint, User, Password file.
tmx send-keys -t t "$URL" Tab dev1.example.test Tab Tab Tab Tab alice Tab "$T/pw" Enter
check "first contact without a fingerprint is refused in the form" wait_for 'not trusted'
check "... and queues no job" [ "$(jobs_count)" -eq 0 ]
# Back to CA fingerprint (from Password file: two up).
tmx send-keys -t t BTab BTab "$ca_fp" Enter
check "the form queues an EST enrolment" wait_for 'queued job #[0-9]+'
ej=$(queued_job)
check "the job is an est-enroll" [ "$(job_field "$ej" kind)" = est-enroll ]
check "its params name the password file, not the password" \
	eval '[ "$(sqlite3 "$CERTDECK_STORE" "SELECT json_extract(params, \"\$.est.password_file\")
		FROM jobs WHERE id = $ej")" = "$(realpath "$T/pw")" ] &&
		! sqlite3 "$CERTDECK_STORE" "SELECT params FROM jobs" | grep -q est-pass'
check "the enrolment finishes (the worker trusts the CA by its fingerprint)" wait_job "$ej" done
tmx send-keys -t t / source:est Enter
check "the certificate shows in the list filtered by source:est" \
	wait_for '^dev1\.example\.test' 20000
tmx send-keys -t t Enter
check "its detail shows source est" wait_for 'Source +est'
check "... and the EST server's URL" wait_for "$URL"
tmx send-keys -t t R
check "R on an EST certificate says EST has no revocation and what to do" wait_for "EST has no revocation operation: revoke it at the CA itself"
check "... and queues no revocation" \
	[ "$(sqlite3 "$CERTDECK_STORE" "SELECT count(*) FROM jobs WHERE kind = 'revoke'")" -eq 0 ]
tmx send-keys -t t q q
check "the screen exits cleanly" wait_exit 0
check "no sanitizer reports" eval '! ls "$T"/san.* > /dev/null 2>&1'
done_testing
