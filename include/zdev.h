/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Event layouts shared by bpf/zdev.bpf.c and the daemon (the libbpf-tools
 * "tool.h" role). Fixed-size, no pointers: the tracker consumes these the
 * same way from the ring buffer, from unit tests and from a replay.
 */
#ifndef ZDEV_H
#define ZDEV_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define ZDEV_MAX_RANGES 4

/* x86-64 page geometry: pfns in events and ranges are in these units. */
#define ZDEV_PAGE_SHIFT 12
#define ZDEV_PMD_SHIFT	21
/* pages of a compound migrate entry (a PMD) */
#define ZDEV_PMD_NR (1U << (ZDEV_PMD_SHIFT - ZDEV_PAGE_SHIFT))

/* The pfn of a physical address (the kernel's PHYS_PFN). */
static inline __u64 zdev_phys_pfn(__u64 phys)
{
	return phys >> ZDEV_PAGE_SHIFT;
}

/* What happened; one ring-buffer record each. */
enum zdev_kind {
	ZDEV_EV_PGMAP = 1,     /* a pgmap described (first sight or creation) */
	ZDEV_EV_PGMAP_KILL,    /* memunmap_pages entered: teardown starts */
	ZDEV_EV_PGMAP_DRAINED, /* pgmap->ref reached zero after kill */
	ZDEV_EV_PGMAP_GONE,    /* memunmap_pages returned */
	ZDEV_EV_INIT,	       /* zone_device_page_init: folio allocated */
	ZDEV_EV_FREE,	       /* free_zone_device_*: refcount reached 0 */
	ZDEV_EV_MAP,	       /* an rmap add on a device folio */
	ZDEV_EV_UNMAP,	       /* an rmap remove on a device folio */
	ZDEV_EV_SPLIT,	       /* a large device folio split into new_order */
	ZDEV_EV_MIGRATE,       /* pages migrated by one migrate_* call */
	ZDEV_EV_DEVMAP_PUT, /* v6.1/6.12: a put of a page idle at refcount 1 */
	ZDEV_EV_KIND_MAX,
};

/* Which kernel function reported it (index of the per-CPU counters). */
enum zdev_hook {
	ZDEV_HOOK_PAGE_INIT,
	ZDEV_HOOK_FREE,
	ZDEV_HOOK_ADD_NEW_ANON,
	ZDEV_HOOK_ADD_ANON_PTES,
	ZDEV_HOOK_ADD_ANON_PMD,
	ZDEV_HOOK_ADD_FILE_PTES,
	ZDEV_HOOK_ADD_FILE_PMD,
	ZDEV_HOOK_ADD_FILE_PUD,
	ZDEV_HOOK_REMOVE_PTES,
	ZDEV_HOOK_REMOVE_PMD,
	ZDEV_HOOK_REMOVE_PUD,
	ZDEV_HOOK_MIGRATE_VMA_SETUP,
	ZDEV_HOOK_MIGRATE_VMA_PAGES,
	ZDEV_HOOK_MIGRATE_VMA_FINALIZE,
	ZDEV_HOOK_MIGRATE_DEVICE_RANGE,
	ZDEV_HOOK_MIGRATE_DEVICE_PAGES,
	ZDEV_HOOK_MIGRATE_DEVICE_FINALIZE,
	ZDEV_HOOK_MEMREMAP,
	ZDEV_HOOK_MEMUNMAP,
	ZDEV_HOOK_PERCPU_RELEASE,
	ZDEV_HOOK_SPLIT,
	ZDEV_HOOK_DEVMAP_PUT,
	ZDEV_HOOK_MAX,
};

/* enum memory_type, identical in 6.1, 6.12 and 7.x (memremap.h). */
enum zdev_pgmap_type {
	ZDEV_PGMAP_UNKNOWN = 0,
	ZDEV_PGMAP_PRIVATE = 1,
	ZDEV_PGMAP_COHERENT = 2,
	ZDEV_PGMAP_FSDAX = 3,
	ZDEV_PGMAP_GENERIC = 4,
	ZDEV_PGMAP_P2PDMA = 5,
};

/* zdev_event.flags */
#define ZDEV_F_CREATED	 0x1  /* ZDEV_EV_PGMAP: from memremap_pages */
#define ZDEV_F_TO_DEVICE 0x2  /* ZDEV_EV_MIGRATE: RAM -> device */
#define ZDEV_F_EVICT	 0x4  /* ZDEV_EV_MIGRATE: migrate_device_* path */
#define ZDEV_F_LARGE_MAP 0x8  /* MAP/UNMAP: a PMD/PUD (entire) mapping */
#define ZDEV_F_NEW_ANON	 0x10 /* MAP: folio_add_new_anon_rmap */

