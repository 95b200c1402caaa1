// SPDX-License-Identifier: GPL-2.0
/* Leak rules over tracker state. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "leaks.h"

static const struct {
	const char *name;
	enum leak_severity severity;
	const char *text;
} rules[LEAK_RULE_MAX] = {
	[LEAK_LIVE_AFTER_RUN] = { "live-after-run", LEAK_ERROR,
				  "still live after the workload and "
				  "teardown" },
	[LEAK_TEARDOWN_LIVE] = { "teardown-with-live-folios", LEAK_CRITICAL,
				 "live while memunmap_pages() waits past "
				 "--teardown-timeout (FS DAX, device-dax: "
				 "live after it returned)" },
	[LEAK_UNMAPPED_NOT_FREED] = { "unmapped-not-freed", LEAK_WARNING,
				      "unmapped and not freed for longer "
				      "than --older-than" },
	[LEAK_DOUBLE_FREE] = { "double-free", LEAK_ERROR,
			       "freed again, or freed without a birth" },
	[LEAK_FREE_MAPPED] = { "free-while-mapped", LEAK_ERROR,
			       "freed while a page table still mapped it" },
	[LEAK_MAPCOUNT_NEGATIVE] = { "mapcount-negative", LEAK_ERROR,
				     "unmapped more often than mapped" },
	[LEAK_MIGRATION_OPEN] = { "migration-not-finalized", LEAK_ERROR,
				  "locked behind migration entries by "
				  "migrate_vma_setup(), never finalized: CPU "
				  "accesses to them wait forever" },
};

const char *leak_rule_name(enum leak_rule rule)
{
	return rule < LEAK_RULE_MAX ? rules[rule].name : "unknown";
}

const char *leak_rule_text(enum leak_rule rule)
{
	return rule < LEAK_RULE_MAX ? rules[rule].text : "";
}

const char *leak_finding_text(const struct leak_finding *f)
{
	if (f->rule != LEAK_TEARDOWN_LIVE)
		return leak_rule_text(f->rule);
	if (f->pgmap_type == ZDEV_PGMAP_FSDAX ||
	    f->pgmap_type == ZDEV_PGMAP_GENERIC)
		return "still live after memunmap_pages() returned: their "
		       "struct pages are gone (a use after unmap)";
	if (f->held_by == LEAK_HELD_BY_KALLOC)
		return "of device memory allocated in the kernel and never "
		       "freed, while memunmap_pages() waits for its pgmap "
		       "references";
	if (!f->folios)
		return "held by no folio zdevmon saw live, yet "
		       "memunmap_pages() still waits: a pgmap reference is "
		       "held elsewhere";
	return "still live while memunmap_pages() waits: the kernel waits "
	       "for them forever";
}

enum leak_severity leak_rule_severity(enum leak_rule rule)
{
	return rule < LEAK_RULE_MAX ? rules[rule].severity : LEAK_ERROR;
}

const char *leak_severity_name(enum leak_severity sev)
{
	static const char *const names[] = { "warning", "error", "critical" };

	return sev <= LEAK_CRITICAL ? names[sev] : "error";
}

/*
 * The finding a folio or an allocation adds to: same rule, pgmap and
 * stack (the birth's, the pin's or the allocation's, with the same
 * holder when key names one).
 */
static struct leak_finding *finding_of(struct leak_report *r,
				       enum leak_rule rule, int pgmap_id,
				       uint32_t type, int32_t stack_id,
				       const struct leak_finding *key)
{
	enum leak_held_by by = key ? key->held_by : LEAK_HELD_BY_BIRTH;
	struct leak_finding *f;
	size_t i;

	for (i = 0; i < r->nr; i++) {
		f = &r->findings[i];
		if (f->rule == rule && f->pgmap_id == pgmap_id &&
		    f->stack_id == stack_id && f->held_by == by &&
		    (by == LEAK_HELD_BY_BIRTH ||
		     (f->holder.tgid == key->holder.tgid &&
		      f->holder.cgroup == key->holder.cgroup)))
			return f;
	}
	if (r->nr == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;

		f = realloc(r->findings, cap * sizeof(*f));
		if (!f)
			return NULL;
		r->findings = f;
		r->cap = cap;
	}
	f = &r->findings[r->nr++];
	memset(f, 0, sizeof(*f));
	f->rule = rule;
	f->pgmap_id = pgmap_id;
	f->pgmap_type = type;
	f->stack_id = stack_id;
	f->last_stack_id = -1;
	f->birth_stack_id = stack_id;
	f->refs = f->unexplained_refs = f->kalloc_refs = -1;
	if (by != LEAK_HELD_BY_BIRTH) {
		f->held_by = by;
		f->birth_stack_id = key->birth_stack_id;
		f->holder = key->holder;
		f->holder.pins = 0;
		f->holder.allocations = 0;
		f->holder.migrations = 0;
	}
	return f;
}

