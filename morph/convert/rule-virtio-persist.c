/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Placeholder: being written. */
#include "convert/convert.h"

int rule_virtio_persist(struct convert *c)
{
	return 0;
}
