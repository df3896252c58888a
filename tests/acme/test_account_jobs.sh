#!/usr/bin/env bash
# The account-new and account-update job kinds (what the TUI's Accounts
# screen queues), run by 'certdeck worker --once' against a Pebble that
# requires External Account Binding: the HMAC key never reaches an event
# and is dropped from the job once it has run.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/acme/acme-lib.sh"
set -e
if ! command -v sqlite3 > /dev/null 2>&1; then
	echo "1..0 # SKIP sqlite3 is not installed"
	exit 0
fi
acme_setup PEBBLE_FIXTURE_EAB=1 PEBBLE_WFE_NONCEREJECT=0
acme_account --eab-kid "$PEBBLE_EAB_KID" --eab-hmac-key "$PEBBLE_EAB_KEY"
check "the first account is made by the CLI" [ "$rc" -eq 0 ]

# queue KIND TARGET PARAMS: inserts a job as the TUI would; prints its id.
queue() {
	sqlite3 "$CERTDECK_STORE" "INSERT INTO jobs (kind, target_id, params, actor, created,
	    updated) VALUES ('$1', $2, '$3', 'test', strftime('%s'), strftime('%s'));
	    SELECT last_insert_rowid();"
}
job() { "$CERTDECK" jobs --json | jq -r ".[] | select(.id == $1) | .$2"; }
acct() { "$CERTDECK" account show "$1" --json | jq -r "$2"; }
jqe() { jq -e "$@" > /dev/null; }

# account-new with the bundle named as a file, EAB and a key type.
j=$(queue account-new 0 "{\"server\":\"$PEBBLE_URL\",\"ca_bundle\":\"$PEBBLE_CA\",
	\"contacts\":[\"one@example.test\",\"mailto:two@example.test\"],\"key_type\":\"ec384\",
	\"agree_tos\":true,\"eab_kid\":\"$PEBBLE_EAB_KID\",\"eab_hmac_key\":\"$PEBBLE_EAB_KEY\"}")
cd_run worker --once
check "worker runs account-new" [ "$rc" -eq 0 ]
check "the job is done" [ "$(job "$j" state)" = done ]
a=$(job "$j" result_id)
check "its result is a new account" [ "$a" -gt "$ACCOUNT" ]
check "... valid at the CA" [ "$(acct "$a" .status)" = valid ]
check "... with the key type asked for" [ "$(acct "$a" .key_type)" = ec384 ]
check "... and both contacts as mailto: URIs" \
	[ "$(acct "$a" '.contacts | join(",")')" = "mailto:one@example.test,mailto:two@example.test" ]
check "... and an account URL from Pebble" [ "$(acct "$a" .url)" != null ]
cd_run events --job "$j" --json
check "events tell the registration" jqe 'any(.[]; .message | test("registering a new account"))' "$T/.out"
check "... and its result" jqe "any(.[]; .message | test(\"account #$a registered\"))" "$T/.out"
check "no event carries the HMAC key" eval '! "$CERTDECK" events --json | grep -qF "$PEBBLE_EAB_KEY"'
check "the job keeps no HMAC key" \
	[ "$(sqlite3 "$CERTDECK_STORE" "SELECT count(*) FROM jobs WHERE params LIKE '%$PEBBLE_EAB_KEY%'")" -eq 0 ]
check "... but keeps the rest" [ "$(sqlite3 "$CERTDECK_STORE" "SELECT json_extract(params, '\$.eab_kid') FROM jobs WHERE id = $j")" = "$PEBBLE_EAB_KID" ]

# Without a bundle the CA's stored one is used.
j2=$(queue account-new 0 "{\"server\":\"$PEBBLE_URL\",\"contacts\":[],\"agree_tos\":true,
	\"eab_kid\":\"$PEBBLE_EAB_KID\",\"eab_hmac_key\":\"$PEBBLE_EAB_KEY\"}")
cd_run worker --once
check "account-new without a bundle uses the stored one" [ "$(job "$j2" state)" = done ]
a2=$(job "$j2" result_id)
check "... default key ec256, no contacts" [ "$(acct "$a2" '.key_type + " " + (.contacts | length | tostring)')" = "ec256 0" ]

