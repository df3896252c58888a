#!/usr/bin/env bash
# The Accounts screen's actions against a private Pebble, driven in tmux:
# n (the new-account form, its checks, the masked HMAC field), e (contacts),
# Shift+K (key rollover, default No), Shift+X (deactivate: default Cancel,
# then the account's number typed out), each run by the TUI's worker; a
# deactivated account refuses them; --readonly refuses n.
. "$top_srcdir/tests/lib.sh"
if ! command -v tmux >/dev/null 2>&1 || ! command -v sqlite3 >/dev/null 2>&1; then
	echo "1..0 # SKIP tmux or sqlite3 is not installed"
	exit 0
fi
. "$top_srcdir/tests/acme/acme-lib.sh"
. "$top_srcdir/tests/ui/tmux-lib.sh"
set -e
acme_setup PEBBLE_WFE_NONCEREJECT=0
acme_account
check "one account to start with" [ "$ACCOUNT" -ge 1 ]

tui_script

acct() { "$CERTDECK" account show "$1" --json | jq -r "$2"; }
key_id() { sqlite3 "$CERTDECK_STORE" "SELECT key_id FROM accounts WHERE id = $1"; }
njobs() { "$CERTDECK" jobs --json | jq length; }

tmux_start 100 30 "$T/ui.sh"
wait_for 'Name +Days'
tmx send-keys -t t : a c c o u n t s Enter
check ":accounts lists the account" wait_for "^ *$ACCOUNT +valid"
tmx send-keys -t t "?"
wait_for 'Everywhere'
tmx send-keys -t t NPage
check "help lists the account actions (after the detail keys)" eval 'wait_for "new account: a form" && screen | grep -q "Shift+X" && screen | grep -q "Certificate detail"'
tmx send-keys -t t q
wait_for "^ *$ACCOUNT +valid"

# n: the form, prefilled with the selected account's CA.
tmx send-keys -t t n
check "n opens the new-account form" wait_for 'New account'
check "... with the CA's directory URL filled in" wait_for "Directory URL +${PEBBLE_URL//./\\.}"
check "... key type ec256 by default" wait_for '< ec256 >'
check "... the terms not yet agreed" wait_for '\[ \] I agree'
tmx send-keys -t t Tab Tab "ui@example.test, bad@" Enter
check "a malformed e-mail is refused in the form" wait_for "Contacts: 'bad@' is not an e-mail address"
check "... which keeps what was typed" wait_for 'Contacts +ui@example\.test, bad@'
tmx send-keys -t t C-u "ui@example.test, two@example.test" Enter
check "the terms must be ticked" wait_for "Tick 'I agree"
tmx send-keys -t t Tab Space Tab Space
check "Space ticks them" wait_for '\[x\] I agree'
tmx send-keys -t t Tab Tab s3cr3tHMAC
check "the HMAC key is masked" eval 'wait_for "EAB HMAC key +\*{10}" && ! screen | grep -q s3cr3tHMAC'
tmx send-keys -t t Enter
check "an HMAC key without a key ID is refused" wait_for 'give both the key ID'
# The key may come from a file instead (never typed, never on a command line).
printf 'fromfileHMAC\n' > "$T/eab.key"
tmx send-keys -t t Tab "$T/eab.key" Enter
check "an HMAC key and a key file at once are refused" wait_for 'HMAC key or a file holding it, not both'
tmx send-keys -t t Up C-u Down Enter
check "a key file is read: without a key ID it is refused the same way" wait_for 'give both the key ID'
tmx send-keys -t t C-u "$T/missing.key" Enter
check "an unreadable key file is refused" wait_for 'EAB HMAC key file: .*missing\.key'
tmx send-keys -t t C-u Up
tmx send-keys -t t C-u Up Up Up Up Up Up C-u Enter
check "an empty URL is refused" wait_for "Directory URL: give the CA's"
tmx send-keys -t t "ftp://nope" Enter
check "... and so is a non-https one" wait_for "'ftp://nope' is neither"
tmx send-keys -t t C-u "$PEBBLE_URL" Enter
check "the form queues the registration" wait_for 'queued job #[0-9]+'
nj=$(queued_job)
check "... an account-new job" [ "$(job_field "$nj" kind)" = account-new ]
check "the TUI's worker runs it" wait_job "$nj" done
new=$(job_field "$nj" result_id)
check "it made a new account" [ "$new" -gt "$ACCOUNT" ]
check "the screen shows it valid" wait_for "^ *$new +valid +ui@example\.test" 20000
check "account list --json agrees" [ "$("$CERTDECK" account list --json |
	jq -r ".[] | select(.id == $new) | .status + \" \" + (.contacts | join(\",\"))")" = \
	"valid mailto:ui@example.test,mailto:two@example.test" ]
check "... with an ec384 key" [ "$(acct "$new" .key_type)" = ec384 ]

