#!/usr/bin/env bash
# Notification channels declared in the config file ([notify NAME]): the
# store's copy follows the file (added, updated with its delivery record
# kept, removed), `notify add` channels are left alone, a bad section is
# an error naming the file and line, and renew delivers through them.
. "$top_srcdir/tests/lib.sh"
set -e

"$top_srcdir/tests/demo/make-demo-certs.sh" "$T/certs" > /dev/null
C=$T/certs
export CERTDECK_STORE="$T/data/store.db" CERTDECK_CONFIG="$T/config"
"$CERTDECK" init > /dev/null
# www: 10 days left, nothing renews it (a warning).
"$CERTDECK" import "$C/www.example.test.pem" > /dev/null

mkdir -p "$T/calls"
cat > "$T/hook" <<HOOK
#!/bin/sh
n=\$(ls "$T/calls" | wc -l)
echo "\$CERTDECK_EVENT \$CERTDECK_CONDITION" > "$T/calls/\$n"
HOOK
chmod 0755 "$T/hook"
cp "$T/hook" "$T/other-hook"
calls() { ls "$T/calls" | wc -l; }
json() { "$CERTDECK" notify list --json; }

cat > "$T/config" <<EOF
[notify ops]
hook = $T/hook
events = expiring,job-failed
EOF
cd_run config check
check "config check: a [notify] section is fine" [ "$rc" -eq 0 ]
check "... and counted" grep -q '^1 notification channel (\[notify\] section)$' "$T/.out"
cd_run notify list
check "notify list: the config's channel is there" grep -q "hook .* $T/hook" "$T/.out"
check "... saying where it comes from" grep -q 'from the config file: \[notify ops\]' "$T/.out"
check "... --json names the section" [ "$(json | jq -r '.[0].config')" = ops ]
check "... with the events filter" [ "$(json | jq -r '.[0].events')" = expiring,job-failed ]
ops_id=$(json | jq -r '.[0].id')

cd_run notify add hook "$T/other-hook"
check "a channel added by hand next to it" [ "$rc" -eq 0 ]
own_id=$out
check "... has no config section" \
	[ "$(json | jq -r --argjson i "$own_id" '.[] | select(.id == $i) | .config')" = null ]

cd_run renew
check "renew: exit 0" [ "$rc" -eq 0 ]
check "... the expiry warning reaches the config's hook (and the other)" [ "$(calls)" -eq 2 ]
check "... as a start of 'expiring'" [ "$(grep -lx 'start expiring' "$T"/calls/* | wc -l)" -eq 2 ]
check "... the delivery is recorded on the config's channel" \
	[ "$(json | jq -r --argjson i "$ops_id" '.[] | select(.id == $i) | .last_status')" = ok ]

cd_run notify remove "$ops_id"
check "notify remove of a config channel: refused" [ "$rc" -eq 1 ]
check "... naming the section to remove instead" grep -q '\[notify ops\]: remove that section' "$T/.err"
check "... and it is still there" [ "$(json | jq length)" -eq 2 ]

# A changed section: the same channel, its record kept, the new settings.
cat > "$T/config" <<EOF
[notify ops]
hook = $T/hook
min-days = 5
EOF
cd_run notify list --json
check "a changed section: still one channel for it" \
	[ "$(jq '[.[] | select(.config == "ops")] | length' "$T/.out")" -eq 1 ]
check "... the same ID" [ "$(jq -r '.[] | select(.config == "ops") | .id' "$T/.out")" = "$ops_id" ]
check "... the new min-days" [ "$(jq -r '.[] | select(.config == "ops") | .min_days' "$T/.out")" = 5 ]
check "... the events filter gone" [ "$(jq -r '.[] | select(.config == "ops") | .events' "$T/.out")" = null ]
check "... its delivery record kept" [ "$(jq -r '.[] | select(.config == "ops") | .last_status' "$T/.out")" = ok ]

# The section removed: its channel goes, the hand-made one stays.
: > "$T/config"
cd_run notify list --json
check "the section removed: its channel is gone" \
	[ "$(jq '[.[] | select(.config == "ops")] | length' "$T/.out")" -eq 0 ]
check "... the channel added by hand stays" [ "$(jq length "$T/.out")" -eq 1 ]

# Bad sections: an error naming the file and line, nothing runs.
bad() {	# bad DESCRIPTION TEXT PATTERN
	printf '%b' "$2" > "$T/config"
	cd_run notify list
	check "$1: notify list fails" [ "$rc" -ne 0 ]
	check "$1: the message says where and why" grep -q -- "$3" "$T/.err"
}
bad "a hook that is not executable" "[notify x]\nhook = $C/www.example.test.pem\n" \
	"$T/config:1: \[notify x\]: "
bad "two channel types" "[notify x]\nhook = $T/hook\nmail = a@example.test\n" \
	"$T/config:3: mail: a \[notify\] section is one channel"
bad "no channel type" "[notify x]\nevents = expiring\n" \
	"$T/config:1: a \[notify\] section needs one of hook, webhook or mail"
bad "an inline password" "[notify x]\nmail = a@example.test\nsmtp-password = s3cret\n" \
	"$T/config:3: smtp-password: secrets do not go in the config file"
bad "an unknown key" "[notify x]\nhook = $T/hook\ncolour = red\n" \
	"$T/config:3: colour: unknown key in a \[notify\] section"
bad "a plain-http webhook" "[notify x]\nwebhook = http://127.0.0.1:1/x\n" \
	"$T/config:1: \[notify x\]: "
bad "the same section twice" "[notify x]\nhook = $T/hook\n[notify x]\nhook = $T/hook\n" \
	"$T/config:3: this \[notify\] section was already given"
check "... the secret is not echoed" bash -c "! grep -rq s3cret '$T/.err'"
printf '[notify x]\nhook = %s\n' "$C/www.example.test.pem" > "$T/config"
cd_run config check
check "config check fails on a hook that does not run" [ "$rc" -ne 0 ]
check "... saying where" grep -q "$T/config:1: \[notify x\]" "$T/.err"

# renew with a broken channel: a warning, and renewal still runs.
cd_run renew
check "renew with a broken channel section: still exit 0" [ "$rc" -eq 0 ]
check "... a warning says the channels were not updated" \
	grep -q "notification channels were not updated: $T/config:1: \[notify x\]" "$T/.err"
done_testing
