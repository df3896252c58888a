#!/usr/bin/env bash
# Two worker processes and a `certdeck renew` on one store with 40 queued jobs:
# every job runs exactly once.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/acme/acme-lib.sh"
set -e
acme_setup PEBBLE_WFE_NONCEREJECT=0
acme_account
HOOK=(--challenge dns-01 --dns-hook "$top_srcdir/tests/hooks/challtest-dns-hook.sh")
for i in $(seq 40); do
	"$CERTDECK" issue -d "c$i.concurrency.test" "${HOOK[@]}" --no-wait > /dev/null
done
check "40 jobs queued" [ "$(sqlite3 "$CERTDECK_STORE" "SELECT count(*) FROM jobs WHERE state = 'queued'")" -eq 40 ]
"$CERTDECK" worker --once --workers 4 > /dev/null 2>"$T/w1.err" &
p1=$!
"$CERTDECK" worker --once --workers 4 > /dev/null 2>"$T/w2.err" &
p2=$!
"$CERTDECK" renew --workers 4 > /dev/null 2>"$T/r.err" &
p3=$!
set +e
wait $p1; r1=$?
wait $p2; r2=$?
wait $p3; r3=$?
set -e
check "both workers and renew exit 0" [ "$r1$r2$r3" = 000 ]
# Anything left (a worker may finish its view of the queue early) runs now.
"$CERTDECK" worker --once > /dev/null 2>&1 || true
q() { sqlite3 "$CERTDECK_STORE" "$1"; }
check "all 40 jobs done" [ "$(q "SELECT count(*) FROM jobs WHERE state = 'done'")" -eq 40 ]
check "each ran exactly once (one attempt)" [ "$(q "SELECT count(*) FROM jobs WHERE attempt != 1")" -eq 0 ]
check "40 distinct certificates" [ "$(q "SELECT count(DISTINCT result_id) FROM jobs")" -eq 40 ]
check "40 certificates stored, no duplicates" [ "$(q "SELECT count(*) FROM certificates")" -eq 40 ]
check "40 orders, no duplicates" [ "$(q "SELECT count(*) FROM orders")" -eq 40 ]
check "one 'done' event per job" [ "$(q "SELECT count(*) FROM events WHERE message LIKE 'job #% done'")" -eq 40 ]
check "integrity ok" [ "$(q 'PRAGMA integrity_check')" = ok ]
done_testing
