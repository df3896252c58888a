#!/usr/bin/env bash
# dns-01 benchmark (issue 14), not part of `make check`: one 50-name order
# (wildcard and apex of 25 names) through --dns rfc2136 against a private
# BIND 9 on 127.0.0.1:53 in a network namespace, then the same order through
# a --dns-hook that calls nsupdate once per record, measured in the same run
# against the same BIND and Pebble. rfc2136 sends one UPDATE per zone and
# checks propagation at the zone's nameservers; the hook runs 50 nsupdate
# adds and 50 deletes and polls --dns-resolver after each add.
#
#   tests/bench/dns_50.sh [-n NAMES] [-b BUILDDIR]    (NAMES even, default 50)
# Prints TAP lines (both orders issued, nothing left in the zone) and the
# wall time of each. Needs root (a network namespace), bind9,
# bind9-dnsutils (nsupdate), pebble.
set -uo pipefail
n_names=50
build=
while getopts n:b: o; do
	case $o in
	n) n_names=$OPTARG ;;
	b) build=$OPTARG ;;
	*) echo "usage: $0 [-n NAMES] [-b BUILDDIR]" >&2; exit 2 ;;
	esac
done
here=$(cd "$(dirname "$0")/../.." && pwd)
[ -n "$build" ] || build=$here/_build
export top_srcdir=$here
export top_builddir=$(cd "$build" && pwd)
export CERTDECK=${CERTDECK:-$top_builddir/certdeck}
[ -x "$CERTDECK" ] || { echo "build first: $CERTDECK missing" >&2; exit 2; }
make -s -C "$top_builddir" tests/pebble/freeport > /dev/null || exit 2
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/dns/netns.sh"
. "$top_srcdir/tests/dns/bind.sh"
DNS_NEEDS=(named tsig-keygen nsupdate)
dns_netns -n "$n_names" -b "$build"
. "$top_srcdir/tests/acme/acme-lib.sh"
at_exit bind_stop
bind_start "$T/bind" || { echo "Bail out! named did not start"; exit 1; }
export PEBBLE_FIXTURE_DNS=127.0.0.1:53
acme_setup
acme_account > /dev/null || { echo "Bail out! no account"; exit 1; }

names() {	# names PREFIX: -d arguments for n_names names (wildcard + apex pairs)
	local i
	for ((i = 1; i <= n_names / 2; i++)); do
		printf -- '-d\n%s\n-d\n*.%s\n' "$1$i.example.org" "$1$i.example.org"
	done
}
mapfile -t a < <(names r)
mapfile -t b < <(names h)

cat > "$T/nsupdate-hook" <<SH
#!/bin/sh
# PROG add|del RECORD VALUE: one nsupdate per record.
case \$1 in add) op="update add \$2 60 TXT \$3" ;; del) op="update delete \$2 TXT \$3" ;; *) exit 2 ;; esac
printf 'server 127.0.0.1\nzone example.org\n%s\nsend\n' "\$op" | nsupdate -k '$BIND_KEY'
SH
chmod 0700 "$T/nsupdate-hook"

t0=$(date +%s.%N)
cd_run issue "${a[@]}" --challenge dns-01 --dns rfc2136 --dns-server 127.0.0.1 \
	--tsig-key-file "$BIND_KEY" --dns-resolver 127.0.0.1:53
t1=$(date +%s.%N)
check "rfc2136: the $n_names-name order is issued" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
sans() { "$CERTDECK" show "$1" --pem | openssl x509 -noout -ext subjectAltName | grep -o 'DNS:' | wc -l; }
check "rfc2136: its certificate names all $n_names" [ "$(sans "$out")" -eq "$n_names" ]
t2=$(date +%s.%N)
cd_run issue "${b[@]}" --challenge dns-01 --dns-hook "$T/nsupdate-hook" \
	--dns-resolver 127.0.0.1:53
t3=$(date +%s.%N)
check "hook: the $n_names-name order is issued" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || diag "$errout"
check "hook: its certificate names all $n_names" [ "$(sans "$out")" -eq "$n_names" ]
dig +norec @127.0.0.1 example.org AXFR > "$T/axfr" 2> /dev/null || true
check "the zone transfers (to look at all of it)" grep -q 'IN	SOA' "$T/axfr"
check "no TXT record is left in example.org" [ "$(grep -c 'IN	TXT' "$T/axfr")" -eq 0 ]
check "rfc2136 sent one UPDATE to add all records" [ "$(grep "adding an RR" "$BIND_DIR/named.log" |
	grep "_acme-challenge.r" | grep -o '#[0-9]*' | sort -u | wc -l)" -eq 1 ]
printf '# %d names through rfc2136 (one UPDATE per zone): %.2f s\n' "$n_names" "$(echo "$t1 - $t0" | bc)"
printf '# %d names through a hook running nsupdate per record: %.2f s\n' "$n_names" "$(echo "$t3 - $t2" | bc)"
done_testing
