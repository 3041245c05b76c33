#!/usr/bin/env bats
# The Debian package: built once by make deb (dpkg-buildpackage -b from
# a copy of the tree; make deb also builds and lints the source package,
# which takes lintian twice as long), checked by lintian, installed into a throwaway root
# (an overlay of / in a mount namespace of its own: dpkg --root runs the
# maintainer scripts chrooted there, every write lands in the overlay's
# upper directory), the demo run from the installed paths, then removed
# and purged.

load test_helper

setup_file() {
	# The package builds its own programs from the source, so the
	# sanitized run of the suite has nothing to add: it runs once.
	if grep -qa __asan_init "$SAM_BIN/sam-fetch"; then
		export DEB_SKIP="the package builds its own programs; the plain run tests it"
		return 0
	fi
	# make check's jobserver and variables are not the package build's
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL DEB_BUILD_OPTIONS=noautodbgsym make -C "$SAM_ROOT" deb \
		DEBDIR="$BATS_FILE_TMPDIR/pkg" DEBFLAGS='-us -uc -b -j2' LINTIAN=: > "$BATS_FILE_TMPDIR/build.log" 2>&1 ||
		{ tail -n 30 "$BATS_FILE_TMPDIR/build.log" >&3; return 1; }
	export DEB_PKG=$BATS_FILE_TMPDIR/pkg
	DEB=$(echo "$DEB_PKG"/sam_*_"$(dpkg --print-architecture)".deb)
	export DEB
}

setup() {
	[ -z "${DEB_SKIP:-}" ] || skip "$DEB_SKIP"
	sam_setup
}

# in_root COMMAND...: runs COMMAND (as root) in a mount namespace where
# $R is / overlaid with ./upper, with /dev, /proc, and a /run and /tmp of
# their own (no daemon of the host is reached); what COMMAND writes under
# $R stays in ./upper for the next in_root.
in_root() {
	mkdir -p upper work root
	cat > in-root.sh <<-'EOF'
		set -eu
		R=$PWD/root
		mount -t overlay overlay -o "lowerdir=/,upperdir=$PWD/upper,workdir=$PWD/work" "$R"
		mount --rbind /dev "$R/dev"
		mount -t proc proc "$R/proc"
		mount -t tmpfs tmpfs "$R/run"
		mount -t tmpfs tmpfs "$R/tmp"
		export R
		exec "$@"
	EOF
	unshare --mount --propagation private sh in-root.sh "$@"
}

# root_dpkg ARG...: dpkg on the throwaway root, its log there too.
root_dpkg() {
	# shellcheck disable=SC2016 # $R is the namespace's
	in_root sh -c 'dpkg --root="$R" --log="$R/var/log/dpkg.log" "$@"' sh "$@"
}

# in_chroot USER COMMAND: COMMAND by sh in the root as USER, PATH=/usr/bin:/bin.
in_chroot() {
	# shellcheck disable=SC2016
	in_root sh -c 'chroot --userspec="$1" "$R" env -i PATH=/usr/bin:/bin HOME=/ LC_ALL=C sh -c "$2"' \
		sh "$1" "$2"
}

need_root() {
	[ "$(id -u)" = 0 ] || skip "dpkg --root and the overlay need root"
	command -v unshare > /dev/null || skip "no unshare"
	# a container without CAP_SYS_ADMIN has no mount namespace or overlay
	mkdir -p probe/upper probe/work probe/root
	unshare --mount --propagation private sh -c 'mount -t overlay overlay \
	    -o "lowerdir=/,upperdir=probe/upper,workdir=probe/work" probe/root' 2> /dev/null ||
		skip "no overlay of / in a mount namespace here (unshare --mount, mount -t overlay)"
	rm -rf probe
}

