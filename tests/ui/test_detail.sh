#!/usr/bin/env bash
# The new-certificate form with everything 'certdeck issue' takes (webroot,
# preferred chain, profile, a deploy target), its checks, its scrolling at
# 60x20; the detail view's renewal history and recent events; K's rotate
# and revoke the old certificate. Against a private Pebble, in tmux.
. "$top_srcdir/tests/lib.sh"
if ! command -v tmux >/dev/null 2>&1; then
	echo "1..0 # SKIP tmux is not installed"
	exit 0
fi
command -v python3 >/dev/null || { echo "1..0 # SKIP python3 not installed"; exit 0; }
. "$top_srcdir/tests/acme/acme-lib.sh"
. "$top_srcdir/tests/ui/tmux-lib.sh"
set -e
acme_setup PEBBLE_ALTERNATE_ROOTS=1 PEBBLE_WFE_NONCEREJECT=0
acme_account

# http-01 through a webroot: a static web server where Pebble validates.
mkdir -p "$T/www" "$T/deploy"
echo hello > "$T/www/index.html"
python3 -m http.server --bind 127.0.0.1 --directory "$T/www" "$PEBBLE_HTTP_PORT" \
	> "$T/httpd.log" 2>&1 &
hp=$!
at_exit "kill $hp 2>/dev/null; wait $hp 2>/dev/null"
for _ in $(seq 100); do
	curl -sf --noproxy '*' "http://127.0.0.1:$PEBBLE_HTTP_PORT/index.html" >/dev/null && break
	sleep 0.1
done
alt_root=$(curl -sf --noproxy '*' --cacert "$PEBBLE_CA" "$PEBBLE_MGMT/roots/1" |
	openssl x509 -noout -subject | sed 's/.*CN *= *//')
check "Pebble offers a second root" [ -n "$alt_root" ]
# top_issuer ID: who issued the last certificate of ID's stored chain.
top_issuer() {
	"$CERTDECK" show "$1" --pem | awk -v d="$T" '/BEGIN/{n++} {print > (d "/c" n ".pem")}'
	openssl x509 -in "$(ls "$T"/c*.pem | sort | tail -n 1)" -noout -issuer | sed 's/.*CN *= *//'
	rm -f "$T"/c*.pem
}
sql() { sqlite3 "$CERTDECK_STORE" "$1"; }

tui_script
tmux_start 80 24 "$T/ui.sh"

tabs() { local i; for i in $(seq "$1"); do tmx send-keys -t t Tab; done; }

check "the list comes up" wait_for 'Name +Days'

# The form at 80x24: every field in view (one line each), the last one too.
tmx send-keys -t t n
wait_for 'Which protocol'
tmx send-keys -t t a
check "n opens the form" wait_for 'New certificate \(ACME\)'
check "... showing the new fields at 80x24" \
	eval 'screen | grep -q "Webroot" && screen | grep -q "DNS resolver" && screen | grep -q "Preferred chain" && screen | grep -q "Reload command"'
check "... with nothing scrolled away" eval '! screen | grep -q "v more"'

