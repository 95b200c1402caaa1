// SPDX-License-Identifier: GPL-2.0
/* Command line parsing and the zone-bit layout: pure logic. */
#include <argp.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "kernel/preempt.h"
#include "kernel/zone_layout.h"
#include "options.h"
#include "output/table.h"
#include "output/ndjson.h"

#define PARSE(cfg, ...)                                                  \
	({                                                               \
		char *argv[] = { "zdevmon", __VA_ARGS__ };               \
		options_parse(sizeof(argv) / sizeof(argv[0]), argv, cfg, \
			      ARGP_SILENT);                              \
	})

static void test_defaults(void **state)
{
	struct config cfg;
	char *argv[] = { "zdevmon" };

	assert_int_equal(options_parse(1, argv, &cfg, ARGP_SILENT), 0);
	assert_true(cfg.interval_s == 1.0);
	assert_null(cfg.json_path);
	assert_false(cfg.force_kprobes);
	assert_false(cfg.events);
}

static void test_options(void **state)
{
	struct config cfg;

	assert_int_equal(PARSE(&cfg, "-i", "2.5", "--json", "-", "--events",
			       "-q", "--force-kprobes", "-d", "10", "-v"),
			 0);
	assert_true(cfg.interval_s == 2.5);
	assert_string_equal(cfg.json_path, "-");
	assert_true(cfg.events && cfg.quiet && cfg.force_kprobes &&
		    cfg.verbose);
	assert_true(cfg.duration_s == 10);
	assert_true(cfg.layout_wait_s == 10); /* the default */
	assert_int_equal(PARSE(&cfg, "--layout-wait", "0.5"), 0);
	assert_true(cfg.layout_wait_s == 0.5);
	assert_int_not_equal(PARSE(&cfg, "--layout-wait", "0"), 0);
	assert_int_not_equal(PARSE(&cfg, "--layout-wait", "nan"), 0);
	/* run judges its command's process tree unless told */
	assert_int_equal(PARSE(&cfg, "run", "--", "true"), 0);
	assert_int_equal(cfg.scope, ZDEV_SCOPE_TREE);
	assert_int_equal(PARSE(&cfg, "run", "--scope", "cgroup", "true"), 0);
	assert_int_equal(cfg.scope, ZDEV_SCOPE_CGROUP);
	assert_int_equal(PARSE(&cfg, "run", "--scope", "all", "true"), 0);
	assert_int_equal(cfg.scope, ZDEV_SCOPE_ALL);
	assert_int_not_equal(PARSE(&cfg, "run", "--scope", "pod", "true"), 0);
	/* the migrate view, residency sampling, the ping-pong window */
	assert_int_equal(cfg.view, TABLE_VIEW_PGMAPS);
	assert_int_equal(cfg.resid_shift, 6);
	assert_true(cfg.pingpong_window_s == 1);
	assert_int_equal(PARSE(&cfg, "--view", "migrate", "--residency-sample",
			       "1", "--pingpong-window", "0.25"),
			 0);
	assert_int_equal(cfg.view, TABLE_VIEW_MIGRATE);
	assert_int_equal(cfg.resid_shift, 0);
	assert_true(cfg.pingpong_window_s == 0.25);
	assert_int_equal(PARSE(&cfg, "--residency-sample", "65536"), 0);
	assert_int_equal(cfg.resid_shift, 16);
	assert_int_not_equal(PARSE(&cfg, "--residency-sample", "3"), 0);
	assert_int_not_equal(PARSE(&cfg, "--residency-sample", "0"), 0);
	assert_int_not_equal(PARSE(&cfg, "--residency-sample", "131072"), 0);
	assert_int_not_equal(PARSE(&cfg, "--view", "folios"), 0);
	assert_int_not_equal(PARSE(&cfg, "--pingpong-window", "0"), 0);
	assert_int_equal(PARSE(&cfg, "replay", "x.zrec", "--view", "migrate"),
			 0);
	assert_int_equal(cfg.view, TABLE_VIEW_MIGRATE);
}

static void test_bad_options(void **state)
{
	struct config cfg;

	assert_int_not_equal(PARSE(&cfg, "-i", "0"), 0);
	assert_int_not_equal(PARSE(&cfg, "-i", "abc"), 0);
	assert_int_not_equal(PARSE(&cfg, "-i", "1s"), 0);
	assert_int_not_equal(PARSE(&cfg, "-d", "-3"), 0);
	assert_int_not_equal(PARSE(&cfg, "--events"), 0);
	assert_int_not_equal(PARSE(&cfg, "--json", ""), 0);
	assert_int_not_equal(PARSE(&cfg, "--no-such-option"), 0);
	assert_int_not_equal(PARSE(&cfg, "stray"), 0);
}

