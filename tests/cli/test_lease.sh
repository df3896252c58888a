#!/usr/bin/env bash
# Job leases: a worker renews the lease of the job it runs while a reload
# command blocks for longer than the lease, so a second worker on the same
# store (in another PID namespace, where the first one's PID means nothing)
# never takes the job over and the reload runs once; a worker whose job was
# taken over cannot end it.
. "$top_srcdir/tests/lib.sh"
set -e
export CERTDECK_STORE="$T/store.db"
# Leases of 3 s, renewed every second, instead of 90 s.
export CERTDECK_TEST_LEASE_SECONDS=3
q() { sqlite3 "$CERTDECK_STORE" "$1"; }
id_of() { "$CERTDECK" list --json | jq -r --arg n "$1" '.[] | select(.name == $n) | .id'; }
# until_true SECONDS COMMAND...: polls COMMAND every 0.1 s (a guard against hangs only).
until_true() {
	local n=$(($1 * 10))
	shift
	while ! "$@"; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.1
	done
}
lines() { [ -f "$1" ] && wc -l < "$1" || echo 0; }
runs_are() { [ "$(lines "$T/runs")" -eq "$1" ]; }

# The second worker runs in its own PID namespace when this machine allows it.
other=()
if unshare --pid --fork true 2>/dev/null; then
	other=(unshare --pid --fork)
elif unshare --user --map-root-user --pid --fork true 2>/dev/null; then
	other=(unshare --user --map-root-user --pid --fork)
fi
diag "second worker: ${other[*]:-(same PID namespace)}"

"$top_srcdir/tests/demo/make-demo-certs.sh" "$T/certs" > /dev/null
cd_run init
cd_run import "$T/certs/www.example.test.pem"
check "a certificate with its key" [ "$rc" -eq 0 ]
www=$(id_of www.example.test)
mkdir -p "$T/out"
# The reload command notes each run, then blocks until the test lets it go
# (15 s at most): far longer than the 3 s lease.
cat > "$T/slow-reload.sh" <<'SH'
#!/bin/sh
echo run >> "$1"
i=0
while [ ! -e "$2" ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
exit 0
SH
chmod 755 "$T/slow-reload.sh"
cd_run deploy add "$www" --fullchain "$T/out/f.pem" --key "$T/out/k.pem" \
	--reload-cmd "$T/slow-reload.sh" "$T/runs" "$T/go"
check "a target with a slow reload command" [ "$rc" -eq 0 ]

# ---- two workers, one job ------------------------------------------------
job=$("$CERTDECK" deploy run "$www" --no-wait)
"$CERTDECK" worker --once > "$T/a.out" 2> "$T/a.err" &
a=$!
check "worker A starts the reload" until_true 30 runs_are 1
# Worker B polls for three lease periods while A's reload blocks.
b_runs=0
start=$SECONDS
while [ $((SECONDS - start)) -lt 10 ]; do
	"${other[@]}" "$CERTDECK" worker --once >> "$T/b.out" 2>> "$T/b.err" || :
	b_runs=$((b_runs + 1))
	sleep 0.3
done
diag "worker B ran $b_runs times"
check "A's lease was renewed meanwhile" \
	[ "$(q "SELECT lease_until >= CAST(strftime('%s', 'now') AS INTEGER) FROM jobs WHERE id = $job")" = 1 ]
touch "$T/go"
set +e
wait "$a"
arc=$?
set -e
check "worker A succeeds" [ "$arc" -eq 0 ]
check "the reload command ran once, not twice" [ "$(lines "$T/runs")" -eq 1 ]
check "the job is done" [ "$(q "SELECT state FROM jobs WHERE id = $job")" = done ]
check "... in one attempt" [ "$(q "SELECT attempt FROM jobs WHERE id = $job")" = 1 ]
check "... and no lease left on it" [ "$(q "SELECT lease_until IS NULL FROM jobs WHERE id = $job")" = 1 ]
check "no worker took it over" [ "$(q "SELECT count(*) FROM events WHERE job_id = $job AND message LIKE '%taken over%'")" = 0 ]

# ---- a worker that lost its job cannot end it ------------------------------
rm -f "$T/go" "$T/runs"
job=$("$CERTDECK" deploy run "$www" --no-wait)
"$CERTDECK" worker --once > "$T/a.out" 2> "$T/a.err" &
a=$!
check "worker A starts the second reload" until_true 30 runs_are 1
# As if A had stalled past its lease and another worker had claimed the job.
q "UPDATE jobs SET claimed_by = 'elsewhere:1:0:00000000', attempt = attempt + 1,
	lease_until = CAST(strftime('%s', 'now') AS INTEGER) + 600 WHERE id = $job"
touch "$T/go"
set +e
wait "$a"
set -e
check "the job is still the other worker's" \
	[ "$(q "SELECT state || ' ' || claimed_by FROM jobs WHERE id = $job")" = "running elsewhere:1:0:00000000" ]
check "... A wrote no outcome" [ "$(q "SELECT coalesce(result_id, 0) || coalesce(last_error, '') FROM jobs WHERE id = $job")" = 0 ]
check "... and said why" [ "$(q "SELECT count(*) FROM events WHERE job_id = $job AND level = 'warn' AND message LIKE '%taken over by another worker%'")" = 1 ]
q "UPDATE jobs SET state = 'cancelled' WHERE id = $job"
done_testing
