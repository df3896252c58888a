#!/usr/bin/env bash
# certdeck deploy: targets, file contents and modes, owners, atomic
# replacement, refusing to replace good files with bad ones, the reload
# command (argv, environment, failure, timeout) and the events it leaves.
. "$top_srcdir/tests/lib.sh"
set -e
export CERTDECK_STORE="$T/store.db"
hook="$top_srcdir/tests/hooks/deploy-reload.sh"
db="$CERTDECK_STORE"

skip() {	# skip REASON
	tap_n=$((tap_n + 1))
	echo "ok $tap_n # SKIP $1"
}
q() { sqlite3 "$db" "$1"; }
# entries DIR: how many names (dot files too) are in DIR.
entries() { find "$1" -mindepth 1 -maxdepth 1 | wc -l; }
# id_of NAME: the certificate's id from list --json.
id_of() { "$CERTDECK" list --json | jq -r --arg n "$1" '.[] | select(.name == $n) | .id'; }
# target_field CERT TARGET FIELD: one field of deploy list --json.
# verifies FILE: the first certificate in FILE chains to the demo CA.
verifies() { openssl verify -CAfile "$C/ca.crt" "$1" > /dev/null 2>&1; }
target_field() {
	"$CERTDECK" deploy list "$1" --json | jq -r --argjson t "$2" ".[] | select(.id == \$t) | .$3"
}

"$top_srcdir/tests/demo/make-demo-certs.sh" "$T/certs" > /dev/null
C=$T/certs
cd_run init
cd_run import "$C/www.example.test.pem" "$C/api.example.test.pem"
check "import with keys" [ "$rc" -eq 0 ]
cd_run import "$C/shop.example.test.crt"
check "import of a certificate without its key" [ "$rc" -eq 0 ]
www=$(id_of www.example.test)
api=$(id_of api.example.test)
shop=$(id_of shop.example.test)
D=$T/out
mkdir -p "$D/www" "$D/modes" "$D/own" "$D/fail" "$D/hang"

# ---- add: validation ---------------------------------------------------
cd_run deploy
check "deploy alone is a usage error" [ "$rc" -eq 2 ]
cd_run deploy frob
check "unknown deploy command exits 2" [ "$rc" -eq 2 ]
cd_run deploy --help
check "deploy --help exits 0" [ "$rc" -eq 0 ]
check "... and explains --reload-cmd" grep -q -- '--reload-cmd' "$T/.out"
cd_run deploy add "$www" --fullchain relative/fullchain.pem
check "a relative path exits 2" [ "$rc" -eq 2 ]
check "... naming it" grep -q 'relative/fullchain.pem' "$T/.err"
cd_run deploy add "$www"
check "a target without files exits 2" [ "$rc" -eq 2 ]
cd_run deploy add "$www" --fullchain "$D/x.pem" --mode 0999
check "a non-octal mode exits 2" [ "$rc" -eq 2 ]
cd_run deploy add "$www" --fullchain "$D/x.pem" --key-mode 01600
check "a mode over 0777 exits 2" [ "$rc" -eq 2 ]
cd_run deploy add "$www" --fullchain "$D/x.pem" --key "$D/x.pem"
check "two files at one path exits 2" [ "$rc" -eq 2 ]
cd_run deploy add "$www" --fullchain "$D/x.pem" --reload-timeout 0
check "a zero reload timeout exits 2" [ "$rc" -eq 2 ]
cd_run deploy add "$www" --fullchain "$D/x.pem" --reload-cmd
check "--reload-cmd without a command exits 2" [ "$rc" -eq 2 ]
cd_run deploy add abc --fullchain "$D/x.pem"
check "a non-numeric certificate ID exits 2" [ "$rc" -eq 2 ]
cd_run deploy add 9999 --fullchain "$D/x.pem"
check "a missing certificate exits 1" [ "$rc" -eq 1 ]
cd_run deploy add "$shop" --fullchain "$D/x.pem" --key "$D/x.key"
check "a key cannot be deployed when the store lacks it (1)" [ "$rc" -eq 1 ]
check "... saying the key is not in the store" grep -q 'not in the store' "$T/.err"
cd_run deploy add "$shop" --combined "$D/x.pem"
check "... nor a combined file" [ "$rc" -eq 1 ]
cd_run deploy add "$www" --fullchain "$D/x.pem" --owner no-such-user-certdeck
check "an unknown owner exits 1" [ "$rc" -eq 1 ]
check "... naming the user" grep -q 'no-such-user-certdeck' "$T/.err"
cd_run deploy add "$www" --fullchain "$D/x.pem" --group no-such-group-certdeck
check "an unknown group exits 1" [ "$rc" -eq 1 ]
cd_run deploy list "$www" --json
check "nothing was added by the refused commands" [ "$(jq length "$T/.out")" = 0 ]
cd_run deploy list
check "deploy list without an ID and no target: exit 0" [ "$rc" -eq 0 ]
check "... says how to add one" grep -q "No deploy targets: 'certdeck deploy add" "$T/.out"
check "no file was written either" [ "$(entries "$D")" -eq 5 ]

