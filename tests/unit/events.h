/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Builders of zdev_events shaped like the ones the BPF side emits, for
 * feeding the tracker the way the ring buffer does.
 */
#ifndef ZDEV_TEST_EVENTS_H
#define ZDEV_TEST_EVENTS_H

#include <string.h>
#include "model/tracker.h"

static uint64_t test_clock = 1000;

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

/* A pgmap of npages from start_pfn; created: seen at memremap_pages. */
static inline void feed_pgmap(struct tracker *t, uint64_t pgmap, uint32_t type,
			      uint64_t start_pfn, uint64_t npages, int created)
{
	struct zdev_event e = ev_base(ZDEV_EV_PGMAP, pgmap);

	e.flags = created ? ZDEV_F_CREATED : 0;
	e.pgmap_info.type = type;
	e.pgmap_info.nr_range = 1;
	e.pgmap_info.ranges[0].start = start_pfn << 12;
	e.pgmap_info.ranges[0].end = ((start_pfn + npages) << 12) - 1;
	tracker_event(t, &e);
}

static inline void feed_folio(struct tracker *t, uint32_t kind, uint64_t pgmap,
			      uint64_t pfn, uint32_t order, int32_t maps,
			      int32_t entire, uint16_t flags)
{
	struct zdev_event e = ev_base(kind, pgmap);

	e.flags = flags;
	e.folio.pfn = pfn;
	e.folio.order = order;
	e.folio.nr = order < 32 ? 1U << order : 0; /* tests feed bad ones */
	e.folio.refcount = kind == ZDEV_EV_FREE ? 0 : 1 + (maps > 0 ? maps : 0);
	e.folio.mapcount = maps;
	e.folio.entire_maps = entire;
	tracker_event(t, &e);
}

static inline void feed_init(struct tracker *t, uint64_t pgmap, uint64_t pfn,
			     uint32_t order)
{
	feed_folio(t, ZDEV_EV_INIT, pgmap, pfn, order, 0, 0, 0);
}

static inline void feed_free(struct tracker *t, uint64_t pgmap, uint64_t pfn,
			     uint32_t order)
{
	feed_folio(t, ZDEV_EV_FREE, pgmap, pfn, order, 0, 0, 0);
}

/* mapcount/entire are the values after the operation, as BPF reports. */
static inline void feed_map(struct tracker *t, uint64_t pgmap, uint64_t pfn,
			    uint32_t order, int32_t maps, int32_t entire)
{
	feed_folio(t, ZDEV_EV_MAP, pgmap, pfn, order, maps, entire,
		   entire ? ZDEV_F_LARGE_MAP : 0);
}

static inline void feed_unmap(struct tracker *t, uint64_t pgmap, uint64_t pfn,
			      uint32_t order, int32_t maps, int32_t entire)
{
	feed_folio(t, ZDEV_EV_UNMAP, pgmap, pfn, order, maps, entire, 0);
}

static inline void feed_split(struct tracker *t, uint64_t pgmap, uint64_t pfn,
			      uint32_t new_order)
{
	struct zdev_event e = ev_base(ZDEV_EV_SPLIT, pgmap);

	e.folio.pfn = pfn;
	e.folio.order = new_order;
	e.folio.new_order = new_order;
	tracker_event(t, &e);
}

static inline void feed_migrate(struct tracker *t, uint64_t pgmap,
				uint64_t pages, uint64_t large, uint16_t flags)
{
	struct zdev_event e = ev_base(ZDEV_EV_MIGRATE, pgmap);

	e.flags = flags;
	e.migrate.pages = pages;
	e.migrate.large = large;
	e.migrate.entries = pages;
	tracker_event(t, &e);
}

static inline void feed_marker(struct tracker *t, uint32_t kind, uint64_t pgmap)
{
	struct zdev_event e = ev_base(kind, pgmap);

	tracker_event(t, &e);
}

#endif
