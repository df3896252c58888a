# Helpers for driving the TUI in tmux. Source after tests/lib.sh (it uses
# $T, diag and at_exit). Every test gets its own tmux server (-L socket),
# killed on exit.
#   tmux_start W H COMMAND   a session of W x H columns/lines running COMMAND
#   tmx ARGS...              tmux on this test's server
#   screen                   the visible text of the pane
#   row N                    line N (1-based) of the pane
#   wait_for ERE [MS]        poll until the pane matches, drawn in full (below)
#   wait_gone ERE [MS]       ... until it no longer matches
#   settle [MS]              ... until the program is done with its input
#   wait_cursor Y [MS]       ... until the cursor is on line Y (0-based)
#   cursor_y                 the pane's cursor line (0-based)
#   ui_mark                  note the trace before input sent some other way
#
# Drawn in full: the program must run with CERTDECK_UI_TRACE="$UI_TRACE"
# (put it in the pane's environment). After each doupdate it appends a
# line to that file, so a new line there says a draw went out whole. A
# screen counts once (1) it matches, (2) the next capture is the same with
# no draw in between (tmux has taken in all that was written), and (3) the
# program drew since the last input was sent (tmx send-keys/resize-window/
# respawn-pane note the trace), or it is idle: asleep in poll, or gone
# (input it handled without a traced draw: q quitting, a key that only
# clears the message).
TMUX_SOCK="certdeck-test-$$-${RANDOM}"
UI_TRACE=$T/ui.trace
: > "$UI_TRACE"
ui_trace_mark=0
trace_lines() { local n; n=$(wc -l < "$UI_TRACE" 2> /dev/null) || n=0; echo $((n)); }
ui_mark() { ui_trace_mark=$(trace_lines); }
tmx() {
	case ${1-} in
	send-keys | resize-window | respawn-pane) ui_mark ;;
	esac
	tmux -L "$TMUX_SOCK" -f /dev/null "$@"
}
at_exit 'tmx kill-server >/dev/null 2>&1'

tmux_start() {	# W H COMMAND
	local i
	# After a kill-server the old server may still be going away, and a
	# client that reaches it fails ("server exited unexpectedly"): try again.
	for i in 1 2 3 4 5 6 7 8 9 10; do
		tmx new-session -d -s t -x "$1" -y "$2" "$3" 2> "$T/tmux.err" && break
		[ "$i" -lt 10 ] || { diag "tmux: $(cat "$T/tmux.err")"; return 1; }
		sleep 0.2
	done
	tmx set-option -g status off
	# Keep the pane (and its text) when the program ends.
	tmx set-option -g remain-on-exit on
	ui_trace_mark=0
}
screen() { tmx capture-pane -p -t t; }
row() { screen | sed -n "${1}p"; }
cursor_y() { tmx display-message -p -t t '#{cursor_y}'; }

# ui_pid: certdeck in the pane (the pane's process or one of its children).
ui_pid() {
	local pane exe p
	pane=$(tmx display-message -p -t t '#{pane_pid}' 2> /dev/null) || return 0
	[ -n "$pane" ] || return 0
	exe=$(readlink -f "$CERTDECK")
	for p in "$pane" $(ps -o pid= --ppid "$pane" 2> /dev/null); do
		if [ "$(readlink -f "/proc/$p/exe" 2> /dev/null)" = "$exe" ]; then
			echo "$p"
			return 0
		fi
	done
}
# ui_idle: no certdeck in the pane, or its main thread sleeps in poll.
ui_idle() {
	local p st w
	p=$(ui_pid)
	[ -n "$p" ] || return 0
	st=$(sed 's/.*) //' "/proc/$p/stat" 2> /dev/null | cut -d' ' -f1)
	case $st in
	'' | Z | X) return 0 ;;
	S) ;;
	*) return 1 ;;
	esac
	w=$(cat "/proc/$p/wchan" 2> /dev/null) || w=
	case $w in
	*poll* | '' | 0) return 0 ;;
	*) return 1 ;;
	esac
}

# ui_wait MODE ERE MS: the loop behind wait_for (MODE match) and wait_gone
# (MODE gone). Leaves the capture it accepted in $ui_screen.
ui_wait() {
	local mode=$1 pat=$2 ms=$3 t=0 prev= cur n prev_n=-1 hit
	while :; do
		n=$(trace_lines)
		cur=$(screen)
		hit=1
		if grep -Eq -- "$pat" <<< "$cur"; then hit=0; fi
		[ "$mode" = match ] || hit=$((1 - hit))
		if [ "$hit" -eq 0 ] && [ "$n" = "$prev_n" ] && [ "$cur" = "$prev" ] &&
			{ [ "$n" -gt "$ui_trace_mark" ] || ui_idle; }; then
			ui_screen=$cur
			return 0
		fi
		prev=$cur
		prev_n=$n
		[ "$t" -lt "$ms" ] || break
		sleep 0.02
		t=$((t + 20))
	done
	return 1
}

