#!/usr/bin/env bash
# Keyset paging in the TUI against the CLI's list: page down through a
# store of 400 current certificates (and 1600 replaced ones, which the list
# hides), page back up, jump to the ends, sort by name; accounts lead to
# their certificates.
. "$top_srcdir/tests/lib.sh"
if ! command -v tmux >/dev/null 2>&1; then
	echo "1..0 # SKIP tmux is not installed"
	exit 0
fi
. "$top_srcdir/tests/ui/tmux-lib.sh"
set -e

export CERTDECK_STORE="$T/store.db"
"$top_builddir/tests/bench/gen_store" "$CERTDECK_STORE" 2000 > /dev/null
"$CERTDECK" list --json | jq -r '.[].name' > "$T/expected"
check "the store lists 400 current certificates" [ "$(wc -l < "$T/expected")" -eq 400 ]

# Wide enough that no name is cut.
tmux_start 200 24 "env -i PATH='$PATH' HOME='$T' TERM=xterm-256color LC_ALL=C.UTF-8 \
	CERTDECK_STORE='$CERTDECK_STORE' CERTDECK_UI_TRACE='$UI_TRACE' '$CERTDECK'"
check "the list comes up" wait_for 'Name +Days'
# The names on the page, one per line.
# 24 lines: the title, the summary line, the headings, 19 rows, the status
# line, the F-key bar.
page() { screen | sed -n '4,22p' | awk 'NF { print $1 }'; }
# Appends the names in $T/page that follow the last one collected.
collect() {
	local last
	last=$(tail -n 1 "$T/seen" 2>/dev/null || true)
	if [ -z "$last" ] || ! grep -qxF -- "$last" "$T/page"; then
		cat "$T/page" >> "$T/seen"
	else
		awk -v l="$last" 'f { print } $0 == l { f = 1 }' "$T/page" >> "$T/seen"
	fi
}
# Waits until the page's first name is no longer $1 and the page is drawn
# in full (see tmux-lib.sh); leaves it in $T/page.
wait_page_change() {
	wait_gone "^$(sed 's/[.]/\\./g' <<< "$1") " || return 1
	page > "$T/page"
}

: > "$T/seen"
page > "$T/page"
collect
last=$(tail -n 1 "$T/expected")
for i in $(seq 1 25); do
	[ "$(tail -n 1 "$T/page")" != "$last" ] || break
	tmx send-keys -t t NPage
	wait_page_change "$(head -n 1 "$T/page")" || break
	collect
done
check "page down through every row: the CLI's order, each once" \
	cmp -s "$T/seen" "$T/expected"
[ -s "$T/seen" ] || diag "nothing collected"
cmp "$T/seen" "$T/expected" | head -n 3 | sed 's/^/# /' || true
check "the last page ends with the last row" \
	[ "$(page | tail -n 1)" = "$(tail -n 1 "$T/expected")" ]
check "... and is full" [ "$(page | wc -l)" -eq 19 ]
tmx send-keys -t t NPage
check "page down on the last page selects the last row" wait_cursor 21
check "... and stays on the last page" \
	eval '[ "$(page | tail -n 1)" = "$(tail -n 1 "$T/expected")" ]'

first=$(head -n 1 "$T/expected")
for i in $(seq 1 30); do
	[ "$(head -n 1 "$T/page")" != "$first" ] || break
	tmx send-keys -t t PPage
	wait_page_change "$(head -n 1 "$T/page")" || break
done
check "page up comes back to the first row" \
	[ "$(page | head -n 1)" = "$(head -n 1 "$T/expected")" ]
check "... a full first page" cmp -s <(page) <(head -n 19 "$T/expected")

tmx send-keys -t t G
wait_for "^$(tail -n 1 "$T/expected" | sed 's/[.]/\\./g') "
check "G: the last page" cmp -s <(page) <(tail -n 19 "$T/expected")
tmx send-keys -t t k k k
check "k moves up on the last page" wait_cursor 18
tmx send-keys -t t g
wait_for "^$(head -n 1 "$T/expected" | sed 's/[.]/\\./g') "
check "g: the first page" cmp -s <(page) <(head -n 19 "$T/expected")
for i in $(seq 1 20); do tmx send-keys -t t j; done
check "j past the page scrolls by one row" \
	eval 'wait_for "^$(sed -n 3p "$T/expected" | sed "s/[.]/\\\\./g") " &&
	[ "$(page | tail -n 1)" = "$(sed -n 21p "$T/expected")" ] && [ "$(cursor_y)" = 21 ]'

LC_ALL=C sort "$T/expected" > "$T/by_name"
tmx send-keys -t t g N
wait_for 'Name. +Days'
check "Shift+N: the first page by name" \
	eval 'wait_for "^$(head -n 1 "$T/by_name" | sed "s/[.]/\\\\./g") " &&
	cmp -s <(page) <(head -n 19 "$T/by_name")'
tmx send-keys -t t NPage
check "... and the second" \
	eval 'wait_for "^$(sed -n 20p "$T/by_name" | sed "s/[.]/\\\\./g") " &&
	cmp -s <(page) <(sed -n 20,38p "$T/by_name")'
tmx send-keys -t t N
check "... reversed" \
	eval 'wait_for "^$(tail -n 1 "$T/by_name" | sed "s/[.]/\\\\./g") " &&
	cmp -s <(page) <(tail -n 19 "$T/by_name" | tac)'
tmx send-keys -t t D

# Accounts: Enter shows that account's certificates.
tmx send-keys -t t Tab
check "Tab: the accounts" wait_for 'ops3@example\.com'
check "five accounts" eval '[ "$(screen | grep -c "@example\.com")" -eq 5 ]'
tmx send-keys -t t j j Enter
check "Enter on account 3: its certificates" wait_for 'Filter: account:3'
check "... only account 3's" \
	eval '[ "$(screen | sed -n 4,22p | grep -c " #3 *$")" -eq 19 ]'
want=$("$CERTDECK" list --json |
	jq '[.[] | select(.account_id == 3 and .status == "expired")] | length')
[ "$want" -le 19 ] || want=19
tmx send-keys -t t / ' status:expired' Enter
check "filters combine with the account" wait_for 'Filter: account:3 status:expired'
check "... $want expired certificates of account 3" \
	eval '[ "$(screen | sed -n 4,22p | grep -c "EXPIRED .* #3 *$")" -eq "$want" ] &&
	[ "$(page | wc -l)" -eq "$want" ]'
done_testing
