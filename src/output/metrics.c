// SPDX-License-Identifier: GPL-2.0
/*
 * /metrics: one family per quantity, pgmap id, type and owner as labels,
 * units in the names (_pages, _folios, _seconds, _bytes), counters ending
 * in _total.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include "model/leaks.h"
#include "sys/cgroup.h"
#include "metrics.h"
#include "objects.h"

void self_stats_read(struct self_stats *s)
{
	struct rusage ru;
	unsigned long pages = 0, resident = 0;
	FILE *f;

	if (!getrusage(RUSAGE_SELF, &ru))
		s->cpu_seconds =
			ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
			(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%lu %lu", &pages, &resident) == 2)
			s->resident_bytes =
				(uint64_t)resident * sysconf(_SC_PAGESIZE);
		fclose(f);
	}
}

static void family(FILE *f, const char *name, const char *type,
		   const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A family of one unlabelled series: the name written once. */
static void scalar(FILE *f, const char *name, const char *type,
		   const char *help, uint64_t value)
{
	family(f, name, type, help);
	fprintf(f, "%s %" PRIu64 "\n", name, value);
}

/* Label values here are our own words and numbers: nothing to escape. */
static void pgmap_labels(FILE *f, const struct zt_pgmap *p)
{
	fprintf(f, "{pgmap=\"%d\",type=\"%s\",owner=\"%d\"}", p->id,
		tracker_type_name(p->type), p->owner_id);
}

struct pgmap_metric {
	const char *name;
	const char *type;
	const char *help;
	uint64_t (*get)(const struct zt_pgmap *p);
	uint32_t only; /* ONLY() of the pgmap types it is for; 0: all */
};

#define ONLY(type) (1U << (type))
#define MIGRATING  (ONLY(ZDEV_PGMAP_PRIVATE) | ONLY(ZDEV_PGMAP_COHERENT))

#define GETTER(field, expr)                                   \
	static uint64_t get_##field(const struct zt_pgmap *p) \
	{                                                     \
		return expr;                                  \
	}

GETTER(live_folios, p->live_folios)
GETTER(live_pages, p->live_pages)
GETTER(mapped_pages, p->mapped_pages)
GETTER(inits, p->c.inits)
GETTER(frees, p->c.frees)
GETTER(splits, p->c.splits)
GETTER(preexisting, p->c.preexisting)
GETTER(to_device, p->c.migrated_to_device_pages)
GETTER(to_ram, p->c.migrated_to_ram_pages)
GETTER(evicted, p->c.evicted_pages)
GETTER(anomalies, tracker_anomalies(p))
GETTER(pinned_pages, p->pinned_pages)
GETTER(pins, p->c.pins)
GETTER(unpins, p->c.unpins)
GETTER(fault_pages, p->faults.pages)
GETTER(fault_bounces, p->faults.vma_lock_retries)
GETTER(d2d_out, p->migrations.d2d_out_pages)

static const struct pgmap_metric pgmap_metrics[] = {
	{ "zdevmon_pgmap_live_folios", "gauge",
	  "Device folios alive now (born, not yet freed).", get_live_folios },
	{ "zdevmon_pgmap_live_pages", "gauge",
	  "Pages of the device folios alive now.", get_live_pages },
	{ "zdevmon_pgmap_mapped_pages", "gauge",
	  "Device pages some page table maps now.", get_mapped_pages },
	{ "zdevmon_pgmap_inits_folios_total", "counter",
	  "Device folios born (zone_device_page_init, or first mapping).",
	  get_inits },
	{ "zdevmon_pgmap_frees_folios_total", "counter",
	  "Device folios freed (refcount reached zero).", get_frees },
	{ "zdevmon_pgmap_splits_folios_total", "counter",
	  "Large device folios split.", get_splits },
	{ "zdevmon_pgmap_preexisting_folios_total", "counter",
	  "Device folios first met alive (born before monitoring).",
	  get_preexisting },
	{ "zdevmon_pgmap_migrated_to_device_pages_total", "counter",
	  "Pages migrated from RAM to device memory.", get_to_device },
	{ "zdevmon_pgmap_migrated_to_ram_pages_total", "counter",
	  "Pages migrated from device memory to RAM.", get_to_ram },
	{ "zdevmon_pgmap_evicted_pages_total", "counter",
	  "Pages evicted to RAM by migrate_device_* (unbind, release).",
	  get_evicted },
	{ "zdevmon_pgmap_anomalies_total", "counter",
	  "Events that should not happen (see the snapshot's anomalies).",
	  get_anomalies },
	{ "zdevmon_pgmap_pinned_pages", "gauge",
	  "Pages of device folios pinned (FOLL_PIN) now, by pins taken "
	  "while zdevmon watched.",
	  get_pinned_pages },
	{ "zdevmon_pgmap_pins_total", "counter",
	  "FOLL_PIN references taken on device folios (GUP).", get_pins },
	{ "zdevmon_pgmap_unpins_total", "counter",
	  "FOLL_PIN references released on device folios.", get_unpins },
	{ "zdevmon_cpu_fault_migrated_pages_total", "counter",
	  "Pages CPU faults migrated back to RAM.", get_fault_pages,
	  ONLY(ZDEV_PGMAP_PRIVATE) },
	{ "zdevmon_cpu_fault_vma_lock_retries_total", "counter",
	  "First attempts of CPU faults under a per-VMA lock, sent back with "
	  "VM_FAULT_RETRY before migrate_to_ram.",
	  get_fault_bounces, ONLY(ZDEV_PGMAP_PRIVATE) },
	{ "zdevmon_migration_device_to_device_out_pages_total", "counter",
	  "Pages migrated from a pgmap's pages to another device's (or its "
	  "own), counted at the source; the destination counts them "
	  "direction=\"to_device\".",
	  get_d2d_out, MIGRATING },
};

