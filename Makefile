# dfota-station build.
#
# Every folder is one job; its .c files are globbed, so adding a module never
# needs an edit here. All library code (everything but the two mains) goes
# into one static archive that the station, the emulator and every test link.
#
#   make            build/dfota-station and build/dfota-sim
#   make check      unit, integration and USB tests (Check)
#   make san        the whole suite under ASan+UBSan (in build-san/)
#   make tsan       the threaded tests under ThreadSanitizer (in build-tsan/)
#   make fuzz       libFuzzer targets, FUZZ_SECONDS each (in build-fuzz/)
#   make demo       the station against emulated modules
#   make bench      scale and speed figures into bench/RESULTS.md (~15 min)
#   make deps       install the Debian packages this project needs
#   make install    PREFIX=/usr/local DESTDIR=

CC       ?= cc
BUILD    ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=
SANFLAGS ?=
PKGS     := libusb-1.0 libserialport ncursesw libconfig libpq libmicrohttpd libcrypto
VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)
# umockdev (glib) only for dfota-sim's emulated USB tree; -isystem keeps
# glib's headers out of our warnings.
UMOCKDEV_CFLAGS := $(patsubst -I%,-isystem %,$(shell pkg-config --cflags umockdev-1.0 2>/dev/null))
UMOCKDEV_LIBS   := $(shell pkg-config --libs umockdev-1.0 2>/dev/null)

# -Werror in development builds only: a package build (dpkg-buildflags,
# another compiler) sets WERROR= so a new warning never breaks it.
WERROR   ?= -Werror
WARN     := -Wall -Wextra $(WERROR) -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-error=deprecated-declarations -Wno-format-truncation
CFLAGS   ?= -O2 -g
V        ?= 0
Q        := $(if $(filter 1,$(V)),,@)
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -DDFOTA_VERSION='"$(VERSION)"' $(WARN) $(CPPFLAGS) $(CFLAGS) $(SANFLAGS) \
             -I. $(PKG_CFLAGS) -MMD -MP
LDLIBS_ALL = $(LDFLAGS) $(PKG_LIBS) -lpthread -lm

