# sam - stock anomaly monitor.  See README.md.
VERSION = 0.1.0

ALL = sam-fetch sam-zscore sam-detect sam-store sam-alert sam-serve-static
MAN1 = man/sam-fetch.1 man/sam-zscore.1 man/sam-detect.1 man/sam-store.1 man/sam-alert.1 \
       man/sam-serve-static.1
MAN5 = man/sam-store.5 man/sam.env.5
MAN7 = man/sam.7
MAN8 = man/sam-hourly.8

LIBZ = libz/log.o libz/buf.o libz/line.o libz/input.o libz/json.o \
       libz/num.o libz/valid.o libz/time.o libz/nyse.o libz/roll.o libz/map.o \
       libz/url.o libz/secret.o libz/anomaly.o libz/calib.o libz/profile.o \
       libz/help.o libz/retry.o libz/tz.o libz/watch.o libz/opt.o \
       libz/rec.o libz/jfast.o
FETCH = cmd/sam-fetch.o cmd/fetch/bars.o cmd/fetch/mock.o cmd/fetch/csv.o cmd/fetch/cells.o \
        cmd/fetch/net.o cmd/fetch/source.o cmd/fetch/yahoo.o cmd/fetch/polygon.o
ZSCORE = cmd/sam-zscore.o cmd/zscore/market.o
DETECT = cmd/sam-detect.o cmd/detect/fdr.o
# The store's layer (libstore/store.h, libstore.a): sam-store, sam-alert
# and sam-serve-static read and write the store only through it.
LIBSTORE = libstore/root.o libstore/day.o libstore/batch.o libstore/walk.o
STORE = cmd/sam-store.o cmd/store/put.o cmd/store/get.o cmd/store/prune.o cmd/store/fsck.o \
        cmd/store/stats.o cmd/store/append.o
# sam-alert keeps its state in the store.
ALERT = cmd/sam-alert.o cmd/alert/read.o cmd/alert/payload.o cmd/alert/alertmanager.o cmd/alert/notice.o \
        cmd/alert/noticeread.o cmd/alert/send.o cmd/alert/state.o
# sam-serve-static reads the store; its CSS and script (share/site/) are
# compiled in as assets.o.
SITE = cmd/sam-serve-static.o cmd/site/load.o cmd/site/bars.o cmd/site/api.o cmd/site/html.o \
       cmd/site/chart.o cmd/site/publish.o cmd/site/serve.o cmd/site/throttle.o cmd/site/assets.o
ASSETS = share/site/style.css share/site/app.js

# O is the build directory: objects and binaries (the sanitizer and
# clang builds use their own).
O = .
PREFIX = /usr/local
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man
SHAREDIR = $(PREFIX)/share/sam
# /etc for a system package (PREFIX=/usr), else PREFIX/etc.
SYSCONFDIR = $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)

CC ?= cc
CFLAGS ?= -O2 -g -pipe -fstack-protector-strong -D_FORTIFY_SOURCE=2
WERROR ?= -Werror
override CFLAGS += -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 $(WERROR) -D_POSIX_C_SOURCE=200809L \
	-DSAM_VERSION='"$(VERSION)"' -Ilibz -Ilibstore -MMD -MP
LDFLAGS ?= -Wl,-z,relro,-z,now

PKG_CONFIG ?= pkg-config
GSL_CFLAGS != $(PKG_CONFIG) --cflags gsl 2>/dev/null || true
GSL_LIBS != $(PKG_CONFIG) --libs gsl 2>/dev/null || echo -lgsl -lgslcblas
CURL_CFLAGS != $(PKG_CONFIG) --cflags libcurl 2>/dev/null || true
CURL_LIBS != $(PKG_CONFIG) --libs libcurl 2>/dev/null || echo -lcurl
MHD_CFLAGS != $(PKG_CONFIG) --cflags libmicrohttpd 2>/dev/null || true
MHD_LIBS != $(PKG_CONFIG) --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd
CJSON_CFLAGS != $(PKG_CONFIG) --cflags libcjson 2>/dev/null || true
CJSON_LIBS != $(PKG_CONFIG) --libs libcjson 2>/dev/null || echo -lcjson
# Debian's libcsv ships no pkg-config file.
CSV_LIBS ?= -lcsv