/* record: the daemon with its events, or run with a command; replay. */
static void test_record_replay(void **state)
{
	/* cfg.cmd points into it: here, not in PARSE()'s scope */
	char *argv[] = { "zdevmon",	   "record", "-o",  "r.zrec",
			 "--fail-on-leak", "--",     "./t", "-x" };
	struct config cfg;

	assert_int_equal(PARSE(&cfg, "record", "-o", "r.zrec", "-d", "5"), 0);
	assert_string_equal(cfg.record_path, "r.zrec");
	assert_true(cfg.record_events && !cfg.run && !cfg.cmd);
	assert_int_equal(options_parse(8, argv, &cfg, ARGP_SILENT), 0);
	assert_true(cfg.run && cfg.stacks && cfg.fail_on_leak);
	assert_string_equal(cfg.cmd[0], "./t");
	assert_string_equal(cfg.cmd[1], "-x");
	assert_int_not_equal(PARSE(&cfg, "record", "-d", "5"), 0);
	assert_int_equal(PARSE(&cfg, "run", "--record", "c.zrec",
			       "--record-max-size", "1M", "--", "t"),
			 0);
	assert_true(cfg.run && !cfg.record_events);
	assert_int_equal(cfg.record_max_size, 1 << 20);
	assert_int_not_equal(PARSE(&cfg, "--record-max-size", "1M"), 0);
	assert_int_not_equal(
		PARSE(&cfg, "--record", "r", "--record-max-size", "1k"), 0);

	assert_int_equal(PARSE(&cfg, "replay", "--report-json", "j", "-q",
			       "--fail-on-leak", "r.zrec"),
			 0);
	assert_string_equal(cfg.replay_path, "r.zrec");
	assert_true(cfg.fail_on_leak && cfg.quiet);
	assert_int_not_equal(PARSE(&cfg, "replay"), 0);
	assert_int_not_equal(PARSE(&cfg, "replay", "a.zrec", "b.zrec"), 0);
	/* its thresholds are the recording's */
	assert_int_not_equal(PARSE(&cfg, "replay", "--older-than", "1", "r"),
			     0);
	assert_int_not_equal(PARSE(&cfg, "replay", "--listen", "9000", "r"), 0);
}

/* The ring: whole pages, a power of two of them, within bounds. */
static void test_ring_size(void **state)
{
	struct config cfg;

	assert_int_equal(PARSE(&cfg, "--ring-size", "4k"), 0);
	assert_true(cfg.ring_size == 4096);
	assert_int_equal(PARSE(&cfg, "--ring-size", "16M"), 0);
	assert_true(cfg.ring_size == 16 << 20);
	assert_int_not_equal(PARSE(&cfg, "--ring-size", "2k"), 0);
	assert_int_not_equal(PARSE(&cfg, "--ring-size", "12k"), 0);
	assert_int_not_equal(PARSE(&cfg, "--ring-size", "2G"), 0);
	assert_int_not_equal(PARSE(&cfg, "--ring-size", "0"), 0);
	assert_int_equal(PARSE(&cfg, "run", "--ring-size", "8k", "--", "true"),
			 0);
	assert_true(cfg.ring_size == 8192);
}

/* strtod() takes nan and inf; strtoull() a sign after blanks. */
static void test_bad_numbers(void **state)
{
	struct config cfg;
	uint64_t v;

	assert_int_not_equal(PARSE(&cfg, "-i", "nan"), 0);
	assert_int_not_equal(PARSE(&cfg, "-i", "NAN"), 0);
	assert_int_not_equal(PARSE(&cfg, "-i", "inf"), 0);
	assert_int_not_equal(PARSE(&cfg, "-d", "nan"), 0);
	assert_int_not_equal(PARSE(&cfg, "-d", "-inf"), 0);
	assert_int_not_equal(
		PARSE(&cfg, "run", "--teardown-timeout", "nan", "--", "true"),
		0);
	assert_int_not_equal(
		PARSE(&cfg, "run", "--settle", "nan", "--", "true"), 0);
	assert_int_not_equal(
		PARSE(&cfg, "run", "--older-than", "nan", "--", "true"), 0);
	assert_int_not_equal(
		PARSE(&cfg, "--json", "f", "--json-max-size", "17179869185G"),
		0);
	assert_int_not_equal(
		PARSE(&cfg, "--json", "f", "--json-max-size", " -5"), 0);
	assert_int_not_equal(PARSE(&cfg, "--json", "f", "--json-keep", " 5"),
			     0);
	assert_int_not_equal(PARSE(&cfg, "--json", "f", "--json-keep",
				   "18446744073709551621"),
			     0);
	assert_int_not_equal(PARSE(&cfg, "--json", "f", "--json-keep", "+5"),
			     0);
	assert_int_not_equal(PARSE(&cfg, "--listen", " 80"), 0);
	assert_int_equal(ndjson_parse_size("17179869184G", &v), -EINVAL);
	assert_int_equal(ndjson_parse_size("18446744073709551615", &v), 0);
	assert_int_equal(ndjson_parse_size("16777215T", &v), -EINVAL);
	assert_int_equal(ndjson_parse_size(" 5", &v), -EINVAL);
	assert_int_equal(ndjson_parse_size("+5", &v), -EINVAL);
	assert_int_equal(ndjson_parse_size("17179869183G", &v), 0);
	assert_true(v == 17179869183ULL << 30);

	/* the good ones still are */
	assert_int_equal(PARSE(&cfg, "--json", "f", "--json-keep", "7",
			       "--json-max-size", "1G", "-i", "0.5"),
			 0);
	assert_int_equal(cfg.json_keep, 7);
	assert_true(cfg.json_max_size == 1ULL << 30);
	assert_int_equal(PARSE(&cfg, "run", "--settle", "0", "--", "true"), 0);
	assert_true(cfg.settle_s == 0);
}

