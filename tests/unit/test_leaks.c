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
#include "schema.h"

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

	/* any other id: gone from the stack map */
	if (s)
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

/* The session's start: folio records count their times from it. */
#define START_NS 1000000000ULL

/* A pgmap seen created (every birth seen), synced, in CI mode. */
static struct zt_pgmap *priv_pgmap(struct tracker *t, struct kpgmap *k)
{
	tracker_init(t);
	t->folio_records = true;
	k_pgmap(k, 0, PRIV, ZDEV_PGMAP_PRIVATE, PFN, 65536, true);
	return k_sync(t, k);
}

/*
 * A folio born under monitoring at since ns into the session, at a
 * stack: counted by the kernel side, recorded, read back into the cache.
 */
static void born(struct tracker *t, struct kpgmap *k, uint64_t pfn,
		 uint64_t since, int32_t stack)
{
	k_born(k, 0, 0);
	k_sync(t, k);
	assert_int_equal(k_rec_add(t, 1, pfn,
				   zdev_rec_new(since, 0, stack, false),
				   START_NS),
			 0);
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
	struct kpgmap k;
	int i;

	priv_pgmap(&t, &k);
	for (i = 0; i < 48; i++)
		born(&t, &k, PFN + i, 0, 1);
	/* three born at stack 2, one of them freed: its record gone */
	for (i = 1; i < 3; i++)
		born(&t, &k, PFN + 100 + i, 0, 2);
	k_born(&k, 1, 0);
	k_freed(&k, 0, 0);
	/* alive before us: the census's record */
	k_found(&k, 1, 0, 0, 0);
	k_sync(&t, &k);
	assert_int_equal(k_rec_add(&t, 1, PFN + 500,
				   zdev_rec_new(0, 0, -1, true), START_NS),
			 0);
	assert_int_equal(tracker_live_folios(&t), 51);
	assert_int_equal(leaks_after_run(&t, &r), 0);
	assert_int_equal(r.nr, 2);
	f = find(&r, LEAK_LIVE_AFTER_RUN, 1);
	assert_non_null(f);
	assert_int_equal(f->folios, 48);
	assert_int_equal(f->pages, 48);
	assert_int_equal(f->pgmap_id, 1);
	assert_int_equal(f->pgmap_type, ZDEV_PGMAP_PRIVATE);
	assert_true(f->example_pfn >= PFN && f->example_pfn < PFN + 48);
	f = find(&r, LEAK_LIVE_AFTER_RUN, 2);
	assert_non_null(f);
	assert_int_equal(f->folios, 2);
	assert_int_equal(r.preexisting_live, 1);
	assert_int_equal(leaks_count(&r, LEAK_ERROR), 2);
	leaks_release(&r);
	tracker_release(&t);
}

/* A pin held by a task, as the kernel side records it. */
static struct zdev_pin pin_of(uint32_t tgid, const char *comm, uint64_t cg,
			      int32_t stack, int32_t pins, uint32_t order)
{
	struct zdev_pin p = { .pgmap = PRIV,
			      .first_ns = START_NS,
			      .cgroup = cg,
			      .pins = pins,
			      .order = order,
			      .tgid = tgid,
			      .pid = tgid + 1,
			      .stack_id = stack };

	snprintf(p.comm, sizeof(p.comm), "%s", comm);
	return p;
}

/*
 * Pinned folios are held by their pin: findings grouped by the pin's
 * stack and holder, the birth's stack kept beside; pinned folios the
 * tracker does not hold live (FS DAX's devmap scheme) are found anyway.
 */
