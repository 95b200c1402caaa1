/* SPDX-License-Identifier: GPL-2.0 */
/*
 * In-kernel allocations of device memory that hold a pgmap reference
 * (P2PDMA's pci_alloc_p2pmem()): the kernel side's kallocs map, read at
 * each tick. They explain references a waiting memunmap_pages() waits
 * for that no folio holds, and name who allocated them.
 */
#ifndef ZDEVMON_KALLOCS_H
#define ZDEVMON_KALLOCS_H

#include <stddef.h>
#include <stdint.h>
#include "zdev.h"

struct zt_kalloc {
	uint64_t kaddr;
	int pgmap_id; /* the tracker's, 0: a pgmap it does not know */
	struct zdev_kalloc k;
};

struct zt_kallocs {
	struct zt_kalloc *v;
	size_t nr, cap;
};

void kallocs_clear(struct zt_kallocs *ks);
void kallocs_release(struct zt_kallocs *ks);
int kallocs_add(struct zt_kallocs *ks, uint64_t kaddr, int pgmap_id,
		const struct zdev_kalloc *k);
/* The allocations of one pgmap: each holds one of its references. */
int64_t kallocs_of(const struct zt_kallocs *ks, int pgmap_id);

#endif /* ZDEVMON_KALLOCS_H */
