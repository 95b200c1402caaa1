// SPDX-License-Identifier: GPL-2.0
/* The table and the NDJSON objects, read back with json-c's parser. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <math.h>
#include <stdio.h>
#include <cmocka.h>
#include "events.h"
#include "output/metrics.h"
#include "output/objects.h"
#include "output/table.h"
#include "schema.h"

#define PRIV 0xffff888001000000ULL
#define DAX  0xffff888002000000ULL

/*
 * Two pgmaps as a sync leaves them: a device-private one (3 folios, one
 * mapped, much migrated) and a boot-time FS DAX one (a PMD folio) whose
 * teardown has begun.
 */
static void fill(struct tracker *t, struct zdev_status *st)
{
	struct kpgmap priv, dax;
	int i;

	tracker_init(t);
	k_pgmap(&priv, 0, PRIV, ZDEV_PGMAP_PRIVATE, 0xfce0000, 65536, true);
	k_pgmap(&dax, 1, DAX, ZDEV_PGMAP_FSDAX, 0x40000, 0x10000, false);
	for (i = 0; i < 3; i++)
		k_born(&priv, i % K_NCPUS, 0);
	k_rmap(&priv, 1, true, 0, 0, 0, 1, 0);
	k_migrate(&priv, 0, 123456789, 2, ZDEV_F_TO_DEVICE);
	k_anomaly(&priv, 1, ZDEV_AN_DOUBLE_FREE);
	k_born(&dax, 1, 9);
	k_rmap(&dax, 0, true, 9, 0, 0, 1, 1);
	k_kill(&dax);
	k_sync(t, &priv);
	k_sync(t, &dax);
	/* what the kernel side counted, by kind */
	t->events_by_kind[ZDEV_EV_INIT] = 3;
	t->events_by_kind[ZDEV_EV_MAP] = 2;
	t->events_by_kind[ZDEV_EV_MIGRATE] = 1;
	t->events = 6;
	memset(st, 0, sizeof(*st));
	st->elapsed_s = 12.5;
	st->dropped_events = 7;
	st->dropped_by_stream[ZDEV_STREAM_EVENTS] = 7;
	st->folio_state = "bitmap";
	st->folio_state_capacity = 1 << 20;
	st->folio_state_used = 65536 + 65536;
	st->folio_state_bytes = (1 << 20) / 8;
	st->nr_hooks = 2;
	st->hooks[0] = (struct hook_status){ .func = "free_zone_device_folio",
					     .mechanism = "fentry",
					     .device_calls = 3 };
	st->hooks[1] = (struct hook_status){ .func = "folio_remove_rmap_pud",
					     .state = HOOK_OFF_MISSING,
					     .mechanism = "off",
					     .reason = "not in this kernel" };
}

static json_object *field(json_object *o, const char *key)
{
	json_object *v = NULL;

	assert_true(json_object_object_get_ex(o, key, &v));
	return v;
}

/* The table of a view, as text into buf. */
static void table_text(const struct tracker *t, const struct zdev_status *st,
		       int view, char *buf, size_t size)
{
	FILE *f = tmpfile();
	size_t len;

	assert_non_null(f);
	output_table(f, t, st, view);
	rewind(f);
	len = fread(buf, 1, size - 1, f);
	buf[len] = '\0';
	fclose(f);
}

