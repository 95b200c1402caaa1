// SPDX-License-Identifier: GPL-2.0
/* The live text table and zdevmon features' list. */
#include <inttypes.h>
#include <string.h>
#include "objects.h"
#include "table.h"

const char *output_count(char *buf, size_t len, uint64_t n)
{
	if (n < 100000)
		snprintf(buf, len, "%" PRIu64, n);
	else if (n < 10000000)
		snprintf(buf, len, "%" PRIu64 "k", n / 1000);
	else if (n < 10000000000ULL)
		snprintf(buf, len, "%" PRIu64 "M", n / 1000000);
	else
		snprintf(buf, len, "%" PRIu64 "G", n / 1000000000);
	return buf;
}

struct table_row {
	FILE *out;
	const struct tracker *t;
};

static int table_row(const struct zt_pgmap *p, void *ctx)
{
	const struct table_row *row = ctx;
	char c[9][12], range[48];

	snprintf(range, sizeof(range), "%" PRIx64 "-%" PRIx64,
		 tracker_pgmap_pfn_start(p), tracker_pgmap_pfn_end(p));
	fprintf(row->out,
		"%3d %-8s %1d %-17.17s %-5.5s %6s %6s %6s %6s %6s %6s "
		"%6s %5s %4s\n",
		p->id, tracker_type_name(p->type),
		tracker_idle_refcount(row->t, p), range,
		tracker_state_name(p->state),
		output_count(c[0], 12, p->live_folios),
		output_count(c[1], 12, p->live_pages),
		output_count(c[2], 12, p->mapped_pages),
		output_count(c[3], 12, p->c.inits),
		output_count(c[4], 12, p->c.frees),
		output_count(c[5], 12, p->c.migrated_to_device_pages),
		output_count(c[6], 12, p->c.migrated_to_ram_pages),
		output_count(c[7], 12, p->c.splits),
		output_count(c[8], 12, tracker_anomalies(p)));
	return 0;
}

/* A task waiting for a busy DAX page, and the page's holder. */
static void wait_row(FILE *out, const struct tracker *t,
		     const struct zt_wait *w, uint64_t now_ns)
{
	const struct zt_pin *pin = pins_find(&t->pins, w->k.pfn);
	char dev[24];

	waits_dev_name(w->k.dev, dev, sizeof(dev));
	fprintf(out,
		"WAIT pid %u (%.16s) %.0fs: inode %" PRIu64
		" on %s, pfn %#" PRIx64 " of pgmap %d",
		w->k.tgid, w->k.comm,
		now_ns > w->k.first_ns ? (now_ns - w->k.first_ns) / 1e9 : 0,
		(uint64_t)w->k.ino, dev, (uint64_t)w->k.pfn, w->pgmap_id);
	if (pin)
		fprintf(out, "\n     held by %d pins of pid %u (%.16s)",
			pin->k.pins, pin->k.tgid, pin->k.comm);
	fputc('\n', out);
}

/* The median bucket's lower bound of a log2 histogram, as a short time. */
static const char *median_time(char *buf, size_t len, const __u64 *ns_log2,
			       uint64_t n)
{
	uint64_t below = 0;
	double ns;
	int i;

	for (i = 0; i < ZDEV_FAULT_BUCKETS; i++) {
		below += ns_log2[i];
		if (n && below * 2 >= n)
			break;
	}
	if (!n || i == ZDEV_FAULT_BUCKETS) {
		snprintf(buf, len, "-");
		return buf;
	}
	ns = (double)(1ULL << i);
	if (ns < 1e3)
		snprintf(buf, len, "%.0fns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.0fus", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, len, "%.0fms", ns / 1e6);
	else
		snprintf(buf, len, "%.1fs", ns / 1e9);
	return buf;
}

/*
 * The migrate view: per device-private or coherent pgmap and direction,
 * what migrations collected and why the rest did not move, THPs, who
 * they were for; then a device-private pgmap's CPU faults.
 */