/* Debian amd64 (6.1, 6.12, 7.x): NODES_SHIFT 10, five zones. */
static void test_zone_layout_debian(void **state)
{
	struct zone_layout zl;

	assert_int_equal(zone_layout_compute(&zl, 10, 5, 4), 0);
	assert_int_equal(zl.shift, 51);
	assert_int_equal(zl.mask, 7);
	assert_int_equal(zl.zone_device, 4);
	/* a smaller NUMA config moves the zone bits up */
	assert_int_equal(zone_layout_compute(&zl, 6, 5, 4), 0);
	assert_int_equal(zl.shift, 55);
	/* four zones fit in two bits */
	assert_int_equal(zone_layout_compute(&zl, 10, 4, 3), 0);
	assert_int_equal(zl.shift, 52);
	assert_int_equal(zl.mask, 3);
}

static void test_zone_layout_invalid(void **state)
{
	struct zone_layout zl;

	assert_int_equal(zone_layout_compute(&zl, -1, 5, 4), -EINVAL);
	assert_int_equal(zone_layout_compute(&zl, 10, 0, 0), -EINVAL);
	assert_int_equal(zone_layout_compute(&zl, 10, 5, 5), -EINVAL);
	assert_int_equal(zone_layout_compute(&zl, 40, 5, 4), -EINVAL);
}

static void test_kconfig_value(void **state)
{
	const char *cfg = "# CONFIG_FOO is not set\nCONFIG_NODES_SHIFT_X=3\n"
			  "CONFIG_NODES_SHIFT=10\nCONFIG_NUMA=y\n";
	char buf[16];

	assert_string_equal(
		kconfig_value(cfg, "CONFIG_NODES_SHIFT", buf, sizeof(buf)),
		"10");
	assert_string_equal(kconfig_value(cfg, "CONFIG_NUMA", buf, sizeof(buf)),
			    "y");
	assert_null(kconfig_value(cfg, "CONFIG_FOO", buf, sizeof(buf)));
}

/* The preemption models of Debian's 6.1/6.12 (voluntary) and 7.x (lazy). */
static void test_tracing_preemptible(void **state)
{
	const char *voluntary =
		"CONFIG_PREEMPT_VOLUNTARY=y\n"
		"# CONFIG_PREEMPT is not set\n"
		"# CONFIG_PREEMPT_RT is not set\n"
		"CONFIG_PREEMPTION=y\nCONFIG_PREEMPT_DYNAMIC=y\n";
	const char *lazy = "CONFIG_ARCH_HAS_PREEMPT_LAZY=y\n"
			   "# CONFIG_PREEMPT is not set\n"
			   "CONFIG_PREEMPT_LAZY=y\n"
			   "CONFIG_PREEMPT_DYNAMIC=y\n";
	const char *fixed = "CONFIG_PREEMPT_VOLUNTARY=y\n";

	assert_false(tracing_preemptible(voluntary, "root=/dev/vda quiet\n"));
	assert_true(tracing_preemptible(lazy, "root=/dev/vda quiet\n"));
	assert_true(tracing_preemptible(lazy, NULL));
	/* the command line picks a dynamic model; the last valid one wins */
	assert_true(tracing_preemptible(voluntary, "quiet preempt=full\n"));
	assert_false(
		tracing_preemptible(voluntary, "preempt=full preempt=none"));
	assert_true(
		tracing_preemptible(voluntary, "xpreempt=none preempt=full"));
	/* an invalid one changes nothing: the model before it stays */
	assert_true(
		tracing_preemptible(voluntary, "preempt=full preempt=bogus"));
	assert_false(tracing_preemptible(voluntary, "preempt=fullx"));
	/* lazy exists only where the architecture has it */
	assert_false(tracing_preemptible(voluntary, "preempt=lazy"));
	/* v7.x with lazy takes neither none nor voluntary */
	assert_true(tracing_preemptible(lazy, "preempt=none quiet"));
	assert_true(
		tracing_preemptible(lazy, "preempt=full preempt=voluntary"));
	/* without PREEMPT_DYNAMIC, preempt= does nothing */
	assert_false(tracing_preemptible(fixed, "preempt=full"));
	assert_true(tracing_preemptible("CONFIG_PREEMPT=y\n", NULL));
	assert_true(
		tracing_preemptible("CONFIG_PREEMPT_RT=y\n", "preempt=none"));
	/* no config: assume the worst */
	assert_true(tracing_preemptible(NULL, "preempt=none"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_record_replay),
		cmocka_unit_test(test_bad_numbers),
		cmocka_unit_test(test_ring_size),
		cmocka_unit_test(test_zone_layout_debian),
		cmocka_unit_test(test_zone_layout_invalid),
		cmocka_unit_test(test_kconfig_value),
		cmocka_unit_test(test_tracing_preemptible),
	};

	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
