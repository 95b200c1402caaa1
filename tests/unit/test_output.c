// SPDX-License-Identifier: GPL-2.0
/* The table and the NDJSON objects, read back with json-c's parser. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>
#include "events.h"
#include "output/objects.h"
#include "output/table.h"

#define PRIV 0xffff888001000000ULL
#define DAX  0xffff888002000000ULL

static void fill(struct tracker *t, struct zdev_status *st)
{
	int i;

	tracker_init(t);
	feed_pgmap(t, PRIV, ZDEV_PGMAP_PRIVATE, 0xfce0000, 65536, 1);
	feed_pgmap(t, DAX, ZDEV_PGMAP_FSDAX, 0x40000, 0x10000, 0);
	for (i = 0; i < 3; i++)
		feed_init(t, PRIV, 0xfce0000 + i, 0);
	feed_map(t, PRIV, 0xfce0000, 0, 1, 0);
	feed_migrate(t, PRIV, 123456789, 2, ZDEV_F_TO_DEVICE);
	feed_map(t, DAX, 0x4a000, 9, 1, 1);
	memset(st, 0, sizeof(*st));
	st->elapsed_s = 12.5;
	st->dropped_events = 7;
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
	assert_int_equal(json_object_get_uint64(field(p, "live_folios")), 3);
	assert_int_equal(json_object_get_uint64(field(p, "mapped_pages")), 1);
	assert_int_equal(
		json_object_get_uint64(field(p, "migrated_to_device_pages")),
		123456789);
	p = json_object_array_get_idx(pgmaps, 1);
	assert_string_equal(json_object_get_string(field(p, "type")), "fsdax");
	assert_int_equal(json_object_get_uint64(field(p, "live_pages")), 512);
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
	output_table(f, &t, &st);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshot_json),
		cmocka_unit_test(test_start_and_event_json),
		cmocka_unit_test(test_table_width),
		cmocka_unit_test(test_count_format),
		cmocka_unit_test(test_line_write_error),
	};

	return cmocka_run_group_tests_name("output", tests, NULL, NULL);
}
