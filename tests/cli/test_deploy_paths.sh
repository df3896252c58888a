#!/usr/bin/env bash
# Where root's deploy writes: a path walked without following links, where
# no other user can write; a target's files change together or not at all;
# a store another user owns or may write is refused; the process makes no
# core file and creates nothing others may read.
. "$top_srcdir/tests/lib.sh"
set -e
export CERTDECK_STORE="$T/store.db"
db="$CERTDECK_STORE"

skip() {	# skip N REASON
	local i
	for i in $(seq "$1"); do
		tap_n=$((tap_n + 1))
		echo "ok $tap_n # SKIP $2"
	done
}
q() { sqlite3 "$db" "$1"; }
id_of() { "$CERTDECK" list --json | jq -r --arg n "$1" '.[] | select(.name == $n) | .id'; }
# as_nobody CMD...: runs CMD as the unprivileged user nobody.
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }

"$top_srcdir/tests/demo/make-demo-certs.sh" "$T/certs" > /dev/null
C=$T/certs
cd_run init
cd_run import "$C/www.example.test.pem"
www=$(id_of www.example.test)

can_nobody=0
if [ "$(id -u)" -eq 0 ] && id nobody > /dev/null 2>&1 && getent group nogroup > /dev/null &&
    command -v setpriv > /dev/null; then
	can_nobody=1
fi

# ---- a symbolic link planted by another user ------------------------------
if [ "$can_nobody" -eq 1 ]; then
	# A tree other users can reach (the test's $T is root's alone).
	S=$(mktemp -d /tmp/certdeck-paths.XXXXXX)
	at_exit "rm -rf '$S'"
	chmod 0755 "$S"
	mkdir -p "$S/etc/tls" "$S/victim" "$S/shared"
	echo "precious" > "$S/victim/fullchain.pem"
	# nobody may write in shared/ (like a group-writable service directory).
	chown nobody:nogroup "$S/shared"
	cd_run deploy add "$www" --fullchain "$S/shared/site/fullchain.pem"
	t_link=$out
	as_nobody ln -s "$S/victim" "$S/shared/site"
	check "nobody planted a link to the victim directory" [ -L "$S/shared/site" ]
	cd_run deploy run "$www" --target "$t_link"
	check "deploy through a directory nobody owns exits 1" [ "$rc" -eq 1 ]
	check "... naming the directory" grep -q "$S/shared" "$T/.err"
	check "the file the link points at is untouched" \
		[ "$(cat "$S/victim/fullchain.pem")" = precious ]
	check "... and nothing was added beside it" [ "$(ls -A "$S/victim" | wc -l)" -eq 1 ]

	# The link alone, in a directory only root may write: refused as a link.
	ln -s "$S/victim" "$S/etc/site"
	cd_run deploy add "$www" --fullchain "$S/etc/site/fullchain.pem"
	t_link2=$out
	cd_run deploy run "$www" --target "$t_link2"
	check "deploy through a symbolic link exits 1" [ "$rc" -eq 1 ]
	check "... saying it is a symbolic link, naming it" \
		grep -q "$S/etc/site: it is a symbolic link" "$T/.err"
	check "... and the file behind it is untouched" \
		[ "$(cat "$S/victim/fullchain.pem")" = precious ]

	# A world-writable directory (not sticky) on the path.
	mkdir -p "$S/open/tls"
	chmod 0777 "$S/open"
	cd_run deploy add "$www" --fullchain "$S/open/tls/fullchain.pem"
	t_open=$out
	cd_run deploy run "$www" --target "$t_open"
	check "deploy under a world-writable directory exits 1" [ "$rc" -eq 1 ]
	check "... naming it as writable by others" grep -q "$S/open: it is writable by other users" "$T/.err"
	check "... writing nothing" [ ! -e "$S/open/tls/fullchain.pem" ]

	# The same directory given to the target's owner is fine.
	cd_run deploy add "$www" --fullchain "$S/shared/own/fullchain.pem" --owner nobody
	t_own=$out
	mkdir "$S/shared/own"
	chown nobody "$S/shared/own"
	cd_run deploy run "$www" --target "$t_own"
	check "directories owned by the target's owner are allowed" [ "$rc" -eq 0 ]
	check "... and the file is the owner's" [ "$(stat -c %U "$S/shared/own/fullchain.pem")" = nobody ]
	for t in "$t_link" "$t_link2" "$t_open" "$t_own"; do q "DELETE FROM deploy_targets WHERE id = $t"; done
else
	skip 14 "needs root, the nobody user and setpriv"
fi

