#!/usr/bin/env bash
# The TUI in German and French, driven in tmux: the screen tabs, the
# certificate list's headings, the F-key bar and the help screen come from
# po/de.po and po/fr.po, and umlauts and accents render as themselves.
# The locales are built privately (localedef into $T, found through
# LOCPATH; no root, nothing generated system-wide) and the catalogues are
# compiled from po/ (found through CERTDECK_LOCALEDIR). Without localedef,
# or the locale sources (Debian package 'locales'), this test fails and
# says why: it is part of the spec, so it does not skip.
. "$top_srcdir/tests/lib.sh"
if ! command -v tmux >/dev/null 2>&1; then
	echo "1..0 # SKIP tmux is not installed"
	exit 0
fi
. "$top_srcdir/tests/ui/tmux-lib.sh"

# Overridable to see the failure: LOCALEDEF=/nonexistent make check ...
LOCALEDEF=${LOCALEDEF:-localedef}
MSGFMT=${MSGFMT:-msgfmt}

# make_locale NAME: compiles locale NAME (de_DE) in UTF-8 under $T/locale.
make_locale() {
	if ! command -v "$LOCALEDEF" >/dev/null 2>&1; then
		diag "'$LOCALEDEF' is not available: it comes with libc-bin;" \
			"the locale sources with 'locales' (./quickstart deps)"
		return 1
	fi
	if [ ! -f "/usr/share/i18n/locales/$1" ]; then
		diag "no locale source /usr/share/i18n/locales/$1: install 'locales'"
		return 1
	fi
	mkdir -p "$T/locale"
	if ! "$LOCALEDEF" -i "$1" -f UTF-8 "$T/locale/$1.UTF-8" > "$T/localedef.log" 2>&1; then
		diag "$LOCALEDEF -i $1 -f UTF-8 failed:"
		sed 's/^/# | /' "$T/localedef.log"
		return 1
	fi
}
# make_catalogue LANG: po/LANG.po compiled to where gettext looks.
make_catalogue() {
	if ! command -v "$MSGFMT" >/dev/null 2>&1; then
		diag "'$MSGFMT' is not available: install 'gettext'"
		return 1
	fi
	mkdir -p "$T/share/locale/$1/LC_MESSAGES"
	"$MSGFMT" -o "$T/share/locale/$1/LC_MESSAGES/certdeck.mo" "$top_srcdir/po/$1.po"
}

check "localedef builds de_DE.UTF-8 privately" make_locale de_DE
check "localedef builds fr_FR.UTF-8 privately" make_locale fr_FR
check "the German catalogue compiles" make_catalogue de
check "the French catalogue compiles" make_catalogue fr
if [ ! -d "$T/locale/de_DE.UTF-8" ] || [ ! -d "$T/locale/fr_FR.UTF-8" ] ||
	[ ! -f "$T/share/locale/de/LC_MESSAGES/certdeck.mo" ]; then
	diag "without the locales and catalogues there is nothing to show"
	done_testing
	exit 1
fi

set -e
export CERTDECK_STORE="$T/store.db"
C=$T/certs
"$top_srcdir/tests/demo/make-demo-certs.sh" "$C" > /dev/null
"$CERTDECK" init > /dev/null
"$CERTDECK" import "$C/www.example.test.pem" "$C/old.example.test.pem" > /dev/null

# glibc's setlocale keeps the LOCPATH list it splits (argz) for good; a
# sanitizer build would call that a leak of ours.
printf 'leak:__argz_add_sep\nleak:__argz_create_sep\n' > "$T/lsan.supp"
# The harness sets LC_ALL and LANGUAGE; the pane starts from nothing.
tmux_start 100 30 "env -i PATH='$PATH' HOME='$T' HISTFILE= TERM=xterm-256color \
	LOCPATH='$T/locale' CERTDECK_LOCALEDIR='$T/share/locale' \
	LSAN_OPTIONS='suppressions=$T/lsan.supp' \
	CERTDECK_STORE='$CERTDECK_STORE' CERTDECK_UI_TRACE='$UI_TRACE' PS1='READY\$ ' bash --norc --noprofile"
wait_for 'READY\$'
run_ui() {	# LANG
	tmx send-keys -t t "clear; LANG=$1 '$CERTDECK'; echo exit=\$?" Enter
}
quit_ui() {
	tmx send-keys -t t q
	wait_for '^exit=0'
}
has() { screen | grep -Eq -- "$1"; }

# The control: the same catalogues, the C locale, English.
run_ui C.UTF-8
check "C.UTF-8: English" wait_for '^Name +Days.* Expires +Status'
quit_ui

run_ui de_DE.UTF-8
check "de_DE: the column headings are German" wait_for '^Name +Tage.* Ablauf +Status +Ausst\.'
check "de_DE: the screen tabs (with an umlaut: Aufträge)" \
	eval 'row 1 | grep -q "Zertifikate  Konten  Aufträge  Jobs  Ereignisse"'
check "de_DE: the umlaut is one character, not '?' or bytes" \
	eval '! row 1 | grep -Eq "Auftr(\?|__)ge" && [ "$(row 1 | grep -o "Auftr.ge")" = "Aufträge" ]'
check "de_DE: the F-key bar" eval 'row 30 | grep -q "F1 Hilfe ?  F2 Filter /  .*  F10 Ende"'
tmx send-keys -t t '?'
check "de_DE: the help screen (Überall)" wait_for '^ Überall'
check "de_DE: help lines" eval 'has "diese Hilfe" && has "nächste Zeile"'
check "de_DE: the title names the help" eval 'row 1 | grep -q "› Hilfe"'
tmx send-keys -t t q
wait_for 'Ablauf'
quit_ui

run_ui fr_FR.UTF-8
check "fr_FR: the column headings are French" wait_for '^Nom +Jrs.* Expire +Statut +AC +Clé'
check "fr_FR: the screen tabs (with accents)" \
	eval 'row 1 | grep -q "Certificats  Comptes  Commandes  Tâches  Événements"'
check "fr_FR: the F-key bar" eval 'row 30 | grep -q "F1 Aide ?  F2 Filtre /  .*  F10 Fin"'
tmx send-keys -t t '?'
check "fr_FR: the help screen" wait_for '^ Partout'
check "fr_FR: help lines" eval 'has "cette aide" && has "ligne précédente"'
tmx send-keys -t t q
wait_for 'Expire'
quit_ui

done_testing