static void test_live_after_run_pinned(void **state)
{
	struct tracker t;
	struct leak_report r = {}, merged = {};
	struct zt_holder hs[4];
	struct zdev_pin p;
	uint64_t others;
	struct kpgmap k;
	size_t i, pinned = 0, plain = 0;
	int n;

	priv_pgmap(&t, &k);
	for (i = 0; i < 4; i++)
		born(&t, &k, PFN + i, 0, 1);
	/* two of them pinned by task 100 at stack 2, 3 and 1 pins */
	p = pin_of(100, "rdma-app", 42, 2, 3, 0);
	assert_int_equal(pins_add(&t.pins, PFN + 1, 1, &p), 0);
	p = pin_of(100, "rdma-app", 42, 2, 1, 0);
	assert_int_equal(pins_add(&t.pins, PFN + 3, 1, &p), 0);
	/* a pinned order-1 folio the tracker never saw live, task 200 */
	p = pin_of(200, "fio", 43, 2, 2, 1);
	assert_int_equal(pins_add(&t.pins, PFN + 64, 1, &p), 0);
	/* a pin on a pgmap the tracker does not know: not judged */
	p = pin_of(300, "other", 44, 2, 1, 0);
	assert_int_equal(pins_add(&t.pins, PFN + 999999, 0, &p), 0);
	pins_sort(&t.pins);
	assert_non_null(pins_find(&t.pins, PFN + 64));
	assert_null(pins_find(&t.pins, PFN + 2));

	assert_int_equal(leaks_after_run(&t, &r), 0);
	assert_int_equal(r.nr, 3);
	for (i = 0; i < r.nr; i++) {
		const struct leak_finding *f = &r.findings[i];

		assert_int_equal(f->rule, LEAK_LIVE_AFTER_RUN);
		if (f->held_by != LEAK_HELD_BY_PIN) {
			plain++;
			assert_int_equal(f->stack_id, 1);
			assert_int_equal(f->folios, 2);
			continue;
		}
		pinned++;
		assert_int_equal(f->stack_id, 2);
		if (f->holder.tgid == 100) {
			assert_int_equal(f->folios, 2);
			assert_int_equal(f->pages, 2);
			assert_int_equal(f->holder.pins, 4);
			assert_int_equal(f->holder.cgroup, 42);
			assert_string_equal(f->holder.comm, "rdma-app");
			assert_int_equal(f->birth_stack_id, 1);
		} else {
			assert_int_equal(f->holder.tgid, 200);
			assert_int_equal(f->folios, 1);
			assert_int_equal(f->pages, 2);
			assert_int_equal(f->holder.pins, 2);
			assert_int_equal(f->birth_stack_id, -1);
			assert_int_equal(f->example_pfn, PFN + 64);
		}
	}
	assert_int_equal(pinned, 2);
	assert_int_equal(plain, 1);
	/* merged twice: the holders' pins add up, the groups stay */
	assert_int_equal(leaks_merge(&merged, &r), 0);
	assert_int_equal(leaks_merge(&merged, &r), 0);
	assert_int_equal(merged.nr, 3);
	for (i = 0; i < merged.nr; i++)
		if (merged.findings[i].held_by == LEAK_HELD_BY_PIN &&
		    merged.findings[i].holder.tgid == 100)
			assert_int_equal(merged.findings[i].holder.pins, 8);

	/* holders, most pages first; the one left out counted apart */
	n = pins_holders(&t.pins, hs, 2, &others);
	assert_int_equal(n, 2);
	assert_int_equal(hs[0].pages, 2);
	assert_int_equal(hs[1].pages, 2);
	assert_int_equal(hs[0].tgid, 100);
	assert_int_equal(hs[0].pins, 4);
	assert_int_equal(hs[0].folios, 2);
	assert_int_equal(hs[1].tgid, 200);
	assert_int_equal(others, 1);
	leaks_release(&merged);
	leaks_release(&r);
	tracker_release(&t);
}

/* Large folios count their pages; another pgmap's folios its own. */
static void test_live_after_run_pages(void **state)
{
	struct tracker t;
	struct leak_report r = {};
	const struct leak_finding *f;
	struct kpgmap k, d;
	size_t i;

	priv_pgmap(&t, &k);
	k_pgmap(&d, 1, PRIV + 0x1000, ZDEV_PGMAP_GENERIC, PFN + 65536, 65536,
		true);
	k_born(&k, 0, 9);
	k_born(&k, 0, 0);
	k_born(&d, 0, 9);
	k_sync(&t, &k);
	k_sync(&t, &d);
	k_rec_add(&t, 1, PFN, zdev_rec_new(0, 9, 3, false), START_NS);
	k_rec_add(&t, 1, PFN + 512, zdev_rec_new(0, 0, 3, false), START_NS);
	k_rec_add(&t, 2, PFN + 65536, zdev_rec_new(0, 9, 3, false), START_NS);
	assert_int_equal(leaks_after_run(&t, &r), 0);
	assert_int_equal(r.nr, 2);
	for (i = 0; i < r.nr; i++) {
		f = &r.findings[i];
		assert_int_equal(f->stack_id, 3);
		if (f->pgmap_id == 1) {
			assert_int_equal(f->folios, 2);
			assert_int_equal(f->pages, 513);
		} else {
			assert_int_equal(f->pgmap_id, 2);
			assert_int_equal(f->pgmap_type, ZDEV_PGMAP_GENERIC);
			assert_int_equal(f->folios, 1);
			assert_int_equal(f->pages, 512);
			assert_int_equal(f->example_pfn, PFN + 65536);
		}
	}
	leaks_release(&r);
	tracker_release(&t);
}

