#!/usr/bin/env bash
# The config file (certdeck.conf(5)): which file is read, precedence
# (flag > environment > file > built-in), errors that name file, line and
# key and stop the command, [ca NAME] for --server, [names PATTERN]. No network.
. "$top_srcdir/tests/lib.sh"
set -e
export CERTDECK_STORE="$T/store.db"
unset CERTDECK_CONFIG
export HOME="$T/home" XDG_CONFIG_HOME="$T/xdg"
mkdir -p "$HOME" "$XDG_CONFIG_HOME/certdeck"
"$CERTDECK" init > /dev/null

# show_from KEY: the "from" of KEY in config show --json (args after --).
setting() {	# setting KEY FIELD [config show args...]
	local k=$1 f=$2
	shift 2
	"$CERTDECK" config show --json "$@" | jq -r ".settings[\"$k\"].$f"
}

cd_run config show --json
check "no file: config show exits 0" [ "$rc" -eq 0 ]
check "... and names no file" [ "$(jq -r .file "$T/.out")" = null ]
check "... key-type is the built-in ec256" [ "$(jq -r '.settings["key-type"].value' "$T/.out")" = ec256 ]
check "... from built-in" [ "$(jq -r '.settings["key-type"].from' "$T/.out")" = built-in ]

# The user's file: $XDG_CONFIG_HOME/certdeck/config (tests run as root, so
# CERTDECK_CONFIG points at it: root's default is /etc/certdeck/config).
cat > "$T/xdg/certdeck/config" <<'CONF'
# a comment
[defaults]
key-type = ec384
workers = 3
challenge = tls-alpn-01
CONF
if [ "$(id -u)" -ne 0 ]; then
	check "a user's default file is \$XDG_CONFIG_HOME/certdeck/config" \
		[ "$("$CERTDECK" config show --json | jq -r .file)" = "$T/xdg/certdeck/config" ]
	mv "$T/xdg/certdeck/config" "$T/xdg.conf"
	mkdir -p "$HOME/.config/certdeck"
	cp "$T/xdg.conf" "$HOME/.config/certdeck/config"
	check "... or ~/.config/certdeck/config without XDG_CONFIG_HOME" \
		[ "$(env -u XDG_CONFIG_HOME "$CERTDECK" config show --json | jq -r .file)" = \
		"$HOME/.config/certdeck/config" ]
	mv "$T/xdg.conf" "$T/xdg/certdeck/config"
else
	check "root's default file is /etc/certdeck/config" \
		[ "$(env -u CERTDECK_CONFIG "$CERTDECK" config show --json | jq -r .file)" != "$T/xdg/certdeck/config" ]
fi
export CERTDECK_CONFIG="$T/xdg/certdeck/config"
check "CERTDECK_CONFIG names the file" [ "$(setting key-type value)" = ec384 ]
check "... from the file" [ "$(setting key-type from)" = file ]
check "... at its line" [ "$(setting key-type where)" = "$T/xdg/certdeck/config:3" ]
check "environment beats the file" [ "$(CERTDECK_KEY_TYPE=rsa2048 setting key-type value)" = rsa2048 ]
check "... and says so" [ "$(CERTDECK_KEY_TYPE=rsa2048 setting key-type where)" = '$CERTDECK_KEY_TYPE' ]
check "a built-in is kept where neither sets it" [ "$(setting http-port value)" = 80 ]

# --config FILE beats CERTDECK_CONFIG; as a global option or a command's.
printf '[defaults]\nkey-type = rsa3072\n' > "$T/other.conf"
check "--config FILE (command option) beats \$CERTDECK_CONFIG" \
	[ "$("$CERTDECK" config show --json --config "$T/other.conf" | jq -r '.settings["key-type"].value')" = rsa3072 ]
check "--config FILE (global option) too" \
	[ "$("$CERTDECK" --config "$T/other.conf" config show --json | jq -r '.settings["key-type"].value')" = rsa3072 ]
cd_run --config "$T/missing.conf" config show
check "a --config file that does not exist: exit 1" [ "$rc" -eq 1 ]
check "... naming it" grep -q missing.conf "$T/.err"

# Flag > environment > file, on commands that use the settings.
cd_run renew --dry-run --workers 0
check "a bad --workers flag is a usage error" [ "$rc" -eq 2 ]
cd_run renew --dry-run
check "renew reads workers from the file" [ "$rc" -eq 0 ]
CERTDECK_WORKERS=99 cd_run renew --dry-run
check "a bad environment value: exit 1" [ "$rc" -eq 1 ]
check "... naming the variable" grep -q 'CERTDECK_WORKERS' "$T/.err"
CERTDECK_WORKERS=99 cd_run renew --dry-run --workers 2
check "a flag beats a bad environment value" [ "$rc" -eq 0 ]

