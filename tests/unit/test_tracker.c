// SPDX-License-Identifier: GPL-2.0
/* The tracker, fed with event sequences shaped like real ones. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>
#include "events.h"

#define PRIV	0xffff888001000000ULL
#define DAX	0xffff888002000000ULL
#define P2P	0xffff888003000000ULL
#define DEV_PFN 0xfce0000ULL

static int setup(void **state)
{
	struct tracker *t = malloc(sizeof(*t));

	tracker_init(t);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	tracker_release(*state);
	free(*state);
	return 0;
}

static const struct zt_pgmap *pgmap(struct tracker *t, int id)
{
	const struct zt_pgmap *p = tracker_pgmap_by_id(t, id);

	assert_non_null(p);
	return p;
}

/* hmm: migrate 4 pages to the device and back by CPU fault. */
static void test_private_lifecycle(void **state)
{
	struct tracker *t = *state;
	const struct zt_pgmap *p;
	int i;

	feed_pgmap(t, PRIV, ZDEV_PGMAP_PRIVATE, DEV_PFN, 65536, 1);
	for (i = 0; i < 4; i++)
		feed_init(t, PRIV, DEV_PFN + i, 0);
	feed_migrate(t, PRIV, 4, 0, ZDEV_F_TO_DEVICE);
	/* remove_migration_pte installs device-private entries */
	for (i = 0; i < 4; i++)
		feed_map(t, PRIV, DEV_PFN + i, 0, 1, 0);
	p = pgmap(t, 1);
	assert_string_equal(tracker_type_name(p->type), "private");
	assert_int_equal(p->live_folios, 4);
	assert_int_equal(p->live_pages, 4);
	assert_int_equal(p->mapped_pages, 4);
	assert_int_equal(p->c.migrated_to_device_pages, 4);

	/* CPU fault: collect unmaps, migrate back, finalize frees */
	for (i = 0; i < 4; i++)
		feed_unmap(t, PRIV, DEV_PFN + i, 0, 0, 0);
	feed_migrate(t, PRIV, 4, 0, 0);
	for (i = 0; i < 4; i++)
		feed_free(t, PRIV, DEV_PFN + i, 0);
	assert_int_equal(p->live_folios, 0);
	assert_int_equal(p->mapped_pages, 0);
	assert_int_equal(p->c.inits, 4);
	assert_int_equal(p->c.frees, 4);
	assert_int_equal(p->c.migrated_to_ram_pages, 4);
	assert_int_equal(tracker_anomalies(p), 0);
	assert_int_equal(tracker_live_folios(t), 0);
}

/* Device-private THP: born order 9, split, dies as 512 order-0 folios. */
static void test_thp_split(void **state)
{
	struct tracker *t = *state;
	const struct zt_pgmap *p;
	struct zt_folio_view v;
	int i;

	feed_pgmap(t, PRIV, ZDEV_PGMAP_PRIVATE, DEV_PFN, 65536, 1);
	feed_init(t, PRIV, DEV_PFN + 512, 9);
	feed_migrate(t, PRIV, 512, 1, ZDEV_F_TO_DEVICE);
	feed_map(t, PRIV, DEV_PFN + 512, 9, 1, 1);
	p = pgmap(t, 1);
	assert_int_equal(p->live_folios, 1);
	assert_int_equal(p->live_pages, 512);
	assert_int_equal(p->mapped_pages, 512);
	assert_int_equal(p->c.migrated_to_device_large, 1);

	feed_unmap(t, PRIV, DEV_PFN + 512, 9, 0, 0);
	feed_split(t, PRIV, DEV_PFN + 512, 0);
	assert_int_equal(p->live_folios, 512);
	assert_int_equal(p->live_pages, 512);
	assert_int_equal(p->c.splits, 1);
	assert_int_equal(p->c.split_new_folios, 511);
	assert_true(tracker_folio(t, DEV_PFN + 512 + 300, &v));
	assert_int_equal(v.order, 0);

	for (i = 0; i < 512; i++)
		feed_free(t, PRIV, DEV_PFN + 512 + i, 0);
	assert_int_equal(p->live_folios, 0);
	assert_int_equal(p->c.frees, 512);
	assert_int_equal(p->c.frees, p->c.inits + p->c.split_new_folios);
	assert_int_equal(tracker_anomalies(p), 0);
}

