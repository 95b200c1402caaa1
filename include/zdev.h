/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The contract between bpf/ and the daemon (the libbpf-tools "tool.h"
 * role): what the kernel side keeps in its maps (per-pgmap slots and
 * counters, per-folio state) and the layout of the few records that cross
 * the ring buffer. Fixed-size, no pointers.
 */
#ifndef ZDEV_H
#define ZDEV_H

#ifndef __VMLINUX_H__
#include <stdbool.h>
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
	ZDEV_EV_ANOMALY,    /* one found in the kernel: zdev_event.anomaly */
	ZDEV_EV_MIGRATION,  /* one migration's outcome: zdev_event.migration */
	ZDEV_EV_FAULT_SIGBUS, /* a CPU fault on device memory ended in SIGBUS */
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
	ZDEV_HOOK_PIN,		 /* GUP slow path: try_grab_folio/_page */
	ZDEV_HOOK_PIN_FAST,	 /* GUP fast path: gup_fast_fallback */
	ZDEV_HOOK_UNPIN,	 /* gup_put_folio */
	ZDEV_HOOK_LAYOUT_BREAK,	 /* dax_break_layout, dax_layout_busy_page */
	ZDEV_HOOK_LAYOUT_WAIT,	 /* init_wait_var_entry: the page waited for */
	ZDEV_HOOK_P2P_ALLOC,	 /* pci_alloc_p2pmem: a pgmap reference */
	ZDEV_HOOK_P2P_FREE,	 /* pci_free_p2pmem: its put */
	ZDEV_HOOK_MM_EXIT,	 /* exit_mmap: an address space's end */
	ZDEV_HOOK_FAULT,	 /* do_swap_page: a CPU fault, device-private */
	ZDEV_HOOK_FAULT_PMD,	 /* do_huge_pmd_device_private (v7.0+) */
	ZDEV_HOOK_MIGRATE_UNMAP, /* migrate_device_unmap: what was collected */
	ZDEV_HOOK_MIGRATE_DEVICE_PFNS, /* migrate_device_pfns (v6.15+) */
	ZDEV_HOOK_MIGRATE_COHERENT,    /* migrate_device_coherent_folio/page */
	ZDEV_HOOK_MIGRATE_SPLIT_FOLIO, /* migrate_vma_split_folio (v6.18+) */
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

/*
 * The ring buffer's streams, each with its own drop counter: pgmap
 * lifecycle (descriptions, teardown), anomalies found in the kernel, and
 * the opt-in per-event stream (--events). Counters never go through it.
 */
enum zdev_stream {
	ZDEV_STREAM_LIFECYCLE,
	ZDEV_STREAM_ANOMALY,
	ZDEV_STREAM_EVENTS,
	ZDEV_STREAM_MAX,
};

/* Things that should not happen; counted per pgmap. */
enum zdev_anomaly {
	ZDEV_AN_DOUBLE_INIT,	   /* init of a folio already live */
	ZDEV_AN_FREE_UNTRACKED,	   /* free of a folio never seen born */
	ZDEV_AN_DOUBLE_FREE,	   /* the same, where every birth was seen */
	ZDEV_AN_FREE_MAPPED,	   /* freed while still mapped */
	ZDEV_AN_MAPCOUNT_NEGATIVE, /* an unmap took the mapcount below 0 */
	ZDEV_AN_SPLIT_UNTRACKED,   /* split of a folio never seen born */
	ZDEV_AN_TEARDOWN_LIVE,	   /* judged by the daemon: teardown stuck */
	ZDEV_AN_BAD_ORDER,	   /* an order no folio can have (racy read) */
	ZDEV_AN_MAX,
};

/*
 * The largest order a folio can have: a PUD-sized device-dax folio, 1 GiB
 * of 4 KiB pages on x86-64. An event with more is a torn read.
 */
#define ZDEV_MAX_ORDER 18

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
	__u32 slot;	/* its index in slots[] and the counters */
	__u64 fault_op; /* ops->migrate_to_ram (device-private), or 0 */
	struct zdev_range ranges[ZDEV_MAX_RANGES];
};

