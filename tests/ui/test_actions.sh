#!/usr/bin/env bash
# The TUI's actions against a private Pebble, driven in tmux: revoke with R
# (reason, then the name typed out), renew with r, a new certificate from
# the n form, the worker inside the TUI running them (the jobs strip and
# the Jobs and Events screens show it), and --readonly refusing them.
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

cd_run issue -d gone.example.test "${HTTP[@]}"
gone=$out
cd_run issue -d renew.example.test "${HTTP[@]}"
old=$out
check "a certificate to revoke" [ "$gone" -ge 1 ]
check "a certificate to renew" [ "$old" -ge 1 ]

tui_script
tmux_start 100 30 "$T/ui.sh"


check "the list comes up" wait_for 'Name +Days'
check "help lists the actions" eval 'tmx send-keys -t t "?"; wait_for "renew now"'
tmx send-keys -t t q
wait_for 'Name +Days'

# Revoke: R, the reason, the name; Cancel is the default.
tmx send-keys -t t / gone Enter
wait_gone 'renew\.example'
tmx send-keys -t t R
check "R opens the reason dialog" wait_for 'Revoke #'"$gone"
check "... which lists the reasons" eval 'screen | grep -q superseded && screen | grep -q keyCompromise'
tmx send-keys -t t Enter
check "Enter on the default (Cancel) revokes nothing" wait_for 'cancelled'
tmx send-keys -t t R
wait_for 'Revoke #'
tmx send-keys -t t 3
check "picking superseded asks for the name" wait_for 'Type gone\.example\.test'
tmx send-keys -t t wrong Enter
check "a wrong name is refused in the dialog" wait_for "that is not"
tmx send-keys -t t C-u gone.example.test Enter
check "the right name queues the job" wait_for 'queued job #[0-9]+'
rj=$(queued_job)
check "the list turns revoked" wait_for 'gone\.example\.test .*revoked' 20000
check "certdeck show says revoked" \
	[ "$("$CERTDECK" show "$gone" --json | jq -r .status)" = revoked ]
check "the revocation job is done" wait_job "$rj" done
check "Pebble agrees" [ "$(pebble_cert_status "$gone")" = Revoked ]
serial=$("$CERTDECK" show "$gone" --json | jq -r .serial)
reason=$(curl -sf --noproxy '*' --cacert "$PEBBLE_CA" \
	"$PEBBLE_MGMT/cert-status-by-serial/$serial" | jq -r .Reason)
check "... with reason superseded (4)" [ "$reason" = 4 ]
tmx send-keys -t t Escape
wait_for 'renew\.example'

# Renew: r on the selected row; the job runs in the TUI's worker.
tmx send-keys -t t / renew Enter
wait_gone 'gone\.example'
tmx send-keys -t t r
check "r queues a renewal" wait_for 'queued job #[0-9]+'
nj=$(queued_job)
check "the renewal finishes" wait_job "$nj" done
new=$("$CERTDECK" jobs --json | jq -r ".[] | select(.id == $nj) | .result_id")
check "a new certificate appears" [ "$new" -gt "$old" ]
check "... and replaces the old one" \
	[ "$("$CERTDECK" list --all --json | jq -r ".[] | select(.id == $old) | .status")" = replaced ]
# The screen's own worker names the user who runs the screen in the audit
# log ("USER on TTY"), as the job row does.
actors=$("$CERTDECK" events --json --job "$nj" | jq -r '[.[].actor] | unique | join("|")')
check "the renewal's events name the user on the screen's terminal" \
	eval 'case "$actors" in "$(id -un) on "*) ! echo "$actors" | grep -q "|" ;; *) false ;; esac'
tmx send-keys -t t : j o b s Enter
check ":jobs lists the renewal as done" wait_for "^ *$nj +renew .* done"
tmx send-keys -t t Enter
check "Enter opens the job's events" wait_for "Job #[0-9]+ renew of #$old: done"
tmx send-keys -t t q : e v e n t s Enter
check ":events shows the audit log" wait_for "job #$nj \(renew\) done"
tmx send-keys -t t : c e r t s Enter Escape
wait_for 'gone\.example'

