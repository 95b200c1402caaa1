// SPDX-License-Identifier: GPL-2.0
/*
 * Per-pgmap refcount and mapcount picture, rebuilt from lifecycle events.
 *
 * Rules that shape it:
 *  - device-private/coherent folios are born in zone_device_page_init;
 *    FS DAX, device-dax and P2PDMA folios never pass there and are born
 *    at their first mapping;
 *  - a large device folio may split and then die as order-0 pieces, so
 *    inits and frees reconcile only once splits are followed;
 *  - mapcounts come sampled from the folio with each event, never summed
 *    from deltas (fork duplicates mappings without any hook firing).
 */
#include <stdlib.h>
#include <string.h>

/* pfns are integers: a multiplicative hash beats uthash's byte-wise one */
#define HASH_FUNCTION(keyptr, keylen, hashv)                                       \
	do {                                                                       \
		(hashv) =                                                          \
			(unsigned)((*(const uint64_t                               \
					      *)(keyptr)*0x9E3779B97F4A7C15ULL) >> \
				   32);                                            \
	} while (0)
#include <uthash.h>
#include "tracker.h"

struct zt_folio {
	uint64_t pfn; /* head pfn: hash key */
	struct zt_pgmap *pgmap;
	uint32_t order;
	int32_t mapcount;
	int32_t entire_maps;
	uint32_t mapped_pages;
	uint64_t birth_ns;
	uint64_t last_ns;
	uint32_t last_kind;
	bool preexisting;
	int32_t birth_stack;
	int32_t last_stack;
	struct zt_folio *next_spare; /* on the tracker's free list */
	UT_hash_handle hh;
};

void tracker_init(struct tracker *t)
{
	memset(t, 0, sizeof(*t));
}

void tracker_release(struct tracker *t)
{
	struct zt_folio *f, *tmp;
	int i;

	HASH_ITER (hh, t->folios, f, tmp) {
		HASH_DEL(t->folios, f);
		free(f);
	}
	/* the recycled records too */
	while ((f = t->spare)) {
		t->spare = f->next_spare;
		free(f);
	}
	for (i = 0; i < t->nr_pgmaps; i++)
		free(t->pgmaps[i]);
	free(t->pgmaps);
	memset(t, 0, sizeof(*t));
}

static struct zt_pgmap *pgmap_new(struct tracker *t, uint64_t addr)
{
	struct zt_pgmap *p;

	if (t->nr_pgmaps == t->cap_pgmaps) {
		int cap = t->cap_pgmaps ? 2 * t->cap_pgmaps : 16;
		struct zt_pgmap **n = realloc(t->pgmaps, cap * sizeof(*n));

		if (!n)
			return NULL;
		t->pgmaps = n;
		t->cap_pgmaps = cap;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->addr = addr;
	p->id = t->nr_pgmaps + 1;
	for (int i = 0; i < ZT_AN_MAX; i++)
		p->anomaly_stack[i] = -1;
	t->pgmaps[t->nr_pgmaps++] = p;
	return p;
}

/*
 * The pgmap at a kernel address. A gone pgmap's address may be reused by
 * a new one, which gets a new id. Events may reach us before the pgmap's
 * description (another CPU described it): keep a placeholder until then.
 */
/* The pgmap not yet gone at a kernel address, newest first. */
static struct zt_pgmap *pgmap_find(const struct tracker *t, uint64_t addr)
{
	int i;

	for (i = t->nr_pgmaps - 1; i >= 0; i--)
		if (t->pgmaps[i]->addr == addr &&
		    t->pgmaps[i]->state != ZT_PGMAP_GONE)
			return t->pgmaps[i];
	return NULL;
}

static struct zt_pgmap *pgmap_get(struct tracker *t, uint64_t addr)
{
	struct zt_pgmap *last = t->last_pgmap, *p;