struct zdev_migrate_info {
	__u64 pages;	 /* pages migrated (compound entry = 512) */
	__u64 large;	 /* compound entries among them */
	__u64 entries;	 /* entries the call was given */
	__u64 collected; /* migrate_vma_setup: cpages */
};

/*
 * Who a migration was for (enum zdev_mig_cause): a driver's own
 * migrate_vma_*() (an ioctl, a GPU fault handler), a CPU fault's
 * migrate_to_ram op, an eviction (migrate_device_range/pfns: unbind,
 * memory pressure), a long-term pin moving device-coherent pages out
 * (migrate_device_coherent_folio).
 */
enum zdev_mig_cause {
	ZDEV_MIG_DRIVER,
	ZDEV_MIG_FAULT,
	ZDEV_MIG_EVICT,
	ZDEV_MIG_PIN,
	ZDEV_MIG_CAUSES,
};

/* zdev_migration_info.dir, and the index of zdev_migrations.dir[] */
enum zdev_mig_dir {
	ZDEV_MIG_TO_DEVICE,
	ZDEV_MIG_TO_RAM,
	ZDEV_MIG_DIRS,
};

/*
 * ZDEV_EV_MIGRATION: one migration from its collection to its pages step
 * (or its finalize without one), in pages (a compound entry is 512): of
 * range_pages, collected were candidates; restored of them were busy or
 * pinned and put back at unmap; the driver gave no destination for no_dst;
 * failed in the core (refcount race, split failure) for failed; migrated
 * moved (thp of them as whole compound entries).
 */
struct zdev_migration_info {
	__u64 range_pages;
	__u64 collected;
	__u64 restored;
	__u64 no_dst;
	__u64 failed;
	__u64 migrated;
	__u32 thp;	  /* compound entries migrated whole */
	__u32 split_dst;  /* large sources split for small destinations */
	__u32 splits;	  /* system THPs split while collecting */
	__u32 owner_tgid; /* the address space's owner; 0: none (eviction) */
	__u64 ns;	  /* from collection to the pages step */
	__u16 cause;	  /* enum zdev_mig_cause */
	__u16 dir;	  /* enum zdev_mig_dir */
	__u32 d2d;	  /* device to device: the source pgmap's pages */
	__u32 pingpong;	  /* of migrated, back within --pingpong-window */
	__u32 pad;
};

/* ZDEV_EV_FAULT_SIGBUS: the faulting task (pid) and the range */
struct zdev_sigbus_info {
	__u64 address; /* the fault's, page aligned */
	__u64 size;    /* 4 KiB, or 2 MiB for a PMD entry */
	__u64 pfn;     /* the device page */
	char comm[16];
};

/* ZDEV_EV_ANOMALY: the folio part, and which anomaly (enum zdev_anomaly) */
struct zdev_anomaly_info {
	__u64 pfn;
	__u32 order;
	__u32 anomaly;
	__s32 refcount;
	__s32 mapcount;
	__u64 pad;
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
		struct zdev_anomaly_info anomaly;
		struct zdev_migration_info migration;
		struct zdev_sigbus_info sigbus;
	};
};

/*
 * Folio and migration records stop after their 32-byte part: only pgmap
 * descriptions, migration outcomes and SIGBUS faults take the whole
 * struct. Readers copy into a zeroed one.
 */
#define ZDEV_EVENT_LARGE(kind)                                     \
	((kind) == ZDEV_EV_PGMAP || (kind) == ZDEV_EV_MIGRATION || \
	 (kind) == ZDEV_EV_FAULT_SIGBUS)
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

/*
 * What each CPU keeps for the BPF fast path: the slot of the pgmap it saw
 * last, with what the path needs of it (a per-CPU array lookup where the
 * hash is a call), and the device calls that path counted, by hook: the
 * daemon adds them to zdev_hook_stats.device and to their event kind, so
 * that the path needs no lookup of stats or kinds.
 */
struct zdev_fast {
	__u64 pgmap;
	__u32 slot;
	__u32 type;   /* enum zdev_pgmap_type */
	__u64 gen;    /* the slot's generation when cached */
	__u64 lo, hi; /* its first range, in pfns (hi < lo: no bits) */
	__u64 bit;    /* the bit of lo in live_bits */
	__u64 device_calls[ZDEV_HOOK_MAX];
};

