# The appliance kernel (included by the top Makefile). `make kernel` builds
# build/appliance/vmlinuz from Debian's linux-source-6.1 and the fragments
# here; scripts/build-kernel caches the result outside the tree (keyed by the
# source version, the compiler, the fragments and the script), so a repeat run
# takes seconds. Not part of `all`: it needs root (apt, /var/cache) and, the
# first time, a long compile. See docs/appliance-kernel.md.

.PHONY: kernel
kernel:
	scripts/build-kernel
