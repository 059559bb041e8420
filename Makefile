# tnsr: libtnsr, its format codecs and the tools.  `make` builds everything into build/,
# `make test` runs every suite; both install missing Debian packages first (make deps).

CC      ?= gcc
PREFIX  ?= /usr/local
BUILD   := build
VERSION := 0.1.0

WARN    := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wno-unused-parameter
ifdef CI
WARN    += -Werror
endif
OPT     ?= -O2
CFLAGS  ?= $(OPT) -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -fPIC -pthread -fopenmp -fno-math-errno -fno-trapping-math $(WARN) $(CFLAGS) \
              -Ilibtnsr/include -Ilibtnsr -Iformats -Itools/common $(SANITIZE)
LDLIBS  := -lopenblas -lz -lm -pthread -fopenmp
# Only a tool that calls BLAS loads OpenBLAS (and starts its threads): tcreate, tinfo
# and tshow start faster and live under tight `ulimit -v`.
LDFLAGS += -Wl,--as-needed $(SANITIZE)

LIB_SRC   := $(wildcard libtnsr/*.c libtnsr/cpu/*.c formats/*.c)
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
TOOLS     := tcreate tinfo tshow tops tconvert tgrad
COMMON_SRC := $(wildcard tools/common/*.c)
COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/obj/%.o)
TOOL_BINS := $(TOOLS:%=$(BUILD)/bin/%)
UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
HELPER_SRC := $(wildcard tests/helpers/*.c)
HELPER_BINS := $(HELPER_SRC:tests/helpers/%.c=$(BUILD)/tests/%)

.PHONY: all deps test unit cli asan install uninstall demo bench clean fmt
# Objects are never intermediate: keep them, so that a second make has nothing to do.
.SECONDARY:
all: deps build-all

build-all: $(BUILD)/libtnsr.a $(BUILD)/libtnsr.so $(TOOL_BINS) $(UNIT_BINS) $(HELPER_BINS)

# Debian packages the build and the tests need; installed only when missing.
DEPS_PKGS := gcc make pkg-config libopenblas-dev zlib1g-dev bats time man-db python3-numpy python3-torch
deps:
	@./scripts/deps $(DEPS_PKGS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libtnsr.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# tools/common as an archive: a tool links only the parts it uses (and so only the
# libraries those need).
$(BUILD)/libtoolcommon.a: $(COMMON_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/libtnsr.so: $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,libtnsr.so.0 $(LDFLAGS) -o $@ $^ $(LDLIBS)

# A tool is its own directory's sources plus tools/common, linked statically with libtnsr.
tool_objs = $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tools/$(1)/*.c))
.SECONDEXPANSION:
$(BUILD)/bin/%: $$(call tool_objs,$$*) $(BUILD)/libtoolcommon.a $(BUILD)/libtnsr.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/libtnsr.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/helpers/%.o $(BUILD)/libtnsr.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

test: all
	@tests/run

# The same suites under AddressSanitizer and UBSan, in a build directory of their own.
asan: deps
	$(MAKE) build-all BUILD=build/asan OPT=-O1 \
	  SANITIZE="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
	ASAN_OPTIONS=detect_leaks=1 BUILD=build/asan tests/run

demo: all
	@examples/demo.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include \
	  $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(TOOL_BINS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(BUILD)/libtnsr.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(BUILD)/libtnsr.so $(DESTDIR)$(PREFIX)/lib/libtnsr.so.$(VERSION)
	ln -sf libtnsr.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libtnsr.so.0
	ln -sf libtnsr.so.0 $(DESTDIR)$(PREFIX)/lib/libtnsr.so
	install -m 644 libtnsr/include/tnsr.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(TOOLS:%=man/%.1) $(DESTDIR)$(PREFIX)/share/man/man1/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' libtnsr.pc.in \
	  > $(DESTDIR)$(PREFIX)/lib/pkgconfig/libtnsr.pc

uninstall:
	rm -f $(TOOLS:%=$(DESTDIR)$(PREFIX)/bin/%) $(TOOLS:%=$(DESTDIR)$(PREFIX)/share/man/man1/%.1)
	rm -f $(DESTDIR)$(PREFIX)/lib/libtnsr.* $(DESTDIR)$(PREFIX)/include/tnsr.h \
	  $(DESTDIR)$(PREFIX)/lib/pkgconfig/libtnsr.pc

bench: all
	@bench/run
	@$${PY:-/usr/bin/python3} bench/tgrad.py
	@$${PY:-/usr/bin/python3} bench/formats.py

fmt:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
