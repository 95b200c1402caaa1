/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tracker: the daemon's picture of every pgmap, from what the kernel
 * side keeps (struct zdev_slot, summed struct zdev_pgmap_counters) and
 * the rare records of the ring buffer (anomalies), plus a cache of live
 * folios (CI mode) for the leak rules. It knows nothing of BPF: the
 * kernel reader, the unit tests and a replay feed it the same plain
 * structs.
 */
#ifndef ZDEVMON_TRACKER_H
#define ZDEVMON_TRACKER_H

#include <stdbool.h>
#include <stdint.h>
#include "kallocs.h"
#include "usage.h"
#include "pins.h"
#include "setups.h"
#include "waits.h"
#include "zdev.h"

enum zt_pgmap_state {
	ZT_PGMAP_LIVE,	  /* in use (or seen in use) */
	ZT_PGMAP_KILLING, /* memunmap_pages entered, waiting for refs */
	ZT_PGMAP_DRAINED, /* last reference dropped */
	ZT_PGMAP_GONE,	  /* memunmap_pages returned */
};

/* Things that should not happen; each counted per pgmap (zdev.h). */
enum zt_anomaly {
	ZT_AN_DOUBLE_INIT = ZDEV_AN_DOUBLE_INIT,
	ZT_AN_FREE_UNTRACKED = ZDEV_AN_FREE_UNTRACKED,
	ZT_AN_DOUBLE_FREE = ZDEV_AN_DOUBLE_FREE,
	ZT_AN_FREE_MAPPED = ZDEV_AN_FREE_MAPPED,
	ZT_AN_MAPCOUNT_NEGATIVE = ZDEV_AN_MAPCOUNT_NEGATIVE,
	ZT_AN_SPLIT_UNTRACKED = ZDEV_AN_SPLIT_UNTRACKED,
	ZT_AN_TEARDOWN_LIVE = ZDEV_AN_TEARDOWN_LIVE, /* judged here */
	ZT_AN_BAD_ORDER = ZDEV_AN_BAD_ORDER,
	ZT_AN_MAX = ZDEV_AN_MAX,
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
	uint64_t pins;		  /* FOLL_PIN references taken */
	uint64_t unpins;	  /* and released */
	uint64_t pins_untracked;  /* pins the pins map had no room for */
	uint64_t anomalies[ZT_AN_MAX];
};

struct zt_pgmap {
	int id;		/* stable small integer, in order of discovery */
	int slot;	/* the kernel side's slot, while not final */
	uint64_t gen;	/* and its generation there */
	bool final;	/* gone, judged, its slot given back */
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
	/*
	 * references its waiting memunmap_pages() still waits for, read at
	 * each sync while it waits; -1: unknown, or not waiting
	 */
	int64_t refs_waited;

	uint64_t live_folios;
	uint64_t live_pages;
	uint64_t mapped_pages;
	uint64_t pinned_pages;	    /* of folios with pins we saw taken */
	uint64_t untracked;	    /* events whose per-folio state was full */
	bool folio_state_full;	    /* no room for its per-folio state */
	struct zt_counters c;	    /* the kernel's, plus judged */
	uint64_t judged[ZT_AN_MAX]; /* anomalies judged here (teardowns) */
	int32_t anomaly_stack[ZT_AN_MAX]; /* stack of the latest, or -1 */
	uint64_t anomaly_pfn[ZT_AN_MAX];  /* its folio */
	/* device-private: its migrate_to_ram op, named, and CPU faults */
	uint64_t fault_op;	   /* kernel address: identity only */
	char fault_op_name[128];   /* "func+0x0 [module]", "" until named */
	struct zdev_faults faults; /* the kernel's, as read at the sync */
	/* device-private and coherent: migration outcomes, the kernel's */
	struct zdev_migrations migrations;
	struct zdev_residency residency; /* sampled lifetimes, the kernel's */
	uint64_t retired; /* an aggregate (id 0): the gone pgmaps folded in */
};

/* Aggregates of retired pgmaps: one per enum zdev_pgmap_type. */
#define ZT_PGMAP_TYPES (ZDEV_PGMAP_P2PDMA + 1)

struct zt_folio;