@test "the package's Build-Depends are installed by share/deps.sh --test, which make check runs on a fresh Debian 12" {
	local p listed missing=''
	listed=$("$SAM_ROOT/share/deps.sh" --list --test)
	# the packages named, one a line (debhelper provides debhelper-compat
	# and dh-sequence-*)
	for p in $(sed -n '/^Build-Depends:/,/^[A-Z][A-Za-z-]*: /p' "$SAM_ROOT/debian/control" |
		sed -e '1s/^Build-Depends://' -e '/^[A-Z][A-Za-z-]*: /d' | tr ',' '\n' |
		sed -e 's/[[(].*//' -e 's/ //g' -e 's/^dh-sequence-.*/debhelper/' -e 's/^debhelper-compat$/debhelper/' |
		sort -u); do
		grep -qx -e "$p" <<< "$listed" || missing="$missing $p"
	done
	assert_equal "$missing" ""
	# build-essential, which dpkg-checkbuilddeps takes for granted
	grep -qx build-essential <<< "$listed"
	run sh -c 'cd "$SAM_ROOT" && dpkg-checkbuilddeps'
	assert_success
}

@test "lintian: no error, warning or info tag on the package" {
	run --separate-stderr lintian --info --fail-on error,warning "$DEB"
	assert_success
	assert_output ""
}

