#!/usr/bin/env bash
# certdeck notify: hook programs and HTTPS webhooks (json, slack, ntfy)
# against a real receiver on loopback; each condition told once when it
# starts, once a day while it lasts, once when it clears; delivery as a
# retried job; notify add/list/remove/test.
. "$top_srcdir/tests/lib.sh"
set -e

"$top_srcdir/tests/demo/make-demo-certs.sh" "$T/certs" > /dev/null
C=$T/certs
export CERTDECK_STORE="$T/data/store.db"
"$CERTDECK" init > /dev/null
# www: 10 days left, nothing renews it (a warning); api: 60 days (fine).
"$CERTDECK" import "$C/api.example.test.pem" "$C/www.example.test.pem" > /dev/null

# A hook that records what it got, one file per call.
mkdir -p "$T/calls"
cat > "$T/hook" <<HOOK
#!/bin/sh
n=\$(ls "$T/calls" | grep -c "\\.env\$")
{
	echo "EVENT=\$CERTDECK_EVENT"
	echo "CONDITION=\$CERTDECK_CONDITION"
	echo "CERT_ID=\$CERTDECK_CERT_ID"
	echo "NAMES=\$CERTDECK_NAMES"
	echo "NOT_AFTER=\$CERTDECK_NOT_AFTER"
	echo "MESSAGE=\$CERTDECK_MESSAGE"
	echo "HOME=\${HOME:-unset}"
	printf '%s\n' "\$CERTDECK_EVENT_JSON" > "$T/calls/\$n.json"
	cat > "$T/calls/\$n.stdin"
} > "$T/calls/\$n.env"
HOOK
chmod 0755 "$T/hook"
calls() { find "$T/calls" -name '*.env' | wc -l; }

cd_run notify list
check "no channels: notify list says how to add one" grep -q 'notify add' "$T/.out"
cd_run notify add hook hook
check "a hook without a path is refused (2)" [ "$rc" -eq 2 ]
cd_run notify add hook "$T/missing"
check "a missing program is refused (1)" [ "$rc" -eq 1 ]
cd_run notify add webhook http://127.0.0.1:1/x
check "a plain-http webhook is refused (2)" [ "$rc" -eq 2 ]
cd_run notify add webhook https://127.0.0.1:1/x --format xml
check "an unknown --format is refused (2)" [ "$rc" -eq 2 ]
cd_run notify add hook "$T/hook"
check "notify add hook: exit 0" [ "$rc" -eq 0 ]
check "... prints the channel ID" [ "$out" = 1 ]

cd_run renew
check "renew with a condition and a hook: exit 0" [ "$rc" -eq 0 ]
check "... the hook ran once" [ "$(calls)" -eq 1 ]
check "... CERTDECK_EVENT=start" grep -qx 'EVENT=start' "$T/calls/0.env"
check "... CERTDECK_CONDITION=expiring" grep -qx 'CONDITION=expiring' "$T/calls/0.env"
check "... CERTDECK_CERT_ID=2" grep -qx 'CERT_ID=2' "$T/calls/0.env"
check "... CERTDECK_NAMES has every name" \
	grep -qx 'NAMES=www.example.test example.test mail.example.test' "$T/calls/0.env"
check "... CERTDECK_NOT_AFTER is RFC 3339" grep -Eqx 'NOT_AFTER=[0-9-]{10}T[0-9:]{8}Z' "$T/calls/0.env"
check "... CERTDECK_MESSAGE says what" grep -q '^MESSAGE=www.example.test (#2) expires in' "$T/calls/0.env"
check "... a minimal environment (no HOME)" grep -qx 'HOME=unset' "$T/calls/0.env"
check "... the event as JSON" [ "$(jq -r '"\(.event) \(.condition) \(.severity) \(.cert_id)"' "$T/calls/0.json")" = "start expiring warning 2" ]
check "... the same event on standard input" cmp -s <(jq -S . "$T/calls/0.json") <(jq -S . "$T/calls/0.stdin")
check "... delivered as a job" [ "$(sqlite3 "$CERTDECK_STORE" "SELECT state FROM jobs WHERE kind = 'notify'")" = done ]
cd_run notify list --json
check "notify list: the last delivery ok" [ "$(jq -r '.[0].last_status' "$T/.out")" = ok ]

