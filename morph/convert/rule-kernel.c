/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Kernel choice. A kernel boots on KVM when it can drive the virtio PCI
 * transport and both virtio disk controllers (as modules or built in): the
 * default kernel when it can, else the newest installed one that can (on
 * Photon OS that is `linux` when `linux-esx` lacks virtio). When none can,
 * convert stops before writing anything and names what each kernel lacks.
 * The bootloader rule makes the choice the default.
 */
#include "convert/convert.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void lacks(const struct guest_kernel *k, char *buf, size_t size)
{
	size_t o = 0;

	buf[0] = '\0';
	for (int d = 0; d < VD_COUNT; d++) {
		if (d == VD_NET || k->virtio[d] != VIRTIO_MISSING)
			continue;
		o += (size_t)snprintf(buf + o, o < size ? size - o : 0, "%s%s", o ? ", " : "",
				      virtio_driver_names[d]);
	}
}

/* The kernel can reach its root disk through the chosen controller. */
static bool boots_on(const struct guest_kernel *k, enum block_driver b)
{
	return k->virtio[VD_PCI] && k->virtio[b == BLOCK_VIRTIO_SCSI ? VD_SCSI : VD_BLK];
}

int rule_kernel(struct convert *c)
{
	const struct guest *g = c->g;
	int pick = -1;
	char why[128];

	if (g->kernels.n == 0) {
		log_err(c->ctx, "no installed kernel found in /boot: nothing to boot on KVM");
		return -ENOEXEC;
	}
	/* The default stays when it can boot on the controller the VM gets
	 * (--block-driver); a replacement must handle both, so the VM can
	 * be switched between virtio-blk and virtio-scsi later. */
	if (g->default_kernel >= 0 &&
	    boots_on(&g->kernels.v[g->default_kernel], c->o->block_driver)) {
		c->kernel = g->default_kernel;
		return 0;
	}
	for (size_t i = g->kernels.n; i-- > 0 && pick < 0;)
		if (g->kernels.v[i].virtio_boot)
			pick = (int)i;
	for (size_t i = g->kernels.n; i-- > 0 && pick < 0;)
		if (boots_on(&g->kernels.v[i], c->o->block_driver))
			pick = (int)i;
	if (pick < 0) {
		for (size_t i = 0; i < g->kernels.n; i++) {
			lacks(&g->kernels.v[i], why, sizeof(why));
			log_err(c->ctx, "kernel %s cannot boot on virtio: it lacks %s",
				g->kernels.v[i].version, why);
		}
		log_err(c->ctx, "no installed kernel can boot on KVM's virtio disks; install one "
				"(e.g. Photon's `linux`, not `linux-esx`) and convert again. "
				"Nothing was changed.");
		return -ENOEXEC;
	}
	c->kernel = pick;
	if (g->default_kernel >= 0) {
		lacks(&g->kernels.v[g->default_kernel], why, sizeof(why));
		return plan_note(
			c->p, "kernel", "default kernel %s lacks %s; %s becomes the default",
			g->kernels.v[g->default_kernel].version, why, g->kernels.v[pick].version);
	}
	return plan_note(c->p, "kernel", "booting %s", g->kernels.v[pick].version);
}