static void test_teardown_and_unmapped(void **state)
{
	struct tracker t;
	struct leak_report r = {};
	const struct zt_pgmap *p;
	struct kpgmap k;
	uint64_t rec;

	p = priv_pgmap(&t, &k);
	/* born at the session's start */
	born(&t, &k, PFN, 0, 1);
	/* mapped: not "unmapped" */
	rec = zdev_rec_touch(zdev_rec_new(0, 0, 1, false), 1ULL << 30, true);
	k_born(&k, 1, 0);
	k_sync(&t, &k);
	k_rec_add(&t, 1, PFN + 1, rec, START_NS);
	assert_int_equal(leaks_teardown(&t, p, &r), 0);
	assert_int_equal(r.nr, 1);
	assert_int_equal(r.findings[0].rule, LEAK_TEARDOWN_LIVE);
	assert_int_equal(r.findings[0].folios, 2);
	assert_int_equal(r.findings[0].pages, 2);
	assert_int_equal(r.findings[0].stack_id, 1);
	assert_int_equal(leaks_count(&r, LEAK_CRITICAL), 1);
	assert_non_null(strstr(leak_finding_text(&r.findings[0]),
			       "waits for them forever"));
	/* unknown references: none said */
	assert_int_equal(r.findings[0].refs, -1);
	assert_int_equal(r.findings[0].unexplained_refs, -1);
	leaks_release(&r);

	/* it waits for 7 references: its 2 live folios hold one each */
	((struct zt_pgmap *)p)->refs_waited = 7;
	assert_int_equal(leaks_teardown(&t, p, &r), 0);
	assert_int_equal(r.nr, 1);
	assert_int_equal(r.findings[0].refs, 7);
	assert_int_equal(r.findings[0].unexplained_refs, 5);
	leaks_release(&r);

	/* idle 0.5 s: younger than 1 s; idle 2 s: older */
	leaks_unmapped(&t, START_NS + 500000000ULL, 1000000000ULL, &r);
	assert_int_equal(r.nr, 0);
	leaks_unmapped(&t, START_NS + 2000000000ULL, 1000000000ULL, &r);
	assert_int_equal(r.nr, 1);
	assert_int_equal(r.findings[0].rule, LEAK_UNMAPPED_NOT_FREED);
	assert_int_equal(r.findings[0].folios, 1);
	assert_int_equal(r.findings[0].example_pfn, PFN);
	assert_int_equal(leaks_count(&r, LEAK_ERROR), 0);
	leaks_release(&r);

	/* unmapped 2^30 ns after its birth: idle counts from then */
	rec = zdev_rec_touch(rec, 2ULL << 30, false);
	k_rec_add(&t, 1, PFN + 1, rec, START_NS);
	leaks_unmapped(&t, START_NS + (2ULL << 30) + 500000000ULL,
		       1000000000ULL, &r);
	assert_int_equal(r.nr, 1);
	assert_int_equal(r.findings[0].folios, 1);
	assert_int_equal(r.findings[0].example_pfn, PFN);
	leaks_release(&r);
	leaks_unmapped(&t, START_NS + (2ULL << 30) + 1500000000ULL,
		       1000000000ULL, &r);
	assert_int_equal(r.findings[0].folios, 2);
	leaks_release(&r);

	/* alive before us: never judged unmapped */
	tracker_folios_clear(&t);
	k_rec_add(&t, 1, PFN + 7, zdev_rec_new(0, 0, -1, true), START_NS);
	leaks_unmapped(&t, START_NS + 100000000000ULL, 1000000000ULL, &r);
	assert_int_equal(r.nr, 0);
	leaks_release(&r);
	tracker_release(&t);
}

/*
 * A teardown's findings: only its pgmap's folios, pre-existing ones too
 * (their struct pages go with it), by birth stack.
 */
static void test_teardown_grouping(void **state)
{
	struct tracker t;
	struct leak_report r = {};
	const struct leak_finding *f;
	struct zt_pgmap *p;
	struct kpgmap k, other;

	tracker_init(&t);
	t.folio_records = true;
	k_pgmap(&k, 0, PRIV, ZDEV_PGMAP_FSDAX, PFN, 65536, true);
	k_pgmap(&other, 1, PRIV + 0x1000, ZDEV_PGMAP_PRIVATE, PFN + 65536,
		65536, true);
	k_born(&k, 0, 9);
	k_born(&k, 1, 0);
	k_found(&k, 0, 0, 1, 0);
	k_born(&other, 0, 0);
	p = k_sync(&t, &k);
	k_sync(&t, &other);
	k_rec_add(&t, 1, PFN, zdev_rec_new(0, 9, 4, false), START_NS);
	k_rec_add(&t, 1, PFN + 512, zdev_rec_new(0, 0, 5, false), START_NS);
	k_rec_add(&t, 1, PFN + 513, zdev_rec_new(0, 0, -1, true), START_NS);
	k_rec_add(&t, 2, PFN + 65536, zdev_rec_new(0, 0, 4, false), START_NS);
	k_kill(&k);
	k_gone(&k);
	k_sync(&t, &k);
	assert_true(tracker_judge_gone(&t, p));
	assert_int_equal(leaks_teardown(&t, p, &r), 0);
	assert_int_equal(r.nr, 3);
	f = find(&r, LEAK_TEARDOWN_LIVE, 4);
	assert_non_null(f);
	assert_int_equal(f->pgmap_id, 1);
	assert_int_equal(f->folios, 1);
	assert_int_equal(f->pages, 512);
	f = find(&r, LEAK_TEARDOWN_LIVE, 5);
	assert_int_equal(f->folios, 1);
	f = find(&r, LEAK_TEARDOWN_LIVE, -1);
	assert_non_null(f);
	assert_int_equal(f->folios, 1);
	assert_int_equal(f->example_pfn, PFN + 513);
	assert_non_null(strstr(leak_finding_text(f), "a use after unmap"));
	/* teardown findings do not count pre-existing folios as unjudged */
	assert_int_equal(r.preexisting_live, 0);
	leaks_release(&r);
	tracker_release(&t);
}

