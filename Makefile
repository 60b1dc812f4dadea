# ndjson-migrate: one non-recursive GNU make file.
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
DESTDIR ?=
WERROR  ?= -Werror
OPT     ?= -O2 -g
# Build directory; `make check-asan` uses build-asan with SAN set.
B       ?= build
SAN     ?=
SHARED  ?= $(abspath ../shared)

WARN = -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
       -Wmissing-prototypes -Wformat=2 -Wvla $(WERROR)
ALL_CFLAGS = $(WARN) $(OPT) $(SAN) -D_GNU_SOURCE -Icommon $(CFLAGS)
ALL_LDFLAGS = $(SAN) $(LDFLAGS)

pkg = $(shell pkg-config --$(1) $(2) 2>/dev/null)
PQ_CFLAGS     = $(call pkg,cflags,libpq)
PQ_LIBS       = $(call pkg,libs,libpq)
SQLITE_CFLAGS = $(call pkg,cflags,sqlite3)
SQLITE_LIBS   = $(call pkg,libs,sqlite3)
PCRE_CFLAGS   = $(call pkg,cflags,libpcre2-8)
PCRE_LIBS     = $(call pkg,libs,libpcre2-8)
REDIS_LIBS    = $(call pkg,libs,hiredis) $(call pkg,libs,openssl) -lpthread
LZF_LIBS      = $(call pkg,libs,liblzf)
BSON_CFLAGS   = $(call pkg,cflags,libbson-1.0)
BSON_LIBS     = $(call pkg,libs,libbson-1.0)
Z_LIBS        = $(call pkg,libs,zlib)

TOOLS = sqlite-dump-ndjson pg-copy-load ndjson-map redis-dump-ndjson mongo-dump-ndjson \
	pg-verify cron-convert
COMMON = buf cli copybin errinfo isotime json keyset md5 ndjson pct pgconn pghash pgjsonb sqltext
UNIT = test_buf test_cli test_json test_keyset test_md5 test_ndjson test_pghash test_sqltext
FUZZ = fuzz_json fuzz_copy fuzz_map fuzz_mapexpr fuzz_redisurl fuzz_bson fuzz_jsonb fuzz_cron fuzz_rdb \
	fuzz_typmod
# what the fuzz targets link: the parsers, no client libraries
FUZZ_COMMON = buf cli copybin errinfo isotime json keyset md5 ndjson pct pghash pgjsonb

COMMON_OBJ = $(COMMON:%=$(B)/common/%.o)
LIBCOMMON = $(B)/libcommon.a
BINS = $(TOOLS:%=$(B)/bin/%)
UNIT_BINS = $(UNIT:%=$(B)/tests/%)
FUZZ_BINS = $(FUZZ:%=$(B)/tests/%-replay)

all: $(BINS) $(B)/bench/json-scan

tests: $(BINS) $(UNIT_BINS) $(FUZZ_BINS)