# ---- a set of files changes together -------------------------------------
R=$T/set
mkdir -p "$R"
cd_run deploy add "$www" --cert "$R/cert.pem" --fullchain "$R/fullchain.pem" --key "$R/key.pem"
t_set=$out
for f in cert fullchain key; do echo "old $f" > "$R/$f.pem"; done
# The second rename of the set fails.
CERTDECK_TEST_FAIL_AT="rename:$R/fullchain.pem" cd_run deploy run "$www" --target "$t_set"
check "a rename failing mid-set exits 1" [ "$rc" -eq 1 ]
check "... naming the file" grep -q "cannot replace $R/fullchain.pem" "$T/.err"
check "the file renamed before it is the old one again" [ "$(cat "$R/cert.pem")" = "old cert" ]
check "... and so are the others" \
	[ "$(cat "$R/fullchain.pem" "$R/key.pem")" = "old fullchain
old key" ]
check "no temporary file is left" [ "$(ls -A "$R" | wc -l)" -eq 3 ]
# A set where the first files are new: they are removed again.
rm "$R/cert.pem"
CERTDECK_TEST_FAIL_AT="rename:$R/key.pem" cd_run deploy run "$www" --target "$t_set"
check "a failure after a new file was placed exits 1" [ "$rc" -eq 1 ]
check "... and the new file is gone again" [ ! -e "$R/cert.pem" ]
check "... the old ones stay" [ "$(cat "$R/fullchain.pem")" = "old fullchain" ]
cd_run deploy run "$www" --target "$t_set"
check "without the fault the set is written" [ "$rc" -eq 0 ]
check "... all new" sh -c "! grep -q '^old' '$R/cert.pem' '$R/fullchain.pem' '$R/key.pem'"
check "... and no temporary file is left" [ "$(ls -A "$R" | wc -l)" -eq 3 ]
q "DELETE FROM deploy_targets WHERE id = $t_set"
# A real failure, no hook: the fullchain's name is taken by a directory, so
# its rename fails after the certificate's was done.
R2=$T/set2
mkdir -p "$R2/fullchain.pem/busy"
echo "old cert" > "$R2/cert.pem"
cd_run deploy add "$www" --cert "$R2/cert.pem" --fullchain "$R2/fullchain.pem"
t_set2=$out
cd_run deploy run "$www" --target "$t_set2"
check "a rename over a directory fails the target" [ "$rc" -eq 1 ]
check "... and the certificate renamed before it is the old one again" \
	[ "$(cat "$R2/cert.pem")" = "old cert" ]
check "... with no temporary file left" [ "$(ls -A "$R2" | wc -l)" -eq 2 ]
q "DELETE FROM deploy_targets WHERE id = $t_set2"

# ---- the store's file and directory ----------------------------------------
chmod 0660 "$db"
cd_run list
check "a group-writable store is refused" [ "$rc" -eq 1 ]
check "... saying so and naming it" grep -q "store $db: it is writable by other users" "$T/.err"
chmod 0600 "$db"
chmod 0777 "$T"
cd_run list
check "a store in a world-writable directory is refused" [ "$rc" -eq 1 ]
check "... naming the directory" grep -q "directory $T is writable by other users" "$T/.err"
chmod 0700 "$T"
if [ "$can_nobody" -eq 1 ]; then
	chown nobody "$db"
	cd_run list
	check "a store owned by another user is refused" [ "$rc" -eq 1 ]
	check "... naming the owner" grep -q "owned by user $(id -u nobody)" "$T/.err"
	chown root "$db"
else
	skip 2 "needs root and the nobody user"
fi
cd_run list
check "back to 0600 and ours, the store opens" [ "$rc" -eq 0 ]

# ---- no core files, a strict umask ---------------------------------------
P=$T/proc
mkdir -p "$P"
probe="$T/probe.sh"
cat > "$probe" <<'PROBE'
#!/bin/sh
# Reload command: what the parent certdeck looks like.
{
	echo "umask=$(umask)"
	echo "core=$(ulimit -c)"
	echo "proc_owner=$(stat -c %u /proc/$PPID/environ)"
} > "$1"
PROBE
chmod 0755 "$probe"
umask 022
# A soft core limit above 0 where the hard limit allows it: certdeck lowers it.
ulimit -S -c "$(ulimit -H -c)" 2> /dev/null || true
cd_run deploy add "$www" --fullchain "$P/fullchain.pem" --reload-cmd "$probe" "$P/probe.out"
t_probe=$out
cd_run deploy run "$www" --target "$t_probe"
check "the probe ran" [ "$rc" -eq 0 ]
check "certdeck runs with umask 077 (its children inherit it)" grep -qx 'umask=0077' "$P/probe.out"
check "certdeck makes no core file (RLIMIT_CORE 0)" grep -qx 'core=0' "$P/probe.out"
q "DELETE FROM deploy_targets WHERE id = $t_probe"
if [ "$can_nobody" -eq 1 ]; then
	# As another user, /proc/PID of a non-dumpable process belongs to root.
	N=$(mktemp -d /tmp/certdeck-dump.XXXXXX)
	at_exit "rm -rf '$N'"
	cp "$probe" "$N/probe.sh"
	cp "$C/www.example.test.crt" "$N/www.crt"
	chown -R nobody:nogroup "$N"
	chmod 0711 "$N"
	as_nobody env CERTDECK_STORE="$N/store.db" "$CERTDECK" init > /dev/null
	as_nobody env CERTDECK_STORE="$N/store.db" "$CERTDECK" import "$N/www.crt" > /dev/null
	as_nobody env CERTDECK_STORE="$N/store.db" "$CERTDECK" deploy add 1 \
		--fullchain "$N/fullchain.pem" --reload-cmd "$N/probe.sh" "$N/probe.out" > /dev/null
	as_nobody env CERTDECK_STORE="$N/store.db" "$CERTDECK" deploy run 1 > /dev/null 2>&1 || true
	check "as nobody, the probe ran" [ -s "$N/probe.out" ]
	check "certdeck is not dumpable (its /proc files are root's)" grep -qx 'proc_owner=0' "$N/probe.out"
else
	skip 2 "needs root, the nobody user and setpriv"
fi

done_testing
