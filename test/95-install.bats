#!/usr/bin/env bats
# make install and make uninstall, into a staging directory: the
# programs, the man pages, the crontab where cron reads it, the systemd
# units, sysusers.d and tmpfiles.d files where systemd reads them.

load test_helper
load http

teardown() {
	boot_stop
	httpd_stop
}

# install_to DESTDIR PREFIX [VAR=value...]: the binaries under test.
install_to() {
	local dest=$1 prefix=$2
	shift 2
	make -s -C "$SAM_ROOT" install O="$SAM_BIN" DESTDIR="$dest" PREFIX="$prefix" "$@" >/dev/null
}

uninstall_from() {
	make -s -C "$SAM_ROOT" uninstall O="$SAM_BIN" DESTDIR="$1" PREFIX="$2" >/dev/null
}

# What the distribution's pkg-config says of systemd's directories (for
# PREFIX=/usr), else where systemd reads them under /usr.
systemd_dir() {
	local d
	d=$(pkg-config --variable="$1" systemd 2>/dev/null) || d=
	echo "${d:-/usr/lib/$2}"
}

# boot_start STAGE UNITS: systemd as PID 1 in namespaces of its own
# (mount, PID, UTS, IPC, cgroup; the network is the host's), in a
# cgroup of its own, with STAGE/opt/sam at /opt/sam, a private /var/lib,
# /run and /etc (an overlay), the user sam made there by the installed sysusers.d file
# and /var/lib/sam by the tmpfiles.d one, the units in UNITS and
# /opt/sam/lib/systemd/system.  Sets BOOT_PID (PID 1's, outside) and
# BOOT_CGROUP.  Skips where that cannot be done.
boot_start() {
	local stage=$1 units=$2 cgroot self systemd i
	[ "$(id -u)" = 0 ] || skip "booting systemd in namespaces needs root"
	command -v unshare > /dev/null && command -v nsenter > /dev/null || skip "no unshare or nsenter"
	systemd=$(pkg-config --variable=systemdutildir systemd 2>/dev/null)/systemd
	[ -x "$systemd" ] || systemd=/usr/lib/systemd/systemd
	[ -x "$systemd" ] || skip "no systemd to boot"
	cgroot=$(findmnt -n -t cgroup2 -o TARGET | head -n 1)
	self=$(sed -n 's/^0:://p' /proc/self/cgroup)
	BOOT_CGROUP=$cgroot${self%/}/sam-test.$$.$BATS_TEST_NUMBER
	[ -n "$cgroot" ] && mkdir "$BOOT_CGROUP" || skip "no cgroup2 hierarchy to make a cgroup in"
	cat > boot.sh <<-'EOF'
		set -e
		stage=$1 units=$2 systemd=$3
		mount -t tmpfs tmpfs /opt
		mkdir /opt/sam
		mount --bind "$stage/opt/sam" /opt/sam
		mount -t tmpfs tmpfs /var/lib
		mount -t tmpfs tmpfs /run
		mkdir "$stage/etc.upper" "$stage/etc.work"
		mount -t overlay overlay -o "lowerdir=/etc,upperdir=$stage/etc.upper,workdir=$stage/etc.work" /etc
		systemd-sysusers /opt/sam/lib/sysusers.d/sam.conf
		systemd-tmpfiles --create /opt/sam/lib/tmpfiles.d/sam.conf
		chown sam:sam /opt/sam/etc/sam/webhook
		mount -t cgroup2 cgroup2 /sys/fs/cgroup
		exec env -i container=sam-test PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			SYSTEMD_UNIT_PATH="$units:/opt/sam/lib/systemd/system" \
			"$systemd" --system --unit=sam-test.target --log-target=console
	EOF
	sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$BOOT_CGROUP" \
		unshare --cgroup --pid --fork --mount --uts --ipc --mount-proc \
		sh boot.sh "$stage" "$units" "$systemd" > boot.log 2>&1 3>&- &
	BOOT_UNSHARE=$!
	for ((i = 0; i < 300; i++)); do
		BOOT_PID=$(cat "/proc/$BOOT_UNSHARE/task/$BOOT_UNSHARE/children" 2>/dev/null) || BOOT_PID=
		BOOT_PID=${BOOT_PID% }
		if [ -n "$BOOT_PID" ]; then
			case $(in_boot systemctl is-system-running 2>/dev/null) in
			running | degraded) return 0 ;;
			esac
		fi
		kill -0 "$BOOT_UNSHARE" 2>/dev/null || break
		sleep 0.1
	done
	echo "systemd did not come up:"
	cat boot.log
	return 1
}

