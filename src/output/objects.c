// SPDX-License-Identifier: GPL-2.0
/* The NDJSON objects (json-c), each with "schema" and "kind". */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>
#include "objects.h"
#include "table.h"
#include "sys/cgroup.h"

const char *output_kind_name(uint32_t kind)
{
	static const char *const names[ZDEV_EV_KIND_MAX] = {
		[ZDEV_EV_PGMAP] = "pgmap",
		[ZDEV_EV_PGMAP_KILL] = "pgmap_teardown",
		[ZDEV_EV_PGMAP_DRAINED] = "pgmap_drained",
		[ZDEV_EV_PGMAP_GONE] = "pgmap_gone",
		[ZDEV_EV_INIT] = "init",
		[ZDEV_EV_FREE] = "free",
		[ZDEV_EV_MAP] = "map",
		[ZDEV_EV_UNMAP] = "unmap",
		[ZDEV_EV_SPLIT] = "split",
		[ZDEV_EV_MIGRATE] = "migrate",
		[ZDEV_EV_DEVMAP_PUT] = "devmap_put",
		[ZDEV_EV_ANOMALY] = "anomaly",
		[ZDEV_EV_MIGRATION] = "migration",
		[ZDEV_EV_FAULT_SIGBUS] = "fault_sigbus",
	};

	if (kind >= ZDEV_EV_KIND_MAX || !names[kind])
		return "unknown";
	return names[kind];
}

void json_add_u64(json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static double wall_time;

void output_set_time(double unix_s)
{
	wall_time = unix_s;
}

double output_time(void)
{
	struct timespec ts;

	if (wall_time > 0)
		return wall_time;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static json_object *header(const char *kind)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "schema",
			       json_object_new_string(ZDEVMON_SCHEMA));
	json_object_object_add(o, "kind", json_object_new_string(kind));
	json_object_object_add(o, "time",
			       json_object_new_double(output_time()));
	return o;
}

/* Counts per power-of-two bucket of ns, trailing empty buckets left out. */
static json_object *log2_json(const __u64 *buckets)
{
	json_object *hist = json_object_new_array();
	int i, last = -1;

	for (i = 0; i < ZDEV_FAULT_BUCKETS; i++)
		if (buckets[i])
			last = i;
	for (i = 0; i <= last; i++)
		json_object_array_add(hist, json_object_new_int64(buckets[i]));
	return hist;
}

/*
 * CPU faults on a device-private pgmap: the op that served them, results,
 * and their times as counts per power-of-two bucket of nanoseconds
 * (bucket i: [2^i, 2^(i+1))).
 */
static json_object *cpu_faults_json(const struct zt_pgmap *p)
{
	const struct zdev_faults *f = &p->faults;
	json_object *o = json_object_new_object(),
		    *res = json_object_new_object();

	json_object_object_add(
		o, "op",
		p->fault_op_name[0] ? json_object_new_string(p->fault_op_name)
				    : NULL);
	json_add_u64(o, "calls", f->calls);
	json_add_u64(o, "thp_calls", f->thp_calls);
	json_add_u64(o, "migrated_pages", f->pages);
	json_add_u64(res, "ok", f->ok);
	json_add_u64(res, "retry", f->retry);
	json_add_u64(res, "sigbus", f->sigbus);
	json_add_u64(res, "oom", f->oom);
	json_add_u64(res, "other", f->other);
	json_object_object_add(o, "results", res);
	json_add_u64(o, "vma_lock_retries", f->vma_lock_retries);
	json_object_object_add(o, "seconds_total",
			       json_object_new_double(f->ns_total / 1e9));
	json_object_object_add(o, "latency_log2_ns", log2_json(f->ns_log2));
	return o;
}

