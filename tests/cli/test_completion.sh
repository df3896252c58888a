#!/usr/bin/env bash
# Shell completion: bash (bash -i, and a real Tab in tmux) and zsh (the
# function with compadd/_describe stubbed): commands, verbs, options, values
# and certificate IDs from the store.
. "$top_srcdir/tests/lib.sh"
set -e
export CERTDECK_STORE="$T/store.db"
mkdir -p "$T/bin"
ln -s "$CERTDECK" "$T/bin/certdeck"
export PATH="$T/bin:$PATH"
"$CERTDECK" init > /dev/null
"$top_srcdir/tests/demo/make-demo-certs.sh" "$T/certs" > /dev/null
"$CERTDECK" import "$T"/certs/*.pem > /dev/null
cat > "$T/rc" <<RC
PS1='ready> '
. "$top_srcdir/completion/certdeck"
RC
# comp WORDS...: what _certdeck offers for the last word, one line, sorted.
comp() {
	HOME=$T bash --rcfile "$T/rc" -i -c '
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_certdeck
		[ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' comp "$@" 2>/dev/null
}

check "bash -i: complete -p certdeck names the function" \
	[ "$(HOME=$T bash --rcfile "$T/rc" -i -c 'complete -p certdeck' 2>/dev/null)" = "complete -F _certdeck certdeck" ]
check "certdeck sh -> show" [ "$(comp certdeck sh)" = "show " ]
check "certdeck r -> renew revocation revoke rotate-key" [ "$(comp certdeck r)" = "renew revocation revoke rotate-key " ]
check "a global option before the command" [ "$(comp certdeck --st)" = "--store " ]
check "a group's verbs: account re -> recover" [ "$(comp certdeck account re)" = "recover " ]
check "a command's options, from its --help: issue --key-t" [ "$(comp certdeck issue --key-t)" = "--key-type " ]
check "an option's values: --challenge" [ "$(comp certdeck issue -d x --challenge d)" = "dns-01 " ]
check "--server takes the presets" [ "$(comp certdeck account new --server letsencrypt-s)" = "letsencrypt-staging " ]
ids=$("$CERTDECK" list --json | jq -r '.[].id' | sort | tr '\n' ' ')
check "show ID: the store's certificate IDs" [ "$(comp certdeck show '')" = "$ids" ]
check "... with --store given on the line" [ "$(CERTDECK_STORE=/nonexistent comp certdeck --store "$T/store.db" show '')" = "$ids" ]
check "... by prefix" [ "$(comp certdeck show 1)" = "1 " ]
check "deploy run ID too" [ "$(comp certdeck deploy run '')" = "$ids" ]
check "renew --force ID too" [ "$(comp certdeck renew --force '')" = "$ids" ]
check "no ID after the ID" [ "$(comp certdeck show 1 '')" = "" ]
check "no store: no IDs and no noise" [ "$(CERTDECK_STORE=$T/none.db comp certdeck show '')" = "" ]
check "__complete ids gives the names too" grep -q $'^1\t' <("$CERTDECK" __complete ids)

# A real Tab: bash -i in a terminal (tmux), "certdeck sh<Tab>".
if command -v tmux > /dev/null; then
	sock="certdeck-comp-$$"
	tm() { tmux -L "$sock" -f /dev/null "$@"; }
	at_exit 'tm kill-server >/dev/null 2>&1'
	tm new-session -d -s c -x 100 -y 10 "env HOME=$T PATH=$PATH bash --rcfile $T/rc -i"
	wait_pane() {	# ERE: poll the pane (a timeout only guards a hang)
		local n
		for n in $(seq 100); do
			tm capture-pane -p -t c | grep -qE "$1" && return 0
			sleep 0.1
		done
		tm capture-pane -p -t c | sed 's/^/# pane: /'
		return 1
	}
	wait_pane 'ready>'
	tm send-keys -t c 'certdeck sh' Tab
	check "a real Tab: certdeck sh<Tab> becomes certdeck show" wait_pane '^ready> certdeck show$'
	check "... followed by a space (the cursor after it)" \
		[ "$(tm display-message -p -t c '#{cursor_x}')" = "$(printf 'ready> certdeck show ' | wc -c)" ]
	tm send-keys -t c C-u 'certdeck show ' Tab Tab
	check "... and certdeck show <Tab><Tab> lists the IDs" wait_pane '^1 +2 +3'
fi

# zsh: the function, with the completion builtins stubbed to print what they get.
if command -v zsh > /dev/null; then
	check "zsh parses _certdeck" zsh -n "$top_srcdir/completion/_certdeck"
	zcomp() {	# CURRENT WORDS...
		zsh -f -c '
			compadd() { [[ $1 == -- ]] && shift; print -l -- "$@"; }
			_describe() { print -l -- "${(@P)${@[-1]}}"; }
			_files() { print _files; }
			_normal() { print _normal; }
			current=$1; shift
			words=("$@"); CURRENT=$current
			. "$0"' "$top_srcdir/completion/_certdeck" "$@" 2>&1 | sort | tr '\n' ' '
	}
	out=$(zcomp 2 certdeck sh)
	check "zsh: certdeck sh offers show, with its summary" grep -q 'show:show one certificate in detail' <<< "$out"
	out=$(zcomp 3 certdeck show '')
	check "zsh: show offers the IDs with their names" grep -qE '(^| )1:[a-z0-9.*-]+' <<< "$out"
	out=$(zcomp 3 certdeck issue --key-t)
	check "zsh: options from --help" grep -q -- '--key-type' <<< "$out"
else
	diag "zsh not installed: its checks are skipped"
fi
done_testing