# e: the contacts, prefilled; Esc leaves them alone.
tmx send-keys -t t G
tmx send-keys -t t e
check "e opens the contacts form" wait_for "Contacts of account #$new"
check "... prefilled" wait_for 'Contacts +ui@example\.test, two@example\.test'
tmx send-keys -t t C-u "not an address" Enter
check "a malformed e-mail is refused" wait_for "'not' is not an e-mail address"
tmx send-keys -t t C-u "changed@example.test" Enter
check "e queues an update" wait_for 'queued job #[0-9]+'
uj=$(queued_job)
check "... run by the worker" wait_job "$uj" done
check "the screen shows the new contact" wait_for "^ *$new +valid +changed@example\.test" 20000
check "the store has it" [ "$(acct "$new" '.contacts | join(",")')" = mailto:changed@example.test ]

# Shift+K: key rollover, No by default.
k0=$(key_id "$new")
tmx send-keys -t t K
check "Shift+K asks first" wait_for "Key rollover of account #$new"
tmx send-keys -t t Enter
check "Enter on the default (No) rolls nothing" wait_for 'cancelled'
check "... the key is unchanged" [ "$(key_id "$new")" = "$k0" ]
tmx send-keys -t t K
wait_for "Key rollover of account #$new"
tmx send-keys -t t y
check "y queues the rollover" wait_for 'queued job #[0-9]+'
kj=$(queued_job)
check "... run by the worker" wait_job "$kj" done
check "the account has a new key" [ "$(key_id "$new")" != "$k0" ]
check "... the rollover is complete" [ "$(acct "$new" .rollover_in_progress)" = false ]

# Shift+X: deactivate. Cancel by default; a wrong number does nothing.
tmx send-keys -t t X
check "Shift+X warns first" eval 'wait_for "Deactivate account #'"$new"'" && screen | grep -q "refuse this account forever"'
tmx send-keys -t t Enter
check "Enter on the default (Cancel) does nothing" wait_for 'cancelled'
before=$(njobs)
tmx send-keys -t t X
wait_for "Deactivate account #$new"
tmx send-keys -t t Down Enter
check "going on asks for the account's number" wait_for "Type $new"
tmx send-keys -t t "$ACCOUNT" Enter
check "a wrong number is refused" wait_for "that is not '$new'"
check "... and queues nothing" [ "$(njobs)" -eq "$before" ]
check "... the account stays valid" [ "$(acct "$new" .status)" = valid ]
tmx send-keys -t t C-u "$new" Enter
check "the right number queues the deactivation" wait_for 'queued job #[0-9]+'
dj=$(queued_job)
check "... run by the worker" wait_job "$dj" done
check "the screen shows it deactivated" wait_for "^ *$new +deactivated" 20000
check "the store says deactivated" [ "$(acct "$new" .status)" = deactivated ]
tmx send-keys -t t K
check "a deactivated account refuses a rollover" wait_for "account #$new is deactivated"
tmx send-keys -t t e
check "... an edit" wait_for "account #$new is deactivated"
tmx send-keys -t t X
check "... and another deactivation" wait_for "account #$new is deactivated"
check "... queueing nothing" [ "$(njobs)" -eq $((before + 1)) ]
check "the first account is untouched" [ "$(acct "$ACCOUNT" .status)" = valid ]
tmx send-keys -t t : q Enter
check "the TUI quits" wait_exit 0

# Read-only: n refused, the actions gone from help.
tmx kill-server > /dev/null 2>&1 || true
rm -f "$T/exit"
tmux_start 100 30 "$T/ui.sh --readonly"
wait_for 'Name +Days'
tmx send-keys -t t : a c c o u n t s Enter
wait_for "^ *$ACCOUNT +valid"
before=$(njobs)
tmx send-keys -t t n
check "read-only refuses n" wait_for 'read-only: actions are off'
check "... opening no form" eval '! screen | grep -q "New account"'
# Any key clears the message: then Shift+X's own answer shows it was handled.
tmx send-keys -t t k
check "... the message goes with the next key" wait_gone 'read-only: actions are off'
tmx send-keys -t t X
check "... and Shift+X" wait_for 'read-only: actions are off'
check "... asking nothing" eval '! screen | grep -q "Deactivate account"'
check "... queueing nothing" [ "$(njobs)" -eq "$before" ]
tmx send-keys -t t "?"
wait_for 'Everywhere'
tmx send-keys -t t NPage
wait_for 'Certificate detail'
check "read-only help has no account actions" eval '! screen | grep -q "new account: a form"'
tmx send-keys -t t q : q Enter
check "read-only quits" wait_exit 0
check "no sanitizer reports" eval '! ls "$T"/san.* > /dev/null 2>&1 || { cat "$T"/san.* | head -40 | sed "s/^/# /"; false; }'
done_testing