/* The event kind of a hook's calls on the fast path; 0 for other hooks. */
static inline int zdev_fast_kind(int hook)
{
	switch (hook) {
	case ZDEV_HOOK_PAGE_INIT:
		return ZDEV_EV_INIT;
	case ZDEV_HOOK_FREE:
		return ZDEV_EV_FREE;
	case ZDEV_HOOK_ADD_NEW_ANON:
	case ZDEV_HOOK_ADD_ANON_PTES:
	case ZDEV_HOOK_ADD_ANON_PMD:
	case ZDEV_HOOK_ADD_FILE_PTES:
	case ZDEV_HOOK_ADD_FILE_PMD:
	case ZDEV_HOOK_ADD_FILE_PUD:
		return ZDEV_EV_MAP;
	case ZDEV_HOOK_REMOVE_PTES:
	case ZDEV_HOOK_REMOVE_PMD:
	case ZDEV_HOOK_REMOVE_PUD:
		return ZDEV_EV_UNMAP;
	}
	return 0;
}

/* Frames kept per call site: enough to name the driver calling in. */
#define ZDEV_STACK_DEPTH 16

/* ---- state kept in the kernel ------------------------------------------ */

/* pgmaps watched at once; a gone one's slot is reused once read. */
#define ZDEV_MAX_SLOTS 256

enum zdev_slot_state {
	ZDEV_SLOT_FREE,
	ZDEV_SLOT_LIVE,	   /* in use (or seen in use) */
	ZDEV_SLOT_KILLING, /* memunmap_pages entered, waiting for refs */
	ZDEV_SLOT_DRAINED, /* last reference dropped */
	ZDEV_SLOT_GONE,	   /* memunmap_pages returned; the daemon frees it */
};

/* zdev_slot.flags */
#define ZDEV_SLOT_CREATED 0x1 /* memremap_pages seen: every birth seen */
#define ZDEV_SLOT_CENSUS  0x2 /* the census walked it at start */
#define ZDEV_SLOT_NO_BITS 0x4 /* no room in live_bits: counters only */

/*
 * One pgmap as the kernel side knows it (a global array the daemon reads
 * through the skeleton's mmap of .bss). Filled before state turns LIVE;
 * gen tells apart successive pgmaps in the same slot.
 */
struct zdev_slot {
	__u64 pgmap; /* kernel address; 0: free */
	__u32 state; /* enum zdev_slot_state */
	__u32 flags; /* ZDEV_SLOT_* */
	__u64 gen;
	__u64 created_ns, kill_ns, drained_ns, gone_ns;
	__u64 bit_base; /* its region of live_bits, in bits (daemon mode) */
	__u64 bit_len;
	__u64 unrecorded; /* live folios it found no room to mark */
	struct zdev_pgmap_info info;
};

/*
 * Per-pgmap counters, per CPU (summed by the daemon at each tick). The
 * live and mapped numbers are signed deltas: only their sum over CPUs
 * means something.
 */
struct zdev_pgmap_counters {
	__u64 inits;		/* folios born (init, or first map) */
	__u64 frees;		/* folios freed (refcount reached 0) */
	__u64 splits;		/* large folios split */
	__u64 split_new_folios; /* folios a split added (pieces - 1) */
	__u64 preexisting;	/* folios alive before monitoring began */
	__u64 maps;		/* rmap add operations */
	__u64 unmaps;		/* rmap remove operations */
	__u64 migrated_to_device_pages;
	__u64 migrated_to_device_large;
	__u64 migrated_to_ram_pages;
	__u64 migrated_to_ram_large;
	__u64 evicted_pages;   /* of migrated_to_ram: by migrate_device_* */
	__u64 collected_pages; /* migrate_vma_setup candidates */
	__s64 live_folios;
	__s64 live_pages;
	__s64 mapped_pages;
	__u64 untracked; /* folio events whose per-folio state was full */
	__u64 anomalies[ZDEV_AN_MAX];
	__u64 pins;	      /* FOLL_PIN references taken (GUP) */
	__u64 unpins;	      /* and released */
	__s64 pinned_pages;   /* pages of folios with a pin we saw taken */
	__u64 pins_untracked; /* pins with no room in the pins map */
};

