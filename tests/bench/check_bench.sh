#!/usr/bin/env bash
# Endpoint check benchmark (not a pass/fail test): N endpoints (default
# 200) served by one private nginx on 127.0.0.1 (one port, a server name
# each, one wildcard certificate from a throwaway CA), then in the same run
#   - `certdeck check` of all of them (concurrent probes), best of 3,
#   - the loop a sysadmin would write, one `openssl s_client` after another
#     (connect, the name, the chain verified against the CA), once,
# and the ratio (issue 12's target: at least 20 times faster).
#
#   tests/bench/check_bench.sh [-n N] [-b BUILDDIR]
set -euo pipefail

n=200
build=${top_builddir:-}
while getopts "n:b:" opt; do
	case $opt in
	n) n=$OPTARG ;;
	b) build=$OPTARG ;;
	*) echo "usage: $0 [-n N] [-b BUILDDIR]" >&2; exit 2 ;;
	esac
done
here=$(cd "$(dirname "$0")/../.." && pwd)
[ -n "$build" ] || build=$here/_build
certdeck=$build/certdeck
[ -x "$certdeck" ] || { echo "no $certdeck: build first" >&2; exit 1; }
command -v nginx > /dev/null || { echo "nginx is not installed" >&2; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/certdeck-checkbench.XXXXXX")
cleanup_hooks=()
at_exit() { cleanup_hooks+=("$1"); }
cleanup() {
	local h
	for h in "${cleanup_hooks[@]}"; do eval "$h"; done
	rm -rf "$T"
}
trap cleanup EXIT
top_builddir=$build
. "$here/tests/endpoints/nginx.sh"
export CERTDECK_STORE=$T/store.db

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/ca.key" \
	-out "$T/ca.crt" -days 2 -subj "/CN=bench CA" -addext "basicConstraints=critical,CA:TRUE" 2> /dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/w.key" -out "$T/w.csr" \
	-subj "/CN=*.bench.test" 2> /dev/null
openssl x509 -req -in "$T/w.csr" -CA "$T/ca.crt" -CAkey "$T/ca.key" -CAcreateserial -days 30 \
	-out "$T/w.crt" -extfile <(printf 'subjectAltName=DNS:*.bench.test\n') 2> /dev/null
cat "$T/w.crt" "$T/ca.crt" > "$T/w.chain"
cat "$T/w.crt" "$T/ca.crt" "$T/w.key" > "$T/w.pem"
port=$("$build/tests/pebble/freeport" 1)
nginx_start "$T/nginx" "$(printf '\tserver {\n\t\tlisten 127.0.0.1:%s ssl;\n\t\tserver_name *.bench.test;\n\t\tssl_certificate %s;\n\t\tssl_certificate_key %s;\n\t}\n' "$port" "$T/w.chain" "$T/w.key")"
"$certdeck" init > /dev/null
"$certdeck" import "$T/w.pem" > /dev/null 2>&1
id=$("$certdeck" list --json | jq -r '.[0].id')
for i in $(seq "$n"); do
	"$certdeck" endpoint add "$id" "127.0.0.1:$port" --sni "h$i.bench.test" > /dev/null 2>&1
done

ms() { date +%s%N | cut -c1-13; }
best=
for _ in 1 2 3; do
	t0=$(ms)
	${CHECK_WRAP:-} "$certdeck" check --ca-bundle "$T/ca.crt" > "$T/check.out" || { tail -3 "$T/check.out"; exit 1; }
	t=$(( $(ms) - t0 ))
	[ -z "$best" ] || [ "$t" -lt "$best" ] && best=$t
done
t0=$(ms)
for i in $(seq "$n"); do
	openssl s_client -connect "127.0.0.1:$port" -servername "h$i.bench.test" \
		-verify_hostname "h$i.bench.test" -CAfile "$T/ca.crt" -verify_return_error \
		< /dev/null > /dev/null 2>&1 || { echo "s_client failed for h$i" >&2; exit 1; }
done
loop=$(( $(ms) - t0 ))
echo "endpoints:                   $n (one nginx worker, $(nproc) CPUs)"
echo "certdeck check (best of 3):  $best ms  ($(tail -n 1 "$T/check.out"))"
echo "openssl s_client loop:       $loop ms"
awk -v a="$loop" -v b="$best" 'BEGIN { printf "ratio:                       %.1fx (target: 20x)\n", a / (b > 0 ? b : 1) }'
