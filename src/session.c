// SPDX-License-Identifier: GPL-2.0
/*
 * One monitoring session, the daemon's and run's: the probes opened, the
 * event pump feeding the tracker, ticks writing the table, NDJSON and
 * what the HTTP endpoint serves, teardowns judged as they happen, and the
 * one cleanup of it all.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <inttypes.h>
#include "output/metrics.h"
#include "output/objects.h"
#include "output/outfile.h"
#include "output/report.h"
#include "output/table.h"
#include "record/head.h"
#include "session.h"
#include "sys/cgroup.h"

volatile sig_atomic_t session_signal;
static volatile sig_atomic_t snapshot_now;
static volatile sig_atomic_t reopen_now;

static void on_signal(int sig)
{
	session_signal = sig;
}

static void on_usr1(int sig)
{
	snapshot_now = 1;
}

static void on_hup(int sig)
{
	reopen_now = 1;
}

double session_now(void)
{
	/* from whole ns, as a recording keeps it: a replay's is the same */
	return recorder_now_ns() / 1e9;
}

/*
 * One NDJSON line. A failure (a full disk) loses the line, not the
 * monitoring: it is told once when it begins and once when writing resumes.
 */
void session_json_put(struct session *s, json_object *obj)
{
	struct ndjson *n = &s->json;
	int err;

	if (!s->json_on)
		goto out;
	err = ndjson_write(
		n, json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
	if (err && n->lost == s->json_lost_reported + 1)
		fprintf(stderr,
			"zdevmon: writing %s failed: %s; monitoring goes on, "
			"lines are lost until it works again\n",
			s->cfg.json_path, outfile_strerror(-err));
	else if (!err && n->lost > s->json_lost_reported) {
		fprintf(stderr,
			"zdevmon: writing %s again; %" PRIu64
			" lines were lost\n",
			s->cfg.json_path, n->lost - s->json_lost_reported);
		s->json_lost_reported = n->lost;
	}
out:
	json_object_put(obj);
}

void session_step_begin(struct session *s, enum zrec_type type, const void *arg,
			size_t len)
{
	struct timespec ts;

	if (s->step_depth++)
		return;
	if (!s->replaying) {
		clock_gettime(CLOCK_REALTIME, &ts);
		s->now_ns = recorder_now_ns();
		s->now = s->now_ns / 1e9;
		s->wall_offset = ts.tv_sec + ts.tv_nsec / 1e9 - s->now;
	}
	/* what the step writes carries its time, replayed or not */
	output_set_time(s->now + s->wall_offset);
	if (s->recording) {
		double wall = s->now + s->wall_offset;

		recorder_begin(&s->rec, type, s->now_ns);
		recorder_add(&s->rec, &wall, sizeof(wall));
		recorder_add(&s->rec, arg, len);
		recorder_end(&s->rec);
	}
}

void session_step_end(struct session *s)
{
	s->step_depth--;
}

const struct ksyms *session_ksyms(struct session *s, bool reload)
{
	return s->src->ksyms(s->src_ctx, reload);
}

/* The kernel's symbols, from the files opened while privileged. */
static struct ksyms *load_ksyms(struct session *s, struct ksyms *old)
{
	ksyms_free(old);
	return s->kallsyms_fd >= 0
		       ? ksyms_load_fds(s->kallsyms_fd, s->modules_fd)
		       : ksyms_load("/proc/kallsyms", "/proc/modules");
}

static const struct ksyms *live_ksyms(void *ctx, bool reload)
{
	struct session *s = ctx;

	if (!s->ksyms || reload)
		s->ksyms = load_ksyms(s, s->ksyms);
	return s->ksyms;
}

/*
 * The recorder's own copy: its reloads (a module loaded since) must not
 * change what the session's reports name.
 */
static const struct ksyms *record_ksyms(void *ctx, bool reload)
{
	struct session *s = ctx;

	if (!s->record_ksyms || reload)
		s->record_ksyms = load_ksyms(s, s->record_ksyms);
	return s->record_ksyms;
}

/*
 * A teardown the kernel is stuck in (memunmap_pages() waiting past
 * --teardown-timeout), or one that left FS DAX/device-dax folios live: say
 * so now, on every output, while the kernel still hangs.
 */
static void teardown_alert(struct session *s, struct zt_pgmap *p)
{
	struct leak_report now = {};
	struct report_ctx rc = { .t = &s->tracker,
				 .r = &now,
				 .stack = s->src->stack,
				 .stack_ctx = s->src_ctx,
				 .show_addresses = s->cfg.show_addresses,
				 .cmd_status = -1 };

	/* p->refs_waited: read by the sync_state() every caller just ran */
	session_folios(s);
	if (leaks_teardown(&s->tracker, p, &now) || !now.nr)
		goto out;
	rc.ks = session_ksyms(s, true);
	if (tracker_teardown_waits(p))
		fprintf(stderr,
			"zdevmon: CRITICAL: memunmap_pages() of pgmap %d (%s) "
			"has waited %.0fs with %" PRIu64 " folios live; the "
			"kernel may wait forever\n",
			p->id, tracker_type_name(p->type),
			s->now - p->kill_ns / 1e9, p->live_folios);
	else
		fprintf(stderr,
			"zdevmon: CRITICAL: pgmap %d (%s) was torn down with "
			"%" PRIu64
			" folios live: their struct pages are gone\n",
			p->id, tracker_type_name(p->type), p->live_folios);
	report_findings_text(stderr, &rc);
	session_json_put(s, report_alert_json(&rc));
	leaks_merge(&s->alerts, &now);
	for (size_t i = 0; i < now.nr; i++)
		s->findings_by_rule[now.findings[i].rule]++;
out:
	leaks_release(&now);
}

void session_folios(struct session *s)
{
	int err;

	session_step_begin(s, ZREC_STEP_FOLIOS, NULL, 0);
	err = s->src->folios(s->src_ctx, &s->tracker);
	if (err)
		fprintf(stderr, "zdevmon: reading the live folios failed: %s\n",
			strerror(-err));
	session_holders(s);
	session_step_end(s);
}

/* One of the kernel's holder maps into the tracker, or why not. */
static void refill(struct session *s, int (*read)(void *ctx, struct tracker *t),
		   const char *what)
{
	int err = read(s->src_ctx, &s->tracker);

	if (err)
		fprintf(stderr, "zdevmon: reading %s failed: %s\n", what,
			strerror(-err));
}

/* What a DAX layout wait's alert needs: the waits, the pins on them. */
static void session_waits(struct session *s)
{
	refill(s, s->src->pins, "the pins");
	refill(s, s->src->waits, "the DAX layout waits");
}

void session_holders(struct session *s)
{
	session_waits(s);
	refill(s, s->src->kallocs, "the in-kernel allocations");
	refill(s, s->src->setups, "the open migrations");
	refill(s, s->src->usage, "the processes' device pages");
}

/* A DAX layout wait past --layout-wait: who waits, for what, held by whom. */
static void wait_alert(struct session *s, const struct zt_wait *w,
		       uint64_t now_ns)
{
	const struct zt_pin *pin = pins_find(&s->tracker.pins, w->k.pfn);
	struct report_ctx rc = { .t = &s->tracker,
				 .stack = s->src->stack,
				 .stack_ctx = s->src_ctx,
				 .show_addresses = s->cfg.show_addresses };
	char comm[sizeof(w->k.comm) + 1] = { 0 }, dev[24], cg[256], site[160];
	const char *where = NULL, *path;

	memcpy(comm, w->k.comm, sizeof(w->k.comm));
	waits_dev_name(w->k.dev, dev, sizeof(dev));
	fprintf(stderr,
		"zdevmon: WARNING: pid %u (%s) has waited %.0fs for busy DAX "
		"pages of inode %" PRIu64 " on %s: pfn %#" PRIx64
		" of pgmap %d, refcount %d, ",
		w->k.tgid, comm, (now_ns - w->k.first_ns) / 1e9,
		(uint64_t)w->k.ino, dev, (uint64_t)w->k.pfn, w->pgmap_id,
		w->k.refcount);
	if (pin) {
		rc.ks = session_ksyms(s, true);
		where = report_site_name(&rc, pin->k.stack_id, site,
					 sizeof(site));
		path = cgroup_path(pin->k.cgroup, cg, sizeof(cg));
		fprintf(stderr,
			"held by %d pin%s of pid %u (%.16s) in cgroup %s, "
			"pinned at %s\n",
			pin->k.pins, pin->k.pins == 1 ? "" : "s", pin->k.tgid,
			pin->k.comm, path ? path : "?", where ? where : "?");
	} else {
		fprintf(stderr, "held by no pin zdevmon saw taken\n");
	}
	session_json_put(s, output_layout_wait(&s->tracker, w, now_ns, where));
}

void session_judge_waits(struct session *s)
{
	bool pins_read = false;
	uint64_t now_ns;

	session_step_begin(s, ZREC_STEP_WAITS, NULL, 0);
	/* the waits alone; the pins once an alert names one */
	refill(s, s->src->waits, "the DAX layout waits");
	now_ns = s->now_ns;
	for (size_t i = 0; i < s->tracker.waits.nr; i++) {
		struct zt_wait *w = &s->tracker.waits.v[i];

		if (w->alerted || now_ns < w->k.first_ns ||
		    now_ns - w->k.first_ns < s->cfg.layout_wait_s * 1e9)
			continue;
		if (!pins_read) {
			refill(s, s->src->pins, "the pins");
			pins_read = true;
		}
		w->alerted = true;
		wait_alert(s, w, now_ns);
	}
	session_step_end(s);
}

/* What a waiting memunmap_pages() still waits for, read while it waits. */
static int teardown_refs(const struct zt_pgmap *cp, void *ctx)
{
	struct zt_pgmap *p = (struct zt_pgmap *)cp;
	struct session *s = ctx;
	int64_t refs;

	if (p->state != ZT_PGMAP_KILLING || !tracker_teardown_waits(p) ||
	    p->slot < 0 || s->src->pgmap_refs(s->src_ctx, p->slot, &refs))
		refs = -1;
	p->refs_waited = refs;
	return 0;
}

/*
 * A device-private pgmap's migrate_to_ram op, named once from kallsyms
 * (read again once: a driver module loaded since the last read).
 */
static int fault_op_name(const struct zt_pgmap *cp, void *ctx)
{
	struct zt_pgmap *p = (struct zt_pgmap *)cp;
	struct session *s = ctx;

	if (p->fault_op && !p->fault_op_name[0])
		s->src->name_op(s->src_ctx, p->fault_op, p->fault_op_name,
				sizeof(p->fault_op_name));
	return 0;
}

/*
 * An op's name from the kernel, or else from kallsyms (read again once if
 * need be); recorded.
 */
static void live_name_op(void *ctx, uint64_t addr, char *buf, size_t len)
{
	struct session *s = ctx;

	/* ksyms_format() writes "?" where it finds nothing, NULL included */
	if (kstate_op_name(s->kstate, addr, buf, len) &&
	    !ksyms_format(session_ksyms(s, false), addr, buf, len))
		ksyms_format(session_ksyms(s, true), addr, buf, len);
	if (s->recording) {
		recorder_begin(&s->rec, ZREC_OPNAME, recorder_now_ns());
		recorder_add(&s->rec, &addr, sizeof(addr));
		recorder_add(&s->rec, buf, strlen(buf));
		recorder_end(&s->rec);
	}
}

/* Brings the tracker up to date; not reentrant through session_event. */
static void sync_state(struct session *s)
{
	int gone[16], n, i;

	n = s->src->sync(s->src_ctx, &s->tracker, gone, 16);
	tracker_foreach_pgmap(&s->tracker, teardown_refs, s);
	tracker_foreach_pgmap(&s->tracker, fault_op_name, s);
	for (i = 0; i < n; i++) {
		struct zt_pgmap *p = (struct zt_pgmap *)tracker_pgmap_by_id(
			&s->tracker, gone[i]);

		/* judged before the pgmap's folios are forgotten */
		if (p && tracker_judge_gone(&s->tracker, p))
			teardown_alert(s, p);
		s->src->release(s->src_ctx, &s->tracker, gone[i]);
	}
	/* after the releases: a replay retires at the same point */
	tracker_retire(&s->tracker);
}

void session_sync(struct session *s)
{
	session_step_begin(s, ZREC_STEP_SYNC, NULL, 0);
	s->src->consume(s->src_ctx);
	sync_state(s);
	session_step_end(s);
}

void session_judge_teardowns(struct session *s, double after_s)
{
	int ids[16], n, i;

	session_step_begin(s, ZREC_STEP_TEARDOWNS, &after_s, sizeof(after_s));
	sync_state(s);
	n = tracker_stuck_teardowns(&s->tracker, s->now_ns,
				    (uint64_t)(after_s * 1e9), ids, 16);
	for (i = 0; i < n; i++)
		teardown_alert(s, (struct zt_pgmap *)tracker_pgmap_by_id(
					  &s->tracker, ids[i]));
	session_step_end(s);
}

_Static_assert(sizeof(struct zdev_migrate_info) <=
		       sizeof(struct zdev_folio_info),
	       "migration records must fit the small record");

int session_event(void *ctx, void *data, size_t len)
{
	struct session *s = ctx;
	struct zdev_event full = {}, *e = &full;

	if (len < ZDEV_EVENT_SMALL_SIZE || len > sizeof(full))
		return 0;
	if (!s->step_depth++) {
		if (!s->replaying) {
			s->now_ns = recorder_now_ns();
			s->now = s->now_ns / 1e9;
		}
		/* the offset to Unix time of the latest step */
		output_set_time(s->now + s->wall_offset);
	}
	memcpy(&full, data, len);
	if (s->recording) {
		recorder_begin(&s->rec, ZREC_EVENT, s->now_ns);
		recorder_add(&s->rec, data, len);
		recorder_stack(&s->rec, e->stack_id);
		recorder_end(&s->rec);
	}
	/* a pgmap's description or teardown: look at its slot now */
	if (e->kind == ZDEV_EV_PGMAP || e->kind == ZDEV_EV_PGMAP_KILL ||
	    e->kind == ZDEV_EV_PGMAP_DRAINED || e->kind == ZDEV_EV_PGMAP_GONE)
		sync_state(s);
	tracker_event(&s->tracker, e);
	/*
	 * anomalies are in the snapshot and the findings, not event objects;
	 * a fault ending in SIGBUS is one even without --events
	 */
	if ((s->cfg.events && e->kind != ZDEV_EV_ANOMALY) ||
	    e->kind == ZDEV_EV_FAULT_SIGBUS)
		session_json_put(s, output_event(&s->tracker, e));
	s->step_depth--;
	return 0;
}

static int add_untracked(const struct zt_pgmap *p, void *ctx)
{
	*(uint64_t *)ctx += p->untracked;
	return 0;
}

/* The loader's and the kernel side's bookkeeping, and our own cost. */
static void live_status(void *ctx, struct zdev_status *st)
{
	struct session *s = ctx;
	struct self_stats self = {};

	probes_status(s->probes, st);
	kstate_status(s->kstate, st);
	self_stats_read(&self);
	st->cpu_seconds = self.cpu_seconds;
	st->resident_bytes = self.resident_bytes;
	if (s->recording)
		recorder_status(&s->rec, st);
}

void session_status(struct session *s, struct zdev_status *st)
{
	s->src->status(s->src_ctx, st);
	st->untracked = 0;
	tracker_foreach_pgmap(&s->tracker, add_untracked, &st->untracked);
	st->lost_events = st->dropped_by_stream[ZDEV_STREAM_LIFECYCLE] +
			  st->dropped_by_stream[ZDEV_STREAM_ANOMALY] +
			  st->slots_full + st->untracked;
	st->census_found = s->census.found;
	st->census_seconds = s->census.seconds;
	st->show_addresses = s->cfg.show_addresses;
	st->elapsed_s = s->now - s->t0;
	st->now_ns = s->now_ns;
}

/* What the HTTP endpoint serves until the next tick. */
static void publish(struct session *s, const struct zdev_status *st,
		    json_object *snap)
{
	/* read once per tick, in session_status(): /metrics and the
	 * snapshot then agree */
	struct self_stats self = { .cpu_seconds = st->cpu_seconds,
				   .resident_bytes = st->resident_bytes,
				   .output_errors = s->json.lost };
	const char *json =
		json_object_to_json_string_ext(snap, JSON_C_TO_STRING_PLAIN);
	size_t len;
	char *metrics;

	memcpy(self.leak_findings, s->findings_by_rule,
	       sizeof(s->findings_by_rule));
	metrics = metrics_render(&s->tracker, st, &self, &len);
	if (metrics)
		http_publish(s->http, metrics, len, json, strlen(json));
	free(metrics);
}

void session_tick(struct session *s, const char *trigger)
{
	bool final = !strcmp(trigger, "final");
	struct zdev_status st;
	json_object *snap;

	session_step_begin(s, ZREC_STEP_TICK, trigger, strlen(trigger));
	session_sync(s);
	session_holders(s);
	session_status(s, &st);
	if (s->table) {
		if (s->table_tty && !final)
			fputs("\033[H\033[2J", s->table);
		output_table(s->table, &s->tracker, &st, s->cfg.view);
		if (!s->table_tty)
			fputc('\n', s->table);
	}
	snap = output_snapshot(&s->tracker, &st, final);
	json_object_object_add(snap, "trigger",
			       json_object_new_string(trigger));
	if (s->http)
		publish(s, &st, snap);
	session_json_put(s, snap);
	/* a killed session loses at most what came after this */
	if (s->recording)
		recorder_flush(&s->rec);
	session_step_end(s);
}

static int open_outputs(struct session *s)
{
	bool json_stdout = s->cfg.json_path && !strcmp(s->cfg.json_path, "-");
	int err;

	if (s->cfg.json_path) {
		err = ndjson_open(&s->json, s->cfg.json_path,
				  s->cfg.json_max_size, s->cfg.json_keep);
		if (err) {
			fprintf(stderr, "zdevmon: cannot open %s: %s\n",
				s->cfg.json_path, outfile_strerror(-err));
			return err;
		}
		s->json_on = true;
	}
	/* run reports a verdict; the live table is the daemon's */
	if (!s->cfg.quiet && !s->cfg.run) {
		s->table = json_stdout ? stderr : stdout;
		s->table_tty = isatty(fileno(s->table));
	}
	return 0;
}

void session_announce(struct session *s)
{
	struct zdev_status st;
	int i, on = 0, tr = 0;

	session_step_begin(s, ZREC_STEP_START, NULL, 0);
	session_status(s, &st);
	for (i = 0; i < st.nr_hooks; i++) {
		if (!hook_attached(st.hooks[i].state)) {
			fprintf(stderr, "zdevmon: hook %s is off: %s\n",
				st.hooks[i].func, st.hooks[i].reason);
			continue;
		}
		on++;
		/* the mechanism as output spells it (kprobe.multi: kprobe) */
		tr += st.hooks[i].mechanism[0] == 'f';
	}
	fprintf(stderr,
		"zdevmon: monitoring with %d of %d hooks (%d fentry/fexit, %d "
		"kprobe)\n",
		on, st.nr_hooks, tr, on - tr);
	session_json_put(s, output_start(&st));
	session_step_end(s);
}

int session_pump(struct session *s, double until,
		 bool (*done)(struct session *s, void *arg), void *arg)
{
	int err;

	while (!session_signal && !(done && done(s, arg))) {
		double t = session_now();
		/*
		 * Until the next tick, look at layout waits or end, and at
		 * least once a second: the kernel side wakes us for each
		 * teardown step and a filling ring, a signal interrupts the
		 * wait. Ten times a second while a teardown waits to be
		 * judged or a command may end (run).
		 */
		double pass_s =
			done || tracker_teardown_pending(&s->tracker) ? 0.1 : 1;
		/* clamped as a double: an interval of weeks overflows an int */
		double wait_s = fmin(fmax(s->next_tick - t, 0), pass_s);
		int wait_ms;

		if (until && t >= until)
			break;
		if (until)
			wait_s = fmin(wait_s, until - t);
		wait_s = fmin(wait_s, fmax(s->next_waits - t, 0));
		wait_ms = (int)ceil(wait_s * 1000);
		err = ring_buffer__poll(s->rb, wait_ms);
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "zdevmon: reading events failed: %s\n",
				strerror(-err));
			return err;
		}
		/* the kernel side wakes us only when its ring fills up */
		ring_buffer__consume(s->rb);
		session_judge_teardowns(s, s->cfg.teardown_timeout_s);
		t = session_now();
		if (t >= s->next_waits) {
			s->next_waits = t + 1;
			session_judge_waits(s);
		}
		if (reopen_now) {
			reopen_now = 0;
			err = ndjson_reopen(&s->json);
			if (err)
				fprintf(stderr,
					"zdevmon: cannot reopen %s: %s\n",
					s->cfg.json_path,
					outfile_strerror(-err));
		}
		if (snapshot_now) {
			snapshot_now = 0;
			session_tick(s, "signal");
		}
		if (t >= s->next_tick) {
			session_tick(s, "interval");
			s->next_tick += s->cfg.interval_s;
			if (s->next_tick < t)
				s->next_tick = t + s->cfg.interval_s;
		}
	}
	return 0;
}