# in_boot COMMAND...: runs COMMAND in the booted system's namespaces.
in_boot() {
	nsenter -t "$BOOT_PID" -m -p "$@"
}

# boot_stop: kills the booted system, waits for it, removes its cgroups.
boot_stop() {
	[ -n "${BOOT_UNSHARE:-}" ] || return 0
	[ -z "${BOOT_PID:-}" ] || kill -KILL "$BOOT_PID" 2>/dev/null || true
	wait "$BOOT_UNSHARE" 2>/dev/null || true
	[ -z "${BOOT_CGROUP:-}" ] || find "$BOOT_CGROUP" -depth -type d -exec rmdir {} + 2>/dev/null || true
	BOOT_UNSHARE= BOOT_PID=
}

# The files every install has, under PREFIX ($1).
common_files() {
	local p=$1 f
	for f in sam-alert sam-detect sam-fetch sam-hourly sam-serve-static sam-store sam-zscore; do
		echo ".$p/bin/$f"
	done
	for f in 1/sam-alert.1 1/sam-detect.1 1/sam-fetch.1 1/sam-serve-static.1 1/sam-store.1 \
		1/sam-zscore.1 5/sam-store.5 5/sam.env.5 7/sam.7 8/sam-hourly.8; do
		echo ".$p/share/man/man$f"
	done
	printf '%s\n' ".$p/share/sam/nginx/sam.conf" ".$p/share/sam/prometheus/sam.rules.yml" \
		".$p/share/sam/sam.env.example" ".$p/share/sam/tickers.example" \
		".$p/share/bash-completion/completions/sam-fetch"
}

@test "make install PREFIX=/usr puts the units, sysusers.d and tmpfiles.d files where pkg-config says, the crontab in /etc/cron.d; uninstall removes them" {
	local units sysusers tmpfiles
	units=$(systemd_dir systemdsystemunitdir systemd/system)
	sysusers=$(systemd_dir sysusersdir sysusers.d)
	tmpfiles=$(systemd_dir tmpfilesdir tmpfiles.d)
	install_to "$PWD/stage" /usr
	run sh -c 'cd stage && find . -type f | sort'
	assert_output "$({
		common_files /usr
		printf '%s\n' ./etc/cron.d/sam ./etc/sam/sam.env ./usr/share/zsh/vendor-completions/_sam \
			".$units/sam-hourly.service" \
			".$units/sam-hourly.timer" ".$units/sam-notify@.service" ".$sysusers/sam.conf" \
			".$tmpfiles/sam.conf"
	} | sort)"
	run stat -c '%a %n' stage/usr/bin/sam-fetch stage/usr/bin/sam-hourly stage/usr/share/man/man7/sam.7 \
		stage/etc/cron.d/sam "stage$units/sam-hourly.service" "stage$units/sam-notify@.service" \
		"stage$sysusers/sam.conf" "stage$tmpfiles/sam.conf"
	assert_output - <<-EOF
		755 stage/usr/bin/sam-fetch
		755 stage/usr/bin/sam-hourly
		644 stage/usr/share/man/man7/sam.7
		644 stage/etc/cron.d/sam
		644 stage$units/sam-hourly.service
		644 stage$units/sam-notify@.service
		644 stage$sysusers/sam.conf
		644 stage$tmpfiles/sam.conf
	EOF
	stage/usr/bin/sam-zscore --version
	# bash-completion loads a program's completion by its name
	run sh -c 'cd stage/usr/share/bash-completion/completions && for f in *; do echo "$f $(readlink "$f")"; done'
	assert_output - <<-'EOF'
		sam-alert sam-fetch
		sam-detect sam-fetch
		sam-fetch 
		sam-hourly sam-fetch
		sam-serve-static sam-fetch
		sam-store sam-fetch
		sam-zscore sam-fetch
	EOF
	uninstall_from "$PWD/stage" /usr
	run find stage ! -type d
	assert_output ""
}