/* FS DAX (7.x): 4 KiB folios born at first map, freed at last unmap. */
static void test_fsdax_4k(void **state)
{
	struct tracker *t = *state;
	const struct zt_pgmap *p;
	int i;

	/* a boot-time pgmap: described lazily, never "created" */
	feed_pgmap(t, DAX, ZDEV_PGMAP_FSDAX, 0x40000, 0x10000, 0);
	for (i = 0; i < 16; i++)
		feed_map(t, DAX, 0x41000 + i, 0, 1, 0);
	p = pgmap(t, 1);
	assert_int_equal(p->c.inits, 16);
	assert_int_equal(p->c.preexisting, 0);
	assert_int_equal(p->mapped_pages, 16);
	for (i = 0; i < 16; i++) {
		feed_unmap(t, DAX, 0x41000 + i, 0, 0, 0);
		feed_free(t, DAX, 0x41000 + i, 0);
	}
	assert_int_equal(p->live_folios, 0);
	assert_int_equal(p->c.frees, 16);
	/* mapped again after its free: born again */
	feed_map(t, DAX, 0x41000, 0, 1, 0);
	assert_int_equal(p->c.inits, 17);
	assert_int_equal(tracker_anomalies(p), 0);
}

/* FS DAX PMD folio: one folio of 512 pages, mapped by one PMD. */
static void test_fsdax_pmd(void **state)
{
	struct tracker *t = *state;
	const struct zt_pgmap *p;

	feed_pgmap(t, DAX, ZDEV_PGMAP_FSDAX, 0x40000, 0x10000, 0);
	feed_map(t, DAX, 0x4a000, 9, 1, 1);
	p = pgmap(t, 1);
	assert_int_equal(p->live_folios, 1);
	assert_int_equal(p->live_pages, 512);
	assert_int_equal(p->mapped_pages, 512);
	feed_unmap(t, DAX, 0x4a000, 9, 0, 0);
	assert_int_equal(p->mapped_pages, 0);
	feed_free(t, DAX, 0x4a000, 9);
	assert_int_equal(p->live_pages, 0);
	assert_int_equal(p->c.inits, 1);
	assert_int_equal(p->c.frees, 1);
}

/* P2PDMA: vm_insert_page maps at mmap time, munmap frees. */
static void test_p2pdma(void **state)
{
	struct tracker *t = *state;
	const struct zt_pgmap *p;
	int i;

	feed_pgmap(t, P2P, ZDEV_PGMAP_P2PDMA, 0xf8000, 0x4000, 0);
	for (i = 0; i < 8; i++)
		feed_map(t, P2P, 0xf8000 + i, 0, 1, 0);
	p = pgmap(t, 1);
	assert_string_equal(tracker_type_name(p->type), "p2pdma");
	assert_int_equal(p->live_folios, 8);
	for (i = 0; i < 8; i++) {
		feed_unmap(t, P2P, 0xf8000 + i, 0, 0, 0);
		feed_free(t, P2P, 0xf8000 + i, 0);
	}
	assert_int_equal(p->live_folios, 0);
	assert_int_equal(p->c.frees, 8);
	assert_int_equal(tracker_pgmap_pfn_start(p), 0xf8000);
	assert_int_equal(tracker_pgmap_pfn_end(p), 0xf8000 + 0x4000 - 1);
}

/* Another CPU's description may arrive after the pgmap's first event. */
static void test_description_late(void **state)
{
	struct tracker *t = *state;
	const struct zt_pgmap *p;

	feed_init(t, PRIV, DEV_PFN, 0);
	p = pgmap(t, 1);
	assert_false(p->described);
	assert_int_equal(p->live_folios, 1);
	feed_pgmap(t, PRIV, ZDEV_PGMAP_PRIVATE, DEV_PFN, 65536, 0);
	assert_int_equal(t->nr_pgmaps, 1);
	assert_true(p->described);
	assert_string_equal(tracker_type_name(p->type), "private");
	assert_int_equal(p->live_folios, 1);
}

/* Folios alive before zdevmon started are pre-existing, not born. */
static void test_preexisting(void **state)
{
	struct tracker *t = *state;
	const struct zt_pgmap *p;

	feed_pgmap(t, PRIV, ZDEV_PGMAP_PRIVATE, DEV_PFN, 65536, 0);
	feed_unmap(t, PRIV, DEV_PFN + 7, 0, 0, 0);
	p = pgmap(t, 1);
	assert_int_equal(p->c.inits, 0);
	assert_int_equal(p->c.preexisting, 1);
	feed_free(t, PRIV, DEV_PFN + 7, 0);
	assert_int_equal(p->live_folios, 0);
	assert_int_equal(p->c.anomalies[ZT_AN_FREE_UNTRACKED], 0);
	/* a free of a folio never seen at all */
	feed_free(t, PRIV, DEV_PFN + 8, 0);
	assert_int_equal(p->c.anomalies[ZT_AN_FREE_UNTRACKED], 1);
	assert_int_equal(p->live_folios, 0);
}

