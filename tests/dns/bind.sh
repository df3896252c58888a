# A private BIND 9 for the dns-01 tests: its own config, zones, keys and pid
# under $1, authoritative (no recursion) on 127.0.0.1 port 53. Port 53 is
# where authoritative servers listen, so the test runs in a private network
# namespace (dns_netns in tests/dns/netns.sh). Source it after tests/lib.sh
# and netns.sh.
#
# bind_start DIR: makes the TSIG keys (tsig-keygen) and the zones:
#   example.org   NS ns1.example.org (127.0.0.1); the key "certdeck-test" may
#                 add and delete TXT records anywhere in the zone
#   locked.test   the same server, but no key may update it
#   delegated.test  its own key "delegated-key" (BIND_DELEGATED_KEY) may
#                 update TXT records; example.org points into it:
#                 _acme-challenge.cname CNAME cname.delegated.test.,
#                 _acme-challenge.alias CNAME _acme-challenge.delegated.test.,
#                 and _acme-challenge.loop / loop2 are CNAMEs of each other
#   two-ns.test   updatable like example.org, but its second nameserver
#                 (ns2.two-ns.test, 127.0.0.2) never answers
#   Sets BIND_DIR, BIND_KEY (key file, 0600), BIND_WRONG_KEY (same name,
#   another secret), BIND_UNKNOWN_KEY (a name the server does not know).
#   Stopped by the caller's trap (at_exit bind_stop).

_bind_pid=

bind_start() {
	local dir=$1 i
	BIND_DIR=$dir
	mkdir -p -m 0700 "$dir"
	tsig-keygen -a hmac-sha256 certdeck-test > "$dir/key.conf"
	tsig-keygen -a hmac-sha256 certdeck-test > "$dir/wrong.conf"
	tsig-keygen -a hmac-sha512 nobody-knows-me > "$dir/unknown.conf"
	tsig-keygen -a hmac-sha512 delegated-key > "$dir/delegated.conf"
	chmod 0600 "$dir"/*.conf
	BIND_KEY=$dir/key.conf
	BIND_WRONG_KEY=$dir/wrong.conf
	BIND_UNKNOWN_KEY=$dir/unknown.conf
	BIND_DELEGATED_KEY=$dir/delegated.conf
	cat > "$dir/named.conf" <<CF
include "$dir/key.conf";
include "$dir/delegated.conf";
options {
	directory "$dir";
	pid-file "$dir/named.pid";
	session-keyfile "$dir/session.key";
	listen-on port 53 { 127.0.0.1; };
	listen-on-v6 { none; };
	// Recursion only to follow a CNAME into another zone served here, for
	// Pebble (as a recursive resolver would); certdeck's propagation check
	// asks without RD and gets the authoritative answer. Nothing beyond
	// loopback is reachable in the namespace: other names fail at once.
	recursion yes;
	allow-recursion { 127.0.0.1; };
	dnssec-validation no;
	notify no;
};
controls { };
logging {
	channel log { file "$dir/named.log"; severity info; print-time yes; };
	category default { log; };
	category update { log; };
	category security { log; };
};
zone "example.org" {
	type primary;
	file "$dir/example.org.zone";
	update-policy { grant certdeck-test. zonesub TXT; };
};
zone "delegated.test" {
	type primary;
	file "$dir/delegated.test.zone";
	update-policy { grant delegated-key. zonesub TXT; };
};
zone "two-ns.test" {
	type primary;
	file "$dir/two-ns.test.zone";
	update-policy { grant certdeck-test. zonesub TXT; };
};
zone "locked.test" {
	type primary;
	file "$dir/locked.test.zone";
	allow-update { none; };
};
CF
	for z in example.org locked.test two-ns.test delegated.test; do
		cat > "$dir/$z.zone" <<ZF
\$TTL 60
@	IN SOA ns1.example.org. hostmaster.example.org. 1 60 60 600 60
@	IN NS ns1.example.org.
@	IN A 127.0.0.1
ZF
	done
	cat >> "$dir/example.org.zone" <<ZF
ns1	IN A 127.0.0.1
_acme-challenge.cname	IN CNAME cname.delegated.test.
_acme-challenge.alias	IN CNAME _acme-challenge.delegated.test.
_acme-challenge.loop	IN CNAME loop2.example.org.
loop2	IN CNAME _acme-challenge.loop.example.org.
ZF
	printf '@\tIN NS ns2.two-ns.test.\nns2\tIN A 127.0.0.2\n' >> "$dir/two-ns.test.zone"
	named -f -n 1 -c "$dir/named.conf" < /dev/null > "$dir/named.out" 2>&1 &
	_bind_pid=$!
	for ((i = 0; i < 100; i++)); do
		if ! kill -0 "$_bind_pid" 2> /dev/null; then
			diag "named exited:" "$(cat "$dir/named.out" "$dir/named.log" 2> /dev/null)"
			return 1
		fi
		dig +short +norec +time=1 +tries=1 @127.0.0.1 example.org SOA 2> /dev/null | grep -q ns1 &&
			dig +short +norec +time=1 +tries=1 @127.0.0.1 locked.test SOA 2> /dev/null | grep -q ns1 &&
			return 0
		sleep 0.1
	done
	diag "named did not answer within 10 s:" "$(cat "$dir/named.log" 2> /dev/null)"
	return 1
}

bind_stop() {
	[ -n "$_bind_pid" ] || return 0
	kill -TERM "$_bind_pid" 2> /dev/null
	wait "$_bind_pid" 2> /dev/null
	_bind_pid=
	return 0
}