@test "the package's files: the programs, the man pages, the configuration, the units, the crontab, the examples, the completions, the README" {
	run sh -c "dpkg-deb -c '$DEB' | awk '{ print \$1, \$6, \$7, \$8 }'"
	assert_output - <<-'EOF'
		drwxr-xr-x ./  
		drwxr-xr-x ./etc/  
		drwxr-xr-x ./etc/cron.d/  
		-rw-r--r-- ./etc/cron.d/sam  
		drwxr-xr-x ./etc/sam/  
		-rw-r--r-- ./etc/sam/sam.env  
		drwxr-xr-x ./lib/  
		drwxr-xr-x ./lib/systemd/  
		drwxr-xr-x ./lib/systemd/system/  
		-rw-r--r-- ./lib/systemd/system/sam-hourly.service  
		-rw-r--r-- ./lib/systemd/system/sam-hourly.timer  
		-rw-r--r-- ./lib/systemd/system/sam-notify@.service  
		drwxr-xr-x ./usr/  
		drwxr-xr-x ./usr/bin/  
		-rwxr-xr-x ./usr/bin/sam-alert  
		-rwxr-xr-x ./usr/bin/sam-detect  
		-rwxr-xr-x ./usr/bin/sam-fetch  
		-rwxr-xr-x ./usr/bin/sam-hourly  
		-rwxr-xr-x ./usr/bin/sam-serve-static  
		-rwxr-xr-x ./usr/bin/sam-store  
		-rwxr-xr-x ./usr/bin/sam-zscore  
		drwxr-xr-x ./usr/lib/  
		drwxr-xr-x ./usr/lib/sysusers.d/  
		-rw-r--r-- ./usr/lib/sysusers.d/sam.conf  
		drwxr-xr-x ./usr/lib/tmpfiles.d/  
		-rw-r--r-- ./usr/lib/tmpfiles.d/sam.conf  
		drwxr-xr-x ./usr/share/  
		drwxr-xr-x ./usr/share/bash-completion/  
		drwxr-xr-x ./usr/share/bash-completion/completions/  
		-rw-r--r-- ./usr/share/bash-completion/completions/sam-fetch  
		drwxr-xr-x ./usr/share/doc/  
		drwxr-xr-x ./usr/share/doc/sam/  
		-rw-r--r-- ./usr/share/doc/sam/README.md.gz  
		-rw-r--r-- ./usr/share/doc/sam/changelog.gz  
		-rw-r--r-- ./usr/share/doc/sam/copyright  
		drwxr-xr-x ./usr/share/man/  
		drwxr-xr-x ./usr/share/man/man1/  
		-rw-r--r-- ./usr/share/man/man1/sam-alert.1.gz  
		-rw-r--r-- ./usr/share/man/man1/sam-detect.1.gz  
		-rw-r--r-- ./usr/share/man/man1/sam-fetch.1.gz  
		-rw-r--r-- ./usr/share/man/man1/sam-serve-static.1.gz  
		-rw-r--r-- ./usr/share/man/man1/sam-store.1.gz  
		-rw-r--r-- ./usr/share/man/man1/sam-zscore.1.gz  
		drwxr-xr-x ./usr/share/man/man5/  
		-rw-r--r-- ./usr/share/man/man5/sam-store.5.gz  
		-rw-r--r-- ./usr/share/man/man5/sam.env.5.gz  
		drwxr-xr-x ./usr/share/man/man7/  
		-rw-r--r-- ./usr/share/man/man7/sam.7.gz  
		drwxr-xr-x ./usr/share/man/man8/  
		-rw-r--r-- ./usr/share/man/man8/sam-hourly.8.gz  
		drwxr-xr-x ./usr/share/sam/  
		drwxr-xr-x ./usr/share/sam/nginx/  
		-rw-r--r-- ./usr/share/sam/nginx/sam.conf  
		drwxr-xr-x ./usr/share/sam/prometheus/  
		-rw-r--r-- ./usr/share/sam/prometheus/sam.rules.yml  
		-rw-r--r-- ./usr/share/sam/sam.env.example  
		-rw-r--r-- ./usr/share/sam/tickers.example  
		drwxr-xr-x ./usr/share/zsh/  
		drwxr-xr-x ./usr/share/zsh/vendor-completions/  
		-rw-r--r-- ./usr/share/zsh/vendor-completions/_sam  
		lrwxrwxrwx ./usr/share/bash-completion/completions/sam-alert -> sam-fetch
		lrwxrwxrwx ./usr/share/bash-completion/completions/sam-detect -> sam-fetch
		lrwxrwxrwx ./usr/share/bash-completion/completions/sam-hourly -> sam-fetch
		lrwxrwxrwx ./usr/share/bash-completion/completions/sam-serve-static -> sam-fetch
		lrwxrwxrwx ./usr/share/bash-completion/completions/sam-store -> sam-fetch
		lrwxrwxrwx ./usr/share/bash-completion/completions/sam-zscore -> sam-fetch
	EOF
	run sh -c "dpkg-deb --ctrl-tarfile '$DEB' | tar -xOf - ./conffiles"
	assert_output - <<-'EOF'
		/etc/cron.d/sam
		/etc/sam/sam.env
	EOF
	# the version is the Makefile's
	run dpkg-deb -f "$DEB" Version
	assert_output "$(sed -n 's/^VERSION = //p' "$SAM_ROOT/Makefile")"
	dpkg-deb -x "$DEB" x
	run sh -c 'zcat x/usr/share/doc/sam/README.md.gz | cmp - "$SAM_ROOT/README.md"'
	assert_success
	# installed for PREFIX=/usr: no file names /usr/local, the programs
	# (their closures file in /etc/sam) included
	run grep -rl /usr/local x
	assert_output ""
	run sh -c 'zgrep -l /usr/local x/usr/share/man/man*/*'
	assert_output ""
	run grep -h -e '^default_config=' -e 'sam-hourly --config' x/usr/bin/sam-hourly x/etc/cron.d/sam
	assert_output - <<-'EOF'
		default_config=/etc/sam/sam.env	# make install sets this line
		30 * * * *	sam	if [ -x /usr/bin/sam-hourly ] && ! systemctl -q is-active sam-hourly.timer 2>/dev/null; then /usr/bin/sam-hourly --config /etc/sam/sam.env; fi
	EOF
}

