/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guest's architecture, from the ELF header of a binary every Linux
 * guest has. Only the first 20 bytes are read: e_ident (16 bytes) and
 * e_type/e_machine (offsets 16 and 18, both 2 bytes in ELF32 and ELF64).
 */
#include "inspect/guest.h"

#include <stdint.h>
#include <string.h>

static const char *const binaries[] = {
	"/bin/sh",
	"/usr/bin/bash",
	"/bin/bash",
	"/sbin/init",
	"/usr/lib/systemd/systemd",
	"/lib/systemd/systemd",
	"/bin/ls",
	"/usr/bin/ls",
	"/bin/busybox",
};

static const struct {
	uint16_t machine;
	uint8_t class; /* 1 = ELF32, 2 = ELF64, 0 = either */
	const char *arch;
} machines[] = {
	{62, 2, "x86_64"},  {3, 1, "i686"},   {183, 2, "aarch64"}, {40, 1, "armv7l"},
	{21, 2, "ppc64le"}, {22, 2, "s390x"}, {243, 2, "riscv64"}, {258, 2, "loongarch64"},
};

/* The architecture an ELF header names, or NULL. */
static const char *elf_arch(const unsigned char *h, size_t len)
{
	uint16_t machine;

	if (len < 20 || memcmp(h,
			       "\x7f"
			       "ELF",
			       4) != 0)
		return NULL;
	if (h[5] == 1) /* little endian */
		machine = (uint16_t)(h[18] | h[19] << 8);
	else if (h[5] == 2)
		machine = (uint16_t)(h[18] << 8 | h[19]);
	else
		return NULL;
	for (size_t i = 0; i < sizeof(machines) / sizeof(machines[0]); i++) {
		if (machines[i].machine != machine)
			continue;
		if (machine == 21 && h[5] == 2)
			return "ppc64"; /* big-endian POWER */
		if (machines[i].class && machines[i].class != h[4])
			continue;
		return machines[i].arch;
	}
	return NULL;
}

int inspect_arch(struct guest *g, struct gtree *t)
{
	for (size_t i = 0; i < sizeof(binaries) / sizeof(binaries[0]); i++) {
		unsigned char h[20];
		size_t got = 0;
		const char *a;

		if (gtree_pread(t, binaries[i], 0, h, sizeof(h), &got) < 0)
			continue;
		a = elf_arch(h, got);
		if (a) {
			g->arch = a;
			return 0;
		}
	}
	return 0;
}