static void test_anomalies(void **state)
{
	struct tracker *t = *state;
	const struct zt_pgmap *p;

	feed_pgmap(t, PRIV, ZDEV_PGMAP_PRIVATE, DEV_PFN, 65536, 1);
	feed_init(t, PRIV, DEV_PFN, 0);
	feed_init(t, PRIV, DEV_PFN, 0);
	p = pgmap(t, 1);
	assert_int_equal(p->c.anomalies[ZT_AN_DOUBLE_INIT], 1);
	assert_int_equal(p->live_folios, 1);

	feed_map(t, PRIV, DEV_PFN, 0, 1, 0);
	feed_folio(t, ZDEV_EV_FREE, PRIV, DEV_PFN, 0, 1, 0, 0);
	assert_int_equal(p->c.anomalies[ZT_AN_FREE_MAPPED], 1);

	feed_init(t, PRIV, DEV_PFN + 1, 0);
	feed_unmap(t, PRIV, DEV_PFN + 1, 0, -1, 0);
	assert_int_equal(p->c.anomalies[ZT_AN_MAPCOUNT_NEGATIVE], 1);
	assert_int_equal(p->mapped_pages, 0);

	feed_split(t, PRIV, DEV_PFN + 1024, 0);
	assert_int_equal(p->c.anomalies[ZT_AN_SPLIT_UNTRACKED], 1);
	assert_int_equal(tracker_anomalies(p), 4);
}

/*
 * A racy read in BPF can report any order up to 255: such an event is an
 * anomaly of its pgmap and changes no folio (no huge shift, no 2^255-way
 * split).
 */
static void test_impossible_order(void **state)
{
	struct tracker *t = *state;
	const struct zt_pgmap *p, *d;
	struct zt_folio_view v;
	struct zdev_event e;

	feed_pgmap(t, PRIV, ZDEV_PGMAP_PRIVATE, DEV_PFN, 1 << 20, 1);
	p = pgmap(t, 1);
	feed_init(t, PRIV, DEV_PFN, 255);
	feed_init(t, PRIV, DEV_PFN + 512, 19);
	assert_int_equal(tracker_live_folios(t), 0);
	assert_int_equal(p->live_pages, 0);
	assert_int_equal(tracker_anomalies(p), 2);
	assert_int_equal(p->c.anomalies[ZT_AN_BAD_ORDER], 2);
	assert_string_equal(tracker_anomaly_name(ZT_AN_BAD_ORDER), "bad_order");

	/* the largest real order is taken */
	feed_init(t, PRIV, DEV_PFN + (1 << 18), 18);
	assert_int_equal(p->live_pages, 1 << 18);

	/* a live folio keeps its order; a bad split changes nothing */
	feed_init(t, PRIV, DEV_PFN, 9);
	feed_map(t, PRIV, DEV_PFN, 64, 1, 1);
	assert_true(tracker_folio(t, DEV_PFN, &v));
	assert_int_equal(v.order, 9);
	e = ev_base(ZDEV_EV_SPLIT, PRIV);
	e.folio.pfn = DEV_PFN;
	e.folio.order = 9;
	e.folio.new_order = 200;
	tracker_event(t, &e);
	assert_true(tracker_folio(t, DEV_PFN, &v));
	assert_int_equal(v.order, 9);
	feed_folio(t, ZDEV_EV_DEVMAP_PUT, PRIV, DEV_PFN + 4096, 77, 0, 0, 0);
	assert_int_equal(tracker_anomalies(p), 5);
	assert_int_equal(tracker_live_folios(t), 2);
	assert_int_equal(p->live_pages, (1 << 18) + 512);

	/* born at its first map (device-dax): not born with a bad order */
	feed_pgmap(t, DAX, ZDEV_PGMAP_GENERIC, DEV_PFN << 1, 1 << 20, 1);
	d = pgmap(t, 2);
	feed_map(t, DAX, DEV_PFN << 1, 255, 1, 1);
	assert_int_equal(d->live_folios, 0);
	assert_int_equal(tracker_anomalies(d), 1);
}