# Checks in the form; what was typed stays.
tmx send-keys -t t web.example.test
tabs 4
tmx send-keys -t t www Enter
check "a relative webroot is refused" wait_for 'Webroot: give an absolute path'
check "... and the form keeps what was typed" eval 'screen | grep -q "web\.example\.test"'
tmx send-keys -t t C-u "$T/www/index.html" Enter
check "a webroot that is a file is refused" wait_for 'Webroot: not a directory'
tmx send-keys -t t C-u "$T/www"
tabs 8
tmx send-keys -t t "$alt_root"
tabs 1
tmx send-keys -t t "$T/nowhere/full.pem" Enter
check "a deploy path in a missing directory is refused" wait_for 'Fullchain to: its directory does not exist'
tmx send-keys -t t C-u "$T/deploy/full.pem" Tab "$T/deploy/key.pem" Tab "hooks/reload" Enter
check "a relative reload program is refused" wait_for "Reload command: give an absolute path"
tmx send-keys -t t C-u "$top_srcdir/tests/hooks/deploy-reload.sh $T/reload.log ok" Enter
check "the form queues the issuance" wait_for 'queued job #[0-9]+ \(order #[0-9]+\)'
ij=$(queued_job)
check "the issuance with deploy finishes" wait_job "$ij" done
web=$(job_field "$ij" result_id)
check "the job carries the deploy target in its params" \
	[ "$(sql "SELECT json_extract(params, '\$.deploy.fullchain') || ' ' || json_extract(params, '\$.deploy.key') || ' ' || json_array_length(params, '\$.deploy.reload') FROM jobs WHERE id = $ij")" = "$T/deploy/full.pem $T/deploy/key.pem 3" ]
order=$(sql "SELECT target_id FROM jobs WHERE id = $ij")
check "the order has the webroot and the preferred chain" \
	[ "$(sql "SELECT json_extract(settings, '\$.webroot') || '|' || json_extract(settings, '\$.preferred_chain') FROM orders WHERE id = $order")" = "$T/www|$alt_root" ]
check "the web server served the challenge" grep -q 'GET /.well-known/acme-challenge/' "$T/httpd.log"
check "the chain leads to the preferred root" [ "$(top_issuer "$web")" = "$alt_root" ]
check "the certificate has the deploy target" \
	[ "$("$CERTDECK" deploy list "$web" --json | jq -r '.[0] | .fullchain + " " + .key + " " + (.reload_cmd | length | tostring)')" = "$T/deploy/full.pem $T/deploy/key.pem 3" ]
check "... and was deployed at once: the full chain" [ -s "$T/deploy/full.pem" ]
check "... and the key" [ -s "$T/deploy/key.pem" ]
check "... the key private" [ "$(stat -c %a "$T/deploy/key.pem")" = 600 ]
check "... and the reload command ran" grep -q '^fullchain_present=yes' "$T/reload.log"

# A profile reaches the order; Pebble offers none, so the job says so.
tmx send-keys -t t n
wait_for 'Which protocol'
tmx send-keys -t t a
wait_for 'New certificate \(ACME\)'
tmx send-keys -t t prof.example.test Tab Tab "$PEBBLE_HTTP_PORT" Tab 127.0.0.1
tabs 8
tmx send-keys -t t "two words" Enter
check "a profile with a space is refused" wait_for 'Profile: one name, no spaces'
tmx send-keys -t t C-u shortlived Enter
check "the form queues it" wait_for 'queued job #[0-9]+'
pj=$(queued_job)
check "the job fails" wait_job "$pj" failed
check "... because the CA offers no profiles" \
	eval 'job_field "$pj" last_error.message | grep -q "offers no profiles"'
check "the order asked for the profile" \
	[ "$(sql "SELECT profile FROM orders WHERE id = (SELECT target_id FROM jobs WHERE id = $pj)")" = shortlived ]

# At 60x20 the form scrolls to keep the selected field in view.
tmx resize-window -t t -x 60 -y 20
tmx send-keys -t t n
wait_for 'Which protocol'
tmx send-keys -t t a
check "at 60x20 the form opens" wait_for 'New certificate \(ACME\)'
check "... and shows that more is below" wait_for 'v more'
tmx send-keys -t t d.example.test Tab Space
check "Space picks dns-01" wait_for '< dns-01 >'
tmx send-keys -t t Enter
check "dns-01 without a hook is refused" wait_for 'DNS hook: dns-01 needs a hook program'
tabs 14
check "... scrolling to the last field" wait_for 'Reload command'
check "... and showing that more is above" wait_for '\^ more'
tmx send-keys -t t Escape
wait_gone 'New certificate'
tmx resize-window -t t -x 80 -y 24

