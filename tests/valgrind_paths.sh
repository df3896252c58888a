#!/usr/bin/env bash
# Runs certdeck's main paths (init, import, list, show, account, issue, renew,
# revoke, jobs, events) and a few unit tests under valgrind against a private
# Pebble; exits non-zero on any memory error or definite leak. Not part of
# `make check` (slow); run it from a built tree:  tests/valgrind_paths.sh
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
export top_srcdir=$here top_builddir=${top_builddir:-$here/_build}
C=$top_builddir/certdeck
. "$here/tests/pebble/pebble.sh"
W=$(mktemp -d)
trap 'pebble_stop; rm -rf "$W"' EXIT
pebble_start PEBBLE_WFE_NONCEREJECT=0 >/dev/null || exit 1
export CERTDECK_STORE=$W/s.db
VG=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite)
fail=0
run() { "${VG[@]}" "$@" >/dev/null 2>"$W/err" || { echo "FAIL: $*"; tail -n 30 "$W/err"; fail=1; }; }
run "$C" init
"$here/tests/demo/make-demo-certs.sh" "$W/certs" >/dev/null
run "$C" import "$W"/certs/*.pem
run "$C" list --json
run "$C" show 1 --json
run "$C" account new --server "$PEBBLE_URL" --ca-bundle "$PEBBLE_CA" --agree-tos
run "$C" issue -d vg.test -d www.vg.test --http-addr 127.0.0.1 --http-port "$PEBBLE_HTTP_PORT"
run "$C" renew --force 6
run "$C" revoke 7 --reason keyCompromise
run "$C" jobs --json
run "$C" events
for t in test_store test_base64url test_filter test_bands; do
	run "$top_builddir/tests/unit/$t"
done
[ "$fail" -eq 0 ] && echo "valgrind: clean"
exit "$fail"
