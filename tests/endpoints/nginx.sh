# A private nginx for the endpoint tests: its own configuration, pid, logs
# and temporary directories under DIR, listening only where the caller's
# server blocks say (127.0.0.1). Source it after tests/lib.sh.
#
# nginx_start DIR SERVERS: SERVERS is the text of the server { } blocks
# (the caller picks ports from freeport). Starts nginx, waits until the
# first "listen 127.0.0.1:PORT" port accepts, and stops it in the
# caller's trap (at_exit). nginx_reload DIR SERVERS: writes new server
# blocks and makes the running nginx load them (SIGHUP), waiting until
# the new workers serve.

nginx_conf() {	# nginx_conf DIR SERVERS
	local dir=$1
	mkdir -p "$dir/logs" "$dir/tmp"
	cat > "$dir/nginx.conf" <<CF
daemon on;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/logs/error.log info;
events { worker_connections 64; }
http {
	access_log $dir/logs/access.log;
	client_body_temp_path $dir/tmp/body;
	proxy_temp_path $dir/tmp/proxy;
	fastcgi_temp_path $dir/tmp/fastcgi;
	uwsgi_temp_path $dir/tmp/uwsgi;
	scgi_temp_path $dir/tmp/scgi;
	ssl_protocols TLSv1.2 TLSv1.3;
$2
}
CF
}

# nginx_port_open PORT: 0 when 127.0.0.1:PORT accepts a connection.
nginx_port_open() {
	python3 -c "import socket; socket.create_connection(('127.0.0.1', $1), 1)" 2> /dev/null
}

nginx_start() {	# nginx_start DIR SERVERS
	local dir=$1 port _
	nginx_conf "$dir" "$2"
	port=$(sed -n 's/.*listen 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$dir/nginx.conf" | head -n 1)
	if ! nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log" 2> "$dir/start.log"; then
		cat "$dir/start.log" >&2
		return 1
	fi
	at_exit "kill \$(cat '$dir/nginx.pid' 2> /dev/null) 2> /dev/null"
	for _ in $(seq 100); do
		nginx_port_open "$port" && return 0
		sleep 0.1
	done
	return 1
}

nginx_reload() {	# nginx_reload DIR SERVERS
	local dir=$1 before _
	before=$(pgrep -P "$(cat "$dir/nginx.pid")" | sort)
	nginx_conf "$dir" "$2"
	nginx -t -q -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log" || return 1
	kill -HUP "$(cat "$dir/nginx.pid")"
	# Done when the old worker is gone and a new one runs.
	for _ in $(seq 100); do
		after=$(pgrep -P "$(cat "$dir/nginx.pid")" | sort)
		[ -n "$after" ] && ! grep -qxF -f <(printf '%s\n' $before) <<< "$after" && return 0
		sleep 0.1
	done
	return 1
}