struct zdev_range {
	__u64 start; /* physical, inclusive */
	__u64 end;   /* physical, inclusive */
};

struct zdev_folio_info {
	__u64 pfn;	   /* head pfn */
	__u32 order;	   /* folio order when the event fired */
	__u32 nr;	   /* pages the rmap operation covers */
	__s32 refcount;	   /* _refcount sampled at the event */
	__s32 mapcount;	   /* total mappings after the event */
	__s32 entire_maps; /* PMD/PUD mappings after the event */
	__u32 new_order;   /* ZDEV_EV_SPLIT: order of the pieces */
};

struct zdev_pgmap_info {
	__u32 type; /* enum zdev_pgmap_type */
	__u32 nr_range;
	__u64 owner; /* driver cookie; only compared, never shown raw */
	__u32 vmemmap_shift;
	__u32 pad;
	struct zdev_range ranges[ZDEV_MAX_RANGES];
};

struct zdev_migrate_info {
	__u64 pages;	 /* pages migrated (compound entry = 512) */
	__u64 large;	 /* compound entries among them */
	__u64 entries;	 /* entries the call was given */
	__u64 collected; /* migrate_vma_setup: cpages */
};

struct zdev_event {
	__u64 ts_ns;
	__u64 pgmap; /* kernel address: identity key, never printed */
	__u32 kind;  /* enum zdev_kind */
	__u16 hook;  /* enum zdev_hook */
	__u16 flags; /* ZDEV_F_* */
	__u32 pid;
	__s32 stack_id; /* kernel stack (stacks map), or -1 when none */
	union {
		struct zdev_folio_info folio;
		struct zdev_pgmap_info pgmap_info;
		struct zdev_migrate_info migrate;
	};
};

/*
 * Folio and migration records stop after their 32-byte part: only pgmap
 * descriptions take the whole struct. Readers copy into a zeroed one.
 */
#define ZDEV_EVENT_SMALL_SIZE                           \
	(__builtin_offsetof(struct zdev_event, folio) + \
	 sizeof(struct zdev_folio_info))

/* Per-CPU counters, indexed by enum zdev_hook. */
struct zdev_hook_stats {
	__u64 device;	 /* calls on ZONE_DEVICE folios */
	__u64 dropped;	 /* ring-buffer reserves that failed */
	__u64 anomalies; /* sanity checks that failed (zone bits, bounds) */
	__u64 stack_collisions; /* stack ids lost to a hash collision */
	__u64 stack_overflows;	/* stack ids lost to a full stack map */
};

#define ZDEV_STACK_DEPTH 32

/*
 * The layout both sides rely on: BPF reserves ZDEV_EVENT_SMALL_SIZE bytes
 * for folio and migration records, the reader copies what it got into a
 * zeroed struct zdev_event; replays store the records as they are.
 */
#define ZDEV_ASSERT_OFFSET(type, field, off)                     \
	_Static_assert(__builtin_offsetof(type, field) == (off), \
		       #type "." #field " moved")
ZDEV_ASSERT_OFFSET(struct zdev_event, ts_ns, 0);
ZDEV_ASSERT_OFFSET(struct zdev_event, pgmap, 8);
ZDEV_ASSERT_OFFSET(struct zdev_event, kind, 16);
ZDEV_ASSERT_OFFSET(struct zdev_event, hook, 20);
ZDEV_ASSERT_OFFSET(struct zdev_event, flags, 22);
ZDEV_ASSERT_OFFSET(struct zdev_event, pid, 24);
ZDEV_ASSERT_OFFSET(struct zdev_event, stack_id, 28);
ZDEV_ASSERT_OFFSET(struct zdev_event, folio, 32);
ZDEV_ASSERT_OFFSET(struct zdev_event, migrate, 32);
ZDEV_ASSERT_OFFSET(struct zdev_event, pgmap_info, 32);
_Static_assert(sizeof(struct zdev_folio_info) == 32,
	       "folio records are 32 bytes past the header");
_Static_assert(sizeof(struct zdev_migrate_info) <=
		       sizeof(struct zdev_folio_info),
	       "a migration record fits a small record");
_Static_assert(ZDEV_EVENT_SMALL_SIZE == 64, "small records are 64 bytes");
_Static_assert(sizeof(struct zdev_pgmap_info) ==
		       24 + ZDEV_MAX_RANGES * sizeof(struct zdev_range),
	       "pgmap descriptions: no hidden padding");
_Static_assert(sizeof(struct zdev_event) == 32 + sizeof(struct zdev_pgmap_info),
	       "pgmap records take the whole struct");
_Static_assert(sizeof(struct zdev_range) == 16, "struct range: two u64");
_Static_assert(sizeof(struct zdev_hook_stats) == 5 * sizeof(__u64),
	       "per-CPU counters: u64s only");

#endif /* ZDEV_H */