	if (!addr)
		return NULL;
	if (last && last->addr == addr && last->state != ZT_PGMAP_GONE)
		return last;
	p = pgmap_find(t, addr);
	return t->last_pgmap = p ? p : pgmap_new(t, addr);
}

static int owner_id(struct tracker *t, uint64_t owner)
{
	int i;

	if (!owner)
		return 0;
	for (i = 0; i < t->nr_owners; i++)
		if (t->owners[i] == owner)
			return i + 1;
	if (t->nr_owners == (int)(sizeof(t->owners) / sizeof(t->owners[0])))
		return -1;
	t->owners[t->nr_owners++] = owner;
	return t->nr_owners;
}

static bool born_at_map(const struct zt_pgmap *p)
{
	return p->type == ZDEV_PGMAP_FSDAX || p->type == ZDEV_PGMAP_GENERIC ||
	       p->type == ZDEV_PGMAP_P2PDMA;
}

/* Pages of a folio that some page table maps. */
static uint32_t folio_mapped_pages(const struct zt_folio *f)
{
	uint32_t nr = 1U << f->order;

	if (f->mapcount <= 0)
		return 0;
	if (f->entire_maps > 0)
		return nr;
	return (uint32_t)f->mapcount < nr ? (uint32_t)f->mapcount : nr;
}

static void folio_account(struct zt_folio *f, int sign)
{
	struct zt_pgmap *p = f->pgmap;
	uint64_t nr = 1ULL << f->order;

	if (!p)
		return;
	if (sign > 0) {
		p->live_folios++;
		p->live_pages += nr;
		p->mapped_pages += f->mapped_pages;
	} else {
		p->live_folios--;
		p->live_pages -= nr;
		p->mapped_pages -= f->mapped_pages;
	}
}

static struct zt_folio *folio_find(const struct tracker *t, uint64_t pfn)
{
	struct zt_folio *f;

	HASH_FIND(hh, t->folios, &pfn, sizeof(pfn), f);
	return f;
}

/* Device folios come and go by the million: recycle their records. */
static struct zt_folio *folio_alloc(struct tracker *t)
{
	struct zt_folio *f = t->spare;