/*
 * CPU faults on a pgmap's device-private pages (bpf/faults.bpf.h), one
 * entry per slot in the faults array, added to atomically. A fault is a
 * do_swap_page() (or its THP twin) on a device-private entry, which calls
 * the pgmap's migrate_to_ram op; the first attempt under a per-VMA lock
 * (v6.12+) returns VM_FAULT_RETRY before any op and counts apart.
 */
#define ZDEV_FAULT_BUCKETS 32 /* log2 of nanoseconds: [2^i, 2^(i+1)) */

struct zdev_faults {
	__u64 calls;		/* faults that reached the op's branch */
	__u64 thp_calls;	/* of them, on a PMD entry */
	__u64 pages;		/* pages they migrated back to RAM */
	__u64 ok;		/* results: no error bit */
	__u64 retry;		/* VM_FAULT_RETRY (not the VMA-lock bounce) */
	__u64 sigbus;		/* VM_FAULT_SIGBUS: the process gets SIGBUS */
	__u64 oom;		/* VM_FAULT_OOM */
	__u64 other;		/* another error bit */
	__u64 vma_lock_retries; /* first attempts bounced (per-VMA lock) */
	__u64 ns_total;
	__u64 ns_log2[ZDEV_FAULT_BUCKETS];
};

/*
 * Migration outcomes per pgmap (bpf/migrations.bpf.h), one entry per slot
 * in the migrations array, added to atomically, per direction: what each
 * migration call touching the pgmap collected and what became of it, in
 * pages (see struct zdev_migration_info). A call's outcomes count at the
 * pgmap of its first device page; its migrated pages, like
 * migrated_to_*_pages, at each page's own.
 */
struct zdev_mig_dir_stats {
	__u64 calls;
	__u64 range_pages;
	__u64 collected;
	__u64 restored;
	__u64 no_dst;
	__u64 failed;
	__u64 migrated;
	__u64 thp;	 /* compound entries migrated whole */
	__u64 split_dst; /* large sources split for small destinations */
	__u64 pingpong;	 /* migrated back within --pingpong-window */
	__u64 by_cause[ZDEV_MIG_CAUSES]; /* migrated pages, by whom */
	__u64 ns_total; /* calls' time, collection to the pages step's end */
	__u64 ns_log2[ZDEV_FAULT_BUCKETS]; /* and per log2 bucket */
};

struct zdev_migrations {
	struct zdev_mig_dir_stats dir[ZDEV_MIG_DIRS];
	__u64 collect_splits;	      /* system THPs split while collecting */
	__u64 collect_split_failures; /* ... and failed: the rest skipped */
	__u64 d2d_out_pages;	      /* pages moved to another device */
};

/*
 * How long device folios live, birth to free (or DAX's first map to last
 * unmap), per pgmap (bpf/residency.bpf.h): those headed at one pfn in
 * 2^shift (--residency-sample), one entry per slot, added to atomically.
 */
#define ZDEV_MAX_RESID_BIRTHS 65536 /* sampled live folios timed at once */

/*
 * Ping-pong: each 2 MiB region of an address space, the pages migrated
 * each way lately (bpf/pingpong.bpf.h), an LRU hash of 304-byte values.
 */
#define ZDEV_MAX_PINGPONG_REGIONS 4096

struct zdev_residency {
	__u64 sample_shift; /* one head pfn in 2^this is timed */
	__u64 frees;	    /* sampled folios freed, their lifetime timed */
	__u64 unmatched;    /* sampled frees with no birth seen (or kept) */
	__u64 ns_total;
	__u64 ns_log2[ZDEV_FAULT_BUCKETS];
};

/*
 * The census program's context (BPF_PROG_TEST_RUN of a syscall program).
 * nr_pfns 0: list the candidate regions (iomem's top-level entries that
 * are not System RAM) into census_regions[]; else walk [start_pfn,
 * +nr_pfns) and mark the live device folios found there, counted
 * preexisting. Results go to .bss (census_*): v6.1 allows no ctx access
 * at a variable offset.
 */
#define ZDEV_CENSUS_REGIONS 64

struct zdev_census {
	__u64 start_pfn;
	__u64 nr_pfns;
};

