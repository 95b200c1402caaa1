// SPDX-License-Identifier: GPL-2.0
/* In-kernel allocations holding pgmap references, refilled at each tick. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "grow.h"
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
	if (grow((void **)&ks->v, ks->nr, &ks->cap, sizeof(*ks->v)))
		return -ENOMEM;
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