	if (!f)
		return calloc(1, sizeof(*f));
	t->spare = f->next_spare;
	t->nr_spare--;
	memset(f, 0, sizeof(*f));
	return f;
}

static void folio_release(struct tracker *t, struct zt_folio *f)
{
	if (t->nr_spare >= 65536) { /* keep a bounded reserve */
		free(f);
		return;
	}
	f->next_spare = t->spare;
	t->spare = f;
	t->nr_spare++;
}

static struct zt_folio *folio_add(struct tracker *t, struct zt_pgmap *p,
				  uint64_t pfn, uint32_t order, uint64_t ns)
{
	struct zt_folio *f = folio_alloc(t);

	if (!f)
		return NULL;
	f->pfn = pfn;
	f->pgmap = p;
	f->order = order;
	f->birth_ns = ns;
	f->last_ns = ns;
	f->birth_stack = -1;
	f->last_stack = -1;
	HASH_ADD(hh, t->folios, pfn, sizeof(f->pfn), f);
	folio_account(f, +1);
	return f;
}

static void folio_del(struct tracker *t, struct zt_folio *f)
{
	folio_account(f, -1);
	HASH_DEL(t->folios, f);
	folio_release(t, f);
}

/* Take the sampled mapcounts and order of an event into a folio. */
static void folio_sample(struct zt_folio *f, const struct zdev_event *e)
{
	folio_account(f, -1);
	f->order = e->folio.order;
	f->mapcount = e->folio.mapcount < 0 ? 0 : e->folio.mapcount;
	f->entire_maps = e->folio.entire_maps < 0 ? 0 : e->folio.entire_maps;
	f->mapped_pages = folio_mapped_pages(f);
	folio_account(f, +1);
	f->last_ns = e->ts_ns;
	f->last_kind = e->kind;
	if (e->stack_id >= 0)
		f->last_stack = e->stack_id;
}

static void anomaly(struct zt_pgmap *p, enum zt_anomaly a,
		    const struct zdev_event *e)
{
	if (!p)
		return;
	p->c.anomalies[a]++;
	p->anomaly_stack[a] = e->stack_id;
	p->anomaly_pfn[a] = e->folio.pfn;
}

static void on_pgmap(struct tracker *t, const struct zdev_event *e)
{
	struct zt_pgmap *p = pgmap_get(t, e->pgmap);
	uint32_t n;

	if (!p)
		return;
	/* A pgmap created again at an address we still hold as live. */
	if ((e->flags & ZDEV_F_CREATED) && p->described && p->created_ns &&
	    p->created_ns != e->ts_ns) {
		p->state = ZT_PGMAP_GONE;
		p = pgmap_new(t, e->pgmap);
		if (!p)
			return;
	}
	p->described = true;
	p->type = e->pgmap_info.type;
	n = e->pgmap_info.nr_range;
	p->nr_range = n;
	if (n > ZDEV_MAX_RANGES)
		n = ZDEV_MAX_RANGES;
	memcpy(p->ranges, e->pgmap_info.ranges, n * sizeof(p->ranges[0]));
	p->owner_id = owner_id(t, e->pgmap_info.owner);
	p->vmemmap_shift = e->pgmap_info.vmemmap_shift;
	if (e->flags & ZDEV_F_CREATED)
		p->created_ns = e->ts_ns;
}

static void on_init(struct tracker *t, struct zt_pgmap *p,
		    const struct zdev_event *e)
{
	struct zt_folio *f = folio_find(t, e->folio.pfn);

	if (f) {
		anomaly(p, ZT_AN_DOUBLE_INIT, e);
		folio_del(t, f);
	}
	if (p)
		p->c.inits++;
	f = folio_add(t, p, e->folio.pfn, e->folio.order, e->ts_ns);
	if (f) {
		f->birth_stack = e->stack_id;
		folio_sample(f, e);
	}
}

static void on_free(struct tracker *t, struct zt_pgmap *p,
		    const struct zdev_event *e)
{
	struct zt_folio *f = folio_find(t, e->folio.pfn);

	if (p)
		p->c.frees++;
	if (!f) {
		/* a pgmap created under our eyes: we saw every birth */
		anomaly(p,
			p && p->created_ns ? ZT_AN_DOUBLE_FREE
					   : ZT_AN_FREE_UNTRACKED,
			e);
		return;
	}
	if (e->folio.mapcount > 0)
		anomaly(p, ZT_AN_FREE_MAPPED, e);
	folio_del(t, f);
}

static void on_map(struct tracker *t, struct zt_pgmap *p,
		   const struct zdev_event *e)
{
	struct zt_folio *f = folio_find(t, e->folio.pfn);

	if (p) {
		if (e->kind == ZDEV_EV_MAP)
			p->c.maps++;
		else
			p->c.unmaps++;
	}
	if (e->folio.mapcount < 0 || e->folio.entire_maps < 0)
		anomaly(p, ZT_AN_MAPCOUNT_NEGATIVE, e);
	if (!f) {
		bool birth = p && born_at_map(p) && e->kind == ZDEV_EV_MAP;

		f = folio_add(t, p, e->folio.pfn, e->folio.order, e->ts_ns);
		if (!f)
			return;
		f->birth_stack = e->stack_id;
		if (birth) {
			p->c.inits++;
		} else {
			f->preexisting = true;
			if (p)
				p->c.preexisting++;
		}
	}
	folio_sample(f, e);
	/*
	 * Folios that idle at refcount 1 (device-dax) never reach the free
	 * path: the last unmap returns them to idle.
	 */
	if (e->kind == ZDEV_EV_UNMAP && p && tracker_idle_refcount(t, p) &&
	    f->mapcount == 0 && f->entire_maps == 0) {
		p->c.frees++;
		folio_del(t, f);
	}
}

/* A large folio became 2^(order - new_order) folios of new_order. */
static void on_split(struct tracker *t, struct zt_pgmap *p,
		     const struct zdev_event *e)
{
	struct zt_folio *f = folio_find(t, e->folio.pfn);
	uint32_t old_order, new_order = e->folio.new_order;
	uint64_t pfn, step, i, pieces, birth;
	bool mapped, pre;
	int32_t bstack, lstack;

	if (p)
		p->c.splits++;
	if (!f) {
		anomaly(p, ZT_AN_SPLIT_UNTRACKED, e);
		return;
	}
	old_order = f->order;
	if (new_order >= old_order)
		return;
	pfn = f->pfn;
	birth = f->birth_ns;
	pre = f->preexisting;
	bstack = f->birth_stack;
	lstack = f->last_stack;
	mapped = f->mapped_pages == (1U << old_order);
	folio_del(t, f);

	step = 1ULL << new_order;
	pieces = 1ULL << (old_order - new_order);
	if (p)
		p->c.split_new_folios += pieces - 1;
	for (i = 0; i < pieces; i++) {
		struct zt_folio *n =
			folio_add(t, p, pfn + i * step, new_order, birth);

		if (!n)
			return;
		n->preexisting = pre;
		n->birth_stack = bstack;
		n->last_stack = lstack;
		n->last_ns = e->ts_ns;
		n->last_kind = e->kind;
		if (mapped) {
			folio_account(n, -1);
			n->mapcount = 1 << new_order;
			n->mapped_pages = step;
			folio_account(n, +1);
		}
	}
}

/*
 * v6.1/6.12 devmap pages idle at refcount 1; only their puts are seen.
 * Back at idle: a release (the get before it was invisible: a folio not
 * seen before is born and released at once). Above idle: live.
 */
static void on_devmap_put(struct tracker *t, struct zt_pgmap *p,
			  const struct zdev_event *e)
{
	struct zt_folio *f = folio_find(t, e->folio.pfn);
	int idle = p ? tracker_idle_refcount(t, p) : 1;

	if (e->folio.refcount <= idle) {
		if (p) {
			p->c.frees++;
			if (!f)
				p->c.inits++;
		}
		if (f)
			folio_del(t, f);
		return;
	}
	if (!f) {
		f = folio_add(t, p, e->folio.pfn, e->folio.order, e->ts_ns);
		if (!f)
			return;
		f->birth_stack = e->stack_id;
		if (p)
			p->c.inits++;
	}
	folio_sample(f, e);
}

static void on_migrate(struct zt_pgmap *p, const struct zdev_event *e)
{
	if (!p)
		return;
	p->c.collected_pages += e->migrate.collected;
	if (e->flags & ZDEV_F_TO_DEVICE) {
		p->c.migrated_to_device_pages += e->migrate.pages;
		p->c.migrated_to_device_large += e->migrate.large;
	} else {
		p->c.migrated_to_ram_pages += e->migrate.pages;
		p->c.migrated_to_ram_large += e->migrate.large;
		if (e->flags & ZDEV_F_EVICT)
			p->c.evicted_pages += e->migrate.pages;
	}
}

static void on_teardown(struct tracker *t, struct zt_pgmap *p,
			const struct zdev_event *e)
{
	struct zt_folio *f, *tmp;

	if (!p)
		return;
	switch (e->kind) {
	case ZDEV_EV_PGMAP_KILL:
		/*
		 * Not an anomaly yet: the kernel waits for these folios, and
		 * a driver's last puts often come during that wait.
		 */
		p->state = ZT_PGMAP_KILLING;
		p->kill_ns = e->ts_ns;
		p->live_at_kill = p->live_folios;
		break;
	case ZDEV_EV_PGMAP_DRAINED:
		p->state = ZT_PGMAP_DRAINED;
		p->drained_ns = e->ts_ns;
		break;
	case ZDEV_EV_PGMAP_GONE:
		if (tracker_gone_with_live(p)) {
			p->teardown_judged = true;
			anomaly(p, ZT_AN_TEARDOWN_LIVE, e);
		}
		/* Its struct pages are gone: so is whatever we still held. */
		HASH_ITER (hh, t->folios, f, tmp) {
			if (f->pgmap == p)
				folio_del(t, f);
		}
		p->state = ZT_PGMAP_GONE;
		p->gone_ns = e->ts_ns;
		break;
	}
}

/* An event giving its folio an order no folio has: ignored but counted. */
static bool order_impossible(const struct zdev_event *e)
{
	switch (e->kind) {
	case ZDEV_EV_INIT:
	case ZDEV_EV_MAP:
	case ZDEV_EV_UNMAP:
	case ZDEV_EV_DEVMAP_PUT:
		return e->folio.order > ZT_MAX_ORDER;
	case ZDEV_EV_SPLIT:
		return e->folio.new_order > ZT_MAX_ORDER;
	default: /* a free takes no order from its event */
		return false;
	}
}

void tracker_event(struct tracker *t, const struct zdev_event *e)
{
	struct zt_pgmap *p = NULL;

	t->events++;
	if (e->kind < ZDEV_EV_KIND_MAX)
		t->events_by_kind[e->kind]++;
	if (e->ts_ns > t->last_ns)
		t->last_ns = e->ts_ns;
	if (e->kind != ZDEV_EV_PGMAP)
		p = pgmap_get(t, e->pgmap);
	if (order_impossible(e)) {
		anomaly(p, ZT_AN_BAD_ORDER, e);
		return;
	}

	switch (e->kind) {
	case ZDEV_EV_PGMAP:
		on_pgmap(t, e);
		break;
	case ZDEV_EV_INIT:
		on_init(t, p, e);
		break;
	case ZDEV_EV_FREE:
		on_free(t, p, e);
		break;
	case ZDEV_EV_MAP:
	case ZDEV_EV_UNMAP:
		on_map(t, p, e);
		break;
	case ZDEV_EV_SPLIT:
		on_split(t, p, e);
		break;
	case ZDEV_EV_MIGRATE:
		on_migrate(p, e);
		break;
	case ZDEV_EV_DEVMAP_PUT:
		on_devmap_put(t, p, e);
		break;
	case ZDEV_EV_PGMAP_KILL:
	case ZDEV_EV_PGMAP_DRAINED:
	case ZDEV_EV_PGMAP_GONE:
		on_teardown(t, p, e);
		break;
	}
}

const struct zt_pgmap *tracker_pgmap_by_id(const struct tracker *t, int id)
{
	if (id < 1 || id > t->nr_pgmaps)
		return NULL;
	return t->pgmaps[id - 1];
}

uint64_t tracker_anomalies(const struct zt_pgmap *p)
{
	uint64_t sum = 0;
	int i;

	for (i = 0; i < ZT_AN_MAX; i++)
		sum += p->c.anomalies[i];
	return sum;
}

size_t tracker_live_folios(const struct tracker *t)
{
	return HASH_COUNT(t->folios);
}

static void folio_view(const struct zt_folio *f, struct zt_folio_view *out)
{
	out->pfn = f->pfn;
	out->order = f->order;
	out->pgmap_id = f->pgmap ? f->pgmap->id : 0;
	out->mapcount = f->mapcount;
	out->birth_ns = f->birth_ns;
	out->last_ns = f->last_ns;
	out->last_kind = f->last_kind;
	out->preexisting = f->preexisting;
	out->birth_stack = f->birth_stack;
	out->last_stack = f->last_stack;
}

bool tracker_folio(const struct tracker *t, uint64_t pfn,
		   struct zt_folio_view *out)
{
	struct zt_folio *f = folio_find(t, pfn);

