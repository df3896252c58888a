#!/usr/bin/env bash
# certdeck metrics: Prometheus text format checked by promtool, written
# atomically for node_exporter's textfile collector, and served at
# /metrics on the given loopback address only.
. "$top_srcdir/tests/lib.sh"
set -e
check "promtool is installed (Debian: prometheus, in ./quickstart's DEPS)" command -v promtool

"$top_srcdir/tests/demo/make-demo-certs.sh" "$T/certs" > /dev/null
C=$T/certs
export CERTDECK_STORE="$T/data/store.db"
"$CERTDECK" init > /dev/null
for c in api.example.test old.example.test www.example.test; do
	"$CERTDECK" import "$C/$c.pem" > /dev/null
done
# A failed renewal (an imported certificate has no order) and the run that recorded it.
"$CERTDECK" renew --force 1 > /dev/null 2>&1 || true
# A label value with the characters the format escapes.
sqlite3 "$CERTDECK_STORE" "UPDATE certificates SET issuer_cn = 'Evil \"CA\" \\ x' WHERE id = 3"

cd_run metrics
check "metrics to stdout: exit 0" [ "$rc" -eq 0 ]
printf '%s\n' "$out" > "$T/stdout.prom"
check "promtool check metrics passes" promtool check metrics < "$T/stdout.prom"
check "x509_cert_not_after for www.example.test" \
	grep -Eq '^x509_cert_not_after\{cert_id="3",subject_CN="www\.example\.test",issuer_CN="[^}]*",serial_number="[0-9a-f]+"\} [0-9]+$' "$T/stdout.prom"
check "x509_cert_not_before too" grep -q '^x509_cert_not_before{cert_id="1",subject_CN="api.example.test"' "$T/stdout.prom"
check "the expired one: x509_cert_expired 1" grep -Eq '^x509_cert_expired\{cert_id="2",.*\} 1$' "$T/stdout.prom"
check "a valid one: x509_cert_expired 0" grep -Eq '^x509_cert_expired\{cert_id="1",.*\} 0$' "$T/stdout.prom"
check 'label values escaped (\" and \\)' grep -qF 'issuer_CN="Evil \"CA\" \\ x"' "$T/stdout.prom"
check "the failed renewal: last renewal success 0" \
	grep -Eq '^certdeck_cert_last_renewal_success\{cert_id="1",.*\} 0$' "$T/stdout.prom"
check "jobs by kind and state" grep -q '^certdeck_jobs{kind="renew",state="failed"} 1$' "$T/stdout.prom"
check "alerts by condition" grep -q '^certdeck_alerts{condition="job-failed"} 1$' "$T/stdout.prom"
check "the last renew run" grep -Eq '^certdeck_renew_last_run_timestamp_seconds [0-9]+$' "$T/stdout.prom"
check "... and whether it succeeded" grep -q '^certdeck_renew_last_run_success 0$' "$T/stdout.prom"
check "the status as a number (2: critical)" grep -q '^certdeck_status 2$' "$T/stdout.prom"

mkdir -p "$T/textfile"
cd_run metrics --output "$T/textfile/certdeck.prom"
check "--output: exit 0" [ "$rc" -eq 0 ]
check "... nothing on stdout" [ -z "$out" ]
check "... the file passes promtool" promtool check metrics < "$T/textfile/certdeck.prom"
check "... readable by node_exporter (0644)" [ "$(stat -c %a "$T/textfile/certdeck.prom")" = 644 ]
check "... no temporary file left beside it" [ "$(ls -A "$T/textfile")" = certdeck.prom ]
check "... the same series as stdout" diff <(grep -v '^#' "$T/stdout.prom" | grep -v _seconds | sort) \
	<(grep -v '^#' "$T/textfile/certdeck.prom" | grep -v _seconds | sort)
cd_run metrics --output "$T/missing/dir/certdeck.prom"
check "--output into a missing directory: exit 1" [ "$rc" -eq 1 ]
cd_run metrics --output "$T/x.prom" --listen 127.0.0.1:0
check "--output with --listen: usage error (2)" [ "$rc" -eq 2 ]
cd_run metrics --listen localhost:80
check "a host name is refused (numeric addresses only): exit 1" [ "$rc" -eq 1 ]

# Serving: port 0 picks a free one, said on stderr.
serve() {	# serve ADDRESS: starts the server, sets $pid and $port
	"$CERTDECK" metrics --listen "$1:0" 2> "$T/serve.err" &
	pid=$!
	at_exit "kill $pid 2>/dev/null"
	port=
	for _ in $(seq 100); do
		port=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$T/serve.err")
		[ -n "$port" ] && break
		sleep 0.1
	done
}
serve 127.0.0.1
check "--listen 127.0.0.1:0 says its port" [ -n "$port" ]
check "... bound to 127.0.0.1 only" ss -Hltn "sport = :$port" | grep -q "127.0.0.1:$port"
check "... and not to any other address" [ "$(ss -Hltn "sport = :$port" | wc -l)" -eq 1 ]
code=$(curl -s -o "$T/served.prom" -w '%{http_code}' -m 10 "http://127.0.0.1:$port/metrics")
check "GET /metrics: 200" [ "$code" = 200 ]
check "... passes promtool" promtool check metrics < "$T/served.prom"
check "... holds the certificates" grep -q '^x509_cert_not_after{cert_id="2",subject_CN="old.example.test"' "$T/served.prom"
ctype=$(curl -s -o /dev/null -w '%{content_type}' -m 10 "http://127.0.0.1:$port/metrics")
check "... as text/plain; version=0.0.4" [ "$ctype" = "text/plain; version=0.0.4; charset=utf-8" ]
code=$(curl -s -o /dev/null -w '%{http_code}' -m 10 "http://127.0.0.1:$port/")
check "another path: 404" [ "$code" = 404 ]
"$CERTDECK" import "$C/intranet.example.test.pem" > /dev/null
curl -s -m 10 "http://127.0.0.1:$port/metrics" > "$T/served2.prom"
check "each scrape reads the store afresh" grep -q 'subject_CN="intranet.example.test"' "$T/served2.prom"
kill -TERM "$pid"
set +e
wait "$pid"
st=$?
set -e
check "SIGTERM stops it cleanly (exit 0)" [ "$st" -eq 0 ]

if ip -6 addr show dev lo 2> /dev/null | grep -q '::1'; then
	serve '[::1]'
	check "--listen [::1]:0 says its port" [ -n "$port" ]
	code=$(curl -s -o "$T/served6.prom" -w '%{http_code}' -m 10 "http://[::1]:$port/metrics")
	check "... GET /metrics over IPv6: 200" [ "$code" = 200 ]
	check "... passes promtool" promtool check metrics < "$T/served6.prom"
	kill -TERM "$pid"
	wait "$pid" || true
fi

done_testing
