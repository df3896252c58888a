#!/usr/bin/env bash
# The Jobs screen against a private Pebble, driven in tmux: c cancels the
# selected queued job after asking (No is the default), stops a running one
# at its next step, refuses a job that has ended and refuses under
# --readonly; Enter on a failed job shows its events and the CA's problem
# document; a key read in the pass that sees a commit is traced as the key.
. "$top_srcdir/tests/lib.sh"
if ! command -v tmux >/dev/null 2>&1; then
	echo "1..0 # SKIP tmux is not installed"
	exit 0
fi
. "$top_srcdir/tests/acme/acme-lib.sh"
. "$top_srcdir/tests/ui/tmux-lib.sh"
set -e
acme_setup PEBBLE_WFE_NONCEREJECT=0
acme_account
HTTP=(--http-addr 127.0.0.1 --http-port "$PEBBLE_HTTP_PORT")

# A failure with the CA's problem: nobody answers the challenge.
cd_run issue -d nope.example.test --http-addr 127.0.0.1 \
	--http-port "$("$top_builddir/tests/pebble/freeport" 1)" --no-wait
failed=$out
cd_run worker --once
check "a failed job to look at" [ "$(job_state "$failed")" = failed ]
# Two jobs that wait: due in 2100, so the worker in the TUI leaves them.
later() {
	cd_run issue -d "$1" "${HTTP[@]}" --no-wait
	sqlite3 "$CERTDECK_STORE" "UPDATE jobs SET run_after = 4102444800 WHERE id = $out"
	echo "$out"
}
keep=$(later keep.example.test)
gone=$(later gone.example.test)
check "a queued job to keep" [ "$(job_state "$keep")" = queued ]
check "a queued job to cancel" [ "$(job_state "$gone")" = queued ]

tui_script
# The selected row's text (the hardware cursor follows the selection).
sel_row() { row $(($(cursor_y) + 1)); }
# select_job ID: moves down from the top until job ID is selected.
select_job() {
	local i
	tmx send-keys -t t g
	for i in 1 2 3 4 5 6; do
		settle > /dev/null || return 1
		sel_row | grep -Eq "^ *$1 " && return 0
		tmx send-keys -t t j
	done
	diag "job #$1 not found; the screen:"
	screen | sed 's/^/# | /'
	return 1
}

tmux_start 100 30 "$T/ui.sh"
wait_for 'Name +Days'
tmx send-keys -t t : j o b s Enter
check ":jobs lists the jobs" wait_for '^ +[0-9]+ issue .*queued'
help=$(help_text)
check "help lists c under Jobs" eval 'grep -Eq "c +cancel the queued or running job" <<< "$help"'
tmx send-keys -t t q

# No is the default.
select_job "$gone"
tmx send-keys -t t c
check "c asks first" wait_for "Cancel job #$gone \(issue\)\?"
tmx send-keys -t t Enter
wait_gone 'Cancel job #'
check "Enter (No) cancels nothing" [ "$(job_state "$gone")" = queued ]
tmx send-keys -t t c
wait_for "Cancel job #$gone"
tmx send-keys -t t n
wait_gone 'Cancel job #'
check "n cancels nothing" [ "$(job_state "$gone")" = queued ]

tmx send-keys -t t c
wait_for "Cancel job #$gone"
tmx send-keys -t t y
check "y cancels: the message" wait_for "job #$gone cancelled"
check "the row says cancelled" eval 'screen | grep -Eq "^ *$gone issue .*cancelled"'
check "certdeck jobs --json says cancelled" [ "$(job_state "$gone")" = cancelled ]
check "the other job is still queued" [ "$(job_state "$keep")" = queued ]

