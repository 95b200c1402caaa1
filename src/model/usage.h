/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Who maps, pins and migrates device pages, per process and per cgroup v2:
 * the kernel side's mm_stats (per address space, with its owner) and
 * cgroup_stats (migrations per cgroup) read at each tick, and the pins.
 * Outputs keep the top few and fold the rest into "other": label
 * cardinality stays bounded whatever runs on the machine.
 */
#ifndef ZDEVMON_USAGE_H
#define ZDEVMON_USAGE_H

#include <stddef.h>
#include <stdint.h>
#include "pins.h"
#include "zdev.h"

struct zt_mm {
	uint64_t mm;
	struct zdev_mm_stats k;
};

struct zt_cgroup_migrated {
	uint64_t cgroup;
	struct zdev_cgroup_stats k;
};

struct zt_usage {
	struct zt_mm *mms;
	size_t nr_mms, cap_mms;
	struct zt_cgroup_migrated *cgroups;
	size_t nr_cgroups, cap_cgroups;
};

/* One process (all its address spaces) or one cgroup, summed. */
struct zt_user {
	uint32_t tgid; /* 0 for a cgroup */
	char comm[16];
	uint64_t cgroup;
	uint64_t mapped_pages, pinned_pages;
	uint64_t to_device_pages, to_ram_pages;
	uint64_t pingpong_pages; /* migrated back within the window */
};

/* What the users beyond the top ones add up to. */
struct zt_usage_rest {
	uint64_t count;
	uint64_t mapped_pages, pinned_pages;
	uint64_t to_device_pages, to_ram_pages;
	uint64_t pingpong_pages;
};

void usage_clear(struct zt_usage *o);
void usage_release(struct zt_usage *o);
int usage_add_mm(struct zt_usage *o, uint64_t mm,
		 const struct zdev_mm_stats *k);
int usage_add_cgroup(struct zt_usage *o, uint64_t cgroup,
		     const struct zdev_cgroup_stats *k);
/* Pages a CPU mapped in mm's address space, not yet in its entry. */
void usage_pending(struct zt_usage *u, uint64_t mm, int64_t pages);
/*
 * The processes (by tgid) or cgroups with the most mapped and pinned
 * pages, then the most migrated, at most max of them into out; *rest the
 * others. Returns how many, or -ENOMEM.
 */
int usage_processes(const struct zt_usage *u, const struct zt_pins *pins,
		    struct zt_user *out, size_t max,
		    struct zt_usage_rest *rest);
int usage_cgroups(const struct zt_usage *u, const struct zt_pins *pins,
		  struct zt_user *out, size_t max, struct zt_usage_rest *rest);
/* The processes whose pages ping-pong most (pingpong_pages > 0). */
int usage_pingpong(const struct zt_usage *u, struct zt_user *out, size_t max);

#endif /* ZDEVMON_USAGE_H */