void session_init(struct session *s)
{
	*s = (struct session){ .kallsyms_fd = -1,
			       .modules_fd = -1,
			       .listen_fd = -1 };
}

int session_open(struct session *s, char *err, size_t errlen)
{
	struct probe_opts popts;

	tracker_init(&s->tracker);
	s->tracker.keep_gone = s->cfg.keep_gone;
	popts.force_kprobes = s->cfg.force_kprobes;
	popts.verbose = s->cfg.verbose;
	popts.stacks = s->cfg.stacks;
	popts.btf_path = s->cfg.btf_path;
	popts.bpf_stats = s->cfg.bpf_stats;
	popts.ring_size = s->cfg.ring_size;
	/* CI mode: the rules need each live folio, its age and birth site */
	popts.records = s->cfg.run || s->cfg.stacks;
	popts.events = s->cfg.events || s->cfg.record_events;
	popts.resid_shift = s->cfg.resid_shift;
	popts.pingpong_window_ns = (uint64_t)(s->cfg.pingpong_window_s * 1e9);
	popts.max_device_pages = s->cfg.max_device_pages;
	/* a daemon judges no one's */
	popts.scope = s->cfg.run ? s->cfg.scope : ZDEV_SCOPE_ALL;
	popts.scope_cgroup = 0;
	popts.scope_level = 0;
	if (popts.scope == ZDEV_SCOPE_CGROUP) {
		int ret = cgroup_self(&popts.scope_cgroup, &popts.scope_level);

		if (ret) {
			snprintf(err, errlen,
				 "--scope cgroup: zdevmon's cgroup v2 is not "
				 "found under /sys/fs/cgroup (%s)",
				 strerror(-ret));
			return ret;
		}
	}
	s->tracker.folio_records = popts.records;
	return probes_open(&s->probes, &popts, err, errlen);
}

