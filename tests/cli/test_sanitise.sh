#!/usr/bin/env bash
# Certificate- and CA-controlled text reaches the terminal through one
# sanitiser (src/safetext.c): a certificate whose subject and names carry
# escape sequences (C0 ESC, BEL, the C1 CSI U+009B), and events and jobs
# whose text does, are listed, shown and imported without a single control
# character on stdout or stderr; the JSON output escapes them and still
# means the same.
. "$top_srcdir/tests/lib.sh"
set -e
export CERTDECK_STORE=$T/store.db
"$CERTDECK" init >/dev/null

ESC=$(printf '\033')
CSI=$(printf '\302\233')	# U+009B in UTF-8
cn="evil${ESC}[31mred${CSI}2J"
san="x${ESC}]0;pwned$(printf '\007').example.test"
if ! (cd "$T" && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout k.pem -out c.pem -days 2 -utf8 -subj "/CN=$cn" \
	-addext "subjectAltName=DNS:ok.example.test,DNS:$san") >"$T/openssl.log" 2>&1; then
	echo "Bail out! cannot make the fixture: $(cat "$T/openssl.log")"
	exit 1
fi

# No C0 control but tab and newline (the JSON's own layout) and no C1 (as UTF-8) in a file.
clean() {
	! LC_ALL=C grep -q "[$(printf '\001-\010\013-\037\177')]" "$1" &&
	! LC_ALL=C grep -q "$CSI" "$1"
}
valid_json() { jq -e . "$1" >/dev/null; }
# cd_run, then both outputs must be clean.
clean_run() {
	cd_run "$@"
	clean "$T/.out" && clean "$T/.err"
}

check "import of a certificate with escape sequences: clean output" clean_run import "$T/c.pem"
check "... imported (exit 0)" [ "$rc" -eq 0 ]
check "list: clean output" clean_run list
check "... the certificate is listed" grep -q 'ok.example.test' "$T/.out"
check "show: clean output" clean_run show 1
check "... the odd name is shown escaped" grep -qF 'x\x1b\x5d0\x3bpwned\x07.example.test' "$T/.out"
check "show --json: clean output" clean_run show 1 --json
check "... and valid JSON" valid_json "$T/.out"
check "list --json: clean output" clean_run list --json
check "... and valid JSON" valid_json "$T/.out"

# Events and jobs as another process (or a CA's words) may have left them.
now=$(date +%s)
sqlite3 "$CERTDECK_STORE" "INSERT INTO jobs (kind, target_id, state, progress, created, updated)
	VALUES ('issue', 1, 'failed', 'the CA said ' || char(27) || '[2J' || char(155) || 'x', $now, $now);
	INSERT INTO events (time, job_id, level, message, actor)
	VALUES ($now, 1, 'error', 'boom ' || char(27) || ']0;title' || char(7), 'a' || char(27) || 'b');"
check "jobs: clean output" clean_run jobs
check "... the job is listed" grep -q 'the CA said' "$T/.out"
check "jobs --json: clean output" clean_run jobs --json
check "... and the JSON keeps the text (escaped)" \
	[ "$(jq -j '.[0].progress' "$T/.out" | od -An -tx1 | tr -d ' \n')" = "$(printf 'the CA said \033[2J\302\233x' | od -An -tx1 | tr -d ' \n')" ]
check "events: clean output" clean_run events
check "... the event is listed" grep -q 'boom' "$T/.out"
check "events --json: clean output" clean_run events --json
done_testing
