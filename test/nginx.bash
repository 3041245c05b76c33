# nginx serving a site with share/nginx/sam.conf, as installed but for
# the lines marked "# sam: listen" and "# sam: root", on a free port of
# 127.0.0.1, with its prefix, pid, logs and temp files in the test's
# directory.  Load after test_helper; call nginx_stop from teardown.
# shellcheck shell=bash

NGINX_PID=

# free_port: a port of 127.0.0.1 that was free a moment ago.
free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# nginx_conf PORT SITE > FILE: share/nginx/sam.conf listening on
# 127.0.0.1:PORT with SITE as its root; fails unless both marked lines
# were there to change.
nginx_conf() {
	local conf=$SAM_ROOT/share/nginx/sam.conf
	[ "$(grep -c '^[[:space:]]*listen [^;]*;[[:space:]]*# sam: listen$' "$conf")" -eq 1 ] &&
		[ "$(grep -c '^[[:space:]]*root [^;]*;[[:space:]]*# sam: root$' "$conf")" -eq 1 ] ||
		{ echo "nginx_conf: $conf has no single '# sam: listen' or '# sam: root' line" >&2; return 1; }
	sed -e "s|^\([[:space:]]*listen\) [^;]*;\([[:space:]]*# sam: listen\)\$|\1 127.0.0.1:$1;\2|" \
		-e "s|^\([[:space:]]*root\) [^;]*;\([[:space:]]*# sam: root\)\$|\1 $2;\2|" "$conf"
}

# nginx_main DIR [CONF]: the nginx.conf around CONF (DIR/sam.conf).
nginx_main() {
	local d=$1
	# as root the workers would be nobody, who cannot read a 0700 tmp dir
	[ "$(id -u)" -ne 0 ] || echo 'user root;'
	cat <<-EOF
		worker_processes 1;
		pid $d/nginx.pid;
		error_log $d/error.log;
		events {
			worker_connections 256;
		}
		http {
			include /etc/nginx/mime.types;
			access_log $d/access.log;
			client_body_temp_path $d/tmp/body;
			proxy_temp_path $d/tmp/proxy;
			fastcgi_temp_path $d/tmp/fastcgi;
			uwsgi_temp_path $d/tmp/uwsgi;
			scgi_temp_path $d/tmp/scgi;
			include ${2:-$d/sam.conf};
		}
	EOF
}

# nginx_up DIR: nginx's pid file names it once it listens, and it
# takes a connection: no other server has the port.
nginx_up() {
	[ "$(cat "$1/nginx.pid" 2> /dev/null)" = "$NGINX_PID" ] &&
		listening "$NGINX_PORT" 127.0.0.1
}

# nginx_start SITE: nginx in the foreground (its own process group
# member, our child) serving SITE; sets NGINX_URL, NGINX_PORT and
# NGINX_DIR.  Skips the test when there is no nginx.  Run it directly,
# not under `run`.
nginx_start() {
	local site=$1 d=$BATS_TEST_TMPDIR/nginx try
	command -v nginx > /dev/null || skip "nginx is not installed"
	[ -z "$NGINX_PID" ] || nginx_stop
	mkdir -p "$d/tmp"
	NGINX_DIR=$d
	nginx_main "$d" > "$d/nginx.conf"
	# a port another process takes in between: once more, on another
	for ((try = 0; try < 5; try++)); do
		NGINX_PORT=$(free_port) || return 1
		nginx_conf "$NGINX_PORT" "$site" > "$d/sam.conf" || return 1
		: > "$d/error.log"
		rm -f "$d/nginx.pid"
		# fd 3 closed, or bats waits for nginx at the end of the test.
		nginx -p "$d/" -c "$d/nginx.conf" -e "$d/error.log" -g 'daemon off;' \
			2> "$d/stderr" 3>&- &
		NGINX_PID=$!
		if poll "$NGINX_PID" nginx_up "$d"; then
			NGINX_URL=http://127.0.0.1:$NGINX_PORT
			export NGINX_URL NGINX_PORT NGINX_DIR
			return 0
		fi
		kill "$NGINX_PID" 2> /dev/null
		wait "$NGINX_PID" 2> /dev/null
		NGINX_PID=
		grep -q 'Address already in use' "$d/stderr" "$d/error.log" || break
	done
	echo "nginx_start: nginx did not start" >&2
	cat "$d/stderr" "$d/error.log" >&2
	return 1
}

# nginx_stop: its fast shutdown; it must exit 0.
nginx_stop() {
	local pid=$NGINX_PID status=0
	[ -n "$pid" ] || return 0
	NGINX_PID=
	kill -TERM "$pid" 2> /dev/null || return 0
	wait "$pid" || status=$?
	[ "$status" -eq 0 ] || { echo "nginx exited $status" >&2; cat "$NGINX_DIR/stderr" >&2; return 1; }
}