struct pgmap_ctx {
	FILE *f;
	const struct tracker *t;
	const struct pgmap_metric *pm;
	const char *family; /* pgmap_families' name being written */
	int which;	    /* and what of the pgmap it writes */
};

/* What pgmap_mig_counts() writes (pgmap_families' which). */
enum { MIG_CALLS, MIG_PINGPONG, MIG_THP };

static int pgmap_info(const struct zt_pgmap *p, void *ctx)
{
	const struct pgmap_ctx *pc = ctx;

	fprintf(pc->f,
		"zdevmon_pgmap_info{pgmap=\"%d\",type=\"%s\","
		"owner=\"%d\",state=\"%s\",idle_refcount=\"%d\","
		"pfn_start=\"%" PRIu64 "\",pfn_end=\"%" PRIu64 "\"} 1\n",
		p->id, tracker_type_name(p->type), p->owner_id,
		tracker_state_name(p->state), tracker_idle_refcount(pc->t, p),
		tracker_pgmap_pfn_start(p), tracker_pgmap_pfn_end(p));
	return 0;
}

static int pgmap_sample(const struct zt_pgmap *p, void *ctx)
{
	const struct pgmap_ctx *pc = ctx;

	if (pc->pm->only && !(pc->pm->only & ONLY(p->type)))
		return 0;
	fputs(pc->pm->name, pc->f);
	pgmap_labels(pc->f, p);
	fprintf(pc->f, " %" PRIu64 "\n", pc->pm->get(p));
	return 0;
}

/* Only pgmaps whose teardown waits: a count read, never a made-up 0. */
static int pgmap_teardown_refs(const struct zt_pgmap *p, void *ctx)
{
	const struct pgmap_ctx *pc = ctx;

	if (p->refs_waited < 0)
		return 0;
	fputs("zdevmon_pgmap_teardown_references", pc->f);
	pgmap_labels(pc->f, p);
	fprintf(pc->f, " %" PRId64 "\n", p->refs_waited);
	return 0;
}

/* CPU faults on device-private pgmaps (bpf/faults.bpf.h). */
static int pgmap_faults(const struct zt_pgmap *p, void *ctx)
{
	const struct pgmap_ctx *pc = ctx;
	const struct zdev_faults *f = &p->faults;
	const struct {
		const char *name;
		uint64_t n;
	} res[] = { { "ok", f->ok },
		    { "retry", f->retry },
		    { "sigbus", f->sigbus },
		    { "oom", f->oom },
		    { "other", f->other } };
	size_t i;

	if (p->type != ZDEV_PGMAP_PRIVATE)
		return 0;
	for (i = 0; i < sizeof(res) / sizeof(res[0]); i++)
		fprintf(pc->f,
			"zdevmon_cpu_faults_total{pgmap=\"%d\",type=\"%s\","
			"owner=\"%d\",result=\"%s\"} %" PRIu64 "\n",
			p->id, tracker_type_name(p->type), p->owner_id,
			res[i].name, res[i].n);
	return 0;
}

