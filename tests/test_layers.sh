#!/usr/bin/env bash
# The layers of HACKING.md, checked on the source: which folder's files may
# include which headers, SQL only in store/, the connection private to
# store/, and the build refusing a library file that reaches up.
. "$top_srcdir/tests/lib.sh"
cd "$top_srcdir" || exit 1

# includes FILE: the quoted headers FILE includes, one per line.
includes() { sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$1"; }

# reaches FILE DIR...: prints each header FILE includes that is in none of DIRs
# (nor beside FILE, nor config.h).
reaches() {
	local f=$1 h d found
	shift
	for h in $(includes "$f"); do
		[ "$h" = config.h ] && continue
		found=
		for d in "$(dirname "$f")" "$@"; do
			[ -f "$d/$h" ] && { found=1; break; }
		done
		[ -n "$found" ] || echo "$f: $h"
	done
}

engine_files=$(ls src/*.[ch] src/acme/*.[ch] src/solver/*.[ch])
store_files=$(ls store/*.[ch])
ui_files=$(ls ui/*.[ch])

out=$(for f in $store_files; do
	for h in $(includes "$f"); do
		case $h in config.h|err.h|i18n.h) ;; *) [ -f "store/$h" ] || echo "$f: $h" ;; esac
	done
done)
check "store/ includes only its own headers, err.h and i18n.h" [ -z "$out" ]
[ -z "$out" ] || diag "$out"

out=$(for f in $engine_files; do reaches "$f" src src/acme src/solver store; done)
check "the engine includes nothing from ui/ or src/cli/" [ -z "$out" ]
[ -z "$out" ] || diag "$out"

out=$(for f in $ui_files; do reaches "$f" src src/acme src/solver store ui; done)
check "ui/ includes nothing from src/cli/" [ -z "$out" ]
[ -z "$out" ] || diag "$out"

out=$(grep -ln 'sqlite3' $engine_files $ui_files src/cli/*.[ch])
check "no sqlite3 outside store/" [ -z "$out" ]
[ -z "$out" ] || diag "$out"

out=$(grep -ln '"store_sql.h"\|"store_cert_priv.h"\|"schema.h"' $engine_files $ui_files src/cli/*.[ch])
check "the connection and the schema are private to store/" [ -z "$out" ]
[ -z "$out" ] || diag "$out"

out=$(grep -l 'sqlite3\.h' store/*.h | grep -v 'store/store_sql.h\|store/schema.h\|store/store_cert_priv.h')
check "no public store header includes sqlite3.h" [ -z "$out" ]
[ -z "$out" ] || diag "$out"

# The build holds the edges too: a file that includes ui.h or cli.h,
# compiled with the very flags make gives the library's files (and the
# UI's), read from the generated Makefile.
flags() {	# VARIABLE: its value in the build tree's Makefile
	printf 'print-%%: ; @echo $($*)\n' |
		make -s --no-print-directory -C "$top_builddir" -f Makefile -f - "print-$1" 2> /dev/null
}
lib_flags=$(flags libcertdeck_a_CPPFLAGS)
ui_flags=$(flags libcertdeck_ui_a_CPPFLAGS)
cc=$(flags CC)
check "the library's include flags are known" [ -n "$lib_flags" ]
check "the UI's include flags are known" [ -n "$ui_flags" ]
try() {	# HEADER FLAGS: 0 when a file including HEADER compiles with FLAGS
	printf '#include "%s"\n' "$1" > "$T/probe.c"
	# shellcheck disable=SC2086 # the flags are words
	(cd "$top_builddir" && ${cc:-cc} -fsyntax-only -I. $2 \
		$(pkg-config --cflags libcjson ncursesw 2> /dev/null) "$T/probe.c") 2> "$T/probe.err"
}
check "a library file may include store.h (the probe works)" try store.h "$lib_flags"
check "a library file that includes ui.h does not build" eval '! try ui.h "$lib_flags"'
check "... nor one that includes cli.h" eval '! try cli.h "$lib_flags"'
check "a UI file may include ui.h" try ui.h "$ui_flags"
check "a UI file that includes cli.h does not build" eval '! try cli.h "$ui_flags"'
done_testing