cd_run renew
check "the next run: no second notice while it lasts" [ "$(calls)" -eq 1 ]
later=$(( $(date +%s) + 25 * 3600 ))
CERTDECK_NOW=$later cd_run renew
check "a day later: one reminder" [ "$(calls)" -eq 2 ]
check "... CERTDECK_EVENT=reminder" grep -qx 'EVENT=reminder' "$T/calls/1.env"
CERTDECK_NOW=$later cd_run renew
check "... and not again the same day" [ "$(calls)" -eq 2 ]
sqlite3 "$CERTDECK_STORE" "UPDATE certificates SET alert_days = 3 WHERE id = 2"
CERTDECK_NOW=$later cd_run renew
check "cleared: one recovery notice" [ "$(calls)" -eq 3 ]
check "... CERTDECK_EVENT=clear" grep -qx 'EVENT=clear' "$T/calls/2.env"
check "... about the same certificate" grep -qx 'CERT_ID=2' "$T/calls/2.env"
CERTDECK_NOW=$later cd_run renew
check "... and only once" [ "$(calls)" -eq 3 ]

# Webhooks over HTTPS to a receiver on 127.0.0.1 with its own CA.
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/recv.key" \
	-out "$T/recv.csr" -subj "/CN=127.0.0.1" 2> /dev/null
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\n' > "$T/recv.ext"
openssl x509 -req -in "$T/recv.csr" -CA "$C/ca.crt" -CAkey "$C/ca.key" -CAcreateserial \
	-days 2 -extfile "$T/recv.ext" -out "$T/recv.crt" 2> /dev/null
mkdir -p "$T/posts"
cat > "$T/recv.py" <<'PY'
import http.server, ssl, sys, os
out, portfile, cert, key = sys.argv[1:5]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        n = len(os.listdir(out))
        with open(os.path.join(out, '%d.req' % n), 'wb') as f:
            f.write(('%s\n%s\n\n' % (self.path, self.headers.get('Content-Type'))).encode())
            f.write(body)
        self.send_response(500 if self.path.startswith('/fail') else 200)
        self.send_header('Content-Length', '0')
        self.end_headers()
    def log_message(self, *a):
        pass
