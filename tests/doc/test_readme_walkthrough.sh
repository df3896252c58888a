#!/usr/bin/env bash
# README's "Your first real certificate", run as written against a local Pebble:
# the commands are taken from the README itself, so the walkthrough cannot drift
# from what certdeck accepts. Only what points at the real world is swapped: the
# CA presets for Pebble, /var/www/html and /etc/nginx/tls for temporary
# directories, nginx for a program that records its arguments, and the systemd
# line is skipped.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/acme/acme-lib.sh"
set -e
command -v python3 >/dev/null || { echo "1..0 # SKIP python3 not installed"; exit 0; }
acme_setup PEBBLE_WFE_NONCEREJECT=0
rm -f "$CERTDECK_STORE"		# the walkthrough starts with certdeck init
mkdir -p "$T/www" "$T/tls"
cat > "$T/nginx" <<EOS
#!/bin/sh
echo "\$@" >> "$T/reloads"
EOS
chmod 755 "$T/nginx"
python3 -m http.server --bind 127.0.0.1 --directory "$T/www" "$PEBBLE_HTTP_PORT" \
	> "$T/httpd.log" 2>&1 &
hp=$!
at_exit "kill $hp 2>/dev/null; wait $hp 2>/dev/null"
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PEBBLE_HTTP_PORT/" >/dev/null && break; sleep 0.1; done

# The first sh block after the heading, continuation lines joined.
awk '/^## Your first real certificate/ { f = 1 } f && /^```sh/ { b = 1; next }
	b && /^```/ { exit } b' "$top_srcdir/README.md" |
	sed -e ':a' -e '/\\$/N; s/\\\n//; ta' > "$T/steps"
check "the README has the walkthrough" [ "$(grep -c '^certdeck ' "$T/steps")" -ge 8 ]

n=0
while IFS= read -r line; do
	line=${line%%#*}
	case $line in certdeck\ *) ;; *) continue ;; esac
	line=${line//--server letsencrypt-staging/--server $PEBBLE_URL --ca-bundle $PEBBLE_CA}
	line=${line//--server letsencrypt/--server $PEBBLE_URL --ca-bundle $PEBBLE_CA}
	line=${line//\/var\/www\/html/$T/www}
	line=${line//\/etc\/nginx\/tls/$T/tls}
	line=${line//\/usr\/sbin\/nginx/$T/nginx}
	read -r -a argv <<< "${line#certdeck }"
	n=$((n + 1))
	"$CERTDECK" "${argv[@]}" > "$T/out.$n" 2> "$T/err.$n" && rc=0 || rc=$?
	check "step $n exits 0: ${line%% -*}" [ "$rc" -eq 0 ]
	[ "$rc" -eq 0 ] || diag "$line" "$(cat "$T/err.$n")"
done < "$T/steps"

check "two certificates were issued" [ "$("$CERTDECK" list --json | jq length)" -eq 2 ]
check "the second is on the second account" \
	[ "$("$CERTDECK" list --json | jq '[.[] | select(.account_id == 2)] | length')" -eq 1 ]
check "the first verifies for www.example.org" verify_cert 1 www.example.org
check "the deployed chain is the first certificate" \
	[ "$(openssl x509 -in "$T/tls/example.org.pem" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f)" = \
	  "$("$CERTDECK" show 1 --json | jq -r .fingerprint_sha256 | tr -d : | tr A-F a-f)" ]
check "the deployed key is private" [ "$(stat -c %a "$T/tls/example.org.key")" = 600 ]
check "the reload command ran with its arguments" grep -qx -- '-s reload' "$T/reloads"
check "the challenge files came from the webroot" grep -q 'GET /.well-known/acme-challenge/' "$T/httpd.log"
done_testing