#define FAULT_SECONDS "zdevmon_cpu_fault_duration_seconds"
#define MIG_SECONDS   "zdevmon_migration_duration_seconds"

/*
 * A histogram's series from power-of-two buckets of nanoseconds (bucket i:
 * [2^i, 2^(i+1))), as seconds, cumulative; labels: its label pairs.
 */
static void log2_seconds(FILE *f, const char *name, const char *labels,
			 const __u64 *ns_log2, double sum_s)
{
	uint64_t below = 0;
	char le[32];
	int i;

	for (i = 0; i <= ZDEV_FAULT_BUCKETS; i++) {
		if (i < ZDEV_FAULT_BUCKETS) {
			below += (uint64_t)ns_log2[i];
			snprintf(le, sizeof(le), "%.9g",
				 (double)(1ULL << (i + 1)) / 1e9);
		} else {
			snprintf(le, sizeof(le), "+Inf");
		}
		fprintf(f, "%s_bucket{%s,le=\"%s\"} %" PRIu64 "\n", name,
			labels, le, below);
	}
	fprintf(f, "%s_sum{%s} %.9f\n", name, labels, sum_s);
	fprintf(f, "%s_count{%s} %" PRIu64 "\n", name, labels, below);
}

static int pgmap_fault_seconds(const struct zt_pgmap *p, void *ctx)
{
	const struct pgmap_ctx *pc = ctx;
	char labels[32];

	if (p->type != ZDEV_PGMAP_PRIVATE)
		return 0;
	snprintf(labels, sizeof(labels), "pgmap=\"%d\"", p->id);
	log2_seconds(pc->f, FAULT_SECONDS, labels, p->faults.ns_log2,
		     (double)p->faults.ns_total / 1e9);
	return 0;
}

#define LIFETIME_SECONDS "zdevmon_folio_lifetime_seconds"

/* Sampled folio lifetimes (bpf/residency.bpf.h), every pgmap. */
static int pgmap_lifetime_seconds(const struct zt_pgmap *p, void *ctx)
{
	const struct pgmap_ctx *pc = ctx;
	char labels[64];

	snprintf(labels, sizeof(labels), "pgmap=\"%d\",type=\"%s\"", p->id,
		 tracker_type_name(p->type));
	log2_seconds(pc->f, LIFETIME_SECONDS, labels, p->residency.ns_log2,
		     (double)p->residency.ns_total / 1e9);
	return 0;
}

static bool migrates(const struct zt_pgmap *p)
{
	return MIGRATING & ONLY(p->type);
}

static const char *const mig_dir_names[ZDEV_MIG_DIRS] = {
	[ZDEV_MIG_TO_DEVICE] = "to_device",
	[ZDEV_MIG_TO_RAM] = "to_ram",
};

/*
 * One series of a migration family: a pgmap's labels, its direction, and
 * a label of the family's own (key NULL: none).
 */
static void mig_series(FILE *f, const char *name, const struct zt_pgmap *p,
		       int dir, const char *key, const char *value, uint64_t n)
{
	fprintf(f, "%s{pgmap=\"%d\",type=\"%s\",owner=\"%d\",direction=\"%s\"",
		name, p->id, tracker_type_name(p->type), p->owner_id,
		mig_dir_names[dir]);
	if (key)
		fprintf(f, ",%s=\"%s\"", key, value);
	fprintf(f, "} %" PRIu64 "\n", n);
}

/* Migration outcomes (bpf/migrations.bpf.h), in pages, by outcome. */
static int pgmap_mig_pages(const struct zt_pgmap *p, void *ctx)
{
	const struct pgmap_ctx *pc = ctx;
	int d;

	if (!migrates(p))
		return 0;
	for (d = 0; d < ZDEV_MIG_DIRS; d++) {
		const struct zdev_mig_dir_stats *m = &p->migrations.dir[d];
		const struct {
			const char *name;
			uint64_t n;
		} out[] = {
			{ "collected", m->collected },
			{ "not_collected",
			  m->range_pages > m->collected
				  ? m->range_pages - m->collected
				  : 0 },
			{ "restored", m->restored },
			{ "no_destination", m->no_dst },
			{ "failed", m->failed },
			{ "migrated", m->migrated },
		};
		size_t i;

		for (i = 0; i < sizeof(out) / sizeof(out[0]); i++)
			mig_series(pc->f, "zdevmon_migration_pages_total", p, d,
				   "outcome", out[i].name, out[i].n);
	}
	return 0;
}

