/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Migrations set up and not finalized (bpf/setups.bpf.h): the kernel
 * side's open_setups map, read at each tick. At the end of a run each one
 * is a finding: its pages stay locked behind migration entries.
 */
#ifndef ZDEVMON_SETUPS_H
#define ZDEVMON_SETUPS_H

#include <stddef.h>
#include <stdint.h>
#include "zdev.h"

struct zt_setup {
	uint64_t src; /* the migration's src array: its identity */
	struct zdev_setup k;
};

struct zt_setups {
	struct zt_setup *v;
	size_t nr, cap;
};

void setups_clear(struct zt_setups *ss);
void setups_release(struct zt_setups *ss);
int setups_add(struct zt_setups *ss, uint64_t src, const struct zdev_setup *k);

#endif /* ZDEVMON_SETUPS_H */
