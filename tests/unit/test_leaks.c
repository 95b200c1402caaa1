// SPDX-License-Identifier: GPL-2.0
/* Leak rules, their reports, and the kallsyms symbolizer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <cmocka.h>
#include "fake_file.h"
#include "events.h"
#include "kernel/ksyms.h"
#include "model/leaks.h"
#include "output/report.h"

#define PRIV 0xffff888001000000ULL
#define PFN  0xfce0000ULL

/* Stack 1: born in a driver; stack 2: another driver path. */
static const uint64_t stack1[] = { 0xffffffffc0001000ULL + 0x10, /* bpf */
				   0xffffffff81000100ULL + 0x5,	 /* hooked */
				   0xffffffffc0100000ULL + 0x46, /* module */
				   0xffffffff81000400ULL + 0xb9 };
static const uint64_t stack2[] = { 0xffffffff81000400ULL + 0x20 };

static int fake_stack(void *ctx, int32_t id, uint64_t *ips, int max)
{
	const uint64_t *s = id == 1 ? stack1 : id == 2 ? stack2 : NULL;
	int n = id == 1 ? 4 : id == 2 ? 1 : 0;

	memcpy(ips, s, n * sizeof(*ips));
	return n;
}

static struct ksyms *fake_ksyms(void)
{
	int kfd = fake_file("ffffffff81000100 T zone_device_page_init\n"
			    "ffffffff81000200 t helper\n"
			    "ffffffff81000400 T __x64_sys_ioctl\n"
			    "ffffffffc0001000 t "
			    "bpf_prog_6deef7357e7b4530_page_init [bpf]\n"
			    "ffffffffc0100000 t zl_alloc_page\t[zdev_leak]\n"
			    "ffffffffc0100100 t zl_ioctl\t[zdev_leak]\n"
			    "0000000000000000 A hidden\n");
	int mfd = fake_file("zdev_leak 16384 0 - Live 0xffffffffc0100000\n");
	struct ksyms *ks = ksyms_load_fds(kfd, mfd);

	close(kfd);
	close(mfd);
	return ks;
}

static void feed_born(struct tracker *t, uint64_t pfn, int32_t stack)
{
	struct zdev_event e = ev_base(ZDEV_EV_INIT, PRIV);

	e.folio.pfn = pfn;
	e.folio.nr = 1;
	e.folio.refcount = 1;
	e.stack_id = stack;
	tracker_event(t, &e);
}

static const struct leak_finding *find(const struct leak_report *r,
				       enum leak_rule rule, int32_t stack)
{
	size_t i;

	for (i = 0; i < r->nr; i++)
		if (r->findings[i].rule == rule &&
		    r->findings[i].stack_id == stack)
			return &r->findings[i];
	return NULL;
}

/* Live folios grouped by birth stack; pre-existing ones never judged. */
static void test_live_after_run(void **state)
{
	struct tracker t;
	struct leak_report r = {};
	const struct leak_finding *f;
	int i;

	tracker_init(&t);
	feed_pgmap(&t, PRIV, ZDEV_PGMAP_PRIVATE, PFN, 65536, 1);
	for (i = 0; i < 48; i++)
		feed_born(&t, PFN + i, 1);
	for (i = 0; i < 3; i++)
		feed_born(&t, PFN + 100 + i, 2);
	feed_free(&t, PRIV, PFN + 100, 0);
	feed_unmap(&t, PRIV, PFN + 500, 0, 0, 0); /* alive before us */
	assert_int_equal(leaks_after_run(&t, &r), 0);
	assert_int_equal(r.nr, 2);
	f = find(&r, LEAK_LIVE_AFTER_RUN, 1);
	assert_non_null(f);
	assert_int_equal(f->folios, 48);
	assert_int_equal(f->pages, 48);
	assert_int_equal(f->pgmap_id, 1);
	f = find(&r, LEAK_LIVE_AFTER_RUN, 2);
	assert_int_equal(f->folios, 2);
	assert_int_equal(r.preexisting_live, 1);
	assert_int_equal(leaks_count(&r, LEAK_ERROR), 2);
	leaks_release(&r);
	tracker_release(&t);
}