srv = http.server.HTTPServer(('127.0.0.1', 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(portfile + '.tmp', 'w') as f:
    f.write(str(srv.server_address[1]))
os.rename(portfile + '.tmp', portfile)
srv.serve_forever()
PY
python3 "$T/recv.py" "$T/posts" "$T/recv.port" "$T/recv.crt" "$T/recv.key" &
recv=$!
at_exit "kill $recv 2>/dev/null"
for _ in $(seq 100); do [ -s "$T/recv.port" ] && break; sleep 0.1; done
port=$(cat "$T/recv.port")
check "the receiver listens" [ -n "$port" ]
base="https://127.0.0.1:$port"
posts() { find "$T/posts" -name '*.req' | wc -l; }

cd_run notify add webhook "$base/slack" --format slack --ca-bundle "$C/ca.crt"
check "notify add webhook --format slack: exit 0" [ "$rc" -eq 0 ]
slack=$out
cd_run notify test "$slack"
check "notify test ID: exit 0" [ "$rc" -eq 0 ]
check "... says it was sent" grep -q "^#$slack webhook .*: sent" "$T/.out"
check "... the receiver got one POST" [ "$(posts)" -eq 1 ]
check "... on the URL's path, as JSON" [ "$(head -n 2 "$T/posts/0.req" | tr '\n' ' ')" = "/slack application/json " ]
check "... Slack's {\"text\": ...} shape" [ "$(tail -n +4 "$T/posts/0.req" | jq -r 'keys | join(",")')" = text ]
check "... the test notice in it" grep -q 'test notice' "$T/posts/0.req"

cd_run notify add webhook "$base/topic" --format ntfy --ca-bundle "$C/ca.crt"
ntfy=$out
cd_run notify add webhook "$base/events" --ca-bundle "$C/ca.crt"
json=$out
cd_run notify add webhook "$base/fail" --ca-bundle "$C/ca.crt"
fail=$out
cd_run notify add webhook "https://127.0.0.1:$port/untrusted"
untrusted=$out
cd_run notify test
check "notify test (all): exit 1, as two fail" [ "$rc" -eq 1 ]
check "... the hook was sent a test" grep -q '^#1 hook .*: sent' "$T/.out"
check "... a 500 is reported" grep -q "^#$fail webhook .*: FAILED: .*HTTP 500" "$T/.out"
check "... an untrusted certificate is reported" grep -q "^#$untrusted webhook .*: FAILED" "$T/.out"
check "... the hook got CERTDECK_EVENT=test" grep -qx 'EVENT=test' "$T/calls/3.env"
f=$(grep -l '^/topic' "$T/posts"/*.req)
check "ntfy: title and priority in the query" grep -q '^/topic?title=certdeck%20test%3A%20test&priority=3$' "$f"
check "ntfy: a plain-text body" [ "$(sed -n 2p "$f")" = "text/plain; charset=utf-8" ]
cd_run notify list --json
check "notify list shows the failing channel" \
	[ "$(jq -r ".[] | select(.id == $fail) | \"\(.last_status) \(.failures)\"" "$T/.out")" = "failed 1" ]
msg=$(jq -r ".[] | select(.id == $untrusted) | .last_message" "$T/.out")
check "the URL (often the secret) stays out of the error" [ "${msg#*/untrusted}" = "$msg" ]
check "... which names the channel instead" grep -q "webhook #$untrusted" <<< "$msg"
cd_run notify list
check "... in text too" grep -q 'failing: 1 delivery in a row' "$T/.out"

cd_run notify remove "$slack"
check "notify remove: exit 0" [ "$rc" -eq 0 ]
cd_run notify remove "$slack"
check "removing it again: exit 1" [ "$rc" -eq 1 ]
cd_run notify remove "$untrusted"
cd_run notify remove "$ntfy"

# A new condition through the job: the json webhook gets the event, the
# failing one is retried later, and renew still succeeds.
rm -f "$T/posts"/*
sqlite3 "$CERTDECK_STORE" "UPDATE certificates SET alert_days = NULL WHERE id = 2"
CERTDECK_NOW=$later cd_run renew
check "renew with a failing channel: the renewal run is not failed by it" [ "$rc" -ne 1 ]
check "... says a notification waits" grep -q 'could not be delivered' "$T/.err"
f=$(grep -l '^/events' "$T/posts"/*.req)
check "the json webhook got the start event" [ "$(tail -n +4 "$f" | jq -r '"\(.event) \(.condition) \(.cert_id)"')" = "start expiring 2" ]
check "the failing channel's job waits for a retry" \
	[ "$(sqlite3 "$CERTDECK_STORE" "SELECT state || ' ' || (run_after > $later) FROM jobs WHERE kind = 'notify' AND target_id = $fail AND attempt = 1")" = "queued 1" ]

# A renewal that fails for good: its own condition, about the job.
n=$(calls)
CERTDECK_NOW=$later cd_run renew --force 1
check "a failed renewal (an imported certificate): exit 1" [ "$rc" -eq 1 ]
check "... the hook is told" grep -qx 'CONDITION=job-failed' "$T/calls/$n.env"
check "... with the job in the event" [ "$(jq -r '"\(.event) \(.cert_id) \(.job_id > 0)"' "$T/calls/$n.json")" = "start 1 true" ]

# A channel that keeps failing is itself a condition.
for _ in 1 2 3; do "$CERTDECK" notify test "$fail" > /dev/null || true; done
CERTDECK_NOW=$later cd_run status --json
check "a channel failing 3 times in a row: a condition of status" \
	[ "$(jq '.counts."channel-failing"' "$T/.out")" = 1 ]
check "... naming the channel" [ "$(jq ".alerts[] | select(.kind == \"channel-failing\") | .channel_id" "$T/.out")" = "$fail" ]

done_testing
