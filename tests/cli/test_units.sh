#!/usr/bin/env bash
# The shipped systemd units: systemd-analyze verify finds nothing to say about
# them (with the deploy-paths drop-in), and they keep the whole system
# read-only except the store and the directories a drop-in names.
. "$top_srcdir/tests/lib.sh"
set -e
U=$top_srcdir/contrib
if ! command -v systemd-analyze > /dev/null 2>&1; then
	echo "1..0 # SKIP systemd-analyze not found (Debian package systemd)"
	exit 0
fi
# The units name the installed program; verify checks it exists, so the
# copies run the one just built.
mkdir -p "$T/units/certdeck-renew.service.d" "$T/units/certdeck-worker.service.d"
for f in certdeck-renew.service certdeck-renew.timer certdeck-worker.service; do
	sed "s|^ExecStart=/usr/local/bin/certdeck |ExecStart=$CERTDECK |" "$U/$f" > "$T/units/$f"
done
cp "$U/certdeck-deploy-paths.conf" "$T/units/certdeck-renew.service.d/"
cp "$U/certdeck-deploy-paths.conf" "$T/units/certdeck-worker.service.d/"
check "the copies run the built program" \
	[ "$(grep -c "^ExecStart=$CERTDECK " "$T/units/certdeck-renew.service" "$T/units/certdeck-worker.service" | grep -c ':1$')" -eq 2 ]

cd "$T/units"
set +e
SYSTEMD_UNIT_PATH="$T/units:" systemd-analyze verify --man=no \
	./certdeck-renew.service ./certdeck-renew.timer ./certdeck-worker.service \
	> "$T/verify.out" 2>&1
vrc=$?
set -e
check "systemd-analyze verify exits 0" [ "$vrc" -eq 0 ]
check "... with nothing to say (no unknown key, no bad value)" [ ! -s "$T/verify.out" ]
[ -s "$T/verify.out" ] && diag "$(cat "$T/verify.out")"
cd - > /dev/null

for f in certdeck-renew.service certdeck-worker.service; do
	check "$f: ProtectSystem=strict" grep -qx 'ProtectSystem=strict' "$U/$f"
	check "$f: no ProtectSystem=full" sh -c "! grep -q '^ProtectSystem=full' '$U/$f'"
	check "$f: the store is writable" grep -qx 'ReadWritePaths=/var/lib/certdeck' "$U/$f"
	check "$f: the store directory is made 0700" grep -qx 'StateDirectoryMode=0700' "$U/$f"
	check "$f: points at the deploy-paths drop-in" grep -q 'certdeck-deploy-paths.conf' "$U/$f"
	cmd=$(sed -n 's|^ExecStart=/usr/local/bin/certdeck \([a-z]*\).*|\1|p' "$U/$f")
	check "$f: runs a certdeck command that exists ($cmd)" \
		sh -c "'$CERTDECK' '$cmd' --help > /dev/null"
done
check "the drop-in makes the README's deploy directory writable" \
	grep -qx 'ReadWritePaths=-/etc/nginx/tls' "$U/certdeck-deploy-paths.conf"

done_testing
