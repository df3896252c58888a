# A private Knot DNS for the dns-01 tests: its own config, zone, key and
# database under $1, authoritative for example.org on 127.0.0.1 port 53
# (in a network namespace: dns_netns in tests/dns/netns.sh). Source it after
# tests/lib.sh and netns.sh.
#
# knot_start DIR: makes the TSIG key with keymgr (Knot's own format; the
#   key "certdeck-knot" may update TXT records of example.org) and starts
#   knotd. Sets KNOT_DIR, KNOT_KEY (key file, 0600) and KNOT_WRONG_KEY (same
#   name, another secret). Stopped by the caller's trap (at_exit knot_stop).

_knot_pid=

knot_start() {
	local dir=$1 i
	KNOT_DIR=$dir
	mkdir -p -m 0700 "$dir" "$dir/db"
	keymgr -t certdeck-knot hmac-sha256 > "$dir/key.conf"
	keymgr -t certdeck-knot hmac-sha256 > "$dir/wrong.conf"
	chmod 0600 "$dir"/*.conf
	KNOT_KEY=$dir/key.conf
	KNOT_WRONG_KEY=$dir/wrong.conf
	cat > "$dir/knot.conf" <<CF
server:
    rundir: "$dir"
    listen: 127.0.0.1@53
log:
  - target: "$dir/knot.log"
    any: info
database:
    storage: "$dir/db"
include: "$dir/key.conf"
acl:
  - id: acme
    key: certdeck-knot
    action: update
    update-type: [TXT]
zone:
  - domain: example.org
    storage: "$dir"
    file: "example.org.zone"
    acl: acme
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: changes
CF
	cat > "$dir/example.org.zone" <<ZF
\$TTL 60
@	IN SOA ns1.example.org. hostmaster.example.org. 1 60 60 600 60
@	IN NS ns1.example.org.
@	IN A 127.0.0.1
ns1	IN A 127.0.0.1
ZF
	knotd -c "$dir/knot.conf" < /dev/null > "$dir/knotd.out" 2>&1 &
	_knot_pid=$!
	for ((i = 0; i < 100; i++)); do
		if ! kill -0 "$_knot_pid" 2> /dev/null; then
			diag "knotd exited:" "$(cat "$dir/knotd.out" "$dir/knot.log" 2> /dev/null)"
			return 1
		fi
		dig +short +norec +time=1 +tries=1 @127.0.0.1 example.org SOA 2> /dev/null |
			grep -q ns1 && return 0
		sleep 0.1
	done
	diag "knotd did not answer within 10 s:" "$(cat "$dir/knot.log" 2> /dev/null)"
	return 1
}

knot_stop() {
	[ -n "$_knot_pid" ] || return 0
	kill -TERM "$_knot_pid" 2> /dev/null
	wait "$_knot_pid" 2> /dev/null
	_knot_pid=
	return 0
}
