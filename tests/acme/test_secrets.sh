#!/usr/bin/env bash
# Secrets stay where they belong. Runs account registration (EAB key from a
# file and from standard input, and through jobs that end done, failed and
# cancelled), issuance, deploy, renewal, a failing reload hook, revocation
# and the screen, then searches every byte certdeck wrote outside the store's
# key column and the deployed key files (stdout, stderr, events, job rows,
# what children got in their environment and on stdin, the temporary
# directory, the screen, the store file's free pages) for the private keys'
# base64 bodies and the EAB HMAC key: none.
. "$top_srcdir/tests/lib.sh"
if ! command -v tmux >/dev/null 2>&1 || ! command -v sqlite3 >/dev/null 2>&1; then
	echo "1..0 # SKIP tmux or sqlite3 is not installed"
	exit 0
fi
. "$top_srcdir/tests/acme/acme-lib.sh"
. "$top_srcdir/tests/ui/tmux-lib.sh"
set -e
acme_setup PEBBLE_FIXTURE_EAB=1 PEBBLE_WFE_NONCEREJECT=0
db=$CERTDECK_STORE
# A busy timeout: the screen, slow to close under valgrind, may still hold
# the store's lock for its last write or checkpoint.
q() { sqlite3 -cmd '.timeout 20000' "$db" "$1"; }
L=$T/written		# what certdeck wrote: outputs, hook logs, screens
D=$T/deploy
mkdir -p "$L" "$D" "$T/tmp"
export TMPDIR=$T/tmp
n=0
# r ARGS...: runs certdeck, its stdout and stderr kept in $L; sets $rc and $out.
r() {
	n=$((n + 1))
	set +e
	"$CERTDECK" "$@" > "$L/$n.out" 2> "$L/$n.err"
	rc=$?
	set -e
	out=$(cat "$L/$n.out")
	[ "$rc" -eq 0 ] || diag "certdeck $1 $2: exit $rc: $(head -c 600 "$L/$n.err")"
}
# queue KIND TARGET PARAMS: a job as the screen queues it; prints its id.
queue() {
	q "INSERT INTO jobs (kind, target_id, params, actor, created, updated) VALUES
	    ('$1', $2, '$3', 'test', strftime('%s'), strftime('%s')); SELECT last_insert_rowid();"
}
EAB=$PEBBLE_EAB_KEY
printf '%s\n' "$EAB" > "$T/eab.key"
chmod 600 "$T/eab.key"
BASE=(--server "$PEBBLE_URL" --ca-bundle "$PEBBLE_CA" --agree-tos --eab-kid "$PEBBLE_EAB_KID")

# ---- accounts ---------------------------------------------------------
r account new "${BASE[@]}" --email a@example.test --eab-hmac-key-file "$T/eab.key"
check "an account with the EAB key from a file" [ "$rc" -eq 0 ]
acct=$out
n=$((n + 1))
set +e
"$CERTDECK" account new "${BASE[@]}" --email b@example.test --eab-hmac-key-file - \
	< "$T/eab.key" > "$L/$n.out" 2> "$L/$n.err"
rc=$?
set -e
check "... and from standard input" [ "$rc" -eq 0 ]
params="{\"server\":\"$PEBBLE_URL\",\"ca_bundle\":\"$PEBBLE_CA\",\"contacts\":[],\"agree_tos\":true,
	\"eab_kid\":\"$PEBBLE_EAB_KID\",\"eab_hmac_key\":\"$EAB\"}"
j_done=$(queue account-new 0 "$params")
r worker --once
check "an account-new job is done" [ "$(q "SELECT state FROM jobs WHERE id = $j_done")" = done ]
j_failed=$(queue account-new 0 "${params/\"server\":\"$PEBBLE_URL\"/\"server\":\"ftp://nope.test\"}")
r worker --once
check "one fails" [ "$(q "SELECT state FROM jobs WHERE id = $j_failed")" = failed ]
j_cancel=$(queue account-new 0 "$params")
r cancel "$j_cancel"
check "one is cancelled before it runs" [ "$(q "SELECT state FROM jobs WHERE id = $j_cancel")" = cancelled ]

# ---- issue, deploy, renew, a failing hook, revoke ---------------------
hook=$top_srcdir/tests/hooks/deploy-reload.sh
r issue --account "$acct" -d secrets.example.test -d www.secrets.example.test \
	--http-addr 127.0.0.1 --http-port "$PEBBLE_HTTP_PORT"
check "issued" [ "$rc" -eq 0 ]
cert=$out
r deploy add "$cert" --cert "$D/cert.pem" --chain "$D/chain.pem" --fullchain "$D/full.pem" \
	--key "$D/key.pem" --combined "$D/combined.pem" --reload-cmd "$hook" "$L/hook-ok.log" ok