const char *output_mig_cause_name(unsigned int cause)
{
	static const char *const names[ZDEV_MIG_CAUSES] = {
		[ZDEV_MIG_DRIVER] = "driver",
		[ZDEV_MIG_FAULT] = "fault",
		[ZDEV_MIG_EVICT] = "eviction",
		[ZDEV_MIG_PIN] = "pin",
	};

	return cause < ZDEV_MIG_CAUSES ? names[cause] : "unknown";
}

/* One direction's migration outcomes, in pages. */
static json_object *mig_dir_json(const struct zdev_mig_dir_stats *d)
{
	json_object *o = json_object_new_object(),
		    *by = json_object_new_object();
	unsigned int c;

	json_add_u64(o, "calls", d->calls);
	json_add_u64(o, "range_pages", d->range_pages);
	json_add_u64(o, "collected_pages", d->collected);
	json_add_u64(o, "not_collected_pages",
		     d->range_pages > d->collected
			     ? d->range_pages - d->collected
			     : 0);
	json_add_u64(o, "restored_pages", d->restored);
	json_add_u64(o, "no_destination_pages", d->no_dst);
	json_add_u64(o, "failed_pages", d->failed);
	json_add_u64(o, "migrated_pages", d->migrated);
	json_add_u64(o, "thp_migrated", d->thp);
	json_add_u64(o, "thp_split_to_small", d->split_dst);
	json_add_u64(o, "pingpong_pages", d->pingpong);
	for (c = 0; c < ZDEV_MIG_CAUSES; c++)
		json_add_u64(by, output_mig_cause_name(c), d->by_cause[c]);
	json_object_object_add(o, "migrated_by", by);
	json_object_object_add(o, "seconds_total",
			       json_object_new_double(d->ns_total / 1e9));
	json_object_object_add(o, "latency_log2_ns", log2_json(d->ns_log2));
	return o;
}

/* Pages migrated as whole THPs / pages migrated, both ways; -1: none. */
static double thp_efficiency(const struct zdev_migrations *m)
{
	uint64_t moved = m->dir[0].migrated + m->dir[1].migrated;
	uint64_t thp = m->dir[0].thp + m->dir[1].thp;

	return moved ? (double)thp * ZDEV_PMD_NR / moved : -1;
}

/* Sampled lifetimes of a pgmap's folios (bpf/residency.bpf.h). */
static json_object *residency_json(const struct zt_pgmap *p)
{
	const struct zdev_residency *r = &p->residency;
	json_object *o = json_object_new_object();

	json_add_u64(o, "sample_one_in", 1ULL << (r->sample_shift & 31));
	json_add_u64(o, "frees", r->frees);
	json_add_u64(o, "unmatched", r->unmatched);
	json_object_object_add(o, "seconds_total",
			       json_object_new_double(r->ns_total / 1e9));
	json_object_object_add(o, "lifetime_log2_ns", log2_json(r->ns_log2));
	return o;
}

/*
 * A device-private or coherent pgmap's migrations: per direction what
 * was collected and why the rest did not move, THP whole or split.
 */
static json_object *migrations_json(const struct zt_pgmap *p)
{
	const struct zdev_migrations *m = &p->migrations;
	json_object *o = json_object_new_object();
	double eff = thp_efficiency(m);

	json_object_object_add(o, "to_device",
			       mig_dir_json(&m->dir[ZDEV_MIG_TO_DEVICE]));
	json_object_object_add(o, "to_ram",
			       mig_dir_json(&m->dir[ZDEV_MIG_TO_RAM]));
	json_add_u64(o, "collect_splits", m->collect_splits);
	json_add_u64(o, "collect_split_failures", m->collect_split_failures);
	json_add_u64(o, "device_to_device_out_pages", m->d2d_out_pages);
	json_object_object_add(o, "thp_efficiency",
			       eff < 0 ? NULL : json_object_new_double(eff));
	return o;
}

