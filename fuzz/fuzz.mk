# fuzz/fuzz.mk - libFuzzer harnesses for every parser of untrusted
# input (fuzz/README).  Included by the top Makefile.
#
#   make fuzz                 each harness for FUZZ_TIME seconds (60)
#   make fuzz FUZZ_TARGETS='yahoo csv' FUZZ_TIME=1200
#   make fuzz-replay          each corpus once, under ASan/UBSan (make check)
#   make fuzz-merge           what make fuzz found, minimized into fuzz/corpus
#
# The harnesses and the objects they test are built with clang into
# $(FUZZ_DIR) (a build of its own, as build/asan is); what make fuzz
# finds goes to $(FUZZ_DIR)/corpus/NAME, crashes to $(FUZZ_DIR)/crash/NAME.

FUZZ_TARGETS = yahoo polygon alphavantage stooq csv ndjson num line anomaly day serve
FUZZ_TIME = 60
FUZZ_DIR = build/fuzz
# More libFuzzer flags for make fuzz, e.g. FUZZ_FLAGS='-jobs=2 -workers=2'.
FUZZ_FLAGS =

FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_MAKE = $(MAKE) --no-print-directory O=$(FUZZ_DIR) CC=clang \
	CFLAGS='-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $(FUZZ_SAN)' \
	LDFLAGS='-fsanitize=fuzzer $(FUZZ_SAN)'

# ---- the harnesses (built by the make above, where O is $(FUZZ_DIR)) ----

FUZZ_FETCH = $(filter-out cmd/sam-fetch.o,$(FETCH)) fuzz/fuzzfetch.o
FUZZ_BINS = $(FUZZ_TARGETS:%=$(O)/fuzz/fuzz-%)

fuzz-bins: $(FUZZ_BINS)

$(O)/fuzz/fuzz-yahoo $(O)/fuzz/fuzz-polygon $(O)/fuzz/fuzz-alphavantage \
$(O)/fuzz/fuzz-stooq $(O)/fuzz/fuzz-csv: $(O)/fuzz/fuzz-%: $(O)/fuzz/fuzz-%.o \
		$(FUZZ_FETCH:%=$(O)/%) $(O)/libz/libsam.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(GSL_LIBS) $(CSV_LIBS) $(CURL_LIBS) $(CJSON_LIBS) -lm
$(O)/fuzz/fuzz-ndjson $(O)/fuzz/fuzz-num $(O)/fuzz/fuzz-line \
$(O)/fuzz/fuzz-anomaly: $(O)/fuzz/fuzz-%: $(O)/fuzz/fuzz-%.o $(O)/libz/libsam.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ -lm
$(O)/fuzz/fuzz-day: $(O)/fuzz/fuzz-day.o $(O)/libstore/libstore.a $(O)/libz/libsam.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ -lm
$(O)/fuzz/fuzz-serve: $(O)/fuzz/fuzz-serve.o $(O)/cmd/site/throttle.o $(O)/libz/libsam.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(MHD_LIBS) -lm

$(O)/fuzz/fuzzfetch.o: override CFLAGS += $(CJSON_CFLAGS)
$(O)/fuzz/fuzz-serve.o: override CFLAGS += $(MHD_CFLAGS)

-include $(FUZZ_TARGETS:%=$(O)/fuzz/fuzz-%.d) $(O)/fuzz/fuzzfetch.d

# ---- the targets ----

fuzz-build:
	+@$(FUZZ_MAKE) fuzz-bins >/dev/null

# Each harness over its corpus once (-runs=0): seconds.  Quiet unless an
# input crashes, leaks or breaks a property: then its report and exit 1.
fuzz-replay: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
		log=$(FUZZ_DIR)/replay-$$t.log; \
		$(FUZZ_DIR)/fuzz/fuzz-$$t -runs=0 fuzz/corpus/$$t >$$log 2>&1 || { \
			echo "fuzz-replay: fuzz-$$t fails on an input of fuzz/corpus/$$t:"; \
			grep -v '^Running\|^Executed' $$log | tail -n 60; exit 1; }; \
	done

# Each harness FUZZ_TIME seconds, niced, the target's own output closed.
fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_DIR)/corpus/$$t $(FUZZ_DIR)/crash/$$t || exit 1; \
		echo "fuzz: fuzz-$$t, $(FUZZ_TIME) s"; \
		case $$t in yahoo|polygon|ndjson|anomaly|day) d=json;; serve) d=http;; *) d=csv;; esac; \
		UBSAN_OPTIONS=print_stacktrace=1 nice -n 19 $(FUZZ_DIR)/fuzz/fuzz-$$t \
			-max_total_time=$(FUZZ_TIME) -print_final_stats=1 -close_fd_mask=3 \
			-dict=fuzz/$$d.dict \
			-artifact_prefix=$(FUZZ_DIR)/crash/$$t/ $(FUZZ_FLAGS) \
			$(FUZZ_DIR)/corpus/$$t fuzz/corpus/$$t 2>&1 | \
			grep -v '^#[0-9]*.*\(NEW\|REDUCE\|pulse\)' || true; \
		[ -z "$$(ls $(FUZZ_DIR)/crash/$$t)" ] || { \
			echo "fuzz: fuzz-$$t: crashes in $(FUZZ_DIR)/crash/$$t/"; exit 1; }; \
	done

# The corpus kept in the tree: the old one and what make fuzz found,
# minimized: -merge=1 into a fresh directory keeps the smallest inputs
# that reach every edge (-use_counters=0: edges, not hit counts, so that
# the corpus stays small).
fuzz-merge: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
		rm -rf fuzz/corpus/$$t.new && mkdir -p fuzz/corpus/$$t.new $(FUZZ_DIR)/corpus/$$t && \
		nice -n 19 $(FUZZ_DIR)/fuzz/fuzz-$$t -merge=1 -use_counters=0 -close_fd_mask=3 \
			fuzz/corpus/$$t.new \
			fuzz/corpus/$$t $(FUZZ_DIR)/corpus/$$t 2>&1 | grep '^MERGE-OUTER: [0-9]* new' ; \
		[ -n "$$(ls fuzz/corpus/$$t.new)" ] || { echo "fuzz-merge: $$t: nothing merged"; exit 1; }; \
		rm -rf fuzz/corpus/$$t && mv fuzz/corpus/$$t.new fuzz/corpus/$$t || exit 1; \
	done

.PHONY: fuzz-bins fuzz-build fuzz-merge