/* The snapshot survives a round trip through a strict parser. */
static void test_snapshot_json(void **state)
{
	static const char *const required[] = {
		"id",
		"type",
		"pfn_start",
		"pfn_end",
		"live_folios",
		"live_pages",
		"mapped_pages",
		"inits",
		"frees",
		"migrated_to_device_pages",
		"migrated_to_ram_pages",
	};
	struct tracker t;
	struct zdev_status st;
	json_object *snap, *back, *pgmaps, *p;
	const char *text;
	size_t i;

	fill(&t, &st);
	snap = output_snapshot(&t, &st, true);
	text = json_object_to_json_string_ext(snap, JSON_C_TO_STRING_PLAIN);
	assert_null(strchr(text, '\n'));
	back = json_tokener_parse(text);
	assert_non_null(back);

	assert_string_equal(json_object_get_string(field(back, "schema")),
			    ZDEVMON_SCHEMA);
	assert_string_equal(json_object_get_string(field(back, "kind")),
			    "snapshot");
	assert_true(json_object_get_boolean(field(back, "final")));
	assert_int_equal(json_object_get_uint64(field(back, "dropped_events")),
			 7);
	assert_int_equal(json_object_get_uint64(field(back, "events")), 6);
	assert_int_equal(json_object_get_uint64(
				 field(field(back, "events_by_kind"), "init")),
			 3);
	assert_int_equal(json_object_get_uint64(field(
				 field(back, "dropped_by_stream"), "events")),
			 7);
	assert_int_equal(json_object_get_uint64(field(back, "live_folios")), 4);
	p = field(back, "folio_state");
	assert_string_equal(json_object_get_string(field(p, "mode")), "bitmap");
	assert_int_equal(json_object_get_uint64(field(p, "capacity")), 1 << 20);
	pgmaps = field(back, "pgmaps");
	assert_int_equal(json_object_array_length(pgmaps), 2);
	p = json_object_array_get_idx(pgmaps, 0);
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		field(p, required[i]);
	assert_int_equal(json_object_get_int(field(p, "id")), 1);
	assert_string_equal(json_object_get_string(field(p, "type")),
			    "private");
	assert_int_equal(json_object_get_uint64(field(p, "pfn_start")),
			 0xfce0000);
	assert_int_equal(json_object_get_uint64(field(p, "pfn_end")),
			 0xfce0000 + 65535);
	assert_string_equal(json_object_get_string(field(p, "state")), "live");
	assert_int_equal(json_object_get_uint64(field(p, "live_folios")), 3);
	assert_int_equal(json_object_get_uint64(field(p, "mapped_pages")), 1);
	assert_int_equal(json_object_get_uint64(field(p, "inits")), 3);
	assert_int_equal(
		json_object_get_uint64(field(p, "migrated_to_device_pages")),
		123456789);
	assert_int_equal(
		json_object_get_uint64(field(p, "migrated_to_device_large")),
		2);
	assert_int_equal(json_object_get_uint64(
				 field(field(p, "anomalies"), "double_free")),
			 1);
	assert_int_equal(json_object_get_int(field(p, "idle_refcount")), 0);
	p = json_object_array_get_idx(pgmaps, 1);
	assert_string_equal(json_object_get_string(field(p, "type")), "fsdax");
	assert_string_equal(json_object_get_string(field(p, "state")),
			    "killing");
	assert_int_equal(json_object_get_uint64(field(p, "live_pages")), 512);
	assert_int_equal(json_object_get_uint64(field(p, "mapped_pages")), 512);
	/* no raw kernel address anywhere */
	assert_null(strstr(text, "ffff888"));
	assert_null(strstr(text, "18446612"));

	json_object_put(back);
	json_object_put(snap);

	/* only on request */
	st.show_addresses = true;
	snap = output_snapshot(&t, &st, false);
	text = json_object_to_json_string_ext(snap, JSON_C_TO_STRING_PLAIN);
	assert_non_null(
		strstr(text, "\"kernel_address\":\"0xffff888001000000\""));
	json_object_put(snap);
	tracker_release(&t);
}

