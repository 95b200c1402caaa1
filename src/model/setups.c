// SPDX-License-Identifier: GPL-2.0
/* Migrations set up and not finalized, refilled at each tick. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "grow.h"
#include "setups.h"

void setups_clear(struct zt_setups *ss)
{
	ss->nr = 0;
}

void setups_release(struct zt_setups *ss)
{
	free(ss->v);
	memset(ss, 0, sizeof(*ss));
}

int setups_add(struct zt_setups *ss, uint64_t src, const struct zdev_setup *k)
{
	if (grow((void **)&ss->v, ss->nr, &ss->cap, sizeof(*ss->v)))
		return -ENOMEM;
	ss->v[ss->nr].src = src;
	ss->v[ss->nr].k = *k;
	ss->nr++;
	return 0;
}
