#!/bin/sh
# http.c against a live Pebble on loopback: TLS with a per-CA bundle,
# directory, nonces, connection reuse, and the TLS/transport errors.
. "$top_srcdir/tests/pebble/pebble.sh"
trap pebble_stop EXIT
trap 'exit 1' HUP INT TERM

pebble_start || { echo "Bail out! pebble did not start"; exit 1; }
"$top_builddir/tests/acme/fetch_directory"