static void test_start_and_event_json(void **state)
{
	struct tracker t;
	struct zdev_status st;
	struct zdev_event e = ev_base(ZDEV_EV_MIGRATE, PRIV);
	json_object *o, *hooks, *h;
	struct kpgmap k;

	fill(&t, &st);
	o = output_start(&st);
	assert_string_equal(json_object_get_string(field(o, "kind")), "start");
	hooks = field(o, "hooks");
	assert_int_equal(json_object_array_length(hooks), 2);
	h = json_object_array_get_idx(hooks, 1);
	assert_string_equal(json_object_get_string(field(h, "mechanism")),
			    "off");
	assert_string_equal(json_object_get_string(field(h, "reason")),
			    "not in this kernel");
	json_object_put(o);

	e.flags = ZDEV_F_TO_DEVICE;
	e.migrate.pages = 512;
	e.migrate.large = 1;
	o = output_event(&t, &e);
	assert_string_equal(json_object_get_string(field(o, "event")),
			    "migrate");
	assert_string_equal(json_object_get_string(field(o, "direction")),
			    "to_device");
	assert_int_equal(json_object_get_int(field(o, "pgmap")), 1);
	assert_int_equal(json_object_get_uint64(field(o, "pages")), 512);
	json_object_put(o);

	/* a folio event of the FS DAX pgmap (--events) */
	e = ev_base(ZDEV_EV_MAP, DAX);
	e.folio.pfn = 0x4a000;
	e.folio.order = 9;
	e.folio.nr = 512;
	e.folio.refcount = 2;
	e.folio.mapcount = 1;
	o = output_event(&t, &e);
	assert_string_equal(json_object_get_string(field(o, "event")), "map");
	assert_int_equal(json_object_get_int(field(o, "pgmap")), 2);
	assert_int_equal(json_object_get_uint64(field(o, "pfn")), 0x4a000);
	assert_int_equal(json_object_get_uint64(field(o, "order")), 9);
	assert_int_equal(json_object_get_int(field(o, "mapcount")), 1);
	json_object_put(o);

	/* a gone pgmap's records still name it, until a new one is there */
	tracker_pgmap_final(&t, (struct zt_pgmap *)tracker_pgmap_by_id(&t, 1));
	e = ev_base(ZDEV_EV_PGMAP_GONE, PRIV);
	o = output_event(&t, &e);
	assert_string_equal(json_object_get_string(field(o, "event")),
			    "pgmap_gone");
	assert_int_equal(json_object_get_int(field(o, "pgmap")), 1);
	json_object_put(o);
	k_pgmap(&k, 0, PRIV, ZDEV_PGMAP_PRIVATE, 0xfce0000, 65536, true);
	assert_int_equal(k_sync(&t, &k)->id, 3);
	e = ev_base(ZDEV_EV_PGMAP, PRIV);
	e.pgmap_info = k.s.info;
	o = output_event(&t, &e);
	assert_int_equal(json_object_get_int(field(o, "pgmap")), 3);
	assert_string_equal(json_object_get_string(field(o, "type")),
			    "private");
	json_object_put(o);
	/* of no pgmap known: 0 */
	e = ev_base(ZDEV_EV_FREE, 0xffff888009000000ULL);
	o = output_event(&t, &e);
	assert_int_equal(json_object_get_int(field(o, "pgmap")), 0);
	json_object_put(o);
	tracker_release(&t);
}

/* Every object as docs/schema/v1 describes it. */
static void test_schemas(void **state)
{
	static const uint32_t kinds[] = {
		ZDEV_EV_PGMAP,	    ZDEV_EV_PGMAP_KILL, ZDEV_EV_PGMAP_DRAINED,
		ZDEV_EV_PGMAP_GONE, ZDEV_EV_INIT,	ZDEV_EV_FREE,
		ZDEV_EV_MAP,	    ZDEV_EV_UNMAP,	ZDEV_EV_SPLIT,
		ZDEV_EV_MIGRATE,    ZDEV_EV_DEVMAP_PUT,
	};
	struct tracker t;
	struct zdev_status st;
	struct zdev_event e;
	json_object *o;
	size_t i;

	schema_here();
	fill(&t, &st);
	st.bpf_stats = true;
	o = output_snapshot(&t, &st, false);
	schema_validate("snapshot", o);
	json_object_put(o);
	st.show_addresses = true;
	o = output_snapshot(&t, &st, true);
	schema_validate("snapshot", o);
	json_object_put(o);
	o = output_start(&st);
	schema_validate("start", o);
	json_object_put(o);
	o = output_features_json(&st, "6.19.0", false);
	/* features.c adds what only it knows */
	json_object_object_add(o, "load_only", json_object_new_boolean(0));
	schema_validate("features", o);
	json_object_put(o);
	/* the --events stream: every kind it carries */
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		e = ev_base(kinds[i], i & 1 ? PRIV : DAX);
		e.folio.pfn = 0x4a000;
		e.folio.order = 9;
		e.folio.nr = 512;
		e.folio.refcount = 1;
		if (kinds[i] == ZDEV_EV_MIGRATE) {
			e.flags = ZDEV_F_TO_DEVICE;
			e.migrate.pages = 512;
			e.migrate.large = 1;
		} else if (kinds[i] == ZDEV_EV_PGMAP) {
			e.pgmap_info.type = ZDEV_PGMAP_FSDAX;
		}
		o = output_event(&t, &e);
		schema_validate("event", o);
		json_object_put(o);
	}
	tracker_release(&t);
}

