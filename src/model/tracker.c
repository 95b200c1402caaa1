// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's picture of every pgmap: what the kernel side keeps (its
 * slot and per-CPU counters, brought in by src/kernel/kstate.c at each
 * sync), the teardown judgements made here, and, when the leak rules need
 * them, the live folios the kernel recorded (CI mode), as a cache.
 *
 * Per-event rules (births, frees, maps, splits) live in the kernel side
 * (bpf/zdev.bpf.c); this file only interprets what they left.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "tracker.h"

/*
 * A cached live folio. The cache is refilled whole, in pfn order for each
 * pgmap: an array, sorted by pfn once it is looked at (a hash table of a
 * million entries cost seconds to fill, and twice the memory).
 */
struct zt_folio {
	struct zt_folio_view v;
	struct zt_pgmap *pgmap; /* v.pgmap_id's, while it is not final */
	uint64_t seq;		/* order of arrival: the newer record wins */
};

void tracker_init(struct tracker *t)
{
	memset(t, 0, sizeof(*t));
	t->keep_gone = -1;
}

void tracker_release(struct tracker *t)
{
	int i;

	free(t->folios);
	pins_release(&t->pins);
	waits_release(&t->waits);
	kallocs_release(&t->kallocs);
	setups_release(&t->setups);
	usage_release(&t->usage);
	for (i = 0; i < t->nr_pgmaps; i++)
		free(t->pgmaps[i]);
	free(t->pgmaps);
	for (i = 0; i < ZT_PGMAP_TYPES; i++)
		free(t->retired[i]);
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
	p->id = ++t->last_id;
	p->refs_waited = -1;
	for (int i = 0; i < ZT_AN_MAX; i++)
		p->anomaly_stack[i] = -1;
	t->pgmaps[t->nr_pgmaps++] = p;
	return p;
}

/*
 * The pgmap not yet final at a kernel address, newest first. A final
 * pgmap's address may be reused by a new one, which gets a new id.
 */
static struct zt_pgmap *pgmap_find(const struct tracker *t, uint64_t addr)
{
	int i;

