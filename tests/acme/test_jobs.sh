#!/usr/bin/env bash
# Jobs: --no-wait queues and returns, the worker runs them, events tell the
# story (with the actor), cancel works, a failure keeps the CA's problem.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/acme/acme-lib.sh"
set -e
acme_setup PEBBLE_WFE_NONCEREJECT=0
acme_account
HTTP=(--http-addr 127.0.0.1 --http-port "$PEBBLE_HTTP_PORT")

cd_run issue -d queued.example.test "${HTTP[@]}" --no-wait
check "issue --no-wait exits 0" [ "$rc" -eq 0 ]
job=$out
check "it prints a job id" [ "$job" -ge 1 ]
check "no certificate yet" [ "$("$CERTDECK" list --json | jq length)" -eq 0 ]
cd_run jobs --json
check "the job is queued" [ "$(jq -r ".[] | select(.id == $job) | .state" "$T/.out")" = queued ]
check "the actor is recorded" [ -n "$(jq -r ".[] | select(.id == $job) | .actor" "$T/.out")" ]
cd_run jobs
check "jobs table lists it" grep -q "issue" "$T/.out"

cd_run worker --once
check "worker --once exits 0" [ "$rc" -eq 0 ]
cd_run jobs --json
check "the job is done" [ "$(jq -r ".[] | select(.id == $job) | .state" "$T/.out")" = done ]
cert=$(jq -r ".[] | select(.id == $job) | .result_id" "$T/.out")
check "it produced a certificate" verify_cert "$cert"
cd_run events --job "$job" --json
check "events record six steps" [ "$(jq '[.[] | select(.steps == 6)] | length' "$T/.out")" -ge 6 ]
check "the last event says done" jq -e '.[-1].message | test("done")' "$T/.out"
cd_run events
check "events text output" grep -q "certificate #$cert stored" "$T/.out"

cd_run issue -d cancelled.example.test "${HTTP[@]}" --no-wait
j2=$out
cd_run cancel "$j2"
check "cancel a queued job exits 0" [ "$rc" -eq 0 ]
cd_run cancel "$j2"
check "cancelling it again exits 1" [ "$rc" -eq 1 ]
cd_run worker --once
check "the worker skips the cancelled job" [ "$rc" -eq 0 ]
check "it stays cancelled" [ "$("$CERTDECK" jobs --json | jq -r ".[] | select(.id == $j2) | .state")" = cancelled ]

# A failure is recorded with the CA's problem document.
cd_run issue -d nope.example.test --http-addr 127.0.0.1 \
	--http-port "$("$top_builddir/tests/pebble/freeport" 1)" --no-wait
j3=$out
cd_run worker --once
check "worker --once exits 1 when a job failed" [ "$rc" -eq 1 ]
check "the failure is logged on stderr" grep -q "job #$j3" "$T/.err"
cd_run jobs --json
check "the job failed" [ "$(jq -r ".[] | select(.id == $j3) | .state" "$T/.out")" = failed ]
check "its error keeps the problem type" jq -e ".[] | select(.id == $j3) | .last_error.problem_type | test(\"acme:error\")" "$T/.out"

# deploy run --no-wait: a deploy job, run by the worker.
mkdir -p "$T/www"
"$CERTDECK" deploy add "$cert" --fullchain "$T/www/f.pem" --key "$T/www/k.pem" >/dev/null
cd_run deploy run "$cert" --no-wait
check "deploy run --no-wait exits 0" [ "$rc" -eq 0 ]
check "... printing a job id" [ "$out" -gt 0 ]
dj=$out
check "nothing written yet" [ ! -e "$T/www/f.pem" ]
cd_run worker --once
check "the worker ran the deploy job" [ "$("$CERTDECK" jobs --json | jq -r ".[] | select(.id == $dj) | .state")" = done ]
check "the full chain is there" [ -s "$T/www/f.pem" ]
check "the key is there, mode 0600" [ "$(stat -c %a "$T/www/k.pem")" = 600 ]

# SIGTERM stops a worker cleanly.
"$CERTDECK" worker --workers 2 2> "$T/worker.err" &
wpid=$!
sleep 0.5
kill -TERM "$wpid"
set +e; wait "$wpid"; wrc=$?; set -e
check "SIGTERM makes an idle worker exit 0" [ "$wrc" -eq 0 ]
done_testing
