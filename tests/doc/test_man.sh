#!/usr/bin/env bash
# The manual: every command, verb and option that --help lists is in
# certdeck(1), the config keys src/conf.c knows are in certdeck.conf(5),
# and groff and man render both pages without a warning.
. "$top_srcdir/tests/lib.sh"
set -e
command -v groff >/dev/null || { echo "1..0 # SKIP groff not installed"; exit 0; }
page1=$top_srcdir/doc/certdeck.1
page5=$top_srcdir/doc/certdeck.conf.5
# The page's words as man shows them: \- is -, font escapes go.
plain() { sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\(em/-/g' "$1"; }
plain "$page1" > "$T/page1"
plain "$page5" > "$T/page5"

for p in "$page1" "$page5"; do
	name=$(basename "$p")
	LC_ALL=C.UTF-8 groff -ww -z -man "$p" > "$T/groff.err" 2>&1 || true
	check "groff -ww renders $name without warnings" [ ! -s "$T/groff.err" ]
	[ -s "$T/groff.err" ] && diag "$(cat "$T/groff.err")"
	if command -v man >/dev/null; then
		MANWIDTH=80 man -l "$p" > "$T/man.out" 2> "$T/man.err" || true
		check "man -l renders $name without warnings" [ ! -s "$T/man.err" ]
		check "... and says something" [ "$(wc -l < "$T/man.out")" -gt 50 ]
	fi
done

# Every command of --help, with its verbs and options.
"$CERTDECK" --help | sed -n '/^Commands:/,/^$/p' | awk 'NF && !/^Commands:/ { print $1 }' > "$T/cmds"
check "--help lists commands" [ "$(wc -l < "$T/cmds")" -gt 10 ]
missing=""
"$CERTDECK" --help | grep -o -- '--[a-z][a-z0-9-]*' | sort -u > "$T/opts"
while read -r opt; do
	grep -qF -- "$opt" "$T/page1" || missing="$missing $opt"
done < "$T/opts"
check "every global option is in certdeck(1)" [ -z "$missing" ]
[ -z "$missing" ] || diag "missing:$missing"
while read -r cmd; do
	grep -qE "^\.SS \"?certdeck $cmd( |\"|$)" "$T/page1" ||
		{ ok 1 "command $cmd has a section in certdeck(1)"; continue; }
	ok 0 "command $cmd has a section in certdeck(1)"
	"$CERTDECK" "$cmd" --help > "$T/help"
	# A group's verbs: "Usage: certdeck account new|recover|... ...".
	verbs=$(sed -n '1s/^Usage: certdeck [^ ]* \([a-z|-]*|[a-z|-]*\) .*/\1/p' "$T/help" | tr '|' ' ')
	for v in $verbs; do
		check "$cmd $v is in certdeck(1)" grep -qE "^\.SS \"certdeck $cmd $v( |\"|$)" "$T/page1"
	done
	missing=""
	for opt in $(grep -o -- '--[a-z][a-z0-9-]*' "$T/help" | sort -u); do
		grep -qF -- "$opt" "$T/page1" || missing="$missing $opt"
	done
	check "every option of '$cmd --help' is in certdeck(1)" [ -z "$missing" ]
	[ -z "$missing" ] || diag "$cmd: missing:$missing"
done < "$T/cmds"

# Every config key is in certdeck.conf(5), and every variable in certdeck(1).
"$CERTDECK" config show --json > "$T/show"
missing=""
for k in $(jq -r '.settings | keys[]' "$T/show"); do
	grep -qE "^\.BI \"$k = " "$T/page5" || missing="$missing $k"
	v=CERTDECK_$(printf '%s' "$k" | tr 'a-z-' 'A-Z_')
	grep -qF "$v" "$T/page1" || missing="$missing $v"
done
check "every config key is in certdeck.conf(5) and its variable in certdeck(1)" [ -z "$missing" ]
[ -z "$missing" ] || diag "missing:$missing"
done_testing