static json_object *pgmap_json(const struct tracker *t,
			       const struct zt_pgmap *p, bool addresses)
{
	json_object *o = json_object_new_object();
	json_object *ranges = json_object_new_array();
	json_object *an = json_object_new_object();
	uint32_t i;

	json_object_object_add(o, "id", json_object_new_int(p->id));
	json_object_object_add(
		o, "type", json_object_new_string(tracker_type_name(p->type)));
	json_object_object_add(
		o, "state",
		json_object_new_string(tracker_state_name(p->state)));
	json_add_u64(o, "pfn_start", tracker_pgmap_pfn_start(p));
	json_add_u64(o, "pfn_end", tracker_pgmap_pfn_end(p));
	for (i = 0; i < p->nr_range && i < ZDEV_MAX_RANGES; i++) {
		json_object *r = json_object_new_object();

		json_add_u64(r, "pfn_start", zdev_phys_pfn(p->ranges[i].start));
		json_add_u64(r, "pfn_end", zdev_phys_pfn(p->ranges[i].end));
		json_object_array_add(ranges, r);
	}
	json_object_object_add(o, "ranges", ranges);
	json_object_object_add(o, "owner_id", json_object_new_int(p->owner_id));
	json_add_u64(o, "folio_order", p->vmemmap_shift);
	json_object_object_add(
		o, "idle_refcount",
		json_object_new_int(tracker_idle_refcount(t, p)));
	json_add_u64(o, "live_folios", p->live_folios);
	json_add_u64(o, "live_pages", p->live_pages);
	json_add_u64(o, "mapped_pages", p->mapped_pages);
	json_add_u64(o, "inits", p->c.inits);
	json_add_u64(o, "frees", p->c.frees);
	json_add_u64(o, "splits", p->c.splits);
	json_add_u64(o, "split_new_folios", p->c.split_new_folios);
	json_add_u64(o, "preexisting_folios", p->c.preexisting);
	json_add_u64(o, "maps", p->c.maps);
	json_add_u64(o, "unmaps", p->c.unmaps);
	json_add_u64(o, "migrated_to_device_pages",
		     p->c.migrated_to_device_pages);
	json_add_u64(o, "migrated_to_device_large",
		     p->c.migrated_to_device_large);
	json_add_u64(o, "migrated_to_ram_pages", p->c.migrated_to_ram_pages);
	json_add_u64(o, "migrated_to_ram_large", p->c.migrated_to_ram_large);
	json_add_u64(o, "evicted_pages", p->c.evicted_pages);
	json_add_u64(o, "collected_pages", p->c.collected_pages);
	json_add_u64(o, "untracked", p->untracked);
	json_add_u64(o, "pinned_pages", p->pinned_pages);
	json_add_u64(o, "pins", p->c.pins);
	json_add_u64(o, "unpins", p->c.unpins);
	json_add_u64(o, "pins_untracked", p->c.pins_untracked);
	if (p->type == ZDEV_PGMAP_PRIVATE)
		json_object_object_add(o, "cpu_faults", cpu_faults_json(p));
	if (p->type == ZDEV_PGMAP_PRIVATE || p->type == ZDEV_PGMAP_COHERENT)
		json_object_object_add(o, "migrations", migrations_json(p));
	json_object_object_add(o, "residency", residency_json(p));
	json_object_object_add(o, "folio_state_full",
			       json_object_new_boolean(p->folio_state_full));
	if (p->refs_waited >= 0)
		json_object_object_add(o, "teardown_references",
				       json_object_new_int64(p->refs_waited));
	for (i = 0; i < ZT_AN_MAX; i++)
		json_add_u64(an, tracker_anomaly_name(i), p->c.anomalies[i]);
	json_object_object_add(o, "anomalies", an);
	if (addresses) {
		char addr[24];

		snprintf(addr, sizeof(addr), "0x%" PRIx64, p->addr);
		json_object_object_add(o, "kernel_address",
				       json_object_new_string(addr));
	}
	return o;
}

