#!/usr/bin/env bash
# --mouse, driven in tmux with the raw xterm SGR mouse reports a terminal
# sends ("ESC [ < b ; x ; y M" press, "... m" release): a click selects a
# row, a click on the selected row or a double click opens it, the wheel
# moves three rows, a click on a tab or an F-key label acts like the key,
# an open dialog takes clicks on its own options and fields and nothing
# else. Without --mouse the program asks
# for no mouse reports and the same bytes select nothing.
. "$top_srcdir/tests/lib.sh"
if ! command -v tmux >/dev/null 2>&1; then
	echo "1..0 # SKIP tmux is not installed"
	exit 0
fi
. "$top_srcdir/tests/ui/tmux-lib.sh"
set -e

export CERTDECK_STORE="$T/store.db"
C=$T/certs
"$top_srcdir/tests/demo/make-demo-certs.sh" "$C" > /dev/null
"$CERTDECK" init > /dev/null
"$CERTDECK" import "$C/www.example.test.pem" "$C/api.example.test.pem" \
	"$C/old.example.test.pem" "$C/shop.example.test.pem" \
	"$C/intranet.example.test.pem" > /dev/null

tmux_start 80 24 "env -i PATH='$PATH' HOME='$T' HISTFILE= TERM=xterm-256color LC_ALL=C.UTF-8 \
	CERTDECK_STORE='$CERTDECK_STORE' CERTDECK_UI_TRACE='$UI_TRACE' PS1='READY\$ ' bash --norc --noprofile"