BINS = $(ALL:%=$(O)/%)
LIBZ_O = $(LIBZ:%=$(O)/%)
LIBSTORE_O = $(LIBSTORE:%=$(O)/%)

all: $(BINS)

$(O)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CPPFLAGS) -c -o $@ $<

$(O)/cmd/fetch/%.o: override CFLAGS += $(GSL_CFLAGS) $(CURL_CFLAGS) $(CJSON_CFLAGS)
$(O)/libz/url.o $(O)/libz/retry.o $(O)/cmd/alert/send.o: override CFLAGS += $(CURL_CFLAGS)
# the extra closures' default file, in the configuration's directory
$(O)/libz/nyse.o: override CFLAGS += -DSAM_SYSCONFDIR='"$(SYSCONFDIR)"'
$(O)/libz/calib.o: override CFLAGS += $(GSL_CFLAGS)
$(O)/cmd/site/serve.o: override CFLAGS += $(MHD_CFLAGS)
$(O)/cmd/site/assets.o: override CFLAGS += -Icmd/site

$(O)/cmd/site/assets.c: cmd/site/embed.sh $(ASSETS)
	@mkdir -p $(@D)
	sh cmd/site/embed.sh $(ASSETS) > $@.tmp && mv $@.tmp $@
$(O)/cmd/site/assets.o: $(O)/cmd/site/assets.c
	$(CC) $(CFLAGS) $(CPPFLAGS) -c -o $@ $<

$(O)/libz/libsam.a: $(LIBZ_O)
	rm -f $@
	$(AR) rcs $@ $(LIBZ_O)
$(O)/libstore/libstore.a: $(LIBSTORE_O)
	rm -f $@
	$(AR) rcs $@ $(LIBSTORE_O)

$(O)/sam-fetch: $(FETCH:%=$(O)/%) $(O)/libz/libsam.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(FETCH:%=$(O)/%) $(O)/libz/libsam.a $(GSL_LIBS) $(CSV_LIBS) \
		$(CURL_LIBS) $(CJSON_LIBS) -lm
$(O)/sam-store: $(STORE:%=$(O)/%) $(O)/libstore/libstore.a $(O)/libz/libsam.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ -lm
$(O)/sam-alert: $(ALERT:%=$(O)/%) $(O)/libstore/libstore.a $(O)/libz/libsam.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(CURL_LIBS) -lm
$(O)/sam-serve-static: $(SITE:%=$(O)/%) $(O)/libstore/libstore.a $(O)/libz/libsam.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(MHD_LIBS) $(GSL_LIBS) -lm
$(O)/sam-zscore: $(ZSCORE:%=$(O)/%) $(O)/libz/libsam.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ -lm
$(O)/sam-detect: $(DETECT:%=$(O)/%) $(O)/libz/libsam.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(GSL_LIBS) -lm
$(O)/test/unit: $(O)/test/unit.o $(O)/libz/libsam.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ -lm

# ---- tests ----

# The suite again, built with AddressSanitizer and UBSan.
ASAN = $(MAKE) --no-print-directory O=build/asan \
	CFLAGS='-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all' \
	LDFLAGS='-fsanitize=address,undefined' build/asan/test/unit $(ALL:%=build/asan/%)

# The plain and the sanitized runs go side by side, one a core; the
# second one's TAP output is shown when it ends.
# What the tests need is installed first (share/deps.sh --test).
check:
	@share/deps.sh --test
	@$(MAKE) --no-print-directory check-run