static void live_consume(void *ctx)
{
	ring_buffer__consume(((struct session *)ctx)->rb);
}

static int live_sync(void *ctx, struct tracker *t, int *gone, int max)
{
	return kstate_sync(((struct session *)ctx)->kstate, t, gone, max);
}

static void live_release(void *ctx, struct tracker *t, int pgmap_id)
{
	kstate_release(((struct session *)ctx)->kstate, t, pgmap_id);
}

static int live_pgmap_refs(void *ctx, uint32_t slot, int64_t *count)
{
	return kstate_pgmap_refs(((struct session *)ctx)->kstate, slot, count);
}

/* A read of one of the kernel side's maps into the tracker. */
#define LIVE_READ(name)                                                   \
	static int live_##name(void *ctx, struct tracker *t)              \
	{                                                                 \
		return kstate_##name(((struct session *)ctx)->kstate, t); \
	}
LIVE_READ(pins)
LIVE_READ(kallocs)
LIVE_READ(setups)
LIVE_READ(usage)
LIVE_READ(waits)
LIVE_READ(folios)

static int live_stack(void *ctx, int32_t id, uint64_t *ips, int max)
{
	return probes_stack(((struct session *)ctx)->probes, id, ips, max);
}

static const struct source_ops live_ops = {
	.consume = live_consume,
	.sync = live_sync,
	.release = live_release,
	.pgmap_refs = live_pgmap_refs,
	.pins = live_pins,
	.kallocs = live_kallocs,
	.setups = live_setups,
	.usage = live_usage,
	.waits = live_waits,
	.folios = live_folios,
	.status = live_status,
	.stack = live_stack,
	.ksyms = live_ksyms,
	.name_op = live_name_op,
};