/* Fork duplicates mappings without a hook: mapcounts are sampled. */
static void test_mapcount_sampled(void **state)
{
	struct tracker *t = *state;
	const struct zt_pgmap *p;

	feed_pgmap(t, PRIV, ZDEV_PGMAP_PRIVATE, DEV_PFN, 65536, 1);
	feed_init(t, PRIV, DEV_PFN, 0);
	feed_map(t, PRIV, DEV_PFN, 0, 1, 0);
	/* the child's unmap: 3 -> 2 after two invisible duplications */
	feed_unmap(t, PRIV, DEV_PFN, 0, 2, 0);
	p = pgmap(t, 1);
	assert_int_equal(p->mapped_pages, 1);
	assert_int_equal(p->c.anomalies[ZT_AN_MAPCOUNT_NEGATIVE], 0);
}

/*
 * Teardown: kill with folios live, the last put inside memunmap_pages()'s
 * wait, drain, gone: no anomaly (a clean driver); the address reused.
 */
static void test_teardown(void **state)
{
	struct tracker *t = *state;
	const struct zt_pgmap *p, *q;
	int ids[4];

	feed_pgmap(t, PRIV, ZDEV_PGMAP_PRIVATE, DEV_PFN, 65536, 1);
	feed_init(t, PRIV, DEV_PFN, 0);
	feed_marker(t, ZDEV_EV_PGMAP_KILL, PRIV);
	p = pgmap(t, 1);
	assert_int_equal(p->state, ZT_PGMAP_KILLING);
	assert_int_equal(p->live_at_kill, 1);
	assert_int_equal(p->c.anomalies[ZT_AN_TEARDOWN_LIVE], 0);
	/* waiting, but not for long yet */
	assert_int_equal(
		tracker_stuck_teardowns(t, p->kill_ns + 999, 1000, ids, 4), 0);
	feed_free(t, PRIV, DEV_PFN, 0);
	assert_int_equal(p->c.anomalies[ZT_AN_TEARDOWN_LIVE], 0);
	feed_marker(t, ZDEV_EV_PGMAP_DRAINED, PRIV);
	assert_int_equal(p->state, ZT_PGMAP_DRAINED);
	feed_marker(t, ZDEV_EV_PGMAP_GONE, PRIV);
	assert_int_equal(p->state, ZT_PGMAP_GONE);

	feed_pgmap(t, PRIV, ZDEV_PGMAP_PRIVATE, DEV_PFN, 65536, 1);
	q = pgmap(t, 2);
	assert_int_equal(q->state, ZT_PGMAP_LIVE);
	assert_int_equal(q->c.inits, 0);
	assert_int_equal(t->nr_pgmaps, 2);
}

/* A memunmap_pages() waiting past the bound is stuck: told once. */
static void test_teardown_stuck(void **state)
{
	struct tracker *t = *state;
	const struct zt_pgmap *p;
	int ids[4];

	feed_pgmap(t, PRIV, ZDEV_PGMAP_PRIVATE, DEV_PFN, 65536, 1);
	feed_init(t, PRIV, DEV_PFN, 0);
	feed_marker(t, ZDEV_EV_PGMAP_KILL, PRIV);
	p = pgmap(t, 1);
	assert_int_equal(
		tracker_stuck_teardowns(t, p->kill_ns + 1000, 1000, ids, 4), 1);
	assert_int_equal(ids[0], 1);
	assert_int_equal(p->c.anomalies[ZT_AN_TEARDOWN_LIVE], 1);
	assert_int_equal(
		tracker_stuck_teardowns(t, p->kill_ns + 5000, 1000, ids, 4), 0);
	assert_int_equal(p->c.anomalies[ZT_AN_TEARDOWN_LIVE], 1);
}

/*
 * FS DAX: memunmap_pages() does not wait for folios; one live when the
 * pgmap is gone is the anomaly, never a wait.
 */
static void test_teardown_fsdax(void **state)
{
	struct tracker *t = *state;
	const struct zt_pgmap *p;
	int ids[4];

	feed_pgmap(t, PRIV, ZDEV_PGMAP_FSDAX, DEV_PFN, 65536, 1);
	feed_map(t, PRIV, DEV_PFN, 0, 1, 0);
	feed_marker(t, ZDEV_EV_PGMAP_KILL, PRIV);
	p = pgmap(t, 1);
	assert_int_equal(
		tracker_stuck_teardowns(t, p->kill_ns + 5000, 1000, ids, 4), 0);
	feed_marker(t, ZDEV_EV_PGMAP_GONE, PRIV);
	assert_int_equal(p->c.anomalies[ZT_AN_TEARDOWN_LIVE], 1);
}