$(B)/common/%.o: common/%.c common/*.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(PQ_CFLAGS) -c -o $@ $<

$(LIBCOMMON): $(COMMON_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(B)/bin/sqlite-dump-ndjson: cmd/sqlite-dump-ndjson/*.c cmd/sqlite-dump-ndjson/*.h common/*.h $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(SQLITE_CFLAGS) -o $@ $(filter %.c,$^) \
		$(LIBCOMMON) $(ALL_LDFLAGS) $(SQLITE_LIBS) -lm

$(B)/bin/ndjson-map: cmd/ndjson-map/*.c cmd/ndjson-map/*.h common/*.h $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(PCRE_CFLAGS) -o $@ $(filter %.c,$^) $(LIBCOMMON) \
		$(ALL_LDFLAGS) $(PCRE_LIBS) -lm

$(B)/bin/redis-dump-ndjson: cmd/redis-dump-ndjson/*.c cmd/redis-dump-ndjson/*.h common/*.h $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $(filter %.c,$^) $(LIBCOMMON) \
		$(ALL_LDFLAGS) $(REDIS_LIBS) $(LZF_LIBS) -lm

$(B)/bin/mongo-dump-ndjson: cmd/mongo-dump-ndjson/*.c cmd/mongo-dump-ndjson/*.h common/*.h $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(BSON_CFLAGS) -o $@ $(filter %.c,$^) $(LIBCOMMON) \
		$(ALL_LDFLAGS) $(BSON_LIBS) $(Z_LIBS) -lm

$(B)/bin/pg-copy-load: cmd/pg-copy-load/*.c common/*.h $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(PQ_CFLAGS) -o $@ $(filter %.c,$^) \
		$(LIBCOMMON) $(ALL_LDFLAGS) $(PQ_LIBS) -lm

$(B)/bin/cron-convert: cmd/cron-convert/*.c cmd/cron-convert/*.h common/*.h $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $(filter %.c,$^) $(LIBCOMMON) $(ALL_LDFLAGS) -lm

# pg-verify reads the stream with pg-copy-load's loader (input, batches,
# encoders) into staging tables, then compares in SQL
LOADER = cmd/pg-copy-load/batch.c \
	cmd/pg-copy-load/copyenc.c cmd/pg-copy-load/create.c \
	cmd/pg-copy-load/input.c cmd/pg-copy-load/target.c \
	cmd/pg-copy-load/typmod.c
$(B)/bin/pg-verify: cmd/pg-verify/*.c cmd/pg-verify/*.h $(LOADER) cmd/pg-copy-load/*.h common/*.h $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(PQ_CFLAGS) -Icmd/pg-copy-load -o $@ $(filter %.c,$^) \
		$(LIBCOMMON) $(ALL_LDFLAGS) $(PQ_LIBS) -lm

$(B)/tests/test_%: tests/unit/test_%.c tests/unit/test.h $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBCOMMON) $(ALL_LDFLAGS) -lm

$(B)/bench/json-scan: scripts/bench/json-scan.c $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBCOMMON) $(ALL_LDFLAGS) -lm

# The fuzz targets, linked with a driver that replays corpus files.
$(B)/tests/%-replay: tests/fuzz/%.c tests/fuzz/replay.c $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $(filter %.c,$^) $(LIBCOMMON) $(ALL_LDFLAGS) -lm

# ndjson-map's record path: its main file, with main renamed
$(B)/tests/fuzz_map-replay: tests/fuzz/fuzz_map.c tests/fuzz/replay.c cmd/ndjson-map/*.[ch] $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(PCRE_CFLAGS) -Wno-missing-prototypes -o $@ tests/fuzz/fuzz_map.c tests/fuzz/replay.c cmd/ndjson-map/mapexpr.c $(LIBCOMMON) $(ALL_LDFLAGS) $(PCRE_LIBS) -lm

$(B)/tests/fuzz_mapexpr-replay: tests/fuzz/fuzz_mapexpr.c tests/fuzz/replay.c cmd/ndjson-map/*.[ch] $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(PCRE_CFLAGS) -o $@ tests/fuzz/fuzz_mapexpr.c tests/fuzz/replay.c cmd/ndjson-map/mapexpr.c $(LIBCOMMON) $(ALL_LDFLAGS) $(PCRE_LIBS) -lm

# mongo-dump-ndjson's BSON emitter
$(B)/tests/fuzz_bson-replay: tests/fuzz/fuzz_bson.c tests/fuzz/replay.c cmd/mongo-dump-ndjson/emit.c cmd/mongo-dump-ndjson/mdump.h $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(BSON_CFLAGS) -o $@ $(filter %.c,$^) $(LIBCOMMON) $(ALL_LDFLAGS) $(BSON_LIBS) -lm

# redis-dump-ndjson's URL parser, without hiredis
$(B)/tests/fuzz_redisurl-replay: tests/fuzz/fuzz_redisurl.c tests/fuzz/replay.c cmd/redis-dump-ndjson/url.c cmd/redis-dump-ndjson/rdump.h $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $(filter %.c,$^) $(LIBCOMMON) $(ALL_LDFLAGS) -lm

# redis-dump-ndjson's RDB reader, without hiredis
$(B)/tests/fuzz_rdb-replay: tests/fuzz/fuzz_rdb.c tests/fuzz/replay.c cmd/redis-dump-ndjson/rdb.c cmd/redis-dump-ndjson/seen.c cmd/redis-dump-ndjson/rdb.h cmd/redis-dump-ndjson/seen.h $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $(filter %.c,$^) $(LIBCOMMON) $(ALL_LDFLAGS) $(LZF_LIBS) -lm

# cron-convert's parsers: cron fields, the Python literal subset
CRON_PARSE = cmd/cron-convert/celery.c cmd/cron-convert/cronexpr.c cmd/cron-convert/entry.c \
	cmd/cron-convert/crontab.c cmd/cron-convert/rows.c
$(B)/tests/fuzz_cron-replay: tests/fuzz/fuzz_cron.c tests/fuzz/replay.c $(CRON_PARSE) cmd/cron-convert/*.h $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $(filter %.c,$^) $(LIBCOMMON) $(ALL_LDFLAGS) -lm

# pg-copy-load's encoders, without libpq
COPY_ENC = cmd/pg-copy-load/copyenc.c
$(B)/tests/fuzz_copy-replay: tests/fuzz/fuzz_copy.c tests/fuzz/replay.c $(COPY_ENC) cmd/pg-copy-load/*.h $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $(filter %.c,$^) $(LIBCOMMON) $(ALL_LDFLAGS) -lm

# pg-copy-load's type modifier guard, without libpq
TYPMOD = cmd/pg-copy-load/typmod.c
$(B)/tests/fuzz_typmod-replay: tests/fuzz/fuzz_typmod.c tests/fuzz/replay.c $(TYPMOD) cmd/pg-copy-load/typmod.h $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $(filter %.c,$^) $(LIBCOMMON) $(ALL_LDFLAGS) -lm

# Fuzzing campaigns: every target under ASan+UBSan for FUZZ_TIME seconds
# (600), FUZZ_JOBS at a time (scripts/fuzz-campaign; crashes land in
# tests/fuzz/crashes).  fuzz-build only builds them into build-fuzz/, e.g.
#   build-fuzz/fuzz_json -max_total_time=60 tests/fuzz/corpus/json
fuzz: fuzz-build
	FUZZ_TIME=$${FUZZ_TIME:-600} scripts/fuzz-campaign $(FUZZ_TARGETS)

fuzz-build:
	@mkdir -p build-fuzz
	for f in $(FUZZ); do \
		clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -D_GNU_SOURCE \
			-Icommon -o build-fuzz/$$f tests/fuzz/$$f.c \
			$(FUZZ_COMMON:%=common/%.c) \
			$$([ $$f = fuzz_copy ] && echo $(COPY_ENC)) \
			$$(case $$f in fuzz_map*) echo cmd/ndjson-map/mapexpr.c -lpcre2-8;; \
				fuzz_redisurl) echo cmd/redis-dump-ndjson/url.c;; \
				fuzz_rdb) echo cmd/redis-dump-ndjson/rdb.c cmd/redis-dump-ndjson/seen.c $(LZF_LIBS);; \
				fuzz_cron) echo $(CRON_PARSE);; \
				fuzz_typmod) echo $(TYPMOD);; \
				fuzz_bson) echo cmd/mongo-dump-ndjson/emit.c $(BSON_CFLAGS) $(BSON_LIBS);; esac) \
			-lm || exit; \
	done

# The randomized pipeline tests as a longer campaign (make check runs a few
# seeds of each): SEEDS=N to change it.
fuzz-pipelines: tests
	SEEDS=$${SEEDS:-200} SHARED=$(SHARED) B=$(B) bash tests/integration/sqlite-property.sh
	SEEDS=$${SEEDS:-150} SHARED=$(SHARED) B=$(B) bash tests/integration/sqlite-differential.sh
	SEEDS=$${SEEDS:-50} SHARED=$(SHARED) B=$(B) bash tests/integration/pg-copy-load-reject-property.sh
	SEEDS=$${SEEDS:-40} SHARED=$(SHARED) B=$(B) bash tests/integration/cron-convert.sh
	SEEDS=$${SEEDS:-100} SHARED=$(SHARED) B=$(B) bash tests/integration/pg-copy-load-create-infer.sh
	SEEDS=$${SEEDS:-100} SHARED=$(SHARED) B=$(B) bash tests/integration/ndjson-map-exact.sh
	SEEDS=$${SEEDS:-40} SHARED=$(SHARED) B=$(B) bash tests/integration/ndjson-map-regex.sh
	SEEDS=$${SEEDS:-40} SHARED=$(SHARED) B=$(B) bash tests/integration/ndjson-map-keys.sh

# Long runs with memory sampled every second (scripts/soak): 10M rows
# SQLite -> PostgreSQL, pg-verify of them, 10M records through ndjson-map.
soak: deps
	$(MAKE) all
	B=$(B) scripts/soak $(SOAK_ROWS)

deps:
	scripts/install-deps

check: deps check-shell
	$(MAKE) tests
	SHARED=$(SHARED) scripts/run-tests $(B)

# Every shell file (scripts, tests, the examples' scripts) passes
# shellcheck at warning level; .shellcheckrc files say how it reads them
SHELL_FILES = $(sort $(wildcard scripts/*.sh scripts/*/*.sh tests/integration/*.sh examples/*/*.sh) \
	$(shell grep -rlE '^#!/bin/(ba)?sh' scripts tests examples 2>/dev/null))