int session_open_events(struct session *s)
{
	int err;

	s->src = &live_ops;
	s->src_ctx = s;
	s->tracker.fsdax_idle_at_one = probes_fsdax_idle_at_one(s->probes);
	err = kstate_open(&s->kstate, s->probes);
	if (err) {
		fprintf(stderr,
			"zdevmon: cannot map the kernel side's state: "
			"%s\n",
			strerror(-err));
		return err;
	}
	/* the hooks are attached: whatever is born from now on is seen */
	kstate_census(s->kstate, &s->census);
	if (s->census.err)
		fprintf(stderr,
			"zdevmon: the census of live folios failed (%s): "
			"folios alive before zdevmon started are not known\n",
			strerror(-s->census.err));
	else if (s->cfg.verbose)
		fprintf(stderr,
			"zdevmon: census: %d regions, %" PRIu64
			" device pages, %" PRIu64 " live folios in %.2fs%s\n",
			s->census.regions, s->census.scanned, s->census.found,
			s->census.seconds,
			s->census.sections_armed
				? ""
				: "; GUP's pages arrays are read page by page");
	s->rb = ring_buffer__new(probes_events_fd(s->probes), session_event, s,
				 NULL);
	if (!s->rb) {
		int err = errno ? -errno : -ENOMEM;

		fprintf(stderr, "zdevmon: cannot open the ring buffer: %s\n",
			strerror(-err));
		return err;
	}
	return 0;
}