static json_object *hooks_json(const struct zdev_status *st)
{
	json_object *arr = json_object_new_array();
	int i;

	for (i = 0; i < st->nr_hooks; i++) {
		const struct hook_status *h = &st->hooks[i];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "function",
				       json_object_new_string(h->func));
		json_object_object_add(o, "mechanism",
				       json_object_new_string(h->mechanism));
		if (h->reason)
			json_object_object_add(
				o, "reason", json_object_new_string(h->reason));
		json_add_u64(o, "device_calls", h->device_calls);
		json_add_u64(o, "dropped_events", h->dropped);
		json_add_u64(o, "misses", h->misses);
		json_add_u64(o, "anomalies", h->anomalies);
		if (st->bpf_stats) {
			json_add_u64(o, "run_ns", h->run_ns);
			json_add_u64(o, "runs", h->runs);
		}
		json_object_array_add(arr, o);
	}
	return arr;
}

/* What was read, by kind: drops are accounted against these. */
static json_object *events_by_kind(const struct tracker *t)
{
	json_object *o = json_object_new_object();

	for (uint32_t k = 1; k < ZDEV_EV_KIND_MAX; k++)
		json_add_u64(o, output_kind_name(k), t->events_by_kind[k]);
	return o;
}

struct pgmap_array {
	json_object *arr;
	const struct tracker *t;
	bool show_addresses;
};

static int add_pgmap_json(const struct zt_pgmap *p, void *ctx)
{
	struct pgmap_array *a = ctx;

	json_object_array_add(a->arr, pgmap_json(a->t, p, a->show_addresses));
	return 0;
}

/*
 * A type's retired pgmaps: what they counted, summed; the fields that
 * name one pgmap or say what it holds now (nothing, once gone) left out.
 */
static int add_retired_json(const struct zt_pgmap *p, void *ctx)
{
	static const char *const not_summed[] = {
		"id",		"state",
		"pfn_start",	"pfn_end",
		"ranges",	"owner_id",
		"folio_order",	"idle_refcount",
		"live_folios",	"live_pages",
		"mapped_pages", "pinned_pages",
		"untracked",	"folio_state_full",
	};
	struct pgmap_array *a = ctx;
	json_object *o = pgmap_json(a->t, p, false);

	for (size_t i = 0; i < sizeof(not_summed) / sizeof(not_summed[0]); i++)
		json_object_object_del(o, not_summed[i]);
	json_add_u64(o, "pgmaps", p->retired);
	json_object_array_add(a->arr, o);
	return 0;
}

static json_object *streams_json(const struct zdev_status *st)
{
	static const char *const names[ZDEV_STREAM_MAX] = {
		[ZDEV_STREAM_LIFECYCLE] = "lifecycle",
		[ZDEV_STREAM_ANOMALY] = "anomaly",
		[ZDEV_STREAM_EVENTS] = "events",
	};
	json_object *o = json_object_new_object();
	int i;

	for (i = 0; i < ZDEV_STREAM_MAX; i++)
		json_add_u64(o, names[i], st->dropped_by_stream[i]);
	return o;
}

/* What the kernel side keeps per folio, and what it found at start. */
static json_object *folio_state_json(const struct zdev_status *st)
{
	json_object *o = json_object_new_object();

	json_object_object_add(
		o, "mode",
		json_object_new_string(st->folio_state ? st->folio_state : ""));
	json_add_u64(o, "capacity", st->folio_state_capacity);
	json_add_u64(o, "used", st->folio_state_used);
	json_add_u64(o, "kernel_bytes", st->folio_state_bytes);
	json_add_u64(o, "slots_full", st->slots_full);
	json_add_u64(o, "untracked", st->untracked);
	json_add_u64(o, "census_folios", st->census_found);
	json_object_object_add(o, "census_seconds",
			       json_object_new_double(st->census_seconds));
	return o;
}