/* Every line of the table fits in 100 columns. */
static void test_table_width(void **state)
{
	struct tracker t;
	struct zdev_status st;
	char *buf = NULL, *line, *save;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rows = 0;

	fill(&t, &st);
	output_table(f, &t, &st, TABLE_VIEW_PGMAPS);
	fclose(f);
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		assert_true(strlen(line) < 100);
		rows++;
	}
	assert_int_equal(rows, 4); /* status, header, two pgmaps */
	tracker_release(&t);
	free(buf);
}

static void test_count_format(void **state)
{
	char b[12];

	assert_string_equal(output_count(b, sizeof(b), 0), "0");
	assert_string_equal(output_count(b, sizeof(b), 99999), "99999");
	assert_string_equal(output_count(b, sizeof(b), 100000), "100k");
	assert_string_equal(output_count(b, sizeof(b), 123456789), "123M");
	assert_string_equal(output_count(b, sizeof(b), 12345678901ULL), "12G");
}

/* A failed write is reported, not ignored. */
static void test_line_write_error(void **state)
{
	FILE *f = fopen("/dev/full", "w");
	json_object *o = json_object_new_object();

	assert_non_null(f);
	assert_true(output_line(f, o) < 0);
	fclose(f);
	json_object_put(o);
}

/* The snapshot's layout_waits entry, wrapped as its layout_wait object. */
static void wait_validate(json_object *w)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "schema",
			       json_object_new_string("zdevmon/v1"));
	json_object_object_add(o, "kind",
			       json_object_new_string("layout_wait"));
	json_object_object_add(o, "time", json_object_new_double(1.5));
	json_object_object_add(o, "wait", json_object_get(w));
	json_object_object_add(o, "holder_site", NULL);
	schema_validate("layout_wait", o);
	json_object_put(o);
}

/*
 * A truncate waiting 3 s for a page 8 pins of leakwork hold, and a hole
 * punch waiting for a page no pin holds: on every output.
 */