int session_open_privileged(struct session *s, char *err, size_t errlen)
{
	/* kallsyms shows addresses by its opener's credentials: open now */
	s->kallsyms_fd = open("/proc/kallsyms", O_RDONLY | O_CLOEXEC);
	s->modules_fd = open("/proc/modules", O_RDONLY | O_CLOEXEC);
	/* bound now: a port below 1024 needs what we are about to drop */
	if (s->cfg.listen) {
		s->listen_fd = http_listen(s->cfg.listen, err, errlen);
		if (s->listen_fd < 0)
			return s->listen_fd;
	}
	return 0;
}

/* --record: the head, then every step and read from now on. */
static int start_recording(struct session *s)
{
	struct zdev_status st;
	json_object *head;
	int err;

	s->rec.stack = probes_stack;
	s->rec.stack_ctx = s->probes;
	s->rec.ksyms = record_ksyms;
	s->rec.ksyms_ctx = s;
	probes_status(s->probes, &st);
	head = head_build(&s->cfg, &st, &s->census,
			  probes_zone_layout(s->probes), &s->tracker, s->t0_ns,
			  kstate_start_ns(s->kstate));
	err = head ? recorder_open(&s->rec, s->cfg.record_path,
				   s->cfg.record_max_size, s->cfg.record_keep,
				   head)
		   : -ENOMEM;
	if (err) {
		fprintf(stderr, "zdevmon: cannot record to %s: %s\n",
			s->cfg.record_path, outfile_strerror(-err));
		return err;
	}
	s->recording = true;
	kstate_record(s->kstate, &s->rec);
	return 0;
}