# ---- a full target -------------------------------------------------------
W=$D/www
cd_run deploy add "$www" --fullchain "$W/fullchain.pem" --key "$W/key.pem" \
	--cert "$W/cert.pem" --chain "$W/chain.pem" --combined "$W/combined.pem" \
	--reload-cmd "$hook" "$T/reload.log" ok 'two words' '$HOME;*' ''
check "add a target exits 0" [ "$rc" -eq 0 ]
t1=$out
check "... and prints its ID" [ "$t1" -gt 0 ]
cd_run deploy list "$www" --json
check "list --json shows it" [ "$(jq length "$T/.out")" = 1 ]
check "list --json: paths" [ "$(jq -r '.[0].fullchain' "$T/.out")" = "$W/fullchain.pem" ]
check "list --json: default modes" [ "$(jq -r '.[0].mode + " " + .[0].key_mode' "$T/.out")" = "0644 0600" ]
check "list --json: the reload argv, verbatim" \
	[ "$(jq -c '.[0].reload_cmd[1:]' "$T/.out")" = "[\"$T/reload.log\",\"ok\",\"two words\",\"\$HOME;*\",\"\"]" ]
check "list --json: never run" [ "$(jq -r '.[0].last_status' "$T/.out")" = null ]

# A strict umask must not change the modes asked for.
old_umask=$(umask)
umask 077
export DEPLOY_HOOK_INHERITED=yes
cd_run deploy run "$www" < /dev/null
unset DEPLOY_HOOK_INHERITED
umask "$old_umask"
check "deploy run exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
check "... and says ok" grep -q "target #$t1: ok" "$T/.out"
check "the fullchain verifies against the CA" verifies "$W/fullchain.pem"
check "cert is the leaf alone" cmp -s "$W/cert.pem" "$C/www.example.test.crt"
check "chain is the CA" cmp -s "$W/chain.pem" "$C/ca.crt"
check "fullchain is cert + chain" cmp -s "$W/fullchain.pem" <(cat "$W/cert.pem" "$W/chain.pem")
check "the key matches the certificate" \
	[ "$(openssl pkey -in "$W/key.pem" -pubout)" = "$(openssl x509 -in "$W/cert.pem" -pubkey -noout)" ]
check "combined is key + fullchain" cmp -s "$W/combined.pem" <(cat "$W/key.pem" "$W/fullchain.pem")
check "no key material in the certificate files" \
	sh -c "! grep -q PRIVATE '$W/cert.pem' '$W/chain.pem' '$W/fullchain.pem'"
check "certificate files are 0644" \
	[ "$(stat -c %a "$W/cert.pem" "$W/chain.pem" "$W/fullchain.pem" | sort -u)" = 644 ]
check "key and combined are 0600" [ "$(stat -c %a "$W/key.pem" "$W/combined.pem" | sort -u)" = 600 ]
check "exactly the five files, no temporary leftovers" [ "$(entries "$W")" -eq 5 ]

# The reload command: argv without a shell, environment, stdin, process group.
L=$T/reload.log
check "the reload ran once" [ "$(grep -c '^run$' "$L")" -eq 1 ]
check "reload argv: count" grep -qx 'argc=3' "$L"
check "reload argv: an argument with a space" grep -qx 'arg=two words' "$L"
check "reload argv: shell characters stay literal" grep -qxF 'arg=$HOME;*' "$L"
check "reload argv: an empty argument" grep -qx 'arg=' "$L"
check "reload env: CERTDECK_CERT_ID" grep -qx "CERTDECK_CERT_ID=$www" "$L"
check "reload env: CERTDECK_DOMAINS, space-separated" \
	grep -qx 'CERTDECK_DOMAINS=www.example.test example.test mail.example.test' "$L"