# Two renewals: the newest shows a history of three, itself first.
cd_run renew --force "$web"
check "first renewal" [ "$rc" -eq 0 ]
mid=$("$CERTDECK" show "$web" --json | jq -r .replaced_by)
cd_run renew --force "$mid"
check "second renewal" [ "$rc" -eq 0 ]
new=$("$CERTDECK" show "$mid" --json | jq -r .replaced_by)
check "the first renewal replaced the certificate with a newer one" [ "$mid" -gt "$web" ]
check "the second renewal replaced that one in turn (three in a chain)" [ "$new" -gt "$mid" ]
tmx send-keys -t t / web.example Enter
wait_for '^web\.example\.test'
tmx send-keys -t t Enter
check "Enter opens the newest" wait_for "#$new web\.example\.test"
check "the history lists the newest first, marked" \
	wait_for "History +#$new +[0-9-]+\.\.[0-9-]+ [0-9a-f]{8} .*<- this one"
check "... then the one it replaced" wait_for "^ +#$mid +[0-9-]+\.\.[0-9-]+ [0-9a-f]{8} replaced"
check "... then the first" wait_for "^ +#$web +[0-9-]+\.\.[0-9-]+ [0-9a-f]{8} replaced"
tmx send-keys -t t G
rj=$(sql "SELECT id FROM jobs WHERE kind = 'renew' AND result_id = $new")
check "recent events show the renewal job's steps" \
	wait_for "Recent events +[0-9-]+ [0-9:]+ job #$rj info: "
check "... ten of them at most" \
	[ "$(screen | grep -cE "job #[0-9]+ (info|warn|error):|^ +[0-9-]+ [0-9:]+ (info|error): ")" -le 10 ]
tmx send-keys -t t Escape
wait_gone 'History'
# A deploy run from the command line, outside any job, shows too.
cd_run deploy run "$new"
check "deploy run from the command line" [ "$rc" -eq 0 ]
# Tall enough that the whole section shows, however long the paths wrap.
tmx resize-window -t t -x 100 -y 70
tmx send-keys -t t Enter
wait_for "#$new web\.example\.test"
tmx send-keys -t t G
check "... and its outcome is the newest recent event" \
	wait_for "Recent events +[0-9-]+ [0-9:]+ info: certificate #$new deployed to target #[0-9]+"
check "... without a job number" eval '! screen | grep -qE "job #0 "'
tmx resize-window -t t -x 80 -y 24
tmx send-keys -t t Escape
wait_gone 'History'

# Rotate from the detail view, revoking the old certificate.
tmx send-keys -t t Enter
wait_for "#$new web\.example\.test"
tmx send-keys -t t K
check "K asks how to rotate" wait_for 'revoke the old one \(superseded\)'
check "... or cancel" eval 'screen | grep -q "c) Cancel"'
tmx send-keys -t t v
check "v queues the rotation" wait_for 'queued job #[0-9]+'
kj=$(queued_job)
check "... with revoke_old" [ "$(sql "SELECT json_extract(params, '\$.revoke_old') FROM jobs WHERE id = $kj")" = 1 ]
check "the rotation finishes" wait_job "$kj" done
check "the old certificate is revoked" \
	[ "$("$CERTDECK" show "$new" --json | jq -r .status)" = revoked ]
check "... for superseded (4)" \
	[ "$("$CERTDECK" show "$new" --json | jq -r .revocation_reason)" = 4 ]
check "Pebble agrees" [ "$(pebble_cert_status "$new")" = Revoked ]
check "the detail view turns revoked" wait_for 'Status +revoked'

tmx send-keys -t t Escape q
if wait_for 'running here' 2000 > /dev/null 2>&1; then tmx send-keys -t t y; fi
check "q quits" wait_exit 0
check "no sanitizer reports" eval '! ls "$T"/san.* > /dev/null 2>&1 || { cat "$T"/san.* | head -40 | sed "s/^/# /"; false; }'
done_testing
