# A private postfix for the mail tests: its own config, queue and data
# directories under $1, smtpd on 127.0.0.1 only (one port with STARTTLS,
# one offering no TLS, and one that takes mail only after an SMTP AUTH
# login over STARTTLS, checked by Cyrus SASL against its own sasldb), and the
# virtual delivery agent writing mail for @certdeck.test into Maildirs
# under $1/mail. Source it after tests/lib.sh.
#
# postfix_start DIR CERT KEY: sets PF_DIR, PF_TLS_PORT, PF_PLAIN_PORT,
# PF_AUTH_PORT and PF_SENDMAIL (a sendmail for this instance); stopped
# by the caller's trap (at_exit). postfix_wait_mail USER N: waits until
# USER's Maildir holds N messages.

postfix_start() {
	local dir=$1 cert=$2 key=$3 uid gid
	PF_DIR=$dir
	mkdir -p "$dir/etc" "$dir/queue" "$dir/data" "$dir/mail"
	uid=$(id -u nobody)
	gid=$(id -g nobody)
	chown "$uid:$gid" "$dir/mail"
	chown postfix "$dir/data"
	chmod 0700 "$dir/mail"
	# Three distinct ports below the ephemeral range (see freeport.c).
	{ read -r PF_TLS_PORT; read -r PF_PLAIN_PORT; read -r PF_AUTH_PORT; } \
		< <("$top_builddir/tests/pebble/freeport" 3)
	mkdir -p "$dir/etc/sasl"
	cat > "$dir/etc/sasl/smtpd.conf" <<CF
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $dir/etc/sasl/sasldb2
mech_list: PLAIN LOGIN
CF
	cp "$cert" "$dir/etc/smtpd.crt"
	install -m 0600 "$key" "$dir/etc/smtpd.key"
	cat > "$dir/etc/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.certdeck.test
mydomain = certdeck.test
myorigin = certdeck.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtp_dns_support_level = disabled
smtpd_banner = \$myhostname ESMTP certdeck-test
maillog_file_prefixes = $dir
maillog_file = $dir/maillog
biff = no
alias_maps =
alias_database =
local_recipient_maps =
relayhost =
default_transport = error:no mail leaves this test
virtual_mailbox_domains = certdeck.test
virtual_mailbox_base = $dir/mail
virtual_mailbox_maps = texthash:$dir/etc/vmailbox
virtual_uid_maps = static:$uid
virtual_gid_maps = static:$gid
virtual_minimum_uid = 1
smtpd_tls_cert_file = $dir/etc/smtpd.crt
smtpd_tls_key_file = $dir/etc/smtpd.key
smtpd_tls_security_level = may
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
cyrus_sasl_config_path = $dir/etc/sasl
smtpd_sasl_local_domain = certdeck.test
smtpd_sasl_authenticated_header = yes
CF
	printf 'ops@certdeck.test ops/\nsec@certdeck.test sec/\n' > "$dir/etc/vmailbox"
	cat > "$dir/etc/master.cf" <<CF
127.0.0.1:$PF_TLS_PORT inet n - n - - smtpd
127.0.0.1:$PF_PLAIN_PORT inet n - n - - smtpd
  -o smtpd_tls_security_level=none
127.0.0.1:$PF_AUTH_PORT inet n - n - - smtpd
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_auth_only=yes
  -o mynetworks=
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
  -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject
pickup    unix n - n 60 1 pickup
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
tlsmgr    unix - - n 1000? 1 tlsmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
smtp      unix - - n - - smtp
showq     unix n - n - - showq
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
virtual   unix - n n - - virtual
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
CF
	# sendmail for this instance: postfix's, pointed at this configuration.
	PF_SENDMAIL=$dir/sendmail
	printf '#!/bin/sh\nexec /usr/sbin/sendmail -C %s "$@"\n' "$dir/etc" > "$PF_SENDMAIL"
	chmod 0755 "$PF_SENDMAIL"
	postfix -c "$dir/etc" check 2> "$dir/check.log" || true
	postfix -c "$dir/etc" start 2> "$dir/start.log"
	at_exit "postfix -c '$dir/etc' stop > /dev/null 2>&1"
	local _
	for _ in $(seq 100); do
		python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $PF_TLS_PORT), 1)" 2> /dev/null && return 0
		sleep 0.1
	done
	return 1
}

# postfix_sasl_user USER PASSWORD: USER may log in on PF_AUTH_PORT (the
# password goes to saslpasswd2 on its standard input, never an argv).
postfix_sasl_user() {
	printf '%s' "$2" | saslpasswd2 -p -c -f "$PF_DIR/etc/sasl/sasldb2" -u certdeck.test "$1" &&
		chown postfix "$PF_DIR/etc/sasl/sasldb2" && chmod 0600 "$PF_DIR/etc/sasl/sasldb2"
}

# postfix_mails USER: the files of USER's Maildir, oldest first.
postfix_mails() {
	ls -tr "$PF_DIR/mail/$1/new" 2> /dev/null | sed "s|^|$PF_DIR/mail/$1/new/|"
}

postfix_wait_mail() {
	local _
	for _ in $(seq 200); do
		[ "$(postfix_mails "$1" | wc -l)" -ge "$2" ] && return 0
		postfix -c "$PF_DIR/etc" flush > /dev/null 2>&1 || true
		sleep 0.1
	done
	return 1
}