check "reload env: CERTDECK_CERT" grep -qx "CERTDECK_CERT=$W/cert.pem" "$L"
check "reload env: CERTDECK_CHAIN" grep -qx "CERTDECK_CHAIN=$W/chain.pem" "$L"
check "reload env: CERTDECK_FULLCHAIN" grep -qx "CERTDECK_FULLCHAIN=$W/fullchain.pem" "$L"
check "reload env: CERTDECK_KEY" grep -qx "CERTDECK_KEY=$W/key.pem" "$L"
check "reload env: CERTDECK_COMBINED" grep -qx "CERTDECK_COMBINED=$W/combined.pem" "$L"
check "reload env: the rest of the environment is not passed" grep -qx 'INHERITED=(unset)' "$L"
check "reload: stdin is empty" grep -qx 'stdin=' "$L"
check "reload: runs after the files are in place" grep -qx 'fullchain_present=yes' "$L"
check "reload: in its own process group" grep -qx 'own_pgrp=yes' "$L"
check "the reload output is in the report" grep -q 'reloaded fine' "$T/.out"

check "last_status ok" [ "$(target_field "$www" "$t1" last_status)" = ok ]
check "last_run is set" [ "$(target_field "$www" "$t1" last_run)" != null ]
check "one info event for the run" \
	[ "$(q "SELECT count(*) FROM events WHERE level = 'info' AND job_id IS NULL AND message LIKE '%#$www%#$t1%'")" -eq 1 ]
# The actor is "USER on TTY" or "USER (no terminal)", as for every audit row.
actor=$(q "SELECT actor FROM events ORDER BY id DESC LIMIT 1")
check "the event names the user" [ "${actor%% *}" = "$(id -un)" ]

