/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Bootloader configs: the input is used at once as a GRUB 2 grub.cfg, a
 * grubenv, a GRUB legacy menu.lst and a BLS entry of a scratch guest tree,
 * then the bootloader and block-reference steps run over it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "inspect/guest.h"

static char root[256];

static void put(const char *rel, const uint8_t *data, size_t size)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	f = fopen(p, "wb");
	if (!f)
		return;
	fwrite(data, 1, size, f);
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gfs *fs;
	struct gtree *t;
	struct guest *g;

	if (!root[0]) {
		char p[512];

		snprintf(root, sizeof(root), "%s/morph-fuzz-boot-%d",
			 getenv("MORPH_TMP") ? getenv("MORPH_TMP") : "/tmp", (int)getpid());
		const char *dirs[] = {"",
				      "/boot",
				      "/boot/grub",
				      "/boot/grub2",
				      "/boot/loader",
				      "/boot/loader/entries",
				      "/etc",
				      "/etc/default"};
		for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
			snprintf(p, sizeof(p), "%s%s", root, dirs[i]);
			mkdir(p, 0755);
		}
	}
	put("boot/grub2/grub.cfg", data, size);
	put("boot/grub2/grubenv", data, size);
	put("boot/grub/menu.lst", data, size);
	put("boot/loader/entries/x.conf", data, size);
	put("etc/default/grub", data, size);
	if (gfs_dir_open(NULL, root, false, &fs) < 0)
		return 0;
	if (gtree_new(NULL, fs, &t) < 0)
		return 0;
	if (guest_new(NULL, &g) == 0) {
		inspect_bootloaders(g, t);
		inspect_blockrefs(g, t);
		guest_free(g);
	}
	gtree_free(t);
	return 0;
}