@test "make install PREFIX=/usr/local puts the units, sysusers.d and tmpfiles.d files under /usr/local/lib, the crontab beside the examples; uninstall removes them" {
	install_to "$PWD/stage" /usr/local
	run sh -c 'cd stage && find . -type f | sort'
	assert_output "$({
		common_files /usr/local
		printf '%s\n' ./usr/local/etc/sam/sam.env ./usr/local/lib/systemd/system/sam-hourly.service \
			./usr/local/lib/systemd/system/sam-hourly.timer \
			./usr/local/lib/systemd/system/sam-notify@.service \
			./usr/local/lib/sysusers.d/sam.conf ./usr/local/lib/tmpfiles.d/sam.conf \
			./usr/local/share/sam/cron/sam ./usr/local/share/zsh/site-functions/_sam
	} | sort)"
	uninstall_from "$PWD/stage" /usr/local
	run find stage -type f
	assert_output ""
}

@test "the directories can be given: make install SYSTEMDUNITDIR=... CRONDIR=..." {
	install_to "$PWD/stage" /opt/sam SYSTEMDUNITDIR=/etc/systemd/system CRONDIR=/etc/cron.d \
		SYSUSERSDIR=/etc/sysusers.d TMPFILESDIR=/etc/tmpfiles.d
	run sh -c 'cd stage/etc && find . -type f | sort'
	assert_output - <<-'EOF'
		./cron.d/sam
		./systemd/system/sam-hourly.service
		./systemd/system/sam-hourly.timer
		./systemd/system/sam-notify@.service
		./sysusers.d/sam.conf
		./tmpfiles.d/sam.conf
	EOF
	make -s -C "$SAM_ROOT" uninstall O="$SAM_BIN" DESTDIR="$PWD/stage" PREFIX=/opt/sam \
		SYSTEMDUNITDIR=/etc/systemd/system CRONDIR=/etc/cron.d SYSUSERSDIR=/etc/sysusers.d \
		TMPFILESDIR=/etc/tmpfiles.d >/dev/null
	run find stage -type f
	assert_output ""
}

@test "the installed wrapper, crontab and units name the installed configuration and programs" {
	install_to "$PWD/stage" /opt/sam
	run grep -h -e '^default_config=' -e 'sam-hourly --config' -e '^PATH=' -e '^ExecStart=' \
		stage/opt/sam/bin/sam-hourly stage/opt/sam/share/sam/cron/sam \
		stage/opt/sam/lib/systemd/system/sam-hourly.service \
		stage/opt/sam/lib/systemd/system/sam-notify@.service
	assert_output - <<-'EOF'
		default_config=/opt/sam/etc/sam/sam.env	# make install sets this line
		PATH=/usr/bin:/bin
		30 * * * *	sam	if [ -x /opt/sam/bin/sam-hourly ] && ! systemctl -q is-active sam-hourly.timer 2>/dev/null; then /opt/sam/bin/sam-hourly --config /opt/sam/etc/sam/sam.env; fi
		ExecStart=/opt/sam/bin/sam-hourly --config /opt/sam/etc/sam/sam.env
		ExecStart=/opt/sam/bin/sam-hourly --config /opt/sam/etc/sam/sam.env --notify-failure %i
	EOF
	# the installed wrapper finds the installed programs beside it
	mkdir store
	cat > stage/opt/sam/etc/sam/sam.env <<-EOF
		SAM_TICKERS=ACME
		SAM_STORE=$PWD/store
		SAM_SITE=$PWD/site
	EOF
	run env -u SAM_BIN PATH=/usr/bin:/bin SAM_CONFIG="$PWD/stage/opt/sam/etc/sam/sam.env" \
		stage/opt/sam/bin/sam-hourly --gate-only --at 2024-07-03T13:30
	assert_success
	assert_output 'due: 2024-07-03 13:30 New York (2024-07-03T17:30:00Z): run slot 13:30, 30 minutes after the 13:00 early close'
}