/*
 * The pgmap_refs program's context: a pgmap's address in, the count of its
 * percpu_ref out, exact once the ref is in atomic mode (memunmap_pages()
 * killed it: mode has ZDEV_REF_ATOMIC).
 */
struct zdev_pgmap_refs {
	__u64 pgmap;
	__s64 count;
	__u32 mode; /* ZDEV_REF_* */
	__u32 pad;
};

/* The op_name syscall program's argument: a kernel text address. */
struct zdev_op_name {
	__u64 addr;
};

#define ZDEV_OP_NAME_LEN 192 /* "%pS": name+off/size [module] */

#define ZDEV_REF_ATOMIC 0x1 /* __PERCPU_REF_ATOMIC: count is exact */
#define ZDEV_REF_DEAD	0x2 /* __PERCPU_REF_DEAD: killed */
#define ZDEV_REF_READ	0x4 /* the count could be read at all */

/*
 * What the daemon reads of the per-CPU maps at each tick, summed over
 * CPUs by the harvest syscall program into .bss (bpf/harvest.bpf.h).
 * The daemon zeroes it before each run.
 */
struct zdev_harvest {
	__u64 kinds[ZDEV_EV_KIND_MAX];
	__u64 stream_drops[ZDEV_STREAM_MAX];
	__u64 fast_calls[ZDEV_HOOK_MAX]; /* the fast path's device calls */
	struct zdev_hook_stats stats[ZDEV_HOOK_MAX];
	struct zdev_pgmap_counters counters[ZDEV_MAX_SLOTS]; /* slots held */
};

/* The census looks at one struct page per subsection first (2 MiB). */
#define ZDEV_SUBSECTION_PAGES 512

/* Add one CPU's counters to a sum (the daemon's tick, its unit tests). */
static inline void zdev_counters_add(struct zdev_pgmap_counters *sum,
				     const struct zdev_pgmap_counters *p)
{
	int a;

	sum->inits += p->inits;
	sum->frees += p->frees;
	sum->splits += p->splits;
	sum->split_new_folios += p->split_new_folios;
	sum->preexisting += p->preexisting;
	sum->maps += p->maps;
	sum->unmaps += p->unmaps;
	sum->migrated_to_device_pages += p->migrated_to_device_pages;
	sum->migrated_to_device_large += p->migrated_to_device_large;
	sum->migrated_to_ram_pages += p->migrated_to_ram_pages;
	sum->migrated_to_ram_large += p->migrated_to_ram_large;
	sum->evicted_pages += p->evicted_pages;
	sum->collected_pages += p->collected_pages;
	sum->live_folios += p->live_folios;
	sum->live_pages += p->live_pages;
	sum->mapped_pages += p->mapped_pages;
	sum->untracked += p->untracked;
	for (a = 0; a < ZDEV_AN_MAX; a++)
		sum->anomalies[a] += p->anomalies[a];
	sum->pins += p->pins;
	sum->unpins += p->unpins;
	sum->pinned_pages += p->pinned_pages;
	sum->pins_untracked += p->pins_untracked;
}

/*
 * A device folio with FOLL_PIN references (pin_user_pages*(), O_DIRECT,
 * RDMA, io_uring), keyed by its head pfn in the pins map, from its first
 * pin we saw until the last is released: who took the first one. A pin
 * is a reference: the folio cannot be freed, nor a DAX layout broken,
 * while it is held.
 */
#define ZDEV_MAX_PINNED 16384

struct zdev_pin {
	__u64 pgmap;
	__u64 first_ns; /* bpf_ktime_get_ns() of the first pin */
	__u64 cgroup;	/* cgroup v2 id of the pinning task */
	__s32 pins;	/* pins held (refs taken minus released) */
	__u32 order;
	__u32 tgid, pid; /* the pinning task */
	__s32 stack_id;	 /* the first pin's kernel stack, -1: none */
	__u32 foreign;	 /* taken by a task outside run's --scope */
	char comm[16];
};

/*
 * A task waiting for busy DAX pages (a truncate, a hole punch, an inode's
 * eviction): dax_layout_busy_page_range() returned a page some reference
 * holds, and its caller waits for it to go idle. Keyed by the waiting
 * thread's id, from the layout break's start (busy 0: not waiting yet) to
 * its end (bpf/layout.bpf.h).
 */