static void test_layout_waits(void **state)
{
	struct zdev_pin pin = { .pgmap = DAX,
				.pins = 8,
				.tgid = 248,
				.pid = 249,
				.stack_id = -1,
				.comm = "leakwork" };
	struct zdev_layout_wait trunc = { .ino = 12,
					  .dev = 259U << 20,
					  .end = INT64_MAX,
					  .pfn = 0x40000,
					  .pgmap = DAX,
					  .first_ns = 1000000000,
					  .tgid = 312,
					  .busy = 1,
					  .refcount = 8192,
					  .comm = "truncate" };
	struct zdev_layout_wait punch = trunc;
	struct self_stats self = {};
	struct zdev_status st;
	struct tracker t;
	json_object *o, *arr, *w, *h;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	schema_here();
	fill(&t, &st);
	st.now_ns = 4000000000ULL;
	assert_int_equal(pins_add(&t.pins, 0x40000, 2, &pin), 0);
	pins_sort(&t.pins);
	punch.start = 8192;
	punch.end = 12287;
	punch.pfn = 0x40400;
	punch.first_ns = 3500000000ULL;
	punch.tgid = 400;
	memcpy(punch.comm, "fallocate", 10);
	waits_begin(&t.waits);
	assert_int_equal(waits_put(&t.waits, 313, 2, &trunc), 0);
	assert_int_equal(waits_put(&t.waits, 401, 2, &punch), 0);
	waits_end(&t.waits);

	o = output_snapshot(&t, &st, false);
	schema_validate("snapshot", o);
	arr = field(o, "layout_waits");
	assert_int_equal(json_object_array_length(arr), 2);
	w = json_object_array_get_idx(arr, 0);
	wait_validate(w);
	assert_int_equal(json_object_get_int(field(w, "pid")), 312);
	assert_int_equal(json_object_get_int(field(w, "tid")), 313);
	assert_string_equal(json_object_get_string(field(w, "comm")),
			    "truncate");
	assert_string_equal(json_object_get_string(field(w, "dev")), "259:0");
	assert_int_equal(json_object_get_int(field(w, "ino")), 12);
	assert_null(field(w, "end")); /* to the end of the file */
	assert_true(json_object_get_double(field(w, "waiting_s")) == 3.0);
	assert_int_equal(json_object_get_int(field(w, "pgmap")), 2);
	assert_int_equal(json_object_get_int(field(w, "refcount")), 8192);
	h = field(w, "holder");
	assert_int_equal(json_object_get_int(field(h, "pid")), 248);
	assert_int_equal(json_object_get_int(field(h, "tid")), 249);
	assert_int_equal(json_object_get_int(field(h, "pins")), 8);
	w = json_object_array_get_idx(arr, 1);
	wait_validate(w);
	assert_int_equal(json_object_get_int(field(w, "end")), 12287);
	assert_null(field(w, "holder"));
	json_object_put(o);

	o = output_layout_wait(&t, &t.waits.v[0], st.now_ns,
			       "zl_ioctl+0x25c [zdev_leak]");
	schema_validate("layout_wait", o);
	assert_string_equal(json_object_get_string(field(o, "holder_site")),
			    "zl_ioctl+0x25c [zdev_leak]");
	json_object_put(o);

	f = open_memstream(&buf, &len);
	output_table(f, &t, &st, TABLE_VIEW_PGMAPS);
	fclose(f);
	assert_non_null(strstr(buf, "WAIT pid 312 (truncate) 3s: inode 12 on "
				    "259:0, pfn 0x40000 of pgmap 2\n     held "
				    "by 8 pins of pid 248 (leakwork)\n"));
	assert_non_null(strstr(buf, "WAIT pid 400 (fallocate) 0s: inode 12 on "
				    "259:0, pfn 0x40400 of pgmap 2\n"));
	free(buf);

	/* a cgroup gone: by id; the snapshot lists its pages too */
	{
		struct zdev_mm_stats m = { .mapped_pages = 5,
					   .to_device_pages = 5,
					   .cgroup = 0xdead0001,
					   .tgid = 77,
					   .comm = "job" };

		assert_int_equal(usage_add_mm(&t.usage, 0x1000, &m), 0);
	}
	o = output_snapshot(&t, &st, false);
	schema_validate("snapshot", o);
	arr = field(o, "processes");
	assert_int_equal(json_object_array_length(arr), 2);
	/* its 5 mapped pages before the holder's one pinned */
	assert_int_equal(json_object_get_int(field(
				 json_object_array_get_idx(arr, 0), "pid")),
			 77);
	assert_int_equal(json_object_get_int(field(
				 json_object_array_get_idx(arr, 1), "pid")),
			 248);
	json_object_put(o);
	buf = metrics_render(&t, &st, &self, &len);
	assert_non_null(strstr(buf, "\nzdevmon_cgroup_mapped_pages{cgroup=\""
				    "id:3735879681\"} 5\n"));
	assert_non_null(strstr(buf, "\nzdevmon_layout_waiters 2\n"));
	assert_non_null(strstr(buf, "\nzdevmon_layout_wait_seconds 3.000\n"));
	free(buf);
	tracker_release(&t);
}