check-run: all $(O)/test/unit lint
	@rm -f test/.results
	@$(ASAN) -j2 >/dev/null
	@$(MAKE) --no-print-directory -j2 clang >/dev/null
	@$(MAKE) --no-print-directory -j2 fuzz-replay
	@log=$$(mktemp); test/run build/asan asan > "$$log" 2>&1 & pid=$$!; \
	test/run . plain; wait $$pid; cat "$$log"; rm -f "$$log"
	@test/run --total

check-asan:
	@$(ASAN)
	@rm -f test/.results
	@test/run build/asan asan

# Built with clang as well: warnings are errors there too.
clang:
	@$(MAKE) --no-print-directory O=build/clang CC=clang build/clang/test/unit $(ALL:%=build/clang/%)

lint:
	@mandoc -T lint -W warning $(MAN1) $(MAN5) $(MAN7) $(MAN8)
	@shellcheck -S warning test/run test/man-examples share/*.sh bench/*.sh .ci/run test/*.bash \
		cmd/site/embed.sh cron/sam-hourly fuzz/seed.sh share/completions/bash/sam
	@zsh -n share/completions/zsh/_sam

# ---- the main job, on the mock source ----

demo:
	@share/deps.sh
	@$(MAKE) -s --no-print-directory all
	@share/demo.sh

bench: all
	bench/zscore.sh
	bench/json-libs.sh
	bench/fetch.sh
	bench/store.sh
	bench/alert.sh
	bench/site.sh
	bench/crash.sh

# ---- install ----

# Where systemd looks for units, sysusers.d and tmpfiles.d files: what
# pkg-config says for a system package (PREFIX=/usr), else PREFIX/lib/...,
# which systemd reads for PREFIX=/usr/local too.  cron reads only
# /etc/cron.d: the entry goes there for a system package, else beside
# the other examples.  Each can be set: make install CRONDIR=/etc/cron.d
systemd_dir = $(or $(if $(filter /usr,$(PREFIX)),$(shell $(PKG_CONFIG) --variable=$(1) systemd 2>/dev/null)),$(PREFIX)/lib/$(2))
SYSTEMDUNITDIR := $(call systemd_dir,systemdsystemunitdir,systemd/system)
SYSUSERSDIR := $(call systemd_dir,sysusersdir,sysusers.d)
TMPFILESDIR := $(call systemd_dir,tmpfilesdir,tmpfiles.d)
CRONDIR = $(if $(filter /usr,$(PREFIX)),/etc/cron.d,$(SHAREDIR)/cron)
# bash-completion reads PREFIX/share/bash-completion/completions for
# /usr and /usr/local; Debian's zsh reads vendor-completions under /usr,
# zsh's own site-functions under /usr/local.
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR = $(PREFIX)/share/zsh/$(if $(filter /usr,$(PREFIX)),vendor-completions,site-functions)
# the programs the completions complete: bash-completion loads the file
# by a program's name (sam-fetch, the others linked to it)
COMPLETED = $(ALL) sam-hourly

# The wrapper, the crontab, the units and the man pages name the
# installed paths (the man pages, like the sources, say PREFIX=/usr/local's).
INSTALL_PATHS = sed -e 's|/usr/local/etc/sam/|$(SYSCONFDIR)/sam/|g' -e 's|/usr/local/bin|$(BINDIR)|g' \
	-e 's|/usr/local/lib/systemd/system|$(SYSTEMDUNITDIR)|g' -e 's|/usr/local/lib/sysusers.d|$(SYSUSERSDIR)|g' \
	-e 's|/usr/local/lib/tmpfiles.d|$(TMPFILESDIR)|g' -e 's|/usr/local/share/sam/cron/sam|$(CRONDIR)/sam|g' \
	-e 's|/usr/local/share/sam/|$(SHAREDIR)/|g' -e 's|/usr/local/share/bash-completion/completions|$(BASHCOMPDIR)|g' \
	-e 's|/usr/local/share/zsh/site-functions|$(ZSHCOMPDIR)|g'
SHARE_FILES = share/tickers.example share/sam.env.example
MAN = $(MAN1) $(MAN5) $(MAN7) $(MAN8)
UNITS = sam-hourly.service sam-hourly.timer sam-notify@.service
install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SHAREDIR) \
		$(DESTDIR)$(SHAREDIR)/nginx $(DESTDIR)$(SHAREDIR)/prometheus \
		$(DESTDIR)$(SYSCONFDIR)/sam $(DESTDIR)$(CRONDIR) \
		$(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)
	$(INSTALL_PATHS) cron/sam-hourly > $(DESTDIR)$(BINDIR)/sam-hourly
	chmod 755 $(DESTDIR)$(BINDIR)/sam-hourly
	for m in $(MAN); do \
		$(INSTALL_PATHS) $$m > $(DESTDIR)$(MANDIR)/man$${m##*.}/$${m#man/} || exit 1; \
		chmod 644 $(DESTDIR)$(MANDIR)/man$${m##*.}/$${m#man/}; done
	for f in $(SHARE_FILES); do \
		$(INSTALL_PATHS) $$f > $(DESTDIR)$(SHAREDIR)/$${f#share/} || exit 1; \
		chmod 644 $(DESTDIR)$(SHAREDIR)/$${f#share/}; done
	$(INSTALL_PATHS) cron/sam.crontab > $(DESTDIR)$(CRONDIR)/sam
	chmod 644 $(DESTDIR)$(CRONDIR)/sam
	for u in $(UNITS); do \
		$(INSTALL_PATHS) share/systemd/$$u > $(DESTDIR)$(SYSTEMDUNITDIR)/$$u || exit 1; \
		chmod 644 $(DESTDIR)$(SYSTEMDUNITDIR)/$$u; done
	install -m 644 share/sysusers.d/sam.conf $(DESTDIR)$(SYSUSERSDIR)/sam.conf
	install -m 644 share/tmpfiles.d/sam.conf $(DESTDIR)$(TMPFILESDIR)/sam.conf
	install -m 644 share/nginx/sam.conf $(DESTDIR)$(SHAREDIR)/nginx
	$(INSTALL_PATHS) share/prometheus/sam.rules.yml > $(DESTDIR)$(SHAREDIR)/prometheus/sam.rules.yml
	chmod 644 $(DESTDIR)$(SHAREDIR)/prometheus/sam.rules.yml
	install -m 644 share/completions/bash/sam $(DESTDIR)$(BASHCOMPDIR)/sam-fetch
	for t in $(filter-out sam-fetch,$(COMPLETED)); do ln -sf sam-fetch $(DESTDIR)$(BASHCOMPDIR)/$$t || exit 1; done
	install -m 644 share/completions/zsh/_sam $(DESTDIR)$(ZSHCOMPDIR)/_sam
	# the configuration: the example, unless there is one already
	[ -e $(DESTDIR)$(SYSCONFDIR)/sam/sam.env ] || \
		$(INSTALL_PATHS) share/sam.env.example > $(DESTDIR)$(SYSCONFDIR)/sam/sam.env

# The configuration stays if it was edited.
uninstall:
	rm -f $(ALL:%=$(DESTDIR)$(BINDIR)/%) $(DESTDIR)$(BINDIR)/sam-hourly
	rm -f $(MAN1:man/%=$(DESTDIR)$(MANDIR)/man1/%) $(MAN5:man/%=$(DESTDIR)$(MANDIR)/man5/%) \
		$(MAN7:man/%=$(DESTDIR)$(MANDIR)/man7/%) $(MAN8:man/%=$(DESTDIR)$(MANDIR)/man8/%)
	rm -f $(SHARE_FILES:share/%=$(DESTDIR)$(SHAREDIR)/%) $(DESTDIR)$(CRONDIR)/sam \
		$(UNITS:%=$(DESTDIR)$(SYSTEMDUNITDIR)/%) $(DESTDIR)$(SYSUSERSDIR)/sam.conf \
		$(DESTDIR)$(TMPFILESDIR)/sam.conf $(DESTDIR)$(SHAREDIR)/nginx/sam.conf \
		$(DESTDIR)$(SHAREDIR)/prometheus/sam.rules.yml
	rm -f $(COMPLETED:%=$(DESTDIR)$(BASHCOMPDIR)/%) $(DESTDIR)$(ZSHCOMPDIR)/_sam
	# where earlier versions put the crontab and the units
	rm -f $(DESTDIR)$(SHAREDIR)/cron/sam.crontab $(DESTDIR)$(SHAREDIR)/systemd/sam-hourly.service \
		$(DESTDIR)$(SHAREDIR)/systemd/sam-hourly.timer
	-$(INSTALL_PATHS) share/sam.env.example | cmp -s - $(DESTDIR)$(SYSCONFDIR)/sam/sam.env && \
		rm -f $(DESTDIR)$(SYSCONFDIR)/sam/sam.env
	-rmdir $(DESTDIR)$(SHAREDIR)/cron $(DESTDIR)$(SHAREDIR)/systemd $(DESTDIR)$(SHAREDIR)/nginx \
		$(DESTDIR)$(SHAREDIR)/prometheus $(DESTDIR)$(SHAREDIR) $(DESTDIR)$(SYSCONFDIR)/sam 2>/dev/null

# ---- the Debian package ----

# debian/'s package, built by dpkg-buildpackage -us -uc in a copy of the
# tree in DEBDIR/sam-VERSION (the files git has or would add: no build
# products; without git, all but build/, which debian/rules clean
# cleans), then checked by lintian: DEBDIR/sam_VERSION_ARCH.deb.
# LINTIAN=: skips the check.
DEBDIR = build/pkg
DEBFLAGS = -us -uc
LINTIAN = lintian --info --fail-on error,warning
deb:
	@v=$$(dpkg-parsechangelog -S Version) && [ "$$v" = $(VERSION) ] || \
		{ echo "make deb: debian/changelog is at $$v, VERSION at $(VERSION)" >&2; exit 1; }
	rm -rf $(DEBDIR)/sam-$(VERSION) $(DEBDIR)/sam_$(VERSION)* $(DEBDIR)/sam-dbgsym_$(VERSION)*
	mkdir -p $(DEBDIR)/sam-$(VERSION)
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git ls-files -co --exclude-standard | while IFS= read -r f; do [ ! -e "$$f" ] || echo "$$f"; done | \
			tar -cf - -T -; \
	else tar -cf - --exclude=./build --exclude=./.git .; fi | tar -xf - -C $(DEBDIR)/sam-$(VERSION)
	cd $(DEBDIR)/sam-$(VERSION) && dpkg-buildpackage $(DEBFLAGS)
	$(LINTIAN) $(DEBDIR)/sam_$(VERSION)_*.changes

clean:
	rm -rf $(ALL) libz/*.[oad] libstore/*.[oad] cmd/*.[od] cmd/fetch/*.[od] cmd/store/*.[od] cmd/alert/*.[od] cmd/zscore/*.[od] cmd/detect/*.[od] cmd/site/*.[od] cmd/site/assets.c test/*.[od] test/unit build test/.results demo demo-store demo-site .demo-site.prev

include fuzz/fuzz.mk

-include $(LIBZ_O:.o=.d) $(LIBSTORE_O:.o=.d) $(FETCH:%.o=$(O)/%.d) $(STORE:%.o=$(O)/%.d) $(ALERT:%.o=$(O)/%.d) $(SITE:%.o=$(O)/%.d) $(ZSCORE:%.o=$(O)/%.d) $(DETECT:%.o=$(O)/%.d) $(O)/test/unit.d

.PHONY: all check check-run check-asan clang lint demo bench install uninstall deb clean fuzz fuzz-replay