/* A cgroup id and its path (null: gone, or no cgroup2 mount). */
static void add_cgroup(json_object *o, uint64_t id)
{
	char cg[256];
	const char *path = cgroup_path(id, cg, sizeof(cg));

	json_add_u64(o, "cgroup_id", id);
	json_object_object_add(o, "cgroup",
			       path ? json_object_new_string(path) : NULL);
}

/* A process's object: pid, comm, its cgroup. */
static json_object *process_json(uint32_t tgid, const char *comm,
				 uint64_t cgroup)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "pid", json_object_new_int64(tgid));
	json_object_object_add(o, "comm", json_object_new_string(comm));
	add_cgroup(o, cgroup);
	return o;
}

#define SNAPSHOT_HOLDERS 16

/*
 * Who holds pins on device folios now: the holders with the most pinned
 * pages, and the pages of the rest.
 */
static json_object *pins_json(const struct tracker *t, uint64_t now_ns,
			      json_object *o)
{
	struct zt_holder hs[SNAPSHOT_HOLDERS];
	json_object *arr = json_object_new_array();
	uint64_t others;
	int n = pins_holders(&t->pins, hs, SNAPSHOT_HOLDERS, &others), i;

	for (i = 0; i < n; i++) {
		json_object *h =
			process_json(hs[i].tgid, hs[i].comm, hs[i].cgroup);

		json_object_object_add(h, "pgmap",
				       json_object_new_int(hs[i].pgmap_id));
		json_add_u64(h, "folios", hs[i].folios);
		json_add_u64(h, "pages", hs[i].pages);
		json_object_object_add(h, "pins",
				       json_object_new_int64(hs[i].pins));
		json_object_object_add(
			h, "held_s",
			json_object_new_double(
				now_ns > hs[i].first_ns
					? (now_ns - hs[i].first_ns) / 1e9
					: 0));
		json_object_array_add(arr, h);
	}
	json_add_u64(o, "other_pinned_pages", others);
	return arr;
}

/* The pin on a busy page, if zdevmon saw it taken: who holds the page. */
static json_object *wait_holder_json(const struct tracker *t,
				     const struct zt_wait *w)
{
	const struct zt_pin *pin = pins_find(&t->pins, w->k.pfn);
	struct zt_holder h;
	json_object *o;

	if (!pin)
		return NULL;
	pins_holder(&h, pin);
	o = json_object_new_object();
	json_object_object_add(o, "pid", json_object_new_int64(h.tgid));
	json_object_object_add(o, "tid", json_object_new_int64(h.pid));
	json_object_object_add(o, "comm", json_object_new_string(h.comm));
	add_cgroup(o, h.cgroup);
	json_object_object_add(o, "pins", json_object_new_int64(h.pins));
	return o;
}

json_object *output_wait_fields(json_object *o, const struct tracker *t,
				const struct zt_wait *w, uint64_t now_ns)
{
	char comm[sizeof(w->k.comm) + 1] = { 0 }, dev[24];

	memcpy(comm, w->k.comm, sizeof(w->k.comm));
	waits_dev_name(w->k.dev, dev, sizeof(dev));
	json_object_object_add(o, "pid", json_object_new_int64(w->k.tgid));
	json_object_object_add(o, "tid", json_object_new_int64(w->tid));
	json_object_object_add(o, "comm", json_object_new_string(comm));
	add_cgroup(o, w->k.cgroup);
	json_object_object_add(o, "dev", json_object_new_string(dev));
	json_add_u64(o, "ino", w->k.ino);
	json_add_u64(o, "start", w->k.start);
	/* LLONG_MAX: the whole rest of the file */
	json_object_object_add(o, "end",
			       w->k.end >= INT64_MAX
				       ? NULL
				       : json_object_new_uint64(w->k.end));
	json_object_object_add(
		o, "waiting_s",
		json_object_new_double(now_ns > w->k.first_ns
					       ? (now_ns - w->k.first_ns) / 1e9
					       : 0));
	json_add_u64(o, "busy_pages", w->k.busy);
	json_add_u64(o, "pfn", w->k.pfn);
	json_object_object_add(o, "pgmap", json_object_new_int(w->pgmap_id));
	json_object_object_add(o, "refcount",
			       json_object_new_int(w->k.refcount));
	json_object_object_add(o, "holder", wait_holder_json(t, w));
	return o;
}

