# DNS servers on 127.0.0.1 port 53, where authoritative servers listen, in a
# private network namespace so that no server of the machine is in the way.
# Source it after tests/lib.sh.
#
# DNS_NEEDS=(named ...) dns_netns "$@": re-executes the test inside
#   `unshare --net` (loopback up) unless it already runs there; prints a TAP
#   skip when a program in DNS_NEEDS (or dig, unshare, ip) is missing or no
#   namespace can be made (it needs root).
# dns_txt NAME: the TXT values 127.0.0.1 holds at NAME, one per line.
# dns_no_txt NAME: true when it answers and holds none there.

dns_netns() {
	if [ -n "${CERTDECK_TEST_NETNS:-}" ]; then
		ip link set lo up || { echo "Bail out! cannot bring up lo"; exit 1; }
		return 0
	fi
	for c in dig unshare ip "${DNS_NEEDS[@]}"; do
		if ! command -v "$c" > /dev/null 2>&1; then
			echo "1..0 # SKIP $c not found (see DEPS in ./quickstart)"
			exit 0
		fi
	done
	if ! unshare --net true 2> /dev/null; then
		echo "1..0 # SKIP cannot make a network namespace (needs root)"
		exit 0
	fi
	rm -rf "$T"
	trap - EXIT
	CERTDECK_TEST_NETNS=1 exec unshare --net "$BASH" "$0" "$@"
}

dns_txt() {
	local a
	a=$(dig +short +norec +time=2 +tries=2 @127.0.0.1 "$1" TXT) || return 1
	printf '%s\n' "$a" | tr -d '"' | sed '/^$/d' | sort
}

# dns_no_txt NAME: the server answers and holds no TXT record at NAME.
dns_no_txt() {
	local a
	a=$(dig +norec +time=2 +tries=2 @127.0.0.1 "$1" TXT) || return 1
	grep -Eq 'status: (NOERROR|NXDOMAIN)' <<< "$a" && grep -q 'ANSWER: 0,' <<< "$a"
}