int session_start(struct session *s)
{
	char err[512];

	/* as the user we became: rotation and reopen create files so too */
	if (open_outputs(s))
		return -1;
	if (s->cfg.listen && http_start_on(&s->http, s->cfg.listen,
					   s->listen_fd, err, sizeof(err))) {
		fprintf(stderr, "zdevmon: %s.\n", err);
		return -1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGUSR1, on_usr1);
	signal(SIGHUP, on_hup);
	signal(SIGPIPE, SIG_IGN);

	s->t0_ns = recorder_now_ns();
	s->t0 = s->t0_ns / 1e9;
	s->next_tick = s->t0 + s->cfg.interval_s;
	if (s->cfg.record_path && start_recording(s))
		return -1;
	return 0;
}

void session_close(struct session *s)
{
	runcmd_cancel(&s->cmd);
	runcmd_cancel(&s->teardown);
	http_stop(s->http);
	if (s->recording) {
		int err;

		kstate_record(s->kstate, NULL);
		uint64_t lost = s->rec.w.chunks_lost;

		err = recorder_close(&s->rec);
		if (err)
			fprintf(stderr,
				"zdevmon: the recording %s lost data (%" PRIu64
				" chunks): %s\n",
				s->cfg.record_path, lost,
				outfile_strerror(-err));
	}
	ring_buffer__free(s->rb);
	kstate_close(s->kstate);
	probes_close(s->probes);
	if (s->json_on)
		ndjson_close(&s->json);
	tracker_release(&s->tracker);
	leaks_release(&s->alerts);
	leaks_release(&s->verdict);
	ksyms_free(s->ksyms);
	ksyms_free(s->record_ksyms);
	if (s->kallsyms_fd >= 0)
		close(s->kallsyms_fd);
	if (s->modules_fd >= 0)
		close(s->modules_fd);
}