json_object *output_layout_wait(const struct tracker *t,
				const struct zt_wait *w, uint64_t now_ns,
				const char *holder_site)
{
	json_object *o = header("layout_wait");

	json_object_object_add(
		o, "wait",
		output_wait_fields(json_object_new_object(), t, w, now_ns));
	json_object_object_add(o, "holder_site",
			       holder_site ? json_object_new_string(holder_site)
					   : NULL);
	return o;
}

#define SNAPSHOT_USERS 16

static json_object *rest_json(const struct zt_usage_rest *r)
{
	json_object *o = json_object_new_object();

	json_add_u64(o, "count", r->count);
	json_add_u64(o, "mapped_pages", r->mapped_pages);
	json_add_u64(o, "pinned_pages", r->pinned_pages);
	json_add_u64(o, "migrated_to_device_pages", r->to_device_pages);
	json_add_u64(o, "migrated_to_ram_pages", r->to_ram_pages);
	json_add_u64(o, "pingpong_pages", r->pingpong_pages);
	return o;
}

/*
 * Device pages per process (by_cgroup false) or per cgroup: the top 16,
 * and the rest summed in o's other_KEY.
 */
static json_object *usage_json(const struct tracker *t, bool by_cgroup,
			       json_object *o, const char *other_key)
{
	struct zt_user us[SNAPSHOT_USERS];
	json_object *arr = json_object_new_array();
	struct zt_usage_rest rest = {};
	int n, i;

	n = by_cgroup ? usage_cgroups(&t->usage, &t->pins, us, SNAPSHOT_USERS,
				      &rest)
		      : usage_processes(&t->usage, &t->pins, us, SNAPSHOT_USERS,
					&rest);
	for (i = 0; i < n; i++) {
		json_object *u;

		if (by_cgroup) {
			u = json_object_new_object();
			add_cgroup(u, us[i].cgroup);
		} else {
			u = process_json(us[i].tgid, us[i].comm, us[i].cgroup);
		}
		json_add_u64(u, "mapped_pages", us[i].mapped_pages);
		json_add_u64(u, "pinned_pages", us[i].pinned_pages);
		json_add_u64(u, "migrated_to_device_pages",
			     us[i].to_device_pages);
		json_add_u64(u, "migrated_to_ram_pages", us[i].to_ram_pages);
		json_add_u64(u, "pingpong_pages", us[i].pingpong_pages);
		json_object_array_add(arr, u);
	}
	json_object_object_add(o, other_key, rest_json(&rest));
	return arr;
}

#define SNAPSHOT_PINGPONG 8

/* The processes whose device pages ping-pong most: the top offenders. */
static json_object *pingpong_json(const struct tracker *t)
{
	struct zt_user us[SNAPSHOT_PINGPONG];
	json_object *arr = json_object_new_array();
	int n = usage_pingpong(&t->usage, us, SNAPSHOT_PINGPONG), i;

	for (i = 0; i < n; i++) {
		json_object *u =
			process_json(us[i].tgid, us[i].comm, us[i].cgroup);

		json_add_u64(u, "pingpong_pages", us[i].pingpong_pages);
		json_add_u64(u, "migrated_to_device_pages",
			     us[i].to_device_pages);
		json_add_u64(u, "migrated_to_ram_pages", us[i].to_ram_pages);
		json_object_array_add(arr, u);
	}
	return arr;
}

static json_object *waits_json(const struct tracker *t, uint64_t now_ns)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; i < t->waits.nr; i++)
		json_object_array_add(
			arr, output_wait_fields(json_object_new_object(), t,
						&t->waits.v[i], now_ns));
	return arr;
}