static int pgmap_mig_causes(const struct zt_pgmap *p, void *ctx)
{
	const struct pgmap_ctx *pc = ctx;
	unsigned int c;
	int d;

	if (!migrates(p))
		return 0;
	for (d = 0; d < ZDEV_MIG_DIRS; d++)
		for (c = 0; c < ZDEV_MIG_CAUSES; c++)
			mig_series(pc->f,
				   "zdevmon_migration_migrated_pages_by_cause_"
				   "total",
				   p, d, "cause", output_mig_cause_name(c),
				   p->migrations.dir[d].by_cause[c]);
	return 0;
}

/* Calls, ping-pong pages, THPs moved whole and split, per direction. */
static int pgmap_mig_counts(const struct zt_pgmap *p, void *ctx)
{
	const struct pgmap_ctx *pc = ctx;
	const struct zdev_migrations *m = &p->migrations;
	int d;

	if (!migrates(p))
		return 0;
	for (d = 0; d < ZDEV_MIG_DIRS; d++) {
		if (pc->which == MIG_CALLS)
			mig_series(pc->f, pc->family, p, d, NULL, NULL,
				   m->dir[d].calls);
		else if (pc->which == MIG_PINGPONG)
			mig_series(pc->f, pc->family, p, d, NULL, NULL,
				   m->dir[d].pingpong);
		else {
			mig_series(pc->f, pc->family, p, d, "how", "whole",
				   m->dir[d].thp);
			mig_series(pc->f, pc->family, p, d, "how",
				   "split_to_small", m->dir[d].split_dst);
		}
	}
	if (pc->which == MIG_THP)
		mig_series(pc->f, pc->family, p, ZDEV_MIG_TO_DEVICE, "how",
			   "split_collecting", m->collect_splits);
	return 0;
}

static int pgmap_mig_seconds(const struct zt_pgmap *p, void *ctx)
{
	const struct pgmap_ctx *pc = ctx;
	char labels[64];
	int d;

	if (!migrates(p))
		return 0;
	for (d = 0; d < ZDEV_MIG_DIRS; d++) {
		snprintf(labels, sizeof(labels),
			 "pgmap=\"%d\",direction=\"%s\"", p->id,
			 mig_dir_names[d]);
		log2_seconds(pc->f, MIG_SECONDS, labels,
			     p->migrations.dir[d].ns_log2,
			     (double)p->migrations.dir[d].ns_total / 1e9);
	}
	return 0;
}

/* Families whose series a function writes per pgmap, labels of its own. */
static const struct {
	const char *name, *type, *help;
	int (*sample)(const struct zt_pgmap *p, void *ctx);
	int which;
} pgmap_families[] = {
	{ "zdevmon_pgmap_teardown_references", "gauge",
	  "References a waiting memunmap_pages() still waits for (only "
	  "pgmaps being torn down).",
	  pgmap_teardown_refs },
	{ "zdevmon_cpu_faults_total", "counter",
	  "CPU faults on a device-private pgmap's pages (its migrate_to_ram "
	  "op), by result.",
	  pgmap_faults },
	{ FAULT_SECONDS, "histogram",
	  "Time of CPU faults on device-private pages, migrate_to_ram "
	  "included.",
	  pgmap_fault_seconds },
	{ "zdevmon_migration_pages_total", "counter",
	  "Pages of migrations to and from a device-private or coherent "
	  "pgmap, by outcome: collected or not, restored (busy or pinned at "
	  "unmap), no destination, failed in the core, migrated.",
	  pgmap_mig_pages },
	{ "zdevmon_migration_migrated_pages_by_cause_total", "counter",
	  "Pages migrated, by who for: driver, fault (migrate_to_ram), "
	  "eviction, pin (a long-term pin of device-coherent memory).",
	  pgmap_mig_causes },
	{ "zdevmon_migration_calls_total", "counter",
	  "Migrations (one per collection) whose outcome counted at a pgmap.",
	  pgmap_mig_counts, MIG_CALLS },
	{ "zdevmon_migration_pingpong_pages_total", "counter",
	  "Pages migrated back within --pingpong-window of their own "
	  "migration the other way (per page of an address space).",
	  pgmap_mig_counts, MIG_PINGPONG },
	{ "zdevmon_migration_thp_total", "counter",
	  "Large folios in migrations: moved whole, split for small "
	  "destinations, split while collecting.",
	  pgmap_mig_counts, MIG_THP },
	{ LIFETIME_SECONDS, "histogram",
	  "How long device folios live, birth to free (FS DAX, P2PDMA: first "
	  "map to last unmap), of those headed at one pfn in "
	  "--residency-sample.",
	  pgmap_lifetime_seconds },
	{ MIG_SECONDS, "histogram",
	  "Time of migrations from their collection to the end of their pages "
	  "step (the driver's copy included).",
	  pgmap_mig_seconds },
};

