/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fstab parsing, device-name classification and resolution. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "inspect/inspect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guest *g;
	struct guest_volume *v;

	if (guest_new(NULL, &g) < 0)
		return 0;
	v = VEC_PUSH(g->arena, g->volumes);
	if (v) {
		v->vol.partno = 1;
		strcpy(v->vol.uuid, "0a1b2c3d-0000-4000-8000-000000000001");
		strcpy(v->vol.label, "root");
	}
	fstab_parse(g, (const char *)data, size);
	for (size_t i = 0; i < g->mounts.n; i++) {
		bool unstable;

		fstab_resolve_spec(g, g->mounts.v[i].spec);
		blockref_classify(g->mounts.v[i].spec, &unstable);
		blockref_classify(g->mounts.v[i].mountpoint, &unstable);
	}
	guest_free(g);
	return 0;
}