json_object *output_snapshot(const struct tracker *t,
			     const struct zdev_status *st, bool final)
{
	json_object *o = header("snapshot");
	json_object *pgmaps = json_object_new_array();
	struct pgmap_array arr = { .arr = pgmaps,
				   .t = t,
				   .show_addresses = st->show_addresses };

	json_object_object_add(o, "final", json_object_new_boolean(final));
	json_object_object_add(o, "elapsed_s",
			       json_object_new_double(st->elapsed_s));
	json_add_u64(o, "events", t->events);
	json_object_object_add(o, "events_by_kind", events_by_kind(t));
	json_add_u64(o, "dropped_events", st->dropped_events);
	json_object_object_add(o, "dropped_by_stream", streams_json(st));
	json_add_u64(o, "lost_events", st->lost_events);
	json_add_u64(o, "probe_misses", st->probe_misses);
	json_add_u64(o, "bpf_anomalies", st->bpf_anomalies);
	json_add_u64(o, "stack_collisions", st->stack_collisions);
	json_add_u64(o, "stack_overflows", st->stack_overflows);
	json_add_u64(o, "live_folios", tracker_live_folios(t));
	json_object_object_add(o, "cpu_seconds",
			       json_object_new_double(st->cpu_seconds));
	json_object_object_add(o, "folio_state", folio_state_json(st));
	tracker_foreach_pgmap(t, add_pgmap_json, &arr);
	json_object_object_add(o, "pgmaps", pgmaps);
	arr.arr = json_object_new_array();
	tracker_foreach_retired(t, add_retired_json, &arr);
	json_object_object_add(o, "retired_pgmaps", arr.arr);
	json_object_object_add(o, "pin_holders", pins_json(t, st->now_ns, o));
	json_object_object_add(o, "layout_waits", waits_json(t, st->now_ns));
	json_object_object_add(o, "processes",
			       usage_json(t, false, o, "other_processes"));
	json_object_object_add(o, "cgroups",
			       usage_json(t, true, o, "other_cgroups"));
	json_object_object_add(o, "pingpong", pingpong_json(t));
	json_object_object_add(o, "hooks", hooks_json(st));
	return o;
}

json_object *output_features_json(const struct zdev_status *st,
				  const char *kernel, bool fsdax_idle_at_one)
{
	json_object *o = header("features");
	json_object *hooks = hooks_json(st);
	int i;

	for (i = 0; i < st->nr_hooks; i++)
		json_object_object_add(
			json_object_array_get_idx(hooks, i), "loses",
			json_object_new_string(
				st->hooks[i].loses ? st->hooks[i].loses : ""));
	json_object_object_add(o, "version",
			       json_object_new_string(ZDEVMON_VERSION));
	json_object_object_add(o, "kernel", json_object_new_string(kernel));
	json_object_object_add(o, "hooks", hooks);
	json_object_object_add(o, "fsdax_idle_refcount",
			       json_object_new_int(fsdax_idle_at_one));
	json_object_object_add(o, "refcount_scheme",
			       json_object_new_string(output_refcount_scheme(
				       fsdax_idle_at_one)));
	json_object_object_add(
		o, "attribution",
		json_object_new_string(output_attribution(fsdax_idle_at_one)));
	return o;
}

json_object *output_start(const struct zdev_status *st)
{
	json_object *o = header("start");

	json_object_object_add(o, "version",
			       json_object_new_string(ZDEVMON_VERSION));
	json_object_object_add(o, "hooks", hooks_json(st));
	return o;
}

/* The newest pgmap at an address, gone or not. */
struct newest_at {
	uint64_t addr;
	const struct zt_pgmap *p;
};

static int newest_at(const struct zt_pgmap *p, void *ctx)
{
	struct newest_at *at = ctx;

	if (p->addr == at->addr)
		at->p = p;
	return 0;
}