@test "the crontab's PATH names each directory once, and its name is one Debian's cron reads, for every PREFIX" {
	local prefix file
	for prefix in /usr /usr/local /opt/sam; do
		rm -rf stage
		install_to "$PWD/stage" "$prefix"
		file=$(cd stage && find . -path '*/cron*/sam*' -type f)
		case $prefix in
		/usr) [ "$file" = ./etc/cron.d/sam ] ;;
		*) [ "$file" = ".$prefix/share/sam/cron/sam" ] ;;
		esac
		# run-parts naming: letters, digits, _ and - only
		[[ ${file##*/} =~ ^[A-Za-z0-9_-]+$ ]] || false
		run sed -n 's/^PATH=//p' "stage/$file"
		assert_output /usr/bin:/bin
		run sh -c "sed -n 's/^PATH=//p' 'stage/$file' | tr : '\n' | sort | uniq -d"
		assert_output ""
	done
}

@test "cron's command runs the installed job unless sam-hourly.timer is active or the program is gone" {
	local cmd
	install_to "" "$PWD/prefix" CRONDIR="$PWD/prefix/cron.d"
	mkdir store active inactive
	cat > prefix/etc/sam/sam.env <<-EOF
		SAM_TICKERS=ACME
		SAM_STORE=$PWD/store
		SAM_SITE=$PWD/site
	EOF
	# systemctl -q is-active UNIT: 0 if active, else 3
	printf '#!/bin/sh\n[ "$*" = "-q is-active sam-hourly.timer" ]\n' > active/systemctl
	printf '#!/bin/sh\nexit 3\n' > inactive/systemctl
	chmod +x active/systemctl inactive/systemctl
	# the command of the line (after minute hour day month weekday user),
	# asking only whether a run is due
	cmd=$(awk -F '\t' '/^30 /{ print $3 }' prefix/cron.d/sam)
	cmd=${cmd/--config/--gate-only --at 2024-07-03T13:30 --config}
	run env -i PATH="$PWD/inactive:/usr/bin:/bin" sh -c "$cmd"
	assert_success
	assert_output 'due: 2024-07-03 13:30 New York (2024-07-03T17:30:00Z): run slot 13:30, 30 minutes after the 13:00 early close'
	run env -i PATH="$PWD/active:/usr/bin:/bin" sh -c "$cmd"
	assert_success
	assert_output ""
	rm prefix/bin/sam-hourly
	run env -i PATH="$PWD/inactive:/usr/bin:/bin" sh -c "$cmd"
	assert_success
	assert_output ""
}

@test "the installed man pages name the installed configuration, units and crontab, for every PREFIX" {
	local prefix etc units
	for prefix in /usr /usr/local /opt/sam; do
		rm -rf stage
		install_to "$PWD/stage" "$prefix"
		case $prefix in
		/usr) etc=/etc units=$(systemd_dir systemdsystemunitdir systemd/system) ;;
		*) etc=$prefix/etc units=$prefix/lib/systemd/system ;;
		esac
		run grep -h -e "^\.It Pa $etc/sam/sam.env" -e '^\.It Pa .*/sam-hourly.service' \
			-e '^\.It Pa .*cron.*/sam$' "stage$prefix/share/man/man8/sam-hourly.8"
		case $prefix in
		/usr) assert_output - <<-EOF
			.It Pa /etc/sam/sam.env
			.It Pa /etc/cron.d/sam
			.It Pa $units/sam-hourly.service , sam-hourly.timer
			EOF
			;;
		*) assert_output - <<-EOF
			.It Pa $etc/sam/sam.env
			.It Pa $prefix/share/sam/cron/sam
			.It Pa $units/sam-hourly.service , sam-hourly.timer
			EOF
			;;
		esac
		run grep -c "^\.It Pa $etc/sam/sam.env\$" "stage$prefix/share/man/man5/sam.env.5"
		assert_output 1
		[ "$prefix" = /usr/local ] && continue
		run grep -rl /usr/local "stage$prefix/share/man"
		assert_output ""
	done
}

