#!/usr/bin/env bash
# Hooks and reload commands against Pebble: stored as absolute paths when
# added, refused when another user could change them, run with no
# descriptor of ours (libcurl's sockets) and a minimal environment, and the
# dns-01 hook killed after --dns-hook-timeout.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/acme/acme-lib.sh"
set -e
acme_setup
acme_account
check "account new exits 0" [ "$rc" -eq 0 ]
chall="$top_srcdir/tests/hooks/challtest-dns-hook.sh"
setting() {	# setting ORDER-ID KEY: one member of the order's settings
	sqlite3 "$CERTDECK_STORE" "SELECT json_extract(settings, '\$.$2') FROM orders WHERE id = $1"
}
last_order() { sqlite3 "$CERTDECK_STORE" "SELECT max(id) FROM orders"; }

# A hook that records what it has open and what it was given, then does the job.
mkdir -p "$T/bin"
cat > "$T/bin/probe-hook.sh" <<SH
#!/bin/sh
{
	echo "fds=\$(ls /proc/self/fd | sort -n | tr '\n' ' ')"
	echo "leak=\${HOOK_TEST_LEAK-unset}"
	echo "mgmt=\${CERTDECK_CHALLTEST_MGMT:+set}"
	echo "path=\${PATH:+set}"
} > '$T/probe.'"\$1"
exec '$chall' "\$@"
SH
chmod 0755 "$T/bin/probe-hook.sh"

# ---- a relative hook path is stored absolute; the hook sees nothing of ours
export HOOK_TEST_LEAK=yes
(cd "$T" && "$CERTDECK" issue -d probe.example.test --challenge dns-01 \
	--dns-hook bin/probe-hook.sh --dns-resolver "$CHALLTEST_DNS" > "$T/.out" 2> "$T/.err") && rc=0 || rc=$?
unset HOOK_TEST_LEAK
check "dns-01 with a relative hook path exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$(cat "$T/.err")"
o=$(last_order)
check "the order stores the hook's absolute path" [ "$(setting "$o" dns_hook)" = "$T/bin/probe-hook.sh" ]
check "the hook ran" [ -s "$T/probe.add" ]
# ls itself opens the directory it lists as 3.
check "the hook has only stdin, stdout and stderr open (no libcurl socket)" \
	grep -qx 'fds=0 1 2 3 ' "$T/probe.add"
[ -s "$T/probe.add" ] && diag "$(cat "$T/probe.add")"
check "the hook does not get our other variables" grep -qx 'leak=unset' "$T/probe.add"
check "... but CERTDECK_* and PATH" sh -c "grep -qx 'mgmt=set' '$T/probe.add' && grep -qx 'path=set' '$T/probe.add'"

# ---- a bare name is looked up in PATH once, when the order is made
ln -s "$T/bin/probe-hook.sh" "$T/bin/probe-hook"
PATH="$T/bin:$PATH" cd_run issue -d path.example.test --challenge dns-01 \
	--dns-hook probe-hook --dns-resolver "$CHALLTEST_DNS"
check "dns-01 with a hook found in PATH exits 0" [ "$rc" -eq 0 ]
check "... stored as the absolute path found" [ "$(setting "$(last_order)" dns_hook)" = "$T/bin/probe-hook" ]

# ---- a hook another user may change is refused before any order -----------
n_orders=$(sqlite3 "$CERTDECK_STORE" "SELECT count(*) FROM orders")
chmod 0777 "$T/bin/probe-hook.sh"
cd_run issue -d unsafe.example.test --challenge dns-01 --dns-hook "$T/bin/probe-hook.sh"
check "a world-writable hook is refused" [ "$rc" -eq 1 ]
check "... naming it and why" grep -q "$T/bin/probe-hook.sh is writable by other users" "$T/.err"
check "... before an order exists" [ "$(sqlite3 "$CERTDECK_STORE" "SELECT count(*) FROM orders")" = "$n_orders" ]
chmod 0755 "$T/bin/probe-hook.sh"
chmod 0777 "$T/bin"
cd_run issue -d unsafe.example.test --challenge dns-01 --dns-hook "$T/bin/probe-hook.sh"
check "a hook in a world-writable directory is refused" [ "$rc" -eq 1 ]
check "... naming the directory" grep -q "$T/bin is writable by other users" "$T/.err"
chmod 0755 "$T/bin"
cd_run issue -d missing.example.test --challenge dns-01 --dns-hook no-such-hook-certdeck
check "a hook not in PATH is refused" [ "$rc" -eq 1 ]