static struct leak_finding *finding(struct leak_report *r, enum leak_rule rule,
				    int pgmap_id, uint32_t type,
				    int32_t stack_id)
{
	return finding_of(r, rule, pgmap_id, type, stack_id, NULL);
}

/* A holding task, as a finding's key. */
static void holder_key(struct leak_finding *key, enum leak_held_by by,
		       int32_t birth_stack, uint32_t tgid, uint32_t pid,
		       const char comm[16], uint64_t cgroup)
{
	memset(key, 0, sizeof(*key));
	key->held_by = by;
	key->birth_stack_id = birth_stack;
	key->holder.tgid = tgid;
	key->holder.pid = pid;
	memcpy(key->holder.comm, comm, sizeof(key->holder.comm));
	key->holder.comm[sizeof(key->holder.comm) - 1] = '\0';
	key->holder.cgroup = cgroup;
}

/* What a pin says of its holder. */
static void pin_key(struct leak_finding *key, const struct zt_pin *pin,
		    int32_t birth_stack)
{
	holder_key(key, LEAK_HELD_BY_PIN, birth_stack, pin->k.tgid, pin->k.pid,
		   pin->k.comm, pin->k.cgroup);
}

struct walk {
	const struct tracker *t;
	struct leak_report *r;
	enum leak_rule rule;
	int pgmap_id; /* 0: every pgmap */
	uint64_t now_ns;
	uint64_t older_than_ns;
	bool unmapped_only;
	int err;
};

static int add_folio(const struct zt_folio_view *v, void *ctx)
{
	struct walk *w = ctx;
	const struct zt_pgmap *p = tracker_pgmap_by_id(w->t, v->pgmap_id);
	const struct zt_pin *pin;
	struct leak_finding *f, key;

	if (w->pgmap_id && v->pgmap_id != w->pgmap_id)
		return 0;
	if (v->preexisting) {
		if (w->rule == LEAK_LIVE_AFTER_RUN)
			w->r->preexisting_live++;
		if (w->rule != LEAK_TEARDOWN_LIVE)
			return 0;
	}
	if (w->unmapped_only &&
	    (v->mapcount > 0 || w->now_ns - v->last_ns < w->older_than_ns))
		return 0;
	pin = pins_find(&w->t->pins, v->pfn);
	/*
	 * another job's (run --scope): born to it, or pinned by it; a
	 * teardown waits for every folio all the same
	 */
	if (w->rule != LEAK_TEARDOWN_LIVE &&
	    (v->foreign || (pin && pin->k.foreign))) {
		if (w->rule == LEAK_LIVE_AFTER_RUN)
			w->r->foreign_live++;
		return 0;
	}
	if (pin)
		pin_key(&key, pin, v->birth_stack);
	f = finding_of(w->r, w->rule, v->pgmap_id, p ? p->type : 0,
		       pin ? pin->k.stack_id : v->birth_stack,
		       pin ? &key : NULL);
	if (!f) {
		w->err = -ENOMEM;
		return 1;
	}
	if (!f->folios) {
		f->example_pfn = v->pfn;
		f->last_stack_id = v->last_stack;
	}
	f->folios++;
	f->pages += 1ULL << v->order;
	if (pin)
		f->holder.pins += pin->k.pins;
	return 0;
}

