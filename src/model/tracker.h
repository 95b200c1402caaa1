/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tracker: per-pgmap and per-folio state rebuilt from zdev_events.
 * It knows nothing of BPF: the ring buffer, the unit tests and a replay
 * feed it the same plain structs.
 */
#ifndef ZDEVMON_TRACKER_H
#define ZDEVMON_TRACKER_H

#include <stdbool.h>
#include <stdint.h>
#include "zdev.h"

/*
 * The largest order a folio can have: a PUD-sized device-dax folio, 1 GiB
 * of 4 KiB pages on x86-64 (PUD_SHIFT 30 - PAGE_SHIFT 12). An event with
 * more is a torn read in BPF: it would shift past 63 bits and make a
 * split allocate 2^order records.
 */
#define ZT_MAX_ORDER 18

enum zt_pgmap_state {
	ZT_PGMAP_LIVE,	  /* in use (or seen in use) */
	ZT_PGMAP_KILLING, /* memunmap_pages entered, waiting for refs */
	ZT_PGMAP_DRAINED, /* last reference dropped */
	ZT_PGMAP_GONE,	  /* memunmap_pages returned */
};

/* Things that should not happen; each counted per pgmap. */
enum zt_anomaly {
	ZT_AN_DOUBLE_INIT,	 /* init of a folio already live */
	ZT_AN_FREE_UNTRACKED,	 /* free of a folio never seen born */
	ZT_AN_DOUBLE_FREE,	 /* the same, where every birth was seen */
	ZT_AN_FREE_MAPPED,	 /* freed while still mapped */
	ZT_AN_MAPCOUNT_NEGATIVE, /* an unmap took the mapcount below 0 */
	ZT_AN_SPLIT_UNTRACKED,	 /* split of a folio never seen born */
	ZT_AN_TEARDOWN_LIVE,	 /* teardown stuck, or done with folios live */
	ZT_AN_BAD_ORDER,	 /* an order no folio can have (racy read) */
	ZT_AN_MAX,
};

struct zt_counters {
	uint64_t inits;		   /* folios born (init, or first map) */
	uint64_t frees;		   /* folios freed (refcount reached 0) */
	uint64_t splits;	   /* large folios split */
	uint64_t split_new_folios; /* folios a split added (pieces - 1) */
	uint64_t preexisting;	   /* folios alive before monitoring began */
	uint64_t maps;		   /* rmap add operations */
	uint64_t unmaps;	   /* rmap remove operations */
	uint64_t migrated_to_device_pages;
	uint64_t migrated_to_device_large;
	uint64_t migrated_to_ram_pages;
	uint64_t migrated_to_ram_large;
	uint64_t evicted_pages;	  /* of migrated_to_ram: by migrate_device_* */
	uint64_t collected_pages; /* migrate_vma_setup candidates */
	uint64_t anomalies[ZT_AN_MAX];
};

struct zt_pgmap {
	int id;		/* stable small integer, in order of discovery */
	uint64_t addr;	/* kernel address: identity only, never shown */
	bool described; /* its description event has arrived */
	uint32_t type;	/* enum zdev_pgmap_type */
	uint32_t nr_range;
	struct zdev_range ranges[ZDEV_MAX_RANGES];
	int owner_id; /* stable small id of the owner cookie, 0: none */
	uint32_t vmemmap_shift;
	enum zt_pgmap_state state;
	uint64_t created_ns, kill_ns, drained_ns, gone_ns;
	uint64_t live_at_kill; /* folios live as memunmap_pages began */
	bool teardown_judged;  /* stuck or done with folios live: told */

	uint64_t live_folios;
	uint64_t live_pages;
	uint64_t mapped_pages;
	struct zt_counters c;
	int32_t anomaly_stack[ZT_AN_MAX]; /* stack of the latest, or -1 */
	uint64_t anomaly_pfn[ZT_AN_MAX];  /* its folio */
};

struct zt_folio;