#define ZDEV_MAX_LAYOUT_WAITS 1024

struct zdev_layout_wait {
	__u64 mapping;	/* struct address_space * */
	__u64 ino;	/* its inode */
	__u64 start;	/* the byte range broken */
	__u64 end;	/* inclusive; LLONG_MAX: to the end of the file */
	__u64 pfn;	/* the busy page's head */
	__u64 pgmap;	/* and its pgmap */
	__u64 first_ns; /* bpf_ktime_get_ns() of the first busy page */
	__u64 cgroup;	/* cgroup v2 id of the waiting task */
	__u32 dev;	/* the inode's superblock's s_dev (kernel encoding) */
	__u32 tgid;
	__u32 busy;	/* busy pages it has waited for so far */
	__s32 refcount; /* the busy page's, when it was returned */
	char comm[16];
};

/*
 * What zdevmon run judges (--scope): every task, the command's process
 * tree (its pid and the processes forked from them), or the tasks of its
 * cgroup and the cgroups below.
 */
enum zdev_scope {
	ZDEV_SCOPE_ALL,
	ZDEV_SCOPE_TREE,
	ZDEV_SCOPE_CGROUP,
};

#define ZDEV_MAX_SCOPE_TGIDS 16384

/*
 * Who maps and migrates device pages (bpf/usage.bpf.h): per address
 * space, keyed by its struct mm_struct *, and per cgroup v2 id what
 * migrated for its processes. LRU maps: the least recently active leave
 * when full.
 */
#define ZDEV_MAX_MMS	 8192
#define ZDEV_MAX_CGROUPS 1024

struct zdev_mm_stats {
	__s64 mapped_pages;    /* pages rmap mapped minus unmapped */
	__u64 to_device_pages; /* migrate_vma_pages() for it, each way */
	__u64 to_ram_pages;
	__u64 cgroup; /* the owner's cgroup v2 id, at first sight */
	__u32 tgid;   /* the owner (mm->owner, or the first task seen) */
	__u32 pad;
	char comm[16];
	__u64 pingpong_pages; /* migrated back within --pingpong-window */
};

/* A CPU's last address space and its rmap pages not yet in mm_stats. */
struct zdev_mm_pending {
	__u64 mm;
	__s64 pages;
};

struct zdev_cgroup_stats {
	__u64 to_device_pages;
	__u64 to_ram_pages;
};

/*
 * An in-kernel allocation of device memory holding one reference on its
 * pgmap (pci_alloc_p2pmem()), keyed by its kernel address in the kallocs
 * map until freed: who allocated it.
 */
#define ZDEV_MAX_KALLOCS 4096

struct zdev_kalloc {
	__u64 pgmap;
	__u64 first_ns; /* bpf_ktime_get_ns() of the allocation */
	__u64 cgroup;	/* cgroup v2 id of the allocating task */
	__u64 size;	/* bytes */
	__u32 tgid, pid;
	__s32 stack_id; /* the allocation's kernel stack, -1: none */
	__u32 foreign;	/* by a task outside run's --scope */
	char comm[16];
};

/*
 * A migration set up and not yet finalized: migrate_vma_setup() returned
 * pages locked behind migration entries (every CPU access to them waits
 * in migration_entry_wait()), and only migrate_vma_finalize() lets them
 * go. Keyed by the src array's address (the API's arrays, unique while
 * the migration is open) in the open_setups map from setup's exit to
 * finalize's entry: who set it up, where.
 */
#define ZDEV_MAX_SETUPS 4096

struct zdev_setup {
	__u64 args;	/* struct migrate_vma * */
	__u64 first_ns; /* bpf_ktime_get_ns() at setup's return */
	__u64 cgroup;	/* cgroup v2 id of the task */
	__u64 pages;	/* collected: pages locked (or holes) */
	__u64 npages;	/* entries of the range */
	__u32 tgid, pid;
	__s32 stack_id; /* setup's caller's kernel stack, -1: none */
	__u32 foreign;	/* by a task outside run's --scope */
	char comm[16];
};

/*
 * The hash maps the daemon reads whole at each tick, copied by the walk
 * syscall program (bpf/harvest.bpf.h) into the mapped walk_out array,
 * one record per entry (per CPU for mm_pending), nr of them.
 */
