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
#   make deps       install the Debian packages this project needs (demo and
#                   check run it first themselves, quietly)
#   make install    PREFIX=/usr/local DESTDIR= (each file where the package
#                   puts it with PREFIX=/usr); make uninstall the same files
#   make deb        Debian packages into build/deb/, then lintian (docs/packaging.md)

CC       ?= cc
BUILD    ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
DATADIR  ?= $(PREFIX)/share/dfota-station
SIMLIBDIR ?= $(PREFIX)/lib/dfota-sim
# The system's own folders, as its udev and systemd say (Debian 12:
# /lib/udev, /lib/systemd/system, /usr/lib/sysusers.d): outside PREFIX,
# because udev and systemd look nowhere else.
UDEVDIR  ?= $(or $(shell pkg-config --variable=udevdir udev 2>/dev/null),/lib/udev)
UNITDIR  ?= $(or $(shell pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null),/lib/systemd/system)
SYSUSERSDIR ?= $(or $(shell pkg-config --variable=sysusersdir systemd 2>/dev/null),/usr/lib/sysusers.d)
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

.PHONY: all check check-suite unit integration san tsan demo deps install uninstall deb clean fuzz fuzz-build tsan-check bench

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
	$(Q)$(CC) -std=c11 -D_GNU_SOURCE $(WARN) $(CPPFLAGS) $(CFLAGS) -fPIC -shared -o $@ $< $(LDFLAGS) -ldl

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

# Set-up first (quiet when everything is there), then a make that reads the
# pkg-config flags of what it may just have installed.
check:
	@./scripts/install-deps --quiet
	@$(MAKE) --no-print-directory check-suite

check-suite: all $(UNIT_BIN) $(INTG_BIN)
	@mkdir -p $(BUILD)/tmp
	@./tests/check-layers
	@./tests/check-man
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

demo:
	@./scripts/install-deps --quiet
	@$(MAKE) --no-print-directory all
	./scripts/demo

deps:
	./scripts/install-deps

# What make install writes, one list, so uninstall removes exactly that.
# The systemd unit's ExecStart names BINDIR.
INSTALLED = $(BINDIR)/dfota-station $(BINDIR)/dfota-sim $(SIMLIBDIR)/libdfota-hubfix.so \
            $(MANDIR)/man1/dfota-station.1 $(MANDIR)/man5/dfota-station.cfg.5 $(MANDIR)/man1/dfota-sim.1 \
            $(UDEVDIR)/rules.d/70-dfota-station.rules $(SYSUSERSDIR)/dfota-station.conf \
            $(UNITDIR)/dfota-station@.service \
            $(patsubst config/examples/%,$(DATADIR)/examples/%,$(wildcard config/examples/*.cfg))

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SIMLIBDIR) $(DESTDIR)$(MANDIR)/man1 \
	  $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(DATADIR)/examples $(DESTDIR)$(UDEVDIR)/rules.d \
	  $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(UNITDIR)
	install -m 0755 $(STATION) $(SIM) $(DESTDIR)$(BINDIR)/
	install -m 0644 $(HUBFIX) $(DESTDIR)$(SIMLIBDIR)/
	install -m 0644 man/dfota-station.1 man/dfota-sim.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 man/dfota-station.cfg.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 config/examples/*.cfg $(DESTDIR)$(DATADIR)/examples/
	install -m 0644 packaging/70-dfota-station.rules $(DESTDIR)$(UDEVDIR)/rules.d/
	install -m 0644 packaging/dfota-station.sysusers $(DESTDIR)$(SYSUSERSDIR)/dfota-station.conf
	sed 's|/usr/bin/dfota-station|$(BINDIR)/dfota-station|' packaging/dfota-station@.service \
	  >$(DESTDIR)$(UNITDIR)/dfota-station@.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/dfota-station@.service

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	-rmdir $(DESTDIR)$(DATADIR)/examples $(DESTDIR)$(DATADIR) $(DESTDIR)$(SIMLIBDIR) 2>/dev/null

# Debian packages from a copy of the tree (the files git knows, committed or
# not, without what .gitignore leaves out), so the .debs, .changes and
# .buildinfo land in build/deb/ and not beside the clone. dpkg-buildpackage
# reads debian/; lintian must report no error.
DEB_DIR ?= build/deb
deb:
	@./scripts/install-deps --quiet
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/src
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
	  git ls-files -z --cached --others --exclude-standard | \
	    xargs -0 sh -c 'for f; do [ -e "$$f" ] && printf "%s\0" "$$f"; done' sh | \
	    tar --null -T - -cf - | tar -xf - -C $(DEB_DIR)/src; \
	else \
	  tar --exclude='./build*' --exclude=./.git -cf - . | tar -xf - -C $(DEB_DIR)/src; \
	fi
	cd $(DEB_DIR)/src && dpkg-buildpackage -us -uc -b
	rm -rf $(DEB_DIR)/src
	lintian --fail-on error $(DEB_DIR)/*.changes
	@ls -1 $(DEB_DIR)/*.deb

clean:
	rm -rf build build-san build-tsan build-fuzz

-include $(LIB_OBJ:.o=.d) $(SIM_OBJ:.o=.d) $(APP_OBJ:.o=.d)
