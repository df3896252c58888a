#!/usr/bin/env bash
# The Alerts screen, driven in tmux: :alerts lists an active condition
# with the channel its notice went through and how that went; a
# acknowledges it (in the store, from the UI thread) and the row says so.
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
# www: 10 days left, nothing renews it (expiring); api: 60 days (fine).
"$CERTDECK" import "$T/certs/api.example.test.pem" "$T/certs/www.example.test.pem" > /dev/null
printf '#!/bin/sh\ncat > /dev/null\n' > "$T/hook"
chmod 0755 "$T/hook"
cd_run notify add hook "$T/hook"
check "a hook channel" [ "$rc" -eq 0 ]
cd_run renew
check "renew tells the hook" \
	[ "$(sqlite3 "$CERTDECK_STORE" "SELECT state FROM jobs WHERE kind = 'notify'")" = done ]
acked() { sqlite3 "$CERTDECK_STORE" "SELECT count(*) FROM alert_state WHERE acked_at IS NOT NULL"; }
check "nothing acknowledged yet" [ "$(acked)" -eq 0 ]

tui_script
tmux_start 160 30 "$T/ui.sh"
wait_for 'Name +Days'
tmx send-keys -t t : a l e r t s Enter
check ":alerts lists the expiring certificate" wait_for 'warning +expiring +www\.example\.test'
check "... since when" eval 'screen | grep -Eq "expiring +www\.example\.test +[0-9]{4}-[0-9]{2}-[0-9]{2}"'
check "... not acknowledged" eval 'screen | grep -Eq "www\.example\.test .* - +hook#1 done"'
check "... notified through the hook, delivered" eval 'screen | grep -Eq "hook#1 done"'
check "... the fine certificate is not there" eval '! screen | grep -q api.example.test'
help=$(help_text)
check "help lists a under Alerts" eval 'grep -Eq "a +acknowledge the alert" <<< "$help"'
tmx send-keys -t t q
settle > /dev/null

tmx send-keys -t t a
check "a acknowledges: the message" wait_for 'expiring of www\.example\.test acknowledged'
check "... the row says yes" wait_for 'www\.example\.test .* yes +hook#1 done'
check "... in the store" [ "$(acked)" -eq 1 ]
check "... by whom" [ -n "$(sqlite3 "$CERTDECK_STORE" "SELECT acked_by FROM alert_state")" ]
tmx send-keys -t t a
check "a again: acknowledged already" wait_for 'was acknowledged already'
tmx send-keys -t t F10
check "F10 quits" wait_exit 0
check "no sanitizer reports" eval '! ls "$T"/san.* > /dev/null 2>&1'
done_testing