@test "systemd finds the installed units, users and directories in the staged root, for PREFIX=/usr and /usr/local" {
	[ "$(id -u)" = 0 ] || skip "systemd-tmpfiles can set the owner only as root"
	local prefix uid
	for prefix in /usr /usr/local; do
		rm -rf root
		install_to "$PWD/root" "$prefix"
		mkdir -p root/etc
		# by name, on systemd's own search path in the root
		run systemd-analyze security --offline=true --root="$PWD/root" sam-hourly.service
		assert_success
		systemd-sysusers --root="$PWD/root"
		run grep '^sam:' root/etc/passwd
		assert_output --regexp '^sam:x:[0-9]+:[0-9]+:sam stock anomaly monitor:/var/lib/sam:/usr/sbin/nologin$'
		systemd-tmpfiles --root="$PWD/root" --create
		uid=$(awk -F : '$1 == "sam" { print $3 ":" $4 }' root/etc/passwd)
		run stat -c '%F %a %u:%g' root/var/lib/sam
		assert_output "directory 755 $uid"
	done
}

@test "systemd-analyze security rates sam-hourly.service and sam-notify@.service at most 2.0 (OK)" {
	local unit score
	install_to "$PWD/root" /usr
	for unit in sam-hourly.service sam-notify@sam-hourly.service.service; do
		run systemd-analyze security --offline=true --root="$PWD/root" --threshold=20 "$unit"
		assert_success
		score=$(printf '%s\n' "$output" | sed -n "s/.*Overall exposure level for $unit: \([0-9.]*\) .*/\1/p")
		echo "$unit: $score"
		[ -n "$score" ]
		awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'
	done
}

@test "the installed units pass systemd-analyze verify: directives, the programs, the man pages they name" {
	install_to "" "$PWD/prefix"
	cd prefix/lib/systemd/system
	run env MANPATH="$PWD/../../../share/man" systemd-analyze verify sam-hourly.service sam-hourly.timer \
		sam-notify@.service
	assert_success
	assert_output ""
	run grep -h -e '^OnFailure=' -e '^User=' -e '^StateDirectory=' sam-hourly.service sam-notify@.service
	assert_output - <<-'EOF'
		OnFailure=sam-notify@%n.service
		User=sam
		StateDirectory=sam
		User=sam
		StateDirectory=sam
	EOF
}

