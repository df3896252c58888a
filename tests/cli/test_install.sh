#!/usr/bin/env bash
# make install DESTDIR=...: the binary, man pages, completions, locale files,
# systemd units and example hooks land under DESTDIR (with the rest of the
# system read-only), the units run the installed binary, and make uninstall
# removes every file again.
. "$top_srcdir/tests/lib.sh"
set -e
d=$T/root
abs_build=$(cd "$top_builddir" && pwd -P)
mkdir -p "$d"
# The install runs in a mount namespace where the system's directories are
# read-only: a write outside DESTDIR (and the build tree) fails it.
if [ "$(id -u)" -eq 0 ] && unshare -m --propagation private true 2> /dev/null; then
	unshare -m --propagation private sh -ec '
		build=$1 dest=$2 tmp=$3
		for dir in /usr /etc /var /opt /root /home /srv /boot /bin /sbin /lib /lib64 /work; do
			[ -d "$dir" ] && [ ! -L "$dir" ] || continue
			mount --bind "$dir" "$dir"
			mount -o remount,bind,ro "$dir"
		done
		# Writable again: the build tree and the test directory.
		mount --bind "$build" "$build"
		mount --bind "$tmp" "$tmp"
		exec make -s -C "$build" install DESTDIR="$dest"' sh "$abs_build" "$d" "$T" \
		> "$T/install.log" 2>&1 && rc=0 || rc=$?
	check "make install DESTDIR=... writes nothing outside DESTDIR (the rest read-only)" [ "$rc" -eq 0 ]
else
	diag "not root or no mount namespaces: the install is not fenced in"
	make -s -C "$top_builddir" install DESTDIR="$d" > "$T/install.log" 2>&1 && rc=0 || rc=$?
	check "make install DESTDIR=... succeeds" [ "$rc" -eq 0 ]
fi
[ "$rc" -eq 0 ] || diag "$(tail -20 "$T/install.log")"

prefix=$(sed -n 's/^prefix = //p' "$top_builddir/Makefile")
p=$d$prefix
check "the binary" [ -x "$p/bin/certdeck" ]
check "certdeck(1)" [ -f "$p/share/man/man1/certdeck.1" ]
check "certdeck.conf(5)" [ -f "$p/share/man/man5/certdeck.conf.5" ]
check "the bash completion, named after the command" [ -f "$p/share/bash-completion/completions/certdeck" ]
check "the zsh completion" [ -f "$p/share/zsh/site-functions/_certdeck" ]
check "the German messages" [ -f "$p/share/locale/de/LC_MESSAGES/certdeck.mo" ]
check "the French messages" [ -f "$p/share/locale/fr/LC_MESSAGES/certdeck.mo" ]
for u in certdeck-renew.service certdeck-renew.timer certdeck-worker.service; do
	check "the unit $u" [ -f "$p/lib/systemd/system/$u" ]
done
check "the units run the installed binary" grep -q "^ExecStart=$prefix/bin/certdeck renew\$" "$p/lib/systemd/system/certdeck-renew.service"
check "... not /usr/local/bin unless that is where it went" \
	bash -c "[ '$prefix' = /usr/local ] || ! grep -q /usr/local/bin '$p/lib/systemd/system/'*.service"
check "the example hooks, executable" [ -x "$p/share/doc/certdeck/examples/hooks/dns-01-nsupdate" ]
check "the installed binary runs" "$p/bin/certdeck" --version
check "man finds the installed page" bash -c "MANWIDTH=80 man -l '$p/share/man/man1/certdeck.1' | grep -q 'certificate manager'"

make -s -C "$top_builddir" uninstall DESTDIR="$d" > "$T/uninstall.log" 2>&1
check "make uninstall succeeds" [ $? -eq 0 ]
left=$(find "$d" -type f -o -type l)
check "make uninstall removes every file" [ -z "$left" ]
[ -z "$left" ] || diag "left: $left"
done_testing