# ---- atomic replacement ------------------------------------------------
ino_fc=$(stat -c %i "$W/fullchain.pem")
ino_key=$(stat -c %i "$W/key.pem")
sum_before=$(cat "$W"/*.pem | sha256sum)
cd_run deploy run "$www"
check "a second run exits 0" [ "$rc" -eq 0 ]
check "the fullchain is a new inode (renamed over, not rewritten)" \
	[ "$(stat -c %i "$W/fullchain.pem")" != "$ino_fc" ]
check "the key is a new inode" [ "$(stat -c %i "$W/key.pem")" != "$ino_key" ]
check "... with the same contents" [ "$(cat "$W"/*.pem | sha256sum)" = "$sum_before" ]
check "still no temporary leftovers" [ "$(entries "$W")" -eq 5 ]
check "an event per run" \
	[ "$(q "SELECT count(*) FROM events WHERE message LIKE '%#$www%#$t1%'")" -eq 2 ]

# ---- modes ---------------------------------------------------------------
M=$D/modes
cd_run deploy add "$www" --fullchain "$M/fullchain.pem" --key "$M/key.pem" \
	--mode 0444 --key-mode 0640
t2=$out
ino_fc=$(stat -c %i "$W/fullchain.pem")
cd_run deploy run "$www" --target "$t2"
check "run --target N exits 0" [ "$rc" -eq 0 ]
check "... and runs only that target" [ "$(grep -c '^target #' "$T/.out")" -eq 1 ]
check "... leaving the other target's files alone" [ "$(stat -c %i "$W/fullchain.pem")" = "$ino_fc" ]
check "--mode 0444 applies to the fullchain" [ "$(stat -c %a "$M/fullchain.pem")" = 444 ]
check "--key-mode 0640 applies to the key" [ "$(stat -c %a "$M/key.pem")" = 640 ]
check "the reload log did not grow (no reload for that target)" \
	[ "$(grep -c '^run$' "$T/reload.log")" -eq 2 ]

# ---- owner and group -----------------------------------------------------
O=$D/own
if [ "$(id -u)" -eq 0 ] && getent passwd nobody > /dev/null && getent group nogroup > /dev/null; then
	cd_run deploy add "$www" --fullchain "$O/fullchain.pem" --key "$O/key.pem" \
		--owner nobody --group nogroup --key-mode 0640
	t3=$out
	check "add with --owner/--group exits 0" [ "$rc" -eq 0 ]
	cd_run deploy run "$www" --target "$t3"
	check "run with an owner exits 0" [ "$rc" -eq 0 ]
	check "the fullchain belongs to nobody:nogroup" \
		[ "$(stat -c %U:%G "$O/fullchain.pem")" = nobody:nogroup ]
	check "the key belongs to nobody:nogroup" [ "$(stat -c %U:%G "$O/key.pem")" = nobody:nogroup ]
	check "... with mode 0640 still" [ "$(stat -c %a "$O/key.pem")" = 640 ]
	# An owner that disappeared after add: a clear failure, nothing replaced.
	ino_own=$(stat -c %i "$O/fullchain.pem")
	q "UPDATE deploy_targets SET owner = 'gone-user-certdeck' WHERE id = $t3"
	cd_run deploy run "$www" --target "$t3"
	check "an unknown owner at run time exits 1" [ "$rc" -eq 1 ]
	check "... naming the user" grep -q 'gone-user-certdeck' "$T/.err"
	check "... replacing nothing" [ "$(stat -c %i "$O/fullchain.pem")" = "$ino_own" ]
	check "... leaving no temporary file" [ "$(entries "$O")" -eq 2 ]
	q "DELETE FROM deploy_targets WHERE id = $t3"
elif [ "$(id -u)" -ne 0 ]; then
	# Not root: giving a file away is refused, cleanly.
	cd_run deploy add "$www" --fullchain "$O/fullchain.pem" --owner root
	t3=$out
	cd_run deploy run "$www" --target "$t3"
	check "giving files away without the right exits 1" [ "$rc" -eq 1 ]
	check "... saying why" grep -q 'cannot give' "$T/.err"
	check "... writing nothing" [ "$(entries "$O")" -eq 0 ]
	q "DELETE FROM deploy_targets WHERE id = $t3"
	for i in 1 2 3 4 5 6; do skip "chown to nobody:nogroup needs root"; done
else
	for i in 1 2 3 4 5 6 7 8 9; do skip "no nobody user or nogroup group"; done
fi

# ---- a failing reload ------------------------------------------------------
F=$D/fail
cd_run deploy add "$www" --fullchain "$F/fullchain.pem" \
	--reload-cmd "$hook" "$T/fail.log" fail
t4=$out
cd_run deploy run "$www" --target "$t4"
check "a failing reload makes deploy run exit 1" [ "$rc" -eq 1 ]
check "... with the exit status in the message" grep -q 'exit status 3' "$T/.err"
check "... and the tail of its output" grep -q 'configuration test failed: bad certificate' "$T/.err"
check "... but not all of it" sh -c "! grep -q 'noise line 5 ' '$T/.err'"
check "list --json: last_status failed" [ "$(target_field "$www" "$t4" last_status)" = failed ]
check "list --json: last_message has the output tail" \
	sh -c "'$CERTDECK' deploy list $www --json | jq -r '.[] | select(.id == $t4) | .last_message' | grep -q 'bad certificate'"
check "an error event" \
	[ "$(q "SELECT count(*) FROM events WHERE level = 'error' AND message LIKE '%#$t4%exit status 3%'")" -eq 1 ]
check "the files were still written (the reload runs after them)" \
	verifies "$F/fullchain.pem"
cd_run deploy run "$www"
check "one failing target fails the whole run" [ "$rc" -eq 1 ]
check "... after trying the others" [ "$(grep -c ': ok' "$T/.out")" -eq 2 ]

# ---- a hanging reload ------------------------------------------------------
H=$D/hang
cd_run deploy add "$www" --fullchain "$H/fullchain.pem" --reload-timeout 1 \
	--reload-cmd "$hook" "$T/hang.log" hang
t5=$out
# The hook would wait 30 s and then succeed: only the 1 s timeout makes the
# run fail. (timeout(1) guards against a hang: it would exit 124.)
set +e
timeout 120 "$CERTDECK" deploy run "$www" --target "$t5" > "$T/.out" 2> "$T/.err"
rc=$?
set -e
check "a hanging reload fails the run (exit 1, status $rc)" [ "$rc" -eq 1 ]
check "... saying it was killed" grep -q 'killed' "$T/.err"
# Killed means gone or a zombie (PID 1 in a container may be slow to reap);
# SIGKILL is delivered asynchronously, so allow it a moment.
gone() {
	local st i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		st=$(ps -o stat= -p "$1" || true)
		if [ -z "$st" ] || [ "${st#Z}" != "$st" ]; then return 0; fi
		sleep 0.2
	done
	return 1
}
check "... its background child is gone too" gone "$(cat "$T/hang.log.pid")"
check "list --json: last_status failed after a timeout" \
	[ "$(target_field "$www" "$t5" last_status)" = failed ]

# ---- never replace a good file with a bad one ------------------------------
# The renewed certificate's key is missing: the target moves to shop (no key).
ino_fc=$(stat -c %i "$W/fullchain.pem")
sum_before=$(cat "$W"/*.pem | sha256sum)
q "UPDATE deploy_targets SET cert_id = $shop WHERE id = $t1"
cd_run deploy run "$shop"
check "deploying a certificate whose key is missing exits 1" [ "$rc" -eq 1 ]
check "... saying the key is not in the store" grep -q 'not in the store' "$T/.err"
check "... the good files are untouched" [ "$(stat -c %i "$W/fullchain.pem")" = "$ino_fc" ]
check "... byte for byte" [ "$(cat "$W"/*.pem | sha256sum)" = "$sum_before" ]
check "... no temporary leftovers" [ "$(entries "$W")" -eq 5 ]
check "... and no reload ran" [ "$(grep -c '^run$' "$T/reload.log")" -eq 3 ]
# A key that does not belong to the certificate.
q "UPDATE certificates SET key_id = (SELECT key_id FROM certificates WHERE id = $api) WHERE id = $shop"
cd_run deploy run "$shop"
check "deploying with a key that does not match exits 1" [ "$rc" -eq 1 ]
check "... saying so" grep -q 'does not belong' "$T/.err"
check "... the good files are untouched" [ "$(stat -c %i "$W/fullchain.pem")" = "$ino_fc" ]
check "... byte for byte" [ "$(cat "$W"/*.pem | sha256sum)" = "$sum_before" ]
q "UPDATE deploy_targets SET cert_id = $www WHERE id = $t1"
# One file of a target cannot be written: none is replaced.
cd_run deploy add "$www" --fullchain "$W/fullchain.pem" --key "$D/missing-dir/key.pem"
t6=$out
cd_run deploy run "$www" --target "$t6"
check "a target with an unwritable file fails" [ "$rc" -eq 1 ]
check "... naming the directory" grep -q 'missing-dir' "$T/.err"
check "... without replacing its other file" [ "$(stat -c %i "$W/fullchain.pem")" = "$ino_fc" ]
check "... or leaving a temporary one" [ "$(entries "$W")" -eq 5 ]
check "no key material in events or target rows" \
	[ "$(q "SELECT count(*) FROM events WHERE instr(message, '-----BEGIN') > 0 OR instr(message, 'PRIVATE KEY') > 0") $(q "SELECT count(*) FROM deploy_targets WHERE instr(last_message, '-----BEGIN') > 0")" = "0 0" ]

# ---- list, remove, bad ids ---------------------------------------------------
cd_run deploy list "$www"
check "deploy list exits 0" [ "$rc" -eq 0 ]
check "... shows each target" [ "$(grep -c '^Target #' "$T/.out")" -eq 5 ]
cd_run deploy list "$api"
check "a certificate without targets says so" grep -q 'no deploy targets' "$T/.out"
cd_run deploy list 9999
check "deploy list of a missing certificate exits 1" [ "$rc" -eq 1 ]
cd_run deploy run "$www" --target 9999
check "run --target of a missing target exits 1" [ "$rc" -eq 1 ]
cd_run deploy run "$api" --target "$t1"
check "run --target of another certificate's target exits 1" [ "$rc" -eq 1 ]
cd_run deploy run 9999
check "run of a missing certificate exits 1" [ "$rc" -eq 1 ]
cd_run deploy remove "$api" "$t2"
check "remove with the wrong certificate exits 1" [ "$rc" -eq 1 ]
cd_run deploy remove "$www" "$t2"
check "remove exits 0" [ "$rc" -eq 0 ]
check "... the target is gone" [ "$("$CERTDECK" deploy list "$www" --json | jq length)" -eq 4 ]
check "... its files stay" [ -f "$M/fullchain.pem" ]
cd_run deploy remove "$www" "$t2"
check "removing it again exits 1" [ "$rc" -eq 1 ]
cd_run deploy remove "$www"
check "remove without a target ID exits 2" [ "$rc" -eq 2 ]

# Every certificate's targets at once: deploy list without an ID.
cd_run deploy add "$shop" --fullchain "$D/shop/fullchain.pem"
t5=$out
cd_run deploy list --json
check "deploy list --json without an ID: both certificates' targets" \
	[ "$(jq -c '[.[] | .cert_id] | unique' "$T/.out")" = "[$www,$shop]" ]
check "... all five" [ "$(jq length "$T/.out")" -eq 5 ]
cd_run deploy list
check "deploy list without an ID: each target says whose it is" \
	grep -qx "Target #$t5 of certificate #$shop" "$T/.out"
check "... www's too" grep -qx "Target #$t1 of certificate #$www" "$T/.out"
cd_run deploy list "$shop"
check "deploy list ID: that certificate's target, without the owner" \
	grep -qx "Target #$t5" "$T/.out"
check "... and only its own" [ "$(grep -c '^Target #' "$T/.out")" -eq 1 ]

done_testing