static void test_teardown_and_unmapped(void **state)
{
	struct tracker t;
	struct leak_report r = {};
	const struct zt_pgmap *p;

	tracker_init(&t);
	feed_pgmap(&t, PRIV, ZDEV_PGMAP_PRIVATE, PFN, 65536, 1);
	test_clock = 1000000000ULL;
	feed_born(&t, PFN, 1);
	feed_born(&t, PFN + 1, 1);
	feed_map(&t, PRIV, PFN + 1, 0, 1, 0); /* mapped: not "unmapped" */
	p = tracker_pgmap_by_id(&t, 1);
	assert_int_equal(leaks_teardown(&t, p, &r), 0);
	assert_int_equal(r.findings[0].rule, LEAK_TEARDOWN_LIVE);
	assert_int_equal(r.findings[0].folios, 2);
	assert_int_equal(leaks_count(&r, LEAK_CRITICAL), 1);
	leaks_release(&r);

	/* idle 0.5 s: younger than 1 s; idle 2 s: older */
	leaks_unmapped(&t, 1500000000ULL, 1000000000ULL, &r);
	assert_int_equal(r.nr, 0);
	leaks_unmapped(&t, 3000000000ULL, 1000000000ULL, &r);
	assert_int_equal(r.nr, 1);
	assert_int_equal(r.findings[0].rule, LEAK_UNMAPPED_NOT_FREED);
	assert_int_equal(r.findings[0].folios, 1);
	assert_int_equal(leaks_count(&r, LEAK_ERROR), 0);
	leaks_release(&r);
	tracker_release(&t);
}

/* Anomaly rules; a double free only where every birth was seen. */
static void test_anomaly_rules(void **state)
{
	struct tracker t;
	struct leak_report r = {};

	tracker_init(&t);
	feed_pgmap(&t, PRIV, ZDEV_PGMAP_PRIVATE, PFN, 65536, 1);
	feed_born(&t, PFN, 1);
	feed_free(&t, PRIV, PFN, 0);
	feed_free(&t, PRIV, PFN, 0);
	feed_born(&t, PFN + 1, 1);
	feed_folio(&t, ZDEV_EV_FREE, PRIV, PFN + 1, 0, 1, 0, 0);
	leaks_after_run(&t, &r);
	assert_int_equal(r.nr, 2);
	assert_string_equal(leak_rule_name(r.findings[0].rule), "double-free");
	assert_int_equal(r.findings[0].folios, 1);
	assert_string_equal(leak_rule_name(r.findings[1].rule),
			    "free-while-mapped");
	leaks_release(&r);
	tracker_release(&t);

	/* a pgmap older than us: an unknown free is not a double free */
	tracker_init(&t);
	feed_pgmap(&t, PRIV, ZDEV_PGMAP_PRIVATE, PFN, 65536, 0);
	feed_free(&t, PRIV, PFN, 0);
	leaks_after_run(&t, &r);
	assert_int_equal(r.nr, 0);
	leaks_release(&r);
	tracker_release(&t);
}

/*
 * An anomaly finding's call site is the stack of the event that showed it:
 * a free's own (the BPF side captures stacks at frees for this), an
 * unmap's own for a negative mapcount.
 */
static void test_anomaly_stacks(void **state)
{
	struct tracker t;
	struct leak_report r = {};
	struct zdev_event e;
	size_t i;

	tracker_init(&t);
	feed_pgmap(&t, PRIV, ZDEV_PGMAP_PRIVATE, PFN, 65536, 1);
	feed_born(&t, PFN, 1);
	feed_free(&t, PRIV, PFN, 0);
	e = ev_base(ZDEV_EV_FREE, PRIV); /* freed again */
	e.folio.pfn = PFN;
	e.folio.nr = 1;
	e.stack_id = 7;
	tracker_event(&t, &e);
	feed_born(&t, PFN + 1, 1);
	e = ev_base(ZDEV_EV_FREE, PRIV); /* freed while mapped */
	e.folio.pfn = PFN + 1;
	e.folio.nr = 1;
	e.folio.mapcount = 1;
	e.stack_id = 8;
	tracker_event(&t, &e);
	feed_born(&t, PFN + 2, 1);
	e = ev_base(ZDEV_EV_UNMAP, PRIV); /* unmapped, not mapped */
	e.folio.pfn = PFN + 2;
	e.folio.nr = 1;
	e.folio.mapcount = -1;
	e.stack_id = 9;
	tracker_event(&t, &e);
	feed_free(&t, PRIV, PFN + 2, 0);
	leaks_after_run(&t, &r);
	assert_int_equal(r.nr, 3);
	for (i = 0; i < r.nr; i++) {
		const char *rule = leak_rule_name(r.findings[i].rule);

		if (!strcmp(rule, "double-free"))
			assert_int_equal(r.findings[i].stack_id, 7);
		else if (!strcmp(rule, "free-while-mapped"))
			assert_int_equal(r.findings[i].stack_id, 8);
		else if (!strcmp(rule, "mapcount-negative"))
			assert_int_equal(r.findings[i].stack_id, 9);
	}
	leaks_release(&r);
	tracker_release(&t);
}