json_object *output_event(const struct tracker *t, const struct zdev_event *e)
{
	json_object *o = header("event");
	struct newest_at at = { .addr = e->pgmap };
	const struct zt_pgmap *p;

	tracker_foreach_pgmap(t, newest_at, &at);
	p = at.p;
	json_object_object_add(
		o, "event", json_object_new_string(output_kind_name(e->kind)));
	json_add_u64(o, "ts_ns", e->ts_ns);
	json_object_object_add(o, "pgmap", json_object_new_int(p ? p->id : 0));
	json_add_u64(o, "pid", e->pid);
	switch (e->kind) {
	case ZDEV_EV_INIT:
	case ZDEV_EV_FREE:
	case ZDEV_EV_MAP:
	case ZDEV_EV_UNMAP:
	case ZDEV_EV_SPLIT:
	case ZDEV_EV_DEVMAP_PUT:
		json_add_u64(o, "pfn", e->folio.pfn);
		json_add_u64(o, "order", e->folio.order);
		json_add_u64(o, "pages", e->folio.nr);
		json_object_object_add(o, "refcount",
				       json_object_new_int(e->folio.refcount));
		json_object_object_add(o, "mapcount",
				       json_object_new_int(e->folio.mapcount));
		break;
	case ZDEV_EV_MIGRATE:
		json_object_object_add(
			o, "direction",
			json_object_new_string(e->flags & ZDEV_F_TO_DEVICE
						       ? "to_device"
						       : "to_ram"));
		json_add_u64(o, "pages", e->migrate.pages);
		json_add_u64(o, "large", e->migrate.large);
		json_add_u64(o, "collected", e->migrate.collected);
		break;
	case ZDEV_EV_MIGRATION: {
		const struct zdev_migration_info *m = &e->migration;

		json_object_object_add(
			o, "direction",
			json_object_new_string(m->dir == ZDEV_MIG_TO_DEVICE
						       ? "to_device"
						       : "to_ram"));
		json_object_object_add(
			o, "cause",
			json_object_new_string(
				output_mig_cause_name(m->cause)));
		json_add_u64(o, "owner_pid", m->owner_tgid);
		json_add_u64(o, "range_pages", m->range_pages);
		json_add_u64(o, "collected_pages", m->collected);
		json_add_u64(o, "restored_pages", m->restored);
		json_add_u64(o, "no_destination_pages", m->no_dst);
		json_add_u64(o, "failed_pages", m->failed);
		json_add_u64(o, "migrated_pages", m->migrated);
		json_add_u64(o, "thp_migrated", m->thp);
		json_add_u64(o, "thp_split_to_small", m->split_dst);
		json_add_u64(o, "collect_splits", m->splits);
		json_add_u64(o, "device_to_device_pages", m->d2d);
		json_add_u64(o, "pingpong_pages", m->pingpong);
		json_add_u64(o, "ns", m->ns);
		break;
	}
	case ZDEV_EV_FAULT_SIGBUS: {
		char comm[sizeof(e->sigbus.comm) + 1] = "";

		memcpy(comm, e->sigbus.comm, sizeof(e->sigbus.comm));
		json_object_object_add(o, "comm", json_object_new_string(comm));
		json_add_u64(o, "address", e->sigbus.address);
		json_add_u64(o, "size", e->sigbus.size);
		json_add_u64(o, "pfn", e->sigbus.pfn);
		break;
	}
	case ZDEV_EV_PGMAP:
		json_object_object_add(o, "type",
				       json_object_new_string(tracker_type_name(
					       e->pgmap_info.type)));
		break;
	}
	return o;
}

int output_line(FILE *out, json_object *obj)
{
	const char *s =
		json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);

	if (fputs(s, out) == EOF || fputc('\n', out) == EOF ||
	    fflush(out) == EOF)
		return -errno;
	return 0;
}