static int migrate_rows(const struct zt_pgmap *p, void *ctx)
{
	const struct table_row *row = ctx;
	const struct zdev_migrations *m = &p->migrations;
	const struct zdev_faults *f = &p->faults;
	char c[13][12];
	int d;

	if (p->type != ZDEV_PGMAP_PRIVATE && p->type != ZDEV_PGMAP_COHERENT)
		return 0;
	for (d = 0; d < ZDEV_MIG_DIRS; d++) {
		const struct zdev_mig_dir_stats *s = &m->dir[d];

		fprintf(row->out,
			"%3d %-8s %-6s %6s %6s %6s %6s %6s %6s %6s %6s %5s "
			"%6s %6s %6s %6s\n",
			p->id, tracker_type_name(p->type),
			d == ZDEV_MIG_TO_DEVICE ? "to-dev" : "to-ram",
			output_count(c[0], 12, s->calls),
			output_count(c[1], 12, s->range_pages),
			output_count(c[2], 12, s->collected),
			output_count(c[3], 12, s->restored),
			output_count(c[4], 12, s->no_dst),
			output_count(c[5], 12, s->failed),
			output_count(c[6], 12, s->migrated),
			output_count(c[7], 12, s->thp),
			output_count(c[8], 12, s->split_dst),
			output_count(c[9], 12, s->by_cause[ZDEV_MIG_DRIVER]),
			output_count(c[10], 12, s->by_cause[ZDEV_MIG_FAULT]),
			output_count(c[11], 12, s->by_cause[ZDEV_MIG_EVICT]),
			output_count(c[12], 12, s->by_cause[ZDEV_MIG_PIN]));
	}
	{
		const struct zdev_residency *r = &p->residency;
		char med[16];

		fprintf(row->out,
			"    ping-pong %s pages (to-ram %s); lifetimes timed "
			"%s (1 in %u), median >= %s\n",
			output_count(c[0], 12,
				     m->dir[0].pingpong + m->dir[1].pingpong),
			output_count(c[1], 12, m->dir[1].pingpong),
			output_count(c[2], 12, r->frees),
			1U << (r->sample_shift & 31),
			median_time(med, sizeof(med), r->ns_log2, r->frees));
	}
	/* its pages that moved to another device's (or its own) pages */
	if (m->d2d_out_pages)
		fprintf(row->out, "    device to device: %s pages out\n",
			output_count(c[0], 12, m->d2d_out_pages));
	if (p->type == ZDEV_PGMAP_PRIVATE && (f->calls || f->vma_lock_retries))
		fprintf(row->out,
			"    faults %s: %llu (%llu THP), %llu sigbus, %llu "
			"oom, "
			"%llu retry, %llu pages back, mean %.0f us\n",
			p->fault_op_name[0] ? p->fault_op_name : "?", f->calls,
			f->thp_calls, f->sigbus, f->oom, f->retry, f->pages,
			f->calls ? f->ns_total / 1e3 / f->calls : 0.0);
	return 0;
}

/* A type's retired pgmaps (--keep-gone): one line of their sums. */
static int retired_row(const struct zt_pgmap *p, void *ctx)
{
	const struct table_row *row = ctx;
	char c[5][12];

	fprintf(row->out,
		"    retired: %s gone %s pgmaps, inits %s, frees %s, to-dev "
		"%s, to-ram %s\n",
		output_count(c[0], 12, p->retired), tracker_type_name(p->type),
		output_count(c[1], 12, p->c.inits),
		output_count(c[2], 12, p->c.frees),
		output_count(c[3], 12, p->c.migrated_to_device_pages),
		output_count(c[4], 12, p->c.migrated_to_ram_pages));
	return 0;
}

