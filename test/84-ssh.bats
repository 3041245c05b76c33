#!/usr/bin/env bats
# shellcheck disable=SC2154 # status, output and stderr are set by bats' run
# Many machines through GNU parallel's --sshlogin (sam(7), "Using all
# cores and many machines"): the real sshd on loopback, listening on
# 127.0.0.1 and 127.0.0.2 (two "hosts"), with a throwaway host key and
# user key; the shards of a backfill go to both over ssh, the scored
# bars come back over the pipe to one sam-store put, and the store is
# what one process makes.

bats_require_minimum_version 1.5.0

load test_helper

# the ticker of a record, for --group-by
# shellcheck disable=SC2016 # perl's
GROUP='$_ = /"ticker":"([^"]*)"/ ? $1 : ""'
SSHD_PID=

# sshd_start: sshd on a free port of 127.0.0.1 and 127.0.0.2, its
# configuration, keys and PID file in ssh/; ssh/config is the client's
# (the port, the user key, the host key known).  As root sshd needs
# /run/sshd, made in a mount namespace of its own (a tmpfs on /run
# there), so nothing of the machine's changes; where no namespace can be
# made, the /run/sshd that the package's own service would make.
sshd_start() {
	local d=$BATS_TEST_TMPDIR/ssh port i
	mkdir -p "$d"
	ssh-keygen -q -t ed25519 -N '' -C sam-test-host -f "$d/host_key"
	ssh-keygen -q -t ed25519 -N '' -C sam-test-user -f "$d/user_key"
	cp "$d/user_key.pub" "$d/authorized_keys"
	for _ in 1 2 3 4 5; do
		port=$((20000 + RANDOM % 40000))
		cat > "$d/sshd_config" <<-EOF
			Port $port
			ListenAddress 127.0.0.1
			ListenAddress 127.0.0.2
			HostKey $d/host_key
			PidFile $d/sshd.pid
			AuthorizedKeysFile $d/authorized_keys
			StrictModes no
			UsePAM no
			PasswordAuthentication no
			KbdInteractiveAuthentication no
			PermitRootLogin prohibit-password
			LogLevel ERROR
		EOF
		rm -f "$d/sshd.pid"
		if [ "$(id -u)" -eq 0 ] && unshare -m true 2> /dev/null; then
			# shellcheck disable=SC2016 # the inner sh's
			unshare -m --propagation private sh -c 'mount -t tmpfs -o mode=755 sam-sshd /run &&
				mkdir -m 755 /run/sshd && exec /usr/sbin/sshd -D -e -f "$1"' sh "$d/sshd_config" \
				2> "$d/sshd.log" &
		else
			# no mount namespace (a container without CAP_SYS_ADMIN):
			# as root, the directory the package's own service makes
			[ "$(id -u)" -ne 0 ] || [ -d /run/sshd ] || mkdir -m 755 /run/sshd
			/usr/sbin/sshd -D -e -f "$d/sshd_config" 2> "$d/sshd.log" &
		fi
		SSHD_PID=$!
		for ((i = 0; i < 100; i++)); do
			[ -s "$d/sshd.pid" ] && break
			kill -0 "$SSHD_PID" 2> /dev/null || break
			sleep 0.02
		done
		[ -s "$d/sshd.pid" ] && break
		stop_pid "$SSHD_PID"
		SSHD_PID=
	done
	[ -n "$SSHD_PID" ] || { cat "$d/sshd.log" >&2; return 1; }
	for i in 127.0.0.1 127.0.0.2; do
		printf '[%s]:%s %s\n' "$i" "$port" "$(cut -d ' ' -f 1,2 "$d/host_key.pub")"
	done > "$d/known_hosts"
	cat > "$d/config" <<-EOF
		Host *
		Port $port
		User $(id -un)
		IdentityFile $d/user_key
		IdentitiesOnly yes
		UserKnownHostsFile $d/known_hosts
		GlobalKnownHostsFile /dev/null
		StrictHostKeyChecking yes
		BatchMode yes
		LogLevel ERROR
	EOF
	SSH="ssh -F $d/config"
}

setup() {
	sam_setup
	# GNU parallel's own files in the test's directory, not in $HOME
	export PARALLEL_HOME=$BATS_TEST_TMPDIR/.parallel
	sshd_start
}

teardown() {
	stop_pid "$SSHD_PID"
}

# hosts JOBLOG: the hosts that ran a job, a line each.
hosts() {
	awk -F '\t' 'NR > 1 { print $2 }' "$1" | sort -u
}

@test "a backfill sharded over two hosts by ssh: the scored bars come back to one sam-store put, and the store is what one process makes" {
	seq -f 'T%03g' 12 > watch
	sam-fetch --source mock --days 60 -f watch > bars.ndjson
	sam-zscore bars.ndjson | sam-store -r store1 put --kind raw > /dev/null
	parallel --will-cite --ssh "$SSH" -S 1/127.0.0.1,1/127.0.0.2 --joblog jobs \
		--pipe-part -a bars.ndjson --block -2 --group-by "$GROUP" -k "$SAM_BIN/sam-zscore" |
		sam-store -r store2 put --kind raw > /dev/null
	assert_equal "$(hosts jobs)" "$(printf '127.0.0.1\n127.0.0.2')"
	diff -r store1 store2
	[ "$(find store2/raw -name '*.ndjson' | wc -l)" -eq 720 ]
}

@test "the recommended profile with SPY as the market over two hosts: the bars file sent to each as --basefile, its shards' scores judged by one sam-detect: the anomalies of one process" {
	{ echo SPY; seq -f 'T%03g' 30; } > watch
	sam-fetch --source mock --days 200 -f watch > bars.ndjson
	sam-zscore --profile recommended --market bars.ndjson --market-ticker SPY bars.ndjson |
		sam-detect --profile recommended > one
	[ "$(wc -l < one)" -gt 10 ]
	# on each host the jobs run in remote/, where --basefile puts the file
	mkdir remote
	parallel --will-cite --ssh "$SSH" -S 1/127.0.0.1,1/127.0.0.2 --joblog jobs \
		--wd "$PWD/remote" --basefile bars.ndjson --cleanup \
		--pipe-part -a bars.ndjson --block -1 --group-by "$GROUP" -k -q \
		"$SAM_BIN/sam-zscore" --profile recommended --market bars.ndjson --market-ticker SPY |
		sam-detect --profile recommended > two
	assert_equal "$(hosts jobs)" "$(printf '127.0.0.1\n127.0.0.2')"
	cmp one two
	# without it a host has no market series
	run --separate-stderr parallel --will-cite --ssh "$SSH" -S 1/127.0.0.2 --wd "$PWD/remote" \
		--pipe-part -a bars.ndjson --block -1 --group-by "$GROUP" -k -q \
		"$SAM_BIN/sam-zscore" --profile recommended --market bars.ndjson --market-ticker SPY
	assert_equal "$status" 1	# parallel's: one job failed
	assert_output ""
	assert_equal "$stderr" "sam-zscore: fatal: unable to open bars.ndjson: No such file or directory
sam-zscore: bars.ndjson: fatal: unable to read the market series"
}