/* A device-private pgmap's CPU faults: the snapshot's and /metrics'. */
static void test_cpu_faults(void **state)
{
	struct self_stats self = { 0 };
	struct zdev_status st;
	struct zt_pgmap *p;
	struct tracker t;
	json_object *o, *f, *hist;
	size_t len;
	char *buf;

	fill(&t, &st);
	p = (struct zt_pgmap *)tracker_pgmap_by_id(&t, 1);
	assert_non_null(p);
	assert_int_equal(p->type, ZDEV_PGMAP_PRIVATE);
	snprintf(p->fault_op_name, sizeof(p->fault_op_name),
		 "dmirror_devmem_fault+0x0 [test_hmm]");
	p->faults.calls = 5;
	p->faults.ok = 4;
	p->faults.sigbus = 1;
	p->faults.pages = 4;
	p->faults.vma_lock_retries = 5;
	p->faults.ns_total = 3 * 1500 + 2 * 40000;
	p->faults.ns_log2[10] = 3; /* 1500 ns */
	p->faults.ns_log2[15] = 2; /* 40 us */
	o = output_snapshot(&t, &st, false);
	schema_validate("snapshot", o);
	f = field(json_object_array_get_idx(field(o, "pgmaps"), 0),
		  "cpu_faults");
	assert_string_equal(json_object_get_string(field(f, "op")),
			    "dmirror_devmem_fault+0x0 [test_hmm]");
	assert_int_equal(
		json_object_get_int(field(field(f, "results"), "sigbus")), 1);
	hist = field(f, "latency_log2_ns");
	assert_int_equal(json_object_array_length(hist), 16);
	assert_int_equal(
		json_object_get_int(json_object_array_get_idx(hist, 15)), 2);
	json_object_put(o);
	buf = metrics_render(&t, &st, &self, &len);
	assert_non_null(strstr(buf, "\nzdevmon_cpu_faults_total{pgmap=\"1\","
				    "type=\"private\",owner=\"0\","
				    "result=\"sigbus\"} 1\n"));
	/* cumulative: 3 at or below 2048 ns, 5 from 65536 ns on */
	assert_non_null(strstr(buf,
			       "\nzdevmon_cpu_fault_duration_seconds_"
			       "bucket{pgmap=\"1\",le=\"2.048e-06\"} 3\n"));
	assert_non_null(strstr(buf,
			       "\nzdevmon_cpu_fault_duration_seconds_"
			       "bucket{pgmap=\"1\",le=\"6.5536e-05\"} 5\n"));
	assert_non_null(strstr(buf, "\nzdevmon_cpu_fault_duration_seconds_"
				    "count{pgmap=\"1\"} 5\n"));
	assert_non_null(strstr(buf, "\nzdevmon_cpu_fault_vma_lock_retries_"
				    "total{pgmap=\"1\""));
	/* FS DAX has none */
	assert_null(strstr(buf, "zdevmon_cpu_faults_total{pgmap=\"2\""));
	free(buf);
	tracker_release(&t);
}

/*
 * A device-private pgmap's migrations: the snapshot's outcomes and THP
 * efficiency, /metrics' series, the migrate view's rows, a migration
 * event's fields.
 */
