#!/usr/bin/env bash
# certdeck status: the Nagios/Icinga plugin convention (summary line with
# perfdata, detail lines, exit 0/1/2/3) over each condition, and the renew
# runs that feed the dead man's switch.
. "$top_srcdir/tests/lib.sh"
set -e

"$top_srcdir/tests/demo/make-demo-certs.sh" "$T/certs" > /dev/null
C=$T/certs
now=$(date +%s)

# A store of its own with the given demo certificates.
mkstore() {	# mkstore NAME CERT...
	local name=$1
	shift
	export CERTDECK_STORE="$T/$name/store.db"
	"$CERTDECK" init > /dev/null
	for c in "$@"; do "$CERTDECK" import "$C/$c.pem" > /dev/null; done
}
first() { head -n 1 "$T/.out"; }

# OK: 60 and 80 days left.
mkstore ok api.example.test intranet.example.test
cd_run status
check "healthy store: exit 0" [ "$rc" -eq 0 ]
check "... summary line says OK with the count and the next expiry" \
	grep -Eq '^CERTDECK OK - 2 certificates, next expiry api\.example\.test in (59|60) days \|' \
	<(first)
check "... perfdata after the bar" grep -q '| certificates=2;;;0 expiring=0;;;0 ' <(first)
check "... next expiry in perfdata with the thresholds" grep -Eq 'next_expiry_days=(59|60);14;7' \
	<(first)
check "... one line: nothing to detail" [ "$(wc -l < "$T/.out")" -eq 1 ]
cd_run status --json
check "--json: exit 0" [ "$rc" -eq 0 ]
check "--json: status ok" [ "$(jq -r .status "$T/.out")" = ok ]
check "--json: no alerts" [ "$(jq '.alerts | length' "$T/.out")" = 0 ]
check "--json: next expiry named" [ "$(jq -r .next_expiry.name "$T/.out")" = api.example.test ]

# WARNING: 10 days left (threshold 14), nothing renews it.
mkstore warn api.example.test www.example.test
cd_run status
check "10 days left: exit 1" [ "$rc" -eq 1 ]
check "... summary says WARNING and why" \
	grep -q '^CERTDECK WARNING - 2 certificates, 1 warning: www.example.test (#2) expires in' <(first)
check "... a detail line" grep -q '^WARNING: www.example.test (#2) expires in .* certdeck does not renew it' "$T/.out"
cd_run status --warning 5
check "--warning 5: exit 0" [ "$rc" -eq 0 ]
cd_run status --critical 12
check "--critical 12: exit 2" [ "$rc" -eq 2 ]
cd_run status --warning soon
check "a bad --warning: exit 3 (UNKNOWN, as plugins do)" [ "$rc" -eq 3 ]
sqlite3 "$CERTDECK_STORE" "UPDATE certificates SET alert_days = 5 WHERE id = 2"
cd_run status
check "a certificate's own threshold (5 days) wins: exit 0" [ "$rc" -eq 0 ]

# CRITICAL: expired, and 4 days left.
mkstore crit api.example.test old.example.test shop.example.test
cd_run status
check "expired and 4 days left: exit 2" [ "$rc" -eq 2 ]
check "... summary says CRITICAL" grep -q '^CERTDECK CRITICAL - 3 certificates, 2 critical:' <(first)
check "... the expired one in detail" grep -q '^CRITICAL: old.example.test (#2) has expired' "$T/.out"
check "... expiring counted in perfdata" grep -q 'expiring=2;;;0' <(first)
cd_run status --json
check "--json: exit 2 and status critical" \
	[ "$(jq -r '"\(.exit) \(.status)"' "$T/.out")" = "2 critical" ]
check "--json: two expiring alerts" [ "$(jq '.counts.expiring' "$T/.out")" = 2 ]

# Revoked (the store as `certdeck revoke` leaves it).
mkstore revoked api.example.test
sqlite3 "$CERTDECK_STORE" "UPDATE certificates SET status = 'revoked', revoked_at = $now"
cd_run status
check "a revoked certificate: exit 2" [ "$rc" -eq 2 ]
check "... named" grep -q '^CRITICAL: api.example.test (#1) is revoked' "$T/.out"

# A renewal that fails for good counts, and renew records its run.
mkstore job api.example.test intranet.example.test
cd_run renew --force 1
check "renewing an imported certificate fails (1)" [ "$rc" -eq 1 ]
check "... renew says the alert on stderr (for cron's mail)" \
	grep -q 'CRITICAL: renewal of api.example.test (job #1) failed' "$T/.err"
check "... and records its run" [ "$(sqlite3 "$CERTDECK_STORE" \
	"SELECT kind || ' ' || outcome || ' ' || failed FROM runs")" = "renew failed 1" ]
cd_run status
check "a failed renewal: exit 2" [ "$rc" -eq 2 ]
check "... the job is named" grep -q '^CRITICAL: renewal of api.example.test (job #1) failed' "$T/.out"
check "... job_failed in perfdata" grep -q 'job_failed=1;;;0' <(first)
check "... the last run is shown" grep -q '^last renew run: .* (failed)$' "$T/.out"

# The dead man's switch.
mkstore stale api.example.test intranet.example.test
cd_run renew
check "renew with nothing due: exit 0" [ "$rc" -eq 0 ]
check "... records a run" [ "$(sqlite3 "$CERTDECK_STORE" "SELECT outcome FROM runs")" = ok ]
now=$(sqlite3 "$CERTDECK_STORE" "SELECT ended FROM runs")
cd_run status
check "right after a run: exit 0" [ "$rc" -eq 0 ]
check "... the run's age in perfdata" grep -Eq 'renew_age=[0-9]+s;129600;259200;0' <(first)
CERTDECK_NOW=$((now + 40 * 3600)) cd_run status
check "40 hours later: exit 1" [ "$rc" -eq 1 ]
check "... says renew has not completed" grep -q "^WARNING: 'certdeck renew' last completed 40 hours ago" "$T/.out"
CERTDECK_NOW=$((now + 40 * 3600)) cd_run status --stale-hours 48
check "--stale-hours 48: exit 0" [ "$rc" -eq 0 ]
CERTDECK_NOW=$((now + 80 * 3600)) cd_run status
check "80 hours later: exit 2" [ "$rc" -eq 2 ]

# UNKNOWN: the store cannot be read.
export CERTDECK_STORE="$T/none/store.db"
cd_run status
check "no store: exit 3" [ "$rc" -eq 3 ]
check "... CERTDECK UNKNOWN and the reason" grep -q '^CERTDECK UNKNOWN - no store at' "$T/.out"
mkdir -p "$T/junk"
printf 'not a database at all, not even close to one............\n' > "$T/junk/store.db"
export CERTDECK_STORE="$T/junk/store.db"
cd_run status --json
check "a file that is no store: exit 3" [ "$rc" -eq 3 ]
check "... --json says unknown" [ "$(jq -r .status "$T/.out")" = unknown ]

done_testing