/* Pinned folios the tracker does not hold live: live all the same. */
static int add_pinned_unseen(const struct tracker *t, struct leak_report *r)
{
	struct zt_folio_view v;
	struct leak_finding *f, key;
	size_t i;

	for (i = 0; i < t->pins.nr; i++) {
		const struct zt_pin *pin = &t->pins.v[i];
		const struct zt_pgmap *p =
			tracker_pgmap_by_id(t, pin->pgmap_id);

		if (!p || tracker_folio(t, pin->pfn, &v))
			continue;
		if (pin->k.foreign) {
			r->foreign_live++;
			continue;
		}
		pin_key(&key, pin, -1);
		f = finding_of(r, LEAK_LIVE_AFTER_RUN, p->id, p->type,
			       pin->k.stack_id, &key);
		if (!f)
			return -ENOMEM;
		if (!f->folios)
			f->example_pfn = pin->pfn;
		f->folios++;
		f->pages += 1ULL << (pin->k.order & 31);
		f->holder.pins += pin->k.pins;
	}
	return 0;
}

/*
 * The references a stuck memunmap_pages() waits for, on each of its
 * pgmap's findings: device-private and -coherent folios hold one per page
 * while live (zone_device_page_init() takes 1 << order, the free puts
 * them), so what is beyond the live pages is held elsewhere.
 */
static void teardown_refs(const struct tracker *t, const struct zt_pgmap *p,
			  struct leak_report *r)
{
	bool per_folio = p->type == ZDEV_PGMAP_PRIVATE ||
			 p->type == ZDEV_PGMAP_COHERENT ||
			 p->type == ZDEV_PGMAP_P2PDMA;
	int64_t kallocs = kallocs_of(&t->kallocs, p->id);
	int64_t held = (int64_t)p->live_pages + kallocs;

	if (p->refs_waited < 0)
		return;
	for (size_t i = 0; i < r->nr; i++) {
		struct leak_finding *f = &r->findings[i];

		if (f->rule != LEAK_TEARDOWN_LIVE || f->pgmap_id != p->id)
			continue;
		f->refs = p->refs_waited;
		f->kalloc_refs = kallocs;
		if (per_folio)
			f->unexplained_refs = p->refs_waited > held
						      ? p->refs_waited - held
						      : 0;
	}
}

/* The pgmap's in-kernel allocations, by stack and allocating task. */
static int add_kallocs(const struct tracker *t, const struct zt_pgmap *p,
		       struct leak_report *r)
{
	struct leak_finding *f, key;

	for (size_t i = 0; i < t->kallocs.nr; i++) {
		const struct zt_kalloc *a = &t->kallocs.v[i];

		if (a->pgmap_id != p->id)
			continue;
		holder_key(&key, LEAK_HELD_BY_KALLOC, -1, a->k.tgid, a->k.pid,
			   a->k.comm, a->k.cgroup);
		f = finding_of(r, LEAK_TEARDOWN_LIVE, p->id, p->type,
			       a->k.stack_id, &key);
		if (!f)
			return -ENOMEM;
		f->holder.allocations++;
		f->pages += (a->k.size + 4095) / 4096;
	}
	return 0;
}

int leaks_teardown(const struct tracker *t, const struct zt_pgmap *p,
		   struct leak_report *r)
{
	struct walk w = {
		.t = t, .r = r, .rule = LEAK_TEARDOWN_LIVE, .pgmap_id = p->id
	};
	struct leak_finding *f = NULL;
	bool kalloc = false;

	tracker_foreach_folio(t, add_folio, &w);
	if (!w.err)
		w.err = add_kallocs(t, p, r);
	if (w.err)
		return w.err;
	for (size_t i = 0; i < r->nr && !f; i++) {
		if (r->findings[i].rule != LEAK_TEARDOWN_LIVE ||
		    r->findings[i].pgmap_id != p->id)
			continue;
		if (r->findings[i].held_by == LEAK_HELD_BY_KALLOC)
			kalloc = true;
		else
			f = &r->findings[i];
	}
	/*
	 * a wait that neither a live folio nor an allocation explains is a
	 * finding too, and so are live folios the daemon only counts
	 */
	if (!f && (!kalloc || (!t->folio_records && p->live_folios))) {
		f = finding(r, LEAK_TEARDOWN_LIVE, p->id, p->type, -1);
		if (!f)
			return -ENOMEM;
		/* daemon mode keeps no folio records: the counts say */
		if (!t->folio_records) {
			f->folios = p->live_folios;
			f->pages = p->live_pages;
		}
	}
	teardown_refs(t, p, r);
	return 0;
}

