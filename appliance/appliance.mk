# The appliance's PID 1 and images (included by the top Makefile; see
# docs/appliance.md).
#
#   make appliance   kernel (make kernel) + userland (make userland) + PID 1
#                    -> build/appliance/{vmlinuz,initramfs.img,morph-appliance.img}
#   make check-init  unit tests of PID 1's parsers (host build, ASan; no QEMU)
#   make check-qemu  boot tests in QEMU (tests/qemu/run; SKIP without an appliance)
#
# PID 1 is static musl (musl-gcc from Debian's musl-tools; it needs no
# library from the musl prefix) and compiles in morph's JSON writer for
# escaping guest strings.

APP := build/appliance
INIT_SRCS := $(filter-out appliance/init-test.c,$(wildcard appliance/init*.c)) morph/report/json.c
INIT_HOST_SRCS := $(filter-out appliance/init.c appliance/init-run.c,$(INIT_SRCS)) appliance/init-test.c
INIT_HDRS := $(wildcard appliance/*.h) morph/report/json.h
MUSL_CC ?= musl-gcc
INIT_WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes \
	-Wwrite-strings -Wno-unused-parameter
INIT_FLAGS := -std=gnu11 -D_GNU_SOURCE -Imorph -DMORPH_VERSION='"$(VERSION)"' $(INIT_WARN)
# Every regular file of the userland staging tree (not its links: /etc/mtab
# dangles on the host): a change there repacks the initramfs.
APP_ROOTFS_FILES := $(shell find $(APP)/rootfs -type f 2>/dev/null)

.PHONY: appliance appliance-images check-init check-qemu

appliance:
	@$(MAKE) --no-print-directory kernel
	@$(MAKE) --no-print-directory userland
	@$(MAKE) --no-print-directory appliance-images

appliance-images: $(APP)/initramfs.img $(APP)/morph-appliance.img
	@ls -l $(APP)/vmlinuz $(APP)/initramfs.img $(APP)/morph-appliance.img

$(APP)/init: $(INIT_SRCS) $(INIT_HDRS) appliance/appliance.mk
	@command -v $(MUSL_CC) >/dev/null || DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends musl-tools >/dev/null
	@mkdir -p $(dir $@)
	$(MUSL_CC) -static -Os -s $(INIT_FLAGS) -o $@ $(INIT_SRCS)

$(APP)/initramfs.img: $(APP)/init appliance/mkinitramfs $(APP_ROOTFS_FILES)
	appliance/mkinitramfs $(APP)/rootfs $(APP)/init $@

$(APP)/morph-appliance.img: $(APP)/vmlinuz $(APP)/initramfs.img appliance/mkdisk appliance/mkuki \
		appliance/cmdline appliance/syslinux.cfg.in
	appliance/mkdisk $(APP)/vmlinuz $(APP)/initramfs.img $@

$(B)/tests/init-test: $(INIT_HOST_SRCS) $(INIT_HDRS)
	@mkdir -p $(dir $@)
	$(CC) -g -fsanitize=address,undefined -fno-sanitize-recover=all $(INIT_FLAGS) -o $@ \
		$(INIT_HOST_SRCS)

check-init: $(B)/tests/init-test
	$(B)/tests/init-test

check-qemu: check-init
	tests/qemu/run
