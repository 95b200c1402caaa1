// SPDX-License-Identifier: GPL-2.0
/* In-kernel allocations holding pgmap references, refilled at each tick. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "kallocs.h"

void kallocs_clear(struct zt_kallocs *ks)
{
	ks->nr = 0;
}

void kallocs_release(struct zt_kallocs *ks)
{
	free(ks->v);
	memset(ks, 0, sizeof(*ks));
}

int kallocs_add(struct zt_kallocs *ks, uint64_t kaddr, int pgmap_id,
		const struct zdev_kalloc *k)
{
	if (ks->nr == ks->cap) {
		size_t cap = ks->cap ? ks->cap * 2 : 16;
		struct zt_kalloc *v = realloc(ks->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		ks->v = v;
		ks->cap = cap;
	}
	ks->v[ks->nr].kaddr = kaddr;
	ks->v[ks->nr].pgmap_id = pgmap_id;
	ks->v[ks->nr].k = *k;
	ks->nr++;
	return 0;
}

int64_t kallocs_of(const struct zt_kallocs *ks, int pgmap_id)
{
	int64_t n = 0;

	for (size_t i = 0; i < ks->nr; i++)
		n += ks->v[i].pgmap_id == pgmap_id;
	return n;
}
