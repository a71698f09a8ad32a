# dealbook - build, test, run. See README.md.
#
#   make            build everything (installs missing Debian packages)
#   make test       build and run every test; ends with "N passed, N failed"
#   make run        start dealbookd (log + every service) in the foreground, demo data on first start (data in ./var)
#   make bench      benchmarks (prints a table)
#   make fuzz       run each libFuzzer target for FUZZ_SECONDS
#   make format     clang-format every C file
#   make install PREFIX=/usr/local
#   SAN=1           build with AddressSanitizer + UndefinedBehaviorSanitizer

SHELL      := /bin/bash
PREFIX     ?= /usr/local
SAN        ?= 0
FUZZ_SECONDS ?= 30

ifeq ($(SAN),1)
BUILD      := build/san
SANFLAGS   := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT        := -O1 -g
else
BUILD      := build/release
SANFLAGS   :=
OPT        := -O2 -g
endif

PKGS       := libczmq libzmq lmdb msgpack libsodium jansson libutf8proc
CC         ?= cc
CFLAGS      = -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror $(OPT) $(SANFLAGS) -Iinclude -MMD -MP \
              $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS      = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread
LDFLAGS    := $(SANFLAGS)

LIB_SRC    := $(wildcard libshared/*.c)
LIB_OBJ    := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
LIB        := $(BUILD)/libdealbook.a

# Each services/<name>/ holds a service's modules and a thin main.c that
# becomes $(BUILD)/bin/dealbook-<name>; tests link every module.
# services/dealbookd/ is the all-in-one process: every actor, one binary
SERVICES   := $(filter-out dealbookd,$(notdir $(wildcard services/*)))
SVC_SRC    := $(filter-out %/main.c,$(wildcard services/*/*.c))
SVC_OBJ    := $(SVC_SRC:%.c=$(BUILD)/obj/%.o)
SVC_LIB    := $(BUILD)/libdealbook-services.a
SVC_BINS   := $(foreach s,$(SERVICES),$(if $(wildcard services/$(s)/main.c),$(BUILD)/bin/dealbook-$(s)))
SVC_INC    := $(addprefix -Iservices/,$(SERVICES) dealbookd)

BINS       := $(SVC_BINS) $(BUILD)/bin/dealbookd $(BUILD)/bin/dealbook
TEST_SRC   := $(wildcard tests/test_*.c)
TEST_BINS  := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
HELPER_SRC := $(wildcard tests/helpers/*.c)
HELPER_BINS := $(HELPER_SRC:tests/helpers/%.c=$(BUILD)/tests/%)
# tests/preload/*.c: LD_PRELOAD shims that inject faults into a service
# process (a failed fsync, a job held). Built without the sanitizers: they
# are loaded before the runtime of an ASan binary (verify_asan_link_order=0)
PRELOAD_SRC := $(wildcard tests/preload/*.c)
PRELOAD_LIBS := $(PRELOAD_SRC:tests/preload/%.c=$(BUILD)/tests/%.so)
BENCH_SRC  := $(wildcard bench/*.c)
BENCH_BINS := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
# bench/support/*.c: modules every bench program links
BENCH_SUPPORT_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard bench/support/*.c))

DEPS_STAMP := build/.deps-ok

.PHONY: all deps test run bench fuzz format install clean
.SECONDARY:
all: $(DEPS_STAMP) $(BINS)

# Missing Debian packages are installed (apt-get update first); the stamp
# is refreshed whenever this Makefile or the script changes.
$(DEPS_STAMP): scripts/deps.sh Makefile
	@bash scripts/deps.sh
	@mkdir -p build && touch $@

$(BUILD)/obj/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@$(CC) $(CFLAGS) $(SVC_INC) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	ar rcs $@ $^

# an archive, so that each binary links only the service modules it uses
$(SVC_LIB): $(SVC_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/bin/dealbook-%: $(BUILD)/obj/services/%/main.o $(SVC_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bin/dealbookd: $(BUILD)/obj/services/dealbookd/main.o $(SVC_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bin/dealbook: $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard cli/*.c)) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(BUILD)/obj/tests/support/testlib.o $(SVC_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcriterion

$(BUILD)/tests/%: $(BUILD)/obj/tests/helpers/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%.so: tests/preload/%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror $(OPT) -fPIC -shared -o $@ $< -ldl

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(BENCH_SUPPORT_OBJ) $(SVC_LIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

test: all $(TEST_BINS) $(HELPER_BINS) $(PRELOAD_LIBS) $(BENCH_BINS)
	@BUILD=$(BUILD) SAN=$(SAN) bash tests/run.sh

# everything in one process (dealbookd), demo data on the first start;
# RUN_DATA: its data directory
RUN_DATA ?= ./var/dealbook
run: all
	@mkdir -p $(RUN_DATA)
	$(BUILD)/bin/dealbookd --data-dir $(RUN_DATA) --demo 1 --managers li.mei --directors wang.zong

bench: all $(BENCH_BINS)
	@BUILD=$(BUILD) bash bench/run.sh

fuzz: $(DEPS_STAMP)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) bash fuzz/run.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/dealbook
	install -m 755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib/
	install -m 644 include/dealbook/*.h $(DESTDIR)$(PREFIX)/include/dealbook/

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
