# test/poll.bash - waiting for a server a test or a benchmark started;
# sourced by test/test_helper.bash, test/sshd.bash and bench/common.sh.
# shellcheck shell=bash

# poll PID CMD...: CMD every 20 ms, for 5 s at most, until it succeeds
# (0); 1 when it never does, or as soon as process PID has ended (an
# empty PID: none to watch).
poll() {
	local pid=$1 i
	shift
	for ((i = 0; i < 250; i++)); do
		"$@" && return 0
		[ -z "$pid" ] || kill -0 "$pid" 2> /dev/null || return 1
		sleep 0.02
	done
	return 1
}

# listening PORT ADDRESS...: each address takes a connection on PORT.
listening() {
	local port=$1 a
	shift
	for a in "$@"; do
		(exec 3<> "/dev/tcp/$a/$port") 2> /dev/null || return 1
	done
}
