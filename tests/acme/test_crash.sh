#!/usr/bin/env bash
# kill -9 at every protocol step in turn: the next worker resumes the job from
# its last committed step; exactly one certificate results, with the key the
# order generated; no second order; the store stays consistent.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/acme/acme-lib.sh"
set -e
# A killed worker's lease runs out after a second (the default is 90 s).
export CERTDECK_TEST_LEASE_SECONDS=1
acme_setup PEBBLE_WFE_NONCEREJECT=0
acme_account
HTTP=(--http-addr 127.0.0.1 --http-port "$PEBBLE_HTTP_PORT")
q() { sqlite3 "$CERTDECK_STORE" "$1"; }

for point in order authz challenge csr finalize download stored; do
	job=$("$CERTDECK" issue -d "$point.crash.test" -d "www.$point.crash.test" "${HTTP[@]}" --no-wait)
	set +e
	CERTDECK_TEST_CRASH_AT=$point "$CERTDECK" worker --once > /dev/null 2>&1
	krc=$?
	set -e
	check "$point: the worker was killed (SIGKILL)" [ "$krc" -eq 137 ]
	check "$point: the job was left running" [ "$(q "SELECT state FROM jobs WHERE id = $job")" = running ]
	check "$point: its lease runs out" lease_wait
	cd_run worker --once
	check "$point: a new worker finishes the job" [ "$rc" -eq 0 ]
	[ "$rc" -eq 0 ] || diag "$errout"
	check "$point: the job is done" [ "$(q "SELECT state FROM jobs WHERE id = $job")" = done ]
	[ "$(q "SELECT state FROM jobs WHERE id = $job")" = done ] || diag "$errout" "$(q "SELECT * FROM jobs WHERE id = $job")"
	check "$point: exactly one order for the names" \
		[ "$(q "SELECT count(*) FROM orders WHERE identifiers LIKE '%\"$point.crash.test\"%'")" -eq 1 ]
	check "$point: exactly one certificate" \
		[ "$(q "SELECT count(*) FROM certificates WHERE name IN ('$point.crash.test', 'www.$point.crash.test')")" -eq 1 ]
	cert=$(q "SELECT result_id FROM jobs WHERE id = $job")
	check "$point: the certificate verifies" verify_cert "$cert"
	check "$point: its key is the order's key" \
		[ "$(q "SELECT c.key_id = o.key_id FROM certificates c JOIN orders o ON o.id = c.order_id WHERE c.id = $cert")" = 1 ]
	check "$point: integrity ok" [ "$(q 'PRAGMA integrity_check')" = ok ]
done

# A renewal killed after it placed its order resumes that order.
cert=$(q "SELECT id FROM certificates WHERE name LIKE '%order.crash.test' LIMIT 1")
set +e
CERTDECK_TEST_CRASH_AT=renew-order "$CERTDECK" renew --force "$cert" > /dev/null 2>&1
krc=$?
set -e
check "renew-order: killed" [ "$krc" -eq 137 ]
orders_before=$(q "SELECT count(*) FROM orders")
lease_wait
cd_run worker --once
check "renew-order: resumed and done" [ "$rc" -eq 0 ]
check "renew-order: no second order" [ "$(q "SELECT count(*) FROM orders")" -eq "$orders_before" ]
check "renew-order: the old certificate is replaced" [ "$(q "SELECT status FROM certificates WHERE id = $cert")" = replaced ]
# A renewal killed in the middle of deploying: the resumed job deploys again.
new=$(q "SELECT replaced_by FROM certificates WHERE id = $cert")
mkdir -p "$T/www"
"$CERTDECK" deploy add "$new" --cert "$T/www/c.pem" --fullchain "$T/www/f.pem" --key "$T/www/k.pem" >/dev/null
set +e
CERTDECK_TEST_CRASH_AT=deploy "$CERTDECK" renew --force "$new" > /dev/null 2>&1
krc=$?
set -e
check "deploy: killed mid-deploy" [ "$krc" -eq 137 ]
lease_wait
cd_run worker --once
check "deploy: resumed and done" [ "$rc" -eq 0 ]
newer=$(q "SELECT replaced_by FROM certificates WHERE id = $new")
check "deploy: a successor exists" [ -n "$newer" ]
check "deploy: all three files are the successor's" sh -c "
	for f in c f; do openssl x509 -in '$T/www/'\$f.pem -noout -serial; done | sort -u | wc -l | grep -qx 1 &&
	[ \"\$(openssl x509 -in '$T/www/c.pem' -noout -serial | sed 's/.*=//' | tr A-F a-f | sed 's/^0*//')\" = \
	  \"\$('$CERTDECK' show $newer --json | jq -r .serial | sed 's/^0*//')\" ]"
check "deploy: no temporary files left" [ "$(ls -A "$T/www" | wc -l)" -eq 3 ]
check "keys: every certificate's key is stored" [ "$(q "SELECT count(*) FROM certificates c LEFT JOIN keys k ON k.id = c.key_id WHERE k.id IS NULL")" -eq 0 ]
done_testing
