# A private dovecot for the endpoint tests: IMAP and POP3, each with
# STARTTLS on its own 127.0.0.1 port, its own configuration, runtime, state
# and log under DIR (nothing of /etc/dovecot is read). Source it after
# tests/lib.sh.
#
# dovecot_start DIR CERT KEY: sets DC_IMAP_PORT and DC_POP3_PORT, starts
# dovecot, waits until both ports accept, and stops it in the caller's
# trap (at_exit).

dovecot_start() {
	local dir=$1 _
	mkdir -p "$dir/run" "$dir/state" "$dir/mail"
	{ read -r DC_IMAP_PORT; read -r DC_POP3_PORT; } < <("$top_builddir/tests/pebble/freeport" 2)
	cp "$2" "$dir/imap.crt"
	install -m 0600 "$3" "$dir/imap.key"
	cat > "$dir/dovecot.conf" <<CF
protocols = imap pop3
listen = 127.0.0.1
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
ssl = yes
ssl_cert = <$dir/imap.crt
ssl_key = <$dir/imap.key
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
mail_location = maildir:$dir/mail/%u
passdb {
  driver = static
  args = nopassword=y
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$dir/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $DC_IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
  chroot =
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $DC_POP3_PORT
  }
  inet_listener pop3s {
    port = 0
  }
  chroot =
}
service anvil {
  chroot =
}
CF
	if ! dovecot -c "$dir/dovecot.conf" 2> "$dir/start.log"; then
		cat "$dir/start.log" "$dir/dovecot.log" >&2 2> /dev/null
		return 1
	fi
	at_exit "dovecot -c '$dir/dovecot.conf' stop > /dev/null 2>&1"
	for _ in $(seq 100); do
		python3 -c "import socket
for p in ($DC_IMAP_PORT, $DC_POP3_PORT): socket.create_connection(('127.0.0.1', p), 1)" \
			2> /dev/null && return 0
		sleep 0.1
	done
	cat "$dir/dovecot.log" >&2 2> /dev/null
	return 1
}
