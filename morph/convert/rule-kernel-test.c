/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The kernel rule: which kernel boots on KVM, per --block-driver. */
#include "convert/convert.h"
#include "util/test.h"

#include <errno.h>

static void add_kernel(struct guest *g, const char *ver, enum virtio_avail pci,
		       enum virtio_avail blk, enum virtio_avail scsi)
{
	struct guest_kernel *k = VEC_PUSH(g->arena, g->kernels);

	CHECK(k);
	k->version = ver;
	k->virtio[VD_PCI] = pci;
	k->virtio[VD_BLK] = blk;
	k->virtio[VD_SCSI] = scsi;
	k->virtio_boot = pci && blk && scsi;
}

static int pick(struct guest *g, enum block_driver b, int *ret)
{
	struct convert_opts o = {.block_driver = b};
	struct convert c = {NULL, g, NULL, NULL, &o, -1};
	struct gtree *t = test_guest_tree(false);
	int r;

	CHECK_INT(plan_new(t, &c.p), ==, 0);
	r = rule_kernel(&c);
	*ret = c.kernel;
	plan_free(c.p);
	gtree_free(t);
	return r;
}

TEST(default_kept_or_replaced_per_block_driver)
{
	struct guest *g;
	int k;

	CHECK_INT(guest_new(NULL, &g), ==, 0);
	add_kernel(g, "5.10-full", VIRTIO_MODULE, VIRTIO_MODULE, VIRTIO_MODULE);
	add_kernel(g, "5.15-scsi-only", VIRTIO_BUILTIN, VIRTIO_MISSING, VIRTIO_MODULE);
	g->default_kernel = 1;
	CHECK_INT(pick(g, BLOCK_VIRTIO_SCSI, &k), ==, 0);
	CHECK_INT(k, ==, 1);
	CHECK_INT(pick(g, BLOCK_VIRTIO_BLK, &k), ==, 0);
	CHECK_INT(k, ==, 0);
	guest_free(g);
}

TEST(no_virtio_kernel_refused)
{
	struct guest *g;
	int k;

	CHECK_INT(guest_new(NULL, &g), ==, 0);
	add_kernel(g, "esx", VIRTIO_MISSING, VIRTIO_MISSING, VIRTIO_MISSING);
	g->default_kernel = 0;
	CHECK_INT(pick(g, BLOCK_VIRTIO_BLK, &k), ==, -ENOEXEC);
	guest_free(g);
	CHECK_INT(guest_new(NULL, &g), ==, 0);
	CHECK_INT(pick(g, BLOCK_VIRTIO_BLK, &k), ==, -ENOEXEC);
	guest_free(g);
}

TEST(newest_capable_kernel_chosen)
{
	struct guest *g;
	int k;

	CHECK_INT(guest_new(NULL, &g), ==, 0);
	add_kernel(g, "4.18", VIRTIO_MODULE, VIRTIO_MODULE, VIRTIO_MODULE);
	add_kernel(g, "5.14", VIRTIO_MODULE, VIRTIO_MODULE, VIRTIO_MODULE);
	add_kernel(g, "6.1-esx", VIRTIO_MISSING, VIRTIO_MISSING, VIRTIO_MISSING);
	g->default_kernel = 2;
	CHECK_INT(pick(g, BLOCK_VIRTIO_BLK, &k), ==, 0);
	CHECK_INT(k, ==, 1);
	guest_free(g);
}

TEST_MAIN()