void output_table(FILE *out, const struct tracker *t,
		  const struct zdev_status *st, int view)
{
	struct table_row row = { .out = out, .t = t };
	int i, on = 0;

	for (i = 0; i < st->nr_hooks; i++)
		on += hook_attached(st->hooks[i].state);
	fprintf(out,
		"zdevmon %s  up %.0fs  events %" PRIu64 "  dropped %" PRIu64
		"  hooks %d/%d\n",
		ZDEVMON_VERSION, st->elapsed_s, t->events, st->dropped_events,
		on, st->nr_hooks);
	if (view == TABLE_VIEW_MIGRATE) {
		fprintf(out,
			"%3s %-8s %-6s %6s %6s %6s %6s %6s %6s %6s %6s %5s "
			"%6s %6s %6s %6s\n",
			"ID", "TYPE", "DIR", "CALLS", "RANGE", "COLLEC",
			"RESTOR", "NO-DST", "FAILED", "MOVED", "THP", "SPLIT",
			"DRIVER", "FAULT", "EVICT", "PIN");
		tracker_foreach_pgmap(t, migrate_rows, &row);
		fflush(out);
		return;
	}
	fprintf(out,
		"%3s %-8s %1s %-17s %-5s %6s %6s %6s %6s %6s %6s %6s %5s %4s\n",
		"ID", "TYPE", "I", "PFN RANGE", "STATE", "LIVE-F", "LIVE-P",
		"MAPPED", "INITS", "FREES", "TO-DEV", "TO-RAM", "SPLIT",
		"ANOM");
	tracker_foreach_pgmap(t, table_row, &row);
	tracker_foreach_retired(t, retired_row, &row);
	if (!t->last_id)
		fprintf(out, "    (no ZONE_DEVICE activity yet)\n");
	for (i = 0; i < (int)t->waits.nr; i++)
		wait_row(out, t, &t->waits.v[i], st->now_ns);
	fflush(out);
}

const char *output_refcount_scheme(bool one)
{
	return one ? "FS DAX and device-dax pages idle at refcount 1 "
		     "(devmap PTEs; references seen at "
		     "__put_devmap_managed_*_refs)"
		   : "FS DAX pages idle at refcount 0: born at first map, "
		     "freed at last unmap; device-dax idle at 1";
}

const char *output_attribution(bool one)
{
	return one ? "GUP pins of every device folio name their holder and "
		     "site; FS DAX and device-dax mapping references "
		     "(devmap PTEs) are not seen, so a leaked one names no "
		     "holder, and an FS DAX truncate waits for pins only while "
		     "the file is mapped; a truncate that waits names its page "
		     "and the page's pin holder"
		   : "GUP pins of every device folio name their holder and "
		     "site; FS DAX references are its mappings and pins, each "
		     "seen; a truncate that waits names its page and the "
		     "page's pin holder; P2PDMA in-kernel allocations name "
		     "their allocator and site";
}

void output_features(FILE *out, const struct zdev_status *st,
		     const char *kernel, bool fsdax_idle_at_one)
{
	int i, on = 0;

	for (i = 0; i < st->nr_hooks; i++)
		on += hook_attached(st->hooks[i].state);
	fprintf(out, "zdevmon %s on Linux %s: %d of %d hooks\n",
		ZDEVMON_VERSION, kernel, on, st->nr_hooks);
	fprintf(out, "%-34s %-17s %s\n", "FUNCTION", "MECHANISM", "WITHOUT IT");
	for (i = 0; i < st->nr_hooks; i++) {
		const struct hook_status *h = &st->hooks[i];
		bool off = !hook_attached(h->state);

		fprintf(out, "%-34s %-17s %s%s%s\n", h->func, h->mechanism,
			h->reason ? h->reason : "", off ? ": you lose " : "",
			off ? h->loses : "");
	}
	fprintf(out, "refcount scheme: %s\n",
		output_refcount_scheme(fsdax_idle_at_one));
	fprintf(out, "who holds references: %s\n",
		output_attribution(fsdax_idle_at_one));
}