static void test_migrations(void **state)
{
	struct self_stats self = { 0 };
	struct zdev_mig_dir_stats *d;
	struct zdev_event e = { .kind = ZDEV_EV_MIGRATION };
	struct zdev_status st;
	struct zt_pgmap *p;
	struct tracker t;
	json_object *o, *m, *to;
	char *buf, line[4096];
	size_t len;

	fill(&t, &st);
	p = (struct zt_pgmap *)tracker_pgmap_by_id(&t, 1);
	assert_non_null(p);
	d = &p->migrations.dir[ZDEV_MIG_TO_DEVICE];
	d->calls = 2;
	d->range_pages = 1088;
	d->collected = 1072;
	d->restored = 8;
	d->no_dst = 4;
	d->failed = 1;
	d->migrated = 1059; /* 2 THPs whole, 35 small */
	d->thp = 2;
	d->by_cause[ZDEV_MIG_DRIVER] = 1059;
	d->ns_total = 3000;
	d->ns_log2[10] = 2;
	p->migrations.dir[ZDEV_MIG_TO_RAM].migrated = 5;
	p->migrations.dir[ZDEV_MIG_TO_RAM].by_cause[ZDEV_MIG_FAULT] = 5;
	p->migrations.dir[ZDEV_MIG_TO_RAM].pingpong = 5;
	p->migrations.d2d_out_pages = 7;
	p->residency.frees = 4;
	p->residency.ns_log2[22] = 3; /* 4.2 ms */
	p->residency.ns_log2[31] = 1;
	o = output_snapshot(&t, &st, false);
	schema_validate("snapshot", o);
	m = field(json_object_array_get_idx(field(o, "pgmaps"), 0),
		  "migrations");
	to = field(m, "to_device");
	assert_int_equal(json_object_get_int(field(to, "not_collected_pages")),
			 16);
	assert_int_equal(json_object_get_int(field(to, "restored_pages")), 8);
	assert_int_equal(
		json_object_get_int(field(field(to, "migrated_by"), "driver")),
		1059);
	/* 1024 pages moved whole of 1064 */
	assert_true(fabs(json_object_get_double(field(m, "thp_efficiency")) -
			 1024.0 / 1064) < 1e-9);
	json_object_put(o);
	/* FS DAX migrates nothing: no migrations object */
	o = output_snapshot(&t, &st, false);
	assert_false(json_object_object_get_ex(
		json_object_array_get_idx(field(o, "pgmaps"), 1), "migrations",
		NULL));
	json_object_put(o);
	buf = metrics_render(&t, &st, &self, &len);
	assert_non_null(strstr(buf,
			       "\nzdevmon_migration_pages_total{pgmap=\"1\","
			       "type=\"private\",owner=\"0\","
			       "direction=\"to_device\","
			       "outcome=\"not_collected\"} 16\n"));
	assert_non_null(strstr(buf, "\nzdevmon_migration_migrated_pages_by_"
				    "cause_total{pgmap=\"1\",type=\"private\","
				    "owner=\"0\",direction=\"to_ram\","
				    "cause=\"fault\"} 5\n"));
	assert_non_null(strstr(buf,
			       "\nzdevmon_migration_thp_total{pgmap=\"1\","
			       "type=\"private\",owner=\"0\","
			       "direction=\"to_device\",how=\"whole\"} 2\n"));
	assert_non_null(strstr(buf, "\nzdevmon_migration_duration_seconds_"
				    "count{pgmap=\"1\",direction=\"to_device\"}"
				    " 2\n"));
	assert_non_null(strstr(buf, "\nzdevmon_migration_device_to_device_out_"
				    "pages_total{pgmap=\"1\",type=\"private\","
				    "owner=\"0\"} 7\n"));
	assert_null(strstr(buf, "zdevmon_migration_pages_total{pgmap=\"2\""));
	assert_null(strstr(buf, "zdevmon_migration_device_to_device_out_pages_"
				"total{pgmap=\"2\""));
	free(buf);
	/* the migrate view: a row per direction of the private pgmap */
	table_text(&t, &st, TABLE_VIEW_MIGRATE, line, sizeof(line));
	assert_non_null(strstr(line, "RESTOR NO-DST FAILED"));
	assert_non_null(strstr(line,
			       "  1 private  to-dev      2   1088   1072"
			       "      8      4      1   1059      2     0"));
	assert_null(strstr(line, "fsdax"));
	assert_non_null(strstr(line, "ping-pong 5 pages (to-ram 5); lifetimes "
				     "timed 4 (1 in 1), median >= 4ms\n"));
	assert_non_null(strstr(line, "device to device: 7 pages out\n"));
	/* one migration's event */
	e.pgmap = p->addr;
	e.migration.cause = ZDEV_MIG_EVICT;
	e.migration.dir = ZDEV_MIG_TO_RAM;
	e.migration.collected = 32;
	e.migration.no_dst = 5;
	e.migration.migrated = 27;
	o = output_event(&t, &e);
	schema_validate("event", o);
	assert_string_equal(json_object_get_string(field(o, "event")),
			    "migration");
	assert_string_equal(json_object_get_string(field(o, "cause")),
			    "eviction");
	assert_int_equal(json_object_get_int(field(o, "no_destination_pages")),
			 5);
	json_object_put(o);
	tracker_release(&t);
}