# A running job: its dns-01 hook takes a while, so the screen's worker is
# inside the job when c lands; the job stops at its next step.
cat > "$T/slow-hook.sh" <<'SH'
#!/bin/sh
[ "$1" = add ] && sleep 4
exit 0
SH
chmod +x "$T/slow-hook.sh"
cd_run issue -d slow.example.test --challenge dns-01 --dns-hook "$T/slow-hook.sh" --no-wait
slow=$out
check "the screen's worker runs the slow job" wait_for "^ *$slow issue .*running" 8000
select_job "$slow"
tmx send-keys -t t c
wait_for "Cancel job #$slow"
tmx send-keys -t t y
check "y cancels the running job: the message" wait_for "job #$slow cancelled"
wait_job_end() {	# ID: until the job is no longer running
	local t=0
	while [ "$t" -lt 150 ]; do
		[ "$(job_state "$1")" != running ] && return 0
		sleep 0.1
		t=$((t + 1))
	done
	return 1
}
check "the running job ends cancelled" eval 'wait_job_end "$slow" && [ "$(job_state "$slow")" = cancelled ]'
check "... at a step boundary: no certificate for it" \
	[ "$("$CERTDECK" list --json | jq '[.[] | select(.name == "slow.example.test")] | length')" -eq 0 ]
check "the row says cancelled" wait_for "^ *$slow issue .*cancelled"

select_job "$failed"
tmx send-keys -t t c
check "c on a failed job is refused" wait_for "job #$failed is not queued or running"
check "... without asking" eval '! screen | grep -q "Cancel job #"'
tmx send-keys -t t Enter
check "Enter on the failed job opens its events" wait_for "Job #$failed issue of #[0-9]+: failed"
check "... with the CA's problem type" wait_for '^ Problem: urn:ietf:params:acme:error:'
check "... and its detail" wait_for '^ Detail: '
check "... and the steps logged" wait_for 'error .*'
tmx send-keys -t t q
wait_for 'ID. +Kind'

# A key and another process's commit in one pass of the loop: the screen is
# stopped while the commit is made and a key waits, past the loop's
# one-second tick (SIGSTOP holds: certdeck is the pane shell's child, which
# tmux does not continue). The draw after SIGCONT answers the key, and the
# trace must say so ("down", timed from the key), not "data": a benchmark
# waiting for the key's answer (tests/bench/load_500.sh) never saw it.
settle > /dev/null
ui=$(ui_pid)
tmx send-keys -t t g
settle > /dev/null
kill -STOP "$ui"
sqlite3 -cmd '.timeout 5000' "$CERTDECK_STORE" \
	"INSERT INTO events (time, level, message) VALUES (strftime('%s'), 'info', 'elsewhere')"
sleep 1.2
n_before=$(trace_lines)
tmx send-keys -t t j
stopped=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$ui/status")
kill -CONT "$ui"
settle > /dev/null
check "the screen was stopped while the key waited" [ "$stopped" = T ]
check "a key answered in the pass that saw a commit is traced as the key" \
	[ "$(sed -n "$((n_before + 1))p" "$UI_TRACE" | cut -d' ' -f1)" = down ]
tmx send-keys -t t F10
check "quits" wait_exit 0

# Read-only: refused, nothing asked, nothing changed.
tmx respawn-pane -k -t t "$T/ui.sh --readonly"
wait_for 'read-only'
tmx send-keys -t t : j o b s Enter
wait_for 'ID. +Kind'
select_job "$keep"
tmx send-keys -t t c
check "--readonly: c is refused" wait_for 'read-only: actions are off'
check "--readonly: nothing asked" eval '! screen | grep -q "Cancel job #"'
check "--readonly: the job is still queued" [ "$(job_state "$keep")" = queued ]
help=$(help_text)
check "--readonly: help is there" eval 'grep -q "Esc then a digit" <<< "$help"'
check "--readonly: help does not offer c" eval '! grep -q "cancel the queued" <<< "$help"'
tmx send-keys -t t F10
check "--readonly: quits" wait_exit 0
check "no sanitizer reports" eval '! ls "$T"/san* > /dev/null 2>&1 || { cat "$T"/san* | head -40 | sed "s/^/# /"; false; }'
done_testing