# ---- --dns-hook-timeout ---------------------------------------------------
cat > "$T/bin/hang-hook.sh" <<SH
#!/bin/sh
trap 'echo "got TERM" >> "$T/hang.log"; exit 1' TERM
echo started >> '$T/hang.log'
while :; do sleep 0.1; done
SH
chmod 0755 "$T/bin/hang-hook.sh"
cd_run issue -d hang.example.test --challenge dns-01 --dns-hook "$T/bin/hang-hook.sh" \
	--dns-hook-timeout 0
check "--dns-hook-timeout 0 is a usage error" [ "$rc" -eq 2 ]
cd_run issue -d hang.example.test --challenge dns-01 --dns-hook "$T/bin/hang-hook.sh" \
	--dns-hook-timeout 2 --no-wait
check "issue --dns-hook-timeout 2 --no-wait exits 0" [ "$rc" -eq 0 ]
job=$out
o=$(last_order)
check "the timeout is in the order's settings" [ "$(setting "$o" dns_hook_timeout)" = 2 ]
timeout 120 "$CERTDECK" worker --once > "$T/worker.out" 2> "$T/worker.err" || true
check "the hook was started" grep -qx started "$T/hang.log"
check "it was sent SIGTERM at the timeout" grep -qx 'got TERM' "$T/hang.log"
check "the job's error names the 2 s timeout" \
	[ "$(sqlite3 "$CERTDECK_STORE" "SELECT count(*) FROM jobs WHERE id = $job AND last_error LIKE '%no exit after 2 s%'")" = 1 ]
[ -s "$T/worker.err" ] && diag "$(tail -n 3 "$T/worker.err")"
"$CERTDECK" cancel "$job" > /dev/null 2>&1 || true

# ---- reload commands -------------------------------------------------------
cert=$(sqlite3 "$CERTDECK_STORE" "SELECT min(id) FROM certificates")
mkdir -p "$T/www"
cd_run deploy add "$cert" --fullchain "$T/www/fullchain.pem" --reload-cmd true
check "a reload command by bare name is added" [ "$rc" -eq 0 ]
t1=$out
stored=$("$CERTDECK" deploy list "$cert" --json | jq -r --argjson t "$t1" '.[] | select(.id == $t) | .reload_cmd[0]')
check "... stored as an absolute path" [ "${stored#/}" != "$stored" ]
check "... of that program" [ "${stored##*/}" = true ]
cat > "$T/bin/reload.sh" <<SH
#!/bin/sh
echo ran >> '$T/reload.log'
SH
chmod 0755 "$T/bin/reload.sh"
cd_run deploy add "$cert" --fullchain "$T/www/b.pem" --reload-cmd "$T/bin/reload.sh"
t2=$out
chmod 0777 "$T/bin/reload.sh"
cd_run deploy add "$cert" --fullchain "$T/www/c.pem" --reload-cmd "$T/bin/reload.sh"
check "a world-writable reload command is refused when added" [ "$rc" -eq 1 ]
check "... naming it" grep -q "$T/bin/reload.sh is writable by other users" "$T/.err"
cd_run deploy run "$cert" --target "$t2"
check "... and when it became so after being added, at run time" [ "$rc" -eq 1 ]
check "... where it does not run" [ ! -e "$T/reload.log" ]
chmod 0755 "$T/bin/reload.sh"
cd_run deploy run "$cert" --target "$t2"
check "back to 0755 it runs" [ -s "$T/reload.log" ]

done_testing