struct tracker {
	struct zt_pgmap **pgmaps; /* by id - 1 */
	int nr_pgmaps;
	int cap_pgmaps;
	struct zt_folio *folios; /* uthash by pfn */
	struct zt_folio *spare;	 /* freed records, for reuse */
	int nr_spare;
	struct zt_pgmap *last_pgmap; /* the one the last event named */
	uint64_t owners[64];	     /* owner cookies, id = index + 1 */
	int nr_owners;
	uint64_t events; /* events consumed */
	uint64_t events_by_kind[ZDEV_EV_KIND_MAX];
	uint64_t last_ns;	/* timestamp of the newest event */
	bool fsdax_idle_at_one; /* v6.1/6.12: FS DAX idles at refcount 1 */
};

/* What the tracker knows of one folio (exposed for reports and tests). */
struct zt_folio_view {
	uint64_t pfn;
	uint32_t order;
	int pgmap_id;
	int32_t mapcount;
	uint64_t birth_ns;
	uint64_t last_ns;
	uint32_t last_kind;
	bool preexisting;
	int32_t birth_stack; /* stack id at birth, -1: none */
	int32_t last_stack;  /* at the latest mapping change */
};

void tracker_init(struct tracker *t);
void tracker_release(struct tracker *t);
void tracker_event(struct tracker *t, const struct zdev_event *e);

const struct zt_pgmap *tracker_pgmap_by_id(const struct tracker *t, int id);
uint64_t tracker_anomalies(const struct zt_pgmap *p);
size_t tracker_live_folios(const struct tracker *t);
bool tracker_folio(const struct tracker *t, uint64_t pfn,
		   struct zt_folio_view *out);
/* Call fn for every live folio; stops early when fn returns non-zero. */
int tracker_foreach_folio(const struct tracker *t,
			  int (*fn)(const struct zt_folio_view *v, void *ctx),
			  void *ctx);
/*
 * Call fn for every pgmap ever seen, gone ones too, in id order; stops
 * early and returns fn's value when it is non-zero.
 */
int tracker_foreach_pgmap(const struct tracker *t,
			  int (*fn)(const struct zt_pgmap *p, void *ctx),
			  void *ctx);
/* The live pgmap at a kernel address, or NULL. */
const struct zt_pgmap *tracker_pgmap_of(const struct tracker *t, uint64_t addr);

/*
 * The refcount of an idle folio of this pgmap: 0 (freed at zero: device
 * private/coherent, P2PDMA, FS DAX from v6.18) or 1 (device-dax, and FS
 * DAX under the v6.1/6.12 devmap scheme).
 */
int tracker_idle_refcount(const struct tracker *t, const struct zt_pgmap *p);
/*
 * Whether memunmap_pages() waits for this pgmap's folios: their refcounts
 * hold pgmap references (device private and coherent, P2PDMA). FS DAX and
 * device-dax folios hold none: the teardown goes on, and a folio still
 * live after it is a use after unmap.
 */
bool tracker_teardown_waits(const struct zt_pgmap *p);
/*
 * Whether this pgmap's memunmap_pages() returning now leaves folios live
 * that its teardown did not wait for, not yet told: a use after unmap.
 */
bool tracker_gone_with_live(const struct zt_pgmap *p);
/*
 * Pgmaps whose memunmap_pages() has waited for after_ns by now_ns without
 * draining, not judged before: each is marked judged, counted as a
 * teardown_live anomaly and its id stored in ids (at most max). Returns
 * how many.
 */
int tracker_stuck_teardowns(struct tracker *t, uint64_t now_ns,
			    uint64_t after_ns, int *ids, int max);
const char *tracker_type_name(uint32_t type);
const char *tracker_state_name(enum zt_pgmap_state s);
const char *tracker_anomaly_name(enum zt_anomaly a);
uint64_t tracker_pgmap_pfn_start(const struct zt_pgmap *p);
uint64_t tracker_pgmap_pfn_end(const struct zt_pgmap *p);

#endif /* ZDEVMON_TRACKER_H */
