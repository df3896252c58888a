# A private PowerDNS authoritative server for the dns-01 tests: its own
# config, sqlite database, API key and socket dir under $1, on 127.0.0.1
# port 53 (so the test runs in a private network namespace, dns_netns in
# tests/dns/netns.sh) with the HTTP API on 127.0.0.1:$2. Source it after
# tests/lib.sh and netns.sh.
#
# pdns_start DIR PORT: makes the zone example.org (NS ns1.example.org,
#   127.0.0.1) with pdnsutil and starts pdns_server. Sets PDNS_DIR,
#   PDNS_URL, PDNS_KEY (the API key file, 0600) and PDNS_WRONG_KEY (another
#   key, 0600). Stopped by the caller's trap (at_exit pdns_stop).

_pdns_pid=

pdns_start() {
	local dir=$1 port=$2 i schema
	PDNS_DIR=$dir
	PDNS_URL=http://127.0.0.1:$port
	mkdir -p -m 0700 "$dir" "$dir/sock"
	schema=/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql
	[ -r "$schema" ] || schema=/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql
	sqlite3 "$dir/pdns.db" < "$schema" || return 1
	openssl rand -hex 24 > "$dir/api.key"
	openssl rand -hex 24 > "$dir/wrong.key"
	chmod 0600 "$dir"/*.key
	PDNS_KEY=$dir/api.key
	PDNS_WRONG_KEY=$dir/wrong.key
	cat > "$dir/pdns.conf" <<CF
launch=gsqlite3
gsqlite3-database=$dir/pdns.db
local-address=127.0.0.1
local-port=53
socket-dir=$dir/sock
daemon=no
guardian=no
setuid=
setgid=
disable-syslog=yes
loglevel=6
api=yes
api-key=$(cat "$PDNS_KEY")
webserver=yes
webserver-address=127.0.0.1
webserver-port=$port
webserver-allow-from=127.0.0.1
# No packet or query cache: a record pdnsutil adds (the API purges the cache,
# pdnsutil does not) must be served at once, and what dig sees is the database.
cache-ttl=0
query-cache-ttl=0
negquery-cache-ttl=0
default-soa-content=ns1.example.org. hostmaster.@ 0 60 60 600 60
CF
	chmod 0600 "$dir/pdns.conf"
	pdnsutil --config-dir="$dir" create-zone example.org ns1.example.org > "$dir/pdnsutil.out" 2>&1 &&
		pdnsutil --config-dir="$dir" add-record example.org ns1 A 60 127.0.0.1 >> "$dir/pdnsutil.out" 2>&1 &&
		pdnsutil --config-dir="$dir" add-record example.org @ A 60 127.0.0.1 >> "$dir/pdnsutil.out" 2>&1 ||
		{ diag "pdnsutil failed:" "$(cat "$dir/pdnsutil.out")"; return 1; }
	pdns_server --config-dir="$dir" < /dev/null > "$dir/pdns.log" 2>&1 &
	_pdns_pid=$!
	for ((i = 0; i < 100; i++)); do
		if ! kill -0 "$_pdns_pid" 2> /dev/null; then
			diag "pdns_server exited:" "$(cat "$dir/pdns.log")"
			return 1
		fi
		dig +short +norec +time=1 +tries=1 @127.0.0.1 example.org SOA 2> /dev/null | grep -q ns1 &&
			curl -sf -H "X-API-Key: $(cat "$PDNS_KEY")" "$PDNS_URL/api/v1/servers/localhost" > /dev/null &&
			return 0
		sleep 0.1
	done
	diag "pdns_server did not answer within 10 s:" "$(cat "$dir/pdns.log")"
	return 1
}

pdns_stop() {
	[ -n "$_pdns_pid" ] || return 0
	kill -TERM "$_pdns_pid" 2> /dev/null
	wait "$_pdns_pid" 2> /dev/null
	_pdns_pid=
	return 0
}
