#!/usr/bin/env bats
# make install and make uninstall, into a staging directory.

load test_helper

@test "make install puts programs, man pages and share files under DESTDIR and PREFIX; uninstall removes them" {
	make -s -C "$SAM_ROOT" install DESTDIR="$PWD/stage" PREFIX=/usr >/dev/null
	run sh -c 'cd stage && find . -type f | sort'
	assert_output - <<-'EOF'
		./usr/bin/sam-alert
		./usr/bin/sam-detect
		./usr/bin/sam-fetch
		./usr/bin/sam-store
		./usr/bin/sam-zscore
		./usr/share/man/man1/sam-alert.1
		./usr/share/man/man1/sam-detect.1
		./usr/share/man/man1/sam-fetch.1
		./usr/share/man/man1/sam-store.1
		./usr/share/man/man1/sam-zscore.1
		./usr/share/man/man5/sam-store.5
		./usr/share/man/man7/sam.7
		./usr/share/sam/tickers.example
	EOF
	run stat -c '%a' stage/usr/bin/sam-fetch stage/usr/share/man/man7/sam.7
	assert_output $'755\n644'
	stage/usr/bin/sam-zscore --version
	make -s -C "$SAM_ROOT" uninstall DESTDIR="$PWD/stage" PREFIX=/usr >/dev/null
	run find stage -type f
	assert_output ""
}
