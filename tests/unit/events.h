/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the kernel side leaves for the daemon, built by hand the way
 * bpf/zdev.bpf.c builds it, for feeding the tracker the way
 * src/kernel/kstate.c does:
 *  - a pgmap's slot (struct zdev_slot): described by slot_new(), its
 *    state moved by pgmap_marker();
 *  - its per-CPU counters (struct zdev_pgmap_counters), moved per event
 *    as folio_born(), folio_found(), folio_died(), the rmap hooks,
 *    on_split() and migrate_flush() move them, on whichever CPU the
 *    event ran: the live and mapped numbers are signed, only their sum
 *    means something;
 *  - per-folio records (CI mode, zdev_rec_*), turned into the tracker's
 *    folio views as kstate_folios() turns them;
 *  - ring-buffer records: pgmap lifecycle markers and anomalies.
 */
#ifndef ZDEV_TEST_EVENTS_H
#define ZDEV_TEST_EVENTS_H

#include <string.h>
#include "model/tracker.h"

/* CPUs the per-CPU counters are spread over */
#define K_NCPUS 2

/* bpf_ktime_get_ns(): every reading a new nanosecond */
static uint64_t test_clock = 1000;
/* the kernel side's slot_gen: the last generation handed out */
static uint64_t k_slot_gen;

/* One pgmap as the kernel side keeps it: its slot, its counters. */
struct kpgmap {
	struct zdev_slot s;
	struct zdev_pgmap_counters cpu[K_NCPUS];
};

/*
 * slot_new(): a pgmap at kernel address addr, one range of npages from
 * start_pfn, in slot i with the next generation; created: seen at
 * memremap_pages() (every birth seen), else first seen by an event.
 */
static inline void k_pgmap(struct kpgmap *k, uint32_t slot, uint64_t addr,
			   uint32_t type, uint64_t start_pfn, uint64_t npages,
			   bool created)
{
	memset(k, 0, sizeof(*k));
	k->s.pgmap = addr;
	k->s.state = ZDEV_SLOT_LIVE;
	k->s.flags = created ? ZDEV_SLOT_CREATED : 0;
	k->s.gen = ++k_slot_gen;
	k->s.created_ns = created ? test_clock++ : 0;
	k->s.info.type = type;
	k->s.info.nr_range = 1;
	k->s.info.slot = slot;
	k->s.info.ranges[0].start = start_pfn << ZDEV_PAGE_SHIFT;
	k->s.info.ranges[0].end = ((start_pfn + npages) << ZDEV_PAGE_SHIFT) - 1;
}

/* pgmap_marker(): memunmap_pages() entered, the last ref, its return. */
static inline void k_kill(struct kpgmap *k)
{
	k->s.kill_ns = test_clock++;
	k->s.state = ZDEV_SLOT_KILLING;
}

static inline void k_drain(struct kpgmap *k)
{
	k->s.drained_ns = test_clock++;
	k->s.state = ZDEV_SLOT_DRAINED;
}

static inline void k_gone(struct kpgmap *k)
{
	k->s.gone_ns = test_clock++;
	k->s.state = ZDEV_SLOT_GONE;
}

/* folio_born(): a folio became live on this CPU. */
static inline void k_born(struct kpgmap *k, int cpu, uint32_t order)
{
	struct zdev_pgmap_counters *c = &k->cpu[cpu];

	c->inits++;
	c->live_folios++;
	c->live_pages += 1LL << order;
}

/* folio_found(): live where no birth was seen (census: with its maps). */
static inline void k_found(struct kpgmap *k, int cpu, uint32_t order,
			   int32_t maps, int32_t entire)
{
	struct zdev_pgmap_counters *c = &k->cpu[cpu];

	c->preexisting++;
	c->live_folios++;
	c->live_pages += 1LL << order;
	c->mapped_pages += zdev_mapped_pages(maps, entire, order);
}