# Errors: file, line and key, and nothing runs.
bad() {	# bad NAME TEXT: writes $T/NAME.conf
	printf '%b' "$2" > "$T/$1.conf"
}
bad unknown '[defaults]\nkey-type = ec256\nkeytype = ec384\n'
cd_run config check "$T/unknown.conf"
check "config check: an unknown key exits 1" [ "$rc" -eq 1 ]
check "... naming file, line and key" grep -qF "$T/unknown.conf:3: keytype:" "$T/.err"
bad value '\n[defaults]\nhttp-port = eighty\n'
cd_run config check "$T/value.conf"
check "config check: a bad value exits 1" [ "$rc" -eq 1 ]
check "... naming file, line and key" grep -qF "$T/value.conf:3: http-port:" "$T/.err"
bad secret '[ca corp]\ndirectory = https://acme.corp.test/dir\neab-kid = kid\neab-hmac-key = c2VjcmV0\n'
cd_run config check "$T/secret.conf"
check "config check: an inline HMAC key exits 1" [ "$rc" -eq 1 ]
check "... naming file, line and key" grep -qF "$T/secret.conf:4: eab-hmac-key:" "$T/.err"
check "... and not echoing the secret" bash -c "! grep -q c2VjcmV0 '$T/.err'"
cd_run config check "$T/other.conf"
check "config check: a good file exits 0" [ "$rc" -eq 0 ]
check "... and says ok" grep -q ': ok' "$T/.out"
cd_run --config "$T/unknown.conf" config check
check "config check without FILE checks --config" [ "$rc" -eq 1 ]

# A broken file stops the commands that read it before they do anything.
cd_run --config "$T/value.conf" renew
check "renew with a broken config: exit 1" [ "$rc" -eq 1 ]
check "... naming the line" grep -qF "value.conf:3: http-port" "$T/.err"
cd_run --config "$T/value.conf" issue -d x.example.test --no-wait
check "issue with a broken config: exit 1" [ "$rc" -eq 1 ]
check "... and queued nothing" [ "$("$CERTDECK" jobs --json | jq length)" = 0 ]
cd_run --config "$T/value.conf" worker --once
check "worker with a broken config: exit 1" [ "$rc" -eq 1 ]
cd_run --config "$T/value.conf" account new --server letsencrypt --agree-tos
check "account new with a broken config: exit 1" [ "$rc" -eq 1 ]
check "... before talking to any CA" bash -c "! grep -q Registering '$T/.err'"

# [ca NAME] for --server; server, email defaults for account new. A closed
# loopback port: the registration fails, but says where it went.
port=$("$top_builddir/tests/pebble/freeport")
cat > "$T/ca.conf" <<CONF
[defaults]
server = corp
email = ops@example.test
[ca corp]
directory = https://127.0.0.1:$port/corp-dir
[ca lab]
directory = https://127.0.0.1:$port/lab-dir
CONF
cd_run --config "$T/ca.conf" account new --agree-tos
check "account new takes server from the config" grep -qF "127.0.0.1:$port/corp-dir" "$T/.err"
CERTDECK_SERVER=lab cd_run --config "$T/ca.conf" account new --agree-tos
check "... \$CERTDECK_SERVER beats it" grep -qF "127.0.0.1:$port/lab-dir" "$T/.err"
CERTDECK_SERVER=lab cd_run --config "$T/ca.conf" account new --agree-tos --server "https://127.0.0.1:$port/flag-dir"
check "... --server beats both" grep -qF "127.0.0.1:$port/flag-dir" "$T/.err"
cd_run --config "$T/ca.conf" account new --agree-tos --server nowhere
check "an unknown --server name: exit 1" [ "$rc" -eq 1 ]
check "... saying what it takes" grep -q "ca list" "$T/.err"

# [names PATTERN]: settings for orders whose names all match.
cat > "$T/names.conf" <<'CONF'
[defaults]
challenge = http-01
key-type = ec256
[names *.internal.example.org internal.example.org]
challenge = dns-01
dns-hook = /usr/local/bin/rfc2136-hook
key-type = rsa2048
CONF
export CERTDECK_CONFIG="$T/names.conf"
check "[names] applies to a matching order" \
	[ "$(setting challenge value -d a.internal.example.org -d internal.example.org)" = dns-01 ]
check "... from its line" [ "$(setting challenge where -d a.internal.example.org)" = "$T/names.conf:5" ]
check "... not when one name does not match" \
	[ "$(setting challenge value -d a.internal.example.org -d www.example.org)" = http-01 ]
check "... the environment beats it" \
	[ "$(CERTDECK_KEY_TYPE=ec384 setting key-type value -d a.internal.example.org)" = ec384 ]
done_testing