static void test_ksyms(void **state)
{
	struct ksyms *ks = fake_ksyms();
	char buf[128];

	assert_non_null(ks);
	assert_true(ksyms_format(ks, 0xffffffffc0100046ULL, buf, sizeof(buf)));
	assert_string_equal(buf, "zl_alloc_page+0x46 [zdev_leak]");
	assert_true(ksyms_format(ks, 0xffffffff810004b9ULL, buf, sizeof(buf)));
	assert_string_equal(buf, "__x64_sys_ioctl+0xb9");
	assert_string_equal(ksyms_module(ks, 0xffffffffc0100146ULL),
			    "zdev_leak");
	assert_null(ksyms_module(ks, 0xffffffff81000105ULL));
	assert_false(ksyms_format(ks, 0x1000, buf, sizeof(buf)));
	assert_string_equal(buf, "?");
	/* the site: the module frame, past BPF and the hooked function */
	assert_int_equal(report_site(ks, stack1, 4), 2);
	assert_int_equal(report_site(ks, stack2, 1), 0);
	ksyms_free(ks);
}

/* A teardown that waits with no live folio is still a finding. */
static void test_teardown_no_folio(void **state)
{
	struct tracker t;
	struct leak_report r = {};
	const struct zt_pgmap *p;

	tracker_init(&t);
	feed_pgmap(&t, PRIV, ZDEV_PGMAP_PRIVATE, PFN, 65536, 1);
	p = tracker_pgmap_by_id(&t, 1);
	assert_int_equal(leaks_teardown(&t, p, &r), 0);
	assert_int_equal(r.nr, 1);
	assert_int_equal(r.findings[0].rule, LEAK_TEARDOWN_LIVE);
	assert_int_equal(r.findings[0].folios, 0);
	assert_int_equal(r.findings[0].stack_id, -1);
	assert_non_null(
		strstr(leak_finding_text(&r.findings[0]), "held by no folio"));
	leaks_release(&r);
	tracker_release(&t);
}

