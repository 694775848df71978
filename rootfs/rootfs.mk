# The appliance's static musl userland (docs/appliance-userland.md), included
# by the top Makefile.
#
# make userland:
#   1. scripts/build-userland: the musl prefix with every library and tool,
#      built from rootfs/sources.lock, cached in /var/cache/morph-build/musl-*;
#   2. morph linked statically against it: build-musl/morph (MUSL=1 branch),
#      rebuilt from scratch when the prefix changes (the objects do not
#      depend on the libraries, so make alone would not relink);
#   3. the initramfs staging tree build/appliance/rootfs/ from
#      rootfs/initramfs.list (ELF files stripped). appliance/ adds /init.
# Each step is quick when nothing changed, so the target always runs them.

.PHONY: userland clean-userland

userland:
	@scripts/build-userland
	@p=$$(scripts/build-userland --print-prefix); \
	if [ "$$(cat build-musl/.prefix 2>/dev/null)" != "$$p" ]; then \
		rm -rf build-musl && mkdir -p build-musl && echo "$$p" >build-musl/.prefix; \
	fi
	@$(MAKE) --no-print-directory MUSL=1 build-musl/morph
	@scripts/build-userland --stage build/appliance/rootfs BUILD=build-musl

clean: clean-userland
clean-userland:
	rm -rf build-musl build/appliance/rootfs