/*
 * A gone pgmap beyond --keep-gone: out of pgmaps, summed into its type's
 * retired_pgmaps object and a table line; its /metrics series end.
 */
static void test_retired(void **state)
{
	struct self_stats self = { 0 };
	struct zdev_status st;
	struct kpgmap k;
	struct tracker t;
	json_object *o, *r;
	char *buf, line[4096];
	size_t len;

	fill(&t, &st);
	k_pgmap(&k, 2, PRIV + 0x1000, ZDEV_PGMAP_PRIVATE, 0xfcf0000, 4096,
		true);
	k_born(&k, 0, 0);
	k_freed(&k, 1, 0);
	k_migrate(&k, 0, 4321, 0, ZDEV_F_TO_DEVICE);
	k_kill(&k);
	k_gone(&k);
	tracker_pgmap_final(&t, k_sync(&t, &k));
	t.keep_gone = 0;
	tracker_retire(&t);
	assert_int_equal(t.nr_pgmaps, 2);
	o = output_snapshot(&t, &st, false);
	schema_validate("snapshot", o);
	assert_int_equal(json_object_array_length(field(o, "pgmaps")), 2);
	assert_int_equal(json_object_array_length(field(o, "retired_pgmaps")),
			 1);
	r = json_object_array_get_idx(field(o, "retired_pgmaps"), 0);
	assert_string_equal(json_object_get_string(field(r, "type")),
			    "private");
	assert_int_equal(json_object_get_int(field(r, "pgmaps")), 1);
	assert_int_equal(json_object_get_int(field(r, "inits")), 1);
	assert_int_equal(
		json_object_get_int(field(r, "migrated_to_device_pages")),
		4321);
	assert_false(json_object_object_get_ex(r, "id", NULL));
	assert_false(json_object_object_get_ex(r, "live_folios", NULL));
	json_object_put(o);
	buf = metrics_render(&t, &st, &self, &len);
	/* its series end: a counter moving to another series would jump */
	assert_null(strstr(buf, "pgmap=\"3\""));
	assert_null(strstr(buf, "retired"));
	assert_non_null(strstr(buf, "zdevmon_pgmap_info{pgmap=\"2\""));
	free(buf);
	table_text(&t, &st, TABLE_VIEW_PGMAPS, line, sizeof(line));
	assert_non_null(strstr(line, "    retired: 1 gone private pgmaps, "
				     "inits 1, frees 1, to-dev 4321, to-ram "
				     "0\n"));
	tracker_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshot_json),
		cmocka_unit_test(test_start_and_event_json),
		cmocka_unit_test(test_schemas),
		cmocka_unit_test(test_layout_waits),
		cmocka_unit_test(test_cpu_faults),
		cmocka_unit_test(test_migrations),
		cmocka_unit_test(test_retired),
		cmocka_unit_test(test_table_width),
		cmocka_unit_test(test_count_format),
		cmocka_unit_test(test_line_write_error),
	};

	return cmocka_run_group_tests_name("output", tests, NULL, NULL);
}