wait_for 'READY\$'
run_ui() {	# ARGS...: certdeck in the pane; "exit=N" follows when it ends
	tmx send-keys -t t "clear; '$CERTDECK' $*; echo exit=\$?" Enter
}
# click X Y [N]: N clicks (press and release) of button 1 at column X, line
# Y (1-based, as the terminal reports them).
click() {
	local i seq=
	for ((i = 0; i < ${3:-1}; i++)); do
		seq+=$(printf '\e[<0;%d;%dM\e[<0;%d;%dm' "$1" "$2" "$1" "$2")
	done
	tmx send-keys -t t -l "$seq"
}
wheel() {	# up|down X Y
	local b=64
	[ "$1" = down ] && b=65
	tmx send-keys -t t -l "$(printf '\e[<%d;%d;%dM' "$b" "$2" "$3")"
}
mouse_flag() { tmx display-message -p -t t '#{mouse_any_flag}'; }
# wait_cursor Y (tmux-lib.sh): the hardware cursor (it follows the
# selection) reaches line Y (0-based).
# still_at Y: the input sent before is handled and left the cursor on line
# Y. Keys and clicks are read in order: once help, opened with a key sent
# after that input, has come and gone, the input has been handled. (A key
# that comes within the mouse interval, 150 ms, of a click makes curses
# drop the click: the pause lets the click resolve first; it is not what
# the check waits for.)
mouse_interval() { sleep 0.5; }
still_at() {
	mouse_interval
	tmx send-keys -t t '?'
	wait_for 'Everywhere' > /dev/null || return 1
	tmx send-keys -t t q
	wait_gone 'Everywhere' > /dev/null || return 1
	settle > /dev/null || return 1
	[ "$(cursor_y)" = "$1" ] || { diag "cursor on line $(cursor_y), not $1"; return 1; }
}
col_of() {	# TEXT LINE: the 1-based column where TEXT starts on LINE
	local line pre
	line=$(row "$2")
	pre=${line%%"$1"*}
	[ "$pre" != "$line" ] || return 1
	echo $((${#pre} + 1))
}

# Without --mouse: no mouse reporting asked for, the bytes do nothing.
run_ui
wait_for '^old\.example\.test'
check "without --mouse: the terminal is not asked for mouse reports" [ "$(mouse_flag)" = 0 ]
click 5 5
check "without --mouse: a click does not move the selection" still_at 2
click 5 2 2
check "without --mouse: a double click does not move the selection" still_at 2
check "... and opens nothing" eval '! screen | grep -q Lifetime'
tmx send-keys -t t q
check "without --mouse: q still quits" wait_for '^exit=0'

# certdeck --mouse (the global option).
run_ui --mouse
wait_for '^old\.example\.test'
check "--mouse: the terminal is asked for mouse reports" [ "$(mouse_flag)" = 1 ]
sel_name() { screen | sed -n "$(($(cursor_y) + 1))p" | cut -d' ' -f1; }
click 5 5
check "a click selects the row (line 5)" wait_cursor 4
check "... the row clicked" [ "$(sel_name)" = "$(row 5 | cut -d' ' -f1)" ]
name=$(sel_name)
click 5 5
check "a click on the selected row opens it (like Enter)" wait_for "^ Name +$name"
tmx send-keys -t t q
wait_for '^old\.example\.test'
check "back on the list, the row still selected" wait_cursor 4
wheel up 5 5
check "the wheel up moves three rows (to the top)" wait_cursor 3
wheel down 5 5
check "the wheel down moves three rows" wait_cursor 6
wheel down 5 5
check "... and stops at the last row" wait_cursor 7
name=$(row 4 | cut -d' ' -f1)
click 5 4 2
check "a double click on another row opens it" wait_for "^ Name +$name"
tmx send-keys -t t q
check "... and selected it" wait_cursor 3
click 5 12
check "a click below the rows does nothing" still_at 3
click 5 3
check "a click on the headings does nothing" still_at 3

x=$(col_of Jobs 1)
click "$x" 1
check "a click on the Jobs tab shows the jobs" wait_for 'No jobs yet\.'
x=$(col_of Accounts 1)
click "$x" 1
check "a click on the Accounts tab shows the accounts" wait_for 'No accounts yet'
x=$(col_of Certificates 1)
click "$x" 1
check "a click on the Certificates tab shows them again" wait_for '^old\.example\.test'

x=$(col_of Help 24)
click "$x" 24
check "a click on 'Help' in the F-key bar opens the help (F1)" wait_for 'Everywhere'
tmx send-keys -t t q
wait_for '^old\.example\.test'
x=$(col_of F2 24)
click "$x" 24
check "a click on 'F2' opens the filter prompt" wait_for '^/ *$'
tmx send-keys -t t Escape
check "Esc closes it" wait_gone '^/ *$'

# A dialog takes its own clicks: a field, and on a choice field a second
# click turns it; a click outside the box (on a row behind it) does nothing.
click 5 5
wait_cursor 4
tmx send-keys -t t n
wait_for 'Which protocol'
tmx send-keys -t t a
wait_for 'New certificate \(ACME\)'
click 5 6
# A key typed after the click shows that the click was handled.
mouse_interval
tmx send-keys -t t z
check "a click outside the dialog leaves it open (a key typed next goes into it)" \
	wait_for '\| Names +z +\|'
check "... on the field it was on" eval '[ "$(cursor_y)" = "$(($(screen | grep -n "| Names " | cut -d: -f1) - 1))" ]'
tmx send-keys -t t BSpace
wait_gone '\| Names +z +\|'
ky=$(screen | grep -n 'Key type' | head -1 | cut -d: -f1)
kx=$(col_of 'Key type' "$ky")
click "$kx" "$ky"
check "a click on a field moves to it" wait_cursor $((ky - 1))
check "... leaving its value" eval 'row "$ky" | grep -q "< ec256 >"'
click "$kx" "$ky"
check "a second click on a choice field turns it" wait_for '< ec384 >'
tmx send-keys -t t Escape
wait_gone 'New certificate'
check "... and the list's selection did not move" wait_cursor 4
# In a choice: a click selects an option, a second click answers it; the
# revocation still asks for the name typed out.
tmx send-keys -t t R
wait_for 'Why\?'
sy=$(screen | grep -n ') superseded' | head -1 | cut -d: -f1)
sx=$(col_of superseded "$sy")
click "$sx" "$sy"
check "a click on an option selects it" wait_cursor $((sy - 1))
check "... without answering" eval 'screen | grep -q "Why?"'
click "$sx" "$sy"
check "a second click answers: the typed confirmation follows" wait_for 'Type '
tmx send-keys -t t Escape
wait_gone 'Type '
check "... and Esc there revokes nothing" eval '! "$CERTDECK" list --json | jq -e "any(.[]; .status == \"revoked\")" > /dev/null'
x=$(col_of Quit 24)
click "$x" 24
check "a click on 'Quit' quits (F10)" wait_for '^exit=0'

# certdeck ui --mouse.
run_ui ui --mouse
wait_for '^old\.example\.test'
check "ui --mouse: mouse reports asked for" [ "$(mouse_flag)" = 1 ]
click 5 6
check "ui --mouse: a click selects" wait_cursor 5
tmx send-keys -t t q
check "ui --mouse: q quits and the terminal stops reporting" \
	eval 'wait_for "^exit=0" && [ "$(mouse_flag)" = 0 ]'

set +e
"$CERTDECK" --mouse list > /dev/null 2> "$T/err"
rc=$?
set -e
check "--mouse before another command is a usage error" \
	eval '[ "$rc" = 2 ] && grep -q -- "--mouse" "$T/err"'
check "ui --help shows --mouse" eval '"$CERTDECK" ui --help | grep -q -- "--mouse"'

done_testing