# Failures: no URL; the terms not agreed to; a wrong HMAC key (the CA refuses).
j3=$(queue account-new 0 '{"contacts":[]}')
j4=$(queue account-new 0 "{\"server\":\"$PEBBLE_URL\",\"eab_kid\":\"$PEBBLE_EAB_KID\",
	\"eab_hmac_key\":\"$PEBBLE_EAB_KEY\"}")
j5=$(queue account-new 0 "{\"server\":\"$PEBBLE_URL\",\"agree_tos\":true,
	\"eab_kid\":\"$PEBBLE_EAB_KID\",\"eab_hmac_key\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}")
cd_run worker --once
check "failing jobs make worker --once exit 1" [ "$rc" -eq 1 ]
check "no URL: failed, saying why" eval '[ "$(job "$j3" state)" = failed ] &&
	job "$j3" last_error.message | grep -q "directory URL"'
check "terms not agreed: failed" eval '[ "$(job "$j4" state)" = failed ] &&
	job "$j4" last_error.message | grep -qi "terms of service"'
check "a wrong HMAC key: failed with the CA's problem" eval '[ "$(job "$j5" state)" = failed ] &&
	job "$j5" last_error.problem_type | grep -q "acme:error"'
check "failed jobs keep no HMAC key either" \
	[ "$(sqlite3 "$CERTDECK_STORE" "SELECT count(*) FROM jobs WHERE params LIKE '%AAAAAAAAAAAAAAAA%' OR params LIKE '%$PEBBLE_EAB_KEY%'")" -eq 0 ]

# account-update: replace the contacts, then remove them all.
u=$(queue account-update "$a" '{"contacts":["new@example.test"]}')
cd_run worker --once
check "worker --once exits 0 after an account-update" [ "$rc" -eq 0 ]
check "the account-update job is done" [ "$(job "$u" state)" = done ]
check "the contacts are replaced" [ "$(acct "$a" '.contacts | join(",")')" = mailto:new@example.test ]
check "its result is the account" [ "$(job "$u" result_id)" = "$a" ]
check "an event tells it" eval '"$CERTDECK" events --job "$u" | grep -q "contacts of account #$a"'
u2=$(queue account-update "$a" '{"contacts":[]}')
cd_run worker --once
check "an empty list removes them all" eval '[ "$(job "$u2" state)" = done ] &&
	[ "$(acct "$a" ".contacts | length")" -eq 0 ]'
u3=$(queue account-update 9999 '{"contacts":["x@example.test"]}')
cd_run worker --once
check "updating a missing account fails" [ "$(job "$u3" state)" = failed ]
# A crash after the pending account is stored, before the CA answers: the
# resumed job registers that account's key, it makes no second account.
n0=$(sqlite3 "$CERTDECK_STORE" "SELECT count(*) FROM accounts")
jc=$(queue account-new 0 "{\"server\":\"$PEBBLE_URL\",\"contacts\":[],\"agree_tos\":true,
	\"eab_kid\":\"$PEBBLE_EAB_KID\",\"eab_hmac_key\":\"$PEBBLE_EAB_KEY\"}")
CERTDECK_TEST_LEASE_SECONDS=1 CERTDECK_TEST_CRASH_AT=account-pending "$CERTDECK" worker --once > /dev/null 2>&1 || :
pa=$(sqlite3 "$CERTDECK_STORE" "SELECT json_extract(params, '\$.pending_account') FROM jobs WHERE id = $jc")
check "the crashed job noted its pending account" eval '[ -n "$pa" ] &&
	[ "$(sqlite3 "$CERTDECK_STORE" "SELECT status FROM accounts WHERE id = $pa")" = pending ]'
check "the crashed worker's lease runs out" lease_wait
cd_run worker --once
check "the resumed job is done" [ "$(job "$jc" state)" = done ]
check "... with that very account, now valid" eval '[ "$(job "$jc" result_id)" = "$pa" ] &&
	[ "$(acct "$pa" .status)" = valid ]'
check "... and no second account" \
	[ "$(sqlite3 "$CERTDECK_STORE" "SELECT count(*) FROM accounts")" -eq $((n0 + 1)) ]
done_testing