/* A pgmap's folios disappear with it, even unfreed ones. */
static void test_gone_drops_folios(void **state)
{
	struct tracker *t = *state;

	feed_pgmap(t, PRIV, ZDEV_PGMAP_PRIVATE, DEV_PFN, 65536, 1);
	feed_init(t, PRIV, DEV_PFN, 0);
	feed_init(t, PRIV, DEV_PFN + 1, 0);
	feed_marker(t, ZDEV_EV_PGMAP_GONE, PRIV);
	assert_int_equal(tracker_live_folios(t), 0);
	assert_int_equal(pgmap(t, 1)->live_folios, 0);
}

static void test_evict(void **state)
{
	struct tracker *t = *state;
	const struct zt_pgmap *p;

	feed_pgmap(t, PRIV, ZDEV_PGMAP_PRIVATE, DEV_PFN, 65536, 1);
	feed_migrate(t, PRIV, 100, 0, ZDEV_F_EVICT);
	p = pgmap(t, 1);
	assert_int_equal(p->c.migrated_to_ram_pages, 100);
	assert_int_equal(p->c.evicted_pages, 100);
	assert_int_equal(p->c.migrated_to_device_pages, 0);
}

/* v6.1/6.12 FS DAX: idle at refcount 1, only puts are seen. */
static void test_devmap_puts(void **state)
{
	struct tracker *t = *state;
	const struct zt_pgmap *p;
	struct zdev_event e;

	t->fsdax_idle_at_one = true;
	feed_pgmap(t, DAX, ZDEV_PGMAP_FSDAX, 0x40000, 0x10000, 0);
	p = pgmap(t, 1);
	assert_int_equal(tracker_idle_refcount(t, p), 1);
	/* an O_DIRECT read pinned two pages and put them back */
	e = ev_base(ZDEV_EV_DEVMAP_PUT, DAX);
	e.folio.pfn = 0x41000;
	e.folio.refcount = 1;
	tracker_event(t, &e);
	e.folio.pfn = 0x41001;
	tracker_event(t, &e);
	assert_int_equal(p->c.inits, 2);
	assert_int_equal(p->c.frees, 2);
	assert_int_equal(p->live_folios, 0);
	/* pinned twice, one put back: still referenced */
	e.folio.pfn = 0x41002;
	e.folio.refcount = 2;
	tracker_event(t, &e);
	assert_int_equal(p->live_folios, 1);
	e.folio.refcount = 1;
	tracker_event(t, &e);
	assert_int_equal(p->live_folios, 0);
	assert_int_equal(p->c.frees, 3);
	assert_int_equal(tracker_anomalies(p), 0);

	/* device-dax always idles at 1; FS DAX at 0 from v6.18 */
	t->fsdax_idle_at_one = false;
	assert_int_equal(tracker_idle_refcount(t, p), 0);
	feed_pgmap(t, PRIV, ZDEV_PGMAP_GENERIC, 0x80000, 0x1000, 0);
	assert_int_equal(tracker_idle_refcount(t, pgmap(t, 2)), 1);

	/* v7.x device-dax: born at its PMD map, idle again at the unmap */
	feed_map(t, PRIV, 0x80200, 9, 1, 1);
	assert_int_equal(pgmap(t, 2)->live_pages, 512);
	assert_int_equal(pgmap(t, 2)->mapped_pages, 512);
	feed_unmap(t, PRIV, 0x80200, 9, 0, 0);
	assert_int_equal(pgmap(t, 2)->live_folios, 0);
	assert_int_equal(pgmap(t, 2)->c.inits, 1);
	assert_int_equal(pgmap(t, 2)->c.frees, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_private_lifecycle, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_thp_split, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fsdax_4k, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fsdax_pmd, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_p2pdma, setup, teardown),
		cmocka_unit_test_setup_teardown(test_description_late, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_preexisting, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_anomalies, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_impossible_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mapcount_sampled, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_teardown_stuck, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_teardown_fsdax, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_teardown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gone_drops_folios, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_evict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_devmap_puts, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("tracker", tests, NULL, NULL);
}
