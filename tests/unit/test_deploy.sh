#!/bin/sh
# Makes the demo certificates and runs the deploy unit test against them.
set -u

builddir=${top_builddir:-.}
srcdir=${top_srcdir:-.}
bin=$(cd "$builddir" && pwd)/tests/unit/test_deploy

if ! command -v openssl >/dev/null 2>&1; then
	echo "1..0 # SKIP openssl command not found"
	exit 0
fi
if [ ! -x "$bin" ]; then
	echo "Bail out! $bin not built"
	exit 1
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP
if ! "$srcdir/tests/demo/make-demo-certs.sh" "$tmp/certs" >"$tmp/make.log" 2>&1; then
	echo "Bail out! cannot make the demo certificates"
	sed 's/^/# /' "$tmp/make.log"
	exit 1
fi
"$bin" "$tmp"
