# Shared setup for ACME tests against a private Pebble: source after lib.sh.
#   acme_setup [PEBBLE_VAR=VALUE ...]   starts Pebble, makes a store, sets $S
#   acme_account                        registers an account, sets $ACCOUNT
#   pebble_root FILE                    writes Pebble's current root to FILE
#   verify_cert ID                      openssl-verifies certificate ID's chain
. "$top_srcdir/tests/pebble/pebble.sh"

acme_setup() {
	at_exit pebble_stop
	if ! pebble_start "$@"; then
		echo "Bail out! pebble did not start"
		exit 1
	fi
	export CERTDECK_STORE="$T/store.db"
	"$CERTDECK" init > /dev/null
}

acme_account() {
	cd_run account new --server "$PEBBLE_URL" --ca-bundle "$PEBBLE_CA" \
		--email admin@example.test --agree-tos "$@"
	ACCOUNT=$out
	[ "$rc" -eq 0 ] || diag "account new failed: $errout"
	return "$rc"
}

pebble_root() {
	curl -sf --noproxy '*' --cacert "$PEBBLE_CA" "$PEBBLE_MGMT/roots/0" > "$1"
}

# verify_cert ID [NAME]: the stored chain verifies against Pebble's root (and NAME).
verify_cert() {
	local pem=$T/verify-$1.pem root=$T/root.pem
	"$CERTDECK" show "$1" --pem > "$pem" || return 1
	[ -s "$root" ] || pebble_root "$root" || return 1
	openssl verify -CAfile "$root" -untrusted "$pem" ${2:+-verify_hostname "$2"} "$pem" \
		> "$T/verify.out" 2>&1 || { diag "$(cat "$T/verify.out")"; return 1; }
}

# pebble_cert_status ID: Pebble's view ("Valid" or "Revoked") of certificate ID.
pebble_cert_status() {
	local serial
	serial=$("$CERTDECK" show "$1" --json | jq -r .serial)
	curl -sf --noproxy '*' --cacert "$PEBBLE_CA" \
		"$PEBBLE_MGMT/cert-status-by-serial/$serial" | jq -r .Status
}

# lease_wait: waits (20 s at most) until no job is running on a lease that
# has not run out, so that the next worker may take over what a killed one
# held. Tests that kill workers export CERTDECK_TEST_LEASE_SECONDS=1.
lease_wait() {
	local i
	for ((i = 0; i < 200; i++)); do
		[ "$(sqlite3 "$CERTDECK_STORE" "SELECT count(*) FROM jobs WHERE state = 'running'
			AND coalesce(lease_until, 0) >= CAST(strftime('%s', 'now') AS INTEGER)")" = 0 ] && return 0
		sleep 0.1
	done
	return 1
}