/*
 * Anomaly rules, from the kernel's counts; the kernel tells a double free
 * (every birth seen) from a free of a folio never seen born.
 */
static void test_anomaly_rules(void **state)
{
	struct tracker t;
	struct leak_report r = {};
	struct kpgmap k;
	struct zdev_event e;

	priv_pgmap(&t, &k);
	k_born(&k, 0, 0);
	k_freed(&k, 0, 0);
	k_anomaly(&k, 1, ZDEV_AN_DOUBLE_FREE);
	k_born(&k, 0, 0);
	k_anomaly(&k, 0, ZDEV_AN_FREE_MAPPED);
	k_freed(&k, 0, 0);
	k_sync(&t, &k);
	e = ev_anomaly(PRIV, ZDEV_AN_DOUBLE_FREE, PFN, 0, -1);
	tracker_event(&t, &e);
	leaks_after_run(&t, &r);
	assert_int_equal(r.nr, 2);
	assert_string_equal(leak_rule_name(r.findings[0].rule), "double-free");
	assert_int_equal(r.findings[0].folios, 1);
	assert_int_equal(r.findings[0].pages, 1);
	assert_int_equal(r.findings[0].example_pfn, PFN);
	assert_int_equal(r.findings[0].stack_id, -1);
	assert_string_equal(leak_rule_name(r.findings[1].rule),
			    "free-while-mapped");
	assert_int_equal(leaks_count(&r, LEAK_ERROR), 2);
	leaks_release(&r);

	/* counted twice: one finding of two */
	k_anomaly(&k, 0, ZDEV_AN_DOUBLE_FREE);
	k_sync(&t, &k);
	leaks_after_run(&t, &r);
	assert_int_equal(r.nr, 2);
	assert_int_equal(find(&r, LEAK_DOUBLE_FREE, -1)->folios, 2);
	leaks_release(&r);
	tracker_release(&t);

	/*
	 * A pgmap older than us: an unknown free is free_untracked, no
	 * finding; no more are the kernel's other anomalies, nor a
	 * teardown judged (its findings come as alerts).
	 */
	tracker_init(&t);
	t.folio_records = true;
	k_pgmap(&k, 0, PRIV, ZDEV_PGMAP_PRIVATE, PFN, 65536, false);
	k_anomaly(&k, 0, ZDEV_AN_FREE_UNTRACKED);
	k_anomaly(&k, 0, ZDEV_AN_DOUBLE_INIT);
	k_anomaly(&k, 1, ZDEV_AN_SPLIT_UNTRACKED);
	k_anomaly(&k, 1, ZDEV_AN_BAD_ORDER);
	k_kill(&k);
	k_sync(&t, &k);
	assert_int_equal(
		tracker_stuck_teardowns(&t, test_clock, 0, (int[1]){ 0 }, 1),
		1);
	assert_int_equal(tracker_anomalies(tracker_pgmap_by_id(&t, 1)), 5);
	leaks_after_run(&t, &r);
	assert_int_equal(r.nr, 0);
	leaks_release(&r);
	tracker_release(&t);
}

/*
 * An anomaly finding's call site is the stack of the event that showed it
 * (its anomaly record): a free's own for a double free or a free while
 * mapped, an unmap's own for a negative mapcount.
 */
