/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pinned device folios and who holds them: the kernel side's pins map
 * (struct zdev_pin by head pfn), read at each tick, sorted by pfn, and
 * grouped into holders (a task, its cgroup, the pin's call site, a pgmap).
 */
#ifndef ZDEVMON_PINS_H
#define ZDEVMON_PINS_H

#include <stddef.h>
#include <stdint.h>
#include "zdev.h"

struct zt_pin {
	uint64_t pfn;
	int pgmap_id; /* the tracker's, 0: a pgmap it does not know */
	struct zdev_pin k;
};

struct zt_pins {
	struct zt_pin *v; /* by pfn once sorted */
	size_t nr, cap;
};

/* The pins of one task at one call site on one pgmap. */
struct zt_holder {
	uint32_t tgid, pid;
	char comm[16];
	uint64_t cgroup;
	int pgmap_id;
	int32_t stack_id;
	uint64_t folios, pages;
	int64_t pins;
	uint64_t first_ns; /* the oldest pin among them */
};

void pins_clear(struct zt_pins *ps);
void pins_release(struct zt_pins *ps);
int pins_add(struct zt_pins *ps, uint64_t pfn, int pgmap_id,
	     const struct zdev_pin *k);
/* Sort by pfn: pins_find() needs it. */
void pins_sort(struct zt_pins *ps);
const struct zt_pin *pins_find(const struct zt_pins *ps, uint64_t pfn);
/* A pin as the holder of its one folio. */
void pins_holder(struct zt_holder *h, const struct zt_pin *p);
/*
 * The holders, most pinned pages first, at most max of them; *others
 * gets the pages of those left out. Returns how many, or -ENOMEM.
 */
int pins_holders(const struct zt_pins *ps, struct zt_holder *out, size_t max,
		 uint64_t *others);

#endif /* ZDEVMON_PINS_H */
