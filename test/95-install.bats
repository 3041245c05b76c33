#!/usr/bin/env bats
# make install and make uninstall, into a staging directory.

load test_helper

@test "make install puts programs, man pages, share files and the configuration under DESTDIR and PREFIX; uninstall removes them" {
	make -s -C "$SAM_ROOT" install DESTDIR="$PWD/stage" PREFIX=/usr >/dev/null
	run sh -c 'cd stage && find . -type f | sort'
	assert_output - <<-'EOF'
		./etc/sam/sam.env
		./usr/bin/sam-alert
		./usr/bin/sam-detect
		./usr/bin/sam-fetch
		./usr/bin/sam-hourly
		./usr/bin/sam-serve-static
		./usr/bin/sam-store
		./usr/bin/sam-zscore
		./usr/share/man/man1/sam-alert.1
		./usr/share/man/man1/sam-detect.1
		./usr/share/man/man1/sam-fetch.1
		./usr/share/man/man1/sam-serve-static.1
		./usr/share/man/man1/sam-store.1
		./usr/share/man/man1/sam-zscore.1
		./usr/share/man/man5/sam-store.5
		./usr/share/man/man5/sam.env.5
		./usr/share/man/man7/sam.7
		./usr/share/man/man8/sam-hourly.8
		./usr/share/sam/cron/sam.crontab
		./usr/share/sam/nginx/sam.conf
		./usr/share/sam/sam.env.example
		./usr/share/sam/systemd/sam-hourly.service
		./usr/share/sam/systemd/sam-hourly.timer
		./usr/share/sam/tickers.example
	EOF
	run stat -c '%a' stage/usr/bin/sam-fetch stage/usr/bin/sam-hourly stage/usr/share/man/man7/sam.7 \
		stage/usr/share/sam/cron/sam.crontab
	assert_output $'755\n755\n644\n644'
	stage/usr/bin/sam-zscore --version
	make -s -C "$SAM_ROOT" uninstall DESTDIR="$PWD/stage" PREFIX=/usr >/dev/null
	run find stage -type f
	assert_output ""
}

@test "the installed wrapper, crontab and units name the installed configuration and programs" {
	make -s -C "$SAM_ROOT" install DESTDIR="$PWD/stage" PREFIX=/opt/sam >/dev/null
	run grep -h -e '^default_config=' -e 'sam-hourly --config' -e '^PATH=' \
		stage/opt/sam/bin/sam-hourly stage/opt/sam/share/sam/cron/sam.crontab \
		stage/opt/sam/share/sam/systemd/sam-hourly.service
	assert_output - <<-'EOF'
		default_config=/opt/sam/etc/sam/sam.env	# make install sets this line
		PATH=/opt/sam/bin:/usr/bin:/bin
		30 * * * *	sam	sam-hourly --config /opt/sam/etc/sam/sam.env
		ExecStart=/opt/sam/bin/sam-hourly --config /opt/sam/etc/sam/sam.env
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

@test "an edited configuration survives make install and make uninstall" {
	mkdir -p stage/etc/sam
	echo 'SAM_TICKERS=MINE' > stage/etc/sam/sam.env
	make -s -C "$SAM_ROOT" install DESTDIR="$PWD/stage" PREFIX=/usr >/dev/null
	make -s -C "$SAM_ROOT" uninstall DESTDIR="$PWD/stage" PREFIX=/usr >/dev/null
	run cat stage/etc/sam/sam.env
	assert_output 'SAM_TICKERS=MINE'
}