	if (!f)
		return false;
	folio_view(f, out);
	return true;
}

int tracker_foreach_folio(const struct tracker *t,
			  int (*fn)(const struct zt_folio_view *v, void *ctx),
			  void *ctx)
{
	struct zt_folio *f, *tmp;
	struct zt_folio_view v;
	int ret;

	HASH_ITER (hh, t->folios, f, tmp) {
		folio_view(f, &v);
		ret = fn(&v, ctx);
		if (ret)
			return ret;
	}
	return 0;
}

int tracker_foreach_pgmap(const struct tracker *t,
			  int (*fn)(const struct zt_pgmap *p, void *ctx),
			  void *ctx)
{
	int i, ret;

	for (i = 0; i < t->nr_pgmaps; i++) {
		ret = fn(t->pgmaps[i], ctx);
		if (ret)
			return ret;
	}
	return 0;
}

const struct zt_pgmap *tracker_pgmap_of(const struct tracker *t, uint64_t addr)
{
	return pgmap_find(t, addr);
}

int tracker_idle_refcount(const struct tracker *t, const struct zt_pgmap *p)
{
	switch (p->type) {
	case ZDEV_PGMAP_GENERIC:
		return 1;
	case ZDEV_PGMAP_FSDAX:
		return t->fsdax_idle_at_one;
	default:
		return 0;
	}
}

const char *tracker_type_name(uint32_t type)
{
	switch (type) {
	case ZDEV_PGMAP_PRIVATE:
		return "private";
	case ZDEV_PGMAP_COHERENT:
		return "coherent";
	case ZDEV_PGMAP_FSDAX:
		return "fsdax";
	case ZDEV_PGMAP_GENERIC:
		return "generic";
	case ZDEV_PGMAP_P2PDMA:
		return "p2pdma";
	default:
		return "unknown";
	}
}

bool tracker_teardown_waits(const struct zt_pgmap *p)
{
	return p->type != ZDEV_PGMAP_FSDAX && p->type != ZDEV_PGMAP_GENERIC;
}

bool tracker_gone_with_live(const struct zt_pgmap *p)
{
	return p->live_folios && !p->teardown_judged &&
	       !tracker_teardown_waits(p);
}

int tracker_stuck_teardowns(struct tracker *t, uint64_t now_ns,
			    uint64_t after_ns, int *ids, int max)
{
	int i, n = 0;

	for (i = 0; i < t->nr_pgmaps && n < max; i++) {
		struct zt_pgmap *p = t->pgmaps[i];

		if (p->state != ZT_PGMAP_KILLING || p->teardown_judged ||
		    !tracker_teardown_waits(p) || now_ns < p->kill_ns ||
		    now_ns - p->kill_ns < after_ns)
			continue;
		p->teardown_judged = true;
		p->c.anomalies[ZT_AN_TEARDOWN_LIVE]++;
		ids[n++] = p->id;
	}
	return n;
}

const char *tracker_state_name(enum zt_pgmap_state s)
{
	static const char *const names[] = {
		[ZT_PGMAP_LIVE] = "live",
		[ZT_PGMAP_KILLING] = "killing",
		[ZT_PGMAP_DRAINED] = "drained",
		[ZT_PGMAP_GONE] = "gone",
	};

	return s <= ZT_PGMAP_GONE ? names[s] : "unknown";
}

const char *tracker_anomaly_name(enum zt_anomaly a)
{
	static const char *const names[] = {
		[ZT_AN_DOUBLE_INIT] = "double_init",
		[ZT_AN_FREE_UNTRACKED] = "free_untracked",
		[ZT_AN_DOUBLE_FREE] = "double_free",
		[ZT_AN_FREE_MAPPED] = "free_mapped",
		[ZT_AN_MAPCOUNT_NEGATIVE] = "mapcount_negative",
		[ZT_AN_SPLIT_UNTRACKED] = "split_untracked",
		[ZT_AN_TEARDOWN_LIVE] = "teardown_live",
		[ZT_AN_BAD_ORDER] = "bad_order",
	};

	return a < ZT_AN_MAX ? names[a] : "unknown";
}

uint64_t tracker_pgmap_pfn_start(const struct zt_pgmap *p)
{
	uint64_t lo = UINT64_MAX;
	uint32_t i;

	for (i = 0; i < p->nr_range && i < ZDEV_MAX_RANGES; i++)
		if (zdev_phys_pfn(p->ranges[i].start) < lo)
			lo = zdev_phys_pfn(p->ranges[i].start);
	return lo == UINT64_MAX ? 0 : lo;
}

/* Inclusive, like the kernel's struct range. */
uint64_t tracker_pgmap_pfn_end(const struct zt_pgmap *p)
{
	uint64_t hi = 0;
	uint32_t i;

	for (i = 0; i < p->nr_range && i < ZDEV_MAX_RANGES; i++)
		if (zdev_phys_pfn(p->ranges[i].end) > hi)
			hi = zdev_phys_pfn(p->ranges[i].end);
	return hi;
}