@test "under systemd, sam-hourly.service runs the job in its sandbox, and a failed run starts sam-notify@ with --notify-failure" {
	local base unit new sent i
	install_to "$PWD/stage" /opt/sam
	base=$(systemd_dir systemdsystemunitdir systemd/system)
	mkdir units units/sam-hourly.service.d units/sam-notify@.service.d
	# the targets the units depend on, and one to boot into
	for unit in basic.target local-fs.target network-online.target network.target paths.target \
		shutdown.target slices.target sockets.target swap.target sysinit.target timers.target; do
		cp "$base/$unit" units/
	done
	printf '[Unit]\nDescription=sam test\n' > units/sam-test.target
	# a due time (an early close), the output where the test reads it
	cat > units/sam-hourly.service.d/test.conf <<-'EOF'
		[Service]
		Environment=SAM_NOW=2024-07-03T17:30:00Z
		StandardOutput=append:/opt/sam/job.log
		StandardError=append:/opt/sam/job.log
	EOF
	printf '[Service]\nStandardOutput=append:/opt/sam/notify.log\nStandardError=append:/opt/sam/notify.log\n' \
		> units/sam-notify@.service.d/test.conf
	# LeakSanitizer stops the world with ptrace, which the units' system
	# call filter refuses, as it should; the rest of the suite checks leaks
	if grep -qa __asan_init "$SAM_BIN/sam-fetch"; then
		echo 'Environment=ASAN_OPTIONS=detect_leaks=0' |
			tee -a units/sam-hourly.service.d/test.conf units/sam-notify@.service.d/test.conf > /dev/null
	fi
	printf '200 OK\n\nok\n' > ok.http
	echo '^/hook ok.http' > routes
	httpd_start "$PWD/routes"
	echo "$HTTPD_URL/hook" > stage/opt/sam/etc/sam/webhook
	chmod 600 stage/opt/sam/etc/sam/webhook
	cat > stage/opt/sam/etc/sam/sam.env <<-'EOF'
		SAM_TICKERS="AAPL MSFT NVDA"
		SAM_SOURCE=mock
		SAM_PROFILE=original
		SAM_THRESHOLD=3
		SAM_STORE=/var/lib/sam/store
		SAM_SITE=/var/lib/sam/site
		SAM_ALERT_TO=webhook
		SAM_WEBHOOK_URL_FILE=/opt/sam/etc/sam/webhook
	EOF
	boot_start "$PWD/stage" "$PWD/units"
	run in_boot systemctl start sam-hourly.service
	[ "$status" -eq 0 ] || { echo "$output"; cat stage/opt/sam/job.log; false; }
	run sed -n 's/^sam-hourly: run ok: [0-9]* bars, \([0-9]*\) new anomalies, \([0-9]*\) alerts sent, 0 dead letters$/\1 \2/p' \
		stage/opt/sam/job.log
	read -r new sent <<< "$output"
	[ "${new:-0}" -gt 0 ] && [ "$sent" = "$new" ] || { cat stage/opt/sam/job.log; false; }
	[ "$(httpd_requests '^/hook' | wc -l)" -ge 1 ]
	run in_boot stat -c '%U:%G %a %n' /var/lib/sam /var/lib/sam/store /var/lib/sam/site /var/lib/sam/site/index.html
	assert_output - <<-'EOF'
		sam:sam 755 /var/lib/sam
		sam:sam 755 /var/lib/sam/store
		sam:sam 755 /var/lib/sam/site
		sam:sam 644 /var/lib/sam/site/index.html
	EOF
	# a run that fails: a source that does not exist
	sed -i 's/^SAM_SOURCE=.*/SAM_SOURCE=nowhere/' stage/opt/sam/etc/sam/sam.env
	hooks=$(httpd_requests '^/hook' | wc -l)
	run in_boot systemctl start sam-hourly.service
	assert_failure
	unit=sam-notify@sam-hourly.service.service
	for ((i = 0; i < 100; i++)); do
		case $(in_boot systemctl show -P ActiveState "$unit") in activating | active) sleep 0.1 ;; *) break ;; esac
	done
	run in_boot systemctl show -P InvocationID "$unit"
	[[ $output =~ ^[0-9a-f]{32}$ ]] || { echo "$unit did not run: $output"; false; }
	run in_boot systemctl show -P ExecStart "$unit"
	assert_output --partial 'argv[]=/opt/sam/bin/sam-hourly --config /opt/sam/etc/sam/sam.env --notify-failure sam-hourly.service ;'
	# it told: one notice, though the job stopped at its configuration
	run in_boot systemctl show -P Result "$unit"
	assert_output success
	assert_equal "$(httpd_requests '^/hook' | wc -l)" $((hooks + 1))
	run jq -r '.alerts[0].labels | "\(.event) \(.unit)"' <<< "$(httpd_body "$(wc -l < "$HTTPD_LOG")")"
	assert_output "unit_failed sam-hourly.service"
}

@test "an edited configuration survives make install and make uninstall" {
	mkdir -p stage/etc/sam
	echo 'SAM_TICKERS=MINE' > stage/etc/sam/sam.env
	install_to "$PWD/stage" /usr
	uninstall_from "$PWD/stage" /usr
	run cat stage/etc/sam/sam.env
	assert_output 'SAM_TICKERS=MINE'
}