#define METRIC_CGROUPS 16

/* A label value in the exposition format: \\, \" and \n escaped. */
static void label_value(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

static void cgroup_sample(FILE *f, const char *name, uint64_t cgroup,
			  uint64_t value)
{
	char buf[256];
	const char *path = cgroup_path(cgroup, buf, sizeof(buf));

	fprintf(f, "%s{cgroup=\"", name);
	if (path)
		label_value(f, path);
	else
		fprintf(f, "id:%" PRIu64, cgroup);
	fprintf(f, "\"} %" PRIu64 "\n", value);
}

/*
 * Device pages per cgroup v2: the 16 with the most mapped and pinned
 * pages by path (id:N where the cgroup is gone), the rest as "other".
 */
static void cgroup_usage(FILE *f, const struct tracker *t)
{
	static const struct {
		const char *name, *type, *help;
		size_t off;
	} fam[] = {
		{ "zdevmon_cgroup_mapped_pages", "gauge",
		  "Device pages mapped by the processes of a cgroup (the 16 "
		  "with the most mapped and pinned pages; \"other\": the "
		  "rest).",
		  offsetof(struct zt_user, mapped_pages) },
		{ "zdevmon_cgroup_pinned_pages", "gauge",
		  "Device pages pinned (FOLL_PIN) by the processes of a "
		  "cgroup.",
		  offsetof(struct zt_user, pinned_pages) },
		{ "zdevmon_cgroup_migrated_to_device_pages_total", "counter",
		  "Pages migrate_vma_pages() moved to device memory for the "
		  "processes of a cgroup.",
		  offsetof(struct zt_user, to_device_pages) },
		{ "zdevmon_cgroup_migrated_to_ram_pages_total", "counter",
		  "Pages migrate_vma_pages() moved back to RAM for the "
		  "processes of a cgroup.",
		  offsetof(struct zt_user, to_ram_pages) },
	};
	struct zt_user us[METRIC_CGROUPS];
	struct zt_usage_rest rest;
	uint64_t other[4];
	int n = usage_cgroups(&t->usage, &t->pins, us, METRIC_CGROUPS, &rest);
	size_t i;
	int j;

	other[0] = rest.mapped_pages;
	other[1] = rest.pinned_pages;
	other[2] = rest.to_device_pages;
	other[3] = rest.to_ram_pages;
	for (i = 0; i < sizeof(fam) / sizeof(fam[0]); i++) {
		family(f, fam[i].name, fam[i].type, fam[i].help);
		for (j = 0; j < n; j++)
			cgroup_sample(
				f, fam[i].name, us[j].cgroup,
				*(uint64_t *)((char *)&us[j] + fam[i].off));
		if (rest.count)
			fprintf(f, "%s{cgroup=\"other\"} %" PRIu64 "\n",
				fam[i].name, other[i]);
	}
}

static void render(FILE *f, const struct tracker *t,
		   const struct zdev_status *st, const struct self_stats *self)
{
	struct pgmap_ctx pc = { .f = f, .t = t };
	size_t m;
	int i, r;

	family(f, "zdevmon_pgmap_info", "gauge",
	       "One series per pgmap: its state and pfn range as labels.");
	tracker_foreach_pgmap(t, pgmap_info, &pc);
	for (m = 0; m < sizeof(pgmap_metrics) / sizeof(pgmap_metrics[0]); m++) {
		pc.pm = &pgmap_metrics[m];
		family(f, pc.pm->name, pc.pm->type, pc.pm->help);
		tracker_foreach_pgmap(t, pgmap_sample, &pc);
	}
	for (m = 0; m < sizeof(pgmap_families) / sizeof(pgmap_families[0]);
	     m++) {
		pc.family = pgmap_families[m].name;
		pc.which = pgmap_families[m].which;
		family(f, pgmap_families[m].name, pgmap_families[m].type,
		       pgmap_families[m].help);
		tracker_foreach_pgmap(t, pgmap_families[m].sample, &pc);
	}
	scalar(f, "zdevmon_layout_waiters", "gauge",
	       "Tasks waiting now for busy DAX pages (a truncate, a hole "
	       "punch): the snapshot's layout_waits names them.",
	       t->waits.nr);
	/* waits are sorted oldest first */
	family(f, "zdevmon_layout_wait_seconds", "gauge",
	       "How long the longest DAX layout wait has lasted; 0: none.");
	fprintf(f, "zdevmon_layout_wait_seconds %.3f\n",
		t->waits.nr && st->now_ns > t->waits.v[0].k.first_ns
			? (st->now_ns - t->waits.v[0].k.first_ns) / 1e9
			: 0.0);
	cgroup_usage(f, t);
	family(f, "zdevmon_leak_findings_total", "counter",
	       "Leak findings reported, by rule.");
	for (r = 0; r < LEAK_RULE_MAX; r++)
		fprintf(f,
			"zdevmon_leak_findings_total{rule=\"%s\"} %" PRIu64
			"\n",
			leak_rule_name(r), self->leak_findings[r]);
	scalar(f, "zdevmon_events_total", "counter",
	       "Events read from the kernel.", t->events);
	scalar(f, "zdevmon_dropped_events_total", "counter",
	       "Events lost: ring-buffer reservations that failed.",
	       st->dropped_events);
	family(f, "zdevmon_dropped_events_by_stream_total", "counter",
	       "Ring-buffer records lost, by stream: lifecycle and anomaly "
	       "records matter to the picture, the opt-in events stream not.");
	fprintf(f,
		"zdevmon_dropped_events_by_stream_total{stream=\"lifecycle\"} "
		"%" PRIu64 "\n"
		"zdevmon_dropped_events_by_stream_total{stream=\"anomaly\"} "
		"%" PRIu64 "\n"
		"zdevmon_dropped_events_by_stream_total{stream=\"events\"} "
		"%" PRIu64 "\n",
		st->dropped_by_stream[ZDEV_STREAM_LIFECYCLE],
		st->dropped_by_stream[ZDEV_STREAM_ANOMALY],
		st->dropped_by_stream[ZDEV_STREAM_EVENTS]);
	scalar(f, "zdevmon_lost_events_total", "counter",
	       "Events the picture lost: lifecycle or anomaly records "
	       "dropped, or no slot or per-folio room to follow them.",
	       st->lost_events);
	scalar(f, "zdevmon_folio_state_bytes", "gauge",
	       "Kernel memory of the per-folio state (bitmap or records).",
	       st->folio_state_bytes);
	scalar(f, "zdevmon_probe_misses_total", "counter",
	       "Hooked calls our programs missed (recursion guard, kprobe "
	       "misses): events that may be lost.",
	       st->probe_misses);
	scalar(f, "zdevmon_bpf_anomalies_total", "counter",
	       "Kernel-side sanity checks that failed.", st->bpf_anomalies);
	scalar(f, "zdevmon_output_errors_total", "counter",
	       "NDJSON writes that failed (a full disk, say).",
	       self->output_errors);
	family(f, "zdevmon_hook_attached", "gauge",
	       "1 for each kernel hook attached, by mechanism; 0 when off.");
	for (i = 0; i < st->nr_hooks; i++)
		fprintf(f,
			"zdevmon_hook_attached{function=\"%s\","
			"mechanism=\"%s\"} %d\n",
			st->hooks[i].func, st->hooks[i].mechanism,
			hook_attached(st->hooks[i].state));
	family(f, "zdevmon_process_cpu_seconds_total", "counter",
	       "CPU time zdevmon itself used (user and system).");
	fprintf(f, "zdevmon_process_cpu_seconds_total %.6f\n",
		self->cpu_seconds);
	scalar(f, "zdevmon_process_resident_memory_bytes", "gauge",
	       "zdevmon's resident memory.", self->resident_bytes);
	family(f, "zdevmon_uptime_seconds", "gauge",
	       "Seconds since the probes were attached.");
	fprintf(f, "zdevmon_uptime_seconds %.3f\n", st->elapsed_s);
}

char *metrics_render(const struct tracker *t, const struct zdev_status *st,
		     const struct self_stats *self, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		return NULL;
	render(f, t, st, self);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}