/* folio_died(): a live folio freed (or idle again) on this CPU. */
static inline void k_freed(struct kpgmap *k, int cpu, uint32_t order)
{
	struct zdev_pgmap_counters *c = &k->cpu[cpu];

	c->frees++;
	c->live_folios--;
	c->live_pages -= 1LL << order;
}

/*
 * An rmap hook: its count, and the mapped pages moved by the difference
 * of the folio's mapcounts before and after the call.
 */
static inline void k_rmap(struct kpgmap *k, int cpu, bool map, uint32_t order,
			  int32_t maps_before, int32_t entire_before,
			  int32_t maps, int32_t entire)
{
	struct zdev_pgmap_counters *c = &k->cpu[cpu];

	if (map)
		c->maps++;
	else
		c->unmaps++;
	c->mapped_pages += zdev_mapped_pages(maps, entire, order) -
			   zdev_mapped_pages(maps_before, entire_before, order);
}

/* on_split(): a live large folio became 2^(order - new_order) folios. */
static inline void k_split(struct kpgmap *k, int cpu, uint32_t order,
			   uint32_t new_order)
{
	struct zdev_pgmap_counters *c = &k->cpu[cpu];
	uint64_t pieces = 1ULL << (order - new_order);

	c->splits++;
	c->split_new_folios += pieces - 1;
	c->live_folios += pieces - 1;
}

/* migrate_flush(): pages one migrate_* call moved for this pgmap. */
static inline void k_migrate(struct kpgmap *k, int cpu, uint64_t pages,
			     uint64_t large, uint16_t flags)
{
	struct zdev_pgmap_counters *c = &k->cpu[cpu];

	if (flags & ZDEV_F_TO_DEVICE) {
		c->migrated_to_device_pages += pages;
		c->migrated_to_device_large += large;
	} else {
		c->migrated_to_ram_pages += pages;
		c->migrated_to_ram_large += large;
		if (flags & ZDEV_F_EVICT)
			c->evicted_pages += pages;
	}
}

/* anomaly(): counted on its CPU (its record: ev_anomaly()). */
static inline void k_anomaly(struct kpgmap *k, int cpu, int which)
{
	k->cpu[cpu].anomalies[which]++;
}

/* kstate.c's counters_sum(): every CPU's counters added up. */
static inline void k_sum(const struct kpgmap *k,
			 struct zdev_pgmap_counters *sum)
{
	int i;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < K_NCPUS; i++)
		zdev_counters_add(sum, &k->cpu[i]);
}

/* kstate_sync() for one slot: the tracker's pgmap, up to date. */
static inline struct zt_pgmap *k_sync(struct tracker *t, const struct kpgmap *k)
{
	struct zdev_pgmap_counters sum;

	k_sum(k, &sum);
	return tracker_pgmap_update(t, &k->s, &sum);
}

/* A ring-buffer record of a pgmap (a lifecycle marker, say). */
static inline struct zdev_event ev_base(uint32_t kind, uint64_t pgmap)
{
	struct zdev_event e;

	memset(&e, 0, sizeof(e));
	e.ts_ns = test_clock++;
	e.kind = kind;
	e.pgmap = pgmap;
	e.stack_id = -1;
	return e;
}

/* anomaly(): the record naming the folio and call site of one. */
static inline struct zdev_event ev_anomaly(uint64_t pgmap, uint32_t which,
					   uint64_t pfn, uint32_t order,
					   int32_t stack_id)
{
	struct zdev_event e = ev_base(ZDEV_EV_ANOMALY, pgmap);

	e.anomaly.pfn = pfn;
	e.anomaly.order = order;
	e.anomaly.anomaly = which;
	e.stack_id = stack_id;
	return e;
}

/* A record's folio into the tracker's cache (CI mode), as kstate.c does. */
static inline int k_rec_add(struct tracker *t, int pgmap_id, uint64_t pfn,
			    uint64_t rec, uint64_t start_ns)
{
	struct zt_folio_view v =
		zt_view_of_record(pgmap_id, pfn, rec, start_ns);

	return tracker_folio_add(t, pgmap_id, &v);
}

#endif