@test "installed into a throwaway root: the user sam and /var/lib/sam are made, the timer enabled, the demo runs from the installed paths as sam; remove keeps the configuration and the data, apt-get purge leaves no file behind" {
	need_root
	run root_dpkg -i "$DEB"
	assert_success
	run in_root sh -c 'dpkg-query --root="$R" -W -f="\${Status} \${Version}\n" sam'
	assert_output "install ok installed $(dpkg-deb -f "$DEB" Version)"
	# the postinst: sysusers.d, tmpfiles.d, the timer enabled (systemd is
	# not running in the root: nothing is started)
	run grep '^sam:' upper/etc/passwd
	assert_output --regexp '^sam:x:[0-9]+:[0-9]+:sam stock anomaly monitor:/var/lib/sam:/usr/sbin/nologin$'
	run stat -c '%F %a %u:%g' upper/var/lib/sam
	assert_output "directory 755 $(awk -F : '$1 == "sam" { print $3 ":" $4 }' upper/etc/passwd)"
	run readlink upper/etc/systemd/system/timers.target.wants/sam-hourly.timer
	assert_output /lib/systemd/system/sam-hourly.timer
	# the demo, by the installed programs, into the state directory
	run in_chroot sam:sam 'cd /var/lib/sam &&
		for p in sam-fetch sam-store sam-zscore sam-detect sam-serve-static sam-hourly; do command -v $p; done &&
		sam-fetch --source mock --days 60 AAPL MSFT NVDA | sam-store -r store put --kind raw --tee |
			sam-zscore | sam-detect | sam-store -r store put > new.ndjson &&
		sam-store -r store get raw | wc -l && sam-store -r store get anomalies | wc -l && wc -l < new.ndjson &&
		sam-serve-static build -r store -o site && test -s site/index.html && test -s site/health.json &&
		sam-hourly --config /etc/sam/sam.env --gate-only --at 2024-07-03T13:30'
	assert_success
	read -r raw anomalies new <<< "$(sed -n '7,9p' <<< "$output" | tr '\n' ' ')"
	assert_equal "$raw" 180
	[ "$anomalies" -gt 0 ]
	assert_equal "$new" "$anomalies"
	assert_equal "$(sed -n '1,6p;10p' <<< "$output")" "/usr/bin/sam-fetch
/usr/bin/sam-store
/usr/bin/sam-zscore
/usr/bin/sam-detect
/usr/bin/sam-serve-static
/usr/bin/sam-hourly
due: 2024-07-03 13:30 New York (2024-07-03T17:30:00Z): run slot 13:30, 30 minutes after the 13:00 early close"
	# an edited configuration survives installing the package again
	echo 'SAM_TICKERS=MINE' >> upper/etc/sam/sam.env
	run root_dpkg -i "$DEB"
	assert_success
	run tail -n 1 upper/etc/sam/sam.env
	assert_output SAM_TICKERS=MINE
	# remove: the programs go, the configuration and the data stay
	run root_dpkg -r sam
	assert_success
	[ ! -e upper/usr/bin/sam-fetch ]
	[ ! -e upper/usr/share/man/man1/sam-fetch.1.gz ]
	[ -f upper/etc/sam/sam.env ]
	[ -f upper/etc/cron.d/sam ]
	[ -d upper/var/lib/sam/store/raw ]
	# purge, as the issue says it: apt-get purge, in the root
	# shellcheck disable=SC2016
	run in_root sh -c 'chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
		apt-get purge -y -q sam'
	assert_success
	assert_output --partial 'Purging configuration files for sam'
	# left in the root: dpkg's, apt's and debconf's own databases, logs
	# and caches, man-db's index, and the user sam (Debian keeps system
	# users: files elsewhere may be theirs); nothing of the package, no
	# directory that / has not
	run sh -c 'cd upper && find . -mindepth 1 \( -type d -exec sh -c "[ ! -d \"/\$1\" ]" sh {} \; -o ! -type d \) -print |
		grep -v -e "^\./var/lib/dpkg/" -e "^\./var/log/dpkg\.log$" -e "^\./var/lib/apt/" -e "^\./var/cache/apt/" \
			-e "^\./var/log/apt/" -e "^\./var/cache/debconf/" -e "^\./var/cache/man/" | sort'
	assert_output - <<-'EOF'
		./etc/.pwd.lock
		./etc/group
		./etc/group-
		./etc/gshadow
		./etc/gshadow-
		./etc/passwd
		./etc/passwd-
		./etc/shadow
		./etc/shadow-
	EOF
	run in_root sh -c 'dpkg-query --root="$R" -W sam'
	assert_failure
	assert_output "dpkg-query: no packages found matching sam"
}
