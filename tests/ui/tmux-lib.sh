# Helpers for driving the TUI in tmux. Source after tests/lib.sh (it uses
# $T, diag and at_exit). Every test gets its own tmux server (-L socket),
# killed on exit.
#   tmux_start W H COMMAND   a session of W x H columns/lines running COMMAND
#   tmx ARGS...              tmux on this test's server
#   screen                   the visible text of the pane
#   row N                    line N (1-based) of the pane
#   wait_for ERE [MS]        poll (every 20 ms) until the pane matches
#   wait_gone ERE [MS]       ... until it no longer matches
#   cursor_y                 the pane's cursor line (0-based)
TMUX_SOCK="certdeck-test-$$-${RANDOM}"
tmx() { tmux -L "$TMUX_SOCK" -f /dev/null "$@"; }
at_exit 'tmx kill-server >/dev/null 2>&1'

tmux_start() {	# W H COMMAND
	tmx new-session -d -s t -x "$1" -y "$2" "$3"
	tmx set-option -g status off
	# Keep the pane (and its text) when the program ends.
	tmx set-option -g remain-on-exit on
}
screen() { tmx capture-pane -p -t t; }
row() { screen | sed -n "${1}p"; }
cursor_y() { tmx display-message -p -t t '#{cursor_y}'; }

wait_for() {	# ERE [MS]
	local pat=$1 ms=${2:-5000} t=0
	while [ "$t" -lt "$ms" ]; do
		if screen | grep -Eq -- "$pat"; then
			return 0
		fi
		sleep 0.02
		t=$((t + 20))
	done
	diag "timed out waiting for /$pat/; the screen:"
	screen | sed 's/^/# | /'
	return 1
}

wait_gone() {	# ERE [MS]
	local pat=$1 ms=${2:-5000} t=0
	while [ "$t" -lt "$ms" ]; do
		if ! screen | grep -Eq -- "$pat"; then
			return 0
		fi
		sleep 0.02
		t=$((t + 20))
	done
	diag "timed out waiting for /$pat/ to go; the screen:"
	screen | sed 's/^/# | /'
	return 1
}