# Layers, lowest first; a folder includes only folders before it (see
# docs/architecture.md). app/ is the program's composition root: the
# station's main and its subcommands, linked into dfota-station only.
LIB_DIRS := dialects text config packages station reports ui central lineview
LIB_SRC  := $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c))
APP_SRC  := $(wildcard app/*.c)
APP_OBJ  := $(APP_SRC:%.c=$(BUILD)/%.o)
SIM_SRC  := $(wildcard sim/*.c)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
SIM_OBJ  := $(SIM_SRC:%.c=$(BUILD)/%.o)
LIB      := $(BUILD)/libdfota.a

STATION  := $(BUILD)/dfota-station
SIM      := $(BUILD)/dfota-sim
# Preloaded by `dfota-sim hub` for the command it runs (see the file).
HUBFIX   := $(BUILD)/libdfota-hubfix.so

UNIT_SRC := $(wildcard tests/unit/test_*.c)
INTG_SRC := $(wildcard tests/integration/test_*.c)
TEST_HELPER_SRC := $(wildcard tests/harness/*.c)
TEST_HELPER_OBJ := $(TEST_HELPER_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
INTG_BIN := $(INTG_SRC:tests/integration/%.c=$(BUILD)/tests/%)

.PHONY: all check unit integration san tsan demo deps install clean fuzz fuzz-build tsan-check bench

all: $(STATION) $(SIM) $(HUBFIX)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(STATION): $(APP_OBJ) $(LIB)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/sim/sim_hub_tree.o: ALL_CFLAGS += $(UMOCKDEV_CFLAGS)

# No sanitizer here: a preloaded object must not pull in a runtime.
$(HUBFIX): sim/preload/sim_hub_realpath.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -fPIC -shared -o $@ $< -ldl

$(SIM): $(SIM_OBJ) $(LIB)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(UMOCKDEV_LIBS) $(LDLIBS_ALL)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(TEST_HELPER_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS_ALL)

$(BUILD)/tests/%: $(BUILD)/tests/integration/%.o $(TEST_HELPER_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS_ALL)

# bench/: figures, never a pass/fail test (bench/run.py; bench/RESULTS.md).
BENCH_BIN := $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c))

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS_ALL)

# Tests find the binaries and the data through the environment (and run in
# UTC: report days follow the local zone), so the same
# test executables run against a sanitizer build.
TEST_ENV = DFOTA_STATION=$(abspath $(STATION)) DFOTA_SIM=$(abspath $(SIM)) \
           DFOTA_TESTDATA=$(abspath tests/data) DFOTA_TMP=$(abspath $(BUILD)/tmp) \
           CK_DEFAULT_TIMEOUT=120 TZ=UTC

check: all $(UNIT_BIN) $(INTG_BIN)
	@mkdir -p $(BUILD)/tmp
	@./tests/check-layers
	@./tests/data/cases/gen-matrix --check
	@./tests/run-suite $(BUILD) $(UNIT_BIN) $(INTG_BIN) -- $(TEST_ENV)

unit: all $(UNIT_BIN)
	@mkdir -p $(BUILD)/tmp
	@./tests/run-suite $(BUILD) $(UNIT_BIN) -- $(TEST_ENV)

san:
	$(MAKE) check BUILD=build-san CFLAGS="-O1 -g -fno-omit-frame-pointer" \
	  SANFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined"

tsan:
	$(MAKE) tsan-check BUILD=build-tsan CFLAGS="-O1 -g" SANFLAGS="-fsanitize=thread"

# Every test but test_usb, then a look for reports in the output of the
# stations and emulators the tests started (their stderr goes to files in
# tmp/, not to the test's log). test_usb is left out: it runs the station
# under umockdev's LD_PRELOAD, which TSan's runtime cannot share a process
# with (CHECK failed in its open_memstream interceptor, every station dies).
TSAN_BIN = $(filter-out %/test_usb,$(UNIT_BIN) $(INTG_BIN))
tsan-check: all $(TSAN_BIN)
	@rm -rf $(BUILD)/tmp && mkdir -p $(BUILD)/tmp
	@./tests/run-suite $(BUILD) $(TSAN_BIN) -- $(TEST_ENV)
	@if grep -rl "WARNING: ThreadSanitizer" $(BUILD)/tmp; then \
	  echo "tsan: reports in the files above"; exit 1; fi

# libFuzzer targets (tests/fuzz/fuzz_*.c) under ASan+UBSan, built with clang
# in build-fuzz/; each runs FUZZ_SECONDS (default 300). See tests/fuzz/run.
FUZZ_BUILD   ?= build-fuzz
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined

fuzz:
	$(MAKE) fuzz-build BUILD=$(FUZZ_BUILD) CC=clang CFLAGS="-O1 -g -fno-omit-frame-pointer" \
	  SANFLAGS="-fsanitize=fuzzer-no-link $(FUZZ_SAN)" WARN="$(WARN) -Wno-unknown-warning-option"
	./tests/fuzz/run $(FUZZ_BUILD)

fuzz-build: $(LIB) $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%)

$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -o $@ $< $(LIB) $(LDLIBS_ALL)

# BENCH_ARGS: e.g. --quick, --runs 1, --counts 1,8 (python3 bench/run.py --help).
bench: all $(BENCH_BIN)
	python3 bench/run.py --build $(BUILD) $(BENCH_ARGS)

demo: all
	./scripts/demo

deps:
	./scripts/install-deps

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/dfota-station/examples
	install -m 0755 $(STATION) $(SIM) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 config/examples/*.cfg $(DESTDIR)$(PREFIX)/share/dfota-station/examples/
	install -m 0644 packaging/70-dfota-station.rules $(DESTDIR)$(PREFIX)/share/dfota-station/

clean:
	rm -rf build build-san build-tsan build-fuzz

-include $(LIB_OBJ:.o=.d) $(SIM_OBJ:.o=.d) $(APP_OBJ:.o=.d)