struct tracker {
	struct zt_pgmap **pgmaps; /* in id order, retired ones left out */
	int nr_pgmaps;
	int cap_pgmaps;
	int last_id; /* ids are never reused */
	/*
	 * Gone pgmaps without a finding beyond the newest keep_gone (-1: all
	 * kept) are folded into retired[type], id 0: a driver that creates
	 * and tears down pgmaps all day (test_hmm makes two thousand in its
	 * suite) keeps snapshots, /metrics and memory bounded.
	 */
	int keep_gone;
	struct zt_pgmap *retired[ZT_PGMAP_TYPES];
	struct zt_folio *folios; /* cache of live folios (CI mode) */
	size_t nr_folios, cap_folios;
	bool folios_sorted;	   /* by pfn, one each */
	struct zt_pins pins;	   /* pinned device folios, read each tick */
	struct zt_waits waits;	   /* tasks waiting for busy DAX pages */
	struct zt_kallocs kallocs; /* in-kernel P2PDMA allocations */
	struct zt_setups setups;   /* migrations not finalized */
	struct zt_usage usage;	   /* device pages per process, cgroup */
	uint64_t owners[64];	   /* owner cookies, id = index + 1 */
	int nr_owners;
	uint64_t events; /* device events the kernel side counted */
	uint64_t events_by_kind[ZDEV_EV_KIND_MAX];
	uint64_t records;	/* ring-buffer records consumed */
	uint64_t last_ns;	/* timestamp of the newest record */
	bool fsdax_idle_at_one; /* v6.1/6.12: FS DAX idles at refcount 1 */
	bool folio_records;	/* CI mode: the kernel keeps live folios */
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
	bool foreign;	     /* born to a task outside run's --scope */
	int32_t birth_stack; /* stack id at birth, -1: none */
	int32_t last_stack;  /* at the latest mapping change */
};

/*
 * The view of a live folio's CI record (include/zdev.h's layout), its
 * times counted from start_ns.
 */
static inline struct zt_folio_view
zt_view_of_record(int pgmap_id, uint64_t pfn, uint64_t rec, uint64_t start_ns)
{
	return (struct zt_folio_view){
		.pfn = pfn,
		.order = zdev_rec_order(rec),
		.pgmap_id = pgmap_id,
		.mapcount = rec & ZDEV_REC_MAPPED ? 1 : 0,
		.preexisting = zdev_rec_census(rec),
		.foreign = zdev_rec_foreign(rec),
		.birth_ns = start_ns + zdev_rec_birth_ns(rec),
		.last_ns = start_ns + zdev_rec_last_ns(rec),
		.birth_stack = zdev_rec_stack(rec),
		.last_stack = -1,
	};
}

void tracker_init(struct tracker *t);
void tracker_release(struct tracker *t);
/* A ring-buffer record: anomalies name their folio and call site. */
void tracker_event(struct tracker *t, const struct zdev_event *e);
/*
 * A slot's pgmap as the kernel side describes and counts it (sum: its
 * per-CPU counters added up): the tracker's pgmap, created on first sight
 * of that slot and generation.
 */
struct zt_pgmap *tracker_pgmap_update(struct tracker *t,
				      const struct zdev_slot *s,
				      const struct zdev_pgmap_counters *sum);
/*
 * memunmap_pages() returned and left folios live it did not wait for
 * (FS DAX, device-dax), not yet judged: mark it judged, count it.
 */
bool tracker_judge_gone(struct tracker *t, struct zt_pgmap *p);
/* A gone pgmap, judged: forget its folios; its slot is given back. */
void tracker_pgmap_final(struct tracker *t, struct zt_pgmap *p);
/*
 * Fold the gone pgmaps beyond the newest keep_gone into their type's
 * aggregate, unless a finding, a judgement or an allocation names them.
 */
void tracker_retire(struct tracker *t);
/* Call fn for each type's aggregate of retired pgmaps (id 0). */
int tracker_foreach_retired(const struct tracker *t,
			    int (*fn)(const struct zt_pgmap *p, void *ctx),
			    void *ctx);
/* The cache of live folios (CI mode), refilled before the rules run. */
void tracker_folios_clear(struct tracker *t);
int tracker_folio_add(struct tracker *t, int pgmap_id,
		      const struct zt_folio_view *v);

const struct zt_pgmap *tracker_pgmap_by_id(const struct tracker *t, int id);
/* The id of the pgmap holding the kernel side's slot now, or 0. */
int tracker_pgmap_in_slot(const struct tracker *t, int slot);
uint64_t tracker_anomalies(const struct zt_pgmap *p);
uint64_t tracker_live_folios(const struct tracker *t);
bool tracker_folio(const struct tracker *t, uint64_t pfn,
		   struct zt_folio_view *out);
/* Call fn for every live folio; stops early when fn returns non-zero. */
int tracker_foreach_folio(const struct tracker *t,
			  int (*fn)(const struct zt_folio_view *v, void *ctx),
			  void *ctx);
/*
 * Call fn for every pgmap seen and not retired, gone ones too, in id order;
 * stops early and returns fn's value when it is non-zero.
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
/*
 * Whether a teardown is under way that tracker_stuck_teardowns() has still
 * to judge: the daemon then looks at it ten times a second.
 */
bool tracker_teardown_pending(const struct tracker *t);
const char *tracker_type_name(uint32_t type);
const char *tracker_state_name(enum zt_pgmap_state s);
const char *tracker_anomaly_name(enum zt_anomaly a);
uint64_t tracker_pgmap_pfn_start(const struct zt_pgmap *p);
uint64_t tracker_pgmap_pfn_end(const struct zt_pgmap *p);

#endif /* ZDEVMON_TRACKER_H */