# A new certificate from the form; its errors show in the form.
tmx send-keys -t t n
check "n asks for the protocol" wait_for 'Which protocol'
tmx send-keys -t t a
check "a opens the ACME form" wait_for 'New certificate \(ACME\)'
tmx send-keys -t t Enter
check "an empty name is refused in the form" wait_for 'give at least one name'
tmx send-keys -t t new.example.test Tab Tab abc Enter
check "a bad port is refused" wait_for "'abc' is not a port number"
tmx send-keys -t t C-u "$PEBBLE_HTTP_PORT" Tab 127.0.0.1 Enter
check "the form queues an issuance" wait_for 'queued job #[0-9]+'
ij=$(queued_job)
check "the issuance finishes" wait_job "$ij" done
check "the new certificate shows up in the list" wait_for '^new\.example\.test' 20000

# A job queued elsewhere runs in the TUI's worker; the strip shows it while
# its dns-01 hook waits for $T/go, and q asks before stopping it.
cat > "$T/slow-hook.sh" <<SH
#!/bin/sh
t=0
while [ ! -e '$T/go' ] && [ \$t -lt 300 ]; do sleep 0.1; t=\$((t + 1)); done
exec '$top_srcdir/tests/hooks/challtest-dns-hook.sh' "\$@"
SH
chmod +x "$T/slow-hook.sh"
cd_run issue -d slow.example.test --challenge dns-01 --dns-hook "$T/slow-hook.sh" \
	--dns-resolver "$CHALLTEST_DNS" --no-wait
sj=$out
check "the strip shows the running job with its step" \
	wait_for "^#$sj issue [0-9]+ \\[.*\\] [0-9]+/[0-9]+ " 20000
tmx send-keys -t t q
check "q with a job running here asks first" wait_for 'running here'
tmx send-keys -t t x
check "... another key answers no" wait_gone 'running here'
check "... and the TUI stays, on the list" wait_for 'Name +Days'
check "... still running" [ ! -e "$T/exit" ]
touch "$T/go"
check "the job finishes once the hook goes on" wait_job "$sj" done
check "... and leaves the strip" wait_gone "^#$sj issue"

# Marks: Space marks two rows, K rotates both after asking (Cancel is the
# default; r rotates, v rotates and revokes the old ones).
tmx send-keys -t t g
tmx send-keys -t t Space Space
check "Space marks rows" wait_for '2 marked'
tmx send-keys -t t K
check "K asks first" wait_for 'Rotate key'
check "... offering to revoke the old ones" wait_for 'revoke the old one \(superseded\)'
tmx send-keys -t t Enter
check "Enter on the default (Cancel) rotates nothing" wait_for 'cancelled'
tmx send-keys -t t K
wait_for 'Rotate key'
tmx send-keys -t t r
check "r queues a rotation for each marked row" wait_for 'queued jobs #[0-9]+, #[0-9]+'

# q quits; if the rotations still run here it asks first, and y stops them
# between steps (they stay queued for 'certdeck worker').
tmx send-keys -t t q
if wait_for 'running here' 3000 > /dev/null; then
	tmx send-keys -t t y
fi
check "q quits" wait_exit 0
check "no job is left running" \
	[ "$("$CERTDECK" jobs --json | jq '[.[] | select(.state == "running")] | length')" -eq 0 ]

# Read-only: no actions in help, r refused.
tmx kill-server > /dev/null 2>&1 || true
rm -f "$T/exit"
tmux_start 100 30 "$T/ui.sh --readonly"
wait_for 'Name +Days'
tmx send-keys -t t "?"
wait_for 'Everywhere'
check "read-only help has no actions" eval '! screen | grep -q "renew now"'
tmx send-keys -t t q r
check "read-only refuses r" wait_for 'read-only: actions are off'
before=$("$CERTDECK" jobs --json | jq length)
# Any key clears the message: then n's own answer shows it handled n.
tmx send-keys -t t j
check "... the message goes with the next key" wait_gone 'read-only: actions are off'
tmx send-keys -t t n
check "read-only refuses n" wait_for 'read-only: actions are off'
check "... and n opens no form" eval '! screen | grep -q "New certificate"'
check "... and queues nothing" [ "$("$CERTDECK" jobs --json | jq length)" -eq "$before" ]
tmx send-keys -t t q
check "read-only quits" wait_exit 0
check "no sanitizer reports" eval '! ls "$T"/san.* > /dev/null 2>&1 || { cat "$T"/san.* | head -40 | sed "s/^/# /"; false; }'
done_testing