wait_for() {	# ERE [MS]
	ui_wait match "$1" "${2:-10000}" && return 0
	diag "timed out waiting for /$1/ (trace: $(trace_lines) lines," \
		"$ui_trace_mark at the last input); the screen:"
	screen | sed 's/^/# | /'
	return 1
}

wait_gone() {	# ERE [MS]
	ui_wait gone "$1" "${2:-10000}" && return 0
	diag "timed out waiting for /$1/ to go (trace: $(trace_lines) lines," \
		"$ui_trace_mark at the last input); the screen:"
	screen | sed 's/^/# | /'
	return 1
}

settle() {	# [MS]: the program is done with the input sent so far
	ui_wait match '' "${1:-10000}" && return 0
	diag "the screen did not settle; the screen:"
	screen | sed 's/^/# | /'
	return 1
}

wait_cursor() {	# Y [MS]: the cursor on line Y (0-based) of a settled screen
	local y=$1 ms=${2:-10000} t=0
	while :; do
		if settle "$ms" > /dev/null && [ "$(cursor_y)" = "$y" ] && settle > /dev/null &&
			[ "$(cursor_y)" = "$y" ]; then
			return 0
		fi
		[ "$t" -lt "$ms" ] || break
		sleep 0.02
		t=$((t + 20))
	done
	diag "cursor on line $(cursor_y), not $y; the screen:"
	screen | sed 's/^/# | /'
	return 1
}

# tui_script: writes $T/ui.sh, which runs certdeck (with its arguments) on
# this test's store in a known terminal, with the UI trace on and any
# sanitizer reports in $T/san.* (the pane has no log), and leaves its exit
# status in $T/exit.
tui_script() {
	cat > "$T/ui.sh" <<SH
#!/bin/sh
export CERTDECK_STORE='$CERTDECK_STORE' TERM=xterm-256color LC_ALL=C.UTF-8 CERTDECK_UI_TRACE='$UI_TRACE'
export ASAN_OPTIONS="\${ASAN_OPTIONS:+\$ASAN_OPTIONS:}log_path=$T/san"
export UBSAN_OPTIONS="\${UBSAN_OPTIONS:+\$UBSAN_OPTIONS:}log_path=$T/san"
rm -f '$T/exit'
'$CERTDECK' "\$@"
echo "\$?" > '$T/exit'
SH
	chmod +x "$T/ui.sh"
}

# job_field ID FIELD: a job's field as `certdeck jobs --json` shows it.
job_field() { "$CERTDECK" jobs --json | jq -r ".[] | select(.id == $1) | .$2"; }
job_state() { job_field "$1" state; }

wait_job() {	# ID STATE: the job reaches STATE (polls up to 30 s)
	local t=0
	[ -n "$1" ] || return 1
	while [ "$t" -lt 300 ]; do
		[ "$(job_state "$1")" = "$2" ] && return 0
		sleep 0.1
		t=$((t + 1))
	done
	diag "job #$1 is $(job_state "$1"), not $2: $(job_field "$1" last_error)"
	return 1
}

wait_exit() {	# STATUS: the program in the pane ended with STATUS (polls up to 20 s)
	local t=0
	while [ "$t" -lt 200 ]; do
		[ -s "$T/exit" ] && [ "$(cat "$T/exit")" = "$1" ] && return 0
		sleep 0.1
		t=$((t + 1))
	done
	diag "exit status: $(cat "$T/exit" 2>/dev/null)"
	return 1
}

# queued_job: the job number from "queued job #N" on the screen.
queued_job() { screen | sed -n 's/.*queued job #\([0-9]*\).*/\1/p' | head -1; }

# help_text: opens the help screen and prints every page of it (the screen
# is left open: send q to close it). Help grows with the keymap, so a check
# looks for a line in all of it, not on the page G shows.
help_text() {
	local i
	tmx send-keys -t t '?'
	wait_for 'Everywhere' > /dev/null || return 1
	screen
	for i in 1 2 3 4 5 6 7 8; do
		tmx send-keys -t t PageDown
		settle > /dev/null
		screen
	done
}