int leaks_unmapped(const struct tracker *t, uint64_t now_ns,
		   uint64_t older_than_ns, struct leak_report *r)
{
	struct walk w = { .t = t,
			  .r = r,
			  .rule = LEAK_UNMAPPED_NOT_FREED,
			  .now_ns = now_ns,
			  .older_than_ns = older_than_ns,
			  .unmapped_only = true };

	tracker_foreach_folio(t, add_folio, &w);
	return w.err;
}

/* Anomalies that are leak findings, with the call site of the latest. */
static int add_anomalies_of(const struct zt_pgmap *p, void *ctx)
{
	static const struct {
		enum zt_anomaly an;
		enum leak_rule rule;
	} map[] = {
		{ ZT_AN_DOUBLE_FREE, LEAK_DOUBLE_FREE },
		{ ZT_AN_FREE_MAPPED, LEAK_FREE_MAPPED },
		{ ZT_AN_MAPCOUNT_NEGATIVE, LEAK_MAPCOUNT_NEGATIVE },
	};
	struct leak_report *r = ctx;
	size_t j;

	for (j = 0; j < sizeof(map) / sizeof(map[0]); j++) {
		struct leak_finding *f;
		uint64_t n = p->c.anomalies[map[j].an];

		if (!n)
			continue;
		f = finding(r, map[j].rule, p->id, p->type,
			    p->anomaly_stack[map[j].an]);
		if (!f)
			return -ENOMEM;
		f->folios += n;
		f->pages += n;
		f->example_pfn = p->anomaly_pfn[map[j].an];
	}
	return 0;
}

static int add_anomalies(const struct tracker *t, struct leak_report *r)
{
	return tracker_foreach_pgmap(t, add_anomalies_of, r);
}

/* Migrations set up under monitoring and never finalized, by caller. */
static int add_open_setups(const struct tracker *t, struct leak_report *r)
{
	struct leak_finding *f, key;

	for (size_t i = 0; i < t->setups.nr; i++) {
		const struct zt_setup *s = &t->setups.v[i];

		if (s->k.foreign)
			continue;
		holder_key(&key, LEAK_HELD_BY_MIGRATION, -1, s->k.tgid,
			   s->k.pid, s->k.comm, s->k.cgroup);
		f = finding_of(r, LEAK_MIGRATION_OPEN, 0, 0, s->k.stack_id,
			       &key);
		if (!f)
			return -ENOMEM;
		f->holder.migrations++;
		f->pages += s->k.pages;
	}
	return 0;
}

int leaks_after_run(const struct tracker *t, struct leak_report *r)
{
	struct walk w = { .t = t, .r = r, .rule = LEAK_LIVE_AFTER_RUN };

	tracker_foreach_folio(t, add_folio, &w);
	if (!w.err)
		w.err = add_pinned_unseen(t, r);
	if (!w.err)
		w.err = add_open_setups(t, r);
	if (w.err)
		return w.err;
	return add_anomalies(t, r);
}

int leaks_merge(struct leak_report *dst, const struct leak_report *src)
{
	size_t i;

	for (i = 0; i < src->nr; i++) {
		const struct leak_finding *s = &src->findings[i];
		struct leak_finding *f =
			finding_of(dst, s->rule, s->pgmap_id, s->pgmap_type,
				   s->stack_id, s);

		if (!f)
			return -ENOMEM;
		f->holder.pins += s->holder.pins;
		f->holder.allocations += s->holder.allocations;
		f->holder.migrations += s->holder.migrations;
		if (!f->folios) {
			f->example_pfn = s->example_pfn;
			f->last_stack_id = s->last_stack_id;
		}
		f->folios += s->folios;
		f->pages += s->pages;
		/* the pgmap's count when it was read, not a sum */
		if (s->refs >= 0) {
			f->refs = s->refs;
			f->unexplained_refs = s->unexplained_refs;
			f->kalloc_refs = s->kalloc_refs;
		}
	}
	return 0;
}

size_t leaks_count(const struct leak_report *r, enum leak_severity min)
{
	size_t i, n = 0;

	for (i = 0; i < r->nr; i++)
		n += leak_rule_severity(r->findings[i].rule) >= min;
	return n;
}

void leaks_release(struct leak_report *r)
{
	free(r->findings);
	memset(r, 0, sizeof(*r));
}