enum zdev_walk_map {
	ZDEV_WALK_PINS,
	ZDEV_WALK_KALLOCS,
	ZDEV_WALK_SETUPS,
	ZDEV_WALK_MMS,
	ZDEV_WALK_CGROUPS,
	ZDEV_WALK_WAITS,
	ZDEV_WALK_PENDING, /* mm_pending: key mm, value pages */
	ZDEV_WALK_MAX,
};

#define ZDEV_WALK_RECS ZDEV_MAX_PINNED /* the largest map walked */

struct zdev_walk_rec {
	__u64 key; /* a u32 key (layout_waits) in its low half */
	union {
		struct zdev_pin pin;
		struct zdev_kalloc kalloc;
		struct zdev_setup setup;
		struct zdev_mm_stats mm;
		struct zdev_cgroup_stats cgroup;
		struct zdev_layout_wait wait;
		__s64 pending;
	} val;
};

struct zdev_walk {
	__u32 map; /* in: enum zdev_walk_map */
	__u32 nr;  /* out: records in walk_out */
};

/*
 * Per-folio state. Both modes: one bit per device page in live_bits, set
 * while the folio headed there is live; each pgmap's ranges laid end to
 * end from its slot's bit_base (zdev_bit_of()). CI mode (run, --stacks):
 * beside each bit, at the same index of records, a u64 packed as below:
 *   bits  0..4   order
 *   bit   5      mapped (some page table maps it)
 *   bits  6..18  birth stack id + 1 (0: none)
 *   bit   19     foreign: born to a task outside run's --scope
 *   bits 20..33  last mapping change, in 2^30 ns after birth (saturates)
 *   bits 34..63  birth, in 2^22 ns after the session began, + 1
 *                (0: alive before it, found by the census)
 */
#define ZDEV_REC_ORDER_MASK  0x1fULL
#define ZDEV_REC_MAPPED	     (1ULL << 5)
#define ZDEV_REC_STACK_SHIFT 6
#define ZDEV_REC_STACK_MASK  0x1fffULL
#define ZDEV_REC_FOREIGN     (1ULL << 19)
#define ZDEV_REC_IDLE_SHIFT  20
#define ZDEV_REC_IDLE_MASK   0x3fffULL
#define ZDEV_REC_IDLE_UNIT   30 /* log2 ns */
#define ZDEV_REC_BIRTH_SHIFT 34
#define ZDEV_REC_BIRTH_MASK  0x3fffffffULL
#define ZDEV_REC_BIRTH_UNIT  22 /* log2 ns */

/* The bit (and CI record) of a pfn in its slot's region; -1 if none. */
static inline __s64 zdev_bit_of(const struct zdev_slot *s, __u64 pfn)
{
	__u64 off = 0, lo, hi;
	__u32 j, nr = s->info.nr_range;

	if (!s->bit_len)
		return -1;
	for (j = 0; j < ZDEV_MAX_RANGES; j++) {
		if (j >= nr)
			break;
		lo = zdev_phys_pfn(s->info.ranges[j].start);
		hi = zdev_phys_pfn(s->info.ranges[j].end);
		if (pfn >= lo && pfn <= hi)
			return s->bit_base + off + (pfn - lo);
		off += hi - lo + 1;
	}
	return -1;
}

/* A record born at since_start ns after the session began (0: census). */
static inline __u64 zdev_rec_new(__u64 since_start_ns, __u32 order,
				 __s32 stack_id, bool census)
{
	__u64 birth = census ? 0
			     : ((since_start_ns >> ZDEV_REC_BIRTH_UNIT) + 1) &
				       ZDEV_REC_BIRTH_MASK;
	__u64 stack = stack_id >= 0 && stack_id < (__s32)ZDEV_REC_STACK_MASK
			      ? (__u64)stack_id + 1
			      : 0;

	if (!census && !birth)
		birth = 1;
	return (birth << ZDEV_REC_BIRTH_SHIFT) |
	       (stack << ZDEV_REC_STACK_SHIFT) | (order & ZDEV_REC_ORDER_MASK);
}

static inline __u32 zdev_rec_order(__u64 rec)
{
	return rec & ZDEV_REC_ORDER_MASK;
}

