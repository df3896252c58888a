#!/usr/bin/env bash
# The certificate list's summary line and the Channels screen, driven in
# tmux: the counts agree with the store, each entry opens what it counts,
# and t on a channel queues a test notice whose result lands on the row.
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
# old: expired 2 days ago; shop: 5 days left; www: 10; api: 60; intranet: 80.
for n in old shop www api intranet; do
	"$CERTDECK" import "$T/certs/$n.example.test.pem" > /dev/null
done
printf '#!/bin/sh\ncat > "$0.in"\n' > "$T/hook-ok"
printf '#!/bin/sh\ncat > /dev/null\necho refused >&2\nexit 3\n' > "$T/hook-bad"
chmod 0755 "$T/hook-ok" "$T/hook-bad"
cd_run notify add hook "$T/hook-ok"
check "a working hook channel" [ "$rc" -eq 0 ]
cd_run notify add hook "$T/hook-bad"
check "a failing hook channel" [ "$rc" -eq 0 ]
# The alerts the store has, as status counts them: the summary must agree.
alerts=$("$CERTDECK" status --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["alerts"]))')
check "the store has alerts to count" [ "$alerts" -gt 0 ]

tui_script
tmux_start 160 30 "$T/ui.sh --mouse"
wait_for 'Name +Days'
check "the summary: 1 expired" eval 'row 2 | grep -q "1) 1 expired"'
check "... 1 within 7 days" eval 'row 2 | grep -q "2) 1 within 7 days"'
check "... 2 within 30 days" eval 'row 2 | grep -q "3) 2 within 30 days"'
check "... no failed job" eval 'row 2 | grep -q "4) 0 failed jobs"'
check "... the alerts status counts ($alerts)" eval 'row 2 | grep -q "5) $alerts alerts"'
check "the headings are under it" eval 'row 3 | grep -Eq "^ *Name +Days"'

tmx send-keys -t t 1
check "1 filters the expired" wait_for 'Filter: status:expired'
check "... old.example.test listed" eval 'screen | grep -q "old\.example\.test"'
check "... the others are not" eval '! screen | grep -q "api\.example\.test"'
check "... the counts stay (not filtered)" eval 'row 2 | grep -q "3) 2 within 30 days"'
tmx send-keys -t t 2
check "2 filters those within 7 days" wait_for 'Filter: status:expiring exp<7d'
check "... shop.example.test listed" eval 'screen | grep -q "shop\.example\.test"'
check "... www (10 days) is not" eval '! screen | grep -q "www\.example\.test"'
tmx send-keys -t t 3
check "3 filters those within 30 days" wait_for 'Filter: status:expiring +'
check "... www listed" eval 'screen | grep -q "www\.example\.test"'
tmx send-keys -t t Escape
check "Esc clears the filter" wait_for 'api\.example\.test'
tmx send-keys -t t 5
check "5 opens the Alerts screen" wait_for 'Severity +What +Name'
tmx send-keys -t t Escape
settle > /dev/null
tmx send-keys -t t : c e r t s Enter
wait_for 'Name +Days'
tmx send-keys -t t 4
check "4 opens the Jobs screen" wait_for 'Jobs.*'
tmx send-keys -t t : c e r t s Enter
wait_for 'Name +Days'
# A click on the first entry (row 2, column 3) sets its filter as 1 does.
tmx send-keys -t t -l $'\e[<0;4;2M\e[<0;4;2m'
check "a click on the summary's first entry filters" wait_for 'Filter: status:expired'
tmx send-keys -t t Escape
settle > /dev/null

tmx send-keys -t t : n o t i f y Enter
check ":notify lists the channels" wait_for 'ID. +Type +Target'
check "... the working hook" eval 'screen | grep -Eq "^ *1 +hook +.*hook-ok"'
check "... the failing hook" eval 'screen | grep -Eq "^ *2 +hook +.*hook-bad"'
check "... nothing delivered yet" eval 'screen | grep -Eq "^ *1 +hook .* - +- +0 *$"'
tmx send-keys -t t t
check "t queues a test notice" wait_for 'test notice for channel 1 queued as job #[0-9]+'
check "... the worker delivers it: ok on the row" wait_for '^ *1 +hook .* ok +0' 20000
check "... the hook read the test event" eval 'grep -q "\"test\"" "$T/hook-ok.in"'
tmx send-keys -t t j t
check "t on the failing channel queues one too" wait_for 'test notice for channel 2 queued'
check "... its failure shows on the row" wait_for '^ *2 +hook .* failed +1' 30000
help=$(help_text)
check "help lists t under Channels" eval 'grep -Eq "t +send a test notice" <<< "$help"'
check "help lists the summary keys" eval 'grep -Eq "5 +summary line: the active alerts" <<< "$help"'
tmx send-keys -t t q
settle > /dev/null
tmx send-keys -t t F10
check "F10 quits" wait_exit 0
check "no sanitizer reports" eval '! ls "$T"/san.* > /dev/null 2>&1'
done_testing
