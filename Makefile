# morph: plain GNU Make. `make` builds build/morph; `make check` runs every
# test; `make check SANITIZE=1` does the same under ASan + UBSan (build-asan/).
# See docs/building.md.

VERSION := 0.1.0
CC ?= cc

ifeq ($(FUZZ),1)
# libFuzzer builds (make fuzz): clang, coverage in the library too.
B := build-fuzz
CC := clang
SANFLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else ifeq ($(MUSL),1)
# Static musl build for the appliance (make userland): the libraries come from
# the prefix scripts/build-userland caches outside the tree.
B := build-musl
CC := musl-gcc
SANFLAGS :=
MUSL_PREFIX := $(shell scripts/build-userland --print-prefix)
CPPFLAGS += -isystem $(MUSL_PREFIX)/usr/include
MUSL_LIBS := -static -L$(MUSL_PREFIX)/usr/lib -lext2fs -lcom_err -lblkid -lhivex -lyaml \
	-lkmod -lzstd -llzma -lz -llz4 -lbz2
else ifeq ($(SANITIZE),1)
B := build-asan
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
B := build
SANFLAGS :=
endif

WARN := -Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes \
	-Wstrict-prototypes -Wwrite-strings -Wno-unused-parameter
ifeq ($(WERROR),1)
WARN += -Werror
endif
CFLAGS ?= -O2 -g
CPPFLAGS += -Imorph -D_GNU_SOURCE -DMORPH_VERSION='"$(VERSION)"'
# The initramfs compressors (morph/initramfs/comp-*.c); each builds as a stub
# answering -EOPNOTSUPP without its flag.
CPPFLAGS += -DMORPH_HAVE_ZLIB -DMORPH_HAVE_LZMA -DMORPH_HAVE_ZSTD -DMORPH_HAVE_LZ4 -DMORPH_HAVE_BZIP2
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) $(SANFLAGS) -MMD -MP
PKGS := ext2fs com_err blkid hivex yaml-0.1 zlib liblzma libzstd liblz4 libkmod
# libbz2 has no .pc file on Debian 12.
LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lext2fs -lcom_err -lblkid -lhivex -lyaml -lz -llzma -lzstd -llz4 -lkmod) -lbz2
ifeq ($(MUSL),1)
LIBS := $(MUSL_LIBS)
endif

ALL_SRCS := $(wildcard morph/*.c morph/*/*.c)
TEST_SRCS := $(filter %-test.c,$(ALL_SRCS))
TOOL_SRCS := $(wildcard morph/tools/*.c)
LIB_SRCS := $(filter-out $(TEST_SRCS) $(TOOL_SRCS),$(ALL_SRCS))
LIB_OBJS := $(LIB_SRCS:%.c=$(B)/obj/%.o)
TOOL_OBJS := $(TOOL_SRCS:%.c=$(B)/obj/%.o)
TESTS := $(patsubst morph/%-test.c,$(B)/tests/%-test,$(TEST_SRCS))
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz-*.c)
FUZZ_REPLAY := $(patsubst tests/fuzz/%.c,$(B)/tests/fuzz/%,$(FUZZ_SRCS))

.PHONY: check-slow depcheck fuzz all check check-unit check-cli check-format format deps fixtures bench demo clean
all: $(B)/morph

deps:
	@scripts/install-deps

# Name any missing build or test package before compiling anything.
depcheck:
	@scripts/install-deps --check
$(LIB_OBJS) $(TOOL_OBJS): | depcheck

$(B)/obj/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(B)/libmorph.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(B)/morph: $(TOOL_OBJS) $(B)/libmorph.a
	$(CC) $(ALL_CFLAGS) -o $@ $(TOOL_OBJS) $(B)/libmorph.a $(LIBS)

$(B)/tests/%-test: $(B)/obj/morph/%-test.o $(B)/libmorph.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(B)/libmorph.a $(LIBS)

# Fuzz harnesses built with replay.c: run the saved corpus as a test.
$(B)/tests/fuzz/fuzz-%: tests/fuzz/fuzz-%.c tests/fuzz/replay.c $(B)/libmorph.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/fuzz $(ALL_CFLAGS) -o $@ $< tests/fuzz/replay.c $(B)/libmorph.a $(LIBS)

# libFuzzer binaries: make fuzz FUZZ=1, then scripts/fuzz NAME [SECONDS].
$(B)/fuzz/fuzz-%: tests/fuzz/fuzz-%.c $(B)/libmorph.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/fuzz $(ALL_CFLAGS) -fsanitize=fuzzer -o $@ $< $(B)/libmorph.a $(LIBS)
fuzz: $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRCS))

# Every test: unit tests (one process per binary), fuzz corpus replays, then
# the CLI, golden and bad-input tests over fixture guests built from text
# under tests/fixtures.
check: $(B)/morph $(TESTS) $(FUZZ_REPLAY)
	@MORPH_BUILD=$(B) tests/run-tests $(TESTS) $(FUZZ_REPLAY)

# Real Debian 12 guests built from the archive and booted in QEMU before and
# after `morph convert` (root, network, ~10 min; see docs/real-guests.md).
check-slow: $(B)/morph
	MORPH=$(B)/morph tests/real/run

check-format:
	@scripts/check-format

format:
	clang-format -i $(ALL_SRCS) $(wildcard morph/*.h morph/*/*.h tests/fuzz/*.c tests/fuzz/*.h)

fixtures: $(B)/morph
	@MORPH_BUILD=$(B) tests/fixtures/build-all

bench: $(B)/morph
	@MORPH_BUILD=$(B) bench/inspect-bench

demo: $(B)/morph
	@MORPH_BUILD=$(B) scripts/demo

clean:
	rm -rf build build-asan build-fuzz

# The appliance (kernel, static musl userland, PID 1 and images): each part
# keeps its rules beside its sources.
include $(wildcard kernel-config/kernel.mk rootfs/rootfs.mk appliance/appliance.mk)

-include $(shell find $(B)/obj $(B)/tests -name '*.d' -type f 2>/dev/null)