static inline __s32 zdev_rec_stack(__u64 rec)
{
	return (__s32)((rec >> ZDEV_REC_STACK_SHIFT) & ZDEV_REC_STACK_MASK) - 1;
}

/* Born to a task outside run's --scope: another job's folio. */
static inline bool zdev_rec_foreign(__u64 rec)
{
	return rec & ZDEV_REC_FOREIGN;
}

static inline bool zdev_rec_census(__u64 rec)
{
	return !(rec >> ZDEV_REC_BIRTH_SHIFT);
}

/* Birth in ns after the session began (0 for the census's). */
static inline __u64 zdev_rec_birth_ns(__u64 rec)
{
	__u64 b = rec >> ZDEV_REC_BIRTH_SHIFT;

	return b ? (b - 1) << ZDEV_REC_BIRTH_UNIT : 0;
}

/* The last mapping change, in ns after the session began. */
static inline __u64 zdev_rec_last_ns(__u64 rec)
{
	__u64 idle = (rec >> ZDEV_REC_IDLE_SHIFT) & ZDEV_REC_IDLE_MASK;

	return zdev_rec_birth_ns(rec) + (idle << ZDEV_REC_IDLE_UNIT);
}

/* The record after a mapping change at since_start ns. */
static inline __u64 zdev_rec_touch(__u64 rec, __u64 since_start_ns, bool mapped)
{
	__u64 birth = zdev_rec_birth_ns(rec), idle = 0;

	if (since_start_ns > birth)
		idle = (since_start_ns - birth) >> ZDEV_REC_IDLE_UNIT;
	if (idle > ZDEV_REC_IDLE_MASK)
		idle = ZDEV_REC_IDLE_MASK;
	rec &= ~(ZDEV_REC_MAPPED | (ZDEV_REC_IDLE_MASK << ZDEV_REC_IDLE_SHIFT));
	return rec | (idle << ZDEV_REC_IDLE_SHIFT) |
	       (mapped ? ZDEV_REC_MAPPED : 0);
}

/*
 * Pages of a folio that some page table maps, from its mapcounts: all of
 * them with a PMD/PUD mapping, else at most one per mapping. Mapped pages
 * move by the difference of this before and after each rmap call, read
 * from the folio itself: mappings fork duplicated without a hook are in
 * the folio's counts, so the difference stays right.
 */
static inline __s64 zdev_mapped_pages(__s32 mapcount, __s32 entire, __u32 order)
{
	__s64 nr = 1LL << order;

	if (mapcount <= 0)
		return 0;
	if (entire > 0)
		return nr;
	return mapcount < nr ? mapcount : nr;
}

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
		       32 + ZDEV_MAX_RANGES * sizeof(struct zdev_range),
	       "pgmap descriptions: no hidden padding");
_Static_assert(sizeof(struct zdev_event) == 32 + sizeof(struct zdev_pgmap_info),
	       "pgmap records take the whole struct");
_Static_assert(sizeof(struct zdev_range) == 16, "struct range: two u64");
_Static_assert(sizeof(struct zdev_hook_stats) == 5 * sizeof(__u64),
	       "per-CPU counters: u64s only");
_Static_assert(sizeof(struct zdev_anomaly_info) ==
		       sizeof(struct zdev_folio_info),
	       "anomaly records are small records");
_Static_assert(sizeof(struct zdev_pgmap_counters) ==
		       (21 + ZDEV_AN_MAX) * sizeof(__u64),
	       "pgmap counters: u64s only");
_Static_assert(sizeof(struct zdev_pin) == 64, "pins: no hidden padding");
_Static_assert(sizeof(struct zdev_mm_stats) == 64,
	       "address spaces: no hidden padding");
_Static_assert(sizeof(struct zdev_kalloc) == 64,
	       "in-kernel allocations: no hidden padding");
_Static_assert(sizeof(struct zdev_setup) == 72,
	       "open migrations: no hidden padding");
_Static_assert(sizeof(struct zdev_layout_wait) == 96,
	       "layout waits: no hidden padding");
_Static_assert(sizeof(struct zdev_slot) == 80 + sizeof(struct zdev_pgmap_info),
	       "slots: no hidden padding");

#endif /* ZDEV_H */