	if (!addr)
		return NULL;
	for (i = t->nr_pgmaps - 1; i >= 0; i--)
		if (t->pgmaps[i]->addr == addr && !t->pgmaps[i]->final)
			return t->pgmaps[i];
	return NULL;
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

static int by_pfn(const void *a, const void *b)
{
	const struct zt_folio *x = a, *y = b;

	if (x->v.pfn != y->v.pfn)
		return x->v.pfn < y->v.pfn ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sorted by pfn, one entry each (the newest): a cache, so const. */
static void folios_sort(const struct tracker *ct)
{
	struct tracker *t = (struct tracker *)ct;
	size_t i, n = 0;

	if (t->folios_sorted || t->nr_folios < 2) /* qsort(NULL, 0) is UB */
		return;
	qsort(t->folios, t->nr_folios, sizeof(*t->folios), by_pfn);
	for (i = 0; i < t->nr_folios; i++) {
		if (n && t->folios[n - 1].v.pfn == t->folios[i].v.pfn)
			n--; /* two pgmaps never share a pfn: the newer wins */
		t->folios[n++] = t->folios[i];
	}
	t->nr_folios = n;
	t->folios_sorted = true;
}

static struct zt_folio *folio_find(const struct tracker *t, uint64_t pfn)
{
	size_t lo = 0, hi;

	folios_sort(t);
	hi = t->nr_folios;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->folios[mid].v.pfn < pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->nr_folios && t->folios[lo].v.pfn == pfn ? &t->folios[lo]
							       : NULL;
}

void tracker_folios_clear(struct tracker *t)
{
	t->nr_folios = 0;
	t->folios_sorted = true;
}

int tracker_folio_add(struct tracker *t, int pgmap_id,
		      const struct zt_folio_view *v)
{
	struct zt_folio *f;

	if (t->nr_folios == t->cap_folios) {
		size_t cap = t->cap_folios ? 2 * t->cap_folios : 1024;

		f = realloc(t->folios, cap * sizeof(*f));
		if (!f)
			return -ENOMEM;
		t->folios = f;
		t->cap_folios = cap;
	}
	f = &t->folios[t->nr_folios];
	f->v = *v;
	f->pgmap = (struct zt_pgmap *)tracker_pgmap_by_id(t, pgmap_id);
	f->seq = t->nr_folios;
	if (t->nr_folios && f[-1].v.pfn >= v->pfn)
		t->folios_sorted = false;
	t->nr_folios++;
	return 0;
}

static enum zt_pgmap_state state_of(uint32_t slot_state)
{
	switch (slot_state) {
	case ZDEV_SLOT_KILLING:
		return ZT_PGMAP_KILLING;
	case ZDEV_SLOT_DRAINED:
		return ZT_PGMAP_DRAINED;
	case ZDEV_SLOT_GONE:
		return ZT_PGMAP_GONE;
	default:
		return ZT_PGMAP_LIVE;
	}
}

static uint64_t clamp0(int64_t v)
{
	return v < 0 ? 0 : (uint64_t)v;
}

/* The pgmap a slot holds now: the same slot and generation, not final. */
static struct zt_pgmap *pgmap_of_slot(struct tracker *t, uint32_t slot,
				      uint64_t gen)
{
	int i;

	for (i = t->nr_pgmaps - 1; i >= 0; i--) {
		struct zt_pgmap *p = t->pgmaps[i];

		if (p->slot == (int)slot && p->gen == gen && !p->final)
			return p;
	}
	return NULL;
}

int tracker_pgmap_in_slot(const struct tracker *t, int slot)
{
	int i;

	for (i = t->nr_pgmaps - 1; i >= 0; i--)
		if (t->pgmaps[i]->slot == slot && !t->pgmaps[i]->final)
			return t->pgmaps[i]->id;
	return 0;
}

struct zt_pgmap *tracker_pgmap_update(struct tracker *t,
				      const struct zdev_slot *s,
				      const struct zdev_pgmap_counters *sum)
{
	struct zt_pgmap *p = pgmap_of_slot(t, s->info.slot, s->gen);
	enum zt_pgmap_state state = state_of(s->state);
	uint32_t n = s->info.nr_range;
	int a;

	if (!p) {
		p = pgmap_new(t, s->pgmap);
		if (!p)
			return NULL;
		p->slot = s->info.slot;
		p->gen = s->gen;
	}
	p->addr = s->pgmap;
	p->described = true;
	p->type = s->info.type;
	p->nr_range = n;
	if (n > ZDEV_MAX_RANGES)
		n = ZDEV_MAX_RANGES;
	memcpy(p->ranges, s->info.ranges, n * sizeof(p->ranges[0]));
	p->owner_id = owner_id(t, s->info.owner);
	p->vmemmap_shift = s->info.vmemmap_shift;
	p->created_ns = s->created_ns;
	p->kill_ns = s->kill_ns;
	p->drained_ns = s->drained_ns;
	p->gone_ns = s->gone_ns;
	p->folio_state_full = !!(s->flags & ZDEV_SLOT_NO_BITS);

	p->c.inits = sum->inits;
	p->c.frees = sum->frees;
	p->c.splits = sum->splits;
	p->c.split_new_folios = sum->split_new_folios;
	p->c.preexisting = sum->preexisting;
	p->c.maps = sum->maps;
	p->c.unmaps = sum->unmaps;
	p->c.migrated_to_device_pages = sum->migrated_to_device_pages;
	p->c.migrated_to_device_large = sum->migrated_to_device_large;
	p->c.migrated_to_ram_pages = sum->migrated_to_ram_pages;
	p->c.migrated_to_ram_large = sum->migrated_to_ram_large;
	p->c.evicted_pages = sum->evicted_pages;
	p->c.collected_pages = sum->collected_pages;
	p->c.pins = sum->pins;
	p->c.unpins = sum->unpins;
	p->c.pins_untracked = sum->pins_untracked;
	p->untracked = sum->untracked;
	for (a = 0; a < ZT_AN_MAX; a++)
		p->c.anomalies[a] = sum->anomalies[a] + p->judged[a];
	p->live_folios = clamp0(sum->live_folios);
	p->live_pages = clamp0(sum->live_pages);
	p->mapped_pages = clamp0(sum->mapped_pages);
	p->pinned_pages = clamp0(sum->pinned_pages);

	/* memunmap_pages() began: what it found live is its judgement's */
	if (state != ZT_PGMAP_LIVE && p->state == ZT_PGMAP_LIVE)
		p->live_at_kill = p->live_folios;
	p->state = state;
	return p;
}

void tracker_pgmap_final(struct tracker *t, struct zt_pgmap *p)
{
	size_t i, n = 0;

	/* Its struct pages are gone: so is whatever we still held. */
	for (i = 0; i < t->nr_folios; i++)
		if (t->folios[i].pgmap != p)
			t->folios[n++] = t->folios[i];
	t->nr_folios = n;
	p->state = ZT_PGMAP_GONE;
	p->final = true;
	p->live_folios = p->live_pages = p->mapped_pages = 0;
	p->pinned_pages = 0;
}

bool tracker_judge_gone(struct tracker *t, struct zt_pgmap *p)
{
	if (!tracker_gone_with_live(p))
		return false;
	p->teardown_judged = true;
	p->judged[ZT_AN_TEARDOWN_LIVE]++;
	p->c.anomalies[ZT_AN_TEARDOWN_LIVE]++;
	return true;
}

void tracker_event(struct tracker *t, const struct zdev_event *e)
{
	struct zt_pgmap *p;
	uint32_t a;

	t->records++;
	if (e->ts_ns > t->last_ns)
		t->last_ns = e->ts_ns;
	if (e->kind != ZDEV_EV_ANOMALY)
		return;
	/* the counts are the kernel's; the record names the folio and site */
	a = e->anomaly.anomaly;
	p = pgmap_find(t, e->pgmap);
	if (!p || a >= ZT_AN_MAX)
		return;
	p->anomaly_stack[a] = e->stack_id;
	p->anomaly_pfn[a] = e->anomaly.pfn;
}

const struct zt_pgmap *tracker_pgmap_by_id(const struct tracker *t, int id)
{
	int lo = 0, hi = t->nr_pgmaps - 1;

	/* in id order, with gaps where pgmaps were retired */
	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;

		if (t->pgmaps[mid]->id == id)
			return t->pgmaps[mid];
		if (t->pgmaps[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

/*
 * Nothing a verdict or a finding names: no anomaly, no judged teardown, no
 * in-kernel allocation, no event its per-folio state lost (run's
 * inconclusive verdict counts those per pgmap)
 */
static bool retirable(const struct tracker *t, const struct zt_pgmap *p)
{
	return p->final && !p->teardown_judged && !tracker_anomalies(p) &&
	       !p->untracked && !p->folio_state_full &&
	       !kallocs_of(&t->kallocs, p->id);
}

static void add_u64s(void *dst, const void *src, size_t size)
{
	uint64_t *d = dst;
	const uint64_t *s = src;

	for (size_t i = 0; i < size / sizeof(*d); i++)
		d[i] += s[i];
}

/* Everything a gone pgmap counted, into its type's aggregate. */
static int retire(struct tracker *t, const struct zt_pgmap *p)
{
	uint32_t type = p->type < ZT_PGMAP_TYPES ? p->type : 0;
	struct zt_pgmap *r = t->retired[type];
	size_t off = offsetof(struct zdev_residency, frees);

	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r)
			return -ENOMEM;
		r->type = type;
		r->slot = -1;
		r->state = ZT_PGMAP_GONE;
		r->final = true;
		r->refs_waited = -1;
		for (int i = 0; i < ZT_AN_MAX; i++)
			r->anomaly_stack[i] = -1;
		t->retired[type] = r;
	}
	/* the migrate_to_ram op, named while all of them had the same */
	if (p->fault_op_name[0] && r->fault_op != UINT64_MAX) {
		if (!r->fault_op_name[0]) {
			r->fault_op = p->fault_op;
			strcpy(r->fault_op_name, p->fault_op_name);
		} else if (strcmp(r->fault_op_name, p->fault_op_name)) {
			r->fault_op = UINT64_MAX; /* several: none named */
			r->fault_op_name[0] = '\0';
		}
	}
	r->retired++;
	add_u64s(&r->c, &p->c, sizeof(p->c));
	add_u64s(&r->faults, &p->faults, sizeof(p->faults));
	add_u64s(&r->migrations, &p->migrations, sizeof(p->migrations));
	/* its sampling (a setting, not a count) as the newest pgmap's */
	r->residency.sample_shift = p->residency.sample_shift;
	add_u64s((char *)&r->residency + off, (const char *)&p->residency + off,
		 sizeof(p->residency) - off);
	return 0;
}

void tracker_retire(struct tracker *t)
{
	int i, n = 0, kept = 0;

	if (t->keep_gone < 0)
		return;
	for (i = t->nr_pgmaps - 1; i >= 0; i--) {
		struct zt_pgmap *p = t->pgmaps[i];

		if (!retirable(t, p) || kept++ < t->keep_gone)
			continue;
		if (retire(t, p))
			break; /* no memory: kept as it is, retired later */
		free(p);
		t->pgmaps[i] = NULL;
	}
	for (i = 0; i < t->nr_pgmaps; i++)
		if (t->pgmaps[i])
			t->pgmaps[n++] = t->pgmaps[i];
	t->nr_pgmaps = n;
}

int tracker_foreach_retired(const struct tracker *t,
			    int (*fn)(const struct zt_pgmap *p, void *ctx),
			    void *ctx)
{
	int i, ret;

	for (i = 0; i < ZT_PGMAP_TYPES; i++) {
		if (!t->retired[i])
			continue;
		ret = fn(t->retired[i], ctx);
		if (ret)
			return ret;
	}
	return 0;
}

uint64_t tracker_anomalies(const struct zt_pgmap *p)
{
	uint64_t sum = 0;
	int i;

	for (i = 0; i < ZT_AN_MAX; i++)
		sum += p->c.anomalies[i];
	return sum;
}

uint64_t tracker_live_folios(const struct tracker *t)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < t->nr_pgmaps; i++)
		n += t->pgmaps[i]->live_folios;
	return n;
}

static void folio_view(const struct zt_folio *f, struct zt_folio_view *out)
{
	*out = f->v;
	out->pgmap_id = f->pgmap ? f->pgmap->id : 0;
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
	struct zt_folio_view v;
	size_t i;
	int ret;

	folios_sort(t);
	for (i = 0; i < t->nr_folios; i++) {
		folio_view(&t->folios[i], &v);
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

/* A memunmap_pages() waiting for this pgmap's folios, not judged yet. */
static bool teardown_unjudged(const struct zt_pgmap *p)
{
	return p->state == ZT_PGMAP_KILLING && !p->teardown_judged &&
	       tracker_teardown_waits(p);
}

int tracker_stuck_teardowns(struct tracker *t, uint64_t now_ns,
			    uint64_t after_ns, int *ids, int max)
{
	int i, n = 0;

	for (i = 0; i < t->nr_pgmaps && n < max; i++) {
		struct zt_pgmap *p = t->pgmaps[i];

		if (!teardown_unjudged(p) || now_ns < p->kill_ns ||
		    now_ns - p->kill_ns < after_ns)
			continue;
		p->teardown_judged = true;
		p->judged[ZT_AN_TEARDOWN_LIVE]++;
		p->c.anomalies[ZT_AN_TEARDOWN_LIVE]++;
		ids[n++] = p->id;
	}
	return n;
}

bool tracker_teardown_pending(const struct tracker *t)
{
	int i;

	for (i = 0; i < t->nr_pgmaps; i++)
		if (teardown_unjudged(t->pgmaps[i]))
			return true;
	return false;
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
