/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a read of the kernel side gives, applied to the tracker: one place
 * for the reader of the kernel (kernel/kstate.c) and of a recording
 * (record/replay.c), so that both build the same picture from the same
 * records. These structs are also a recording's entries (record/format.h).
 */
#ifndef ZDEVMON_INTAKE_H
#define ZDEVMON_INTAKE_H

#include <stdint.h>
#include "tracker.h"

/* A slot as a sync reads it. */
struct intake_slot {
	struct zdev_slot slot;		/* info.slot: its index */
	struct zdev_pgmap_counters sum; /* its per-CPU counters added up */
	struct zdev_faults faults;
	struct zdev_migrations migrations;
	struct zdev_residency residency;
};

/* A holder map's entry: its key, then the kernel's record. */
struct intake_pin {
	uint64_t pfn;
	struct zdev_pin rec;
};

struct intake_kalloc {
	uint64_t kaddr;
	struct zdev_kalloc rec;
};

struct intake_setup {
	uint64_t src;
	struct zdev_setup rec;
};

struct intake_wait {
	uint64_t tid;
	struct zdev_layout_wait rec;
};

enum intake_usage_kind { INTAKE_MM, INTAKE_PENDING, INTAKE_CGROUP };

struct intake_usage {
	uint32_t kind; /* enum intake_usage_kind */
	uint32_t pad;
	uint64_t key; /* mm, or cgroup id */
	union {
		struct zdev_mm_stats mm;
		int64_t pending; /* pages */
		struct zdev_cgroup_stats cgroup;
	};
};

/*
 * A slot into the tracker: its pgmap (NULL if the tracker has no room),
 * faults and op. A pgmap gone and not yet judged is added to gone (*n of
 * at most max).
 */
struct zt_pgmap *intake_slot(struct tracker *t, const struct intake_slot *in,
			     int *gone, int *n, int max);
int intake_pin(struct tracker *t, const struct intake_pin *in);
int intake_kalloc(struct tracker *t, const struct intake_kalloc *in);
int intake_wait(struct tracker *t, const struct intake_wait *in);
int intake_setup(struct tracker *t, const struct intake_setup *in);
int intake_usage(struct tracker *t, const struct intake_usage *in);

#endif /* ZDEVMON_INTAKE_H */