/* Any lost event: neither "leaks" nor "clean", and JUnit fails. */
static void test_inconclusive(void **state)
{
	struct tracker t;
	struct leak_report r = {};
	struct report_ctx rc = { .t = &t,
				 .r = &r,
				 .cmd_status = 0,
				 .dropped_events = 3,
				 .exit_code = 5 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	json_object *o, *v;

	tracker_init(&t);
	feed_pgmap(&t, PRIV, ZDEV_PGMAP_PRIVATE, PFN, 65536, 1);
	leaks_after_run(&t, &r);
	assert_string_equal(report_verdict(&rc), "inconclusive");
	f = open_memstream(&buf, &len);
	report_text(f, &rc);
	fclose(f);
	assert_non_null(strstr(buf, "INCONCLUSIVE: 3 events were dropped"));
	assert_null(strstr(buf, "clean"));
	free(buf);
	o = report_json(&rc);
	assert_true(json_object_object_get_ex(o, "verdict", &v));
	assert_string_equal(json_object_get_string(v), "inconclusive");
	json_object_put(o);
	buf = NULL;
	f = open_memstream(&buf, &len);
	assert_int_equal(report_junit(f, &rc), 0);
	fclose(f);
	assert_non_null(strstr(buf, "failures=\"1\""));
	assert_non_null(strstr(buf, "<failure type=\"inconclusive\""));
	free(buf);
	rc.dropped_events = 0;
	assert_string_equal(report_verdict(&rc), "clean");
	/* a call the probes missed is a lost event too */
	rc.probe_misses = 1;
	assert_string_equal(report_verdict(&rc), "inconclusive");
	leaks_release(&r);
	tracker_release(&t);
}

/* The text, JSON and JUnit renderings of one leak. */
static void test_reports(void **state)
{
	struct tracker t;
	struct leak_report r = {};
	struct ksyms *ks = fake_ksyms();
	char *argv[] = { "./driver-tests", "--all", NULL };
	struct report_ctx rc = { .t = &t,
				 .r = &r,
				 .ks = ks,
				 .stack = fake_stack,
				 .argv = argv,
				 .cmd_status = 0,
				 .exit_code = 3 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	json_object *o, *fs, *one, *v;
	struct timespec t0, t1;
	int i;

	tracker_init(&t);
	feed_pgmap(&t, PRIV, ZDEV_PGMAP_PRIVATE, PFN, 65536, 1);
	for (i = 0; i < 48; i++)
		feed_born(&t, PFN + i, 1);
	leaks_after_run(&t, &r);

	f = open_memstream(&buf, &len);
	report_text(f, &rc);
	fclose(f);
	assert_non_null(strstr(buf, "LEAKS: 1 finding"));
	assert_non_null(strstr(buf, "48 folios (48 pages) still live"));
	assert_non_null(strstr(buf, "born at zl_alloc_page+0x46 [zdev_leak]"));
	assert_null(strstr(buf, "bpf_prog")); /* our own frames hidden */
	free(buf);

	o = report_json(&rc);
	assert_true(json_object_object_get_ex(o, "verdict", &v));
	assert_string_equal(json_object_get_string(v), "leaks");
	assert_true(json_object_object_get_ex(o, "findings", &fs));
	one = json_object_array_get_idx(fs, 0);
	assert_true(json_object_object_get_ex(one, "site", &v));
	assert_string_equal(json_object_get_string(v),
			    "zl_alloc_page+0x46 [zdev_leak]");
	assert_true(json_object_object_get_ex(one, "folios", &v));
	assert_int_equal(json_object_get_int(v), 48);
	/* the stack starts at the kernel's frames, past our program's */
	assert_true(json_object_object_get_ex(one, "stack", &v));
	assert_int_equal(json_object_array_length(v), 3);
	assert_string_equal(
		json_object_get_string(json_object_array_get_idx(v, 0)),
		"zone_device_page_init+0x5");
	json_object_put(o);

	/* the same findings as an NDJSON alert: its kind, and when */
	clock_gettime(CLOCK_REALTIME, &t0);
	o = report_alert_json(&rc);
	clock_gettime(CLOCK_REALTIME, &t1);
	assert_true(json_object_object_get_ex(o, "kind", &v));
	assert_string_equal(json_object_get_string(v), "alert");
	assert_true(json_object_object_get_ex(o, "time", &v));
	assert_true(json_object_get_double(v) >= t0.tv_sec &&
		    json_object_get_double(v) <= t1.tv_sec + 1);
	assert_true(json_object_object_get_ex(o, "findings", &fs));
	assert_int_equal(json_object_array_length(fs), 1);
	json_object_put(o);

	buf = NULL;
	f = open_memstream(&buf, &len);
	assert_int_equal(report_junit(f, &rc), 0);
	fclose(f);
	/* six rules for one pgmap, and the events-complete case */
	assert_non_null(strstr(buf, "tests=\"7\" failures=\"1\""));
	assert_non_null(strstr(buf, "name=\"events-complete\"/>"));
	assert_non_null(strstr(buf, "<failure type=\"live-after-run\""));
	assert_non_null(strstr(buf, "name=\"double-free\"/>"));
	assert_null(strstr(buf, "[zdev_leak]]")); /* text escaped, intact */
	free(buf);

	leaks_release(&r);
	tracker_release(&t);
	ksyms_free(ks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_live_after_run),
		cmocka_unit_test(test_teardown_and_unmapped),
		cmocka_unit_test(test_teardown_no_folio),
		cmocka_unit_test(test_inconclusive),
		cmocka_unit_test(test_anomaly_rules),
		cmocka_unit_test(test_anomaly_stacks),
		cmocka_unit_test(test_ksyms),
		cmocka_unit_test(test_reports),
	};

	return cmocka_run_group_tests_name("leaks", tests, NULL, NULL);
}
