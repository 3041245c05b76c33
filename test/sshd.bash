# test/sshd.bash - an sshd of its own on loopback, sourced by
# test/84-ssh.bats and bench/parallel.sh (two "hosts" for GNU parallel's
# --sshlogin).
# shellcheck shell=bash

# shellcheck source=test/poll.bash
. "$(dirname "${BASH_SOURCE[0]}")/poll.bash"

# sshd_start DIR: the real sshd on a free port of 127.0.0.1 and
# 127.0.0.2, with a throwaway host key and user key; its configuration,
# keys, log and PID file in DIR; DIR/config is the client's (the port,
# the user key, the host key known).  Sets SSHD_PID and SSH ("ssh -F
# DIR/config").  As root sshd needs /run/sshd: made on a tmpfs in a
# mount namespace of its own, so nothing of the machine's changes, or
# where no namespace can be made, the /run/sshd that the package's own
# service would make.  1, with sshd's log on stderr, if it never starts.
sshd_start() {
	local d=$1 port i
	mkdir -p "$d"
	ssh-keygen -q -t ed25519 -N '' -C sam-sshd-host -f "$d/host_key"
	ssh-keygen -q -t ed25519 -N '' -C sam-sshd-user -f "$d/user_key"
	cp "$d/user_key.pub" "$d/authorized_keys"
	SSHD_PID=
	for _ in 1 2 3 4 5; do
		port=$((20000 + RANDOM % 40000))
		printf '%s\n' "Port $port" "ListenAddress 127.0.0.1" "ListenAddress 127.0.0.2" \
			"HostKey $d/host_key" "PidFile $d/sshd.pid" \
			"AuthorizedKeysFile $d/authorized_keys" "StrictModes no" "UsePAM no" \
			"PasswordAuthentication no" "KbdInteractiveAuthentication no" \
			"PermitRootLogin prohibit-password" "LogLevel ERROR" > "$d/sshd_config"
		rm -f "$d/sshd.pid"
		if [ "$(id -u)" -eq 0 ] && unshare -m true 2> /dev/null; then
			# shellcheck disable=SC2016 # the inner sh's
			unshare -m --propagation private sh -c 'mount -t tmpfs -o mode=755 sam-sshd /run &&
				mkdir -m 755 /run/sshd && exec /usr/sbin/sshd -D -e -f "$1"' sh "$d/sshd_config" \
				2> "$d/sshd.log" &
		else
			[ "$(id -u)" -ne 0 ] || [ -d /run/sshd ] || mkdir -m 755 /run/sshd
			/usr/sbin/sshd -D -e -f "$d/sshd_config" 2> "$d/sshd.log" &
		fi
		SSHD_PID=$!
		# sshd starts when it can bind either address: a client's
		# ephemeral port on one of them is the same port taken
		poll "$SSHD_PID" test -s "$d/sshd.pid" &&
			listening "$port" 127.0.0.1 127.0.0.2 && break
		kill "$SSHD_PID" 2> /dev/null	# the port was taken: another
		wait "$SSHD_PID" 2> /dev/null
		SSHD_PID=
	done
	[ -n "$SSHD_PID" ] || { cat "$d/sshd.log" >&2; return 1; }
	for i in 127.0.0.1 127.0.0.2; do
		printf '[%s]:%s %s\n' "$i" "$port" "$(cut -d ' ' -f 1,2 "$d/host_key.pub")"
	done > "$d/known_hosts"
	printf '%s\n' "Host *" "Port $port" "User $(id -un)" "IdentityFile $d/user_key" \
		"IdentitiesOnly yes" "UserKnownHostsFile $d/known_hosts" \
		"GlobalKnownHostsFile /dev/null" "StrictHostKeyChecking yes" "BatchMode yes" \
		"LogLevel ERROR" > "$d/config"
	# shellcheck disable=SC2034 # the caller's
	SSH="ssh -F $d/config"
}