check-shell:
	shellcheck -x -S warning $(SHELL_FILES)

check-asan: deps
	$(MAKE) B=build-asan OPT='-O1 -g -fno-omit-frame-pointer' \
		SAN='-fsanitize=address,undefined -fno-sanitize-recover=all' tests
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		SHARED=$(SHARED) scripts/run-tests build-asan

check-valgrind: tests
	VALGRIND=1 SHARED=$(SHARED) scripts/run-tests $(B)

demo: deps
	$(MAKE) all
	KEEP=$(KEEP) scripts/demo $(B)

bench: deps
	$(MAKE) all
	for s in scripts/bench/*; do case $$s in *.sh|*.c) continue;; esac; B=$(B) $$s || exit; done

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)
	install -m 644 $(TOOLS:%=man/%.1) $(DESTDIR)$(MANDIR)/man1
	install -m 644 man/ndjson-migrate.7 $(DESTDIR)$(MANDIR)/man7

format:
	clang-format -i common/*.[ch] cmd/*/*.c tests/unit/*.[ch] tests/fuzz/*.c scripts/bench/*.c

check-format:
	clang-format --dry-run --Werror common/*.[ch] cmd/*/*.c tests/unit/*.[ch] tests/fuzz/*.c scripts/bench/*.c

clean:
	rm -rf build build-asan build-fuzz

.PHONY: soak fuzz-build all tests fuzz fuzz-pipelines deps check check-shell check-asan check-valgrind demo bench \
	install format check-format clean