r deploy run "$cert"
check "deployed, the reload hook ran" [ "$rc" -eq 0 ]
r renew --force "$cert"
check "renewed" [ "$rc" -eq 0 ]
new=$(q "SELECT replaced_by FROM certificates WHERE id = $cert")
r deploy add "$new" --fullchain "$D/fail-full.pem" --key "$D/fail-key.pem" \
	--reload-cmd "$hook" "$L/hook-fail.log" fail
r deploy run "$new"
check "a failing reload hook fails the deploy" [ "$rc" -ne 0 ]
r revoke "$new"
check "revoked" [ "$rc" -eq 0 ]
r events
r jobs --json
r list --json
r show "$new" --json
r show "$new"
r account list --json

# ---- the screen ---------------------------------------------------------
cat > "$T/ui.sh" <<SH
#!/bin/sh
export CERTDECK_STORE='$db' TERM=xterm-256color LC_ALL=C.UTF-8 CERTDECK_UI_TRACE='$UI_TRACE' TMPDIR='$T/tmp'
'$CERTDECK' 2> '$L/ui.err'
SH
chmod +x "$T/ui.sh"
tmux_start 100 30 "$T/ui.sh"
check "the screen shows the certificates" wait_for 'secrets\.example\.test'
screen > "$L/screen-list"
tmx send-keys -t t Enter
check "... a certificate's detail" wait_for 'Serial|serial'
screen > "$L/screen-detail"
tmx send-keys -t t Escape : a c c o u n t s Enter
check "... the accounts" wait_for 'b@example\.test|a@example\.test'
screen > "$L/screen-accounts"
tmx send-keys -t t : j o b s Enter
settle
screen > "$L/screen-jobs"
tmx send-keys -t t : q Enter
check "the screen quits" wait_gone 'secrets'

# ---- the search ---------------------------------------------------------
# The private keys' base64 bodies (store and deployed key file), one line each.
q "SELECT pem FROM keys" | grep -v -e '^-----' -e '^$' > "$T/key-lines"
grep -v -e '^-----' -e '^$' "$D/key.pem" >> "$T/key-lines"
sort -u -o "$T/key-lines" "$T/key-lines"
printf '%s\n' "$EAB" > "$T/eab-line"
check "there are keys to look for" [ "$(wc -l < "$T/key-lines")" -ge 8 ]
check "... and the search finds them in the key column" \
	eval 'q "SELECT pem FROM keys" | grep -qF -f "$T/key-lines"'
# The store outside the key column, row by row.
for t in $(q "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%fts%'"); do
	if [ "$t" = keys ]; then
		q "SELECT id, type, created FROM keys"
	else
		sqlite3 -cmd '.timeout 20000' -header -csv "$db" "SELECT * FROM \"$t\""
	fi
done > "$T/store-rows"
check "the store rows were read" [ "$(grep -c . "$T/store-rows")" -gt 20 ]
# clean WHAT FILES...: neither the keys nor the EAB key in FILES.
clean() {
	local what=$1 hit
	shift
	hit=$(cat "$@" 2> /dev/null | grep -F -c -f "$T/key-lines" -f "$T/eab-line") || :
	[ "${hit:-0}" -eq 0 ] || diag "$what: $hit line(s) with secret material"
	[ "${hit:-0}" -eq 0 ]
}
outs=("$L"/*.out "$L"/*.err)
check "nothing secret in certdeck's stdout and stderr (${#outs[@]} files)" clean outputs "${outs[@]}"
check "... nor in what reload hooks got (environment, arguments, stdin, output)" \
	clean hooks "$L"/hook-ok.log "$L"/hook-fail.log
check "... nor on the screen" clean screen "$L"/screen-*
check "... nor in the store's rows outside the key column (events, jobs, ...)" clean store "$T/store-rows"
check "... nor in the temporary directory" eval 'find "$T/tmp" -type f -print0 | xargs -0r cat | clean tmp /dev/stdin'
check "... nor in the deployed files other than the key file" \
	clean deploy "$D/cert.pem" "$D/chain.pem" "$D/full.pem" "$D/fail-full.pem"
check "the EAB key is in no job's params" [ "$(q "SELECT count(*) FROM jobs WHERE instr(coalesce(params, ''), '$EAB') > 0")" -eq 0 ]
check "no write-ahead log is left behind" [ ! -s "$db-wal" ]
# Raw bytes, free pages included: with secure_delete, the params the key
# was deleted from leave nothing behind.
check "the EAB key is nowhere in the store file" eval '! grep -aqF -f "$T/eab-line" "$db"'
done_testing