static void test_anomaly_stacks(void **state)
{
	struct tracker t;
	struct leak_report r = {};
	struct zdev_event e;
	struct kpgmap k;
	size_t i;

	priv_pgmap(&t, &k);
	k_anomaly(&k, 0, ZDEV_AN_DOUBLE_FREE);
	e = ev_anomaly(PRIV, ZDEV_AN_DOUBLE_FREE, PFN, 0, 7);
	tracker_event(&t, &e);
	k_anomaly(&k, 1, ZDEV_AN_FREE_MAPPED);
	e = ev_anomaly(PRIV, ZDEV_AN_FREE_MAPPED, PFN + 1, 0, 8);
	tracker_event(&t, &e);
	k_anomaly(&k, 0, ZDEV_AN_MAPCOUNT_NEGATIVE);
	e = ev_anomaly(PRIV, ZDEV_AN_MAPCOUNT_NEGATIVE, PFN + 2, 0, 9);
	tracker_event(&t, &e);
	k_sync(&t, &k);
	leaks_after_run(&t, &r);
	assert_int_equal(r.nr, 3);
	for (i = 0; i < r.nr; i++) {
		const char *rule = leak_rule_name(r.findings[i].rule);

		if (!strcmp(rule, "double-free")) {
			assert_int_equal(r.findings[i].stack_id, 7);
			assert_int_equal(r.findings[i].example_pfn, PFN);
		} else if (!strcmp(rule, "free-while-mapped")) {
			assert_int_equal(r.findings[i].stack_id, 8);
			assert_int_equal(r.findings[i].example_pfn, PFN + 1);
		} else {
			assert_string_equal(rule, "mapcount-negative");
			assert_int_equal(r.findings[i].stack_id, 9);
			assert_int_equal(r.findings[i].example_pfn, PFN + 2);
		}
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
	struct kpgmap k;

	p = priv_pgmap(&t, &k);
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

/*
 * Daemon mode keeps no folio records, only counts: a teardown finding
 * says how many folios and pages were live, with no call site.
 */
/* A teardown waiting with no folio live: every reference unexplained. */
static void test_teardown_refs(void **state)
{
	struct tracker t;
	struct leak_report r = {}, verdict = {};
	struct zt_pgmap *p;
	struct kpgmap k;
	int ids[2];

	tracker_init(&t);
	k_pgmap(&k, 0, PRIV, ZDEV_PGMAP_PRIVATE, PFN, 65536, true);
	k_born(&k, 0, 0);
	k_freed(&k, 0, 0);
	k_kill(&k);
	p = k_sync(&t, &k);
	assert_int_equal(tracker_stuck_teardowns(&t, test_clock, 0, ids, 2), 1);
	p->refs_waited = 5;
	assert_int_equal(leaks_teardown(&t, p, &r), 0);
	assert_int_equal(r.nr, 1);
	assert_int_equal(r.findings[0].folios, 0);
	assert_int_equal(r.findings[0].refs, 5);
	assert_int_equal(r.findings[0].unexplained_refs, 5);
	assert_non_null(strstr(leak_finding_text(&r.findings[0]),
			       "a pgmap reference is held elsewhere"));
	/* an alert's count reaches run's verdict as it was read */
	assert_int_equal(leaks_merge(&verdict, &r), 0);
	assert_int_equal(leaks_merge(&verdict, &r), 0);
	assert_int_equal(verdict.nr, 1);
	assert_int_equal(verdict.findings[0].refs, 5);
	assert_int_equal(verdict.findings[0].unexplained_refs, 5);
	leaks_release(&verdict);
	leaks_release(&r);

	/* a live 2 MiB folio holds 512 references, one per page */
	k_pgmap(&k, 2, PRIV + 0x2000, ZDEV_PGMAP_PRIVATE, PFN + 131072, 65536,
		true);
	k_born(&k, 0, 9);
	k_kill(&k);
	p = k_sync(&t, &k);
	assert_int_equal(tracker_stuck_teardowns(&t, test_clock, 0, ids, 2), 1);
	p->refs_waited = 515;
	assert_int_equal(leaks_teardown(&t, p, &r), 0);
	assert_int_equal(r.findings[0].refs, 515);
	assert_int_equal(r.findings[0].unexplained_refs, 3);
	leaks_release(&r);

	/*
	 * P2PDMA: a page mapped from p2pmem/allocate holds one reference
	 * until freed, an in-kernel allocation (pci_alloc_p2pmem()) one
	 * until pci_free_p2pmem(): two allocations of task 300 at one stack,
	 * one of task 301, a reference nothing explains
	 */
	k_pgmap(&k, 3, PRIV + 0x1000, ZDEV_PGMAP_P2PDMA, PFN + 65536, 65536,
		true);
	k_kill(&k);
	p = k_sync(&t, &k);
	assert_int_equal(tracker_stuck_teardowns(&t, test_clock, 0, ids, 2), 1);
	{
		struct zdev_kalloc a = { .size = 8192,
					 .tgid = 300,
					 .pid = 300,
					 .stack_id = 4,
					 .comm = "nvmet" };

		assert_int_equal(kallocs_add(&t.kallocs, 0xa000, p->id, &a), 0);
		assert_int_equal(kallocs_add(&t.kallocs, 0xc000, p->id, &a), 0);
		a.tgid = a.pid = 301;
		a.size = 4096;
		assert_int_equal(kallocs_add(&t.kallocs, 0xe000, p->id, &a), 0);
		/* another pgmap's */
		assert_int_equal(kallocs_add(&t.kallocs, 0xf000, 1, &a), 0);
	}
	p->refs_waited = 4;
	assert_int_equal(leaks_teardown(&t, p, &r), 0);
	assert_int_equal(r.nr, 2);
	for (size_t i = 0; i < r.nr; i++) {
		const struct leak_finding *f = &r.findings[i];

		assert_int_equal(f->held_by, LEAK_HELD_BY_KALLOC);
		assert_int_equal(f->stack_id, 4);
		assert_int_equal(f->folios, 0);
		assert_int_equal(f->refs, 4);
		assert_int_equal(f->kalloc_refs, 3);
		assert_int_equal(f->unexplained_refs, 1);
		assert_int_equal(f->holder.allocations,
				 f->holder.tgid == 300 ? 2 : 1);
		assert_int_equal(f->pages, f->holder.tgid == 300 ? 4 : 1);
		assert_string_equal(f->holder.comm, "nvmet");
		assert_non_null(strstr(leak_finding_text(f),
				       "allocated in the kernel and never "
				       "freed"));
	}
	/* merged into run's verdict twice: the allocations add up */
	assert_int_equal(leaks_merge(&verdict, &r), 0);
	assert_int_equal(leaks_merge(&verdict, &r), 0);
	assert_int_equal(verdict.nr, 2);
	assert_int_equal(verdict.findings[0].holder.allocations +
				 verdict.findings[1].holder.allocations,
			 6);
	leaks_release(&verdict);
	leaks_release(&r);
	kallocs_clear(&t.kallocs);

	/* none left: the count alone, on a finding of no folio */
	p->refs_waited = 2;
	assert_int_equal(leaks_teardown(&t, p, &r), 0);
	assert_int_equal(r.nr, 1);
	assert_int_equal(r.findings[0].held_by, LEAK_HELD_BY_BIRTH);
	assert_int_equal(r.findings[0].kalloc_refs, 0);
	assert_int_equal(r.findings[0].unexplained_refs, 2);
	leaks_release(&r);
	tracker_release(&t);
}

static void test_teardown_daemon_mode(void **state)
{
	struct tracker t;
	struct leak_report r = {};
	struct zt_pgmap *p;
	struct kpgmap k;
	int ids[2];

	tracker_init(&t);
	assert_false(t.folio_records);
	k_pgmap(&k, 0, PRIV, ZDEV_PGMAP_PRIVATE, PFN, 65536, true);
	k_born(&k, 0, 9);
	k_born(&k, 1, 0);
	k_born(&k, 1, 0);
	k_freed(&k, 0, 0);
	k_kill(&k);
	p = k_sync(&t, &k);
	assert_int_equal(tracker_stuck_teardowns(&t, test_clock, 0, ids, 2), 1);
	assert_int_equal(leaks_teardown(&t, p, &r), 0);
	assert_int_equal(r.nr, 1);
	assert_int_equal(r.findings[0].rule, LEAK_TEARDOWN_LIVE);
	assert_int_equal(r.findings[0].pgmap_id, 1);
	assert_int_equal(r.findings[0].folios, 2);
	assert_int_equal(r.findings[0].pages, 513);
	assert_int_equal(r.findings[0].stack_id, -1);
	assert_non_null(strstr(leak_finding_text(&r.findings[0]),
			       "waits for them forever"));
	leaks_release(&r);

	/* device-dax gone with a folio live: the count, a use after unmap */
	k_pgmap(&k, 1, PRIV + 0x1000, ZDEV_PGMAP_GENERIC, PFN + 65536, 65536,
		true);
	k_born(&k, 0, 9);
	k_kill(&k);
	k_gone(&k);
	p = k_sync(&t, &k);
	assert_true(tracker_judge_gone(&t, p));
	assert_int_equal(leaks_teardown(&t, p, &r), 0);
	assert_int_equal(r.nr, 1);
	assert_int_equal(r.findings[0].pgmap_id, 2);
	assert_int_equal(r.findings[0].folios, 1);
	assert_int_equal(r.findings[0].pages, 512);
	assert_non_null(
		strstr(leak_finding_text(&r.findings[0]), "a use after unmap"));
	leaks_release(&r);

	/* none live any more: held elsewhere */
	k_pgmap(&k, 2, PRIV + 0x2000, ZDEV_PGMAP_PRIVATE, PFN + 2 * 65536,
		65536, true);
	k_kill(&k);
	p = k_sync(&t, &k);
	assert_int_equal(leaks_teardown(&t, p, &r), 0);
	assert_int_equal(r.findings[0].folios, 0);
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
	struct kpgmap k;

	priv_pgmap(&t, &k);
	leaks_after_run(&t, &r);
	assert_string_equal(report_verdict(&rc), "inconclusive");
	f = open_memstream(&buf, &len);
	report_text(f, &rc);
	fclose(f);
	assert_non_null(strstr(buf, "INCONCLUSIVE: 3 events were lost"));
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
	struct kpgmap k;
	int i;

	priv_pgmap(&t, &k);
	for (i = 0; i < 48; i++)
		born(&t, &k, PFN + i, 0, 1);
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
	/* six rules for one pgmap, events-complete, migrations once */
	assert_non_null(strstr(buf, "tests=\"8\" failures=\"1\""));
	assert_non_null(strstr(buf, "classname=\"zdevmon\" "
				    "name=\"migration-not-finalized\"/>"));
	assert_non_null(strstr(buf, "name=\"events-complete\"/>"));
	assert_non_null(strstr(buf, "<failure type=\"live-after-run\""));
	assert_non_null(strstr(buf, "name=\"double-free\"/>"));
	assert_null(strstr(buf, "[zdev_leak]]")); /* text escaped, intact */
	free(buf);

	leaks_release(&r);
	tracker_release(&t);
	ksyms_free(ks);
}

/*
 * run --scope: another job's folios (born to a task outside the scope, or
 * pinned by one) are counted apart, never findings; a stuck teardown
 * still names every folio it waits for.
 */
static void test_scope(void **state)
{
	struct tracker t;
	struct leak_report r = {};
	struct zdev_pin pin = pin_of(200, "other-job", 9, 5, 1, 0);
	const struct leak_finding *f;
	struct kpgmap k;
	int i;

	priv_pgmap(&t, &k);
	for (i = 0; i < 4; i++)
		born(&t, &k, PFN + i, 0, 1);
	for (i = 0; i < 3; i++) {
		k_born(&k, 0, 0);
		k_sync(&t, &k);
		assert_int_equal(k_rec_add(&t, 1, PFN + 10 + i,
					   zdev_rec_new(0, 0, 2, false) |
						   ZDEV_REC_FOREIGN,
					   START_NS),
				 0);
	}
	/* ours, pinned by the other job; and a foreign pin on nothing seen */
	assert_int_equal(pins_add(&t.pins, PFN, 1, &pin), 0);
	pin.foreign = 1;
	assert_int_equal(pins_add(&t.pins, PFN + 1, 1, &pin), 0);
	assert_int_equal(pins_add(&t.pins, PFN + 900, 1, &pin), 0);
	pins_sort(&t.pins);

	assert_int_equal(leaks_after_run(&t, &r), 0);
	f = find(&r, LEAK_LIVE_AFTER_RUN, 1);
	assert_non_null(f);
	assert_int_equal(f->folios, 2); /* PFN + 2, + 3 */
	/* PFN pinned by a task in scope: its pin holds it */
	f = find(&r, LEAK_LIVE_AFTER_RUN, 5);
	assert_non_null(f);
	assert_int_equal(f->folios, 1);
	assert_null(find(&r, LEAK_LIVE_AFTER_RUN, 2));
	/* 3 born to the other job, 1 pinned by it, 1 pinned unseen */
	assert_int_equal(r.foreign_live, 5);
	leaks_release(&r);

	k_kill(&k);
	k_sync(&t, &k);
	assert_int_equal(leaks_teardown(&t, tracker_pgmap_by_id(&t, 1), &r), 0);
	f = find(&r, LEAK_TEARDOWN_LIVE, 2);
	assert_non_null(f);
	assert_int_equal(f->folios, 3);
	leaks_release(&r);
	tracker_release(&t);
}

/* Reports and alerts of every rule, as docs/schema/v1 describes them. */
static void test_report_schema(void **state)
{
	struct tracker t;
	struct leak_report r = {};
	struct ksyms *ks;
	char *argv[] = { "./driver-tests", NULL };
	struct report_ctx rc = { .t = &t,
				 .r = &r,
				 .stack = fake_stack,
				 .argv = argv,
				 .cmd_status = 0,
				 .exit_code = 3 };
	struct kpgmap k;
	struct zdev_event e;
	json_object *o;
	int ids[1];

	schema_here();
	rc.ks = ks = fake_ksyms();
	priv_pgmap(&t, &k);
	born(&t, &k, PFN, 0, 1);
	born(&t, &k, PFN + 1, 0, 2);
	born(&t, &k, PFN + 2, 0, 7); /* a stack no longer in the map */
	{
		struct zdev_pin p = pin_of(100, "rdma-app", 1, 2, 1, 0);

		assert_int_equal(pins_add(&t.pins, PFN + 20, 1, &p), 0);
	}
	k_anomaly(&k, 0, ZDEV_AN_DOUBLE_FREE);
	k_anomaly(&k, 0, ZDEV_AN_FREE_MAPPED);
	k_anomaly(&k, 0, ZDEV_AN_MAPCOUNT_NEGATIVE);
	e = ev_anomaly(PRIV, ZDEV_AN_DOUBLE_FREE, PFN + 9, 0, 2);
	tracker_event(&t, &e);
	{
		struct zdev_kalloc a = { .size = 4096,
					 .tgid = 300,
					 .pid = 300,
					 .stack_id = 1,
					 .comm = "nvmet" };

		assert_int_equal(kallocs_add(&t.kallocs, 0xa000, 1, &a), 0);
	}
	{
		/* two setups of one caller and task: one finding; another
		 * job's: not judged */
		struct zdev_setup su = { .pages = 8,
					 .tgid = 400,
					 .pid = 401,
					 .stack_id = 2,
					 .comm = "gpu-test" };

		assert_int_equal(setups_add(&t.setups, 0x1000, &su), 0);
		su.pages = 4;
		assert_int_equal(setups_add(&t.setups, 0x2000, &su), 0);
		su.foreign = 1;
		assert_int_equal(setups_add(&t.setups, 0x3000, &su), 0);
	}
	k_kill(&k);
	k_sync(&t, &k);
	assert_int_equal(tracker_stuck_teardowns(&t, test_clock, 0, ids, 1), 1);
	((struct zt_pgmap *)tracker_pgmap_by_id(&t, 1))->refs_waited = 9;
	assert_int_equal(leaks_teardown(&t, tracker_pgmap_by_id(&t, 1), &r), 0);
	leaks_unmapped(&t, START_NS + 10000000000ULL, 1000000000ULL, &r);
	leaks_after_run(&t, &r);
	/*
	 * live-after-run, teardown, unmapped: 3 stacks each; the teardown's
	 * in-kernel allocation; 3 anomalies; the pinned folio the tracker
	 * never saw live; the migrations never finalized
	 */
	assert_int_equal(r.nr, 15);
	{
		const struct leak_finding *f = &r.findings[r.nr - 4];

		for (size_t i = 0; i < r.nr; i++)
			if (r.findings[i].rule == LEAK_MIGRATION_OPEN)
				f = &r.findings[i];
		assert_int_equal(f->rule, LEAK_MIGRATION_OPEN);
		assert_int_equal(f->held_by, LEAK_HELD_BY_MIGRATION);
		assert_int_equal(f->pages, 12);
		assert_int_equal(f->holder.migrations, 2);
		assert_int_equal(f->holder.tgid, 400);
		assert_int_equal(f->stack_id, 2);
	}
	o = report_json(&rc);
	schema_validate("report", o);
	json_object_put(o);
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		report_findings_text(f, &rc);
		fclose(f);
		/* 3 live pages and the allocation explain 4 of the 9 */
		assert_non_null(strstr(buf,
				       "memunmap_pages() waits for 9 "
				       "references on the pgmap: 1 held by "
				       "in-kernel allocations, 5 by nothing "
				       "zdevmon saw\n"));
		assert_non_null(strstr(buf, "held by 1 in-kernel P2PDMA "
					    "allocation of pid 300 (nvmet)"));
		assert_non_null(strstr(buf, "allocated at "));
		assert_non_null(strstr(buf, "ERROR migration-not-finalized: "
					    "12 pages locked behind migration "
					    "entries"));
		assert_non_null(strstr(buf, "2 migrations set up by pid 400 "
					    "(gpu-test)"));
		assert_non_null(strstr(buf, "set up at "));
		free(buf);
	}
	o = report_alert_json(&rc);
	schema_validate("report", o);
	json_object_put(o);
	/* did not run, and inconclusive */
	rc.cmd_status = -1;
	rc.argv = NULL;
	rc.dropped_events = 1;
	o = report_json(&rc);
	schema_validate("report", o);
	json_object_put(o);
	leaks_release(&r);
	tracker_release(&t);
	ksyms_free(ks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_live_after_run),
		cmocka_unit_test(test_live_after_run_pages),
		cmocka_unit_test(test_live_after_run_pinned),
		cmocka_unit_test(test_scope),
		cmocka_unit_test(test_teardown_and_unmapped),
		cmocka_unit_test(test_teardown_no_folio),
		cmocka_unit_test(test_teardown_daemon_mode),
		cmocka_unit_test(test_teardown_refs),
		cmocka_unit_test(test_teardown_grouping),
		cmocka_unit_test(test_inconclusive),
		cmocka_unit_test(test_anomaly_rules),
		cmocka_unit_test(test_anomaly_stacks),
		cmocka_unit_test(test_ksyms),
		cmocka_unit_test(test_reports),
		cmocka_unit_test(test_report_schema),
	};

	return cmocka_run_group_tests_name("leaks", tests, NULL, NULL);
}
